"""Every PELL-IP certification transaction (table pell_certifications, one row per mined certification) that a
reader may see: a filtered, paginated list, summary figures for charts, and the same list as CSV.

Filters (the keys of `filters`): municipality (ISTAT code), kind (static | monthly), start / end (dates,
inclusive, on the certification's block time in UTC; the query names them `from` and `to`). A municipality the reader may not see filters to an empty list, as an
unknown code does.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from dapp_backend.services.errors import InvalidInput
from dapp_backend.services.lighting import hash_text, kwh_text, month_text
from dapp_backend.services.lighting_access import LightingReader
from dapp_backend.services.pagination import paginate
from oracle.context import Context
from oracle.db.schema import PellCertification, PellMunicipality, PellPlant
from oracle.instants import iso

KINDS = ("static", "monthly")
CSV_COLUMNS = (
    "certification_id",
    "kind",
    "municipality_code",
    "municipality_name",
    "region",
    "plant_code",
    "month",
    "consumption_kwh",
    "measurements",
    "dataset_hash",
    "schema_version",
    "previous_certification_id",
    "submitter",
    "tx_hash",
    "block_number",
    "certified_at",
)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _conditions(reader: LightingReader, filters: dict) -> list:
    where = [reader.visible()]
    if filters.get("municipality"):
        where.append(PellMunicipality.istat_code == filters["municipality"])
    if filters.get("kind"):
        if filters["kind"] not in KINDS:
            raise InvalidInput(f"kind {filters['kind']!r} is not one of {', '.join(KINDS)}", "kind")
        where.append(PellCertification.kind == filters["kind"])
    start, end = filters.get("start"), filters.get("end")
    if start and end and end < start:
        raise InvalidInput(f"to {end.isoformat()} is before from {start.isoformat()}", "to")
    if start:
        where.append(PellCertification.certified_at >= _midnight(start))
    if end and end < date.max:  # to 9999-12-31 bounds nothing (and its next day is past Python's dates)
        where.append(PellCertification.certified_at < _midnight(end + timedelta(days=1)))
    return where


def _rows(filters: dict, reader: LightingReader):
    return (
        select(PellCertification, PellMunicipality, PellPlant.plant_code)
        .join(PellMunicipality, PellMunicipality.id == PellCertification.municipality_id)
        .outerjoin(PellPlant, PellPlant.id == PellCertification.plant_id)
        .where(*_conditions(reader, filters))
    )


def _view(c: PellCertification, m: PellMunicipality, plant_code: str | None) -> dict:
    monthly = c.kind == "monthly"
    return {
        "id": int(c.certification_id),
        "kind": c.kind,
        "municipality": m.istat_code,
        "municipalityName": m.name,
        "region": m.region,
        "plant": plant_code,
        "month": month_text(c.month),
        "consumptionKwh": kwh_text(c.consumption_wh) if monthly and c.consumption_wh is not None else None,
        "measurements": c.measurements,
        "datasetHash": hash_text(c.dataset_hash),
        "schemaVersion": c.schema_version,
        "previousId": c.previous_certification_id,
        "submitter": c.submitter,
        "txHash": c.tx_hash,
        "blockNumber": int(c.block_number),
        "certifiedAt": iso(c.certified_at),
    }


def list_certifications(ctx: Context, reader: LightingReader, filters: dict) -> dict:
    """One page of the certifications matching `filters`, newest first."""
    query = _rows(filters, reader)
    with ctx.session() as s:
        total = s.scalar(select(func.count()).select_from(query.subquery()))
        offset, limit, envelope = paginate(filters, total)
        rows = s.execute(query.order_by(PellCertification.certification_id.desc()).offset(offset).limit(limit))
        return {**envelope, "items": [_view(*row) for row in rows]}


def certifications_csv(ctx: Context, reader: LightingReader, filters: dict) -> str:
    """Every certification matching `filters`, oldest first, as CSV (RFC 4180: a header row, CRLF line ends,
    fields quoted when they hold a comma, a quote or a line break)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    with ctx.session() as s:
        for row in s.execute(_rows(filters, reader).order_by(PellCertification.certification_id)):
            view = _view(*row)
            writer.writerow(
                [
                    view["id"],
                    view["kind"],
                    view["municipality"],
                    view["municipalityName"],
                    view["region"],
                    view["plant"],
                    view["month"],
                    view["consumptionKwh"],
                    view["measurements"],
                    view["datasetHash"],
                    view["schemaVersion"],
                    view["previousId"],
                    view["submitter"],
                    view["txHash"],
                    view["blockNumber"],
                    view["certifiedAt"],
                ]
            )
    return out.getvalue()


def certification_summary(ctx: Context, reader: LightingReader, filters: dict) -> dict:
    """For the dashboard's charts: certifications per month of their block time by kind, and per municipality
    the count and the certified consumption (kWh): the sum, over the months, of each month's latest monthly
    certification among those matching the filters (a re-certified month counts once)."""
    per_month = defaultdict(lambda: {"static": 0, "monthly": 0})
    towns: dict[str, dict] = {}
    latest: dict[tuple[str, date], tuple[int, int]] = {}
    with ctx.session() as s:
        for c, m, _plant in s.execute(_rows(filters, reader).order_by(PellCertification.certification_id)):
            per_month[month_text(c.certified_at.astimezone(UTC))][c.kind] += 1
            town = towns.setdefault(
                m.istat_code, {"municipality": m.istat_code, "name": m.name, "certifications": 0, "wh": 0}
            )
            town["certifications"] += 1
            if c.kind == "monthly":
                latest[(m.istat_code, c.month)] = (int(c.certification_id), int(c.consumption_wh or 0))
    for (code, _month), (_id, wh) in latest.items():
        towns[code]["wh"] += wh
    return {
        "perMonth": [{"month": month, **counts} for month, counts in sorted(per_month.items())],
        "perMunicipality": [
            {
                "municipality": t["municipality"],
                "name": t["name"],
                "certifications": t["certifications"],
                "consumptionKwh": kwh_text(t["wh"]),
            }
            for t in sorted(towns.values(), key=lambda t: t["name"])
        ],
    }
