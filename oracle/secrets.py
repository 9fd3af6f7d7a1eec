"""Secrets of the embedded (development) setup, generated once into home/secrets with mode 0600.

A production setup never reads these files: it must get LEC_KEYSTORE_PASSPHRASE and LEC_DATA_KEY
from its environment (a secret store), and refuses to start without them.

A rotation of the embedded data key writes the new key to secrets/data-key.new before its database
transaction commits and renames it over secrets/data-key afterwards (oracle.data_keys decides, from the
database, whether a leftover data-key.new is the current key or a rotation that never committed).
"""

from __future__ import annotations

import os
import secrets as random
from pathlib import Path

from cryptography.fernet import Fernet

from oracle.config import Settings
from oracle.db.crypto import GENERATE_KEY
from oracle.errors import ConfigError


def _read_or_create(path: Path, make) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    return value


def keystore_passphrase(settings: Settings) -> str:
    if settings.passphrase:
        return settings.passphrase
    if settings.production:
        raise ConfigError(
            "LEC_KEYSTORE_PASSPHRASE is not set: a configured setup needs the keystore passphrase from its environment"
        )
    return _read_or_create(settings.secrets_dir / "keystore-passphrase", lambda: random.token_urlsafe(32))


def data_key_file(settings: Settings) -> Path | None:
    """Where the embedded setup keeps its data key; None when the key comes from LEC_DATA_KEY."""
    if settings.data_key or settings.production:
        return None
    return settings.secrets_dir / "data-key"


def data_key_source(settings: Settings) -> str:
    """Where the data key comes from, for messages."""
    return str(data_key_file(settings) or "LEC_DATA_KEY")


def pending_data_key_file(settings: Settings) -> Path:
    return settings.secrets_dir / "data-key.new"


def write_pending_data_key(settings: Settings, key: str) -> Path:
    """Writes a rotation's new key to data-key.new (0600) and makes it durable before the rotation commits."""
    path = pending_data_key_file(settings)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
        f.flush()
        os.fsync(f.fileno())
    _fsync_dir(path.parent)
    return path


def install_pending_data_key(settings: Settings) -> None:
    """data-key.new becomes data-key (atomically)."""
    path = data_key_file(settings)
    os.replace(pending_data_key_file(settings), path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def data_key(settings: Settings) -> str:
    """The Fernet key that encrypts personal data at rest."""
    if settings.data_key:
        return settings.data_key
    if settings.production:
        raise ConfigError(
            "LEC_DATA_KEY is not set: a configured setup needs the personal-data key from its "
            f"environment (generate one with: {GENERATE_KEY})"
        )
    return _read_or_create(settings.secrets_dir / "data-key", lambda: Fernet.generate_key().decode())
