"""Member import: `wallet,name,email,kind,profile,deviceid`, one row per device.

The whole file is validated first (an error names file, line and column and nothing is written);
then users, memberships and devices are written in one database transaction, and the members who
are not yet members on-chain are added by the Community Admin (the token pays the welcome bonus).
Importing the same file again changes nothing.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from eth_utils import is_address, to_checksum_address
from sqlalchemy import select
from tqdm import tqdm

from oracle.chain.transactions import send_recorded
from oracle.communities import get_community
from oracle.context import Context
from oracle.db.schema import Device, Membership, Supplier, User
from oracle.errors import OracleError

COLUMNS = ["wallet", "name", "email", "kind", "profile", "deviceid"]
KINDS = {"citizen": 1, "stakeholder": 2}
PROFILES = {"consumer": 1, "prosumer": 2, "prostormer": 3}
DEFAULT_SUPPLIER = "default"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class MemberFileError(OracleError):
    def __init__(self, path, line, column, message):
        super().__init__(f"{path}:{line}:{column}: {message}" if column else f"{path}:{line}: {message}")


@dataclass
class MemberRow:
    wallet: str
    name: str
    email: str
    kind: str
    profile: str
    devices: list[str] = field(default_factory=list)
    line: int = 0


@dataclass
class ImportSummary:
    members: int = 0
    devices: int = 0
    users_created: int = 0
    memberships_created: int = 0
    devices_created: int = 0
    profiles_changed: int = 0
    added_onchain: list[str] = field(default_factory=list)
    transactions: list[str] = field(default_factory=list)


def read_member_file(path: Path) -> list[MemberRow]:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise OracleError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        line = Path(path).read_bytes()[: exc.start].count(b"\n") + 1
        raise MemberFileError(path, line, None, "not UTF-8 text") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise MemberFileError(path, 1, None, "empty file: expected the header " + ",".join(COLUMNS))
    header = [h.strip() for h in rows[0]]
    if header != COLUMNS:
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        what = f"missing {', '.join(missing)}" if missing else f"unexpected {', '.join(extra)}" if extra else "wrong order"
        raise MemberFileError(path, 1, None, f"header must be {','.join(COLUMNS)} ({what})")
    members: dict[str, MemberRow] = {}
    device_owner: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) != len(COLUMNS):
            raise MemberFileError(path, number, None, f"expected {len(COLUMNS)} fields, found {len(raw)}")
        wallet, name, email, kind, profile, deviceid = (cell.strip() for cell in raw)
        if not is_address(wallet):
            raise MemberFileError(path, number, "wallet", f"{wallet!r} is not an Ethereum address")
        if wallet != wallet.lower() and wallet != to_checksum_address(wallet):
            raise MemberFileError(path, number, "wallet", f"{wallet!r} has a wrong checksum (mixed case)")
        wallet = to_checksum_address(wallet)
        if not name:
            raise MemberFileError(path, number, "name", "empty name")
        if not EMAIL.match(email):
            raise MemberFileError(path, number, "email", f"{email!r} is not an e-mail address")
        if kind not in KINDS:
            raise MemberFileError(path, number, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
        if profile not in PROFILES:
            raise MemberFileError(path, number, "profile", f"{profile!r} is not one of {', '.join(PROFILES)}")
        if not deviceid or len(deviceid) > 64:
            raise MemberFileError(path, number, "deviceid", "a device id of 1 to 64 characters is required")
        member = members.get(wallet)
        if member is None:
            members[wallet] = member = MemberRow(wallet, name, email, kind, profile, line=number)
        elif (member.name, member.email.lower(), member.kind, member.profile) != (name, email.lower(), kind, profile):
            raise MemberFileError(path, number, None,
                                  f"wallet {wallet} appears on line {member.line} with other name, email, kind or profile")
        if deviceid in device_owner:
            other_wallet, other_line = device_owner[deviceid]
            if other_wallet != wallet:
                raise MemberFileError(path, number, "deviceid",
                                      f"device {deviceid} already belongs to {other_wallet} (line {other_line})")
            raise MemberFileError(path, number, "deviceid", f"device {deviceid} is listed twice (line {other_line})")
        device_owner[deviceid] = (wallet, number)
        member.devices.append(deviceid)
    if not members:
        raise MemberFileError(path, 2, None, "no members in the file")
    emails: dict[str, str] = {}
    for member in members.values():
        other = emails.setdefault(member.email.lower(), member.wallet)
        if other != member.wallet:
            raise MemberFileError(path, member.line, "email",
                                  f"{member.email} already has wallet {other} in this community: one wallet per person")
    return list(members.values())


def import_members(ctx: Context, community_name: str, path: Path) -> ImportSummary:
    community = get_community(ctx, community_name)
    rows = read_member_file(path)
    summary = ImportSummary(members=len(rows), devices=sum(len(r.devices) for r in rows))
    cipher = ctx.cipher
    with ctx.session() as s:
        supplier = s.scalar(select(Supplier).where(Supplier.name == DEFAULT_SUPPLIER))
        if supplier is None:
            supplier = Supplier(name=DEFAULT_SUPPLIER)
            s.add(supplier)
            s.flush()
        keys = {row.wallet: cipher.email_hmac(row.email) for row in rows}
        # everything this file can touch, read once (a community may onboard thousands of members)
        users = {u.email_hmac: u for u in s.scalars(select(User).where(User.email_hmac.in_(list(keys.values()))))}
        memberships = {m.wallet: m for m in s.scalars(select(Membership).where(
            Membership.community_id == community.id))}
        by_user = {m.user_id: m for m in memberships.values()}
        devices = {d.deviceid: d for d in s.scalars(select(Device).where(
            Device.supplier_id == supplier.id, Device.deviceid.in_([d for r in rows for d in r.devices])))}
        for row in rows:
            user = users.get(keys[row.wallet])
            if user is None:
                user = User(name_enc=cipher.encrypt(row.name), email_enc=cipher.encrypt(row.email),
                            email_hmac=keys[row.wallet])
                s.add(user)
                s.flush()
                users[keys[row.wallet]] = user
                summary.users_created += 1
            membership = memberships.get(row.wallet)
            if membership is None:
                clash = by_user.get(user.id)
                if clash is not None:
                    raise OracleError(f"{path}:{row.line}:wallet: {row.email} is already a member of "
                                      f"{community_name} with wallet {clash.wallet}: one wallet per person")
                membership = Membership(user_id=user.id, community_id=community.id, wallet=row.wallet, kind=row.kind,
                                        profile=row.profile, active=True)
                s.add(membership)
                s.flush()
                memberships[row.wallet] = by_user[user.id] = membership
                summary.memberships_created += 1
            else:
                if membership.user_id != user.id:
                    raise OracleError(f"{path}:{row.line}:wallet: {row.wallet} belongs to another person in "
                                      f"{community_name}")
                if membership.kind != row.kind:
                    raise OracleError(f"{path}:{row.line}:kind: {row.wallet} is a {membership.kind}; a member's kind "
                                      "cannot change (remove the member and add a new wallet)")
                if membership.profile != row.profile:
                    membership.profile = row.profile
                    summary.profiles_changed += 1
            for deviceid in row.devices:
                device = devices.get(deviceid)
                if device is None:
                    s.add(Device(deviceid=deviceid, supplier_id=supplier.id, owner_user_id=user.id,
                                 membership_id=membership.id))
                    summary.devices_created += 1
                elif device.membership_id != membership.id:
                    raise OracleError(f"{path}:{row.line}:deviceid: device {deviceid} is already registered to "
                                      "another member")
    _sync_onchain(ctx, community, rows, summary)
    return summary


ONCHAIN_BATCH = 100


def _sync_onchain(ctx: Context, community, rows: list[MemberRow], summary: ImportSummary) -> None:
    """Adds the members the chain does not know yet (in batches), syncs changed profiles.
    The chain is asked first, so a crashed import resumes without adding anyone twice."""
    chain = ctx.chain
    token = chain.token(community.token_address)
    infos = chain.member_infos(community.token_address, [row.wallet for row in rows])
    to_add = [row for row, info in zip(rows, infos) if not info.active]
    to_update = [row for row, info in zip(rows, infos) if info.active and info.profile != PROFILES[row.profile]]

    done: dict[str, str] = {}
    for first in tqdm(range(0, len(to_add), ONCHAIN_BATCH), desc="adding members on-chain", unit="batch",
                      disable=len(to_add) <= ONCHAIN_BATCH):
        batch = to_add[first:first + ONCHAIN_BATCH]
        wallets = [row.wallet for row in batch]
        receipt = send_recorded(ctx, token.functions.addMembers(wallets, [KINDS[r.kind] for r in batch],
                                                                [PROFILES[r.profile] for r in batch]),
                                "community_admin", "add_members", what=f"addMembers({len(batch)})",
                                community_id=community.id, detail={"wallets": wallets})
        done.update({w: receipt["transactionHash"].to_0x_hex() for w in wallets})
        summary.added_onchain.extend(wallets)
        summary.transactions.append(receipt["transactionHash"].to_0x_hex())
    for row in to_update:
        receipt = send_recorded(ctx, token.functions.setEnergyProfile(row.wallet, PROFILES[row.profile]),
                                "community_admin", "set_profile", what=f"setEnergyProfile({row.wallet})",
                                community_id=community.id, detail={"wallets": [row.wallet]})
        done[row.wallet] = receipt["transactionHash"].to_0x_hex()
        summary.transactions.append(receipt["transactionHash"].to_0x_hex())
    if done:
        with ctx.session() as s:
            for membership in s.scalars(select(Membership).where(Membership.community_id == community.id,
                                                                 Membership.wallet.in_(list(done)))):
                membership.onchain_tx = done[membership.wallet]
