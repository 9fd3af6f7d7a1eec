"""Personal data encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256) and a keyed hash for look-ups."""
from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

from oracle.errors import ConfigError


class PersonalDataCipher:
    def __init__(self, key: str):
        try:
            self._fernet = Fernet(key.encode() if isinstance(key, str) else key)
        except ValueError:
            raise ConfigError("the personal-data key is not a valid Fernet key") from None
        self._hmac_key = hashlib.sha256(b"lec-email-hmac" + (key.encode() if isinstance(key, str) else key)).digest()

    def encrypt(self, value: str | None) -> bytes | None:
        return None if value in (None, "") else self._fernet.encrypt(value.encode())

    def decrypt(self, token: bytes | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(bytes(token)).decode()
        except InvalidToken:
            raise ConfigError("personal data cannot be decrypted with this key (LEC_DATA_KEY changed?)") from None

    def email_hmac(self, email: str | None) -> bytes | None:
        if not email:
            return None
        return hmac.new(self._hmac_key, email.strip().lower().encode(), hashlib.sha256).digest()
