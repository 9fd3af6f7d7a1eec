"""Two `oracle epoch run` of the same community started together, as two real processes: one runs the epoch, the
other stops at once with one sentence (the community's advisory lock, oracle/locks.py) and exit status 1; on-chain
there is one commit and every member is paid once."""

import subprocess

from .builders import epoch_run_argv, one_member_per_batch
from .test_real_kills import assert_paid_once, day, kill_community

BUSY = "error: an epoch run for this community is already in progress"


def start_run(ctx, name: str, start: str, end: str) -> subprocess.Popen:
    return subprocess.Popen(
        epoch_run_argv(ctx, name, start, end),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=one_member_per_batch(),
    )


def test_two_runs_started_together_one_runs_the_other_is_refused(ctx, tmp_path):
    name = kill_community(ctx, tmp_path, days=3)
    refused = 0
    for n in range(3):  # a loaded machine may let the first finish before the second starts: try another day
        runs = [start_run(ctx, name, *day(n)) for _ in range(2)]
        results = [(run.wait(120), *run.communicate()) for run in runs]
        codes = sorted(code for code, _out, _err in results)
        assert codes in ([0, 0], [0, 1]), results
        for code, out, err in results:
            if code == 1:
                assert err.startswith(
                    f"{BUSY} ({name!r}, in another process): wait for it to end, then run the same command again"
                ), err
                assert err.count("\n") == 1 and "Traceback" not in err and out == ""
                refused += 1
            else:
                assert f"epoch {n + 1} of {name!r} done" in out
        assert_paid_once(ctx, name, n + 1)  # one commit per epoch, each member paid once
        if refused:
            break
    assert refused == 1
