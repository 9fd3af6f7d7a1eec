"""`oracle epoch void`: the Community Admin voids a committed epoch before anything of it is paid.

The notary returns its escrow to the treasury and pays nothing of it; the epoch is marked "voided" in
PostgreSQL, so `oracle epoch run` for the same period commits it again as a new epoch number. The
reason stays off-chain; its keccak256 goes on-chain.
"""

from __future__ import annotations

from eth_utils import keccak

from oracle.chain.client import EpochStatus
from oracle.chain.transactions import pending_transactions, record_receipts, send_recorded
from oracle.context import Context
from oracle.db.schema import Epoch
from oracle.epochs.report import find_epoch
from oracle.errors import OracleError
from oracle.locks import community_run_lock
from oracle.units import base_to_tokens


def void_epoch(ctx: Context, community_name: str, number: int, reason: str) -> str:
    """Voids epoch `number` on-chain (signed by the community_admin key) and in the database; returns what
    happened. Idempotent: an epoch already voided on-chain is only marked in the database."""
    reason = reason.strip()
    if not reason:
        raise OracleError("--reason is required: say why the epoch is voided (its hash goes on-chain)")
    community, epoch = find_epoch(ctx, community_name, number)
    with community_run_lock(ctx, community, doing="void the epoch if it still needs it"):
        return _void(ctx, community, community_name, epoch, number, reason)


def _void(ctx: Context, community, community_name: str, epoch: Epoch, number: int, reason: str) -> str:
    chain = ctx.chain
    token = community.token_address
    for tx, receipt in record_receipts(ctx, pending_transactions(ctx, epoch.id, "commit")):
        if receipt is None:
            raise OracleError(f"the commit of epoch {number} ({tx.tx_hash}) is not mined yet: wait for it, then void")
    onchain = chain.epoch(token, number)
    if onchain is None:
        raise OracleError(f"epoch {number} of {community_name!r} is not committed on-chain: there is nothing to void")
    if onchain.status == EpochStatus.RELEASED:
        raise OracleError(
            f"epoch {number} of {community_name!r} was closed after its claim deadline: it cannot be voided"
        )
    if onchain.status == EpochStatus.COMMITTED:
        if onchain.paid_total > 0:
            raise OracleError(
                f"epoch {number} of {community_name!r} has already paid "
                f"{base_to_tokens(onchain.paid_total)} tokens: a paid epoch cannot be voided"
            )
        reason_hash = keccak(text=reason)
        send_recorded(
            ctx,
            chain.notary.functions.voidEpoch(token, number, reason_hash),
            "community_admin",
            "void",
            what=f"voidEpoch({number})",
            epoch_id=epoch.id,
            community_id=community.id,
            detail={"reason": reason, "reasonHash": "0x" + reason_hash.hex()},
        )
        outcome = f"epoch {number} of {community_name!r} voided on-chain; its escrow went back to the treasury"
    else:
        outcome = f"epoch {number} of {community_name!r} was already voided on-chain"
    with ctx.session() as s:
        s.get(Epoch, epoch.id).status = "voided"
    return outcome + ": run `oracle epoch run` for the same period to commit it again as a new epoch"
