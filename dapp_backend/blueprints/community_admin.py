"""Community Admin and Token Admin views of a community: members, community-work requests, token activity."""
from __future__ import annotations

from dapp_backend.blueprints import ApiBlueprint

blp = ApiBlueprint("community_admin", __name__, url_prefix="/api/communities", description="What a community's administrators see")
