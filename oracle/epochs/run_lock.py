"""One epoch run (or abandon) per community at a time: a PostgreSQL advisory lock held for the whole run.

The lock is taken with pg_try_advisory_lock(LOCK_SPACE, community id) on a connection of its own,
kept open until the run ends: PostgreSQL releases a session's advisory locks when its connection
ends, so a run that is killed never leaves the lock behind. Runs of different communities do not
wait for each other. A second run of the same community does not wait either: it stops at once with
AlreadyRunning (exit status 1), since the first one finishes the epoch.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import text

from oracle.context import Context
from oracle.db.schema import Community
from oracle.errors import AlreadyRunning

LOCK_SPACE = 0x4C4543  # "LEC": the advisory-lock key space of epoch runs; the second key is the community id


@contextmanager
def community_run_lock(ctx: Context, community: Community, doing: str = "run the same command again"):
    """Holds the community's epoch-run lock for the block; AlreadyRunning when another connection holds it.
    `doing` says what to do once the other run is over."""
    keys = {"space": LOCK_SPACE, "community": community.id}
    conn = ctx.engine.connect()
    try:
        locked = conn.execute(text("SELECT pg_try_advisory_lock(:space, :community)"), keys).scalar()
        conn.commit()
        if not locked:
            raise AlreadyRunning(f"an epoch run for this community is already in progress ({community.name!r}, in "
                                 f"another process): wait for it to end, then {doing}")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:space, :community)"), keys)
            conn.commit()
    except BaseException:
        conn.invalidate()  # the connection is closed, not pooled: whatever happened, the lock goes with it
        raise
    finally:
        conn.close()
