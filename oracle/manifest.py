"""The deployment manifest: one JSON file per chain id, the only way Python and JavaScript find contracts.

Format (deployments/<chainId>.json; see README "Deployment manifest"):
{
  "format": "lec-deployment-v1",
  "chainId": 31337,
  "network": "lec-test",
  "deployedAt": "2026-11-21T23:30:00Z",
  "deployer": "0x…",
  "roles": {"platformAdmin": "0x…", "oracleAdmin": "0x…", "oracle": "0x…"},
  "contracts": {"CommunityFactory": {"address": "0x…", "blockNumber": 1, "abi": [...]}, ...},
  "communityToken": {"abi": [...]},
  "communities": {"<name>": {"address": "0x…", "symbol": "…", "blockNumber": 9,
                              "communityAdmin": "0x…", "tokenAdmin": "0x…"}}
}
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

FORMAT = "lec-deployment-v1"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def deployments_dir() -> Path:
    return Path(os.environ.get("LEC_DEPLOYMENTS_DIR", PROJECT_ROOT / "deployments"))


def manifest_path(chain_id: int, directory: Path | None = None) -> Path:
    return (directory or deployments_dir()) / f"{chain_id}.json"


def new_manifest(chain_id: int, network: str, deployer: str, roles: dict) -> dict:
    return {
        "format": FORMAT,
        "chainId": chain_id,
        "network": network,
        "deployedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "deployer": deployer,
        "roles": roles,
        "contracts": {},
        "communityToken": {"abi": []},
        "communities": {},
    }


def load_manifest(chain_id: int, directory: Path | None = None) -> dict:
    path = manifest_path(chain_id, directory)
    if not path.exists():
        raise FileNotFoundError(f"no deployment manifest for chain {chain_id} at {path}: run scripts/deploy.py first")
    data = json.loads(path.read_text())
    if data.get("format") != FORMAT or data.get("chainId") != chain_id:
        raise ValueError(f"{path} is not a {FORMAT} manifest for chain {chain_id}")
    return data


def save_manifest(manifest: dict, directory: Path | None = None) -> Path:
    path = manifest_path(manifest["chainId"], directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(path)  # atomic: a reader never sees half a manifest
    return path
