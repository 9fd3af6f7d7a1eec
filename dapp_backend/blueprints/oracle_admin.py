"""Oracle Admin: reward models of a community and a preview of a parameter change on the last epoch."""
from __future__ import annotations

from dapp_backend.blueprints import ApiBlueprint

blp = ApiBlueprint("oracle_admin", __name__, url_prefix="/api/oracle", description="What the Oracle Admin sees")
