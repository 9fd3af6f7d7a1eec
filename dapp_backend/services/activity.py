"""Token movements read from the chain's events: a member's history and the community's volume per day.

The chain is the record: nothing here is stored. Logs are asked of the node with the indexed arguments
filtered there (eth_getLogs uses its bloom filters), in windows of LOG_WINDOW blocks from the block that
created the community, so no single request scans the whole chain:
- history looks back at most HISTORY_BLOCKS from the head (at Besu's 10 s blocks about 115 days; on anvil a
  block per transaction), newest first, one row per transaction;
- activity reads only the blocks of the asked days (at most MAX_DAYS), whose first blocks are found by binary
  searches on block times.
Block times come from get_block, cached per block number for the process (blocks are final on IBFT).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

from eth_utils import is_address, to_checksum_address
from sqlalchemy import select

from dapp_backend.services.errors import InvalidInput
from dapp_backend.services.members_admin import CommunityRecord, community_of
from dapp_backend.services.pagination import paginate
from oracle.context import Context
from oracle.db.schema import ChainTransaction
from oracle.instants import iso

LOG_WINDOW = 50_000  # blocks per eth_getLogs
HISTORY_BLOCKS = 1_000_000
MAX_DAYS = 366
DEFAULT_DAYS = 30
_BLOCK_TIMES: OrderedDict[int, int] = OrderedDict()
_BLOCK_TIMES_KEPT = 200_000
_CREATED_AT_BLOCK: dict[str, int] = {}
_MEMBERS_ADDED: dict[str, tuple[int, list[str]]] = {}  # token -> (last block read, accounts added up to it)


# ------------------------------------------------------------------ blocks and logs


def creation_block(ctx: Context, community: CommunityRecord) -> int:
    """The block of the community's createCommunity: the oracle's record of it, else the factory's event."""
    if community.token in _CREATED_AT_BLOCK:
        return _CREATED_AT_BLOCK[community.token]
    with ctx.session() as s:
        block = s.scalar(
            select(ChainTransaction.block_number)
            .where(
                ChainTransaction.community_id == community.id,
                ChainTransaction.kind == "create_community",
                ChainTransaction.block_number.is_not(None),
            )
            .order_by(ChainTransaction.block_number)
            .limit(1)
        )
    if block is None:
        found = logs(ctx, ctx.chain.factory.events.CommunityCreated, 0, {"token": community.token})
        block = found[0]["blockNumber"] if found else 0
    _CREATED_AT_BLOCK[community.token] = int(block)
    return int(block)


def head(ctx: Context) -> int:
    return int(ctx.chain.w3.eth.block_number)


def logs(ctx: Context, event, first: int, filters: dict | None = None, last: int | None = None) -> list:
    """The `event`'s logs in blocks first..last (default: the head), asked in windows of LOG_WINDOW."""
    last = head(ctx) if last is None else last
    found = []
    for start in range(first, last + 1, LOG_WINDOW):
        found += event.get_logs(
            from_block=start, to_block=min(start + LOG_WINDOW - 1, last), argument_filters=filters or None
        )
    return found


def block_times(ctx: Context, numbers) -> dict[int, int]:
    """Unix time of each block (one batch for the ones not cached)."""
    wanted = sorted({int(n) for n in numbers} - set(_BLOCK_TIMES))
    w3 = ctx.chain.w3
    for first in range(0, len(wanted), 500):
        with w3.batch_requests() as batch:
            for number in wanted[first : first + 500]:
                batch.add(w3.eth.get_block(number))
            for block in batch.execute():
                _remember(int(block["number"]), int(block["timestamp"]))
    return {int(n): _BLOCK_TIMES[int(n)] for n in numbers}


def _remember(number: int, timestamp: int) -> None:
    _BLOCK_TIMES[number] = timestamp
    while len(_BLOCK_TIMES) > _BLOCK_TIMES_KEPT:
        _BLOCK_TIMES.popitem(last=False)


def first_blocks_at(ctx: Context, moments: list[int], low: int, high: int) -> list[int]:
    """For each of `moments` (unix seconds), the first block in low..high whose time is at or after it (high + 1
    when none is). One binary search per moment, run side by side: each round asks every midpoint in one batch,
    so a year of day boundaries costs about log2(blocks) round trips, however many events the days hold."""
    lows, highs = [low] * len(moments), [high] * len(moments)
    while True:
        open_ = [i for i in range(len(moments)) if lows[i] <= highs[i]]
        if not open_:
            return lows
        middles = {i: (lows[i] + highs[i]) // 2 for i in open_}
        times = block_times(ctx, middles.values())
        for i, middle in middles.items():
            if times[middle] >= moments[i]:
                highs[i] = middle - 1
            else:
                lows[i] = middle + 1


def member_added_accounts(ctx: Context, community: CommunityRecord) -> list[str]:
    """Every account the token ever added as a member (MemberAdded), checksummed. The blocks read are
    remembered per token, so a later call asks the node only for the blocks since."""
    scanned, known = _MEMBERS_ADDED.get(community.token, (creation_block(ctx, community) - 1, []))
    last = head(ctx)
    if last > scanned:
        found = logs(ctx, ctx.chain.token(community.token).events.MemberAdded, scanned + 1, None, last)
        known = known + [to_checksum_address(log["args"]["account"]) for log in found]
        _MEMBERS_ADDED[community.token] = (last, known)
    return known


# ------------------------------------------------------------------ a member's history


def member_address(text: str) -> str:
    if not isinstance(text, str) or not is_address(text):
        raise InvalidInput(f"{text!r} is not an Ethereum address: expected 0x and 40 hexadecimal digits", "member")
    return to_checksum_address(text)


def member_history(ctx: Context, token: str, member: str, query_args: dict) -> dict:
    """One page of the transactions that moved `member`'s tokens, newest first (see the module's bounds)."""
    community = community_of(ctx, token)
    member = member_address(member)
    contract = ctx.chain.token(community.token)
    last = head(ctx)
    first = max(creation_block(ctx, community), last - HISTORY_BLOCKS)
    legs = logs(ctx, contract.events.Transfer, first, {"from": member}, last) + logs(
        ctx, contract.events.Transfer, first, {"to": member}, last
    )
    txs = sorted(
        {(log["blockNumber"], log["transactionIndex"], log["transactionHash"].to_0x_hex()) for log in legs},
        reverse=True,
    )
    offset, limit, envelope = paginate(query_args, len(txs))
    page = txs[offset : offset + limit]
    receipts = _receipts(ctx, [tx for _, _, tx in page])
    times = block_times(ctx, [block for block, _, _ in page])
    items = [
        {"tx": tx, "block": block, "time": iso(times[block]), **_movement(ctx, contract, member, receipts[tx])}
        for block, _, tx in page
    ]
    return {**envelope, "items": items}


def _receipts(ctx: Context, hashes: list[str]) -> dict:
    w3 = ctx.chain.w3
    if not hashes:
        return {}
    with w3.batch_requests() as batch:
        for tx in hashes:
            batch.add(w3.eth.get_transaction_receipt(tx))
        return dict(zip(hashes, batch.execute()))


def _movement(ctx: Context, contract, member: str, receipt) -> dict:
    """What a transaction did to `member`'s tokens: kind, from, to, amount, fee (base units, strings)."""
    events = {
        name: ctx.chain.events(contract, name, receipt)
        for name in ("TransferWithFee", "ServicePaid", "WelcomeBonusPaid", "CommunityWorkPaid", "Transfer")
    }
    treasury = contract.address
    for e in events["TransferWithFee"]:
        if member in (e["from"], e["to"]):
            return _row("transfer", e["from"], e["to"], e["sent"], e["fee"])
    for e in events["ServicePaid"]:
        if member in (e["payer"], e["provider"]):
            return _row("service", e["payer"], e["provider"], e["amount"], _split(e["split"])["fee"])
    for e in events["WelcomeBonusPaid"]:
        if e["account"] == member:
            return _row("welcome", treasury, member, e["amount"], 0)
    for e in events["CommunityWorkPaid"]:
        if e["member"] == member:
            return _row("work", treasury, member, e["memberReceived"], 0)
    leg = next(e for e in events["Transfer"] if member in (e["from"], e["to"]))
    return _row(_leg_kind(ctx, events, leg, member, treasury), leg["from"], leg["to"], leg["value"], 0)


def _leg_kind(ctx: Context, events: dict, leg: dict, member: str, treasury: str) -> str:
    """A movement no event of the member's names: a structure's share or an incentive (service), a structure's
    share of community work (work), a reward from the notary, a fee reaching the treasury, else a transfer."""
    if leg["from"] == ctx.chain.notary.address:
        return "reward"
    if member == treasury and (events["TransferWithFee"] or events["ServicePaid"]):
        return "fee"
    if events["ServicePaid"]:
        return "service"
    if events["CommunityWorkPaid"]:
        return "work"
    return "transfer"


def _split(split) -> dict:
    """ServicePaid's split struct (web3 gives a tuple or a mapping) by field name."""
    if isinstance(split, dict) or hasattr(split, "keys"):
        return dict(split)
    fee, to_provider, to_structure, incentive, incentive_to = split
    return {
        "fee": fee,
        "toProvider": to_provider,
        "toStructure": to_structure,
        "incentive": incentive,
        "incentiveTo": incentive_to,
    }


def _row(kind: str, sender: str, receiver: str, amount: int, fee: int) -> dict:
    return {
        "kind": kind,
        "from": to_checksum_address(sender),
        "to": to_checksum_address(receiver),
        "amount": str(int(amount)),
        "fee": str(int(fee)),
    }


# ------------------------------------------------------------------ the community's volume per day


def community_activity(ctx: Context, token: str, days: int = DEFAULT_DAYS) -> dict:
    """Per UTC day of the last `days` (today, by the chain's clock, included): transfers (count), volume
    (tokens sent in transfers and services), fees (to the treasury), services (count). An event's day comes
    from the first block of each day (found by `first_blocks_at`), not from one block read per event."""
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days {days!r} must be a whole number from 1 to {MAX_DAYS}", "days")
    community = community_of(ctx, token)
    contract = ctx.chain.token(community.token)
    last = head(ctx)
    today = datetime.fromtimestamp(block_times(ctx, [last])[last], UTC).date()
    dates = [today - timedelta(days=days - 1 - i) for i in range(days)]
    starts = [int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) for d in dates]
    firsts = first_blocks_at(ctx, starts, creation_block(ctx, community), last)
    table = [{"date": d.isoformat(), "transfers": 0, "volume": 0, "fees": 0, "services": 0} for d in dates]
    if firsts[0] <= last:
        for log in logs(ctx, contract.events.TransferWithFee, firsts[0], None, last):
            _count(
                table[bisect_right(firsts, log["blockNumber"]) - 1],
                "transfers",
                log["args"]["sent"],
                log["args"]["fee"],
            )
        for log in logs(ctx, contract.events.ServicePaid, firsts[0], None, last):
            _count(
                table[bisect_right(firsts, log["blockNumber"]) - 1],
                "services",
                log["args"]["amount"],
                _split(log["args"]["split"])["fee"],
            )
    return {"days": [{**row, "volume": str(row["volume"]), "fees": str(row["fees"])} for row in table]}


def _count(row: dict, counter: str, amount: int, fee: int) -> None:
    row[counter] += 1
    row["volume"] += int(amount)
    row["fees"] += int(fee)
