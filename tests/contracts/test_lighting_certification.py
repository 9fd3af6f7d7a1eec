"""Tests for LightingCertification (PELL-IP public-lighting certification).

Custom errors are asserted with :func:`assert_custom_error`, which checks them twice:

1. the exact ABI-encoded revert data (4-byte selector + encoded arguments), obtained with a raw
   ``eth_call`` so the check does not depend on brownie's error decoding; and
2. brownie's own ``VirtualMachineError.revert_msg`` for the real transaction/call, through
   ``brownie.reverts(revert_pattern=...)``. Brownie decodes a custom error by looking its
   selector up in ``~/.brownie/errors.json`` (filled from the ABIs of compiled contracts) and
   reports ``"<Name>: <arg>, <arg>"`` (``"<Name>: "`` when there are no arguments); if the
   selector is unknown it reports ``"Unknown typed error: 0x<revert data>"``. Both forms are
   accepted, each one matched exactly.
"""

import re

import brownie
import eth_abi
import pytest
from brownie import LightingCertification, accounts, reverts, web3

ZERO_ADDRESS = "0x" + "00" * 20
ZERO_HASH = "0x" + "00" * 32
PLATFORM_ADMIN_ROLE = web3.to_hex(web3.keccak(text="PLATFORM_ADMIN"))

MUN_A = "010025"  # Ivrea (TO)
MUN_B = "015146"  # Milano
PLANT_1 = "PL-0001"
PLANT_2 = "PL-0002"

STATIC, MONTHLY = 0, 1


def h(label):
    """A deterministic non-zero dataset hash, as a 0x-prefixed hex string."""
    return web3.to_hex(web3.keccak(text=label))


# ---------------------------------------------------------------------------------------------
# custom-error helper
# ---------------------------------------------------------------------------------------------


def _parse_signature(signature):
    match = re.fullmatch(r"(\w+)\((.*)\)", signature)
    assert match, f"bad error signature {signature!r}"
    name, types = match.group(1), match.group(2)
    return name, [t for t in types.split(",") if t]


def _raw_revert_data(tx):
    """Revert data (lower-case hex, 0x-prefixed) of an eth_call, or None if it does not revert."""
    response = web3.provider.make_request("eth_call", [tx, "latest"])
    error = response.get("error")
    if error is None:
        return None
    return (error.get("data") or "0x").lower()


def assert_custom_error(method, args, sender, signature, *values, calldata=None, to=None):
    """Assert that ``method(*args, {"from": sender})`` reverts with the custom error
    ``signature`` (e.g. ``"InvalidMonth(uint32)"``) carrying exactly ``values``.

    ``method`` is a brownie contract method (transaction or call), or ``None`` to run only the
    raw check on explicit ``calldata``/``to`` (e.g. a constructor).
    """
    name, types = _parse_signature(signature)
    selector = web3.keccak(text=signature)[:4]
    encoded_args = eth_abi.encode(types, list(values))
    expected_data = "0x" + (selector + encoded_args).hex()

    # 1. exact revert data through a raw eth_call
    if calldata is None:
        calldata = method.encode_input(*args)
        to = method._address
    tx = {"from": str(sender), "data": calldata}
    if to is not None:
        tx["to"] = str(to)
    actual = _raw_revert_data(tx)
    assert actual is not None, f"expected {signature} but the call did not revert"
    assert actual == expected_data, (
        f"expected {name} (selector 0x{selector.hex()}) with data {expected_data}, got {actual}"
    )

    # 2. brownie's view of the same revert (decoded by name, or raw if unknown to brownie)
    if method is not None:
        decoded = eth_abi.decode(types, encoded_args)
        by_name = f"{name}: {', '.join(str(v) for v in decoded)}"
        unknown = f"Unknown typed error: {expected_data}"
        pattern = f"{re.escape(by_name)}|{re.escape(unknown)}"
        with reverts(revert_pattern=pattern):
            method(*args, {"from": sender})


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin():
    return accounts[0]


@pytest.fixture(scope="module")
def sub_a():
    """Authorized submitter of MUN_A."""
    return accounts[1]


@pytest.fixture(scope="module")
def sub_b():
    """Authorized submitter of MUN_B."""
    return accounts[2]


@pytest.fixture(scope="module")
def outsider():
    return accounts[3]


@pytest.fixture(scope="module")
def lc(admin, sub_a, sub_b):
    contract = LightingCertification.deploy(admin, {"from": admin})
    contract.setSubmitter(MUN_A, sub_a, True, {"from": admin})
    contract.setSubmitter(MUN_B, sub_b, True, {"from": admin})
    return contract


def static(lc, sender, code=MUN_A, plant=PLANT_1, dataset=None, schema=1):
    return lc.certifyStatic(code, plant, dataset or h(f"{code}/{plant}"), schema, {"from": sender})


def monthly(lc, sender, code=MUN_A, month=202401, wh=1_234_567, n=744, dataset=None):
    return lc.certifyMonthly(code, month, wh, n, dataset or h(f"{code}/{month}/{wh}"), {"from": sender})


# ---------------------------------------------------------------------------------------------
# deployment and roles
# ---------------------------------------------------------------------------------------------


def test_constructor_grants_roles(lc, admin, sub_a):
    assert lc.PLATFORM_ADMIN_ROLE() == PLATFORM_ADMIN_ROLE
    assert lc.hasRole(lc.DEFAULT_ADMIN_ROLE(), admin)
    assert lc.hasRole(PLATFORM_ADMIN_ROLE, admin)
    assert not lc.hasRole(PLATFORM_ADMIN_ROLE, sub_a)
    assert lc.certificationCount() == 0


def test_constructor_rejects_zero_admin(admin):
    calldata = LightingCertification.deploy.encode_input(ZERO_ADDRESS)
    assert_custom_error(None, (), admin, "ZeroAdmin()", calldata=calldata)
    with reverts():
        LightingCertification.deploy(ZERO_ADDRESS, {"from": admin})


def test_supports_access_control_interface(lc):
    assert lc.supportsInterface("0x7965db0b")  # IAccessControl


# ---------------------------------------------------------------------------------------------
# submitter management
# ---------------------------------------------------------------------------------------------


def test_set_submitter_authorizes_and_emits(lc, admin, outsider):
    assert not lc.isSubmitter(MUN_A, outsider)
    tx = lc.setSubmitter(MUN_A, outsider, True, {"from": admin})
    assert lc.isSubmitter(MUN_A, outsider)
    assert not lc.isSubmitter(MUN_B, outsider)
    ev = tx.events["SubmitterSet"]
    assert ev["municipalityCode"] == MUN_A
    assert ev["municipalityCodeIndex"] == h(MUN_A)
    assert ev["account"] == outsider
    assert ev["authorized"] is True
    assert ev["admin"] == admin


def test_set_submitter_deauthorizes_and_emits(lc, admin, sub_a):
    assert lc.isSubmitter(MUN_A, sub_a)
    tx = lc.setSubmitter(MUN_A, sub_a, False, {"from": admin})
    assert not lc.isSubmitter(MUN_A, sub_a)
    ev = tx.events["SubmitterSet"]
    assert ev["municipalityCode"] == MUN_A
    assert ev["account"] == sub_a
    assert ev["authorized"] is False


def test_submitter_of_several_municipalities(lc, admin, sub_a):
    lc.setSubmitter(MUN_B, sub_a, True, {"from": admin})
    assert lc.isSubmitter(MUN_A, sub_a) and lc.isSubmitter(MUN_B, sub_a)
    static(lc, sub_a, code=MUN_B)
    static(lc, sub_a, code=MUN_A)
    assert lc.certificationCount() == 2


def test_non_admin_cannot_set_submitter(lc, outsider, sub_a):
    for caller in (outsider, sub_a):
        assert_custom_error(
            lc.setSubmitter,
            (MUN_A, caller, True),
            caller,
            "AccessControlUnauthorizedAccount(address,bytes32)",
            caller.address,
            bytes.fromhex(PLATFORM_ADMIN_ROLE[2:]),
        )
    assert not lc.isSubmitter(MUN_A, outsider)


def test_granted_platform_admin_can_set_submitter(lc, admin, outsider):
    new_admin = accounts[4]
    lc.grantRole(PLATFORM_ADMIN_ROLE, new_admin, {"from": admin})
    lc.setSubmitter(MUN_A, outsider, True, {"from": new_admin})
    assert lc.isSubmitter(MUN_A, outsider)


def test_set_submitter_rejects_empty_code(lc, admin, outsider):
    assert_custom_error(lc.setSubmitter, ("", outsider, True), admin, "EmptyMunicipalityCode()")


def test_set_submitter_rejects_zero_account(lc, admin):
    assert_custom_error(lc.setSubmitter, (MUN_A, ZERO_ADDRESS, True), admin, "ZeroAccount()")


# ---------------------------------------------------------------------------------------------
# authorization of certifications
# ---------------------------------------------------------------------------------------------


def test_unauthorized_account_cannot_certify(lc, outsider):
    err = "NotSubmitterForMunicipality(string,address)"
    assert_custom_error(lc.certifyStatic, (MUN_A, PLANT_1, h("x"), 1), outsider, err, MUN_A, outsider.address)
    assert_custom_error(lc.certifyMonthly, (MUN_A, 202401, 1, 1, h("x")), outsider, err, MUN_A, outsider.address)


def test_platform_admin_is_not_implicitly_a_submitter(lc, admin):
    assert_custom_error(
        lc.certifyStatic,
        (MUN_A, PLANT_1, h("x"), 1),
        admin,
        "NotSubmitterForMunicipality(string,address)",
        MUN_A,
        admin.address,
    )


def test_submitter_of_another_municipality_cannot_certify(lc, sub_b):
    err = "NotSubmitterForMunicipality(string,address)"
    assert_custom_error(lc.certifyStatic, (MUN_A, PLANT_1, h("x"), 1), sub_b, err, MUN_A, sub_b.address)
    assert_custom_error(lc.certifyMonthly, (MUN_A, 202401, 1, 1, h("x")), sub_b, err, MUN_A, sub_b.address)
    # ...while it can certify for its own municipality
    static(lc, sub_b, code=MUN_B)


def test_municipality_codes_are_exact(lc, sub_a):
    # "10025" is not "010025": codes are compared byte by byte
    assert_custom_error(
        lc.certifyStatic,
        ("10025", PLANT_1, h("x"), 1),
        sub_a,
        "NotSubmitterForMunicipality(string,address)",
        "10025",
        sub_a.address,
    )


def test_deauthorized_submitter_cannot_certify(lc, admin, sub_a):
    static(lc, sub_a)
    lc.setSubmitter(MUN_A, sub_a, False, {"from": admin})
    err = "NotSubmitterForMunicipality(string,address)"
    assert_custom_error(lc.certifyStatic, (MUN_A, PLANT_1, h("y"), 1), sub_a, err, MUN_A, sub_a.address)
    assert_custom_error(lc.certifyMonthly, (MUN_A, 202401, 1, 1, h("y")), sub_a, err, MUN_A, sub_a.address)
    # earlier certifications stay readable
    assert lc.getCertification(1)["submitter"] == sub_a
    # re-authorization restores the right
    lc.setSubmitter(MUN_A, sub_a, True, {"from": admin})
    assert static(lc, sub_a, dataset=h("y")).return_value == 2


# ---------------------------------------------------------------------------------------------
# input validation
# ---------------------------------------------------------------------------------------------


def test_static_rejects_empty_code(lc, sub_a):
    assert_custom_error(lc.certifyStatic, ("", PLANT_1, h("x"), 1), sub_a, "EmptyMunicipalityCode()")


def test_static_rejects_empty_plant(lc, sub_a):
    assert_custom_error(lc.certifyStatic, (MUN_A, "", h("x"), 1), sub_a, "EmptyPlantId()")


def test_static_rejects_zero_hash(lc, sub_a):
    assert_custom_error(lc.certifyStatic, (MUN_A, PLANT_1, ZERO_HASH, 1), sub_a, "ZeroDatasetHash()")


def test_static_rejects_schema_zero(lc, sub_a):
    assert_custom_error(lc.certifyStatic, (MUN_A, PLANT_1, h("x"), 0), sub_a, "InvalidSchemaVersion()")


def test_monthly_rejects_empty_code(lc, sub_a):
    assert_custom_error(lc.certifyMonthly, ("", 202401, 1, 1, h("x")), sub_a, "EmptyMunicipalityCode()")


@pytest.mark.parametrize("month", [0, 13, 199912, 300001, 202400, 202413, 2024, 20240101])
def test_monthly_rejects_invalid_month(lc, sub_a, month):
    assert_custom_error(lc.certifyMonthly, (MUN_A, month, 1, 1, h("x")), sub_a, "InvalidMonth(uint32)", month)


@pytest.mark.parametrize("month", [200001, 202412, 299912])
def test_monthly_accepts_boundary_months(lc, sub_a, month):
    tx = monthly(lc, sub_a, month=month)
    assert lc.getCertification(tx.return_value)["month"] == month


def test_monthly_rejects_zero_measurements(lc, sub_a):
    assert_custom_error(lc.certifyMonthly, (MUN_A, 202401, 1, 0, h("x")), sub_a, "NoMeasurements()")


def test_monthly_rejects_zero_hash(lc, sub_a):
    assert_custom_error(lc.certifyMonthly, (MUN_A, 202401, 1, 1, ZERO_HASH), sub_a, "ZeroDatasetHash()")


def test_monthly_accepts_zero_and_huge_consumption(lc, sub_a):
    assert lc.getCertification(monthly(lc, sub_a, wh=0).return_value)["consumptionWh"] == 0
    huge = 2**256 - 1
    tx = monthly(lc, sub_a, month=202402, wh=huge)
    assert lc.getCertification(tx.return_value)["consumptionWh"] == huge


def test_failed_certifications_leave_no_trace(lc, sub_a, outsider):
    with reverts():
        lc.certifyStatic(MUN_A, PLANT_1, ZERO_HASH, 1, {"from": sub_a})
    with reverts():
        lc.certifyMonthly(MUN_A, 202401, 1, 1, h("x"), {"from": outsider})
    assert lc.certificationCount() == 0
    assert lc.latestStatic(MUN_A, PLANT_1) == 0
    assert lc.latestMonthly(MUN_A, 202401) == 0


# ---------------------------------------------------------------------------------------------
# static certification: storage, events
# ---------------------------------------------------------------------------------------------


def test_certify_static_stores_and_emits(lc, sub_a):
    dataset = h("plant-1 v1")
    tx = lc.certifyStatic(MUN_A, PLANT_1, dataset, 3, {"from": sub_a})
    assert tx.return_value == 1
    assert lc.certificationCount() == 1
    assert lc.latestStatic(MUN_A, PLANT_1) == 1

    c = lc.getCertification(1)
    assert c["kind"] == STATIC
    assert c["municipalityCode"] == MUN_A
    assert c["plantId"] == PLANT_1
    assert c["month"] == 0
    assert c["consumptionWh"] == 0
    assert c["measurements"] == 0
    assert c["datasetHash"] == dataset
    assert c["schemaVersion"] == 3
    assert c["submitter"] == sub_a
    assert c["timestamp"] == tx.timestamp
    assert c["previousId"] == 0

    assert len(tx.events) == 1
    ev = tx.events["StaticDataCertified"]
    assert ev["id"] == 1
    assert ev["municipalityCodeIndex"] == h(MUN_A)
    assert ev["submitter"] == sub_a
    assert ev["municipalityCode"] == MUN_A
    assert ev["plantId"] == PLANT_1
    assert ev["datasetHash"] == dataset
    assert ev["schemaVersion"] == 3
    assert ev["timestamp"] == tx.timestamp
    assert ev["previousId"] == 0


def test_static_history_over_three_recertifications(lc, sub_a, admin):
    other = accounts[5]
    lc.setSubmitter(MUN_A, other, True, {"from": admin})
    hashes = [h("v1"), h("v2"), h("v3")]
    senders = [sub_a, other, sub_a]
    txs = [lc.certifyStatic(MUN_A, PLANT_1, hashes[i], i + 1, {"from": senders[i]}) for i in range(3)]
    assert [tx.return_value for tx in txs] == [1, 2, 3]
    assert [tx.events["StaticDataCertified"]["previousId"] for tx in txs] == [0, 1, 2]
    assert lc.latestStatic(MUN_A, PLANT_1) == 3

    # walk the history backwards from the latest certification
    chain_ids, cid = [], lc.latestStatic(MUN_A, PLANT_1)
    while cid != 0:
        chain_ids.append(cid)
        cid = lc.getCertification(cid)["previousId"]
    assert chain_ids == [3, 2, 1]

    for i, cid in enumerate([1, 2, 3]):
        c = lc.getCertification(cid)
        assert c["datasetHash"] == hashes[i]
        assert c["schemaVersion"] == i + 1
        assert c["submitter"] == senders[i]
        assert lc.verifyDataset(cid, hashes[i])
        assert not lc.verifyDataset(cid, hashes[(i + 1) % 3])


def test_static_items_are_independent(lc, sub_a, sub_b, admin):
    static(lc, sub_a, plant=PLANT_1)  # 1
    static(lc, sub_a, plant=PLANT_2)  # 2
    # the same plant id in another municipality is another item
    static(lc, sub_b, code=MUN_B, plant=PLANT_1)  # 3
    tx = static(lc, sub_a, plant=PLANT_1, dataset=h("v2"))  # 4
    assert tx.events["StaticDataCertified"]["previousId"] == 1
    assert lc.getCertification(2)["previousId"] == 0
    assert lc.getCertification(3)["previousId"] == 0
    assert lc.latestStatic(MUN_A, PLANT_1) == 4
    assert lc.latestStatic(MUN_A, PLANT_2) == 2
    assert lc.latestStatic(MUN_B, PLANT_1) == 3
    assert lc.latestStatic(MUN_B, PLANT_2) == 0
    assert lc.latestStatic(MUN_A, "unknown") == 0


# ---------------------------------------------------------------------------------------------
# monthly certification: storage, events
# ---------------------------------------------------------------------------------------------


def test_certify_monthly_stores_and_emits(lc, sub_a):
    dataset = h("2024-01 readings")
    wh = 1_234_567  # 1234.567 kWh
    tx = lc.certifyMonthly(MUN_A, 202401, wh, 744, dataset, {"from": sub_a})
    assert tx.return_value == 1
    assert lc.latestMonthly(MUN_A, 202401) == 1

    c = lc.getCertification(1)
    assert c["kind"] == MONTHLY
    assert c["municipalityCode"] == MUN_A
    assert c["plantId"] == ""
    assert c["month"] == 202401
    assert c["consumptionWh"] == wh
    assert c["measurements"] == 744
    assert c["datasetHash"] == dataset
    assert c["schemaVersion"] == 0
    assert c["submitter"] == sub_a
    assert c["timestamp"] == tx.timestamp
    assert c["previousId"] == 0

    assert len(tx.events) == 1
    ev = tx.events["MonthlyConsumptionCertified"]
    assert ev["id"] == 1
    assert ev["municipalityCodeIndex"] == h(MUN_A)
    assert ev["submitter"] == sub_a
    assert ev["municipalityCode"] == MUN_A
    assert ev["month"] == 202401
    assert ev["consumptionWh"] == wh
    assert ev["measurements"] == 744
    assert ev["datasetHash"] == dataset
    assert ev["timestamp"] == tx.timestamp
    assert ev["previousId"] == 0


def test_monthly_history_and_independence(lc, sub_a, sub_b):
    t1 = monthly(lc, sub_a, month=202401, wh=100_000)  # 1
    t2 = monthly(lc, sub_a, month=202402, wh=200_000)  # 2
    t3 = monthly(lc, sub_b, code=MUN_B, month=202401, wh=300_000)  # 3
    t4 = monthly(lc, sub_a, month=202401, wh=110_000)  # 4: correction of 1
    t5 = monthly(lc, sub_a, month=202401, wh=120_000)  # 5: correction of 4
    prev = [t.events["MonthlyConsumptionCertified"]["previousId"] for t in (t1, t2, t3, t4, t5)]
    assert prev == [0, 0, 0, 1, 4]
    assert lc.latestMonthly(MUN_A, 202401) == 5
    assert lc.latestMonthly(MUN_A, 202402) == 2
    assert lc.latestMonthly(MUN_B, 202401) == 3
    assert lc.latestMonthly(MUN_B, 202402) == 0
    # the superseded values stay readable
    assert lc.getCertification(1)["consumptionWh"] == 100_000
    assert lc.getCertification(4)["consumptionWh"] == 110_000
    assert lc.getCertification(5)["consumptionWh"] == 120_000


def test_static_and_monthly_keys_do_not_collide(lc, sub_a):
    # a plant whose id looks like a month is a different item from that month
    static(lc, sub_a, plant="202401")
    tx = monthly(lc, sub_a, month=202401)
    assert tx.events["MonthlyConsumptionCertified"]["previousId"] == 0
    assert lc.latestStatic(MUN_A, "202401") == 1
    assert lc.latestMonthly(MUN_A, 202401) == 2


def test_ids_sequential_across_kinds(lc, sub_a, sub_b):
    ids = [
        static(lc, sub_a).return_value,
        monthly(lc, sub_a).return_value,
        static(lc, sub_b, code=MUN_B).return_value,
        monthly(lc, sub_b, code=MUN_B, month=202312).return_value,
        static(lc, sub_a, dataset=h("again")).return_value,
    ]
    assert ids == [1, 2, 3, 4, 5]
    assert lc.certificationCount() == 5
    kinds = [lc.getCertification(i)["kind"] for i in ids]
    assert kinds == [STATIC, MONTHLY, STATIC, MONTHLY, STATIC]


# ---------------------------------------------------------------------------------------------
# views
# ---------------------------------------------------------------------------------------------


def test_verify_dataset(lc, sub_a):
    static(lc, sub_a, dataset=h("static"))
    monthly(lc, sub_a, dataset=h("monthly"))
    assert lc.verifyDataset(1, h("static")) is True
    assert lc.verifyDataset(1, h("monthly")) is False
    assert lc.verifyDataset(2, h("monthly")) is True
    assert lc.verifyDataset(2, ZERO_HASH) is False


def test_verify_dataset_unknown_id(lc, sub_a, outsider):
    # an unknown id reverts (it does not "verify" the zero hash)
    for cid in (0, 1):
        assert_custom_error(lc.verifyDataset, (cid, ZERO_HASH), outsider, "UnknownCertification(uint256)", cid)
    static(lc, sub_a)
    assert_custom_error(lc.verifyDataset, (2, h("x")), outsider, "UnknownCertification(uint256)", 2)


def test_get_certification_unknown_id(lc, sub_a, outsider):
    for cid in (0, 1, 2**256 - 1):
        assert_custom_error(lc.getCertification, (cid,), outsider, "UnknownCertification(uint256)", cid)
    static(lc, sub_a)
    assert lc.getCertification(1)["plantId"] == PLANT_1
    assert_custom_error(lc.getCertification, (2,), outsider, "UnknownCertification(uint256)", 2)


def test_dashboard_can_rebuild_everything_from_events(lc, sub_a, sub_b):
    start = web3.eth.block_number + 1
    static(lc, sub_a)
    monthly(lc, sub_a, month=202401, wh=5_000)
    monthly(lc, sub_a, month=202402, wh=6_500)
    static(lc, sub_b, code=MUN_B, plant=PLANT_2, schema=2)
    monthly(lc, sub_a, month=202401, wh=5_100)  # correction
    static(lc, sub_a, dataset=h("new survey"), schema=2)  # re-certification

    logs = lc.events.get_sequence(from_block=start)
    rebuilt = {}
    for log in logs["StaticDataCertified"]:
        a = log.args
        rebuilt[a.id] = (
            STATIC,
            a.municipalityCode,
            a.plantId,
            0,
            0,
            0,
            web3.to_hex(a.datasetHash),
            a.schemaVersion,
            a.submitter,
            a.timestamp,
            a.previousId,
        )
    for log in logs["MonthlyConsumptionCertified"]:
        a = log.args
        rebuilt[a.id] = (
            MONTHLY,
            a.municipalityCode,
            "",
            a.month,
            a.consumptionWh,
            a.measurements,
            web3.to_hex(a.datasetHash),
            0,
            a.submitter,
            a.timestamp,
            a.previousId,
        )
    assert sorted(rebuilt) == list(range(1, lc.certificationCount() + 1))
    for cid, row in rebuilt.items():
        assert tuple(lc.getCertification(cid)) == row

    # monthly trend of certified consumption of MUN_A (latest certification per month)
    trend = {}
    for cid in sorted(rebuilt):
        kind, code, _, month, wh = rebuilt[cid][:5]
        if kind == MONTHLY and code == MUN_A:
            trend[month] = wh
    assert trend == {202401: 5_100, 202402: 6_500}
    assert trend[202401] == lc.getCertification(lc.latestMonthly(MUN_A, 202401))["consumptionWh"]


# ---------------------------------------------------------------------------------------------
# the custom-error helper itself
# ---------------------------------------------------------------------------------------------


def test_brownie_decodes_custom_errors_by_name(lc, outsider):
    # brownie reports a known custom error as "<Name>: <args>", and "<Name>: " without args
    try:
        lc.getCertification(7)
    except brownie.exceptions.VirtualMachineError as exc:
        assert exc.revert_msg == "UnknownCertification: 7"
    else:
        raise AssertionError("did not revert")
    with reverts("EmptyMunicipalityCode: "):
        lc.certifyStatic("", PLANT_1, h("x"), 1, {"from": outsider})


def test_helper_rejects_wrong_error_or_arguments(lc, sub_a):
    args = (MUN_A, 202413, 1, 1, h("x"))
    with pytest.raises(AssertionError):  # wrong argument
        assert_custom_error(lc.certifyMonthly, args, sub_a, "InvalidMonth(uint32)", 202412)
    with pytest.raises(AssertionError):  # wrong error
        assert_custom_error(lc.certifyMonthly, args, sub_a, "NoMeasurements()")
    with pytest.raises(AssertionError):  # no revert at all
        assert_custom_error(lc.certifyMonthly, (MUN_A, 202412, 1, 1, h("x")), sub_a, "InvalidMonth(uint32)", 0)
