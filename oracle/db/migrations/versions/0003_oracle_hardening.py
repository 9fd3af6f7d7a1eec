"""oracle hardening: the personal-data key's fingerprint, abandoned epochs free their period

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # one row per personal-data key ever used; the one without retired_at is current
    op.create_table(
        "data_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "uq_data_keys_current",
        "data_keys",
        [sa.text("(retired_at IS NULL)")],
        unique=True,
        postgresql_where=sa.text("retired_at IS NULL"),
    )
    # an abandoned epoch (never committed) frees its period, like a voided one
    op.drop_index("uq_epochs_period_not_voided", table_name="epochs")
    op.create_index(
        "uq_epochs_period_live",
        "epochs",
        ["community_id", "period_start", "period_end"],
        unique=True,
        postgresql_where=sa.text("status NOT IN ('voided', 'abandoned')"),
    )


def downgrade() -> None:
    op.drop_index("uq_epochs_period_live", table_name="epochs")
    op.create_index(
        "uq_epochs_period_not_voided",
        "epochs",
        ["community_id", "period_start", "period_end"],
        unique=True,
        postgresql_where=sa.text("status <> 'voided'"),
    )
    op.drop_index("uq_data_keys_current", table_name="data_keys")
    op.drop_table("data_keys")
