"""Community Admin and Token Admin views of a community: members, community-work requests, token activity, a
member's token history.

Every route answers, in this order: 401 not signed in, 404 a <token> that is no community of the platform,
403 an address without the route's standing on that community, 400 a bad query (naming the field).
"""

from __future__ import annotations

from functools import wraps

from marshmallow import Schema, fields, validate

from dapp_backend.auth import current_standing, require_signed_in
from dapp_backend.blueprints import ApiBlueprint
from dapp_backend.blueprints.paging import PageArgs, page_schema
from dapp_backend.context import lec
from dapp_backend.services import privacy as privacy_service
from dapp_backend.services.activity import DEFAULT_DAYS, MAX_DAYS, community_activity, member_address, member_history
from dapp_backend.services.errors import Forbidden
from dapp_backend.services.members_admin import community_members, community_of
from dapp_backend.services.roles import COMMUNITY_ADMIN, TOKEN_ADMIN
from dapp_backend.services.work_requests import STATUSES, work_requests

blp = ApiBlueprint(
    "community_admin", __name__, url_prefix="/api/communities", description="What a community's administrators see"
)

ADMINS = (COMMUNITY_ADMIN, TOKEN_ADMIN)


def community_standing(*, members: bool = False, themself: bool = False):
    """Lets through the community's Community Admin and Token Admin; also its active members (`members`) or the
    URL's <member> (`themself`). The URL's <token> reaches the view checksummed."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            held = current_standing()
            community = community_of(lec(), kwargs["token"])
            kwargs["token"] = community.token
            standing = held.community(community.token)
            if any(held.has(role, community.token) for role in ADMINS):
                return view(*args, **kwargs)
            if members and standing is not None and standing.member:
                return view(*args, **kwargs)
            if themself and held.address == member_address(kwargs["member"]):
                return view(*args, **kwargs)
            who = (
                "Community Admin or Token Admin"
                + (", or a member," if members else "")
                + (", or the member themself," if themself else "")
            )
            raise Forbidden(f"{held.address} is not a {who} of community {community.name!r} ({community.token})")

        return wrapped

    return decorate


class AdminMemberSchema(Schema):
    wallet = fields.String(required=True)
    kind = fields.String(allow_none=True, metadata={"description": "citizen | stakeholder (the token's)"})
    profile = fields.String(allow_none=True, metadata={"description": "consumer | prosumer | prostormer"})
    active = fields.Boolean(required=True, metadata={"description": "an active member on-chain now"})
    balance = fields.String(required=True, metadata={"description": "base units, as a decimal string"})
    name = fields.String(
        allow_none=True,
        metadata={"description": "from the oracle's records; null when added on-chain only or forgotten"},
    )


class WorkRequestArgs(PageArgs):
    status = fields.String(
        validate=validate.OneOf(list(STATUSES.values())),
        metadata={"description": "pending | approved | rejected; all when left out"},
    )


class WorkRequestSchema(Schema):
    id = fields.Integer(required=True)
    member = fields.String(required=True)
    category = fields.String(required=True)
    amount = fields.String(required=True, metadata={"description": "base units"})
    ref = fields.String(required=True, metadata={"description": "the workRef, bytes32 hex"})
    description = fields.String(allow_none=True, metadata={"description": "the workRef as text when it is text"})
    status = fields.String(required=True)
    structure = fields.String(allow_none=True)
    structureShareBps = fields.Integer(required=True)


class ActivityArgs(Schema):
    days = fields.Integer(
        load_default=DEFAULT_DAYS,
        validate=validate.Range(min=1, max=MAX_DAYS),
        metadata={"description": f"the last N UTC days, today included (1..{MAX_DAYS})"},
    )


class ActivityDaySchema(Schema):
    date = fields.String(required=True)
    transfers = fields.Integer(required=True)
    volume = fields.String(required=True, metadata={"description": "base units sent in transfers and services"})
    fees = fields.String(required=True, metadata={"description": "base units of fees to the treasury"})
    services = fields.Integer(required=True)


class ActivitySchema(Schema):
    days = fields.List(fields.Nested(ActivityDaySchema), required=True)


HistoryItemSchema = Schema.from_dict(
    {
        "tx": fields.String(required=True),
        "block": fields.Integer(required=True),
        "time": fields.String(required=True),
        "kind": fields.String(
            required=True, metadata={"description": "transfer | service | reward | welcome | fee | work"}
        ),
        "from": fields.String(required=True),
        "to": fields.String(required=True),
        "amount": fields.String(required=True, metadata={"description": "base units the sender sent"}),
        "fee": fields.String(required=True, metadata={"description": "base units of it that went to the treasury"}),
    },
    name="HistoryItemSchema",
)


def _documented(view):
    for status, what in (
        (401, "not signed in"),
        (403, "not an administrator of the community"),
        (404, "no community has this token"),
        (400, "a query argument is not valid"),
    ):
        view = blp.alt_response(status, description=what)(view)
    return view


@blp.route("/<token>/members", methods=["GET"])
@community_standing()
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(AdminMemberSchema))
@_documented
def members(query, token):
    """The community's members (oracle records joined with the chain), by address; admins of the community."""
    return community_members(lec(), token, query)


@blp.route("/<token>/work-requests", methods=["GET"])
@community_standing()
@blp.arguments(WorkRequestArgs, location="query")
@blp.response(200, page_schema(WorkRequestSchema))
@_documented
def work_request_list(query, token):
    """Community-work requests as the token holds them, newest first; admins of the community."""
    return work_requests(lec(), token, query)


@blp.route("/<token>/activity", methods=["GET"])
@community_standing(members=True)
@blp.arguments(ActivityArgs, location="query")
@blp.response(200, ActivitySchema)
@_documented
def activity(query, token):
    """Token volume per UTC day from the token's events; admins and members of the community."""
    return community_activity(lec(), token, query["days"])


@blp.route("/<token>/members/<member>/history", methods=["GET"])
@community_standing(themself=True)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(HistoryItemSchema))
@_documented
def history(query, token, member):
    """A member's token movements (one per transaction, newest first, fees shown); the member or admins."""
    return member_history(lec(), token, member, query)


# ------------------------------------------------------------------ members' requests to be forgotten (Community Admin)


class ErasureRequestArgs(PageArgs):
    status = fields.String(
        load_default="pending",
        validate=validate.OneOf(list(privacy_service.STATUSES)),
        metadata={"description": "pending (the default) | confirmed | rejected"},
    )


class AdminErasureRequestSchema(Schema):
    id = fields.Integer(required=True)
    wallet = fields.String(required=True)
    reason = fields.String(allow_none=True, required=True, metadata={"description": "null once the data is erased"})
    status = fields.String(required=True)
    requestedAt = fields.String(required=True)
    decidedAt = fields.String(allow_none=True, required=True)
    decidedBy = fields.String(allow_none=True, required=True)
    note = fields.String(allow_none=True, required=True)


class ErasureDecisionSchema(Schema):
    request = fields.Nested(AdminErasureRequestSchema, required=True)
    erased = fields.Dict(metadata={"description": "what was erased (confirm only): counts per kind of data"})


class RejectArgs(Schema):
    note = fields.String(required=True, metadata={"description": "why, for the member (1..2000 characters)"})


def _decision_documented(view):
    for status, what in (
        (400, "no note (reject), or no CSRF token"),
        (401, "not signed in"),
        (403, "not the community's Community Admin, or their own request"),
        (404, "no such community or request in it"),
        (409, "the request was already decided"),
    ):
        view = blp.alt_response(status, description=what)(view)
    return view


@blp.route("/<token>/erasure-requests", methods=["GET"])
@require_signed_in
@blp.arguments(ErasureRequestArgs, location="query")
@blp.response(200, page_schema(AdminErasureRequestSchema))
@_documented
def erasure_request_list(query, token):
    """Members' requests to be forgotten (pending by default), oldest first; the community's Community Admin."""
    return privacy_service.erasure_requests(lec(), current_standing(), token, query)


@blp.route("/<token>/erasure-requests/<int:number>/confirm", methods=["POST"])
@require_signed_in
@blp.response(200, ErasureDecisionSchema)
@_decision_documented
def confirm_erasure(token, number):
    """Erases the member's personal data in the community (name, e-mail, devices, readings, salts, take-out
    files; what is on-chain stays) and says what was erased."""
    return privacy_service.confirm(lec(), current_standing(), token, number)


@blp.route("/<token>/erasure-requests/<int:number>/reject", methods=["POST"])
@require_signed_in
@blp.arguments(RejectArgs)
@blp.response(200, ErasureDecisionSchema)
@_decision_documented
def reject_erasure(body, token, number):
    """Rejects the request with a note the member reads; nothing is erased."""
    return privacy_service.reject(lec(), current_standing(), token, number, body["note"])
