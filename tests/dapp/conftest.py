"""Fixtures of the dApp tests: the oracle's session services (embedded PostgreSQL + anvil with the contracts),
a Flask app on them, and Sign-In with Ethereum done as a wallet does it (eth-account signs the EIP-4361 text)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from siwe import SiweMessage

from oracle.communities import create_community
from oracle.members import import_members
from tests.oracle.builders import ANNA, BRUNO, END, EXPECTED, SHOP, START
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


def siwe_text(
    address: str,
    nonce: str,
    *,
    domain: str = HOST,
    uri: str = f"http://{HOST}/",
    chain_id: int = CHAIN_ID,
    expiration: datetime | None = None,
    not_before: datetime | None = None,
    issued_at: datetime | None = None,
) -> str:
    def iso(moment):
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z") if moment else None

    fields = dict(
        domain=domain,
        address=address,
        statement="Sign in to the LEC platform.",
        uri=uri,
        version="1",
        chain_id=chain_id,
        nonce=nonce,
        issued_at=iso(issued_at or datetime.now(UTC)),
    )
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
    return datetime.now(UTC) + timedelta(minutes=minutes)


@pytest.fixture(scope="session")
def member_account():
    return Account.create()


@pytest.fixture(scope="session")
def community(base_ctx, member_account, tmp_path_factory):  # noqa: F811
    """A community whose one member (a stakeholder, prostormer) has a key the tests sign with."""
    name = unique_name("Dapp LEC")
    create_community(base_ctx, name, welcome_citizen="100", welcome_stakeholder="500", fee_bps=100, endowment="10000")
    members = write(
        tmp_path_factory.mktemp("members") / "members.csv",
        "wallet,name,email,kind,profile,deviceid\n"
        f"{member_account.address},Carla Verdi,carla@example.org,stakeholder,prostormer,"
        f"{name.replace(' ', '')}-M\n",
    )
    import_members(base_ctx, name, members, log=lambda *_: None)
    from sqlalchemy import select

    from oracle.db.schema import Community

    with base_ctx.session() as s:
        token = s.scalar(select(Community.token_address).where(Community.name == name))
    return name, token


# ------------------------------------------------------------------ a community with a paid epoch


@dataclass(frozen=True)
class Rewarded:
    """The oracle tests' hand-worked hour (tests/oracle/builders.py) with members whose keys the tests hold:
    anna (citizen, consumer), bruno (citizen, prosumer: load + PV), shop (stakeholder, consumer); epoch 1 paid."""

    name: str
    token: str
    epoch: int
    anna: LocalAccount
    bruno: LocalAccount
    shop: LocalAccount
    outsider: LocalAccount  # a key that is nobody on the platform

    @property
    def members(self) -> dict[str, LocalAccount]:
        return {"anna": self.anna, "bruno": self.bruno, "shop": self.shop}

    @property
    def expected(self) -> dict[str, int]:
        """Base units each member was paid in epoch 1 (worked out by hand in builders.EXPECTED)."""
        return {
            self.anna.address: EXPECTED[ANNA],
            self.bruno.address: EXPECTED[BRUNO],
            self.shop.address: EXPECTED[SHOP],
        }

    @property
    def index(self) -> dict[str, int]:
        """Leaf index of each member: wallets in address order."""
        return {w: i for i, w in enumerate(sorted(self.expected, key=lambda a: int(a, 16)))}


def role_account(ctx, role: str) -> LocalAccount:  # noqa: F811 (a context argument, not the fixture)
    """The embedded setup's key of a platform role (platform_admin, oracle, community_admin, token_admin…),
    so a test can sign in as that role's holder."""
    return ctx.keyring.account(role)


@pytest.fixture(scope="session")
def rewarded(base_ctx, tmp_path_factory) -> Rewarded:  # noqa: F811
    """The API tests' community. The browser tests (tests/dapp/browser) get their own: they pay services and
    claim in it, which would change the balances these tests work out by hand."""
    return make_rewarded(base_ctx, tmp_path_factory.mktemp("rewarded"))


def make_rewarded(base_ctx, folder) -> Rewarded:  # noqa: F811
    from oracle.epochs.runner import run_epoch
    from oracle.ingest.loader import ingest_file
    from oracle.model_registry import publish_model
    from tests.oracle.builders import MEMBERS_CSV, READINGS_CSV, devices_prefix, quiet

    anna, bruno, shop, outsider = (Account.create() for _ in range(4))
    name = unique_name("Dapp Rewarded LEC")
    prefix = devices_prefix(name)
    members = MEMBERS_CSV.format(p=prefix)
    for fixed, account in ((ANNA, anna), (BRUNO, bruno), (SHOP, shop)):
        members = members.replace(fixed, account.address)
    create_community(
        base_ctx,
        name,
        welcome_citizen="100",
        welcome_stakeholder="500",
        fee_bps=100,
        endowment="10000",
        reward_ceiling="100000",
    )
    import_members(base_ctx, name, write(folder / "members.csv", members), log=quiet)
    ingest_file(base_ctx, name, write(folder / "readings.csv", READINGS_CSV.format(p=prefix)))
    publish_model(base_ctx, "self_consumption", {"alpha_consumer": "1", "alpha_producer": "0.5"}, community=name)
    epoch = run_epoch(base_ctx, name, START, END, progress=False, log=quiet)
    assert epoch.status == "done", epoch.status
    from sqlalchemy import select

    from oracle.db.schema import Community

    with base_ctx.session() as s:
        token = s.scalar(select(Community.token_address).where(Community.name == name))
    return Rewarded(name, token, epoch.number, anna, bruno, shop, outsider)
