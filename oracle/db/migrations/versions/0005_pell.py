"""PELL-IP public lighting: municipalities, plants and lamps, consumption, on-chain certifications, viewers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TECHNOLOGIES = "('LED', 'HPS', 'MH', 'MV', 'LPS', 'fluorescent', 'other')"


def upgrade() -> None:
    _municipalities_and_plants()
    _consumption()
    _certifications()
    _viewers()


def _municipalities_and_plants() -> None:
    op.create_table(
        "pell_municipalities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("istat_code", sa.String(length=6), nullable=False, unique=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("province", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("reserved", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint("istat_code ~ '^[0-9]{6}$'", name="ck_pell_municipalities_istat_code"),
        sa.CheckConstraint("province ~ '^[A-Z]{2}$'", name="ck_pell_municipalities_province"),
    )
    op.create_table(
        "pell_plants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("municipality_id", sa.Integer(), sa.ForeignKey("pell_municipalities.id"), nullable=False),
        sa.Column("plant_code", sa.String(length=64), nullable=False),
        sa.Column("pod", sa.String(length=32), nullable=False),
        sa.Column("latitude", sa.Numeric(9, 6), nullable=False),
        sa.Column("longitude", sa.Numeric(9, 6), nullable=False),
        sa.Column("electrical_panel", sa.String(length=100), nullable=True),
        sa.Column("control_system", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.UniqueConstraint("municipality_id", "plant_code", name="uq_pell_plants_municipality_code"),
        sa.CheckConstraint("pod <> ''", name="ck_pell_plants_pod"),
        sa.CheckConstraint("plant_code <> ''", name="ck_pell_plants_code"),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name="ck_pell_plants_latitude"),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name="ck_pell_plants_longitude"),
    )
    op.create_table(
        "pell_lamps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plant_id", sa.Integer(), sa.ForeignKey("pell_plants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("technology", sa.String(length=16), nullable=False),
        sa.Column("unit_power_w", sa.Numeric(10, 2), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.UniqueConstraint("plant_id", "technology", "unit_power_w", name="uq_pell_lamps_kind"),
        sa.CheckConstraint(f"technology IN {TECHNOLOGIES}", name="ck_pell_lamps_technology"),
        sa.CheckConstraint("unit_power_w > 0", name="ck_pell_lamps_power"),
        sa.CheckConstraint("count > 0", name="ck_pell_lamps_count"),
    )


def _consumption() -> None:
    op.create_table(
        "pell_consumption",
        sa.Column("plant_id", sa.Integer(), sa.ForeignKey("pell_plants.id"), primary_key=True),
        sa.Column("period_start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("resolution", sa.String(length=8), primary_key=True),
        sa.Column("kwh", sa.Numeric(14, 3), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("resolution IN ('month', '15min')", name="ck_pell_consumption_resolution"),
        sa.CheckConstraint("kwh >= 0", name="ck_pell_consumption_kwh"),
    )


def _certifications() -> None:
    op.create_table(
        "pell_certifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("certification_id", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("municipality_id", sa.Integer(), sa.ForeignKey("pell_municipalities.id"), nullable=False),
        sa.Column("plant_id", sa.Integer(), sa.ForeignKey("pell_plants.id"), nullable=True),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("dataset_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("consumption_wh", sa.Numeric(30, 0), nullable=True),
        sa.Column("measurements", sa.Integer(), nullable=True),
        sa.Column("schema_version", sa.SmallInteger(), nullable=True),
        sa.Column("previous_certification_id", sa.BigInteger(), nullable=True),
        sa.Column("submitter", sa.String(length=42), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("certified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("canonical_record", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('static', 'monthly')", name="ck_pell_certifications_kind"),
        sa.CheckConstraint(
            "(kind = 'static') = (plant_id IS NOT NULL AND month IS NULL)", name="ck_pell_certifications_item"
        ),
    )
    op.create_index("ix_pell_certifications_municipality", "pell_certifications", ["municipality_id", "kind"])
    op.create_index("ix_pell_certifications_tx_hash", "pell_certifications", ["tx_hash"])


def _viewers() -> None:
    op.create_table(
        "pell_viewers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("municipality_id", sa.Integer(), sa.ForeignKey("pell_municipalities.id"), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("granted_by", sa.String(length=42), nullable=True),
        sa.CheckConstraint("(municipality_id IS NULL) <> (region IS NULL)", name="ck_pell_viewers_scope"),
    )
    op.create_index(
        "uq_pell_viewers_municipality",
        "pell_viewers",
        ["address", "municipality_id"],
        unique=True,
        postgresql_where=sa.text("municipality_id IS NOT NULL"),
    )
    op.create_index(
        "uq_pell_viewers_region",
        "pell_viewers",
        ["address", "region"],
        unique=True,
        postgresql_where=sa.text("region IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_pell_viewers_region", table_name="pell_viewers")
    op.drop_index("uq_pell_viewers_municipality", table_name="pell_viewers")
    op.drop_table("pell_viewers")
    op.drop_index("ix_pell_certifications_tx_hash", table_name="pell_certifications")
    op.drop_index("ix_pell_certifications_municipality", table_name="pell_certifications")
    op.drop_table("pell_certifications")
    op.drop_table("pell_consumption")
    op.drop_table("pell_lamps")
    op.drop_table("pell_plants")
    op.drop_table("pell_municipalities")
