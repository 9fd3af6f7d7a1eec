"""`oracle epoch correct`: a revision of a notarized epoch, recomputed on corrected meter data.

When the distribution operator corrects readings after an epoch was committed (`oracle ingest --correction`),
the epoch is recomputed with the model version and parameters it recorded, over its own members and leaf
indexes, and committed on-chain as revision 1, 2, … beside the original (ConsumptionNotary.commitRevision):
a new root over leaves (index, member, top-up, data hash of the corrected readings), the corrected dataset
hash, the leaf count, the recomputed total, the escrowed extra and the hash of the reason. Per member:

    previous = the reward of the latest revision that stands, else the epoch's (leaf amount + debt deducted)
    top-up   = max(corrected − previous, 0)   paid against the revision's root, once
    debt     = max(previous − corrected, 0)   never taken back: deducted from the member's next rewards
                                              (oracle/epochs/debts.py)

A member whose data was erased (right to be forgotten) keeps its previous reward: nothing is recomputed on
data that no longer exists. Steps, each recorded with its results in one transaction (`revision_steps`), so
the same command resumes after a crash: select (watermark) → compute → hash → tree → commit → pay → done.
Payments follow the epoch's rules: the chain is asked which leaves are paid before every batch, a re-sent
batch pays nobody twice, and the notary never pays beyond the revision's extra.

Refused, before anything: an epoch not finished, voided or abandoned; an epoch whose claim window is over
(its data can no longer be corrected on-chain); an epoch whose challenge window is still open (void it and
run it again instead); an epoch none of whose readings changed since the data it (or its latest revision)
used.
"""

from __future__ import annotations

import secrets
from dataclasses import astuple, dataclass
from datetime import UTC, datetime

from eth_utils import keccak
from sqlalchemy import func, select, text

from oracle.chain.client import EpochStatus, OnChainRevision
from oracle.chain.outage import CHAIN_DOWN, chain_stopped_answering
from oracle.chain.transactions import pending_transactions, record_receipts, send_recorded
from oracle.context import Context
from oracle.db.schema import (
    ChainTransaction,
    Community,
    Epoch,
    EpochMember,
    EpochRevision,
    EpochStep,
    RevisionMember,
    RevisionStep,
)
from oracle.epochs import canonical
from oracle.epochs.data import ingestion_watermark
from oracle.epochs.payments import LeafPayer, Leaves, Pushes
from oracle.epochs.runner import STEPS, WAITING, SimulatedCrash  # a revision runs the epoch's steps
from oracle.errors import OracleError
from oracle.instants import from_unix, iso
from oracle.locks import community_run_lock
from oracle.merkle import StandardMerkleTree, reward_tree
from oracle.units import base_to_tokens

UNFINISHED = ("running", "waiting")
COMMIT_KIND, PUSH_KIND = "revision-commit", "revision-push"

_CHANGED_READINGS = text(
    "SELECT count(*) FROM counterreading r JOIN devices d ON d.id = r.device_id "
    "JOIN users_communities m ON m.id = d.membership_id "
    "WHERE m.community_id = :community AND m.wallet = ANY(:wallets) AND r.ts >= :start AND r.ts < :end "
    "AND r.ingestion_id > :watermark"
)


@dataclass(frozen=True)
class RevisionCommitment:
    """ConsumptionNotary.RevisionCommitment, in its field order."""

    merkle_root: bytes
    dataset_hash: bytes
    leaf_count: int
    extra_reward: int
    total_reward: int
    reason_hash: bytes

    @classmethod
    def of(cls, revision: EpochRevision) -> RevisionCommitment:
        return cls(
            bytes.fromhex(revision.merkle_root[2:]),
            bytes.fromhex(revision.dataset_hash[2:]),
            revision.leaf_count,
            int(revision.extra_reward),
            int(revision.total_reward),
            bytes.fromhex(revision.reason_hash[2:]),
        )


def reason_hash(reason: str) -> str:
    return "0x" + keccak(reason.encode()).hex()


# ------------------------------------------------------------------ opening a revision


def correct_epoch(
    ctx: Context,
    community_name: str,
    number: int,
    reason: str,
    *,
    crash_at: str | None = None,
    progress: bool = True,
    log=print,
) -> EpochRevision:
    """Runs (or resumes) the revision of epoch `number`; returns it as recorded."""
    from oracle.epochs.report import find_epoch

    reason = (reason or "").strip()
    if not reason:
        raise OracleError("--reason is empty: say why the epoch is corrected (it is hashed on-chain)")
    community, epoch = find_epoch(ctx, community_name, number)
    with community_run_lock(ctx, community, doing="run `oracle epoch correct` again"):
        try:
            revision = open_revision(ctx, community, epoch, reason, log=log)
            runner = RevisionRunner(ctx, community, epoch, revision, crash_at=crash_at, progress=progress, log=log)
            return runner.run()
        except CHAIN_DOWN as exc:
            raise chain_stopped_answering(
                ctx.settings.effective_rpc_url, exc, f"the correction of epoch {number} of {community.name!r}"
            ) from None


def open_revision(ctx: Context, community: Community, epoch: Epoch, reason: str, *, log=print) -> EpochRevision:
    """The unfinished revision of the epoch (resumed), or a new one once every refusal is ruled out."""
    name, number = community.name, epoch.number
    with ctx.session() as s:
        unfinished = s.scalar(
            select(EpochRevision).where(EpochRevision.epoch_id == epoch.id, EpochRevision.status.in_(UNFINISHED))
        )
        if unfinished is not None:
            if unfinished.reason != reason:
                raise OracleError(
                    f"revision {unfinished.number} of epoch {number} of {name!r} is not finished (reason "
                    f"{unfinished.reason!r}): run `oracle epoch correct` with that reason to finish it first"
                )
            log(f"epoch {number}: resuming revision {unfinished.number}")
            return unfinished
    _refuse_closed_epoch(ctx, community, epoch)
    previous = latest_standing_revision(ctx, epoch.id)
    watermark = previous.ingestion_watermark if previous else epoch.ingestion_watermark
    with ctx.session() as s:
        wallets = list(s.scalars(select(EpochMember.wallet).where(EpochMember.epoch_id == epoch.id)))
        changed = s.execute(
            _CHANGED_READINGS,
            {
                "community": community.id,
                "wallets": wallets,
                "start": epoch.data_start,
                "end": epoch.period_end,
                "watermark": watermark,
            },
        ).scalar()
    if not changed:
        used = f"revision {previous.number}" if previous else "the epoch"
        raise OracleError(
            f"nothing changed in epoch {number} of {name!r}: no reading of its members from "
            f"{iso(epoch.data_start)} to {iso(epoch.period_end)} was corrected or added since the data {used} "
            f"used (ingestions up to {watermark}); load the corrected readings first (`oracle ingest "
            f"--community {name!r} FILE --correction --reason TEXT`)"
        )
    revision_number = ctx.chain.revision_count(community.token_address, number) + 1
    with ctx.session() as s:
        taken = s.scalar(
            select(EpochRevision).where(EpochRevision.epoch_id == epoch.id, EpochRevision.number == revision_number)
        )
        if taken is not None:
            raise OracleError(
                f"the database already has revision {revision_number} of epoch {number} ({taken.status}) but the "
                "chain does not: run `oracle doctor` to see what to do"
            )
        revision = EpochRevision(
            epoch_id=epoch.id, number=revision_number, status="running", reason=reason, reason_hash=reason_hash(reason)
        )
        s.add(revision)
        s.flush()
        s.expunge(revision)
    log(f"epoch {number}: revision {revision_number} ({changed:,} readings changed)")
    return revision


def _refuse_closed_epoch(ctx: Context, community: Community, epoch: Epoch) -> None:
    name, number = community.name, epoch.number
    if epoch.status != "done":
        raise OracleError(
            f"epoch {number} of {name!r} is {epoch.status}: only a finished epoch is corrected; finish it first "
            f"(`oracle epoch run --community {name!r} --start {epoch.period_start.isoformat()} "
            f"--end {epoch.period_end.isoformat()}`)"
        )
    onchain = ctx.chain.epoch(community.token_address, number)
    if onchain is None or onchain.status == EpochStatus.VOIDED:
        raise OracleError(f"epoch {number} of {name!r} does not stand on-chain (voided or missing): nothing to correct")
    now = ctx.chain.now()
    if onchain.status == EpochStatus.RELEASED or now >= onchain.claim_deadline:
        raise OracleError(
            f"the claim window of epoch {number} of {name!r} closed on {iso(onchain.claim_deadline)}: its data "
            "can no longer be corrected on-chain (a correction would pay into an epoch that is over)"
        )
    if now < onchain.payable_at:
        raise OracleError(
            f"epoch {number} of {name!r} is still in its challenge window (until {iso(onchain.payable_at)}): "
            f"void it (`oracle epoch void --community {name!r} --epoch {number}`) and run its period again "
            "instead of correcting it"
        )


def latest_standing_revision(ctx: Context, epoch_id: int) -> EpochRevision | None:
    """The epoch's latest revision committed on-chain and not voided (its rewards are the previous ones)."""
    with ctx.session() as s:
        revision = s.scalar(
            select(EpochRevision)
            .where(
                EpochRevision.epoch_id == epoch_id,
                EpochRevision.payable_at.is_not(None),
                EpochRevision.status.not_in(("voided", "abandoned")),
            )
            .order_by(EpochRevision.number.desc())
            .limit(1)
        )
        if revision is not None:
            s.expunge(revision)
        return revision


# ------------------------------------------------------------------ the steps


class RevisionRunner:
    def __init__(
        self,
        ctx: Context,
        community: Community,
        epoch: Epoch,
        revision: EpochRevision,
        *,
        crash_at: str | None = None,
        progress: bool = True,
        log=print,
    ):
        self.ctx = ctx
        self.community = community
        self.epoch_id = epoch.id
        self.number = epoch.number
        self.revision_id = revision.id
        self.revision_number = revision.number
        self.crash_at = crash_at
        self.progress = progress
        self.log = log
        self._readings = None

    @property
    def name(self) -> str:
        return f"epoch {self.number} revision {self.revision_number}"

    def _crash(self, point: str) -> None:
        if self.crash_at == point:
            raise SimulatedCrash(point)

    def _revision(self, s) -> EpochRevision:
        return s.get(EpochRevision, self.revision_id)

    def _load(self) -> EpochRevision:
        with self.ctx.session() as s:
            revision = self._revision(s)
            s.expunge(revision)
            return revision

    def _epoch(self) -> Epoch:
        with self.ctx.session() as s:
            epoch = s.get(Epoch, self.epoch_id)
            s.expunge(epoch)
            return epoch

    def _record(self, s, step: str, detail: dict | None = None) -> None:
        s.add(RevisionStep(revision_id=self.revision_id, step=step, detail=detail))

    def _members(self, s) -> list[RevisionMember]:
        return list(
            s.scalars(
                select(RevisionMember)
                .where(RevisionMember.revision_id == self.revision_id)
                .order_by(RevisionMember.leaf_index)
            )
        )

    def run(self) -> EpochRevision:
        steps = {
            "select": self.step_select,
            "compute": self.step_compute,
            "hash": self.step_hash,
            "tree": self.step_tree,
            "commit": self.step_commit,
            "pay": self.step_pay,
            "done": self.step_done,
        }
        with self.ctx.session() as s:
            done = set(s.scalars(select(RevisionStep.step).where(RevisionStep.revision_id == self.revision_id)))
        for name in STEPS:
            if name in done:
                continue
            self.log(f"{self.name}: {name}")
            if steps[name]() == WAITING:
                break
            self._crash(f"after:{name}")
        return self._load()

    # ------------------------------------------------------------ select, compute, hash, tree

    def step_select(self) -> None:
        with self.ctx.session() as s:
            revision = self._revision(s)
            revision.ingestion_watermark = ingestion_watermark(s, self.community.id)
            self._record(s, "select", {"watermark": revision.ingestion_watermark})

    def _frozen_readings(self):
        from oracle.epochs.data import load_epoch_readings

        if self._readings is None:
            epoch, revision = self._epoch(), self._load()
            with self.ctx.session() as s:
                self._readings = load_epoch_readings(
                    self.ctx.engine,
                    s,
                    self.community.id,
                    epoch.data_start,
                    epoch.period_end,
                    revision.ingestion_watermark,
                )
        return self._readings

    def step_compute(self) -> None:
        from oracle.epochs.compute import compute_epoch

        epoch = self._epoch()
        with self.ctx.session() as s:
            wallets = s.scalar(
                select(EpochStep.detail).where(EpochStep.epoch_id == epoch.id, EpochStep.step == "select")
            )["members"]
            leaves = {m.wallet: m for m in s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id))}
            previous = self._previous_rewards(s, leaves)
            erased = self._erased(s, list(leaves))
        computed = compute_epoch(
            epoch.model_id,
            epoch.params["values"],
            self._frozen_readings(),
            wallets,
            epoch.period_start,
            epoch.period_end,
        )
        result, counts = computed.result, computed.reading_counts
        with self.ctx.session() as s:
            revision = self._revision(s)
            extra = 0
            for wallet, leaf in leaves.items():
                before = previous[wallet]
                reward = before if wallet in erased else int(result.amounts.get(wallet, 0))
                top_up, debt = max(reward - before, 0), max(before - reward, 0)
                extra += top_up
                s.add(
                    RevisionMember(
                        revision_id=self.revision_id,
                        membership_id=leaf.membership_id,
                        wallet=wallet,
                        leaf_index=leaf.leaf_index,
                        previous_reward=before,
                        reward=reward,
                        top_up=top_up,
                        debt=debt,
                        kpis=None if wallet in erased else result.member_kpis.get(wallet),
                        reading_count=int(counts.get(wallet, 0)),
                        paid=top_up == 0,  # nothing owed
                    )
                )
            revision.extra_reward = extra
            revision.total_reward = int(result.total)
            revision.community_kpis = result.community_kpis
            self._record(s, "compute", {"extra": str(extra), "total": str(result.total), "erased": sorted(erased)})

    def _previous_rewards(self, s, leaves: dict[str, EpochMember]) -> dict[str, int]:
        """Per wallet the reward the correction compares with: the latest standing revision's, else the epoch's
        own reward (its leaf amount plus what the leaf deducted from a debt)."""
        latest = s.scalar(
            select(EpochRevision)
            .where(
                EpochRevision.epoch_id == self.epoch_id,
                EpochRevision.number < self.revision_number,
                EpochRevision.payable_at.is_not(None),
                EpochRevision.status.not_in(("voided", "abandoned")),
            )
            .order_by(EpochRevision.number.desc())
            .limit(1)
        )
        if latest is not None:
            return dict(
                s.execute(
                    select(RevisionMember.wallet, RevisionMember.reward).where(RevisionMember.revision_id == latest.id)
                ).all()
            )
        return {wallet: int(m.amount) + int(m.debt_deducted or 0) for wallet, m in leaves.items()}

    def _erased(self, s, wallets: list[str]) -> set[str]:
        from oracle.privacy.erasures import erasures_of

        return {wallet for wallet in wallets if erasures_of(s, wallet, self.community.id)}

    def step_hash(self) -> None:
        from oracle.epochs.hashing import salted_hashes

        readings = self._frozen_readings()
        with self.ctx.session() as s:
            members = self._members(s)
            salts = {member.wallet: secrets.token_bytes(32) for member in members}
            hashes = salted_hashes(readings, salts, progress=self.progress)
            for member in members:
                member.salt, member.data_hash = salts[member.wallet], hashes[member.wallet]
            self._record(s, "hash")
        self._readings = None

    def step_tree(self) -> None:
        with self.ctx.session() as s:
            revision = self._revision(s)
            members = self._members(s)
            if [m.leaf_index for m in members] != list(range(len(members))):
                raise OracleError(f"{self.name}: the epoch's leaf indexes are not 0..{len(members) - 1}")
            tree = reward_tree([(m.wallet, int(m.top_up), bytes(m.data_hash)) for m in members])
            revision.merkle_root = tree.root_hex
            revision.dataset_hash = "0x" + canonical.dataset_hash({m.wallet: bytes(m.data_hash) for m in members}).hex()
            revision.leaf_count = len(members)
            revision.tree_dump = tree.dump()
            self._record(s, "tree", {"root": tree.root_hex})

    # ------------------------------------------------------------ commit

    def step_commit(self) -> None:
        chain = self.ctx.chain
        token = self.community.token_address
        commitment = RevisionCommitment.of(self._load())
        record_receipts(self.ctx, self._pending(COMMIT_KIND))
        onchain = chain.revision(token, self.number, self.revision_number)
        if onchain is not None:
            if onchain.merkle_root != commitment.merkle_root:
                raise OracleError(
                    f"{self.name} of {self.community.name!r} is already committed on-chain with root "
                    f"{onchain.merkle_root_hex}, not ours (0x{commitment.merkle_root.hex()}): run `oracle doctor`"
                )
            self.log(f"{self.name}: already committed on-chain")
        else:
            self._check_committable(commitment)
            send_recorded(
                self.ctx,
                chain.notary.functions.commitRevision(token, self.number, self.revision_number, astuple(commitment)),
                "oracle",
                COMMIT_KIND,
                what=f"commitRevision({self.number}, {self.revision_number})",
                epoch_id=self.epoch_id,
                community_id=self.community.id,
                detail={"revision": self.revision_number},
                after_sent=lambda _: self._crash("commit:sent"),
            )
            onchain = chain.revision(token, self.number, self.revision_number)
        with self.ctx.session() as s:
            self._revision(s).payable_at = from_unix(onchain.payable_at)
            self._record(s, "commit", {"payableAt": onchain.payable_at})

    def _pending(self, kind: str) -> list[ChainTransaction]:
        return [
            tx
            for tx in pending_transactions(self.ctx, self.epoch_id, kind)
            if (tx.detail or {}).get("revision") == self.revision_number
        ]

    def _check_committable(self, c: RevisionCommitment) -> None:
        """What the notary would refuse, said before any transaction."""
        chain = self.ctx.chain
        token = chain.token(self.community.token_address)
        name = self.community.name
        if chain.revision_count(token.address, self.number) != self.revision_number - 1:
            raise OracleError(
                f"the chain has {chain.revision_count(token.address, self.number)} revisions of epoch {self.number} "
                f"of {name!r}; revision {self.revision_number} cannot be committed before the earlier ones"
            )
        ceiling = chain.call(token.functions.epochRewardCeiling())
        if c.extra_reward > ceiling:
            raise OracleError(
                f"{self.name} of {name!r} pays {base_to_tokens(c.extra_reward)} tokens of top-ups, above the "
                f"community's per-epoch reward ceiling of {base_to_tokens(ceiling)}: raise it, then run the same "
                "command again"
            )
        available = chain.call(token.functions.treasuryAvailable())
        if c.extra_reward > available:
            raise OracleError(
                f"{self.name} of {name!r} pays {base_to_tokens(c.extra_reward)} tokens of top-ups but the "
                f"treasury can spend only {base_to_tokens(available)}: the token admin funds it, then run the "
                "same command again"
            )
        _refuse_closed_epoch(self.ctx, self.community, self._epoch())

    # ------------------------------------------------------------ pay

    def step_pay(self) -> str | None:
        chain = self.ctx.chain
        onchain = chain.revision(self.community.token_address, self.number, self.revision_number)
        if onchain is None:
            raise OracleError(f"{self.name} of {self.community.name!r} is not committed on-chain")
        self._stop_if_closed(onchain)
        if chain.now() < onchain.payable_at:
            self._set_status("waiting")
            self.log(
                f"{self.name}: committed; the challenge window is open until {iso(onchain.payable_at)}: run the "
                "same command then to pay the top-ups"
            )
            return WAITING
        self._set_status("running")
        batches, _ = self._payer().pay(StandardMerkleTree.load(self._load().tree_dump))
        with self.ctx.session() as s:
            skipped = s.scalar(
                select(func.count())
                .select_from(RevisionMember)
                .where(RevisionMember.revision_id == self.revision_id, RevisionMember.skipped_tx.is_not(None))
            )
            self._record(s, "pay", {"batches": batches, "skipped": skipped})
        return None

    def _set_status(self, status: str) -> None:
        with self.ctx.session() as s:
            self._revision(s).status = status

    def _stop_if_closed(self, onchain: OnChainRevision) -> None:
        if onchain.status == EpochStatus.VOIDED:
            self._set_status("voided")
            raise OracleError(
                f"{self.name} of {self.community.name!r} was voided on-chain and pays nothing; its debts do not "
                "count. Run `oracle epoch correct` again for a new revision"
            )
        if onchain.status == EpochStatus.RELEASED:
            raise OracleError(
                f"{self.name} of {self.community.name!r} was closed on-chain after its claim deadline: its unpaid "
                "top-ups went back to the treasury"
            )

    def _payer(self) -> LeafPayer:
        chain, token = self.ctx.chain, self.community.token_address
        number, revision = self.number, self.revision_number
        pushes = Pushes(
            kind=PUSH_KIND,
            detail={"revision": revision},
            call=lambda leaves, proof, flags: chain.notary.functions.pushRevisionRewards(
                token, number, revision, leaves, proof, flags
            ),
            skipped_event="RevisionRewardSkipped",
            paid_flags=lambda indexes: chain.revision_paid_flags(token, number, revision, indexes),
            what=f"pushRevisionRewards(epoch {number}, revision {revision}",
        )
        leaves = Leaves(RevisionMember, RevisionMember.revision_id == self.revision_id, RevisionMember.top_up > 0)
        return LeafPayer(
            self.ctx,
            self.community,
            self.epoch_id,
            leaves,
            pushes,
            label=self.name,
            desc="paying top-ups",
            crash=self._crash,
            progress=self.progress,
            log=self.log,
        )

    # ------------------------------------------------------------ done

    def step_done(self) -> None:
        with self.ctx.session() as s:
            revision = self._revision(s)
            revision.status = "done"
            revision.completed_at = datetime.now(UTC)
            self._record(s, "done")
