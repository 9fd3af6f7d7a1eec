"""`oracle up` / `down` / `status` on a home of their own: idempotent, state kept across restarts."""

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from oracle.cli import main as oracle_main

from .conftest import free_port


@pytest.fixture
def home():
    path = Path(tempfile.mkdtemp(prefix="lec-lifecycle-"))
    path.chmod(0o755)
    yield path
    oracle_main(["--home", str(path), "down"])
    shutil.rmtree(path, ignore_errors=True)


def run(home, *args):
    return oracle_main(["--home", str(home), *args])


def test_up_twice_down_twice_and_state_survives_a_restart(home, capsys, monkeypatch):
    monkeypatch.setenv("LEC_ANVIL_PORT", str(free_port()))
    assert run(home, "up") == 0
    out = capsys.readouterr().out
    assert "deploying the platform contracts" in out
    manifest = json.loads((home / "deployments/31337.json").read_text())
    assert run(home, "up") == 0  # second start: nothing redeployed
    assert "deploying" not in capsys.readouterr().out
    assert json.loads((home / "deployments/31337.json").read_text()) == manifest
    assert run(home, "community", "create", "Lifecycle LEC", "--endowment", "5") == 0
    capsys.readouterr()
    assert run(home, "status") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["database"] == "running" and status["chain"].startswith("anvil running")

    monkeypatch.delenv("LEC_ANVIL_PORT")  # later commands find the port the home's anvil was started on
    assert run(home, "down") == 0
    assert "anvil stopped" in capsys.readouterr().out
    assert run(home, "down") == 0  # stopping when stopped is harmless
    assert "was not running" in capsys.readouterr().out
    assert run(home, "status") == 0
    assert json.loads(capsys.readouterr().out)["database"] == "stopped"

    # restart: the chain state and the database come back as they were
    assert run(home, "up") == 0
    assert "deploying" not in capsys.readouterr().out
    assert run(home, "community", "create", "Lifecycle LEC") == 0
    assert manifest["contracts"]["CommunityFactory"]["address"] in json.dumps(
        json.loads((home / "deployments/31337.json").read_text())
    )
    out = capsys.readouterr().out
    assert "Lifecycle LEC" in out
