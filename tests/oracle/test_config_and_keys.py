"""Keys and secrets: encrypted keystores, generated only for the embedded setup, refused without a passphrase."""

import json
import stat

import pytest

from oracle.cli import main as oracle_main
from oracle.config import load_settings
from oracle.errors import ConfigError
from oracle.keystore import ROLES, Keyring, generate_dev_keystores
from oracle.secrets import data_key, keystore_passphrase


def test_embedded_setup_generates_encrypted_role_keystores(tmp_path):
    settings = load_settings(tmp_path, env={})
    addresses = generate_dev_keystores(settings)
    assert set(addresses) == set(ROLES) and len(set(addresses.values())) == len(ROLES)
    passphrase_file = settings.secrets_dir / "keystore-passphrase"
    assert stat.S_IMODE(passphrase_file.stat().st_mode) == 0o600
    keyring = Keyring(settings)
    oracle = keyring.account("oracle")
    assert oracle.address == addresses["oracle"]
    raw = (settings.keystores / "oracle.json").read_text()
    assert oracle.key.hex().removeprefix("0x") not in raw  # the key is only in encrypted form
    assert json.loads(raw)["crypto"]["kdf"] == "scrypt"
    assert stat.S_IMODE((settings.keystores / "oracle.json").stat().st_mode) == 0o600
    # generating again keeps the same keys
    assert generate_dev_keystores(settings) == addresses


def test_wrong_passphrase_is_a_clear_error(tmp_path):
    generate_dev_keystores(load_settings(tmp_path, env={}))
    keyring = Keyring(load_settings(tmp_path, env={"LEC_KEYSTORE_PASSPHRASE": "wrong"}))
    with pytest.raises(ConfigError, match="wrong passphrase"):
        keyring.account("oracle")


def test_configured_setup_refuses_without_its_secrets(tmp_path):
    production = load_settings(
        tmp_path,
        env={
            "DATABASE_URL": "postgresql+psycopg://x@localhost/lec",
            "LEC_RPC_URL": "http://127.0.0.1:1",
            "LEC_CHAIN_ID": "1981",
            "LEC_MANIFEST": str(tmp_path / "1981.json"),
        },
    )
    assert production.production
    with pytest.raises(ConfigError, match="LEC_KEYSTORE_PASSPHRASE is not set"):
        keystore_passphrase(production)
    with pytest.raises(ConfigError, match="LEC_DATA_KEY is not set"):
        data_key(production)
    with pytest.raises(ConfigError, match="refusing to generate keys"):
        generate_dev_keystores(production)
    assert not (tmp_path / "secrets").exists()


def test_configured_chain_needs_chain_id_and_manifest(tmp_path):
    settings = load_settings(tmp_path, env={"LEC_RPC_URL": "http://127.0.0.1:1"})
    with pytest.raises(ConfigError, match="LEC_CHAIN_ID is not"):
        settings.effective_chain_id
    with pytest.raises(ConfigError, match="LEC_MANIFEST is not"):
        settings.manifest_path
    with pytest.raises(ConfigError, match="LEC_BATCH_SIZE=500"):
        load_settings(tmp_path, env={"LEC_BATCH_SIZE": "500"})
    with pytest.raises(ConfigError, match="LEC_ANVIL_PORT='x'"):
        load_settings(tmp_path, env={"LEC_ANVIL_PORT": "x"})


def test_commands_without_running_services_fail_with_one_line(tmp_path, capsys):
    assert oracle_main(["--home", str(tmp_path), "epoch", "show", "--community", "X", "--epoch", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the embedded PostgreSQL") and "oracle up" in err and "Traceback" not in err
