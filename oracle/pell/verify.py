"""`oracle pell verify`: the records recomputed from the database, compared with their latest certification
on the chain — "certified", "changed since certification on <date>" or "never certified".

Checked: the static record of every plant, and the consumption of every complete month (over in Italy) in
which the municipality has measurements or a certification. A month still in progress is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from eth_utils import keccak
from sqlalchemy import select

from oracle.db.schema import PellCertification
from oracle.errors import OracleError
from oracle.pell import data, ledger
from oracle.pell.canonical import MonthlyDataset, changed_fields, static_record_bytes
from oracle.pell.chain import OnChainCertification, latest_monthly_ids, latest_static_ids
from oracle.pell.months import is_complete, month_number, parse_month

STATES = ("certified", "changed", "never certified")


@dataclass(frozen=True)
class RecordCheck:
    kind: str  # static | monthly
    municipality_code: str
    plant_code: str | None  # None for monthly
    month: str | None  # YYYY-MM, None for static
    state: str  # certified | changed | never certified
    certification_id: int | None
    certified_at: datetime | None
    tx_hash: str | None
    detail: str  # the sentence `oracle pell verify` prints


def when(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def check_records(
    ctx,
    municipality_code: str | None = None,
    plant_code: str | None = None,
    month: str | None = None,
    *,
    now: datetime | None = None,
) -> list[RecordCheck]:
    """Every record asked for, checked against the chain. A plant code (with a municipality) limits the static
    checks to that plant, a month (YYYY-MM) the monthly ones to that month; given one without the other,
    only that kind is checked."""
    now = now or datetime.now(UTC)
    if plant_code is not None and municipality_code is None:
        raise OracleError("a plant code needs its municipality (--municipality CODE)")
    wanted_month = _wanted_month(month, now)
    checks: list[RecordCheck] = []
    with ctx.session() as s:
        for municipality in data.municipalities(s, municipality_code):
            if plant_code is not None or month is None:
                checks += _static_checks(ctx, s, municipality, plant_code)
            if month is not None or plant_code is None:
                checks += _monthly_checks(ctx, s, municipality, wanted_month, now)
    return checks


def _wanted_month(month: str | None, now: datetime) -> date | None:
    if month is None:
        return None
    try:
        parsed = parse_month(month)
    except ValueError as exc:
        raise OracleError(str(exc)) from None
    if not is_complete(parsed, now):
        raise OracleError(f"{month} is not over yet: a month is certified, and checked, once it is over")
    return parsed


def _static_checks(ctx, s, municipality, plant_code: str | None) -> list[RecordCheck]:
    plants = data.plants(s, municipality, plant_code)
    records = [data.static_record(s, municipality, plant) for plant in plants]
    ids = latest_static_ids(ctx, [(municipality.istat_code, p.plant_code) for p in plants])
    on_chain = ledger.adopt(ctx, s, ids)
    stored = ledger.known(s, ids)
    return [_static_check(municipality, record, on_chain.get(i), stored.get(i)) for record, i in zip(records, ids)]


def _static_check(municipality, record, cert: OnChainCertification | None, row: PellCertification | None):
    what = f"plant {record.plant_code} of {municipality.name} ({municipality.istat_code})"
    if cert is None:
        return RecordCheck(
            "static",
            municipality.istat_code,
            record.plant_code,
            None,
            "never certified",
            None,
            None,
            None,
            f"{what}: never certified",
        )
    canonical = static_record_bytes(record)
    tx_hash = row.tx_hash if row is not None else None
    if keccak(canonical) == cert.dataset_hash:
        return RecordCheck(
            "static",
            municipality.istat_code,
            record.plant_code,
            None,
            "certified",
            cert.id,
            cert.certified_at,
            tx_hash,
            f"{what}: certified (certification {cert.id} on {when(cert.certified_at)}, tx {tx_hash})",
        )
    differs = ""
    if row is not None and row.canonical_record:
        fields = changed_fields(row.canonical_record, canonical.decode("utf-8"))
        differs = f": {', '.join(fields)} differ" if fields else ""
    return RecordCheck(
        "static",
        municipality.istat_code,
        record.plant_code,
        None,
        "changed",
        cert.id,
        cert.certified_at,
        tx_hash,
        f"{what}: changed since certification on {when(cert.certified_at)} (certification {cert.id}){differs}",
    )


def _monthly_checks(ctx, s, municipality, wanted: date | None, now: datetime) -> list[RecordCheck]:
    if wanted is not None:
        months = [wanted]
    else:
        certified = s.scalars(
            select(PellCertification.month).where(
                PellCertification.municipality_id == municipality.id, PellCertification.kind == "monthly"
            )
        )
        months = sorted(set(data.months_with_data(s, municipality, now)) | set(certified))
    datasets = [data.month_dataset(s, municipality, m) for m in months]
    ids = latest_monthly_ids(ctx, [(municipality.istat_code, month_number(m)) for m in months])
    on_chain = ledger.adopt(ctx, s, ids)
    stored = ledger.known(s, ids)
    return [_monthly_check(municipality, dataset, on_chain.get(i), stored.get(i)) for dataset, i in zip(datasets, ids)]


def monthly_matches(dataset: MonthlyDataset, cert: OnChainCertification) -> bool:
    return (
        dataset.dataset_hash == cert.dataset_hash
        and dataset.consumption_wh == cert.consumption_wh
        and dataset.measurements == cert.measurements
    )


def _monthly_check(
    municipality, dataset: MonthlyDataset, cert: OnChainCertification | None, row: PellCertification | None
) -> RecordCheck:
    what = f"{municipality.name} ({municipality.istat_code}) {dataset.month_text}"
    now_text = f"{dataset.kwh:.3f} kWh from {dataset.measurements} measurements"
    if cert is None:
        return RecordCheck(
            "monthly",
            municipality.istat_code,
            None,
            dataset.month_text,
            "never certified",
            None,
            None,
            None,
            f"{what}: never certified ({now_text})",
        )
    tx_hash = row.tx_hash if row is not None else None
    if monthly_matches(dataset, cert):
        return RecordCheck(
            "monthly",
            municipality.istat_code,
            None,
            dataset.month_text,
            "certified",
            cert.id,
            cert.certified_at,
            tx_hash,
            f"{what}: certified, {now_text} (certification {cert.id} on {when(cert.certified_at)}, tx {tx_hash})",
        )
    then = f"{Decimal(cert.consumption_wh) / 1000:.3f} kWh from {cert.measurements} measurements"
    return RecordCheck(
        "monthly",
        municipality.istat_code,
        None,
        dataset.month_text,
        "changed",
        cert.id,
        cert.certified_at,
        tx_hash,
        f"{what}: changed since certification on "
        f"{when(cert.certified_at)} (certification {cert.id}: {then}; now {now_text})",
    )
