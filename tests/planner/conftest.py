"""Fixtures of the planner tests: hub files written in the test's directory, and (for the community variant
only) an embedded PostgreSQL with the project's schema, started once per session without the chain."""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

import pytest
import yaml

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
warnings.filterwarnings("ignore", category=DeprecationWarning)


def write_hub(directory: Path, doc: dict, name: str = "hub.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def planner_db():
    """A Context on a fresh embedded PostgreSQL migrated to head (no anvil: the planner only reads)."""
    from oracle.config import load_settings
    from oracle.context import Context
    from oracle.db.session import upgrade
    from oracle.embedded import start_postgres, stop_postgres

    # not under pytest's 0700 temp root: as root the server runs as another user that must reach its data
    home = Path(tempfile.mkdtemp(prefix="lec-planner-home-"))
    home.chmod(0o755)
    settings = load_settings(home, env={})
    url = start_postgres(settings)
    upgrade(url)
    ctx = Context(settings)
    ctx.__dict__["database_url"] = url
    yield ctx
    stop_postgres(settings)
    shutil.rmtree(home, ignore_errors=True)
