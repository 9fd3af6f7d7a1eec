"""`oracle plan` from the command line: bad hub files refused in one line naming the field, an infeasible hub
named by carrier and hour, and the four outputs written."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from oracle.cli import main

from .conftest import write_hub
from .hubs import TINY, day, tiny_doc


def plan(tmp_path, capsys, doc, *extra):
    hub = write_hub(tmp_path, doc)
    code = main(["--home", str(tmp_path / "home"), "plan", "--hub", str(hub), "--out", str(tmp_path / "out"), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def broken(change) -> dict:
    doc = copy.deepcopy(TINY)
    change(doc)
    return doc


def _set(path: list, value):
    def change(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


BAD = {
    "missing profile": (
        _set(["demands", 0], {"use": "yard", "carrier": "electricity", "profile": "quay", "annual_mwh": 10}),
        "demands[0].profile: no profile named 'quay'",
    ),
    "profile without its weekday": (
        _set(["demands", 0, "profile_kw"], {"weekend": [1] * 24}),
        "demands[0].profile_kw.weekday: missing (24 values)",
    ),
    "negative efficiency": (
        _set(["technologies", "chp", "outputs", "heat"], -0.45),
        "technologies.chp.outputs.heat: must be more than 0, got -0.45",
    ),
    "day shape of the wrong length": (
        _set(["demands", 1, "profile_kw"], {"weekday": [90] * 23}),
        "demands[1].profile_kw.weekday: needs 24 values, got 23",
    ),
    "unknown demand carrier": (_set(["demands", 1, "carrier"], "steam"), "demands[1].carrier: unknown carrier 'steam'"),
    "unknown output carrier": (
        _set(["technologies", "boiler", "outputs"], {"steam": 0.9}),
        "technologies.boiler.outputs.steam: unknown carrier 'steam'",
    ),
    "missing gas price": (_set(["gas"], {"emission_factor": 0.2}), "gas.price: missing"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_hub_file_is_refused_in_one_line_naming_the_field(tmp_path, capsys, case):
    change, field = BAD[case]
    code, out, err = plan(tmp_path, capsys, broken(change), "--days", "0")
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert field in err
    assert not (tmp_path / "out").exists()


def test_a_profile_file_of_the_wrong_length_is_refused(tmp_path, capsys):
    (tmp_path / "yard.csv").write_text("# kW per hour\n" + "100\n" * 100)
    doc = broken(_set(["demands", 0, "profile_kw"], {"csv": "yard.csv"}))
    code, _, err = plan(tmp_path, capsys, doc, "--days", "0")
    assert code == 2
    assert "demands[0].profile_kw.csv: yard.csv has 100 values, the year 2026 has 8760 hours" in err


def test_a_demand_nothing_can_serve_is_named_by_carrier_and_hour(tmp_path, capsys):
    # no boiler, and the CHP may not run below 50 kW: the heat of 2026-01-01 00:00 (a Thursday, weekday
    # shape) cannot be served while electricity is 0 there and nothing may be exported
    doc = tiny_doc()
    del doc["technologies"]["boiler"]
    doc["demands"] = [{"use": "offices", "carrier": "heat", "profile_kw": day([90])}]
    code, _, err = plan(tmp_path, capsys, doc, "--days", "0")
    assert code == 2
    assert "heat cannot be balanced at 2026-01-01 00:00 (hour 0 of the horizon): 90.0 kW" in err
    assert err.count("\n") == 1


def test_the_cli_writes_the_front_its_picture_the_dispatch_and_the_report(tmp_path, capsys):
    code, out, err = plan(tmp_path, capsys, tiny_doc(), "--days", "2", "--points", "3")
    assert code == 0, err
    table = pd.read_csv(tmp_path / "out" / "pareto.csv")
    assert list(table["point"]) == [0, 1, 2]
    assert {"cost_eur_per_year", "co2_t_per_year", "chp_kw", "boiler_kw", "status", "mip_gap"} <= set(table)
    chosen = int(out.split("chosen point ")[1].split(":")[0])
    for name in ("pareto.png", f"dispatch-{chosen}.png", "report.md"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    report = (tmp_path / "out" / "report.md").read_text()
    assert "## Pareto front" in report and "cost-optimal" in report and "typical days" in report
    assert "Pareto points" in err  # progress per point on stderr


def test_fewer_than_two_points_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        plan(tmp_path, capsys, tiny_doc(), "--points", "1")
    assert exit_.value.code == 2
