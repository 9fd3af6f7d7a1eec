"""ConsumptionNotary v2: commitments of past periods under the model that rules them, escrow, challenge window
and void, index-bound leaves paid once each (claims, multiproof batches), per-epoch claim deadline and release.

Leaf i of an epoch is (i, member, amount, dataHash) at position i of an unsorted StandardMerkleTree
(`oracle.merkle.reward_tree`). Unless a test says otherwise the challenge window is 0 (development settings),
so an epoch pays from the block that commits it.
"""

from types import SimpleNamespace

import pytest
from brownie import ZERO_ADDRESS, CommunityToken, ConsumptionNotary, accounts, chain, web3
from eth_utils import keccak, to_checksum_address

from oracle.merkle import pack_leaves

from .conftest import (
    CITIZEN,
    CONSUMER,
    DATASET,
    E18,
    REWARD_CEILING,
    SC,
    WELCOME_CITIZEN,
    WELCOME_STAKEHOLDER,
    Rewards,
    b32,
    create_community,
    data_hash,
    past_period,
    reverts_with,
)

PS = b32("peak_shaving")
DAY = 86_400
YEAR = 365 * DAY
COMMITTED, VOIDED, RELEASED = 1, 2, 3  # ConsumptionNotary.EpochStatus
ORACLE_ROLE = "0x" + keccak(b"ORACLE").hex()
PAYER_ROLE = "0x" + keccak(b"REWARD_PAYER").hex()
ADMIN_ROLE = "0x" + "00" * 32
# After the `token` fixture the treasury holds 1 000 000 − 3 × 100 − 2 × 500 (welcome bonuses) = 998 700 tokens.
TREASURY_AFTER_WELCOMES = 998_700 * E18


def hx(value: bytes) -> str:
    return "0x" + value.hex()


def epoch_info(notary, token, epoch) -> SimpleNamespace:
    """getEpoch, with its fields by name."""
    return SimpleNamespace(**notary.getEpoch(token, epoch).dict())


def next_block_at(timestamp: int) -> None:
    """The next transaction is mined in a block with exactly this timestamp."""
    answer = web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
    assert "error" not in answer, answer


def latest_timestamp() -> int:
    return web3.eth.get_block("latest")["timestamp"]


def balances(token, holders) -> list:
    return [token.balanceOf(h) for h in holders]


# -------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def period2(period1):
    """The 30 days right after period 1 (ended 10 days ago)."""
    return period1[1], period1[1] + 30 * DAY


@pytest.fixture
def members(alice, bob, carol, shop, hall):
    return [alice, bob, carol, shop, hall]


@pytest.fixture
def stranger_admin():
    """Community Admin of another community only."""
    return accounts.add()


# ---------------------------------------------------------------------- commit


def test_commit_records_the_epoch_and_escrows_its_total(notary, token, model, oracle, epoch1, period1):
    tx = notary.commitEpoch(token, 1, epoch1.commitment, {"from": oracle})
    e = epoch_info(notary, token, 1)
    assert (
        e.status,
        e.periodStart,
        e.periodEnd,
        e.merkleRoot,
        e.modelId,
        e.modelVersion,
        e.leafCount,
        e.totalReward,
        e.paidTotal,
    ) == (COMMITTED, period1[0], period1[1], epoch1.tree.root_hex, hx(SC), 1, 5, 40 * E18, 0)
    # challenge window 0: payable at once; claim window 365 days from then
    assert e.committedAt == e.payableAt == tx.timestamp and e.claimDeadline == tx.timestamp + YEAR
    ev = tx.events["EpochCommitted"]
    assert (ev["community"], ev["epoch"], ev["merkleRoot"]) == (token, 1, epoch1.tree.root_hex)
    assert list(ev["commitment"]) == [period1[0], period1[1], epoch1.tree.root_hex, hx(SC), 1, hx(DATASET), 5, 40 * E18]
    assert ev["payableAt"] == tx.timestamp and ev["claimDeadline"] == tx.timestamp + YEAR
    assert (notary.epochCount(token), notary.latestEpoch(token), notary.lastPeriodEnd(token)) == (1, 1, period1[1])
    # the 40 tokens move from the treasury into the notary's escrow
    assert [(t["from"], t["to"], t["value"]) for t in tx.events["Transfer"]] == [(token, notary, 40 * E18)]
    assert token.balanceOf(token) == TREASURY_AFTER_WELCOMES - 40 * E18
    assert token.balanceOf(notary) == token.rewardReserve() == 40 * E18
    assert notary.paidCount(token, 1) == 0


def test_only_the_oracle_commits(notary, token, model, oracle, payer, platform_admin, epoch1):
    with reverts_with("AccessControlUnauthorizedAccount", payer, ORACLE_ROLE):
        notary.commitEpoch(token, 1, epoch1.commitment, {"from": payer})
    with reverts_with("AccessControlUnauthorizedAccount", platform_admin, ORACLE_ROLE):
        notary.commitEpoch(token, 1, epoch1.commitment, {"from": platform_admin})
    assert notary.hasRole(ORACLE_ROLE, oracle) and not notary.hasRole(PAYER_ROLE, oracle)
    assert notary.hasRole(PAYER_ROLE, payer) and not notary.hasRole(ORACLE_ROLE, payer)
    assert notary.epochCount(token) == 0


def test_an_epoch_is_committed_once(notary, token, oracle, committed, alice, period2):
    other = Rewards([(alice, E18, data_hash("other"))], period2, total=E18)
    with reverts_with("EpochAlreadyCommitted", token, 1):
        notary.commitEpoch(token, 1, other.commitment, {"from": oracle})
    with reverts_with("EpochAlreadyCommitted", token, 1):
        notary.commitEpoch(token, 1, committed.commitment, {"from": oracle})
    assert epoch_info(notary, token, 1).merkleRoot == committed.tree.root_hex


def test_epochs_are_numbered_in_order(notary, token, model, oracle, epoch1):
    with reverts_with("EpochOutOfOrder", token, 0, 1):
        notary.commitEpoch(token, 0, epoch1.commitment, {"from": oracle})
    with reverts_with("EpochOutOfOrder", token, 2, 1):
        notary.commitEpoch(token, 2, epoch1.commitment, {"from": oracle})


def test_a_period_is_committed_only_once_it_is_over(notary, token, model, oracle, alice):
    now = latest_timestamp() + 100
    rewards = Rewards([(alice, E18, data_hash("alice"))], (now - DAY, now + 1), E18)
    next_block_at(now)
    with reverts_with("PeriodNotOver", now + 1, now):
        notary.commitEpoch(token, 1, rewards.commitment, {"from": oracle})
    # a period ending in the very second of the commit is over
    next_block_at(now + 1)
    notary.commitEpoch(token, 1, rewards.commitment, {"from": oracle})
    assert notary.epochCount(token) == 1


def test_a_period_must_be_valid_and_start_after_the_previous_one(notary, token, oracle, committed, alice, period1):
    end1 = period1[1]
    leaves = [(alice, E18, data_hash("alice-2"))]
    with reverts_with("InvalidPeriod", end1 + DAY, end1 + DAY):
        notary.commitEpoch(token, 2, Rewards(leaves, (end1 + DAY, end1 + DAY), E18).commitment, {"from": oracle})
    with reverts_with("PeriodOverlapsPrevious", end1 - 1, end1):
        notary.commitEpoch(token, 2, Rewards(leaves, (end1 - 1, end1 + DAY), E18).commitment, {"from": oracle})
    notary.commitEpoch(token, 2, Rewards(leaves, (end1, end1 + DAY), E18).commitment, {"from": oracle})
    assert (notary.epochCount(token), notary.lastPeriodEnd(token)) == (2, end1 + DAY)


def test_an_empty_commitment_is_refused(notary, token, model, oracle, epoch1):
    for field in (2, 5, 6):  # merkle root, dataset hash, leaf count
        bad = list(epoch1.commitment)
        bad[field] = 0 if field == 6 else b"\0" * 32
        with reverts_with("EmptyCommitment"):
            notary.commitEpoch(token, 1, bad, {"from": oracle})
    assert notary.epochCount(token) == 0


def test_leaf_count_and_total_are_bounded(notary, token, model, oracle, epoch1):
    too_many = list(epoch1.commitment)
    too_many[6] = 2**24  # indexes are packed in 24 bits
    with reverts_with("TooManyLeaves", 2**24, 2**24 - 1):
        notary.commitEpoch(token, 1, too_many, {"from": oracle})
    too_much = list(epoch1.commitment)
    too_much[7] = 2**96  # amounts are packed in 96 bits
    with reverts_with("TotalTooLarge", 2**96, 2**96 - 1):
        notary.commitEpoch(token, 1, too_much, {"from": oracle})
    most = list(epoch1.commitment)
    most[6] = 2**24 - 1
    notary.commitEpoch(token, 1, most, {"from": oracle})
    assert epoch_info(notary, token, 1).leafCount == 16_777_215


def test_commit_for_an_unknown_community_reverts(notary, model, oracle, epoch1, alice):
    with reverts_with("UnknownCommunity", alice):
        notary.commitEpoch(alice, 1, epoch1.commitment, {"from": oracle})


def test_commit_must_name_the_model_active_for_its_period(
    notary, registry, token, model, oracle, oracle_admin, alice, period1, period2
):
    # peak_shaving becomes the active model from the start of period 2
    registry.publishVersion(token, PS, [b32("beta")], [2_000_000], 0, {"from": oracle_admin})
    registry.setActiveModel(token, PS, period2[0], {"from": oracle_admin})
    leaves = [(alice, E18, data_hash("alice"))]
    with reverts_with("ModelNotActive", PS, SC):
        notary.commitEpoch(token, 1, Rewards(leaves, period1, E18, model=PS).commitment, {"from": oracle})
    notary.commitEpoch(token, 1, Rewards(leaves, period1, E18, model=SC).commitment, {"from": oracle})
    with reverts_with("ModelNotActive", SC, PS):
        notary.commitEpoch(token, 2, Rewards(leaves, period2, E18, model=SC).commitment, {"from": oracle})
    notary.commitEpoch(token, 2, Rewards(leaves, period2, E18, model=PS).commitment, {"from": oracle})
    assert (epoch_info(notary, token, 1).modelId, epoch_info(notary, token, 2).modelId) == (hx(SC), hx(PS))


def test_commit_must_name_the_version_that_rules_its_period(
    notary, registry, token, model, oracle, oracle_admin, alice, period1, period2
):
    # version 2 of self_consumption rules periods starting at or after the start of period 2
    registry.publishVersion(token, SC, [b32("alpha_consumer")], [3_000_000], period2[0], {"from": oracle_admin})
    leaves = [(alice, E18, data_hash("alice"))]
    with reverts_with("VersionNotApplicable", 2, 1):
        notary.commitEpoch(token, 1, Rewards(leaves, period1, E18, version=2).commitment, {"from": oracle})
    notary.commitEpoch(token, 1, Rewards(leaves, period1, E18, version=1).commitment, {"from": oracle})
    with reverts_with("VersionNotApplicable", 1, 2):
        notary.commitEpoch(token, 2, Rewards(leaves, period2, E18, version=1).commitment, {"from": oracle})
    notary.commitEpoch(token, 2, Rewards(leaves, period2, E18, version=2).commitment, {"from": oracle})
    assert (epoch_info(notary, token, 1).modelVersion, epoch_info(notary, token, 2).modelVersion) == (1, 2)


def test_commit_without_an_active_model_reverts(notary, bare_token, oracle, epoch1, period1):
    with reverts_with("NoActiveModel", bare_token, period1[0]):
        notary.commitEpoch(bare_token, 1, epoch1.commitment, {"from": oracle})


def test_commit_above_the_epoch_reward_ceiling_reverts(notary, token, model, oracle, alice, period1):
    # REWARD_CEILING is 100 000 tokens: one base unit more is refused, the ceiling itself is allowed
    over = Rewards([(alice, 100_000 * E18 + 1, data_hash("alice"))], period1, total=100_000 * E18 + 1)
    with reverts_with("RewardAboveCeiling", 100_000 * E18 + 1, REWARD_CEILING):
        notary.commitEpoch(token, 1, over.commitment, {"from": oracle})
    assert notary.epochCount(token) == 0 and token.balanceOf(notary) == 0
    at = Rewards([(alice, 100_000 * E18, data_hash("alice"))], period1, total=100_000 * E18)
    notary.commitEpoch(token, 1, at.commitment, {"from": oracle})
    assert token.rewardReserve() == 100_000 * E18


def test_commit_beyond_the_treasury_reverts_whole(notary, token, model, oracle, token_admin, alice, period1):
    token.setEpochRewardCeiling(10**6 * E18, {"from": token_admin})
    huge = Rewards([(alice, 998_701 * E18, data_hash("alice"))], period1, total=998_701 * E18)
    with reverts_with("TreasuryInsufficient", TREASURY_AFTER_WELCOMES, 998_701 * E18):
        notary.commitEpoch(token, 1, huge.commitment, {"from": oracle})
    assert notary.epochCount(token) == 0 and token.balanceOf(notary) == 0
    assert token.balanceOf(token) == TREASURY_AFTER_WELCOMES


def test_escrowed_rewards_are_not_spendable_by_the_treasury(
    notary, token, model, oracle, token_admin, community_admin, alice, period1
):
    # escrow all but 50 tokens: a welcome bonus of 100 no longer fits
    token.setEpochRewardCeiling(10**6 * E18, {"from": token_admin})
    notary.commitEpoch(
        token,
        1,
        Rewards([(alice, 998_650 * E18, data_hash("alice"))], period1, total=998_650 * E18).commitment,
        {"from": oracle},
    )
    with reverts_with("TreasuryInsufficient", 50 * E18, WELCOME_CITIZEN):
        token.addMember(accounts.add(), CITIZEN, CONSUMER, {"from": community_admin})


def test_a_commit_escrows_while_the_token_is_paused(
    notary, token, model, oracle, platform_admin, committed, period2, alice
):
    token.pause({"from": platform_admin})
    notary.commitEpoch(
        token, 2, Rewards([(alice, 7 * E18, data_hash("a2"))], period2, 7 * E18).commitment, {"from": oracle}
    )
    assert token.rewardReserve() == 47 * E18  # 40 of epoch 1 + 7


# ------------------------------------------------------------ challenge window


def test_challenge_window_is_set_by_the_platform_admin_up_to_seven_days(notary, platform_admin, alice):
    tx = notary.setChallengeWindow(7 * DAY, {"from": platform_admin})
    assert tx.events["ChallengeWindowSet"]["challengeWindow"] == 604_800 == notary.challengeWindow()
    with reverts_with("ChallengeWindowOutOfRange", 604_801, 604_800):
        notary.setChallengeWindow(7 * DAY + 1, {"from": platform_admin})
    with reverts_with("AccessControlUnauthorizedAccount", alice, ADMIN_ROLE):
        notary.setChallengeWindow(0, {"from": alice})
    assert notary.challengeWindow() == 604_800


def test_a_notary_is_not_deployed_with_a_challenge_window_over_seven_days(
    platform_admin, oracle, payer, factory, registry
):
    with reverts_with("ChallengeWindowOutOfRange", 604_801, 604_800):
        ConsumptionNotary.deploy(
            platform_admin, oracle, payer, factory, registry, 7 * DAY + 1, {"from": platform_admin}
        )
    with reverts_with("ZeroAddress"):
        ConsumptionNotary.deploy(platform_admin, oracle, ZERO_ADDRESS, factory, registry, 0, {"from": platform_admin})


def test_nothing_is_paid_before_the_challenge_window_ends(
    notary, token, model, oracle, payer, platform_admin, epoch1, alice
):
    notary.setChallengeWindow(DAY, {"from": platform_admin})
    tx = notary.commitEpoch(token, 1, epoch1.commitment, {"from": oracle})
    payable_at = tx.timestamp + DAY
    e = epoch_info(notary, token, 1)
    assert (e.payableAt, e.claimDeadline) == (payable_at, payable_at + YEAR)
    assert tx.events["EpochCommitted"]["payableAt"] == payable_at
    next_block_at(payable_at - 2)
    with reverts_with("ChallengeWindowOpen", payable_at):
        notary.claim(token, 1, *epoch1.claim(0), {"from": alice})
    next_block_at(payable_at - 1)
    with reverts_with("ChallengeWindowOpen", payable_at):
        notary.pushRewards(token, 1, *epoch1.batch([0, 1]), {"from": payer})
    next_block_at(payable_at)
    notary.claim(token, 1, *epoch1.claim(0), {"from": alice})
    notary.pushRewards(token, 1, *epoch1.batch([1, 2, 3, 4]), {"from": payer})
    assert epoch_info(notary, token, 1).paidTotal == 40 * E18


def test_a_new_challenge_window_does_not_move_committed_epochs(
    notary, token, model, oracle, platform_admin, epoch1, alice
):
    notary.setChallengeWindow(DAY, {"from": platform_admin})
    tx = notary.commitEpoch(token, 1, epoch1.commitment, {"from": oracle})
    notary.setChallengeWindow(0, {"from": platform_admin})
    with reverts_with("ChallengeWindowOpen", tx.timestamp + DAY):
        notary.claim(token, 1, *epoch1.claim(0), {"from": alice})


# ------------------------------------------------------------------------ void


def test_the_community_admin_voids_an_epoch_during_the_challenge_window(
    notary, token, model, oracle, platform_admin, community_admin, epoch1, alice, payer
):
    notary.setChallengeWindow(DAY, {"from": platform_admin})
    notary.commitEpoch(token, 1, epoch1.commitment, {"from": oracle})
    reason = keccak(b"wrong meter mapping")
    tx = notary.voidEpoch(token, 1, reason, {"from": community_admin})
    ev = tx.events["EpochVoided"]
    assert (ev["community"], ev["epoch"], ev["by"], ev["reasonHash"]) == (token, 1, community_admin, hx(reason))
    # the whole escrow returns to the treasury
    assert [(t["from"], t["to"], t["value"]) for t in tx.events["Transfer"]] == [(notary, token, 40 * E18)]
    assert token.balanceOf(token) == TREASURY_AFTER_WELCOMES and token.balanceOf(notary) == 0
    e = epoch_info(notary, token, 1)
    assert (e.status, e.payableAt, e.paidTotal) == (VOIDED, 0, 0)
    assert (notary.epochCount(token), notary.latestEpoch(token), notary.lastPeriodEnd(token)) == (1, 0, 0)
    # it pays nothing, even after its challenge window
    chain.sleep(2 * DAY)
    with reverts_with("EpochNotOpen", token, 1, VOIDED):
        notary.claim(token, 1, *epoch1.claim(0), {"from": alice})
    with reverts_with("EpochNotOpen", token, 1, VOIDED):
        notary.pushRewards(token, 1, *epoch1.batch([0, 1]), {"from": payer})
    with reverts_with("EpochNotOpen", token, 1, VOIDED):
        notary.voidEpoch(token, 1, reason, {"from": community_admin})
    chain.sleep(YEAR)
    with reverts_with("EpochNotOpen", token, 1, VOIDED):
        notary.releaseUnpaid(token, 1, {"from": community_admin})
    # its root stays on record for auditors
    assert notary.verifyTakeout(token, 1, *epoch1.claim(0))


def test_the_platform_admin_may_void_and_nobody_else(
    notary, token, committed, platform_admin, oracle, payer, alice, factory, stranger_admin, token_admin
):
    other = create_community(factory, platform_admin, stranger_admin, token_admin, "Borgo Altro", "BALT")
    assert other.hasRole(other.COMMUNITY_ADMIN_ROLE(), stranger_admin)
    for account in (oracle, payer, alice, stranger_admin):
        with reverts_with("NotCommunityAdmin", token, account):
            notary.voidEpoch(token, 1, keccak(b"no"), {"from": account})
    tx = notary.voidEpoch(token, 1, keccak(b"stolen oracle key"), {"from": platform_admin})
    assert tx.events["EpochVoided"]["by"] == platform_admin
    assert epoch_info(notary, token, 1).status == VOIDED


def test_an_epoch_with_a_payment_cannot_be_voided(notary, token, committed, community_admin, alice):
    notary.claim(token, 1, *committed.claim(0), {"from": alice})
    with reverts_with("EpochAlreadyPaid", token, 1, 10 * E18):
        notary.voidEpoch(token, 1, keccak(b"too late"), {"from": community_admin})
    assert epoch_info(notary, token, 1).status == COMMITTED and token.rewardReserve() == 30 * E18


def test_an_unpaid_epoch_may_be_voided_after_its_challenge_window(notary, token, committed, community_admin):
    chain.sleep(30 * DAY)
    notary.voidEpoch(token, 1, keccak(b"late audit"), {"from": community_admin})
    assert epoch_info(notary, token, 1).status == VOIDED and token.rewardReserve() == 0


def test_an_unknown_epoch_cannot_be_voided(notary, token, committed, community_admin):
    with reverts_with("UnknownEpoch", token, 2):
        notary.voidEpoch(token, 2, keccak(b"?"), {"from": community_admin})


def test_voiding_the_latest_epoch_lets_its_period_be_committed_again(
    notary, token, committed, oracle, community_admin, alice, bob, period1
):
    notary.voidEpoch(token, 1, keccak(b"wrong root"), {"from": community_admin})
    corrected = Rewards(
        [(alice, 12 * E18, data_hash("alice")), (bob, 18 * E18, data_hash("bob"))], period1, total=30 * E18
    )
    with reverts_with("EpochAlreadyCommitted", token, 1):
        notary.commitEpoch(token, 1, corrected.commitment, {"from": oracle})
    notary.commitEpoch(token, 2, corrected.commitment, {"from": oracle})
    assert (notary.epochCount(token), notary.latestEpoch(token), notary.lastPeriodEnd(token)) == (2, 2, period1[1])
    assert token.rewardReserve() == 30 * E18
    notary.claim(token, 2, *corrected.claim(0), {"from": alice})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 12 * E18


def test_voiding_skips_voided_epochs_to_find_the_previous_period(
    notary, token, oracle, community_admin, committed, alice, period1, period2
):
    leaves = [(alice, E18, data_hash("alice"))]
    notary.commitEpoch(token, 2, Rewards(leaves, period2, E18).commitment, {"from": oracle})
    # voiding an older epoch leaves the latest one as the bound of the next period
    notary.voidEpoch(token, 1, keccak(b"1"), {"from": community_admin})
    assert (notary.latestEpoch(token), notary.lastPeriodEnd(token)) == (2, period2[1])
    with reverts_with("PeriodOverlapsPrevious", period1[0], period2[1]):
        notary.commitEpoch(token, 3, Rewards(leaves, period1, E18).commitment, {"from": oracle})
    # voiding epoch 2 as well: epoch 1 is voided too, so no period bounds the next commit
    notary.voidEpoch(token, 2, keccak(b"2"), {"from": community_admin})
    assert (notary.latestEpoch(token), notary.lastPeriodEnd(token)) == (0, 0)
    notary.commitEpoch(token, 3, Rewards(leaves, period1, E18).commitment, {"from": oracle})
    assert (notary.latestEpoch(token), notary.lastPeriodEnd(token)) == (3, period1[1])


def test_voiding_the_latest_epoch_falls_back_to_the_one_before(
    notary, token, oracle, community_admin, committed, alice, period1, period2
):
    notary.commitEpoch(token, 2, Rewards([(alice, E18, data_hash("a"))], period2, E18).commitment, {"from": oracle})
    notary.voidEpoch(token, 2, keccak(b"2"), {"from": community_admin})
    assert (notary.latestEpoch(token), notary.lastPeriodEnd(token)) == (1, period1[1])
    with reverts_with("PeriodOverlapsPrevious", period1[0], period1[1]):
        notary.commitEpoch(token, 3, Rewards([(alice, E18, data_hash("b"))], period1, E18).commitment, {"from": oracle})


# --------------------------------------------------------- claim window, release


def test_claim_window_is_set_between_30_and_3650_days(notary, platform_admin, alice):
    tx = notary.setClaimWindow(30 * DAY, {"from": platform_admin})
    assert tx.events["ClaimWindowSet"]["claimWindow"] == 2_592_000 == notary.claimWindow()
    notary.setClaimWindow(3650 * DAY, {"from": platform_admin})
    assert notary.claimWindow() == 315_360_000
    with reverts_with("ClaimWindowOutOfRange", 2_591_999, 2_592_000, 315_360_000):
        notary.setClaimWindow(30 * DAY - 1, {"from": platform_admin})
    with reverts_with("ClaimWindowOutOfRange", 315_360_001, 2_592_000, 315_360_000):
        notary.setClaimWindow(3650 * DAY + 1, {"from": platform_admin})
    with reverts_with("AccessControlUnauthorizedAccount", alice, ADMIN_ROLE):
        notary.setClaimWindow(60 * DAY, {"from": alice})


def test_release_returns_the_unpaid_rest_after_the_deadline(
    notary, token, committed, community_admin, alice, bob, payer
):
    notary.claim(token, 1, *committed.claim(0), {"from": alice})
    deadline = epoch_info(notary, token, 1).claimDeadline
    with reverts_with("ClaimWindowOpen", deadline):
        notary.releaseUnpaid(token, 1, {"from": community_admin})
    with reverts_with("NotCommunityAdmin", token, alice):
        notary.releaseUnpaid(token, 1, {"from": alice})
    next_block_at(deadline - 1)
    with reverts_with("ClaimWindowOpen", deadline):
        notary.releaseUnpaid(token, 1, {"from": community_admin})
    next_block_at(deadline)
    tx = notary.releaseUnpaid(token, 1, {"from": community_admin})
    # 40 committed − 10 claimed by alice = 30 back to the treasury
    ev = tx.events["EpochReleased"]
    assert (ev["community"], ev["epoch"], ev["unpaid"]) == (token, 1, 30 * E18)
    assert token.balanceOf(token) == TREASURY_AFTER_WELCOMES - 10 * E18 and token.balanceOf(notary) == 0
    e = epoch_info(notary, token, 1)
    assert (e.status, e.payableAt, e.paidTotal) == (RELEASED, 0, 10 * E18)
    with reverts_with("EpochNotOpen", token, 1, RELEASED):
        notary.claim(token, 1, *committed.claim(1), {"from": bob})
    with reverts_with("EpochNotOpen", token, 1, RELEASED):
        notary.pushRewards(token, 1, *committed.batch([1]), {"from": payer})
    with reverts_with("EpochNotOpen", token, 1, RELEASED):
        notary.releaseUnpaid(token, 1, {"from": community_admin})
    with reverts_with("EpochNotOpen", token, 1, RELEASED):
        notary.voidEpoch(token, 1, keccak(b"late"), {"from": community_admin})


def test_claims_still_pay_after_the_deadline_until_the_rest_is_released(notary, token, committed, community_admin, bob):
    chain.sleep(YEAR + 1)
    notary.claim(token, 1, *committed.claim(1), {"from": bob})
    tx = notary.releaseUnpaid(token, 1, {"from": community_admin})
    assert tx.events["EpochReleased"]["unpaid"] == 20 * E18  # 40 − bob's 20
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 20 * E18


def test_the_platform_admin_may_release(notary, token, committed, platform_admin):
    chain.sleep(YEAR + 1)
    tx = notary.releaseUnpaid(token, 1, {"from": platform_admin})
    assert tx.events["EpochReleased"]["unpaid"] == 40 * E18


def test_a_released_epoch_still_bounds_the_next_period(
    notary, token, committed, community_admin, oracle, alice, period1
):
    chain.sleep(YEAR + 1)
    notary.releaseUnpaid(token, 1, {"from": community_admin})
    assert (notary.latestEpoch(token), notary.lastPeriodEnd(token)) == (1, period1[1])
    with reverts_with("PeriodOverlapsPrevious", period1[0], period1[1]):
        notary.commitEpoch(token, 2, Rewards([(alice, E18, data_hash("x"))], period1, E18).commitment, {"from": oracle})


def test_a_new_claim_window_does_not_move_committed_deadlines(
    notary, token, committed, oracle, platform_admin, community_admin, alice, period2
):
    deadline1 = epoch_info(notary, token, 1).claimDeadline
    notary.setClaimWindow(30 * DAY, {"from": platform_admin})
    tx = notary.commitEpoch(
        token, 2, Rewards([(alice, E18, data_hash("a2"))], period2, E18).commitment, {"from": oracle}
    )
    assert epoch_info(notary, token, 1).claimDeadline == deadline1
    assert epoch_info(notary, token, 2).claimDeadline == tx.timestamp + 30 * DAY
    next_block_at(tx.timestamp + 30 * DAY)
    notary.releaseUnpaid(token, 2, {"from": community_admin})
    with reverts_with("ClaimWindowOpen", deadline1):
        notary.releaseUnpaid(token, 1, {"from": community_admin})
    assert token.rewardReserve() == 40 * E18


# ---------------------------------------------------------------------- takeout


def test_takeout_proof_verifies_every_leaf(notary, token, committed):
    for index, (_, member, amount, h) in enumerate(committed.values):
        assert notary.verifyTakeout(token, 1, *committed.claim(index))
        assert notary.leafHash(index, member, amount, h) == hx(committed.tree.leaf(index))


def test_takeout_rejects_altered_data(notary, token, committed, alice, bob):
    index, member, amount, h, proof = committed.claim(0)
    assert not notary.verifyTakeout(token, 1, index, member, amount + 1, h, proof)
    assert not notary.verifyTakeout(token, 1, index, member, amount, keccak(b"other data"), proof)
    assert not notary.verifyTakeout(token, 1, index, bob, amount, h, proof)
    assert not notary.verifyTakeout(token, 1, 1, member, amount, h, proof)  # the same leaf at another index
    assert not notary.verifyTakeout(token, 1, index, member, amount, h, proof[1:])
    with reverts_with("UnknownEpoch", token, 2):
        notary.verifyTakeout(token, 2, index, member, amount, h, proof)


# ----------------------------------------------------------------------- claims


def test_a_member_claims_its_leaf_once(notary, token, committed, alice):
    tx = notary.claim(token, 1, *committed.claim(0), {"from": alice})
    ev = tx.events["RewardClaimed"]
    assert (ev["community"], ev["epoch"], ev["member"], ev["index"], ev["amount"]) == (token, 1, alice, 0, 10 * E18)
    assert [(t["from"], t["to"], t["value"]) for t in tx.events["Transfer"]] == [(notary, alice, 10 * E18)]
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 10 * E18
    assert notary.isPaid(token, 1, 0) and not notary.isPaid(token, 1, 1)
    assert notary.paidCount(token, 1) == 1 and epoch_info(notary, token, 1).paidTotal == 10 * E18
    assert token.rewardReserve() == 30 * E18
    with reverts_with("AlreadyPaid", token, 1, 0):
        notary.claim(token, 1, *committed.claim(0), {"from": alice})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 10 * E18


def test_anyone_may_send_a_claim_but_tokens_go_to_the_member(notary, token, committed, bob, outsider):
    notary.claim(token, 1, *committed.claim(1), {"from": outsider})
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 20 * E18
    assert token.balanceOf(outsider) == 0


def test_a_claim_with_a_wrong_leaf_or_proof_reverts(notary, token, committed, alice, bob):
    index, member, amount, h, proof = committed.claim(0)
    with reverts_with("InvalidProof", 0, alice, 10 * E18 + 1, hx(h)):
        notary.claim(token, 1, index, member, amount + 1, h, proof, {"from": alice})
    with reverts_with("InvalidProof", 0, bob, 10 * E18, hx(h)):
        notary.claim(token, 1, index, bob, amount, h, proof, {"from": bob})
    with reverts_with("InvalidProof", 0, alice, 10 * E18, hx(data_hash("forged"))):
        notary.claim(token, 1, index, member, amount, data_hash("forged"), proof, {"from": alice})
    # alice's leaf presented at bob's index: the index is part of the leaf
    with reverts_with("InvalidProof", 1, alice, 10 * E18, hx(h)):
        notary.claim(token, 1, 1, member, amount, h, proof, {"from": alice})
    with reverts_with("InvalidProof", 0, alice, 10 * E18, hx(h)):
        notary.claim(token, 1, index, member, amount, h, committed.tree.proof(1), {"from": alice})
    assert notary.paidCount(token, 1) == 0 and token.rewardReserve() == 40 * E18


def test_a_claim_beyond_the_committed_leaf_count_reverts(notary, token, model, oracle, alice, bob, period1):
    # a tree of two leaves committed as one: leaf 1 has a valid proof but is outside the commitment
    rewards = Rewards([(alice, E18, data_hash("a")), (bob, E18, data_hash("b"))], period1, 2 * E18, leaf_count=1)
    notary.commitEpoch(token, 1, rewards.commitment, {"from": oracle})
    assert notary.verifyTakeout(token, 1, *rewards.claim(1))
    with reverts_with("IndexOutOfRange", 1, 1):
        notary.claim(token, 1, *rewards.claim(1), {"from": bob})
    notary.claim(token, 1, *rewards.claim(0), {"from": alice})
    assert notary.paidCount(token, 1) == 1


def test_a_claim_of_an_unknown_epoch_reverts(notary, token, committed, alice):
    with reverts_with("UnknownEpoch", token, 9):
        notary.claim(token, 9, *committed.claim(0), {"from": alice})
    with reverts_with("UnknownEpoch", token, 9):
        notary.getEpoch(token, 9)
    with reverts_with("UnknownEpoch", token, 9):
        notary.paidCount(token, 9)


def test_a_zero_reward_leaf_is_marked_paid_without_a_transfer(notary, token, committed, carol):
    tx = notary.claim(token, 1, *committed.claim(2), {"from": carol})
    assert "Transfer" not in tx.events and tx.events["RewardClaimed"]["amount"] == 0
    assert notary.isPaid(token, 1, 2) and token.balanceOf(carol) == WELCOME_CITIZEN


def test_claims_never_exceed_the_committed_total(notary, token, model, oracle, alice, bob, carol, period1, period2):
    # an inconsistent commitment (leaves sum to 60, total says 40) while the notary also holds epoch 2's 100
    bad = Rewards([(alice, 30 * E18, data_hash("a")), (bob, 30 * E18, data_hash("b"))], period1, total=40 * E18)
    notary.commitEpoch(token, 1, bad.commitment, {"from": oracle})
    notary.commitEpoch(
        token, 2, Rewards([(carol, 100 * E18, data_hash("c"))], period2, 100 * E18).commitment, {"from": oracle}
    )
    notary.claim(token, 1, *bad.claim(0), {"from": alice})
    with reverts_with("ExceedsCommittedTotal", 30 * E18, 30 * E18, 40 * E18):
        notary.claim(token, 1, *bad.claim(1), {"from": bob})
    assert token.balanceOf(bob) == WELCOME_CITIZEN and token.rewardReserve() == 110 * E18


def test_pushes_never_exceed_the_committed_total(
    notary, token, model, oracle, payer, alice, bob, carol, period1, period2
):
    bad = Rewards([(alice, 30 * E18, data_hash("a")), (bob, 30 * E18, data_hash("b"))], period1, total=40 * E18)
    notary.commitEpoch(token, 1, bad.commitment, {"from": oracle})
    notary.commitEpoch(
        token, 2, Rewards([(carol, 100 * E18, data_hash("c"))], period2, 100 * E18).commitment, {"from": oracle}
    )
    with reverts_with("ExceedsCommittedTotal", 0, 60 * E18, 40 * E18):
        notary.pushRewards(token, 1, *bad.batch([0, 1]), {"from": payer})
    notary.pushRewards(token, 1, *bad.batch([0]), {"from": payer})
    with reverts_with("ExceedsCommittedTotal", 30 * E18, 30 * E18, 40 * E18):
        notary.pushRewards(token, 1, *bad.batch([1]), {"from": payer})
    assert balances(token, [alice, bob]) == [WELCOME_CITIZEN + 30 * E18, WELCOME_CITIZEN]
    assert token.rewardReserve() == 110 * E18


def test_a_claim_while_the_token_is_paused_reverts(notary, token, committed, platform_admin, alice):
    token.pause({"from": platform_admin})
    with reverts_with("EnforcedPause"):
        notary.claim(token, 1, *committed.claim(0), {"from": alice})
    assert not notary.isPaid(token, 1, 0)
    token.unpause({"from": platform_admin})
    notary.claim(token, 1, *committed.claim(0), {"from": alice})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 10 * E18


def test_a_removed_member_claims_after_readmission(notary, token, committed, community_admin, alice):
    token.removeMember(alice, {"from": community_admin})
    with reverts_with("ReceiverNotMember", alice):
        notary.claim(token, 1, *committed.claim(0), {"from": alice})
    assert not notary.isPaid(token, 1, 0)
    token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})  # welcomed already: no second bonus
    notary.claim(token, 1, *committed.claim(0), {"from": alice})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 10 * E18


def test_the_zero_address_and_the_token_itself_are_never_paid(notary, token, model, oracle, payer, alice, period1):
    rewards = Rewards(
        [
            (ZERO_ADDRESS, 3 * E18, data_hash("nobody")),
            (token, 4 * E18, data_hash("treasury")),
            (notary, 2 * E18, data_hash("notary")),
            (alice, E18, data_hash("alice")),
        ],
        period1,
        total=10 * E18,
    )
    notary.commitEpoch(token, 1, rewards.commitment, {"from": oracle})
    with reverts_with("ReceiverNotMember", ZERO_ADDRESS):
        notary.claim(token, 1, *rewards.claim(0), {"from": alice})
    with reverts_with("ReceiverNotMember", token):
        notary.claim(token, 1, *rewards.claim(1), {"from": alice})
    with reverts_with("ReceiverNotMember", notary):
        notary.claim(token, 1, *rewards.claim(2), {"from": alice})
    tx = notary.pushRewards(token, 1, *rewards.batch([0, 1, 2, 3]), {"from": payer})
    assert [(e["member"], e["index"]) for e in tx.events["RewardSkipped"]] == [
        (ZERO_ADDRESS, 0),
        (token, 1),
        (notary, 2),
    ]
    ev = tx.events["RewardsPushed"]
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (1, E18, 0, 3)
    assert [notary.isPaid(token, 1, i) for i in range(4)] == [False, False, False, True]
    # 10 escrowed − 1 paid to alice; the treasury got nothing from the escrow
    assert token.balanceOf(notary) == 9 * E18 and token.balanceOf(token) == TREASURY_AFTER_WELCOMES - 10 * E18


def test_a_zero_reward_of_a_non_member_is_not_marked_paid_either(
    notary, token, model, oracle, payer, community_admin, alice, bob, period1
):
    rewards = Rewards(
        [
            (ZERO_ADDRESS, 0, data_hash("nobody")),
            (token, 0, data_hash("treasury")),
            (bob, 0, data_hash("bob")),
            (alice, E18, data_hash("alice")),
        ],
        period1,
        total=E18,
    )
    notary.commitEpoch(token, 1, rewards.commitment, {"from": oracle})
    token.removeMember(bob, {"from": community_admin})
    with reverts_with("ReceiverNotMember", ZERO_ADDRESS):
        notary.claim(token, 1, *rewards.claim(0), {"from": alice})
    tx = notary.pushRewards(token, 1, *rewards.batch([1, 2, 3]), {"from": payer})
    assert [(e["member"], e["index"]) for e in tx.events["RewardSkipped"]] == [(token, 1), (bob, 2)]
    assert [notary.isPaid(token, 1, i) for i in range(4)] == [False, False, False, True]


def test_a_member_listed_twice_is_paid_each_leaf_once(notary, token, model, oracle, payer, alice, bob, period1):
    # alice at indexes 0 and 2 (e.g. two meters reported apart): 10 + 20 + 5 = 35 tokens
    rewards = Rewards(
        [
            (alice, 10 * E18, data_hash("alice meter 1")),
            (bob, 20 * E18, data_hash("bob")),
            (alice, 5 * E18, data_hash("alice meter 2")),
        ],
        period1,
        total=35 * E18,
    )
    notary.commitEpoch(token, 1, rewards.commitment, {"from": oracle})
    notary.claim(token, 1, *rewards.claim(2), {"from": alice})
    with reverts_with("AlreadyPaid", token, 1, 2):
        notary.claim(token, 1, *rewards.claim(2), {"from": alice})
    tx = notary.pushRewards(token, 1, *rewards.batch([0, 1, 2]), {"from": payer})
    ev = tx.events["RewardsPushed"]
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"]) == (2, 30 * E18, 1)
    assert balances(token, [alice, bob]) == [WELCOME_CITIZEN + 15 * E18, WELCOME_CITIZEN + 20 * E18]
    e = epoch_info(notary, token, 1)
    assert (e.paidTotal, notary.paidCount(token, 1), token.balanceOf(notary)) == (35 * E18, 3, 0)
    tx = notary.pushRewards(token, 1, *rewards.batch([0, 2]), {"from": payer})
    assert tx.events["RewardsPushed"]["alreadyPaid"] == 2 and "Transfer" not in tx.events


# ----------------------------------------------------------------------- pushes


def test_only_the_payer_pushes(notary, token, committed, oracle, platform_admin, alice):
    for account in (oracle, platform_admin, alice):
        with reverts_with("AccessControlUnauthorizedAccount", account, PAYER_ROLE):
            notary.pushRewards(token, 1, *committed.batch([0]), {"from": account})


def test_the_payer_pushes_a_whole_epoch_in_one_batch(notary, token, committed, payer, members):
    tx = notary.pushRewards(token, 1, *committed.batch([0, 1, 2, 3, 4]), {"from": payer})
    assert balances(token, members) == [
        WELCOME_CITIZEN + 10 * E18,
        WELCOME_CITIZEN + 20 * E18,
        WELCOME_CITIZEN,
        WELCOME_STAKEHOLDER + 55 * E18 // 10,
        WELCOME_STAKEHOLDER + 45 * E18 // 10,
    ]
    ev = tx.events["RewardsPushed"]
    assert (ev["community"], ev["epoch"], ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (
        token,
        1,
        5,
        40 * E18,
        0,
        0,
    )
    # one ERC-20 Transfer per non-zero reward, all from the escrow
    m = members
    assert [(t["from"], t["to"], t["value"]) for t in tx.events["Transfer"]] == [
        (notary, m[0], 10 * E18),
        (notary, m[1], 20 * E18),
        (notary, m[3], 55 * E18 // 10),
        (notary, m[4], 45 * E18 // 10),
    ]
    assert "RewardClaimed" not in tx.events and "RewardSkipped" not in tx.events
    assert notary.paidCount(token, 1) == 5 and epoch_info(notary, token, 1).paidTotal == 40 * E18
    assert token.rewardReserve() == 0


def test_a_batch_with_a_removed_member_pays_the_others_and_the_member_claims_after_readmission(
    notary, token, committed, payer, community_admin, members, bob
):
    token.removeMember(bob, {"from": community_admin})
    tx = notary.pushRewards(token, 1, *committed.batch([0, 1, 2, 3, 4]), {"from": payer})
    skipped = tx.events["RewardSkipped"]
    assert len(skipped) == 1
    assert (skipped[0]["community"], skipped[0]["epoch"], skipped[0]["member"], skipped[0]["index"]) == (
        token,
        1,
        bob,
        1,
    )
    ev = tx.events["RewardsPushed"]
    # 10 + 0 + 5.5 + 4.5 = 20 tokens to the four active members
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (4, 20 * E18, 0, 1)
    assert [notary.isPaid(token, 1, i) for i in range(5)] == [True, False, True, True, True]
    assert token.balanceOf(bob) == WELCOME_CITIZEN and token.rewardReserve() == 20 * E18
    token.addMember(bob, CITIZEN, CONSUMER, {"from": community_admin})
    tx = notary.claim(token, 1, *committed.claim(1), {"from": bob})
    assert tx.events["RewardClaimed"]["amount"] == 20 * E18
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 20 * E18 and token.rewardReserve() == 0


def test_a_readmitted_member_is_paid_by_the_next_push(notary, token, committed, payer, community_admin, bob):
    token.removeMember(bob, {"from": community_admin})
    notary.pushRewards(token, 1, *committed.batch([0, 1]), {"from": payer})
    token.addMember(bob, CITIZEN, CONSUMER, {"from": community_admin})
    tx = notary.pushRewards(token, 1, *committed.batch([0, 1]), {"from": payer})
    ev = tx.events["RewardsPushed"]
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (1, 20 * E18, 1, 0)
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 20 * E18


def test_a_resent_batch_pays_nobody_twice(notary, token, committed, payer, alice, bob, shop):
    notary.pushRewards(token, 1, *committed.batch([0, 1]), {"from": payer})
    tx = notary.pushRewards(token, 1, *committed.batch([0, 1, 3]), {"from": payer})
    ev = tx.events["RewardsPushed"]
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (1, 55 * E18 // 10, 2, 0)
    assert balances(token, [alice, bob, shop]) == [
        WELCOME_CITIZEN + 10 * E18,
        WELCOME_CITIZEN + 20 * E18,
        WELCOME_STAKEHOLDER + 55 * E18 // 10,
    ]
    assert epoch_info(notary, token, 1).paidTotal == 355 * E18 // 10


def test_claim_after_push_and_push_after_claim(notary, token, committed, payer, alice, bob, shop):
    notary.claim(token, 1, *committed.claim(1), {"from": bob})
    tx = notary.pushRewards(token, 1, *committed.batch([0, 1]), {"from": payer})
    ev = tx.events["RewardsPushed"]
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"]) == (1, 10 * E18, 1)
    with reverts_with("AlreadyPaid", token, 1, 0):
        notary.claim(token, 1, *committed.claim(0), {"from": alice})
    notary.claim(token, 1, *committed.claim(3), {"from": shop})
    assert balances(token, [alice, bob, shop]) == [
        WELCOME_CITIZEN + 10 * E18,
        WELCOME_CITIZEN + 20 * E18,
        WELCOME_STAKEHOLDER + 55 * E18 // 10,
    ]
    assert notary.paidCount(token, 1) == 3


@pytest.mark.parametrize("position", [0, 1, 2], ids=["first", "middle", "last"])
@pytest.mark.parametrize("field", ["index", "member", "amount", "dataHash"])
def test_a_tampered_leaf_anywhere_in_the_batch_refuses_it_whole(
    notary, token, committed, payer, bob, field, position, members
):
    # the batch is leaves 0, 2 and 4; the tampered index stays increasing and in range (0->1, 2->3, 4->3)
    mp = committed.multiproof([0, 2, 4])
    values = [list(v) for v in mp.values]
    index, member, amount, h = values[position]
    values[position] = {
        "index": [[1, 3, 3][position], member, amount, h],
        "member": [index, bob.address, amount, h],
        "amount": [index, member, amount + 1, h],
        "dataHash": [index, member, amount, data_hash("forged")],
    }[field]
    with reverts_with("InvalidMultiproof"):
        notary.pushRewards(token, 1, pack_leaves(values), mp.proof, mp.proof_flags, {"from": payer})
    assert notary.paidCount(token, 1) == 0 and balances(token, members)[0] == WELCOME_CITIZEN


def test_a_tampered_multiproof_refuses_the_batch(notary, token, committed, payer):
    mp = committed.multiproof([0, 2, 4])
    assert mp.proof, "the batch needs proof hashes"
    forged = list(mp.proof)
    forged[0] = bytes([forged[0][0] ^ 1]) + forged[0][1:]
    with reverts_with("InvalidMultiproof"):
        notary.pushRewards(token, 1, pack_leaves(mp.values), forged, mp.proof_flags, {"from": payer})
    # the right hashes in the wrong order
    assert len(mp.proof) == 2
    with reverts_with("InvalidMultiproof"):
        notary.pushRewards(token, 1, pack_leaves(mp.values), mp.proof[::-1], mp.proof_flags, {"from": payer})
    # flags that do not fit the leaves and proof fail in OpenZeppelin's MerkleProof itself
    with reverts_with("MerkleProofInvalidMultiproof"):
        notary.pushRewards(token, 1, pack_leaves(mp.values), mp.proof, mp.proof_flags + [True], {"from": payer})
    assert notary.paidCount(token, 1) == 0


def test_batch_indexes_must_increase(notary, token, committed, payer):
    mp = committed.multiproof([0, 1])
    descending = [mp.values[1], mp.values[0]]
    # (1, 0) hashes to the same root as (0, 1): the order rule, not the proof, refuses it
    with reverts_with("IndexesNotIncreasing", 0, 1):
        notary.pushRewards(token, 1, pack_leaves(descending), mp.proof, mp.proof_flags, {"from": payer})
    with reverts_with("IndexesNotIncreasing", 0, 0):
        notary.pushRewards(
            token, 1, pack_leaves([mp.values[0], mp.values[0]]), mp.proof, mp.proof_flags, {"from": payer}
        )
    assert notary.paidCount(token, 1) == 0


def test_batch_indexes_must_be_within_the_committed_leaf_count(
    notary, token, model, oracle, payer, alice, bob, period1
):
    # a tree of two leaves committed as one: leaf 1 verifies under the root but is outside the commitment
    rewards = Rewards([(alice, E18, data_hash("a")), (bob, E18, data_hash("b"))], period1, 2 * E18, leaf_count=1)
    notary.commitEpoch(token, 1, rewards.commitment, {"from": oracle})
    with reverts_with("IndexOutOfRange", 1, 1):
        notary.pushRewards(token, 1, *rewards.batch([0, 1]), {"from": payer})
    with reverts_with("IndexOutOfRange", 1, 1):
        notary.pushRewards(token, 1, *rewards.batch([1]), {"from": payer})
    assert notary.paidCount(token, 1) == 0


def test_a_batch_must_be_whole_packed_leaves(notary, token, committed, payer):
    packed, proof, flags = committed.batch([0, 1])
    assert len(packed) == 134
    with reverts_with("MalformedBatch", 135):
        notary.pushRewards(token, 1, packed + b"\0", proof, flags, {"from": payer})
    with reverts_with("MalformedBatch", 133):
        notary.pushRewards(token, 1, packed[:-1], proof, flags, {"from": payer})
    with reverts_with("BatchSize", 0, 200):
        notary.pushRewards(token, 1, b"", [committed.tree.root], [], {"from": payer})
    with reverts_with("BatchSize", 0, 200):
        notary.pushRewards(token, 1, packed[:66], proof, flags, {"from": payer})
    assert notary.paidCount(token, 1) == 0


def test_a_push_to_an_unknown_epoch_reverts(notary, token, committed, payer):
    with reverts_with("UnknownEpoch", token, 2):
        notary.pushRewards(token, 2, *committed.batch([0]), {"from": payer})


def test_a_push_while_the_token_is_paused_reverts(notary, token, committed, payer, platform_admin):
    token.pause({"from": platform_admin})
    with reverts_with("EnforcedPause"):
        notary.pushRewards(token, 1, *committed.batch([0, 1]), {"from": payer})
    assert notary.paidCount(token, 1) == 0


def test_escrows_of_two_communities_stay_apart(
    notary,
    token,
    committed,
    oracle,
    factory,
    registry,
    platform_admin,
    community_admin,
    token_admin,
    oracle_admin,
    stranger_admin,
    alice,
    period1,
):
    other = create_community(factory, platform_admin, stranger_admin, token_admin, "Borgo Altro", "BALT")
    other.fundTreasury(1_000 * E18, b32("endowment"), {"from": token_admin})
    other.setEpochRewardCeiling(1_000 * E18, {"from": token_admin})
    other.addMember(alice, CITIZEN, CONSUMER, {"from": stranger_admin})  # 100 welcome: 900 left
    registry.publishVersion(other, SC, [b32("alpha_consumer")], [1_000_000], 0, {"from": oracle_admin})
    registry.setActiveModel(other, SC, 0, {"from": oracle_admin})
    same_period = Rewards([(alice, 70 * E18, data_hash("alice elsewhere"))], period1, 70 * E18)
    notary.commitEpoch(other, 1, same_period.commitment, {"from": oracle})
    assert (other.balanceOf(notary), token.balanceOf(notary)) == (70 * E18, 40 * E18)
    notary.voidEpoch(token, 1, keccak(b"x"), {"from": community_admin})
    assert (other.balanceOf(notary), token.balanceOf(notary)) == (70 * E18, 0)
    assert other.balanceOf(other) == 900 * E18 - 70 * E18
    notary.claim(other, 1, *same_period.claim(0), {"from": alice})
    assert other.balanceOf(alice) == WELCOME_CITIZEN + 70 * E18


# ------------------------------------------------------- 300 leaves, multiproofs

CROWD = 300
MILLI = E18 // 1000
# Leaf i of the crowd pays (i + 1) thousandths of a token: leaves 0..299 pay 1 + 2 + … + 300 = 45 150 thousandths.
CROWD_TOTAL = 45_150 * MILLI
# A 200-leaf batch with gaps: every index but 1, 4, 7, …, 298 (i % 3 == 1), so a tampered index stays increasing.
SPARSE = [i for i in range(CROWD) if i % 3 != 1]


@pytest.fixture(scope="module")
def crowd(factory, registry, notary, platform_admin, community_admin, token_admin, oracle_admin, oracle):
    """A community of 300 members (plain addresses, no welcome bonus) and its epoch 1 over one leaf each."""
    token = factory.createCommunity(
        "Borgo Folla", "BFOL", community_admin, token_admin, 0, 0, 100, {"from": platform_admin}
    ).return_value
    token = CommunityToken.at(token)
    token.fundTreasury(1_000 * E18, b32("endowment"), {"from": token_admin})
    token.setEpochRewardCeiling(1_000 * E18, {"from": token_admin})
    members = [to_checksum_address(keccak(f"crowd member {i}".encode())[:20]) for i in range(CROWD)]
    for first in (0, 200):
        batch = members[first : first + 200]
        token.addMembers(batch, [CITIZEN] * len(batch), [CONSUMER] * len(batch), {"from": community_admin})
    registry.publishVersion(token, SC, [b32("alpha_consumer")], [1_000_000], 0, {"from": oracle_admin})
    registry.setActiveModel(token, SC, 0, {"from": oracle_admin})
    rewards = Rewards(
        [(m, (i + 1) * MILLI, data_hash(f"crowd {i}")) for i, m in enumerate(members)], past_period(), total=CROWD_TOTAL
    )
    notary.commitEpoch(token, 1, rewards.commitment, {"from": oracle})
    return SimpleNamespace(token=token, members=members, rewards=rewards)


def paid_indexes(notary, token, indexes) -> list:
    return [i for i in indexes if notary.isPaid(token, 1, i)]


@pytest.mark.parametrize(
    "indexes,amount",
    [
        ([256], 257 * MILLI),
        ([255, 256], (256 + 257) * MILLI),  # across the bitmap word boundary
        (list(range(199)), 19_900 * MILLI),  # 1 + … + 199
        (SPARSE, 30_100 * MILLI),  # 45 150 − (2 + 5 + … + 299 = 15 050)
    ],
    ids=["1", "2", "199", "200"],
)
def test_multiproof_batches_of_1_2_199_and_200_leaves_pay_exactly_their_leaves(notary, crowd, payer, indexes, amount):
    token, members = crowd.token, crowd.members
    tx = notary.pushRewards(token, 1, *crowd.rewards.batch(indexes), {"from": payer})
    ev = tx.events["RewardsPushed"]
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (len(indexes), amount, 0, 0)
    assert len(tx.events["Transfer"]) == len(indexes)
    assert notary.paidCount(token, 1) == len(indexes)
    assert token.balanceOf(notary) == CROWD_TOTAL - amount
    # the first and last leaves of the batch are paid their amount, their neighbours outside the batch nothing
    first, last = indexes[0], indexes[-1]
    assert token.balanceOf(members[first]) == (first + 1) * MILLI
    assert token.balanceOf(members[last]) == (last + 1) * MILLI
    outside = [i for i in (first - 1, last + 1) if 0 <= i < CROWD and i not in indexes]
    assert paid_indexes(notary, token, outside) == [] and [token.balanceOf(members[i]) for i in outside] == [0] * len(
        outside
    )


def test_a_batch_of_201_leaves_is_refused(notary, crowd, payer):
    with reverts_with("BatchSize", 201, 200):
        notary.pushRewards(crowd.token, 1, *crowd.rewards.batch(list(range(201))), {"from": payer})


def test_indexes_255_256_257_are_paid_in_their_own_bits(notary, crowd, alice):
    token, rewards = crowd.token, crowd.rewards
    notary.claim(token, 1, *rewards.claim(256), {"from": alice})
    assert paid_indexes(notary, token, range(250, 262)) == [256]
    assert notary.paidCount(token, 1) == 1
    notary.claim(token, 1, *rewards.claim(255), {"from": alice})
    notary.claim(token, 1, *rewards.claim(257), {"from": alice})
    assert paid_indexes(notary, token, range(250, 262)) == [255, 256, 257]
    for index in (255, 256, 257):
        with reverts_with("AlreadyPaid", token, 1, index):
            notary.claim(token, 1, *rewards.claim(index), {"from": alice})
    assert [token.balanceOf(crowd.members[i]) for i in (255, 256, 257)] == [256 * MILLI, 257 * MILLI, 258 * MILLI]
    assert notary.paidCount(token, 1) == 3


def test_a_batch_of_mixed_paid_and_unpaid_leaves_pays_only_the_unpaid(notary, crowd, payer, outsider):
    token, rewards, members = crowd.token, crowd.rewards, crowd.members
    # 255 and 257 are claimed first (by anyone); 256 is not in the sparse batch
    notary.claim(token, 1, *rewards.claim(255), {"from": outsider})
    notary.claim(token, 1, *rewards.claim(257), {"from": outsider})
    tx = notary.pushRewards(token, 1, *rewards.batch(SPARSE), {"from": payer})
    ev = tx.events["RewardsPushed"]
    # 30 100 − 256 − 258 = 29 586 thousandths to the 198 leaves not paid before
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (198, 29_586 * MILLI, 2, 0)
    assert [token.balanceOf(members[i]) for i in (255, 256, 257)] == [256 * MILLI, 0, 258 * MILLI]
    assert paid_indexes(notary, token, range(253, 260)) == [254, 255, 257, 258]
    assert notary.paidCount(token, 1) == 200
    # push after claim and claim after push
    with reverts_with("AlreadyPaid", token, 1, 254):
        notary.claim(token, 1, *rewards.claim(254), {"from": outsider})
    notary.claim(token, 1, *rewards.claim(256), {"from": outsider})
    tx = notary.pushRewards(token, 1, *rewards.batch([254, 255, 256, 257, 258, 259]), {"from": payer})
    ev = tx.events["RewardsPushed"]
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"]) == (1, 260 * MILLI, 5)
    assert notary.paidCount(token, 1) == 202
    # 30 100 + 257 (claimed 256) + 260 (pushed 259) = 30 617 thousandths paid in all
    assert epoch_info(notary, token, 1).paidTotal == 30_617 * MILLI
    assert token.balanceOf(notary) == (45_150 - 30_617) * MILLI


@pytest.mark.parametrize("position", [0, 100, 199], ids=["first", "middle", "last"])
@pytest.mark.parametrize("field", ["amount", "index"])
def test_a_tampered_amount_or_index_anywhere_in_a_200_leaf_batch_refuses_it_whole(
    notary, crowd, payer, position, field
):
    mp = crowd.rewards.multiproof(SPARSE)
    values = [list(v) for v in mp.values]
    assert [values[p][0] for p in (0, 100, 199)] == [0, 150, 299]
    if field == "amount":
        values[position][2] += 1
    else:
        # each tampered index stays increasing and in range: 0 -> 1 (next 2), 150 -> 151 (next 152),
        # 299 -> 298 (previous 297)
        values[position][0] = {0: 1, 100: 151, 199: 298}[position]
    with reverts_with("InvalidMultiproof"):
        notary.pushRewards(crowd.token, 1, pack_leaves(values), mp.proof, mp.proof_flags, {"from": payer})
    assert notary.paidCount(crowd.token, 1) == 0 and crowd.token.balanceOf(notary) == CROWD_TOTAL


def test_a_batch_of_200_leaves_with_removed_members_pays_the_rest(notary, crowd, payer, community_admin):
    token, rewards, members = crowd.token, crowd.rewards, crowd.members
    for i in (0, 150, 299):
        token.removeMember(members[i], {"from": community_admin})
    tx = notary.pushRewards(token, 1, *rewards.batch(SPARSE), {"from": payer})
    assert [e["index"] for e in tx.events["RewardSkipped"]] == [0, 150, 299]
    ev = tx.events["RewardsPushed"]
    # 30 100 − 1 − 151 − 300 = 29 648 thousandths
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (197, 29_648 * MILLI, 0, 3)
    for i in (0, 150, 299):
        token.addMember(members[i], CITIZEN, CONSUMER, {"from": community_admin})
    tx = notary.pushRewards(token, 1, *rewards.batch(SPARSE), {"from": payer})
    ev = tx.events["RewardsPushed"]
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (3, 452 * MILLI, 197, 0)
    assert [token.balanceOf(members[i]) for i in (0, 150, 299)] == [MILLI, 151 * MILLI, 300 * MILLI]
