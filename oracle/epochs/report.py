"""`oracle epoch show`: an epoch as JSON (amounts in base units as decimal strings) or as text.

An abandoned epoch (oracle/epochs/abandon.py) stays listed: `--epoch N` shows the epoch N that stands
with every abandoned attempt at N (reason, who, when), or the latest attempt while none stands.

The revisions of a corrected epoch (`oracle epoch correct`, oracle/epochs/revisions.py) are listed under
"revisions", each with what changed per member: the previous reward, the corrected one, the top-up and
whether it was paid, and the debt carried to the member's next rewards. A member's leaf that paid off such
a debt shows it as "debtDeducted" (its amount is the reward less that).
"""

from __future__ import annotations

from sqlalchemy import select

from oracle.communities import get_community
from oracle.context import Context
from oracle.db.schema import ChainTransaction, Community, Epoch, EpochMember, EpochRevision, EpochStep, RevisionMember
from oracle.errors import OracleError
from oracle.units import base_to_tokens


def live_epoch(ctx: Context, community: Community, number: int) -> Epoch | None:
    """The community's epoch `number` (running, waiting, done or voided; abandoned rows are moved aside)."""
    with ctx.session() as s:
        return s.scalar(select(Epoch).where(Epoch.community_id == community.id, Epoch.number == number))


def abandoned_attempts(ctx: Context, community: Community, number: int) -> list[tuple[Epoch, EpochStep]]:
    """The community's abandoned epochs that had number `number`, oldest first, each with its "abandon" step."""
    with ctx.session() as s:
        return [
            tuple(row)
            for row in s.execute(
                select(Epoch, EpochStep)
                .join(EpochStep, EpochStep.epoch_id == Epoch.id)
                .where(
                    Epoch.community_id == community.id,
                    Epoch.status == "abandoned",
                    EpochStep.step == "abandon",
                    EpochStep.detail["number"].as_integer() == number,
                )
                .order_by(EpochStep.id)
            )
        ]


def find_epoch(ctx: Context, community_name: str, number: int) -> tuple:
    """The community and its epoch `number` that stands; an error naming an abandoned attempt when only that
    exists."""
    community = get_community(ctx, community_name)
    epoch = live_epoch(ctx, community, number)
    if epoch is None:
        attempts = abandoned_attempts(ctx, community, number)
        if attempts:
            raise OracleError(
                f"epoch {number} of {community_name!r} was abandoned before its commit "
                f"({attempts[-1][1].detail['reason']}): it has nothing on-chain, and the next "
                "`oracle epoch run` takes its number"
            )
        raise OracleError(f"community {community_name!r} has no epoch {number}")
    return community, epoch


def _abandonment(step: EpochStep) -> dict:
    return {"reason": step.detail["reason"], "by": step.detail.get("by"), "at": _iso(step.finished_at)}


def epoch_report(ctx: Context, community_name: str, number: int) -> dict:
    community = get_community(ctx, community_name)
    epoch = live_epoch(ctx, community, number)
    attempts = abandoned_attempts(ctx, community, number)
    if epoch is None:
        if not attempts:
            raise OracleError(f"community {community_name!r} has no epoch {number}")
        epoch = attempts[-1][0]
    with ctx.session() as s:
        steps = list(s.scalars(select(EpochStep).where(EpochStep.epoch_id == epoch.id).order_by(EpochStep.id)))
        txs = list(
            s.scalars(
                select(ChainTransaction).where(ChainTransaction.epoch_id == epoch.id).order_by(ChainTransaction.id)
            )
        )
        members = list(
            s.scalars(
                select(EpochMember)
                .where(EpochMember.epoch_id == epoch.id)
                .order_by(EpochMember.leaf_index, EpochMember.wallet)
            )
        )
    select_detail = next((st.detail for st in steps if st.step == "select"), None) or {}
    void = next((t.detail for t in txs if t.kind == "void" and t.status == "mined"), None)
    return {
        **_report(community, number, epoch, steps, txs, members, select_detail, void, attempts),
        "unfinished": _unfinished_state(ctx, community, epoch),
        "revisions": _revisions(ctx, epoch, txs),
    }


def _amount(base: int | None, key: str) -> dict:
    """An amount as base units (decimal string) and as tokens (decimal string)."""
    if base is None:
        return {key: None, f"{key}Tokens": None}
    return {key: str(int(base)), f"{key}Tokens": base_to_tokens(int(base))}


def _top_up_state(m: RevisionMember) -> str:
    if not m.top_up:
        return "none"
    if m.skipped_tx is not None and not m.paid:
        return "skipped"
    return "paid" if m.paid else "unpaid"


def _revisions(ctx: Context, epoch: Epoch, txs: list[ChainTransaction]) -> list[dict]:
    """The epoch's revisions, oldest first, each with its members' previous and corrected rewards."""
    with ctx.session() as s:
        revisions = list(
            s.scalars(select(EpochRevision).where(EpochRevision.epoch_id == epoch.id).order_by(EpochRevision.number))
        )
        members = {
            r.id: list(
                s.scalars(
                    select(RevisionMember)
                    .where(RevisionMember.revision_id == r.id)
                    .order_by(RevisionMember.leaf_index, RevisionMember.wallet)
                )
            )
            for r in revisions
        }
    commits = {(t.detail or {}).get("revision"): t for t in txs if t.kind == "revision-commit" and t.status != "failed"}
    return [
        {
            "number": r.number,
            "status": r.status,
            "reason": r.reason,
            "reasonHash": r.reason_hash,
            "ingestionWatermark": r.ingestion_watermark,
            "merkleRoot": r.merkle_root,
            "datasetHash": r.dataset_hash,
            "leafCount": r.leaf_count,
            **_amount(r.extra_reward, "extraReward"),
            **_amount(r.total_reward, "totalReward"),
            "payableAt": _iso(r.payable_at),
            "createdAt": _iso(r.created_at),
            "completedAt": _iso(r.completed_at),
            "commitTx": _tx(commits.get(r.number)),
            "members": [_revision_member(m) for m in members[r.id]],
        }
        for r in revisions
    ]


def _tx(tx: ChainTransaction | None) -> dict | None:
    return None if tx is None else {"hash": tx.tx_hash, "status": tx.status, "block": tx.block_number}


def _revision_member(m: RevisionMember) -> dict:
    return {
        "wallet": m.wallet,
        "leafIndex": m.leaf_index,
        "changed": int(m.reward) != int(m.previous_reward),
        **_amount(m.previous_reward, "previousReward"),
        **_amount(m.reward, "reward"),
        **_amount(m.top_up, "topUp"),
        "topUpState": _top_up_state(m),
        "paidTx": m.paid_tx,
        "skippedTx": m.skipped_tx,
        **_amount(m.debt, "debt"),
    }


def _unfinished_state(ctx: Context, community: Community, epoch: Epoch) -> dict | None:
    """Where an unfinished epoch stands and the command that goes on (None for a closed one)."""
    from oracle.epochs.unfinished import CLOSED, epoch_state

    return None if epoch.status in CLOSED else epoch_state(ctx, community, epoch)


def _report(community, number, epoch, steps, txs, members, select_detail, void, attempts) -> dict:
    return {
        "community": community.name,
        "token": community.token_address,
        "epoch": number,
        "status": epoch.status,
        "steps": [st.step for st in steps],
        "period": {
            "start": epoch.period_start.isoformat(),
            "end": epoch.period_end.isoformat(),
            "dataStart": epoch.data_start.isoformat() if epoch.data_start else None,
        },
        "model": {
            "id": epoch.model_id,
            "version": epoch.model_version,
            "effectiveFrom": _iso(epoch.model_effective_from),
            "params": (epoch.params or {}).get("values"),
        },
        "merkleRoot": epoch.merkle_root,
        "datasetHash": epoch.dataset_hash,
        "leafCount": epoch.leaf_count,
        "totalReward": str(int(epoch.total_reward)) if epoch.total_reward is not None else None,
        "payableAt": _iso(epoch.payable_at),
        "voidReason": void["reason"] if void else None,
        "abandoned": next((_abandonment(st) for st in steps if st.step == "abandon"), None),
        "abandonedAttempts": [
            {
                "period": {"start": e.period_start.isoformat(), "end": e.period_end.isoformat()},
                "merkleRoot": e.merkle_root,
                **_abandonment(step),
            }
            for e, step in attempts
            if e.id != epoch.id
        ],
        "recomputed": select_detail.get("recomputed"),
        "leftOut": select_detail.get("leftOut", {}),
        "communityKpis": epoch.community_kpis,
        "transactions": [
            {"kind": t.kind, "hash": t.tx_hash, "status": t.status, "block": t.block_number, "gasUsed": t.gas_used}
            for t in txs
        ],
        "members": [
            {
                "wallet": m.wallet,
                "leafIndex": m.leaf_index,
                "amount": str(int(m.amount)),
                "tokens": m.tokens,
                "debtDeducted": str(int(m.debt_deducted or 0)),
                "paid": m.paid,
                "paidTx": m.paid_tx,
                "skipped": m.skipped_tx is not None,
                "skippedTx": m.skipped_tx,
                "kpis": m.kpis,
            }
            for m in members
        ],
    }


def _iso(instant) -> str | None:
    return instant.isoformat() if instant is not None else None


def _payment(member: dict) -> str:
    if member["paid"]:
        return "yes"
    return "skipped (not an active member at payment; still claimable)" if member["skipped"] else "no"


def _abandoned_line(abandonment: dict) -> str:
    return f"{abandonment['at']} by {abandonment['by']}: {abandonment['reason']}"


def format_report(report: dict) -> str:
    model = report["model"]
    lines = [
        f"{report['community']} epoch {report['epoch']} ({report['status']})",
        f"  period    {report['period']['start']} .. {report['period']['end']}",
        f"  model     {model['id']} v{model['version']} (effective from {model['effectiveFrom']}) {model['params']}",
        f"  root      {report['merkleRoot']}",
        f"  dataset   {report['datasetHash']}",
        f"  total     {base_to_tokens(int(report['totalReward'] or 0))} tokens to {report['leafCount']} leaves",
        f"  payable   from {report['payableAt']}",
    ]
    if report["voidReason"]:
        lines.append(f"  voided    {report['voidReason']}")
    if report["abandoned"]:
        lines.append(
            f"  abandoned {_abandoned_line(report['abandoned'])}: never committed; the next run takes "
            f"number {report['epoch']}"
        )
    for attempt in report["abandonedAttempts"]:
        lines.append(
            f"  earlier   attempt {attempt['period']['start']} .. {attempt['period']['end']} (root "
            f"{attempt['merkleRoot']}) abandoned {_abandoned_line(attempt)}"
        )
    if report["recomputed"]:
        was = report["recomputed"]
        lines.append(
            f"  recomputed from select: first computed with {was['model']} v{was['version']} (root "
            f"{was['root']}), never committed"
        )
    if report["unfinished"]:
        lines += [f"  unfinished {report['unfinished']['says']}", f"  next      {report['unfinished']['next']}"]
    for reason, wallets in report["leftOut"].items():
        lines.append(f"  left out  {reason}: {', '.join(wallets)}")
    for t in report["transactions"]:
        lines.append(f"  tx        {t['kind']:<8} {t['hash']} {t['status']} block {t['block']}")
    lines.append(f"  {'leaf':>5} {'member':<42} {'reward':>14}  paid")
    for m in report["members"]:
        index = "" if m["leafIndex"] is None else m["leafIndex"]
        deducted = int(m["debtDeducted"])
        debt = f"  (debt deducted {base_to_tokens(deducted)})" if deducted else ""
        lines.append(f"  {index:>5} {m['wallet']:<42} {base_to_tokens(int(m['amount'])):>14}  {_payment(m)}{debt}")
    for revision in report["revisions"]:
        lines += _revision_lines(revision)
    return "\n".join(lines)


def _revision_lines(r: dict) -> list[str]:
    commit = r["commitTx"]
    lines = [
        f"  revision {r['number']} ({r['status']}): {r['reason']}",
        f"    data      ingestions up to {r['ingestionWatermark']}",
        f"    root      {r['merkleRoot']}",
        f"    total     {r['totalRewardTokens']} tokens recomputed; top-ups {r['extraRewardTokens']} tokens",
        f"    payable   from {r['payableAt']}",
    ]
    if commit:
        lines.append(f"    committed {commit['hash']} {commit['status']} block {commit['block']}")
    lines.append(
        f"    {'leaf':>5} {'member':<42} {'previous':>14} {'corrected':>14} {'top-up':>14}  {'':<7} {'debt':>14}"
    )
    for m in r["members"]:
        if not m["changed"]:
            continue
        state = "" if m["topUpState"] == "none" else m["topUpState"]
        lines.append(
            f"    {m['leafIndex']:>5} {m['wallet']:<42} {m['previousRewardTokens']:>14} {m['rewardTokens']:>14} "
            f"{m['topUpTokens']:>14}  {state:<7} {m['debtTokens']:>14}"
        )
    unchanged = sum(not m["changed"] for m in r["members"])
    if unchanged:
        lines.append(f"    ({unchanged} member{'s' if unchanged != 1 else ''} unchanged)")
    return lines
