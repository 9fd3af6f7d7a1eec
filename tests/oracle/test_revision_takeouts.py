"""Take-outs of a corrected epoch: a revision's take-out (its root, the member's top-up leaf, the corrected
readings and the arithmetic previousReward / reward / topUp / debt) verifies against the chain, in Python and
with @openzeppelin/merkle-tree; the original's take-out still verifies; the next epoch's leaf that paid off a
debt states reward and debtDeducted; `oracle epoch show` lists the revision and what changed per member.

State, by `oracle epoch correct` itself (tests/oracle/test_epoch_corrections.py works the numbers out): the
builders' hour paid Anna 0.5, Bruno 0.883333, the shop 0.566666 tokens; the corrected readings give Anna 0.2
(a debt of 0.3), Bruno 0.883333 (unchanged), the shop 0.866666 (a top-up of 0.3, pushed on-chain). The next
hour rewards Anna 0.5 again: her leaf deducts the 0.3 and pays 0.2.
"""

from __future__ import annotations

import copy
import json

import pytest
from eth_utils import keccak
from sqlalchemy import delete, select, update

from oracle.communities import get_community
from oracle.db.schema import Epoch, EpochRevision
from oracle.epochs.revisions import correct_epoch, reason_hash
from oracle.epochs.runner import run_epoch
from oracle.errors import OracleError
from oracle.ingest.loader import ingest_file
from oracle.privacy.forget import forget_member
from oracle.takeout import export_takeout, verify_takeout_file

from .builders import (
    ANNA,
    BRUNO,
    END,
    EXPECTED,
    INDEX,
    READINGS_CSV,
    SHOP,
    START,
    challenge_window,
    devices_prefix,
    quiet,
    small_community,
)
from .conftest import write
from .test_takeout import cli, node_verifies

E12 = 10**12
REASON = "DSO re-read meters A-M and C-M for 2026-10-01"
CORRECTION_CSV = (
    "deviceid,timestamp,energy\n{p}A-M,2026-10-01T02:00:00+02:00,100\n{p}C-M,2026-10-01T02:45:00+02:00,800\n"
)
SHOP_REVISION = {
    "number": 1,
    "previousReward": str(566_666 * E12),
    "reward": str(866_666 * E12),
    "topUp": str(300_000 * E12),
    "debt": "0",
}
ANNA_REVISION = {
    "number": 1,
    "previousReward": str(500_000 * E12),
    "reward": str(200_000 * E12),
    "topUp": "0",
    "debt": str(300_000 * E12),
}


@pytest.fixture(scope="module")
def corrected(base_ctx, tmp_path_factory):
    """Epoch 1 paid, corrected (revision 1: the shop topped up, Anna in debt), epoch 2 run (Anna's debt paid
    off); the take-outs of the shop and Anna in revision 1, of Bruno in epoch 1 and of Anna in epoch 2."""
    ctx, folder = base_ctx, tmp_path_factory.mktemp("revision-takeout")
    name = small_community(ctx, folder)
    run_epoch(ctx, name, START, END, progress=False, log=quiet)
    p = devices_prefix(name)
    ingest_file(ctx, name, write(folder / "fix.csv", CORRECTION_CSV.format(p=p)), correction=True, reason=REASON)
    correct_epoch(ctx, name, 1, REASON, progress=False, log=quiet)
    shifted = READINGS_CSV.format(p=p).replace("T02:", "T03:")
    ingest_file(ctx, name, write(folder / "hour2.csv", shifted))
    run_epoch(ctx, name, "2026-10-01T01:00:00+00:00", "2026-10-01T02:00:00+00:00", progress=False, log=quiet)
    files = {
        "shop r1": export_takeout(ctx, name, 1, SHOP, folder / "shop-r1.json", revision=1).path,
        "anna r1": export_takeout(ctx, name, 1, ANNA, folder / "anna-r1.json", revision=1).path,
        "bruno e1": export_takeout(ctx, name, 1, BRUNO, folder / "bruno-e1.json").path,
        "anna e2": export_takeout(ctx, name, 2, ANNA, folder / "anna-e2.json").path,
    }
    return name, files


def doc_of(corrected, which: str) -> dict:
    return json.loads(corrected[1][which].read_text())


def test_a_revision_take_out_is_the_epoch_document_with_the_top_up_leaf_and_a_revision_object(ctx, corrected):
    name, _files = corrected
    shop = doc_of(corrected, "shop r1")
    revision = ctx.chain.revision(get_community(ctx, name).token_address, 1, 1)
    assert shop["format"] == "lec-takeout-v2" and shop["epoch"] == 1
    assert shop["revision"] == {
        **SHOP_REVISION,
        "reasonHash": reason_hash(REASON),
        "datasetHash": shop["revision"]["datasetHash"],
    }
    assert shop["root"] == revision.merkle_root_hex
    assert shop["index"] == INDEX[SHOP] and shop["amount"] == str(300_000 * E12)
    assert shop["leaf"]["value"] == [str(INDEX[SHOP]), SHOP, str(300_000 * E12), shop["dataHash"]]
    # the corrected reading: the shop's 00:45 quarter-hour is 800 Wh, no longer 500
    p = devices_prefix(name)
    assert {"deviceid": f"{p}C-M", "ts": "2026-10-01T00:45:00Z", "energy": "800.000"} in shop["readings"]
    anna = doc_of(corrected, "anna r1")
    assert anna["revision"]["previousReward"] == ANNA_REVISION["previousReward"]
    assert {k: anna["revision"][k] for k in ANNA_REVISION} == ANNA_REVISION
    assert anna["amount"] == "0" and anna["leaf"]["value"][2] == "0"
    assert {"deviceid": f"{p}A-M", "ts": "2026-10-01T00:00:00Z", "energy": "100.000"} in anna["readings"]
    # the original epoch's take-out has no revision and still the original readings
    bruno = doc_of(corrected, "bruno e1")
    assert "revision" not in bruno and "debtDeducted" not in bruno and bruno["amount"] == str(EXPECTED[BRUNO])


@pytest.mark.parametrize("which", ["shop r1", "anna r1", "bruno e1", "anna e2"])
def test_every_take_out_of_the_corrected_epoch_verifies(ctx, corrected, which, capsys):
    path = corrected[1][which]
    result = verify_takeout_file(ctx, path)
    assert result.ok, result.lines
    assert cli(ctx, "verify", path) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("OK: every field of the file matches the chain")
    print("\n".join(result.lines))


def altered(doc: dict, field: str) -> dict:
    doc = copy.deepcopy(doc)
    part = doc.get("revision")
    if field in ("topUp", "reward", "previousReward"):
        part[field] = str(int(part[field]) + 1)
    elif field == "debt":
        part["debt"] = str(int(part["debt"]) + 1)
    elif field == "revision.number":
        part["number"] = 2
    elif field in ("reasonHash", "datasetHash"):
        part[field] = "0x" + "55" * 32
    elif field == "readings":
        doc["readings"][0]["energy"] = "101.000"
    elif field == "root (the epoch's)":
        doc["root"] = None
    elif field in ("epoch reward", "debtDeducted"):
        key = "reward" if field == "epoch reward" else "debtDeducted"
        doc[key] = str(int(doc[key]) + 1)
    return doc


# (file, altered field) -> the field the first FAIL names, and what it says
NAMED = {
    ("shop r1", "topUp"): ("revision.topUp", f"the file says {300_000 * E12 + 1}, the leaf (amount) pays a top-up"),
    ("shop r1", "reward"): (
        "revision.reward or revision.previousReward",
        f"max(reward {866_666 * E12 + 1} − previousReward {566_666 * E12}, 0) is {300_000 * E12 + 1}, not the "
        f"committed topUp {300_000 * E12}: the reward or the previousReward was altered",
    ),
    ("shop r1", "previousReward"): (
        "revision.reward or revision.previousReward",
        f"is {300_000 * E12 - 1}, not the committed topUp",
    ),
    ("shop r1", "debt"): ("revision.debt", "is 0, not the file's debt 1"),
    ("anna r1", "debt"): (
        "revision.debt, revision.reward or revision.previousReward",
        f"is {300_000 * E12}, not the file's debt {300_000 * E12 + 1}",
    ),
    ("shop r1", "revision.number"): ("revision.number", "has no revision 2 on the notary (its latest is revision 1)"),
    ("shop r1", "reasonHash"): ("revision.reasonHash", "the file says 0x" + "55" * 32 + ", revision 1 was committed"),
    ("shop r1", "datasetHash"): ("revision.datasetHash", "the file says 0x" + "55" * 32),
    ("shop r1", "readings"): ("readings or salt", "the readings or the salt were altered"),
    ("anna r1", "readings"): ("readings, salt or dataHash", "the readings, the salt or the dataHash were altered"),
    ("anna e2", "epoch reward"): (
        "reward or debtDeducted",
        f"reward {500_000 * E12 + 1} − debtDeducted {300_000 * E12} is {200_000 * E12 + 1}, not the committed "
        f"amount {200_000 * E12}",
    ),
    ("anna e2", "debtDeducted"): ("reward or debtDeducted", f"is {200_000 * E12 - 1}, not the committed amount"),
}


@pytest.mark.parametrize(("which", "field"), list(NAMED))
def test_an_altered_revision_or_debt_field_fails_verify_naming_it(ctx, corrected, tmp_path, which, field, capsys):
    bad = write(tmp_path / "altered.json", json.dumps(altered(doc_of(corrected, which), field)))
    result = verify_takeout_file(ctx, bad)
    named, says = NAMED[(which, field)]
    assert not result.ok and result.failed_field == named, result.lines
    assert says in result.failure, result.failure
    assert cli(ctx, "verify", bad) == 2
    assert f"first at {named}: {result.failure}" in capsys.readouterr().err


def test_a_revision_file_against_the_epochs_root_fails_at_root(ctx, corrected, tmp_path):
    """The revision object is what sends the check to the revision's root: the epoch's root is not it."""
    shop = doc_of(corrected, "shop r1")
    epoch_root = doc_of(corrected, "bruno e1")["root"]
    shop["root"] = epoch_root
    result = verify_takeout_file(ctx, write(tmp_path / "r.json", json.dumps(shop)))
    assert result.failed_field == "root"
    assert result.failure.startswith(f"the file says {epoch_root}, the committed root of revision 1 is 0x")


@pytest.mark.parametrize("which", ["shop r1", "anna r1", "anna e2"])
def test_the_revision_and_debt_files_verify_with_openzeppelin_merkle_tree_in_node(ctx, corrected, tmp_path, which):
    path = corrected[1][which]
    assert node_verifies(tmp_path, path)
    doc = json.loads(path.read_text())
    doc["leaf"]["value"][2] = str(int(doc["leaf"]["value"][2]) + 1)  # a top-up one base unit higher
    assert not node_verifies(tmp_path, write(tmp_path / "more.json", json.dumps(doc)))


def test_a_debt_paid_off_is_stated_in_the_next_epochs_take_out(corrected):
    anna = doc_of(corrected, "anna e2")
    assert (anna["reward"], anna["debtDeducted"], anna["amount"]) == (
        str(500_000 * E12),
        str(300_000 * E12),
        str(200_000 * E12),
    )
    assert anna["leaf"]["value"][2] == str(200_000 * E12)
    assert "reward" not in doc_of(corrected, "bruno e1")


def test_a_file_made_before_revisions_still_parses_and_a_half_stated_debt_is_malformed(ctx, corrected, tmp_path):
    bruno = doc_of(corrected, "bruno e1")
    assert verify_takeout_file(ctx, corrected[1]["bruno e1"]).ok
    anna = doc_of(corrected, "anna e2")
    del anna["debtDeducted"]
    with pytest.raises(OracleError, match="reward is stated without debtDeducted"):
        verify_takeout_file(ctx, write(tmp_path / "half.json", json.dumps(anna)))
    shop = doc_of(corrected, "shop r1")
    del shop["revision"]["topUp"]
    with pytest.raises(OracleError, match=r"revision.topUp is missing"):
        verify_takeout_file(ctx, write(tmp_path / "no-top-up.json", json.dumps(shop)))
    bruno["revision"] = "1"
    with pytest.raises(OracleError, match="revision is malformed"):
        verify_takeout_file(ctx, write(tmp_path / "odd.json", json.dumps(bruno)))


def test_refused_revision_take_outs_say_why_and_write_nothing(ctx, corrected, tmp_path, capsys):
    name, _files = corrected
    out = tmp_path / "refused.json"
    with pytest.raises(OracleError, match=rf"epoch 1 of '{name}' has no revision 2 \(its revisions: 1\)$"):
        export_takeout(ctx, name, 1, SHOP, out, revision=2)
    with pytest.raises(OracleError, match=rf"epoch 2 of '{name}' has no revision 1 \(it has no revision\)$"):
        export_takeout(ctx, name, 2, SHOP, out, revision=1)
    stranger = "0x00000000000000000000000000000000000000d4"
    with pytest.raises(OracleError, match="0x00000000000000000000000000000000000000D4 has no leaf in revision 1"):
        export_takeout(ctx, name, 1, stranger, out, revision=1)
    epoch_id = _epoch_id(ctx, name, 1)
    with ctx.session() as s:  # a second revision computed but not committed: nothing on-chain to prove
        s.add(EpochRevision(epoch_id=epoch_id, number=2, status="running", reason="r2", reason_hash=reason_hash("r2")))
    try:
        with pytest.raises(OracleError, match=r"revision 2 of epoch 1 of .* is not committed on-chain yet \(status "):
            export_takeout(ctx, name, 1, SHOP, out, revision=2)
        with ctx.session() as s:
            s.execute(update(EpochRevision).where(EpochRevision.epoch_id == epoch_id).values(status="voided"))
        capsys.readouterr()
        argv = ["takeout", "--community", name, "--epoch", 1, "--member", SHOP, "--revision", 1, "--out", out]
        assert cli(ctx, *argv) == 2
        assert f"revision 1 of epoch 1 of '{name}' was voided on-chain: it pays nothing" in capsys.readouterr().err
    finally:
        with ctx.session() as s:
            s.execute(update(EpochRevision).where(EpochRevision.epoch_id == epoch_id).values(status="done"))
            s.execute(delete(EpochRevision).where(EpochRevision.epoch_id == epoch_id, EpochRevision.number == 2))
    assert not out.exists()
    with pytest.raises(SystemExit):
        cli(ctx, "takeout", "--community", name, "--epoch", 1, "--member", SHOP, "--revision", 0, "--out", out)
    assert "0 is not a revision number: revisions are numbered from 1" in capsys.readouterr().err


def _epoch_id(ctx, name: str, number: int) -> int:
    community = get_community(ctx, name)
    with ctx.session() as s:
        return s.scalar(select(Epoch.id).where(Epoch.community_id == community.id, Epoch.number == number))


def test_epoch_show_lists_the_revision_and_what_changed_per_member(ctx, corrected, capsys):
    name, _files = corrected
    capsys.readouterr()
    assert cli(ctx, "epoch", "show", "--community", name, "--epoch", 1, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    [revision] = report["revisions"]
    token = get_community(ctx, name).token_address
    assert {k: revision[k] for k in ("number", "status", "reason", "reasonHash", "leafCount")} == {
        "number": 1,
        "status": "done",
        "reason": REASON,
        "reasonHash": reason_hash(REASON),
        "leafCount": 3,
    }
    assert revision["merkleRoot"] == ctx.chain.revision(token, 1, 1).merkle_root_hex
    # top-ups 0.3 (the shop); recomputed total 0.2 + 0.883333 + 0.866666 = 1.949999
    assert (revision["extraReward"], revision["extraRewardTokens"]) == (str(300_000 * E12), "0.3")
    assert (revision["totalReward"], revision["totalRewardTokens"]) == (str(1_949_999 * E12), "1.949999")
    assert revision["commitTx"]["status"] == "mined" and revision["commitTx"]["hash"] in {
        t["hash"] for t in report["transactions"] if t["kind"] == "revision-commit"
    }
    changes = {
        m["wallet"]: (m["previousRewardTokens"], m["rewardTokens"], m["topUpTokens"], m["topUpState"], m["debtTokens"])
        for m in revision["members"]
    }
    assert changes == {
        ANNA: ("0.5", "0.2", "0", "none", "0.3"),
        BRUNO: ("0.883333", "0.883333", "0", "none", "0"),
        SHOP: ("0.566666", "0.866666", "0.3", "paid", "0"),
    }
    assert {m["wallet"]: m["changed"] for m in revision["members"]} == {ANNA: True, BRUNO: False, SHOP: True}
    assert {m["wallet"]: m["debtDeducted"] for m in report["members"]} == {ANNA: "0", BRUNO: "0", SHOP: "0"}

    assert cli(ctx, "epoch", "show", "--community", name, "--epoch", 1) == 0
    text = capsys.readouterr().out
    assert f"  revision 1 (done): {REASON}" in text
    assert "    total     1.949999 tokens recomputed; top-ups 0.3 tokens" in text
    rows = [line.split() for line in text.splitlines() if line.startswith("        ")]
    assert rows == [["0", ANNA, "0.5", "0.2", "0", "0.3"], ["2", SHOP, "0.566666", "0.866666", "0.3", "paid", "0"]]
    assert "    (1 member unchanged)" in text


def test_epoch_show_of_the_next_epoch_shows_the_debt_deducted(ctx, corrected, capsys):
    name, _files = corrected
    capsys.readouterr()
    assert cli(ctx, "epoch", "show", "--community", name, "--epoch", 2, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["revisions"] == []
    assert {m["wallet"]: (m["amount"], m["debtDeducted"]) for m in report["members"]} == {
        ANNA: (str(200_000 * E12), str(300_000 * E12)),
        BRUNO: (str(883_333 * E12), "0"),
        SHOP: (str(566_666 * E12), "0"),
    }
    assert cli(ctx, "epoch", "show", "--community", name, "--epoch", 2) == 0
    [anna] = [line for line in capsys.readouterr().out.splitlines() if ANNA in line]
    assert anna.split()[-4:] == ["yes", "(debt", "deducted", "0.3)"] and anna.split()[2] == "0.2"


BROWSER_CASES = [
    ("shop r1", None),
    ("anna r1", None),
    ("anna e2", None),
    ("bruno e1", None),
    *NAMED,
]


def test_the_browser_checks_revision_and_debt_files_as_oracle_verify_does(ctx, corrected, tmp_path):
    """The auditor page's checks (dapp_frontend/js/lib/takeout-check.js), run in node: the same lines, the same
    first failing part and the same sentence as `oracle verify`, for every file and alteration above."""
    from tests.dapp.test_takeout_js import oracle_verdict, platform_of, run_js

    cases = {
        f"{which} / {field}": json.dumps(
            altered(doc_of(corrected, which), field) if field else doc_of(corrected, which)
        )
        for which, field in BROWSER_CASES
    }
    answers = run_js(tmp_path, {"platform": platform_of(ctx), "cases": cases})
    for label, text in cases.items():
        expected = oracle_verdict(ctx, write(tmp_path / "case.json", text))
        got = answers[label]
        assert (got["ok"], got["failedPart"]) == (expected["ok"], expected["failedPart"]), (label, got, expected)
        assert got["lines"] == expected["lines"], label
        assert got["failure"] == expected["failure"], label
    assert ["ok", "verifyRevisionTakeout"] in answers["shop r1 / None"]["lines"]
    assert ["ok", "debtDeducted"] in answers["anna e2 / None"]["lines"]


def test_a_revision_voided_after_its_take_out_fails_at_revision_number_and_a_forgotten_one_is_refused(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    run_epoch(ctx, name, START, END, progress=False, log=quiet)
    p = devices_prefix(name)
    ingest_file(ctx, name, write(tmp_path / "fix.csv", CORRECTION_CSV.format(p=p)), correction=True, reason=REASON)
    with challenge_window(ctx, 3600):
        assert correct_epoch(ctx, name, 1, REASON, progress=False, log=quiet).status == "waiting"
    path = export_takeout(ctx, name, 1, SHOP, tmp_path / "shop-r1.json", revision=1).path
    result = verify_takeout_file(ctx, path)
    assert result.ok, result.lines
    assert f"ok   index: {INDEX[SHOP]}, one of revision 1's 3 leaves" in result.lines  # not paid yet: the proof
    token = get_community(ctx, name).token_address
    ctx.chain.send(ctx.chain.notary.functions.voidRevision(token, 1, 1, keccak(text="wrong file")), "community_admin")

    result = verify_takeout_file(ctx, path)
    assert (result.failed_field, result.failure) == (
        "revision.number",
        "revision 1 of epoch 1 was voided on-chain: it pays nothing and its commitment does not stand",
    )
    with pytest.raises(OracleError, match=rf"revision 1 of epoch 1 of '{name}' was voided on-chain: it pays nothing"):
        export_takeout(ctx, name, 1, SHOP, tmp_path / "again.json", revision=1)
    # a forgotten member's revision take-out is refused with the erasure, like an epoch's
    forget_member(ctx, ANNA, name, "asked to be forgotten", "test")
    with pytest.raises(OracleError, match=rf"the data of {ANNA} was erased on .* \(right to be forgotten\)"):
        export_takeout(ctx, name, 1, ANNA, tmp_path / "anna.json", revision=1)
