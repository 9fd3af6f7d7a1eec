"""The whole platform on a chain configured like the generated Besu genesis, through the besu-local configuration path:

- a network directory from the generator (genesis, platform keystores);
- anvil started from that genesis: its chain id (1981), its gas limit, zero base fee (zeroBaseFee), its pre-funded
  platform accounts;
- brownie's `besu-local` network registered by tools/register_networks.sh (BESU_RPC_URL pointing at that chain) and
  the platform deployed with `brownie run scripts/deploy.py --network besu-local`, the deployer being the generated
  platform_admin keystore;
- the oracle configured only by LEC_RPC_URL, LEC_CHAIN_ID, LEC_MANIFEST, LEC_KEYSTORE_DIR, LEC_KEYSTORE_PASSPHRASE,
  LEC_DATA_KEY and DATABASE_URL (an embedded PostgreSQL, oracle.embedded), running one epoch with payments for 200
  members — one pushRewards batch of 200, the size the genesis gas limit is chosen for;
- a member's service payment signed by the member's own key, with zero fees, from an account without ether.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from eth_account import Account
from eth_utils import keccak
from web3 import HTTPProvider, Web3

from oracle.cli import main as oracle_main
from oracle.config import Settings
from oracle.embedded import anvil_binary, start_postgres, stop_postgres

from .conftest import KEY_ENV, PASSPHRASE, ROOT, free_port, read_json

E18 = 10**18
MEMBERS = 200
COMMUNITY = "CER Besu Check"
START, END = "2026-10-01T00:00:00+00:00", "2026-10-01T01:00:00+00:00"
QUARTERS = [
    "2026-10-01T00:00:00+00:00",
    "2026-10-01T00:15:00+00:00",
    "2026-10-01T00:30:00+00:00",
    "2026-10-01T00:45:00+00:00",
]

# The data and the rewards worked out by hand (self_consumption, alpha_consumer 1, alpha_producer 0.5 token/kWh):
# 200 citizens, each with a meter reading 100 Wh per quarter-hour; member 0 (a prosumer) also has PV producing
# 10 000 Wh per quarter-hour. Per quarter-hour L = 200 x 100 = 20 000 Wh, P = 10 000 Wh, S = min(L, P) = 10 000 Wh.
#   consumer share of each member: 4 x 10 000 x 100 / 20 000 = 200 Wh -> 0.2 tokens
#   producer share of member 0:    0.5 x 4 x 10 000 x 10 000 / 10 000 / 1000 = 20 tokens
# Total 199 x 0.2 + 20.2 = 60 tokens = (1 + 0.5) x 40 000 Wh / 1000.
REWARD_CONSUMER = 200_000 * 10**12  # 0.2 tokens
REWARD_PROSUMER = 20_200_000 * 10**12  # 20.2 tokens
WELCOME = 0  # no welcome bonus: every member is a fresh holder when paid, the costliest push (README gas report)
ENDOWMENT = 1_000 * E18
SERVICE_AMOUNT = E18 // 10  # 0.1 tokens, fee 1 % (fee_bps 100)


def member_account(index: int):
    return Account.from_key(keccak(f"lec besu test member {index}".encode()))


def rpc(url: str, method: str, params: list):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return json.loads(response.read())["result"]


@pytest.fixture(scope="module")
def workdir():
    # Not under pytest's 0700 temp root: the embedded PostgreSQL runs as another system user when tests run as root.
    path = Path(tempfile.mkdtemp(prefix="lec-besu-e2e-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def network(workdir):
    from besu_gen.generate import Options, generate

    return generate(workdir / "network", Options(), dict(KEY_ENV))


@pytest.fixture(scope="module")
def chain(workdir, network):
    """anvil configured from the generated genesis; yields its RPC URL."""
    genesis = read_json(workdir / "network" / "genesis.json")
    assert genesis["config"]["zeroBaseFee"] is True
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(workdir / "anvil.log", "wb")
    process = subprocess.Popen(
        [
            anvil_binary(),
            "--init",
            str(workdir / "network" / "genesis.json"),
            "--chain-id",
            str(genesis["config"]["chainId"]),
            "--gas-limit",
            str(int(genesis["gasLimit"], 16)),
            "--block-base-fee-per-gas",
            "0",
            "--gas-price",
            "0",
            # BFT blocks carry the wall-clock time; from --init alone anvil would count on from the seed's 2017 timestamp
            "--timestamp",
            str(int(time.time())),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--silent",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                rpc(url, "eth_chainId", [])
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, (workdir / "anvil.log").read_text()
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def brownie_env(workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEC_")}
    env.update(
        {
            "HOME": str(workdir / "home"),  # a brownie data folder of its own: ~/.brownie stays untouched
            "PATH": f"{ROOT / '.venv/bin'}:{env['PATH']}",
            "SOLCX_BINARY_PATH": str(ROOT / "tools/solc"),
        }
    )
    return env


@pytest.fixture(scope="module")
def deployed(workdir, network, chain):
    """The platform deployed on `chain` by `brownie run scripts/deploy.py --network besu-local`; yields the manifest."""
    (workdir / "home").mkdir()
    env = brownie_env(workdir)
    registered = subprocess.run(
        [str(ROOT / "tools/register_networks.sh")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**env, "BESU_RPC_URL": chain},
        timeout=300,
    )
    assert registered.returncode == 0, registered.stdout + registered.stderr
    roles = network.accounts
    env.update(
        {
            "LEC_DEPLOYER_KEYSTORE": str(workdir / "network" / "keystores" / "platform_admin.json"),
            "LEC_DEPLOYER_PASSWORD": PASSPHRASE,
            "LEC_ORACLE_ADMIN_ADDRESS": roles["oracle_admin"],
            "LEC_ORACLE_ADDRESS": roles["oracle"],
            "LEC_REWARD_PAYER_ADDRESS": roles["reward_payer"],
            "LEC_COMMUNITY_ADMIN_ADDRESS": roles["community_admin"],
            "LEC_TOKEN_ADMIN_ADDRESS": roles["token_admin"],
            # a production deploy's time rules are 24 h and 7 days; the check runs a past period at once
            "LEC_CHALLENGE_WINDOW": "0",
            "LEC_MIN_NOTICE": "0",
            "LEC_DEPLOYMENTS_DIR": str(workdir / "deployments"),
        }
    )
    result = subprocess.run(
        [str(ROOT / ".venv/bin/brownie"), "run", "scripts/deploy.py", "--network", "besu-local", "--silent"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    manifest_path = workdir / "deployments" / "1981.json"
    assert result.returncode == 0 and manifest_path.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    manifest = read_json(manifest_path)
    yield manifest
    forget_brownie_deployments(manifest)


def forget_brownie_deployments(manifest: dict) -> None:
    """brownie records deployments on a live network in build/deployments/<chain id>/: remove exactly this run's."""
    folder = ROOT / "build" / "deployments" / str(manifest["chainId"])
    ours = {entry["address"] for entry in manifest["contracts"].values()}
    for address in ours:
        (folder / f"{address}.json").unlink(missing_ok=True)
    map_file = ROOT / "build" / "deployments" / "map.json"
    if map_file.exists():
        records = json.loads(map_file.read_text())
        chain_records = records.get(str(manifest["chainId"]), {})
        for name in list(chain_records):
            chain_records[name] = [a for a in chain_records[name] if a not in ours]
            if not chain_records[name]:
                del chain_records[name]
        if not chain_records:
            records.pop(str(manifest["chainId"]), None)
        map_file.write_text(json.dumps(records, indent=4, sort_keys=True))
    if folder.exists() and not any(folder.iterdir()):
        folder.rmdir()


@pytest.fixture(scope="module")
def oracle_env(workdir, deployed, chain):
    """The oracle's configured mode, and an `oracle(...)` that runs a command in it."""
    pg_settings = Settings(home=workdir / "postgres")
    database_url = start_postgres(pg_settings)
    env = {
        "LEC_RPC_URL": chain,
        "LEC_CHAIN_ID": "1981",
        "LEC_MANIFEST": str(workdir / "deployments" / "1981.json"),
        "LEC_KEYSTORE_DIR": str(workdir / "network" / "keystores"),
        "LEC_KEYSTORE_PASSPHRASE": PASSPHRASE,
        "LEC_DATA_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
        "LEC_HOME": str(workdir / "oracle-home"),
        "LEC_BATCH_SIZE": "200",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("LEC_")]:
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)

        def oracle(*args):
            assert oracle_main(list(args)) == 0, f"oracle {' '.join(args)} failed"

        yield oracle
    stop_postgres(pg_settings)


@pytest.fixture(scope="module")
def epoch(workdir, oracle_env):
    """Community, 200 members, an hour of readings, the model, and the epoch run by the oracle's commands."""
    members = [member_account(i).address for i in range(MEMBERS)]
    rows = ["wallet,name,email,kind,profile,deviceid"]
    rows.append(f"{members[0]},Member 0,m0@example.org,citizen,prosumer,BESU-M0")
    rows.append(f"{members[0]},Member 0,m0@example.org,citizen,prosumer,BESU-PV0")
    rows += [f"{w},Member {i},m{i}@example.org,citizen,consumer,BESU-M{i}" for i, w in enumerate(members) if i]
    (workdir / "members.csv").write_text("\n".join(rows) + "\n")
    readings = ["deviceid,timestamp,energy"]
    for quarter in QUARTERS:
        readings += [f"BESU-M{i},{quarter},100" for i in range(MEMBERS)]
        readings.append(f"BESU-PV0,{quarter},-10000")
    (workdir / "readings.csv").write_text("\n".join(readings) + "\n")

    oracle_env("up")
    oracle_env(
        "community",
        "create",
        COMMUNITY,
        "--welcome-citizen",
        "0",
        "--welcome-stakeholder",
        "0",
        "--fee-bps",
        "100",
        "--endowment",
        "1000",
        "--reward-ceiling",
        "1000",
    )
    oracle_env("members", "import", "--community", COMMUNITY, str(workdir / "members.csv"))
    oracle_env("ingest", "--community", COMMUNITY, str(workdir / "readings.csv"))
    oracle_env(
        "models",
        "publish",
        "--model",
        "self_consumption",
        "--set",
        "alpha_consumer=1",
        "--set",
        "alpha_producer=0.5",
        "--community",
        COMMUNITY,
    )
    oracle_env("epoch", "run", "--community", COMMUNITY, "--start", START, "--end", END)
    return members


def web3(url: str) -> Web3:
    return Web3(HTTPProvider(url, request_kwargs={"proxies": {"http": None, "https": None}}))


def epoch_report(capsys, oracle) -> dict:
    capsys.readouterr()
    oracle("epoch", "show", "--community", COMMUNITY, "--epoch", "1", "--json")
    return json.loads(capsys.readouterr().out)


def test_deploy_went_through_besu_local_on_the_genesis_chain(deployed, network, chain, workdir):
    w3 = web3(chain)
    genesis = read_json(workdir / "network" / "genesis.json")
    assert deployed["chainId"] == 1981 == w3.eth.chain_id
    assert deployed["network"] == "besu-local"
    registered = (workdir / "home" / ".brownie" / "network-config.yaml").read_text()
    assert f"host: {chain}" in registered  # the besu-local entry, as tools/register_networks.sh wrote it
    assert deployed["roles"] == {
        "platformAdmin": network.accounts["platform_admin"],
        "oracleAdmin": network.accounts["oracle_admin"],
        "oracle": network.accounts["oracle"],
        "rewardPayer": network.accounts["reward_payer"],
        "communityAdmin": network.accounts["community_admin"],
        "tokenAdmin": network.accounts["token_admin"],
    }
    for entry in deployed["contracts"].values():
        assert len(w3.eth.get_code(entry["address"])) > 0
    latest = w3.eth.get_block("latest")
    assert latest["gasLimit"] == int(genesis["gasLimit"], 16) == 100_000_000
    assert latest["baseFeePerGas"] == 0
    # the genesis funded the platform accounts (and gas is free: the deploy spent none of it)
    assert w3.eth.get_balance(network.accounts["platform_admin"]) == 1000 * E18
    deploy_gas = [
        w3.eth.get_transaction_receipt(h)["gasUsed"]
        for n in range(1, latest["number"] + 1)
        for h in w3.eth.get_block(n)["transactions"]
    ]
    print(f"\ndeploy: {len(deploy_gas)} transactions, the largest {max(deploy_gas)} gas")
    assert max(deploy_gas) < latest["gasLimit"] // 10


def test_one_epoch_pays_all_200_members_in_one_batch(epoch, oracle_env, capsys, chain, deployed):
    members = epoch
    report = epoch_report(capsys, oracle_env)
    assert report["status"] == "done" and len(report["members"]) == MEMBERS
    expected = dict.fromkeys(members[1:], REWARD_CONSUMER) | {members[0]: REWARD_PROSUMER}
    assert {m["wallet"]: int(m["amount"]) for m in report["members"]} == expected
    assert int(report["totalReward"]) == 60 * E18 == sum(expected.values())
    assert all(m["paid"] and not m["skipped"] for m in report["members"])
    pushes = [t for t in report["transactions"] if t["kind"] == "push"]
    assert len(pushes) == 1  # 200 leaves, one pushRewards (LEC_BATCH_SIZE=200)

    w3 = web3(chain)
    receipt = w3.eth.get_transaction_receipt(pushes[0]["hash"])
    block = w3.eth.get_block(receipt["blockNumber"])
    # a batch of 200 fresh holders: ~30 000 gas each (README gas report: floor 27 025), far inside the block gas limit
    assert 200 * 27_000 < receipt["gasUsed"] < 200 * 35_000 < block["gasLimit"] // 10
    print(f"\npushRewards of 200 fresh holders: {receipt['gasUsed']} gas; block gas limit {block['gasLimit']}")
    token_address = community_token_address()
    token = w3.eth.contract(address=token_address, abi=deployed["communityToken"]["abi"])
    for wallet, amount in list(expected.items())[:3] + [(members[-1], REWARD_CONSUMER)]:
        assert token.functions.balanceOf(wallet).call() == WELCOME + amount
    # treasury: 1000 minted - 60 rewards (no welcome bonuses)
    assert token.functions.balanceOf(token_address).call() == ENDOWMENT - MEMBERS * WELCOME - 60 * E18


def community_token_address() -> str:
    """The community's token, as the oracle recorded it (read with the configured environment)."""
    from oracle.communities import get_community
    from oracle.config import load_settings
    from oracle.context import Context

    return get_community(Context(load_settings()), COMMUNITY).token_address


def test_a_member_pays_a_service_with_zero_fees_and_no_ether(epoch, oracle_env, capsys, chain, deployed):
    w3 = web3(chain)
    token_address = community_token_address()
    token = w3.eth.contract(address=token_address, abi=deployed["communityToken"]["abi"])
    payer, provider = member_account(1), member_account(2)
    assert w3.eth.get_balance(payer.address) == 0  # a member's wallet holds no ether on the free-gas chain
    before = {a: token.functions.balanceOf(a).call() for a in (payer.address, provider.address, token_address)}
    # what the dApp sends on Besu: EIP-1559 fields at 0 (MetaMask would propose non-zero ones)
    tx = token.functions.payService(
        provider.address, SERVICE_AMOUNT, 1, keccak(b"bike repair 42"), "0x" + "00" * 20, 0, 100
    ).build_transaction(
        {
            "from": payer.address,
            "nonce": w3.eth.get_transaction_count(payer.address),
            "maxFeePerGas": 0,
            "maxPriorityFeePerGas": 0,
            "chainId": 1981,
        }
    )
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(payer.sign_transaction(tx).raw_transaction), timeout=30
    )
    assert receipt["status"] == 1 and receipt["effectiveGasPrice"] == 0
    fee = SERVICE_AMOUNT * 100 // 10_000  # 1 % of 0.1 tokens = 0.001
    after = {a: token.functions.balanceOf(a).call() for a in (payer.address, provider.address, token_address)}
    assert after[payer.address] == before[payer.address] - SERVICE_AMOUNT == WELCOME + REWARD_CONSUMER - SERVICE_AMOUNT
    assert after[provider.address] == before[provider.address] + SERVICE_AMOUNT - fee
    assert after[token_address] == before[token_address] + fee
    assert Decimal(after[provider.address]) / E18 == Decimal("0.299")  # 0.2 reward + 0.1 paid - 0.001 fee
    assert w3.eth.get_balance(payer.address) == 0
