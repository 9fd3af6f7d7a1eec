"""The `dapp` command line.

    dapp serve [--home DIR] [--host 127.0.0.1] [--port 5000] [--threads 8] [--workers 1] [--development]
    dapp demo-wallets [--home DIR] [--url http://127.0.0.1:5000]   (embedded development setup only)

Serves the dApp with waitress (a production WSGI server; put it behind an HTTPS reverse proxy and set
LEC_PROXY_HOPS); --development uses Flask's own server instead. --workers N serves from N processes (one
Python process runs on one core at a time), each with its own database pool, chain client and waitress threads.
Configuration is the oracle's (LEC_HOME embedded defaults, or DATABASE_URL / LEC_RPC_URL / LEC_CHAIN_ID /
LEC_MANIFEST) plus LEC_SESSION_SECRET and LEC_TRUSTED_HOSTS (the host names it is served under; a configured
setup signs nobody in without them: dapp_backend/config.py).
Errors end in one sentence, with the oracle's exit statuses: 2 for a user mistake, 1 for the environment.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings

from oracle.arguments import OneLineErrors
from oracle.config import load_settings
from oracle.errors import EnvironmentProblem, OracleError


def cmd_serve(args) -> None:
    from dapp_backend.app import create_app

    app = create_app(load_settings(args.home))
    _check_services(app)
    url = f"http://{args.host}:{args.port}"
    print(f"dApp on {url} (API: {url}/api/openapi.json); Ctrl-C stops it", flush=True)
    if args.development:
        app.run(host=args.host, port=args.port, debug=False, use_reloader=False)
        return
    import waitress

    if args.workers > 1:
        from dapp_backend.context import EXTENSION

        app.extensions[EXTENSION].engine.dispose()  # no connection of this process goes to the workers
        _serve_workers(args)
        return
    try:
        waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="lec-dapp")
    except OSError as exc:  # the port is taken, the host is not this machine's
        raise EnvironmentProblem(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc})") from None


def _serve_workers(args) -> None:
    """`--workers` processes serving one listening socket, each with its own app and waitress threads; this
    process waits and stops them all (Ctrl-C, SIGTERM, or one of them ending). Sign-in rate limits count per
    process unless LEC_RATELIMIT_STORAGE names a shared store (README, production)."""
    import os
    import signal
    import socket

    import waitress

    from dapp_backend.app import create_app

    try:
        listener = socket.create_server((args.host, args.port))
    except OSError as exc:
        raise EnvironmentProblem(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc})") from None
    workers = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:  # a worker: its own database pool and chain client, made after the fork
            status = 1
            try:
                waitress.serve(
                    create_app(load_settings(args.home)), sockets=[listener], threads=args.threads, ident="lec-dapp"
                )
                status = 0
            except KeyboardInterrupt:
                status = 0
            finally:
                os._exit(status)
        workers.append(pid)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        os.wait()  # the first worker that ends ends the service
    finally:
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in workers:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _check_services(app) -> None:
    """The database and the chain answer before the server listens (a sentence now, not 503s later)."""
    from sqlalchemy import inspect

    from dapp_backend.context import EXTENSION
    from oracle.errors import ConfigError

    ctx = app.extensions[EXTENSION]
    if not inspect(ctx.engine).has_table("dapp_nonces"):
        raise ConfigError("the database has no tables of the dApp yet: run `oracle db upgrade`")
    ctx.chain  # noqa: B018 - reads the manifest and asks the chain for its id


def cmd_demo_wallets(args) -> None:
    from dapp_backend.demo_wallets import describe, prepare_demo_wallets, refuse_configured
    from oracle.context import Context

    settings = load_settings(args.home)
    refuse_configured(settings)  # before anything is unlocked
    print(describe(prepare_demo_wallets(Context(settings)), args.url), flush=True)


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of processes from 1")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrors(prog="dapp", description="The LEC platform's dApp (web backend).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineErrors)
    serve = sub.add_parser("serve", help="serve the dApp (waitress)")
    serve.add_argument("--home", help="the oracle's home directory (default: $LEC_HOME or ~/.lec)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--threads", type=int, default=8, help="waitress worker threads (default 8)")
    serve.add_argument(
        "--workers", type=_positive, default=1, help="processes, each with --threads threads (default 1)"
    )
    serve.add_argument("--development", action="store_true", help="Flask's own server instead of waitress")
    serve.set_defaults(func=cmd_serve)
    wallets = sub.add_parser(
        "demo-wallets",
        help="the development chain's demo wallets, their roles and keys, and "
        "how to use them in MetaMask (embedded setup only)",
    )
    wallets.add_argument("--home", help="the oracle's home directory (default: $LEC_HOME or ~/.lec)")
    wallets.add_argument("--url", default="http://127.0.0.1:5000", help="where the dApp is served (for the text)")
    wallets.set_defaults(func=cmd_demo_wallets)
    return parser


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    warnings.filterwarnings("ignore", module="abnf")  # siwe's pinned abnf 2.8 warns about its own grammar
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except EnvironmentProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OracleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a database or chain that does not answer
        from oracle.outages import outage

        sentence = outage(exc, None)
        if sentence is None:
            raise
        print(f"error: {sentence}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
