"""One writer per community at a time: PostgreSQL advisory locks held for the whole command.

Three kinds of work are locked separately, each per community: epoch work (`epoch run`, `abandon`, `void`:
they decide the same epoch's fate), member changes (`members import`, `members remove`: they write the
same memberships and send the same on-chain additions) and ingestion (`ingest`: two loads of one community
could store the same readings twice or miss each other's conflicting duplicates). The lock is taken with
pg_try_advisory_lock(space, community id) on a connection of its own, kept open until the command ends:
PostgreSQL releases a session's advisory locks when its connection ends, so a command that is killed never
leaves the lock behind. Different communities do not wait for each other. A second command of the same
kind on the same community does not wait either: it stops at once with AlreadyRunning (exit status 1),
since the first one finishes the work.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import text

from oracle.context import Context
from oracle.db.schema import Community
from oracle.errors import AlreadyRunning

LOCK_SPACE = 0x4C4543  # "LEC": the advisory-lock key space of epoch work; the second key is the community id
MEMBERS_LOCK_SPACE = 0x4C454D  # "LEM": member imports and removals
INGEST_LOCK_SPACE = 0x4C4549  # "LEI": meter-reading ingestion


@contextmanager
def community_lock(ctx: Context, community: Community, space: int, busy: str):
    """Holds the community's lock in `space` for the block; AlreadyRunning(busy) when another connection holds it."""
    keys = {"space": space, "community": community.id}
    conn = ctx.engine.connect()
    try:
        locked = conn.execute(text("SELECT pg_try_advisory_lock(:space, :community)"), keys).scalar()
        conn.commit()
        if not locked:
            raise AlreadyRunning(busy)
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


def community_run_lock(ctx: Context, community: Community, doing: str = "run the same command again"):
    """The community's epoch-work lock; `doing` says what to do once the other run is over."""
    return community_lock(
        ctx,
        community,
        LOCK_SPACE,
        f"an epoch run for this community is already in progress ({community.name!r}, in another "
        f"process): wait for it to end, then {doing}",
    )


def community_members_lock(ctx: Context, community: Community):
    """The community's member-changes lock (imports and removals)."""
    return community_lock(
        ctx,
        community,
        MEMBERS_LOCK_SPACE,
        f"a member import or removal for {community.name!r} is already in progress (in another "
        "process): wait for it to end, then run the same command again",
    )


def community_ingest_lock(ctx: Context, community: Community):
    """The community's ingestion lock: one `oracle ingest` per community at a time."""
    return community_lock(
        ctx,
        community,
        INGEST_LOCK_SPACE,
        f"an ingestion for {community.name!r} is already in progress (in another process): wait "
        "for it to end, then run the same command again (a file it loaded is not loaded twice)",
    )
