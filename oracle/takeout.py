"""Take-out proofs: a member's data behind a reward, checkable by anyone against the chain.

The file (format "lec-takeout-v2") states where its commitment is (chain id, notary, community token and
name, epoch), what was committed (period, data start, model, version, its effective time and parameters,
root) and the member's leaf: index, member, amount, salt, data hash, the leaf (encoding, value, hash), its
Merkle proof and the canonical readings. The leaf/proof/root also verify with
`StandardMerkleTree.verify(root, leaf.encoding, leaf.value, proof)` of @openzeppelin/merkle-tree.

A revision of the epoch (`--revision K`, oracle/epochs/revisions.py) is taken out as the same document, with
the revision's root, salt, data hash, corrected readings and a leaf whose amount is the member's top-up, plus a
`revision` object: number, reasonHash, datasetHash, previousReward, reward, topUp, debt (base units as decimal
strings). An epoch's leaf that paid off a debt adds `reward` (before the deduction) and `debtDeducted`;
its amount is reward − debtDeducted.

Only an epoch (or revision) whose commitment stands on-chain is taken out: a computed but uncommitted,
abandoned or voided one proves nothing. `oracle verify` (oracle.takeout_verify) checks every field against the chain.
Files of the first notary ("lec-takeout-v1", leaf encoding ["address","uint256","bytes32"], no index)
are still read and verified.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from eth_utils import is_address, to_checksum_address
from sqlalchemy import select

from oracle.chain.client import EpochStatus
from oracle.context import Context
from oracle.db.schema import EpochMember, EpochRevision, RevisionMember
from oracle.epochs import canonical
from oracle.epochs.data import load_readings
from oracle.epochs.report import find_epoch
from oracle.errors import OracleError, read_json_file
from oracle.merkle import REWARD_LEAF_ENCODING, REWARD_LEAF_ENCODING_V1, DumpedLeaf, dumped_leaf
from oracle.privacy.erasures import refuse_if_erased

FORMAT = "lec-takeout-v2"
FORMAT_V1 = "lec-takeout-v1"
FORMATS = (FORMAT_V1, FORMAT)
CANONICALIZATION = (
    "one line per reading, sorted by deviceid then ts: '<deviceid>,<ts UTC YYYY-MM-DDTHH:MM:SSZ>,"
    "<energy Wh, 3 decimals>\\n' (UTF-8); dataHash = keccak256(salt ++ those bytes)"
)
FIELDS = (
    "format",
    "chainId",
    "notary",
    "community",
    "epoch",
    "period",
    "model",
    "index",
    "member",
    "amount",
    "salt",
    "dataHash",
    "leaf",
    "proof",
    "root",
    "canonicalization",
    "readings",
    "revision",  # a revision's take-out
    "reward",  # an epoch's leaf that deducted a debt: the reward before the deduction
    "debtDeducted",
)
_ERASED = (
    "their readings and salts are gone, so no take-out can be built; the leaf's amount and data hash stay "
    "on-chain, where the other members' proofs need them"
)


# ------------------------------------------------------------------ export


@dataclass(frozen=True)
class TakeoutExport:
    path: Path
    created_folder: Path | None  # the folder made for the file (None: it existed)


def export_takeout(
    ctx: Context, community_name: str, number: int, member: str, out: Path, revision: int | None = None
) -> TakeoutExport:
    document = build_takeout(ctx, community_name, number, member, revision)
    return _write(out, json.dumps(document, indent=1) + "\n")


def build_takeout(ctx: Context, community_name: str, number: int, member: str, revision: int | None = None) -> dict:
    """The take-out document of `member` in epoch `number`, or in its revision `revision` (what `oracle takeout`
    writes), once that commitment stands on-chain and the stored readings still hash to the committed data
    hash; OracleError otherwise."""
    if not is_address(member):
        raise OracleError(f"--member {member!r} is not an Ethereum address")
    member = to_checksum_address(member)
    community, epoch = find_epoch(ctx, community_name, number)
    with ctx.session() as s:
        refuse_if_erased(s, member, community.id, _ERASED)
    _require_standing_commitment(ctx, community, epoch)
    if revision is not None:
        return _revision_takeout(ctx, community, epoch, revision, member)
    with ctx.session() as s:
        row = s.scalar(select(EpochMember).where(EpochMember.epoch_id == epoch.id, EpochMember.wallet == member))
    if row is None:
        raise OracleError(f"{member} has no leaf in epoch {number} of {community_name!r}")
    what = f"epoch {number}"
    lines = _committed_readings(ctx, community, epoch, epoch.ingestion_watermark, row)
    leaf = _proven_leaf(epoch.tree_dump, epoch.merkle_root, row, what)
    document = _document(ctx, community, epoch, _Leaf.of(row, int(row.amount), epoch.merkle_root), leaf, lines)
    deducted = int(row.debt_deducted or 0)
    if deducted:
        document.update(reward=str(int(row.amount) + deducted), debtDeducted=str(deducted))
    return document


def _committed_readings(ctx: Context, community, epoch, watermark: int, row) -> list:
    """The member's canonical readings as of `watermark`, checked against the committed data hash."""
    readings = load_readings(ctx.engine, community.id, epoch.data_start, epoch.period_end, watermark, wallet=row.wallet)
    lines = canonical.canonical_lines(readings)
    recomputed = canonical.data_hash(bytes(row.salt), canonical.canonical_bytes(lines))
    if recomputed != bytes(row.data_hash):
        raise OracleError(f"the stored readings of {row.wallet} no longer hash to the committed data hash")
    return lines


def _proven_leaf(tree_dump: dict, root: str, row, what: str) -> DumpedLeaf:
    member = row.wallet
    try:  # the leaf's path only: validating the whole stored tree takes seconds at 10,000 members
        leaf = dumped_leaf(tree_dump, row.leaf_index, bytes.fromhex(root.removeprefix("0x")))
    except (ValueError, KeyError, TypeError) as exc:
        raise OracleError(
            f"the stored tree of {what} does not prove the leaf of {member} ({exc}): run "
            "`oracle doctor` to see what to do"
        ) from None
    if leaf.value[:2] != (row.leaf_index, member):
        raise OracleError(f"the stored tree of {what} does not hold {member} at leaf {row.leaf_index}")
    return leaf


# ------------------------------------------------------------------ a revision's take-out


def _revision_takeout(ctx: Context, community, epoch, number: int, member: str) -> dict:
    where = f"epoch {epoch.number} of {community.name!r}"
    with ctx.session() as s:
        revision = s.scalar(
            select(EpochRevision).where(EpochRevision.epoch_id == epoch.id, EpochRevision.number == number)
        )
        known = list(
            s.scalars(
                select(EpochRevision.number).where(EpochRevision.epoch_id == epoch.id).order_by(EpochRevision.number)
            )
        )
        row = None
        if revision is not None:
            row = s.scalar(
                select(RevisionMember).where(RevisionMember.revision_id == revision.id, RevisionMember.wallet == member)
            )
    if revision is None:
        has = f"its revisions: {', '.join(map(str, known))}" if known else "it has no revision"
        raise OracleError(f"{where} has no revision {number} ({has})")
    _require_standing_revision(ctx, community, epoch, revision)
    if row is None:
        raise OracleError(f"{member} has no leaf in revision {number} of {where}")
    lines = _committed_readings(ctx, community, epoch, revision.ingestion_watermark, row)
    leaf = _proven_leaf(revision.tree_dump, revision.merkle_root, row, f"revision {number} of {where}")
    document = _document(ctx, community, epoch, _Leaf.of(row, int(row.top_up), revision.merkle_root), leaf, lines)
    document["revision"] = {
        "number": revision.number,
        "reasonHash": revision.reason_hash,
        "datasetHash": revision.dataset_hash,
        "previousReward": str(int(row.previous_reward)),
        "reward": str(int(row.reward)),
        "topUp": str(int(row.top_up)),
        "debt": str(int(row.debt)),
    }
    return document


def _require_standing_revision(ctx: Context, community, epoch, revision: EpochRevision) -> None:
    """A revision's take-out proves a leaf of a revision committed on-chain and not voided."""
    name, number = community.name, revision.number
    where = f"revision {number} of epoch {epoch.number} of {name!r}"
    voided = (
        f"{where} was voided on-chain: it pays nothing and its commitment does not stand, so a take-out would "
        f"prove nothing: take out the epoch (without --revision) or a later revision"
    )
    if revision.status == "voided":
        raise OracleError(voided)
    onchain = ctx.chain.revision(community.token_address, epoch.number, number)
    if revision.merkle_root is None or onchain is None:
        raise OracleError(
            f"{where} is not committed on-chain yet (status {revision.status}), so a take-out would prove "
            f"nothing: run `oracle epoch correct --community {shlex.quote(name)} --epoch {epoch.number} --reason "
            f"{shlex.quote(revision.reason)}` to commit it, then take out"
        )
    if onchain.merkle_root_hex != revision.merkle_root:
        raise OracleError(
            f"{where} is committed on-chain with root {onchain.merkle_root_hex}, not the database's "
            f"{revision.merkle_root}: the database and the chain disagree; run `oracle doctor` to see what to do"
        )
    if onchain.status == EpochStatus.VOIDED:
        raise OracleError(voided)


def _require_standing_commitment(ctx: Context, community, epoch) -> None:
    """A take-out proves a leaf of a commitment that stands on-chain; anything else is refused, saying why."""
    name, number = community.name, epoch.number
    run = (
        f"`oracle epoch run --community {name!r} --start {epoch.period_start.isoformat()} "
        f"--end {epoch.period_end.isoformat()}`"
    )
    again = "take out the epoch that ran its period again"
    if epoch.status == "abandoned":
        raise OracleError(
            f"epoch {number} of {name!r} was abandoned and never committed on-chain, so a take-out "
            f"would prove nothing: {again} (or run it: {run})"
        )
    if epoch.status == "voided":
        raise OracleError(
            f"epoch {number} of {name!r} was voided on-chain: its commitment does not stand, so a "
            f"take-out would prove nothing: {again} (or run it: {run})"
        )
    if epoch.merkle_root is None:
        raise OracleError(
            f"epoch {number} of {name!r} is not computed yet (status {epoch.status}): run {run} to "
            "commit it, then take out"
        )
    onchain = ctx.chain.epoch(community.token_address, number)
    if onchain is None:
        raise OracleError(
            f"epoch {number} of {name!r} is computed but not committed on-chain (status "
            f"{epoch.status}), so a take-out would prove nothing: run {run} to commit it, then take "
            "out"
        )
    if onchain.merkle_root_hex != epoch.merkle_root:
        raise OracleError(
            f"epoch {number} of {name!r} is committed on-chain with root {onchain.merkle_root_hex}, "
            f"not the database's {epoch.merkle_root}: the database and the chain disagree; run "
            "`oracle doctor` to see what to do"
        )
    if onchain.status == EpochStatus.VOIDED:
        raise OracleError(
            f"epoch {number} of {name!r} was voided on-chain (the database still says "
            f"{epoch.status}): its commitment does not stand, so a take-out would prove nothing: "
            f"{run} records the void; then {again}"
        )


def _write(out: Path, text: str) -> TakeoutExport:
    """Writes the file whole (a temporary file renamed into place), making its folder if needed; on failure
    nothing is left behind."""
    if out.is_dir():
        raise OracleError(f"--out {out} is a folder: give a file name in it, e.g. {out / 'takeout.json'}")
    folder = out.parent
    created = [p for p in [folder, *folder.parents] if not p.exists()]  # deepest first
    partial = out.with_name(out.name + ".partial")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial.write_text(text)
        os.replace(partial, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        for made in created:  # deepest first; only empty folders go
            with contextlib.suppress(OSError):
                made.rmdir()
        raise OracleError(f"cannot write the take-out to {out}: {exc.strerror or exc}") from None
    return TakeoutExport(out, folder if created else None)


@dataclass(frozen=True)
class _Leaf:
    """What a take-out's leaf says: an epoch's (amount = what it paid) or a revision's (amount = the top-up)."""

    index: int
    member: str
    amount: int
    salt: bytes
    data_hash: bytes
    root: str

    @classmethod
    def of(cls, row: EpochMember | RevisionMember, amount: int, root: str) -> _Leaf:
        return cls(row.leaf_index, row.wallet, amount, bytes(row.salt), bytes(row.data_hash), root)


def _document(ctx: Context, community, epoch, row: _Leaf, leaf: DumpedLeaf, lines: list) -> dict:
    chain = ctx.chain
    index, member = row.index, row.member
    data_hash = "0x" + row.data_hash.hex()
    return {
        "format": FORMAT,
        "chainId": chain.chain_id,
        "notary": chain.manifest["contracts"]["ConsumptionNotary"]["address"],
        "community": {"name": community.name, "token": community.token_address},
        "epoch": epoch.number,
        "period": {
            "start": epoch.period_start.isoformat(),
            "end": epoch.period_end.isoformat(),
            "dataStart": epoch.data_start.isoformat(),
        },
        "model": {
            "id": epoch.model_id,
            "version": epoch.model_version,
            "effectiveFrom": epoch.model_effective_from.isoformat(),
            "params": epoch.params["values"],
        },
        "index": index,
        "member": member,
        "amount": str(row.amount),
        "salt": "0x" + row.salt.hex(),
        "dataHash": data_hash,
        "leaf": {
            "encoding": REWARD_LEAF_ENCODING,
            "value": [str(index), member, str(row.amount), data_hash],
            "hash": "0x" + leaf.leaf.hex(),
        },
        "proof": ["0x" + node.hex() for node in leaf.proof],
        "root": row.root,
        "canonicalization": CANONICALIZATION,
        "readings": [{"deviceid": d, "ts": t, "energy": e} for d, t, e in lines],
    }


# ------------------------------------------------------------------ reading a file


@dataclass(frozen=True)
class RevisionPart:
    """The `revision` object of a revision's take-out (amounts in base units)."""

    number: int
    reason_hash: bytes
    dataset_hash: bytes
    previous_reward: int
    reward: int
    top_up: int
    debt: int


@dataclass(frozen=True)
class Takeout:
    """A take-out file, typed. Fields a v1 file may lack are None."""

    format: str
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
    leaf_hash: bytes | None
    chain_id: int
    notary: str
    token: str
    community_name: str | None
    epoch: int
    period_start: datetime | None
    period_end: datetime | None
    data_start: datetime | None
    model_id: str | None
    model_version: int | None
    effective_from: datetime | None
    params: dict | None
    canonicalization: str | None
    unknown_fields: list[str]
    revision: RevisionPart | None = None  # a revision's take-out
    reward: int | None = None  # an epoch's leaf that deducted a debt: the reward before the deduction
    debt_deducted: int | None = None

    @property
    def v1(self) -> bool:
        return self.encoding == REWARD_LEAF_ENCODING_V1

    @property
    def leaf(self) -> tuple:
        core = (self.member, self.amount, self.data_hash)
        return core if self.v1 else (self.index, *core)


class _Malformed(ValueError):
    pass


def _hex32(value, what: str) -> bytes:
    try:
        raw = bytes.fromhex(str(value).removeprefix("0x"))
    except ValueError:
        raise _Malformed(f"{what} is not hex") from None
    if len(raw) != 32:
        raise _Malformed(f"{what} is not 32 bytes")
    return raw


def _uint(value, what: str, bits: int = 256) -> int:
    """A whole number of `bits` bits, as a JSON number or a string of ASCII digits (no sign, separator or other
    script)."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,80}", value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Malformed(f"{what} {value!r} is not a whole number")
    if value >= 2**bits:
        raise _Malformed(f"{what} {value} does not fit {bits} bits")
    return value


def _address(value, what: str) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise _Malformed(f"{what} {value!r} is not an Ethereum address")
    return to_checksum_address(value)


def _instant(value, what: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise _Malformed(f"{what} {value!r} is not an ISO 8601 time") from None
    if instant.tzinfo is None:
        raise _Malformed(f"{what} {value!r} has no UTC offset")
    return instant


def _optional(doc: dict, outer: str, inner: str, parse, required: bool):
    section = doc.get(outer)
    if isinstance(section, dict) and inner in section:
        return parse(section[inner], f"{outer}.{inner}")
    if required:
        raise _Malformed(f"{outer}.{inner} is missing")
    return None


def read_takeout(path: Path) -> Takeout:
    doc = read_json_file(path)
    if not isinstance(doc, dict) or doc.get("format") not in FORMATS:
        raise OracleError(f"{path}: not a take-out file ({' or '.join(FORMATS)})")
    try:
        return _parse(doc)
    except _Malformed as exc:
        raise OracleError(f"{path}: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise OracleError(f"{path}: missing or malformed field ({exc})") from None


def _parse(doc: dict) -> Takeout:
    encoding = list(doc["leaf"]["encoding"])
    if encoding not in (REWARD_LEAF_ENCODING, REWARD_LEAF_ENCODING_V1):
        raise _Malformed(
            f"unknown leaf encoding {encoding}: expected {REWARD_LEAF_ENCODING} (or the first "
            f"notary's {REWARD_LEAF_ENCODING_V1})"
        )
    v1 = encoding == REWARD_LEAF_ENCODING_V1
    if v1 != (doc["format"] == FORMAT_V1):
        raise _Malformed(f"format {doc['format']} does not go with the leaf encoding {encoding}")
    v2 = not v1
    params = _optional(doc, "model", "params", lambda v, w: v if isinstance(v, dict) else _bad(w, v), v2)
    name = doc.get("community", {}).get("name")
    return Takeout(
        format=doc["format"],
        encoding=encoding,
        index=None if v1 else _uint(doc["index"], "index"),
        member=_address(doc["member"], "member"),
        amount=_uint(doc["amount"], "amount"),
        salt=_hex32(doc["salt"], "salt"),
        data_hash=_hex32(doc["dataHash"], "dataHash"),
        root=_hex32(doc["root"], "root"),
        proof=[_hex32(p, "a proof node") for p in doc["proof"]],
        readings=[(r["deviceid"], r["ts"], r["energy"]) for r in doc["readings"]],
        leaf_value=list(doc["leaf"]["value"]),
        leaf_hash=_hex32(doc["leaf"]["hash"], "leaf.hash") if "hash" in doc["leaf"] else None,
        chain_id=_uint(doc["chainId"], "chainId", 64),
        notary=_address(doc["notary"], "notary"),
        token=_address(doc["community"]["token"], "community.token"),
        community_name=name if isinstance(name, str) else (None if name is None else _bad("community.name", name)),
        epoch=_uint(doc["epoch"], "epoch", 64),
        period_start=_optional(doc, "period", "start", _instant, v2),
        period_end=_optional(doc, "period", "end", _instant, v2),
        data_start=_optional(doc, "period", "dataStart", _instant, v2),
        model_id=_optional(doc, "model", "id", lambda v, w: v if isinstance(v, str) else _bad(w, v), v2),
        model_version=_optional(doc, "model", "version", lambda v, w: _uint(v, w, 32), v2),
        effective_from=_optional(doc, "model", "effectiveFrom", _instant, v2),
        params=params,
        canonicalization=doc.get("canonicalization"),
        unknown_fields=sorted(set(doc) - set(FIELDS)),
        revision=_revision_part(doc, v1),
        **_debt_part(doc),
    )


def _revision_part(doc: dict, v1: bool) -> RevisionPart | None:
    if "revision" not in doc:
        return None
    part = doc["revision"]
    if v1 or not isinstance(part, dict):
        raise _Malformed("revision is malformed: an object, in a lec-takeout-v2 file only")

    def field(key: str):
        if key not in part:
            raise _Malformed(f"revision.{key} is missing")
        return part[key]

    return RevisionPart(
        number=_uint(field("number"), "revision.number", 32),
        reason_hash=_hex32(field("reasonHash"), "revision.reasonHash"),
        dataset_hash=_hex32(field("datasetHash"), "revision.datasetHash"),
        previous_reward=_uint(field("previousReward"), "revision.previousReward"),
        reward=_uint(field("reward"), "revision.reward"),
        top_up=_uint(field("topUp"), "revision.topUp"),
        debt=_uint(field("debt"), "revision.debt"),
    )


def _debt_part(doc: dict) -> dict:
    """reward and debtDeducted: both or neither, and only in an epoch's take-out."""
    stated = [key for key in ("reward", "debtDeducted") if key in doc]
    if not stated:
        return {}
    if len(stated) == 1:
        missing = "debtDeducted" if stated == ["reward"] else "reward"
        raise _Malformed(f"{stated[0]} is stated without {missing}")
    if "revision" in doc:
        raise _Malformed("reward and debtDeducted belong to an epoch's take-out, not a revision's (see revision.*)")
    return {"reward": _uint(doc["reward"], "reward"), "debt_deducted": _uint(doc["debtDeducted"], "debtDeducted")}


def _bad(what: str, value):
    raise _Malformed(f"{what} {value!r} is malformed")


def verify_takeout_file(ctx: Context, path: Path):
    """Every field of a take-out file checked against the chain (oracle.takeout_verify)."""
    from oracle.takeout_verify import verify_takeout

    return verify_takeout(ctx, read_takeout(path))
