"""/api/me: the signed-in address, its roles and its communities."""

from __future__ import annotations

from marshmallow import Schema, fields

from dapp_backend.auth import current_standing, require_signed_in
from dapp_backend.blueprints import ApiBlueprint

blp = ApiBlueprint("me", __name__, url_prefix="/api/me", description="The signed-in person")


class CommunitySchema(Schema):
    name = fields.String(required=True)
    token = fields.String(required=True)
    member = fields.Boolean(required=True, metadata={"description": "an active member now"})
    kind = fields.String(allow_none=True, metadata={"description": "citizen | stakeholder; null if never a member"})
    profile = fields.String(allow_none=True, metadata={"description": "consumer | prosumer | prostormer"})
    balance = fields.String(required=True, metadata={"description": "base units, as a decimal string"})
    roles = fields.List(fields.String(), metadata={"description": "community_admin, token_admin on this token"})


class MeSchema(Schema):
    address = fields.String(required=True)
    roles = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "platform_admin, oracle_admin, community_admin, token_admin, auditor"},
    )
    communities = fields.List(fields.Nested(CommunitySchema), required=True)


@blp.route("", methods=["GET"])
@require_signed_in
@blp.response(200, MeSchema)
@blp.alt_response(401, description="not signed in")
def me():
    """Who the session is: roles from the chain (auditor from the platform's records), every community."""
    held = current_standing()
    return {
        "address": held.address,
        "roles": held.roles,
        "communities": [
            {
                "name": c.name,
                "token": c.token,
                "member": c.member,
                "kind": c.kind,
                "profile": c.profile,
                "balance": str(c.balance),
                "roles": list(c.roles),
            }
            for c in held.communities
        ],
    }
