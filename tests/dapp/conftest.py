"""Fixtures of the dApp tests: the oracle's session services (embedded PostgreSQL + anvil with the contracts),
a Flask app on them, and Sign-In with Ethereum done as a wallet does it (eth-account signs the EIP-4361 text)."""
from __future__ import annotations

import warnings
from datetime import datetime, timedelta, timezone

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from siwe import SiweMessage

from oracle.communities import create_community
from oracle.members import import_members
from tests.oracle.conftest import base_ctx, ctx, free_port, lec_home, unique_name, write  # noqa: F401 (fixtures)

warnings.filterwarnings("ignore", module="abnf")

HOST = "localhost"  # the Flask test client's host
CHAIN_ID = 31337
WELCOME_CITIZEN = 100 * 10**18  # create_community(welcome_citizen="100")
WELCOME_STAKEHOLDER = 500 * 10**18  # create_community(welcome_stakeholder="500")


@pytest.fixture
def app(base_ctx):  # noqa: F811
    from dapp_backend.app import create_app
    from dapp_backend.context import EXTENSION

    application = create_app(base_ctx.settings, testing=True)
    application.extensions[EXTENSION].__dict__["database_url"] = base_ctx.database_url
    return application


@pytest.fixture
def client(app):
    return app.test_client()


def siwe_text(address: str, nonce: str, *, domain: str = HOST, uri: str = f"http://{HOST}/",
              chain_id: int = CHAIN_ID, expiration: datetime | None = None, not_before: datetime | None = None,
              issued_at: datetime | None = None) -> str:
    def iso(moment):
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z") if moment else None

    fields = dict(domain=domain, address=address, statement="Sign in to the LEC platform.", uri=uri, version="1",
                  chain_id=chain_id, nonce=nonce, issued_at=iso(issued_at or datetime.now(timezone.utc)))
    if expiration:
        fields["expiration_time"] = iso(expiration)
    if not_before:
        fields["not_before"] = iso(not_before)
    return SiweMessage(**fields).prepare_message()


def sign(message: str, key) -> str:
    return "0x" + Account.sign_message(encode_defunct(text=message), key).signature.hex().removeprefix("0x")


def new_nonce(client) -> str:
    response = client.get("/api/auth/nonce")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["nonce"]


def login(client, account, *, signer=None, environ=None, **message_fields):
    """POSTs a login signed by `signer` (default: the account itself) for a fresh nonce."""
    nonce = message_fields.pop("nonce", None) or new_nonce(client)
    message = siwe_text(account.address, nonce, **message_fields)
    body = {"message": message, "signature": sign(message, (signer or account).key)}
    return client.post("/api/auth/login", json=body, environ_base=environ or {})


def signed_in(client, account):
    response = login(client, account)
    assert response.status_code == 200, response.get_json()
    return client


def csrf_token(client) -> str:
    return client.get("/api/auth/csrf").get_json()["csrf_token"]


def in_minutes(minutes: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=minutes)


@pytest.fixture(scope="session")
def member_account():
    return Account.create()


@pytest.fixture(scope="session")
def community(base_ctx, member_account, tmp_path_factory):  # noqa: F811
    """A community whose one member (a stakeholder, prostormer) has a key the tests sign with."""
    name = unique_name("Dapp LEC")
    create_community(base_ctx, name, welcome_citizen="100", welcome_stakeholder="500", fee_bps=100,
                     endowment="10000")
    members = write(tmp_path_factory.mktemp("members") / "members.csv",
                    "wallet,name,email,kind,profile,deviceid\n"
                    f"{member_account.address},Carla Verdi,carla@example.org,stakeholder,prostormer,"
                    f"{name.replace(' ', '')}-M\n")
    import_members(base_ctx, name, members, log=lambda *_: None)
    from sqlalchemy import select

    from oracle.db.schema import Community

    with base_ctx.session() as s:
        token = s.scalar(select(Community.token_address).where(Community.name == name))
    return name, token
