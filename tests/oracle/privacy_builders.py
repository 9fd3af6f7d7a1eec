"""A person to forget, with distinctive values to look for afterwards: the small community of builders.py plus
Zerlina, a consumer with her own wallet and e-mail (unique per call, so forgetting her touches no other test),
every personal field set, readings at numbers found nowhere else, an anomaly and a reading correction."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from eth_utils import to_checksum_address
from sqlalchemy import select

from oracle.communities import get_community
from oracle.db.schema import Device, Ingestion, ReadingCorrection, User
from oracle.ingest.loader import ingest_file
from oracle.members import import_members

from .builders import devices_prefix, quiet, small_community
from .conftest import write

_people = itertools.count(1)

# Zerlina's readings (Wh): none in the small community's hour 00:00-01:00 UTC (zeros: the others' rewards stay
# those of builders.EXPECTED), these in the next hour, and a conflicting second value for 01:00 (an anomaly).
DISTINCTIVE = ("4321.987", "8642.913", "2718.281", "3141.592")  # no other test writes these (a dump is scanned)
CONFLICTING = "9876.543"
CORRECTED_FROM = "5555.111"
READING_COUNT = 8  # 4 zeros + 4 distinctive


@dataclass
class Zerlina:
    wallet: str
    name: str
    email: str
    surname: str
    fiscal_code: str
    address: str
    reason: str  # the reading correction's, which names her

    @property
    def plain_values(self) -> list[str]:
        return [self.name, self.email, self.surname, self.fiscal_code, self.address, self.reason]


def new_person() -> Zerlina:
    n = next(_people)
    return Zerlina(
        wallet=to_checksum_address(f"0x{0x5EC0_0000 + n:040x}"),
        name=f"Zerlina{n:03d}",
        email=f"zerlina{n:03d}@forget.example",
        surname=f"Quattrocchi{n:03d}",
        fiscal_code=f"QTTZLN80A41H{n:03d}X",
        address=f"Via dei Ciclamini {n:03d}, Trento",
        reason=f"meter of Zerlina{n:03d} replaced",
    )


def community_with_zerlina(ctx, folder: Path) -> tuple[str, Zerlina]:
    """builders.small_community plus Zerlina (see the module)."""
    name = small_community(ctx, folder)
    person = new_person()
    meter = f"{devices_prefix(name)}Z-M"
    row = f"{person.wallet},{person.name},{person.email},citizen,consumer,{meter}"
    import_members(
        ctx, name, write(folder / "zerlina.csv", f"wallet,name,email,kind,profile,deviceid\n{row}\n"), log=quiet
    )
    times = [f"2026-10-01T{h:02d}:{m:02d}:00+02:00" for h in (2, 3) for m in (0, 15, 30, 45)]
    values = ["0"] * 4 + list(DISTINCTIVE)
    lines = "".join(f"{meter},{t},{v}\n" for t, v in zip(times, values))
    ingest_file(ctx, name, write(folder / "zerlina-readings.csv", "deviceid,timestamp,energy\n" + lines))
    conflict = f"deviceid,timestamp,energy\n{meter},{times[4]},{CONFLICTING}\n"
    ingest_file(ctx, name, write(folder / "zerlina-conflict.csv", conflict))
    _set_personal_fields_and_a_correction(ctx, name, person, meter)
    return name, person


def _set_personal_fields_and_a_correction(ctx, name: str, person: Zerlina, meter: str) -> None:
    """Fields the member file has no column for, as a registration form would store them (encrypted), and a
    reading correction of her meter."""
    cipher = ctx.cipher
    with ctx.session() as s:
        user = s.scalar(select(User).where(User.email_hmac == cipher.email_hmac(person.email)))
        user.surname_enc = cipher.encrypt(person.surname)
        user.fiscal_code_enc = cipher.encrypt(person.fiscal_code)
        user.address_enc = cipher.encrypt(person.address)
        device = s.scalar(select(Device).where(Device.deviceid == meter))
        latest = s.scalar(
            select(Ingestion.id)
            .where(Ingestion.community_id == get_community(ctx, name).id)
            .order_by(Ingestion.id.desc())
        )
        s.add(
            ReadingCorrection(
                ingestion_id=latest,
                device_id=device.id,
                ts=datetime(2026, 10, 1, 1, 0, tzinfo=UTC),
                old_energy=float(CORRECTED_FROM),
                new_energy=float(DISTINCTIVE[0]),
                old_ingestion_id=latest,
                file_name="zerlina-fix.csv",
                file_sha256="0" * 64,
                line=2,
                reason=person.reason,
            )
        )
