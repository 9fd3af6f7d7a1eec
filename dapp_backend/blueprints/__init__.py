"""One blueprint per audience; each view parses the request, calls a service, answers JSON.

Blueprints are `ApiBlueprint`s: a request that fails its schema is a 400 (not webargs' 422), so the OpenAPI
document says what the API answers; dapp_backend.errors turns it into {"error", "field"} naming the field.
"""

from __future__ import annotations

import json

from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:  # JSON nested past Python's recursion limit: malformed input, not a server failure
            raise json.JSONDecodeError("nested too deeply", "[…]", 0) from None


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()
