"""The epoch runner: resumable, step by step, nobody paid twice and nobody forgotten.

Steps (each recorded in `epoch_steps` in the same database transaction as its results):
  select   period, community members, the active model and the version that applies (read on-chain),
           the ingestion watermark that freezes the data
  compute  rewards and KPIs per member (pure reward models over the frozen readings)
  hash     a random salt per member and the salted hash of its canonical readings
  tree     the StandardMerkleTree over (member, amount, data hash), the dataset hash
  commit   commitEpoch on the notary (the tx hash is recorded before waiting for the receipt)
  pay      pushRewards in bounded batches; before each run the chain says who is already paid
  done

Running the same `oracle epoch run` again after a crash resumes at the first unrecorded step.
The chain is checked before every send (an epoch already committed with our root is recorded, not
re-sent; a member already paid is skipped), so the notary's own guards are the last line of defence.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

import pandas as pd
from sqlalchemy import func, select
from tqdm import tqdm

from oracle.chain.encoding import to_bytes32
from oracle.chain.transactions import record_mined, record_sent
from oracle.communities import get_community
from oracle.context import Context
from oracle.db.schema import ChainTransaction, Community, Epoch, EpochMember, EpochStep, Membership
from oracle.epochs import canonical
from oracle.epochs.data import ingestion_watermark, load_readings, to_model_frame
from oracle.errors import OracleError
from oracle.merkle import StandardMerkleTree, reward_tree

STEPS = ("select", "compute", "hash", "tree", "commit", "pay", "done")
BASELINE_MODELS = ("peak_shaving", "combined")
QUARTER = pd.Timedelta(minutes=15)


class SimulatedCrash(RuntimeError):
    """Raised by tests at a chosen point to stand for a process that dies there."""


def parse_instant(text: str, what: str) -> datetime:
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise OracleError(f"{what} {text!r} is not an ISO 8601 timestamp") from None
    if ts.tzinfo is None:
        raise OracleError(f"{what} {text!r} has no UTC offset: write e.g. 2026-10-01T00:00:00+02:00")
    ts = ts.tz_convert("UTC")
    if ts != ts.floor("15min"):
        raise OracleError(f"{what} {text!r} is not on the 15-minute grid")
    return ts.to_pydatetime()


class EpochRunner:
    def __init__(self, ctx: Context, community: Community, epoch: Epoch, *, crash_at: str | None = None,
                 progress: bool = True, log=print):
        self.ctx = ctx
        self.community = community
        self.epoch_id = epoch.id
        self.number = epoch.number
        self.crash_at = crash_at
        self.progress = progress
        self.log = log
        self._readings: pd.DataFrame | None = None

    # ------------------------------------------------------------ plumbing

    def _crash(self, point: str) -> None:
        if self.crash_at == point:
            raise SimulatedCrash(point)

    def _epoch(self, s) -> Epoch:
        return s.get(Epoch, self.epoch_id)

    def _frozen_readings(self, epoch: Epoch) -> pd.DataFrame:
        """The epoch's readings (frozen by its watermark), loaded once per run for compute and hash;
        a resumed run loads them again."""
        if self._readings is None:
            self._readings = load_readings(self.ctx.engine, self.community.id, epoch.data_start, epoch.period_end,
                                           epoch.ingestion_watermark)
        return self._readings

    def _done_steps(self) -> set[str]:
        with self.ctx.session() as s:
            return set(s.scalars(select(EpochStep.step).where(EpochStep.epoch_id == self.epoch_id)))

    @staticmethod
    def _record(s, epoch_id: int, step: str, detail: dict | None = None) -> None:
        s.add(EpochStep(epoch_id=epoch_id, step=step, detail=detail))

    def run(self) -> Epoch:
        done = self._done_steps()
        for step in STEPS:
            if step in done:
                continue
            self.log(f"epoch {self.number}: {step}")
            getattr(self, f"step_{step}")()
            self._crash(f"after:{step}")
        with self.ctx.session() as s:
            return self._epoch(s)

    # ------------------------------------------------------------ steps

    def step_select(self) -> None:
        from oracle.model_registry import model_for_epoch

        model = model_for_epoch(self.ctx, self.community.token_address, self.number)
        with self.ctx.session() as s:
            epoch = self._epoch(s)
            length = epoch.period_end - epoch.period_start
            data_start = epoch.period_start - length if model.model_id in BASELINE_MODELS else epoch.period_start
            wallets = sorted(s.scalars(select(Membership.wallet).where(
                Membership.community_id == self.community.id, Membership.active.is_(True))))
            if not wallets:
                raise OracleError(f"community {self.community.name!r} has no members: import them first")
            watermark = ingestion_watermark(s, self.community.id)
            epoch.model_id, epoch.model_version = model.model_id, model.version
            epoch.params = {"values": model.params, "onchain": model.raw,
                            "effectiveFromEpoch": model.effective_from_epoch}
            epoch.data_start, epoch.ingestion_watermark = data_start, watermark
            self._record(s, epoch.id, "select", {"members": wallets, "watermark": watermark})

    def step_compute(self) -> None:
        from oracle.models import compute_rewards

        with self.ctx.session() as s:
            epoch = self._epoch(s)
            wallets = s.scalar(select(EpochStep.detail).where(EpochStep.epoch_id == epoch.id,
                                                              EpochStep.step == "select"))["members"]
            memberships = {m.wallet: m.id for m in s.scalars(select(Membership).where(
                Membership.community_id == self.community.id, Membership.wallet.in_(wallets)))}
            readings = self._frozen_readings(epoch)
            result = compute_rewards(epoch.model_id, epoch.params["values"], to_model_frame(readings), wallets,
                                     pd.Timestamp(epoch.period_start), pd.Timestamp(epoch.period_end))
            counts = readings.groupby("member").size().to_dict() if len(readings) else {}
            for wallet in wallets:
                s.add(EpochMember(epoch_id=epoch.id, membership_id=memberships[wallet], wallet=wallet,
                                  amount=result.amounts[wallet], tokens=float(result.tokens[wallet]),
                                  kpis=result.member_kpis.get(wallet), reading_count=int(counts.get(wallet, 0))))
            epoch.community_kpis = result.community_kpis
            epoch.total_reward = result.total
            self._record(s, epoch.id, "compute", {"readings": int(len(readings)), "total": str(result.total)})

    def step_hash(self) -> None:
        with self.ctx.session() as s:
            epoch = self._epoch(s)
            readings = self._frozen_readings(epoch)
            by_member = canonical.canonical_bytes_by_member(readings)
            members = list(s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id)))
            for member in tqdm(members, desc="hashing member data", unit="member", disable=not self.progress):
                member.salt = secrets.token_bytes(32)
                member.data_hash = canonical.data_hash(member.salt, by_member.get(member.wallet, b""))
            self._record(s, epoch.id, "hash")
        self._readings = None  # the later steps need no readings: free them

    def step_tree(self) -> None:
        with self.ctx.session() as s:
            epoch = self._epoch(s)
            members = list(s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id)
                                     .order_by(EpochMember.wallet)))
            tree = reward_tree([(m.wallet, int(m.amount), bytes(m.data_hash)) for m in members])
            epoch.merkle_root = tree.root_hex
            epoch.dataset_hash = "0x" + canonical.dataset_hash({m.wallet: bytes(m.data_hash) for m in members}).hex()
            epoch.leaf_count = len(members)
            epoch.tree_dump = tree.dump()
            self._record(s, epoch.id, "tree", {"root": tree.root_hex})

    def step_commit(self) -> None:
        chain = self.ctx.chain
        notary = chain.notary
        token = self.community.token_address
        with self.ctx.session() as s:
            epoch = self._epoch(s)
            commitment = (int(epoch.period_start.timestamp()), int(epoch.period_end.timestamp()),
                          bytes.fromhex(epoch.merkle_root[2:]), to_bytes32(epoch.model_id), epoch.model_version,
                          bytes.fromhex(epoch.dataset_hash[2:]), epoch.leaf_count, int(epoch.total_reward))
            pending = s.scalar(select(ChainTransaction).where(ChainTransaction.epoch_id == epoch.id,
                                                              ChainTransaction.kind == "commit",
                                                              ChainTransaction.status == "sent"))
            pending_hash = pending.tx_hash if pending else None
        if pending_hash:
            receipt = chain.receipt_or_none(pending_hash)
            if receipt is not None:
                record_mined(self.ctx, receipt)
        onchain = chain.call(notary.functions.epochCount(token))
        if onchain >= self.number:
            committed_root = "0x" + bytes(chain.call(notary.functions.getEpoch(token, self.number))[0][2]).hex()
            if committed_root != commitment_root(commitment):
                raise OracleError(f"epoch {self.number} of {self.community.name!r} is already committed on-chain "
                                  f"with root {committed_root}, not ours ({commitment_root(commitment)})")
            self.log(f"epoch {self.number}: already committed on-chain")
        else:
            if onchain != self.number - 1:
                raise OracleError(f"the chain has {onchain} committed epochs for {self.community.name!r}; "
                                  f"epoch {self.number} cannot be committed before the earlier ones")
            model_key, version = chain.call(chain.registry.functions.modelForEpoch(token, self.number))
            if bytes(model_key) != commitment[3] or version != commitment[4]:
                raise OracleError(f"the active model or its version changed since epoch {self.number} was computed "
                                  "(a new version was published): this epoch cannot be committed as computed")

            def on_sent(tx_hash: str) -> None:
                record_sent(self.ctx, tx_hash, "commit", epoch_id=self.epoch_id, community_id=self.community.id)
                self._crash("commit:sent")

            receipt = chain.send(notary.functions.commitEpoch(token, self.number, commitment), "oracle",
                                 what=f"commitEpoch({self.number})", on_sent=on_sent)
            record_mined(self.ctx, receipt)
        with self.ctx.session() as s:
            self._record(s, self.epoch_id, "commit")

    def step_pay(self) -> None:
        chain = self.ctx.chain
        notary = chain.notary
        token = self.community.token_address
        batch_size = self.ctx.settings.batch_size
        with self.ctx.session() as s:
            epoch = self._epoch(s)
            tree = StandardMerkleTree.load(epoch.tree_dump)
            index = {value[0]: i for i, value in enumerate(tree.values())}
            unpaid = [(m.wallet, int(m.amount), bytes(m.data_hash)) for m in s.scalars(
                select(EpochMember).where(EpochMember.epoch_id == epoch.id, EpochMember.paid.is_(False),
                                          EpochMember.amount > 0).order_by(EpochMember.wallet))]
        # the chain is the truth: whoever is paid there (a claim, a batch mined before a crash) is done
        paid_flags = chain.call_many([notary.functions.isPaid(token, self.number, w) for w, _, _ in unpaid])
        already = [w for (w, _, _), paid in zip(unpaid, paid_flags) if paid]
        if already:
            self._mark_paid(already, None)
        todo = [leaf for leaf in unpaid if leaf[0] not in set(already)]
        batches = [todo[i:i + batch_size] for i in range(0, len(todo), batch_size)]
        for number, batch in enumerate(tqdm(batches, desc="paying rewards", unit="batch",
                                            disable=not self.progress), start=1):
            payments = [(w, amount, h, tree.proof(index[w])) for w, amount, h in batch]

            def on_sent(tx_hash: str, n=number, size=len(batch)) -> None:
                record_sent(self.ctx, tx_hash, "push", epoch_id=self.epoch_id, community_id=self.community.id,
                            detail={"batch": n, "members": size})
                self._crash(f"pay:sent:{n}")

            receipt = chain.send(notary.functions.pushRewards(token, self.number, payments), "oracle",
                                 what=f"pushRewards(epoch {self.number}, batch {number})", on_sent=on_sent)
            record_mined(self.ctx, receipt)
            self._mark_paid([w for w, _, _ in batch], receipt["transactionHash"].to_0x_hex())
            self._crash(f"pay:batch:{number}")
        with self.ctx.session() as s:
            for member in s.scalars(select(EpochMember).where(EpochMember.epoch_id == self.epoch_id,
                                                              EpochMember.amount == 0)):
                member.paid = True  # nothing was owed
            self._record(s, self.epoch_id, "pay", {"batches": len(batches), "already_paid": len(already)})

    def _mark_paid(self, wallets: list[str], tx_hash: str | None) -> None:
        with self.ctx.session() as s:
            for member in s.scalars(select(EpochMember).where(EpochMember.epoch_id == self.epoch_id,
                                                              EpochMember.wallet.in_(wallets))):
                member.paid = True
                member.paid_tx = member.paid_tx or tx_hash

    def step_done(self) -> None:
        with self.ctx.session() as s:
            epoch = self._epoch(s)
            epoch.status = "done"
            epoch.completed_at = datetime.now(timezone.utc)
            self._record(s, epoch.id, "done")


def commitment_root(commitment: tuple) -> str:
    return "0x" + commitment[2].hex()


def open_epoch(ctx: Context, community: Community, start: datetime, end: datetime) -> Epoch:
    """The epoch of this exact period (to resume it), or a new one numbered after the last."""
    if start >= end:
        raise OracleError(f"--start {start.isoformat()} must be before --end {end.isoformat()}")
    with ctx.session() as s:
        existing = s.scalar(select(Epoch).where(Epoch.community_id == community.id, Epoch.period_start == start,
                                                Epoch.period_end == end))
        if existing is not None:
            return existing
        unfinished = s.scalar(select(Epoch).where(Epoch.community_id == community.id, Epoch.status != "done"))
        if unfinished is not None:
            raise OracleError(f"epoch {unfinished.number} ({unfinished.period_start.isoformat()} to "
                              f"{unfinished.period_end.isoformat()}) is unfinished: run it again with that period "
                              "to complete it first")
        last = s.scalar(select(Epoch).where(Epoch.community_id == community.id).order_by(Epoch.number.desc())
                        .limit(1))
        if last is not None and start < last.period_end:
            raise OracleError(f"the period overlaps epoch {last.number}, which ends {last.period_end.isoformat()}: "
                              "nobody may be rewarded twice for the same quarter-hours")
        number = (s.scalar(select(func.max(Epoch.number)).where(Epoch.community_id == community.id)) or 0) + 1
        epoch = Epoch(community_id=community.id, number=number, period_start=start, period_end=end, status="running")
        s.add(epoch)
        s.flush()
        return epoch


def run_epoch(ctx: Context, community_name: str, start: str, end: str, *, crash_at: str | None = None,
              progress: bool = True, log=print) -> Epoch:
    period_start, period_end = parse_instant(start, "--start"), parse_instant(end, "--end")
    community = get_community(ctx, community_name)
    epoch = open_epoch(ctx, community, period_start, period_end)
    return EpochRunner(ctx, community, epoch, crash_at=crash_at, progress=progress, log=log).run()
