"""Communities as members and admins see them: the database knows names and tokens; the chain, the system of
record, knows everything else.

Symbol, decimals and the member count come from the token, not the database: the token's `memberCount` is
who is a member now (a member added or removed by a Community Admin in MetaMask is on-chain at once, while
the database's memberships are the oracle's import and may lag or hold people never added on-chain).
Treasury, fee, welcome bonuses, incentives come from the token, the active model from the ModelRegistry
and the claim window from the notary. Every community's reads go in one JSON-RPC batch (ChainClient.read_many).
"""

from __future__ import annotations

from eth_utils import is_address, to_checksum_address
from sqlalchemy import func, select

from dapp_backend.services.errors import InvalidInput, NotFound
from dapp_backend.services.pagination import paginate
from oracle.chain.client import RegistryVersion, TransactionFailed
from oracle.chain.encoding import from_bytes32
from oracle.context import Context
from oracle.db.schema import Community
from oracle.instants import iso
from oracle.models.parameters import params_from_chain

# CommunityTokenBase.Category 1..5: paid member to member with payService, each with its incentive
PAYABLE_CATEGORIES = (
    "CitizenToCitizen",
    "CitizenToCitizenWithStructure",
    "CitizenToStakeholder",
    "StakeholderToStakeholder",
    "StakeholderToCitizen",
)
INCENTIVE_RECIPIENTS = ("payer", "provider")  # ServicePayments.IncentiveRecipient
CITIZEN, STAKEHOLDER = 1, 2  # CommunityTokenBase.MemberKind
ZERO32 = bytes(32)


def _on_this_chain(ctx: Context):
    return (Community.token_address.is_not(None), Community.chain_id == ctx.settings.effective_chain_id)


def find_community(ctx: Context, token: str) -> Community:
    """The community whose token is `token`; NotFound when `token` is not one of the platform's tokens."""
    if not isinstance(token, str) or not is_address(token):
        raise NotFound(f"{token!r} is not the address of a community token", "token")
    token = to_checksum_address(token)
    with ctx.session() as s:
        community = s.scalar(select(Community).where(Community.token_address == token, *_on_this_chain(ctx)))
    if community is None:
        raise NotFound(f"no community of this platform has the token {token}", "token")
    return community


def member_address(text: str) -> str:
    if not isinstance(text, str) or not is_address(text):
        raise InvalidInput(f"{text!r} is not an Ethereum address (0x followed by 40 hex digits)", "member")
    return to_checksum_address(text)


def list_communities(ctx: Context, query_args: dict) -> dict:
    with ctx.session() as s:
        total = s.scalar(select(func.count()).select_from(Community).where(*_on_this_chain(ctx)))
        offset, limit, envelope = paginate(query_args, total)
        rows = s.execute(
            select(Community.name, Community.token_address)
            .where(*_on_this_chain(ctx))
            .order_by(Community.name)
            .offset(offset)
            .limit(limit)
        ).all()
    return {**envelope, "items": summaries(ctx, [(name, to_checksum_address(token)) for name, token in rows])}


def summaries(ctx: Context, communities: list[tuple[str, str]]) -> list[dict]:
    """Name, token, symbol, decimals, members, treasury and its balance, fee and active model of each."""
    chain = ctx.chain
    calls = []
    for _name, token in communities:
        contract = chain.token(token)
        calls += [
            (contract, name)
            for name in ("symbol", "decimals", "memberCount", "treasury", "treasuryAvailable", "feeBps")
        ]
    results = chain.read_many(calls)
    models = active_models(ctx, [token for _name, token in communities])
    out = []
    for i, (name, token) in enumerate(communities):
        symbol, decimals, members, treasury, balance, fee = results[6 * i : 6 * i + 6]
        out.append(
            {
                "name": name,
                "token": token,
                "symbol": symbol,
                "decimals": int(decimals),
                "members": int(members),
                "treasury": to_checksum_address(treasury),
                "treasuryBalance": str(int(balance)),
                "feeBps": int(fee),
                "activeModel": models[token],
            }
        )
    return out


def _model_in_force(ctx: Context, tokens: list[str], now: int) -> dict[str, tuple[bytes, int] | None]:
    """(model key, version) that rules a period starting now, per token (None: no model rules it). One batch;
    when a community has none the registry reverts, and that batch is asked again one call at a time."""
    chain = ctx.chain
    calls = [(chain.registry, "modelForPeriod", token, now) for token in tokens]
    try:
        results = chain.read_many(calls)
    except TransactionFailed:  # a revert inside the batch fails the whole batch
        results = []
        for call in calls:
            try:
                results.append(chain.read_many([call])[0])
            except TransactionFailed:  # NoActiveModel / NoVersionForPeriod
                results.append(None)
    return {
        token: (None if found is None or bytes(found[0]) == ZERO32 else (bytes(found[0]), int(found[1])))
        for token, found in zip(tokens, results)
    }


def active_models(ctx: Context, tokens: list[str]) -> dict[str, dict | None]:
    """{"id", "version", "effectiveFrom", "params"} of the model version ruling a period that starts now."""
    chain = ctx.chain
    ruling = _model_in_force(ctx, tokens, chain.now())
    wanted = [(token, key_version) for token, key_version in ruling.items() if key_version is not None]
    versions = chain.read_many(
        [(chain.registry, "getVersion", token, key, version) for token, (key, version) in wanted]
    )
    models: dict[str, dict | None] = dict.fromkeys(tokens)
    for (token, (key, version)), raw in zip(wanted, versions):
        published = RegistryVersion.decode(raw)
        models[token] = {
            "id": from_bytes32(key),
            "version": version,
            "effectiveFrom": iso(published.effective_from),
            "params": params_from_chain(published.names, published.values),
        }
    return models


def community_detail(ctx: Context, token: str) -> dict:
    """A community's summary with its welcome bonuses, service incentives and the notary's claim window."""
    community = find_community(ctx, token)
    token = to_checksum_address(community.token_address)
    chain = ctx.chain
    contract = chain.token(token)
    calls = [
        (contract, "welcomeBonus", CITIZEN),
        (contract, "welcomeBonus", STAKEHOLDER),
        (chain.notary, "claimWindow"),
    ]
    calls += [(contract, "categoryIncentive", number) for number in range(1, len(PAYABLE_CATEGORIES) + 1)]
    citizen, stakeholder, claim_window, *incentives = chain.read_many(calls)
    [summary] = summaries(ctx, [(community.name, token)])
    return {
        **summary,
        "welcomeBonus": {"citizen": str(int(citizen)), "stakeholder": str(int(stakeholder))},
        "incentives": [
            {"category": number, "name": name, "bps": int(bps), "recipient": INCENTIVE_RECIPIENTS[int(recipient)]}
            for number, (name, (bps, recipient)) in enumerate(zip(PAYABLE_CATEGORIES, incentives), 1)
        ],
        "claimWindow": int(claim_window),
    }
