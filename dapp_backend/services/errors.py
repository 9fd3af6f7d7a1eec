"""Refusals a service raises; dapp_backend.errors turns each into its HTTP status and JSON
{"error": <sentence>, "field": <name or null>}. They are OracleErrors: one sentence a person can act on."""

from __future__ import annotations

from oracle.errors import OracleError


class ApiError(OracleError):
    status = 400

    def __init__(self, sentence: str, field: str | None = None):
        super().__init__(sentence)
        self.field = field


class InvalidInput(ApiError):
    """The request itself is malformed (400), naming the field."""

    status = 400


class NotSignedIn(ApiError):
    status = 401


class SignInRefused(ApiError):
    """A well-formed sign-in that does not prove control of the address for this server, now (401)."""

    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    """The request clashes with what is already recorded (409), e.g. a second pending request."""

    status = 409
