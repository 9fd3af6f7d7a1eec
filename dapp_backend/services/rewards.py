"""A member's rewards: the leaf the oracle computed (table epoch_members) with its Merkle proof from the
epoch's stored tree, and what the chain says of it now (paid, claimable).

`paid` is the notary's bit for the leaf (a member may have claimed it in MetaMask, which the database learns
only later); `paidTx` is the oracle's push that paid it, when it did. `claimable`: the commitment stands
on-chain (root as computed, status committed), the challenge window is over, the claim window not,
the leaf is unpaid and the member is an active member (the token pays members only).
"""
from __future__ import annotations

from sqlalchemy import func, select

from oracle.chain.client import EpochStatus, OnChainEpoch
from oracle.context import Context
from oracle.db.schema import Community, Epoch, EpochMember, Membership
from oracle.errors import OracleError
from oracle.merkle import REWARD_LEAF_ENCODING, leaf_hash, process_proof
from dapp_backend.services.access import require_personal_reader
from dapp_backend.services.communities import find_community, member_address
from dapp_backend.services.epochs import find_epoch, onchain_epochs
from dapp_backend.services.errors import NotFound
from dapp_backend.services.pagination import paginate
from dapp_backend.services.roles import Standing


def _hex(raw: bytes | None) -> str | None:
    return None if raw is None else "0x" + bytes(raw).hex()


def personal_request(ctx: Context, held: Standing, token: str, member: str) -> tuple[Community, str]:
    """The community and the checksummed member once `held` may see the member's personal data (404, 400, 403)."""
    community = find_community(ctx, token)
    member = member_address(member)
    require_personal_reader(held, community.token_address, member)
    return community, member


def require_known_member(ctx: Context, community: Community, member: str) -> None:
    """404 unless `member` is (or was) a member of the community in the oracle's records."""
    with ctx.session() as s:
        known = s.scalar(select(Membership.id).where(Membership.community_id == community.id,
                                                     Membership.wallet == member))
    if known is None:
        raise NotFound(f"{member} is not a member of community {community.name!r}", "member")


def _standing_onchain(epoch: Epoch, onchain: tuple[OnChainEpoch, int] | None) -> OnChainEpoch | None:
    """The notary's record of `epoch` when it holds this epoch's root (None: not committed, or another root)."""
    if onchain is None or epoch.merkle_root is None or onchain[0].merkle_root_hex != epoch.merkle_root:
        return None
    return onchain[0]


def leaf_proof(epoch: Epoch, row: EpochMember) -> list[str]:
    """The Merkle proof of the member's leaf, read from the epoch's stored tree ("standard-v1" dump) along the
    leaf's path only, then checked: the leaf rebuilt from the row must lead to the epoch's root with it.
    (StandardMerkleTree.load validates every node: seconds for 10 000 members, once per request.)"""
    if epoch.tree_dump is None or row.leaf_index is None or epoch.merkle_root is None:
        return []
    nodes = epoch.tree_dump["tree"]
    node = int(epoch.tree_dump["values"][row.leaf_index]["treeIndex"])
    proof = []
    while node > 0:
        proof.append(nodes[node + 1 if node % 2 == 1 else node - 1])
        node = (node - 1) // 2
    leaf = leaf_hash((row.leaf_index, row.wallet, int(row.amount), bytes(row.data_hash)), REWARD_LEAF_ENCODING)
    if "0x" + process_proof(leaf, [bytes.fromhex(p[2:]) for p in proof]).hex() != epoch.merkle_root:
        raise OracleError(f"the stored tree of epoch {epoch.number} does not prove the leaf of {row.wallet} under "
                          f"the root {epoch.merkle_root}: run `oracle doctor` to see what to do")
    return proof


def is_claimable(chain_epoch: OnChainEpoch | None, row: EpochMember, paid: bool, active: bool, now: int) -> bool:
    return (chain_epoch is not None and chain_epoch.status == EpochStatus.COMMITTED and row.leaf_index is not None
            and chain_epoch.payable_at <= now < chain_epoch.claim_deadline and not paid and active)


def reward_view(epoch: Epoch, row: EpochMember, chain_epoch: OnChainEpoch | None, paid: bool | None, active: bool,
                now: int) -> dict:
    paid = bool(row.paid) if paid is None else paid
    return {"epoch": epoch.number, "member": row.wallet, "index": row.leaf_index, "amount": str(int(row.amount)),
            "kpis": row.kpis, "paid": paid, "paidTx": row.paid_tx, "skipped": row.skipped_tx is not None,
            "dataHash": _hex(row.data_hash), "root": epoch.merkle_root,
            "claimable": is_claimable(chain_epoch, row, paid, active, now)}


def _chain_state(ctx: Context, token: str, member: str, leaves: list[tuple[int, int]]) -> tuple[list[bool], bool, int]:
    """(paid bit of each (epoch, leaf index), whether `member` is active now, the chain's time) in one batch."""
    chain = ctx.chain
    notary = chain.notary.functions
    results = chain.call_many([notary.isPaid(token, n, index) for n, index in leaves]
                              + [chain.token(token).functions.membersActive([member])])
    return [bool(p) for p in results[:-1]], bool(results[-1] & 1), chain.now()


def member_reward(ctx: Context, held: Standing, token: str, number, member: str) -> dict:
    """A member's reward in one epoch, with its Merkle proof (what a claim sends)."""
    community, member = personal_request(ctx, held, token, member)
    epoch = find_epoch(ctx, community, number)
    with ctx.session() as s:
        row = s.scalar(select(EpochMember).where(EpochMember.epoch_id == epoch.id, EpochMember.wallet == member))
    if row is None:
        raise NotFound(f"{member} has no leaf in epoch {epoch.number} of {community.name!r}", "member")
    token = community.token_address
    chain_epoch = _standing_onchain(epoch, onchain_epochs(ctx, token, [epoch.number]).get(epoch.number))
    leaves = [(epoch.number, row.leaf_index)] if chain_epoch is not None and row.leaf_index is not None else []
    paid, active, now = _chain_state(ctx, token, member, leaves)
    view = reward_view(epoch, row, chain_epoch, paid[0] if paid else None, active, now)
    return {**view, "proof": leaf_proof(epoch, row)}


def member_rewards(ctx: Context, held: Standing, token: str, member: str, query_args: dict) -> dict:
    """A member's rewards of every epoch that stands, newest first (without proofs)."""
    community, member = personal_request(ctx, held, token, member)
    require_known_member(ctx, community, member)
    where = (Epoch.community_id == community.id, Epoch.number > 0, Epoch.status != "abandoned",
             EpochMember.wallet == member)
    with ctx.session() as s:
        total = s.scalar(select(func.count()).select_from(EpochMember).join(Epoch, Epoch.id == EpochMember.epoch_id)
                         .where(*where))
        offset, limit, envelope = paginate(query_args, total)
        rows = s.execute(select(Epoch, EpochMember).join(EpochMember, EpochMember.epoch_id == Epoch.id).where(*where)
                         .order_by(Epoch.number.desc()).offset(offset).limit(limit)).all()
    token = community.token_address
    onchain = onchain_epochs(ctx, token, [epoch.number for epoch, _row in rows])
    chain_epochs = [_standing_onchain(epoch, onchain.get(epoch.number)) for epoch, _row in rows]
    asked = [i for i, (chain_epoch, (_e, row)) in enumerate(zip(chain_epochs, rows))
             if chain_epoch is not None and row.leaf_index is not None]
    paid, active, now = _chain_state(ctx, token, member, [(rows[i][0].number, rows[i][1].leaf_index) for i in asked])
    paid_of = dict(zip(asked, paid))
    return {**envelope, "items": [reward_view(epoch, row, chain_epoch, paid_of.get(i), active, now)
                                  for i, ((epoch, row), chain_epoch) in enumerate(zip(rows, chain_epochs))]}
