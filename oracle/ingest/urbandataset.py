"""Adapter for ENEA's UrbanDataset (Smart City Platform, SCPS) JSON documents — kept isolated here.

Accepted document (SCPS UrbanDataset 2.0, e.g. the ``ElectricMeterReading-2.0``,
``CounterReading-2.0``, ``HomeAggregatedElectricConsumption/Production-2.0`` specifications)::

    {"UrbanDataset": {
       "specification": {"id": {"value": "ElectricMeterReading-2.0", ...}, ...,
                         "properties": {"propertyDefinition": [
                             {"propertyName": "ActiveEnergy", "dataType": "double",
                              "unitOfMeasure": "kilowattHour"}, ...]}},
       "context": {"producer": {"id": ...}, "timeZone": "UTC+1", "timestamp": ..., "coordinates": ...},
       "values": {"line": [
           {"id": 1, "period": {"start_ts": "2026-10-25T02:00:00", "end_ts": "2026-10-25T02:15:00"},
            "property": [{"name": "PODID", "val": "IT001E00000001"},
                         {"name": "ActiveEnergy", "val": "0.125"}]}, ...]}}}

(the bare inner object, without the ``"UrbanDataset"`` wrapper, is accepted too).

Mapping of each ``values.line`` entry to one reading:

- deviceid: the first non-empty of the properties ``deviceid``, ``PODID``, ``POD``, ``MeterID``
  (property names are matched case-insensitively); none -> ``missing_field``, line dropped.
  Coordinates and the line ``id`` are not device identities (the id numbers the lines) and are
  not used.
- ts: ``period.start_ts`` = start of the 15-minute interval. A ``start_ts`` with its own UTC
  offset is used as written. Otherwise it is local time of ``context.timeZone``: ``UTC``,
  ``UTC+1``, ``UTC+01:00``, ``GMT-3``… (the SCPS form: a fixed offset, no daylight saving) or an IANA
  name such as ``Europe/Rome`` (daylight-saving aware: a time in the repeated autumn hour is
  resolved by order of appearance per device — first occurrence daylight time, later ones standard
  time; a time in the skipped spring hour does not exist -> ``nonexistent_time``, line dropped).
  Without a time zone, a start_ts without offset gives ``missing_offset`` (line dropped).
  When ``period.end_ts`` is given the period must last 15 minutes (wall-clock 15 min, or
  -45/+75 min across a DST change of an IANA zone), else ``bad_period`` (line dropped).
- energy (Wh, platform sign convention), from exactly one of:
  ``ActiveEnergy`` (consumed active energy, SCPS default unit kilowattHour, positive),
  ``ElectricConsumption`` (consumed, kilowattHour, positive),
  ``ElectricProduction`` (produced, kilowattHour, stored negative),
  ``energy`` (the platform's own signed value, default wattHour).
  The unit is the ``unitOfMeasure`` of the property's ``propertyDefinition`` when there is one
  (wattHour, kilowattHour, megawattHour; Wh/kWh/MWh), otherwise the default above. An unknown
  unit rejects the file. Several of these properties on one line -> ``ambiguous_energy``.
- optional fields, converted by their declared unit: powactive W from ``powactive`` (W) /
  ``ActivePower`` / ``TotalActivePower`` (kilowatt); powreactive var from ``powreactive`` (var) /
  ``ReactivePower`` / ``TotalReactivePower`` (kilovoltamperereactive); current A from ``current`` /
  ``LineCurrent``; voltage V from ``voltage`` / ``PhaseVoltage``; chargestatus % from
  ``chargestatus`` / ``StateOfCharge``. Unparsable -> ``bad_number``, NaN/inf -> ``non_finite``;
  the field is left empty and the reading kept.
- line: the JSON text line where the entry's object starts (reasons also name ``values.line[i]``
  and the entry's id, useful for single-line JSON).

Whole-file errors: not JSON (with the JSON error's line and column), not an UrbanDataset, no
``values.line`` array, empty ``values.line``, unknown time zone or unit.
"""

from __future__ import annotations

import bisect
import json
import math
import re

import numpy as np
import pandas as pd

from oracle.numbers import not_a_number, plain_float

from .core import OPTIONAL_COLUMNS, Anomaly, IngestFileError, ParsedFile, deviceid_too_long, readings_frame
from .source import check_not_empty, decode_text, first_char
from .times import (
    TimeZoneSpec,
    dst_change_anomalies,
    implausible,
    implausible_reason,
    localize,
    parse_time_zone,
    utc_offsets,
)

DEVICE_PROPERTIES = ("deviceid", "podid", "pod", "meterid")
# lower-case property name -> (sign, unit kind, default unit)
ENERGY_PROPERTIES = {
    "energy": (1.0, "energy", "wattHour"),
    "activeenergy": (1.0, "energy", "kilowattHour"),
    "electricconsumption": (1.0, "energy", "kilowattHour"),
    "electricproduction": (-1.0, "energy", "kilowattHour"),
}
OPTIONAL_PROPERTIES = {
    "powactive": [
        ("powactive", "power", "watt"),
        ("activepower", "power", "kilowatt"),
        ("totalactivepower", "power", "kilowatt"),
    ],
    "powreactive": [
        ("powreactive", "reactive", "voltamperereactive"),
        ("reactivepower", "reactive", "kilovoltamperereactive"),
        ("totalreactivepower", "reactive", "kilovoltamperereactive"),
    ],
    "current": [("current", "current", "ampere"), ("linecurrent", "current", "ampere")],
    "voltage": [("voltage", "voltage", "volt"), ("phasevoltage", "voltage", "volt")],
    "chargestatus": [("chargestatus", "percent", "percent"), ("stateofcharge", "percent", "percent")],
}
UNIT_FACTORS = {
    "energy": {"wh": 1.0, "watthour": 1.0, "kwh": 1e3, "kilowatthour": 1e3, "mwh": 1e6, "megawatthour": 1e6},
    "power": {"w": 1.0, "watt": 1.0, "kw": 1e3, "kilowatt": 1e3, "mw": 1e6, "megawatt": 1e6},
    "reactive": {"var": 1.0, "voltamperereactive": 1.0, "kvar": 1e3, "kilovoltamperereactive": 1e3},
    "current": {"a": 1.0, "ampere": 1.0, "ma": 1e-3, "milliampere": 1e-3},
    "voltage": {"v": 1.0, "volt": 1.0, "kv": 1e3, "kilovolt": 1e3},
    "percent": {"%": 1.0, "percent": 1.0},
}

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


# --- positions of JSON values in the text (json.loads gives none) -----------------------------


def _array_starts(text: str, i: int) -> list[int] | None:
    if i >= len(text) or text[i] != "[":
        return None
    i += 1
    starts = []
    while True:
        i = _WS.match(text, i).end()
        if text[i] == "]":
            return starts
        starts.append(i)
        _, i = _DECODER.raw_decode(text, i)
        i = _WS.match(text, i).end()
        if text[i] == ",":
            i += 1


def _value_start(text: str, path: list) -> int | None:
    """Character index where the value at ``path`` (object keys and array indices) starts."""
    i = _WS.match(text, 0).end()
    for key in path:
        if isinstance(key, int):
            starts = _array_starts(text, i)
            if starts is None or key >= len(starts):
                return None
            i = starts[key]
            continue
        if i >= len(text) or text[i] != "{":
            return None
        i += 1
        while True:
            i = _WS.match(text, i).end()
            if text[i] == "}":
                return None
            name, i = _DECODER.raw_decode(text, i)
            i = _WS.match(text, i).end() + 1  # ':'
            i = _WS.match(text, i).end()
            if name == key:
                break
            _, i = _DECODER.raw_decode(text, i)
            i = _WS.match(text, i).end()
            if text[i] == ",":
                i += 1
    return i


class _Lines:
    def __init__(self, text: str):
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def at(self, pos: int | None) -> int | None:
        return None if pos is None else bisect.bisect_left(self.newlines, pos) + 1

    def of(self, path: list) -> int | None:
        try:
            return self.at(_value_start(self.text, path))
        except (ValueError, IndexError):
            return None


# --- values -----------------------------------------------------------------------------------


def _empty(val) -> bool:
    return val is None or (isinstance(val, str) and not val.strip())


def _number(val) -> float:
    """float of a property value (numbers or numeric strings, ',' accepted as decimal mark when
    there is no '.'); ValueError when unparsable."""
    if isinstance(val, bool):
        raise ValueError(val)
    if isinstance(val, (int, float)):
        try:
            return float(val)
        except OverflowError:  # a JSON integer beyond any float
            raise ValueError(val) from None
    if isinstance(val, str):
        text = val.strip()
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        return plain_float(text)
    raise ValueError(val)


def _text(val) -> str:
    if isinstance(val, float) and val.is_integer():
        return str(int(val))
    return str(val).strip()


def _unwrap(path, doc, lines: _Lines):
    if not isinstance(doc, dict):
        raise IngestFileError(path, 1, "1", "not an UrbanDataset: the JSON document is not an object")
    if "UrbanDataset" in doc:
        ud = doc["UrbanDataset"]
        prefix = ["UrbanDataset"]
        if not isinstance(ud, dict):
            raise IngestFileError(path, lines.of(prefix), "UrbanDataset", "'UrbanDataset' is not an object")
        return ud, prefix
    if "values" in doc and ("context" in doc or "specification" in doc):
        return doc, []
    raise IngestFileError(
        path, 1, "UrbanDataset", "not an UrbanDataset: no 'UrbanDataset' object (nor specification/context/values)"
    )


def _units(path, ud: dict, prefix: list, lines: _Lines) -> dict[str, tuple[str, int | None]]:
    """lower-case property name -> (unitOfMeasure, line of its definition)."""
    spec = ud.get("specification")
    props = spec.get("properties") if isinstance(spec, dict) else None
    definitions = props.get("propertyDefinition") if isinstance(props, dict) else None
    if not isinstance(definitions, list):
        return {}
    out = {}
    for i, d in enumerate(definitions):
        if isinstance(d, dict) and isinstance(d.get("propertyName"), str) and d.get("unitOfMeasure"):
            line_path = prefix + ["specification", "properties", "propertyDefinition", i]
            out.setdefault(d["propertyName"].lower(), (str(d["unitOfMeasure"]), line_path))
    return out


def _factor(path, units, lines: _Lines, name: str, kind: str, default: str, prefix: list) -> float:
    unit, line_path = units.get(name, (default, None))
    factor = UNIT_FACTORS[kind].get(unit.strip().lower())
    if factor is None:
        known = ", ".join(sorted(UNIT_FACTORS[kind]))
        raise IngestFileError(
            path,
            lines.of(line_path) if line_path else None,
            ".".join(
                map(str, prefix + ["specification", "properties", f"propertyDefinition[{name}]", "unitOfMeasure"])
            ),
            f"unknown unit {unit!r} for property {name!r} (known: {known})",
        )
    return factor


def parse_urbandataset(path, data: bytes) -> ParsedFile:
    text = decode_text(path, data)
    check_not_empty(path, text)
    lines = _Lines(text)
    ud, prefix = _unwrap(path, _load_json(path, text), lines)
    tz = _context_time_zone(path, ud, prefix, lines)
    entries, entry_lines = _entries(path, text, ud, prefix, lines)
    factors = _Factors(path, ud, prefix, lines)
    rows = _Rows()
    for i, entry in enumerate(entries):
        rows.read_entry(i, entry, entry_lines[i], factors)
    placement = _Placement(rows, tz)
    placement.place()
    readings = placement.readings()
    keep = ~placement.drop
    anomalies = rows.anomalies + dst_change_anomalies(
        readings["deviceid"].to_numpy(dtype=object),
        readings["ts"],
        placement.offsets[keep],
        readings["line"].to_numpy(dtype=object),
    )
    anomalies.sort(key=lambda a: (a.line is None, a.line or 0))
    return ParsedFile(str(path), "urbandataset", readings, anomalies)


def _load_json(path, text: str):
    ch, first_line, first_col = first_char(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = ""
        if ch not in "{[":
            hint = " — this looks like csv, not JSON (use --format csv or ec-csv)"
        raise IngestFileError(path, exc.lineno, str(exc.colno), f"not valid JSON: {exc.msg}{hint}") from None
    except RecursionError:
        raise IngestFileError(path, first_line, str(first_col), "JSON nested too deeply") from None
    except ValueError as exc:  # an integer of thousands of digits (Python's limit on int conversion)
        raise IngestFileError(path, None, None, f"not readable JSON: {str(exc).split(';')[0]}") from None


def _context_time_zone(path, ud: dict, prefix: list, lines: _Lines) -> TimeZoneSpec | None:
    context = ud.get("context") if isinstance(ud.get("context"), dict) else {}
    if _empty(context.get("timeZone")):
        return None
    try:
        return parse_time_zone(context["timeZone"])
    except ValueError as exc:
        raise IngestFileError(
            path, lines.of(prefix + ["context", "timeZone"]), ".".join(prefix + ["context", "timeZone"]), str(exc)
        ) from None


def _entries(path, text: str, ud: dict, prefix: list, lines: _Lines) -> tuple[list, list]:
    """The values.line entries and the text line where each starts (None where it cannot be found)."""
    values = ud.get("values")
    entries = values.get("line") if isinstance(values, dict) else None
    where = ".".join(prefix + ["values", "line"])
    if not isinstance(entries, list):
        raise IngestFileError(
            path, lines.of(prefix + ["values"]) or 1, where, "not an UrbanDataset: no values.line array"
        )
    if not entries:
        raise IngestFileError(
            path, lines.of(prefix + ["values", "line"]), where, "empty file (no data rows): values.line is empty"
        )
    try:
        starts = _array_starts(text, _value_start(text, prefix + ["values", "line"]))
    except (ValueError, IndexError, TypeError):
        starts = None
    if not starts or len(starts) != len(entries):
        starts = [None] * len(entries)
    return entries, [lines.at(s) for s in starts]


class _Factors:
    """Unit factors of the energy properties (signed) and of the optional ones, from the specification."""

    def __init__(self, path, ud: dict, prefix: list, lines: _Lines):
        units = _units(path, ud, prefix, lines)
        self.energy = {
            name: sign * _factor(path, units, lines, name, kind, default, prefix)
            for name, (sign, kind, default) in ENERGY_PROPERTIES.items()
        }
        self.optional = {
            name: _factor(path, units, lines, name, kind, default, prefix)
            for specs in OPTIONAL_PROPERTIES.values()
            for name, kind, default in specs
        }


def _properties(entry: dict) -> dict[str, object]:
    props: dict[str, object] = {}
    for p in entry.get("property") or []:
        if isinstance(p, dict) and isinstance(p.get("name"), str):
            props.setdefault(p["name"].strip().lower(), p.get("val"))
    return props


class _Rows:
    """The entries read so far, before their times are placed, and the line anomalies."""

    def __init__(self):
        self.dev, self.start, self.end, self.energy, self.line, self.where = [], [], [], [], [], []
        self.optional = {c: [] for c in OPTIONAL_COLUMNS}
        self.anomalies: list[Anomaly] = []

    def read_entry(self, i: int, entry, line_no: int | None, factors: _Factors) -> None:
        if not isinstance(entry, dict):
            self.anomalies.append(
                Anomaly("bad_line", f"values.line[{i}] is not an object; skipped", line_no, None, None)
            )
            return
        where = f"values.line[{i}]" + (f" (id {_text(entry['id'])})" if "id" in entry else "")
        props = _properties(entry)
        found = self._device_and_energy(where, props, entry, line_no, factors)
        if found is None:
            return
        dev, start, energy = found
        for column, specs in OPTIONAL_PROPERTIES.items():
            self.optional[column].append(self._optional(where, props, column, specs, line_no, dev, factors))
        end = entry["period"].get("end_ts")
        self.dev.append(dev)
        self.start.append(start.strip())
        self.end.append(end.strip() if isinstance(end, str) and end.strip() else None)
        self.energy.append(energy)
        self.line.append(line_no)
        self.where.append(where)

    def _drop(self, kind: str, reason: str, line_no, dev=None) -> None:
        self.anomalies.append(Anomaly(kind, reason, line_no, dev, None))

    def _device_and_energy(self, where, props, entry, line_no, factors: _Factors):
        """(device id, start_ts text, Wh) of the entry, or None after recording why it is dropped."""
        dev = next((_text(props[k]) for k in DEVICE_PROPERTIES if k in props and not _empty(props[k])), None)
        if dev is None:
            return self._drop(
                "missing_field",
                f"{where}: no device id (property deviceid, PODID, POD or MeterID); line dropped",
                line_no,
            )
        if deviceid_too_long(dev):
            return self._drop("bad_deviceid", f"{where}: {deviceid_too_long(dev)}; line dropped", line_no)
        period = entry.get("period") if isinstance(entry.get("period"), dict) else {}
        start = period.get("start_ts")
        if _empty(start) or not isinstance(start, str):
            return self._drop("bad_timestamp", f"{where}: no period.start_ts; line dropped", line_no, dev)
        present = [k for k in ENERGY_PROPERTIES if k in props and not _empty(props[k])]
        if len(present) > 1:
            return self._drop(
                "ambiguous_energy", f"{where}: several energy properties {present}; line dropped", line_no, dev
            )
        if not present:
            return self._drop(
                "missing_field",
                f"{where}: no energy value (ActiveEnergy, ElectricConsumption, "
                "ElectricProduction or energy); line dropped",
                line_no,
                dev,
            )
        name = present[0]
        try:
            return dev, start, _number(props[name]) * factors.energy[name]
        except (ValueError, TypeError):
            return self._drop(
                "bad_number",
                f"{where}: {name} {props[name]!r} {not_a_number(str(props[name]))}; line dropped",
                line_no,
                dev,
            )

    def _optional(self, where, props, column, specs, line_no, dev, factors: _Factors) -> float:
        """The column's value from its first property present (NaN, with an anomaly, when unusable)."""
        for prop, _kind, _default in specs:
            if prop not in props or _empty(props[prop]):
                continue
            try:
                value = _number(props[prop]) * factors.optional[prop]
            except (ValueError, TypeError):
                self.anomalies.append(
                    Anomaly(
                        "bad_number",
                        f"{where}: {prop} {props[prop]!r} {not_a_number(str(props[prop]))}; {column} left empty",
                        line_no,
                        dev,
                        None,
                    )
                )
                return math.nan
            if not math.isfinite(value):
                self.anomalies.append(
                    Anomaly(
                        "non_finite", f"{where}: {prop} is {props[prop]!r}; {column} left empty", line_no, dev, None
                    )
                )
                return math.nan
            return value
        return math.nan


class _Placement:
    """Places the rows' start times in UTC (their own offset, or the context's time zone), drops those that
    cannot be placed and those whose period is not 15 minutes."""

    def __init__(self, rows: _Rows, tz: TimeZoneSpec | None):
        self.rows, self.tz = rows, tz
        n = len(rows.dev)
        self.start_text = pd.Series(rows.start, dtype=object)
        self.utc_ns = np.zeros(n, dtype=np.int64)
        self.wall_ns = np.zeros(n, dtype=np.int64)
        self.offsets = np.full(n, np.nan)
        self.drop = np.zeros(n, dtype=bool)
        self.written = utc_offsets(self.start_text)  # the offset written in each start_ts, NaN for none
        self.explicit = ~np.isnan(self.written)

    def place(self) -> None:
        if self.explicit.any():
            self._place_explicit()
        if (~self.explicit).any():
            self._place_local()
        self._check_periods()

    def flag(self, mask, kind, message) -> None:
        rows = self.rows
        for i in np.flatnonzero(mask & ~self.drop):
            rows.anomalies.append(
                Anomaly(kind, f"{rows.where[i]}: {message(i)}; line dropped", rows.line[i], rows.dev[i], None)
            )
        self.drop |= mask

    def _not_iso(self, i) -> str:
        return f"period.start_ts {self.rows.start[i]!r} is not an ISO 8601 date-time"

    def _outside(self, i) -> str:
        return f"period.start_ts {implausible_reason(self.rows.start[i])}"

    def _at(self, idx, positions) -> np.ndarray:
        mask = np.zeros(len(self.drop), dtype=bool)
        mask[idx[positions]] = True
        return mask

    def _parse(self, which, utc: bool) -> tuple[np.ndarray, pd.DatetimeIndex, np.ndarray]:
        """(row indices, parsed times, mask of the good ones) of the rows in `which`; bad ones flagged."""
        idx = np.flatnonzero(which)
        parsed = pd.DatetimeIndex(pd.to_datetime(self.start_text[which], utc=utc, format="ISO8601", errors="coerce"))
        if not utc and parsed.tz is not None:  # cannot happen (no offset written), kept for safety
            parsed = parsed.tz_localize(None)
        self.flag(self._at(idx, parsed.isna()), "bad_timestamp", self._not_iso)
        far = implausible(parsed)
        self.flag(self._at(idx, far), "implausible_time", self._outside)
        return idx, parsed, ~parsed.isna() & ~far

    def _place_explicit(self) -> None:
        idx, parsed, ok = self._parse(self.explicit, utc=True)
        self.utc_ns[idx[ok]] = parsed[ok].as_unit("ns").asi8
        self.offsets[self.explicit] = self.written[self.explicit]

    def _place_local(self) -> None:
        local = ~self.explicit
        idx, parsed, ok = self._parse(local, utc=False)
        self.wall_ns[idx[ok]] = parsed[ok].as_unit("ns").asi8
        if self.tz is None:
            self.flag(
                local,
                "missing_offset",
                lambda i: (
                    f"period.start_ts {self.rows.start[i]!r} has no UTC offset and context.timeZone is "
                    "missing: it cannot be placed in time"
                ),
            )
            return
        ok = local & ~self.drop
        wall = pd.Series(pd.to_datetime(self.wall_ns[ok], unit="ns"))
        dev = pd.Series(self.rows.dev, dtype=object)
        loc_utc, loc_off, nonexistent = localize(wall, self.tz, dev[ok].reset_index(drop=True))
        idx_ok = np.flatnonzero(ok)
        self.utc_ns[idx_ok[~nonexistent]] = pd.DatetimeIndex(loc_utc[~nonexistent]).as_unit("ns").asi8
        self.offsets[idx_ok] = loc_off
        self.flag(
            self._at(idx_ok, nonexistent),
            "nonexistent_time",
            lambda i: (
                f"period.start_ts {self.rows.start[i]!r} does not exist in {self.tz.name} (skipped "
                "daylight-saving hour)"
            ),
        )
        placed = ok & ~self.drop
        self.flag(
            placed & implausible(pd.to_datetime(self.utc_ns, unit="ns", utc=True)), "implausible_time", self._outside
        )

    def _check_periods(self) -> None:
        bad = np.zeros(len(self.drop), dtype=bool)
        allowed_wall = {15.0, -45.0, 75.0} if (self.tz is not None and self.tz.has_dst) else {15.0}
        for i, end in enumerate(self.rows.end):
            if end is not None and not self.drop[i]:
                bad[i] = not self._period_ok(i, end, allowed_wall)
        self.flag(
            bad, "bad_period", lambda i: f"period {self.rows.start[i]} - {self.rows.end[i]} is not a 15-minute interval"
        )

    def _period_ok(self, i: int, end: str, allowed_wall: set) -> bool:
        end_has_offset = not np.isnan(utc_offsets(pd.Series([end], dtype=object))[0])
        try:
            if end_has_offset and self.explicit[i]:
                end_ts = pd.Timestamp(end).tz_convert("UTC")
                return (end_ts - pd.Timestamp(int(self.utc_ns[i]), unit="ns", tz="UTC")) == pd.Timedelta(minutes=15)
            if not end_has_offset and not self.explicit[i]:
                minutes = (pd.Timestamp(end) - pd.Timestamp(int(self.wall_ns[i]), unit="ns")).total_seconds() / 60
                return minutes in allowed_wall
            return True  # one with and one without offset: not checked
        except (ValueError, TypeError):
            return False

    def readings(self) -> pd.DataFrame:
        rows, keep = self.rows, ~self.drop
        optional = {c: np.asarray(v, dtype=float)[keep] for c, v in rows.optional.items()}
        return readings_frame(
            np.asarray(rows.dev, dtype=object)[keep],
            pd.to_datetime(self.utc_ns[keep], unit="ns", utc=True),
            np.asarray(rows.energy, dtype=float)[keep],
            [rows.line[i] for i in np.flatnonzero(keep)],
            optional,
        )
