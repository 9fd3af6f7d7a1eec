"""Monthly partitions of the readings table (PostgreSQL declarative RANGE partitioning on `ts`).

From migration 0006 `counterreading` is partitioned by month: one partition per calendar month (UTC),
`partitions.counterreading_yYYYYmMM`, holding [first instant of the month, first instant of the next).
There is no DEFAULT partition: a reading of a month without its partition is refused by PostgreSQL, so
whatever inserts readings first calls `ensure_reading_partitions` with the time span it is about to
write. Ingestion does so in a short transaction of its own, committed before it writes (attaching takes
a lock on the parent that two long file transactions could otherwise wait on in turn). An epoch's query names its period (`ts >= start AND ts < end`), so
PostgreSQL reads only that period's partitions (pruning).

The partitions live in their own schema, `partitions`: the application's schema lists the tables of
the models and nothing else (a month's partition is storage, not a model of its own).
"""

from __future__ import annotations

from datetime import UTC, datetime

from psycopg import sql

PARENT = "counterreading"
SCHEMA = "partitions"
LOCK_KEYS = (0x4C4550, 0)  # "LEP": one creator of partitions at a time (the second waits, then finds them)

_PARTITIONED_SQL = "SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)"
_EXISTING_SQL = (
    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)"
)


def partition_name(year: int, month: int) -> str:
    return f"{PARENT}_y{year:04d}m{month:02d}"


def month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def months_between(first_ts, last_ts) -> list[tuple[int, int]]:
    """(year, month) of every UTC month from the one holding `first_ts` to the one holding `last_ts`."""
    first, last = _utc(first_ts), _utc(last_ts)
    month, end = (first.year, first.month), (last.year, last.month)
    months = []
    while month <= end:
        months.append(month)
        month = next_month(*month)
    return months


def _utc(value) -> datetime:
    """An aware datetime (or pandas Timestamp) or Unix seconds, as a UTC datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"a reading time must be timezone-aware, got {value!r}")
        return value.astimezone(UTC)
    return datetime.fromtimestamp(int(value), tz=UTC)


def _driver(connection):
    """The psycopg connection (or cursor) under a SQLAlchemy Connection, or the object itself."""
    if hasattr(connection, "exec_driver_sql"):
        return connection.connection.driver_connection
    return connection


def is_partitioned(connection) -> bool:
    return bool(_driver(connection).execute(_PARTITIONED_SQL, (PARENT,)).fetchone()[0])


def existing_partitions(connection) -> set[str]:
    return {row[0] for row in _driver(connection).execute(_EXISTING_SQL, (PARENT,)).fetchall()}


def create_partition(db, year: int, month: int, parent: str = PARENT) -> None:
    """CREATE TABLE IF NOT EXISTS partitions.counterreading_yYYYYmMM, then ATTACH PARTITION: attaching takes a
    SHARE UPDATE EXCLUSIVE lock on the parent, which lets readers and writers of the other months go on
    (CREATE TABLE ... PARTITION OF would lock the whole table out until the creating transaction ends)."""
    name, table = sql.Identifier(SCHEMA, partition_name(year, month)), sql.Identifier(parent)
    db.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (LIKE {} INCLUDING ALL)").format(name, table))
    db.execute(
        sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})").format(
            table,
            name,
            sql.Literal(month_start(year, month).isoformat()),
            sql.Literal(month_start(*next_month(year, month)).isoformat()),
        )
    )


def ensure_reading_partitions(connection, first_ts, last_ts) -> None:
    """Creates the missing monthly partitions for readings from `first_ts` to `last_ts` (both included;
    aware datetimes or Unix seconds), in the caller's transaction. Idempotent; does nothing when the
    table is not partitioned (a database before migration 0006) or when every month already has its
    partition (then it takes no lock: creating a partition locks the whole table until commit)."""
    if _utc(first_ts) > _utc(last_ts):
        return
    db = _driver(connection)
    if not is_partitioned(db):
        return
    wanted = {partition_name(*m): m for m in months_between(first_ts, last_ts)}
    if not set(wanted) - existing_partitions(db):
        return
    db.execute("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_KEYS)
    missing = set(wanted) - existing_partitions(db)  # another transaction may have made some meanwhile
    for name in sorted(missing):
        create_partition(db, *wanted[name])
