"""Node keys in Besu's formats.

- `key`: the secp256k1 private key, one line of hex (Besu writes it 0x-prefixed and reads it with or without);
- `key.pub`: the 64-byte uncompressed public key without its 0x04 prefix — the node id of its enode URL;
- `address`: the last 20 bytes of keccak256 of those 64 bytes — the validator address in extraData.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from eth_keys import keys as eth_keys
from eth_utils import keccak

from .errors import NetworkError

# Order of the secp256k1 group (SEC 2, §2.4.1): a private key is an integer in [1, n - 1].
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
P2P_PORT = 30303


@dataclass(frozen=True)
class NodeKey:
    private: bytes  # 32 bytes

    @cached_property  # a pure-Python point multiplication where coincurve is absent: made once per key
    def public(self) -> bytes:
        """64 bytes: x ‖ y of the public point (uncompressed, without the 0x04 prefix)."""
        return eth_keys.PrivateKey(self.private).public_key.to_bytes()

    @property
    def address(self) -> bytes:
        return keccak(self.public)[-20:]

    @property
    def address_hex(self) -> str:
        return "0x" + self.address.hex()

    @property
    def enode_id(self) -> str:
        return self.public.hex()

    def enode_url(self, host: str, port: int = P2P_PORT) -> str:
        return f"enode://{self.enode_id}@{host}:{port}"


def new_key() -> NodeKey:
    while True:
        candidate = secrets.token_bytes(32)
        if 0 < int.from_bytes(candidate, "big") < SECP256K1_N:
            return NodeKey(candidate)


def parse_key(text: str, where: str) -> NodeKey:
    """The key in a `key` file's text; `where` names the file in the sentence of a refusal."""
    value = text.strip()
    digits = value[2:] if value[:2].lower() == "0x" else value
    if len(digits) != 64 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise NetworkError(
            f"{where} is not a node key: expected one line of 64 hex digits (optionally 0x-prefixed), "
            f"found {_describe(value)}"
        )
    number = int(digits, 16)
    if not 0 < number < SECP256K1_N:
        raise NetworkError(f"{where} is not a valid secp256k1 private key: it must be between 1 and n - 1")
    return NodeKey(bytes.fromhex(digits))


def _describe(value: str) -> str:
    if not value:
        return "an empty file"
    shown = value if len(value) <= 20 else value[:20] + "…"
    return f"{len(value)} characters ({shown!r})"


def read_key_file(path: Path) -> NodeKey:
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise NetworkError(f"{path} is not a node key: it is not text") from None
    return parse_key(text, str(path))


def write_node_folder(folder: Path, key: NodeKey, key_text: str | None = None) -> None:
    """`key` (0600; `key_text` as given when the key came from an operator, else Besu's own 0x form),
    `key.pub` and `address`."""
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "key"
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key_text if key_text is not None else "0x" + key.private.hex())
    (folder / "key.pub").write_text("0x" + key.public.hex())
    (folder / "address").write_text(key.address_hex)
