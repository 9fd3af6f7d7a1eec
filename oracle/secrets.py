"""Secrets of the embedded (development) setup, generated once into home/secrets with mode 0600.

A production setup never reads these files: it must get LEC_KEYSTORE_PASSPHRASE and LEC_DATA_KEY
from its environment (a secret store), and refuses to start without them.
"""
from __future__ import annotations

import os
import secrets as random
from pathlib import Path

from cryptography.fernet import Fernet

from oracle.config import Settings
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
        raise ConfigError("LEC_KEYSTORE_PASSPHRASE is not set: a configured setup needs the keystore passphrase "
                          "from its environment")
    return _read_or_create(settings.secrets_dir / "keystore-passphrase", lambda: random.token_urlsafe(32))


def data_key(settings: Settings) -> str:
    """The Fernet key that encrypts personal data at rest."""
    if settings.data_key:
        return settings.data_key
    if settings.production:
        raise ConfigError("LEC_DATA_KEY is not set: a configured setup needs the personal-data key from its "
                          "environment (generate one with: python -c 'from cryptography.fernet import Fernet; "
                          "print(Fernet.generate_key().decode())')")
    return _read_or_create(settings.secrets_dir / "data-key", lambda: Fernet.generate_key().decode())
