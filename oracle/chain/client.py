"""A web3.py client of the platform contracts, found through the deployment manifest.

Transactions are signed locally with role keys from the keyring (never an unlocked node account),
sent with zero gas price (free-gas Besu and anvil), and reported through `on_sent` with their hash
*before* the client waits for the receipt, so callers can record them and resume after a crash.
On an instant-mining chain (the embedded anvil) reads and gas estimates use the pending block, whose
time is the clock's: an idle anvil's latest block can be hours old, and the contracts' time rules
(period over, challenge window, model-change notice) would judge a transaction by that stale time
although the block that includes it carries the current one.
Reverts are decoded into the contracts' custom errors ("ReceiverNotMember(0x…)").
Structs the contracts return are decoded here, once, into named types (`OnChainEpoch`,
`RegistryVersion`); callers never index into chain tuples.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property
from pathlib import Path

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from web3 import HTTPProvider, Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TimeExhausted
from web3.middleware import ExtraDataToPOAMiddleware

from oracle.chain.encoding import from_bytes32
from oracle.errors import ConfigError, EnvironmentProblem, OracleError
from oracle.manifest import FORMAT

RECEIPT_TIMEOUT = 120
MEMBER_QUERY = 256  # RewardEscrow.MAX_MEMBER_QUERY: accounts per membersActive call (one bit each)


class EpochStatus(IntEnum):
    """ConsumptionNotary.EpochStatus."""

    NONE = 0
    COMMITTED = 1
    VOIDED = 2
    RELEASED = 3


@dataclass(frozen=True)
class OnChainEpoch:
    """An epoch as ConsumptionNotary.getEpoch returns it (times in unix seconds, amounts in base units).
    `payable_at` is 0 once the epoch is voided or released."""

    status: EpochStatus
    period_start: int
    period_end: int
    merkle_root: bytes
    model_id: str
    model_version: int
    leaf_count: int
    total_reward: int
    paid_total: int
    committed_at: int
    payable_at: int
    claim_deadline: int

    @classmethod
    def decode(cls, raw: Sequence) -> OnChainEpoch:
        (
            status,
            period_start,
            period_end,
            root,
            model_id,
            version,
            leaf_count,
            total,
            paid,
            committed_at,
            payable_at,
            claim_deadline,
        ) = raw
        return cls(
            EpochStatus(status),
            period_start,
            period_end,
            bytes(root),
            from_bytes32(model_id),
            version,
            leaf_count,
            total,
            paid,
            committed_at,
            payable_at,
            claim_deadline,
        )

    @property
    def merkle_root_hex(self) -> str:
        return "0x" + self.merkle_root.hex()


@dataclass(frozen=True)
class OnChainRevision:
    """A revision of an epoch as ConsumptionNotary.getRevision returns it: `extra_reward` is what it escrowed and
    may pay (the top-ups); dataset hash, recomputed total and reason hash are in its RevisionCommitted event."""

    status: EpochStatus
    merkle_root: bytes
    leaf_count: int
    extra_reward: int
    paid_total: int
    committed_at: int
    payable_at: int
    claim_deadline: int

    @classmethod
    def decode(cls, raw: Sequence) -> OnChainRevision:
        status, root, leaf_count, extra, paid, committed_at, payable_at, claim_deadline = raw
        return cls(EpochStatus(status), bytes(root), leaf_count, extra, paid, committed_at, payable_at, claim_deadline)

    @property
    def merkle_root_hex(self) -> str:
        return "0x" + self.merkle_root.hex()


@dataclass(frozen=True)
class RegistryVersion:
    """One published version of a community's model (ModelRegistry.getVersion); values are fixed point."""

    effective_from: int
    published_at: int
    publisher: str
    names: list[str]
    values: list[int]

    @classmethod
    def decode(cls, raw: Sequence) -> RegistryVersion:
        effective_from, published_at, publisher, names, values = raw
        return cls(effective_from, published_at, publisher, [from_bytes32(n) for n in names], list(values))


class TransactionFailed(OracleError):
    """A transaction reverted or could not be sent; the message names the contract error."""


def _abi_type(param: dict) -> str:
    """The canonical type of an ABI parameter ("(uint8,bool)[]" for a tuple array)."""
    if param["type"].startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in param["components"]) + ")" + param["type"][len("tuple") :]
    return param["type"]


def _as_web3_returns(value, param: dict):
    """A value eth_abi decoded as web3 returns it: addresses checksummed (structs and arrays walked)."""
    kind = param["type"]
    if kind.endswith("]"):
        inner = {**param, "type": kind[: kind.rindex("[")]}
        return [_as_web3_returns(v, inner) for v in value]
    if kind == "tuple":
        return tuple(_as_web3_returns(v, c) for v, c in zip(value, param["components"]))
    return to_checksum_address(value) if kind == "address" else value


@dataclass(frozen=True)
class _Function:
    """One function of an ABI, ready to encode calls and decode answers without web3's per-call machinery."""

    selector: bytes
    inputs: list[str]
    outputs: list[dict]

    @classmethod
    def of(cls, abi: list[dict], name: str) -> _Function:
        found = [item for item in abi if item.get("type") == "function" and item.get("name") == name]
        if len(found) != 1:
            raise ConfigError(f"the ABI has {len(found)} functions named {name}, read_many needs exactly one")
        inputs = [_abi_type(i) for i in found[0]["inputs"]]
        return cls(function_signature_to_4byte_selector(f"{name}({','.join(inputs)})"), inputs, found[0]["outputs"])

    def data(self, args: Sequence) -> str:
        return "0x" + (self.selector + abi_encode(self.inputs, list(args))).hex()

    def result(self, raw: str):
        values = abi_decode([_abi_type(o) for o in self.outputs], bytes.fromhex(raw.removeprefix("0x")))
        values = [_as_web3_returns(v, o) for v, o in zip(values, self.outputs)]
        return values[0] if len(values) == 1 else values


def _error_map(abis: list[list[dict]]) -> dict[bytes, tuple[str, list[str]]]:
    errors = {}
    for abi in abis:
        for item in abi:
            if item.get("type") == "error":
                types = [
                    i["type"] if i["type"] != "tuple" else "(" + ",".join(c["type"] for c in i["components"]) + ")"
                    for i in item["inputs"]
                ]
                selector = function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})")
                errors[selector] = (item["name"], types)
    return errors


@dataclass(frozen=True)
class ModelSwitch:
    """One entry of a community's active-model schedule (ModelRegistry.modelSchedule)."""

    effective_from: int
    scheduled_at: int
    by: str
    model_id: str

    @classmethod
    def decode(cls, raw: Sequence) -> ModelSwitch:
        effective_from, scheduled_at, by, model_id = raw
        return cls(effective_from, scheduled_at, by, from_bytes32(model_id))


@dataclass(frozen=True)
class MemberInfo:
    """CommunityTokenBase.memberInfo: kind and profile are the token's enum numbers (0 when never a member)."""

    kind: int
    profile: int
    active: bool
    welcomed: bool
    joined_at: int

    @classmethod
    def decode(cls, raw: Sequence) -> MemberInfo:
        kind, profile, active, welcomed, joined_at = raw
        return cls(kind, profile, bool(active), bool(welcomed), joined_at)


class ChainClient:
    def __init__(self, rpc_url: str, chain_id: int, manifest: dict, keyring=None, instant_mining: bool = False):
        self.w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": 60}))
        self.now_block = "pending" if instant_mining else "latest"  # the block whose time is "now"
        self.w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)  # Besu IBFT extraData
        self.chain_id = chain_id
        self.manifest = manifest
        self.keyring = keyring
        self._errors = _error_map(
            [c["abi"] for c in manifest["contracts"].values()] + [manifest["communityToken"]["abi"]]
        )
        self._tokens: dict[str, object] = {}  # checksummed address -> token contract (see token())
        self._tokens_lock = threading.Lock()
        self._functions: dict[tuple[str, str], _Function] = {}  # (contract address, function name)

    @classmethod
    def from_manifest_file(
        cls, rpc_url: str, chain_id: int, path: Path, keyring=None, instant_mining: bool = False
    ) -> ChainClient:
        if not path.exists():
            raise ConfigError(f"no deployment manifest at {path}: run `oracle up` (embedded) or scripts/deploy.py")
        manifest = json.loads(path.read_text())
        if manifest.get("format") != FORMAT or manifest.get("chainId") != chain_id:
            raise ConfigError(f"{path} is not a {FORMAT} manifest for chain {chain_id}")
        if "rewardPayer" not in manifest.get("roles", {}):
            raise ConfigError(
                f"{path} describes the first (v1) contracts, which this oracle no longer speaks: "
                "deploy the current ones (embedded: `oracle down`, remove the home directory, "
                "`oracle up`)"
            )
        client = cls(rpc_url, chain_id, manifest, keyring, instant_mining)
        try:
            actual = client.w3.eth.chain_id
        except Exception as exc:  # connection refused, DNS, timeout
            from oracle.outages import connection_reason

            raise EnvironmentProblem(f"the chain at {rpc_url} does not answer ({connection_reason(exc)})") from None
        if actual != chain_id:
            raise ConfigError(f"the chain at {rpc_url} has id {actual}, expected {chain_id}")
        return client

    # ------------------------------------------------------------ contracts

    def contract(self, name: str):
        entry = self.manifest["contracts"].get(name)
        if entry is None:
            raise ConfigError(f"the manifest has no contract {name}")
        return self.w3.eth.contract(address=to_checksum_address(entry["address"]), abi=entry["abi"])

    def token(self, address: str):
        """The community token at `address`. Contract objects are built once per address and kept: building
        one parses the ABI (~27 ms), and a dApp request asks for the same few tokens again and again."""
        address = to_checksum_address(address)
        contract = self._tokens.get(address)
        if contract is None:
            with self._tokens_lock:
                contract = self._tokens.get(address)
                if contract is None:
                    contract = self.w3.eth.contract(address=address, abi=self.manifest["communityToken"]["abi"])
                    self._tokens[address] = contract
        return contract

    # the platform's contracts never move for a manifest (a new deployment is a new manifest, a new client)
    @cached_property
    def factory(self):
        return self.contract("CommunityFactory")

    @cached_property
    def registry(self):
        return self.contract("ModelRegistry")

    @cached_property
    def notary(self):
        return self.contract("ConsumptionNotary")

    def platform_addresses(self) -> set[str]:
        """Every platform contract of the manifest (none of them may ever be a reward leaf)."""
        return {to_checksum_address(entry["address"]) for entry in self.manifest["contracts"].values()}

    # ------------------------------------------------------------ reads, decoded

    def now(self) -> int:
        """The chain's time: the timestamp of the latest block (of the pending one on an instant-mining chain,
        where it is the clock's). The block that includes a transaction sent now is at least as late."""
        return int(self.w3.eth.get_block(self.now_block)["timestamp"])

    def epoch_count(self, token: str) -> int:
        return self.call(self.notary.functions.epochCount(token))

    def epoch(self, token: str, number: int, notary=None) -> OnChainEpoch | None:
        """A committed epoch of a community (None when the notary has no epoch of that number)."""
        notary = notary or self.notary
        if number < 1 or number > self.call(notary.functions.epochCount(token)):
            return None
        return OnChainEpoch.decode(self.call(notary.functions.getEpoch(token, number)))

    def revision_count(self, token: str, number: int) -> int:
        return self.call(self.notary.functions.revisionCount(token, number))

    def revision(self, token: str, number: int, revision: int) -> OnChainRevision | None:
        """A committed revision of an epoch (None when the notary has no revision of that number)."""
        if revision < 1 or revision > self.revision_count(token, number):
            return None
        return OnChainRevision.decode(self.call(self.notary.functions.getRevision(token, number, revision)))

    def revision_paid_flags(self, token: str, number: int, revision: int, indexes: Sequence[int]) -> list[bool]:
        """Whether each leaf index of a revision is paid on-chain (claimed or pushed)."""
        fns = [self.notary.functions.isRevisionPaid(token, number, revision, i) for i in indexes]
        return [bool(p) for p in self.call_many(fns)]

    def model_version(self, token: str, model_key: bytes, version: int) -> RegistryVersion:
        return RegistryVersion.decode(self.call(self.registry.functions.getVersion(token, model_key, version)))

    def model_schedule(self, token: str) -> list[ModelSwitch]:
        return [ModelSwitch.decode(raw) for raw in self.call(self.registry.functions.modelSchedule(token))]

    def model_for_period(self, token: str, period_start: int) -> tuple[str, int]:
        """The community's model and version that rule a period starting at `period_start` (reverts
        NoActiveModel / NoVersionForPeriod as TransactionFailed)."""
        model_key, version = self.call(self.registry.functions.modelForPeriod(token, period_start))
        return from_bytes32(model_key), version

    def member_infos(self, token: str, wallets: Sequence[str]) -> list[MemberInfo]:
        contract = self.token(token)
        return [MemberInfo.decode(raw) for raw in self.call_many([contract.functions.memberInfo(w) for w in wallets])]

    def members_active(self, token: str, wallets: Sequence[str]) -> list[bool]:
        """Whether each wallet is an active member of the community now (membersActive, 256 per call)."""
        contract = self.token(token)
        chunks = [list(wallets[i : i + MEMBER_QUERY]) for i in range(0, len(wallets), MEMBER_QUERY)]
        masks = self.call_many([contract.functions.membersActive(chunk) for chunk in chunks])
        return [bool(mask >> i & 1) for chunk, mask in zip(chunks, masks) for i in range(len(chunk))]

    def paid_flags(self, token: str, number: int, indexes: Sequence[int]) -> list[bool]:
        """Whether each leaf index of an epoch is paid on-chain (claimed or pushed)."""
        notary = self.notary
        return [bool(p) for p in self.call_many([notary.functions.isPaid(token, number, i) for i in indexes])]

    def events(self, contract, name: str, receipt) -> list[dict]:
        """The `name` events `contract` emitted in a transaction, decoded (args by name)."""
        from web3.logs import DISCARD

        return [
            dict(event["args"])
            for event in contract.events[name]().process_receipt(receipt, errors=DISCARD)
            if event["address"] == contract.address
        ]

    # ------------------------------------------------------------ errors

    def decode_revert(self, data) -> str:
        if isinstance(data, str):
            data = bytes.fromhex(data.removeprefix("0x"))
        if not data or len(data) < 4:
            return "reverted without a reason"
        selector, body = bytes(data[:4]), bytes(data[4:])
        if selector == bytes.fromhex("08c379a0"):
            return abi_decode(["string"], body)[0]
        if selector in self._errors:
            name, types = self._errors[selector]
            try:
                args = abi_decode(types, body)
            except Exception:
                return name
            shown = [("0x" + a.hex()) if isinstance(a, bytes) else str(a) for a in args]
            return f"{name}({', '.join(shown)})"
        return "0x" + bytes(data).hex()

    def _explain(self, exc: Exception) -> str:
        if isinstance(exc, ContractCustomError):
            return self.decode_revert(exc.data if isinstance(exc.data, str) else exc.args[0])
        if isinstance(exc, ContractLogicError):
            if exc.data:
                return self.decode_revert(exc.data)
            return str(exc.message or exc)
        return str(exc)

    # ------------------------------------------------------------ transactions

    def call(self, fn):
        """A read-only call whose revert is reported as the contract's error."""
        try:
            return fn.call(block_identifier=self.now_block)
        except (ContractCustomError, ContractLogicError) as exc:
            raise TransactionFailed(self._explain(exc)) from None

    def call_many(self, fns: list, chunk: int = 500) -> list:
        """Many read-only calls in JSON-RPC batches (one round trip per `chunk`)."""
        results = []
        for first in range(0, len(fns), chunk):
            part = fns[first : first + chunk]
            try:
                with self.w3.batch_requests() as batch:
                    for fn in part:
                        batch.add(fn)
                    results.extend(batch.execute())
            except (ContractCustomError, ContractLogicError) as exc:
                raise TransactionFailed(self._explain(exc)) from None
        return results

    def read_many(self, calls: Sequence[tuple]) -> list:
        """Read-only calls `(contract, function name, *args)` in one JSON-RPC batch, answered as `call_many`
        answers (addresses checksummed, a single output unwrapped). Calls are encoded here with the function's
        selector and eth_abi and sent to the provider directly: web3's per-call path re-validates the whole ABI
        (a keccak of every function in it) and runs every middleware, ~5 ms a call, which a dApp request that
        reads a dozen values pays on every request."""
        if not calls:
            return []
        functions = [self._function(contract, name) for contract, name, *_args in calls]
        requests = [
            ("eth_call", [{"to": contract.address, "data": fn.data(args)}, self.now_block])
            for fn, (contract, _name, *args) in zip(functions, calls)
        ]
        answers = self.w3.provider.make_batch_request(requests)
        if not isinstance(answers, list):  # the node refused the batch whole
            raise EnvironmentProblem(f"the chain refused a batch of calls: {answers.get('error')}")
        results = []
        for fn, (_contract, name, *_args), answer in zip(functions, calls, answers):
            if "error" in answer:
                error = answer["error"]
                data = error.get("data")
                reason = self.decode_revert(data) if isinstance(data, str) else error.get("message")
                raise TransactionFailed(f"{name}: {reason}")
            results.append(fn.result(answer["result"]))
        return results

    def _function(self, contract, name: str) -> _Function:
        key = (contract.address, name)
        if key not in self._functions:
            self._functions[key] = _Function.of(contract.abi, name)
        return self._functions[key]

    def send(self, fn, role: str, *, on_sent: Callable[[str], None] | None = None, what: str = "") -> dict:
        """Signs `fn` with the key of `role`, sends it, reports the hash, waits for the receipt."""
        account = self.keyring.account(role)
        label = what or fn.fn_name
        try:
            gas = fn.estimate_gas({"from": account.address}, block_identifier=self.now_block)
        except (ContractCustomError, ContractLogicError) as exc:
            raise TransactionFailed(f"{label} would revert: {self._explain(exc)}") from None
        tx = fn.build_transaction(
            {
                "from": account.address,
                "nonce": self.w3.eth.get_transaction_count(account.address, "pending"),
                "gas": int(gas * 1.2) + 10_000,
                "gasPrice": 0,
                "chainId": self.chain_id,
            }
        )
        signed = account.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction).to_0x_hex()
        if on_sent:
            on_sent(tx_hash)
        return self.wait(tx_hash, label)

    def wait(self, tx_hash: str, label: str = "transaction") -> dict:
        # an instantly mining chain (anvil) answers at once; otherwise poll as blocks come (Besu: 10 s)
        receipt = self.receipt_or_none(tx_hash)
        try:
            if receipt is None:
                receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT, poll_latency=0.05)
        except TimeExhausted:
            raise TransactionFailed(f"{label} {tx_hash} was not mined within {RECEIPT_TIMEOUT} s") from None
        if receipt["status"] != 1:
            raise TransactionFailed(f"{label} {tx_hash} reverted")
        return receipt

    def receipt_or_none(self, tx_hash: str):
        from web3.exceptions import TransactionNotFound

        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    def codes_at(self, addresses: Sequence[str], chunk: int = 500) -> list[bytes]:
        """The code deployed at each address (b"" for an externally owned account), in JSON-RPC batches."""
        codes: list[bytes] = []
        for first in range(0, len(addresses), chunk):
            with self.w3.batch_requests() as batch:
                for address in addresses[first : first + chunk]:
                    batch.add(self.w3.eth.get_code(to_checksum_address(address), self.now_block))
                codes.extend(bytes(code) for code in batch.execute())
        return codes

    def transaction_known(self, tx_hash: str) -> bool:
        """Whether the chain has a transaction at all: mined, or waiting in its pool."""
        from web3.exceptions import TransactionNotFound

        try:
            self.w3.eth.get_transaction(tx_hash)
        except TransactionNotFound:
            return False
        return True

    def epochs_onchain(self, token: str, numbers: Sequence[int]) -> dict[int, OnChainEpoch]:
        """The epochs among `numbers` the notary has (one batch of getEpoch calls), by number; the numbers
        beyond its epochCount are left out."""
        count = self.epoch_count(token)
        wanted = sorted({n for n in numbers if 1 <= n <= count})
        raws = self.call_many([self.notary.functions.getEpoch(token, n) for n in wanted])
        return {n: OnChainEpoch.decode(raw) for n, raw in zip(wanted, raws)}
