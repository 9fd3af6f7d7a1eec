"""Members' debts: what a correction lowered, deducted from the member's next rewards in that community.

A revision of an epoch (oracle/epochs/revisions.py) never takes tokens back from a wallet: when a member's
corrected reward is lower than the one paid, the difference becomes a debt (`revision_members.debt`) once
the revision is finished. The next epochs of the community deduct it from that member's reward
(`epoch_members.debt_deducted`; the leaf pays reward − deduction) until it is paid off. The outstanding debt
is never stored, always derived, so a voided or abandoned epoch gives its deduction back by itself:

    outstanding = Σ debts of finished revisions − Σ deductions of epochs that stand

A revision counts once finished (`done`): its challenge window is over, so it stands for good
(ConsumptionNotary.voidRevision is refused after it).
"""

from __future__ import annotations

from sqlalchemy import func, select

from oracle.db.schema import Epoch, EpochMember, EpochRevision, RevisionMember

CLOSED_EPOCHS = ("voided", "abandoned")


def outstanding_debts(
    s, community_id: int, wallets: list[str], *, excluding_epoch: int | None = None
) -> dict[str, int]:
    """Outstanding debt (base units, > 0 only) per wallet of the community; `excluding_epoch` leaves out the
    deductions of that epoch (the one being computed)."""
    if not wallets:
        return {}
    owed = dict(
        s.execute(
            select(RevisionMember.wallet, func.sum(RevisionMember.debt))
            .join(EpochRevision, EpochRevision.id == RevisionMember.revision_id)
            .join(Epoch, Epoch.id == EpochRevision.epoch_id)
            .where(
                Epoch.community_id == community_id,
                # finished: paid after its challenge window, so it can no longer be voided on-chain (a debt
                # deducted while the revision could still be voided would never come back)
                EpochRevision.status == "done",
                RevisionMember.wallet.in_(wallets),
                RevisionMember.debt > 0,
            )
            .group_by(RevisionMember.wallet)
        ).all()
    )
    if not owed:
        return {}
    deducted_query = (
        select(EpochMember.wallet, func.sum(EpochMember.debt_deducted))
        .join(Epoch, Epoch.id == EpochMember.epoch_id)
        .where(
            Epoch.community_id == community_id,
            Epoch.status.not_in(CLOSED_EPOCHS),
            EpochMember.wallet.in_(list(owed)),
            EpochMember.debt_deducted > 0,
        )
        .group_by(EpochMember.wallet)
    )
    if excluding_epoch is not None:
        deducted_query = deducted_query.where(Epoch.id != excluding_epoch)
    deducted = dict(s.execute(deducted_query).all())
    debts = {wallet: int(total) - int(deducted.get(wallet, 0)) for wallet, total in owed.items()}
    return {wallet: debt for wallet, debt in debts.items() if debt > 0}


def deduct(amounts: dict[str, int], debts: dict[str, int]) -> dict[str, int]:
    """Per wallet what its reward pays off of its debt: all of the debt when the reward covers it, else the
    whole reward (the rest waits for the next epoch)."""
    return {wallet: min(debt, amounts.get(wallet, 0)) for wallet, debt in debts.items() if amounts.get(wallet, 0)}
