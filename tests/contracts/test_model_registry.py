"""ModelRegistry: reward-model parameters per community, each version and each switch of the active model fixed
in time before the periods it rules (never inside a committed period, with the minimum notice, strictly increasing).

The platform fixture deploys with minNotice 0; the notice tests set it. Times are unix seconds; the versions that
need no notice use fixed dates in 2026, the rules about "now" pin the next block's timestamp.
"""

import pytest
from brownie import ModelRegistry, accounts, chain, web3
from eth_utils import keccak

from oracle.merkle import reward_tree

from .conftest import E18, b32, create_community, past_period, reverts_with

SC = b32("self_consumption")
PS = b32("peak_shaving")
COMBINED = b32("combined")
DAY = 86_400
WEEK = 7 * DAY
OCT = 1_790_812_800  # 2026-10-01T00:00:00Z
NOV = 1_793_491_200  # 2026-11-01T00:00:00Z
DEC = 1_796_083_200  # 2026-12-01T00:00:00Z
SC_NAMES = ("alpha_consumer", "alpha_producer")


def hex32(raw: bytes) -> str:
    return "0x" + raw.hex()


def publish(registry, sender, community, effective, model=SC, names=SC_NAMES, values=(1_000_000, 500_000)):
    return registry.publishVersion(community, model, [b32(n) for n in names], list(values), effective, {"from": sender})


def schedule(registry, sender, community, model, effective):
    return registry.setActiveModel(community, model, effective, {"from": sender})


def unauthorized(account, role: str | None):
    """OpenZeppelin AccessControl's revert for `account` lacking `role` (None: DEFAULT_ADMIN_ROLE)."""
    return reverts_with("AccessControlUnauthorizedAccount", account, keccak(text=role) if role else bytes(32))


def set_next_block_time(timestamp: int) -> None:
    """The next mined block carries `timestamp` (anvil's evm_setNextBlockTimestamp)."""
    web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])


def pin_next_block_time() -> int:
    """Fixes the timestamp of the next mined block and returns it, so that a rule on "now" is tested to the
    second."""
    t = max(chain.time(), web3.eth.get_block("latest").timestamp) + 60
    set_next_block_time(t)
    return t


def mine_at(timestamp: int) -> None:
    """Mines an empty block at `timestamp`: views then read that time (brownie's chain.mine(timestamp=...) sends
    a request anvil rejects)."""
    set_next_block_time(timestamp)
    chain.mine()


@pytest.fixture(scope="module")
def other_admin():
    """Community Admin of the valley community only."""
    return accounts.add()


@pytest.fixture(scope="module")
def valley(factory, platform_admin, other_admin, token_admin):
    """A second community, with its own Community Admin."""
    return create_community(factory, platform_admin, other_admin, token_admin, "Valle Verde", "VVE")


@pytest.fixture
def fresh_registry(platform_admin, oracle_admin, factory):
    """A registry whose notary is not set yet."""
    return ModelRegistry.deploy(platform_admin, oracle_admin, factory, 0, {"from": platform_admin})


@pytest.fixture
def committed(registry, notary, oracle_admin, oracle, token, alice):
    """Epoch 1 of `token` committed over past_period() with self_consumption version 1; returns (start, end)."""
    start, end = past_period()
    publish(registry, oracle_admin, token, start)
    schedule(registry, oracle_admin, token, SC, start)
    tree = reward_tree([(alice.address, 10 * E18, keccak(b"readings of alice"))])
    notary.commitEpoch(token, 1, (start, end, tree.root, SC, 1, keccak(b"dataset"), 1, 10 * E18), {"from": oracle})
    assert notary.lastPeriodEnd(token) == end
    return start, end


# ------------------------------------------------------------ wiring and admin


def test_the_registry_is_wired_to_the_factory_and_the_notary(registry, factory, notary):
    assert registry.factory() == factory.address
    assert registry.notary() == notary.address
    assert registry.minNotice() == 0
    assert registry.PARAM_DECIMALS() == 6
    assert registry.MAX_PARAMETERS() == 32
    assert registry.MAX_MIN_NOTICE() == 90 * DAY


def test_the_notary_is_set_only_once(registry, notary, platform_admin):
    with reverts_with("NotaryAlreadySet", notary):
        registry.setNotary(platform_admin, {"from": platform_admin})


def test_a_registry_without_a_notary_accepts_no_change(fresh_registry, oracle_admin, token):
    with reverts_with("NotaryNotSet"):
        publish(fresh_registry, oracle_admin, token, OCT)


def test_setting_the_notary_announces_it_and_enables_publishing(
    fresh_registry, platform_admin, oracle_admin, notary, token
):
    tx = fresh_registry.setNotary(notary, {"from": platform_admin})
    assert tx.events["NotarySet"]["notary"] == notary.address
    assert fresh_registry.notary() == notary.address
    assert publish(fresh_registry, oracle_admin, token, OCT).return_value == 1


def test_the_notary_cannot_be_zero(fresh_registry, platform_admin):
    with reverts_with("ZeroAddress"):
        fresh_registry.setNotary("0x" + "00" * 20, {"from": platform_admin})


def test_only_the_platform_admin_sets_the_notary(fresh_registry, oracle_admin, notary):
    with unauthorized(oracle_admin, None):
        fresh_registry.setNotary(notary, {"from": oracle_admin})


def test_the_platform_admin_sets_the_minimum_notice_and_the_event_names_old_and_new(registry, platform_admin):
    tx = registry.setMinNotice(WEEK, {"from": platform_admin})
    ev = tx.events["MinNoticeSet"]
    assert (ev["oldMinNotice"], ev["newMinNotice"]) == (0, WEEK)
    tx = registry.setMinNotice(90 * DAY, {"from": platform_admin})  # the longest allowed
    ev = tx.events["MinNoticeSet"]
    assert (ev["oldMinNotice"], ev["newMinNotice"]) == (WEEK, 90 * DAY)
    assert registry.minNotice() == 90 * DAY


def test_a_minimum_notice_above_90_days_is_refused(registry, platform_admin):
    with reverts_with("MinNoticeTooLong", 90 * DAY + 1, 90 * DAY):
        registry.setMinNotice(90 * DAY + 1, {"from": platform_admin})
    assert registry.minNotice() == 0


def test_only_the_platform_admin_sets_the_minimum_notice(registry, oracle_admin):
    with unauthorized(oracle_admin, None):
        registry.setMinNotice(WEEK, {"from": oracle_admin})


def test_a_registry_cannot_be_deployed_with_a_notice_above_90_days(platform_admin, oracle_admin, factory):
    with reverts_with("MinNoticeTooLong", 90 * DAY + 1, 90 * DAY):
        ModelRegistry.deploy(platform_admin, oracle_admin, factory, 90 * DAY + 1, {"from": platform_admin})


def test_the_deploy_announces_the_initial_notice(platform_admin, oracle_admin, factory):
    registry = ModelRegistry.deploy(platform_admin, oracle_admin, factory, WEEK, {"from": platform_admin})
    ev = registry.tx.events["MinNoticeSet"]
    assert (ev["oldMinNotice"], ev["newMinNotice"]) == (0, WEEK)


# ------------------------------------------------------------------ publish


def test_publish_first_version_records_it_for_the_community(registry, oracle_admin, token):
    tx = publish(registry, oracle_admin, token, OCT)
    assert tx.return_value == 1
    ev = tx.events["ModelVersionPublished"]
    assert (ev["community"], ev["modelId"], ev["version"], ev["effectiveFrom"], ev["publisher"]) == (
        token.address,
        hex32(SC),
        1,
        OCT,
        oracle_admin,
    )
    assert list(ev["names"]) == [hex32(b32(n)) for n in SC_NAMES]
    assert list(ev["values"]) == [1_000_000, 500_000]
    assert registry.versionCount(token, SC) == 1
    assert registry.modelIds(token) == [hex32(SC)]
    effective, published_at, publisher, names, values = registry.getVersion(token, SC, 1)
    assert (effective, published_at, publisher) == (OCT, tx.timestamp, oracle_admin)
    assert list(names) == [hex32(b32(n)) for n in SC_NAMES]
    assert list(values) == [1_000_000, 500_000]


def test_parameter_values_are_fixed_point_with_six_decimals(registry, oracle_admin, token):
    # q = 97.5, beta = 2, cap = 50, min_coverage = 0.9
    publish(
        registry,
        oracle_admin,
        token,
        OCT,
        PS,
        ("q", "beta", "cap", "min_coverage"),
        (97_500_000, 2_000_000, 50_000_000, 900_000),
    )
    assert registry.parameter(token, PS, 1, b32("q")) == 97_500_000
    assert registry.parameter(token, PS, 1, b32("min_coverage")) == 900_000


def test_versions_count_up_per_model_and_stay_readable(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, OCT, values=(1_000_000, 500_000))
    tx = publish(registry, oracle_admin, token, NOV, values=(2_000_000, 700_000))
    assert tx.return_value == 2 and tx.events["ModelVersionPublished"]["version"] == 2
    assert registry.versionCount(token, SC) == 2
    assert registry.parameter(token, SC, 1, b32("alpha_consumer")) == 1_000_000
    assert registry.parameter(token, SC, 2, b32("alpha_consumer")) == 2_000_000
    assert registry.modelIds(token) == [hex32(SC)]  # listed once


def test_models_of_a_community_are_listed_in_order_of_first_publication(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, OCT, PS, ("q",), (97_500_000,))
    publish(registry, oracle_admin, token, OCT)
    publish(registry, oracle_admin, token, NOV, PS, ("q",), (95_000_000,))
    assert registry.modelIds(token) == [hex32(PS), hex32(SC)]
    assert (registry.versionCount(token, PS), registry.versionCount(token, SC)) == (2, 1)


def test_versions_belong_to_one_community(registry, oracle_admin, token, bare_token):
    publish(registry, oracle_admin, token, OCT)
    assert registry.versionCount(bare_token, SC) == 0
    assert registry.modelIds(bare_token) == []
    with reverts_with("UnknownModel", bare_token, SC):
        registry.versionForPeriod(bare_token, SC, NOV)
    with reverts_with("UnknownVersion", SC, 1):
        registry.getVersion(bare_token, SC, 1)
    # the other community's first version may start anywhere: its schedule is its own
    assert publish(registry, oracle_admin, bare_token, OCT - DAY).return_value == 1


@pytest.mark.parametrize(
    "model,names,values,error,args",
    [
        (bytes(32), SC_NAMES, (1, 2), "ZeroModelId", ()),
        (SC, SC_NAMES, (1,), "LengthMismatch", (2, 1)),
        (SC, (), (), "NoParameters", ()),
        (SC, [f"p{i}" for i in range(33)], [1] * 33, "TooManyParameters", (33, 32)),
        (SC, ("a", "b", "a"), (1, 2, 3), "DuplicateParameter", (b32("a"),)),
    ],
    ids=["zero model id", "lengths differ", "no parameters", "33 parameters", "duplicate name"],
)
def test_a_version_with_bad_parameters_is_refused(registry, oracle_admin, token, model, names, values, error, args):
    with reverts_with(error, *args):
        publish(registry, oracle_admin, token, OCT, model, names, values)
    assert registry.versionCount(token, model) == 0


def test_a_version_with_an_empty_parameter_name_is_refused(registry, oracle_admin, token):
    with reverts_with("InvalidParameterName", 1):
        registry.publishVersion(token, SC, [b32("a"), bytes(32)], [1, 2], OCT, {"from": oracle_admin})


def test_32_parameters_are_accepted(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, OCT, SC, [f"p{i}" for i in range(32)], list(range(32)))
    assert registry.parameter(token, SC, 1, b32("p31")) == 31


def test_reading_an_unknown_version_or_parameter_reverts(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, OCT)
    with reverts_with("UnknownVersion", SC, 0):
        registry.getVersion(token, SC, 0)
    with reverts_with("UnknownVersion", SC, 2):
        registry.getVersion(token, SC, 2)
    with reverts_with("UnknownVersion", SC, 2):
        registry.parameter(token, SC, 2, b32("alpha_consumer"))
    with reverts_with("UnknownParameter", SC, 1, b32("beta")):
        registry.parameter(token, SC, 1, b32("beta"))
    with reverts_with("UnknownModel", token, PS):
        registry.versionForPeriod(token, PS, NOV)


# ---------------------------------------------------------- version schedule


def test_the_version_that_applies_changes_exactly_at_its_effective_time(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, OCT, values=(1_000_000, 500_000))
    publish(registry, oracle_admin, token, NOV, values=(2_000_000, 700_000))
    assert registry.versionForPeriod(token, SC, OCT) == 1
    assert registry.versionForPeriod(token, SC, NOV - 1) == 1
    assert registry.versionForPeriod(token, SC, NOV) == 2
    assert registry.versionForPeriod(token, SC, DEC) == 2


def test_a_period_before_the_first_version_has_no_version(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, OCT)
    with reverts_with("NoVersionForPeriod", SC, OCT - 1):
        registry.versionForPeriod(token, SC, OCT - 1)


def test_a_version_effective_at_the_same_time_as_the_previous_is_refused(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, NOV)
    with reverts_with("ScheduleNotIncreasing", NOV, NOV):
        publish(registry, oracle_admin, token, NOV, values=(3_000_000, 900_000))
    assert registry.versionCount(token, SC) == 1


def test_a_version_effective_before_the_previous_is_refused(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, NOV)
    with reverts_with("ScheduleNotIncreasing", NOV - 1, NOV):
        publish(registry, oracle_admin, token, NOV - 1)
    assert publish(registry, oracle_admin, token, NOV + 1).return_value == 2


def test_versions_of_different_models_are_scheduled_independently(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, NOV)
    assert publish(registry, oracle_admin, token, OCT, PS, ("q",), (97_500_000,)).return_value == 1


# ----------------------------------------------------------------- who may


def test_the_oracle_admin_publishes_for_any_community(registry, oracle_admin, token, valley):
    publish(registry, oracle_admin, token, OCT)
    publish(registry, oracle_admin, valley, OCT)
    schedule(registry, oracle_admin, valley, SC, OCT)
    assert registry.versionCount(token, SC) == registry.versionCount(valley, SC) == 1


def test_a_community_admin_publishes_and_schedules_for_its_own_community(registry, other_admin, valley):
    tx = publish(registry, other_admin, valley, OCT)
    assert tx.events["ModelVersionPublished"]["publisher"] == other_admin
    tx = schedule(registry, other_admin, valley, SC, OCT)
    assert tx.events["ActiveModelScheduled"]["by"] == other_admin
    assert registry.getVersion(valley, SC, 1)[2] == other_admin


def test_another_communitys_admin_is_refused(registry, oracle_admin, other_admin, token):
    with reverts_with("NotAuthorizedForCommunity", token, other_admin):
        publish(registry, other_admin, token, OCT)
    publish(registry, oracle_admin, token, OCT)
    with reverts_with("NotAuthorizedForCommunity", token, other_admin):
        schedule(registry, other_admin, token, SC, OCT)


@pytest.mark.parametrize("caller_name", ["token_admin", "platform_admin", "alice", "oracle"])
def test_other_roles_and_members_are_refused(registry, request, token, caller_name):
    caller = request.getfixturevalue(caller_name)
    with reverts_with("NotAuthorizedForCommunity", token, caller):
        publish(registry, caller, token, OCT)


def test_an_unknown_community_is_refused(registry, oracle_admin, notary, outsider):
    for community in (outsider, notary):
        with reverts_with("UnknownCommunity", community):
            publish(registry, oracle_admin, community, OCT)
        with reverts_with("UnknownCommunity", community):
            schedule(registry, oracle_admin, community, SC, OCT)


# -------------------------------------------------------------- active model


def test_no_active_model_before_one_is_scheduled(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, OCT)
    assert registry.activeModel(token) == hex32(bytes(32))
    assert registry.activeModelAt(token, NOV) == hex32(bytes(32))
    assert registry.modelSchedule(token) == []
    with reverts_with("NoActiveModel", token, NOV):
        registry.modelForPeriod(token, NOV)


def test_scheduling_the_active_model_records_and_announces_the_switch(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, OCT)
    tx = schedule(registry, oracle_admin, token, SC, OCT)
    ev = tx.events["ActiveModelScheduled"]
    assert (ev["community"], ev["modelId"], ev["effectiveFrom"], ev["by"]) == (
        token.address,
        hex32(SC),
        OCT,
        oracle_admin,
    )
    # effectiveFrom, scheduledAt, by, modelId
    assert [list(s) for s in registry.modelSchedule(token)] == [[OCT, tx.timestamp, oracle_admin, hex32(SC)]]
    assert list(registry.modelForPeriod(token, OCT)) == [hex32(SC), 1]


def test_switching_the_active_model_takes_effect_exactly_at_its_time(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, OCT)
    publish(registry, oracle_admin, token, OCT, PS, ("q",), (97_500_000,))
    publish(registry, oracle_admin, token, DEC, PS, ("q",), (95_000_000,))
    schedule(registry, oracle_admin, token, SC, OCT)
    schedule(registry, oracle_admin, token, PS, NOV)
    assert registry.activeModelAt(token, OCT - 1) == hex32(bytes(32))
    assert registry.activeModelAt(token, NOV - 1) == hex32(SC)
    assert registry.activeModelAt(token, NOV) == hex32(PS)
    assert list(registry.modelForPeriod(token, NOV - 1)) == [hex32(SC), 1]
    assert list(registry.modelForPeriod(token, NOV)) == [hex32(PS), 1]
    assert list(registry.modelForPeriod(token, DEC)) == [hex32(PS), 2]  # the active model's version at DEC
    with reverts_with("NoActiveModel", token, OCT - 1):
        registry.modelForPeriod(token, OCT - 1)


def test_the_active_model_now_follows_the_clock(registry, oracle_admin, token):
    switch_at = chain.time() + DAY
    publish(registry, oracle_admin, token, OCT)
    publish(registry, oracle_admin, token, OCT, PS, ("q",), (97_500_000,))
    schedule(registry, oracle_admin, token, SC, OCT)
    schedule(registry, oracle_admin, token, PS, switch_at)
    assert registry.activeModel(token) == hex32(SC)
    mine_at(switch_at - 1)
    assert registry.activeModel(token) == hex32(SC)
    mine_at(switch_at)
    assert registry.activeModel(token) == hex32(PS)


def test_a_switch_to_a_model_with_no_version_at_that_time_is_refused(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, NOV)
    with reverts_with("NoVersionForPeriod", SC, OCT):
        schedule(registry, oracle_admin, token, SC, OCT)


def test_only_a_model_with_a_version_for_the_community_can_be_active(registry, oracle_admin, token, bare_token):
    publish(registry, oracle_admin, bare_token, OCT, PS, ("q",), (97_500_000,))
    with reverts_with("UnknownModel", token, PS):  # PS has versions, but for another community
        schedule(registry, oracle_admin, token, PS, OCT)
    with reverts_with("UnknownModel", token, COMBINED):
        schedule(registry, oracle_admin, token, COMBINED, OCT)


def test_a_switch_at_the_same_time_as_the_previous_is_refused(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, OCT)
    publish(registry, oracle_admin, token, OCT, PS, ("q",), (97_500_000,))
    schedule(registry, oracle_admin, token, SC, NOV)
    with reverts_with("ScheduleNotIncreasing", NOV, NOV):
        schedule(registry, oracle_admin, token, PS, NOV)


def test_a_switch_before_the_previous_is_refused(registry, oracle_admin, token):
    publish(registry, oracle_admin, token, OCT)
    publish(registry, oracle_admin, token, OCT, PS, ("q",), (97_500_000,))
    schedule(registry, oracle_admin, token, SC, NOV)
    with reverts_with("ScheduleNotIncreasing", NOV - 1, NOV):
        schedule(registry, oracle_admin, token, PS, NOV - 1)
    assert len(registry.modelSchedule(token)) == 1


def test_active_models_belong_to_one_community(registry, oracle_admin, community_admin, token, bare_token):
    publish(registry, oracle_admin, token, OCT)
    publish(registry, oracle_admin, bare_token, OCT, PS, ("q",), (97_500_000,))
    schedule(registry, oracle_admin, token, SC, OCT)
    schedule(registry, community_admin, bare_token, PS, NOV)
    assert registry.activeModelAt(token, NOV) == hex32(SC)
    assert registry.activeModelAt(bare_token, NOV) == hex32(PS)
    assert registry.activeModelAt(bare_token, OCT) == hex32(bytes(32))


# ------------------------------------------------------------------- notice


def test_a_version_with_less_than_the_minimum_notice_is_refused(registry, platform_admin, oracle_admin, token):
    registry.setMinNotice(WEEK, {"from": platform_admin})
    now = pin_next_block_time()
    with reverts_with("NoticeTooShort", now + WEEK - 1, now + WEEK):
        publish(registry, oracle_admin, token, now + WEEK - 1)
    assert registry.versionCount(token, SC) == 0


def test_a_version_with_exactly_the_minimum_notice_is_accepted(registry, platform_admin, oracle_admin, token):
    registry.setMinNotice(WEEK, {"from": platform_admin})
    now = pin_next_block_time()
    tx = publish(registry, oracle_admin, token, now + WEEK)
    assert tx.timestamp == now
    assert list(registry.getVersion(token, SC, 1))[:2] == [now + WEEK, now]


def test_a_switch_with_less_than_the_minimum_notice_is_refused(registry, platform_admin, oracle_admin, token):
    registry.setMinNotice(WEEK, {"from": platform_admin})
    published = pin_next_block_time()
    publish(registry, oracle_admin, token, published + WEEK)  # the switch below comes later: this version applies
    now = pin_next_block_time()
    with reverts_with("NoticeTooShort", now + WEEK - 1, now + WEEK):
        schedule(registry, oracle_admin, token, SC, now + WEEK - 1)
    now = pin_next_block_time()
    schedule(registry, oracle_admin, token, SC, now + WEEK)
    assert registry.activeModelAt(token, now + WEEK) == hex32(SC)


def test_the_notice_also_binds_a_community_admin(registry, platform_admin, community_admin, token):
    registry.setMinNotice(WEEK, {"from": platform_admin})
    now = pin_next_block_time()
    with reverts_with("NoticeTooShort", now + DAY, now + WEEK):
        publish(registry, community_admin, token, now + DAY)


def test_earliest_effective_from_adds_the_notice_to_now(registry, platform_admin, token):
    assert registry.earliestEffectiveFrom(token, False, 0) == 0  # no notice, nothing committed
    registry.setMinNotice(WEEK, {"from": platform_admin})
    latest = web3.eth.get_block("latest").timestamp  # views read the latest block's time
    assert registry.earliestEffectiveFrom(token, False, 0) == latest + WEEK
    assert registry.earliestEffectiveFrom(token, True, latest + 2 * WEEK) == latest + 2 * WEEK + 1


# --------------------------------------------------------- committed periods


def test_a_version_effective_before_the_end_of_the_last_committed_period_is_refused(
    registry, oracle_admin, token, committed
):
    _, end = committed
    with reverts_with("EffectiveBeforeCommittedPeriod", end - 1, end):
        publish(registry, oracle_admin, token, end - 1, values=(9_000_000, 9_000_000))
    assert registry.versionCount(token, SC) == 1


def test_a_version_effective_at_the_end_of_the_last_committed_period_is_accepted(
    registry, oracle_admin, token, committed
):
    _, end = committed
    assert publish(registry, oracle_admin, token, end, values=(9_000_000, 9_000_000)).return_value == 2
    assert registry.versionForPeriod(token, SC, end - 1) == 1
    assert registry.versionForPeriod(token, SC, end) == 2


def test_a_first_version_of_another_model_cannot_reach_into_a_committed_period(
    registry, oracle_admin, token, committed
):
    start, end = committed
    with reverts_with("EffectiveBeforeCommittedPeriod", start, end):
        publish(registry, oracle_admin, token, start, PS, ("q",), (97_500_000,))


def test_a_switch_into_a_committed_period_is_refused(registry, oracle_admin, token, committed):
    _, end = committed
    publish(registry, oracle_admin, token, end, PS, ("q",), (97_500_000,))
    with reverts_with("EffectiveBeforeCommittedPeriod", end - 1, end):
        schedule(registry, oracle_admin, token, PS, end - 1)
    schedule(registry, oracle_admin, token, PS, end)
    assert registry.activeModelAt(token, end - 1) == hex32(SC)
    assert registry.activeModelAt(token, end) == hex32(PS)


def test_committed_periods_of_one_community_do_not_bind_another(registry, oracle_admin, bare_token, committed):
    start, _ = committed
    assert publish(registry, oracle_admin, bare_token, start).return_value == 1


def test_a_voided_epoch_no_longer_bounds_changes(registry, notary, oracle_admin, community_admin, token, committed):
    _, end = committed
    notary.voidEpoch(token, 1, keccak(b"wrong meter data"), {"from": community_admin})
    assert notary.lastPeriodEnd(token) == 0
    assert publish(registry, oracle_admin, token, end - 1, values=(9_000_000, 9_000_000)).return_value == 2


def test_earliest_effective_from_is_the_end_of_the_last_committed_period(registry, platform_admin, token, committed):
    _, end = committed
    assert registry.earliestEffectiveFrom(token, False, 0) == end
    assert registry.earliestEffectiveFrom(token, True, end + DAY) == end + DAY + 1
    registry.setMinNotice(WEEK, {"from": platform_admin})  # now + a week is later than the period's end
    latest = web3.eth.get_block("latest").timestamp
    assert registry.earliestEffectiveFrom(token, False, 0) == latest + WEEK
