"""Service payments (categories 1-5) with approved incentives and the max-fee guard, and work for the community
(categories 6-8)."""

import brownie
import pytest
from brownie import ZERO_ADDRESS
from eth_utils import keccak

from .conftest import (
    C2C,
    C2C_STRUCT,
    C2COMM,
    C2COMM_STRUCT,
    C2S,
    CITIZEN,
    CONSUMER,
    E18,
    FEE_BPS,
    MAX_FEE,
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
HUNDREDTH = E18 // 100
REF = b32("listing-42")
PENDING, PAID, REJECTED = 1, 2, 3
NOT_PAYABLE = (0, C2COMM, S2COMM, C2COMM_STRUCT)


def unauthorized(account, role: str):
    """OpenZeppelin AccessControl's revert for `account` lacking `role`."""
    return reverts_with("AccessControlUnauthorizedAccount", account, keccak(text=role))


def pay(token, payer, provider, amount, category=C2C, ref=REF, structure=ZERO_ADDRESS, share_bps=0, max_fee=MAX_FEE):
    return token.payService(provider, amount, category, ref, structure, share_bps, max_fee, {"from": payer})


def approve(token, community_admin, payer, provider, category=C2C, max_amount=1_000 * E18, ref=REF):
    return token.approveServiceIncentive(ref, payer, provider, category, max_amount, {"from": community_admin})


def balances(token, *accounts):
    return [token.balanceOf(a) for a in accounts]


def split_of(tx):
    """The ServicePaid split as a list: fee, toProvider, toStructure, incentive, incentiveTo."""
    return list(tx.events["ServicePaid"]["split"])


# ------------------------------------------------------- categories 1-5


def test_citizen_pays_citizen_with_approved_incentive_to_provider(token, token_admin, community_admin, alice, bob):
    token.setCategoryIncentive(C2C, 500, PROVIDER, {"from": token_admin})  # 5 %
    approve(token, community_admin, alice, bob, C2C, 80 * E18)
    treasury = token.balanceOf(token)
    tx = pay(token, alice, bob, 80 * E18)
    # fee 1 % of 80 = 0.8 -> treasury; bob gets 79.2; incentive 5 % of 80 = 4 from treasury to bob
    assert token.balanceOf(alice) == WELCOME_CITIZEN - 80 * E18
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 792 * TENTH + 4 * E18
    assert token.balanceOf(token) == treasury + 8 * TENTH - 4 * E18
    ev = tx.events["ServicePaid"]
    assert (ev["payer"], ev["provider"], ev["category"], ev["amount"]) == (alice, bob, C2C, 80 * E18)
    assert ev["serviceRef"] == "0x" + REF.hex()
    assert split_of(tx) == [8 * TENTH, 792 * TENTH, 0, 4 * E18, bob]


def test_citizen_pays_citizen_with_structure_and_incentive_to_payer(
    token, token_admin, community_admin, alice, bob, hall
):
    token.setCategoryIncentive(C2C_STRUCT, 1000, PAYER, {"from": token_admin})  # 10 % to the payer
    approve(token, community_admin, alice, bob, C2C_STRUCT, 80 * E18)
    tx = pay(token, alice, bob, 80 * E18, C2C_STRUCT, structure=hall, share_bps=2500)
    # fee 0.8; net 79.2; hall 25 % of 79.2 = 19.8; bob 59.4; incentive 10 % of 80 = 8 to alice
    assert token.balanceOf(hall) == WELCOME_STAKEHOLDER + 198 * TENTH
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 594 * TENTH
    assert token.balanceOf(alice) == WELCOME_CITIZEN - 80 * E18 + 8 * E18
    assert split_of(tx) == [8 * TENTH, 594 * TENTH, 198 * TENTH, 8 * E18, alice]


@pytest.mark.parametrize(
    "category,payer_name,provider_name,amount,received",
    [
        (C2S, "alice", "shop", 40 * E18, 396 * TENTH),  # a citizen pays a stakeholder's service
        (S2S, "shop", "hall", 100 * E18, 99 * E18),
        (S2C, "shop", "carol", 50 * E18, 495 * TENTH),  # a stakeholder pays a citizen's service
    ],
)
def test_categories_3_to_5_pay_the_provider_less_the_fee(
    token, request, category, payer_name, provider_name, amount, received
):
    payer, provider = request.getfixturevalue(payer_name), request.getfixturevalue(provider_name)
    payer_before, provider_before, treasury_before = balances(token, payer, provider, token)
    tx = pay(token, payer, provider, amount, category)
    assert token.balanceOf(payer) == payer_before - amount
    assert token.balanceOf(provider) == provider_before + received
    assert token.balanceOf(token) == treasury_before + (amount - received)  # the fee, no incentive approved
    assert split_of(tx) == [amount - received, received, 0, 0, ZERO_ADDRESS]


@pytest.mark.parametrize(
    "category,payer_name,provider_name,payer_kind,provider_kind",
    [
        (C2C, "alice", "shop", CITIZEN, STAKEHOLDER),
        (C2C, "shop", "alice", STAKEHOLDER, CITIZEN),
        (C2C_STRUCT, "shop", "alice", STAKEHOLDER, CITIZEN),
        (C2S, "shop", "hall", STAKEHOLDER, STAKEHOLDER),
        (C2S, "alice", "bob", CITIZEN, CITIZEN),
        (S2S, "alice", "shop", CITIZEN, STAKEHOLDER),
        (S2C, "alice", "bob", CITIZEN, CITIZEN),
        (S2C, "shop", "hall", STAKEHOLDER, STAKEHOLDER),
    ],
)
def test_category_must_match_member_kinds(
    token, request, category, payer_name, provider_name, payer_kind, provider_kind
):
    payer, provider = request.getfixturevalue(payer_name), request.getfixturevalue(provider_name)
    with reverts_with("KindMismatch", category, payer_kind, provider_kind):
        pay(token, payer, provider, E18, category)


def test_zero_amount_payment_reverts(token, alice, bob):
    with reverts_with("ZeroAmount"):
        pay(token, alice, bob, 0)


def test_paying_oneself_reverts(token, alice):
    with reverts_with("SelfPayment"):
        pay(token, alice, alice, E18)


@pytest.mark.parametrize("category", NOT_PAYABLE)
def test_only_categories_1_to_5_are_paid_member_to_member(token, alice, bob, category):
    with reverts_with("CategoryNotPayable", category):
        pay(token, alice, bob, E18, category)


def test_a_category_beyond_8_is_rejected_by_the_abi_decoder(token, alice, bob):
    with brownie.reverts():  # an enum value out of range reverts in the ABI decoder, without error data
        pay(token, alice, bob, E18, 9)


def test_a_non_member_cannot_pay_a_service(token, bob, outsider):
    with reverts_with("NotAMember", outsider):
        pay(token, outsider, bob, E18)


def test_a_non_member_cannot_be_paid_for_a_service(token, alice, outsider):
    with reverts_with("ReceiverNotMember", outsider):
        pay(token, alice, outsider, E18)


def test_category_2_needs_a_structure(token, alice, bob):
    with reverts_with("StructureRequired"):
        pay(token, alice, bob, E18, C2C_STRUCT, share_bps=1000)


@pytest.mark.parametrize("structure_name", ["carol", "outsider"])
def test_the_structure_must_be_a_stakeholder_member(token, request, alice, bob, structure_name):
    structure = request.getfixturevalue(structure_name)
    with reverts_with("StructureNotStakeholder", structure):
        pay(token, alice, bob, E18, C2C_STRUCT, structure=structure, share_bps=1000)


def test_the_structure_share_is_at_most_the_whole(token, alice, bob, hall):
    with reverts_with("ShareAboveWhole", 10001):
        pay(token, alice, bob, E18, C2C_STRUCT, structure=hall, share_bps=10001)


def test_other_categories_refuse_a_structure_or_a_share(token, alice, bob, hall):
    with reverts_with("StructureNotAllowed"):
        pay(token, alice, bob, E18, C2C, structure=hall)
    with reverts_with("StructureNotAllowed"):
        pay(token, alice, bob, E18, C2C, share_bps=500)


def test_paying_more_than_the_balance_names_the_whole_amount(token, alice, bob):
    with reverts_with("ERC20InsufficientBalance", alice, WELCOME_CITIZEN, WELCOME_CITIZEN + 1):
        pay(token, alice, bob, WELCOME_CITIZEN + 1)
    assert token.balanceOf(alice) == WELCOME_CITIZEN and token.balanceOf(bob) == WELCOME_CITIZEN


# ------------------------------------------------------------- max fee


def test_raising_the_fee_between_quote_and_payment_reverts_the_payment(token, token_admin, alice, bob):
    fee, to_provider, _, _ = token.quoteService(80 * E18, C2C, 0)
    assert (fee, to_provider) == (8 * TENTH, 792 * TENTH)  # the payer is shown 1 %
    token.setFeeBps(200, {"from": token_admin})
    with reverts_with("FeeAboveLimit", 200, MAX_FEE):
        pay(token, alice, bob, 80 * E18, max_fee=FEE_BPS)
    assert balances(token, alice, bob) == [WELCOME_CITIZEN, WELCOME_CITIZEN]


def test_a_payer_who_accepts_the_new_fee_pays_at_the_new_rate(token, token_admin, alice, bob):
    token.setFeeBps(200, {"from": token_admin})
    tx = pay(token, alice, bob, 80 * E18, max_fee=200)
    # 2 % of 80 = 1.6 to the treasury, 78.4 to bob
    assert split_of(tx)[:2] == [16 * TENTH, 784 * TENTH]
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 784 * TENTH


def test_a_fee_lowered_below_the_limit_is_accepted(token, token_admin, alice, bob):
    token.setFeeBps(0, {"from": token_admin})
    tx = pay(token, alice, bob, 80 * E18, max_fee=MAX_FEE)
    assert split_of(tx)[:2] == [0, 80 * E18]


# ------------------------------------------------ incentive approvals


def test_approval_is_recorded_and_announced(token, community_admin, alice, bob):
    tx = approve(token, community_admin, alice, bob, C2C, 80 * E18)
    ev = tx.events["ServiceIncentiveApproved"]
    assert (ev["serviceRef"], ev["payer"], ev["provider"], ev["category"], ev["maxAmount"]) == (
        "0x" + REF.hex(),
        alice,
        bob,
        C2C,
        80 * E18,
    )
    # payer, category, used, provider, maxAmount
    assert list(token.incentiveApproval(REF)) == [alice, C2C, False, bob, 80 * E18]


def test_an_unknown_reference_has_an_empty_approval(token):
    assert list(token.incentiveApproval(b32("never approved"))) == [ZERO_ADDRESS, 0, False, ZERO_ADDRESS, 0]


def test_payment_without_approval_gets_no_incentive_and_still_goes_through(token, token_admin, alice, bob):
    token.setCategoryIncentive(C2C, 500, PROVIDER, {"from": token_admin})
    treasury = token.balanceOf(token)
    tx = pay(token, alice, bob, 80 * E18)
    assert split_of(tx) == [8 * TENTH, 792 * TENTH, 0, 0, ZERO_ADDRESS]
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 792 * TENTH
    assert token.balanceOf(token) == treasury + 8 * TENTH


def test_approval_is_used_up_by_the_first_payment(token, token_admin, community_admin, alice, bob):
    token.setCategoryIncentive(C2C, 500, PROVIDER, {"from": token_admin})
    approve(token, community_admin, alice, bob, C2C, 80 * E18)
    first = pay(token, alice, bob, 40 * E18)
    second = pay(token, alice, bob, 40 * E18)
    assert split_of(first)[3:] == [2 * E18, bob]  # 5 % of 40
    assert split_of(second)[3:] == [0, ZERO_ADDRESS]  # the rest of maxAmount is not a second incentive
    assert token.incentiveApproval(REF)[2] is True


def test_a_matching_payment_uses_up_the_approval_even_when_its_incentive_is_zero(
    token, token_admin, community_admin, alice, bob
):
    approve(token, community_admin, alice, bob, C2C, 80 * E18)  # the category's incentive is still 0
    pay(token, alice, bob, 80 * E18)
    token.setCategoryIncentive(C2C, 500, PROVIDER, {"from": token_admin})
    assert token.incentiveApproval(REF)[2] is True
    assert split_of(pay(token, alice, bob, 20 * E18))[3] == 0  # the service was paid already


def test_incentive_is_capped_at_the_approved_amount(token, token_admin, community_admin, alice, bob):
    token.setCategoryIncentive(C2C, 500, PROVIDER, {"from": token_admin})
    approve(token, community_admin, alice, bob, C2C, 50 * E18)
    tx = pay(token, alice, bob, 80 * E18)
    assert split_of(tx)[3] == 25 * TENTH  # 5 % of 50, not of 80


@pytest.mark.parametrize(
    "payer_name,provider_name,category,structure_name,share_bps",
    [
        ("carol", "bob", C2C, None, 0),  # another payer
        ("alice", "carol", C2C, None, 0),  # another provider
        ("alice", "bob", C2C_STRUCT, "hall", 1000),  # another category
    ],
    ids=["payer", "provider", "category"],
)
def test_approval_is_bound_to_payer_provider_and_category(
    token,
    request,
    token_admin,
    community_admin,
    alice,
    bob,
    payer_name,
    provider_name,
    category,
    structure_name,
    share_bps,
):
    for c in (C2C, C2C_STRUCT):
        token.setCategoryIncentive(c, 500, PROVIDER, {"from": token_admin})
    approve(token, community_admin, alice, bob, C2C, 80 * E18)
    payer, provider = request.getfixturevalue(payer_name), request.getfixturevalue(provider_name)
    structure = request.getfixturevalue(structure_name) if structure_name else ZERO_ADDRESS
    tx = pay(token, payer, provider, 40 * E18, category, structure=structure, share_bps=share_bps)
    assert split_of(tx)[3:] == [0, ZERO_ADDRESS]
    # the approval stays open for the service it was given for: 5 % of 40
    assert token.incentiveApproval(REF)[2] is False
    assert split_of(pay(token, alice, bob, 40 * E18))[3:] == [2 * E18, bob]


def test_service_incentive_previews_what_a_payment_gets(token, token_admin, community_admin, alice, bob, carol):
    token.setCategoryIncentive(C2C, 500, PROVIDER, {"from": token_admin})
    approve(token, community_admin, alice, bob, C2C, 50 * E18)
    assert token.serviceIncentive(REF, alice, bob, C2C, 40 * E18) == 2 * E18
    assert token.serviceIncentive(REF, alice, bob, C2C, 80 * E18) == 25 * TENTH  # capped at 50
    assert token.serviceIncentive(REF, carol, bob, C2C, 40 * E18) == 0
    assert token.serviceIncentive(REF, alice, carol, C2C, 40 * E18) == 0
    assert token.serviceIncentive(REF, alice, bob, C2C_STRUCT, 40 * E18) == 0
    assert token.serviceIncentive(b32("other"), alice, bob, C2C, 40 * E18) == 0
    pay(token, alice, bob, 40 * E18)
    assert token.serviceIncentive(REF, alice, bob, C2C, 40 * E18) == 0


def test_the_zero_reference_is_never_approved(token, community_admin, alice, bob):
    with reverts_with("ServiceRefInvalid", bytes(32)):
        approve(token, community_admin, alice, bob, ref=bytes(32))


def test_a_reference_is_approved_only_once(token, community_admin, alice, bob, carol):
    approve(token, community_admin, alice, bob)
    with reverts_with("ServiceRefAlreadyApproved", REF):
        approve(token, community_admin, carol, bob)
    assert token.incentiveApproval(REF)[0] == alice


def test_a_used_reference_cannot_be_approved_again(token, token_admin, community_admin, alice, bob):
    token.setCategoryIncentive(C2C, 500, PROVIDER, {"from": token_admin})
    approve(token, community_admin, alice, bob)
    pay(token, alice, bob, 10 * E18)
    with reverts_with("ServiceRefAlreadyApproved", REF):
        approve(token, community_admin, alice, bob)


def test_an_approval_needs_a_max_amount(token, community_admin, alice, bob):
    with reverts_with("ZeroAmount"):
        approve(token, community_admin, alice, bob, max_amount=0)


def test_an_approval_for_paying_oneself_is_refused(token, community_admin, alice):
    with reverts_with("SelfPayment"):
        approve(token, community_admin, alice, alice)


@pytest.mark.parametrize(
    "category,payer_name,provider_name,payer_kind,provider_kind",
    [
        (C2C, "alice", "shop", CITIZEN, STAKEHOLDER),
        (C2C_STRUCT, "shop", "alice", STAKEHOLDER, CITIZEN),
        (C2S, "alice", "bob", CITIZEN, CITIZEN),
        (S2S, "alice", "shop", CITIZEN, STAKEHOLDER),
        (S2C, "shop", "hall", STAKEHOLDER, STAKEHOLDER),
    ],
)
def test_an_approval_must_match_the_kinds_of_its_category(
    token, request, community_admin, category, payer_name, provider_name, payer_kind, provider_kind
):
    payer, provider = request.getfixturevalue(payer_name), request.getfixturevalue(provider_name)
    with reverts_with("KindMismatch", category, payer_kind, provider_kind):
        approve(token, community_admin, payer, provider, category)


@pytest.mark.parametrize("category", NOT_PAYABLE)
def test_an_approval_is_only_for_categories_1_to_5(token, community_admin, alice, bob, category):
    with reverts_with("CategoryNotPayable", category):
        approve(token, community_admin, alice, bob, category)


def test_an_approval_needs_member_payer_and_provider(token, community_admin, alice, outsider):
    with reverts_with("NotAMember", outsider):
        approve(token, community_admin, outsider, alice)
    with reverts_with("ReceiverNotMember", outsider):
        approve(token, community_admin, alice, outsider)


@pytest.mark.parametrize("caller_name", ["token_admin", "alice", "platform_admin"])
def test_only_the_community_admin_approves_incentives(token, request, alice, bob, caller_name):
    caller = request.getfixturevalue(caller_name)
    with unauthorized(caller, "COMMUNITY_ADMIN"):
        approve(token, caller, alice, bob)


def test_revoking_an_approval_announces_it_and_cancels_the_incentive(token, token_admin, community_admin, alice, bob):
    token.setCategoryIncentive(C2C, 500, PROVIDER, {"from": token_admin})
    approve(token, community_admin, alice, bob)
    tx = token.revokeServiceIncentive(REF, {"from": community_admin})
    assert tx.events["ServiceIncentiveRevoked"]["serviceRef"] == "0x" + REF.hex()
    assert token.incentiveApproval(REF)[2] is True
    assert split_of(pay(token, alice, bob, 80 * E18))[3:] == [0, ZERO_ADDRESS]
    with reverts_with("ServiceRefAlreadyApproved", REF):  # a revoked reference stays spent
        approve(token, community_admin, alice, bob)


def test_revoking_an_unknown_reference_reverts(token, community_admin):
    with reverts_with("ApprovalNotOpen", b32("never approved")):
        token.revokeServiceIncentive(b32("never approved"), {"from": community_admin})


def test_revoking_a_used_approval_reverts(token, token_admin, community_admin, alice, bob):
    token.setCategoryIncentive(C2C, 500, PROVIDER, {"from": token_admin})
    approve(token, community_admin, alice, bob)
    pay(token, alice, bob, 10 * E18)
    with reverts_with("ApprovalNotOpen", REF):
        token.revokeServiceIncentive(REF, {"from": community_admin})


def test_revoking_twice_reverts(token, community_admin, alice, bob):
    approve(token, community_admin, alice, bob)
    token.revokeServiceIncentive(REF, {"from": community_admin})
    with reverts_with("ApprovalNotOpen", REF):
        token.revokeServiceIncentive(REF, {"from": community_admin})


def test_only_the_community_admin_revokes(token, community_admin, token_admin, alice, bob):
    approve(token, community_admin, alice, bob)
    with unauthorized(token_admin, "COMMUNITY_ADMIN"):
        token.revokeServiceIncentive(REF, {"from": token_admin})


def test_incentive_the_treasury_cannot_pay_reverts_the_payment(bare_token, token_admin, community_admin, alice, bob):
    bare_token.setWelcomeBonus(CITIZEN, 0, {"from": token_admin})
    bare_token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    bare_token.addMember(bob, CITIZEN, CONSUMER, {"from": community_admin})
    bare_token.fundTreasury(10 * E18, b32("seed"), {"from": token_admin})
    bare_token.setCategoryIncentive(C2C, 5000, PROVIDER, {"from": token_admin})  # 50 %
    bare_token.setFeeBps(0, {"from": token_admin})
    bare_token.requestCommunityWork(C2COMM, 10 * E18, b32("clean park"), ZERO_ADDRESS, 0, {"from": alice})
    bare_token.approveCommunityWork(1, {"from": community_admin})
    assert bare_token.balanceOf(alice) == 10 * E18 and bare_token.balanceOf(bare_token) == 0
    approve(bare_token, community_admin, alice, bob, C2C, 10 * E18)
    with reverts_with("TreasuryInsufficient", 0, 5 * E18):
        pay(bare_token, alice, bob, 10 * E18, max_fee=0)
    assert bare_token.balanceOf(alice) == 10 * E18 and bare_token.balanceOf(bob) == 0
    assert bare_token.incentiveApproval(REF)[2] is False  # nothing happened: the approval is still open


def test_quote_matches_payment(token, token_admin, community_admin, alice, bob, hall):
    token.setCategoryIncentive(C2C_STRUCT, 300, PROVIDER, {"from": token_admin})
    approve(token, community_admin, alice, bob, C2C_STRUCT, 33 * E18)
    quote = token.quoteService(33 * E18, C2C_STRUCT, 1234)
    # fee 0.33; net 32.67; structure 12.34 % of 32.67 = 4.031478; bob 28.638522; incentive 3 % of 33 = 0.99
    assert list(quote) == [33 * HUNDREDTH, 28_638_522 * 10**12, 4_031_478 * 10**12, 99 * HUNDREDTH]
    tx = pay(token, alice, bob, 33 * E18, C2C_STRUCT, structure=hall, share_bps=1234)
    assert split_of(tx)[:4] == list(quote)


def test_quote_refuses_a_share_above_the_whole(token):
    with reverts_with("ShareAboveWhole", 10001):
        token.quoteService(E18, C2C_STRUCT, 10001)


def test_category_incentive_settings(token, token_admin):
    tx = token.setCategoryIncentive(C2S, 250, PAYER, {"from": token_admin})
    ev = tx.events["CategoryIncentiveSet"]
    assert (ev["category"], ev["bps"], ev["recipient"]) == (C2S, 250, PAYER)
    assert list(token.categoryIncentive(C2S)) == [250, PAYER]


@pytest.mark.parametrize("category", NOT_PAYABLE)
def test_incentives_exist_only_for_categories_1_to_5(token, token_admin, category):
    with reverts_with("CategoryNotPayable", category):
        token.setCategoryIncentive(category, 100, PAYER, {"from": token_admin})


def test_incentive_above_half_is_refused(token, token_admin):
    token.setCategoryIncentive(C2C, 5000, PAYER, {"from": token_admin})
    with reverts_with("IncentiveAboveCap", 5001, 5000):
        token.setCategoryIncentive(C2C, 5001, PAYER, {"from": token_admin})


def test_only_the_token_admin_sets_incentives(token, community_admin):
    with unauthorized(community_admin, "TOKEN_ADMIN"):
        token.setCategoryIncentive(C2C, 100, PAYER, {"from": community_admin})


# ------------------------------------------------ the treasury drain attack
# Two citizens with 200 tokens each, fee 1 %, incentive 5 % on category 1: with an incentive on every payment
# (v1) each payment of 10 took 0.5 from the treasury and gave back 0.1, so paying back and forth drained it by
# 0.4 a payment. Now only an approved service gets the incentive, once.

PAYMENTS = 250
AMOUNT = 10 * E18
FEE = TENTH  # 1 % of 10
INCENTIVE = 5 * TENTH  # 5 % of 10


@pytest.fixture
def two_citizens(bare_token, token_admin, community_admin, alice, bob):
    bare_token.setWelcomeBonus(CITIZEN, 200 * E18, {"from": token_admin})
    bare_token.fundTreasury(10_000 * E18, b32("seed"), {"from": token_admin})
    bare_token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    bare_token.addMember(bob, CITIZEN, CONSUMER, {"from": community_admin})
    bare_token.setCategoryIncentive(C2C, 500, PROVIDER, {"from": token_admin})
    assert bare_token.feeBps() == 100
    assert balances(bare_token, alice, bob, bare_token) == [200 * E18, 200 * E18, 9_600 * E18]
    return bare_token


def test_paying_back_and_forth_with_unapproved_references_only_feeds_the_treasury(two_citizens, alice, bob):
    token = two_citizens
    treasury_start = token.balanceOf(token)
    for k in range(1, PAYMENTS + 1):
        payer, provider = (alice, bob) if k % 2 else (bob, alice)
        pay(token, payer, provider, AMOUNT, ref=b32(f"ride-{k}"))
        assert token.balanceOf(token) == treasury_start + k * FEE  # the treasury gains the fee, every payment
    # each paid 125 x 10 and received 125 x 9.9: 200 - 1250 + 1237.5 = 187.5; the treasury gained 250 x 0.1 = 25
    assert balances(token, alice, bob) == [1875 * TENTH, 1875 * TENTH]
    assert token.balanceOf(token) == 9_625 * E18


def test_paying_back_and_forth_with_one_approved_reference_pays_its_incentive_once(
    two_citizens, community_admin, alice, bob
):
    token = two_citizens
    approve(token, community_admin, alice, bob, C2C, AMOUNT)
    treasury_start = token.balanceOf(token)
    for k in range(1, PAYMENTS + 1):
        payer, provider = (alice, bob) if k % 2 else (bob, alice)
        pay(token, payer, provider, AMOUNT)  # always the approved reference
        # the first payment (alice -> bob) gets 0.5 once; after that only fees come in
        assert token.balanceOf(token) == treasury_start + k * FEE - INCENTIVE
    assert token.incentiveApproval(REF)[2] is True
    # alice 187.5 as before; bob 187.5 + the one incentive 0.5; treasury + 25 - 0.5
    assert balances(token, alice, bob) == [1875 * TENTH, 188 * E18]
    assert token.balanceOf(token) == 9_600 * E18 + 245 * TENTH


# ------------------------------------------------ work for the community


def test_citizen_work_for_community_paid_on_approval(token, community_admin, carol):
    treasury = token.balanceOf(token)
    tx = token.requestCommunityWork(C2COMM, 30 * E18, b32("garden"), ZERO_ADDRESS, 0, {"from": carol})
    assert tx.return_value == 1
    ev = tx.events["CommunityWorkRequested"]
    assert (
        ev["id"],
        ev["member"],
        ev["category"],
        ev["amount"],
        ev["workRef"],
        ev["structure"],
        ev["structureShareBps"],
    ) == (1, carol, C2COMM, 30 * E18, "0x" + b32("garden").hex(), ZERO_ADDRESS, 0)
    assert token.balanceOf(carol) == WELCOME_CITIZEN  # nothing paid yet
    assert token.workRequest(1)[2] == PENDING
    tx = token.approveCommunityWork(1, {"from": community_admin})
    assert token.balanceOf(carol) == WELCOME_CITIZEN + 30 * E18  # fee-free
    assert token.balanceOf(token) == treasury - 30 * E18
    paid = tx.events["CommunityWorkPaid"]
    assert (paid["id"], paid["member"], paid["memberReceived"], paid["structureReceived"]) == (1, carol, 30 * E18, 0)
    assert token.workRequest(1)[2] == PAID


def test_stakeholder_work_and_citizen_work_with_structure(token, community_admin, alice, shop, hall):
    token.requestCommunityWork(S2COMM, 60 * E18, b32("sponsor"), ZERO_ADDRESS, 0, {"from": shop})
    token.requestCommunityWork(C2COMM_STRUCT, 50 * E18, b32("course"), hall, 2000, {"from": alice})
    token.approveCommunityWork(1, {"from": community_admin})
    tx = token.approveCommunityWork(2, {"from": community_admin})
    assert token.balanceOf(shop) == WELCOME_STAKEHOLDER + 60 * E18
    # 20 % of 50 to the structure owner, 40 to the citizen
    assert token.balanceOf(hall) == WELCOME_STAKEHOLDER + 10 * E18
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 40 * E18
    assert (tx.events["CommunityWorkPaid"]["memberReceived"], tx.events["CommunityWorkPaid"]["structureReceived"]) == (
        40 * E18,
        10 * E18,
    )


@pytest.mark.parametrize(
    "category,member_name,kind",
    [(S2COMM, "alice", CITIZEN), (C2COMM, "shop", STAKEHOLDER), (C2COMM_STRUCT, "shop", STAKEHOLDER)],
)
def test_community_work_category_must_match_the_member_kind(token, request, category, member_name, kind):
    member = request.getfixturevalue(member_name)
    with reverts_with("KindMismatch", category, kind, 0):
        token.requestCommunityWork(category, E18, REF, ZERO_ADDRESS, 0, {"from": member})


@pytest.mark.parametrize("category", [0, C2C, C2C_STRUCT, C2S, S2S, S2C])
def test_only_categories_6_to_8_are_community_work(token, alice, category):
    with reverts_with("CategoryNotCommunityWork", category):
        token.requestCommunityWork(category, E18, REF, ZERO_ADDRESS, 0, {"from": alice})


def test_community_work_request_reverts(token, alice, hall, outsider):
    with reverts_with("NotAMember", outsider):
        token.requestCommunityWork(C2COMM, E18, REF, ZERO_ADDRESS, 0, {"from": outsider})
    with reverts_with("ZeroAmount"):
        token.requestCommunityWork(C2COMM, 0, REF, ZERO_ADDRESS, 0, {"from": alice})
    with reverts_with("StructureRequired"):
        token.requestCommunityWork(C2COMM_STRUCT, E18, REF, ZERO_ADDRESS, 0, {"from": alice})
    with reverts_with("StructureNotAllowed"):
        token.requestCommunityWork(C2COMM, E18, REF, hall, 100, {"from": alice})
    assert token.workRequestCount() == 0


def test_unknown_work_request_reverts(token, community_admin):
    with reverts_with("UnknownWorkRequest", 1):
        token.approveCommunityWork(1, {"from": community_admin})
    with reverts_with("UnknownWorkRequest", 1):
        token.rejectCommunityWork(1, b32("no"), {"from": community_admin})
    with reverts_with("UnknownWorkRequest", 1):
        token.workRequest(1)


def test_only_the_community_admin_decides_on_work(token, alice):
    token.requestCommunityWork(C2COMM, E18, REF, ZERO_ADDRESS, 0, {"from": alice})
    with unauthorized(alice, "COMMUNITY_ADMIN"):
        token.approveCommunityWork(1, {"from": alice})
    with unauthorized(alice, "COMMUNITY_ADMIN"):
        token.rejectCommunityWork(1, b32("no"), {"from": alice})


def test_a_work_request_is_decided_once(token, community_admin, alice):
    token.requestCommunityWork(C2COMM, E18, REF, ZERO_ADDRESS, 0, {"from": alice})
    token.approveCommunityWork(1, {"from": community_admin})
    with reverts_with("WorkRequestNotPending", 1, PAID):
        token.approveCommunityWork(1, {"from": community_admin})
    token.requestCommunityWork(C2COMM, E18, REF, ZERO_ADDRESS, 0, {"from": alice})
    tx = token.rejectCommunityWork(2, b32("no evidence"), {"from": community_admin})
    assert (tx.events["CommunityWorkRejected"]["id"], tx.events["CommunityWorkRejected"]["reasonRef"]) == (
        2,
        "0x" + b32("no evidence").hex(),
    )
    with reverts_with("WorkRequestNotPending", 2, REJECTED):
        token.approveCommunityWork(2, {"from": community_admin})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + E18  # only the approved request was paid


def test_work_approval_with_poor_treasury_stays_pending(bare_token, token_admin, community_admin, alice):
    bare_token.setWelcomeBonus(CITIZEN, 0, {"from": token_admin})
    bare_token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    bare_token.requestCommunityWork(C2COMM, 5 * E18, REF, ZERO_ADDRESS, 0, {"from": alice})
    with reverts_with("TreasuryInsufficient", 0, 5 * E18):
        bare_token.approveCommunityWork(1, {"from": community_admin})
    assert bare_token.workRequest(1)[2] == PENDING
    bare_token.fundTreasury(5 * E18, REF, {"from": token_admin})
    bare_token.approveCommunityWork(1, {"from": community_admin})
    assert bare_token.balanceOf(alice) == 5 * E18
