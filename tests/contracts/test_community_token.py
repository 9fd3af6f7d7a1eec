"""CommunityToken: factory, roles, membership and the welcome bonus, fees and the max-fee guard, purchases,
treasury, pause, permit."""

import brownie
import pytest
from brownie import ZERO_ADDRESS, CommunityFactory, CommunityTokenDeployer, chain, web3
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from .conftest import (
    C2C,
    CITIZEN,
    CONSUMER,
    E18,
    FEE_BPS,
    MAX_FEE,
    PROSTORMER,
    PROSUMER,
    STAKEHOLDER,
    TREASURY_FUNDS,
    WELCOME_CITIZEN,
    WELCOME_STAKEHOLDER,
    b32,
    create_community,
    reverts_with,
)

# After the `token` fixture: 3 citizens x 100 + 2 stakeholders x 500 = 1 300 tokens left the treasury.
WELCOMES_PAID = 3 * WELCOME_CITIZEN + 2 * WELCOME_STAKEHOLDER
TENTH = E18 // 10


def unauthorized(account, role: str | None):
    """OpenZeppelin AccessControl's revert for `account` lacking `role` (None: DEFAULT_ADMIN_ROLE)."""
    return reverts_with("AccessControlUnauthorizedAccount", account, keccak(text=role) if role else bytes(32))


# ------------------------------------------------------------------ factory


def test_factory_lists_communities_in_creation_order(factory, platform_admin, community_admin, token_admin):
    first = create_community(factory, platform_admin, community_admin, token_admin, "Alpha", "ALP")
    second = create_community(factory, platform_admin, community_admin, token_admin, "Beta", "BET")
    count = factory.communityCount()  # the module's other communities come first
    assert factory.communities()[-2:] == [first.address, second.address]
    assert factory.communityAt(count - 1) == second.address
    assert factory.isCommunity(first) and not factory.isCommunity(platform_admin)
    assert factory.communityByName("Beta") == second.address
    assert factory.communityByName("Gamma") == ZERO_ADDRESS
    assert first.name() == "Alpha" and first.symbol() == "ALP" and first.decimals() == 18


def test_factory_announces_a_new_community_with_all_its_settings(factory, platform_admin, community_admin, token_admin):
    tx = factory.createCommunity(
        "Alpha", "ALP", community_admin, token_admin, 7 * E18, 9 * E18, 250, {"from": platform_admin}
    )
    ev = tx.events["CommunityCreated"]
    assert ev["token"] == tx.return_value
    assert (ev["name"], ev["symbol"], ev["communityAdmin"], ev["tokenAdmin"]) == (
        "Alpha",
        "ALP",
        community_admin,
        token_admin,
    )
    assert (ev["welcomeCitizen"], ev["welcomeStakeholder"], ev["feeBps"]) == (7 * E18, 9 * E18, 250)


def test_factory_rejects_a_name_already_taken(factory, platform_admin, community_admin, token_admin):
    first = create_community(factory, platform_admin, community_admin, token_admin, "Alpha", "ALP")
    with reverts_with("CommunityNameTaken", "Alpha", first.address):
        create_community(factory, platform_admin, community_admin, token_admin, "Alpha", "ALP2")


def test_factory_rejects_an_empty_name(factory, platform_admin, community_admin, token_admin):
    with reverts_with("EmptyName"):
        create_community(factory, platform_admin, community_admin, token_admin, "", "X")


def test_factory_accepts_names_up_to_31_bytes(factory, platform_admin, community_admin, token_admin):
    long_name = "Comunità Energetica Genova Levante"  # 35 bytes in UTF-8
    with reverts_with("NameTooLong", long_name, 31):
        create_community(factory, platform_admin, community_admin, token_admin, long_name, "CEGL")
    exact = "Comunità Energetica Genova Est"  # 31 bytes: the longest allowed
    assert len(exact.encode()) == 31
    assert create_community(factory, platform_admin, community_admin, token_admin, exact, "CEGE").name() == exact


def test_factory_index_beyond_the_list_reverts(factory):
    count = factory.communityCount()
    with reverts_with("IndexOutOfRange", count, count):
        factory.communityAt(count)


def test_only_the_platform_admin_creates_communities(factory, community_admin, token_admin):
    with unauthorized(community_admin, "PLATFORM_ADMIN"):
        factory.createCommunity("Gamma", "GAM", community_admin, token_admin, 0, 0, 0, {"from": community_admin})


def test_fee_above_cap_rejected_at_creation(factory, platform_admin, community_admin, token_admin):
    with reverts_with("FeeAboveCap", 2001, 2000):
        create_community(factory, platform_admin, community_admin, token_admin, "Greedy", "GRD", fee_bps=2001)


def test_a_community_without_admins_is_rejected_at_creation(factory, platform_admin, token_admin):
    with reverts_with("ZeroAddress"):
        create_community(factory, platform_admin, ZERO_ADDRESS, token_admin, "Nobody", "NOB")


def test_factory_creates_no_community_before_the_reward_distributor_is_set(
    platform_admin, community_admin, token_admin
):
    fresh = CommunityFactory.deploy(
        platform_admin, CommunityTokenDeployer.deploy({"from": platform_admin}), {"from": platform_admin}
    )
    with reverts_with("RewardDistributorNotSet"):
        create_community(fresh, platform_admin, community_admin, token_admin, "Early", "ERL")
    with reverts_with("ZeroAddress"):
        fresh.setRewardDistributor(ZERO_ADDRESS, {"from": platform_admin})
    with unauthorized(community_admin, None):
        fresh.setRewardDistributor(community_admin, {"from": community_admin})


def test_the_factory_reward_distributor_is_set_once(factory, notary, platform_admin, community_admin):
    with reverts_with("RewardDistributorAlreadySet", notary):
        factory.setRewardDistributor(community_admin, {"from": platform_admin})
    assert factory.rewardDistributor() == notary.address


def test_setting_the_factory_reward_distributor_announces_it(platform_admin, notary):
    fresh = CommunityFactory.deploy(
        platform_admin, CommunityTokenDeployer.deploy({"from": platform_admin}), {"from": platform_admin}
    )
    tx = fresh.setRewardDistributor(notary, {"from": platform_admin})
    assert tx.events["RewardDistributorSet"]["rewardDistributor"] == notary.address


def test_community_roles_are_wired(bare_token, factory, notary, platform_admin, community_admin, token_admin):
    t = bare_token
    assert t.hasRole(t.DEFAULT_ADMIN_ROLE(), platform_admin)
    assert t.hasRole(t.PLATFORM_ADMIN_ROLE(), platform_admin)
    assert t.hasRole(t.COMMUNITY_ADMIN_ROLE(), community_admin)
    assert t.hasRole(t.TOKEN_ADMIN_ROLE(), token_admin)
    assert t.PLATFORM_ADMIN_ROLE() == web3.to_hex(web3.keccak(text="PLATFORM_ADMIN"))
    # the notary escrows and pays rewards; the token fixes it at creation (no role can move it)
    assert t.rewardDistributor() == notary.address == factory.rewardDistributor()
    assert t.treasury() == t.address
    assert t.feeBps() == FEE_BPS
    assert t.welcomeBonus(CITIZEN) == WELCOME_CITIZEN
    assert t.welcomeBonus(STAKEHOLDER) == WELCOME_STAKEHOLDER


# --------------------------------------------------------------- membership


def test_join_pays_welcome_bonus_from_treasury(token, alice, shop):
    assert token.balanceOf(alice) == WELCOME_CITIZEN
    assert token.balanceOf(shop) == WELCOME_STAKEHOLDER
    assert token.balanceOf(token) == TREASURY_FUNDS - WELCOMES_PAID
    assert token.totalSupply() == TREASURY_FUNDS
    assert token.memberCount() == 5
    kind, profile, active, welcomed, joined_at = token.memberInfo(alice)
    assert (kind, profile, active, welcomed) == (CITIZEN, CONSUMER, True, True)
    assert joined_at > 0


def test_add_member_announces_the_member_and_the_bonus(bare_token, token_admin, community_admin, alice):
    bare_token.fundTreasury(1000 * E18, b32("seed"), {"from": token_admin})
    tx = bare_token.addMember(alice, CITIZEN, PROSUMER, {"from": community_admin})
    added = tx.events["MemberAdded"]
    assert (added["account"], added["kind"], added["profile"]) == (alice, CITIZEN, PROSUMER)
    bonus = tx.events["WelcomeBonusPaid"]
    assert (bonus["account"], bonus["kind"], bonus["amount"]) == (alice, CITIZEN, WELCOME_CITIZEN)
    transfer = tx.events["Transfer"]
    assert (transfer["from"], transfer["to"], transfer["value"]) == (bare_token.address, alice, WELCOME_CITIZEN)
    assert "TransferWithFee" not in tx.events  # treasury payouts are fee-free
    assert bare_token.memberInfo(alice)[4] == tx.timestamp


def test_member_paid_once_never_gets_the_bonus_again(token, token_admin, community_admin, alice):
    treasury_before = token.balanceOf(token)
    token.removeMember(alice, {"from": community_admin})
    assert not token.isMember(alice)
    assert token.memberCount() == 4
    token.setWelcomeBonus(CITIZEN, 300 * E18, {"from": token_admin})  # even a higher bonus is not paid again
    tx = token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    assert "WelcomeBonusPaid" not in tx.events
    assert token.balanceOf(alice) == WELCOME_CITIZEN
    assert token.balanceOf(token) == treasury_before
    assert token.memberCount() == 5
    assert token.memberInfo(alice)[3] is True  # still welcomed


def test_member_who_joins_while_the_bonus_is_zero_is_not_marked_welcomed(
    bare_token, token_admin, community_admin, alice
):
    bare_token.setWelcomeBonus(CITIZEN, 0, {"from": token_admin})
    tx = bare_token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})  # empty treasury: nothing to pay
    assert "WelcomeBonusPaid" not in tx.events
    assert bare_token.isMember(alice)
    kind, profile, active, welcomed, _ = bare_token.memberInfo(alice)
    assert (kind, profile, active, welcomed) == (CITIZEN, CONSUMER, True, False)
    assert bare_token.balanceOf(alice) == 0


def test_member_who_joined_without_bonus_gets_it_once_when_re_added_after_it_is_set(
    bare_token, token_admin, community_admin, alice
):
    bare_token.setWelcomeBonus(CITIZEN, 0, {"from": token_admin})
    bare_token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    bare_token.removeMember(alice, {"from": community_admin})
    bare_token.fundTreasury(100 * E18, b32("seed"), {"from": token_admin})
    bare_token.setWelcomeBonus(CITIZEN, 30 * E18, {"from": token_admin})

    tx = bare_token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    bonus = tx.events["WelcomeBonusPaid"]
    assert (bonus["account"], bonus["kind"], bonus["amount"]) == (alice, CITIZEN, 30 * E18)
    assert bare_token.balanceOf(alice) == 30 * E18
    assert bare_token.balanceOf(bare_token) == 70 * E18
    assert bare_token.memberInfo(alice)[3] is True

    bare_token.removeMember(alice, {"from": community_admin})
    tx = bare_token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    assert "WelcomeBonusPaid" not in tx.events
    assert bare_token.balanceOf(alice) == 30 * E18
    assert bare_token.balanceOf(bare_token) == 70 * E18


def test_join_with_poor_treasury_reverts_whole(bare_token, token_admin, community_admin, alice):
    bare_token.fundTreasury(99 * E18, b32("seed"), {"from": token_admin})
    with reverts_with("TreasuryInsufficient", 99 * E18, WELCOME_CITIZEN):
        bare_token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    # nothing half-happened: not a member, not marked welcomed, treasury intact
    assert [int(x) for x in bare_token.memberInfo(alice)] == [0, 0, 0, 0, 0]
    assert bare_token.memberCount() == 0
    assert bare_token.balanceOf(bare_token) == 99 * E18


def test_an_active_member_cannot_be_added_again(token, community_admin, alice):
    with reverts_with("AlreadyMember", alice.address):
        token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})


def test_a_member_needs_a_kind(token, community_admin, outsider):
    with reverts_with("InvalidKind"):
        token.addMember(outsider, 0, CONSUMER, {"from": community_admin})


def test_a_member_needs_an_energy_profile(token, community_admin, outsider):
    with reverts_with("InvalidProfile"):
        token.addMember(outsider, CITIZEN, 0, {"from": community_admin})


@pytest.mark.parametrize("who", ["zero address", "token itself", "notary"])
def test_zero_address_token_and_notary_can_never_be_members(token, notary, community_admin, who):
    account = {"zero address": ZERO_ADDRESS, "token itself": token.address, "notary": notary.address}[who]
    with reverts_with("InvalidAccount", account):
        token.addMember(account, CITIZEN, CONSUMER, {"from": community_admin})
    with reverts_with("InvalidAccount", account):
        token.addMembers([account], [STAKEHOLDER], [CONSUMER], {"from": community_admin})
    assert not token.isMember(account)


def test_removing_a_non_member_reverts(token, community_admin, outsider):
    with reverts_with("NotAMember", outsider.address):
        token.removeMember(outsider, {"from": community_admin})


def test_removing_a_member_twice_reverts(token, community_admin, alice):
    token.removeMember(alice, {"from": community_admin})
    with reverts_with("NotAMember", alice.address):
        token.removeMember(alice, {"from": community_admin})
    assert token.memberCount() == 4


def test_remove_member_announces_it(token, community_admin, alice):
    tx = token.removeMember(alice, {"from": community_admin})
    assert tx.events["MemberRemoved"]["account"] == alice
    assert token.memberInfo(alice)[2] is False


def test_energy_profile_change(token, community_admin, alice):
    tx = token.setEnergyProfile(alice, PROSTORMER, {"from": community_admin})
    ev = tx.events["MemberProfileChanged"]
    assert (ev["account"], ev["profile"]) == (alice, PROSTORMER)
    assert token.memberInfo(alice)[1] == PROSTORMER


def test_energy_profile_change_needs_a_profile_and_a_member(token, community_admin, alice, outsider):
    with reverts_with("InvalidProfile"):
        token.setEnergyProfile(alice, 0, {"from": community_admin})
    with reverts_with("NotAMember", outsider.address):
        token.setEnergyProfile(outsider, PROSUMER, {"from": community_admin})


def test_only_the_community_admin_manages_members(token, token_admin, alice, outsider):
    with unauthorized(token_admin, "COMMUNITY_ADMIN"):
        token.addMember(outsider, CITIZEN, CONSUMER, {"from": token_admin})
    with unauthorized(token_admin, "COMMUNITY_ADMIN"):
        token.addMembers([outsider], [CITIZEN], [CONSUMER], {"from": token_admin})
    with unauthorized(alice, "COMMUNITY_ADMIN"):
        token.removeMember(alice, {"from": alice})
    with unauthorized(alice, "COMMUNITY_ADMIN"):
        token.setEnergyProfile(alice, PROSUMER, {"from": alice})


def test_add_members_in_one_batch(bare_token, token_admin, community_admin, alice, bob, shop):
    bare_token.fundTreasury(700 * E18, b32("seed"), {"from": token_admin})
    tx = bare_token.addMembers(
        [alice, bob, shop], [CITIZEN, CITIZEN, STAKEHOLDER], [CONSUMER, PROSUMER, CONSUMER], {"from": community_admin}
    )
    assert [e["account"] for e in tx.events["MemberAdded"]] == [alice, bob, shop]
    assert bare_token.memberCount() == 3
    assert [bare_token.balanceOf(a) for a in (alice, bob, shop)] == [
        WELCOME_CITIZEN,
        WELCOME_CITIZEN,
        WELCOME_STAKEHOLDER,
    ]
    assert bare_token.balanceOf(bare_token) == 0  # 100 + 100 + 500


def test_add_members_is_all_or_none(bare_token, token_admin, community_admin, alice, bob, shop):
    bare_token.fundTreasury(600 * E18, b32("seed"), {"from": token_admin})  # 100 short of three bonuses
    with reverts_with("TreasuryInsufficient", 400 * E18, WELCOME_STAKEHOLDER):  # after 2 x 100
        bare_token.addMembers(
            [alice, bob, shop], [CITIZEN, CITIZEN, STAKEHOLDER], [CONSUMER] * 3, {"from": community_admin}
        )
    with reverts_with("AlreadyMember", alice.address):
        bare_token.addMembers([alice, alice], [CITIZEN, CITIZEN], [CONSUMER] * 2, {"from": community_admin})
    assert bare_token.memberCount() == 0 and bare_token.balanceOf(alice) == 0
    assert bare_token.balanceOf(bare_token) == 600 * E18


def test_add_members_batch_bounds(bare_token, community_admin, alice, bob, outsider):
    with reverts_with("BatchSize", 0, 200):
        bare_token.addMembers([], [], [], {"from": community_admin})
    with reverts_with("BatchSize", 201, 200):
        bare_token.addMembers([outsider] * 201, [CITIZEN] * 201, [CONSUMER] * 201, {"from": community_admin})
    with reverts_with("LengthMismatch"):
        bare_token.addMembers([alice, bob], [CITIZEN], [CONSUMER, CONSUMER], {"from": community_admin})
    with reverts_with("LengthMismatch"):
        bare_token.addMembers([alice, bob], [CITIZEN, CITIZEN], [CONSUMER], {"from": community_admin})


def test_welcome_bonus_setting_applies_to_later_members(token, token_admin, community_admin, outsider):
    tx = token.setWelcomeBonus(CITIZEN, 7 * E18, {"from": token_admin})
    assert (tx.events["WelcomeBonusSet"]["kind"], tx.events["WelcomeBonusSet"]["amount"]) == (CITIZEN, 7 * E18)
    assert token.welcomeBonus(CITIZEN) == 7 * E18
    token.addMember(outsider, CITIZEN, CONSUMER, {"from": community_admin})
    assert token.balanceOf(outsider) == 7 * E18


def test_welcome_bonus_needs_a_kind_and_the_token_admin(token, token_admin, alice):
    with reverts_with("InvalidKind"):
        token.setWelcomeBonus(0, 1, {"from": token_admin})
    with unauthorized(alice, "TOKEN_ADMIN"):
        token.setWelcomeBonus(CITIZEN, 1, {"from": alice})


# --------------------------------------------------------------------- fees


def test_transfer_between_members_pays_fee_to_treasury(token, alice, bob):
    treasury_before = token.balanceOf(token)
    tx = token.transfer(bob, 50 * E18, {"from": alice})
    # 1 % of 50 = 0.5 to the treasury, 49.5 arrive
    assert token.balanceOf(alice) == WELCOME_CITIZEN - 50 * E18
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 495 * TENTH
    assert token.balanceOf(token) == treasury_before + 5 * TENTH
    ev = tx.events["TransferWithFee"]
    assert (ev["from"], ev["to"]) == (alice, bob)
    assert (ev["sent"], ev["fee"], ev["received"]) == (50 * E18, 5 * TENTH, 495 * TENTH)


def test_fee_rounds_down_for_tiny_amounts(token, alice, bob):
    token.transfer(bob, 99, {"from": alice})  # 99 * 100 / 10000 = 0.99 -> 0 fee
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 99


def test_transfer_to_non_member_reverts(token, alice, outsider):
    with reverts_with("ReceiverNotMember", outsider.address):
        token.transfer(outsider, E18, {"from": alice})


def test_members_cannot_send_tokens_to_the_notary(token, notary, alice):
    with reverts_with("ReceiverNotMember", notary.address):
        token.transfer(notary, E18, {"from": alice})


def test_transfer_to_removed_member_reverts_but_removed_member_can_spend(token, community_admin, alice, bob):
    token.removeMember(bob, {"from": community_admin})
    with reverts_with("ReceiverNotMember", bob.address):
        token.transfer(bob, E18, {"from": alice})
    token.transfer(alice, 10 * E18, {"from": bob})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 99 * TENTH


def test_transfer_to_treasury_is_a_fee_free_donation(token, alice):
    before = token.balanceOf(token)
    tx = token.transfer(token, 10 * E18, {"from": alice})
    assert token.balanceOf(token) == before + 10 * E18
    assert "TransferWithFee" not in tx.events


def test_set_fee_announces_old_and_new_and_applies_to_transfers(token, token_admin, alice, bob):
    tx = token.setFeeBps(2000, {"from": token_admin})
    assert (tx.events["FeeSet"]["oldFeeBps"], tx.events["FeeSet"]["newFeeBps"]) == (FEE_BPS, 2000)
    token.transfer(bob, 10 * E18, {"from": alice})  # 20 % of 10 = 2 to the treasury
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 8 * E18
    token.setFeeBps(0, {"from": token_admin})
    tx = token.transfer(bob, 10 * E18, {"from": alice})
    assert tx.events["TransferWithFee"]["fee"] == 0
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 18 * E18


def test_fee_above_cap_is_refused(token, token_admin):
    with reverts_with("FeeAboveCap", 2001, 2000):
        token.setFeeBps(2001, {"from": token_admin})


def test_only_the_token_admin_sets_the_fee(token, community_admin):
    with unauthorized(community_admin, "TOKEN_ADMIN"):
        token.setFeeBps(10, {"from": community_admin})


def test_transfer_from_applies_fee(token, alice, bob, carol):
    token.approve(carol, 20 * E18, {"from": alice})
    token.transferFrom(alice, bob, 20 * E18, {"from": carol})
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 198 * TENTH
    assert token.allowance(alice, carol) == 0


def test_transfer_with_max_fee_at_the_current_fee_pays_like_transfer(token, alice, bob):
    treasury_before = token.balanceOf(token)
    tx = token.transferWithMaxFee(bob, 50 * E18, MAX_FEE, {"from": alice})
    assert tx.return_value is True
    assert token.balanceOf(alice) == WELCOME_CITIZEN - 50 * E18
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 495 * TENTH
    assert token.balanceOf(token) == treasury_before + 5 * TENTH
    ev = tx.events["TransferWithFee"]
    assert (ev["from"], ev["to"], ev["sent"], ev["fee"], ev["received"]) == (
        alice,
        bob,
        50 * E18,
        5 * TENTH,
        495 * TENTH,
    )


def test_transfer_with_max_fee_accepts_a_fee_below_the_limit(token, token_admin, alice, bob):
    token.setFeeBps(50, {"from": token_admin})  # lowered to 0.5 % after the sender saw 1 %
    token.transferWithMaxFee(bob, 10 * E18, MAX_FEE, {"from": alice})
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 995 * E18 // 100


def test_transfer_with_max_fee_reverts_when_the_fee_was_raised_above_the_limit(token, token_admin, alice, bob):
    token.setFeeBps(101, {"from": token_admin})
    with reverts_with("FeeAboveLimit", 101, MAX_FEE):
        token.transferWithMaxFee(bob, 50 * E18, MAX_FEE, {"from": alice})
    assert token.balanceOf(alice) == WELCOME_CITIZEN and token.balanceOf(bob) == WELCOME_CITIZEN


def test_transfer_with_max_fee_keeps_the_member_rule(token, alice, outsider):
    with reverts_with("ReceiverNotMember", outsider.address):
        token.transferWithMaxFee(outsider, E18, MAX_FEE, {"from": alice})


# ----------------------------------------------------- purchases, treasury


def test_stakeholder_purchase_mints_against_payment_ref(token, token_admin, shop):
    supply = token.totalSupply()
    tx = token.purchase(shop, 250 * E18, b32("SEPA-2026-0001"), {"from": token_admin})
    assert token.balanceOf(shop) == WELCOME_STAKEHOLDER + 250 * E18
    assert token.totalSupply() == supply + 250 * E18
    ev = tx.events["TokensPurchased"]
    assert (ev["stakeholder"], ev["amount"], ev["paymentRef"]) == (shop, 250 * E18, "0x" + b32("SEPA-2026-0001").hex())
    assert token.purchaseRefUsed(b32("SEPA-2026-0001"))


def test_a_payment_ref_buys_once(token, token_admin, shop):
    token.purchase(shop, 250 * E18, b32("SEPA-2026-0001"), {"from": token_admin})
    with reverts_with("PaymentRefInvalid", b32("SEPA-2026-0001")):
        token.purchase(shop, E18, b32("SEPA-2026-0001"), {"from": token_admin})


def test_citizens_and_outsiders_cannot_buy(token, token_admin, alice, outsider):
    with reverts_with("NotAStakeholder", alice.address):
        token.purchase(alice, E18, b32("p1"), {"from": token_admin})
    with reverts_with("NotAStakeholder", outsider.address):
        token.purchase(outsider, E18, b32("p2"), {"from": token_admin})


def test_purchase_needs_an_amount_and_a_reference(token, token_admin, shop):
    with reverts_with("ZeroAmount"):
        token.purchase(shop, 0, b32("p3"), {"from": token_admin})
    with reverts_with("PaymentRefInvalid", bytes(32)):
        token.purchase(shop, E18, bytes(32), {"from": token_admin})


def test_only_the_token_admin_mints_purchases(token, shop):
    with unauthorized(shop, "TOKEN_ADMIN"):
        token.purchase(shop, E18, b32("p4"), {"from": shop})


def test_fund_treasury(token, token_admin):
    before = token.balanceOf(token)
    tx = token.fundTreasury(5 * E18, b32("grant"), {"from": token_admin})
    assert token.balanceOf(token) == before + 5 * E18
    ev = tx.events["TreasuryFunded"]
    assert (ev["amount"], ev["ref"]) == (5 * E18, "0x" + b32("grant").hex())


def test_fund_treasury_needs_an_amount_and_the_token_admin(token, token_admin, alice):
    with reverts_with("ZeroAmount"):
        token.fundTreasury(0, b32("grant"), {"from": token_admin})
    with unauthorized(alice, "TOKEN_ADMIN"):
        token.fundTreasury(E18, b32("x"), {"from": alice})


def test_treasury_available_is_the_treasury_balance(token, alice, bob):
    assert token.treasuryAvailable() == token.balanceOf(token) == TREASURY_FUNDS - WELCOMES_PAID
    token.transfer(bob, 10 * E18, {"from": alice})
    assert token.treasuryAvailable() == TREASURY_FUNDS - WELCOMES_PAID + TENTH


# -------------------------------------------------------------------- pause


def test_only_the_platform_admin_pauses_and_unpauses(token, platform_admin, community_admin):
    with unauthorized(community_admin, "PLATFORM_ADMIN"):
        token.pause({"from": community_admin})
    token.pause({"from": platform_admin})
    with unauthorized(community_admin, "PLATFORM_ADMIN"):
        token.unpause({"from": community_admin})


def test_pause_stops_every_token_movement(
    token, platform_admin, community_admin, token_admin, alice, bob, shop, outsider
):
    token.pause({"from": platform_admin})
    assert token.paused()
    with reverts_with("EnforcedPause"):
        token.transfer(bob, E18, {"from": alice})
    with reverts_with("EnforcedPause"):
        token.transferWithMaxFee(bob, E18, MAX_FEE, {"from": alice})
    with reverts_with("EnforcedPause"):
        token.payService(bob, E18, C2C, b32("s"), ZERO_ADDRESS, 0, MAX_FEE, {"from": alice})
    with reverts_with("EnforcedPause"):
        token.purchase(shop, E18, b32("p"), {"from": token_admin})
    with reverts_with("EnforcedPause"):
        token.fundTreasury(E18, b32("grant"), {"from": token_admin})
    with reverts_with("EnforcedPause"):
        token.addMember(outsider, CITIZEN, CONSUMER, {"from": community_admin})  # the bonus is a payment


def test_reads_work_while_paused_and_unpause_restores_transfers(token, platform_admin, alice, bob):
    token.pause({"from": platform_admin})
    assert token.balanceOf(alice) == WELCOME_CITIZEN
    assert token.isMember(bob)
    assert list(token.quoteService(10 * E18, C2C, 0)) == [TENTH, 99 * TENTH, 0, 0]
    tx = token.unpause({"from": platform_admin})
    assert tx.events["Unpaused"]["account"] == platform_admin
    token.transfer(bob, E18, {"from": alice})
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 99 * E18 // 100


def test_unpausing_a_running_token_reverts(token, platform_admin):
    with reverts_with("ExpectedPause"):
        token.unpause({"from": platform_admin})


# ------------------------------------------------------------------- permit


def test_permit_lets_a_member_approve_by_signature(token, bob, carol):
    owner = Account.create()  # signs off-chain only: it never sends a transaction
    deadline = chain.time() + 3600
    value = 3 * E18
    data = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Permit",
        "domain": {"name": token.name(), "version": "1", "chainId": chain.id, "verifyingContract": token.address},
        "message": {"owner": owner.address, "spender": carol.address, "value": value, "nonce": 0, "deadline": deadline},
    }
    signed = owner.sign_message(encode_typed_data(full_message=data))
    r, s = signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")
    token.permit(owner.address, carol, value, deadline, signed.v, r, s, {"from": bob})
    assert token.allowance(owner.address, carol) == value
    assert token.nonces(owner.address) == 1
    # replaying the same signature fails: the nonce moved on, so the signature recovers another signer
    data["message"]["nonce"] = 1
    other_signer = Account.recover_message(encode_typed_data(full_message=data), vrs=(signed.v, r, s))
    with reverts_with("ERC2612InvalidSigner", other_signer, owner.address):
        token.permit(owner.address, carol, value, deadline, signed.v, r, s, {"from": bob})


# ------------------------------------------------------------- communities


def test_tokens_never_cross_communities(factory, platform_admin, community_admin, token_admin, token, alice):
    other = create_community(factory, platform_admin, community_admin, token_admin, "Valle Verde", "VVE")
    other.fundTreasury(1000 * E18, b32("seed"), {"from": token_admin})
    # the same person joins the second community with another wallet
    second_wallet = brownie.accounts.add()
    other.addMember(second_wallet, CITIZEN, CONSUMER, {"from": community_admin})
    assert other.balanceOf(second_wallet) == WELCOME_CITIZEN
    assert token.balanceOf(second_wallet) == 0
    # a member of one community is not a member of the other: a transfer there reverts
    with reverts_with("ReceiverNotMember", alice.address):
        other.transfer(alice, E18, {"from": second_wallet})
    # and the community's own token rejects the other community's contract as receiver
    with reverts_with("ReceiverNotMember", other.address):
        token.transfer(other, E18, {"from": alice})
