"""The records of a PELL-IP file and the rules of their fields, shared by the CSV and UrbanDataset readers.

Every rule refuses a bad value with `PellRecordError(file, line, field, sentence)`; a reader stops at the
first one and nothing of the file is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from oracle.db.schema import PELL_TECHNOLOGIES
from oracle.errors import OracleError
from oracle.numbers import DECIMAL, WHOLE, not_a_number
from oracle.pell.months import month_start, parse_month

ISTAT_CODE = re.compile(r"[0-9]{6}", re.ASCII)
PROVINCE = re.compile(r"[A-Z]{2}", re.ASCII)
PLANT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}", re.ASCII)  # no comma: the canonical lists use it
POD = re.compile(r"[A-Z0-9]{1,32}", re.ASCII)
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
COORDINATE_PLACES = Decimal("0.000001")  # 6 decimals, about 0.1 m: what the database keeps
QUARTER_HOUR = timedelta(minutes=15)
TECHNOLOGY_NAMES = {t.lower(): t for t in PELL_TECHNOLOGIES}
TECHNOLOGY_ALIASES = {"sap": "HPS", "jm": "MH", "hg": "MV", "sbp": "LPS", "fl": "fluorescent"}


class PellRecordError(OracleError):
    """A bad record of a PELL-IP file: the whole file is refused."""

    def __init__(self, path, line: int | None, field_name: str | None, message: str):
        where = str(path) + (f":{line}" if line else "") + (f": field {field_name}" if field_name else "")
        super().__init__(f"{where}: {message} — nothing of the file was stored")
        self.path, self.line, self.field, self.reason = str(path), line, field_name, message


@dataclass(frozen=True)
class MunicipalityRow:
    istat_code: str
    name: str
    province: str
    region: str
    reserved: bool
    line: int


@dataclass(frozen=True)
class LampRow:
    technology: str
    unit_power_w: Decimal
    count: int


@dataclass
class PlantRow:
    istat_code: str
    plant_code: str
    pod: str
    latitude: Decimal
    longitude: Decimal
    electrical_panel: str | None
    control_system: str | None
    line: int
    lamps: list[LampRow] = field(default_factory=list)


@dataclass(frozen=True)
class ConsumptionRow:
    """plant_code or pod names the plant (an UrbanDataset may give only the POD)."""

    istat_code: str
    plant_code: str | None
    pod: str | None
    period_start: datetime  # UTC
    resolution: str  # month | 15min
    kwh: Decimal
    line: int


@dataclass
class ParsedFile:
    path: str
    municipalities: list[MunicipalityRow] = field(default_factory=list)
    plants: list[PlantRow] = field(default_factory=list)
    consumption: list[ConsumptionRow] = field(default_factory=list)
    plant_index: dict = field(default_factory=dict, repr=False)  # (istat code, plant code) -> PlantRow


class Fields:
    """The rules, bound to one file and line so that each refusal names them."""

    def __init__(self, path, line: int):
        self.path, self.line = path, line

    def refuse(self, name: str, message: str):
        return PellRecordError(self.path, self.line, name, message)

    def required(self, name: str, value) -> str:
        text = "" if value is None else str(value).strip()
        if not text:
            raise self.refuse(name, "is empty")
        return text

    def optional_text(self, name: str, value, limit: int = 100) -> str | None:
        text = "" if value is None else str(value).strip()
        if CONTROL_CHARS.search(text):
            raise self.refuse(name, "holds a control character (a line break, a tab, …)")
        if len(text) > limit:
            raise self.refuse(name, f"is longer than {limit} characters")
        return text or None

    def text(self, name: str, value, limit: int = 200) -> str:
        return self.optional_text(name, self.required(name, value), limit)

    def istat_code(self, name: str, value) -> str:
        code = self.required(name, value)
        if not ISTAT_CODE.fullmatch(code):
            raise self.refuse(name, f"{code!r} is not an ISTAT municipality code (6 digits, e.g. 010025)")
        return code

    def province(self, name: str, value) -> str:
        code = self.required(name, value).upper()
        if not PROVINCE.fullmatch(code):
            raise self.refuse(name, f"{code!r} is not a province code (2 letters, e.g. GE)")
        return code

    def flag(self, name: str, value) -> bool:
        text = ("" if value is None else str(value)).strip().lower()
        if text in ("", "0", "false", "no", "open"):
            return False
        if text in ("1", "true", "yes", "reserved"):
            return True
        raise self.refuse(name, f"{value!r} is not true/false (reserved/open, yes/no, 1/0)")

    def plant_code(self, name: str, value) -> str:
        code = self.required(name, value)
        if not PLANT_CODE.fullmatch(code):
            raise self.refuse(
                name, f"{code!r} is not a plant code: up to 64 of A-Z a-z 0-9 . _ / - (starting with a letter or digit)"
            )
        return code

    def pod(self, name: str, value) -> str:
        text = "" if value is None else str(value).strip()
        if not text:
            raise self.refuse(name, "is empty: every plant has a POD (its point of delivery, e.g. IT001E12345678)")
        pod = text.upper()
        if not POD.fullmatch(pod):
            raise self.refuse(name, f"{text!r} is not a POD (letters and digits only, at most 32)")
        return pod

    def decimal(self, name: str, value) -> Decimal:
        text = self.required(name, value)
        if not DECIMAL.fullmatch(text):
            raise self.refuse(name, f"{text!r} {not_a_number(text)}")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise self.refuse(name, f"{text!r} is not a number") from None
        if not number.is_finite():
            raise self.refuse(name, f"{text!r} is not a finite number")
        return number

    def places(self, name: str, value, places: int) -> Decimal:
        number = self.decimal(name, value)
        if number != number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):
            raise self.refuse(name, f"{value} has more than {places} decimals")
        return number

    def latitude(self, name: str, value) -> Decimal:
        number = self.decimal(name, value)
        if not -90 <= number <= 90:
            raise self.refuse(name, f"{value} is outside the WGS84 latitude range -90 .. 90")
        return number.quantize(COORDINATE_PLACES, rounding=ROUND_HALF_EVEN)

    def longitude(self, name: str, value) -> Decimal:
        number = self.decimal(name, value)
        if not -180 <= number <= 180:
            raise self.refuse(name, f"{value} is outside the WGS84 longitude range -180 .. 180")
        return number.quantize(COORDINATE_PLACES, rounding=ROUND_HALF_EVEN)

    def technology(self, name: str, value) -> str:
        text = self.required(name, value).lower()
        found = TECHNOLOGY_NAMES.get(text) or TECHNOLOGY_ALIASES.get(text)
        if found is None:
            raise self.refuse(name, f"{value!r} is not a lamp technology: one of {', '.join(PELL_TECHNOLOGIES)}")
        return found

    def power(self, name: str, value) -> Decimal:
        number = self.places(name, value, 2)
        if number <= 0:
            raise self.refuse(name, f"{value} W: a lamp's unit power is more than 0")
        if number >= 10**8:
            raise self.refuse(name, f"{value} W is not a lamp's power (at most 99999999.99)")
        return number

    def count(self, name: str, value) -> int:
        text = self.required(name, value)
        if not WHOLE.fullmatch(text):
            raise self.refuse(name, f"{text!r} is not a whole number")
        number = int(text)
        if not 0 < number < 2**31:
            raise self.refuse(name, f"{text}: a count of lamps is more than 0")
        return number

    def kwh(self, name: str, value) -> Decimal:
        number = self.places(name, value, 3)
        if number < 0:
            raise self.refuse(name, f"{value} kWh: consumption is not negative")
        if number >= 10**11:
            raise self.refuse(name, f"{value} kWh is beyond any plant's consumption")
        return number

    def month(self, name: str, value, now: datetime) -> datetime:
        """A month YYYY-MM, as the UTC instant of its start in Italy; a month after the current one is refused."""
        text = self.required(name, value)
        try:
            start = month_start(parse_month(text))
        except ValueError as exc:
            raise self.refuse(name, str(exc)) from None
        if start > month_start(now):
            raise self.refuse(name, f"{text} is a month in the future")
        return start

    def quarter_hour(self, name: str, value, now: datetime) -> datetime:
        """The start of a 15-minute interval, ISO 8601 with its UTC offset, on the quarter-hour, already over."""
        text = self.required(name, value)
        try:
            instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise self.refuse(
                name, f"{text!r} is not a time (ISO 8601 with offset, e.g. 2026-03-01T00:15:00+01:00)"
            ) from None
        if instant.tzinfo is None:
            raise self.refuse(name, f"{text!r} has no UTC offset (e.g. +01:00 or Z)")
        instant = instant.astimezone(UTC)
        if not 2000 <= instant.year < 2100:
            raise self.refuse(name, f"{text} is outside the years 2000 .. 2099")
        if instant.minute % 15 or instant.second or instant.microsecond:
            raise self.refuse(name, f"{text} is not the start of a quarter-hour")
        if instant + QUARTER_HOUR > now:
            raise self.refuse(name, f"{text}: an interval in the future (or not over yet)")
        return instant
