"""The open energy-community data format of seed 003 (§3, tables 1-3), read for meter readings.

Layout (seed 003 §3): every row starts with a label in the first field; ';' separates fields; the
decimal mark is ',' ('.' is accepted too when the value has no ',', as in the paper's own ρt row);
'-' marks a missing value; trailing empty fields are ignored. A parameter of cardinality n×m×o is
written as o stacked n×m matrices: the label is in the first field of the first row only, the other
rows of the parameter start with an empty field. Rows with labels this reader does not use (λ, φ,
PRn, ρt, the technology tables…) are skipped; so are blank lines.

Labels are compared after removing '_', '{', '}', '\\', '$' and blanks, so ``P_{fix}`` = ``Pfix``,
``S_t`` = ``St``, ``Delta t`` = ``Δt``.

Rows used (table 1 unless noted):

- ``Δt``: time step in minutes; it must be 15 (the platform stores quarter-hours).
- ``T`` (optional, checked against ``St``): number of intervals.
- ``St``: start date of every interval, 00:00 UTC, written ``yyyymmdd`` (as in the paper's figure 1)
  or ``ddmmyyyy`` (as in table 1) — unambiguous for years 1900-2099 — or ``dd/mm/yyyy`` or
  ``yyyy-mm-dd``.
- ``Dt``: number of Δt steps of every interval (one value is used for all intervals).
  Step j (0-based) of interval i starts at St[i] + j·Δt; the series of all steps has T̄ = ΣDt
  entries, in interval order.
- ``N``: number of users.
- ``Nfix`` (table 2, optional): fixed-load appliances per user (default: every value of the row).
- ``Pfix`` (table 2): fixed-load power, W, cardinality N × Nfix × T̄, i.e. T̄ stacked N×Nfix
  matrices: row r of the block (0-based) is user n = r mod N + 1 at step t = r div N, its values
  the user's fixed appliances. This is the measured load profile of the users (the reference
  dataset's users have one fixed load each). The user's reading at step t is the sum over its
  appliances, converted to energy: energy [Wh] = ΣPfix [W] × Δt / 60 (positive: consumption).
  A '-' among the user's values makes that step missing (``missing_value``; the cleaning then
  interpolates or leaves the gap), an unparsable value gives ``bad_number``.
- ``NPV``, ``ZPV``, ``PPV`` (table 3, optional): PV production. The paper has no per-user
  generation profile: ``PPV`` (N_PV × T̄, kW) is the effective power of one module of each PV model
  and ``ZPV`` the number installed. Model k with ZPV[k] > 0 gives a production device with
  energy [Wh] = −ZPV[k] × PPV[k, t] × 1000 × Δt / 60 (negative: production). Without ``ZPV`` no
  production readings are produced.

Extension rows (not in the paper, all optional):

- ``IDn``: N device ids, user n ↔ the n-th id (e.g. the PODs). Without it user n is
  ``f"{user_prefix}{n}"`` (default ``user1`` … ``userN``).
- ``IDPV``: N_PV device ids of the PV models; default ``f"{pv_prefix}{k}"`` (``pv1`` …).
- ``TZ``: a time zone (IANA name such as ``Europe/Rome`` or ``UTC+1``): the St dates are then local
  midnights in that zone instead of 00:00 UTC. Steps still advance by Δt of elapsed time, so a
  step never falls into a skipped or repeated local hour; across a DST change an informational
  ``dst_change`` anomaly is recorded per device.

Whole-file errors name the line and the row label (``St[2]`` = second value of row St).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from oracle.numbers import not_a_number, plain_float

from .core import STEP, Anomaly, IngestFileError, ParsedFile, deviceid_too_long, readings_frame
from .source import delimited_text
from .times import PLAUSIBLE_FROM, dst_change_anomalies, implausible, implausible_reason, parse_time_zone

_STRIP = re.compile(r"[_{}\\$\s]")
_ALIASES = {
    "Δt": "Δt",
    "∆t": "Δt",
    "Deltat": "Δt",
    "deltat": "Δt",
    "DeltaT": "Δt",
    "T": "T",
    "St": "St",
    "Dt": "Dt",
    "N": "N",
    "Nfix": "Nfix",
    "Pfix": "Pfix",
    "NPV": "NPV",
    "ZPV": "ZPV",
    "PPV": "PPV",
    "IDn": "IDn",
    "IDPV": "IDPV",
    "TZ": "TZ",
}
USED = set(_ALIASES.values())


def canonical_label(label: str) -> str:
    key = _STRIP.sub("", label)
    return _ALIASES.get(key, key)


class _Block:
    def __init__(self, label: str, line: int):
        self.label = label
        self.line = line
        self.rows: list[tuple[int, list[str]]] = []


def _column_of(line_no, before: bytes, whole: bytes, first: bytes) -> str:
    label = whole.split(b";")[0].decode("utf-8", "replace").strip()
    index = before.count(b";")
    if index == 0:
        return label or "1"
    return f"{label}[{index}]" if label else f"[{index}]"


class _Reader:
    def __init__(self, path, text: str):
        self.path = str(path)
        self.blocks: dict[str, _Block] = {}
        self.first_label: str | None = None
        current: _Block | None = None
        for number, raw in enumerate(text.split("\n"), start=1):
            if not raw.strip():
                continue
            fields = [f.strip() for f in raw.split(";")]
            while fields and fields[-1] == "":
                fields.pop()
            if not fields:
                continue
            if fields[0]:
                label = canonical_label(fields[0])
                if self.first_label is None:
                    self.first_label = fields[0]
                current = _Block(fields[0], number)
                if label in USED:
                    if label in self.blocks:
                        raise IngestFileError(
                            path,
                            number,
                            fields[0],
                            f"row {fields[0]!r} appears twice (first at line {self.blocks[label].line})",
                        )
                    self.blocks[label] = current
            elif current is None:
                raise IngestFileError(path, number, "1", "a row without a label before any labelled row")
            current.rows.append((number, fields[1:]))

    def error(self, block: _Block, message: str, index: int | None = None, line: int | None = None):
        column = block.label if index is None else f"{block.label}[{index}]"
        return IngestFileError(self.path, line or block.line, column, message)

    def block(self, label: str, required: bool = True) -> _Block | None:
        b = self.blocks.get(label)
        if b is None and required:
            raise IngestFileError(self.path, None, label, f"missing row {label!r} (seed 003 table 1)")
        return b

    def vector(self, label: str, required: bool = True) -> tuple[_Block, list[str]] | None:
        b = self.block(label, required)
        if b is None:
            return None
        if len(b.rows) != 1:
            raise self.error(b, f"row {b.label!r} must be one row (found {len(b.rows)})")
        values = b.rows[0][1]
        if not values:
            raise self.error(b, f"row {b.label!r} has no value")
        return b, values

    def integer(self, b: _Block, text: str, index: int, minimum: int) -> int:
        try:
            value = plain_float(_decimal(text))
        except ValueError:
            raise self.error(b, f"{text!r} is not a whole number", index) from None
        if value != int(value) or value < minimum:
            raise self.error(b, f"{text!r} must be a whole number >= {minimum}", index)
        return int(value)

    def scalar(self, label: str, minimum: int, required: bool = True) -> int | None:
        got = self.vector(label, required)
        if got is None:
            return None
        b, values = got
        if len(values) != 1:
            raise self.error(b, f"row {b.label!r} must hold one value (found {len(values)})")
        return self.integer(b, values[0], 1, minimum)


def _decimal(text: str) -> str:
    if "," in text:
        if "." in text:
            raise ValueError(text)
        return text.replace(",", ".")
    return text


def _number(text: str) -> float | None:
    """None for a missing value ('-' or empty); ValueError when unparsable."""
    if text in ("", "-"):
        return None
    return plain_float(_decimal(text))


def _date(text: str) -> dt.date:
    t = text.strip()
    if re.fullmatch(r"\d{8}", t):
        y, m, d = int(t[:4]), int(t[4:6]), int(t[6:])
        if 1900 <= y <= 2099:
            try:
                return dt.date(y, m, d)
            except ValueError:
                pass
        return dt.datetime.strptime(t, "%d%m%Y").date()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    raise ValueError(t)


def _ids(reader: _Reader, label: str, count: int, what: str) -> list[str] | None:
    got = reader.vector(label, required=False)
    if got is None:
        return None
    b, values = got
    if len(values) != count:
        raise reader.error(b, f"row {b.label!r} must hold {count} device ids ({what}), found {len(values)}")
    for i, v in enumerate(values, start=1):
        if v in ("", "-"):
            raise reader.error(b, f"device id {i} is missing", i)
        if values.index(v) != i - 1:
            raise reader.error(b, f"device id {v!r} repeated", i)
        if deviceid_too_long(v):  # one id stands for all of a device's readings: the row is wrong, not a line
            raise reader.error(b, deviceid_too_long(v), i)
    return values


def parse_ec_csv(path, data: bytes, *, user_prefix: str = "user", pv_prefix: str = "pv") -> ParsedFile:
    text = delimited_text(path, data, _column_of, "an ec-csv file")
    r = _Reader(path, text)
    _check_is_ec_csv(path, r, text)
    axis = _TimeAxis.read(r)
    users = r.scalar("N", 1)
    user_ids = _ids(r, "IDn", users, "one per user") or [f"{user_prefix}{n}" for n in range(1, users + 1)]
    pfix, ppv = r.block("Pfix", required=False), r.block("PPV", required=False)
    if pfix is None and ppv is None:
        raise IngestFileError(
            path, None, "Pfix", "no user load profiles (row Pfix) and no PV production (row PPV): nothing to ingest"
        )
    out = _Readings()
    if pfix is not None:
        _user_readings(r, pfix, user_ids, axis, out)
    if ppv is not None:
        _pv_readings(r, ppv, user_ids if pfix is not None else [], pv_prefix, axis, out)
    readings = out.frame(axis.timeline)
    anomalies = out.anomalies + _dst_changes(readings, axis.tz)
    anomalies.sort(key=lambda a: (a.line is None, a.line or 0))
    return ParsedFile(str(path), "ec-csv", readings, anomalies)


def _check_is_ec_csv(path, r: _Reader, text: str) -> None:
    if "Δt" in r.blocks or "Pfix" in r.blocks:
        return
    first = text.split("\n", 1)[0]
    hint = ""
    if "," in first and ";" not in first:
        hint = " (comma-separated with a header: canonical csv? use --format csv)"
    raise IngestFileError(path, 1, r.first_label or "1", f"not a seed-003 energy-community file: no Δt/Pfix rows{hint}")


class _TimeAxis:
    """The T̄ step starts of the file (rows Δt, St, T, Dt, TZ) and which of them are implausible."""

    def __init__(self, st_values, starts, durations, tz):
        self.st_values, self.tz = st_values, tz
        # a start date far outside the plausible window would not even fit pandas' times: its steps are
        # placed at a stand-in date and become implausible_time anomalies
        far = implausible(pd.DatetimeIndex([pd.Timestamp(d) for d in starts]))
        midnights = pd.DatetimeIndex(
            [PLAUSIBLE_FROM.tz_localize(None) if f else pd.Timestamp(d) for d, f in zip(starts, far)]
        ).as_unit("ns")
        start_utc = _local_midnights_in_utc(midnights, tz)
        step_ns = np.concatenate([np.arange(d, dtype=np.int64) for d in durations]) * STEP.value
        base_ns = np.repeat(start_utc.as_unit("ns").asi8, durations)
        self.timeline = pd.DatetimeIndex(base_ns + step_ns).tz_localize("UTC")  # T̄ step starts
        self.t_bar = len(self.timeline)
        self.interval_of_step = np.repeat(np.arange(len(starts)), durations)
        self.step_outside = np.repeat(far, durations) | implausible(self.timeline)
        self.hours = 15 / 60

    @classmethod
    def read(cls, r: _Reader) -> _TimeAxis:
        step_min = r.scalar("Δt", 1)
        if step_min != 15:
            raise r.error(r.blocks["Δt"], f"Δt = {step_min} min: only 15-minute data can be ingested", 1)
        st_block, st_values = r.vector("St")
        n_intervals = r.scalar("T", 1, required=False)
        if n_intervals is not None and n_intervals != len(st_values):
            raise r.error(st_block, f"T = {n_intervals} intervals but St has {len(st_values)} start dates")
        starts = [_start_date(r, st_block, v, i) for i, v in enumerate(st_values, start=1)]
        return cls(st_values, starts, _durations(r, len(st_values)), _time_zone(r))

    def outside(self, t: int, who: str, line: int, dev: str) -> Anomaly | None:
        """The implausible_time anomaly of step t (0-based) of a device, or None when the step is plausible."""
        if not self.step_outside[t]:
            return None
        i = self.interval_of_step[t]
        return Anomaly(
            "implausible_time",
            f"step {t + 1} of {who} (interval {i + 1}, St[{i + 1}] = "
            f"{implausible_reason(self.st_values[i])}); no reading",
            line,
            dev,
            None,
        )


def _start_date(r: _Reader, st_block, value: str, i: int) -> dt.date:
    try:
        return _date(value)
    except ValueError:
        raise r.error(
            st_block, f"start date {value!r} is not yyyymmdd, ddmmyyyy, dd/mm/yyyy or yyyy-mm-dd", i
        ) from None


def _durations(r: _Reader, n_intervals: int) -> list[int]:
    dt_block, dt_values = r.vector("Dt")
    if len(dt_values) == 1:
        dt_values = dt_values * n_intervals
    elif len(dt_values) != n_intervals:
        raise r.error(
            dt_block,
            f"Dt has {len(dt_values)} values for {n_intervals} intervals (one value for all, or one per interval)",
        )
    return [r.integer(dt_block, v, i, 1) for i, v in enumerate(dt_values, start=1)]


def _time_zone(r: _Reader):
    tz_got = r.vector("TZ", required=False)
    if tz_got is None:
        return None
    try:
        return parse_time_zone(tz_got[1][0])
    except ValueError as exc:
        raise r.error(tz_got[0], str(exc), 1) from None


def _local_midnights_in_utc(midnights: pd.DatetimeIndex, tz) -> pd.DatetimeIndex:
    if tz is None:
        return midnights.tz_localize("UTC")
    if tz.zone is None:
        return (midnights - pd.Timedelta(minutes=tz.fixed_minutes)).tz_localize("UTC")
    return midnights.tz_localize(tz.zone, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")


class _Readings:
    """Readings found so far (device, step index, Wh, line) and the anomalies."""

    def __init__(self):
        self.dev, self.step, self.energy, self.line = [], [], [], []
        self.anomalies: list[Anomaly] = []

    def add(self, dev: str, t: int, energy: float, line: int) -> None:
        self.dev.append(dev)
        self.step.append(t)
        self.energy.append(energy)
        self.line.append(line)

    def frame(self, timeline: pd.DatetimeIndex) -> pd.DataFrame:
        ts = timeline[np.asarray(self.step, dtype=np.int64)] if self.step else pd.DatetimeIndex([], tz="UTC")
        return readings_frame(self.dev, ts, self.energy, np.asarray(self.line, dtype=np.int64))


def _user_readings(r: _Reader, pfix, user_ids: list[str], axis: _TimeAxis, out: _Readings) -> None:
    """Rows Nfix, Pfix: T̄ stacked N×Nfix matrices, one reading per user and step (the sum of its loads)."""
    users = len(user_ids)
    nfix = _nfix(r, users)
    expected = users * axis.t_bar
    if len(pfix.rows) != expected:
        raise r.error(
            pfix,
            f"Pfix (N × Nfix × T̄) must be T̄ = {axis.t_bar} stacked N×Nfix matrices, i.e. "
            f"{users} × {axis.t_bar} = {expected} rows; found {len(pfix.rows)}",
        )
    for index, (number, values) in enumerate(pfix.rows):
        t, n = divmod(index, users)
        count = len(values) if nfix is None else nfix[n]
        if [v for v in values[count:] if v not in ("", "-")]:
            raise r.error(
                pfix,
                f"user {n + 1} has Nfix = {count} fixed loads but the row holds {len(values)} values",
                count + 1,
                number,
            )
        dev = user_ids[n]
        far_step = axis.outside(t, f"user {n + 1}", number, dev)
        if far_step:
            out.anomalies.append(far_step)
            continue
        total, problem = _user_load(values, count, n, t)
        if problem:
            out.anomalies.append(Anomaly(problem[0], problem[1], number, dev, axis.timeline[t]))
            continue
        out.add(dev, t, total * axis.hours, number)


def _nfix(r: _Reader, users: int) -> list[int] | None:
    nfix_got = r.vector("Nfix", required=False)
    if nfix_got is None:
        return None
    b, values = nfix_got
    if len(values) != users:
        raise r.error(b, f"Nfix must hold {users} values (one per user), found {len(values)}")
    return [r.integer(b, v, i, 1) for i, v in enumerate(values, start=1)]


def _user_load(values: list[str], count: int, n: int, t: int) -> tuple[float, tuple[str, str] | None]:
    """(W summed over the user's loads, None) or (0, (anomaly kind, reason)) at the first bad value."""
    total = 0.0
    for k in range(count):
        v = values[k] if k < len(values) else "-"
        try:
            x = _number(v)
        except ValueError:
            return 0.0, (
                "bad_number",
                f"Pfix value {v!r} (user {n + 1}, load {k + 1}, step {t + 1}) {not_a_number(v)}; no reading",
            )
        if x is None:
            return 0.0, (
                "missing_value",
                f"Pfix of user {n + 1} (load {k + 1}, step {t + 1}) is missing ('-'); no reading",
            )
        total += x
    return total, None


def _pv_readings(r: _Reader, ppv, user_ids: list[str], pv_prefix: str, axis: _TimeAxis, out: _Readings) -> None:
    """Rows NPV, IDPV, ZPV, PPV: one production device per PV model with modules installed."""
    n_models = r.scalar("NPV", 1, required=False)
    if n_models is None:
        n_models = len(ppv.rows)
    if len(ppv.rows) != n_models:
        raise r.error(ppv, f"PPV (N_PV × T̄) must have N_PV = {n_models} rows, found {len(ppv.rows)}")
    pv_ids = _ids(r, "IDPV", n_models, "one per PV model") or [f"{pv_prefix}{k}" for k in range(1, n_models + 1)]
    clash = set(pv_ids) & set(user_ids)
    if clash:
        raise IngestFileError(r.path, None, "IDPV", f"PV device ids {sorted(clash)} are also user ids")
    installed = _installed(r, n_models)
    for k, (number, values) in enumerate(ppv.rows):
        if installed[k] <= 0:
            continue
        if len(values) != axis.t_bar:
            raise r.error(ppv, f"PV model {k + 1} has {len(values)} values, expected T̄ = {axis.t_bar}", None, number)
        for t, v in enumerate(values):
            _pv_value(pv_ids[k], k, t, v, number, installed[k], axis, out)


def _installed(r: _Reader, n_models: int) -> list[float]:
    installed = [0.0] * n_models
    z_got = r.vector("ZPV", required=False)
    if z_got is None:
        return installed
    b, values = z_got
    if len(values) != n_models:
        raise r.error(b, f"ZPV must hold {n_models} values (one per PV model), found {len(values)}")
    for i, v in enumerate(values, start=1):
        try:
            installed[i - 1] = _number(v) or 0.0
        except ValueError:
            raise r.error(b, f"{v!r} {not_a_number(v)}", i) from None
    return installed


def _pv_value(dev: str, k: int, t: int, v: str, number: int, installed: float, axis: _TimeAxis, out: _Readings) -> None:
    far_step = axis.outside(t, f"PV model {k + 1}", number, dev)
    if far_step:
        out.anomalies.append(far_step)
        return
    try:
        x = _number(v)
    except ValueError:
        out.anomalies.append(
            Anomaly(
                "bad_number",
                f"PPV value {v!r} (PV model {k + 1}, step {t + 1}) {not_a_number(v)}; no reading",
                number,
                dev,
                axis.timeline[t],
            )
        )
        return
    if x is None:
        out.anomalies.append(
            Anomaly(
                "missing_value",
                f"PPV of PV model {k + 1} at step {t + 1} is missing ('-'); no reading",
                number,
                dev,
                axis.timeline[t],
            )
        )
        return
    out.add(dev, t, -installed * x * 1000.0 * axis.hours, number)


def _dst_changes(readings: pd.DataFrame, tz) -> list[Anomaly]:
    if tz is None or tz.zone is None or not len(readings):
        return []
    utc = readings["ts"]
    wall = utc.dt.tz_convert(tz.zone).dt.tz_localize(None)
    offsets = ((wall - utc.dt.tz_localize(None)).dt.total_seconds() / 60).to_numpy()
    return dst_change_anomalies(
        readings["deviceid"].to_numpy(dtype=object), utc, offsets, readings["line"].to_numpy(dtype=object)
    )
