"""Take-out proofs: a member's data behind a reward, checkable by anyone against the chain.

The file (format "lec-takeout-v2") holds the member's canonical readings used by the epoch, the salt,
the leaf index, the leaf (index, member, amount, data hash) with its encoding, its Merkle proof and the
root. `verify` recomputes the data hash and the leaf from the file, walks the proof to the root, and asks
the notary named in the file; it names the first part that does not match. The leaf/proof/root also
verify with `StandardMerkleTree.verify(root, leaf.encoding, leaf.value, proof)` of @openzeppelin/merkle-tree.

`verify` follows the file's leaf encoding: files of the first notary ("lec-takeout-v1", encoding
["address","uint256","bytes32"], no index) still verify their readings, leaf and proof, and are checked
on-chain through that notary's own interface (oracle.chain.notary_v1).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from eth_utils import is_address, to_checksum_address
from sqlalchemy import select
from web3.exceptions import Web3Exception

from oracle.chain.client import EpochStatus
from oracle.context import Context
from oracle.db.schema import EpochMember
from oracle.epochs import canonical
from oracle.epochs.data import load_readings
from oracle.epochs.report import find_epoch
from oracle.errors import OracleError, read_json_file
from oracle.merkle import REWARD_LEAF_ENCODING, REWARD_LEAF_ENCODING_V1, StandardMerkleTree, leaf_hash, process_proof

FORMAT = "lec-takeout-v2"
FORMATS = ("lec-takeout-v1", FORMAT)
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
    if tree.values()[row.leaf_index][:2] != (row.leaf_index, member):
        raise OracleError(f"the stored tree of epoch {number} does not hold {member} at leaf {row.leaf_index}")
    document = _document(ctx, community, epoch, row, tree, lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1) + "\n")
    return out


def _document(ctx: Context, community, epoch, row: EpochMember, tree: StandardMerkleTree, lines: list) -> dict:
    chain = ctx.chain
    index, member = row.leaf_index, row.wallet
    data_hash = "0x" + bytes(row.data_hash).hex()
    return {
        "format": FORMAT,
        "chainId": chain.chain_id,
        "notary": chain.manifest["contracts"]["ConsumptionNotary"]["address"],
        "community": {"name": community.name, "token": community.token_address},
        "epoch": epoch.number,
        "period": {"start": epoch.period_start.isoformat(), "end": epoch.period_end.isoformat(),
                   "dataStart": epoch.data_start.isoformat()},
        "model": {"id": epoch.model_id, "version": epoch.model_version,
                  "effectiveFrom": epoch.model_effective_from.isoformat(), "params": epoch.params["values"]},
        "index": index,
        "member": member,
        "amount": str(int(row.amount)),
        "salt": "0x" + bytes(row.salt).hex(),
        "dataHash": data_hash,
        "leaf": {"encoding": REWARD_LEAF_ENCODING, "value": [str(index), member, str(int(row.amount)), data_hash],
                 "hash": "0x" + tree.leaf(index).hex()},
        "proof": tree.proof_hex(index),
        "root": epoch.merkle_root,
        "canonicalization": CANONICALIZATION,
        "readings": [{"deviceid": d, "ts": t, "energy": e} for d, t, e in lines],
    }


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


@dataclass(frozen=True)
class Takeout:
    """The parts of a take-out file that verification reads."""
    encoding: list[str]
    index: int | None  # None in a v1 file
    member: str
    amount: int
    salt: bytes
    data_hash: bytes
    root: bytes
    proof: list[bytes]
    readings: list[tuple]
    leaf_value: list
    chain_id: int
    notary: str
    token: str
    epoch: int

    @property
    def v1(self) -> bool:
        return self.encoding == REWARD_LEAF_ENCODING_V1

    @property
    def leaf(self) -> tuple:
        core = (self.member, self.amount, self.data_hash)
        return core if self.v1 else (self.index, *core)


def _hex32(value, what: str) -> bytes:
    try:
        raw = bytes.fromhex(str(value).removeprefix("0x"))
    except ValueError:
        raise OracleError(f"take-out file: {what} is not hex") from None
    if len(raw) != 32:
        raise OracleError(f"take-out file: {what} is not 32 bytes")
    return raw


def read_takeout(path: Path) -> Takeout:
    doc = read_json_file(path)
    if not isinstance(doc, dict) or doc.get("format") not in FORMATS:
        raise OracleError(f"{path}: not a take-out file ({' or '.join(FORMATS)})")
    try:
        encoding = list(doc["leaf"]["encoding"])
        if encoding not in (REWARD_LEAF_ENCODING, REWARD_LEAF_ENCODING_V1):
            raise OracleError(f"{path}: unknown leaf encoding {encoding}: expected {REWARD_LEAF_ENCODING} "
                              f"(or the first notary's {REWARD_LEAF_ENCODING_V1})")
        return Takeout(
            encoding=encoding,
            index=None if encoding == REWARD_LEAF_ENCODING_V1 else int(doc["index"]),
            member=to_checksum_address(doc["member"]),
            amount=int(doc["amount"]),
            salt=_hex32(doc["salt"], "salt"),
            data_hash=_hex32(doc["dataHash"], "dataHash"),
            root=_hex32(doc["root"], "root"),
            proof=[_hex32(p, "a proof node") for p in doc["proof"]],
            readings=[(r["deviceid"], r["ts"], r["energy"]) for r in doc["readings"]],
            leaf_value=list(doc["leaf"]["value"]),
            chain_id=int(doc["chainId"]),
            notary=to_checksum_address(doc["notary"]),
            token=to_checksum_address(doc["community"]["token"]),
            epoch=int(doc["epoch"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise OracleError(f"{path}: missing or malformed field ({exc})") from None


def verify_takeout_file(ctx: Context, path: Path) -> VerifyResult:
    takeout = read_takeout(path)
    result = VerifyResult()
    _verify_offchain(takeout, result)
    chain = ctx.chain
    if not result.check(takeout.chain_id == chain.chain_id, f"the file is for chain {takeout.chain_id}, the one "
                        "the oracle reads", f"the file is for chain {takeout.chain_id}, the oracle reads chain "
                        f"{chain.chain_id}"):
        return result
    if takeout.v1:
        _verify_onchain_v1(chain, takeout, result)
    else:
        _verify_onchain(chain, takeout, result)
    return result


def _leaf_value_matches(takeout: Takeout) -> bool:
    value = takeout.leaf_value
    try:
        if not takeout.v1:
            if int(value[0]) != takeout.index:
                return False
            value = value[1:]
        member, amount, data_hash = value
        return (to_checksum_address(member) == takeout.member and int(amount) == takeout.amount
                and _hex32(data_hash, "leaf dataHash") == takeout.data_hash)
    except (ValueError, TypeError):
        return False


def _verify_offchain(takeout: Takeout, result: VerifyResult) -> None:
    """Readings and salt → data hash → leaf → proof → root, with the file's own encoding."""
    recomputed = canonical.data_hash(takeout.salt, canonical.canonical_bytes(takeout.readings))
    result.check(recomputed == takeout.data_hash,
                 f"data hash: keccak256(salt ++ {len(takeout.readings)} readings) = dataHash",
                 "the readings or the salt were altered: their hash is not the dataHash")
    parts = "(member, amount, dataHash)" if takeout.v1 else "(index, member, amount, dataHash)"
    result.check(_leaf_value_matches(takeout), f"leaf value = {parts}",
                 f"the leaf value disagrees with {parts.strip('()')}")
    leaf = leaf_hash(takeout.leaf, takeout.encoding)
    result.check(process_proof(leaf, takeout.proof) == takeout.root, "proof leads from the leaf to the root",
                 "the index, member, amount, data hash or proof were altered: the proof does not reach the root")


def _verify_onchain(chain, takeout: Takeout, result: VerifyResult) -> None:
    notary = chain.w3.eth.contract(address=takeout.notary, abi=chain.notary.abi)
    try:
        committed = chain.epoch(takeout.token, takeout.epoch, notary=notary)
    except (OracleError, Web3Exception) as exc:
        result.check(False, f"the notary at {takeout.notary} answers",
                     f"the notary at {takeout.notary} does not answer the ConsumptionNotary interface ({exc})")
        return
    if committed is None:
        result.check(False, f"epoch {takeout.epoch} committed on-chain", f"epoch {takeout.epoch} is not on-chain")
        return
    result.check(committed.merkle_root == takeout.root, f"root = the root committed on-chain for epoch {takeout.epoch}",
                 f"the root in the file is not the one committed on-chain ({committed.merkle_root_hex})")
    result.check(committed.status != EpochStatus.VOIDED, f"epoch {takeout.epoch} stands (not voided)",
                 f"epoch {takeout.epoch} was voided on-chain: its commitment does not stand")
    accepted = chain.call(notary.functions.verifyTakeout(takeout.token, takeout.epoch, takeout.index, takeout.member,
                                                         takeout.amount, takeout.data_hash, takeout.proof))
    result.check(bool(accepted), "the notary's verifyTakeout accepts (index, member, amount, dataHash, proof)",
                 "the notary on-chain rejects this leaf and proof")


def _verify_onchain_v1(chain, takeout: Takeout, result: VerifyResult) -> None:
    from oracle.chain.notary_v1 import NotV1Notary, UnknownV1Epoch, V1Notary

    notary = V1Notary(chain, takeout.notary)
    label = f"the notary at {takeout.notary} answers the first (v1) notary's interface"
    try:
        committed = notary.epoch(takeout.token, takeout.epoch)
        accepted = notary.verify_takeout(takeout.token, takeout.epoch, takeout.member, takeout.amount,
                                         takeout.data_hash, takeout.proof)
    except UnknownV1Epoch:
        result.check(False, f"epoch {takeout.epoch} committed on-chain", f"epoch {takeout.epoch} is not on-chain")
        return
    except NotV1Notary:
        result.check(False, label, f"the notary at {takeout.notary} does not answer the first (v1) notary's "
                     "interface (getEpoch, verifyTakeout without an index): this v1 file cannot be checked on-chain "
                     "there")
        return
    result.check(True, label, "")
    result.check(committed.merkle_root == takeout.root, f"root = the root committed on-chain for epoch {takeout.epoch}",
                 f"the root in the file is not the one committed on-chain (0x{committed.merkle_root.hex()})")
    result.check(accepted, "the v1 notary's verifyTakeout accepts (member, amount, dataHash, proof)",
                 "the notary on-chain rejects this leaf and proof")
