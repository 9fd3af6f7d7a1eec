"""Readings partitioned by month: counterreading becomes a RANGE-partitioned table on ts

The partitioned table is created beside the old one with the same columns and primary key
(device_id, ts), one partition per month from the first stored reading's month to the last's (in
schema `partitions`, see oracle/db/partitions.py; no DEFAULT partition), the rows are moved, and the
names are swapped. Downgrade moves the rows back into one plain table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 12:45:00
"""

from alembic import op

from oracle.db.partitions import SCHEMA, create_partition, months_between

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = (
    "device_id integer NOT NULL, ts timestamp with time zone NOT NULL, flow_id integer, "
    "current double precision, voltage double precision, powactive double precision, "
    "powreactive double precision, energy double precision NOT NULL, chargestatus double precision, "
    "quality varchar(16) NOT NULL, ingestion_id integer NOT NULL"
)
COLUMN_NAMES = (
    "device_id, ts, flow_id, current, voltage, powactive, powreactive, energy, chargestatus, quality, ingestion_id"
)


def upgrade() -> None:
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    op.execute(
        f"CREATE TABLE counterreading_by_month ({COLUMNS}, "
        "CONSTRAINT counterreading_by_month_pkey PRIMARY KEY (device_id, ts)) PARTITION BY RANGE (ts)"
    )
    _create_partitions_for_stored_months()
    op.execute(f"INSERT INTO counterreading_by_month ({COLUMN_NAMES}) SELECT {COLUMN_NAMES} FROM counterreading")
    op.execute("DROP TABLE counterreading")
    op.execute("ALTER TABLE counterreading_by_month RENAME TO counterreading")
    op.execute("ALTER TABLE counterreading RENAME CONSTRAINT counterreading_by_month_pkey TO counterreading_pkey")


def _create_partitions_for_stored_months() -> None:
    """The months from the first stored reading to the last (months between without readings get an
    empty partition: the loader would create them anyway)."""
    conn = op.get_bind()
    first, last = conn.exec_driver_sql("SELECT min(ts), max(ts) FROM counterreading").one()
    if first is None:
        return
    raw = conn.connection.driver_connection
    for year, month in months_between(first, last):
        create_partition(raw, year, month, parent="counterreading_by_month")


def downgrade() -> None:
    op.execute(
        f"CREATE TABLE counterreading_plain ({COLUMNS}, "
        "CONSTRAINT counterreading_plain_pkey PRIMARY KEY (device_id, ts))"
    )
    op.execute(f"INSERT INTO counterreading_plain ({COLUMN_NAMES}) SELECT {COLUMN_NAMES} FROM counterreading")
    op.execute("DROP TABLE counterreading")  # its partitions go with it
    op.execute("ALTER TABLE counterreading_plain RENAME TO counterreading")
    op.execute("ALTER TABLE counterreading RENAME CONSTRAINT counterreading_plain_pkey TO counterreading_pkey")
    op.execute(f"DROP SCHEMA IF EXISTS {SCHEMA}")
