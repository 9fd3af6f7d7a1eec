"""`dapp serve` as a real process: waitress answers on a free port; errors are one sentence with the oracle's
exit statuses (2 for a user mistake or missing setup, 1 for the environment)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

from .conftest import free_port

DAPP = shutil.which("dapp") or os.path.join(os.path.dirname(sys.executable), "dapp")


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEC_") and k != "DATABASE_URL"}
    env["PYTHONWARNINGS"] = "ignore"
    return env


def _run(*args, timeout=120):
    return subprocess.run([DAPP, *args], env=_env(), capture_output=True, text=True, timeout=timeout)


def test_dapp_serve_answers_with_waitress_then_stops(lec_home, base_ctx):
    port = free_port()
    server = subprocess.Popen(
        [DAPP, "serve", "--home", str(lec_home), "--port", str(port)],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, answer = time.monotonic() + 90, None
        while answer is None and time.monotonic() < deadline:
            assert server.poll() is None, server.communicate()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/auth/nonce", timeout=5) as response:
                    answer = (response.status, response.headers["Server"], json.load(response))
            except OSError:
                time.sleep(0.3)
        assert answer is not None, "dapp serve did not answer in 90 s"
        status, server_header, body = answer
        assert status == 200 and server_header == "lec-dapp" and set(body) == {"nonce"}
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert f"dApp on http://127.0.0.1:{port}" in out
    assert "Traceback" not in err


def test_a_port_already_taken_is_one_sentence_exit_1(lec_home, base_ctx):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("serve", "--home", str(lec_home), "--port", str(port))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot listen on 127.0.0.1:{port}"), result.stderr


def test_a_home_without_services_is_one_sentence_exit_2(tmp_path):
    result = _run("serve", "--home", str(tmp_path), "--port", str(free_port()))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: the embedded PostgreSQL of {tmp_path} is not running: run `oracle up` (or set DATABASE_URL)"
    ]


def test_a_bad_argument_is_one_line_exit_2():
    result = _run("serve", "--port", "many")
    assert result.returncode == 2
    assert result.stderr == (
        "error: dapp serve: argument --port: invalid int value: 'many' (see `dapp serve --help`)\n"
    )
