"""ModelRegistry: versioned reward-model parameters in clear, and each community's active model."""
import brownie

from .conftest import b32, reverts_with

SC = b32("self_consumption")
PS = b32("peak_shaving")


def publish(registry, sender, model=SC, names=("alpha_consumer", "alpha_producer"), values=(1_000_000, 500_000),
            effective=1):
    return registry.publishVersion(model, [b32(n) for n in names], list(values), effective, {"from": sender})


def test_publish_first_version(registry, oracle_admin):
    tx = publish(registry, oracle_admin)
    assert tx.return_value == 1
    ev = tx.events["ModelVersionPublished"]
    assert ev["modelId"] == "0x" + SC.hex()
    assert ev["version"] == 1 and ev["effectiveFromEpoch"] == 1 and ev["publisher"] == oracle_admin
    assert list(ev["values"]) == [1_000_000, 500_000]
    assert registry.versionCount(SC) == 1
    assert registry.modelIds() == ["0x" + SC.hex()]
    effective, published_at, publisher, names, values = registry.getVersion(SC, 1)
    assert effective == 1 and publisher == oracle_admin and published_at == tx.timestamp
    assert list(names) == ["0x" + b32("alpha_consumer").hex(), "0x" + b32("alpha_producer").hex()]
    assert list(values) == [1_000_000, 500_000]
    # 1.0 token/kWh and 0.5 token/kWh with PARAM_DECIMALS = 6
    assert registry.PARAM_DECIMALS() == 6
    assert registry.parameter(SC, 1, b32("alpha_consumer")) == 1_000_000
    assert registry.parameter(SC, 1, b32("alpha_producer")) == 500_000


def test_versions_stay_readable_and_apply_by_epoch(registry, oracle_admin):
    publish(registry, oracle_admin, values=(1_000_000, 500_000), effective=1)
    publish(registry, oracle_admin, values=(2_000_000, 700_000), effective=3)
    publish(registry, oracle_admin, values=(3_000_000, 900_000), effective=3)  # same epoch: the newer wins
    assert registry.versionCount(SC) == 3
    assert registry.parameter(SC, 1, b32("alpha_consumer")) == 1_000_000
    assert registry.parameter(SC, 2, b32("alpha_consumer")) == 2_000_000
    assert [registry.versionForEpoch(SC, e) for e in (1, 2, 3, 10)] == [1, 1, 3, 3]
    with reverts_with("NoVersionForEpoch", "0x" + SC.hex(), 0):
        registry.versionForEpoch(SC, 0)


def test_models_are_independent(registry, oracle_admin):
    publish(registry, oracle_admin)
    publish(registry, oracle_admin, model=PS, names=("q", "beta", "cap", "min_coverage"),
            values=(97_500_000, 2_000_000, 50_000_000, 900_000), effective=1)
    assert registry.versionCount(SC) == 1 and registry.versionCount(PS) == 1
    assert registry.parameter(PS, 1, b32("q")) == 97_500_000
    assert registry.modelIds() == ["0x" + SC.hex(), "0x" + PS.hex()]


def test_publish_reverts(registry, oracle_admin, alice):
    with brownie.reverts():
        publish(registry, alice)
    with reverts_with("ZeroModelId"):
        publish(registry, oracle_admin, model=b"\0" * 32)
    with reverts_with("LengthMismatch", 2, 1):
        publish(registry, oracle_admin, values=(1,))
    with reverts_with("NoParameters"):
        publish(registry, oracle_admin, names=(), values=())
    with reverts_with("TooManyParameters", 33, 32):
        publish(registry, oracle_admin, names=[f"p{i}" for i in range(33)], values=[1] * 33)
    with reverts_with("InvalidParameterName", 1):
        registry.publishVersion(SC, [b32("a"), b"\0" * 32], [1, 2], 1, {"from": oracle_admin})
    with reverts_with("DuplicateParameter", "0x" + b32("a").hex()):
        publish(registry, oracle_admin, names=("a", "b", "a"), values=(1, 2, 3))
    publish(registry, oracle_admin, effective=5)
    with reverts_with("EffectiveEpochBeforePrevious", 4, 5):
        publish(registry, oracle_admin, effective=4)
    assert registry.versionCount(SC) == 1


def test_lookup_reverts(registry, oracle_admin):
    with reverts_with("UnknownModel", "0x" + PS.hex()):
        registry.versionForEpoch(PS, 1)
    publish(registry, oracle_admin)
    with reverts_with("UnknownVersion", "0x" + SC.hex(), 0):
        registry.getVersion(SC, 0)
    with reverts_with("UnknownVersion", "0x" + SC.hex(), 2):
        registry.getVersion(SC, 2)
    with reverts_with("UnknownParameter", "0x" + SC.hex(), 1, "0x" + b32("beta").hex()):
        registry.parameter(SC, 1, b32("beta"))


def test_active_model_per_community(registry, oracle_admin, community_admin, token, bare_token, alice):
    publish(registry, oracle_admin)
    publish(registry, oracle_admin, model=PS, names=("q",), values=(97_500_000,))
    with reverts_with("NoActiveModel", token):
        registry.modelForEpoch(token, 1)
    tx = registry.setActiveModel(token, SC, {"from": oracle_admin})
    assert tx.events["ActiveModelSet"]["by"] == oracle_admin
    registry.setActiveModel(bare_token, PS, {"from": community_admin})  # the community's own admin may choose
    assert registry.activeModel(token) == "0x" + SC.hex()
    assert registry.activeModel(bare_token) == "0x" + PS.hex()
    assert list(registry.modelForEpoch(token, 7)) == ["0x" + SC.hex(), 1]
    with reverts_with("NotAuthorizedForCommunity", token, alice):
        registry.setActiveModel(token, PS, {"from": alice})
    with reverts_with("UnknownModel", "0x" + b32("combined").hex()):
        registry.setActiveModel(token, b32("combined"), {"from": oracle_admin})
