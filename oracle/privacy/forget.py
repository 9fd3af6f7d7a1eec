"""The right to be forgotten: `oracle members forget --wallet 0x… [--community NAME] --reason TEXT`.

Erased, in ONE database transaction: the person's personal fields (name, surname, address, zip, city, province,
fiscal code, e-mail and its keyed hash; with --community, once no other membership of theirs remains, and until
then the erased membership is unlinked from their record), their devices (the link between a meter and the
person: the device rows go, with their readings, reading corrections, anomalies and series links), the salts and
member KPIs of every epoch (and epoch revision) that included them, the reasons of their erasure requests, their
roles; the membership is deactivated. The platform keeps no take-out file (they are built on request), so none
is deleted.

What stays: the chain (a public ledger: balances, transfers, every commitment) and, in the database, each leaf's
wallet, index, amount and data hash, every epoch's totals and KPIs, so that the other members' proofs and the
totals still verify. Without the salt the leaf's data hash can no longer be linked to any reading: the readings
are gone, and a guess of them cannot be checked (crypto-shredding).

No transaction is sent: a member who is still active on-chain is named with the `oracle members remove`
command that takes them out there.
"""

from __future__ import annotations

import shlex
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, text, update

from oracle.context import Context
from oracle.db.schema import (
    AnomalyRecord,
    Community,
    DerivedSeriesLink,
    Device,
    Epoch,
    EpochMember,
    EpochRevision,
    EpochStep,
    ErasureLog,
    ErasureRequest,
    Ingestion,
    Membership,
    RevisionMember,
    User,
    UserRole,
)
from oracle.errors import OracleError
from oracle.locks import community_ingest_lock, community_members_lock, community_run_lock
from oracle.privacy.erasures import erasures_of, reason_hash, wallet_hash, when
from oracle.privacy.people import Person, checked_wallet, find_person

PERSONAL_FIELDS = (
    "name_enc",
    "surname_enc",
    "address_enc",
    "zip_enc",
    "city_enc",
    "province_enc",
    "fiscal_code_enc",
    "email_enc",
    "email_hmac",
)
COUNTS = (
    "personal_records",
    "memberships_deactivated",
    "devices_unlinked",
    "readings_deleted",
    "reading_corrections_deleted",
    "anomalies_deleted",
    "series_links_deleted",
    "epoch_salts_erased",
    "takeout_files_deleted",
    "request_reasons_erased",
    "roles_removed",
)
STAYS = (
    "on-chain: token balances and transfers, every epoch's commitment (a public ledger, which nobody can edit)",
    "in the database: each leaf's wallet, index, amount and data hash, every epoch's totals and KPIs, so the "
    "other members' proofs and the epochs' totals still verify; without the salt the leaf can no longer be linked "
    "to any reading (crypto-shredding)",
)


@dataclass
class ForgetResult:
    wallet: str
    communities: list[str]
    erased_at: datetime
    erased_by: str
    counts: dict[str, int]
    log_ids: list[int]
    wallets: dict[str, str]  # community name -> the wallet erased there
    still_members_onchain: dict[str, str] = field(default_factory=dict)  # community name -> wallet


def forget_member(ctx: Context, wallet: str, community: str | None, reason: str, by: str) -> ForgetResult:
    """Erases the person behind `wallet` (in `community`, or everywhere) in one transaction; see the module."""
    wallet, reason, by = _checked(wallet, reason, by)
    with ctx.session() as s:
        communities = list(find_person(s, wallet, community).communities.values())
    with lock_communities(ctx, communities), ctx.session() as s:
        result = forget_in_session(s, wallet, community, reason, by)
    result.still_members_onchain = still_members_onchain(ctx, result)
    return result


def _checked(wallet: str, reason: str, by: str) -> tuple[str, str, str]:
    wallet = checked_wallet(wallet)
    reason = (reason or "").strip()
    if not reason:
        raise OracleError("--reason: empty: say why the person is forgotten (only its SHA-256 is kept, in the log)")
    by = (by or "").strip()
    if not by:
        raise OracleError("who erases must be named (the operator's wallet or user name): nothing was erased")
    return wallet, reason, by


def lock_communities(ctx: Context, communities: list[Community]) -> ExitStack:
    """No member change, epoch run or ingestion of these communities meanwhile (an ingestion could store readings
    of a device being deleted; a run could hash readings being erased)."""
    stack = ExitStack()
    try:
        for community in sorted(communities, key=lambda c: c.id):
            stack.enter_context(community_members_lock(ctx, community))
            stack.enter_context(community_run_lock(ctx, community, "forget the member again"))
            stack.enter_context(community_ingest_lock(ctx, community))
    except BaseException:
        stack.close()
        raise
    return stack


def forget_in_session(s, wallet: str, community: str | None, reason: str, by: str) -> ForgetResult:
    """The erasure in the open session `s` (the caller commits); the wallet, reason and by already checked."""
    person = find_person(s, wallet, community)
    live = _live_memberships(s, person)
    _refuse_running_epochs(s, person, live)
    _refuse_running_revisions(s, person, live)
    now = datetime.now(UTC)
    counts = dict.fromkeys(COUNTS, 0)
    per_wallet: dict[str, dict[str, int]] = {}
    for membership in live:
        erased = erase_membership(s, membership, now, by)
        group = per_wallet.setdefault(membership.wallet, dict.fromkeys(COUNTS, 0))
        for key, n in erased.items():
            group[key] += n
            counts[key] += n
    if _person_record_goes(s, person, live):
        counts["personal_records"] = per_wallet.setdefault(wallet, dict.fromkeys(COUNTS, 0))["personal_records"] = (
            erase_person_record(s, person, now)
        )
    else:
        detach_from_person(s, live, now)
    scope = None if person.community is None else person.community.id
    entries = [
        ErasureLog(
            wallet_hash=wallet_hash(w),
            community_id=scope,
            erased_at=now,
            erased_by=by,
            reason_hash=reason_hash(reason),
            counts=group,
        )
        for w, group in per_wallet.items()
    ]
    s.add_all(entries)
    s.flush()
    wallets = {person.communities[m.community_id].name: m.wallet for m in live}
    return ForgetResult(wallet, sorted(wallets), now, by, counts, [e.id for e in entries], wallets)


def _live_memberships(s, person: Person) -> list[Membership]:
    """The memberships in scope not erased yet; OracleError when there is nothing left to erase."""
    live = [m for m in person.memberships if not erasures_of(s, m.wallet, m.community_id)]
    if live:
        return live
    erased = [entry for m in person.memberships for entry, _name in erasures_of(s, m.wallet, m.community_id)]
    where = f"in {person.community.name!r} " if person.community is not None else ""
    last = max(entry.erased_at for entry in erased)
    raise OracleError(f"{person.wallet} was already forgotten {where}on {when(last)}: nothing left to erase")


def _refuse_running_epochs(s, person: Person, live: list[Membership]) -> None:
    """An epoch computed but not committed yet would hash readings being erased: it is finished or given up first."""
    for m in live:
        running = s.scalars(
            select(Epoch).where(Epoch.community_id == m.community_id, Epoch.status == "running").order_by(Epoch.number)
        )
        for epoch in running:
            selected = s.scalar(
                select(EpochStep.detail).where(EpochStep.epoch_id == epoch.id, EpochStep.step == "select")
            )
            leaf = s.scalar(
                select(EpochMember.id).where(EpochMember.epoch_id == epoch.id, EpochMember.membership_id == m.id)
            )
            if leaf is None and m.wallet not in (selected or {}).get("members", []):
                continue
            name = shlex.quote(person.communities[m.community_id].name)
            raise OracleError(
                f"epoch {epoch.number} of {person.communities[m.community_id].name!r} is running and includes "
                f"{m.wallet} (not committed yet): finish it (`oracle epoch run --community {name} --start "
                f"{epoch.period_start.isoformat()} --end {epoch.period_end.isoformat()}`) or give it up (`oracle "
                f"epoch abandon --community {name} --epoch {epoch.number} --reason TEXT`), then forget: nothing "
                "was erased"
            )


def _refuse_running_revisions(s, person: Person, live: list[Membership]) -> None:
    """A revision being computed (not committed yet) would hash corrected readings being erased."""
    for m in live:
        running = s.execute(
            select(EpochRevision.number, Epoch.number)
            .join(Epoch, Epoch.id == EpochRevision.epoch_id)
            .where(Epoch.community_id == m.community_id, EpochRevision.status == "running")
        ).first()
        if running is not None:
            raise OracleError(
                f"revision {running[0]} of epoch {running[1]} of {person.communities[m.community_id].name!r} is "
                "being computed (not committed yet): let `oracle epoch correct` finish it, then forget: nothing "
                "was erased"
            )


def erase_membership(s, membership: Membership, now: datetime, by: str) -> dict[str, int]:
    """Erases what one membership holds: its devices and everything measured by them, its epochs' salts and
    member KPIs, its erasure requests' reasons, its roles in the community; deactivates it."""
    counts = erase_devices(s, membership)
    counts["epoch_salts_erased"] = sum(_erase_salts(s, leaves, membership) for leaves in (EpochMember, RevisionMember))
    counts["request_reasons_erased"] = _close_requests(s, membership, now, by)
    counts["roles_removed"] = s.execute(
        delete(UserRole).where(UserRole.user_id == membership.user_id, UserRole.community_id == membership.community_id)
    ).rowcount
    counts["memberships_deactivated"] = int(membership.active)
    membership.active = False
    return counts


def _erase_salts(s, leaves, membership: Membership) -> int:
    """Blanks the salt and member KPIs of the membership's leaves (`leaves`: an epoch's or a revision's); the
    leaf's amount and data hash stay. The number of salts erased."""
    of_membership = leaves.membership_id == membership.id
    salted = s.scalar(select(func.count()).select_from(leaves).where(of_membership, leaves.salt.is_not(None)))
    s.execute(update(leaves).where(of_membership).values(salt=None, kpis=None))
    return salted


def erase_devices(s, membership: Membership) -> dict[str, int]:
    """Deletes the membership's devices with their readings (every monthly partition), reading corrections,
    anomalies (also those recorded by meter id before the device was known) and series links."""
    devices = list(s.scalars(select(Device).where(Device.membership_id == membership.id)))
    ids, meters = [d.id for d in devices], [d.deviceid for d in devices]
    counts = {"devices_unlinked": len(devices), "takeout_files_deleted": 0}
    if not devices:
        return counts | {"readings_deleted": 0, "reading_corrections_deleted": 0, "anomalies_deleted": 0}
    counts["readings_deleted"] = s.execute(
        text("DELETE FROM counterreading WHERE device_id = ANY(:ids)"), {"ids": ids}
    ).rowcount
    counts["reading_corrections_deleted"] = (
        s.execute(text("DELETE FROM reading_corrections WHERE device_id = ANY(:ids)"), {"ids": ids}).rowcount
        if s.scalar(text("SELECT to_regclass('reading_corrections') IS NOT NULL"))
        else 0
    )
    of_community = select(Ingestion.id).where(Ingestion.community_id == membership.community_id)
    counts["anomalies_deleted"] = s.execute(
        delete(AnomalyRecord).where(
            AnomalyRecord.device_id.in_(ids)
            | (
                AnomalyRecord.device_id.is_(None)
                & AnomalyRecord.deviceid.in_(meters)
                & AnomalyRecord.ingestion_id.in_(of_community)
            )
        )
    ).rowcount
    counts["series_links_deleted"] = s.execute(
        delete(DerivedSeriesLink).where(DerivedSeriesLink.device_id.in_(ids))
    ).rowcount
    s.execute(delete(Device).where(Device.id.in_(ids)))
    return counts


def _close_requests(s, membership: Membership, now: datetime, by: str) -> int:
    """Erases the reasons of the member's requests to be forgotten in the community (they may hold personal data);
    a pending one is carried out now, so it is recorded confirmed."""
    mine = (ErasureRequest.wallet_hash == wallet_hash(membership.wallet)) & (
        ErasureRequest.community_id == membership.community_id
    )
    s.execute(
        update(ErasureRequest)
        .where(mine, ErasureRequest.status == "pending")
        .values(status="confirmed", decided_at=now, decided_by=by, decision_note="carried out by the erasure")
    )
    return s.execute(
        update(ErasureRequest).where(mine, ErasureRequest.reason_enc.is_not(None)).values(reason_enc=None)
    ).rowcount


def _person_record_goes(s, person: Person, live: list[Membership]) -> bool:
    """Forgotten everywhere, or no membership of theirs left outside what is erased now."""
    if person.community is None:
        return True
    erased_now = {m.id for m in live}
    others = s.scalars(select(Membership).where(Membership.user_id.in_([u.id for u in person.users])))
    return all(m.id in erased_now or erasures_of(s, m.wallet, m.community_id) for m in others)


def detach_from_person(s, memberships: list[Membership], now: datetime) -> None:
    """The person stays a member elsewhere, so their record stays: each erased membership is pointed at an empty
    record of its own (forgotten, no field), so that nothing links it to the person any more (a community's
    member list shows no name for it)."""
    for membership in memberships:
        blank = User(forgotten_at=now)
        s.add(blank)
        s.flush()
        membership.user_id = blank.id


def erase_person_record(s, person: Person, now: datetime) -> int:
    """Blanks every personal field of the person's user records (the rows stay: memberships point at them);
    removes their remaining roles and series links."""
    ids = [u.id for u in person.users if u.forgotten_at is None]
    if not ids:
        return 0
    s.execute(update(User).where(User.id.in_(ids)).values(dict.fromkeys(PERSONAL_FIELDS) | {"forgotten_at": now}))
    s.execute(delete(UserRole).where(UserRole.user_id.in_(ids)))
    s.execute(delete(DerivedSeriesLink).where(DerivedSeriesLink.user_id.in_(ids)))
    return len(ids)


def still_members_onchain(ctx: Context, result: ForgetResult) -> dict[str, str]:
    """The communities where the erased wallets are still active members on-chain (the erasure sends nothing)."""
    with ctx.session() as s:
        tokens = dict(
            s.execute(select(Community.name, Community.token_address).where(Community.name.in_(result.wallets))).all()
        )
    return {
        name: wallet
        for name, wallet in result.wallets.items()
        if tokens.get(name) and ctx.chain.members_active(tokens[name], [wallet])[0]
    }


def format_forget_result(result: ForgetResult) -> list[str]:
    c = result.counts
    where = ", ".join(repr(n) for n in result.communities)
    lines = [
        f"forgot {result.wallet} in {where} on {when(result.erased_at)} by {result.erased_by} (erasure log "
        f"{', '.join(str(i) for i in result.log_ids)}: no personal data, the reason only as its SHA-256)",
        f"erased: personal record of {c['personal_records']} person (name, surname, address, fiscal code, e-mail), "
        f"{c['devices_unlinked']} devices unlinked and deleted, {c['readings_deleted']} readings, "
        f"{c['reading_corrections_deleted']} reading corrections, {c['anomalies_deleted']} anomalies, the salts "
        f"(and member KPIs) of {c['epoch_salts_erased']} epoch leaves, {c['request_reasons_erased']} erasure "
        f"request reasons, {c['roles_removed']} roles; {c['memberships_deactivated']} memberships deactivated; "
        "0 take-out files (the platform keeps none: take-outs are built on request)",
        *(f"stays {line}" for line in STAYS),
    ]
    for name, wallet in result.still_members_onchain.items():
        lines.append(
            f"{wallet} is still a member of {name!r} on-chain (the erasure sends no transaction): to remove it "
            f"there, run `oracle members remove --community {shlex.quote(name)} --reason TEXT {wallet}`"
        )
    return lines
