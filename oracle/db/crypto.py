"""Personal data encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256), a keyed hash for look-ups, and the
key's fingerprint (what the database records of a key, see oracle.data_keys)."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

from oracle.errors import ConfigError

FINGERPRINT_TAG = b"lec-personal-data-key-fingerprint\x00"
GENERATE_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


def key_fingerprint(key: str | bytes) -> str:
    """A one-way fingerprint of a key, hex. The key is 256 random bits, so its hash reveals nothing usable."""
    return hashlib.sha256(FINGERPRINT_TAG + (key.encode() if isinstance(key, str) else key)).hexdigest()


class PersonalDataCipher:
    def __init__(self, key: str, name: str = "the personal-data key"):
        """`name` says where the key came from, for the message when it is not a Fernet key."""
        raw = key.encode() if isinstance(key, str) else key
        try:
            self._fernet = Fernet(raw)
        except (ValueError, TypeError):
            raise ConfigError(
                f"{name} is not a valid Fernet key (32 bytes, URL-safe base64): generate one with {GENERATE_KEY}"
            ) from None
        self._hmac_key = hashlib.sha256(b"lec-email-hmac" + raw).digest()
        self.fingerprint = key_fingerprint(raw)

    def encrypt(self, value: str | None) -> bytes | None:
        return None if value in (None, "") else self._fernet.encrypt(value.encode())

    def decrypt(self, token: bytes | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(bytes(token)).decode()
        except InvalidToken:
            raise ConfigError("personal data cannot be decrypted with this key (LEC_DATA_KEY changed?)") from None

    def decrypt_or_none(self, token: bytes | None) -> str | None:
        """The plain text; None when there is none or this key cannot decrypt it."""
        try:
            return self.decrypt(token)
        except ConfigError:
            return None

    def email_hmac(self, email: str | None) -> bytes | None:
        if not email:
            return None
        return hmac.new(self._hmac_key, email.strip().lower().encode(), hashlib.sha256).digest()
