"""`oracle verify`: every field of a take-out file checked against the chain, one line per check (ok, FAIL or
info); the first FAIL names the file's field that differs.

A v2 file, field by field:
  chainId                  the chain id of the RPC (another chain: no on-chain check can mean anything)
  notary                   the platform's ConsumptionNotary (the manifest's). It is the community tokens'
                           immutable reward contract, the only one whose commitments move their rewards; a
                           look-alike answering the same interface proves nothing, so any other address fails.
  community.token          a community of the platform's CommunityFactory, wired to that notary
  community.name           the factory's name of that token (communityByName)
  epoch                    committed on the notary for that token, and not voided
  period.start, .end       the committed period (getEpoch)
  period.dataStart         derived: the period start, or one period length earlier for the baseline models
  model.id, .version       the committed model and version
  model.effectiveFrom, model.params.*   the ModelRegistry's version for that community, every parameter both ways
  root                     the committed root
  index, member, amount, dataHash   the committed leaf as the chain carried it (in a claim or a pushRewards
                           batch, both checked by the notary against the root); before the leaf is paid or
                           pushed, only through the proof
  readings or salt         keccak256(salt ++ canonical readings) = dataHash (neither goes on-chain)
  leaf.value, leaf.hash    the file's leaf = (index, member, amount, dataHash), and its hash
  proof                    leads from that leaf to the root
  verifyTakeout            the notary's own answer for (index, member, amount, dataHash, proof)
  debtDeducted             an epoch's leaf that paid off a debt: amount = reward − debtDeducted (the chain
                           carries the amount; reward and debtDeducted are the oracle's, checked for arithmetic)
A revision's file (a `revision` object), every check above, except:
  revision.number          committed on the notary for that epoch (getRevision), and not voided
  root                     the revision's committed root (not the epoch's)
  revision.datasetHash, revision.reasonHash   the revision's RevisionCommitted event
  index, member, amount, dataHash   as a mined claimRevision or pushRevisionRewards carried the leaf
  verifyRevisionTakeout    the notary's answer against the revision's root (instead of verifyTakeout)
  revision.topUp           = amount, the leaf's (committed) top-up
  revision.reward          topUp = max(reward − previousReward, 0); a failure names reward or previousReward
                           (only their difference reaches the chain, so it cannot say which was altered)
  revision.debt            debt = max(previousReward − reward, 0)
Informational only: canonicalization (a description; the hash is recomputed by the oracle's own rule) and
fields a take-out does not have. A v1 file is checked off-chain and through the first notary's interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from eth_utils import to_checksum_address
from web3.exceptions import Web3Exception

from oracle.chain.client import ChainClient, EpochStatus, OnChainEpoch, OnChainRevision
from oracle.chain.encoding import to_bytes32
from oracle.context import Context
from oracle.epochs import canonical
from oracle.epochs.runner import BASELINE_MODELS
from oracle.errors import OracleError
from oracle.instants import iso, to_unix
from oracle.merkle import REWARD_LEAF_ENCODING, leaf_hash, process_proof
from oracle.takeout import CANONICALIZATION, Takeout

ZERO_ADDRESS = "0x" + "00" * 20
PACKED_LEAF_BYTES = 67  # ConsumptionNotary.PACKED_LEAF_BYTES: uint24 index ‖ address ‖ uint96 amount ‖ bytes32


@dataclass
class VerifyResult:
    ok: bool = True
    failed_field: str | None = None
    failure: str | None = None
    lines: list[str] = field(default_factory=list)

    def check(self, passed: bool, name: str, fine: str, wrong: str) -> bool:
        self.lines.append(f"{'ok  ' if passed else 'FAIL'} {name}: {fine if passed else wrong}")
        if not passed and self.ok:
            self.ok, self.failed_field, self.failure = False, name, wrong
        return passed

    def info(self, name: str, text: str) -> None:
        self.lines.append(f"info {name}: {text}")


def verify_takeout(ctx: Context, takeout: Takeout) -> VerifyResult:
    result = VerifyResult()
    chain = ctx.chain
    served = chain.w3.eth.chain_id
    same_chain = result.check(
        takeout.chain_id == served,
        "chainId",
        f"{served}, the chain the oracle's RPC serves",
        f"the file is for chain {takeout.chain_id}, the oracle's RPC serves chain {served}",
    )
    if takeout.v1:
        _check_file_leaf(takeout, result, carried=None)
        if same_chain:
            _verify_onchain_v1(chain, takeout, result)
        result.info(
            "period, model, community",
            "not checked for a v1 file: the first notary's registry and factory are not this platform's",
        )
    else:
        committed = _check_commitment(chain, takeout, result) if same_chain else None
        carried = _check_leaf_on_chain(chain, takeout, committed, result) if committed is not None else None
        _check_file_leaf(takeout, result, carried)
        if committed is not None:
            _check_notary_accepts(chain, takeout, result)
        if takeout.revision is not None:
            _check_revision_arithmetic(takeout, result)
        elif takeout.debt_deducted is not None:
            _check_debt_deducted(takeout, result)
    _informational(takeout, result)
    return result


def _check_notary_accepts(chain: ChainClient, takeout: Takeout, result: VerifyResult) -> None:
    leaf = (takeout.index, takeout.member, takeout.amount, takeout.data_hash, takeout.proof)
    if takeout.revision is None:
        name, against = "verifyTakeout", "the notary"
        call = chain.notary.functions.verifyTakeout(takeout.token, takeout.epoch, *leaf)
    else:
        number = takeout.revision.number
        name, against = "verifyRevisionTakeout", f"the notary (against revision {number}'s root)"
        call = chain.notary.functions.verifyRevisionTakeout(takeout.token, takeout.epoch, number, *leaf)
    result.check(
        bool(chain.call(call)),
        name,
        f"{against} accepts (index, member, amount, dataHash, proof)",
        f"{against} on-chain rejects this leaf and proof",
    )


# ------------------------------------------------------------------ where the commitment is, and what it says


def _check_commitment(
    chain: ChainClient, takeout: Takeout, result: VerifyResult
) -> OnChainEpoch | OnChainRevision | None:
    """notary, community, epoch, period, model and root; the commitment the leaf is under (the epoch, or the
    file's revision of it); None when it cannot be found (the rest is moot)."""
    notary = chain.notary.address
    result.check(
        takeout.notary == notary,
        "notary",
        f"{notary}, the platform's ConsumptionNotary",
        f"the file names {takeout.notary}, but the platform's notary, the only contract whose commitments "
        f"pay its communities' rewards, is {notary}",
    )
    if not _check_community(chain, takeout, result, notary):
        return None
    committed = chain.epoch(takeout.token, takeout.epoch)
    if committed is None:
        count = chain.epoch_count(takeout.token)
        result.check(
            False,
            "epoch",
            "",
            f"epoch {takeout.epoch} of {takeout.token} is not committed on the notary "
            f"({f'its latest is epoch {count}' if count else 'it has no epoch of that community'})",
        )
        return None
    result.check(
        committed.status != EpochStatus.VOIDED,
        "epoch",
        f"{takeout.epoch}, committed on-chain {iso(committed.committed_at)} and standing "
        f"({committed.status.name.lower()})",
        f"epoch {takeout.epoch} was voided on-chain: its commitment does not stand",
    )
    _check_period(takeout, committed, result)
    _check_model(chain, takeout, committed, result)
    if takeout.revision is not None:
        return _check_revision(chain, takeout, result)
    result.check(
        takeout.root == committed.merkle_root,
        "root",
        f"{committed.merkle_root_hex}, the committed root",
        f"the file says 0x{takeout.root.hex()}, the committed root is {committed.merkle_root_hex}",
    )
    return committed


def _check_revision(chain: ChainClient, takeout: Takeout, result: VerifyResult) -> OnChainRevision | None:
    """revision.number, root, revision.datasetHash and revision.reasonHash against the revision on-chain."""
    number, epoch = takeout.revision.number, takeout.epoch
    committed = chain.revision(takeout.token, epoch, number)
    if committed is None:
        count = chain.revision_count(takeout.token, epoch)
        result.check(
            False,
            "revision.number",
            "",
            f"epoch {epoch} of {takeout.token} has no revision {number} on the notary "
            f"({f'its latest is revision {count}' if count else 'it has no revision'})",
        )
        return None
    result.check(
        committed.status != EpochStatus.VOIDED,
        "revision.number",
        f"{number}, committed on-chain {iso(committed.committed_at)} and standing ({committed.status.name.lower()})",
        f"revision {number} of epoch {epoch} was voided on-chain: it pays nothing and its commitment does not stand",
    )
    result.check(
        takeout.root == committed.merkle_root,
        "root",
        f"{committed.merkle_root_hex}, the committed root of revision {number}",
        f"the file says 0x{takeout.root.hex()}, the committed root of revision {number} is {committed.merkle_root_hex}",
    )
    event = revision_commitment(chain, takeout.token, epoch, number)
    for name, stated, key in (
        ("revision.datasetHash", takeout.revision.dataset_hash, "datasetHash"),
        ("revision.reasonHash", takeout.revision.reason_hash, "reasonHash"),
    ):
        if event is None:
            result.check(False, name, "", f"no RevisionCommitted event of revision {number} was found on the notary")
            continue
        onchain = bytes(event[key])
        result.check(
            stated == onchain,
            name,
            f"0x{onchain.hex()}, as RevisionCommitted committed it",
            f"the file says 0x{stated.hex()}, revision {number} was committed with 0x{onchain.hex()}",
        )
    return committed


def revision_commitment(chain: ChainClient, token: str, epoch: int, revision: int) -> dict | None:
    """The RevisionCommitment of a revision as its RevisionCommitted event carried it (fields by name)."""
    since = chain.manifest["contracts"]["ConsumptionNotary"].get("blockNumber", 0)
    logs = chain.notary.events.RevisionCommitted().get_logs(
        argument_filters={"community": token, "epoch": epoch, "revision": revision}, from_block=since
    )
    if not logs:
        return None
    commitment = logs[-1]["args"]["commitment"]
    if isinstance(commitment, (tuple, list)):  # decoded without names
        keys = ("merkleRoot", "datasetHash", "leafCount", "extraReward", "totalReward", "reasonHash")
        commitment = dict(zip(keys, commitment, strict=True))
    return dict(commitment)


def _check_community(chain: ChainClient, takeout: Takeout, result: VerifyResult, notary: str) -> bool:
    factory = chain.factory
    token = takeout.token
    if not chain.call(factory.functions.isCommunity(token)):
        return result.check(
            False,
            "community.token",
            "",
            f"{token} is not a community token of the platform (its "
            f"CommunityFactory {factory.address} did not create it)",
        )
    wired = chain.call(chain.token(token).functions.rewardDistributor())
    result.check(
        wired == notary,
        "community.token",
        f"{token}, a community of the platform paid through its notary",
        f"{token} pays its rewards through {wired}, not through the platform's notary {notary}",
    )
    name = takeout.community_name
    if name is None:
        result.info("community.name", "not stated")
        return True
    named = chain.call(factory.functions.communityByName(name))
    result.check(
        named == token,
        "community.name",
        f"{name!r}, the factory's name of that token",
        f"no community of the platform is named {name!r}"
        if named == ZERO_ADDRESS
        else f"the platform's community {name!r} has the token {named}, not {token}",
    )
    return True


def _same_instant(result: VerifyResult, name: str, stated: datetime, onchain: int, what: str) -> bool:
    return result.check(
        to_unix(stated) == onchain,
        name,
        f"{iso(onchain)} = {what}",
        f"the file says {iso(stated)}, {what} is {iso(onchain)}",
    )


def _check_period(takeout: Takeout, committed: OnChainEpoch, result: VerifyResult) -> None:
    _same_instant(result, "period.start", takeout.period_start, committed.period_start, "the committed period start")
    _same_instant(result, "period.end", takeout.period_end, committed.period_end, "the committed period end")
    model = committed.model_id
    if model in BASELINE_MODELS:
        data_start = 2 * committed.period_start - committed.period_end
        what = f"the data start of a {model} epoch (one period length before it, for the baseline)"
    else:
        data_start = committed.period_start
        what = f"the data start of a {model} epoch (its period start)"
    _same_instant(result, "period.dataStart", takeout.data_start, data_start, what)


def _check_model(chain: ChainClient, takeout: Takeout, committed: OnChainEpoch, result: VerifyResult) -> None:
    from oracle.models import params_from_chain

    model, version = committed.model_id, committed.model_version
    result.check(
        takeout.model_id == model,
        "model.id",
        f"{model}, the committed model",
        f"the file says {takeout.model_id!r}, the epoch was committed under {model!r}",
    )
    result.check(
        takeout.model_version == version,
        "model.version",
        f"{version}, the committed version",
        f"the file says {takeout.model_version}, the epoch was committed under version {version}",
    )
    where = f"the ModelRegistry's {model} v{version} of this community"
    try:
        published = chain.model_version(takeout.token, to_bytes32(model), version)
        registry = params_from_chain(published.names, published.values)
    except (OracleError, ValueError) as exc:
        result.check(False, "model.version", "", f"{where} cannot be read ({exc})")
        return
    _same_instant(
        result,
        "model.effectiveFrom",
        takeout.effective_from,
        published.effective_from,
        f"the effective time of {where}",
    )
    stated = takeout.params
    for name, value in registry.items():
        given = stated.get(name)
        if name not in stated:
            result.check(False, f"model.params.{name}", "", f"missing from the file; {where} has it = {_num(value)}")
            continue
        number = isinstance(given, (int, float)) and not isinstance(given, bool)
        result.check(
            number and float(given) == value,
            f"model.params.{name}",
            f"{_num(value)} = {where}",
            f"the file says {given!r}, {where} has {_num(value)}",
        )
    for name in stated.keys() - registry.keys():
        result.check(False, f"model.params.{name}", "", f"{where} has no parameter {name!r}")


def _num(value: float) -> str:
    """A parameter as the registry holds it (6 decimals), without trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


# ------------------------------------------------------------------ the leaf


@dataclass(frozen=True)
class ChainLeaf:
    """A leaf of an epoch (or of a revision) as a mined claim or pushRewards (claimRevision, pushRevisionRewards)
    carried it to the notary (which checked it against the committed root)."""

    index: int
    member: str
    amount: int
    data_hash: bytes
    carrier: str  # "claim" or "pushRewards" (a revision's: "claimRevision" or "pushRevisionRewards")
    tx_hash: str

    @property
    def value(self) -> tuple:
        return self.index, self.member, self.amount, self.data_hash


def leaves_on_chain(chain: ChainClient, token: str, number: int, revision: int | None = None) -> list[ChainLeaf]:
    """Every leaf of an epoch that the chain carried: in the calldata of mined claims and pushRewards sent to the
    notary (found by their RewardClaimed / RewardsPushed events); of its revision `revision`, claimRevision and
    pushRevisionRewards (RevisionRewardClaimed / RevisionRewardsPushed). Calls made through another contract are
    not decoded."""
    notary = chain.notary
    since = chain.manifest["contracts"]["ConsumptionNotary"].get("blockNumber", 0)
    if revision is None:
        events, claim, push = ("RewardsPushed", "RewardClaimed"), "claim", "pushRewards"
        filters = {"community": token, "epoch": number}
    else:
        events, claim, push = ("RevisionRewardsPushed", "RevisionRewardClaimed"), "claimRevision", "pushRevisionRewards"
        filters = {"community": token, "epoch": number, "revision": revision}
    found = {
        bytes(log["transactionHash"])
        for event in events
        for log in notary.events[event]().get_logs(argument_filters=filters, from_block=since)
    }
    leaves = []
    for tx_hash in sorted(found):
        tx = chain.w3.eth.get_transaction(tx_hash)
        if tx["to"] != notary.address:
            continue
        fn, args = notary.decode_function_input(tx["input"])
        if args["community"] != token or args["epoch"] != number or args.get("revision") != revision:
            continue
        shown = "0x" + tx_hash.hex()
        if fn.fn_name == claim:
            leaves.append(
                ChainLeaf(args["index"], args["member"], args["amount"], bytes(args["dataHash"]), claim, shown)
            )
        elif fn.fn_name == push:
            packed = bytes(args["leaves"])
            for at in range(0, len(packed) - PACKED_LEAF_BYTES + 1, PACKED_LEAF_BYTES):
                leaf = packed[at : at + PACKED_LEAF_BYTES]
                leaves.append(
                    ChainLeaf(
                        int.from_bytes(leaf[:3], "big"),
                        to_checksum_address(leaf[3:23]),
                        int.from_bytes(leaf[23:35], "big"),
                        leaf[35:],
                        push,
                        shown,
                    )
                )
    return leaves


def _committed_leaf(takeout: Takeout, leaves: list[ChainLeaf], root: bytes) -> ChainLeaf | None:
    """The chain's leaf the file is about: the one its proof proves, else the one at its index, else its member's."""
    for leaf in leaves:
        if process_proof(leaf_hash(leaf.value, REWARD_LEAF_ENCODING), takeout.proof) == root:
            return leaf
    return next((leaf for leaf in leaves if leaf.index == takeout.index), None) or next(
        (leaf for leaf in leaves if leaf.member == takeout.member), None
    )


def _check_leaf_on_chain(
    chain: ChainClient, takeout: Takeout, committed: OnChainEpoch | OnChainRevision, result: VerifyResult
) -> ChainLeaf | None:
    """The file's (index, member, amount, dataHash) against the committed leaf the chain carried (returned; None
    when the chain carried none of it yet)."""
    revision = takeout.revision.number if takeout.revision is not None else None
    carried = leaves_on_chain(chain, takeout.token, takeout.epoch, revision)
    leaf = _committed_leaf(takeout, carried, committed.merkle_root)
    if leaf is None:
        count = committed.leaf_count
        what = "the epoch" if revision is None else f"revision {revision}"
        result.check(
            takeout.index < count,
            "index",
            f"{takeout.index}, one of {what}'s {count} leaves",
            f"the file says {takeout.index}, but {what} committed {count} leaves (0 to {count - 1})",
        )
        result.info(
            "member, amount, dataHash",
            f"leaf {takeout.index} was not claimed or pushed on-chain yet: they are checked through the proof below",
        )
        return None
    carried = f"leaf {leaf.index} as the {leaf.carrier} {leaf.tx_hash} carried it"
    for name, stated, onchain, shown in (
        ("index", takeout.index, leaf.index, str),
        ("member", takeout.member, leaf.member, str),
        ("amount", takeout.amount, leaf.amount, str),
        ("dataHash", takeout.data_hash, leaf.data_hash, lambda h: "0x" + h.hex()),
    ):
        result.check(
            stated == onchain,
            name,
            f"{shown(stated)} = {carried}",
            f"the file says {shown(stated)}, the committed leaf has {shown(onchain)} ({carried})",
        )
    return leaf


def _leaf_value_matches(takeout: Takeout) -> bool:
    value = takeout.leaf_value
    try:
        if not takeout.v1:
            if int(value[0]) != takeout.index:
                return False
            value = value[1:]
        member, amount, data_hash = value
        return (
            to_checksum_address(member) == takeout.member
            and int(amount) == takeout.amount
            and bytes.fromhex(str(data_hash).removeprefix("0x")) == takeout.data_hash
        )
    except (ValueError, TypeError):
        return False


def _check_file_leaf(takeout: Takeout, result: VerifyResult, carried: ChainLeaf | None) -> None:
    """Readings and salt → data hash → leaf → proof → root, with the file's own encoding. `carried`: the committed
    leaf as the chain carried it (None: not yet, or a v1 file)."""
    recomputed = canonical.data_hash(takeout.salt, canonical.canonical_bytes(takeout.readings))
    count = len(takeout.readings)
    confirmed = carried is not None and carried.data_hash == takeout.data_hash  # the dataHash is the committed one
    suspects = "the readings or the salt" if confirmed else "the readings, the salt or the dataHash"
    result.check(
        recomputed == takeout.data_hash,
        "readings or salt" if confirmed else "readings, salt or dataHash",
        f"keccak256(salt ++ the {count} readings) = dataHash",
        f"keccak256(salt ++ the {count} readings) is 0x{recomputed.hex()}, not the file's dataHash "
        f"0x{takeout.data_hash.hex()}: {suspects} were altered",
    )
    parts = "(member, amount, dataHash)" if takeout.v1 else "(index, member, amount, dataHash)"
    result.check(
        _leaf_value_matches(takeout),
        "leaf.value",
        f"= {parts}",
        f"the leaf value {takeout.leaf_value} disagrees with the file's {parts}",
    )
    leaf = leaf_hash(takeout.leaf, takeout.encoding)
    if takeout.leaf_hash is None:
        result.info("leaf.hash", "not stated")
    elif leaf != takeout.leaf_hash and process_proof(takeout.leaf_hash, takeout.proof) == takeout.root:
        # the stated hash is the committed leaf: the parts it hashes were altered, not the hash
        result.check(
            False,
            f"{parts[1:-1].replace(', dataHash', ' or dataHash')}",
            "",
            f"the file's leaf.hash is a committed leaf (its proof reaches the root) but not the hash of "
            f"its {parts}: one of them was altered",
        )
    else:
        result.check(
            leaf == takeout.leaf_hash,
            "leaf.hash",
            f"= the hash of {parts}",
            f"the file says 0x{takeout.leaf_hash.hex()}, the hash of {parts} is 0x{leaf.hex()}",
        )
    if carried is None:
        why = (
            f"the {parts[1:-1]} or the proof were altered (the chain has not carried this leaf yet, so it cannot "
            "say which)"
        )
    else:
        why = "the proof was altered" if carried.value == takeout.leaf else "the leaf is not the committed one (above)"
    result.check(
        process_proof(leaf, takeout.proof) == takeout.root,
        "proof",
        f"leads from the leaf {parts} to the root",
        f"the proof does not lead from the leaf to the root: {why}",
    )


# ------------------------------------------------------------------ the arithmetic of corrections


def _check_revision_arithmetic(takeout: Takeout, result: VerifyResult) -> None:
    """topUp = amount (the committed leaf's), topUp = max(reward − previousReward, 0), debt = max(previousReward −
    reward, 0). Only the top-up reaches the chain: a wrong difference can be the reward's or the previous one's."""
    part = takeout.revision
    top_up, debt, reward, previous = part.top_up, part.debt, part.reward, part.previous_reward
    result.check(
        top_up == takeout.amount,
        "revision.topUp",
        f"{top_up} = amount, the top-up the leaf pays",
        f"the file says {top_up}, the leaf (amount) pays a top-up of {takeout.amount}",
    )
    difference = reward - previous
    passed = max(difference, 0) == top_up
    result.check(
        passed,
        "revision.reward" if passed else "revision.reward or revision.previousReward",
        f"topUp {top_up} = max(reward {reward} − previousReward {previous}, 0)",
        f"max(reward {reward} − previousReward {previous}, 0) is {max(difference, 0)}, not the committed topUp "
        f"{top_up}: the reward or the previousReward was altered",
    )
    passed = max(-difference, 0) == debt
    # with a top-up the difference is pinned by the chain, so only the debt can be wrong
    suspects = "revision.debt" if top_up else "revision.debt, revision.reward or revision.previousReward"
    result.check(
        passed,
        "revision.debt" if passed else suspects,
        f"{debt} = max(previousReward {previous} − reward {reward}, 0)",
        f"max(previousReward {previous} − reward {reward}, 0) is {max(-difference, 0)}, not the file's debt {debt}",
    )


def _check_debt_deducted(takeout: Takeout, result: VerifyResult) -> None:
    """An epoch's leaf that paid off a debt: amount = reward − debtDeducted (the amount is the committed one)."""
    reward, deducted = takeout.reward, takeout.debt_deducted
    passed = reward - deducted == takeout.amount
    result.check(
        passed,
        "debtDeducted" if passed else "reward or debtDeducted",
        f"amount {takeout.amount} = reward {reward} − debtDeducted {deducted} (a debt of a corrected epoch)",
        f"reward {reward} − debtDeducted {deducted} is {reward - deducted}, not the committed amount "
        f"{takeout.amount}: the reward or the debtDeducted was altered",
    )


def _informational(takeout: Takeout, result: VerifyResult) -> None:
    if takeout.canonicalization is not None:
        same = takeout.canonicalization == CANONICALIZATION
        result.info(
            "canonicalization",
            "the file's description of the rule"
            + (
                ", the oracle's own"
                if same
                else ", not the oracle's; the data hash was recomputed by the oracle's rule"
            ),
        )
    for name in takeout.unknown_fields:
        result.info(name, "not a take-out field: not checked")


# ------------------------------------------------------------------ v1 files


def _verify_onchain_v1(chain: ChainClient, takeout: Takeout, result: VerifyResult) -> None:
    from oracle.chain.notary_v1 import NotV1Notary, UnknownV1Epoch, V1Notary

    notary = V1Notary(chain, takeout.notary)
    try:
        committed = notary.epoch(takeout.token, takeout.epoch)
        accepted = notary.verify_takeout(
            takeout.token, takeout.epoch, takeout.member, takeout.amount, takeout.data_hash, takeout.proof
        )
    except UnknownV1Epoch:
        result.check(
            False, "epoch", "", f"epoch {takeout.epoch} of {takeout.token} is not on the v1 notary {takeout.notary}"
        )
        return
    except (NotV1Notary, Web3Exception) as exc:
        result.check(
            False,
            "notary",
            "",
            f"{takeout.notary} does not answer the first (v1) notary's interface "
            f"(getEpoch, verifyTakeout without an index), so this v1 file cannot be checked on-chain there "
            f"({exc})",
        )
        return
    result.check(True, "notary", f"{takeout.notary} answers the first (v1) notary's interface", "")
    result.check(
        committed.merkle_root == takeout.root,
        "root",
        f"0x{committed.merkle_root.hex()}, the committed root",
        f"the file says 0x{takeout.root.hex()}, the committed root is 0x{committed.merkle_root.hex()}",
    )
    result.check(
        accepted,
        "verifyTakeout",
        "the v1 notary accepts (member, amount, dataHash, proof)",
        "the v1 notary on-chain rejects this leaf and proof",
    )
