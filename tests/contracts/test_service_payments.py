"""Service payments (categories 1-5) and work for the community (categories 6-8)."""
import brownie
import pytest
from brownie import ZERO_ADDRESS

from .conftest import (
    C2C,
    C2C_STRUCT,
    C2COMM,
    C2COMM_STRUCT,
    C2S,
    CITIZEN,
    E18,
    PAYER,
    PROVIDER,
    S2C,
    S2COMM,
    S2S,
    STAKEHOLDER,
    WELCOME_CITIZEN,
    WELCOME_STAKEHOLDER,
    b32,
    reverts_with,
)

TENTH = E18 // 10
REF = b32("listing-42")


def balances(token, *accounts):
    return [token.balanceOf(a) for a in accounts]


# ------------------------------------------------------- categories 1-5


def test_citizen_pays_citizen_with_incentive_to_provider(token, token_admin, alice, bob):
    token.setCategoryIncentive(C2C, 500, PROVIDER, {"from": token_admin})  # 5 %
    treasury = token.balanceOf(token)
    tx = token.payService(bob, 80 * E18, C2C, REF, ZERO_ADDRESS, 0, {"from": alice})
    # fee 1 % of 80 = 0.8 -> treasury; bob gets 79.2; incentive 5 % of 80 = 4 from treasury to bob
    assert token.balanceOf(alice) == WELCOME_CITIZEN - 80 * E18
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 792 * TENTH + 4 * E18
    assert token.balanceOf(token) == treasury + 8 * TENTH - 4 * E18
    ev = tx.events["ServicePaid"]
    assert (ev["payer"], ev["provider"], ev["category"], ev["amount"]) == (alice, bob, C2C, 80 * E18)
    assert ev["serviceRef"] == "0x" + REF.hex()
    fee, to_provider, to_structure, incentive, incentive_to = ev["split"]
    assert (fee, to_provider, to_structure, incentive) == (8 * TENTH, 792 * TENTH, 0, 4 * E18)
    assert incentive_to == bob


def test_citizen_pays_citizen_with_structure(token, token_admin, alice, bob, hall):
    token.setCategoryIncentive(C2C_STRUCT, 1000, PAYER, {"from": token_admin})  # 10 % to the payer
    tx = token.payService(bob, 80 * E18, C2C_STRUCT, REF, hall, 2500, {"from": alice})
    # fee 0.8; net 79.2; hall 25 % of 79.2 = 19.8; bob 59.4; incentive 8 to alice
    assert token.balanceOf(hall) == WELCOME_STAKEHOLDER + 198 * TENTH
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 594 * TENTH
    assert token.balanceOf(alice) == WELCOME_CITIZEN - 80 * E18 + 8 * E18
    assert list(tx.events["ServicePaid"]["split"])[:4] == [8 * TENTH, 594 * TENTH, 198 * TENTH, 8 * E18]
    assert tx.events["ServicePaid"]["split"][4] == alice


@pytest.mark.parametrize(
    "category,payer_name,provider_name,amount,received",
    [
        (S2C, "alice", "shop", 40 * E18, 396 * TENTH),  # citizen pays a stakeholder's service
        (S2S, "shop", "hall", 100 * E18, 99 * E18),
        (C2S, "shop", "carol", 50 * E18, 495 * TENTH),  # a stakeholder pays a citizen
    ],
)
def test_categories_3_to_5(token, request, category, payer_name, provider_name, amount, received):
    payer, provider = request.getfixturevalue(payer_name), request.getfixturevalue(provider_name)
    payer_before, provider_before, treasury_before = balances(token, payer, provider, token)
    token.payService(provider, amount, category, REF, ZERO_ADDRESS, 0, {"from": payer})
    assert token.balanceOf(payer) == payer_before - amount
    assert token.balanceOf(provider) == provider_before + received
    assert token.balanceOf(token) == treasury_before + (amount - received)  # the fee, no incentive set


@pytest.mark.parametrize(
    "category,payer_name,provider_name,payer_kind,provider_kind",
    [
        (C2C, "alice", "shop", CITIZEN, STAKEHOLDER),
        (C2C, "shop", "alice", STAKEHOLDER, CITIZEN),
        (S2C, "shop", "hall", STAKEHOLDER, STAKEHOLDER),
        (S2C, "shop", "alice", STAKEHOLDER, CITIZEN),
        (S2S, "alice", "shop", CITIZEN, STAKEHOLDER),
        (C2S, "alice", "bob", CITIZEN, CITIZEN),
    ],
)
def test_category_must_match_member_kinds(token, request, category, payer_name, provider_name, payer_kind,
                                          provider_kind):
    payer, provider = request.getfixturevalue(payer_name), request.getfixturevalue(provider_name)
    with reverts_with("KindMismatch", category, payer_kind, provider_kind):
        token.payService(provider, E18, category, REF, ZERO_ADDRESS, 0, {"from": payer})


def test_service_payment_reverts(token, alice, bob, carol, shop, hall, outsider):
    with reverts_with("ZeroAmount"):
        token.payService(bob, 0, C2C, REF, ZERO_ADDRESS, 0, {"from": alice})
    with reverts_with("SelfPayment"):
        token.payService(alice, E18, C2C, REF, ZERO_ADDRESS, 0, {"from": alice})
    for category in (0, C2COMM, S2COMM, C2COMM_STRUCT):
        with reverts_with("CategoryNotPayable", category):
            token.payService(bob, E18, category, REF, ZERO_ADDRESS, 0, {"from": alice})
    with brownie.reverts():  # not a category at all: the ABI decoder rejects it
        token.payService(bob, E18, 9, REF, ZERO_ADDRESS, 0, {"from": alice})
    with reverts_with("NotAMember", outsider):
        token.payService(bob, E18, C2C, REF, ZERO_ADDRESS, 0, {"from": outsider})
    with reverts_with("ReceiverNotMember", outsider):
        token.payService(outsider, E18, C2C, REF, ZERO_ADDRESS, 0, {"from": alice})
    with reverts_with("StructureRequired"):
        token.payService(bob, E18, C2C_STRUCT, REF, ZERO_ADDRESS, 1000, {"from": alice})
    with reverts_with("StructureNotStakeholder", carol):
        token.payService(bob, E18, C2C_STRUCT, REF, carol, 1000, {"from": alice})
    with reverts_with("StructureNotStakeholder", outsider):
        token.payService(bob, E18, C2C_STRUCT, REF, outsider, 1000, {"from": alice})
    with reverts_with("ShareAboveWhole", 10001):
        token.payService(bob, E18, C2C_STRUCT, REF, hall, 10001, {"from": alice})
    with reverts_with("StructureNotAllowed"):
        token.payService(bob, E18, C2C, REF, hall, 0, {"from": alice})
    with reverts_with("StructureNotAllowed"):
        token.payService(bob, E18, C2C, REF, ZERO_ADDRESS, 500, {"from": alice})
    with reverts_with("ERC20InsufficientBalance", alice, WELCOME_CITIZEN, WELCOME_CITIZEN + 1):
        token.payService(bob, WELCOME_CITIZEN + 1, C2C, REF, ZERO_ADDRESS, 0, {"from": alice})
    assert token.balanceOf(alice) == WELCOME_CITIZEN and token.balanceOf(bob) == WELCOME_CITIZEN


def test_incentive_the_treasury_cannot_pay_reverts_the_payment(bare_token, token_admin, community_admin, alice, bob):
    bare_token.setWelcomeBonus(CITIZEN, 0, {"from": token_admin})
    bare_token.addMember(alice, CITIZEN, 1, {"from": community_admin})
    bare_token.addMember(bob, CITIZEN, 1, {"from": community_admin})
    bare_token.fundTreasury(10 * E18, b32("seed"), {"from": token_admin})
    bare_token.setCategoryIncentive(C2C, 5000, PROVIDER, {"from": token_admin})  # 50 %
    bare_token.setFeeBps(0, {"from": token_admin})
    bare_token.requestCommunityWork(C2COMM, 10 * E18, b32("clean park"), ZERO_ADDRESS, 0, {"from": alice})
    bare_token.approveCommunityWork(1, {"from": community_admin})
    assert bare_token.balanceOf(alice) == 10 * E18 and bare_token.balanceOf(bare_token) == 0
    with reverts_with("TreasuryInsufficient", 0, 5 * E18):
        bare_token.payService(bob, 10 * E18, C2C, REF, ZERO_ADDRESS, 0, {"from": alice})
    assert bare_token.balanceOf(alice) == 10 * E18 and bare_token.balanceOf(bob) == 0


def test_quote_matches_payment(token, token_admin, alice, bob, hall):
    token.setCategoryIncentive(C2C_STRUCT, 300, PROVIDER, {"from": token_admin})
    quote = token.quoteService(33 * E18, C2C_STRUCT, 1234)
    tx = token.payService(bob, 33 * E18, C2C_STRUCT, REF, hall, 1234, {"from": alice})
    assert list(quote) == list(tx.events["ServicePaid"]["split"])[:4]
    with reverts_with("ShareAboveWhole", 10001):
        token.quoteService(E18, C2C_STRUCT, 10001)


def test_category_incentive_settings(token, token_admin, alice):
    tx = token.setCategoryIncentive(C2S, 250, PAYER, {"from": token_admin})
    assert tx.events["CategoryIncentiveSet"]["bps"] == 250
    assert list(token.categoryIncentive(C2S)) == [250, PAYER]
    for category in (0, C2COMM, S2COMM, C2COMM_STRUCT):
        with reverts_with("CategoryNotPayable", category):
            token.setCategoryIncentive(category, 100, PAYER, {"from": token_admin})
    with reverts_with("IncentiveAboveCap", 5001, 5000):
        token.setCategoryIncentive(C2C, 5001, PAYER, {"from": token_admin})
    with brownie.reverts():
        token.setCategoryIncentive(C2C, 100, PAYER, {"from": alice})


# ------------------------------------------------ work for the community


def test_citizen_work_for_community_paid_on_approval(token, community_admin, carol):
    treasury = token.balanceOf(token)
    tx = token.requestCommunityWork(C2COMM, 30 * E18, b32("garden"), ZERO_ADDRESS, 0, {"from": carol})
    assert tx.return_value == 1
    assert tx.events["CommunityWorkRequested"]["member"] == carol
    assert token.balanceOf(carol) == WELCOME_CITIZEN  # nothing paid yet
    tx = token.approveCommunityWork(1, {"from": community_admin})
    assert token.balanceOf(carol) == WELCOME_CITIZEN + 30 * E18  # fee-free
    assert token.balanceOf(token) == treasury - 30 * E18
    assert tx.events["CommunityWorkPaid"]["memberReceived"] == 30 * E18
    assert token.workRequest(1)[2] == 2  # Paid


def test_stakeholder_work_and_citizen_work_with_structure(token, community_admin, alice, shop, hall):
    token.requestCommunityWork(S2COMM, 60 * E18, b32("sponsor"), ZERO_ADDRESS, 0, {"from": shop})
    token.requestCommunityWork(C2COMM_STRUCT, 50 * E18, b32("course"), hall, 2000, {"from": alice})
    token.approveCommunityWork(1, {"from": community_admin})
    tx = token.approveCommunityWork(2, {"from": community_admin})
    assert token.balanceOf(shop) == WELCOME_STAKEHOLDER + 60 * E18
    # 20 % of 50 to the structure owner, 40 to the citizen
    assert token.balanceOf(hall) == WELCOME_STAKEHOLDER + 10 * E18
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 40 * E18
    assert tx.events["CommunityWorkPaid"]["structureReceived"] == 10 * E18


def test_community_work_reverts(token, community_admin, alice, shop, hall, outsider):
    with reverts_with("KindMismatch", S2COMM, CITIZEN, 0):
        token.requestCommunityWork(S2COMM, E18, REF, ZERO_ADDRESS, 0, {"from": alice})
    with reverts_with("KindMismatch", C2COMM, STAKEHOLDER, 0):
        token.requestCommunityWork(C2COMM, E18, REF, ZERO_ADDRESS, 0, {"from": shop})
    for category in (0, C2C, C2S):
        with reverts_with("CategoryNotCommunityWork", category):
            token.requestCommunityWork(category, E18, REF, ZERO_ADDRESS, 0, {"from": alice})
    with reverts_with("NotAMember", outsider):
        token.requestCommunityWork(C2COMM, E18, REF, ZERO_ADDRESS, 0, {"from": outsider})
    with reverts_with("ZeroAmount"):
        token.requestCommunityWork(C2COMM, 0, REF, ZERO_ADDRESS, 0, {"from": alice})
    with reverts_with("StructureRequired"):
        token.requestCommunityWork(C2COMM_STRUCT, E18, REF, ZERO_ADDRESS, 0, {"from": alice})
    with reverts_with("StructureNotAllowed"):
        token.requestCommunityWork(C2COMM, E18, REF, hall, 100, {"from": alice})
    with reverts_with("UnknownWorkRequest", 1):
        token.approveCommunityWork(1, {"from": community_admin})
    with reverts_with("UnknownWorkRequest", 1):
        token.workRequest(1)
    token.requestCommunityWork(C2COMM, E18, REF, ZERO_ADDRESS, 0, {"from": alice})
    with brownie.reverts():  # only the community admin approves
        token.approveCommunityWork(1, {"from": alice})
    token.approveCommunityWork(1, {"from": community_admin})
    with reverts_with("WorkRequestNotPending", 1, 2):
        token.approveCommunityWork(1, {"from": community_admin})
    token.requestCommunityWork(C2COMM, E18, REF, ZERO_ADDRESS, 0, {"from": alice})
    tx = token.rejectCommunityWork(2, b32("no evidence"), {"from": community_admin})
    assert tx.events["CommunityWorkRejected"]["id"] == 2
    with reverts_with("WorkRequestNotPending", 2, 3):
        token.approveCommunityWork(2, {"from": community_admin})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + E18  # only the approved request was paid


def test_work_approval_with_poor_treasury_stays_pending(bare_token, token_admin, community_admin, alice):
    bare_token.setWelcomeBonus(CITIZEN, 0, {"from": token_admin})
    bare_token.addMember(alice, CITIZEN, 1, {"from": community_admin})
    bare_token.requestCommunityWork(C2COMM, 5 * E18, REF, ZERO_ADDRESS, 0, {"from": alice})
    with reverts_with("TreasuryInsufficient", 0, 5 * E18):
        bare_token.approveCommunityWork(1, {"from": community_admin})
    assert bare_token.workRequest(1)[2] == 1  # still Pending
    bare_token.fundTreasury(5 * E18, REF, {"from": token_admin})
    bare_token.approveCommunityWork(1, {"from": community_admin})
    assert bare_token.balanceOf(alice) == 5 * E18
