"""PELL-IP CSV files: one kind per file, told by its header (comma-separated, UTF-8, header on line 1).

    municipalities: istat_code,name,province,region[,reserved]
    plants:         istat_code,plant_code,pod,latitude,longitude[,electrical_panel][,control_system],
                    technology,unit_power_w,count          (one line per lamp group of a plant)
    consumption:    istat_code,plant_code,period,kwh       (period YYYY-MM: the month's kWh;
                    an ISO 8601 time with offset: the kWh of the 15 minutes starting then)

Columns may come in any order. The first bad value refuses the whole file (PellRecordError).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from oracle.ingest.source import decode_text, read_bytes
from oracle.pell.records import ConsumptionRow, Fields, LampRow, MunicipalityRow, ParsedFile, PellRecordError, PlantRow

KINDS = {
    "municipalities": ({"istat_code", "name", "province", "region"}, {"reserved"}),
    "plants": (
        {"istat_code", "plant_code", "pod", "latitude", "longitude", "technology", "unit_power_w", "count"},
        {"electrical_panel", "control_system"},
    ),
    "consumption": ({"istat_code", "plant_code", "period", "kwh"}, set()),
}
PLANT_FIELDS = ("pod", "latitude", "longitude", "electrical_panel", "control_system")


def file_kind(path, header: list[str]) -> str:
    names = [h.strip().lower() for h in header]
    if len(names) == 1 and ";" in names[0]:
        raise PellRecordError(
            path,
            1,
            None,
            "the fields are separated by ';': separate them with commas (and write decimals with a point)",
        )
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise PellRecordError(path, 1, duplicates[0], "appears twice in the header")
    for kind, (required, optional) in KINDS.items():
        if required <= set(names):
            unknown = [n for n in names if n not in required | optional]
            if unknown:
                raise PellRecordError(
                    path, 1, unknown[0], f"is not a column of a {kind} file ({', '.join(sorted(required | optional))})"
                )
            return kind
    raise PellRecordError(
        path,
        1,
        None,
        "the header is not one of a municipalities, plants or consumption file: "
        + "; ".join(f"{k}: {','.join(sorted(r))}" for k, (r, _o) in KINDS.items()),
    )


def read_csv(path: Path, now: datetime) -> ParsedFile:
    text = decode_text(path, read_bytes(path))
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise PellRecordError(path, None, None, "the file is empty")
    kind = file_kind(path, header)
    names = [h.strip().lower() for h in header]
    parsed = ParsedFile(str(path))
    read_row = {"municipalities": _municipality, "plants": _plant_line, "consumption": _consumption}[kind]
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(names):
            raise PellRecordError(path, line, None, f"{len(values)} fields where the header has {len(names)}")
        read_row(parsed, Fields(path, line), dict(zip(names, values)), now)
    if not (parsed.municipalities or parsed.plants or parsed.consumption):
        raise PellRecordError(path, None, None, f"a {kind} file without any record")
    return parsed


def _municipality(parsed: ParsedFile, f: Fields, row: dict, now: datetime) -> None:
    parsed.municipalities.append(
        MunicipalityRow(
            f.istat_code("istat_code", row["istat_code"]),
            f.text("name", row["name"]),
            f.province("province", row["province"]),
            f.text("region", row["region"], 100),
            f.flag("reserved", row.get("reserved")),
            f.line,
        )
    )


def _plant_line(parsed: ParsedFile, f: Fields, row: dict, now: datetime) -> None:
    plant = plant_row(f, row)
    lamp = LampRow(
        f.technology("technology", row["technology"]),
        f.power("unit_power_w", row["unit_power_w"]),
        f.count("count", row["count"]),
    )
    merge_plant(parsed, f, plant, lamp)


def plant_row(f: Fields, row: dict) -> PlantRow:
    return PlantRow(
        f.istat_code("istat_code", row["istat_code"]),
        f.plant_code("plant_code", row["plant_code"]),
        f.pod("pod", row.get("pod")),
        f.latitude("latitude", row["latitude"]),
        f.longitude("longitude", row["longitude"]),
        f.optional_text("electrical_panel", row.get("electrical_panel")),
        f.optional_text("control_system", row.get("control_system")),
        f.line,
    )


def merge_plant(parsed: ParsedFile, f: Fields, plant: PlantRow, lamp: LampRow) -> None:
    """Adds a lamp group to its plant; the plant's own fields must read the same on every line of it."""
    index = parsed.plant_index
    key = (plant.istat_code, plant.plant_code)
    first = index.get(key)
    if first is None:
        index[key] = first = plant
        parsed.plants.append(plant)
    for name in PLANT_FIELDS:
        if getattr(first, name) != getattr(plant, name):
            raise f.refuse(name, f"differs from line {first.line} of the same plant {plant.plant_code}")
    if any((lamp.technology, lamp.unit_power_w) == (l.technology, l.unit_power_w) for l in first.lamps):
        raise f.refuse(
            "technology",
            f"{lamp.technology} {lamp.unit_power_w} W repeats a lamp group of plant "
            f"{plant.plant_code}: give its count once",
        )
    first.lamps.append(lamp)


def _consumption(parsed: ParsedFile, f: Fields, row: dict, now: datetime) -> None:
    period = f.required("period", row["period"])
    if len(period) == 7:
        start, resolution = f.month("period", period, now), "month"
    else:
        start, resolution = f.quarter_hour("period", period, now), "15min"
    parsed.consumption.append(
        ConsumptionRow(
            f.istat_code("istat_code", row["istat_code"]),
            f.plant_code("plant_code", row["plant_code"]),
            None,
            start,
            resolution,
            f.kwh("kwh", row["kwh"]),
            f.line,
        )
    )
