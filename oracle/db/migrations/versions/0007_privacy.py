"""Privacy: the erasure log (right to be forgotten, no personal data) and members' erasure requests

erasure_log records what was erased, when and by whom: the wallet only as the SHA-256 of its lower-case
form (so the platform can say "erased on DATE" without keeping the address), the reason only as its
SHA-256 (the text may hold personal data), and counts. erasure_requests are members' requests from the
dApp, confirmed or rejected by an admin; the wallet and the reason are kept Fernet-encrypted with the
personal-data key (the admin must see them; the reason is erased with the rest of the person's data when
the erasure is carried out), one pending request per wallet and community.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 18:40:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "erasure_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("wallet_hash", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("communities.id"), nullable=True),
        sa.Column("erased_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("erased_by", sa.String(length=200), nullable=False),
        sa.Column("reason_hash", sa.String(length=64), nullable=False),
        sa.Column("counts", JSONB(), nullable=False),
    )
    op.create_index("ix_erasure_log_wallet_hash", "erasure_log", ["wallet_hash"])
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("wallet_hash", sa.String(length=64), nullable=False),
        sa.Column("wallet_enc", sa.LargeBinary(), nullable=False),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("communities.id"), nullable=False),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("requested_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint("status in ('pending', 'confirmed', 'rejected')", name="erasure_request_status"),
    )
    op.create_index(
        "uq_erasure_requests_pending",
        "erasure_requests",
        ["wallet_hash", "community_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("uq_erasure_requests_pending", table_name="erasure_requests")
    op.drop_table("erasure_requests")
    op.drop_index("ix_erasure_log_wallet_hash", table_name="erasure_log")
    op.drop_table("erasure_log")
