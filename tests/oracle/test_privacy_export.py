"""The rights of access and portability (issue 10): `oracle members export` writes everything the platform holds
about a person as JSON (decrypted personal fields, devices with every reading, anomalies, corrections, rewards),
readable by its owner only; once the person is forgotten it says plainly that nothing is left, and when."""

import contextlib
import io
import json
import stat

import pytest

from oracle.cli import main as oracle_main
from oracle.epochs.runner import run_epoch
from oracle.privacy.forget import forget_member
from oracle.takeout import build_takeout

from .builders import BRUNO, END, EXPECTED, INDEX, START, devices_prefix, quiet
from .privacy_builders import CONFLICTING, DISTINCTIVE, READING_COUNT, community_with_zerlina


def cli(ctx, *args) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = oracle_main(["--home", str(ctx.settings.home), *map(str, args)])
    return code, out.getvalue()


@pytest.fixture(scope="module")
def community(base_ctx, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    name, person = community_with_zerlina(base_ctx, folder)
    run_epoch(base_ctx, name, START, END, progress=False, log=quiet)
    return name, person, folder


def test_a_live_members_export_holds_their_decrypted_data_readings_and_rewards(ctx, community):
    name, _person, folder = community
    out = folder / "bruno.json"
    code, said = cli(ctx, "members", "export", "--wallet", BRUNO, "--community", name, "--out", out)
    assert code == 0 and said == f"export written to {out} (readable by its owner only)\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and not out.with_name("bruno.json.partial").exists()
    doc = json.loads(out.read_text())
    assert doc["format"] == "lec-member-export-v1" and doc["nothingLeft"] is False and doc["erased"] == []
    assert [(p["name"], p["email"], p["fiscalCode"]) for p in doc["person"]] == [
        ("Bruno Bianchi", "bruno@example.org", None)
    ]
    (membership,) = doc["memberships"]
    assert (membership["community"], membership["kind"], membership["profile"]) == (name, "citizen", "prosumer")
    p = devices_prefix(name)
    # his load meter and his PV meter, 4 quarter-hours each (builders.READINGS_CSV)
    assert {d["deviceid"]: d["readingCount"] for d in membership["devices"]} == {f"{p}B-M": 4, f"{p}B-PV": 4}
    pv = next(d for d in membership["devices"] if d["deviceid"] == f"{p}B-PV")
    assert [r["energyWh"] for r in pv["readings"]] == [-600, -200, 0, -1000]
    assert pv["readings"][0]["ts"] == "2026-10-01T00:00:00+00:00"
    (reward,) = membership["rewards"]
    takeout = build_takeout(ctx, name, 1, BRUNO)
    assert (reward["epoch"], reward["leafIndex"], int(reward["amount"]), reward["paid"]) == (
        1,
        INDEX[BRUNO],
        EXPECTED[BRUNO],
        True,
    )
    assert (reward["dataHash"], reward["salt"]) == (takeout["dataHash"], takeout["salt"]) and reward["paidTx"]


def test_the_export_holds_every_personal_field_anomaly_and_correction(ctx, community):
    name, person, _folder = community
    doc = _export_of(ctx, person.wallet, community)
    (record,) = doc["person"]
    assert (record["name"], record["surname"], record["fiscalCode"], record["address"], record["email"]) == (
        person.name,
        person.surname,
        person.fiscal_code,
        person.address,
        person.email,
    )
    (device,) = doc["memberships"][0]["devices"]
    assert device["readingCount"] == READING_COUNT
    assert [r["energyWh"] for r in device["readings"][4:]] == [float(v) for v in DISTINCTIVE]
    assert [(a["kind"], CONFLICTING in a["reason"]) for a in device["anomalies"]] == [("conflicting_duplicate", True)]
    assert [(c["newEnergyWh"], c["reason"]) for c in device["corrections"]] == [(float(DISTINCTIVE[0]), person.reason)]
    # wallets in address order: 0x…a1, 0x…b2, 0x…c3, then hers (0x…5ec0…); she consumed nothing in epoch 1
    assert [(r["leafIndex"], r["amount"]) for r in doc["memberships"][0]["rewards"]] == [(3, "0")]


def _export_of(ctx, wallet: str, community) -> dict:
    out = community[2] / f"{wallet}.json"
    code, said = cli(ctx, "members", "export", "--wallet", wallet, "--out", out)
    assert code == 0, said
    return json.loads(out.read_text())


def test_the_export_of_a_forgotten_person_says_nothing_is_left_and_when(ctx, community):
    name, person, _folder = community
    leaf = _export_of(ctx, person.wallet, community)["memberships"][0]["rewards"][0]
    result = forget_member(ctx, person.wallet, None, "asked at the front desk", "operator")
    doc = _export_of(ctx, person.wallet, community)
    erased_on = result.erased_at.strftime("%Y-%m-%d %H:%M UTC")
    assert doc["nothingLeft"] is True and doc["person"] == [] and doc["memberships"] == []
    assert doc["message"].startswith(
        f"nothing left: the personal data and readings of {person.wallet} were erased on {erased_on} (right to be "
        "forgotten)"
    )
    (erased,) = doc["erased"]
    assert (erased["community"], erased["erasedAt"]) == (name, erased_on)
    # what stays is the leaf the chain holds anyway: index, amount, data hash; no salt, no KPIs, no reading
    assert erased["leavesKept"] == [{k: leaf[k] for k in erased["leavesKept"][0]}]
    assert set(erased["leavesKept"][0]) == {
        "epoch",
        "status",
        "period",
        "leafIndex",
        "amount",
        "dataHash",
        "paid",
        "paidTx",
    }
    text = json.dumps(doc)
    assert all(value not in text for value in [*person.plain_values, *DISTINCTIVE])


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--wallet", "0xnope"], "error: --wallet: '0xnope' is not an Ethereum address"),
        (["--wallet", "0x" + "cd" * 20], "is not a member of any community in the database"),
    ],
)
def test_a_refused_export_writes_no_file(ctx, community, capsys, args, says):
    out = community[2] / "refused.json"
    assert oracle_main(["--home", str(ctx.settings.home), "members", "export", *args, "--out", str(out)]) == 2
    assert says in capsys.readouterr().err and not out.exists()


def test_an_export_into_a_folder_is_refused(ctx, community, capsys):
    folder = community[2]
    assert (
        oracle_main(["--home", str(ctx.settings.home), "members", "export", "--wallet", BRUNO, "--out", str(folder)])
        == 2
    )
    assert capsys.readouterr().err.startswith(f"error: --out {folder} is a folder")
