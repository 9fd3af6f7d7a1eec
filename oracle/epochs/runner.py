"""The epoch runner: resumable, step by step, nobody paid twice and nobody forgotten.

Steps (each recorded in `epoch_steps` in the same database transaction as its results):
  select   the members active in the database and on-chain (the others are left out and named in the
           step's detail), the model and version that rule the period (read on-chain), the ingestion
           watermark that freezes the data
  compute  rewards and KPIs per member (pure reward models over the frozen readings)
  hash     a random salt per member and the salted hash of its canonical readings
  tree     leaf index = the member's position in wallet order; the unsorted StandardMerkleTree over
           (index, member, amount, data hash); the dataset hash
  commit   checks the ceiling, the treasury, the chain's time and the model, then commitEpoch signed
           by the oracle key (the tx hash is recorded before waiting for the receipt)
  pay      after the challenge window: pushRewards signed by the reward payer, in batches of consecutive
           unpaid indexes under one multiproof each; members the notary skips (no longer active members)
           are recorded as skipped and stay claimable on-chain
  done

Running the same `oracle epoch run` again after a crash resumes at the first unrecorded step; while
the challenge window is open the run stops cleanly (status "waiting") and the same command pays later.
The chain is checked before every send (an epoch already committed with our root is recorded, not
re-sent; a leaf already paid is skipped), so the notary's own guards are the last line of defence.
An epoch voided on-chain is marked "voided"; its period may then be run again as a new epoch number.

A resumed run whose epoch was computed but never committed first asks the chain which model and
version rule the period now: when a version published meanwhile rules it (the notary would accept no
other), and nothing of the epoch is on-chain or on its way there, the computed steps are discarded and
the epoch is recomputed from select, which the log says and the new select step records.
An epoch the operator gives up before its commit is "abandoned" (oracle/epochs/abandon.py): it is
neither unfinished nor in the way of a period, and its number is taken by the next epoch.

One run per community at a time: a PostgreSQL advisory lock (oracle/locks.py) is held for
the whole run; a second run stops at once with "an epoch run for this community is already in progress".
"""

from __future__ import annotations

import secrets
from dataclasses import astuple, dataclass
from datetime import UTC, datetime

import pandas as pd
from eth_utils import to_checksum_address
from sqlalchemy import delete, func, select

from oracle.chain.client import EpochStatus, OnChainEpoch
from oracle.chain.encoding import to_bytes32
from oracle.chain.outage import CHAIN_DOWN, chain_stopped_answering
from oracle.chain.transactions import pending_transactions, record_receipts, send_recorded
from oracle.communities import get_community
from oracle.context import Context
from oracle.db.schema import ChainTransaction, Community, Epoch, EpochMember, EpochStep, Membership
from oracle.epochs import canonical
from oracle.epochs.data import ingestion_watermark
from oracle.epochs.debts import deduct, outstanding_debts
from oracle.epochs.payments import LeafPayer, Leaves, Pushes
from oracle.errors import OracleError
from oracle.instants import from_unix, iso, parse_instant, to_unix
from oracle.locks import community_run_lock
from oracle.merkle import StandardMerkleTree, reward_tree
from oracle.units import base_to_tokens

STEPS = ("select", "compute", "hash", "tree", "commit", "pay", "done")
COMPUTED_STEPS = ("select", "compute", "hash", "tree")  # what a recompute discards
# an epoch in one of these is over: neither unfinished nor holding its period or number
CLOSED = ("done", "voided", "abandoned")
BASELINE_MODELS = ("peak_shaving", "combined")
ZERO_ADDRESS = "0x" + "00" * 20
WAITING = "waiting"  # what a step returns when the run must stop and resume later
STOPPED = "stopped"  # the epoch_steps row of a run that stopped: its step and sentence (for `oracle status`)


class SimulatedCrash(RuntimeError):
    """Raised by tests at a chosen point to stand for a process that dies there."""


class EpochVoided(OracleError):
    """The epoch was voided on-chain: it pays nothing; its period may be run again as a new epoch."""


def parse_instant_on_grid(text: str, what: str) -> datetime:
    return parse_instant(text, what, grid="15min")


@dataclass(frozen=True)
class Commitment:
    """ConsumptionNotary.Commitment, in its field order."""

    period_start: int
    period_end: int
    merkle_root: bytes
    model_id: bytes
    model_version: int
    dataset_hash: bytes
    leaf_count: int
    total_reward: int

    @classmethod
    def of(cls, epoch: Epoch) -> Commitment:
        return cls(
            to_unix(epoch.period_start),
            to_unix(epoch.period_end),
            bytes.fromhex(epoch.merkle_root[2:]),
            to_bytes32(epoch.model_id),
            epoch.model_version,
            bytes.fromhex(epoch.dataset_hash[2:]),
            epoch.leaf_count,
            int(epoch.total_reward),
        )

    @property
    def root_hex(self) -> str:
        return "0x" + self.merkle_root.hex()


class EpochRunner:
    def __init__(
        self,
        ctx: Context,
        community: Community,
        epoch: Epoch,
        *,
        crash_at: str | None = None,
        progress: bool = True,
        log=print,
    ):
        self.ctx = ctx
        self.community = community
        self.epoch_id = epoch.id
        self.number = epoch.number
        self.crash_at = crash_at
        self.progress = progress
        self.log = log
        self._readings: pd.DataFrame | None = None
        self._recomputed: dict | None = None  # what a recompute discarded, recorded by the new select

    # ------------------------------------------------------------ plumbing

    def _crash(self, point: str) -> None:
        if self.crash_at == point:
            raise SimulatedCrash(point)

    def _epoch(self, s) -> Epoch:
        return s.get(Epoch, self.epoch_id)

    def _load(self) -> Epoch:
        with self.ctx.session() as s:
            return self._epoch(s)

    def _set_status(self, status: str, **fields) -> None:
        with self.ctx.session() as s:
            epoch = self._epoch(s)
            epoch.status = status
            for name, value in fields.items():
                setattr(epoch, name, value)

    def _frozen_readings(self, epoch: Epoch):
        """The epoch's readings (frozen by its watermark) as EpochReadings (oracle/epochs/data.py), loaded once
        per run for compute and hash; a resumed run loads them again."""
        from oracle.epochs.data import load_epoch_readings

        if self._readings is None:
            with self.ctx.session() as s:
                self._readings = load_epoch_readings(
                    self.ctx.engine, s, self.community.id, epoch.data_start, epoch.period_end, epoch.ingestion_watermark
                )
        return self._readings

    def _done_steps(self) -> set[str]:
        with self.ctx.session() as s:
            return set(s.scalars(select(EpochStep.step).where(EpochStep.epoch_id == self.epoch_id)))

    @staticmethod
    def _record(s, epoch_id: int, step: str, detail: dict | None = None) -> None:
        s.add(EpochStep(epoch_id=epoch_id, step=step, detail=detail))

    def run(self) -> Epoch:
        steps = {
            "select": self.step_select,
            "compute": self.step_compute,
            "hash": self.step_hash,
            "tree": self.step_tree,
            "commit": self.step_commit,
            "pay": self.step_pay,
            "done": self.step_done,
        }
        self._clear_stopped()
        done = self._done_steps()
        if "select" in done and "commit" not in done and self._recompute_if_the_model_changed():
            done = self._done_steps()
        for name in STEPS:
            if name in done:
                continue
            self.log(f"epoch {self.number}: {name}")
            if self._run_step(name, steps[name]) == WAITING:
                break
            self._crash(f"after:{name}")
        return self._load()

    def _run_step(self, name: str, step) -> str | None:
        """Runs one step; a run that stops there (a refusal, the chain going away) leaves its step and sentence
        in the epoch's "stopped" row, which `oracle status` shows until the next run."""
        try:
            return step()
        except OracleError as exc:
            self._record_stopped(name, str(exc))
            raise
        except CHAIN_DOWN as exc:
            problem = chain_stopped_answering(
                self.ctx.settings.effective_rpc_url,
                exc,
                f"the {name} step of epoch {self.number} of {self.community.name!r}",
            )
            self._record_stopped(name, str(problem))
            raise problem from None

    def _record_stopped(self, step: str, sentence: str) -> None:
        try:
            with self.ctx.session() as s:
                self._record(s, self.epoch_id, STOPPED, {"step": step, "error": sentence})
        except Exception:
            pass

    def _clear_stopped(self) -> None:
        with self.ctx.session() as s:
            s.execute(delete(EpochStep).where(EpochStep.epoch_id == self.epoch_id, EpochStep.step == STOPPED))

    # ------------------------------------------------------------ select

    def step_select(self) -> None:
        from oracle.model_registry import model_for_period

        with self.ctx.session() as s:
            period_start = self._epoch(s).period_start
            wallets = canonical.wallet_order(
                s.scalars(
                    select(Membership.wallet).where(
                        Membership.community_id == self.community.id, Membership.active.is_(True)
                    )
                )
            )
        if not wallets:
            raise OracleError(f"community {self.community.name!r} has no members: import them first")
        model = model_for_period(self.ctx, self.community.token_address, period_start)
        members, left_out = self._members_on_chain(wallets)
        if not members:
            raise OracleError(
                f"none of the {len(wallets)} members of {self.community.name!r} in the database is an "
                "active member on-chain: nobody can be rewarded"
            )
        for reason, group in left_out.items():
            self.log(f"epoch {self.number}: left out ({reason}): {', '.join(group)}")
        self._warn_if_implausible(model)
        with self.ctx.session() as s:
            epoch = self._epoch(s)
            length = epoch.period_end - epoch.period_start
            data_start = epoch.period_start - length if model.model_id in BASELINE_MODELS else epoch.period_start
            watermark = ingestion_watermark(s, self.community.id)
            epoch.model_id, epoch.model_version = model.model_id, model.version
            epoch.model_effective_from = model.effective_from_time
            epoch.params = {"values": model.params, "onchain": model.raw}
            epoch.data_start, epoch.ingestion_watermark = data_start, watermark
            detail = {"members": members, "watermark": watermark, "leftOut": left_out}
            if self._recomputed:
                detail["recomputed"] = self._recomputed
            self._record(s, epoch.id, "select", detail)

    def _warn_if_implausible(self, model) -> None:
        """A version on-chain outside the plausible ranges (published before they existed, or not by this
        oracle) rules its periods all the same: it is used as published, and said."""
        from oracle.models.parameters import plausible_range_problem

        for name, value in model.params.items():
            problem = plausible_range_problem(name, value)
            if problem:
                self.log(
                    f"epoch {self.number}: warning: {model.model_id} v{model.version} on-chain: {problem}; "
                    "it rules the period and is used as published (the reward ceiling and the treasury "
                    "still bound the total)"
                )

    def _members_on_chain(self, wallets: list[str]) -> tuple[list[str], dict[str, list[str]]]:
        """The wallets that may hold a leaf now — never the zero address, the token or a platform contract,
        and only active members on-chain — and the others, by reason."""
        chain = self.ctx.chain
        token = to_checksum_address(self.community.token_address)
        contracts = {ZERO_ADDRESS, token} | chain.platform_addresses()
        accounts = [w for w in wallets if to_checksum_address(w) not in contracts]
        active = chain.members_active(token, accounts)
        left_out = {
            "platformAddress": [w for w in wallets if to_checksum_address(w) in contracts],
            "notActiveOnChain": [w for w, a in zip(accounts, active) if not a],
        }
        return [w for w, a in zip(accounts, active) if a], {k: v for k, v in left_out.items() if v}

    def _recompute_if_the_model_changed(self) -> bool:
        """Discards the computed steps when the model and version that rule the period are no longer the ones
        select froze and nothing of the epoch was committed; True when it did."""
        from oracle.model_registry import model_for_period

        epoch = self._load()
        ruling = model_for_period(self.ctx, self.community.token_address, epoch.period_start)
        if (ruling.model_id, ruling.version) == (epoch.model_id, epoch.model_version):
            return False
        self._record_pending_receipts("commit")
        if self._commit_on_chain_or_on_its_way():
            return False  # step_commit says what is wrong (an epoch on-chain is never recomputed)
        self._recomputed = {
            "model": epoch.model_id,
            "version": epoch.model_version,
            "root": epoch.merkle_root,
            "total": None if epoch.total_reward is None else str(int(epoch.total_reward)),
        }
        self.log(
            f"epoch {self.number}: recomputing from select: the period is now ruled by {ruling.model_id} "
            f"v{ruling.version}, not {epoch.model_id} v{epoch.model_version} as computed, and nothing of the "
            "epoch was committed on-chain; the earlier computation is discarded"
        )
        with self.ctx.session() as s:
            s.execute(delete(EpochMember).where(EpochMember.epoch_id == self.epoch_id))
            s.execute(delete(EpochStep).where(EpochStep.epoch_id == self.epoch_id, EpochStep.step.in_(COMPUTED_STEPS)))
            epoch = self._epoch(s)
            for field in (
                "model_id",
                "model_version",
                "model_effective_from",
                "params",
                "data_start",
                "ingestion_watermark",
                "merkle_root",
                "dataset_hash",
                "leaf_count",
                "total_reward",
                "community_kpis",
                "tree_dump",
            ):
                setattr(epoch, field, None)
        return True

    def _commit_on_chain_or_on_its_way(self) -> bool:
        """Whether the chain has an epoch of our number, or a commit of ours may still be mined."""
        if self.ctx.chain.epoch(self.community.token_address, self.number) is not None:
            return True
        with self.ctx.session() as s:
            return (
                s.scalar(
                    select(func.count())
                    .select_from(ChainTransaction)
                    .where(
                        ChainTransaction.epoch_id == self.epoch_id,
                        ChainTransaction.kind == "commit",
                        ChainTransaction.status.in_(("sent", "mined")),
                    )
                )
                > 0
            )

    # ------------------------------------------------------------ compute, hash, tree

    def step_compute(self) -> None:
        from oracle.epochs.compute import compute_epoch

        with self.ctx.session() as s:
            epoch = self._epoch(s)
            wallets = s.scalar(
                select(EpochStep.detail).where(EpochStep.epoch_id == epoch.id, EpochStep.step == "select")
            )["members"]
            memberships = {
                m.wallet: m.id
                for m in s.scalars(
                    select(Membership).where(
                        Membership.community_id == self.community.id, Membership.wallet.in_(wallets)
                    )
                )
            }
            readings = self._frozen_readings(epoch)
            try:
                computed = compute_epoch(
                    epoch.model_id, epoch.params["values"], readings, wallets, epoch.period_start, epoch.period_end
                )
            except ValueError as exc:  # a version on-chain that no model can compute with (q 150, …)
                raise OracleError(
                    f"epoch {self.number} of {self.community.name!r} cannot be computed with "
                    f"{epoch.model_id} v{epoch.model_version} as published on-chain: {exc}; publish a "
                    "version for the period, then run the same command again"
                ) from None
            result, counts = computed.result, computed.reading_counts
            # lower rewards of corrected epochs are deducted here (oracle/epochs/debts.py)
            amounts = {wallet: int(result.amounts[wallet]) for wallet in wallets}
            deducted = deduct(amounts, outstanding_debts(s, self.community.id, wallets, excluding_epoch=epoch.id))
            for wallet in wallets:
                amount = amounts[wallet] - deducted.get(wallet, 0)
                s.add(
                    EpochMember(
                        epoch_id=epoch.id,
                        membership_id=memberships[wallet],
                        wallet=wallet,
                        amount=amount,
                        debt_deducted=deducted.get(wallet, 0),
                        tokens=float(result.tokens[wallet]) if wallet not in deducted else amount / 10**18,
                        kpis=result.member_kpis.get(wallet),
                        reading_count=int(counts.get(wallet, 0)),
                    )
                )
            epoch.community_kpis = result.community_kpis
            epoch.total_reward = int(result.total) - sum(deducted.values())
            detail = {"readings": len(readings), "total": str(epoch.total_reward)}
            if deducted:
                detail["debtsDeducted"] = {wallet: str(amount) for wallet, amount in deducted.items()}
            self._record(s, epoch.id, "compute", detail)

    def step_hash(self) -> None:
        from oracle.epochs.hashing import salted_hashes

        with self.ctx.session() as s:
            epoch = self._epoch(s)
            readings = self._frozen_readings(epoch)
            members = list(s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id)))
            salts = {member.wallet: secrets.token_bytes(32) for member in members}
            hashes = salted_hashes(readings, salts, progress=self.progress)
            for member in members:
                member.salt, member.data_hash = salts[member.wallet], hashes[member.wallet]
            self._record(s, epoch.id, "hash")
        self._readings = None  # the later steps need no readings: free them

    def step_tree(self) -> None:
        with self.ctx.session() as s:
            epoch = self._epoch(s)
            rows = {m.wallet: m for m in s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id))}
            members = [rows[w] for w in canonical.wallet_order(rows)]
            for index, member in enumerate(members):
                member.leaf_index = index
            tree = reward_tree([(m.wallet, int(m.amount), bytes(m.data_hash)) for m in members])
            epoch.merkle_root = tree.root_hex
            epoch.dataset_hash = "0x" + canonical.dataset_hash({m.wallet: bytes(m.data_hash) for m in members}).hex()
            epoch.leaf_count = len(members)
            epoch.tree_dump = tree.dump()
            self._record(s, epoch.id, "tree", {"root": tree.root_hex})

    # ------------------------------------------------------------ commit

    def step_commit(self) -> None:
        chain = self.ctx.chain
        token = self.community.token_address
        commitment = Commitment.of(self._load())
        self._record_pending_receipts("commit")
        onchain = chain.epoch(token, self.number)
        if onchain is not None:
            self._check_ours(onchain, commitment)
            self.log(f"epoch {self.number}: already committed on-chain")
        else:
            self._check_committable(commitment)
            send_recorded(
                self.ctx,
                chain.notary.functions.commitEpoch(token, self.number, astuple(commitment)),
                "oracle",
                "commit",
                what=f"commitEpoch({self.number})",
                epoch_id=self.epoch_id,
                community_id=self.community.id,
                after_sent=lambda _: self._crash("commit:sent"),
            )
            onchain = chain.epoch(token, self.number)
        with self.ctx.session() as s:
            self._epoch(s).payable_at = from_unix(onchain.payable_at)
            self._record(s, self.epoch_id, "commit", {"payableAt": onchain.payable_at})

    def _record_pending_receipts(self, kind: str) -> None:
        """Records the receipts of this epoch's `kind` transactions sent before a crash and mined meanwhile."""
        record_receipts(self.ctx, pending_transactions(self.ctx, self.epoch_id, kind))

    def _check_ours(self, onchain: OnChainEpoch, commitment: Commitment) -> None:
        """An epoch of our number already on-chain must be ours and still stand."""
        self._stop_if_closed(onchain)
        if onchain.merkle_root != commitment.merkle_root:
            raise OracleError(
                f"epoch {self.number} of {self.community.name!r} is already committed on-chain "
                f"with root {onchain.merkle_root_hex}, not ours ({commitment.root_hex})"
            )

    def _computed_model(self) -> str:
        epoch = self._load()
        return f"{epoch.model_id} v{epoch.model_version}"

    def _check_committable(self, c: Commitment) -> None:
        """What the notary would refuse, said clearly before any transaction."""
        chain = self.ctx.chain
        token = chain.token(self.community.token_address)
        name = self.community.name
        onchain = chain.epoch_count(token.address)
        if onchain != self.number - 1:
            raise OracleError(
                f"the chain has {onchain} epochs for {name!r}; epoch {self.number} cannot be "
                "committed before the earlier ones"
            )
        ceiling = chain.call(token.functions.epochRewardCeiling())
        if c.total_reward > ceiling:
            raise OracleError(
                f"epoch {self.number} of {name!r} rewards {base_to_tokens(c.total_reward)} tokens, "
                f"above the community's per-epoch reward ceiling of {base_to_tokens(ceiling)}: raise it "
                f"(`oracle community create {name!r} --reward-ceiling TOKENS`, signed by the token "
                "admin), then run the same command again"
            )
        available = chain.call(token.functions.treasuryAvailable())
        if c.total_reward > available:
            raise OracleError(
                f"epoch {self.number} of {name!r} rewards {base_to_tokens(c.total_reward)} tokens but "
                f"the treasury can spend only {base_to_tokens(available)}: the token admin funds it "
                "(fundTreasury), then run the same command again"
            )
        now = chain.now()
        if c.period_end > now:
            raise OracleError(
                f"the chain's time ({iso(now)}) is before the end of the period ({iso(c.period_end)}), "
                "and the notary commits only periods that are over: run the same command again once "
                "the chain has passed it"
            )
        model_id, version = chain.model_for_period(token.address, c.period_start)
        if to_bytes32(model_id) != c.model_id or version != c.model_version:
            raise OracleError(
                f"the model that rules the period changed since epoch {self.number} was computed (now "
                f"{model_id} v{version}, computed with {self._computed_model()}): the notary accepts "
                "only the model and version that rule the period, so this epoch cannot be committed "
                "as computed; run the same command again to recompute it (once no commit of it is "
                "pending), or give it up with `oracle epoch abandon`"
            )

    # ------------------------------------------------------------ pay

    def step_pay(self) -> str | None:
        chain = self.ctx.chain
        onchain = chain.epoch(self.community.token_address, self.number)
        if onchain is None:
            raise OracleError(f"epoch {self.number} of {self.community.name!r} is not committed on-chain")
        self._stop_if_closed(onchain)
        if chain.now() < onchain.payable_at:
            return self._wait_until(onchain.payable_at)
        self._set_status("running")
        epoch = self._load()
        batches, already = self._payer().pay(StandardMerkleTree.load(epoch.tree_dump))
        with self.ctx.session() as s:
            for member in s.scalars(
                select(EpochMember).where(EpochMember.epoch_id == self.epoch_id, EpochMember.amount == 0)
            ):
                member.paid = True  # nothing was owed
            skipped = s.scalar(
                select(func.count())
                .select_from(EpochMember)
                .where(EpochMember.epoch_id == self.epoch_id, EpochMember.skipped_tx.is_not(None))
            )
            self._record(s, self.epoch_id, "pay", {"batches": batches, "already_paid": already, "skipped": skipped})
        return None

    def _stop_if_closed(self, onchain: OnChainEpoch) -> None:
        if onchain.status == EpochStatus.VOIDED:
            self._set_status("voided")
            raise EpochVoided(
                f"epoch {self.number} of {self.community.name!r} was voided on-chain and pays nothing: "
                "run `oracle epoch run` for the same period again to commit it as a new epoch"
            )
        if onchain.status == EpochStatus.RELEASED:
            raise OracleError(
                f"epoch {self.number} of {self.community.name!r} was closed on-chain after its claim "
                "deadline: its unpaid rewards went back to the treasury"
            )

    def _wait_until(self, payable_at: int) -> str:
        self._set_status("waiting", payable_at=from_unix(payable_at))
        self.log(
            f"epoch {self.number}: committed; the challenge window is open until {iso(payable_at)}: run the "
            "same command then to pay the rewards"
        )
        return WAITING

    def _payer(self) -> LeafPayer:
        chain, token = self.ctx.chain, self.community.token_address
        pushes = Pushes(
            kind="push",
            detail={},
            call=lambda leaves, proof, flags: chain.notary.functions.pushRewards(
                token, self.number, leaves, proof, flags
            ),
            skipped_event="RewardSkipped",
            paid_flags=lambda indexes: chain.paid_flags(token, self.number, indexes),
            what=f"pushRewards(epoch {self.number}",
        )
        leaves = Leaves(EpochMember, EpochMember.epoch_id == self.epoch_id, EpochMember.amount > 0)
        return LeafPayer(
            self.ctx,
            self.community,
            self.epoch_id,
            leaves,
            pushes,
            label=f"epoch {self.number}",
            desc="paying rewards",
            crash=self._crash,
            progress=self.progress,
            log=self.log,
        )

    # ------------------------------------------------------------ done

    def step_done(self) -> None:
        with self.ctx.session() as s:
            epoch = self._epoch(s)
            epoch.status = "done"
            epoch.completed_at = datetime.now(UTC)
            self._record(s, epoch.id, "done")


def unfinished_epoch(ctx: Context, community: Community) -> Epoch | None:
    """The community's epoch that is neither done, voided nor abandoned (running, or waiting for its
    challenge window)."""
    with ctx.session() as s:
        return s.scalar(select(Epoch).where(Epoch.community_id == community.id, Epoch.status.not_in(CLOSED)))


def open_epoch(ctx: Context, community: Community, start: datetime, end: datetime) -> Epoch:
    """The epoch of this exact period (to resume it), or a new one numbered after the last.
    Voided and abandoned epochs neither block a period nor count as unfinished; an abandoned epoch's
    number was never used on-chain and is taken again (its row moved aside, see abandon.py)."""
    if start >= end:
        raise OracleError(f"--start {start.isoformat()} must be before --end {end.isoformat()}")
    now = datetime.now(UTC)
    if end > now:
        raise OracleError(
            f"the period ends {iso(end)}, which is in the future (now {iso(now)}): an epoch rewards a "
            "period that is over; run it after its end"
        )
    live = (Epoch.community_id == community.id, Epoch.status.not_in(("voided", "abandoned")))
    with ctx.session() as s:
        existing = s.scalar(select(Epoch).where(*live, Epoch.period_start == start, Epoch.period_end == end))
        if existing is not None:
            return existing
        unfinished = unfinished_epoch(ctx, community)
        if unfinished is not None:
            raise OracleError(
                f"epoch {unfinished.number} ({unfinished.period_start.isoformat()} to "
                f"{unfinished.period_end.isoformat()}) is unfinished: run it again with that period "
                "to complete it first (or void it: `oracle epoch void`; or, if it was never "
                "committed, abandon it: `oracle epoch abandon`)"
            )
        _check_period_order(s, live, start, end)
        # abandoned rows carry a negative number (their own id): the chain's next number is the highest other + 1
        number = (
            s.scalar(select(func.max(Epoch.number)).where(Epoch.community_id == community.id, Epoch.number > 0)) or 0
        ) + 1
        epoch = Epoch(community_id=community.id, number=number, period_start=start, period_end=end, status="running")
        s.add(epoch)
        s.flush()
        return epoch


def _check_period_order(s, live, start: datetime, end: datetime) -> None:
    """The notary commits a period only at or after the end of the last epoch that stands: a period that
    shares quarter-hours with an epoch overlaps it; one that lies wholly before an epoch is before it."""
    last = s.scalar(select(Epoch).where(*live).order_by(Epoch.number.desc()).limit(1))
    if last is None or start >= last.period_end:
        return
    overlapped = s.scalar(
        select(Epoch).where(*live, Epoch.period_start < end, Epoch.period_end > start).order_by(Epoch.number).limit(1)
    )
    if overlapped is not None:
        raise OracleError(
            f"the period {iso(start)} to {iso(end)} overlaps epoch {overlapped.number} "
            f"({iso(overlapped.period_start)} to {iso(overlapped.period_end)}): nobody may be rewarded "
            "twice for the same quarter-hours"
        )
    following = s.scalar(select(Epoch).where(*live, Epoch.period_start >= end).order_by(Epoch.period_start).limit(1))
    raise OracleError(
        f"the period {iso(start)} to {iso(end)} is before epoch {following.number} "
        f"({iso(following.period_start)} to {iso(following.period_end)}): epochs follow one another in "
        f"time, so the next period starts at or after {iso(last.period_end)}, the end of epoch "
        f"{last.number}"
    )


def run_epoch(
    ctx: Context,
    community_name: str,
    start: str,
    end: str,
    *,
    crash_at: str | None = None,
    progress: bool = True,
    log=print,
) -> Epoch:
    period_start, period_end = parse_instant_on_grid(start, "--start"), parse_instant_on_grid(end, "--end")
    community = get_community(ctx, community_name)
    with community_run_lock(ctx, community):
        from oracle.epochs.reconcile import reconcile_community  # the chain may have lost what the database recorded

        try:
            reconcile_community(ctx, community, log=log)
            epoch = open_epoch(ctx, community, period_start, period_end)
            return EpochRunner(ctx, community, epoch, crash_at=crash_at, progress=progress, log=log).run()
        except CHAIN_DOWN as exc:  # before the steps (a step's own stop is said by the runner)
            raise chain_stopped_answering(
                ctx.settings.effective_rpc_url, exc, f"the epoch run of {community.name!r}"
            ) from None
