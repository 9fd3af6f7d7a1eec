"""PELL-IP public lighting as the dApp shows it: municipalities, their plants with the certification of each
plant's static record and a live check against the chain, and the monthly trend of CERTIFIED consumption.

Every function takes a LightingReader (dapp_backend/services/lighting_access.py): a reserved municipality the
reader may not see is answered exactly as an unknown ISTAT code (404), and left out of lists and sums.

Numbers: energy in kWh as decimal strings with 3 decimals (the chain keeps Wh = kWh × 1000, so they are
exact), power in kW with 3 decimals, lamp unit power in W with 2 (as stored), times ISO 8601 UTC, months
YYYY-MM. The trend reads pell_certifications of kind monthly only: a month nobody certified has no figure,
whatever the database holds for it, and a re-certified month counts with its latest certification.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select

from dapp_backend.services.errors import NotFound
from dapp_backend.services.lighting_access import ANONYMOUS, LightingReader
from dapp_backend.services.pagination import paginate
from oracle.context import Context
from oracle.db.schema import PellCertification, PellLamp, PellMunicipality, PellPlant
from oracle.instants import iso

ISTAT_CODE = re.compile(r"[0-9]{6}")
LED = "LED"


# ------------------------------------------------------------------ numbers as the API writes them


def kwh_text(wh) -> str:
    """Wh (a whole number) → kWh with 3 decimals, exact: 1234567 → "1234.567"."""
    wh = int(wh)
    sign = "-" if wh < 0 else ""
    whole, rest = divmod(abs(wh), 1000)
    return f"{sign}{whole}.{rest:03d}"


def kw_text(watts) -> str:
    return str((Decimal(watts or 0) / 1000).quantize(Decimal("0.001"), ROUND_HALF_UP))


def share_text(part, whole) -> str | None:
    """part / whole as a percentage with 1 decimal; None when whole is 0."""
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def month_text(day) -> str | None:
    return None if day is None else f"{day.year:04d}-{day.month:02d}"


def hash_text(value: bytes | None) -> str | None:
    return None if value is None else "0x" + bytes(value).hex()


# ------------------------------------------------------------------ municipalities


def find_municipality(ctx: Context, reader: LightingReader, code: str) -> PellMunicipality:
    """The municipality of ISTAT `code` if the reader may see it; 404 otherwise (hidden = unknown)."""
    municipality = None
    if isinstance(code, str) and ISTAT_CODE.fullmatch(code):
        with ctx.session() as s:
            municipality = s.scalar(select(PellMunicipality).where(PellMunicipality.istat_code == code))
    if municipality is None or not reader.may_see(municipality):
        raise NotFound(f"there is no municipality with ISTAT code {code!r} you may see", "code")
    return municipality


def _lamp_totals():
    """Per municipality: plants, lamps, installed W, LED lamps (one grouped subquery)."""
    lamps = (
        select(
            PellLamp.plant_id,
            func.sum(PellLamp.count).label("lamps"),
            func.sum(PellLamp.count * PellLamp.unit_power_w).label("watts"),
            func.sum(case((PellLamp.technology == LED, PellLamp.count), else_=0)).label("led"),
        )
        .group_by(PellLamp.plant_id)
        .subquery()
    )
    return (
        select(
            PellPlant.municipality_id,
            func.count(PellPlant.id).label("plants"),
            func.coalesce(func.sum(lamps.c.lamps), 0).label("lamps"),
            func.coalesce(func.sum(lamps.c.watts), 0).label("watts"),
            func.coalesce(func.sum(lamps.c.led), 0).label("led"),
        )
        .outerjoin(lamps, lamps.c.plant_id == PellPlant.id)
        .group_by(PellPlant.municipality_id)
        .subquery()
    )


def _municipality_view(m: PellMunicipality, totals) -> dict:
    plants, lamps, watts, led = (totals.plants, totals.lamps, totals.watts, totals.led) if totals else (0, 0, 0, 0)
    return {
        "code": m.istat_code,
        "name": m.name,
        "province": m.province,
        "region": m.region,
        "reserved": bool(m.reserved),
        "plants": int(plants),
        "lamps": int(lamps),
        "installedKw": kw_text(watts),
        "ledSharePercent": share_text(led, lamps),
    }


def _municipalities_query(reader: LightingReader):
    totals = _lamp_totals()
    return (
        select(PellMunicipality, totals)
        .outerjoin(totals, totals.c.municipality_id == PellMunicipality.id)
        .where(reader.visible())
    )


def list_municipalities(ctx: Context, reader: LightingReader, query_args: dict) -> dict:
    """One page of the municipalities the reader may see, by region and name."""
    query = _municipalities_query(reader)
    with ctx.session() as s:
        total = s.scalar(select(func.count()).select_from(PellMunicipality).where(reader.visible()))
        offset, limit, envelope = paginate(query_args, total)
        rows = s.execute(
            query.order_by(PellMunicipality.region, PellMunicipality.name, PellMunicipality.istat_code)
            .offset(offset)
            .limit(limit)
        ).all()
        return {**envelope, "items": [_municipality_view(row[0], row) for row in rows]}


def municipality_detail(ctx: Context, reader: LightingReader, code: str) -> dict:
    municipality = find_municipality(ctx, reader, code)
    query = _municipalities_query(reader)
    with ctx.session() as s:
        row = s.execute(query.where(PellMunicipality.id == municipality.id)).one()
        return _municipality_view(row[0], row)


# ------------------------------------------------------------------ plants, their certification and live check


def _lamp_view(lamp: PellLamp) -> dict:
    return {
        "technology": lamp.technology,
        "unitPowerW": f"{Decimal(lamp.unit_power_w):.2f}",
        "count": lamp.count,
        "installedKw": kw_text(Decimal(lamp.unit_power_w) * lamp.count),
    }


def _certification_ref(c: PellCertification | None) -> dict | None:
    if c is None:
        return None
    return {
        "id": int(c.certification_id),
        "txHash": c.tx_hash,
        "blockNumber": int(c.block_number),
        "certifiedAt": iso(c.certified_at),
        "datasetHash": hash_text(c.dataset_hash),
    }


def _check_view(check) -> dict:
    if check is None:
        return {"state": "never certified", "detail": None}
    return {"state": check.state, "detail": check.detail}


def _plant_view(plant: PellPlant, lamps: list[PellLamp], certification, check) -> dict:
    count = sum(lamp.count for lamp in lamps)
    watts = sum(Decimal(lamp.unit_power_w) * lamp.count for lamp in lamps)
    led = sum(lamp.count for lamp in lamps if lamp.technology == LED)
    return {
        "code": plant.plant_code,
        "pod": plant.pod,
        "latitude": float(plant.latitude),
        "longitude": float(plant.longitude),
        "electricalPanel": plant.electrical_panel,
        "controlSystem": plant.control_system,
        "updatedAt": iso(plant.updated_at),
        "lamps": [_lamp_view(lamp) for lamp in lamps],
        "lampCount": count,
        "installedKw": kw_text(watts),
        "ledSharePercent": share_text(led, count),
        "certification": _certification_ref(certification),
        "check": _check_view(check),
    }


def _latest_static(s, plant_ids: list[int]) -> dict[int, PellCertification]:
    rows = s.scalars(
        select(PellCertification)
        .where(PellCertification.kind == "static", PellCertification.plant_id.in_(plant_ids))
        .distinct(PellCertification.plant_id)
        .order_by(PellCertification.plant_id, PellCertification.certification_id.desc())
    )
    return {c.plant_id: c for c in rows}


def live_checks(ctx: Context, code: str, plant_codes: list[str]) -> dict[str, object]:
    """check_records of each plant's static record (the database's hash recomputed and compared with the
    chain's), by plant code; a plant the oracle does not report is never certified."""
    from oracle.pell.verify import check_records

    checks = {}
    for plant_code in plant_codes:
        for check in check_records(ctx, municipality_code=code, plant_code=plant_code):
            if check.kind == "static" and check.plant_code == plant_code:
                checks[plant_code] = check
    return checks


def list_plants(ctx: Context, reader: LightingReader, code: str, query_args: dict, *, check: bool = True) -> dict:
    """One page of the municipality's plants by code, each with its lamps, the latest certification of its
    static record and (check=True) the live check of that record against the chain."""
    municipality = find_municipality(ctx, reader, code)
    where = PellPlant.municipality_id == municipality.id
    with ctx.session() as s:
        total = s.scalar(select(func.count()).select_from(PellPlant).where(where))
        offset, limit, envelope = paginate(query_args, total)
        plants = list(
            s.scalars(select(PellPlant).where(where).order_by(PellPlant.plant_code).offset(offset).limit(limit))
        )
        ids = [p.id for p in plants]
        lamps = defaultdict(list)
        for lamp in s.scalars(
            select(PellLamp).where(PellLamp.plant_id.in_(ids)).order_by(PellLamp.technology, PellLamp.unit_power_w)
        ):
            lamps[lamp.plant_id].append(lamp)
        certified = _latest_static(s, ids)
    checks = live_checks(ctx, municipality.istat_code, [p.plant_code for p in plants]) if check else {}
    items = [_plant_view(p, lamps[p.id], certified.get(p.id), checks.get(p.plant_code)) for p in plants]
    if not check:
        for item in items:
            item.pop("check")
    return {**envelope, "items": items}


# ------------------------------------------------------------------ the trend of certified consumption


def _current_monthly(municipality_ids):
    """The latest monthly certification of each (municipality, month) among `municipality_ids`."""
    return (
        select(PellCertification)
        .where(PellCertification.kind == "monthly", PellCertification.municipality_id.in_(municipality_ids))
        .distinct(PellCertification.municipality_id, PellCertification.month)
        .order_by(PellCertification.municipality_id, PellCertification.month, PellCertification.certification_id.desc())
    )


def _month_view(c: PellCertification) -> dict:
    return {
        "month": month_text(c.month),
        "consumptionKwh": kwh_text(c.consumption_wh),
        "measurements": c.measurements,
        "certificationId": int(c.certification_id),
        "txHash": c.tx_hash,
        "certifiedAt": iso(c.certified_at),
    }


def certified_months(ctx: Context, municipality: PellMunicipality) -> list[dict]:
    with ctx.session() as s:
        rows = s.scalars(_current_monthly([municipality.id]))
        return [_month_view(c) for c in sorted(rows, key=lambda c: c.month)]


def municipality_trend(ctx: Context, reader: LightingReader, code: str) -> dict:
    """The municipality's certified consumption per month, oldest first."""
    municipality = find_municipality(ctx, reader, code)
    return {
        "code": municipality.istat_code,
        "name": municipality.name,
        "region": municipality.region,
        "months": certified_months(ctx, municipality),
    }


def region_trend(ctx: Context, reader: LightingReader, region: str) -> dict:
    """Per month, the sum of the certified consumption of the region's municipalities the reader may see,
    which of them it sums and which have no certified figure that month (missing). Months run from the first
    to the last with any certified figure."""
    with ctx.session() as s:
        towns = list(
            s.scalars(
                select(PellMunicipality)
                .where(PellMunicipality.region == region, reader.visible())
                .order_by(PellMunicipality.name)
            )
        )
        if not towns:
            raise NotFound(f"there is no region {region!r} with municipalities you may see", "region")
        by_month = defaultdict(dict)
        for c in s.scalars(_current_monthly([m.id for m in towns])):
            by_month[c.month][c.municipality_id] = int(c.consumption_wh)
    codes = {m.id: m.istat_code for m in towns}
    months = []
    for month in _month_range(min(by_month), max(by_month)) if by_month else []:
        figures = by_month.get(month, {})
        months.append(
            {
                "month": month_text(month),
                "consumptionKwh": kwh_text(sum(figures.values())),
                "certified": [codes[m.id] for m in towns if m.id in figures],
                "missing": [codes[m.id] for m in towns if m.id not in figures],
            }
        )
    return {
        "region": region,
        "municipalities": [{"code": m.istat_code, "name": m.name} for m in towns],
        "months": months,
    }


def _month_range(first, last):
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield first.replace(year=year, month=month, day=1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def open_dataset(ctx: Context, code: str, query_args: dict) -> dict:
    """An open municipality as open data: its figures, one page of its plants (without the live check: the
    dataset, not a verification) and its certified months."""
    municipality = find_municipality(ctx, ANONYMOUS, code)
    return {
        **municipality_detail(ctx, ANONYMOUS, code),
        "plantsPage": list_plants(ctx, ANONYMOUS, code, query_args, check=False),
        "monthlyConsumption": certified_months(ctx, municipality),
    }
