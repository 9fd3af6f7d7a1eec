"""A web3.py client of the platform contracts, found through the deployment manifest.

Transactions are signed locally with role keys from the keyring (never an unlocked node account),
sent with zero gas price (free-gas Besu and anvil), and reported through `on_sent` with their hash
*before* the client waits for the receipt, so callers can record them and resume after a crash.
Reverts are decoded into the contracts' custom errors ("ReceiverNotMember(0x…)").
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from eth_abi import decode as abi_decode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from web3 import HTTPProvider, Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TimeExhausted
from web3.middleware import ExtraDataToPOAMiddleware

from oracle.errors import ConfigError, OracleError
from oracle.manifest import FORMAT

RECEIPT_TIMEOUT = 120


class TransactionFailed(OracleError):
    """A transaction reverted or could not be sent; the message names the contract error."""


def _error_map(abis: list[list[dict]]) -> dict[bytes, tuple[str, list[str]]]:
    errors = {}
    for abi in abis:
        for item in abi:
            if item.get("type") == "error":
                types = [i["type"] if i["type"] != "tuple" else "(" + ",".join(c["type"] for c in i["components"]) + ")"
                         for i in item["inputs"]]
                selector = function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})")
                errors[selector] = (item["name"], types)
    return errors


class ChainClient:
    def __init__(self, rpc_url: str, chain_id: int, manifest: dict, keyring=None):
        self.w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": 60}))
        self.w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)  # Besu IBFT extraData
        self.chain_id = chain_id
        self.manifest = manifest
        self.keyring = keyring
        self._errors = _error_map([c["abi"] for c in manifest["contracts"].values()]
                                  + [manifest["communityToken"]["abi"]])

    @classmethod
    def from_manifest_file(cls, rpc_url: str, chain_id: int, path: Path, keyring=None) -> "ChainClient":
        if not path.exists():
            raise ConfigError(f"no deployment manifest at {path}: run `oracle up` (embedded) or scripts/deploy.py")
        manifest = json.loads(path.read_text())
        if manifest.get("format") != FORMAT or manifest.get("chainId") != chain_id:
            raise ConfigError(f"{path} is not a {FORMAT} manifest for chain {chain_id}")
        client = cls(rpc_url, chain_id, manifest, keyring)
        try:
            actual = client.w3.eth.chain_id
        except Exception as exc:  # connection refused, DNS, timeout
            raise ConfigError(f"cannot reach the chain at {rpc_url}: {exc}") from None
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
        return self.w3.eth.contract(address=to_checksum_address(address), abi=self.manifest["communityToken"]["abi"])

    @property
    def factory(self):
        return self.contract("CommunityFactory")

    @property
    def registry(self):
        return self.contract("ModelRegistry")

    @property
    def notary(self):
        return self.contract("ConsumptionNotary")

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
            return fn.call()
        except (ContractCustomError, ContractLogicError) as exc:
            raise TransactionFailed(self._explain(exc)) from None

    def call_many(self, fns: list, chunk: int = 500) -> list:
        """Many read-only calls in JSON-RPC batches (one round trip per `chunk`)."""
        results = []
        for first in range(0, len(fns), chunk):
            part = fns[first:first + chunk]
            try:
                with self.w3.batch_requests() as batch:
                    for fn in part:
                        batch.add(fn)
                    results.extend(batch.execute())
            except (ContractCustomError, ContractLogicError) as exc:
                raise TransactionFailed(self._explain(exc)) from None
        return results

    def send(self, fn, role: str, *, on_sent: Callable[[str], None] | None = None, what: str = "") -> dict:
        """Signs `fn` with the key of `role`, sends it, reports the hash, waits for the receipt."""
        account = self.keyring.account(role)
        label = what or fn.fn_name
        try:
            gas = fn.estimate_gas({"from": account.address})
        except (ContractCustomError, ContractLogicError) as exc:
            raise TransactionFailed(f"{label} would revert: {self._explain(exc)}") from None
        tx = fn.build_transaction({
            "from": account.address,
            "nonce": self.w3.eth.get_transaction_count(account.address, "pending"),
            "gas": int(gas * 1.2) + 10_000,
            "gasPrice": 0,
            "chainId": self.chain_id,
        })
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
