"""The platform's accounts: one encrypted keystore per role in DIR/keystores/<role>.json (eth-account v3 JSON, the
layout the oracle reads with LEC_KEYSTORE_DIR). Keys exist in clear only in memory while a keystore is written; an
existing keystore is kept (an operator may put the platform's own keystores there before the first start)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_utils import to_checksum_address

from oracle.keystore import ROLES

from .errors import NetworkError

PASSPHRASE_VARIABLE = "LEC_KEYSTORE_PASSPHRASE"
SCRYPT_N_VARIABLE = "LEC_KEYSTORE_SCRYPT_N"
DEFAULT_SCRYPT_N = 2**18  # eth-account's default cost; tests lower it with LEC_KEYSTORE_SCRYPT_N


def keystore_path(keystores: Path, role: str) -> Path:
    return keystores / f"{role}.json"


def missing_roles(keystores: Path) -> list[str]:
    return [role for role in ROLES if not keystore_path(keystores, role).exists()]


def scrypt_n(env: dict) -> int:
    raw = env.get(SCRYPT_N_VARIABLE) or str(DEFAULT_SCRYPT_N)
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 2**10 or n & (n - 1):
        raise NetworkError(f"{SCRYPT_N_VARIABLE}={raw} must be a power of two, at least 1024")
    return n


def check_can_write(keystores: Path, env: dict) -> None:
    """Refuses (before anything is written) when keystores are missing and cannot be made."""
    missing = missing_roles(keystores)
    if missing and not env.get(PASSPHRASE_VARIABLE):
        raise NetworkError(
            f"set {PASSPHRASE_VARIABLE}: the platform accounts ({', '.join(missing)}) are written encrypted under "
            f"it into {keystores}, and the oracle unlocks them with the same variable"
        )
    if missing:
        scrypt_n(env)


def ensure_platform_keystores(keystores: Path, env: dict) -> dict[str, str]:
    """Writes the missing role keystores; returns role -> checksummed address of every role."""
    check_can_write(keystores, env)
    missing = missing_roles(keystores)
    if missing:
        passphrase, n = env[PASSPHRASE_VARIABLE], scrypt_n(env)
        keystores.mkdir(parents=True, exist_ok=True)
        os.chmod(keystores, 0o700)
        for role in missing:
            encrypted = Account.encrypt(Account.create().key, passphrase, kdf="scrypt", iterations=n)
            fd = os.open(keystore_path(keystores, role), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(encrypted, f)
    return {role: keystore_address(keystore_path(keystores, role)) for role in ROLES}


def keystore_address(path: Path) -> str:
    try:
        return to_checksum_address("0x" + json.loads(path.read_text())["address"].removeprefix("0x"))
    except (ValueError, KeyError, TypeError):
        raise NetworkError(f"{path} is not an eth-account keystore (no readable address)") from None
