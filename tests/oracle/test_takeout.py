"""Take-out proofs: an untouched file verifies against the chain; any altered field fails, naming the part."""
import copy
import json
import subprocess
from pathlib import Path

import pytest

from oracle.cli import main as oracle_main
from oracle.epochs.runner import run_epoch
from oracle.errors import OracleError
from oracle.takeout import export_takeout, verify_takeout_file

from .builders import ANNA, BRUNO, END, EXPECTED, START, devices_prefix, small_community

ROOT = Path(__file__).resolve().parents[2]


def quiet(*_):
    pass


@pytest.fixture
def takeout(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    run_epoch(ctx, name, START, END, progress=False, log=quiet)
    path = export_takeout(ctx, name, 1, BRUNO, tmp_path / "bruno.json")
    return name, path, json.loads(path.read_text())


def test_takeout_holds_the_readings_salt_leaf_and_proof(takeout):
    name, _path, doc = takeout
    p = devices_prefix(name)
    assert doc["member"] == BRUNO and int(doc["amount"]) == EXPECTED[BRUNO]
    # Bruno's 8 readings, in canonical order (device, then time), UTC, Wh with 3 decimals
    assert doc["readings"][:2] == [{"deviceid": f"{p}B-M", "ts": "2026-10-01T00:00:00Z", "energy": "200.000"},
                                   {"deviceid": f"{p}B-M", "ts": "2026-10-01T00:15:00Z", "energy": "100.000"}]
    assert [r["energy"] for r in doc["readings"][4:]] == ["-600.000", "-200.000", "0.000", "-1000.000"]
    assert len(doc["salt"]) == 66 and doc["leaf"]["value"] == [BRUNO, str(EXPECTED[BRUNO]), doc["dataHash"]]
    assert doc["leaf"]["encoding"] == ["address", "uint256", "bytes32"]


def test_untouched_file_verifies(ctx, takeout, capsys):
    _name, path, _doc = takeout
    result = verify_takeout_file(ctx, path)
    assert result.ok, result.lines
    assert len(result.lines) == 5 and all(line.startswith("ok") for line in result.lines)
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
    elif field == "amount":
        doc["amount"] = str(int(doc["amount"]) + 1)
        doc["leaf"]["value"][1] = doc["amount"]
    elif field == "member":
        doc["member"] = ANNA
        doc["leaf"]["value"][0] = ANNA
    elif field == "dataHash":
        doc["dataHash"] = "0x" + "11" * 32
        doc["leaf"]["value"][2] = doc["dataHash"]
    elif field == "proof":
        doc["proof"][0] = "0x" + "22" * 32
    elif field == "root":
        doc["root"] = "0x" + "33" * 32
    elif field == "epoch":
        doc["epoch"] = 2
    return doc


EXPECTED_FAILURE = {
    "reading": "the readings or the salt were altered",
    "reading_removed": "the readings or the salt were altered",
    "salt": "the readings or the salt were altered",
    "amount": "the proof does not reach the root",
    "member": "the proof does not reach the root",
    "dataHash": "the readings or the salt were altered",
    "proof": "the proof does not reach the root",
    "root": "the proof does not reach the root",
    "epoch": "is not on-chain",
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
    with pytest.raises(OracleError, match="not a lec-takeout-v1 file"):
        verify_takeout_file(ctx, wrong)


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


@pytest.mark.parametrize("field", [None, "amount", "proof"])
def test_the_same_file_verifies_with_openzeppelin_merkle_tree_in_node(takeout, tmp_path, field):
    _name, path, doc = takeout
    if field:
        path = tmp_path / f"node-{field}.json"
        path.write_text(json.dumps(alter(doc, field)))
    script = tmp_path / "verify.js"
    script.write_text(NODE_VERIFY)
    out = subprocess.run(["node", str(script), str(ROOT), str(path)], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["ok"] is (field is None)
