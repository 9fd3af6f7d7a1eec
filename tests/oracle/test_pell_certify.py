"""PELL-IP certification against the real chain: hashes worked out by hand, re-runs, changed records, tampering,
crash between send and record."""

from __future__ import annotations

import itertools
from datetime import UTC
from pathlib import Path

import pytest
from eth_utils import keccak
from sqlalchemy import select, update

from oracle.db.schema import ChainTransaction, PellCertification, PellConsumption, PellLamp, PellPlant
from oracle.pell.certify import certify
from oracle.pell.chain import certification_count, certifications, latest_monthly_ids, latest_static_ids
from oracle.pell.importer import import_file
from oracle.pell.verify import check_records

_codes = itertools.count(900001)
PLANTS_HEADER = (
    "istat_code,plant_code,pod,latitude,longitude,electrical_panel,control_system,technology,unit_power_w,count\n"
)


def new_code() -> str:
    return str(next(_codes))


def load(ctx, tmp_path: Path, name: str, text: str, fmt: str = "csv"):
    path = tmp_path / name
    path.write_text(text)
    return import_file(ctx, path, fmt)


def tiny_municipality(ctx, tmp_path: Path, code: str) -> None:
    """One municipality, plant P1 (10 LED of 35 W and 2 HPS of 100.5 W), P1's March 2026 as one monthly figure
    and P2's two quarter-hours of it."""
    load(ctx, tmp_path, "m.csv", f"istat_code,name,province,region\n{code},Testville {code},GE,Liguria\n")
    load(
        ctx,
        tmp_path,
        "p.csv",
        PLANTS_HEADER
        + f"{code},P1,IT001E00000001,44.4071,8.9339,QE-1,,LED,35,10\n"
        + f"{code},P1,IT001E00000001,44.4071,8.9339,QE-1,,HPS,100.5,2\n"
        + f"{code},P2,it001e00000002,44.40805,8.93,,dimming 50% 0-5,LED,40,3\n",
    )
    load(
        ctx,
        tmp_path,
        "c.csv",
        "istat_code,plant_code,period,kwh\n"
        f"{code},P1,2026-03,123.456\n"
        f"{code},P2,2026-03-10T20:00:00+01:00,0.25\n"
        f"{code},P2,2026-03-10T20:15:00+01:00,0.125\n",
    )


P1_CANONICAL = (
    "municipality={code}\nplant=P1\npod=IT001E00000001\nlatitude=44.407100\nlongitude=8.933900\n"
    "panel=QE-1\ncontrol=\nlamp=HPS,100.50,2\nlamp=LED,35.00,10\n"
)
# March 2026 starts at 2026-03-01 00:00 in Italy (CET, +01:00) = 2026-02-28T23:00:00Z
MARCH_CANONICAL = (
    "P1,2026-02-28T23:00:00Z,month,123.456\nP2,2026-03-10T19:00:00Z,15min,0.250\nP2,2026-03-10T19:15:00Z,15min,0.125\n"
)


def test_static_and_monthly_certifications_carry_the_hand_worked_hashes(ctx, tmp_path):
    code = new_code()
    tiny_municipality(ctx, tmp_path, code)
    summary = certify(ctx, code, progress=False)
    assert len(summary.certified) == 3  # P1, P2, March
    (p1_id,) = latest_static_ids(ctx, [(code, "P1")])
    (march_id,) = latest_monthly_ids(ctx, [(code, 202603)])
    p1, march = (certifications(ctx, [p1_id, march_id])[i] for i in (p1_id, march_id))
    assert p1.dataset_hash == keccak(P1_CANONICAL.format(code=code).encode())
    assert (p1.kind, p1.municipality_code, p1.plant_id, p1.schema_version, p1.previous_id) == (
        "static",
        code,
        "P1",
        1,
        0,
    )
    assert march.dataset_hash == keccak(MARCH_CANONICAL.encode())
    assert (march.month, march.consumption_wh, march.measurements) == (202603, 123456 + 250 + 125, 3)
    with ctx.session() as s:
        row = s.scalar(select(PellCertification).where(PellCertification.certification_id == march_id))
        assert (row.kind, row.month.isoformat(), int(row.consumption_wh), row.dataset_hash) == (
            "monthly",
            "2026-03-01",
            123831,
            keccak(MARCH_CANONICAL.encode()),
        )
        assert row.tx_hash.startswith("0x") and row.certified_at == march.certified_at


def test_a_rerun_certifies_nothing_and_verify_says_certified(ctx, tmp_path):
    code = new_code()
    tiny_municipality(ctx, tmp_path, code)
    certify(ctx, code, progress=False)
    before = certification_count(ctx)
    again = certify(ctx, code, progress=False)
    assert again.certified == [] and again.up_to_date == 3
    assert certification_count(ctx) == before
    checks = check_records(ctx, code)
    assert [(c.kind, c.plant_code, c.month, c.state) for c in checks] == [
        ("static", "P1", None, "certified"),
        ("static", "P2", None, "certified"),
        ("monthly", None, "2026-03", "certified"),
    ]
    assert all(c.tx_hash and c.certification_id and c.certified_at for c in checks)


def test_a_changed_plant_is_certified_again_linked_to_the_previous_certification(ctx, tmp_path):
    code = new_code()
    tiny_municipality(ctx, tmp_path, code)
    certify(ctx, code, progress=False)
    (first,) = latest_static_ids(ctx, [(code, "P1")])
    # 2 HPS lamps replaced by 2 LED of 35 W: P1's lamps become one group of 12
    load(ctx, tmp_path, "p2.csv", PLANTS_HEADER + f"{code},P1,IT001E00000001,44.4071,8.9339,QE-1,,LED,35,12\n")
    [check] = check_records(ctx, code, "P1")
    assert check.state == "changed" and check.certification_id == first
    assert check.detail.endswith(": lamps differ")
    summary = certify(ctx, code, progress=False)
    assert [(i.kind, i.plant_code) for i, _ in summary.certified] == [("static", "P1")]
    (second,) = latest_static_ids(ctx, [(code, "P1")])
    cert = certifications(ctx, [second])[second]
    assert cert.previous_id == first
    expected = P1_CANONICAL.format(code=code).replace("lamp=HPS,100.50,2\nlamp=LED,35.00,10\n", "lamp=LED,35.00,12\n")
    assert cert.dataset_hash == keccak(expected.encode())
    with ctx.session() as s:
        assert (
            s.scalar(
                select(PellCertification.previous_certification_id).where(PellCertification.certification_id == second)
            )
            == first
        )


def test_tampering_with_one_value_is_found_and_verify_exits_non_zero(ctx, tmp_path, capsys):
    from oracle.cli import main

    code = new_code()
    tiny_municipality(ctx, tmp_path, code)
    certify(ctx, code, progress=False)
    home = ["--home", str(ctx.settings.home)]
    assert main([*home, "pell", "verify", "--municipality", code]) == 0
    with ctx.session() as s:
        plant = s.scalar(
            select(PellPlant)
            .where(
                PellPlant.plant_code == "P2", PellPlant.pod == "IT001E00000002", PellPlant.source_file.like("%p.csv")
            )
            .order_by(PellPlant.id.desc())
        )
        s.execute(
            update(PellConsumption)
            .where(PellConsumption.plant_id == plant.id, PellConsumption.kwh == 0.125)
            .values(kwh=0.126)
        )
        s.execute(update(PellLamp).where(PellLamp.plant_id == plant.id).values(count=4))
    capsys.readouterr()
    assert main([*home, "pell", "verify", "--municipality", code]) == 2
    out, err = capsys.readouterr()
    assert f"plant P2 of Testville {code} ({code}): changed since certification on " in out
    assert "lamps differ" in out
    assert "2026-03: changed since certification on" in out and "123.831 kWh from 3" in out and "123.832 kWh" in out
    assert err.strip() == "error: 2 of 3 records changed since their certification, 0 never certified"


class Crash(Exception):
    pass


def test_a_crash_between_send_and_record_is_resumed_without_a_second_certification(ctx, tmp_path):
    code = new_code()
    tiny_municipality(ctx, tmp_path, code)

    def crash(tx_hash):
        raise Crash(tx_hash)

    before = certification_count(ctx)
    with pytest.raises(Crash) as crashed:
        certify(ctx, code, progress=False, after_sent=crash)
    with ctx.session() as s:
        assert (
            s.scalar(select(ChainTransaction.status).where(ChainTransaction.tx_hash == crashed.value.args[0])) == "sent"
        )
        assert s.scalar(select(PellCertification).where(PellCertification.tx_hash == crashed.value.args[0])) is None
    summary = certify(ctx, code, progress=False)
    assert summary.resumed == 1 and len(summary.certified) == 2
    assert certification_count(ctx) == before + 3
    with ctx.session() as s:
        assert s.scalar(select(PellCertification).where(PellCertification.tx_hash == crashed.value.args[0])) is not None
    assert {c.state for c in check_records(ctx, code)} == {"certified"}


def test_a_second_certification_run_at_the_same_time_stops_at_once(ctx):
    from oracle.errors import AlreadyRunning
    from oracle.pell.lock import certification_lock

    with certification_lock(ctx), pytest.raises(AlreadyRunning, match="another PELL-IP certification is running"):
        certify(ctx, progress=False)


def test_a_recorded_certification_the_chain_never_had_is_marked_dropped_and_its_record_certified(ctx, tmp_path):
    code = new_code()
    tiny_municipality(ctx, tmp_path, code)
    lost = "0x" + keccak(text=f"lost {code}").hex()
    with ctx.session() as s:  # a run that recorded the hash, then the chain lost the transaction
        s.add(ChainTransaction(tx_hash=lost, kind="pell_static", status="sent", detail={"municipality": code}))
    messages = []
    summary = certify(ctx, code, progress=False, log=messages.append)
    assert summary.resumed == 0 and len(summary.certified) == 3
    assert messages == [f"certification {lost} was never mined: its record is certified again if still due"]
    with ctx.session() as s:
        assert s.scalar(select(ChainTransaction.status).where(ChainTransaction.tx_hash == lost)) == "dropped"


def test_a_month_in_progress_is_neither_certified_nor_checked(ctx, tmp_path):
    from datetime import datetime

    code = new_code()
    tiny_municipality(ctx, tmp_path, code)
    mid_march = datetime(2026, 3, 15, tzinfo=UTC)  # March 2026 still in progress
    summary = certify(ctx, code, progress=False, now=mid_march)
    assert sorted((i.kind, i.plant_code) for i, _ in summary.certified) == [("static", "P1"), ("static", "P2")]
    assert latest_monthly_ids(ctx, [(code, 202603)]) == [0]
    assert [c.kind for c in check_records(ctx, code, now=mid_march)] == ["static", "static"]
    # March ends at 2026-03-31T22:00:00Z (midnight in Italy, summer time): from then on it is certified
    summary = certify(ctx, code, progress=False, now=datetime(2026, 3, 31, 22, 0, tzinfo=UTC))
    assert [(i.kind, i.month.isoformat()) for i, _ in summary.certified] == [("monthly", "2026-03-01")]


def test_a_certification_the_database_lost_is_adopted_from_the_chain_events(ctx, tmp_path):
    from sqlalchemy import delete

    code = new_code()
    tiny_municipality(ctx, tmp_path, code)
    certify(ctx, code, progress=False)
    (p1_id,) = latest_static_ids(ctx, [(code, "P1")])
    with ctx.session() as s:
        row = s.scalar(select(PellCertification).where(PellCertification.certification_id == p1_id))
        tx_hash, block = row.tx_hash, row.block_number
        s.execute(delete(PellCertification).where(PellCertification.certification_id == p1_id))
    [check] = check_records(ctx, code, "P1")
    assert (check.state, check.certification_id, check.tx_hash) == ("certified", p1_id, tx_hash)
    with ctx.session() as s:
        row = s.scalar(select(PellCertification).where(PellCertification.certification_id == p1_id))
        assert (row.tx_hash, row.block_number, row.kind) == (tx_hash, block, "static")
    assert certify(ctx, code, progress=False).certified == []
