"""Content digests: `sha256:<64 lower-case hex>` strings, as OCI and Docker write them."""

from __future__ import annotations

import hashlib
import re

from dockyard.errors import InvalidArgument

ALGORITHM = "sha256"
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_HEX = re.compile(r"[0-9a-f]{64}")


def sha256_digest(data: bytes) -> str:
    """The digest of `data`."""
    return f"{ALGORITHM}:{hashlib.sha256(data).hexdigest()}"


def from_hex(hex_: str) -> str:
    """`sha256:<hex>` for a bare hex string, validated."""
    if not _HEX.fullmatch(hex_):
        raise InvalidArgument(f"invalid checksum digest format: {hex_}")
    return f"{ALGORITHM}:{hex_}"


def is_digest(value: str) -> bool:
    return bool(_DIGEST.fullmatch(value))


def validate(value: str) -> str:
    """Return `value` if it is a well-formed sha256 digest, else raise InvalidArgument."""
    if not isinstance(value, str) or not _DIGEST.fullmatch(value):
        if isinstance(value, str) and ":" in value and not value.startswith(ALGORITHM + ":"):
            raise InvalidArgument(f"unsupported digest algorithm: {value}")
        raise InvalidArgument(f"invalid checksum digest format: {value}")
    return value


def hex_of(digest: str) -> str:
    """The hex part of a validated digest."""
    return validate(digest).split(":", 1)[1]


def short_id(digest: str) -> str:
    """The 12-character ID Docker shows (`docker images`, progress rows)."""
    return digest.split(":", 1)[-1][:12]


def chain_id(parent_chain: str | None, diff_id: str) -> str:
    """OCI chain ID: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))."""
    if parent_chain is None:
        return diff_id
    return sha256_digest(f"{parent_chain} {diff_id}".encode())


def chain_ids(diff_ids: list[str]) -> list[str]:
    """Chain IDs for every prefix of a layer list."""
    chains: list[str] = []
    parent = None
    for diff_id in diff_ids:
        parent = chain_id(parent, diff_id)
        chains.append(parent)
    return chains
