"""Take-out proofs: an untouched file verifies against the chain; any altered field fails, naming the part."""
import copy
import json
import subprocess
from pathlib import Path

import pytest

from oracle.cli import main as oracle_main
from oracle.epochs.runner import run_epoch
from oracle.errors import OracleError
from oracle.merkle import REWARD_LEAF_ENCODING_V1, StandardMerkleTree
from oracle.takeout import export_takeout, verify_takeout_file

from .builders import ANNA, BRUNO, END, EXPECTED, INDEX, SHOP, START, devices_prefix, quiet, small_community

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def takeout(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    run_epoch(ctx, name, START, END, progress=False, log=quiet)
    path = export_takeout(ctx, name, 1, BRUNO, tmp_path / "bruno.json")
    return name, path, json.loads(path.read_text())


def test_takeout_holds_the_readings_salt_leaf_and_proof(ctx, takeout):
    name, _path, doc = takeout
    p = devices_prefix(name)
    assert doc["member"] == BRUNO and int(doc["amount"]) == EXPECTED[BRUNO]
    # Bruno's 8 readings, in canonical order (device, then time), UTC, Wh with 3 decimals
    assert doc["readings"][:2] == [{"deviceid": f"{p}B-M", "ts": "2026-10-01T00:00:00Z", "energy": "200.000"},
                                   {"deviceid": f"{p}B-M", "ts": "2026-10-01T00:15:00Z", "energy": "100.000"}]
    assert [r["energy"] for r in doc["readings"][4:]] == ["-600.000", "-200.000", "0.000", "-1000.000"]
    assert doc["format"] == "lec-takeout-v2" and doc["index"] == INDEX[BRUNO] == 1
    assert len(doc["salt"]) == 66
    assert doc["leaf"]["value"] == ["1", BRUNO, str(EXPECTED[BRUNO]), doc["dataHash"]]
    assert doc["leaf"]["encoding"] == ["uint256", "address", "uint256", "bytes32"]
    assert doc["model"]["id"] == "self_consumption" and doc["model"]["effectiveFrom"].startswith("1970-01-01")
    assert doc["notary"] == ctx.chain.notary.address and doc["chainId"] == 31337


def test_untouched_file_verifies(ctx, takeout, capsys):
    _name, path, _doc = takeout
    result = verify_takeout_file(ctx, path)
    assert result.ok, result.lines
    assert len(result.lines) == 7 and all(line.startswith("ok") for line in result.lines)
    assert oracle_main(["--home", str(ctx.settings.home), "verify", str(path)]) == 0
    assert "OK: the data" in capsys.readouterr().out


def alter(doc, field):
    doc = copy.deepcopy(doc)
    if field == "reading":
        doc["readings"][0]["energy"] = "201.000"
    elif field == "reading_removed":
        doc["readings"].pop()
    elif field == "salt":
        doc["salt"] = "0x" + "00" * 32
    elif field == "index":  # Bruno's leaf claimed at Anna's position
        doc["index"] = INDEX[ANNA]
        doc["leaf"]["value"][0] = str(INDEX[ANNA])
    elif field == "amount":
        doc["amount"] = str(int(doc["amount"]) + 1)
        doc["leaf"]["value"][2] = doc["amount"]
    elif field == "member":
        doc["member"] = ANNA
        doc["leaf"]["value"][1] = ANNA
    elif field == "dataHash":
        doc["dataHash"] = "0x" + "11" * 32
        doc["leaf"]["value"][3] = doc["dataHash"]
    elif field == "proof":
        doc["proof"][0] = "0x" + "22" * 32
    elif field == "root":
        doc["root"] = "0x" + "33" * 32
    elif field == "epoch":
        doc["epoch"] = 2
    elif field == "leafValue":  # the leaf's value no longer says what the file says
        doc["leaf"]["value"][2] = "1"
    elif field == "notary":
        doc["notary"] = doc["community"]["token"]  # a contract, but not a notary
    elif field == "chainId":
        doc["chainId"] = 1981
    return doc


EXPECTED_FAILURE = {
    "reading": "the readings or the salt were altered",
    "reading_removed": "the readings or the salt were altered",
    "salt": "the readings or the salt were altered",
    "index": "the proof does not reach the root",
    "amount": "the proof does not reach the root",
    "member": "the proof does not reach the root",
    "dataHash": "the readings or the salt were altered",
    "proof": "the proof does not reach the root",
    "root": "the proof does not reach the root",
    "epoch": "is not on-chain",
    "leafValue": "the leaf value disagrees with index, member, amount, dataHash",
    "notary": "does not answer the ConsumptionNotary interface",
    "chainId": "the file is for chain 1981, the oracle reads chain 31337",
}


@pytest.mark.parametrize("field", list(EXPECTED_FAILURE))
def test_altered_file_fails_naming_the_part(ctx, takeout, tmp_path, field, capsys):
    _name, _path, doc = takeout
    bad = tmp_path / f"bad-{field}.json"
    bad.write_text(json.dumps(alter(doc, field)))
    result = verify_takeout_file(ctx, bad)
    assert not result.ok
    assert EXPECTED_FAILURE[field] in result.failure
    assert oracle_main(["--home", str(ctx.settings.home), "verify", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "does NOT match the chain" in err and "Traceback" not in err


def test_unreadable_takeout_is_a_clear_error(ctx, tmp_path):
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


def test_takeout_of_a_non_member_or_unknown_epoch(ctx, takeout, tmp_path):
    name, _path, _doc = takeout
    with pytest.raises(OracleError, match="has no leaf in epoch 1"):
        export_takeout(ctx, name, 1, "0x" + "ab" * 20, tmp_path / "x.json")
    with pytest.raises(OracleError, match="has no epoch 7"):
        export_takeout(ctx, name, 7, BRUNO, tmp_path / "x.json")
    with pytest.raises(OracleError, match="is not an Ethereum address"):
        export_takeout(ctx, name, 1, "bruno", tmp_path / "x.json")


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
def test_the_same_file_verifies_with_openzeppelin_merkle_tree_in_node(takeout, tmp_path, field):
    _name, path, doc = takeout
    if field:
        path = tmp_path / f"node-{field}.json"
        path.write_text(json.dumps(alter(doc, field)))
    assert node_verifies(tmp_path, path) is (field is None)


def v1_file(doc: dict) -> dict:
    """Bruno's take-out as the first notary made them: leaf (member, amount, dataHash), no index, in a tree
    over such leaves (the root is not on this chain's notary, which speaks v2)."""
    v1 = copy.deepcopy(doc)
    leaves = [(ANNA, 7, "0x" + "a1" * 32), (doc["member"], int(doc["amount"]), doc["dataHash"]),
              (SHOP, 9, "0x" + "c3" * 32)]
    tree = StandardMerkleTree.of(leaves, REWARD_LEAF_ENCODING_V1)
    position = tree.index_of(lambda v: v[0] == doc["member"])
    v1["format"] = "lec-takeout-v1"
    del v1["index"]
    v1["leaf"] = {"encoding": REWARD_LEAF_ENCODING_V1, "value": [doc["member"], doc["amount"], doc["dataHash"]],
                  "hash": "0x" + tree.leaf(position).hex()}
    v1["proof"], v1["root"] = tree.proof_hex(position), tree.root_hex
    return v1


def test_a_v1_file_verifies_its_own_parts_and_names_the_notary_that_does_not_answer(ctx, takeout, tmp_path):
    _name, _path, doc = takeout
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(v1_file(doc)))
    result = verify_takeout_file(ctx, path)
    assert result.lines[:4] == ["ok   data hash: keccak256(salt ++ 8 readings) = dataHash",
                                "ok   leaf value = (member, amount, dataHash)",
                                "ok   proof leads from the leaf to the root",
                                "ok   the file is for chain 31337, the one the oracle reads"]
    assert result.lines[4].startswith("FAIL the notary at ") and len(result.lines) == 5
    assert not result.ok and "does not answer the first (v1) notary's interface" in result.failure
    assert node_verifies(tmp_path, path)
    # an altered v1 file fails off-chain, with the v1 encoding
    bad = v1_file(doc)
    bad["amount"] = bad["leaf"]["value"][1] = str(int(doc["amount"]) + 1)
    path.write_text(json.dumps(bad))
    result = verify_takeout_file(ctx, path)
    assert "the proof does not reach the root" in result.failure
    assert not node_verifies(tmp_path, path)


def test_a_voided_epoch_does_not_verify(ctx, tmp_path):
    from .test_epochs_challenge_and_void import challenge_window

    name = small_community(ctx, tmp_path)
    with challenge_window(ctx, 3600):
        assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "waiting"
    assert oracle_main(["--home", str(ctx.settings.home), "epoch", "void", "--community", name, "--epoch", "1",
                        "--reason", "test"]) == 0
    path = export_takeout(ctx, name, 1, BRUNO, tmp_path / "voided.json")
    result = verify_takeout_file(ctx, path)
    assert not result.ok and result.failure == "epoch 1 was voided on-chain: its commitment does not stand"
    assert sum(line.startswith("ok") for line in result.lines) == 6  # every other part still matches
