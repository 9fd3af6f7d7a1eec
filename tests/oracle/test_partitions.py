"""The readings table partitioned by month: migration 0006, ensure_reading_partitions, pruning, and an epoch
on the partitioned table giving the same result as the definitions and the unpartitioned reader."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from oracle.communities import get_community
from oracle.db.partitions import SCHEMA, ensure_reading_partitions, existing_partitions, is_partitioned
from oracle.db.schema import EpochMember
from oracle.db.session import alembic_config, upgrade
from oracle.epochs import canonical
from oracle.epochs.data import load_readings, readings_by_device_select, to_model_frame
from oracle.epochs.runner import run_epoch
from oracle.merkle import reward_tree
from oracle.models import compute_rewards

from .builders import END, EXPECTED, START, quiet, small_community
from .test_epoch_scale import reference_canonical

# readings of three meters on four months' edges (UTC), November without any: the migration makes the
# partitions from the first month to the last, November's empty
READINGS = [
    (1, "2026-09-30 23:45:00+00", -0.0),
    (1, "2026-10-01 00:00:00+00", 1.0005),
    (2, "2026-10-31 23:45:00+00", 250.5),
    (3, "2026-12-01 00:00:00+00", -42.25),
    (2, "2026-12-31 23:45:00+00", 7.0),
]


@pytest.fixture
def scratch_db(ctx):
    """A database of its own on the session's PostgreSQL, its URL; dropped afterwards."""
    url = make_url(ctx.database_url)
    name = f"partitions_{uuid.uuid4().hex[:8]}"
    admin = url.set(database="postgres", drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def stored_rows(conn) -> list[tuple]:
    return conn.execute(
        text("SELECT device_id, ts, energy::text, quality, ingestion_id FROM counterreading ORDER BY device_id, ts")
    ).all()


def partitions_and_bounds(conn) -> dict[str, str]:
    return dict(
        conn.execute(
            text(
                "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = "
                "i.inhrelid WHERE i.inhparent = 'counterreading'::regclass"
            )
        ).all()
    )


def test_migration_0006_moves_stored_readings_into_monthly_partitions(scratch_db):
    from alembic import command

    upgrade(scratch_db, "0005")
    engine = create_engine(scratch_db)
    with engine.begin() as conn:
        for device, ts, energy in READINGS:
            conn.execute(
                text(
                    "INSERT INTO counterreading (device_id, ts, energy, quality, ingestion_id) "
                    "VALUES (:d, :t, :e, 'measured', 1)"
                ),
                {"d": device, "t": ts, "e": energy},
            )
        before = stored_rows(conn)
        assert not is_partitioned(conn)
    upgrade(scratch_db, "0006")
    with engine.connect() as conn:
        assert stored_rows(conn) == before  # -0 and 1.0005 kept to the bit (compared as PostgreSQL's text)
        assert is_partitioned(conn)
        assert partitions_and_bounds(conn) == {
            f"counterreading_y2026m{m:02d}": f"FOR VALUES FROM ('2026-{m:02d}-01 00:00:00+00') TO "
            f"('{'2027-01' if m == 12 else f'2026-{m + 1:02d}'}-01 00:00:00+00')"
            for m in (9, 10, 11, 12)
        }  # no DEFAULT partition
        assert (
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid WHERE n.nspname = :s"
                ),
                {"s": SCHEMA},
            ).scalar()
            == 8
        )  # 4 tables, 4 keys
        key = conn.execute(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'counterreading'::regclass AND contype = 'p'"
            )
        ).scalar()
        assert key == "PRIMARY KEY (device_id, ts)"
        with pytest.raises(Exception, match="no partition of relation"):
            conn.execute(
                text(
                    "INSERT INTO counterreading (device_id, ts, energy, quality, ingestion_id) "
                    "VALUES (1, '2027-03-01Z', 1, 'measured', 1)"
                )
            )
    command.downgrade(alembic_config(scratch_db), "0005")
    with engine.connect() as conn:
        assert stored_rows(conn) == before and not is_partitioned(conn)
    engine.dispose()


def test_ensure_reading_partitions_is_idempotent_and_leaves_a_plain_table_alone(ctx, scratch_db):
    first, last = datetime(2091, 11, 20, tzinfo=UTC), datetime(2092, 2, 1, tzinfo=UTC)
    months = {
        "counterreading_y2091m11",
        "counterreading_y2091m12",
        "counterreading_y2092m01",
        "counterreading_y2092m02",
    }
    with ctx.engine.begin() as conn:
        ensure_reading_partitions(conn, first, last)
        ensure_reading_partitions(conn, first, last)  # nothing twice
        ensure_reading_partitions(conn, int(last.timestamp()), int(first.timestamp()))  # an empty span
        assert months <= existing_partitions(conn)
        created = existing_partitions(conn)
    with ctx.engine.begin() as conn:
        ensure_reading_partitions(conn, int(first.timestamp()), int(last.timestamp()))  # Unix seconds too
        assert existing_partitions(conn) == created
        conn.execute(
            text(
                "INSERT INTO counterreading (device_id, ts, energy, quality, ingestion_id) "
                "VALUES (-1, '2092-02-29 23:45Z', 1, 'measured', -1)"
            )
        )
        with pytest.raises(ValueError, match="timezone-aware"):
            ensure_reading_partitions(conn, datetime(2091, 1, 1), last)
        conn.execute(text("DELETE FROM counterreading WHERE device_id = -1"))
    upgrade(scratch_db, "0005")  # before the migration: one plain table, left as it is
    engine = create_engine(scratch_db)
    with engine.begin() as conn:
        ensure_reading_partitions(conn, first, last)
        assert not is_partitioned(conn) and existing_partitions(conn) == set()
    engine.dispose()


def explain(ctx, start: datetime, end: datetime) -> str:
    raw = ctx.engine.raw_connection()
    try:
        query = psycopg.ClientCursor(raw.driver_connection).mogrify(
            readings_by_device_select(False, 9), ([1, 2], start, end)
        )
        with raw.cursor() as cur:
            cur.execute("EXPLAIN " + query)
            return "\n".join(row[0] for row in cur.fetchall())
    finally:
        raw.close()


def test_an_epoch_reads_only_the_partitions_of_its_data_period(ctx):
    with ctx.engine.begin() as conn:
        ensure_reading_partitions(conn, datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    october = explain(ctx, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert "counterreading_y2026m10" in october
    assert not any(f"counterreading_y2026m{m:02d}" in october for m in (8, 9, 11, 12))
    with_baseline = explain(ctx, datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert "counterreading_y2026m09" in with_baseline and "counterreading_y2026m10" in with_baseline
    assert "counterreading_y2026m11" not in with_baseline and "counterreading_y2026m08" not in with_baseline


def test_the_partitioned_table_gives_the_sample_communitys_epoch(ctx, tmp_path):
    """Amounts as builders.py works them out by hand; the root recomputed from the stored salts with the
    README's canonical form (readings read by plain SQL) and with the DataFrame reader the oracle used before
    (load_readings, to_model_frame, canonical_bytes_by_member): the same."""
    name = small_community(ctx, tmp_path)
    epoch = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    community = get_community(ctx, name)
    with ctx.session() as s:
        members = {m.wallet: m for m in s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id))}
        rows = s.execute(
            text(
                "SELECT r.tableoid::regclass::text, m.wallet, d.deviceid, extract(epoch FROM r.ts)::bigint, r.energy "
                "FROM counterreading r JOIN devices d ON d.id = r.device_id JOIN users_communities m ON "
                "m.id = d.membership_id WHERE m.community_id = :c"
            ),
            {"c": community.id},
        ).all()
    assert {row[0] for row in rows} == {f"{SCHEMA}.counterreading_y2026m10"}
    assert {w: int(m.amount) for w, m in members.items()} == EXPECTED
    reference = {w: reference_canonical([r[2:] for r in rows if r[1] == w]) for w in members}

    def root(amounts: dict, data: dict) -> str:
        ordered = canonical.wallet_order(members)
        return reward_tree(
            [(w, amounts[w], canonical.data_hash(bytes(members[w].salt), data.get(w, b""))) for w in ordered]
        ).root_hex

    assert root(EXPECTED, reference) == epoch.merkle_root
    old = load_readings(ctx.engine, community.id, epoch.data_start, epoch.period_end, epoch.ingestion_watermark)
    old_amounts = compute_rewards(
        "self_consumption",
        epoch.params["values"],
        to_model_frame(old),
        list(members),
        epoch.period_start,
        epoch.period_end,
    ).amounts
    assert root(old_amounts, canonical.canonical_bytes_by_member(old)) == epoch.merkle_root
