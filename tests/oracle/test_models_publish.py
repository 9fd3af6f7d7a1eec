"""`oracle models publish`: parameters in clear on-chain, exact fixed point, validated, per community and
effective from a time; the version that rules a period is the newest effective at its start."""

from datetime import datetime
from decimal import Decimal

import pytest

from oracle.chain.encoding import from_bytes32, to_bytes32
from oracle.cli import main as oracle_main
from oracle.communities import create_community, get_community
from oracle.epochs.runner import run_epoch
from oracle.errors import OracleError
from oracle.instants import parse_instant, to_unix
from oracle.model_registry import NOTICE_MARGIN, model_for_period, parse_assignments, publish_model

from .builders import END, START, min_notice, quiet, small_community
from .conftest import unique_name

SC = {"alpha_consumer": "1", "alpha_producer": "0.5"}
OCT_1 = parse_instant("2026-10-01T00:00:00+02:00", "t")
NOV_1 = parse_instant("2026-11-01T00:00:00+01:00", "t")


@pytest.fixture
def community(ctx) -> str:
    name = unique_name("Model LEC")
    create_community(ctx, name, endowment="0")
    return name


def token_of(ctx, name: str) -> str:
    return get_community(ctx, name).token_address


def version_count(ctx, name: str, model: str = "self_consumption") -> int:
    return ctx.chain.registry.functions.versionCount(token_of(ctx, name), to_bytes32(model)).call()


def test_publish_combined_and_activate(ctx, community, capsys):
    home = str(ctx.settings.home)
    assert (
        oracle_main(
            [
                "--home",
                home,
                "models",
                "publish",
                "--model",
                "combined",
                "--community",
                community,
                "--set",
                "alpha_consumer=1.25",
                "--set",
                "alpha_producer=0.5",
                "--set",
                "q=97.5",
                "--set",
                "beta=2",
                "--set",
                "cap=20",
                "--set",
                "min_coverage=0.9",
                "--set",
                "w_sc=0.7",
                "--set",
                "w_ps=0.3",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    # a fresh community on a chain without notice: effective (and active) from the earliest time, 0
    assert "version 1 for" in out and "effective from 1970-01-01T00:00:00+00:00" in out
    assert "made the active model" in out
    token = token_of(ctx, community)
    registry = ctx.chain.registry
    assert from_bytes32(registry.functions.activeModel(token).call()) == "combined"
    model = model_for_period(ctx, token, OCT_1)
    assert (model.model_id, model.version, model.effective_from) == ("combined", 1, 0)
    # fixed point with 6 decimals, exactly
    assert model.raw == {
        "alpha_consumer": 1_250_000,
        "alpha_producer": 500_000,
        "q": 97_500_000,
        "beta": 2_000_000,
        "cap": 20_000_000,
        "min_coverage": 900_000,
        "w_sc": 700_000,
        "w_ps": 300_000,
    }
    assert model.params["q"] == 97.5 and model.params["min_coverage"] == 0.9
    assert registry.functions.parameter(token, to_bytes32("combined"), 1, to_bytes32("w_sc")).call() == 700_000


def test_a_version_effective_from_nov_1_rules_periods_starting_then_not_before(ctx, community):
    first = publish_model(ctx, "self_consumption", SC, community=community)
    assert (first.version, first.effective_from, first.active_from) == (1, 0, 0)
    second = publish_model(
        ctx,
        "self_consumption",
        {"alpha_consumer": "2", "alpha_producer": "0.5"},
        community=community,
        effective_from="2026-11-01T00:00:00+01:00",
    )
    assert (second.version, second.effective_from) == (2, to_unix(NOV_1))
    assert second.active_from is None  # self_consumption already rules Nov 1: no new switch
    token = token_of(ctx, community)
    assert model_for_period(ctx, token, OCT_1).version == 1
    assert model_for_period(ctx, token, NOV_1).version == 2
    assert model_for_period(ctx, token, datetime.fromtimestamp(to_unix(NOV_1) - 1, NOV_1.tzinfo)).version == 1
    nov = model_for_period(ctx, token, NOV_1)
    assert nov.raw == {"alpha_consumer": 2_000_000, "alpha_producer": 500_000}
    assert nov.effective_from_time == NOV_1


def test_switching_model_schedules_the_switch_at_the_version_time(ctx, community):
    publish_model(ctx, "self_consumption", SC, community=community)
    switch = publish_model(
        ctx,
        "combined",
        {"alpha_consumer": "1", "alpha_producer": "0.5", "beta": "2", "cap": "20", "w_sc": "1", "w_ps": "1"},
        community=community,
        effective_from="2026-11-01T00:00:00+01:00",
    )
    assert switch.active_from == to_unix(NOV_1)
    token = token_of(ctx, community)
    registry = ctx.chain.registry
    assert from_bytes32(registry.functions.activeModelAt(token, to_unix(OCT_1)).call()) == "self_consumption"
    assert from_bytes32(registry.functions.activeModelAt(token, to_unix(NOV_1)).call()) == "combined"
    assert [(s.model_id, s.effective_from) for s in ctx.chain.model_schedule(token)] == [
        ("self_consumption", 0),
        ("combined", to_unix(NOV_1)),
    ]


def test_a_version_not_after_the_previous_one_is_refused_before_any_transaction(ctx, community):
    publish_model(ctx, "self_consumption", SC, community=community, effective_from="2026-11-01T00:00:00+01:00")
    with pytest.raises(OracleError, match=r"is not after version 1's \(2026-10-31T23:00:00\+00:00\)"):
        publish_model(ctx, "self_consumption", SC, community=community, effective_from="2026-10-31T23:00:00Z")
    assert version_count(ctx, community) == 1


def test_a_time_before_the_last_committed_period_end_is_refused_before_any_transaction(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    run_epoch(ctx, name, START, END, progress=False, log=quiet)  # commits 2026-10-01 00:00-01:00 UTC
    count = version_count(ctx, name)
    with pytest.raises(
        OracleError,
        match=r"2026-10-01T00:30:00\+00:00 is before the end of .*'s last committed "
        r"period \(2026-10-01T01:00:00\+00:00\): committed periods keep their rules",
    ):
        publish_model(ctx, "self_consumption", SC, community=name, effective_from="2026-10-01T02:30:00+02:00")
    assert version_count(ctx, name) == count
    # without a time: the earliest allowed, the end of the committed period
    later = publish_model(ctx, "self_consumption", SC, community=name)
    assert later.effective_from == to_unix(parse_instant(END, "end"))


def test_notice_too_short_is_refused_and_the_default_leaves_a_margin(ctx, community):
    day = 86_400
    with min_notice(ctx, day):
        now = ctx.chain.now()
        soon = datetime.fromtimestamp(now + 3600, OCT_1.tzinfo).isoformat()
        with pytest.raises(
            OracleError,
            match=r"gives too short a notice: the registry requires 1 day between "
            r"publishing and the time a change applies",
        ):
            publish_model(ctx, "self_consumption", SC, community=community, effective_from=soon)
        assert version_count(ctx, community) == 0
        done = publish_model(ctx, "self_consumption", SC, community=community)
        # the earliest time the registry allowed when asked, plus the margin for the including block
        assert now + day + NOTICE_MARGIN <= done.effective_from <= ctx.chain.now() + day + NOTICE_MARGIN
        assert done.active_from == done.effective_from


@pytest.mark.parametrize(
    "params,pattern",
    [
        ({"alpha_producer": "1"}, "alpha_consumer"),
        ({"alpha_consumer": "1", "alpha_producer": "1", "gamma": "2"}, "gamma"),
        ({"alpha_consumer": "1", "alpha_producer": "0.1234567"}, "more than 6 decimals"),
        ({"alpha_consumer": "-1", "alpha_producer": "1"}, "alpha_consumer"),
    ],
)
def test_bad_parameters_are_rejected_before_any_transaction(ctx, community, params, pattern):
    with pytest.raises(OracleError, match=pattern):
        publish_model(ctx, "self_consumption", params, community=community)
    assert version_count(ctx, community) == 0


def test_command_line_needs_a_community_and_takes_a_time(ctx, community, capsys):
    home = str(ctx.settings.home)
    with pytest.raises(SystemExit):  # argparse: --community is required
        oracle_main(
            [
                "--home",
                home,
                "models",
                "publish",
                "--model",
                "self_consumption",
                "--set",
                "alpha_consumer=1",
                "--set",
                "alpha_producer=1",
            ]
        )
    with pytest.raises(SystemExit):  # the epoch-numbered option is gone
        oracle_main(
            [
                "--home",
                home,
                "models",
                "publish",
                "--model",
                "self_consumption",
                "--community",
                community,
                "--set",
                "alpha_consumer=1",
                "--set",
                "alpha_producer=1",
                "--effective-from-epoch",
                "1",
            ]
        )
    capsys.readouterr()
    with pytest.raises(SystemExit) as refused:  # refused by the argument's type, in one line
        oracle_main(
            [
                "--home",
                home,
                "models",
                "publish",
                "--model",
                "self_consumption",
                "--community",
                community,
                "--set",
                "alpha_consumer=1",
                "--set",
                "alpha_producer=1",
                "--effective-from",
                "2026-12-01",
            ]
        )
    assert refused.value.code == 2
    assert "has no UTC offset" in capsys.readouterr().err
    assert (
        oracle_main(
            [
                "--home",
                home,
                "models",
                "publish",
                "--model",
                "self_consumption",
                "--community",
                community,
                "--set",
                "alpha_consumer=1",
                "--set",
                "alpha_producer=1",
                "--effective-from",
                "2026-12-01T00:00:00+01:00",
            ]
        )
        == 0
    )
    assert "effective from 2026-11-30T23:00:00+00:00" in capsys.readouterr().out


def test_assignment_syntax():
    assert parse_assignments(["q=97.5", "beta = 2"]) == {"q": "97.5", "beta": "2"}
    for bad, pattern in [("q", "NAME=VALUE"), ("q=abc", "not a number"), ("=1", "NAME=VALUE")]:
        with pytest.raises(OracleError, match=pattern):
            parse_assignments([bad])
    with pytest.raises(OracleError, match="given twice"):
        parse_assignments(["q=1", "q=2"])


def test_peak_shaving_q_out_of_range(ctx, community):
    with pytest.raises(OracleError, match="q"):
        publish_model(ctx, "peak_shaving", {"q": "101", "beta": "1", "cap": "5"}, community=community)


# ------------------------------------------------------------------ parameters nobody meant (issue 7)


def publish_cli(ctx, community: str, model: str, *assignments: str) -> int:
    args = ["--home", str(ctx.settings.home), "models", "publish", "--model", model, "--community", community]
    for assignment in assignments:
        args += ["--set", assignment]
    return oracle_main(args)


@pytest.mark.parametrize(
    "value",
    [
        "1e30",
        "1e2",
        "1_000",
        "١٠",
        "𝟙",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "0x10",
        "+1",
        ".5",
        "5.",
        "1,5",
        "1 000",
    ],
)
def test_set_values_must_be_written_in_plain_decimal(ctx, community, capsys, value):
    """`--set alpha_consumer=1e30` was published; `1_000` and non-ASCII digits were read as numbers."""
    assert publish_cli(ctx, community, "self_consumption", f"alpha_consumer={value}", "alpha_producer=0.5") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"--set 'alpha_consumer={value}'" in err and "is not a number in plain decimal" in err
    assert version_count(ctx, community) == 0
    # the same values given to the function (not through --set) are refused too
    with pytest.raises(OracleError, match="is not a number in plain decimal"):
        publish_model(ctx, "self_consumption", {"alpha_consumer": value, "alpha_producer": "0.5"}, community=community)
    assert version_count(ctx, community) == 0


FINE = {
    "self_consumption": {"alpha_consumer": "1", "alpha_producer": "0.5"},
    "peak_shaving": {"beta": "2", "cap": "20"},
    "combined": {"alpha_consumer": "1", "alpha_producer": "0.5", "beta": "2", "cap": "20", "w_sc": "1", "w_ps": "1"},
}


@pytest.mark.parametrize(
    "model,name,bound,outside,message",
    [
        (
            "self_consumption",
            "alpha_consumer",
            "100",
            "1000000000000000000000000000000",
            "'alpha_consumer' = 1000000000000000000000000000000 is outside its plausible range 0 to 100 (tokens per kWh of "
            "shared consumption)",
        ),
        (
            "self_consumption",
            "alpha_consumer",
            "100",
            "100.000001",
            "'alpha_consumer' = 100.000001 is outside its plausible range 0 to 100",
        ),
        (
            "self_consumption",
            "alpha_consumer",
            "0",
            "-1",
            "'alpha_consumer' = -1 is outside its plausible range 0 to 100",
        ),
        (
            "self_consumption",
            "alpha_producer",
            "100",
            "101",
            "'alpha_producer' = 101 is outside its plausible range 0 to 100 (tokens per kWh of shared production)",
        ),
        (
            "peak_shaving",
            "beta",
            "1000",
            "1000.5",
            "'beta' = 1000.5 is outside its plausible range 0 to 1000 (tokens per kW of peak reduction)",
        ),
        (
            "peak_shaving",
            "cap",
            "10000",
            "10001",
            "'cap' = 10001 is outside its plausible range 0 to 10000 (tokens per member per epoch)",
        ),
        (
            "peak_shaving",
            "q",
            "50",
            "49.9",
            "'q' = 49.9 is outside its plausible range 50 to 100 (percentile of the quarter-hour load)",
        ),
        ("peak_shaving", "q", "100", "101", "'q' = 101 is outside its plausible range 50 to 100"),
        (
            "peak_shaving",
            "min_coverage",
            "0.5",
            "0.49",
            "'min_coverage' = 0.49 is outside its plausible range 0.5 to 1 (fraction of quarter-hours with data)",
        ),
        ("peak_shaving", "min_coverage", "1", "1.01", "'min_coverage' = 1.01 is outside its plausible range 0.5 to 1"),
        (
            "combined",
            "w_sc",
            "10",
            "10.5",
            "'w_sc' = 10.5 is outside its plausible range 0 to 10 (weight of self-consumption)",
        ),
        (
            "combined",
            "w_ps",
            "0",
            "-0.5",
            "'w_ps' = -0.5 is outside its plausible range 0 to 10 (weight of peak shaving)",
        ),
    ],
)
def test_a_parameter_outside_its_plausible_range_is_refused_naming_the_range(
    ctx, community, capsys, model, name, bound, outside, message
):
    """Just outside the range: refused with the range in the one-line message, nothing sent; the bound itself
    is published."""
    refused = {**FINE[model], name: outside}
    assert publish_cli(ctx, community, model, *(f"{k}={v}" for k, v in refused.items())) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: model {model}: parameter {message}") and err.count("\n") == 1
    assert version_count(ctx, community, model) == 0
    publish_model(ctx, model, {**FINE[model], name: bound}, community=community)
    published = model_for_period(ctx, token_of(ctx, community), OCT_1)
    assert published.raw[name] == int(Decimal(bound) * 10**6)
