"""Fixtures of the oracle tests: a real embedded PostgreSQL and a real anvil chain with the contracts
deployed by `oracle up` in a temporary home, shared by the session; each test uses its own community."""

from __future__ import annotations

import dataclasses
import itertools
import shutil
import socket
import tempfile
import warnings
from pathlib import Path

import pytest

from oracle.config import load_settings
from oracle.context import Context

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

E18 = 10**18
_names = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lec_home():
    # Not under pytest's 0700 temp root: the embedded PostgreSQL runs as another system user when
    # the tests run as root, and must be able to reach its data directory.
    home = Path(tempfile.mkdtemp(prefix="lec-test-home-"))
    home.chmod(0o755)
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def base_ctx(lec_home):
    from oracle.lifecycle import down, up

    settings = load_settings(lec_home, env={"LEC_ANVIL_PORT": str(free_port())})
    ctx = Context(settings)
    up(ctx, quiet=True)
    yield ctx
    down(ctx)


@pytest.fixture
def ctx(base_ctx):
    """A fresh Context on the session's services (no cached state between tests)."""
    fresh = Context(base_ctx.settings)
    fresh.__dict__["database_url"] = base_ctx.database_url
    return fresh


def context_with(ctx: Context, **changes) -> Context:
    fresh = Context(dataclasses.replace(ctx.settings, **changes))
    fresh.__dict__["database_url"] = ctx.database_url
    return fresh


def unique_name(prefix: str = "Test LEC") -> str:
    return f"{prefix} {next(_names)}"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
