"""Reading PELL-IP records from the database: municipalities, plants' static records, months' measurements."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from oracle.db.schema import PellConsumption, PellLamp, PellMunicipality, PellPlant
from oracle.errors import OracleError
from oracle.pell.canonical import Measurement, MonthlyDataset, StaticRecord, monthly_dataset
from oracle.pell.months import TIME_ZONE, is_complete, month_end, month_start


def municipality_by_code(s, code: str) -> PellMunicipality:
    found = s.scalar(select(PellMunicipality).where(PellMunicipality.istat_code == code))
    if found is None:
        raise OracleError(
            f"no municipality with ISTAT code {code!r}: import it first "
            "(oracle pell import --format csv municipalities.csv)"
        )
    return found


def municipalities(s, code: str | None = None) -> list[PellMunicipality]:
    if code is not None:
        return [municipality_by_code(s, code)]
    return list(s.scalars(select(PellMunicipality).order_by(PellMunicipality.istat_code)))


def plant_by_code(s, municipality: PellMunicipality, plant_code: str) -> PellPlant:
    found = s.scalar(
        select(PellPlant).where(PellPlant.municipality_id == municipality.id, PellPlant.plant_code == plant_code)
    )
    if found is None:
        raise OracleError(f"{municipality.name} ({municipality.istat_code}) has no plant {plant_code!r}")
    return found


def static_record(s, municipality: PellMunicipality, plant: PellPlant) -> StaticRecord:
    lamps = s.execute(
        select(PellLamp.technology, PellLamp.unit_power_w, PellLamp.count).where(PellLamp.plant_id == plant.id)
    ).all()
    return StaticRecord(
        municipality.istat_code,
        plant.plant_code,
        plant.pod,
        plant.latitude,
        plant.longitude,
        plant.electrical_panel,
        plant.control_system,
        tuple(tuple(lamp) for lamp in lamps),
    )


def plants(s, municipality: PellMunicipality, plant_code: str | None = None) -> list[PellPlant]:
    if plant_code is not None:
        return [plant_by_code(s, municipality, plant_code)]
    return list(
        s.scalars(select(PellPlant).where(PellPlant.municipality_id == municipality.id).order_by(PellPlant.plant_code))
    )


def months_with_data(s, municipality: PellMunicipality, now: datetime) -> list[date]:
    """The complete months (over by `now`) in which the municipality has measurements."""
    local = func.timezone(str(TIME_ZONE), PellConsumption.period_start)
    starts = s.scalars(
        select(func.date_trunc("month", local))
        .distinct()
        .join(PellPlant, PellPlant.id == PellConsumption.plant_id)
        .where(PellPlant.municipality_id == municipality.id)
    )
    months = sorted({date(m.year, m.month, 1) for m in starts})
    return [m for m in months if is_complete(m, now)]


def month_dataset(s, municipality: PellMunicipality, month: date) -> MonthlyDataset:
    rows = s.execute(
        select(PellPlant.plant_code, PellConsumption.period_start, PellConsumption.resolution, PellConsumption.kwh)
        .join(PellPlant, PellPlant.id == PellConsumption.plant_id)
        .where(
            PellPlant.municipality_id == municipality.id,
            PellConsumption.period_start >= month_start(month),
            PellConsumption.period_start < month_end(month),
        )
    ).all()
    return monthly_dataset(municipality.istat_code, month, (Measurement(*row) for row in rows))
