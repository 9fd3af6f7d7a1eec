"""Reading corrections: `oracle ingest --correction` replaces stored readings and keeps each replacement

One row of `reading_corrections` per replaced reading (device, time, old and new energy, the ingestion
that had written the old value and the one that corrected it, file, line and the reason given);
`ingestions.correction` and `ingestions.correction_reason` mark the correcting ingestions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 18:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ingestions", sa.Column("correction", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("ingestions", sa.Column("correction_reason", sa.Text(), nullable=True))
    op.create_table(
        "reading_corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ingestion_id", sa.Integer(), sa.ForeignKey("ingestions.id"), nullable=False),
        sa.Column("device_id", sa.Integer(), sa.ForeignKey("devices.id"), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_energy", sa.Double(), nullable=False),
        sa.Column("new_energy", sa.Double(), nullable=False),
        sa.Column("old_ingestion_id", sa.Integer(), sa.ForeignKey("ingestions.id"), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_reading_corrections_device_ts", "reading_corrections", ["device_id", "ts"])
    op.create_index("ix_reading_corrections_ingestion", "reading_corrections", ["ingestion_id"])


def downgrade() -> None:
    op.drop_index("ix_reading_corrections_ingestion", table_name="reading_corrections")
    op.drop_index("ix_reading_corrections_device_ts", table_name="reading_corrections")
    op.drop_table("reading_corrections")
    op.drop_column("ingestions", "correction_reason")
    op.drop_column("ingestions", "correction")
