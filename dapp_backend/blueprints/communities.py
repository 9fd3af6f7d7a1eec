"""/api/communities: communities, their epochs, a member's rewards, take-out files and readings.

Every route needs a signed-in address (401); the services decide who sees what (dapp_backend/services/access.py):
aggregates to the community's members and the platform's readers, personal data to the member themself,
the community admin and auditors (403 others). Unknown token, epoch or member: 404.
"""

from __future__ import annotations

from flask import current_app, jsonify
from flask_limiter.util import get_remote_address
from marshmallow import Schema, fields, validate

from dapp_backend.auth import current_address, current_standing, require_signed_in
from dapp_backend.blueprints import ApiBlueprint
from dapp_backend.blueprints.paging import PageArgs, page_schema
from dapp_backend.context import lec
from dapp_backend.extensions import limiter
from dapp_backend.services import communities as community_service
from dapp_backend.services import epochs as epoch_service
from dapp_backend.services import privacy as privacy_service
from dapp_backend.services import readings as reading_service
from dapp_backend.services import rewards as reward_service
from dapp_backend.services import takeouts as takeout_service

blp = ApiBlueprint(
    "communities",
    __name__,
    url_prefix="/api/communities",
    description="Communities, epochs, rewards, take-out files and readings",
)

AMOUNT = {"description": "base units (18 decimals), as a decimal string"}


class RewardModelSchema(Schema):
    id = fields.String(required=True, metadata={"description": "the reward model, e.g. self_consumption"})
    version = fields.Integer(required=True)
    effectiveFrom = fields.String(required=True, metadata={"description": "ISO 8601 UTC"})
    params = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)


class CommunitySummarySchema(Schema):
    name = fields.String(required=True)
    token = fields.String(required=True)
    symbol = fields.String(required=True)
    decimals = fields.Integer(required=True)
    members = fields.Integer(required=True, metadata={"description": "active members on-chain"})
    treasury = fields.String(required=True)
    treasuryBalance = fields.String(required=True, metadata=AMOUNT)
    feeBps = fields.Integer(required=True)
    activeModel = fields.Nested(
        RewardModelSchema,
        allow_none=True,
        required=True,
        metadata={"description": "the version ruling a period that starts now; null: none"},
    )


class WelcomeBonusSchema(Schema):
    citizen = fields.String(required=True, metadata=AMOUNT)
    stakeholder = fields.String(required=True, metadata=AMOUNT)


class IncentiveSchema(Schema):
    category = fields.Integer(required=True, metadata={"description": "CommunityToken.Category, 1..5"})
    name = fields.String(required=True, metadata={"description": "the category's name in the contract"})
    bps = fields.Integer(required=True)
    recipient = fields.String(required=True, metadata={"description": "payer | provider"})


class CommunityDetailSchema(CommunitySummarySchema):
    welcomeBonus = fields.Nested(WelcomeBonusSchema, required=True)
    incentives = fields.List(fields.Nested(IncentiveSchema), required=True)
    claimWindow = fields.Integer(required=True, metadata={"description": "seconds an epoch's rewards stay claimable"})


ERRORS_401 = {"description": "not signed in"}


@blp.route("", methods=["GET"])
@require_signed_in
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(CommunitySummarySchema))
@blp.alt_response(400, description="a bad page or per_page")
@blp.alt_response(401, **ERRORS_401)
def communities(query):
    """Every community of the platform, by name: token, symbol, members, treasury, fee and active model."""
    return community_service.list_communities(lec(), query)


@blp.route("/<token>", methods=["GET"])
@require_signed_in
@blp.response(200, CommunityDetailSchema)
@blp.alt_response(401, **ERRORS_401)
@blp.alt_response(404, description="no community has this token")
def community(token):
    """One community with its welcome bonuses, service incentives and claim window."""
    return community_service.community_detail(lec(), token)


# ------------------------------------------------------------------ epochs (the community's members and readers)


class EpochPeriodSchema(Schema):
    start = fields.String(required=True)
    end = fields.String(required=True)
    dataStart = fields.String(allow_none=True, metadata={"description": "earlier than start when a baseline is read"})


class EpochSchema(Schema):
    number = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "running | waiting | done | voided"})
    period = fields.Nested(EpochPeriodSchema, required=True)
    model = fields.Nested(RewardModelSchema, allow_none=True, required=True)
    root = fields.String(allow_none=True, required=True)
    datasetHash = fields.String(allow_none=True, required=True)
    leafCount = fields.Integer(allow_none=True, required=True)
    total = fields.String(allow_none=True, required=True, metadata=AMOUNT)
    paidCount = fields.Integer(
        allow_none=True, required=True, metadata={"description": "leaves paid, from the notary; null when not on-chain"}
    )
    payableAt = fields.String(allow_none=True, required=True)
    kpis = fields.Dict(allow_none=True, required=True, metadata={"description": "the community's KPIs"})


class EpochStepSchema(Schema):
    step = fields.String(required=True)
    finishedAt = fields.String(required=True)
    detail = fields.Dict(allow_none=True)


class EpochDetailSchema(EpochSchema):
    steps = fields.List(fields.Nested(EpochStepSchema), required=True)


READER_403 = {"description": "not a member of the community nor one of its or the platform's readers"}
PERSONAL_403 = {"description": "neither the member, the community admin nor an auditor"}


@blp.route("/<token>/epochs", methods=["GET"])
@require_signed_in
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(EpochSchema))
@blp.alt_response(400, description="a bad page or per_page")
@blp.alt_response(401, **ERRORS_401)
@blp.alt_response(403, **READER_403)
@blp.alt_response(404, description="no community has this token")
def epochs(query, token):
    """The community's epochs, newest first: period, model and parameters, root, total, leaves paid, KPIs."""
    return epoch_service.list_epochs(lec(), current_standing(), token, query)


@blp.route("/<token>/epochs/<number>", methods=["GET"])
@require_signed_in
@blp.response(200, EpochDetailSchema)
@blp.alt_response(401, **ERRORS_401)
@blp.alt_response(403, **READER_403)
@blp.alt_response(404, description="no such community or epoch")
def epoch(token, number):
    """One epoch with the steps the oracle ran."""
    return epoch_service.epoch_detail(lec(), current_standing(), token, number)


# ------------------------------------------------------------------ personal data (member, community admin, auditor)


class RewardSchema(Schema):
    epoch = fields.Integer(required=True)
    member = fields.String(required=True)
    index = fields.Integer(allow_none=True, required=True, metadata={"description": "the leaf's index"})
    amount = fields.String(required=True, metadata=AMOUNT)
    kpis = fields.Dict(allow_none=True, required=True)
    paid = fields.Boolean(required=True, metadata={"description": "the notary's paid bit for the leaf"})
    paidTx = fields.String(allow_none=True, required=True)
    skipped = fields.Boolean(required=True, metadata={"description": "a push skipped it (not an active member)"})
    dataHash = fields.String(allow_none=True, required=True)
    root = fields.String(allow_none=True, required=True)
    claimable = fields.Boolean(required=True)
    debtDeducted = fields.String(
        required=True,
        metadata={"description": "base units this leaf paid off of the member's debt (amount = reward − it)"},
    )
    corrections = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "the member's leaves in revisions of the epoch (corrected data): revision, previousReward, "
            "reward, topUp (paid against the revision's root), debt (deducted from later rewards), paid"
        },
    )


class RewardProofSchema(RewardSchema):
    proof = fields.List(fields.String(), required=True, metadata={"description": "the leaf's Merkle proof"})


class TakeoutSchema(Schema):
    class Meta:
        unknown = "include"

    format = fields.String(required=True, metadata={"description": "lec-takeout-v2: see `oracle takeout`"})


class TimeRangeArgs(Schema):
    start = fields.String(required=True, metadata={"description": "ISO 8601 with its UTC offset, on the quarter hour"})
    end = fields.String(required=True, metadata={"description": "after start, at most 31 days later"})


class QuarterHourEnergySchema(Schema):
    ts = fields.String(required=True, metadata={"description": "start of the quarter hour, UTC"})
    consumption_wh = fields.Float(allow_none=True, required=True, metadata={"description": "null: no reading"})
    production_wh = fields.Float(allow_none=True, required=True, metadata={"description": "null: no reading"})


class ProductionSchema(Schema):
    start = fields.String(required=True)
    end = fields.String(required=True)
    series = fields.List(fields.Nested(QuarterHourEnergySchema), required=True)


class ReadingsSchema(ProductionSchema):
    member = fields.String(required=True)


@blp.route("/<token>/epochs/<number>/rewards/<member>", methods=["GET"])
@require_signed_in
@blp.response(200, RewardProofSchema)
@blp.alt_response(400, description="member is not an address")
@blp.alt_response(401, **ERRORS_401)
@blp.alt_response(403, **PERSONAL_403)
@blp.alt_response(404, description="no such community or epoch, or no leaf of the member")
def reward(token, number, member):
    """A member's reward in an epoch: amount, KPIs, paid, and the proof a claim sends."""
    return reward_service.member_reward(lec(), current_standing(), token, number, member)


@blp.route("/<token>/members/<member>/rewards", methods=["GET"])
@require_signed_in
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(RewardSchema))
@blp.alt_response(400, description="a bad page, per_page or member")
@blp.alt_response(401, **ERRORS_401)
@blp.alt_response(403, **PERSONAL_403)
@blp.alt_response(404, description="no such community, or the address was never its member")
def member_rewards(query, token, member):
    """A member's rewards of every epoch, newest first (without proofs)."""
    return reward_service.member_rewards(lec(), current_standing(), token, member, query)


class TakeoutArgs(Schema):
    revision = fields.Integer(
        validate=validate.Range(min=1, max=2**32 - 1),
        metadata={"description": "a revision of the epoch (its data corrected, `oracle epoch correct`): its take-out"},
    )


@blp.route("/<token>/epochs/<number>/takeout/<member>", methods=["GET"])
@require_signed_in
@blp.arguments(TakeoutArgs, location="query")
@blp.response(200, TakeoutSchema)
@blp.alt_response(400, description="member is not an address, or the epoch's commitment does not stand")
@blp.alt_response(401, **ERRORS_401)
@blp.alt_response(403, **PERSONAL_403)
@blp.alt_response(404, description="no such community or epoch, or no leaf of the member")
def takeout(query, token, number, member):
    """The member's take-out file, as `oracle takeout` writes it (verify it with `oracle verify`); with
    `revision`, the take-out of that revision of the epoch."""
    # the document as built, not dumped through a schema: a schema would drop or reorder what it does not name
    document = takeout_service.member_takeout(lec(), current_standing(), token, number, member, query.get("revision"))
    return jsonify(document)


@blp.route("/<token>/members/<member>/readings", methods=["GET"])
@require_signed_in
@blp.arguments(TimeRangeArgs, location="query")
@blp.response(200, ReadingsSchema)
@blp.alt_response(400, description="a missing, malformed or too long time range, or member not an address")
@blp.alt_response(401, **ERRORS_401)
@blp.alt_response(403, **PERSONAL_403)
@blp.alt_response(404, description="no such community, or the address was never its member")
def readings(query, token, member):
    """The member's own consumption and production per quarter hour (Wh)."""
    return reading_service.member_readings(lec(), current_standing(), token, member, query["start"], query["end"])


@blp.route("/<token>/production", methods=["GET"])
@require_signed_in
@blp.arguments(TimeRangeArgs, location="query")
@blp.response(200, ProductionSchema)
@blp.alt_response(400, description="a missing, malformed or too long time range")
@blp.alt_response(401, **ERRORS_401)
@blp.alt_response(403, **READER_403)
@blp.alt_response(404, description="no community has this token")
def production(query, token):
    """The community's production and consumption per quarter hour (Wh), all members together."""
    return reading_service.community_production(lec(), current_standing(), token, query["start"], query["end"])


# ------------------------------------------------------------------ my data and my request to be forgotten (the member)

OWN_403 = {"description": "not the member themself (nobody else, admins included, acts for a member here)"}


class MyDataSchema(Schema):
    class Meta:
        unknown = "include"


class ErasureRequestSchema(Schema):
    id = fields.Integer(required=True)
    wallet = fields.String(required=True)
    reason = fields.String(allow_none=True, required=True, metadata={"description": "null once the data is erased"})
    status = fields.String(required=True, metadata={"description": "pending | confirmed | rejected"})
    requestedAt = fields.String(required=True)
    decidedAt = fields.String(allow_none=True, required=True)
    decidedBy = fields.String(allow_none=True, required=True, metadata={"description": "the admin's address"})
    note = fields.String(allow_none=True, required=True, metadata={"description": "why it was rejected"})


class MyErasureRequestSchema(Schema):
    request = fields.Nested(ErasureRequestSchema, allow_none=True, required=True, metadata={"description": "latest"})


class ReasonArgs(Schema):
    reason = fields.String(required=True, metadata={"description": "why, for the Community Admin (1..2000 chars)"})


def _signed_in_address() -> str:
    """Rate-limit key: the signed-in address (the IP for a request that is not signed in, refused anyway)."""
    return current_address() or get_remote_address()


@blp.route("/<token>/members/<member>/personal-data", methods=["GET"])
@require_signed_in
@blp.response(200, MyDataSchema, description="a JSON attachment: lec-my-data-<community>-<wallet>.json")
@blp.alt_response(400, description="member is not an address")
@blp.alt_response(401, **ERRORS_401)
@blp.alt_response(403, **OWN_403)
@blp.alt_response(404, description="no such community, or the address was never its member")
def personal_data(token, member):
    """Every personal datum and reading the platform holds about me in the community (GDPR access and
    portability), as a file to save; never cached."""
    document, name = privacy_service.my_data(lec(), current_standing(), token, member)
    response = jsonify(document)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@blp.route("/<token>/members/<member>/erasure-request", methods=["GET"])
@require_signed_in
@blp.response(200, MyErasureRequestSchema)
@blp.alt_response(400, description="member is not an address")
@blp.alt_response(401, **ERRORS_401)
@blp.alt_response(403, **OWN_403)
@blp.alt_response(404, description="no community has this token")
def my_erasure_request(token, member):
    """My latest request to be forgotten in the community and its decision (null: never asked)."""
    return privacy_service.my_erasure_request(lec(), current_standing(), token, member)


@blp.route("/<token>/members/<member>/erasure-request", methods=["POST"])
@require_signed_in
@limiter.limit(lambda: current_app.config["ERASURE_REQUEST_LIMIT"], key_func=_signed_in_address)
@blp.arguments(ReasonArgs)
@blp.response(201, ErasureRequestSchema, description="recorded, pending until the Community Admin decides")
@blp.alt_response(400, description="no reason, member not an address, or no CSRF token")
@blp.alt_response(401, **ERRORS_401)
@blp.alt_response(403, **OWN_403)
@blp.alt_response(404, description="no such community, or the address was never its member")
@blp.alt_response(409, description="a request of the member is already pending")
@blp.alt_response(429, description="too many requests from this address")
def ask_to_be_forgotten(body, token, member):
    """Asks the Community Admin to erase my personal data in the community (what stays on-chain: balances and
    transfers, each reward leaf's amount and data hash)."""
    return privacy_service.ask_to_be_forgotten(lec(), current_standing(), token, member, body["reason"]), 201
