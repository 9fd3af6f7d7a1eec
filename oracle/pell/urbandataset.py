"""ENEA UrbanDataset (SCPS 2.0 JSON envelope) for public lighting: consumption and plants' static data.

The envelope is the one the meter readings use (oracle/ingest/urbandataset.py): ``{"UrbanDataset":
{"specification": {"id": {"value": SPEC}, "properties": {"propertyDefinition": [...]}}, "context":
{"timeZone": ...}, "values": {"line": [{"id": 1, "period": {...}, "property": [{"name": N, "val": V}]}]}}}``
(the bare inner object is accepted too). Property names are matched case-insensitively. The seeds give no
public-lighting specification of the SCPS ontology; these two are this platform's reading of it:

Consumption — SPEC ``SinglePhaseCounterReading-2.0`` or ``ThreePhaseCounterReading-2.0`` (SCPS: the
consumption of public-lighting systems) or ``PublicLightingConsumption-1.0``. One line per measurement:

- the municipality: property ``TownCode`` (ISTAT code), else ``--municipality CODE``;
- the plant: property ``PlantID`` (plant code), else ``PODID``/``POD`` (the municipality's plant with that POD);
- the energy: ``ActiveEnergy`` or ``ElectricConsumption``, kilowattHour unless its ``propertyDefinition``
  gives ``unitOfMeasure`` wattHour/kilowattHour/megawattHour; at most 3 decimals of kWh (1 Wh);
- the period: ``period.start_ts`` and ``period.end_ts``: 15 minutes apart -> a 15-minute figure; the first
  midnight of a month to the next (Italian time) -> that month's figure; anything else is refused. A time
  without offset is in ``context.timeZone`` (``UTC``, ``UTC+1``, ``Europe/Rome``; a wall time in the repeated
  autumn hour of Europe/Rome reads as the first one: write offsets there).

Plants — SPEC ``PublicLightingPlant-1.0``. One line per lamp group, like the CSV plants file: properties
``TownCode`` (else ``--municipality``), ``PlantID``, ``PODID``, ``Latitude``, ``Longitude`` (else the line's
``coordinates`` {latitude, longitude}), ``ElectricalPanel``, ``ControlSystem``, ``LampTechnology``,
``LampUnitPower`` (W), ``LampCount``.
"""

from __future__ import annotations

import bisect
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from oracle.ingest.source import decode_text, read_bytes
from oracle.ingest.times import parse_time_zone
from oracle.pell.csv_import import merge_plant
from oracle.pell.months import month_end, month_of, month_start
from oracle.pell.records import QUARTER_HOUR, ConsumptionRow, Fields, LampRow, ParsedFile, PellRecordError, PlantRow

CONSUMPTION_SPECS = ("singlephasecounterreading", "threephasecounterreading", "publiclightingconsumption")
PLANT_SPECS = ("publiclightingplant",)
ENERGY = ("activeenergy", "electricconsumption")
KWH_FACTORS = {
    "wh": Decimal("0.001"),
    "watthour": Decimal("0.001"),
    "kwh": Decimal(1),
    "kilowatthour": Decimal(1),
    "mwh": Decimal(1000),
    "megawatthour": Decimal(1000),
}
_LINE_ARRAY = re.compile(r'"line"\s*:\s*\[')


def _entry_lines(text: str, count: int) -> list[int | None]:
    """The text line where each values.line entry starts (json.loads keeps no positions)."""
    values = text.find('"values"')
    match = _LINE_ARRAY.search(text, max(values, 0))
    newlines = [m.start() for m in re.finditer("\n", text)]
    if match is None:
        return [None] * count
    decoder, i, lines = json.JSONDecoder(), match.end(), []
    for _ in range(count):
        while text[i] in " \t\r\n,":
            i += 1
        lines.append(bisect.bisect_left(newlines, i) + 1)
        _, i = decoder.raw_decode(text, i)
    return lines


def _envelope(path, text: str) -> tuple[str, dict, dict, list]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PellRecordError(path, exc.lineno, None, f"not JSON ({exc.msg})") from None
    ud = doc.get("UrbanDataset", doc) if isinstance(doc, dict) else None
    spec = ud.get("specification", {}).get("id", {}).get("value") if isinstance(ud, dict) else None
    lines = (ud.get("values") or {}).get("line") if isinstance(ud, dict) else None
    if not isinstance(spec, str) or not isinstance(lines, list):
        raise PellRecordError(
            path, 1, "UrbanDataset", "not an UrbanDataset (specification.id.value and values.line are needed)"
        )
    if not lines:
        raise PellRecordError(path, None, "values.line", "is empty")
    units = {}
    for definition in (ud["specification"].get("properties") or {}).get("propertyDefinition") or []:
        if isinstance(definition, dict) and definition.get("unitOfMeasure"):
            units[str(definition.get("propertyName", "")).lower()] = str(definition["unitOfMeasure"])
    return spec, units, ud.get("context") or {}, lines


def read_urbandataset(path: Path, now: datetime, municipality: str | None = None) -> ParsedFile:
    text = decode_text(path, read_bytes(path, one_document=True))
    spec, units, context, entries = _envelope(path, text)
    family = spec.split("-")[0].lower()
    if family not in CONSUMPTION_SPECS + PLANT_SPECS:
        raise PellRecordError(
            path,
            1,
            "specification.id",
            f"{spec!r} is not a public-lighting UrbanDataset "
            "(SinglePhaseCounterReading, ThreePhaseCounterReading, PublicLightingConsumption, "
            "PublicLightingPlant)",
        )
    parsed = ParsedFile(str(path))
    for n, (entry, line) in enumerate(zip(entries, _entry_lines(text, len(entries)))):
        f = Fields(path, line or n + 1)
        if not isinstance(entry, dict):
            raise f.refuse(f"values.line[{n}]", "is not an object")
        props = {
            str(p.get("name", "")).lower(): p.get("val") for p in entry.get("property") or [] if isinstance(p, dict)
        }
        code = f.istat_code("TownCode", props.get("towncode") or municipality)
        if family in PLANT_SPECS:
            _plant(parsed, f, code, props, entry)
        else:
            _consumption(parsed, f, code, props, entry, units, context, now)
    return parsed


def _plant(parsed: ParsedFile, f: Fields, code: str, props: dict, entry: dict) -> None:
    where = entry.get("coordinates") or {}
    plant = PlantRow(
        code,
        f.plant_code("PlantID", props.get("plantid")),
        f.pod("PODID", props.get("podid") or props.get("pod")),
        f.latitude("Latitude", props.get("latitude", where.get("latitude"))),
        f.longitude("Longitude", props.get("longitude", where.get("longitude"))),
        f.optional_text("ElectricalPanel", props.get("electricalpanel")),
        f.optional_text("ControlSystem", props.get("controlsystem")),
        f.line,
    )
    lamp = LampRow(
        f.technology("LampTechnology", props.get("lamptechnology")),
        f.power("LampUnitPower", props.get("lampunitpower")),
        f.count("LampCount", props.get("lampcount")),
    )
    merge_plant(parsed, f, plant, lamp)


def _instant(f: Fields, name: str, value, context: dict) -> datetime:
    text = f.required(name, value)
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise f.refuse(name, f"{text!r} is not a time (ISO 8601)") from None
    if instant.tzinfo is not None:
        return instant.astimezone(UTC)
    if not context.get("timeZone"):
        raise f.refuse(name, f"{text!r} has no UTC offset and the context gives no timeZone")
    try:
        zone = parse_time_zone(context["timeZone"])
    except ValueError as exc:
        raise f.refuse("context.timeZone", str(exc)) from None
    if zone.zone is None:
        return (instant - timedelta(minutes=zone.fixed_minutes or 0)).replace(tzinfo=UTC)
    local = instant.replace(tzinfo=zone.zone)
    if local.astimezone(UTC).astimezone(zone.zone).replace(tzinfo=None) != instant:
        raise f.refuse(name, f"{text} does not exist in {context['timeZone']} (the hour skipped in spring)")
    return local.astimezone(UTC)


def _consumption(
    parsed: ParsedFile, f: Fields, code: str, props: dict, entry: dict, units: dict, context: dict, now: datetime
) -> None:
    plant_code = props.get("plantid")
    plant_code = f.plant_code("PlantID", plant_code) if plant_code not in (None, "") else None
    pod = None if plant_code else f.pod("PODID", props.get("podid") or props.get("pod"))
    period = entry.get("period") or {}
    start = _instant(f, "period.start_ts", period.get("start_ts"), context)
    end = _instant(f, "period.end_ts", period.get("end_ts"), context)
    if end - start == QUARTER_HOUR:
        start, resolution = f.quarter_hour("period.start_ts", start.isoformat(), now), "15min"
    elif start == month_start(month_of(start)) and end == month_end(month_of(start)):
        start, resolution = f.month("period.start_ts", f"{month_of(start):%Y-%m}", now), "month"
    else:
        raise f.refuse(
            "period",
            f"{period.get('start_ts')} .. {period.get('end_ts')} is neither 15 minutes nor "
            "a calendar month (Italian time)",
        )
    parsed.consumption.append(ConsumptionRow(code, plant_code, pod, start, resolution, _kwh(f, props, units), f.line))


def _kwh(f: Fields, props: dict, units: dict) -> Decimal:
    present = [name for name in ENERGY if props.get(name) not in (None, "")]
    if len(present) != 1:
        raise f.refuse(
            "ActiveEnergy", "is missing" if not present else "given twice (ActiveEnergy and ElectricConsumption)"
        )
    name = present[0]
    unit = units.get(name, "kilowattHour")
    factor = KWH_FACTORS.get(unit.lower())
    if factor is None:
        raise f.refuse(name, f"unknown unit {unit!r} (wattHour, kilowattHour, megawattHour)")
    value = f.decimal(name, props[name]) * factor
    return f.kwh(name, format(value.normalize(), "f"))
