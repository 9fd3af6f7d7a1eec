"""`dapp serve --workers N`: N processes answer on one port; stopping the server stops them all; a port already
taken is the same one sentence (exit 1) as with one process."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from .conftest import free_port
from .test_serve import DAPP, _env, _run


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


def _nonce(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/auth/nonce", timeout=10) as response:
        assert set(json.load(response)) == {"nonce"}
        return response.status


def test_two_workers_answer_then_stop_together(lec_home, base_ctx):
    port = free_port()
    server = subprocess.Popen(
        [DAPP, "serve", "--home", str(lec_home), "--port", str(port), "--workers", "2"],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, first = time.monotonic() + 90, None
        while first is None and time.monotonic() < deadline:
            assert server.poll() is None, server.communicate()
            try:
                first = _nonce(port)
            except OSError:
                time.sleep(0.3)
        assert first == 200, "dapp serve --workers 2 did not answer in 90 s"
        assert [_nonce(port) for _ in range(10)] == [200] * 10
        workers = _children(server.pid)
        assert len(workers) == 2
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert not any(
        Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text() for pid in workers
    )
    assert f"dApp on http://127.0.0.1:{port}" in out and "Traceback" not in err


def test_a_port_already_taken_is_one_sentence_exit_1(lec_home, base_ctx):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("serve", "--home", str(lec_home), "--port", str(port), "--workers", "2")
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot listen on 127.0.0.1:{port}"), result.stderr


def test_workers_must_be_a_whole_number_from_one():
    result = _run("serve", "--workers", "0")
    assert result.returncode == 2
    assert "argument --workers: '0' is not a whole number of processes from 1" in result.stderr
