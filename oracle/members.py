"""Members of a community: import from `wallet,name,email,kind,profile,deviceid` (one row per device) and removal.

Import. The whole file is validated before anything is written: every field, and every wallet is a person's
account — not the zero address, not a contract of the platform (its contracts, the token of any community),
not any address with code on-chain (a member's wallet is an externally owned account), checksummed when
mixed-case. An error names file, line and column. Then, in ONE database transaction, users, memberships and
devices are written (and flushed, so every database refusal comes first); the members the chain does not know
yet are added by the Community Admin (the token pays the welcome bonus) and changed profiles are synced, while
that transaction is still open; the transaction is committed only after the last on-chain addition is mined.

Why this order. The epoch selects only members active in the database AND on-chain, so each half-done state
must err on the side of "not a member":
- the database is committed last, so a failed import (a refused wallet, a revert, a kill) leaves nothing in it;
- a batch that fails on-chain after earlier batches were mined leaves those members on-chain without rows; they
  get no leaf (not in the database), and a re-run asks the chain first and adds only the others (never twice);
- members on-chain whose rows were lost get their `onchain_tx` back from the recorded add_members transactions
  (those are recorded in their own transactions, before each receipt is awaited, and survive the rollback).
The import's transaction stays open while the batches are mined (seconds on Besu per 100 members): the
price of never committing members the chain refused.

A re-import without a member active in the database says so (that member stays active) and names
`oracle members remove`; a removed member listed again is re-admitted, and told so.

Removal (`remove_members`): every wallet is checked first (an address, a member of this community in the
database); then each is removed on-chain (removeMember, recorded with the reason in the transaction's detail:
the database has no reason column) and only then marked inactive in the database, so a kill in between leaves a
member the epoch already leaves out, and a re-run only marks it. A removed member never gets a leaf again.
"""

from __future__ import annotations

import csv
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from eth_utils import is_address, remove_0x_prefix, to_checksum_address
from sqlalchemy import select
from tqdm import tqdm

from oracle.chain.client import MemberInfo, TransactionFailed
from oracle.chain.transactions import send_recorded
from oracle.communities import get_community
from oracle.context import Context
from oracle.data_keys import hold_key
from oracle.db.schema import ChainTransaction, Community, Device, Membership, Supplier, User
from oracle.errors import OracleError
from oracle.locks import community_members_lock

COLUMNS = ["wallet", "name", "email", "kind", "profile", "deviceid"]
KINDS = {"citizen": 1, "stakeholder": 2}
PROFILES = {"consumer": 1, "prosumer": 2, "prostormer": 3}
DEFAULT_SUPPLIER = "default"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ZERO_ADDRESS = "0x" + "00" * 20
EIP7702_DELEGATION = bytes.fromhex("ef0100")  # the code of an externally owned account that delegated (EIP-7702)
WALLETS_SHOWN = 20  # in a notice; the summary holds them all


def print_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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
    readmitted: list[str] = field(default_factory=list)  # removed members listed again: members again
    not_in_file: list[str] = field(default_factory=list)  # active in the database, absent from the file: still active


def wallet_problem(text: str) -> str | None:
    """Why `text` is not a well-formed wallet, or None. All-lowercase or all-uppercase hex carries no checksum
    (EIP-55); mixed case must be the right checksum."""
    if not is_address(text):
        return f"{text!r} is not an Ethereum address"
    digits = remove_0x_prefix(text)
    if digits not in (digits.lower(), digits.upper()) and "0x" + digits != to_checksum_address(text):
        return f"{text!r} has a wrong checksum (mixed case)"
    return None


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
        what = (
            f"missing {', '.join(missing)}" if missing else f"unexpected {', '.join(extra)}" if extra else "wrong order"
        )
        raise MemberFileError(path, 1, None, f"header must be {','.join(COLUMNS)} ({what})")
    members: dict[str, MemberRow] = {}
    device_owner: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) != len(COLUMNS):
            raise MemberFileError(path, number, None, f"expected {len(COLUMNS)} fields, found {len(raw)}")
        wallet, name, email, kind, profile, deviceid = (cell.strip() for cell in raw)
        problem = wallet_problem(wallet)
        if problem:
            raise MemberFileError(path, number, "wallet", problem)
        wallet = to_checksum_address(wallet)
        if wallet == ZERO_ADDRESS:
            raise MemberFileError(
                path, number, "wallet", "the zero address cannot be a member's wallet (what is sent to it is burned)"
            )
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
            raise MemberFileError(
                path,
                number,
                None,
                f"wallet {wallet} appears on line {member.line} with other name, email, kind or profile",
            )
        if deviceid in device_owner:
            other_wallet, other_line = device_owner[deviceid]
            if other_wallet != wallet:
                raise MemberFileError(
                    path, number, "deviceid", f"device {deviceid} already belongs to {other_wallet} (line {other_line})"
                )
            raise MemberFileError(path, number, "deviceid", f"device {deviceid} is listed twice (line {other_line})")
        device_owner[deviceid] = (wallet, number)
        member.devices.append(deviceid)
    if not members:
        raise MemberFileError(path, 2, None, "no members in the file")
    emails: dict[str, str] = {}
    for member in members.values():
        other = emails.setdefault(member.email.lower(), member.wallet)
        if other != member.wallet:
            raise MemberFileError(
                path,
                member.line,
                "email",
                f"{member.email} already has wallet {other} in this community: one wallet per person",
            )
    return list(members.values())


def refuse_contract_wallets(ctx: Context, path: Path, rows: list[MemberRow]) -> None:
    """Every wallet must be a person's account: no contract of the platform, no community's token, no address
    with code on-chain (an externally owned account that delegated its code under EIP-7702 still is one)."""
    known = platform_contracts(ctx)
    codes = ctx.chain.codes_at([row.wallet for row in rows])
    for row, code in zip(rows, codes):
        if row.wallet in known:
            raise MemberFileError(
                path, row.line, "wallet", f"{row.wallet} is {known[row.wallet]}, not a member's wallet"
            )
        if code and not (len(code) == 23 and code.startswith(EIP7702_DELEGATION)):
            raise MemberFileError(
                path,
                row.line,
                "wallet",
                f"{row.wallet} is a contract (it has code on-chain): a member's wallet is an externally owned account",
            )


def platform_contracts(ctx: Context) -> dict[str, str]:
    """Every contract of the platform, named: the manifest's contracts and the token of every community (of this
    database, and of the factory: a community may have been created outside this oracle)."""
    chain = ctx.chain
    named = dict.fromkeys(chain.platform_addresses(), "a contract of the platform")
    named.update(
        {
            to_checksum_address(entry["address"]): f"the platform's {name} contract"
            for name, entry in chain.manifest["contracts"].items()
        }
    )
    named.update(
        {
            to_checksum_address(token): "a community token of the platform's factory"
            for token in chain.call(chain.factory.functions.communities())
        }
    )
    with ctx.session() as s:
        named.update(
            {
                to_checksum_address(token): f"the token of community {name!r}"
                for name, token in s.execute(
                    select(Community.name, Community.token_address).where(Community.token_address.is_not(None))
                )
            }
        )
    return named


def import_members(
    ctx: Context, community_name: str, path: Path, *, log: Callable[[str], None] = print_to_stderr
) -> ImportSummary:
    """Imports a member file (see the module's docstring for the order of writes); `log` receives the notices
    (members who stay active though absent from the file, removed members admitted again)."""
    community = get_community(ctx, community_name)
    ctx.cipher  # noqa: B018 -- a personal-data key that is not the database's is refused before anything else
    rows = read_member_file(path)
    refuse_contract_wallets(ctx, path, rows)
    summary = ImportSummary(members=len(rows), devices=sum(len(r.devices) for r in rows))
    with community_members_lock(ctx, community), ctx.session() as s:
        memberships = _write_rows(ctx, s, community, community_name, path, rows, summary)
        _sync_onchain(ctx, s, community, rows, memberships, summary)
        removals = _recorded_transactions(s, community.id, "remove_member") if summary.readmitted else {}
    # committed: the notices tell what now holds
    lines = {row.wallet: row.line for row in rows}
    for wallet in summary.readmitted:
        removal = removals.get(wallet)
        reason = f"reason: {removal.detail['reason']}" if removal is not None else "no reason recorded"
        log(
            f"{path}:{lines[wallet]}: {wallet} had been removed from {community_name!r} ({reason}) and is a member "
            "again"
        )
    if summary.not_in_file:
        log(_still_active_notice(community_name, path, summary.not_in_file))
    return summary


def _still_active_notice(community_name: str, path: Path, wallets: list[str]) -> str:
    n = len(wallets)
    shown = ", ".join(wallets[:WALLETS_SHOWN]) + (f" and {n - WALLETS_SHOWN} more" if n > WALLETS_SHOWN else "")
    who, are, stay, them = ("member", "is", "stays", "it") if n == 1 else ("members", "are", "stay", "them")
    return (
        f"{n} {who} of {community_name!r} active in the database {are} not in {path} and {stay} active: {shown}; "
        f"to take {them} out: oracle members remove --community {shlex.quote(community_name)} --reason TEXT "
        "WALLET..."
    )


def _write_rows(
    ctx: Context,
    s,
    community: Community,
    community_name: str,
    path: Path,
    rows: list[MemberRow],
    summary: ImportSummary,
) -> dict[str, Membership]:
    """Writes users, memberships and devices in the open session `s` (flushed, not committed); returns every
    membership of the community by wallet, in the order they were created."""
    cipher = ctx.cipher
    hold_key(s, cipher)  # no rotation between the key's check and this transaction's commit
    supplier = s.scalar(select(Supplier).where(Supplier.name == DEFAULT_SUPPLIER))
    if supplier is None:
        supplier = Supplier(name=DEFAULT_SUPPLIER)
        s.add(supplier)
        s.flush()
    keys = {row.wallet: cipher.email_hmac(row.email) for row in rows}
    # everything this file can touch, read once (a community may onboard thousands of members)
    users = {u.email_hmac: u for u in s.scalars(select(User).where(User.email_hmac.in_(list(keys.values()))))}
    memberships = {
        m.wallet: m
        for m in s.scalars(select(Membership).where(Membership.community_id == community.id).order_by(Membership.id))
    }
    by_user = {m.user_id: m for m in memberships.values()}
    devices = {
        d.deviceid: d
        for d in s.scalars(
            select(Device).where(
                Device.supplier_id == supplier.id, Device.deviceid.in_([d for r in rows for d in r.devices])
            )
        )
    }
    for row in rows:
        user = users.get(keys[row.wallet])
        if user is None:
            user = User(
                name_enc=cipher.encrypt(row.name), email_enc=cipher.encrypt(row.email), email_hmac=keys[row.wallet]
            )
            s.add(user)
            s.flush()
            users[keys[row.wallet]] = user
            summary.users_created += 1
        membership = memberships.get(row.wallet)
        if membership is None:
            clash = by_user.get(user.id)
            if clash is not None:
                raise OracleError(
                    f"{path}:{row.line}:wallet: {row.email} is already a member of "
                    f"{community_name} with wallet {clash.wallet}: one wallet per person"
                )
            membership = Membership(
                user_id=user.id,
                community_id=community.id,
                wallet=row.wallet,
                kind=row.kind,
                profile=row.profile,
                active=True,
            )
            s.add(membership)
            s.flush()
            memberships[row.wallet] = by_user[user.id] = membership
            summary.memberships_created += 1
        else:
            if membership.user_id != user.id:
                forgotten = s.get(User, membership.user_id).forgotten_at
                if forgotten is not None:
                    raise OracleError(
                        f"{path}:{row.line}:wallet: the person of {row.wallet} in {community_name} was forgotten on "
                        f"{forgotten:%Y-%m-%d} (right to be forgotten): the wallet is not linked to a person again; a "
                        "returning member joins with a new wallet"
                    )
                raise OracleError(
                    f"{path}:{row.line}:wallet: {row.wallet} belongs to another person in {community_name}"
                )
            if membership.kind != row.kind:
                raise OracleError(
                    f"{path}:{row.line}:kind: {row.wallet} is a {membership.kind}; a member's kind "
                    "cannot change (remove the member and add a new wallet)"
                )
            if membership.profile != row.profile:
                membership.profile = row.profile
                summary.profiles_changed += 1
            if not membership.active:
                membership.active = True
                summary.readmitted.append(row.wallet)
        for deviceid in row.devices:
            device = devices.get(deviceid)
            if device is None:
                s.add(
                    Device(
                        deviceid=deviceid, supplier_id=supplier.id, owner_user_id=user.id, membership_id=membership.id
                    )
                )
                summary.devices_created += 1
            elif device.membership_id != membership.id:
                raise OracleError(
                    f"{path}:{row.line}:deviceid: device {deviceid} is already registered to another member"
                )
    s.flush()  # every database refusal (a constraint) before the first transaction on-chain
    in_file = {row.wallet for row in rows}
    summary.not_in_file = [w for w, m in memberships.items() if m.active and w not in in_file]
    return memberships


ONCHAIN_BATCH = 100


def _sync_onchain(
    ctx: Context,
    s,
    community: Community,
    rows: list[MemberRow],
    memberships: dict[str, Membership],
    summary: ImportSummary,
) -> None:
    """Adds the members the chain does not know yet (in batches), syncs changed profiles, and notes each member's
    transaction in the open session `s`. The chain is asked first, so a re-run adds nobody twice. A transaction
    that fails ends the import: the caller's session rolls back, nothing is written in the database."""
    chain = ctx.chain
    token = chain.token(community.token_address)
    infos = chain.member_infos(community.token_address, [row.wallet for row in rows])
    to_add = [row for row, info in zip(rows, infos) if not info.active]
    to_update = [row for row, info in zip(rows, infos) if info.active and info.profile != PROFILES[row.profile]]
    # members a failed or killed import added on-chain: their transaction is recorded
    additions = _recorded_transactions(s, community.id, "add_members")
    for row, info in zip(rows, infos):
        membership = memberships[row.wallet]
        if info.active and membership.onchain_tx is None and row.wallet in additions:
            membership.onchain_tx = additions[row.wallet].tx_hash
    try:
        for first in tqdm(
            range(0, len(to_add), ONCHAIN_BATCH),
            desc="adding members on-chain",
            unit="batch",
            disable=len(to_add) <= ONCHAIN_BATCH,
        ):
            batch = to_add[first : first + ONCHAIN_BATCH]
            wallets = [row.wallet for row in batch]
            receipt = send_recorded(
                ctx,
                token.functions.addMembers(
                    wallets, [KINDS[r.kind] for r in batch], [PROFILES[r.profile] for r in batch]
                ),
                "community_admin",
                "add_members",
                what=f"addMembers({len(batch)})",
                community_id=community.id,
                detail={"wallets": wallets},
            )
            tx_hash = receipt["transactionHash"].to_0x_hex()
            for wallet in wallets:
                memberships[wallet].onchain_tx = tx_hash
            summary.added_onchain.extend(wallets)
            summary.transactions.append(tx_hash)
        for row in to_update:
            receipt = send_recorded(
                ctx,
                token.functions.setEnergyProfile(row.wallet, PROFILES[row.profile]),
                "community_admin",
                "set_profile",
                what=f"setEnergyProfile({row.wallet})",
                community_id=community.id,
                detail={"wallets": [row.wallet]},
            )
            memberships[row.wallet].onchain_tx = receipt["transactionHash"].to_0x_hex()
            summary.transactions.append(memberships[row.wallet].onchain_tx)
    except TransactionFailed as exc:
        added = len(summary.added_onchain)
        kept = (
            ""
            if not added
            else "; 1 member added on-chain before stays a member and is not added again"
            if added == 1
            else f"; {added} members added on-chain before stay members and are not added again"
        )
        raise TransactionFailed(
            f"{exc}; nothing was written in the database{kept}: fix the cause and import the file again"
        ) from None


def _recorded_transactions(s, community_id: int, kind: str) -> dict[str, ChainTransaction]:
    """The latest recorded transaction of `kind` (not failed) for each wallet of its detail."""
    latest: dict[str, ChainTransaction] = {}
    for tx in s.scalars(
        select(ChainTransaction)
        .where(
            ChainTransaction.community_id == community_id,
            ChainTransaction.kind == kind,
            ChainTransaction.status != "failed",
        )
        .order_by(ChainTransaction.id)
    ):
        for wallet in (tx.detail or {}).get("wallets", []):
            latest[wallet] = tx
    return latest


# ------------------------------------------------------------------ removal


def remove_members(ctx: Context, community_name: str, wallets: list[str], reason: str) -> list[str]:
    """Removes members on-chain, then marks them inactive in the database; one line per wallet says what was
    done. Every wallet is checked before anything changes; a re-run does nothing twice."""
    reason = reason.strip()
    if not reason:
        raise OracleError("a removal needs a reason (--reason TEXT): it is recorded with the removal's transaction")
    community = get_community(ctx, community_name)
    if not wallets:
        raise OracleError("no wallet to remove")
    for wallet in wallets:
        problem = wallet_problem(wallet.strip())
        if problem:
            raise OracleError(f"{problem}: nothing was removed")
    wanted = list(dict.fromkeys(to_checksum_address(w.strip()) for w in wallets))
    with community_members_lock(ctx, community):
        return _remove_all(ctx, community, community_name, wanted, reason)


def _remove_all(ctx: Context, community: Community, community_name: str, wanted: list[str], reason: str) -> list[str]:
    with ctx.session() as s:
        active = {
            m.wallet: m.active
            for m in s.scalars(
                select(Membership).where(Membership.community_id == community.id, Membership.wallet.in_(wanted))
            )
        }
        removals = _recorded_transactions(s, community.id, "remove_member")
    strangers = [w for w in wanted if w not in active]
    if strangers:
        are = "is not a member" if len(strangers) == 1 else "are not members"
        raise OracleError(f"{', '.join(strangers)} {are} of {community_name!r} in the database: nothing was removed")
    infos = ctx.chain.member_infos(community.token_address, wanted)
    return [
        _remove(ctx, community, community_name, wallet, info, active[wallet], removals.get(wallet), reason)
        for wallet, info in zip(wanted, infos)
    ]


def _remove(
    ctx: Context,
    community: Community,
    community_name: str,
    wallet: str,
    info: MemberInfo,
    active_in_db: bool,
    removal: ChainTransaction | None,
    reason: str,
) -> str:
    """Removes one member: on-chain first (recorded with the reason), then in the database."""
    name = repr(community_name)
    if info.active:
        token = ctx.chain.token(community.token_address)
        receipt = send_recorded(
            ctx,
            token.functions.removeMember(wallet),
            "community_admin",
            "remove_member",
            what=f"removeMember({wallet})",
            community_id=community.id,
            detail={"wallets": [wallet], "reason": reason},
        )
        done = (
            f"removed from {name} on-chain by {receipt['transactionHash'].to_0x_hex()} (the reason is recorded "
            "in that transaction's detail)"
        )
    elif not active_in_db:
        how = f"on-chain by {removal.tx_hash}" if removal is not None else "on-chain"
        if info.kind == 0:
            return f"{wallet}: never a member of {name} on-chain, already inactive in the database: nothing to do"
        return f"{wallet}: already removed from {name} ({how}, and in the database): nothing to do"
    elif removal is not None:
        done = f"already removed from {name} on-chain by {removal.tx_hash}"
    elif info.kind == 0:
        done = f"never a member of {name} on-chain"
    else:
        done = (
            f"already removed from {name} on-chain, not by this oracle (the reason is not recorded: no "
            "transaction of the oracle carries it)"
        )
    if not active_in_db:
        return f"{wallet}: {done}, already inactive in the database"
    with ctx.session() as s:
        s.scalar(
            select(Membership).where(Membership.community_id == community.id, Membership.wallet == wallet)
        ).active = False
    return f"{wallet}: {done}, {'inactive' if info.active else 'now inactive'} in the database"
