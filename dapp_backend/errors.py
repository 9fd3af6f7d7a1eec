"""Every error under /api is JSON {"error": "<sentence>", "field": <name or null>}."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from dapp_backend.services.errors import ApiError
from oracle.errors import EnvironmentProblem, OracleError

log = logging.getLogger(__name__)

SENTENCES = {
    400: "the request is malformed",
    401: "sign in first",
    403: "your address does not hold a role that may do this",
    404: "there is nothing at this address of the API",
    405: "this method is not allowed here",
    413: "the request's body is larger than the server accepts (1 MiB)",
}


def error_response(status: int, sentence: str, field: str | None = None):
    response = jsonify({"error": sentence, "field": field})
    response.status_code = status
    return response


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _validation(exc: HTTPException):
    """A schema's refusal (webargs: exc.data["messages"] = {"json": {"field": ["message"]}}) is a 400 naming
    the first field."""
    messages = (getattr(exc, "data", None) or {}).get("messages") or {}
    for location, fields in messages.items():
        if not isinstance(fields, dict):  # not about one field, e.g. {"json": ["Invalid JSON body."]}
            fields = {"_schema": fields}
        for name, problems in fields.items():
            problem = problems[0] if isinstance(problems, list) and problems else problems
            if isinstance(problem, dict):  # a nested schema: its first message
                problem = next(iter(problem.values()))
                problem = problem[0] if isinstance(problem, list) else problem
            name = None if name == "_schema" else name
            what = name or ("the body" if location == "json" else f"the {location}")
            return error_response(400, f"{what}: {str(problem).rstrip('.').lower()}", name)
    return error_response(400, "the request's data is not valid")


def handle_http(exc: HTTPException):
    if not _is_api():
        return exc
    if exc.code in (400, 422) and (getattr(exc, "data", None) or {}).get("messages"):
        return _validation(exc)
    if isinstance(exc, CSRFError):
        return error_response(
            400,
            f"{exc.description.rstrip('.')}: send the token of GET /api/auth/csrf in the X-CSRFToken header",
            "X-CSRFToken",
        )
    if exc.code == 429:  # Flask-Limiter's description is the limit that was reached, e.g. "10 per 1 minute"
        return error_response(429, f"too many attempts (at most {exc.description}): wait a minute and try again")
    sentence = SENTENCES.get(exc.code) if exc.description == type(exc).description else exc.description
    return error_response(exc.code or 500, sentence or exc.description or exc.name)


def handle_api_error(exc: ApiError):
    return error_response(exc.status, str(exc), exc.field)


def handle_oracle_error(exc: OracleError):
    status = 503 if isinstance(exc, EnvironmentProblem) else 400
    return error_response(status, str(exc))


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    original = getattr(exc, "original_exception", exc) if isinstance(exc, InternalServerError) else exc
    log.exception("unexpected error on %s %s", request.method, request.path, exc_info=original)
    from oracle.outages import outage

    if outage(original, None) is not None:  # the driver's text names hosts, ports, users: logged above, not shown
        return error_response(
            503,
            "the platform's database or chain does not answer right now: try again in a minute (the error is logged)",
        )
    return error_response(500, "the server failed on this request; the error is logged")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(OracleError, handle_oracle_error)
    app.register_error_handler(Exception, handle_unexpected)
