"""Sign-In with Ethereum: /api/auth/nonce, /api/auth/login, /api/auth/logout, /api/auth/csrf."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import generate_csrf
from marshmallow import Schema, fields, validate

from dapp_backend.auth import sign_in_session, sign_out_session
from dapp_backend.blueprints import ApiBlueprint
from dapp_backend.context import lec
from dapp_backend.extensions import csrf, limiter
from dapp_backend.services import signin
from oracle.errors import EnvironmentProblem

MAX_MESSAGE_LENGTH = 1024

blp = ApiBlueprint("auth", __name__, url_prefix="/api/auth", description="Sign-In with Ethereum (EIP-4361)")


class NonceSchema(Schema):
    nonce = fields.String(required=True, metadata={"description": "single use, expires in 10 minutes"})


class LoginSchema(Schema):
    # the EIP-4361 parser is quadratic in a long line: cap before it runs (a real message is ~400 characters)
    message = fields.String(
        required=True,
        validate=validate.Length(max=MAX_MESSAGE_LENGTH),
        metadata={"description": "the EIP-4361 text that was signed"},
    )
    signature = fields.String(required=True, metadata={"description": "0x + 65 bytes in hex (personal_sign)"})


class AddressSchema(Schema):
    address = fields.String(required=True)


class CsrfSchema(Schema):
    csrf_token = fields.String(required=True, metadata={"description": "send it as the X-CSRFToken header"})


class SignedOutSchema(Schema):
    signed_out = fields.Boolean(required=True)


def _address_in_message() -> str:
    """Rate-limit key: the address line of the EIP-4361 message (its second line), whatever else is wrong."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested too deeply: the schema refuses the body next
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    lines = message.split("\n") if isinstance(message, str) else []
    return "address:" + (lines[1].strip().lower()[:42] if len(lines) > 1 else "none")


@blp.route("/nonce", methods=["GET"])
@limiter.limit(lambda: current_app.config["NONCE_LIMIT_PER_IP"], key_func=get_remote_address)
@blp.response(200, NonceSchema)
def nonce():
    """A fresh nonce for the EIP-4361 message to sign."""
    return {"nonce": signin.issue_nonce(lec())}


@blp.route("/login", methods=["POST"])
@csrf.exempt
@limiter.limit(lambda: current_app.config["SIGNIN_LIMIT_PER_IP"], key_func=get_remote_address)
@limiter.limit(lambda: current_app.config["SIGNIN_LIMIT_PER_ADDRESS"], key_func=_address_in_message)
@blp.arguments(LoginSchema)
@blp.response(200, AddressSchema)
@blp.alt_response(400, description="malformed message or signature, naming the field")
@blp.alt_response(
    401,
    description="refused: nonce unknown, used or expired; another signer; another domain, "
    "URI or chain; an expired message",
)
@blp.alt_response(429, description="too many sign-in attempts for this address or from this IP")
def login(body):
    """Signs in with a signed EIP-4361 message; sets the session cookie."""
    if current_app.config["TRUSTED_HOSTS"] is None and lec().settings.production:
        # the message's domain is checked against the Host header: only trusted hosts make that check mean much
        raise EnvironmentProblem(
            "this server does not know the host names it is served under: set "
            "LEC_TRUSTED_HOSTS (e.g. dapp.example.org) before anyone signs in"
        )
    address, record = signin.sign_in(
        lec(), body["message"], body["signature"], host=request.host, scheme=request.scheme
    )
    sign_in_session(address, record)
    return {"address": address}


@blp.route("/logout", methods=["POST"])
@blp.response(200, SignedOutSchema)
def logout():
    """Ends the session (needs the X-CSRFToken header)."""
    sign_out_session()
    return {"signed_out": True}


@blp.route("/csrf", methods=["GET"])
@blp.response(200, CsrfSchema)
def csrf_token():
    """The CSRF token of this session, for the X-CSRFToken header of state-changing requests. Ask again after
    signing in: a sign-in starts a new session."""
    return {"csrf_token": generate_csrf()}
