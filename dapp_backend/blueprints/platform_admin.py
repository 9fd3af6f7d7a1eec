"""Platform Admin: auditors granted and revoked."""
from __future__ import annotations

from dapp_backend.blueprints import ApiBlueprint

blp = ApiBlueprint("platform_admin", __name__, url_prefix="/api/platform-admin", description="What the Platform Admin does")
