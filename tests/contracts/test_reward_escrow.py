"""CommunityToken's reward escrow: the per-epoch ceiling the Token Admin sets, the notary's escrow (its own balance
of the token) and the reward payments from it.

The token trusts one account, `rewardDistributor` (the notary), to move the escrow. Most tests here send from the
notary's address directly (anvil impersonation, gas price 0) to test the token's side alone; one commits through
the notary to show the ceiling holds for a real commit.
"""

import pytest
from brownie import accounts
from eth_utils import keccak

from oracle.merkle import reward_tree

from .conftest import (
    E18,
    REWARD_CEILING,
    TREASURY_FUNDS,
    WELCOME_CITIZEN,
    WELCOME_STAKEHOLDER,
    b32,
    past_period,
    reverts_with,
)

WELCOMES_PAID = 3 * WELCOME_CITIZEN + 2 * WELCOME_STAKEHOLDER
TREASURY = TREASURY_FUNDS - WELCOMES_PAID  # the `token` fixture's treasury: 998 700 tokens
SC = b32("self_consumption")
# more than 64 bits, so a credit that kept fewer than the 96 amount bits would pay a different number
ODD_AMOUNT = 12_345_678_901_234_567_890_123  # 12 345.678901234567890123 tokens


@pytest.fixture
def distributor(notary):
    """The notary's address as a sender: the only account the token lets move the escrow."""
    return accounts.at(notary.address, force=True)


@pytest.fixture
def escrowed(token, distributor):
    """1 000 tokens in escrow."""
    token.escrowRewards(1_000 * E18, {"from": distributor})
    return 1_000 * E18


def credit(member, amount: int) -> bytes:
    """One `payRewards` credit: bytes20(member) ‖ uint96(amount)."""
    return bytes.fromhex(member.address[2:]) + amount.to_bytes(12, "big")


def unauthorized(account, role: str):
    return reverts_with("AccessControlUnauthorizedAccount", account, keccak(text=role))


# ----------------------------------------------------------------- ceiling


def test_the_ceiling_is_zero_until_the_token_admin_sets_it(bare_token, token_admin, distributor):
    bare_token.fundTreasury(1_000 * E18, b32("seed"), {"from": token_admin})
    assert bare_token.epochRewardCeiling() == 0
    with reverts_with("RewardAboveCeiling", 1, 0):  # fail closed: not even one unit
        bare_token.escrowRewards(1, {"from": distributor})


def test_the_token_admin_sets_the_ceiling_and_the_event_names_old_and_new(bare_token, token_admin):
    tx = bare_token.setEpochRewardCeiling(5_000 * E18, {"from": token_admin})
    ev = tx.events["EpochRewardCeilingSet"]
    assert (ev["oldCeiling"], ev["newCeiling"]) == (0, 5_000 * E18)
    tx = bare_token.setEpochRewardCeiling(2_000 * E18, {"from": token_admin})
    ev = tx.events["EpochRewardCeilingSet"]
    assert (ev["oldCeiling"], ev["newCeiling"]) == (5_000 * E18, 2_000 * E18)
    assert bare_token.epochRewardCeiling() == 2_000 * E18


@pytest.mark.parametrize("caller_name", ["community_admin", "platform_admin", "oracle"])
def test_only_the_token_admin_sets_the_ceiling(token, request, caller_name):
    caller = request.getfixturevalue(caller_name)
    with unauthorized(caller, "TOKEN_ADMIN"):
        token.setEpochRewardCeiling(10**30, {"from": caller})
    assert token.epochRewardCeiling() == REWARD_CEILING


def test_escrow_up_to_the_ceiling_is_allowed_and_one_unit_more_reverts(token, distributor):
    with reverts_with("RewardAboveCeiling", REWARD_CEILING + 1, REWARD_CEILING):
        token.escrowRewards(REWARD_CEILING + 1, {"from": distributor})
    token.escrowRewards(REWARD_CEILING, {"from": distributor})
    assert token.rewardReserve() == REWARD_CEILING


def test_the_ceiling_bounds_each_epoch_not_their_sum(token, distributor):
    token.escrowRewards(REWARD_CEILING, {"from": distributor})
    token.escrowRewards(REWARD_CEILING, {"from": distributor})
    assert token.rewardReserve() == 2 * REWARD_CEILING


def test_escrow_beyond_the_treasury_reverts(token, token_admin, distributor):
    token.setEpochRewardCeiling(TREASURY_FUNDS, {"from": token_admin})
    with reverts_with("TreasuryInsufficient", TREASURY, TREASURY + 1):
        token.escrowRewards(TREASURY + 1, {"from": distributor})
    token.escrowRewards(TREASURY, {"from": distributor})
    assert token.balanceOf(token) == 0


# ------------------------------------------------- a commit through the notary


@pytest.fixture
def self_consumption(registry, oracle_admin, token, bare_token):
    """The self_consumption model, version 1, active for both communities' past periods."""
    for community in (token, bare_token):
        registry.publishVersion(community, SC, [b32("alpha_consumer")], [1_000_000], 1, {"from": oracle_admin})
        registry.setActiveModel(community, SC, 1, {"from": oracle_admin})


def commitment(member, total: int) -> tuple:
    """A one-leaf commitment over the period of past_period() paying `total` to `member`."""
    start, end = past_period()
    tree = reward_tree([(member.address, total, keccak(b"readings of the member"))])
    return (start, end, tree.root, SC, 1, keccak(b"dataset"), 1, total)


def test_a_commit_above_the_ceiling_fails_whole(token, notary, oracle, self_consumption, alice):
    with reverts_with("RewardAboveCeiling", REWARD_CEILING + 1, REWARD_CEILING):
        notary.commitEpoch(token, 1, commitment(alice, REWARD_CEILING + 1), {"from": oracle})
    assert notary.epochCount(token) == 0
    assert token.rewardReserve() == 0 and token.balanceOf(token) == TREASURY


def test_a_commit_at_the_ceiling_escrows_its_total(token, notary, oracle, self_consumption, alice):
    tx = notary.commitEpoch(token, 1, commitment(alice, REWARD_CEILING), {"from": oracle})
    ev = tx.events["RewardsEscrowed"]
    assert (ev["amount"], ev["escrowAfter"]) == (REWARD_CEILING, REWARD_CEILING)
    assert token.rewardReserve() == token.balanceOf(notary) == REWARD_CEILING
    assert token.balanceOf(token) == TREASURY - REWARD_CEILING


def test_a_community_whose_ceiling_was_never_set_cannot_commit_rewards(
    bare_token, token_admin, notary, oracle, self_consumption, alice
):
    bare_token.fundTreasury(1_000 * E18, b32("seed"), {"from": token_admin})
    with reverts_with("RewardAboveCeiling", 10 * E18, 0):
        notary.commitEpoch(bare_token, 1, commitment(alice, 10 * E18), {"from": oracle})


# ------------------------------------------------------- only the notary


@pytest.mark.parametrize("caller_name", ["token_admin", "platform_admin", "community_admin", "oracle", "alice"])
@pytest.mark.parametrize("call", ["escrowRewards", "returnRewards", "payReward", "payRewards"])
def test_only_the_reward_distributor_moves_the_escrow(token, request, escrowed, alice, call, caller_name):
    caller = request.getfixturevalue(caller_name)
    args = {
        "escrowRewards": (E18,),
        "returnRewards": (E18,),
        "payReward": (alice, E18),
        "payRewards": ([credit(alice, E18)],),
    }[call]
    with reverts_with("NotRewardDistributor", caller):
        getattr(token, call)(*args, {"from": caller})
    assert token.rewardReserve() == escrowed


def test_the_reward_distributor_is_the_notary_of_the_factory(token, bare_token, factory, notary):
    assert token.rewardDistributor() == bare_token.rewardDistributor() == factory.rewardDistributor() == notary.address


# ------------------------------------------------------------------ escrow


def test_escrow_moves_tokens_from_the_treasury_to_the_notary(token, notary, distributor):
    supply = token.totalSupply()
    tx = token.escrowRewards(250 * E18, {"from": distributor})
    ev = tx.events["RewardsEscrowed"]
    assert (ev["amount"], ev["escrowAfter"]) == (250 * E18, 250 * E18)
    transfer = tx.events["Transfer"]
    assert (transfer["from"], transfer["to"], transfer["value"]) == (token.address, notary.address, 250 * E18)
    assert "TransferWithFee" not in tx.events  # fee-free
    assert token.balanceOf(notary) == token.rewardReserve() == 250 * E18
    assert token.balanceOf(token) == TREASURY - 250 * E18
    assert token.totalSupply() == supply


def test_a_second_escrow_reports_the_escrow_after_it(token, escrowed, distributor):
    tx = token.escrowRewards(300 * E18, {"from": distributor})
    assert tx.events["RewardsEscrowed"]["escrowAfter"] == 1_300 * E18


def test_treasury_available_is_the_treasury_balance_without_the_escrow(token, escrowed):
    assert token.treasuryAvailable() == token.balanceOf(token) == TREASURY - escrowed


def test_return_gives_escrow_back_to_the_treasury(token, notary, escrowed, distributor):
    tx = token.returnRewards(400 * E18, {"from": distributor})
    ev = tx.events["RewardsReturned"]
    assert (ev["amount"], ev["escrowAfter"]) == (400 * E18, 600 * E18)
    transfer = tx.events["Transfer"]
    assert (transfer["from"], transfer["to"], transfer["value"]) == (notary.address, token.address, 400 * E18)
    assert token.rewardReserve() == 600 * E18
    assert token.balanceOf(token) == TREASURY - 600 * E18


def test_returning_more_than_the_escrow_reverts(token, notary, escrowed, distributor):
    with reverts_with("ERC20InsufficientBalance", notary, escrowed, escrowed + 1):
        token.returnRewards(escrowed + 1, {"from": distributor})


# ---------------------------------------------------------------- payments


def test_pay_reward_moves_escrow_to_a_member_without_fee(token, notary, escrowed, distributor, alice):
    treasury = token.balanceOf(token)
    tx = token.payReward(alice, 40 * E18, {"from": distributor})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 40 * E18  # the whole amount: rewards pay no fee
    assert token.rewardReserve() == escrowed - 40 * E18
    assert token.balanceOf(token) == treasury
    assert list(tx.events.keys()) == ["Transfer"]
    transfer = tx.events["Transfer"]
    assert (transfer["from"], transfer["to"], transfer["value"]) == (notary.address, alice, 40 * E18)


@pytest.mark.parametrize("receiver_name", ["outsider", "removed member"])
def test_pay_reward_to_a_non_member_reverts(
    token, request, community_admin, escrowed, distributor, alice, outsider, receiver_name
):
    if receiver_name == "removed member":
        token.removeMember(alice, {"from": community_admin})
        receiver = alice
    else:
        receiver = outsider
    with reverts_with("ReceiverNotMember", receiver):
        token.payReward(receiver, E18, {"from": distributor})
    assert token.rewardReserve() == escrowed


def test_pay_reward_beyond_the_escrow_reverts(token, notary, escrowed, distributor, alice):
    with reverts_with("ERC20InsufficientBalance", notary, escrowed, escrowed + 1):
        token.payReward(alice, escrowed + 1, {"from": distributor})


def test_pay_rewards_credits_each_member_of_a_batch(token, notary, distributor, alice, bob, shop):
    token.escrowRewards(REWARD_CEILING, {"from": distributor})
    treasury = token.balanceOf(token)
    credits = [credit(alice, ODD_AMOUNT), credit(bob, 3 * E18), credit(shop, 1)]
    tx = token.payRewards(credits, {"from": distributor})
    assert list(tx.return_value) == [0, 0]  # nothing skipped
    assert token.balanceOf(alice) == WELCOME_CITIZEN + ODD_AMOUNT
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 3 * E18
    assert token.balanceOf(shop) == WELCOME_STAKEHOLDER + 1
    assert token.rewardReserve() == REWARD_CEILING - ODD_AMOUNT - 3 * E18 - 1
    assert token.balanceOf(token) == treasury  # no fee
    # one ERC-20 Transfer per member and nothing else (the notary announces the batch)
    assert list(tx.events.keys()) == ["Transfer"]
    assert [(e["from"], e["to"], e["value"]) for e in tx.events["Transfer"]] == [
        (notary.address, alice, ODD_AMOUNT),
        (notary.address, bob, 3 * E18),
        (notary.address, shop, 1),
    ]


def test_pay_rewards_of_an_empty_batch_pays_nothing(token, escrowed, distributor):
    tx = token.payRewards([], {"from": distributor})
    assert list(tx.return_value) == [0, 0]
    assert len(tx.events) == 0
    assert token.rewardReserve() == escrowed


def test_pay_rewards_skips_credits_to_non_members_and_reports_them(
    token, notary, community_admin, escrowed, distributor, alice, bob, carol, outsider
):
    token.removeMember(carol, {"from": community_admin})
    credits = [credit(alice, 1 * E18), credit(outsider, 2 * E18), credit(bob, 3 * E18), credit(carol, 4 * E18)]
    tx = token.payRewards(credits, {"from": distributor})
    # bits 1 (outsider) and 3 (carol, removed) skipped: 2 + 4 = 6 tokens stay in escrow
    skipped, skipped_amount = tx.return_value
    assert (skipped, skipped_amount) == (0b1010, 6 * E18)
    assert [(e["to"], e["value"]) for e in tx.events["Transfer"]] == [(alice, 1 * E18), (bob, 3 * E18)]
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 1 * E18
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 3 * E18
    assert token.balanceOf(carol) == WELCOME_CITIZEN and token.balanceOf(outsider) == 0
    assert token.rewardReserve() == escrowed - 4 * E18


def test_pay_rewards_answers_256_credits_and_refuses_257(token, escrowed, distributor, alice, outsider):
    tx = token.payRewards([credit(outsider, 1)] * 255 + [credit(alice, 1)], {"from": distributor})
    assert list(tx.return_value) == [(1 << 255) - 1, 255]  # bit 255 (alice) is the one paid
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 1
    with reverts_with("QueryTooLarge", 257, 256):
        token.payRewards([credit(alice, 1)] * 257, {"from": distributor})
    assert token.rewardReserve() == escrowed - 1


def test_pay_rewards_beyond_the_escrow_reverts(token, notary, escrowed, distributor, alice, bob):
    with reverts_with("ERC20InsufficientBalance", notary, 400 * E18, 600 * E18):  # after 600 to alice
        token.payRewards([credit(alice, 600 * E18), credit(bob, 600 * E18)], {"from": distributor})


# ------------------------------------------------------------------- pause


def test_escrow_and_return_work_while_paused(token, platform_admin, escrowed, distributor):
    token.pause({"from": platform_admin})
    token.escrowRewards(500 * E18, {"from": distributor})
    assert token.rewardReserve() == escrowed + 500 * E18
    token.returnRewards(200 * E18, {"from": distributor})
    assert token.rewardReserve() == escrowed + 300 * E18
    assert token.balanceOf(token) == TREASURY - escrowed - 300 * E18


def test_payments_from_escrow_stop_while_paused(token, platform_admin, escrowed, distributor, alice):
    token.pause({"from": platform_admin})
    with reverts_with("EnforcedPause"):
        token.payReward(alice, E18, {"from": distributor})
    with reverts_with("EnforcedPause"):
        token.payRewards([credit(alice, E18)], {"from": distributor})
    token.unpause({"from": platform_admin})
    token.payReward(alice, E18, {"from": distributor})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + E18


# --------------------------------------------------------- members query


def test_members_active_sets_one_bit_per_active_member(
    token, notary, community_admin, alice, bob, carol, shop, outsider
):
    token.removeMember(carol, {"from": community_admin})
    # bit: 0 alice, 1 outsider, 2 bob, 3 carol (removed), 4 the notary, 5 the token, 6 shop
    mask = token.membersActive([alice, outsider, bob, carol, notary, token, shop])
    assert mask == 0b1000101


def test_members_active_of_no_accounts_is_zero(token):
    assert token.membersActive([]) == 0


def test_members_active_answers_256_accounts_and_refuses_257(token, alice, outsider):
    assert token.membersActive([outsider] * 255 + [alice]) == 1 << 255
    assert token.membersActive([alice] * 256) == 2**256 - 1
    with reverts_with("QueryTooLarge", 257, 256):
        token.membersActive([alice] * 257)
