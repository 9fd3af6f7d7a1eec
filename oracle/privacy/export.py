"""The rights of access and portability: `oracle members export --wallet 0x… --out FILE`.

Everything the platform holds about the person behind a wallet, as one JSON document (format
"lec-member-export-v1"): their personal fields decrypted, their memberships, and for each membership its devices
with every reading, the anomalies and reading corrections of those devices, its epoch rewards (leaf index,
amount, data hash, salt, KPIs, payment, debt deducted), its leaves in revisions of corrected epochs (reward,
top-up, debt) and its requests to be forgotten. A membership that was erased is listed
under "erased" with its date and what the platform still keeps of it: the leaves of its epochs (wallet, index,
amount, data hash; public on-chain), no personal datum and no reading. When nothing personal is left,
"nothingLeft" is true and "message" says so with the erasure dates.
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text

from oracle.context import Context
from oracle.db.schema import (
    AnomalyRecord,
    Community,
    Device,
    Epoch,
    EpochMember,
    EpochRevision,
    ErasureRequest,
    Membership,
    RevisionMember,
    User,
)
from oracle.errors import OracleError
from oracle.instants import iso
from oracle.privacy.erasures import erasures_of, wallet_hash, when
from oracle.privacy.people import checked_wallet, find_person

FORMAT = "lec-member-export-v1"
PERSONAL = {
    "name": "name_enc",
    "surname": "surname_enc",
    "address": "address_enc",
    "zip": "zip_enc",
    "city": "city_enc",
    "province": "province_enc",
    "fiscalCode": "fiscal_code_enc",
    "email": "email_enc",
}
READING_COLUMNS = "ts, energy, flow_id, current, voltage, powactive, powreactive, chargestatus, quality"


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else iso(instant)


def export_member(ctx: Context, wallet: str, community: str | None = None) -> dict:
    """The export document of the person behind `wallet` (in `community`, or in every community)."""
    wallet = checked_wallet(wallet)
    cipher = ctx.cipher
    with ctx.session() as s:
        person = find_person(s, wallet, community)
        live, erased = [], []
        for m in person.memberships:
            (erased if erasures_of(s, m.wallet, m.community_id) else live).append(m)
        document = {
            "format": FORMAT,
            "wallet": wallet,
            "community": community,
            "exportedAt": iso(datetime.now(UTC)),
            "person": [_person(cipher, u) for u in person.users if u.forgotten_at is None],
            "memberships": [_membership(s, cipher, m, person.communities[m.community_id]) for m in live],
            "erased": [_erased(s, m, person.communities[m.community_id]) for m in erased],
        }
    if not document["person"] and not live:
        dates = sorted({e["erasedAt"] for e in document["erased"]})
        document["nothingLeft"] = True
        document["message"] = (
            f"nothing left: the personal data and readings of {wallet} were erased on {', '.join(dates)} (right to "
            "be forgotten); the platform keeps only what the public chain holds anyway: each epoch leaf's wallet, "
            "index, amount and data hash (listed under erased), which no reading can be linked to any more"
        )
    else:
        document["nothingLeft"] = False
    return document


def _person(cipher, user: User) -> dict:
    fields = {key: cipher.decrypt(getattr(user, column)) for key, column in PERSONAL.items()}
    return fields | {"createdAt": _iso(user.created_at)}


def _membership(s, cipher, m: Membership, community: Community) -> dict:
    return {
        "community": community.name,
        "token": community.token_address,
        "wallet": m.wallet,
        "kind": m.kind,
        "profile": m.profile,
        "active": m.active,
        "joinedAt": _iso(m.joined_at),
        "onchainTx": m.onchain_tx,
        "devices": [
            _device(s, d) for d in s.scalars(select(Device).where(Device.membership_id == m.id).order_by(Device.id))
        ],
        "rewards": _rewards(s, m, personal=True),
        "revisions": _revisions(s, m, personal=True),
        "erasureRequests": _requests(s, cipher, m),
    }


def _device(s, device: Device) -> dict:
    readings = [
        {
            "ts": iso(ts),
            "energyWh": energy,
            "flowId": flow,
            "currentA": current,
            "voltageV": voltage,
            "powerActiveW": active,
            "powerReactiveVar": reactive,
            "chargeStatusPct": charge,
            "quality": quality,
        }
        for ts, energy, flow, current, voltage, active, reactive, charge, quality in s.execute(
            text(f"SELECT {READING_COLUMNS} FROM counterreading WHERE device_id = :id ORDER BY ts"), {"id": device.id}
        )
    ]
    return {
        "deviceid": device.deviceid,
        "status": device.status,
        "useType": device.use_type,
        "latitude": device.latitude,
        "longitude": device.longitude,
        "activationDate": _iso(device.activation_date),
        "readingCount": len(readings),
        "readings": readings,
        "anomalies": [
            {"kind": a.kind, "reason": a.reason, "ts": _iso(a.ts), "line": a.line, "recordedAt": _iso(a.created_at)}
            for a in s.scalars(
                select(AnomalyRecord).where(AnomalyRecord.device_id == device.id).order_by(AnomalyRecord.id)
            )
        ],
        "corrections": _corrections(s, device.id),
    }


def _corrections(s, device_id: int) -> list[dict]:
    """The reading corrections of the device (table reading_corrections, when the schema has it)."""
    if not s.scalar(text("SELECT to_regclass('reading_corrections') IS NOT NULL")):
        return []
    rows = s.execute(
        text(
            "SELECT ts, old_energy, new_energy, file_name, line, reason, created_at FROM reading_corrections "
            "WHERE device_id = :id ORDER BY ts, id"
        ),
        {"id": device_id},
    )
    return [
        {
            "ts": iso(ts),
            "oldEnergyWh": old,
            "newEnergyWh": new,
            "file": name,
            "line": line,
            "reason": why,
            "at": iso(at),
        }
        for ts, old, new, name, line, why, at in rows
    ]


def _rewards(s, m: Membership, personal: bool) -> list[dict]:
    rows = s.execute(
        select(EpochMember, Epoch)
        .join(Epoch, Epoch.id == EpochMember.epoch_id)
        .where(EpochMember.membership_id == m.id)
        .order_by(Epoch.number)
    )
    rewards = []
    for leaf, epoch in rows:
        entry = {
            "epoch": epoch.number,
            "status": epoch.status,
            "period": {"start": iso(epoch.period_start), "end": iso(epoch.period_end)},
            "leafIndex": leaf.leaf_index,
            "amount": str(int(leaf.amount)),
            "dataHash": None if leaf.data_hash is None else "0x" + bytes(leaf.data_hash).hex(),
            "paid": leaf.paid,
            "paidTx": leaf.paid_tx,
        }
        if personal:
            entry |= {
                "tokens": leaf.tokens,
                "salt": None if leaf.salt is None else "0x" + bytes(leaf.salt).hex(),
                "readingCount": leaf.reading_count,
                "kpis": leaf.kpis,
                "skippedTx": leaf.skipped_tx,
                "debtDeducted": str(int(leaf.debt_deducted or 0)),
            }
        rewards.append(entry)
    return rewards


def _revisions(s, m: Membership, personal: bool) -> list[dict]:
    """The member's leaves in revisions of corrected epochs (oracle epoch correct)."""
    rows = s.execute(
        select(RevisionMember, EpochRevision, Epoch)
        .join(EpochRevision, EpochRevision.id == RevisionMember.revision_id)
        .join(Epoch, Epoch.id == EpochRevision.epoch_id)
        .where(RevisionMember.membership_id == m.id)
        .order_by(Epoch.number, EpochRevision.number)
    )
    revisions = []
    for leaf, revision, epoch in rows:
        entry = {
            "epoch": epoch.number,
            "revision": revision.number,
            "status": revision.status,
            "leafIndex": leaf.leaf_index,
            "previousReward": str(int(leaf.previous_reward)),
            "reward": str(int(leaf.reward)),
            "topUp": str(int(leaf.top_up)),
            "debt": str(int(leaf.debt)),
            "dataHash": None if leaf.data_hash is None else "0x" + bytes(leaf.data_hash).hex(),
            "paid": leaf.paid,
            "paidTx": leaf.paid_tx,
        }
        if personal:
            entry |= {
                "salt": None if leaf.salt is None else "0x" + bytes(leaf.salt).hex(),
                "readingCount": leaf.reading_count,
                "kpis": leaf.kpis,
            }
        revisions.append(entry)
    return revisions


def _requests(s, cipher, m: Membership) -> list[dict]:
    requests = s.scalars(
        select(ErasureRequest)
        .where(ErasureRequest.wallet_hash == wallet_hash(m.wallet), ErasureRequest.community_id == m.community_id)
        .order_by(ErasureRequest.id)
    )
    return [
        {
            "id": r.id,
            "status": r.status,
            "reason": cipher.decrypt(r.reason_enc),
            "requestedAt": _iso(r.requested_at),
            "decidedAt": _iso(r.decided_at),
            "decidedBy": r.decided_by,
            "note": r.decision_note,
        }
        for r in requests
    ]


def _erased(s, m: Membership, community: Community) -> dict:
    first = erasures_of(s, m.wallet, m.community_id)[0][0]
    return {
        "community": community.name,
        "wallet": m.wallet,
        "erasedAt": when(first.erased_at),
        "leavesKept": _rewards(s, m, personal=False),
        "revisionLeavesKept": _revisions(s, m, personal=False),
    }


def write_export(document: dict, out: Path) -> Path:
    """Writes the document whole (a temporary file, readable by its owner only, renamed into place)."""
    if out.is_dir():
        raise OracleError(f"--out {out} is a folder: give a file name in it, e.g. {out / 'member.json'}")
    if not out.parent.is_dir():
        raise OracleError(f"--out {out}: folder {out.parent} does not exist")
    partial = out.with_name(out.name + ".partial")
    try:
        partial.unlink(missing_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(document, indent=1) + "\n")
        os.replace(partial, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise OracleError(f"cannot write the export to {out}: {exc.strerror or exc}") from None
    return out
