"""dApp sessions: Sign-In with Ethereum nonces (hashed, single use, expiring) and the auditors

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dapp_nonces",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("nonce_hash", sa.LargeBinary(length=32), nullable=False, unique=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_dapp_nonces_expires_at", "dapp_nonces", ["expires_at"])
    op.create_table(
        "dapp_auditors",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("granted_by", sa.String(length=42), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("revoked_by", sa.String(length=42), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "uq_dapp_auditors_current",
        "dapp_auditors",
        ["address"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_dapp_auditors_current", table_name="dapp_auditors")
    op.drop_table("dapp_auditors")
    op.drop_index("ix_dapp_nonces_expires_at", table_name="dapp_nonces")
    op.drop_table("dapp_nonces")
