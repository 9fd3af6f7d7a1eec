"""/api/communities: communities, their epochs, a member's rewards, take-out files and readings."""
from __future__ import annotations

from dapp_backend.blueprints import ApiBlueprint

blp = ApiBlueprint("communities", __name__, url_prefix="/api/communities", description="Communities, epochs, rewards, take-out files and readings")
