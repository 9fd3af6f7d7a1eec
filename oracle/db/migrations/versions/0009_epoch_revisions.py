"""Epoch revisions: `oracle epoch correct` recomputes a notarized epoch on corrected data

`epoch_revisions` (revision 1, 2, … of an epoch: its reason, watermark, root, dataset hash, leaf count,
extra and recomputed total, on-chain payable time), `revision_steps` (the resumable steps of a revision)
and `revision_members` (per member the previous and corrected reward, the top-up paid against the
revision's root and the debt carried to the member's next rewards); `epoch_members.debt_deducted` is
what an epoch's leaf deducted from the member's outstanding debt.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 19:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UINT256 = sa.Numeric(78, 0)
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("epoch_members", sa.Column("debt_deducted", UINT256, server_default="0", nullable=False))
    op.create_table(
        "epoch_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("epoch_id", sa.Integer(), sa.ForeignKey("epochs.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reason_hash", sa.String(length=66), nullable=False),
        sa.Column("ingestion_watermark", sa.Integer(), nullable=True),
        sa.Column("merkle_root", sa.String(length=66), nullable=True),
        sa.Column("dataset_hash", sa.String(length=66), nullable=True),
        sa.Column("leaf_count", sa.Integer(), nullable=True),
        sa.Column("extra_reward", UINT256, nullable=True),
        sa.Column("total_reward", UINT256, nullable=True),
        sa.Column("community_kpis", postgresql.JSONB(), nullable=True),
        sa.Column("tree_dump", postgresql.JSONB(), nullable=True),
        sa.Column("payable_at", TZ, nullable=True),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("completed_at", TZ, nullable=True),
        sa.UniqueConstraint("epoch_id", "number"),
    )
    op.create_table(
        "revision_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("revision_id", sa.Integer(), sa.ForeignKey("epoch_revisions.id"), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("finished_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("detail", postgresql.JSONB(), nullable=True),
        sa.UniqueConstraint("revision_id", "step"),
    )
    op.create_table(
        "revision_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("revision_id", sa.Integer(), sa.ForeignKey("epoch_revisions.id"), nullable=False),
        sa.Column("membership_id", sa.Integer(), sa.ForeignKey("users_communities.id"), nullable=False),
        sa.Column("wallet", sa.String(length=42), nullable=False),
        sa.Column("leaf_index", sa.Integer(), nullable=False),
        sa.Column("previous_reward", UINT256, nullable=False),
        sa.Column("reward", UINT256, nullable=False),
        sa.Column("top_up", UINT256, nullable=False),
        sa.Column("debt", UINT256, nullable=False),
        sa.Column("kpis", postgresql.JSONB(), nullable=True),
        sa.Column("salt", sa.LargeBinary(length=32), nullable=True),
        sa.Column("data_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("reading_count", sa.Integer(), nullable=True),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("paid_tx", sa.String(length=66), nullable=True),
        sa.Column("skipped_tx", sa.String(length=66), nullable=True),
        sa.UniqueConstraint("revision_id", "wallet"),
    )
    op.create_index("ix_revision_members_wallet", "revision_members", ["wallet"])


def downgrade() -> None:
    op.drop_index("ix_revision_members_wallet", table_name="revision_members")
    op.drop_table("revision_members")
    op.drop_table("revision_steps")
    op.drop_table("epoch_revisions")
    op.drop_column("epoch_members", "debt_deducted")
