"""contracts v2: leaf indexes, skipped payments, voided epochs, model effective time, payable time

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("epochs", sa.Column("model_effective_from", sa.DateTime(timezone=True), nullable=True))
    op.add_column("epochs", sa.Column("payable_at", sa.DateTime(timezone=True), nullable=True))
    # a voided epoch's period may be run again as a new epoch number
    op.drop_constraint("epochs_community_id_period_start_period_end_key", "epochs", type_="unique")
    op.create_index(
        "uq_epochs_period_not_voided",
        "epochs",
        ["community_id", "period_start", "period_end"],
        unique=True,
        postgresql_where=sa.text("status <> 'voided'"),
    )
    op.add_column("epoch_members", sa.Column("leaf_index", sa.Integer(), nullable=True))
    op.add_column("epoch_members", sa.Column("skipped_tx", sa.String(length=66), nullable=True))


def downgrade() -> None:
    op.drop_column("epoch_members", "skipped_tx")
    op.drop_column("epoch_members", "leaf_index")
    op.drop_index("uq_epochs_period_not_voided", table_name="epochs")
    op.create_unique_constraint(
        "epochs_community_id_period_start_period_end_key", "epochs", ["community_id", "period_start", "period_end"]
    )
    op.drop_column("epochs", "payable_at")
    op.drop_column("epochs", "model_effective_from")
