"""The auditor page's take-out checks (dapp_frontend/js/lib/{canonical,merkle,takeout-check}.js and
js/actions/verify-takeout.js), run in node against take-out files the oracle exports, give the same verdict as
`oracle verify` line by line: the same parts, in the same order, ok / FAIL / info alike, and the same first
failing part for every altered field. The canonical bytes, data hash, leaf hash and proof are also compared with
the oracle's own on readings with non-ASCII device ids and on many readings."""

from __future__ import annotations

import copy
import json
import random
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from oracle.epochs import canonical
from oracle.errors import OracleError
from oracle.merkle import REWARD_LEAF_ENCODING, reward_tree
from oracle.takeout import export_takeout, read_takeout
from oracle.takeout_verify import verify_takeout
from tests.oracle.test_takeout import NAMED, alter, v1_file

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "dapp_frontend"

# runs every case of cases.json through the browser's code; one node process for all of them
DRIVER = """
import { readFileSync, writeFileSync } from "node:fs";
import { ethers } from "%(frontend)s/vendor/ethers.min.js";
import { verifyTakeoutFile, readTakeoutText } from "%(frontend)s/js/actions/verify-takeout.js";
import { render } from "%(frontend)s/js/lib/takeout-check.js";
import * as canonical from "%(frontend)s/js/lib/canonical.js";
import * as merkle from "%(frontend)s/js/lib/merkle.js";

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = {};
if (input.platform) {
  const provider = new ethers.JsonRpcProvider(input.platform.rpcUrl, undefined, { staticNetwork: true });
  for (const [name, text] of Object.entries(input.cases)) {
    let doc;
    try { doc = readTakeoutText(text); } catch (err) { out[name] = { notJson: err.key }; continue; }
    const result = await verifyTakeoutFile(doc, { platform: input.platform, provider });
    out[name] = { ok: result.ok, failedPart: result.failedPart,
                  failure: result.failure && render(result.failure, "en"),
                  failureIt: result.failure && render(result.failure, "it"),
                  lines: result.lines.map((l) => [l.status, l.part]) };
  }
  provider.destroy();
}
for (const [name, job] of Object.entries(input.canonical || {})) {
  const lines = canonical.canonicalLines(job.rows);
  const hash = canonical.dataHash(job.salt, canonical.canonicalBytes(lines));
  const leaf = merkle.leafHash(job.leaf, merkle.REWARD_LEAF_ENCODING);
  out[name] = { lines, hash, leaf, root: merkle.processProof(leaf, job.proof),
                energies: (job.energies || []).map(canonical.formatEnergy) };
}
writeFileSync(process.argv[3], JSON.stringify(out));
"""


def run_js(tmp_path, payload: dict) -> dict:
    if not (FRONTEND / "vendor" / "ethers.min.js").exists():
        pytest.fail(
            "dapp_frontend/vendor/ethers.min.js is missing: run `make setup` (it copies ethers from node_modules)"
        )
    driver = tmp_path / "driver.mjs"
    driver.write_text(DRIVER % {"frontend": FRONTEND.as_posix()})
    cases, answers = tmp_path / "cases.json", tmp_path / "answers.json"
    cases.write_text(json.dumps(payload))
    done = subprocess.run(
        [shutil.which("node") or "node", "--no-warnings", str(driver), str(cases), str(answers)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(answers.read_text())


def platform_of(ctx) -> dict:
    """What GET /api/platform gives the page: chain, RPC, contracts with their ABIs, the community token's ABI."""
    chain = ctx.chain
    contracts = {
        name: {"address": contract.address, "abi": contract.abi}
        for name, contract in (
            ("CommunityFactory", chain.factory),
            ("ModelRegistry", chain.registry),
            ("ConsumptionNotary", chain.notary),
        )
    }
    contracts["ConsumptionNotary"]["blockNumber"] = chain.manifest["contracts"]["ConsumptionNotary"].get(
        "blockNumber", 0
    )
    token_abi = chain.token(chain.factory.address).abi
    return {
        "chainId": chain.chain_id,
        "rpcUrl": chain.w3.provider.endpoint_uri,
        "contracts": contracts,
        "communityToken": {"abi": token_abi},
    }


def oracle_verdict(ctx, path: Path) -> dict:
    """`oracle verify` on the file: the parts of its lines in order, or "format" for a file it cannot read."""
    try:
        takeout = read_takeout(path)
    except OracleError as exc:
        return {"ok": False, "failedPart": "format", "failure": str(exc), "lines": [["fail", "format"]]}
    result = verify_takeout(ctx, takeout)
    lines = []
    for line in result.lines:
        status, rest = line[:4].strip().lower(), line[5:]
        lines.append(["fail" if status == "fail" else status, rest.split(": ", 1)[0]])
    return {"ok": result.ok, "failedPart": result.failed_field, "failure": result.failure, "lines": lines}


@pytest.fixture(scope="module")
def exported(rewarded, base_ctx, tmp_path_factory):
    """The take-out of every member of the rewarded community's paid epoch, as `oracle takeout` writes it."""
    folder = tmp_path_factory.mktemp("takeouts")
    return {
        who: json.loads(
            export_takeout(
                base_ctx, rewarded.name, rewarded.epoch, account.address, folder / f"{who}.json"
            ).path.read_text()
        )
        for who, account in rewarded.members.items()
    }


def altered_cases(ctx, rewarded, exported) -> dict[str, str]:
    """Every alteration of the oracle's take-out tests, on the member at leaf 1 (the index alteration moves it to
    leaf 0), plus files the oracle cannot read."""
    who = next(w for w, a in rewarded.members.items() if rewarded.index[a.address] == 1)
    doc = exported[who]
    cases = {field: json.dumps(alter(doc, field, ctx)) for field in NAMED}
    cases["v1 file"] = json.dumps(v1_file(doc))
    unknown = copy.deepcopy(doc)
    unknown["comment"] = "added by hand"
    cases["unknown field"] = json.dumps(unknown)
    unstated = copy.deepcopy(doc)
    del unstated["leaf"]["hash"], unstated["community"]["name"]
    cases["no leaf hash, no community name"] = json.dumps(unstated)
    for label, where, value in (
        ("epoch with underscore", ("epoch",), "1_000"),
        ("index in Arabic digits", ("index",), "١"),
        ("epoch beyond 64 bits", ("epoch",), 2**64),
        ("period without offset", ("period", "start"), "2026-10-01T00:00:00"),
        ("v1 format, v2 leaf", ("format",), "lec-takeout-v1"),
        ("unknown format", ("format",), "something"),
        ("salt too short", ("salt",), "0x1234"),
        ("member not an address", ("member",), "bruno"),
    ):
        bad = copy.deepcopy(doc)
        *outer, last = where
        (bad[outer[0]] if outer else bad)[last] = value
        cases[label] = json.dumps(bad)
    cases["odd leaf encoding"] = json.dumps({**doc, "leaf": {**doc["leaf"], "encoding": ["address"]}})
    cases["no readings"] = json.dumps({k: v for k, v in doc.items() if k != "readings"})
    return cases


def test_every_members_untouched_takeout_passes_with_the_oracles_checks_in_its_order(ctx, rewarded, exported, tmp_path):
    cases = {who: json.dumps(doc) for who, doc in exported.items()}
    answers = run_js(tmp_path, {"platform": platform_of(ctx), "cases": cases})
    for who, doc in exported.items():
        path = tmp_path / f"{who}.json"
        path.write_text(cases[who])
        expected = oracle_verdict(ctx, path)
        assert expected["ok"], expected
        assert answers[who]["ok"] and answers[who]["failedPart"] is None, answers[who]
        assert answers[who]["lines"] == expected["lines"]
        assert [part for status, part in answers[who]["lines"] if status == "ok"][-5:] == [
            "readings or salt",
            "leaf.value",
            "leaf.hash",
            "proof",
            "verifyTakeout",
        ]
        assert int(doc["amount"]) == rewarded.expected[rewarded.members[who].address]


def test_an_altered_file_fails_at_the_part_the_oracle_names_with_the_same_lines(ctx, rewarded, exported, tmp_path):
    cases = altered_cases(ctx, rewarded, exported)
    answers = run_js(tmp_path, {"platform": platform_of(ctx), "cases": cases})
    for label, text in cases.items():
        path = tmp_path / "case.json"
        path.write_text(text)
        expected = oracle_verdict(ctx, path)
        got = answers[label]
        assert got["failedPart"] == expected["failedPart"], (label, got, expected)
        assert got["ok"] == expected["ok"], label
        if label in NAMED:
            assert got["failedPart"] == NAMED[label]
        if expected["failedPart"] == "format":
            # the oracle says "<path>: <what is wrong>"; the page says what is wrong
            assert expected["failure"].endswith(got["failure"]), (label, got["failure"], expected["failure"])
            continue
        assert got["lines"] == expected["lines"], label
        if label not in ("chainId", "v1 file"):  # the chain is "the oracle's RPC" there, "this browser's" here
            assert got["failure"] == expected["failure"], label
        assert got["ok"] or (got["failureIt"] and got["failureIt"] != got["failure"]), label
    assert answers["unknown field"]["ok"] and ["info", "comment"] in answers["unknown field"]["lines"]
    assert answers["no leaf hash, no community name"]["ok"]


def test_the_untouched_and_altered_files_agree_on_the_reasons_in_italian_too(ctx, rewarded, exported, tmp_path):
    who = next(w for w, a in rewarded.members.items() if rewarded.index[a.address] == 1)
    cases = {"reading": json.dumps(alter(exported[who], "reading", ctx))}
    answers = run_js(tmp_path, {"platform": platform_of(ctx), "cases": cases})
    assert answers["reading"]["failedPart"] == "readings or salt"
    assert answers["reading"]["failureIt"].endswith("le letture o il sale sono stati alterati")


def test_a_file_that_is_not_json_is_named_not_crashed(ctx, tmp_path):
    answers = run_js(tmp_path, {"platform": platform_of(ctx), "cases": {"broken": '{"format": "lec-takeout-v2", '}})
    assert answers["broken"] == {"notJson": "au.notJson"}


DEVICES = [
    "Contatore-Città-1",
    "contatore-città-2",
    "Zähler-Ü",
    "メーター-東京",
    "meter-🙂-astral",
    "meter-\uff5e-bmp",
    "A-plain",
    "ä-after-z",
]


def many_readings(count: int, seed: int) -> pd.DataFrame:
    """Readings of one member over non-ASCII device ids (also one outside the BMP, which UTF-16 sorts before
    U+FF5E but code points after it), shuffled, with negative zero, ties at 3 decimals and big values."""
    rng = random.Random(seed)
    base = 1_790_812_800  # 2026-10-01T00:00:00Z
    rows = [
        (
            DEVICES[i % len(DEVICES)],
            base + 900 * (i // len(DEVICES)),
            rng.choice([-0.0001, -0.0, 0.0625, 0.1875, -0.3125, 1e9 / 3, rng.uniform(-5000, 5000)]),
        )
        for i in range(count)
    ]
    rng.shuffle(rows)
    return pd.DataFrame(rows, columns=["device", "ts_s", "energy"])


@pytest.mark.parametrize("count", [1, 40, 20_000])
def test_canonical_bytes_data_hash_leaf_and_proof_are_the_oracles_on_non_ascii_and_many_readings(tmp_path, count):
    frame = many_readings(count, seed=count)
    lines = canonical.canonical_lines(frame)
    salt = bytes(range(32))
    data_hash = canonical.data_hash(salt, canonical.canonical_bytes(lines))
    member = "0x" + "ab" * 20
    leaves = [("0x" + f"{i:02x}" * 20, 10**18 + i, bytes([i]) * 32) for i in range(1, 5)]
    leaves.insert(2, (member, 123_456_789, data_hash))
    tree = reward_tree(leaves)
    energies = [0.0625, 0.1875, -0.3125, 2.5e-4, -0.0004, -0.0005, 0.0005, 1234.5675, 1e15 + 0.0625]
    job = {
        "rows": [{"device": d, "tsSeconds": int(t), "energy": float(e)} for d, t, e in frame.itertuples(index=False)],
        "salt": "0x" + salt.hex(),
        "leaf": ["2", member, "123456789", "0x" + data_hash.hex()],
        "proof": tree.proof_hex(2),
        "energies": energies,
    }
    got = run_js(tmp_path, {"canonical": {"job": job}})["job"]
    assert [tuple(line.values()) for line in got["lines"]] == lines
    assert got["hash"] == "0x" + data_hash.hex()
    assert got["leaf"] == "0x" + tree.leaf(2).hex() and got["root"] == tree.root_hex
    assert got["energies"] == [canonical.format_energy(e) for e in energies]
    assert tree.values()[2][0] == 2 and REWARD_LEAF_ENCODING[0] == "uint256"


def test_a_file_of_non_ascii_devices_and_many_readings_checks_alike_off_chain(ctx, tmp_path):
    """A take-out-shaped file of another chain (1981) over 5 000 non-ASCII readings: both stop the on-chain part
    at chainId and agree on every off-chain line; with one reading altered, both name the readings."""
    lines = canonical.canonical_lines(many_readings(5000, seed=7))
    salt = bytes(range(32, 64))
    data_hash = canonical.data_hash(salt, canonical.canonical_bytes(lines))
    member = "0x" + "Cd" * 20
    tree = reward_tree([("0x" + "01" * 20, 5, b"\x01" * 32), (member.lower(), 77, data_hash)])
    from eth_utils import to_checksum_address

    member = to_checksum_address(member)
    doc = {
        "format": "lec-takeout-v2",
        "chainId": 1981,
        "notary": ctx.chain.notary.address,
        "community": {"name": "Comunità Energetica Città", "token": ctx.chain.factory.address},
        "epoch": 1,
        "period": {
            "start": "2026-10-01T00:00:00+00:00",
            "end": "2026-11-01T00:00:00+00:00",
            "dataStart": "2026-10-01T00:00:00+00:00",
        },
        "model": {
            "id": "self_consumption",
            "version": 1,
            "effectiveFrom": "1970-01-01T00:00:00+00:00",
            "params": {"alpha_consumer": 1.0},
        },
        "index": 1,
        "member": member,
        "amount": "77",
        "salt": "0x" + salt.hex(),
        "dataHash": "0x" + data_hash.hex(),
        "leaf": {
            "encoding": REWARD_LEAF_ENCODING,
            "value": ["1", member, "77", "0x" + data_hash.hex()],
            "hash": "0x" + tree.leaf(1).hex(),
        },
        "proof": tree.proof_hex(1),
        "root": tree.root_hex,
        "canonicalization": "not the oracle's words",
        "readings": [{"deviceid": d, "ts": t, "energy": e} for d, t, e in lines],
    }
    tampered = copy.deepcopy(doc)
    tampered["readings"][4321]["deviceid"] = tampered["readings"][4321]["deviceid"] + "\u0301"
    cases = {"whole": json.dumps(doc, ensure_ascii=False), "tampered": json.dumps(tampered)}
    answers = run_js(tmp_path, {"platform": platform_of(ctx), "cases": cases})
    for label, text in cases.items():
        path = tmp_path / f"{label}.json"
        path.write_text(text)
        expected = oracle_verdict(ctx, path)
        assert answers[label]["lines"] == expected["lines"], label
        assert answers[label]["failedPart"] == expected["failedPart"] == "chainId"
    assert ["ok", "readings, salt or dataHash"] in answers["whole"]["lines"]
    assert ["fail", "readings, salt or dataHash"] in answers["tampered"]["lines"]
    assert ["ok", "proof"] in answers["tampered"]["lines"]  # the leaf still proves: only the readings changed


def agree_with_oracle(ctx, tmp_path, cases: dict[str, str]) -> dict:
    """Runs the cases in node and through `oracle verify`; asserts the same lines; returns node's answers."""
    answers = run_js(tmp_path, {"platform": platform_of(ctx), "cases": cases})
    for label, text in cases.items():
        path = tmp_path / f"{label.replace(' ', '-')}.json"
        path.write_text(text)
        expected = oracle_verdict(ctx, path)
        assert answers[label]["lines"] == expected["lines"], label
        assert answers[label]["failedPart"] == expected["failedPart"], label
        if expected["failure"]:
            assert answers[label]["failure"] == expected["failure"], label
    return answers


def test_a_waiting_epoch_verifies_through_its_proof_and_once_voided_fails_at_the_epoch(ctx, tmp_path):
    """Before any payment the chain carries no leaf: the index is checked against the leaf count and an altered
    amount is caught by the proof, which cannot say which part changed; a voided epoch fails at "epoch"."""
    from oracle.communities import get_community
    from oracle.epochs.runner import run_epoch
    from tests.oracle.builders import BRUNO, END, START, challenge_window, quiet, small_community

    name = small_community(ctx, tmp_path)
    with challenge_window(ctx, 3600):
        assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "waiting"
    doc = json.loads(export_takeout(ctx, name, 1, BRUNO, tmp_path / "waiting.json").path.read_text())
    cases = {
        "waiting": json.dumps(doc),
        "waiting, amount altered": json.dumps(alter(doc, "amount", ctx)),
        "waiting, index beyond the leaves": json.dumps({**doc, "index": 7}),
    }
    answers = agree_with_oracle(ctx, tmp_path, cases)
    assert answers["waiting"]["ok"] and ["info", "member, amount, dataHash"] in answers["waiting"]["lines"]
    assert answers["waiting, amount altered"]["failedPart"] == "index, member, amount or dataHash"
    assert answers["waiting, index beyond the leaves"]["failedPart"] == "index"

    token = get_community(ctx, name).token_address
    ctx.chain.send(ctx.chain.notary.functions.voidEpoch(token, 1, b"\x01" * 32), "community_admin")
    voided = agree_with_oracle(ctx, tmp_path, {"voided": json.dumps(doc)})["voided"]
    assert voided["failedPart"] == "epoch"
    assert voided["failure"] == "epoch 1 was voided on-chain: its commitment does not stand"
    assert [status for status, _part in voided["lines"]].count("fail") == 1


def test_a_baseline_model_epoch_derives_the_data_start_one_period_earlier(ctx, tmp_path):
    from oracle.communities import create_community
    from oracle.epochs.runner import run_epoch
    from oracle.ingest.loader import ingest_file
    from oracle.members import import_members
    from oracle.model_registry import publish_model
    from tests.oracle.builders import BRUNO, END, MEMBERS_CSV, READINGS_CSV, START, devices_prefix, quiet
    from tests.oracle.conftest import unique_name, write

    name = unique_name("Auditor Combined LEC")
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
    doc = json.loads(export_takeout(ctx, name, 1, BRUNO, tmp_path / "combined.json").path.read_text())
    assert doc["period"]["dataStart"] == "2026-09-30T23:00:00+00:00"
    wrong = copy.deepcopy(doc)
    wrong["period"]["dataStart"] = doc["period"]["start"]
    answers = agree_with_oracle(ctx, tmp_path, {"combined": json.dumps(doc), "combined, data start": json.dumps(wrong)})
    assert answers["combined"]["ok"]
    assert sum(part.startswith("model.params.") for _status, part in answers["combined"]["lines"]) == 6
    assert answers["combined, data start"]["failure"] == (
        "the file says 2026-10-01T00:00:00+00:00, the data start of a combined epoch (one period length before it, "
        "for the baseline) is 2026-09-30T23:00:00+00:00"
    )
