"""Role keys in encrypted keystores (eth-account v3 JSON), unlocked with a passphrase, never stored in clear.

Roles: platform_admin, oracle_admin, oracle (commits epochs), reward_payer (pushes rewards; never the
committing key), community_admin, token_admin — one file each, `<keystore dir>/<role>.json`. The
embedded setup generates them; a production setup provides them.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from oracle.config import Settings
from oracle.errors import ConfigError
from oracle.secrets import keystore_passphrase

ROLES = ("platform_admin", "oracle_admin", "oracle", "reward_payer", "community_admin", "token_admin")
# Lighter scrypt than eth-account's default for generated development keys (unlocks in ~0.1 s).
DEV_SCRYPT_N = 2**14


def is_pell_submitter(role: str) -> bool:
    """A PELL-IP municipality's submitter key (oracle.pell.keys): `pell_submitter_<ISTAT code>`."""
    return role.isascii() and role.startswith("pell_submitter_") and role[15:].isdigit() and len(role) == 21


def keystore_file(settings: Settings, role: str) -> Path:
    if role not in ROLES and not is_pell_submitter(role):
        raise ValueError(f"unknown role {role!r}")
    return settings.keystores / f"{role}.json"


def generate_dev_keystores(settings: Settings) -> dict[str, str]:
    """Creates the missing role keystores of the embedded setup; returns role -> address."""
    if settings.production:
        raise ConfigError("refusing to generate keys for a configured setup: provide keystores in LEC_KEYSTORE_DIR")
    passphrase = keystore_passphrase(settings)
    settings.keystores.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.keystores, 0o700)
    addresses = {}
    for role in ROLES:
        path = keystore_file(settings, role)
        if not path.exists():
            account = Account.create()
            encrypted = Account.encrypt(account.key, passphrase, kdf="scrypt", iterations=DEV_SCRYPT_N)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(encrypted, f)
        addresses[role] = "0x" + json.loads(path.read_text())["address"].removeprefix("0x")
    return {role: _checksum(a) for role, a in addresses.items()}


def _checksum(address: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(address)


class Keyring:
    """Unlocks role keys on first use only, so a command decrypts just the keys it signs with."""

    def __init__(self, settings: Settings):
        self.settings = settings

    @cached_property
    def _passphrase(self) -> str:
        return keystore_passphrase(self.settings)

    def address(self, role: str) -> str:
        path = keystore_file(self.settings, role)
        if not path.exists():
            raise ConfigError(f"no keystore for role {role} at {path}")
        return _checksum(json.loads(path.read_text())["address"])

    def account(self, role: str) -> LocalAccount:
        return self._unlock(role)

    def _unlock(self, role: str) -> LocalAccount:
        cache = self.__dict__.setdefault("_accounts", {})
        if role not in cache:
            path = keystore_file(self.settings, role)
            if not path.exists():
                raise ConfigError(f"no keystore for role {role} at {path}")
            try:
                key = Account.decrypt(json.loads(path.read_text()), self._passphrase)
            except ValueError:
                raise ConfigError(f"cannot unlock {path}: wrong passphrase") from None
            cache[role] = Account.from_key(key)
        return cache[role]
