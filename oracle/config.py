"""Where the oracle finds its database, chain, keys and deployment manifest.

Two modes, chosen per resource:
- configured (production): DATABASE_URL for PostgreSQL; LEC_RPC_URL + LEC_CHAIN_ID + LEC_MANIFEST for
  the chain; keystores in LEC_KEYSTORE_DIR unlocked with LEC_KEYSTORE_PASSPHRASE (required);
  personal data encrypted with LEC_DATA_KEY (required);
- embedded defaults (development): everything under the home directory (--home, env LEC_HOME,
  default ~/.lec): an embedded PostgreSQL in home/pgdata, an anvil chain whose state persists in
  home/anvil, generated keystores in home/keystores with their passphrase in home/secrets/.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from oracle.errors import ConfigError

ANVIL_CHAIN_ID = 31337
DEFAULT_ANVIL_PORT = 8545


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str | None = None
    rpc_url: str | None = None
    chain_id: int | None = None
    manifest_file: Path | None = None
    keystore_dir: Path | None = None
    passphrase: str | None = None
    data_key: str | None = None
    anvil_port: int = DEFAULT_ANVIL_PORT
    batch_size: int = 100
    schedule_file: Path | None = None
    extra: dict = field(default_factory=dict)

    # ---------------------------------------------------------------- modes

    @property
    def embedded_db(self) -> bool:
        return self.database_url is None

    @property
    def embedded_chain(self) -> bool:
        return self.rpc_url is None

    @property
    def production(self) -> bool:
        """Any configured resource makes the setup a production one: secrets must come from the environment."""
        return not (self.embedded_db and self.embedded_chain)

    # ---------------------------------------------------------------- paths

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def anvil_dir(self) -> Path:
        return self.home / "anvil"

    @property
    def secrets_dir(self) -> Path:
        return self.home / "secrets"

    @property
    def keystores(self) -> Path:
        return self.keystore_dir or self.home / "keystores"

    @property
    def deployments(self) -> Path:
        return self.home / "deployments"

    @property
    def effective_rpc_url(self) -> str:
        return self.rpc_url or f"http://127.0.0.1:{self.anvil_port}"

    @property
    def effective_chain_id(self) -> int:
        if self.embedded_chain:
            return ANVIL_CHAIN_ID
        if self.chain_id is None:
            raise ConfigError("LEC_RPC_URL is set but LEC_CHAIN_ID is not: set the chain id of that network")
        return self.chain_id

    @property
    def manifest_path(self) -> Path:
        if self.manifest_file:
            return self.manifest_file
        if not self.embedded_chain:
            raise ConfigError("LEC_RPC_URL is set but LEC_MANIFEST is not: point it at deployments/<chainId>.json")
        return self.deployments / f"{ANVIL_CHAIN_ID}.json"


def _int_env(env: dict, name: str, default: int | None) -> int | None:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None


def _recorded_port(path: Path) -> int:
    try:
        return int(path.read_text()) if path.is_file() else DEFAULT_ANVIL_PORT
    except (OSError, ValueError):
        raise ConfigError(
            f"{path} does not hold the port of the home's chain: remove it, or set LEC_ANVIL_PORT"
        ) from None


def _rpc_url(url: str | None) -> str | None:
    """LEC_RPC_URL as given, once it is an http(s) URL with a host (the oracle speaks JSON-RPC over HTTP)."""
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and parts.hostname and (parts.port or 1)
    except ValueError:  # a port that is no number, a broken [IPv6] host
        usable = False
    if not usable:
        raise ConfigError(
            f"LEC_RPC_URL={url!r} is not an http(s) URL of a JSON-RPC node, e.g. "
            "https://rpc.example.org or http://127.0.0.1:8545"
        )
    return url


def load_settings(home: str | Path | None = None, env: dict | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    home_path = Path(home or env.get("LEC_HOME") or Path.home() / ".lec").expanduser().resolve()
    batch = _int_env(env, "LEC_BATCH_SIZE", 100)
    anvil_port = _int_env(env, "LEC_ANVIL_PORT", None)
    if anvil_port is None:
        # the port the home's anvil was started on, so every later command finds it
        anvil_port = _recorded_port(home_path / "anvil" / "port")
    if not 1 <= batch <= 200:
        raise ConfigError(f"LEC_BATCH_SIZE={batch} must be between 1 and 200 (the notary's MAX_BATCH)")
    return Settings(
        home=home_path,
        database_url=env.get("DATABASE_URL") or None,
        rpc_url=_rpc_url(env.get("LEC_RPC_URL") or None),
        chain_id=_int_env(env, "LEC_CHAIN_ID", None),
        manifest_file=Path(env["LEC_MANIFEST"]).expanduser() if env.get("LEC_MANIFEST") else None,
        keystore_dir=Path(env["LEC_KEYSTORE_DIR"]).expanduser() if env.get("LEC_KEYSTORE_DIR") else None,
        passphrase=env.get("LEC_KEYSTORE_PASSPHRASE"),
        data_key=env.get("LEC_DATA_KEY"),
        anvil_port=anvil_port,
        batch_size=batch,
        schedule_file=Path(env["LEC_SCHEDULE"]).expanduser() if env.get("LEC_SCHEDULE") else None,
    )
