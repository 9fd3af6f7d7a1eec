"""Storing a parsed PELL-IP file, whole or not at all (one transaction): municipalities and plants are
updated in place when they changed (a changed plant gets a new updated_at, so the next certify certifies it
again), consumption is upserted by (plant, period start, resolution). Storing the same file again changes
nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert

from oracle.db.schema import PellConsumption, PellLamp, PellMunicipality, PellPlant
from oracle.pell.months import TIME_ZONE, month_of
from oracle.pell.records import ParsedFile, PellRecordError, PlantRow

CHUNK = 2000


@dataclass
class ImportSummary:
    path: str
    counts: dict[str, int] = field(default_factory=dict)  # e.g. "plants new" -> 3

    def add(self, key: str, n: int = 1) -> None:
        if n:
            self.counts[key] = self.counts.get(key, 0) + n

    def sentence(self) -> str:
        shown = ", ".join(f"{n} {key}" for key, n in self.counts.items() if n)
        return f"{self.path}: {shown or 'nothing new'}"


def store(s, parsed: ParsedFile) -> ImportSummary:
    summary = ImportSummary(parsed.path)
    for row in parsed.municipalities:
        _store_municipality(s, row, summary)
    s.flush()
    ids = _municipality_ids(s, parsed)
    for plant in parsed.plants:
        _store_plant(s, parsed.path, ids[plant.istat_code], plant, summary)
    if parsed.consumption:
        _store_consumption(s, parsed, ids, summary)
    return summary


def _store_municipality(s, row, summary: ImportSummary) -> None:
    found = s.scalar(select(PellMunicipality).where(PellMunicipality.istat_code == row.istat_code))
    values = {"name": row.name, "province": row.province, "region": row.region, "reserved": row.reserved}
    if found is None:
        s.add(PellMunicipality(istat_code=row.istat_code, **values))
        summary.add("municipalities new")
    elif any(getattr(found, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(found, k, v)
        summary.add("municipalities changed")
    else:
        summary.add("municipalities unchanged")


def _municipality_ids(s, parsed: ParsedFile) -> dict[str, int]:
    """ISTAT code -> id of every municipality the file names; an unknown one refuses the file."""
    rows = [*parsed.plants, *parsed.consumption]
    codes = {r.istat_code for r in rows}
    ids = dict(
        s.execute(
            select(PellMunicipality.istat_code, PellMunicipality.id).where(PellMunicipality.istat_code.in_(codes))
        ).all()
    )
    for r in rows:
        if r.istat_code not in ids:
            raise PellRecordError(
                parsed.path,
                r.line,
                "istat_code",
                f"unknown municipality {r.istat_code}: import it first (a municipalities file)",
            )
    return ids


def _lamp_set(lamps) -> set[tuple]:
    return {(l.technology, l.unit_power_w, l.count) for l in lamps}


def _store_plant(s, path: str, municipality_id: int, row: PlantRow, summary: ImportSummary) -> None:
    found = s.scalar(
        select(PellPlant).where(PellPlant.municipality_id == municipality_id, PellPlant.plant_code == row.plant_code)
    )
    values = {
        "pod": row.pod,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "electrical_panel": row.electrical_panel,
        "control_system": row.control_system,
    }
    if found is None:
        found = PellPlant(
            municipality_id=municipality_id, plant_code=row.plant_code, source_file=path, source_line=row.line, **values
        )
        s.add(found)
        s.flush()
        summary.add("plants new")
    else:
        old_lamps = s.scalars(select(PellLamp).where(PellLamp.plant_id == found.id)).all()
        if all(getattr(found, k) == v for k, v in values.items()) and _lamp_set(old_lamps) == _lamp_set(row.lamps):
            summary.add("plants unchanged")
            return
        for k, v in values.items():
            setattr(found, k, v)
        found.updated_at, found.source_file, found.source_line = func.now(), path, row.line
        s.execute(delete(PellLamp).where(PellLamp.plant_id == found.id))
        summary.add("plants changed")
    s.add_all(
        PellLamp(plant_id=found.id, technology=l.technology, unit_power_w=l.unit_power_w, count=l.count)
        for l in row.lamps
    )
    s.flush()


def _plant_ids(s, parsed: ParsedFile, ids: dict[str, int]) -> list[int]:
    """The plant id of each consumption row, found by plant code or else by POD within its municipality."""
    plants = s.execute(
        select(PellPlant.municipality_id, PellPlant.plant_code, PellPlant.pod, PellPlant.id).where(
            PellPlant.municipality_id.in_(set(ids.values()))
        )
    ).all()
    by_code = {(m, code): pid for m, code, _pod, pid in plants}
    by_pod: dict[tuple, list[int]] = {}
    for m, _code, pod, pid in plants:
        by_pod.setdefault((m, pod), []).append(pid)
    found = []
    for r in parsed.consumption:
        m = ids[r.istat_code]
        if r.plant_code is not None:
            pid = by_code.get((m, r.plant_code))
            if pid is None:
                raise PellRecordError(
                    parsed.path,
                    r.line,
                    "plant_code",
                    f"municipality {r.istat_code} has no plant {r.plant_code}: import its plants first",
                )
        else:
            matches = by_pod.get((m, r.pod), [])
            if len(matches) != 1:
                raise PellRecordError(
                    parsed.path,
                    r.line,
                    "pod",
                    f"{'no plant' if not matches else 'several plants'}"
                    f" of municipality {r.istat_code} with POD {r.pod}",
                )
            pid = matches[0]
        found.append(pid)
    return found


def _store_consumption(s, parsed: ParsedFile, ids: dict[str, int], summary: ImportSummary) -> None:
    plant_ids = _plant_ids(s, parsed, ids)
    seen: dict[tuple, int] = {}
    rows = []
    for r, pid in zip(parsed.consumption, plant_ids):
        key = (pid, r.period_start, r.resolution)
        if key in seen:
            raise PellRecordError(parsed.path, r.line, "period", f"repeats line {seen[key]} (same plant and period)")
        seen[key] = r.line
        rows.append(
            {
                "plant_id": pid,
                "period_start": r.period_start,
                "resolution": r.resolution,
                "kwh": r.kwh,
                "source_file": parsed.path,
                "source_line": r.line,
            }
        )
    for first in range(0, len(rows), CHUNK):
        statement = insert(PellConsumption).values(rows[first : first + CHUNK])
        statement = statement.on_conflict_do_update(
            index_elements=["plant_id", "period_start", "resolution"],
            set_={
                "kwh": statement.excluded.kwh,
                "source_file": statement.excluded.source_file,
                "source_line": statement.excluded.source_line,
                "ingested_at": func.now(),
            },
            where=PellConsumption.kwh != statement.excluded.kwh,
        ).returning(text("xmax = 0"))
        changes = s.execute(statement).scalars().all()
        summary.add("measurements new", sum(1 for inserted in changes if inserted))
        summary.add("measurements changed", sum(1 for inserted in changes if not inserted))
    summary.add(
        "measurements unchanged",
        len(rows) - summary.counts.get("measurements new", 0) - summary.counts.get("measurements changed", 0),
    )
    _refuse_mixed_resolutions(s, parsed, plant_ids)


def _refuse_mixed_resolutions(s, parsed: ParsedFile, plant_ids: list[int]) -> None:
    """A plant's month holds either one monthly figure or 15-minute readings: both would count twice."""
    local_month = func.date_trunc("month", func.timezone(str(TIME_ZONE), PellConsumption.period_start))
    mixed = s.execute(
        select(PellConsumption.plant_id, local_month)
        .where(PellConsumption.plant_id.in_(set(plant_ids)))
        .group_by(PellConsumption.plant_id, local_month)
        .having(func.count(PellConsumption.resolution.distinct()) > 1)
    ).all()
    if not mixed:
        return
    bad = {(pid, date(m.year, m.month, 1)) for pid, m in mixed}
    first: dict[tuple, str] = {}  # (plant, month) -> the resolution of the file's first line there
    mixed_in_file = {
        key
        for r, pid in zip(parsed.consumption, plant_ids)
        if (key := (pid, month_of(r.period_start))) in bad and first.setdefault(key, r.resolution) != r.resolution
    }
    for r, pid in zip(parsed.consumption, plant_ids):
        key = (pid, month_of(r.period_start))
        # name the line that brought the other resolution in (or any line, when the other one was stored before)
        if key in bad and (key not in mixed_in_file or r.resolution != first[key]):
            raise PellRecordError(
                parsed.path,
                r.line,
                "period",
                f"plant {r.plant_code or r.pod} has both a monthly "
                f"figure and 15-minute readings for {month_of(r.period_start):%Y-%m}: they would "
                "count twice; keep one resolution per plant and month",
            )
