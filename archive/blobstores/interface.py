"""The interface every blob store implements."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol


class BlobStore(Protocol):
    """Content-addressed storage: an object's name is the sha256 hex of its bytes."""

    def put(self, data: bytes) -> str:
        """Store `data` and return its hex address; verify, never rewrite, an existing one."""
        ...

    def get(self, hex_address: str) -> bytes:
        """Return the bytes at `hex_address`, verified against the address."""
        ...

    def contains(self, hex_address: str) -> bool:
        """Tell whether an object is stored at `hex_address`."""
        ...

    def delete(self, hex_address: str) -> None:
        """Remove an object; only an operator's legal withdrawal calls this."""
        ...

    def iter_addresses(self) -> Iterator[str]:
        """Yield every stored address."""
        ...

    def read_raw(self, hex_address: str) -> bytes:
        """Return the stored bytes without verifying them (for scrubbing)."""
        ...
