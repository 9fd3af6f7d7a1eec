"""/api/platform: what a browser needs to talk to the platform's chain (chain id, RPC, contracts and ABIs)."""
from __future__ import annotations

from dapp_backend.blueprints import ApiBlueprint

blp = ApiBlueprint("platform", __name__, url_prefix="/api/platform", description="The platform's chain and contracts")
