"""ConsumptionNotary revisions: an epoch whose meter data was corrected after its commit gets revision 1, 2, …
with a new root, dataset hash, leaf count, recomputed total and reason hash; the original and every revision stay
readable; each revision pays the top-ups of its leaves (what a corrected reward exceeds the previous one) once,
never beyond its escrowed extra, is released like an epoch and voided only during its challenge window.

The scenario of most tests: epoch 1 paid alice 10, bob 20, carol 0, shop 5.5, hall 4.5 (40 tokens). The
distribution operator corrects the data: alice's reward becomes 13 (+3), bob's 18 (−2: a debt the oracle deducts
later, nothing on-chain), hall's 5.5 (+1); so revision 1 pays alice 3 and hall 1: an extra of 4 tokens, and the
recomputed total is 13 + 18 + 0 + 5.5 + 5.5 = 42.
"""

from types import SimpleNamespace

import pytest
from eth_utils import keccak

from oracle.merkle import pack_leaves, reward_tree

from .conftest import E18, REWARD_CEILING, WELCOME_CITIZEN, WELCOME_STAKEHOLDER, create_community, reverts_with
from .test_consumption_notary import (
    COMMITTED,
    DAY,
    RELEASED,
    TREASURY_AFTER_WELCOMES,
    VOIDED,
    YEAR,
    epoch_info,
    hx,
    next_block_at,
)

CORRECTED = keccak(b"corrected dataset of epoch 1")
REASON = keccak(b"DSO re-read meter M-0042 for March")


def corrected_hash(name: str) -> bytes:
    return keccak(f"salted corrected readings of {name}".encode())


class Revision:
    """A revision's leaves (index, member, top-up, dataHash of the corrected data) and its commitment."""

    def __init__(self, leaves, extra, total, reason=REASON, dataset=CORRECTED, leaf_count=None):
        self.leaves = [(m.address, amount, h) for m, amount, h in leaves]
        self.tree = reward_tree(self.leaves)
        self.values = self.tree.values()
        self.commitment = (
            self.tree.root,
            dataset,
            len(self.leaves) if leaf_count is None else leaf_count,
            extra,
            total,
            reason,
        )

    def claim(self, index: int) -> tuple:
        return (*self.values[index], self.tree.proof(index))

    def batch(self, indexes) -> tuple:
        mp = self.tree.multiproof(indexes)
        return pack_leaves(mp.values), mp.proof, mp.proof_flags


def revision_info(notary, token, epoch, revision) -> SimpleNamespace:
    return SimpleNamespace(**notary.getRevision(token, epoch, revision).dict())


@pytest.fixture
def paid(notary, token, committed, payer):
    """Epoch 1 committed and paid whole (40 tokens)."""
    notary.pushRewards(token, 1, *committed.batch([0, 1, 2, 3, 4]), {"from": payer})
    return committed


@pytest.fixture
def revision1(alice, bob, carol, shop, hall):
    return Revision(
        [
            (alice, 3 * E18, corrected_hash("alice")),
            (bob, 0, corrected_hash("bob")),
            (carol, 0, corrected_hash("carol")),
            (shop, 0, corrected_hash("shop")),
            (hall, 1 * E18, corrected_hash("hall")),
        ],
        extra=4 * E18,
        total=42 * E18,
    )


def test_a_revision_is_recorded_beside_the_original_and_escrows_only_its_extra(notary, token, paid, revision1, oracle):
    original = epoch_info(notary, token, 1)
    tx = notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    ev = tx.events["RevisionCommitted"]
    assert (ev["community"], ev["epoch"], ev["revision"]) == (token, 1, 1)
    c = ev["commitment"]
    assert (c["merkleRoot"], c["datasetHash"], c["leafCount"], c["extraReward"], c["totalReward"], c["reasonHash"]) == (
        hx(revision1.tree.root),
        hx(CORRECTED),
        5,
        4 * E18,
        42 * E18,
        hx(REASON),
    )
    assert (ev["payableAt"], ev["claimDeadline"]) == (tx.timestamp, tx.timestamp + YEAR)
    # 40 paid from the first escrow; 4 more escrowed from the treasury
    assert [(t["from"], t["to"], t["value"]) for t in tx.events["Transfer"]] == [(token, notary, 4 * E18)]
    assert token.balanceOf(token) == TREASURY_AFTER_WELCOMES - 40 * E18 - 4 * E18 and token.rewardReserve() == 4 * E18
    r = revision_info(notary, token, 1, 1)
    assert (r.status, r.merkleRoot, r.leafCount, r.extraReward, r.paidTotal) == (
        COMMITTED,
        hx(revision1.tree.root),
        5,
        4 * E18,
        0,
    )
    assert (r.committedAt, r.payableAt, r.claimDeadline) == (tx.timestamp, tx.timestamp, tx.timestamp + YEAR)
    assert notary.revisionCount(token, 1) == 1
    # the original stays as it was, and its take-outs still verify
    assert epoch_info(notary, token, 1) == original
    assert notary.verifyTakeout(token, 1, *paid.claim(0))
    assert notary.verifyRevisionTakeout(token, 1, 1, *revision1.claim(0))
    assert not notary.verifyRevisionTakeout(token, 1, 1, *paid.claim(0))  # the original leaf is not the revision's
    assert not notary.verifyTakeout(token, 1, *revision1.claim(0))


def test_a_push_pays_exactly_the_top_ups_once(notary, token, paid, revision1, oracle, payer, alice, bob, hall):
    notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    before = [token.balanceOf(m) for m in (alice, bob, hall)]
    tx = notary.pushRevisionRewards(token, 1, 1, *revision1.batch([0, 1, 2, 3, 4]), {"from": payer})
    # alice +3, hall +1; bob's lower reward takes nothing back
    assert [token.balanceOf(m) - b for m, b in zip((alice, bob, hall), before)] == [3 * E18, 0, 1 * E18]
    assert [(t["from"], t["to"], t["value"]) for t in tx.events["Transfer"]] == [
        (notary, alice, 3 * E18),
        (notary, hall, 1 * E18),
    ]
    ev = tx.events["RevisionRewardsPushed"]
    assert (ev["epoch"], ev["revision"], ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (
        1,
        1,
        5,
        4 * E18,
        0,
        0,
    )
    assert "RewardsPushed" not in tx.events
    assert revision_info(notary, token, 1, 1).paidTotal == 4 * E18 and token.rewardReserve() == 0
    assert [notary.isRevisionPaid(token, 1, 1, i) for i in range(5)] == [True] * 5
    # a re-sent batch (a crash before the receipt was recorded) pays nobody twice
    again = notary.pushRevisionRewards(token, 1, 1, *revision1.batch([0, 4]), {"from": payer})
    assert again.events["RevisionRewardsPushed"]["alreadyPaid"] == 2 and "Transfer" not in again.events
    with reverts_with("AlreadyPaid", token, 1, 0):
        notary.claimRevision(token, 1, 1, *revision1.claim(0), {"from": alice})
    assert token.balanceOf(alice) == before[0] + 3 * E18


def test_a_member_claims_its_top_up_once_against_the_revision_root(
    notary, token, paid, revision1, oracle, payer, alice, outsider
):
    notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    before = token.balanceOf(alice)
    tx = notary.claimRevision(token, 1, 1, *revision1.claim(0), {"from": outsider})  # anyone sends, alice gets it
    ev = tx.events["RevisionRewardClaimed"]
    assert (ev["epoch"], ev["revision"], ev["member"], ev["index"], ev["amount"]) == (1, 1, alice, 0, 3 * E18)
    assert token.balanceOf(alice) == before + 3 * E18
    with reverts_with("AlreadyPaid", token, 1, 0):
        notary.claimRevision(token, 1, 1, *revision1.claim(0), {"from": alice})
    # the original's leaf cannot be claimed again through the revision, nor the revision's leaf through the original
    index, member, amount, data, proof = paid.claim(2)  # carol's original leaf, not paid in the revision
    with reverts_with("InvalidProof", index, member, amount, data):
        notary.claimRevision(token, 1, 1, index, member, amount, data, proof, {"from": alice})
    with reverts_with("AlreadyPaid", token, 1, 0):
        notary.claim(token, 1, *revision1.claim(0), {"from": alice})
    # a push after the claim skips alice's leaf
    tx = notary.pushRevisionRewards(token, 1, 1, *revision1.batch([0, 4]), {"from": payer})
    ev = tx.events["RevisionRewardsPushed"]
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"]) == (1, 1 * E18, 1)


def test_a_revision_never_pays_beyond_its_escrowed_extra(notary, token, paid, oracle, payer, alice, hall):
    # a stolen oracle key or a bug: leaves worth 3 + 1 but an extra of 2
    short = Revision(
        [(alice, 3 * E18, corrected_hash("alice")), (hall, 1 * E18, corrected_hash("hall"))], extra=2 * E18, total=0
    )
    notary.commitRevision(token, 1, 1, short.commitment, {"from": oracle})
    with reverts_with("ExceedsCommittedTotal", 0, 3 * E18, 2 * E18):
        notary.claimRevision(token, 1, 1, *short.claim(0), {"from": alice})
    with reverts_with("ExceedsCommittedTotal", 0, 4 * E18, 2 * E18):
        notary.pushRevisionRewards(token, 1, 1, *short.batch([0, 1]), {"from": payer})
    notary.claimRevision(token, 1, 1, *short.claim(1), {"from": hall})
    assert revision_info(notary, token, 1, 1).paidTotal == 1 * E18 and token.rewardReserve() == 1 * E18


def test_revisions_are_numbered_in_order_and_committed_once(notary, token, paid, revision1, oracle):
    with reverts_with("RevisionOutOfOrder", token, 1, 2, 1):
        notary.commitRevision(token, 1, 2, revision1.commitment, {"from": oracle})
    with reverts_with("RevisionOutOfOrder", token, 1, 0, 1):
        notary.commitRevision(token, 1, 0, revision1.commitment, {"from": oracle})
    notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    with reverts_with("RevisionAlreadyCommitted", token, 1, 1):
        notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    notary.commitRevision(token, 1, 2, revision1.commitment, {"from": oracle})
    assert notary.revisionCount(token, 1) == 2 and token.rewardReserve() == 8 * E18


def test_only_the_oracle_commits_a_revision(notary, token, paid, revision1, payer, platform_admin, community_admin):
    for account in (payer, platform_admin, community_admin):
        with reverts_with("AccessControlUnauthorizedAccount", account, hx(keccak(b"ORACLE"))):
            notary.commitRevision(token, 1, 1, revision1.commitment, {"from": account})


def test_only_the_payer_pushes_a_revision(notary, token, paid, revision1, oracle, alice):
    notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    for account in (oracle, alice):
        with reverts_with("AccessControlUnauthorizedAccount", account, hx(keccak(b"REWARD_PAYER"))):
            notary.pushRevisionRewards(token, 1, 1, *revision1.batch([0]), {"from": account})


def test_an_empty_or_unexplained_revision_is_refused(notary, token, paid, revision1, oracle, alice):
    root, dataset, count, extra, total, reason = revision1.commitment
    zero = b"\0" * 32
    for bad in (
        (zero, dataset, count, extra, total, reason),
        (root, zero, count, extra, total, reason),
        (root, dataset, 0, extra, total, reason),
    ):
        with reverts_with("EmptyCommitment"):
            notary.commitRevision(token, 1, 1, bad, {"from": oracle})
    with reverts_with("MissingReason"):
        notary.commitRevision(token, 1, 1, (root, dataset, count, extra, total, zero), {"from": oracle})
    with reverts_with("TooManyLeaves", 2**24, 2**24 - 1):
        notary.commitRevision(token, 1, 1, (root, dataset, 2**24, extra, total, reason), {"from": oracle})
    with reverts_with("TotalTooLarge", 2**96, 2**96 - 1):
        notary.commitRevision(token, 1, 1, (root, dataset, count, 2**96, total, reason), {"from": oracle})
    with reverts_with("TotalTooLarge", 2**96, 2**96 - 1):
        notary.commitRevision(token, 1, 1, (root, dataset, count, extra, 2**96, reason), {"from": oracle})
    with reverts_with("RewardAboveCeiling", REWARD_CEILING + 1, REWARD_CEILING):
        notary.commitRevision(token, 1, 1, (root, dataset, count, REWARD_CEILING + 1, total, reason), {"from": oracle})
    assert notary.revisionCount(token, 1) == 0 and token.rewardReserve() == 0


def test_a_revision_of_an_unknown_voided_or_released_epoch_is_refused(
    notary, token, committed, revision1, oracle, community_admin
):
    with reverts_with("UnknownEpoch", token, 2):
        notary.commitRevision(token, 2, 1, revision1.commitment, {"from": oracle})
    notary.voidEpoch(token, 1, keccak(b"wrong mapping"), {"from": community_admin})
    with reverts_with("EpochNotOpen", token, 1, VOIDED):
        notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})


def test_a_revision_after_the_claim_deadline_is_refused(notary, token, paid, revision1, oracle, community_admin):
    deadline = epoch_info(notary, token, 1).claimDeadline
    next_block_at(deadline)
    with reverts_with("ClaimWindowOver", deadline):
        notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    notary.releaseUnpaid(token, 1, {"from": community_admin})
    with reverts_with("EpochNotOpen", token, 1, RELEASED):
        notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})


def test_a_revision_one_second_before_the_claim_deadline_is_accepted(notary, token, paid, revision1, oracle):
    next_block_at(epoch_info(notary, token, 1).claimDeadline - 1)
    notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    assert notary.revisionCount(token, 1) == 1


def test_a_revision_waits_for_the_epochs_and_its_own_challenge_window(
    notary, token, model, oracle, payer, platform_admin, epoch1, revision1, alice
):
    notary.setChallengeWindow(DAY, {"from": platform_admin})
    tx = notary.commitEpoch(token, 1, epoch1.commitment, {"from": oracle})
    epoch_payable = tx.timestamp + DAY
    next_block_at(epoch_payable - 1)
    with reverts_with("ChallengeWindowOpen", epoch_payable):  # during it: void and commit again instead
        notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    next_block_at(epoch_payable)
    tx = notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    payable_at = tx.timestamp + DAY
    assert revision_info(notary, token, 1, 1).payableAt == payable_at
    next_block_at(payable_at - 1)
    with reverts_with("ChallengeWindowOpen", payable_at):
        notary.claimRevision(token, 1, 1, *revision1.claim(0), {"from": alice})
    next_block_at(payable_at)
    notary.pushRevisionRewards(token, 1, 1, *revision1.batch([0, 4]), {"from": payer})
    assert revision_info(notary, token, 1, 1).paidTotal == 4 * E18


def test_the_community_admin_voids_a_revision_in_its_challenge_window_and_the_next_takes_the_next_number(
    notary, token, paid, revision1, oracle, payer, community_admin, platform_admin, alice, outsider
):
    notary.setChallengeWindow(DAY, {"from": platform_admin})
    notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    with reverts_with("NotCommunityAdmin", token, outsider):
        notary.voidRevision(token, 1, 1, keccak(b"no"), {"from": outsider})
    reason = keccak(b"the DSO withdrew its correction")
    tx = notary.voidRevision(token, 1, 1, reason, {"from": community_admin})
    ev = tx.events["RevisionVoided"]
    assert (ev["epoch"], ev["revision"], ev["by"], ev["reasonHash"]) == (1, 1, community_admin, hx(reason))
    assert [(t["from"], t["to"], t["value"]) for t in tx.events["Transfer"]] == [(notary, token, 4 * E18)]
    assert token.rewardReserve() == 0
    r = revision_info(notary, token, 1, 1)
    assert (r.status, r.payableAt) == (VOIDED, 0)
    with reverts_with("RevisionNotOpen", token, 1, 1, VOIDED):
        notary.voidRevision(token, 1, 1, reason, {"from": community_admin})
    with reverts_with("EpochNotOpen", token, 1, VOIDED):
        notary.claimRevision(token, 1, 1, *revision1.claim(0), {"from": alice})
    with reverts_with("EpochNotOpen", token, 1, VOIDED):
        notary.pushRevisionRewards(token, 1, 1, *revision1.batch([0]), {"from": payer})
    assert notary.verifyRevisionTakeout(token, 1, 1, *revision1.claim(0))  # still on record for auditors
    notary.commitRevision(token, 1, 2, revision1.commitment, {"from": oracle})
    assert notary.revisionCount(token, 1) == 2 and revision_info(notary, token, 1, 2).status == COMMITTED


def test_a_revision_past_its_challenge_window_cannot_be_voided(
    notary, token, paid, revision1, oracle, community_admin, alice
):
    """Once it pays (or could pay) it stands: a wrong revision is corrected by the next one
    (test_revision_attacks.py tries a late void of a revision that pays nothing)."""
    tx = notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    notary.claimRevision(token, 1, 1, *revision1.claim(0), {"from": alice})
    with reverts_with("ChallengeWindowClosed", tx.timestamp):
        notary.voidRevision(token, 1, 1, keccak(b"late"), {"from": community_admin})


def test_a_revised_epoch_cannot_be_voided(notary, token, committed, revision1, oracle, community_admin, platform_admin):
    notary.setChallengeWindow(DAY, {"from": platform_admin})
    notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    with reverts_with("EpochRevised", token, 1, 1):
        notary.voidEpoch(token, 1, keccak(b"void under a revision"), {"from": community_admin})
    notary.voidRevision(token, 1, 1, keccak(b"first"), {"from": community_admin})
    with reverts_with("EpochRevised", token, 1, 1):  # its history stays: an epoch once revised is never voided
        notary.voidEpoch(token, 1, keccak(b"void under a revision"), {"from": community_admin})
    assert epoch_info(notary, token, 1).status == COMMITTED


def test_the_unpaid_rest_of_a_revision_is_released_after_its_own_deadline(
    notary, token, paid, revision1, oracle, community_admin, platform_admin, alice, hall, factory, token_admin
):
    tx = notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    notary.claimRevision(token, 1, 1, *revision1.claim(0), {"from": alice})
    deadline = tx.timestamp + YEAR
    stranger = create_community(factory, platform_admin, hall, token_admin, "Borgo Terzo", "BTER")
    assert stranger.hasRole(stranger.COMMUNITY_ADMIN_ROLE(), hall)
    with reverts_with("NotCommunityAdmin", token, hall):  # another community's admin
        notary.releaseRevisionUnpaid(token, 1, 1, {"from": hall})
    next_block_at(deadline - 1)
    with reverts_with("ClaimWindowOpen", deadline):
        notary.releaseRevisionUnpaid(token, 1, 1, {"from": community_admin})
    next_block_at(deadline)
    tx = notary.releaseRevisionUnpaid(token, 1, 1, {"from": community_admin})
    ev = tx.events["RevisionReleased"]
    assert (ev["epoch"], ev["revision"], ev["unpaid"]) == (1, 1, 1 * E18)  # hall's 1 never claimed
    assert token.rewardReserve() == 0
    assert revision_info(notary, token, 1, 1).status == RELEASED
    with reverts_with("EpochNotOpen", token, 1, RELEASED):
        notary.claimRevision(token, 1, 1, *revision1.claim(4), {"from": hall})


def test_a_removed_member_is_skipped_by_a_revision_push_and_claims_after_readmission(
    notary, token, paid, revision1, oracle, payer, community_admin, alice, hall
):
    notary.commitRevision(token, 1, 1, revision1.commitment, {"from": oracle})
    token.removeMember(hall, {"from": community_admin})
    tx = notary.pushRevisionRewards(token, 1, 1, *revision1.batch([0, 4]), {"from": payer})
    skipped = tx.events["RevisionRewardSkipped"]
    assert [(s["epoch"], s["revision"], s["member"], s["index"]) for s in skipped] == [(1, 1, hall, 4)]
    assert "RewardSkipped" not in tx.events
    assert tx.events["RevisionRewardsPushed"]["notMembers"] == 1 and not notary.isRevisionPaid(token, 1, 1, 4)
    token.addMember(hall, 2, 1, {"from": community_admin})
    before = token.balanceOf(hall)
    notary.claimRevision(token, 1, 1, *revision1.claim(4), {"from": hall})
    assert token.balanceOf(hall) == before + 1 * E18 and token.rewardReserve() == 0


def test_an_unknown_revision_is_named(notary, token, paid, revision1, oracle, payer, alice):
    with reverts_with("UnknownRevision", token, 1, 1):
        notary.getRevision(token, 1, 1)
    with reverts_with("UnknownRevision", token, 1, 1):
        notary.claimRevision(token, 1, 1, *revision1.claim(0), {"from": alice})
    with reverts_with("UnknownRevision", token, 1, 1):
        notary.pushRevisionRewards(token, 1, 1, *revision1.batch([0]), {"from": payer})
    with reverts_with("UnknownRevision", token, 1, 1):
        notary.verifyRevisionTakeout(token, 1, 1, *revision1.claim(0))


def test_original_welcome_balances_are_untouched_by_a_revision_of_zero_extra(
    notary, token, paid, oracle, payer, alice, bob, carol, shop, hall
):
    """A correction that only lowers rewards: nothing escrowed, nothing paid, the revision still on record."""
    lower = Revision(
        [(m, 0, corrected_hash(m.address)) for m in (alice, bob, carol, shop, hall)], extra=0, total=38 * E18
    )
    before = [token.balanceOf(m) for m in (alice, bob, carol, shop, hall)]
    tx = notary.commitRevision(token, 1, 1, lower.commitment, {"from": oracle})
    assert "Transfer" not in tx.events and token.rewardReserve() == 0
    notary.pushRevisionRewards(token, 1, 1, *lower.batch([0, 1, 2, 3, 4]), {"from": payer})
    assert [token.balanceOf(m) for m in (alice, bob, carol, shop, hall)] == before
    assert before == [
        WELCOME_CITIZEN + 10 * E18,
        WELCOME_CITIZEN + 20 * E18,
        WELCOME_CITIZEN,
        WELCOME_STAKEHOLDER + 55 * E18 // 10,
        WELCOME_STAKEHOLDER + 45 * E18 // 10,
    ]
