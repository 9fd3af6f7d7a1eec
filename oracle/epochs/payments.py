"""Paying the leaves of one commitment — an epoch's rewards or a revision's top-ups — in recorded batches.

The chain is the truth: before any batch it is asked which leaves are paid (a claim, or a batch mined
before a crash), receipts of batches sent before a crash are read back first, and each batch of consecutive
unpaid indexes goes under one multiproof, signed by the reward payer and recorded before its receipt is
awaited. A leaf the notary skipped (its member is not an active member now) is recorded as skipped, not
paid: it stays claimable on-chain. The notary's paid bitmap is the last line of defence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from tqdm import tqdm

from oracle.chain.transactions import record_receipts, send_recorded
from oracle.db.schema import ChainTransaction
from oracle.merkle import StandardMerkleTree, pack_leaves


@dataclass(frozen=True)
class Leaves:
    """Where a commitment's leaves are recorded: `model` rows (with leaf_index, paid, paid_tx, skipped_tx)
    selected by `owner`, owing something when `owed`."""

    model: type
    owner: object  # a SQL condition, e.g. EpochMember.epoch_id == 7
    owed: object  # e.g. EpochMember.amount > 0


@dataclass(frozen=True)
class Pushes:
    """How a commitment's batches are sent and recognised: `kind` and `detail` of the recorded transactions,
    the notary function that pays a batch (`call(packed_leaves, proof, flags)`), the event naming a skipped
    leaf, and `paid_flags(indexes)` asking the chain which leaves are paid."""

    kind: str
    detail: dict
    call: Callable
    skipped_event: str
    paid_flags: Callable[[list[int]], list[bool]]
    what: str  # "pushRewards(epoch 3" — completed with the batch number


class LeafPayer:
    def __init__(
        self,
        ctx,
        community,
        epoch_id: int,
        leaves: Leaves,
        pushes: Pushes,
        *,
        label: str,
        desc: str,
        crash: Callable[[str], None],
        progress: bool,
        log,
    ):
        self.ctx = ctx
        self.community = community
        self.epoch_id = epoch_id
        self.leaves = leaves
        self.pushes = pushes
        self.label = label
        self.desc = desc
        self.crash = crash
        self.progress = progress
        self.log = log

    def pay(self, tree: StandardMerkleTree) -> tuple[int, int]:
        """Pays every unpaid leaf owing something; (batches sent, leaves found paid on-chain)."""
        self.settle_earlier_pushes()
        unsettled = self.unsettled_indexes()
        paid = self.pushes.paid_flags(unsettled)
        already = [i for i, p in zip(unsettled, paid) if p]
        self.mark_paid(already, None)
        todo = [i for i, p in zip(unsettled, paid) if not p]
        size = self.ctx.settings.batch_size
        batches = [todo[i : i + size] for i in range(0, len(todo), size)]
        for number, batch in enumerate(tqdm(batches, desc=self.desc, unit="batch", disable=not self.progress), start=1):
            self.push(tree, number, batch)
        return len(batches), len(already)

    def _ours(self, tx: ChainTransaction) -> bool:
        detail = tx.detail or {}
        return all(detail.get(key) == value for key, value in self.pushes.detail.items())

    def settle_earlier_pushes(self) -> None:
        """Records what the pushes of an earlier run did (a crash may have come between a push and its record):
        paid and skipped leaves, from their receipts. Settling twice changes nothing."""
        with self.ctx.session() as s:
            sent = [
                tx
                for tx in s.scalars(
                    select(ChainTransaction)
                    .where(
                        ChainTransaction.epoch_id == self.epoch_id,
                        ChainTransaction.kind == self.pushes.kind,
                        ChainTransaction.status.in_(("sent", "mined")),
                    )
                    .order_by(ChainTransaction.id)
                )
                if self._ours(tx)
            ]
        for tx, receipt in record_receipts(self.ctx, sent):
            # never mined (None): its leaves are still unpaid and go again (the notary skips paid ones)
            if receipt is not None and receipt["status"] == 1:
                self.settle(receipt, tx.detail["indexes"])

    def unsettled_indexes(self) -> list[int]:
        """Leaf indexes still owed something: not paid, not skipped by an earlier push."""
        model = self.leaves.model
        with self.ctx.session() as s:
            return list(
                s.scalars(
                    select(model.leaf_index)
                    .where(self.leaves.owner, model.paid.is_(False), model.skipped_tx.is_(None), self.leaves.owed)
                    .order_by(model.leaf_index)
                )
            )

    def push(self, tree: StandardMerkleTree, number: int, indexes: list[int]) -> None:
        """One batch of consecutive unpaid indexes under one multiproof, signed by the reward payer."""
        proof = tree.multiproof(indexes)
        receipt = send_recorded(
            self.ctx,
            self.pushes.call(pack_leaves(proof.values), proof.proof, proof.proof_flags),
            "reward_payer",
            self.pushes.kind,
            what=f"{self.pushes.what}, batch {number})",
            epoch_id=self.epoch_id,
            community_id=self.community.id,
            detail={**self.pushes.detail, "batch": number, "indexes": indexes},
            after_sent=lambda _: self.crash(f"pay:sent:{number}"),
        )
        self.crash(f"pay:mined:{number}")
        self.settle(receipt, indexes)
        self.crash(f"pay:batch:{number}")

    def settle(self, receipt, indexes: list[int]) -> None:
        """Records a mined push: the leaves the notary skipped as skipped, the others as paid (by this push, or
        by a claim just before it)."""
        chain = self.ctx.chain
        skipped = {event["index"] for event in chain.events(chain.notary, self.pushes.skipped_event, receipt)}
        tx_hash = receipt["transactionHash"].to_0x_hex()
        model = self.leaves.model
        with self.ctx.session() as s:
            for member in s.scalars(select(model).where(self.leaves.owner, model.leaf_index.in_(indexes))):
                if member.leaf_index in skipped:
                    member.skipped_tx = tx_hash
                else:
                    member.paid = True
                    member.paid_tx = member.paid_tx or tx_hash
        for index in sorted(skipped):
            self.log(f"{self.label}: leaf {index} skipped by the notary (not an active member now); it stays claimable")

    def mark_paid(self, indexes: list[int], tx_hash: str | None) -> None:
        model = self.leaves.model
        with self.ctx.session() as s:
            for member in s.scalars(select(model).where(self.leaves.owner, model.leaf_index.in_(indexes))):
                member.paid = True
                member.paid_tx = member.paid_tx or tx_hash
