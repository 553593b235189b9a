"""Enshrine letters: canonical bytes into the blob store, a leaf onto the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from archive.blobstores import BlobStore
from archive.canonical import ADDRESS_PREFIX, canonical_bytes, content_hex, parse_address
from archive.errors import ObjectNotFoundError, WithdrawnError
from archive.log import append_leaf
from archive.models import ArchivedLetter


@dataclass(frozen=True)
class Enshrined:
    """Where an enshrined letter lives: its address and its place in the log."""

    hex: str
    sequence: int
    created: bool

    @property
    def address(self) -> str:
        return ADDRESS_PREFIX + self.hex


class Archive:
    """The permanent archive: a blob store plus the append-only log in the database."""

    def __init__(self, blob_store: BlobStore) -> None:
        self.blob_store = blob_store

    def enshrine(self, session: Session, text: str) -> Enshrined:
        """Store `text` at its content address and log it, inside the caller's transaction.

        The same text twice is one letter: the second call returns the first entry.
        """
        data = canonical_bytes(text)
        hex_address = content_hex(data)
        existing = session.get(ArchivedLetter, hex_address)
        if existing is not None:
            return Enshrined(hex_address, existing.sequence, created=False)
        # The blob goes first: if the transaction then fails, an unreferenced blob at its
        # own address is harmless, while a logged letter without its bytes would not be.
        self.blob_store.put(data)
        leaf = append_leaf(session, "letter", hex_address)
        session.add(
            ArchivedLetter(
                hex=hex_address,
                body=data.decode("utf-8"),
                size=len(data),
                sequence=leaf.sequence,
                archived_at=datetime.now(UTC),
            )
        )
        session.flush()
        return Enshrined(hex_address, leaf.sequence, created=True)

    def read_text(self, session: Session, address: str) -> str:
        """Return the enshrined text at `address` (bare hex or `sha256:<hex>`)."""
        hex_address = parse_address(address)
        row = session.get(ArchivedLetter, hex_address)
        if row is None:
            raise ObjectNotFoundError(hex_address)
        if row.body is None:
            raise WithdrawnError(ADDRESS_PREFIX + hex_address, "withdrawn")
        return row.body
