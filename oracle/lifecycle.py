"""`oracle up`, `oracle down`, `oracle status` — all idempotent. `oracle status` also lists the unfinished epochs
(oracle/epochs/unfinished.py) with the command that goes on.

`up` holds an exclusive lock on home/.lock while it works: a second `up` on the same home refuses at once
(AlreadyRunning, exit 1) instead of starting a second PostgreSQL and anvil, or deploying twice. It
refuses rather than waits because the first does all the second would, and a start can take minutes (a
first deployment) — a script learns at once, and `oracle status` says when the home is up. The lock is a
kernel flock: it goes away with the process, whatever kills it.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from oracle import embedded
from oracle.context import Context
from oracle.db.session import upgrade
from oracle.errors import AlreadyRunning, EnvironmentProblem, OracleError
from oracle.keystore import ROLES, Keyring, generate_dev_keystores
from oracle.secrets import keystore_passphrase


@contextmanager
def home_lock(home: Path):
    """Makes the home directory if needed and holds its lock; OracleError for a home that is a file,
    EnvironmentProblem for one that cannot be written, AlreadyRunning while another `up` holds it."""
    if home.exists() and not home.is_dir():
        raise OracleError(f"the home {home} is a file, not a directory: give --home (or LEC_HOME) a directory")
    try:
        home.mkdir(parents=True, exist_ok=True)
        handle = open(home / ".lock", "a+")
    except (NotADirectoryError, FileExistsError):
        raise OracleError(f"the home {home} cannot be made: part of its path is a file, not a directory") from None
    except OSError as exc:
        raise EnvironmentProblem(
            f"the home {home} cannot be written ({exc.strerror}): give --home (or LEC_HOME) "
            "a directory this user can write"
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            raise AlreadyRunning(
                f"another `oracle up` is running on this home ({home}"
                f"{', process ' + holder if holder else ''}): wait for it to end, then see "
                "`oracle status`"
            ) from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def up(ctx: Context, quiet: bool = False) -> None:
    with home_lock(ctx.settings.home):
        _up(ctx, quiet)


def _up(ctx: Context, quiet: bool) -> None:
    settings = ctx.settings
    say = (lambda *_: None) if quiet else print
    if not settings.embedded_chain:  # a configured chain that does not answer stops `up` before anything starts
        embedded.rpc_chain_id(settings.effective_rpc_url)
    if settings.embedded_db:
        url = embedded.start_postgres(settings)
        ctx.__dict__["database_url"] = url
        say(f"PostgreSQL (embedded) running, data in {settings.pgdata}")
    upgrade(ctx.database_url)
    say("database schema up to date")
    ctx.cipher  # noqa: B018 -- the personal-data key must be the database's: a different one is refused here, at start
    if not settings.production:
        generate_dev_keystores(settings)
    roles = {role: Keyring(settings).address(role) for role in ROLES}
    if settings.embedded_chain:
        rpc = embedded.start_anvil(settings)
        say(f"anvil running at {rpc}, state in {settings.anvil_dir}")
        embedded.fund_dev_accounts(settings, list(roles.values()))
        if not settings.manifest_path.exists():
            say("deploying the platform contracts (first start of this chain)…")
            embedded.deploy_contracts(settings, roles, keystore_passphrase(settings))
        say(f"deployment manifest: {settings.manifest_path}")
    else:
        ctx.chain  # noqa: B018 -- checks the configured chain and manifest
        say(
            f"chain {settings.effective_rpc_url} (chain id {settings.effective_chain_id}), manifest "
            f"{settings.manifest_path}"
        )
    from oracle.doctor import warn_if_disagreeing  # does the database still match the chain? (never fails `up`)

    warn_if_disagreeing(ctx, quiet)


def down(ctx: Context) -> None:
    settings = ctx.settings
    if settings.embedded_chain:
        print("anvil stopped" if embedded.stop_anvil(settings) else "anvil was not running")
    if settings.embedded_db:
        print("PostgreSQL stopped" if embedded.stop_postgres(settings) else "PostgreSQL was not running")


def status(ctx: Context) -> dict:
    """What runs and where; a configured database or chain is asked, and said to answer or not; the unfinished
    epochs with the command that goes on (a sentence instead while the database does not answer)."""
    settings = ctx.settings
    report = {
        "home": str(settings.home),
        "database": _configured_database(settings.database_url)
        if not settings.embedded_db
        else ("running" if embedded.postgres_url_if_running(settings) else "stopped"),
        "chain": _configured_chain(settings)
        if not settings.embedded_chain
        else (f"anvil running at {settings.effective_rpc_url}" if embedded.anvil_running(settings) else "stopped"),
        "manifest": str(settings.manifest_path) if settings.manifest_path.exists() else None,
    }
    report["unfinishedEpochs"] = _unfinished(ctx, report["database"])
    return report


def _unfinished(ctx: Context, database: str) -> list[dict] | str:
    if database != "running" and not database.endswith(" answers"):
        return "unknown: the database does not answer"
    from oracle.epochs.unfinished import unfinished_epochs

    try:
        return unfinished_epochs(ctx)
    except Exception as exc:  # a probe: a schema not migrated yet, a database gone meanwhile
        text = str(exc).strip()
        return f"unknown: {text.splitlines()[0] if text else type(exc).__name__}"


def format_status(report: dict) -> str:
    """`oracle status` for a person: one line per service, then the unfinished epochs."""
    from oracle.epochs.unfinished import format_unfinished

    lines = [f"{key:<9} {report[key] or 'none'}" for key in ("home", "database", "chain", "manifest")]
    epochs = report["unfinishedEpochs"]
    return "\n".join(
        lines + ([f"unfinished epochs: {epochs}"] if isinstance(epochs, str) else format_unfinished(epochs))
    )


def _configured_database(url: str) -> str:
    from oracle.db.session import make_engine, shown

    try:
        make_engine(url).dispose()
    except OracleError as exc:
        return str(exc)
    return f"{shown(url)} answers"


def _configured_chain(settings) -> str:
    url = settings.effective_rpc_url
    try:
        chain_id = embedded.rpc_chain_id(url)
    except OracleError as exc:
        return str(exc)
    if chain_id != settings.chain_id:
        return f"{url} answers with chain id {chain_id}, but LEC_CHAIN_ID is {settings.chain_id}"
    return f"{url} answers (chain id {chain_id})"
