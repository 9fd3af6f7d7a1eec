"""network.sh: --dry-run prints each verb's docker commands and changes nothing; with a fake docker, stop keeps the
node keys while clear and restart replace them (checked on the files); a missing docker, a taken port and a node that
never becomes ready end in one sentence."""

import socket

import pytest

from .conftest import NETWORK_SH, docker_calls, node_keys, read_json, tree_snapshot

COMPOSE = f"docker compose --file {NETWORK_SH.parent}/docker-compose.yml"


def compose_line(network_dir, *args) -> str:
    return f"+ {COMPOSE} --env-file {network_dir}/.env {' '.join(args)}"


def test_dry_run_start_of_a_new_network_prints_the_plan_and_the_command(tmp_path, network_sh, fake_docker):
    bin_dir, log = fake_docker
    net = tmp_path / "net"
    result = network_sh("start", "--dry-run", network_dir=net, path_prefix=bin_dir, docker_log=log)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"would write a 4-validator IBFT 2.0 network (chain 1981, 2 s blocks) into {net}:"
    assert f"  {net}/nodes/node4/  key key.pub address  (new key)" in lines
    assert compose_line(net, "up", "--detach") in lines
    assert lines[-1].startswith("# then waits (at most 180 s) until docker inspect reports lec-besu-node1")
    assert not net.exists() and docker_calls(log) == []


@pytest.mark.parametrize(
    "verb,expected",
    [
        ("start", ["up --detach"]),
        ("stop", ["down --volumes --remove-orphans"]),
        ("clear", ["down --volumes --remove-orphans"]),
        ("restart", ["down --volumes --remove-orphans", "up --detach"]),
        ("status", ["ps --all"]),
    ],
)
def test_dry_run_of_each_verb_prints_its_docker_commands_and_changes_nothing(
    tmp_path, generate_network, network_sh, fake_docker, verb, expected
):
    bin_dir, log = fake_docker
    net = tmp_path / "net"
    generate_network(net, consensus="qbft", block_period=10)
    before = tree_snapshot(net)
    result = network_sh(verb, "--dry-run", network_dir=net, path_prefix=bin_dir, docker_log=log)
    assert result.returncode == 0, result.stderr
    printed = [line for line in result.stdout.splitlines() if line.startswith("+ ")]
    assert printed == [compose_line(net, *command.split()) for command in expected]
    assert tree_snapshot(net) == before and docker_calls(log) == []  # nothing ran, nothing changed
    if verb in ("clear", "restart"):
        assert (
            f"would remove {net}/nodes" in result.stdout
            and f"kept the platform keystores in {net}/keystores" in result.stdout
        )
    if verb == "restart":  # new keys, with the network's own settings
        assert (
            "# would generate new node keys, genesis.json, permissions_config.toml, static-nodes.json and .env in "
            f"{net} with --consensus qbft --block-period 10 --chain-id 1981 --validators 4"
        ) in result.stdout
    if verb == "status":
        assert "and qbft_getValidatorsByBlockNumber(latest) of the first node that answers" in result.stdout


def test_dry_run_generate_writes_nothing(tmp_path, network_sh):
    out = tmp_path / "out"
    result = network_sh("generate", "--out", str(out), "--consensus", "qbft", "--dry-run", network_dir=tmp_path / "x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"would write a 4-validator QBFT network (chain 1981, 2 s blocks) into {out}:")
    assert not out.exists()


def test_stop_keeps_the_keys_clear_and_restart_replace_them(tmp_path, network_sh, fake_docker):
    bin_dir, log = fake_docker
    net = tmp_path / "net"

    def sh(*args):
        result = network_sh(*args, network_dir=net, path_prefix=bin_dir, docker_log=log)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    started = sh("start", "--consensus", "qbft", "--block-period", "10")
    assert "the network is up" in started.stdout
    first = node_keys(net)
    accounts = read_json(net / "network.json")["platformAccounts"]
    assert len(first) == 4 and len(set(first.values())) == 4
    assert docker_calls(log)[-5].endswith("up --detach")
    assert docker_calls(log)[-4:] == [
        "inspect --format {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}} lec-besu-" + node
        for node in ("node1", "node2", "node3", "node4")
    ]

    sh("stop")
    assert docker_calls(log)[-1].endswith("down --volumes --remove-orphans")
    assert node_keys(net) == first  # stop keeps node keys and addresses
    sh("start")
    assert node_keys(net) == first  # start uses the existing keys

    sh("restart")
    second = node_keys(net)
    assert len(second) == 4 and set(second.values()).isdisjoint(first.values())  # restart: new keys...
    assert read_json(net / "genesis.json")["config"]["qbft"]["blockperiodseconds"] == 10  # ...same settings

    cleared = sh("clear")
    assert node_keys(net) == {} and not (net / "genesis.json").exists()
    assert f"removed {net}/nodes" in cleared.stdout
    sh("start")
    third = node_keys(net)
    assert len(third) == 4 and set(third.values()).isdisjoint([*first.values(), *second.values()])  # new after clear
    assert "ibft2" in read_json(net / "genesis.json")["config"]  # a new network: the default settings
    assert read_json(net / "network.json")["platformAccounts"] == accounts  # the platform's keystores stay


def sentence(result) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_missing_docker_is_a_sentence_and_a_first_start_writes_nothing(tmp_path, network_sh):
    result = network_sh("start", network_dir=tmp_path / "net", path="/usr/bin:/bin")
    assert sentence(result) == (
        "error: docker is not installed here (no docker command on the PATH): install Docker "
        "Engine with its compose plugin, or run the network on a host that has them"
    )
    assert not (tmp_path / "net").exists()  # no keys generated for a network that cannot start here


@pytest.mark.parametrize(
    "setting,expected",
    [
        ({"FAKE_DOCKER_DAEMON": "down"}, "error: docker is installed but its daemon does not answer"),
        ({"FAKE_DOCKER_COMPOSE": "no"}, "error: docker has no compose plugin (docker compose)"),
        (
            {"FAKE_DOCKER_UP_FAILS": "1"},
            "error: docker compose could not start the nodes (its message is above); if it "
            "could not pull hyperledger/besu:26.8.0",
        ),
    ],
)
def test_docker_problems_are_sentences(tmp_path, generate_network, network_sh, fake_docker, setting, expected):
    bin_dir, log = fake_docker
    generate_network(tmp_path / "net")
    result = network_sh("start", network_dir=tmp_path / "net", path_prefix=bin_dir, docker_log=log, **setting)
    assert sentence(result).startswith(expected)


def test_a_taken_port_is_a_sentence(tmp_path, generate_network, network_sh, fake_docker):
    bin_dir, log = fake_docker
    generate_network(tmp_path / "net")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = network_sh(
            "start", network_dir=tmp_path / "net", path_prefix=bin_dir, docker_log=log, RPC_HTTP_PORT=port
        )
    assert sentence(result) == (
        f"error: port {port} on 127.0.0.1 (node1's JSON-RPC over HTTP) is already taken by another program: stop it, "
        f"or give this network another port, e.g. RPC_HTTP_PORT={port + 1000} network.sh start"
    )
    assert not any(" up " in f" {c} " for c in docker_calls(log))  # nothing was started


def test_a_node_that_never_becomes_ready_is_a_sentence(tmp_path, generate_network, network_sh, fake_docker):
    bin_dir, log = fake_docker
    generate_network(tmp_path / "net")
    result = network_sh(
        "start",
        network_dir=tmp_path / "net",
        path_prefix=bin_dir,
        docker_log=log,
        FAKE_DOCKER_HEALTH="starting",
        BESU_READY_TIMEOUT=3,
    )
    assert sentence(result).startswith(
        "error: not ready within 3 s: node1 (starting) node2 (starting) node3 (starting) node4 (starting). A node is "
        "ready when its /liveness and /readiness answer 200"
    )


def test_a_node_that_stops_at_start_is_a_sentence_with_its_log(tmp_path, generate_network, network_sh, fake_docker):
    bin_dir, log = fake_docker
    generate_network(tmp_path / "net")
    result = network_sh(
        "start", network_dir=tmp_path / "net", path_prefix=bin_dir, docker_log=log, FAKE_DOCKER_HEALTH="exited"
    )
    assert sentence(result).startswith(
        "error: node1 stopped right after it started (container lec-besu-node1 is exited): its last log lines are above"
    )
    assert "Failed to start Besu: (fake log line)" in result.stderr


@pytest.mark.parametrize(
    "args,expected",
    [
        (
            ("start", "--validators", "5"),
            "error: docker-compose.yml runs 4 validators: start takes --validators 4 only",
        ),
        (("stop", "--consensus", "qbft"), "error: stop takes no generation options (--consensus qbft)"),
        (("reboot",), "error: unknown verb reboot: use start, stop, clear, restart, status or generate"),
        (("start", "--fast"), "error: unknown option --fast"),
        (("generate",), "error: generate needs --out DIR"),
        (("start", "--out", "x"), "error: --out is for generate"),
    ],
)
def test_wrong_arguments_are_sentences(tmp_path, network_sh, args, expected):
    result = network_sh(*args, network_dir=tmp_path / "net")
    assert sentence(result).startswith(expected)
    assert not (tmp_path / "net").exists()


def test_start_does_not_change_an_existing_networks_settings(tmp_path, generate_network, network_sh, fake_docker):
    bin_dir, log = fake_docker
    generate_network(tmp_path / "net")
    result = network_sh(
        "start", "--consensus", "qbft", network_dir=tmp_path / "net", path_prefix=bin_dir, docker_log=log
    )
    assert sentence(result).startswith(f"error: {tmp_path / 'net'} already holds a network and start keeps it")
    assert docker_calls(log) == []


def test_generate_through_network_sh_refuses_a_bad_key_with_a_sentence(tmp_path, network_sh):
    (tmp_path / "keys" / "org").mkdir(parents=True)
    (tmp_path / "keys" / "org" / "key").write_text("not a key\n")
    result = network_sh(
        "generate", "--out", str(tmp_path / "out"), "--keys-from", str(tmp_path / "keys"), network_dir=tmp_path / "x"
    )
    assert result.returncode == 2
    assert sentence(result).startswith(
        f"error: {tmp_path}/keys/org/key is not a node key: expected one line of 64 hex digits"
    )
    assert not (tmp_path / "out").exists()


def test_generate_through_network_sh_uses_the_given_keys(tmp_path, network_sh):
    key = "0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63"  # Besu docs, test account 1
    (tmp_path / "keys" / "org").mkdir(parents=True)
    (tmp_path / "keys" / "org" / "key").write_text(key)
    result = network_sh(
        "generate",
        "--out",
        str(tmp_path / "out"),
        "--keys-from",
        str(tmp_path / "keys"),
        "--validators",
        "1",
        network_dir=tmp_path / "x",
    )
    assert result.returncode == 0, result.stderr
    assert "node1  0xfe3b557e8fb62b89f4916b721be55ceb828dbd73" in result.stdout
    assert (tmp_path / "out" / "nodes" / "node1" / "key").read_text() == key
