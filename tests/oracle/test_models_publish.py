"""`oracle models publish`: parameters in clear on-chain, exact fixed point, validated, activated per community."""
import pytest

from oracle.chain.encoding import from_bytes32, to_bytes32
from oracle.cli import main as oracle_main
from oracle.communities import create_community, get_community
from oracle.errors import OracleError
from oracle.model_registry import model_for_epoch, parse_assignments, publish_model

from .conftest import unique_name


def test_publish_combined_and_activate(ctx, capsys):
    name = unique_name("Model LEC")
    create_community(ctx, name, endowment="0")
    home = str(ctx.settings.home)
    assert oracle_main(["--home", home, "models", "publish", "--model", "combined", "--community", name,
                        "--set", "alpha_consumer=1.25", "--set", "alpha_producer=0.5", "--set", "q=97.5",
                        "--set", "beta=2", "--set", "cap=20", "--set", "min_coverage=0.9", "--set", "w_sc=0.7",
                        "--set", "w_ps=0.3"]) == 0
    assert "made active" in capsys.readouterr().out
    token = get_community(ctx, name).token_address
    registry = ctx.chain.registry
    assert from_bytes32(registry.functions.activeModel(token).call()) == "combined"
    model = model_for_epoch(ctx, token, 1)
    assert model.model_id == "combined"
    # fixed point with 6 decimals, exactly
    assert model.raw == {"alpha_consumer": 1_250_000, "alpha_producer": 500_000, "q": 97_500_000, "beta": 2_000_000,
                         "cap": 20_000_000, "min_coverage": 900_000, "w_sc": 700_000, "w_ps": 300_000}
    assert model.params["q"] == 97.5 and model.params["min_coverage"] == 0.9
    assert registry.functions.parameter(to_bytes32("combined"), model.version, to_bytes32("w_sc")).call() == 700_000


@pytest.mark.parametrize("params,pattern", [
    ({"alpha_producer": "1"}, "alpha_consumer"),
    ({"alpha_consumer": "1", "alpha_producer": "1", "gamma": "2"}, "gamma"),
    ({"alpha_consumer": "1", "alpha_producer": "0.1234567"}, "more than 6 decimals"),
    ({"alpha_consumer": "-1", "alpha_producer": "1"}, "alpha_consumer"),
])
def test_bad_parameters_are_rejected_before_any_transaction(ctx, params, pattern):
    count = ctx.chain.registry.functions.versionCount(to_bytes32("self_consumption")).call()
    with pytest.raises(OracleError, match=pattern):
        publish_model(ctx, "self_consumption", params)
    assert ctx.chain.registry.functions.versionCount(to_bytes32("self_consumption")).call() == count


def test_assignment_syntax():
    assert parse_assignments(["q=97.5", "beta = 2"]) == {"q": "97.5", "beta": "2"}
    for bad, pattern in [("q", "NAME=VALUE"), ("q=abc", "not a number"), ("=1", "NAME=VALUE")]:
        with pytest.raises(OracleError, match=pattern):
            parse_assignments([bad])
    with pytest.raises(OracleError, match="given twice"):
        parse_assignments(["q=1", "q=2"])


def test_peak_shaving_q_out_of_range(ctx):
    with pytest.raises(OracleError, match="q"):
        publish_model(ctx, "peak_shaving", {"q": "101", "beta": "1", "cap": "5"})
