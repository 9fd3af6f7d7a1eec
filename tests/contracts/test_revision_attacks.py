"""ConsumptionNotary revisions tried as an attacker would: replayed and forged leaves, void and release orderings,
escrow accounting over an epoch and its revisions, other communities' admins, the largest amounts.

Same scenario as test_notary_revisions.py: epoch 1 pays alice 10, bob 20, carol 0, shop 5.5, hall 4.5 (40 tokens);
revision 1 pays alice 3 and hall 1 (an extra of 4).
"""

from eth_utils import keccak

from .conftest import E18, REWARD_CEILING, Rewards, create_community, reverts_with
from .test_consumption_notary import (
    COMMITTED,
    DAY,
    RELEASED,
    VOIDED,
    YEAR,
    epoch_info,
    latest_timestamp,
    next_block_at,
)
from .test_notary_revisions import Revision, corrected_hash, revision_info
from .test_notary_revisions import paid as _paid
from .test_notary_revisions import revision1 as _revision1

paid, revision1 = _paid, _revision1  # the revision tests' fixtures

MAX96 = 2**96 - 1


def lower_only(members, tag="lower"):
    """A correction that only lowers rewards: every top-up 0, nothing escrowed (its debts live in the oracle)."""
    return Revision([(m, 0, corrected_hash(f"{tag} {m.address}")) for m in members], extra=0, total=38 * E18)


def test_a_revision_stands_once_its_challenge_window_is_over(
    notary, token, paid, oracle, community_admin, platform_admin, alice, bob, carol, shop, hall
):
    """A revision that only lowers rewards never pays anything, so "void before anything is paid" let an admin void
    it at any time, also after the oracle had deducted its debts from the members' next rewards: those members
    would have lost the deduction for good. After its challenge window a revision stands (correct it again)."""
    members = (alice, bob, carol, shop, hall)
    tx = notary.commitRevision(token, 1, 1, lower_only(members).commitment, {"from": oracle})  # challenge window 0
    with reverts_with("ChallengeWindowClosed", tx.timestamp):
        notary.voidRevision(token, 1, 1, keccak(b"late"), {"from": community_admin})
    with reverts_with("ChallengeWindowClosed", tx.timestamp):
        notary.voidRevision(token, 1, 1, keccak(b"late"), {"from": platform_admin})
    notary.setChallengeWindow(DAY, {"from": platform_admin})
    tx = notary.commitRevision(token, 1, 2, lower_only(members, "again").commitment, {"from": oracle})
    next_block_at(tx.timestamp + DAY - 1)
    notary.voidRevision(token, 1, 2, keccak(b"in time"), {"from": community_admin})  # the last second of the window
    tx = notary.commitRevision(token, 1, 3, lower_only(members, "third").commitment, {"from": oracle})
    next_block_at(tx.timestamp + DAY)
    with reverts_with("ChallengeWindowClosed", tx.timestamp + DAY):
        notary.voidRevision(token, 1, 3, keccak(b"late"), {"from": community_admin})
    assert [revision_info(notary, token, 1, n).status for n in (1, 2, 3)] == [COMMITTED, VOIDED, COMMITTED]


def test_replayed_and_forged_leaves_pay_nothing(
    notary, token, paid, revision1, oracle, alice, hall, factory, platform_admin, token_admin, community_admin
):
    notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    # the same top-ups again in revision 2, with fresh salted data hashes as the oracle makes them
    again = Revision(
        [(alice, 3 * E18, corrected_hash("alice 2")), (hall, 1 * E18, corrected_hash("hall 2"))],
        extra=4 * E18,
        total=42 * E18,
    )
    notary.commitRevision(token, 1, 2, again.commitment, {"from": oracle})
    notary.claimRevision(token, 1, 1, *revision1.claim(0), {"from": alice})
    # revision 1's leaf replayed on revision 2, on another epoch, on another community
    index, member, amount, data, proof = revision1.claim(0)
    with reverts_with("InvalidProof", index, member, amount, data):
        notary.claimRevision(token, 1, 2, index, member, amount, data, proof, {"from": alice})
    with reverts_with("UnknownRevision", token, 2, 1):
        notary.claimRevision(token, 2, 1, index, member, amount, data, proof, {"from": alice})
    other = create_community(factory, platform_admin, community_admin, token_admin, "Borgo Altro", "BALT")
    with reverts_with("UnknownRevision", other, 1, 1):
        notary.claimRevision(other, 1, 1, index, member, amount, data, proof, {"from": alice})
    # a forged leaf: hall's unclaimed top-up redirected to alice, or alice's top-up raised
    _, _, hall_amount, hall_data, hall_proof = revision1.claim(4)
    with reverts_with("InvalidProof", 4, alice, hall_amount, hall_data):
        notary.claimRevision(token, 1, 1, 4, alice, hall_amount, hall_data, hall_proof, {"from": alice})
    proof2 = again.claim(0)[4]
    with reverts_with("InvalidProof", 0, alice, 4 * E18, again.values[0][3]):
        notary.claimRevision(token, 1, 2, 0, alice, 4 * E18, again.values[0][3], proof2, {"from": alice})
    # the original's leaves stay paid once (the `paid` fixture pushed them all)
    with reverts_with("AlreadyPaid", token, 1, 0):
        notary.claim(token, 1, *paid.claim(0), {"from": alice})
    assert revision_info(notary, token, 1, 1).paidTotal == 3 * E18 and revision_info(notary, token, 1, 2).paidTotal == 0


def test_a_stolen_payer_key_pushes_only_committed_leaves_and_another_communitys_admin_voids_nothing(
    notary, token, paid, revision1, oracle, payer, platform_admin, alice, hall, factory, token_admin
):
    notary.setChallengeWindow(DAY, {"from": platform_admin})
    tx = notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    with reverts_with("ChallengeWindowOpen", tx.timestamp + DAY):
        notary.pushRevisionRewards(token, 1, 1, *revision1.batch([0]), {"from": payer})
    stranger = create_community(factory, platform_admin, hall, token_admin, "Borgo Terzo", "BTER")
    assert stranger.hasRole(stranger.COMMUNITY_ADMIN_ROLE(), hall)
    with reverts_with("NotCommunityAdmin", token, hall):
        notary.voidRevision(token, 1, 1, keccak(b"not mine"), {"from": hall})
    next_block_at(tx.timestamp + DAY)
    leaves, proof, flags = revision1.batch([0, 4])
    forged = leaves[:23] + (30 * E18).to_bytes(12, "big") + leaves[35:]  # alice's top-up 3 -> 30
    with reverts_with("InvalidMultiproof"):
        notary.pushRevisionRewards(token, 1, 1, forged, proof, flags, {"from": payer})
    notary.pushRevisionRewards(token, 1, 1, leaves, proof, flags, {"from": payer})
    assert revision_info(notary, token, 1, 1).paidTotal == 4 * E18 and token.rewardReserve() == 0


def test_the_reserve_is_what_the_epoch_and_its_revisions_committed_less_paid_and_returned(
    notary, token, committed, oracle, payer, community_admin, platform_admin, alice, bob, carol, shop, hall
):
    """Orderings an attacker might try: release the epoch while a revision is open, void one revision and release
    another, claim after a release. After every step the reserve (the notary's balance) equals committed − paid −
    returned over the epoch and all its revisions, and supply stays in the treasury, the reserve and the wallets."""
    members = (alice, bob, carol, shop, hall)
    supply = token.totalSupply()
    books = {"committed": 40 * E18, "paid": 0, "returned": 0}

    def check():
        assert token.rewardReserve() == books["committed"] - books["paid"] - books["returned"]
        assert token.balanceOf(token) + token.rewardReserve() + sum(token.balanceOf(m) for m in members) == supply

    check()
    notary.pushRewards(token, 1, *committed.batch([0, 1]), {"from": payer})  # alice 10, bob 20
    books["paid"] += 30 * E18
    check()
    top = Revision(
        [(alice, 3 * E18, corrected_hash("a")), (shop, 2 * E18, corrected_hash("s"))], extra=5 * E18, total=45 * E18
    )
    tx1 = notary.commitRevision(token, 1, 1, top.commitment, {"from": oracle})
    books["committed"] += 5 * E18
    check()
    notary.claimRevision(token, 1, 1, *top.claim(0), {"from": alice})
    books["paid"] += 3 * E18
    check()
    notary.setChallengeWindow(DAY, {"from": platform_admin})
    notary.commitRevision(token, 1, 2, top.commitment, {"from": oracle})  # a second copy of the same top-ups
    books["committed"] += 5 * E18
    check()
    notary.voidRevision(token, 1, 2, keccak(b"duplicate"), {"from": community_admin})
    books["returned"] += 5 * E18
    check()
    # the epoch's claim deadline passes: its unpaid 10 go back while revision 1 is still open and pays
    next_block_at(epoch_info(notary, token, 1).claimDeadline)
    notary.releaseUnpaid(token, 1, {"from": community_admin})
    books["returned"] += 10 * E18
    check()
    with reverts_with("EpochNotOpen", token, 1, RELEASED):
        notary.claim(token, 1, *committed.claim(3), {"from": shop})
    with reverts_with("EpochNotOpen", token, 1, RELEASED):  # and a released epoch takes no more revisions
        notary.commitRevision(token, 1, 3, top.commitment, {"from": oracle})
    notary.claimRevision(token, 1, 1, *top.claim(1), {"from": shop})  # revision 1 pays on its own deadline
    books["paid"] += 2 * E18
    check()
    if tx1.timestamp + YEAR > latest_timestamp():  # the same second as the epoch's commit: already past
        next_block_at(tx1.timestamp + YEAR)
    tx = notary.releaseRevisionUnpaid(token, 1, 1, {"from": community_admin})
    assert tx.events["RevisionReleased"]["unpaid"] == 0
    check()
    with reverts_with("EpochNotOpen", token, 1, RELEASED):
        notary.claimRevision(token, 1, 1, *top.claim(0), {"from": alice})
    assert token.rewardReserve() == 0
    assert [revision_info(notary, token, 1, n).status for n in (1, 2)] == [RELEASED, VOIDED]


def test_the_largest_extra_fits_and_a_leaf_above_it_is_refused(
    notary, token, paid, oracle, payer, token_admin, alice, hall
):
    token.fundTreasury(MAX96, keccak(b"a very large endowment"), {"from": token_admin})
    token.setEpochRewardCeiling(MAX96, {"from": token_admin})
    huge = Revision(
        [(alice, MAX96, corrected_hash("alice")), (hall, MAX96 + 1, corrected_hash("hall"))], extra=MAX96, total=MAX96
    )
    notary.commitRevision(token, 1, 1, huge.commitment, {"from": oracle})
    assert revision_info(notary, token, 1, 1).extraReward == MAX96 and token.rewardReserve() == MAX96
    with reverts_with("ExceedsCommittedTotal", 0, MAX96 + 1, MAX96):  # claim takes a uint256 amount
        notary.claimRevision(token, 1, 1, *huge.claim(1), {"from": hall})
    before = token.balanceOf(alice)
    notary.claimRevision(token, 1, 1, *huge.claim(0), {"from": alice})
    assert token.balanceOf(alice) - before == MAX96 and revision_info(notary, token, 1, 1).paidTotal == MAX96
    assert token.rewardReserve() == 0


def test_a_stolen_oracle_key_escrows_up_to_the_ceiling_per_commit_and_the_admins_void_each(
    notary, token, paid, oracle, platform_admin, community_admin, alice, epoch1
):
    """Nothing limits the number of revisions (nor of epochs, whose periods may be one second long): the treasury,
    the challenge window and the admins voiding each commit are what stop a stolen oracle key."""
    notary.setChallengeWindow(DAY, {"from": platform_admin})
    treasury = token.balanceOf(token)
    theft = Revision([(alice, REWARD_CEILING, corrected_hash("alice"))], extra=REWARD_CEILING, total=REWARD_CEILING)
    for n in (1, 2, 3):
        notary.commitRevision(token, 1, n, theft.commitment, {"from": oracle})
    end = epoch1.period[1]
    second = Rewards([(alice, REWARD_CEILING, corrected_hash("alice"))], (end, end + 1), total=REWARD_CEILING)
    notary.commitEpoch(token, 2, second.commitment, {"from": oracle})  # a one-second period
    assert token.rewardReserve() == 4 * REWARD_CEILING and token.balanceOf(token) == treasury - 4 * REWARD_CEILING
    with reverts_with("ChallengeWindowOpen", revision_info(notary, token, 1, 1).payableAt):
        notary.claimRevision(token, 1, 1, *theft.claim(0), {"from": alice})
    for n in (1, 2, 3):
        notary.voidRevision(token, 1, n, keccak(b"stolen oracle key"), {"from": community_admin})
    notary.voidEpoch(token, 2, keccak(b"stolen oracle key"), {"from": platform_admin})
    assert token.rewardReserve() == 0 and token.balanceOf(token) == treasury
