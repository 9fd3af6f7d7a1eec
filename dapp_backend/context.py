"""The application's one oracle Context (settings, database engine, chain client), made by create_app."""

from __future__ import annotations

from flask import current_app

from oracle.context import Context

EXTENSION = "lec_context"


def lec() -> Context:
    return current_app.extensions[EXTENSION]
