"""Oracle Admin: reward models of a community and a preview of a parameter change on the last epoch."""

from __future__ import annotations

from marshmallow import Schema, fields

from dapp_backend.auth import require_role
from dapp_backend.blueprints import ApiBlueprint
from dapp_backend.context import lec
from dapp_backend.services.model_preview import community_models, preview_model
from dapp_backend.services.roles import ORACLE_ADMIN

blp = ApiBlueprint("oracle_admin", __name__, url_prefix="/api/oracle", description="What the Oracle Admin sees")


class ScheduleEntrySchema(Schema):
    model = fields.String(required=True)
    effectiveFrom = fields.String(required=True)
    scheduledAt = fields.String(required=True)
    by = fields.String(required=True)


class ModelVersionSchema(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    effectiveFrom = fields.String(required=True)
    publishedAt = fields.String(required=True)
    publishedBy = fields.String(required=True)
    params = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)


class ModelsSchema(Schema):
    schedule = fields.List(
        fields.Nested(ScheduleEntrySchema),
        required=True,
        metadata={"description": "which model is the community's active one from when"},
    )
    versions = fields.List(fields.Nested(ModelVersionSchema), required=True)


class PreviewArgs(Schema):
    model = fields.String(required=True, metadata={"description": "self_consumption | peak_shaving | combined"})
    params = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(allow_none=True),
        required=True,
        metadata={"description": "parameter name -> value in plain decimal (text or number)"},
    )


class PreviewMemberSchema(Schema):
    member = fields.String(required=True)
    amount = fields.String(required=True, metadata={"description": "base units under the previewed model"})
    current = fields.String(required=True, metadata={"description": "base units the epoch computed (and paid)"})
    paid = fields.Boolean(required=True)


class PreviewModelSchema(Schema):
    id = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    params = fields.Dict(keys=fields.String(), values=fields.Float(), allow_none=True)


class PreviewSchema(Schema):
    epoch = fields.Integer(required=True)
    model = fields.String(required=True)
    params = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        required=True,
        metadata={"description": "as computed: defaults filled in, through the 6-decimal fixed point"},
    )
    period = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    currentModel = fields.Nested(PreviewModelSchema, required=True)
    total = fields.String(required=True)
    currentTotal = fields.String(required=True)
    members = fields.List(fields.Nested(PreviewMemberSchema), required=True)


@blp.route("/communities/<token>/models", methods=["GET"])
@require_role(ORACLE_ADMIN)
@blp.response(200, ModelsSchema)
@blp.alt_response(401, description="not signed in")
@blp.alt_response(403, description="not the Oracle Admin")
@blp.alt_response(404, description="no community has this token")
def models(token):
    """The community's model schedule and every published version, from the ModelRegistry."""
    return community_models(lec(), token)


@blp.route("/communities/<token>/models/preview", methods=["POST"])
@require_role(ORACLE_ADMIN)
@blp.arguments(PreviewArgs)
@blp.response(200, PreviewSchema)
@blp.alt_response(400, description="a parameter (named in field) or the model is not valid; or no CSRF token")
@blp.alt_response(401, description="not signed in")
@blp.alt_response(403, description="not the Oracle Admin")
@blp.alt_response(404, description="no community has this token, or it has no done epoch")
def preview(body, token):
    """What the last done epoch would have paid under this model and parameters (computed, nothing written)."""
    return preview_model(lec(), token, body["model"], body["params"])
