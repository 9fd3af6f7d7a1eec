"""Take-out proofs: an untouched file verifies against the chain field by field; any altered field fails, naming
that field; only a commitment that stands on-chain is taken out; a missing --out folder is made and said."""

import copy
import json
import subprocess
from pathlib import Path

import pytest

from oracle.cli import main as oracle_main
from oracle.communities import create_community, get_community
from oracle.epochs.runner import SimulatedCrash, run_epoch
from oracle.errors import OracleError
from oracle.ingest.loader import ingest_file
from oracle.members import import_members
from oracle.merkle import REWARD_LEAF_ENCODING_V1, StandardMerkleTree
from oracle.model_registry import publish_model
from oracle.takeout import export_takeout, verify_takeout_file

from .builders import (
    ANNA,
    BRUNO,
    END,
    EXPECTED,
    INDEX,
    MEMBERS_CSV,
    READINGS_CSV,
    SHOP,
    START,
    challenge_window,
    devices_prefix,
    quiet,
    small_community,
)
from .conftest import unique_name, write

ROOT = Path(__file__).resolve().parents[2]


def cli(ctx, *args) -> int:
    return oracle_main(["--home", str(ctx.settings.home), *map(str, args)])


@pytest.fixture(scope="module")
def made(base_ctx, tmp_path_factory):
    """Bruno's take-out of a real epoch, committed and paid on the session's anvil (verification only reads)."""
    folder = tmp_path_factory.mktemp("takeout")
    name = small_community(base_ctx, folder)
    run_epoch(base_ctx, name, START, END, progress=False, log=quiet)
    path = export_takeout(base_ctx, name, 1, BRUNO, folder / "bruno.json").path
    return name, path, json.loads(path.read_text())


@pytest.fixture
def takeout(made):
    return made


def test_takeout_holds_the_readings_salt_leaf_and_proof(ctx, takeout):
    name, _path, doc = takeout
    p = devices_prefix(name)
    assert doc["member"] == BRUNO and int(doc["amount"]) == EXPECTED[BRUNO]
    # Bruno's 8 readings, in canonical order (device, then time), UTC, Wh with 3 decimals
    assert doc["readings"][:2] == [
        {"deviceid": f"{p}B-M", "ts": "2026-10-01T00:00:00Z", "energy": "200.000"},
        {"deviceid": f"{p}B-M", "ts": "2026-10-01T00:15:00Z", "energy": "100.000"},
    ]
    assert [r["energy"] for r in doc["readings"][4:]] == ["-600.000", "-200.000", "0.000", "-1000.000"]
    assert doc["format"] == "lec-takeout-v2" and doc["index"] == INDEX[BRUNO] == 1
    assert len(doc["salt"]) == 66
    assert doc["leaf"]["value"] == ["1", BRUNO, str(EXPECTED[BRUNO]), doc["dataHash"]]
    assert doc["leaf"]["encoding"] == ["uint256", "address", "uint256", "bytes32"]
    assert doc["model"] == {
        "id": "self_consumption",
        "version": 1,
        "effectiveFrom": "1970-01-01T00:00:00+00:00",
        "params": {"alpha_consumer": 1.0, "alpha_producer": 0.5},
    }
    assert doc["period"] == {
        "start": "2026-10-01T00:00:00+00:00",
        "end": "2026-10-01T01:00:00+00:00",
        "dataStart": "2026-10-01T00:00:00+00:00",
    }
    assert doc["notary"] == ctx.chain.notary.address and doc["chainId"] == 31337
    assert doc["community"] == {"name": name, "token": ctx.chain.manifest["communities"][name]["address"]}


CHECKED = [
    "chainId",
    "notary",
    "community.token",
    "community.name",
    "epoch",
    "period.start",
    "period.end",
    "period.dataStart",
    "model.id",
    "model.version",
    "model.effectiveFrom",
    "model.params.alpha_consumer",
    "model.params.alpha_producer",
    "root",
    "index",
    "member",
    "amount",
    "dataHash",
    "readings or salt",
    "leaf.value",
    "leaf.hash",
    "proof",
    "verifyTakeout",
]


def test_untouched_file_verifies_every_field(ctx, takeout, capsys):
    _name, path, _doc = takeout
    result = verify_takeout_file(ctx, path)
    assert result.ok, result.lines
    checked = [line.split(":")[0] for line in result.lines if not line.startswith("info")]
    assert checked == [f"ok   {name}" for name in CHECKED]
    assert [line for line in result.lines if line.startswith("info")] == [
        "info canonicalization: the file's description of the rule, the oracle's own"
    ]
    # the leaf as the payment carried it to the notary
    assert f"ok   amount: {EXPECTED[BRUNO]} = leaf 1 as the pushRewards 0x" in "\n".join(result.lines)
    assert cli(ctx, "verify", path) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[: len(result.lines)] == result.lines
    assert out.splitlines()[-1].startswith("OK: every field of the file matches the chain")


def look_alike_notary(ctx) -> str:
    """A contract that answers every call exactly as the platform's notary does (it forwards each call with
    STATICCALL and returns or reverts with the answer): it holds no commitment of its own."""
    target = bytes.fromhex(ctx.chain.notary.address[2:])
    runtime = bytes.fromhex("365f5f375f5f365f73") + target + bytes.fromhex("5afa3d5f5f3e6029573d5ffd5b3d5ff3")
    assert runtime[0x29] == 0x5B  # the JUMPDEST the success branch jumps to
    init = bytes.fromhex(f"60{len(runtime):02x}8060095f395ff3") + runtime
    deploy = ctx.chain.w3.eth.contract(abi=[], bytecode=init).constructor()
    address = ctx.chain.send(deploy, "platform_admin", what="deploy a look-alike notary")["contractAddress"]
    answered = ctx.chain.w3.eth.contract(address=address, abi=ctx.chain.notary.abi)
    assert answered.functions.challengeWindow().call() == ctx.chain.notary.functions.challengeWindow().call()
    return address


def alter(doc, field, ctx):
    doc = copy.deepcopy(doc)
    params = doc["model"]["params"]
    if field == "chainId":
        doc["chainId"] = 1981
    elif field == "notary":
        doc["notary"] = look_alike_notary(ctx)
    elif field == "community.token":
        doc["community"]["token"] = ctx.chain.registry.address  # a platform contract, not a community
    elif field == "community.name":
        doc["community"]["name"] = "Some Other LEC"
    elif field == "epoch":
        doc["epoch"] = 2
    elif field == "period.start":
        doc["period"]["start"] = "2026-09-30T23:00:00+00:00"
    elif field == "period.end":
        doc["period"]["end"] = "2026-10-01T02:00:00+02:00"  # 00:00 UTC: the start
    elif field == "period.dataStart":
        doc["period"]["dataStart"] = "2026-09-30T23:00:00+00:00"  # a baseline's, but self_consumption has none
    elif field == "model.id":
        doc["model"]["id"] = "combined"
    elif field == "model.version":
        doc["model"]["version"] = 2
    elif field == "model.effectiveFrom":
        doc["model"]["effectiveFrom"] = "2026-01-01T00:00:00+00:00"
    elif field == "parameter value":
        params["alpha_consumer"] = 99
    elif field == "parameter as text":
        params["alpha_consumer"] = "1"
    elif field == "extra parameter":
        params["beta"] = 1.0
    elif field == "missing parameter":
        del params["alpha_producer"]
    elif field == "root":
        doc["root"] = "0x" + "33" * 32
    elif field == "index":  # Bruno's leaf claimed at Anna's position
        doc["index"] = INDEX[ANNA]
        doc["leaf"]["value"][0] = str(INDEX[ANNA])
    elif field == "member":
        doc["member"] = ANNA
        doc["leaf"]["value"][1] = ANNA
    elif field == "amount":
        doc["amount"] = str(int(doc["amount"]) + 1)
        doc["leaf"]["value"][2] = doc["amount"]
    elif field == "dataHash":
        doc["dataHash"] = "0x" + "11" * 32
        doc["leaf"]["value"][3] = doc["dataHash"]
    elif field == "salt":
        doc["salt"] = "0x" + "00" * 32
    elif field == "reading":
        doc["readings"][0]["energy"] = "201.000"
    elif field == "reading removed":
        doc["readings"].pop()
    elif field == "leaf.value":  # the leaf's value no longer says what the file says
        doc["leaf"]["value"][2] = "1"
    elif field == "leaf.hash":
        doc["leaf"]["hash"] = "0x" + "44" * 32
    elif field == "proof":
        doc["proof"][0] = "0x" + "22" * 32
    else:
        raise AssertionError(field)
    return doc


NAMED = {
    "chainId": "chainId",
    "notary": "notary",
    "community.token": "community.token",
    "community.name": "community.name",
    "epoch": "epoch",
    "period.start": "period.start",
    "period.end": "period.end",
    "period.dataStart": "period.dataStart",
    "model.id": "model.id",
    "model.version": "model.version",
    "model.effectiveFrom": "model.effectiveFrom",
    "parameter value": "model.params.alpha_consumer",
    "parameter as text": "model.params.alpha_consumer",
    "extra parameter": "model.params.beta",
    "missing parameter": "model.params.alpha_producer",
    "root": "root",
    "index": "index",
    "member": "member",
    "amount": "amount",
    "dataHash": "dataHash",
    "salt": "readings or salt",
    "reading": "readings or salt",
    "reading removed": "readings or salt",
    "leaf.value": "leaf.value",
    "leaf.hash": "leaf.hash",
    "proof": "proof",
}
SAYS = {  # what the failure says (the chain's side where there is one)
    "chainId": "the file is for chain 1981, the oracle's RPC serves chain 31337",
    "notary": "but the platform's notary, the only contract whose commitments pay its communities' rewards, is",
    "community.token": "is not a community token of the platform",
    "community.name": "no community of the platform is named 'Some Other LEC'",
    "epoch": "epoch 2 of 0x",
    "period.start": "the file says 2026-09-30T23:00:00+00:00, the committed period start is 2026-10-01T00:00:00+00:00",
    "period.end": "the file says 2026-10-01T00:00:00+00:00, the committed period end is 2026-10-01T01:00:00+00:00",
    "period.dataStart": "the data start of a self_consumption epoch (its period start) is 2026-10-01T00:00:00+00:00",
    "model.id": "the file says 'combined', the epoch was committed under 'self_consumption'",
    "model.version": "the file says 2, the epoch was committed under version 1",
    "model.effectiveFrom": "is 1970-01-01T00:00:00+00:00",
    "parameter value": "the file says 99, the ModelRegistry's self_consumption v1 of this community has 1",
    "parameter as text": "the file says '1', the ModelRegistry's self_consumption v1 of this community has 1",
    "extra parameter": "has no parameter 'beta'",
    "missing parameter": "missing from the file; the ModelRegistry's self_consumption v1 of this community has it "
    "= 0.5",
    "root": "the committed root is 0x",
    "index": "the file says 0, the committed leaf has 1 (leaf 1 as the pushRewards 0x",
    "member": f"the file says {ANNA}, the committed leaf has {BRUNO}",
    "amount": f"the file says {EXPECTED[BRUNO] + 1}, the committed leaf has {EXPECTED[BRUNO]}",
    "dataHash": "the file says 0x" + "11" * 32 + ", the committed leaf has 0x",
    "salt": "the readings or the salt were altered",
    "reading": "the readings or the salt were altered",
    "reading removed": "keccak256(salt ++ the 7 readings) is 0x",
    "leaf.value": "disagrees with the file's (index, member, amount, dataHash)",
    "leaf.hash": "the file says 0x" + "44" * 32,
    "proof": "the proof does not lead from the leaf to the root: the proof was altered",
}


@pytest.mark.parametrize("field", list(NAMED))
def test_an_altered_field_fails_verify_naming_it(ctx, takeout, tmp_path, field, capsys):
    _name, _path, doc = takeout
    bad = tmp_path / "altered.json"
    bad.write_text(json.dumps(alter(doc, field, ctx)))
    result = verify_takeout_file(ctx, bad)
    named = NAMED[field]
    assert not result.ok and result.failed_field == named, result.lines
    assert SAYS[field] in result.failure
    assert cli(ctx, "verify", bad) == 2
    captured = capsys.readouterr()
    assert f"FAIL {named}: {result.failure}" in captured.out.splitlines()
    assert captured.err == f"error: {bad} does NOT match the chain, first at {named}: {result.failure}\n"


def test_unreadable_takeout_is_a_clear_error(ctx, takeout, tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "lec-takeout-v1", ')
    with pytest.raises(OracleError, match=r"broken.json:1:\d+: not JSON"):
        verify_takeout_file(ctx, broken)
    with pytest.raises(OracleError, match="no such file"):
        verify_takeout_file(ctx, tmp_path / "missing.json")
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"format": "something"}')
    with pytest.raises(OracleError, match=r"not a take-out file \(lec-takeout-v1 or lec-takeout-v2\)"):
        verify_takeout_file(ctx, wrong)
    odd = tmp_path / "odd.json"
    odd.write_text('{"format": "lec-takeout-v2", "leaf": {"encoding": ["address"]}}')
    with pytest.raises(OracleError, match="unknown leaf encoding"):
        verify_takeout_file(ctx, odd)
    _name, _path, doc = takeout
    for where, value, says in (
        (("epoch",), "1_000", "epoch '1_000' is not a whole number"),
        (("index",), "١", "index '١' is not a whole number"),
        (("epoch",), 2**64, f"epoch {2**64} does not fit 64 bits"),
        (("period", "start"), "2026-10-01T00:00:00", "period.start '2026-10-01T00:00:00' has no UTC offset"),
        (("format",), "lec-takeout-v1", "format lec-takeout-v1 does not go with the leaf encoding"),
    ):
        altered = copy.deepcopy(doc)
        *outer, last = where
        (altered[outer[0]] if outer else altered)[last] = value
        odd.write_text(json.dumps(altered))
        with pytest.raises(OracleError, match=f"odd.json: {says}"):
            verify_takeout_file(ctx, odd)
    assert cli(ctx, "verify", odd) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_takeout_of_a_non_member_or_unknown_epoch(ctx, takeout, tmp_path):
    name, _path, _doc = takeout
    with pytest.raises(OracleError, match="has no leaf in epoch 1"):
        export_takeout(ctx, name, 1, "0x" + "ab" * 20, tmp_path / "x.json")
    with pytest.raises(OracleError, match="has no epoch 7"):
        export_takeout(ctx, name, 7, BRUNO, tmp_path / "x.json")
    with pytest.raises(OracleError, match="is not an Ethereum address"):
        export_takeout(ctx, name, 1, "bruno", tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def test_an_uncommitted_epoch_is_not_taken_out_and_a_new_folder_is_announced(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):  # computed (tree and root), killed before its commit
        run_epoch(ctx, name, START, END, crash_at="after:tree", progress=False, log=quiet)
    out = tmp_path / "new" / "deeper" / "bruno.json"
    assert cli(ctx, "takeout", "--community", name, "--epoch", 1, "--member", BRUNO, "--out", out) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: epoch 1 of {name!r} is computed but not committed on-chain (status running), so a "
        f"take-out would prove nothing: run `oracle epoch run --community {name!r} --start "
        f"2026-10-01T00:00:00+00:00 --end 2026-10-01T01:00:00+00:00` to commit it, then take out\n"
    )
    assert not (tmp_path / "new").exists()  # nothing written, no folder made

    run_epoch(ctx, name, START, END, progress=False, log=quiet)  # resumed: committed and paid
    assert cli(ctx, "takeout", "--community", name, "--epoch", 1, "--member", BRUNO, "--out", out) == 0
    assert capsys.readouterr().out == f"created folder {out.parent}\ntake-out written to {out}\n"
    assert verify_takeout_file(ctx, out).ok
    again = out.parent / "bruno-again.json"
    assert cli(ctx, "takeout", "--community", name, "--epoch", 1, "--member", BRUNO, "--out", again) == 0
    assert capsys.readouterr().out == f"take-out written to {again}\n"  # the folder existed
    assert cli(ctx, "takeout", "--community", name, "--epoch", 1, "--member", BRUNO, "--out", out.parent) == 2
    assert capsys.readouterr().err == (
        f"error: --out {out.parent} is a folder: give a file name in it, e.g. {out.parent / 'takeout.json'}\n"
    )
    assert sorted(p.name for p in out.parent.iterdir()) == ["bruno-again.json", "bruno.json"]
    under_a_file = out / "x" / "bruno.json"  # out is a file: no folder can be made under it
    assert cli(ctx, "takeout", "--community", name, "--epoch", 1, "--member", BRUNO, "--out", under_a_file) == 2
    assert capsys.readouterr().err == f"error: cannot write the take-out to {under_a_file}: Not a directory\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["bruno-again.json", "bruno.json"]


def test_an_abandoned_epoch_is_not_taken_out(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:tree", progress=False, log=quiet)
    assert cli(ctx, "epoch", "abandon", "--community", name, "--epoch", 1, "--reason", "wrong meter file") == 0
    capsys.readouterr()
    out = tmp_path / "abandoned.json"
    assert cli(ctx, "takeout", "--community", name, "--epoch", 1, "--member", BRUNO, "--out", out) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: epoch 1 of {name!r} was abandoned before its commit (wrong meter file)")
    assert not out.exists()


def test_a_waiting_epoch_verifies_through_its_proof_and_a_voided_one_fails_and_is_not_taken_out(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    with challenge_window(ctx, 3600):
        assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "waiting"
    path = export_takeout(ctx, name, 1, BRUNO, tmp_path / "waiting.json").path  # committed: it stands
    result = verify_takeout_file(ctx, path)
    assert result.ok, result.lines
    assert "ok   index: 1, one of the epoch's 3 leaves" in result.lines
    assert (
        "info member, amount, dataHash: leaf 1 was not claimed or pushed on-chain yet: they are checked through "
        "the proof below"
    ) in result.lines
    # nothing paid yet: an altered amount is caught by the proof, which cannot say which part changed
    bad = tmp_path / "waiting-amount.json"
    bad.write_text(json.dumps(alter(json.loads(path.read_text()), "amount", ctx)))
    result = verify_takeout_file(ctx, bad)
    assert result.failed_field == "index, member, amount or dataHash" and result.failure == (
        "the file's leaf.hash is a committed leaf (its proof reaches the root) but not the hash of its (index, "
        "member, amount, dataHash): one of them was altered"
    )
    assert result.lines[-3] == (
        "FAIL proof: the proof does not lead from the leaf to the root: the index, member, amount, dataHash or the "
        "proof were altered (the chain has not carried this leaf yet, so it cannot say which)"
    )

    assert cli(ctx, "epoch", "void", "--community", name, "--epoch", 1, "--reason", "test") == 0
    result = verify_takeout_file(ctx, path)
    assert not result.ok and result.failed_field == "epoch"
    assert result.failure == "epoch 1 was voided on-chain: its commitment does not stand"
    assert sum(line.startswith("FAIL") for line in result.lines) == 1  # every other part still matches
    capsys.readouterr()
    out = tmp_path / "voided.json"
    assert cli(ctx, "takeout", "--community", name, "--epoch", 1, "--member", BRUNO, "--out", out) == 2
    assert f"epoch 1 of {name!r} was voided on-chain: its commitment does not stand" in capsys.readouterr().err
    assert not out.exists()


def test_an_epoch_voided_on_chain_behind_the_database_is_not_taken_out(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    with challenge_window(ctx, 3600):
        assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "waiting"
    chain = ctx.chain
    token = get_community(ctx, name).token_address
    chain.send(chain.notary.functions.voidEpoch(token, 1, b"\x01" * 32), "community_admin")  # not through the oracle
    out = tmp_path / "voided.json"
    assert cli(ctx, "takeout", "--community", name, "--epoch", 1, "--member", BRUNO, "--out", out) == 2
    assert capsys.readouterr().err == (
        f"error: epoch 1 of {name!r} was voided on-chain (the database still says waiting): its commitment does "
        f"not stand, so a take-out would prove nothing: `oracle epoch run --community {name!r} --start "
        "2026-10-01T00:00:00+00:00 --end 2026-10-01T01:00:00+00:00` records the void; then take out the epoch that "
        "ran its period again\n"
    )
    assert not out.exists()


def test_a_baseline_model_takes_its_data_from_one_period_earlier(ctx, tmp_path):
    """combined (self-consumption and peak shaving against the previous period's baseline): the data start is one
    period length before the period start (the hour before 00:00 here) and verify derives it."""
    name = unique_name()
    p = devices_prefix(name)
    create_community(ctx, name, endowment="10000")
    import_members(ctx, name, write(tmp_path / "members.csv", MEMBERS_CSV.format(p=p)))
    ingest_file(ctx, name, write(tmp_path / "readings.csv", READINGS_CSV.format(p=p)))
    publish_model(
        ctx,
        "combined",
        {"alpha_consumer": "1", "alpha_producer": "0.5", "beta": "2", "cap": "20", "w_sc": "1", "w_ps": "1"},
        community=name,
    )
    run_epoch(ctx, name, START, END, progress=False, log=quiet)
    path = export_takeout(ctx, name, 1, BRUNO, tmp_path / "combined.json").path
    doc = json.loads(path.read_text())
    assert doc["period"]["dataStart"] == "2026-09-30T23:00:00+00:00"
    result = verify_takeout_file(ctx, path)
    assert result.ok, result.lines
    assert (
        "ok   period.dataStart: 2026-09-30T23:00:00+00:00 = the data start of a combined epoch (one period length "
        "before it, for the baseline)"
    ) in result.lines
    assert sum(line.startswith("ok   model.params.") for line in result.lines) == 6
    doc["period"]["dataStart"] = doc["period"]["start"]
    path.write_text(json.dumps(doc))
    result = verify_takeout_file(ctx, path)
    assert result.failed_field == "period.dataStart" and result.failure == (
        "the file says 2026-10-01T00:00:00+00:00, the data start of a combined epoch (one period length before it, "
        "for the baseline) is 2026-09-30T23:00:00+00:00"
    )


NODE_VERIFY = """
const path = require('path');
const {StandardMerkleTree} = require(path.join(process.argv[2], 'node_modules/@openzeppelin/merkle-tree'));
const doc = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));
const ok = StandardMerkleTree.verify(doc.root, doc.leaf.encoding, doc.leaf.value, doc.proof);
process.stdout.write(JSON.stringify({ok, leaf: StandardMerkleTree.verify ? doc.leaf.hash : null}));
"""


def node_verifies(tmp_path, path) -> bool:
    script = tmp_path / "verify.js"
    script.write_text(NODE_VERIFY)
    out = subprocess.run(["node", str(script), str(ROOT), str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["ok"]


@pytest.mark.parametrize("field", [None, "index", "amount", "proof"])
def test_the_same_file_verifies_with_openzeppelin_merkle_tree_in_node(ctx, takeout, tmp_path, field):
    _name, path, doc = takeout
    if field:
        path = tmp_path / f"node-{field}.json"
        path.write_text(json.dumps(alter(doc, field, ctx)))
    assert node_verifies(tmp_path, path) is (field is None)


def v1_file(doc: dict) -> dict:
    """Bruno's take-out as the first notary made them: leaf (member, amount, dataHash), no index, in a tree
    over such leaves (the root is not on this chain's notary, which speaks v2)."""
    v1 = copy.deepcopy(doc)
    leaves = [
        (ANNA, 7, "0x" + "a1" * 32),
        (doc["member"], int(doc["amount"]), doc["dataHash"]),
        (SHOP, 9, "0x" + "c3" * 32),
    ]
    tree = StandardMerkleTree.of(leaves, REWARD_LEAF_ENCODING_V1)
    position = tree.index_of(lambda v: v[0] == doc["member"])
    v1["format"] = "lec-takeout-v1"
    del v1["index"], v1["model"]["effectiveFrom"]
    v1["leaf"] = {
        "encoding": REWARD_LEAF_ENCODING_V1,
        "value": [doc["member"], doc["amount"], doc["dataHash"]],
        "hash": "0x" + tree.leaf(position).hex(),
    }
    v1["proof"], v1["root"] = tree.proof_hex(position), tree.root_hex
    return v1


def test_a_v1_file_verifies_its_own_parts_and_names_the_notary_that_does_not_answer(ctx, takeout, tmp_path):
    _name, _path, doc = takeout
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(v1_file(doc)))
    result = verify_takeout_file(ctx, path)
    assert result.lines[:5] == [
        "ok   chainId: 31337, the chain the oracle's RPC serves",
        "ok   readings, salt or dataHash: keccak256(salt ++ the 8 readings) = dataHash",
        "ok   leaf.value: = (member, amount, dataHash)",
        "ok   leaf.hash: = the hash of (member, amount, dataHash)",
        "ok   proof: leads from the leaf (member, amount, dataHash) to the root",
    ]
    assert result.lines[5].startswith(f"FAIL notary: {doc['notary']} does not answer the first (v1) notary's interface")
    assert result.lines[6:] == [
        "info period, model, community: not checked for a v1 file: the first notary's "
        "registry and factory are not this platform's",
        "info canonicalization: the file's description of the rule, the oracle's own",
    ]
    assert not result.ok and result.failed_field == "notary"
    assert node_verifies(tmp_path, path)
    # an altered v1 file fails off-chain, with the v1 encoding
    bad = v1_file(doc)
    bad["amount"] = bad["leaf"]["value"][1] = str(int(doc["amount"]) + 1)
    path.write_text(json.dumps(bad))
    result = verify_takeout_file(ctx, path)
    assert result.failed_field == "member, amount or dataHash"
    assert [line.split(":")[0] for line in result.lines if line.startswith("FAIL")] == [
        "FAIL member, amount or dataHash",
        "FAIL proof",
        "FAIL notary",
    ]
    assert not node_verifies(tmp_path, path)
