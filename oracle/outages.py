"""A database or chain that stops answering in the middle of a command, said in one sentence instead of a
driver's traceback: the safety net of `cli.main` (exit 1). The known moments — connecting to the
database, `oracle up`, `oracle status` — have sentences of their own."""

from __future__ import annotations

import re


def outage(exc: BaseException, rpc_url: str | None) -> str | None:
    """The sentence for `exc` when it is a database or chain outage, else None."""
    database = _database(exc)
    if database is not None:
        return database
    import requests

    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return f"the chain at {rpc_url or 'LEC_RPC_URL'} does not answer ({connection_reason(exc)})"
    return None


def _database(exc: BaseException) -> str | None:
    from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError

    from oracle.db.session import first_line

    if isinstance(exc, ProgrammingError) and type(exc.orig).__name__ == "UndefinedTable":
        return f"the database has no oracle schema yet ({first_line(exc)}): run `oracle db upgrade`"
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return None
    import psycopg

    if exc.connection_invalidated or type(exc.orig) in (psycopg.OperationalError, psycopg.InterfaceError):
        return f"the database stopped answering ({first_line(exc)}): run the command again once it answers"
    return f"the database could not do the work ({first_line(exc)})"


def connection_reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3/urllib connection error, e.g. "[Errno 111] Connection
    refused", without the pool and host wrappers around it."""
    inner = exc
    for _ in range(10):
        cause = getattr(inner, "reason", None)
        if not isinstance(cause, BaseException) and inner.args and isinstance(inner.args[0], BaseException):
            cause = inner.args[0]
        if not isinstance(cause, BaseException) or cause is inner:
            break
        inner = cause
    text = re.sub(r"^[\w.]*Connection(?:Pool)?\([^)]*\):\s*", "", str(inner)).strip()
    return text.splitlines()[0] if text else type(inner).__name__
