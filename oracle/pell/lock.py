"""One PELL-IP certification at a time: a PostgreSQL advisory lock held on a connection of its own for the whole
run (released by PostgreSQL when the connection ends, so a killed run never leaves it behind). Two runs at once
could both find a record due and certify it twice; the second one stops at once (AlreadyRunning, exit 1)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import text

from oracle.errors import AlreadyRunning

PELL_LOCK = (0x50454C, 0)  # "PEL": the advisory-lock key of PELL-IP certification


@contextmanager
def certification_lock(ctx):
    conn = ctx.engine.connect()
    try:
        locked = conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"), dict(zip("ab", PELL_LOCK))).scalar()
        conn.commit()
        if not locked:
            raise AlreadyRunning("another PELL-IP certification is running: it certifies what is due")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), dict(zip("ab", PELL_LOCK)))
            conn.commit()
    finally:
        conn.close()
