"""Sign-In with Ethereum (EIP-4361): nonces issued and consumed in PostgreSQL, messages checked field by field.

A nonce is kept only as its SHA-256, with its expiry and the time it was used: the database decides
atomically (one UPDATE) that it is used once, whichever server process receives the login.
The `siwe` package parses the message and verifies it; domain, URI, chain id, expiry and the signer are
also checked here, each refused with its own sentence (siwe's verify re-serialises the message and so
proves nothing about the exact text signed; eth-account's recovery checks only the signature).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import siwe
from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import delete, func, select, update

from dapp_backend.services.errors import InvalidInput, SignInRefused
from oracle.context import Context
from oracle.db.schema import DappNonce

NONCE_LIFETIME = timedelta(minutes=10)
# expired rows are deleted by later issues, after this; a used nonce's row is also the record of the session it
# opened (deleted at sign-out), so this must outlast a session (PERMANENT_SESSION_LIFETIME, 12 hours)
NONCE_KEPT_AFTER_EXPIRY = timedelta(days=1)
SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")


def _digest(nonce: str) -> bytes:
    return hashlib.sha256(nonce.encode("utf-8")).digest()


def issue_nonce(ctx: Context) -> str:
    """A fresh nonce (32 hex characters: EIP-4361 wants at least 8 alphanumerics), valid for NONCE_LIFETIME."""
    nonce = secrets.token_hex(16)
    with ctx.session() as s:
        s.execute(delete(DappNonce).where(DappNonce.expires_at < func.now() - NONCE_KEPT_AFTER_EXPIRY))
        s.add(DappNonce(nonce_hash=_digest(nonce), expires_at=func.now() + NONCE_LIFETIME))
    return nonce


def sign_in(
    ctx: Context, message: str, signature: str, *, host: str, scheme: str, now: datetime | None = None
) -> tuple[str, int]:
    """(the checksummed address the message proves, the id of its consumed nonce: the session's record), once
    every check passed."""
    now = now or datetime.now(UTC)
    parsed = parse_message(message)
    if not SIGNATURE.fullmatch(signature):
        raise InvalidInput("the signature is not 65 bytes in hex (0x followed by 130 hex digits)", "signature")
    _check_audience(ctx, parsed, host, scheme)
    _check_time(parsed, now)
    _check_signer(parsed, message, signature, now)
    return parsed.address, _consume_nonce(ctx, parsed.nonce)


def session_is_open(ctx: Context, record: int) -> bool:
    """Whether the sign-in whose consumed nonce is `record` still stands (not signed out)."""
    with ctx.session() as s:
        return s.scalar(select(DappNonce.id).where(DappNonce.id == record, DappNonce.used_at.is_not(None))) is not None


def close_session(ctx: Context, record: int) -> None:
    """Signs out: a copy of the session's cookie no longer signs anyone in."""
    with ctx.session() as s:
        s.execute(delete(DappNonce).where(DappNonce.id == record))


def parse_message(message: str) -> siwe.SiweMessage:
    try:
        return siwe.SiweMessage.from_message(message)
    except Exception as exc:  # the ABNF parser and pydantic raise several types, all meaning "not EIP-4361"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidInput(f"the message is not an EIP-4361 sign-in message ({reason})", "message") from None


def _check_audience(ctx: Context, parsed: siwe.SiweMessage, host: str, scheme: str) -> None:
    if parsed.domain != host:
        raise SignInRefused(f"the message signs in to {parsed.domain}, not to this server ({host})")
    uri = urlsplit(str(parsed.uri))
    if (uri.scheme, uri.netloc) != (scheme, host):
        raise SignInRefused(f"the message's URI {parsed.uri} is not on this server ({scheme}://{host})")
    chain_id = ctx.settings.effective_chain_id
    if parsed.chain_id != chain_id:
        raise SignInRefused(f"the message is for chain {parsed.chain_id}, but this platform runs on chain {chain_id}")


def _check_time(parsed: siwe.SiweMessage, now: datetime) -> None:
    if parsed.expiration_time is not None and now >= parsed.expiration_time._datetime:
        raise SignInRefused(f"the message expired at {parsed.expiration_time}: sign a new one")
    if parsed.not_before is not None and now < parsed.not_before._datetime:
        raise SignInRefused(f"the message is not valid before {parsed.not_before}")


def _check_signer(parsed: siwe.SiweMessage, message: str, signature: str, now: datetime) -> None:
    try:
        signer = Account.recover_message(encode_defunct(text=message), signature=signature)
    except Exception:  # a point off the curve, a bad recovery id
        raise InvalidInput("the signature cannot be recovered to any address", "signature") from None
    if signer != parsed.address:
        raise SignInRefused(f"the message was signed by {signer}, not by {parsed.address}")
    try:
        parsed.verify(signature, domain=parsed.domain, nonce=parsed.nonce, timestamp=now)
    except siwe.ExpiredMessage:
        raise SignInRefused("the message has expired: sign a new one") from None
    except siwe.VerificationError:  # the exact text signed is not the message's EIP-4361 form
        raise SignInRefused("the signature does not match the message in its EIP-4361 form") from None


def _consume_nonce(ctx: Context, nonce: str) -> int:
    digest = _digest(nonce)
    with ctx.session() as s:
        used = s.execute(
            update(DappNonce)
            .where(DappNonce.nonce_hash == digest, DappNonce.used_at.is_(None), DappNonce.expires_at > func.now())
            .values(used_at=func.now())
            .returning(DappNonce.id)
        ).first()
        if used is not None:
            return used.id
        row = s.execute(select(DappNonce.used_at, DappNonce.expires_at).where(DappNonce.nonce_hash == digest)).first()
    if row is None:
        raise SignInRefused("the message's nonce was not issued by this server: ask for a new one")
    if row.used_at is not None:
        raise SignInRefused("the message's nonce has already been used: ask for a new one")
    raise SignInRefused("the message's nonce has expired (nonces last 10 minutes): ask for a new one")
