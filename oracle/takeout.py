"""Take-out proofs: a member's data behind a reward, checkable by anyone against the chain.

The file (format "lec-takeout-v1") holds the member's canonical readings used by the epoch, the
salt, the leaf (member, amount, data hash), its Merkle proof and the root. `verify` recomputes the
data hash and the leaf from the file, walks the proof to the root, and asks the notary on-chain;
it names the first part that does not match. The leaf/proof/root also verify with
`StandardMerkleTree.verify(root, ["address","uint256","bytes32"], leaf, proof)` of @openzeppelin/merkle-tree.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from eth_utils import is_address, to_checksum_address
from sqlalchemy import select

from oracle.context import Context
from oracle.db.schema import EpochMember
from oracle.epochs import canonical
from oracle.epochs.data import load_readings
from oracle.epochs.report import find_epoch
from oracle.errors import OracleError, read_json_file
from oracle.merkle import REWARD_LEAF_ENCODING, StandardMerkleTree, leaf_hash, process_proof

FORMAT = "lec-takeout-v1"
CANONICALIZATION = ("one line per reading, sorted by deviceid then ts: '<deviceid>,<ts UTC YYYY-MM-DDTHH:MM:SSZ>,"
                    "<energy Wh, 3 decimals>\\n' (UTF-8); dataHash = keccak256(salt ++ those bytes)")


def export_takeout(ctx: Context, community_name: str, number: int, member: str, out: Path) -> Path:
    if not is_address(member):
        raise OracleError(f"--member {member!r} is not an Ethereum address")
    member = to_checksum_address(member)
    community, epoch = find_epoch(ctx, community_name, number)
    if epoch.merkle_root is None:
        raise OracleError(f"epoch {number} has no Merkle tree yet: run it to completion first")
    with ctx.session() as s:
        row = s.scalar(select(EpochMember).where(EpochMember.epoch_id == epoch.id, EpochMember.wallet == member))
    if row is None:
        raise OracleError(f"{member} has no leaf in epoch {number} of {community_name!r}")
    readings = load_readings(ctx.engine, community.id, epoch.data_start, epoch.period_end, epoch.ingestion_watermark,
                             wallet=member)
    lines = canonical.canonical_lines(readings)
    recomputed = canonical.data_hash(bytes(row.salt), canonical.canonical_bytes(lines))
    if recomputed != bytes(row.data_hash):
        raise OracleError(f"the stored readings of {member} no longer hash to the committed data hash")
    tree = StandardMerkleTree.load(epoch.tree_dump)
    index = tree.index_of(lambda v: v[0] == member)
    chain = ctx.chain
    document = {
        "format": FORMAT,
        "chainId": chain.chain_id,
        "notary": chain.manifest["contracts"]["ConsumptionNotary"]["address"],
        "community": {"name": community.name, "token": community.token_address},
        "epoch": epoch.number,
        "period": {"start": epoch.period_start.isoformat(), "end": epoch.period_end.isoformat(),
                   "dataStart": epoch.data_start.isoformat()},
        "model": {"id": epoch.model_id, "version": epoch.model_version, "params": epoch.params["values"]},
        "member": member,
        "amount": str(int(row.amount)),
        "salt": "0x" + bytes(row.salt).hex(),
        "dataHash": "0x" + bytes(row.data_hash).hex(),
        "leaf": {"encoding": REWARD_LEAF_ENCODING, "value": [member, str(int(row.amount)),
                                                            "0x" + bytes(row.data_hash).hex()],
                 "hash": "0x" + tree.leaf(index).hex()},
        "proof": tree.proof_hex(index),
        "root": epoch.merkle_root,
        "canonicalization": CANONICALIZATION,
        "readings": [{"deviceid": d, "ts": t, "energy": e} for d, t, e in lines],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1) + "\n")
    return out


@dataclass
class VerifyResult:
    ok: bool = True
    failure: str | None = None
    lines: list[str] = field(default_factory=list)

    def check(self, passed: bool, label: str, failure: str) -> bool:
        self.lines.append(f"{'ok  ' if passed else 'FAIL'} {label}")
        if not passed and self.ok:
            self.ok, self.failure = False, failure
        return passed


def _hex32(value, what: str) -> bytes:
    try:
        raw = bytes.fromhex(str(value).removeprefix("0x"))
    except ValueError:
        raise OracleError(f"take-out file: {what} is not hex") from None
    if len(raw) != 32:
        raise OracleError(f"take-out file: {what} is not 32 bytes")
    return raw


def verify_takeout_file(ctx: Context, path: Path) -> VerifyResult:
    doc = read_json_file(path)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise OracleError(f"{path}: not a {FORMAT} file")
    try:
        member = to_checksum_address(doc["member"])
        amount = int(doc["amount"])
        salt, data_hash = _hex32(doc["salt"], "salt"), _hex32(doc["dataHash"], "dataHash")
        root = _hex32(doc["root"], "root")
        proof = [_hex32(p, "a proof node") for p in doc["proof"]]
        lines = [(r["deviceid"], r["ts"], r["energy"]) for r in doc["readings"]]
        token, epoch = doc["community"]["token"], int(doc["epoch"])
        leaf_value = doc["leaf"]["value"]
    except (KeyError, TypeError, ValueError) as exc:
        raise OracleError(f"{path}: missing or malformed field ({exc})") from None

    result = VerifyResult()
    recomputed = canonical.data_hash(salt, canonical.canonical_bytes(lines))
    result.check(recomputed == data_hash, f"data hash: keccak256(salt ++ {len(lines)} readings) = dataHash",
                 "the readings or the salt were altered: their hash is not the dataHash")
    leaf_ok = (to_checksum_address(leaf_value[0]) == member and int(leaf_value[1]) == amount
               and _hex32(leaf_value[2], "leaf dataHash") == data_hash)
    result.check(leaf_ok, "leaf value = (member, amount, dataHash)",
                 "the leaf value disagrees with member, amount or dataHash")
    leaf = leaf_hash((member, amount, data_hash), REWARD_LEAF_ENCODING)
    result.check(process_proof(leaf, proof) == root, "proof leads from the leaf to the root",
                 "the member, amount, data hash or proof were altered: the proof does not reach the root")
    chain = ctx.chain
    notary = chain.notary
    try:
        committed = chain.call(notary.functions.getEpoch(to_checksum_address(token), epoch))
    except OracleError as exc:
        result.check(False, f"epoch {epoch} committed on-chain", f"epoch {epoch} is not on-chain: {exc}")
        return result
    committed_root = bytes(committed[0][2])
    result.check(committed_root == root, f"root = the root committed on-chain for epoch {epoch}",
                 f"the root in the file is not the one committed on-chain ({'0x' + committed_root.hex()})")
    onchain = chain.call(notary.functions.verifyTakeout(to_checksum_address(token), epoch, member, amount, data_hash,
                                                        proof))
    result.check(bool(onchain), "the notary's verifyTakeout accepts (member, amount, dataHash, proof)",
                 "the notary on-chain rejects this leaf and proof")
    return result
