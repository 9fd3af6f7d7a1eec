"""The chain going away in the middle of the payments: the embedded anvil is stopped while `oracle epoch run` (a
subprocess, one member per payment batch) is between two batches. The run stops with one sentence naming the RPC
URL and saying to run the same command again once the chain answers (exit 1, no traceback), `oracle status` shows
the epoch stopped in its pay step; anvil is started again with its state and the same command pays the rest:
every member paid exactly once.

Why a real stop and start: the embedded anvil keeps its state in home/anvil/state.json (`--state`, dumped every
2 s and on a clean stop, loaded at start; oracle/embedded.py), so `oracle down`-then-`up` of the chain is what an
operator's node restart looks like. Pausing the process (SIGSTOP) would only test a timeout, and a proxy that drops
connections would test the proxy. A transaction sent just before the stop and not yet dumped is lost with the
blocks: the run's reconciliation (oracle/epochs/reconcile.py) finds it missing and pays its leaf again, once.
"""

import json
import os
import re
import subprocess
import threading
from collections import Counter

from eth_utils import to_checksum_address
from sqlalchemy import select

from oracle import embedded
from oracle.cli import main as oracle_main
from oracle.communities import get_community
from oracle.db.schema import Epoch, EpochMember
from oracle.epochs.reconcile import reconcile_community
from oracle.ingest.loader import ingest_file
from oracle.members import import_members
from oracle.merkle import StandardMerkleTree
from oracle.model_registry import publish_model

from .builders import END, START, devices_prefix, epoch_run_argv, new_community, one_member_per_batch, quiet
from .conftest import unique_name, write

MEMBERS = [to_checksum_address(f"0x{0xE000 + n:040x}") for n in range(1, 25)]  # 24: the last one has panels
PROGRESS = re.compile(r"paying rewards:.*?\| *(\d+)/(\d+) \[")


def outage_community(ctx, tmp_path) -> str:
    """24 citizens, each with a meter, the last also with PV panels; one hour of readings (every consumer gets a
    share of the self-consumed PV, so every leaf has an amount and every member one payment batch)."""
    name = unique_name("Outage LEC")
    p = devices_prefix(name)
    new_community(ctx, name)
    members = ["wallet,name,email,kind,profile,deviceid"]
    readings = ["deviceid,timestamp,energy"]
    for n, wallet in enumerate(MEMBERS):
        prosumer = n == len(MEMBERS) - 1
        members.append(f"{wallet},Member {n},m{n}@example.org,citizen,{'prosumer' if prosumer else 'consumer'},{p}{n}")
        if prosumer:
            members.append(f"{wallet},Member {n},m{n}@example.org,citizen,prosumer,{p}{n}-PV")
        for q in range(4):
            at = f"2026-10-01T00:{15 * q:02d}:00+00:00"
            readings.append(f"{p}{n},{at},{100 + 10 * n + q}")
            if prosumer:
                readings.append(f"{p}{n}-PV,{at},-5000")
    import_members(ctx, name, write(tmp_path / "members.csv", "\n".join(members) + "\n"), log=quiet)
    ingest_file(ctx, name, write(tmp_path / "readings.csv", "\n".join(readings) + "\n"))
    publish_model(ctx, "self_consumption", {"alpha_consumer": "1", "alpha_producer": "0.5"}, community=name)
    return name


def run_stopping_the_chain_mid_payment(ctx, name: str) -> tuple[subprocess.CompletedProcess, str]:
    """`oracle epoch run` whose chain is stopped once its progress bar shows a batch paid and others to go."""
    process = subprocess.Popen(
        epoch_run_argv(ctx, name, START, END),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=one_member_per_batch(),
    )
    stderr, stopped_at = bytearray(), []

    def watch() -> None:
        while chunk := os.read(process.stderr.fileno(), 4096):
            stderr.extend(chunk)
            if stopped_at:
                continue
            for bar in re.split(r"[\r\n]", stderr.decode(errors="replace")):
                found = PROGRESS.search(bar)
                if found and 0 < int(found[1]) < int(found[2]):
                    stopped_at.append(bar)
                    embedded.stop_anvil(ctx.settings)  # SIGTERM: anvil dumps its state and exits
                    break

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stdout = process.stdout.read()
    process.wait(180)
    watcher.join(30)
    assert stopped_at, f"the chain was never stopped mid-payment: {stderr.decode()}"
    return subprocess.CompletedProcess(process.args, process.returncode, stdout.decode(), stderr.decode()), stopped_at[
        0
    ]


def error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    [line] = [line for line in stderr.splitlines() if line.startswith("error: ")]
    return line


def test_the_chain_stopped_mid_payment_then_started_again_with_its_state_the_same_command_pays_the_rest(
    ctx, tmp_path, capsys
):
    name = outage_community(ctx, tmp_path)
    url = ctx.settings.effective_rpc_url
    try:
        done, bar = run_stopping_the_chain_mid_payment(ctx, name)
        assert done.returncode == 1, done.stderr
        line = error_line(done.stderr)
        assert re.fullmatch(
            rf"error: the chain at {re.escape(url)} stopped answering during the pay step of epoch 1 "
            rf"of {re.escape(repr(name))} \(.+\); what was sent is recorded: run the same command "
            r"again once the chain answers",
            line,
        ), line
        assert done.stderr.rstrip("\n").endswith(line)  # the last thing said
        with ctx.session() as s:
            epoch = s.scalar(select(Epoch).where(Epoch.community_id == get_community(ctx, name).id))
            paid = sum(s.scalars(select(EpochMember.paid).where(EpochMember.epoch_id == epoch.id)))
        assert epoch.status == "running" and 0 < paid < len(MEMBERS)
        capsys.readouterr()
        assert oracle_main(["--home", str(ctx.settings.home), "status", "--json"]) == 0
        [unfinished] = [e for e in json.loads(capsys.readouterr().out)["unfinishedEpochs"] if e["community"] == name]
        print(f"chain stopped at {bar.strip()!r}; {paid} of {len(MEMBERS)} recorded paid; the run said: {line}")
        assert unfinished["state"] == "stopped" and unfinished["stopped"]["step"] == "pay"
        assert unfinished["stopped"]["error"] == line.removeprefix("error: ")
    finally:
        embedded.start_anvil(ctx.settings)  # loads home/anvil/state.json
    again = subprocess.run(
        epoch_run_argv(ctx, name, START, END),
        capture_output=True,
        text=True,
        timeout=180,
        env=one_member_per_batch(),
    )
    assert again.returncode == 0, again.stderr
    assert f"epoch 1 of {name!r} done" in again.stdout
    assert_everyone_paid_once(ctx, name)


def assert_everyone_paid_once(ctx, name: str) -> None:
    chain = ctx.chain
    community = get_community(ctx, name)
    token = chain.token(community.token_address)
    with ctx.session() as s:
        epoch = s.scalar(select(Epoch).where(Epoch.community_id == community.id))
        members = list(s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id)))
    assert epoch.status == "done" and all(m.paid and m.skipped_tx is None for m in members)
    leaves = {to_checksum_address(w): int(a) for _i, w, a, _h in StandardMerkleTree.load(epoch.tree_dump).values()}
    assert sorted(leaves) == sorted(MEMBERS) and all(leaves.values())
    onchain = chain.epoch(token.address, 1)
    assert onchain.merkle_root_hex == epoch.merkle_root and onchain.paid_total == sum(leaves.values())
    commits = chain.notary.events.EpochCommitted().get_logs(from_block=0, argument_filters={"community": token.address})
    assert len(commits) == 1
    transfers = token.events.Transfer().get_logs(from_block=0, argument_filters={"from": chain.notary.address})
    assert Counter(e["args"]["to"] for e in transfers) == Counter(MEMBERS)  # one payment each
    assert {e["args"]["to"]: e["args"]["value"] for e in transfers} == leaves
    for wallet in MEMBERS:
        assert token.functions.balanceOf(wallet).call() == 100 * 10**18 + leaves[wallet]
    assert reconcile_community(ctx, community, dry_run=True, log=quiet) == []  # the database and the chain agree
