"""A member's rewards: the leaf the oracle computed (table epoch_members) with its Merkle proof from the
epoch's stored tree, and what the chain says of it now (paid, claimable).

`paid` is the notary's bit for the leaf (a member may have claimed it in MetaMask, which the database learns
only later); `paidTx` is the oracle's push that paid it, when it did. `claimable`: the commitment stands
on-chain (root as computed, status committed), the challenge window is over, the claim window not,
the leaf is unpaid and the member is an active member (the token pays members only).
"""

from __future__ import annotations

from sqlalchemy import func, select, text

from dapp_backend.services.access import require_personal_reader
from dapp_backend.services.communities import find_community, member_address
from dapp_backend.services.epochs import WITHOUT_TREE, find_epoch, onchain_epochs
from dapp_backend.services.errors import NotFound
from dapp_backend.services.pagination import paginate
from dapp_backend.services.roles import Standing
from oracle.chain.client import EpochStatus, OnChainEpoch
from oracle.context import Context
from oracle.db.schema import Community, Epoch, EpochMember, EpochRevision, Membership, RevisionMember
from oracle.errors import OracleError
from oracle.merkle import REWARD_LEAF_ENCODING, leaf_hash, process_proof, sibling_path


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
        known = s.scalar(
            select(Membership.id).where(Membership.community_id == community.id, Membership.wallet == member)
        )
    if known is None:
        raise NotFound(f"{member} is not a member of community {community.name!r}", "member")


def _standing_onchain(epoch: Epoch, onchain: tuple[OnChainEpoch, int] | None) -> OnChainEpoch | None:
    """The notary's record of `epoch` when it holds this epoch's root (None: not committed, or another root)."""
    if onchain is None or epoch.merkle_root is None or onchain[0].merkle_root_hex != epoch.merkle_root:
        return None
    return onchain[0]


_TREE_INDEX = text(
    "SELECT (tree_dump -> 'values' -> CAST(:leaf AS int) ->> 'treeIndex')::int FROM epochs WHERE id = :epoch"
)
# the tree array is taken out of the stored dump once (OFFSET 0 keeps the subquery), then indexed per node
_TREE_NODES = text(
    "SELECT ARRAY(SELECT t ->> n FROM unnest(CAST(:path AS int[])) WITH ORDINALITY AS p(n, k) "
    "ORDER BY k) FROM (SELECT tree_dump -> 'tree' AS t FROM epochs WHERE id = :epoch OFFSET 0) AS s"
)


def leaf_proof(epoch: Epoch, row: EpochMember) -> list[str]:
    """The Merkle proof of the member's leaf from the epoch's tree loaded with it ("standard-v1" dump), read along
    the leaf's path only (StandardMerkleTree.load validates every node: seconds at 10,000 members), checked."""
    if epoch.tree_dump is None or row.leaf_index is None or epoch.merkle_root is None:
        return []
    nodes = epoch.tree_dump["tree"]
    path = sibling_path(int(epoch.tree_dump["values"][row.leaf_index]["treeIndex"]))
    return _checked_proof(epoch, row, [nodes[i] for i in path])


def stored_leaf_proof(ctx: Context, epoch: Epoch, row: EpochMember) -> list[str]:
    """The same proof read inside PostgreSQL from the stored dump (3 MB at 10,000 members: neither sent nor
    decoded), for an epoch read without its tree."""
    if row.leaf_index is None or epoch.merkle_root is None:
        return []
    with ctx.session() as s:
        node = s.scalar(_TREE_INDEX, {"leaf": row.leaf_index, "epoch": epoch.id})
        if node is None:  # no stored tree
            return []
        proof = s.scalar(_TREE_NODES, {"path": sibling_path(node), "epoch": epoch.id}) if node > 0 else []
    return _checked_proof(epoch, row, proof)


def _checked_proof(epoch: Epoch, row: EpochMember, proof: list[str | None]) -> list[str]:
    """`proof` once the leaf rebuilt from the row leads to the epoch's root with it (OracleError otherwise)."""
    leaf = leaf_hash((row.leaf_index, row.wallet, int(row.amount), bytes(row.data_hash)), REWARD_LEAF_ENCODING)
    if None in proof or "0x" + process_proof(leaf, [bytes.fromhex(p[2:]) for p in proof]).hex() != epoch.merkle_root:
        raise OracleError(
            f"the stored tree of epoch {epoch.number} does not prove the leaf of {row.wallet} under "
            f"the root {epoch.merkle_root}: run `oracle doctor` to see what to do"
        )
    return proof


def is_claimable(chain_epoch: OnChainEpoch | None, row: EpochMember, paid: bool, active: bool, now: int) -> bool:
    return (
        chain_epoch is not None
        and chain_epoch.status == EpochStatus.COMMITTED
        and row.leaf_index is not None
        and chain_epoch.payable_at <= now < chain_epoch.claim_deadline
        and not paid
        and active
    )


def reward_view(
    epoch: Epoch,
    row: EpochMember,
    chain_epoch: OnChainEpoch | None,
    paid: bool | None,
    active: bool,
    now: int,
    corrections: list[dict] | None = None,
) -> dict:
    paid = bool(row.paid) if paid is None else paid
    return {
        "epoch": epoch.number,
        "member": row.wallet,
        "index": row.leaf_index,
        "amount": str(int(row.amount)),
        "kpis": row.kpis,
        "paid": paid,
        "paidTx": row.paid_tx,
        "skipped": row.skipped_tx is not None,
        "dataHash": _hex(row.data_hash),
        "root": epoch.merkle_root,
        "claimable": is_claimable(chain_epoch, row, paid, active, now),
        "debtDeducted": str(int(row.debt_deducted or 0)),
        "corrections": corrections or [],
    }


def member_corrections(s, epoch_ids: list[int], member: str) -> dict[int, list[dict]]:
    """Per epoch id, the member's leaves in the epoch's revisions that stand (`oracle epoch correct`): the
    corrected reward, the top-up paid against the revision's root and the debt carried to later rewards."""
    rows = s.execute(
        select(EpochRevision, RevisionMember)
        .join(RevisionMember, RevisionMember.revision_id == EpochRevision.id)
        .where(
            EpochRevision.epoch_id.in_(epoch_ids),
            EpochRevision.payable_at.is_not(None),
            EpochRevision.status != "voided",
            RevisionMember.wallet == member,
        )
        .order_by(EpochRevision.number)
    ).all()
    found: dict[int, list[dict]] = {}
    for revision, leaf in rows:
        found.setdefault(revision.epoch_id, []).append(
            {
                "revision": revision.number,
                "previousReward": str(int(leaf.previous_reward)),
                "reward": str(int(leaf.reward)),
                "topUp": str(int(leaf.top_up)),
                "debt": str(int(leaf.debt)),
                "paid": bool(leaf.paid),
            }
        )
    return found


def _chain_state(ctx: Context, token: str, member: str, leaves: list[tuple[int, int]]) -> tuple[list[bool], bool, int]:
    """(paid bit of each (epoch, leaf index), whether `member` is active now, the chain's time) in one batch."""
    chain = ctx.chain
    results = chain.read_many(
        [(chain.notary, "isPaid", token, n, index) for n, index in leaves]
        + [(chain.token(token), "membersActive", [member])]
    )
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
    return {**view, "proof": stored_leaf_proof(ctx, epoch, row)}


def member_rewards(ctx: Context, held: Standing, token: str, member: str, query_args: dict) -> dict:
    """A member's rewards of every epoch that stands, newest first (without proofs)."""
    community, member = personal_request(ctx, held, token, member)
    require_known_member(ctx, community, member)
    where = (
        Epoch.community_id == community.id,
        Epoch.number > 0,
        Epoch.status != "abandoned",
        EpochMember.wallet == member,
    )
    with ctx.session() as s:
        total = s.scalar(
            select(func.count()).select_from(EpochMember).join(Epoch, Epoch.id == EpochMember.epoch_id).where(*where)
        )
        offset, limit, envelope = paginate(query_args, total)
        rows = s.execute(
            select(Epoch, EpochMember)
            .options(WITHOUT_TREE)
            .join(EpochMember, EpochMember.epoch_id == Epoch.id)
            .where(*where)
            .order_by(Epoch.number.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        corrections = member_corrections(s, [epoch.id for epoch, _row in rows], member)
    token = community.token_address
    onchain = onchain_epochs(ctx, token, [epoch.number for epoch, _row in rows])
    chain_epochs = [_standing_onchain(epoch, onchain.get(epoch.number)) for epoch, _row in rows]
    asked = [
        i
        for i, (chain_epoch, (_e, row)) in enumerate(zip(chain_epochs, rows))
        if chain_epoch is not None and row.leaf_index is not None
    ]
    paid, active, now = _chain_state(ctx, token, member, [(rows[i][0].number, rows[i][1].leaf_index) for i in asked])
    paid_of = dict(zip(asked, paid))
    return {
        **envelope,
        "items": [
            reward_view(epoch, row, chain_epoch, paid_of.get(i), active, now, corrections.get(epoch.id))
            for i, ((epoch, row), chain_epoch) in enumerate(zip(rows, chain_epochs))
        ],
    }
