"""Canonical forms of PELL-IP records and their keccak256 hashes (what LightingCertification certifies).

Static record of a plant (schema version 1, the contract's `schemaVersion`): UTF-8 text, one `key=value`
line each, in this order, every line ending in "\\n":

    municipality=<ISTAT code>
    plant=<plant code>
    pod=<POD>
    latitude=<WGS84 degrees, 6 decimals>
    longitude=<WGS84 degrees, 6 decimals>
    panel=<electrical panel, empty if none>
    control=<dimming/control system, empty if none>
    lamp=<technology>,<unit power W, 2 decimals>,<count>     (one line per lamp group, sorted by
                                                             technology text, then by power)

datasetHash = keccak256(those bytes).

Monthly consumption of a municipality: every measurement of its plants whose period starts in the month
(Italian local time), one line each, sorted by plant code then period start, UTF-8:

    <plant code>,<period start UTC, YYYY-MM-DDTHH:MM:SSZ>,<resolution month|15min>,<kWh, 3 decimals>\\n

datasetHash = keccak256(those bytes); consumptionWh = the sum of the kWh × 1000 (an integer: kWh have at
most 3 decimals); measurements = the number of lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from eth_utils import keccak

from oracle.pell.months import month_number, month_text, parse_month

SCHEMA_VERSION = 1
STATIC_FIELDS = ("municipality", "plant", "pod", "latitude", "longitude", "panel", "control")


@dataclass(frozen=True)
class StaticRecord:
    municipality_code: str
    plant_code: str
    pod: str
    latitude: Decimal
    longitude: Decimal
    electrical_panel: str | None
    control_system: str | None
    lamps: tuple[tuple[str, Decimal, int], ...]  # (technology, unit power W, count)


def _lamp_key(lamp: tuple[str, Decimal, int]):
    technology, power, count = lamp
    return technology.encode("utf-8"), Decimal(power), count


def static_record_bytes(record: StaticRecord) -> bytes:
    values = (
        record.municipality_code,
        record.plant_code,
        record.pod,
        f"{Decimal(record.latitude):.6f}",
        f"{Decimal(record.longitude):.6f}",
        record.electrical_panel or "",
        record.control_system or "",
    )
    lines = [f"{key}={value}\n" for key, value in zip(STATIC_FIELDS, values)]
    lines += [
        f"lamp={technology},{Decimal(power):.2f},{count}\n"
        for technology, power, count in sorted(record.lamps, key=_lamp_key)
    ]
    return "".join(lines).encode("utf-8")


def static_record_hash(record: StaticRecord) -> bytes:
    return keccak(static_record_bytes(record))


def changed_fields(old_text: str, new_text: str) -> list[str]:
    """Which keys differ between two canonical static records (lamps counted as one field)."""

    def fields(text: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for line in text.splitlines():
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
        return found

    old, new = fields(old_text), fields(new_text)
    keys = [*STATIC_FIELDS, "lamp"]
    return [("lamps" if key == "lamp" else key) for key in keys if old.get(key) != new.get(key)]


@dataclass(frozen=True)
class Measurement:
    plant_code: str
    period_start: datetime
    resolution: str
    kwh: Decimal


@dataclass(frozen=True)
class MonthlyDataset:
    municipality_code: str
    month: date
    consumption_wh: int
    measurements: int
    canonical: bytes
    dataset_hash: bytes

    @property
    def month_text(self) -> str:
        return month_text(self.month)

    @property
    def month_number(self) -> int:
        return month_number(self.month)

    @property
    def kwh(self) -> Decimal:
        return Decimal(self.consumption_wh) / 1000


def measurement_line(m: Measurement) -> str:
    start = m.period_start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{m.plant_code},{start},{m.resolution},{Decimal(m.kwh):.3f}\n"


def monthly_dataset(municipality_code: str, month: date | str, measurements: Iterable[Measurement]) -> MonthlyDataset:
    """The month's dataset from its measurements (any order)."""
    if isinstance(month, str):
        month = parse_month(month)
    rows = sorted(measurements, key=lambda m: (m.plant_code.encode("utf-8"), m.period_start))
    canonical = "".join(measurement_line(m) for m in rows).encode("utf-8")
    total_wh = sum((Decimal(m.kwh) * 1000 for m in rows), Decimal(0))
    if total_wh != total_wh.to_integral_value():
        raise ValueError("a measurement has more than 3 decimals of kWh")
    return MonthlyDataset(municipality_code, month, int(total_wh), len(rows), canonical, keccak(canonical))
