"""The application factory: configuration → one oracle Context → extensions → blueprints → error handlers."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api
from werkzeug.middleware.proxy_fix import ProxyFix

from dapp_backend.config import flask_config
from dapp_backend.context import EXTENSION
from dapp_backend.errors import register_error_handlers
from dapp_backend.extensions import csrf, limiter
from oracle.config import Settings, load_settings
from oracle.context import Context


def create_app(settings: Settings | None = None, *, testing: bool = False) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.from_mapping(flask_config(settings, testing=testing))
    app.extensions[EXTENSION] = Context(settings)
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    csrf.init_app(app)
    limiter.init_app(app)
    api = Api(app)
    from dapp_backend.blueprints import (
        auth,
        communities,
        community_admin,
        me,
        oracle_admin,
        platform,
        platform_admin,
        web,
    )

    for blueprint in (
        auth.blp,
        me.blp,
        platform.blp,
        communities.blp,
        community_admin.blp,
        oracle_admin.blp,
        platform_admin.blp,
    ):
        api.register_blueprint(blueprint)
    from dapp_backend.blueprints import lighting  # PELL-IP public lighting (open to everyone, reserved to viewers)

    api.register_blueprint(lighting.blp)
    app.register_blueprint(web.blp)
    register_error_handlers(app)  # after Api, whose own HTTPException handler these replace
    return app
