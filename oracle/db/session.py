"""Engine and sessions; `upgrade` applies the Alembic migrations.

A database URL is checked before use: one that is no URL or not PostgreSQL is a ConfigError (the user's
to fix), a database that does not answer an EnvironmentProblem — each one sentence naming the URL
(its password hidden)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from oracle.errors import ConfigError, EnvironmentProblem

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
CONNECT_TIMEOUT = 10  # seconds: a host that drops packets must not hang a command
EXAMPLE = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"


def shown(url: str | URL) -> str:
    """The URL for a message, its password hidden."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return re.sub(r":[^:@/]*@", ":***@", url)


def checked_url(url: str) -> URL:
    """The PostgreSQL URL to connect with (postgresql:// and postgres:// use the psycopg driver)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"the database URL {shown(url)!r} is not a URL: write {EXAMPLE} (DATABASE_URL)") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend not in ("postgresql", "postgres"):
        raise ConfigError(
            f"the database URL {shown(parsed)} is not PostgreSQL ({backend}): the oracle needs "
            f"PostgreSQL, {EXAMPLE} (DATABASE_URL)"
        )
    if driver not in ("", "psycopg"):
        raise ConfigError(
            f"the database URL {shown(parsed)} asks for the driver {driver!r}: the oracle uses "
            "psycopg, write postgresql:// or postgresql+psycopg:// (DATABASE_URL)"
        )
    return parsed.set(drivername="postgresql+psycopg")


def first_line(exc: BaseException) -> str:
    """The first line of a driver's error (psycopg's go on with hints over several lines)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def make_engine(url: str) -> Engine:
    """An engine on a database that answered; ConfigError / EnvironmentProblem otherwise."""
    parsed = checked_url(url)
    engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT})
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        raise EnvironmentProblem(f"the database at {shown(url)} does not answer ({first_line(exc)})") from None
    return engine


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    make_engine(url).dispose()  # a URL that is wrong or a database that does not answer, in one sentence
    command.upgrade(alembic_config(checked_url(url).render_as_string(hide_password=False)), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def session_scope(engine: Engine):
    """One transaction: commits on success, rolls back on any error."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    session: Session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
