"""The oracle's PostgreSQL schema (SQLAlchemy 2), after the data model of seed 001 §4.3.5–4.3.6.

Personal fields of users are stored encrypted (Fernet, see oracle.db.crypto) in `*_enc` columns;
`email_hmac` is a keyed hash used to recognise the same person again without decrypting.
Energy columns are Wh per 15-minute interval with the seed's sign convention.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

TZ = DateTime(timezone=True)
UINT256 = Numeric(78, 0)  # token amounts in base units


class Base(DeclarativeBase):
    pass


# ------------------------------------------------------------------ communities and people


class Community(Base):
    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    symbol: Mapped[str] = mapped_column(String(16))
    token_address: Mapped[str | None] = mapped_column(String(42), unique=True)
    chain_id: Mapped[int | None] = mapped_column(BigInteger)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Rome")
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    surname_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    zip_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    city_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    province_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    fiscal_code_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_hmac: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    forgotten_at: Mapped[datetime | None] = mapped_column(TZ)  # right to be forgotten: personal fields erased


class Role(Base):
    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class UserRole(Base):
    __tablename__ = "users_roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    __table_args__ = (UniqueConstraint("user_id", "role_id", "community_id"),)


class Membership(Base):
    """users_communities: one wallet per user per community."""

    __tablename__ = "users_communities"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    wallet: Mapped[str] = mapped_column(String(42))
    kind: Mapped[str] = mapped_column(String(16))
    profile: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    onchain_tx: Mapped[str | None] = mapped_column(String(66))
    user: Mapped[User] = relationship()
    __table_args__ = (
        UniqueConstraint("community_id", "wallet"),
        UniqueConstraint("community_id", "user_id"),
        CheckConstraint("kind in ('citizen', 'stakeholder')", name="membership_kind"),
        CheckConstraint("profile in ('consumer', 'prosumer', 'prostormer')", name="membership_profile"),
    )


# ------------------------------------------------------------------ suppliers, devices, flows


class Supplier(Base):
    __tablename__ = "suppliers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class SupplierCommunity(Base):
    __tablename__ = "suppliers_communities"
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)


class Device(Base):
    """A metering device (deviceid = POD, unique within its supplier), owned by a user, counted in one community."""

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    deviceid: Mapped[str] = mapped_column(String(64))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("users_communities.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    use_type: Mapped[str | None] = mapped_column(String(32))
    latitude: Mapped[float | None] = mapped_column(Double)
    longitude: Mapped[float | None] = mapped_column(Double)
    activation_date: Mapped[datetime | None] = mapped_column(TZ)
    __table_args__ = (UniqueConstraint("supplier_id", "deviceid"),)


class Flow(Base):
    __tablename__ = "flows"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    destination_table: Mapped[str] = mapped_column(String(64), default="counterreading")
    send_frequency: Mapped[str | None] = mapped_column(String(64))
    measure_frequency: Mapped[str | None] = mapped_column(String(64))
    cron: Mapped[str | None] = mapped_column(String(64))
    measurement_type: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(64))
    data_syntax: Mapped[str | None] = mapped_column(String(32))
    gdpr_class: Mapped[str | None] = mapped_column(String(32))
    on_error: Mapped[str | None] = mapped_column(String(32))
    starts_at: Mapped[datetime | None] = mapped_column(TZ)
    ends_at: Mapped[datetime | None] = mapped_column(TZ)


class FlowCommunity(Base):
    __tablename__ = "flows_communities"
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    flag: Mapped[int] = mapped_column(SmallInteger)  # 1 consumption, 2 production
    __table_args__ = (CheckConstraint("flag in (1, 2)", name="flow_flag"),)


class MeasurementTable(Base):
    """Where a flow lands and what each of its columns means (measurementstables + signallabels)."""

    __tablename__ = "measurement_tables"
    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id"))
    column_name: Mapped[str] = mapped_column(String(64))
    signal_label: Mapped[str] = mapped_column(String(128))
    unit: Mapped[str | None] = mapped_column(String(16))
    check_expr: Mapped[str | None] = mapped_column(Text)


# ------------------------------------------------------------------ measurements


class Ingestion(Base):
    """One ingested file: everything it loaded carries its id (the epoch watermark)."""

    __tablename__ = "ingestions"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    path: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    anomaly_count: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(TZ)
    correction: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))  # oracle ingest --correction
    correction_reason: Mapped[str | None] = mapped_column(Text)


class CounterReading(Base):
    """Quarter-hourly readings: the big table. No foreign keys and no index besides the primary key:
    a foreign-key check per row made bulk loading ten times slower, and the loader only writes device
    and ingestion ids it has just read from their tables, in the same transaction. The primary key
    (device_id, ts) serves every query (all are per device and time range).

    Partitioned by month on ts (migration 0006, oracle/db/partitions.py): one partition per UTC month in
    schema `partitions`, no DEFAULT partition, so whatever inserts readings first calls
    ensure_reading_partitions(connection, first_ts, last_ts) first (ingestion: in a transaction of its own)."""

    __tablename__ = "counterreading"
    __table_args__ = {"postgresql_partition_by": "RANGE (ts)"}
    device_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # devices.id
    ts: Mapped[datetime] = mapped_column(TZ, primary_key=True)  # start of the 15-minute interval
    flow_id: Mapped[int | None] = mapped_column(Integer)  # flows.id
    current: Mapped[float | None] = mapped_column(Double)  # A
    voltage: Mapped[float | None] = mapped_column(Double)  # V
    powactive: Mapped[float | None] = mapped_column(Double)  # W
    powreactive: Mapped[float | None] = mapped_column(Double)  # var
    energy: Mapped[float] = mapped_column(Double)  # Wh in the interval
    chargestatus: Mapped[float | None] = mapped_column(Double)  # %
    quality: Mapped[str] = mapped_column(String(16), default="measured")  # measured | snapped | interpolated
    ingestion_id: Mapped[int] = mapped_column(Integer)  # ingestions.id: the epoch watermark


class ReadingCorrection(Base):
    """One stored reading replaced by `oracle ingest --correction` (migration 0008): the replaced reading now
    carries the correcting ingestion's id, so an epoch's watermark tells the old value from the new one."""

    __tablename__ = "reading_corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    ingestion_id: Mapped[int] = mapped_column(ForeignKey("ingestions.id"))  # the correcting ingestion
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    ts: Mapped[datetime] = mapped_column(TZ)
    old_energy: Mapped[float] = mapped_column(Double)
    new_energy: Mapped[float] = mapped_column(Double)
    old_ingestion_id: Mapped[int] = mapped_column(ForeignKey("ingestions.id"))  # wrote the replaced value
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64))  # of the correcting file
    line: Mapped[int | None] = mapped_column(Integer)  # of the new value in the correcting file
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    __table_args__ = (
        Index("ix_reading_corrections_device_ts", "device_id", "ts"),
        Index("ix_reading_corrections_ingestion", "ingestion_id"),
    )


class WeatherData(Base):
    __tablename__ = "weatherdata"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    ts: Mapped[datetime] = mapped_column(TZ)
    temperature_c: Mapped[float | None] = mapped_column(Double)
    irradiance_wm2: Mapped[float | None] = mapped_column(Double)
    cloud_cover_pct: Mapped[float | None] = mapped_column(Double)
    __table_args__ = (UniqueConstraint("community_id", "ts"),)


class AnomalyRecord(Base):
    __tablename__ = "anomalies"
    id: Mapped[int] = mapped_column(primary_key=True)
    ingestion_id: Mapped[int | None] = mapped_column(ForeignKey("ingestions.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id"))
    deviceid: Mapped[str | None] = mapped_column(String(64))
    ts: Mapped[datetime | None] = mapped_column(TZ)
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class DerivedSeries(Base):
    """Descriptor of a derived time series (cluster curves, target curves, KPIs over time)."""

    __tablename__ = "derived_series"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    population: Mapped[str | None] = mapped_column(String(64))
    series_type: Mapped[str] = mapped_column(String(64))
    period_type: Mapped[str | None] = mapped_column(String(32))
    frequency: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str | None] = mapped_column(String(16))
    x_format: Mapped[str | None] = mapped_column(String(32))
    last_update: Mapped[datetime | None] = mapped_column(TZ)
    cron_refresh: Mapped[str | None] = mapped_column(String(64))


class DerivedSeriesData(Base):
    __tablename__ = "derived_series_data"
    series_id: Mapped[int] = mapped_column(ForeignKey("derived_series.id"), primary_key=True)
    x: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float | None] = mapped_column(Double)


class DerivedSeriesLink(Base):
    __tablename__ = "derived_series_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("derived_series.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    cluster: Mapped[str | None] = mapped_column(String(64))


# ------------------------------------------------------------------ the oracle's bookkeeping


class Epoch(Base):
    __tablename__ = "epochs"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    number: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[datetime] = mapped_column(TZ)
    period_end: Mapped[datetime] = mapped_column(TZ)
    data_start: Mapped[datetime | None] = mapped_column(TZ)  # earlier than period_start when a baseline is used
    # running | waiting (committed, challenge window open) | done | voided (its period may be run again)
    # | abandoned (never committed, given up by the operator; its period may be run again)
    status: Mapped[str] = mapped_column(String(16), default="running")
    model_id: Mapped[str | None] = mapped_column(String(32))
    model_version: Mapped[int | None] = mapped_column(Integer)
    model_effective_from: Mapped[datetime | None] = mapped_column(TZ)  # the version rules periods from then on
    params: Mapped[dict | None] = mapped_column(JSONB)
    ingestion_watermark: Mapped[int | None] = mapped_column(Integer)
    merkle_root: Mapped[str | None] = mapped_column(String(66))
    dataset_hash: Mapped[str | None] = mapped_column(String(66))
    leaf_count: Mapped[int | None] = mapped_column(Integer)
    total_reward: Mapped[int | None] = mapped_column(UINT256)
    community_kpis: Mapped[dict | None] = mapped_column(JSONB)
    tree_dump: Mapped[dict | None] = mapped_column(JSONB)
    payable_at: Mapped[datetime | None] = mapped_column(TZ)  # end of the challenge window, from the chain
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(TZ)
    # a voided or abandoned epoch's period may be run again, as a new epoch number
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index(
            "uq_epochs_period_live",
            "community_id",
            "period_start",
            "period_end",
            unique=True,
            postgresql_where=text("status NOT IN ('voided', 'abandoned')"),
        ),
    )


class EpochStep(Base):
    __tablename__ = "epoch_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    epoch_id: Mapped[int] = mapped_column(ForeignKey("epochs.id"))
    step: Mapped[str] = mapped_column(String(16))
    finished_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    detail: Mapped[dict | None] = mapped_column(JSONB)
    __table_args__ = (UniqueConstraint("epoch_id", "step"),)


class EpochMember(Base):
    __tablename__ = "epoch_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    epoch_id: Mapped[int] = mapped_column(ForeignKey("epochs.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("users_communities.id"))
    wallet: Mapped[str] = mapped_column(String(42))
    leaf_index: Mapped[int | None] = mapped_column(Integer)  # position in wallet order = the leaf's index on-chain
    amount: Mapped[int] = mapped_column(UINT256)
    tokens: Mapped[float] = mapped_column(Double)
    kpis: Mapped[dict | None] = mapped_column(JSONB)
    salt: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    data_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    reading_count: Mapped[int | None] = mapped_column(Integer)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_tx: Mapped[str | None] = mapped_column(String(66))
    # the push that skipped the member (not an active member then): unpaid, still claimable on-chain
    skipped_tx: Mapped[str | None] = mapped_column(String(66))
    # taken from the member's outstanding debt (lower rewards of corrected epochs): amount = reward - debt_deducted
    debt_deducted: Mapped[int] = mapped_column(UINT256, server_default="0", default=0)
    __table_args__ = (UniqueConstraint("epoch_id", "wallet"),)


class EpochRevision(Base):
    """Revision 1, 2, … of a committed epoch, recomputed on corrected data (`oracle epoch correct`) with the
    epoch's model version and parameters; committed on-chain beside the original (commitRevision)."""

    __tablename__ = "epoch_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    epoch_id: Mapped[int] = mapped_column(ForeignKey("epochs.id"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # running | waiting | done | voided | abandoned
    reason: Mapped[str] = mapped_column(Text)
    reason_hash: Mapped[str] = mapped_column(String(66))  # keccak256 of the reason, committed on-chain
    ingestion_watermark: Mapped[int | None] = mapped_column(Integer)
    merkle_root: Mapped[str | None] = mapped_column(String(66))
    dataset_hash: Mapped[str | None] = mapped_column(String(66))
    leaf_count: Mapped[int | None] = mapped_column(Integer)
    extra_reward: Mapped[int | None] = mapped_column(UINT256)  # the top-ups: escrowed, the most it pays
    total_reward: Mapped[int | None] = mapped_column(UINT256)  # the epoch's total recomputed on corrected data
    community_kpis: Mapped[dict | None] = mapped_column(JSONB)
    tree_dump: Mapped[dict | None] = mapped_column(JSONB)
    payable_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(TZ)
    __table_args__ = (UniqueConstraint("epoch_id", "number"),)


class RevisionStep(Base):
    __tablename__ = "revision_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("epoch_revisions.id"))
    step: Mapped[str] = mapped_column(String(16))
    finished_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    detail: Mapped[dict | None] = mapped_column(JSONB)
    __table_args__ = (UniqueConstraint("revision_id", "step"),)


class RevisionMember(Base):
    """A member's leaf in a revision: (leaf_index, wallet, top_up, data_hash of the corrected readings)."""

    __tablename__ = "revision_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("epoch_revisions.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("users_communities.id"))
    wallet: Mapped[str] = mapped_column(String(42), index=True)
    leaf_index: Mapped[int] = mapped_column(Integer)  # the member's index in the original epoch
    previous_reward: Mapped[int] = mapped_column(UINT256)  # the original's or the latest revision's reward
    reward: Mapped[int] = mapped_column(UINT256)  # recomputed on the corrected data
    top_up: Mapped[int] = mapped_column(UINT256)  # max(reward - previous, 0): paid against the revision's root
    debt: Mapped[int] = mapped_column(UINT256)  # max(previous - reward, 0): deducted from the next rewards
    kpis: Mapped[dict | None] = mapped_column(JSONB)
    salt: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    data_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    reading_count: Mapped[int | None] = mapped_column(Integer)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_tx: Mapped[str | None] = mapped_column(String(66))
    skipped_tx: Mapped[str | None] = mapped_column(String(66))
    __table_args__ = (UniqueConstraint("revision_id", "wallet"),)


class ChainTransaction(Base):
    """Every transaction the oracle sends, recorded with its hash before it waits for the receipt."""

    __tablename__ = "chain_transactions"
    id: Mapped[int] = mapped_column(primary_key=True)
    epoch_id: Mapped[int | None] = mapped_column(ForeignKey("epochs.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    kind: Mapped[str] = mapped_column(String(32))
    tx_hash: Mapped[str] = mapped_column(String(66), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="sent")  # sent | mined | failed
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    gas_used: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[dict | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class DataKey(Base):
    """The fingerprint of every personal-data key used (never the key): a different key is refused at start."""

    __tablename__ = "data_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(TZ)  # set by a rotation; the current key has none
    __table_args__ = (
        Index(
            "uq_data_keys_current",
            text("(retired_at IS NULL)"),
            unique=True,
            postgresql_where=text("retired_at IS NULL"),
        ),
    )


# ------------------------------------------------------------------ the dApp (dapp_backend)


class DappNonce(Base):
    """A Sign-In with Ethereum nonce: only its SHA-256 is kept, usable once before it expires. In the database
    (not in a process's memory) so that every server process agrees on what was issued and what was used."""

    __tablename__ = "dapp_nonces"
    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    expires_at: Mapped[datetime] = mapped_column(TZ, index=True)
    used_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class DappAuditor(Base):
    """An auditor of the platform, granted (and revoked) by a Platform Admin; revoked rows stay as the record."""

    __tablename__ = "dapp_auditors"
    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(42))
    granted_by: Mapped[str] = mapped_column(String(42))
    granted_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    revoked_by: Mapped[str | None] = mapped_column(String(42))
    revoked_at: Mapped[datetime | None] = mapped_column(TZ)
    __table_args__ = (
        Index("uq_dapp_auditors_current", "address", unique=True, postgresql_where=text("revoked_at IS NULL")),
    )


# ------------------------------------------------------------------ PELL-IP public lighting (oracle.pell)

PELL_TECHNOLOGIES = ("LED", "HPS", "MH", "MV", "LPS", "fluorescent", "other")


class PellMunicipality(Base):
    """A municipality of the regional Smart City Platform; `reserved` datasets are seen only by its accounts
    and its region's administrators (pell_viewers), open ones by everyone."""

    __tablename__ = "pell_municipalities"
    id: Mapped[int] = mapped_column(primary_key=True)
    istat_code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(2))  # two-letter code, e.g. GE
    region: Mapped[str] = mapped_column(String(100))
    reserved: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    __table_args__ = (
        CheckConstraint("istat_code ~ '^[0-9]{6}$'", name="ck_pell_municipalities_istat_code"),
        CheckConstraint("province ~ '^[A-Z]{2}$'", name="ck_pell_municipalities_province"),
    )


class PellPlant(Base):
    """A public-lighting plant (one POD, one electrical panel) with its WGS84 location."""

    __tablename__ = "pell_plants"
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("pell_municipalities.id"))
    plant_code: Mapped[str] = mapped_column(String(64))
    pod: Mapped[str] = mapped_column(String(32))
    latitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    electrical_panel: Mapped[str | None] = mapped_column(String(100))
    control_system: Mapped[str | None] = mapped_column(String(100))  # dimming / remote control, None if none
    updated_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    source_file: Mapped[str | None] = mapped_column(Text)
    source_line: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("municipality_id", "plant_code", name="uq_pell_plants_municipality_code"),
        CheckConstraint("pod <> ''", name="ck_pell_plants_pod"),
        CheckConstraint("plant_code <> ''", name="ck_pell_plants_code"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="ck_pell_plants_latitude"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="ck_pell_plants_longitude"),
    )


class PellLamp(Base):
    """Lamps of a plant by technology (PELL_TECHNOLOGIES: LED, HPS high-pressure sodium, MH metal halide,
    MV mercury vapour, LPS low-pressure sodium, fluorescent, other) and unit power."""

    __tablename__ = "pell_lamps"
    id: Mapped[int] = mapped_column(primary_key=True)
    plant_id: Mapped[int] = mapped_column(ForeignKey("pell_plants.id", ondelete="CASCADE"))
    technology: Mapped[str] = mapped_column(String(16))
    unit_power_w: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    count: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("plant_id", "technology", "unit_power_w", name="uq_pell_lamps_kind"),
        CheckConstraint(f"technology IN {PELL_TECHNOLOGIES}", name="ck_pell_lamps_technology"),
        CheckConstraint("unit_power_w > 0", name="ck_pell_lamps_power"),
        CheckConstraint("count > 0", name="ck_pell_lamps_count"),
    )


class PellConsumption(Base):
    """Consumption of a plant: kWh (3 decimals) in a month or a 15-minute interval starting at period_start."""

    __tablename__ = "pell_consumption"
    plant_id: Mapped[int] = mapped_column(ForeignKey("pell_plants.id"), primary_key=True)
    period_start: Mapped[datetime] = mapped_column(TZ, primary_key=True)
    resolution: Mapped[str] = mapped_column(String(8), primary_key=True)  # month | 15min
    kwh: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    source_file: Mapped[str | None] = mapped_column(Text)
    source_line: Mapped[int | None] = mapped_column(Integer)
    ingested_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    __table_args__ = (
        CheckConstraint("resolution IN ('month', '15min')", name="ck_pell_consumption_resolution"),
        CheckConstraint("kwh >= 0", name="ck_pell_consumption_kwh"),
    )


class PellCertification(Base):
    """A mined LightingCertification certification, as the chain recorded it (certified_at is the block time)."""

    __tablename__ = "pell_certifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(BigInteger, unique=True)  # the contract's id
    kind: Mapped[str] = mapped_column(String(8))  # static | monthly
    municipality_id: Mapped[int] = mapped_column(ForeignKey("pell_municipalities.id"))
    plant_id: Mapped[int | None] = mapped_column(ForeignKey("pell_plants.id"))  # None for monthly
    month: Mapped[date | None] = mapped_column(Date)  # first day of the month; None for static
    dataset_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    consumption_wh: Mapped[Decimal | None] = mapped_column(Numeric(30, 0))  # None for static
    measurements: Mapped[int | None] = mapped_column(Integer)
    schema_version: Mapped[int | None] = mapped_column(SmallInteger)
    previous_certification_id: Mapped[int | None] = mapped_column(BigInteger)
    submitter: Mapped[str] = mapped_column(String(42))
    tx_hash: Mapped[str] = mapped_column(String(66))
    block_number: Mapped[int] = mapped_column(BigInteger)
    certified_at: Mapped[datetime] = mapped_column(TZ)
    canonical_record: Mapped[str | None] = mapped_column(Text)  # the static record certified (to tell what changed)
    __table_args__ = (
        CheckConstraint("kind IN ('static', 'monthly')", name="ck_pell_certifications_kind"),
        CheckConstraint(
            "(kind = 'static') = (plant_id IS NOT NULL AND month IS NULL)", name="ck_pell_certifications_item"
        ),
        Index("ix_pell_certifications_municipality", "municipality_id", "kind"),
        Index("ix_pell_certifications_tx_hash", "tx_hash"),
    )


class PellViewer(Base):
    """Who may see reserved PELL data: an account of a municipality (municipality_id) or a regional
    administrator (region); exactly one of the two is set. Revoking deletes the row."""

    __tablename__ = "pell_viewers"
    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(42))  # checksummed
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("pell_municipalities.id"))
    region: Mapped[str | None] = mapped_column(String(100))
    granted_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    granted_by: Mapped[str | None] = mapped_column(String(42))
    __table_args__ = (
        CheckConstraint("(municipality_id IS NULL) <> (region IS NULL)", name="ck_pell_viewers_scope"),
        Index(
            "uq_pell_viewers_municipality",
            "address",
            "municipality_id",
            unique=True,
            postgresql_where=text("municipality_id IS NOT NULL"),
        ),
        Index("uq_pell_viewers_region", "address", "region", unique=True, postgresql_where=text("region IS NOT NULL")),
    )


# ------------------------------------------------------------------ privacy (oracle.privacy)


class ErasureLog(Base):
    """One erasure under the right to be forgotten: what was erased, when and by whom, with no personal data.
    The wallet is kept only as the SHA-256 of its lower-case form (enough to answer "erased on DATE"), the
    reason only as its SHA-256; community_id None means every community of the person."""

    __tablename__ = "erasure_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    wallet_hash: Mapped[str] = mapped_column(String(64), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    erased_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    erased_by: Mapped[str] = mapped_column(String(200))  # the operator's wallet or OS user
    reason_hash: Mapped[str] = mapped_column(String(64))
    counts: Mapped[dict] = mapped_column(JSONB)  # readings, salts, take-out files, devices, ... erased


class ErasureRequest(Base):
    """A member's request to be forgotten in one community (from the dApp), decided by an admin. The wallet
    and the reason are personal data: Fernet-encrypted with the personal-data key (the reason is erased, None, with
    the rest of the person's data when the erasure is carried out; the wallet stays public on-chain anyway)."""

    __tablename__ = "erasure_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    wallet_hash: Mapped[str] = mapped_column(String(64))
    wallet_enc: Mapped[bytes] = mapped_column(LargeBinary)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), server_default="pending")  # pending | confirmed | rejected
    requested_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column(TZ)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("status in ('pending', 'confirmed', 'rejected')", name="erasure_request_status"),
        Index(
            "uq_erasure_requests_pending",
            "wallet_hash",
            "community_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
    )
