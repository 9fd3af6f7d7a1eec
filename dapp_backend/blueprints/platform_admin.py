"""Platform Admin: auditors granted and revoked (kept in the database, see services/auditors.py)."""

from __future__ import annotations

from marshmallow import Schema, fields

from dapp_backend.auth import current_address, require_role
from dapp_backend.blueprints import ApiBlueprint
from dapp_backend.blueprints.paging import PageArgs, page_schema
from dapp_backend.context import lec
from dapp_backend.services.auditors import current_auditor, grant_auditor, list_auditors, revoke_auditor
from dapp_backend.services.errors import NotFound
from dapp_backend.services.roles import PLATFORM_ADMIN

blp = ApiBlueprint(
    "platform_admin", __name__, url_prefix="/api/platform-admin", description="What the Platform Admin does"
)


class AuditorSchema(Schema):
    address = fields.String(required=True)
    grantedBy = fields.String(required=True)
    grantedAt = fields.String(required=True)


class GrantArgs(Schema):
    address = fields.String(required=True, metadata={"description": "the auditor's address (EIP-55 when mixed case)"})


def _documented(view):
    for status, what in ((401, "not signed in"), (403, "not the Platform Admin")):
        view = blp.alt_response(status, description=what)(view)
    return view


@blp.route("/auditors", methods=["GET"])
@require_role(PLATFORM_ADMIN)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(AuditorSchema))
@blp.alt_response(400, description="a query argument is not valid")
@_documented
def auditors(query):
    """The current auditors, earliest grant first."""
    return list_auditors(lec(), query)


@blp.route("/auditors", methods=["POST"])
@require_role(PLATFORM_ADMIN)
@blp.arguments(GrantArgs)
@blp.response(201, AuditorSchema, description="granted now")
@blp.alt_response(200, schema=AuditorSchema, description="already an auditor: the grant in force")
@blp.alt_response(400, description="not a valid address (field address), or no CSRF token")
@_documented
def grant(body):
    """Makes an address an auditor (201); one that already is answers 200 with its grant."""
    created = grant_auditor(lec(), body["address"], by=current_address())
    return current_auditor(lec(), body["address"]), 201 if created else 200


@blp.route("/auditors/<address>", methods=["DELETE"])
@require_role(PLATFORM_ADMIN)
@blp.response(204)
@blp.alt_response(400, description="not a valid address (field address), or no CSRF token")
@blp.alt_response(404, description="the address is no auditor")
@_documented
def revoke(address):
    """Ends an address's auditor role; the grant stays on record with who revoked it and when."""
    if not revoke_auditor(lec(), address, by=current_address()):
        raise NotFound(f"{address} is not an auditor: nothing to revoke", "address")
