"""Bookkeeping of sent transactions in PostgreSQL (chain_transactions).

`send_recorded` is the one way the oracle sends a transaction: the hash is recorded (status "sent")
before the receipt is awaited, then the receipt (status "mined" or "failed", block, gas), so a process
that dies in between finds the hash again and asks the chain instead of sending twice: `record_receipts`
(over `pending_transactions`) is that asking, the one way back.

Statuses: sent | mined | failed (mined, reverted) | dropped — recorded sent or mined, but the chain no longer
has it (neither mined nor in its pool: it lost the blocks, or never mined it); see oracle.epochs.reconcile.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update

from oracle.db.schema import ChainTransaction


def record_sent(
    ctx,
    tx_hash: str,
    kind: str,
    *,
    epoch_id: int | None = None,
    community_id: int | None = None,
    detail: dict | None = None,
) -> None:
    with ctx.session() as s:
        if s.scalar(select(ChainTransaction).where(ChainTransaction.tx_hash == tx_hash)) is None:
            s.add(
                ChainTransaction(
                    tx_hash=tx_hash,
                    kind=kind,
                    epoch_id=epoch_id,
                    community_id=community_id,
                    detail=detail,
                    status="sent",
                )
            )


def record_mined(ctx, receipt) -> None:
    tx_hash = receipt["transactionHash"].to_0x_hex()
    with ctx.session() as s:
        tx = s.scalar(select(ChainTransaction).where(ChainTransaction.tx_hash == tx_hash))
        if tx is not None:
            tx.status = "mined" if receipt["status"] == 1 else "failed"
            tx.block_number = receipt["blockNumber"]
            tx.gas_used = receipt["gasUsed"]


def send_recorded(
    ctx,
    fn,
    role: str,
    kind: str,
    *,
    what: str = "",
    epoch_id: int | None = None,
    community_id: int | None = None,
    detail: dict | None = None,
    after_sent: Callable[[str], None] | None = None,
):
    """Signs `fn` with `role`'s key and sends it; records the hash before waiting, then the receipt.
    `after_sent(tx_hash)` runs once the hash is recorded (tests stop the process there)."""

    def on_sent(tx_hash: str) -> None:
        record_sent(ctx, tx_hash, kind, epoch_id=epoch_id, community_id=community_id, detail=detail)
        if after_sent:
            after_sent(tx_hash)

    receipt = ctx.chain.send(fn, role, on_sent=on_sent, what=what)
    record_mined(ctx, receipt)
    return receipt


def record_receipts(ctx, txs) -> list[tuple[ChainTransaction, dict | None]]:
    """Each recorded transaction with its receipt now (None: not mined — still in the pool, or lost); the mined
    ones are recorded (status, block, gas). Recording a receipt twice changes nothing."""
    found = []
    for tx in txs:
        receipt = ctx.chain.receipt_or_none(tx.tx_hash)
        if receipt is not None:
            record_mined(ctx, receipt)
        found.append((tx, receipt))
    return found


def pending_transactions(ctx, epoch_id: int, kind: str) -> list[ChainTransaction]:
    """Transactions of an epoch sent but not yet recorded as mined (a process died while waiting)."""
    with ctx.session() as s:
        return list(
            s.scalars(
                select(ChainTransaction)
                .where(
                    ChainTransaction.epoch_id == epoch_id,
                    ChainTransaction.kind == kind,
                    ChainTransaction.status == "sent",
                )
                .order_by(ChainTransaction.id)
            )
        )


def record_dropped(s, tx_hashes) -> None:
    """Records, in the caller's session `s`, transactions the chain no longer has (their block stays as history)."""
    if tx_hashes:
        s.execute(
            update(ChainTransaction).where(ChainTransaction.tx_hash.in_(list(tx_hashes))).values(status="dropped")
        )
