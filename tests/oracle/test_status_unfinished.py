"""`oracle status` and `oracle epoch show` say which epochs are unfinished, where each stands (interrupted after a
step, stopped in a step with what, waiting for the challenge window until when, in progress) and the exact
command that goes on; as text and as JSON."""

import json

import pytest

from oracle.cli import main as oracle_main
from oracle.communities import create_community
from oracle.epochs.report import epoch_report, format_report
from oracle.epochs.runner import SimulatedCrash, run_epoch
from oracle.errors import OracleError

from .builders import END, START, challenge_window, quiet, small_community
from .test_epoch_run_guards import PausedRun, epochs_of


def run_command(name: str) -> str:
    return f"oracle epoch run --community '{name}' --start {START} --end {END}"


def status(ctx, capsys, *form: str):
    assert oracle_main(["--home", str(ctx.settings.home), "status", *form]) == 0
    return capsys.readouterr().out


def unfinished_of(ctx, capsys, name: str) -> list[dict]:
    """The JSON status's unfinished epochs of one community (the session's other tests have theirs)."""
    return [e for e in json.loads(status(ctx, capsys, "--json"))["unfinishedEpochs"] if e["community"] == name]


def text_lines_of(ctx, capsys, name: str) -> list[str]:
    lines = status(ctx, capsys, "--text").splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(f"  {name!r} epoch"))
    return lines[first : first + 3]


def test_an_epoch_interrupted_after_a_step_and_the_command_that_resumes_it(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:tree", progress=False, log=quiet)
    [epoch] = unfinished_of(ctx, capsys, name)
    assert epoch == {
        "community": name,
        "epoch": 1,
        "status": "running",
        "period": {"start": START, "end": END},
        "stepsDone": ["select", "compute", "hash", "tree"],
        "nextStep": "commit",
        "payableAt": None,
        "stopped": None,
        "state": "interrupted",
        "says": "interrupted after the tree step",
        "next": run_command(name),
    }
    assert text_lines_of(ctx, capsys, name) == [
        f"  {name!r} epoch 1 ({START} .. {END}): interrupted after the tree step",
        "    steps done: select, compute, hash, tree; next step: commit",
        f"    next: {run_command(name)}",
    ]
    report = epoch_report(ctx, name, 1)
    assert report["unfinished"]["next"] == run_command(name)
    assert f"  next      {run_command(name)}" in format_report(report).splitlines()
    # the command it names finishes the epoch: no longer listed, and `epoch show` has nothing unfinished
    assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "done"
    assert unfinished_of(ctx, capsys, name) == []
    assert epoch_report(ctx, name, 1)["unfinished"] is None


def test_a_run_stopped_by_a_refusal_says_the_step_and_the_sentence_until_the_next_run(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path, reward_ceiling="1")
    with pytest.raises(OracleError, match="above the community's per-epoch reward ceiling") as refusal:
        run_epoch(ctx, name, START, END, progress=False, log=quiet)
    [epoch] = unfinished_of(ctx, capsys, name)
    assert epoch["state"] == "stopped" and epoch["nextStep"] == "commit"
    assert epoch["stopped"]["step"] == "commit" and epoch["stopped"]["error"] == str(refusal.value)
    assert epoch["says"] == f"stopped in the commit step: {refusal.value}" and epoch["next"] == run_command(name)
    assert text_lines_of(ctx, capsys, name)[0] == (
        f"  {name!r} epoch 1 ({START} .. {END}): stopped in the commit step: {refusal.value}"
    )
    create_community(
        ctx,
        name,
        welcome_citizen="100",
        welcome_stakeholder="500",
        fee_bps=100,
        endowment="10000",
        reward_ceiling="100000",
    )  # what the sentence says to do
    assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "done"
    assert unfinished_of(ctx, capsys, name) == []
    assert "stopped" not in epoch_report(ctx, name, 1)["steps"]  # the stop is forgotten once the epoch goes on


def test_an_epoch_waiting_for_its_challenge_window_says_until_when(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    with challenge_window(ctx, 3600):
        assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "waiting"
    [row] = epochs_of(ctx, name)
    until = row.payable_at.isoformat()
    [epoch] = unfinished_of(ctx, capsys, name)
    assert epoch["state"] == "waiting" and epoch["payableAt"] == until and epoch["nextStep"] == "pay"
    assert epoch["says"] == f"committed; waiting for the challenge window until {until}"
    assert epoch["next"] == f"{run_command(name)}   (at or after {until})"
    assert epoch_report(ctx, name, 1)["unfinished"]["state"] == "waiting"


def test_an_epoch_whose_run_is_in_progress_says_so(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    run = PausedRun(ctx, name)  # holds the community's lock, paused before compute
    run.start()
    try:
        assert run.paused.wait(120) and run.error is None
        [epoch] = unfinished_of(ctx, capsys, name)
        assert epoch["state"] == "in progress" and epoch["says"] == "a run of this community is in progress now"
    finally:
        run.release.set()
        run.join(120)
    assert run.error is None and run.result.status == "done"  # asking did not get in the run's way
    assert unfinished_of(ctx, capsys, name) == []


def test_status_without_a_database_says_the_epochs_are_unknown(tmp_path, capsys):
    assert oracle_main(["--home", str(tmp_path), "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["database"] == "stopped"
    assert report["unfinishedEpochs"] == "unknown: the database does not answer"
    assert oracle_main(["--home", str(tmp_path), "status", "--text"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "unfinished epochs: unknown: the database does not answer"
