"""Bookkeeping of sent transactions in PostgreSQL (chain_transactions)."""
from __future__ import annotations

from sqlalchemy import select

from oracle.db.schema import ChainTransaction


def record_sent(ctx, tx_hash: str, kind: str, *, epoch_id: int | None = None, community_id: int | None = None,
                detail: dict | None = None) -> None:
    with ctx.session() as s:
        if s.scalar(select(ChainTransaction).where(ChainTransaction.tx_hash == tx_hash)) is None:
            s.add(ChainTransaction(tx_hash=tx_hash, kind=kind, epoch_id=epoch_id, community_id=community_id,
                                   detail=detail, status="sent"))


def record_mined(ctx, receipt) -> None:
    tx_hash = receipt["transactionHash"].to_0x_hex()
    with ctx.session() as s:
        tx = s.scalar(select(ChainTransaction).where(ChainTransaction.tx_hash == tx_hash))
        if tx is not None:
            tx.status = "mined" if receipt["status"] == 1 else "failed"
            tx.block_number = receipt["blockNumber"]
            tx.gas_used = receipt["gasUsed"]
