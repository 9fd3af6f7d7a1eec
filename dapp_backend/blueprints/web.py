"""The static frontend (dapp_frontend/): pages, scripts, styles and the vendored libraries, served by Flask."""
from __future__ import annotations

from flask import Blueprint

blp = Blueprint("web", __name__)
