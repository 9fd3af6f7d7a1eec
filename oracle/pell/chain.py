"""LightingCertification on the chain: its certifications decoded into a named type, read in batches, and the
transaction that made one found in the contract's events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

CONTRACT = "LightingCertification"
KINDS = ("static", "monthly")  # LightingCertification.Kind
EVENTS = {"static": "StaticDataCertified", "monthly": "MonthlyConsumptionCertified"}


@dataclass(frozen=True)
class OnChainCertification:
    """LightingCertification.getCertification(id) (month YYYYMM, 0 for static; timestamp unix seconds)."""

    id: int
    kind: str
    municipality_code: str
    plant_id: str
    month: int
    consumption_wh: int
    measurements: int
    dataset_hash: bytes
    schema_version: int
    submitter: str
    timestamp: int
    previous_id: int

    @classmethod
    def decode(cls, cert_id: int, raw: Sequence) -> OnChainCertification:
        kind, code, plant, month, wh, measurements, dataset_hash, version, submitter, timestamp, previous = raw
        return cls(
            cert_id,
            KINDS[kind],
            code,
            plant,
            month,
            wh,
            measurements,
            bytes(dataset_hash),
            version,
            submitter,
            timestamp,
            previous,
        )

    @property
    def certified_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)


def lighting(ctx):
    return ctx.chain.contract(CONTRACT)


def latest_static_ids(ctx, items: Sequence[tuple[str, str]]) -> list[int]:
    """The latest certification id of each (municipality code, plant code); 0 when never certified."""
    contract = lighting(ctx)
    return ctx.chain.read_many([(contract, "latestStatic", code, plant) for code, plant in items])


def latest_monthly_ids(ctx, items: Sequence[tuple[str, int]]) -> list[int]:
    """The latest certification id of each (municipality code, YYYYMM); 0 when never certified."""
    contract = lighting(ctx)
    return ctx.chain.read_many([(contract, "latestMonthly", code, month) for code, month in items])


def certifications(ctx, ids: Sequence[int]) -> dict[int, OnChainCertification]:
    wanted = sorted({i for i in ids if i})
    contract = lighting(ctx)
    raws = ctx.chain.read_many([(contract, "getCertification", i) for i in wanted])
    return {i: OnChainCertification.decode(i, raw) for i, raw in zip(wanted, raws)}


def certification_count(ctx) -> int:
    return ctx.chain.read_many([(lighting(ctx), "certificationCount")])[0]


def certification_event(ctx, cert: OnChainCertification) -> tuple[str, int] | None:
    """(transaction hash, block number) of the event that created a certification (its id is indexed)."""
    event = getattr(lighting(ctx).events, EVENTS[cert.kind])
    logs = event.get_logs(from_block=0, argument_filters={"id": cert.id})
    if not logs:
        return None
    return logs[0]["transactionHash"].to_0x_hex(), logs[0]["blockNumber"]


def certification_from_receipt(ctx, kind: str, receipt) -> OnChainCertification:
    """The certification a mined certifyStatic/certifyMonthly created, from its event."""
    args = ctx.chain.events(lighting(ctx), EVENTS[kind], receipt)[0]
    return OnChainCertification(
        args["id"],
        kind,
        args["municipalityCode"],
        args.get("plantId", ""),
        args.get("month", 0),
        args.get("consumptionWh", 0),
        args.get("measurements", 0),
        bytes(args["datasetHash"]),
        args.get("schemaVersion", 0),
        args["submitter"],
        args["timestamp"],
        args["previousId"],
    )
