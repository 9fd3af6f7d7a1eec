"""`oracle epoch run` killed for real (SIGKILL, at seeded random moments spread over every step), then run again:
every member is paid exactly once, the balances are the committed leaves' amounts, one commit per epoch on-chain,
and `oracle doctor` finds the database and the chain in agreement. The simulated crash points of
test_crash_resume.py stay; these kill a real process wherever the operating system happens to stop it.

Each trial is a new epoch (a new day) of a small community (4 members, 5 meters, a day of quarter-hours), run by
`oracle epoch run` in a subprocess with one member per payment batch (so the pay step sends several transactions).
The subprocess prints "epoch N: <step>" as each step starts; the test waits for the line of the step it aims at,
then waits a random part of that step's duration (measured on an uninterrupted run first) and kills it. The run
that finishes the epoch is `run_epoch` in the test's own process: what it resumes from is the killed run's.
"""

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from eth_utils import to_checksum_address
from sqlalchemy import select

from oracle.communities import get_community
from oracle.db.schema import Community, Epoch, EpochMember
from oracle.epochs.runner import run_epoch
from oracle.errors import AlreadyRunning
from oracle.ingest.loader import ingest_file
from oracle.members import import_members
from oracle.merkle import StandardMerkleTree
from oracle.model_registry import publish_model

from .builders import devices_prefix, epoch_run_argv, new_community, one_member_per_batch, quiet
from .conftest import context_with, unique_name, write

SEED = 20261205
COMMUNITIES = 3
TRIALS_PER_COMMUNITY = 8  # 24 trials in all, each a new epoch
KILL_STEPS = ("select", "compute", "hash", "tree", "commit", "pay", "done")
# every step three times, and commit and pay (the steps that send transactions) once more each
TARGETS = list(KILL_STEPS) * 3 + ["commit", "pay", "pay"]
FIRST_DAY = datetime(2026, 10, 1, tzinfo=UTC)
E18 = 10**18

MEMBERS = {  # wallet: (kind, profile, meters)
    to_checksum_address("0x00000000000000000000000000000000000000d1"): ("citizen", "consumer", ["M"]),
    to_checksum_address("0x00000000000000000000000000000000000000d2"): ("citizen", "prosumer", ["M", "PV"]),
    to_checksum_address("0x00000000000000000000000000000000000000d3"): ("citizen", "consumer", ["M"]),
    to_checksum_address("0x00000000000000000000000000000000000000d4"): ("stakeholder", "consumer", ["M"]),
}
WELCOME = {"citizen": 100 * E18, "stakeholder": 500 * E18}


# ------------------------------------------------------------------ the community


def kill_community(ctx, tmp_path, days: int) -> str:
    """A community of MEMBERS with `days` days of quarter-hour readings from FIRST_DAY (seeded, plausible
    figures: the amounts are checked against the committed leaves, not against a formula)."""
    name = unique_name("Kill LEC")
    prefix = devices_prefix(name)
    new_community(ctx, name, endowment="100000")
    lines = ["wallet,name,email,kind,profile,deviceid"]
    for n, (wallet, (kind, profile, meters)) in enumerate(MEMBERS.items()):
        lines += [f"{wallet},Member {n},m{n}@example.org,{kind},{profile},{prefix}{n}-{meter}" for meter in meters]
    import_members(ctx, name, write(tmp_path / f"{prefix}members.csv", "\n".join(lines) + "\n"), log=quiet)
    rng = random.Random(f"{SEED}-{name}")
    rows = ["deviceid,timestamp,energy"]
    for quarter in range(days * 96):
        at = (FIRST_DAY + timedelta(minutes=15 * quarter)).isoformat()
        for n, (_wallet, (_kind, _profile, meters)) in enumerate(MEMBERS.items()):
            for meter in meters:
                sun = max(0.0, 1 - abs((quarter % 96) - 50) / 24)  # a midday bell
                energy = -round(1500 * sun * rng.random()) if meter == "PV" else rng.randint(50, 400)
                rows.append(f"{prefix}{n}-{meter},{at},{energy}")
    ingest_file(ctx, name, write(tmp_path / f"{prefix}readings.csv", "\n".join(rows) + "\n"))
    publish_model(ctx, "self_consumption", {"alpha_consumer": "1", "alpha_producer": "0.5"}, community=name)
    return name


def day(n: int) -> tuple[str, str]:
    start = FIRST_DAY + timedelta(days=n)
    return start.isoformat(), (start + timedelta(days=1)).isoformat()


# ------------------------------------------------------------------ the killed subprocess


class EpochRunProcess:
    """`oracle epoch run` in a subprocess whose step lines are read as they come, each with its arrival time."""

    def __init__(self, ctx, name: str, start: str, end: str):
        env = {**one_member_per_batch(), "PYTHONUNBUFFERED": "1"}
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            epoch_run_argv(ctx, name, start, end),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: queue.Queue = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.stderr.extend(self.process.stderr), daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put((time.monotonic(), line.rstrip("\n")))
        self.lines.put((time.monotonic(), None))

    def step_times(self, timeout: float = 120) -> dict[str, float]:
        """Waits for the end of the run; each step's start, in seconds after the process started, and "exit"."""
        seen = {}
        while True:
            at, line = self.lines.get(timeout=timeout)
            if line is None:
                break
            step = line.rsplit(": ", 1)[-1]
            if line.startswith("epoch ") and step in KILL_STEPS:
                seen[step] = at - self.started
        assert self.process.wait(timeout) == 0, "".join(self.stderr)
        seen["exit"] = time.monotonic() - self.started
        return seen

    def kill_during(self, step: str, delay: float, timeout: float = 120) -> bool:
        """SIGKILL `delay` seconds after the line of `step`; True when the process was still running then."""
        deadline = time.monotonic() + timeout
        while True:
            _at, line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line is None:
                break  # it ended before reaching the step
            if line.startswith("epoch ") and line.endswith(f": {step}"):
                time.sleep(delay)
                break
        landed = self.process.poll() is None
        if landed:
            self.process.send_signal(signal.SIGKILL)
        code = self.process.wait(30)
        return landed and code == -signal.SIGKILL


def step_durations(times: dict[str, float]) -> dict[str, float]:
    order = [step for step in (*KILL_STEPS, "exit") if step in times]
    return {step: times[after] - times[step] for step, after in zip(order, order[1:])}


def finish(ctx, name: str, start: str, end: str) -> Epoch:
    """The operator's next run; the killed run's database connection (and its lock) may take a moment to go."""
    deadline = time.monotonic() + 15
    while True:
        try:
            return run_epoch(ctx, name, start, end, progress=False, log=quiet)
        except AlreadyRunning:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# ------------------------------------------------------------------ what must hold


def assert_paid_once(ctx, name: str, epochs: int) -> None:
    """Per epoch on-chain: one commit, our root, everything paid; per member: one reward transfer per epoch
    with an amount, and the balance = welcome bonus + the amounts of its leaves in the committed trees."""
    chain = ctx.chain
    community = get_community(ctx, name)
    token = chain.token(community.token_address)
    assert chain.epoch_count(token.address) == epochs
    commits = chain.notary.events.EpochCommitted().get_logs(from_block=0, argument_filters={"community": token.address})
    assert Counter(e["args"]["epoch"] for e in commits) == dict.fromkeys(range(1, epochs + 1), 1)
    owed: dict[str, list[int]] = defaultdict(list)
    with ctx.session() as s:
        rows = list(s.scalars(select(Epoch).where(Epoch.community_id == community.id).order_by(Epoch.number)))
        assert [(e.number, e.status) for e in rows] == [(n, "done") for n in range(1, epochs + 1)]
        for epoch in rows:
            tree = StandardMerkleTree.load(epoch.tree_dump)
            onchain = chain.epoch(token.address, epoch.number)
            assert tree.root_hex == epoch.merkle_root == onchain.merkle_root_hex
            amounts = [int(amount) for _index, _wallet, amount, _hash in tree.values()]
            assert onchain.paid_total == onchain.total_reward == sum(amounts) > 0
            for _index, wallet, amount, _hash in tree.values():
                if int(amount):
                    owed[to_checksum_address(wallet)].append(int(amount))
            members = list(s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id)))
            assert all(m.paid and m.skipped_tx is None for m in members)
    transfers = token.events.Transfer().get_logs(from_block=0, argument_filters={"from": chain.notary.address})
    received: dict[str, list[int]] = defaultdict(list)
    for event in transfers:
        received[event["args"]["to"]].append(event["args"]["value"])
    assert {w: sorted(a) for w, a in received.items()} == {w: sorted(a) for w, a in owed.items()}
    for wallet, (kind, _profile, _meters) in MEMBERS.items():
        assert token.functions.balanceOf(wallet).call() == WELCOME[kind] + sum(owed[wallet])


def assert_doctor_agrees(ctx, names: list[str]) -> None:
    """`oracle doctor`: exit 0, or (in a session shared with other tests) disagreements only about others'
    communities; ours each "the chain agrees"."""
    done = subprocess.run(
        [sys.executable, "-m", "oracle.cli", "--home", str(ctx.settings.home), "doctor"],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    lines = done.stdout.splitlines()
    for name in names:
        assert [line for line in lines if f"{name!r}" in line] == [
            f"ok community {name!r}: {TRIALS_PER_COMMUNITY + (name == names[0])} epochs, the chain agrees"
        ]
    with ctx.session() as s:
        others = [n for n in s.scalars(select(Community.name)) if n not in names]
    disagreements = [line for line in lines if line.startswith("DISAGREE")]
    assert all(any(f"{other!r}" in line for other in others) for line in disagreements), done.stdout
    assert done.returncode == (1 if disagreements else 0), done.stderr


# ------------------------------------------------------------------ the test


def test_sigkill_at_random_moments_then_run_again_pays_everyone_exactly_once(ctx, tmp_path):
    rng = random.Random(SEED)
    targets = TARGETS[:]
    rng.shuffle(targets)
    ctx = context_with(ctx, batch_size=1)
    names = [kill_community(ctx, tmp_path, TRIALS_PER_COMMUNITY + (c == 0)) for c in range(COMMUNITIES)]
    # the step timings, from an uninterrupted run (the first community's first day)
    times = EpochRunProcess(ctx, names[0], *day(0)).step_times()
    assert list(times) == [*KILL_STEPS, "exit"]
    durations = step_durations(times)
    landed = Counter()
    for trial, step in enumerate(targets):
        c, n = divmod(trial, TRIALS_PER_COMMUNITY)
        name, period = names[c], day(n + (c == 0))
        delay = rng.uniform(0, durations[step])
        if EpochRunProcess(ctx, name, *period).kill_during(step, delay):
            landed[step] += 1
        assert finish(ctx, name, *period).status == "done"
    for c, name in enumerate(names):
        assert_paid_once(ctx, name, TRIALS_PER_COMMUNITY + (c == 0))
    assert_doctor_agrees(ctx, names)
    print(f"step durations (s): { {k: round(v, 3) for k, v in durations.items()} }; kills that landed: {dict(landed)}")
    # the kills fell inside the runs, in every step but the last one (done takes a few milliseconds)
    assert sum(landed.values()) >= 20, landed
    assert set(landed) >= {"select", "compute", "hash", "tree", "commit", "pay"}, landed
