"""One blueprint per audience; each view parses the request, calls a service, answers JSON.

Blueprints are `ApiBlueprint`s: a request that fails its schema is a 400 (not webargs' 422), so the OpenAPI
document says what the API answers; dapp_backend.errors turns it into {"error", "field"} naming the field.
"""
from __future__ import annotations

from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()
