"""CommunityToken: membership, welcome bonus, fees, purchases, treasury, pause, permit."""
import brownie
from brownie import chain, web3
from eth_account import Account
from eth_account.messages import encode_typed_data

from .conftest import (
    CITIZEN,
    CONSUMER,
    E18,
    FEE_BPS,
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


# ------------------------------------------------------------------ factory


def test_factory_lists_communities_and_rejects_duplicate_names(factory, platform_admin, community_admin, token_admin):
    first = create_community(factory, platform_admin, community_admin, token_admin, "Alpha", "ALP")
    second = create_community(factory, platform_admin, community_admin, token_admin, "Beta", "BET")
    count = factory.communityCount()  # the module's other communities come first
    assert factory.communities()[-2:] == [first.address, second.address]
    assert factory.communityAt(count - 1) == second.address
    assert factory.isCommunity(first) and not factory.isCommunity(platform_admin)
    assert factory.communityByName("Beta") == second.address
    assert first.name() == "Alpha" and first.symbol() == "ALP" and first.decimals() == 18
    with reverts_with("CommunityNameTaken", "Alpha", first.address):
        create_community(factory, platform_admin, community_admin, token_admin, "Alpha", "ALP2")
    with reverts_with("IndexOutOfRange", count, count):
        factory.communityAt(count)
    with reverts_with("EmptyName"):
        create_community(factory, platform_admin, community_admin, token_admin, "", "X")
    long_name = "Comunità Energetica Genova Levante"  # 35 bytes in UTF-8
    with reverts_with("NameTooLong", long_name, 31):
        create_community(factory, platform_admin, community_admin, token_admin, long_name, "CEGL")
    exact = "Comunità Energetica Genova Est"  # 31 bytes: the longest allowed
    assert len(exact.encode()) == 31
    assert create_community(factory, platform_admin, community_admin, token_admin, exact, "CEGE").name() == exact


def test_only_platform_admin_creates_communities(factory, community_admin, token_admin):
    with brownie.reverts():
        factory.createCommunity("Gamma", "GAM", community_admin, token_admin, 0, 0, 0, {"from": community_admin})


def test_community_roles_are_wired(bare_token, platform, platform_admin, community_admin, token_admin):
    t = bare_token
    assert t.hasRole(t.DEFAULT_ADMIN_ROLE(), platform_admin)
    assert t.hasRole(t.PLATFORM_ADMIN_ROLE(), platform_admin)
    assert t.hasRole(t.COMMUNITY_ADMIN_ROLE(), community_admin)
    assert t.hasRole(t.TOKEN_ADMIN_ROLE(), token_admin)
    assert t.hasRole(t.REWARD_DISTRIBUTOR_ROLE(), platform.notary)
    assert t.PLATFORM_ADMIN_ROLE() == web3.to_hex(web3.keccak(text="PLATFORM_ADMIN"))
    assert t.treasury() == t.address
    assert t.feeBps() == FEE_BPS
    assert t.welcomeBonus(CITIZEN) == WELCOME_CITIZEN
    assert t.welcomeBonus(STAKEHOLDER) == WELCOME_STAKEHOLDER


def test_fee_above_cap_rejected_at_creation(factory, platform_admin, community_admin, token_admin):
    with reverts_with("FeeAboveCap", 2001, 2000):
        create_community(factory, platform_admin, community_admin, token_admin, "Greedy", "GRD", fee_bps=2001)


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


def test_add_member_events(bare_token, token_admin, community_admin, alice):
    bare_token.fundTreasury(1000 * E18, b32("seed"), {"from": token_admin})
    tx = bare_token.addMember(alice, CITIZEN, PROSUMER, {"from": community_admin})
    assert tx.events["MemberAdded"]["account"] == alice
    assert tx.events["MemberAdded"]["kind"] == CITIZEN
    assert tx.events["WelcomeBonusPaid"]["amount"] == WELCOME_CITIZEN
    assert tx.events["Transfer"]["from"] == bare_token.address
    assert tx.events["Transfer"]["value"] == WELCOME_CITIZEN


def test_rejoining_pays_no_second_bonus(token, community_admin, alice):
    treasury_before = token.balanceOf(token)
    token.removeMember(alice, {"from": community_admin})
    assert not token.isMember(alice)
    assert token.memberCount() == 4
    tx = token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    assert "WelcomeBonusPaid" not in tx.events
    assert token.balanceOf(alice) == WELCOME_CITIZEN
    assert token.balanceOf(token) == treasury_before
    assert token.memberCount() == 5


def test_join_with_poor_treasury_reverts_whole(bare_token, token_admin, community_admin, alice):
    bare_token.fundTreasury(99 * E18, b32("seed"), {"from": token_admin})
    with reverts_with("TreasuryInsufficient", 99 * E18, WELCOME_CITIZEN):
        bare_token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    # nothing half-happened: not a member, not marked welcomed, treasury intact
    assert [int(x) for x in bare_token.memberInfo(alice)] == [0, 0, 0, 0, 0]
    assert bare_token.memberCount() == 0
    assert bare_token.balanceOf(bare_token) == 99 * E18


def test_zero_welcome_bonus_joins_without_treasury(bare_token, token_admin, community_admin, alice):
    bare_token.setWelcomeBonus(CITIZEN, 0, {"from": token_admin})
    tx = bare_token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    assert "WelcomeBonusPaid" not in tx.events
    assert bare_token.isMember(alice)


def test_membership_reverts(token, community_admin, token_admin, alice, outsider):
    with reverts_with("AlreadyMember", alice.address):
        token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    with reverts_with("InvalidKind"):
        token.addMember(outsider, 0, CONSUMER, {"from": community_admin})
    with reverts_with("InvalidProfile"):
        token.addMember(outsider, CITIZEN, 0, {"from": community_admin})
    with reverts_with("InvalidAccount", "0x0000000000000000000000000000000000000000"):
        token.addMember("0x0000000000000000000000000000000000000000", CITIZEN, CONSUMER, {"from": community_admin})
    with reverts_with("InvalidAccount", token.address):
        token.addMember(token.address, CITIZEN, CONSUMER, {"from": community_admin})
    with reverts_with("NotAMember", outsider.address):
        token.removeMember(outsider, {"from": community_admin})
    with reverts_with("NotAMember", outsider.address):
        token.setEnergyProfile(outsider, PROSUMER, {"from": community_admin})
    with reverts_with("InvalidProfile"):
        token.setEnergyProfile(alice, 0, {"from": community_admin})
    # wrong role: the token admin is not the community admin
    with brownie.reverts():
        token.addMember(outsider, CITIZEN, CONSUMER, {"from": token_admin})
    with brownie.reverts():
        token.removeMember(alice, {"from": alice})


def test_energy_profile_change(token, community_admin, alice):
    tx = token.setEnergyProfile(alice, PROSTORMER, {"from": community_admin})
    assert tx.events["MemberProfileChanged"]["profile"] == PROSTORMER
    assert token.memberInfo(alice)[1] == PROSTORMER


# --------------------------------------------------------------------- fees


def test_transfer_between_members_pays_fee_to_treasury(token, alice, bob):
    treasury_before = token.balanceOf(token)
    tx = token.transfer(bob, 50 * E18, {"from": alice})
    # 1 % of 50 = 0.5 to the treasury, 49.5 arrive
    assert token.balanceOf(alice) == WELCOME_CITIZEN - 50 * E18
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 49_500_000_000_000_000_000
    assert token.balanceOf(token) == treasury_before + 500_000_000_000_000_000
    ev = tx.events["TransferWithFee"]
    assert (ev["from"], ev["to"]) == (alice, bob)
    assert ev["sent"] == 50 * E18 and ev["fee"] == 5 * 10**17 and ev["received"] == 495 * 10**17
    assert ev["fee"] + ev["received"] == ev["sent"]


def test_fee_rounds_down_for_tiny_amounts(token, alice, bob):
    token.transfer(bob, 99, {"from": alice})  # 99 * 100 / 10000 = 0.99 -> 0 fee
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 99


def test_transfer_to_non_member_reverts(token, alice, outsider):
    with reverts_with("ReceiverNotMember", outsider.address):
        token.transfer(outsider, E18, {"from": alice})


def test_transfer_to_removed_member_reverts_but_removed_member_can_spend(token, community_admin, alice, bob):
    token.removeMember(bob, {"from": community_admin})
    with reverts_with("ReceiverNotMember", bob.address):
        token.transfer(bob, E18, {"from": alice})
    token.transfer(alice, 10 * E18, {"from": bob})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 99 * 10**17


def test_transfer_to_treasury_is_a_fee_free_donation(token, alice):
    before = token.balanceOf(token)
    tx = token.transfer(token, 10 * E18, {"from": alice})
    assert token.balanceOf(token) == before + 10 * E18
    assert "TransferWithFee" not in tx.events


def test_set_fee(token, token_admin, alice, bob):
    tx = token.setFeeBps(2000, {"from": token_admin})
    assert tx.events["FeeSet"]["oldFeeBps"] == FEE_BPS and tx.events["FeeSet"]["newFeeBps"] == 2000
    token.transfer(bob, 10 * E18, {"from": alice})
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 8 * E18
    with reverts_with("FeeAboveCap", 2001, 2000):
        token.setFeeBps(2001, {"from": token_admin})
    with brownie.reverts():
        token.setFeeBps(10, {"from": alice})
    token.setFeeBps(0, {"from": token_admin})
    tx = token.transfer(bob, 10 * E18, {"from": alice})
    assert tx.events["TransferWithFee"]["fee"] == 0
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 18 * E18


def test_transfer_from_applies_fee(token, alice, bob, carol):
    token.approve(carol, 20 * E18, {"from": alice})
    token.transferFrom(alice, bob, 20 * E18, {"from": carol})
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 198 * 10**17
    assert token.allowance(alice, carol) == 0


def test_welcome_bonus_setting(token, token_admin, community_admin, alice, outsider):
    tx = token.setWelcomeBonus(CITIZEN, 7 * E18, {"from": token_admin})
    assert tx.events["WelcomeBonusSet"]["amount"] == 7 * E18
    token.addMember(outsider, CITIZEN, CONSUMER, {"from": community_admin})
    assert token.balanceOf(outsider) == 7 * E18
    with reverts_with("InvalidKind"):
        token.setWelcomeBonus(0, 1, {"from": token_admin})
    with brownie.reverts():
        token.setWelcomeBonus(CITIZEN, 1, {"from": alice})


# ----------------------------------------------------- purchases, treasury


def test_stakeholder_purchase_mints_against_payment_ref(token, token_admin, shop):
    supply = token.totalSupply()
    tx = token.purchase(shop, 250 * E18, b32("SEPA-2026-0001"), {"from": token_admin})
    assert token.balanceOf(shop) == WELCOME_STAKEHOLDER + 250 * E18
    assert token.totalSupply() == supply + 250 * E18
    assert tx.events["TokensPurchased"]["paymentRef"] == "0x" + b32("SEPA-2026-0001").hex()
    assert token.purchaseRefUsed(b32("SEPA-2026-0001"))
    with reverts_with("PaymentRefInvalid", "0x" + b32("SEPA-2026-0001").hex()):
        token.purchase(shop, E18, b32("SEPA-2026-0001"), {"from": token_admin})


def test_purchase_reverts(token, token_admin, alice, shop, outsider):
    with reverts_with("NotAStakeholder", alice.address):
        token.purchase(alice, E18, b32("p1"), {"from": token_admin})
    with reverts_with("NotAStakeholder", outsider.address):
        token.purchase(outsider, E18, b32("p2"), {"from": token_admin})
    with reverts_with("ZeroAmount"):
        token.purchase(shop, 0, b32("p3"), {"from": token_admin})
    with reverts_with("PaymentRefInvalid", "0x" + "00" * 32):
        token.purchase(shop, E18, b"\0" * 32, {"from": token_admin})
    with brownie.reverts():
        token.purchase(shop, E18, b32("p4"), {"from": shop})


def test_fund_treasury(token, token_admin, alice):
    before = token.balanceOf(token)
    tx = token.fundTreasury(5 * E18, b32("grant"), {"from": token_admin})
    assert token.balanceOf(token) == before + 5 * E18
    assert tx.events["TreasuryFunded"]["amount"] == 5 * E18
    with reverts_with("ZeroAmount"):
        token.fundTreasury(0, b32("grant"), {"from": token_admin})
    with brownie.reverts():
        token.fundTreasury(E18, b32("x"), {"from": alice})


# -------------------------------------------------------------------- pause


def test_pause_stops_transfers_and_payments_not_reads(token, platform_admin, community_admin, token_admin, alice, bob,
                                                      shop, outsider):
    with brownie.reverts():
        token.pause({"from": community_admin})
    token.pause({"from": platform_admin})
    assert token.paused()
    with reverts_with("EnforcedPause"):
        token.transfer(bob, E18, {"from": alice})
    with reverts_with("EnforcedPause"):
        token.payService(bob, E18, 1, b32("s"), brownie.ZERO_ADDRESS, 0, {"from": alice})
    with reverts_with("EnforcedPause"):
        token.purchase(shop, E18, b32("p"), {"from": token_admin})
    with reverts_with("EnforcedPause"):
        token.addMember(outsider, CITIZEN, CONSUMER, {"from": community_admin})  # the bonus is a payment
    # reads still work
    assert token.balanceOf(alice) == WELCOME_CITIZEN
    assert token.isMember(bob)
    token.unpause({"from": platform_admin})
    token.transfer(bob, E18, {"from": alice})
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 99 * 10**16


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
        "message": {"owner": owner.address, "spender": carol.address, "value": value, "nonce": 0,
                    "deadline": deadline},
    }
    signed = owner.sign_message(encode_typed_data(full_message=data))
    token.permit(owner.address, carol, value, deadline, signed.v, signed.r.to_bytes(32, "big"),
                 signed.s.to_bytes(32, "big"), {"from": bob})
    assert token.allowance(owner.address, carol) == value
    assert token.nonces(owner.address) == 1
    # replaying the same signature fails
    with brownie.reverts():
        token.permit(owner.address, carol, value, deadline, signed.v, signed.r.to_bytes(32, "big"),
                     signed.s.to_bytes(32, "big"), {"from": bob})


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


def test_add_members_in_one_batch(bare_token, token_admin, community_admin, alice, bob, shop):
    bare_token.fundTreasury(700 * E18, b32("seed"), {"from": token_admin})
    tx = bare_token.addMembers([alice, bob, shop], [CITIZEN, CITIZEN, STAKEHOLDER], [CONSUMER, PROSUMER, CONSUMER],
                               {"from": community_admin})
    assert [e["account"] for e in tx.events["MemberAdded"]] == [alice, bob, shop]
    assert bare_token.memberCount() == 3
    assert [bare_token.balanceOf(a) for a in (alice, bob, shop)] == [WELCOME_CITIZEN, WELCOME_CITIZEN,
                                                                     WELCOME_STAKEHOLDER]
    assert bare_token.balanceOf(bare_token) == 0  # 100 + 100 + 500


def test_add_members_is_all_or_none(bare_token, token_admin, community_admin, alice, bob, shop, outsider):
    bare_token.fundTreasury(600 * E18, b32("seed"), {"from": token_admin})  # 100 short of three bonuses
    with reverts_with("TreasuryInsufficient", 400 * E18, WELCOME_STAKEHOLDER):  # after 2 x 100
        bare_token.addMembers([alice, bob, shop], [CITIZEN, CITIZEN, STAKEHOLDER], [CONSUMER] * 3,
                              {"from": community_admin})
    with reverts_with("AlreadyMember", alice.address):
        bare_token.addMembers([alice, alice], [CITIZEN, CITIZEN], [CONSUMER] * 2, {"from": community_admin})
    assert bare_token.memberCount() == 0 and bare_token.balanceOf(alice) == 0
    with reverts_with("BatchSize", 0, 200):
        bare_token.addMembers([], [], [], {"from": community_admin})
    with reverts_with("BatchSize", 201, 200):
        bare_token.addMembers([outsider] * 201, [CITIZEN] * 201, [CONSUMER] * 201, {"from": community_admin})
    with reverts_with("LengthMismatch"):
        bare_token.addMembers([alice, bob], [CITIZEN], [CONSUMER, CONSUMER], {"from": community_admin})
    with reverts_with("LengthMismatch"):
        bare_token.addMembers([alice, bob], [CITIZEN, CITIZEN], [CONSUMER], {"from": community_admin})
    with brownie.reverts():
        bare_token.addMembers([alice], [CITIZEN], [CONSUMER], {"from": token_admin})
