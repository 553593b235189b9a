"""Enshrine letters: canonical bytes into the blob store, a leaf onto the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from archive.blobstores import BlobStore, open_blob_store
from archive.canonical import ADDRESS_PREFIX, canonical_bytes, content_hex, parse_address
from archive.checkpoint import Checkpoint, NoteSigner, NoteVerifier, load_or_create_signer
from archive.errors import ArchiveError, ObjectNotFoundError, WithdrawnError
from archive.log import (
    LETTER,
    TOMBSTONE,
    SubtreeCache,
    append_leaf,
    find_leaf,
    root_hash,
    tombstone_reason,
    tree_size,
)
from archive.models import ArchivedLetter

DEFAULT_ORIGIN = "misskissing.local/log"
# Operators pick one of these; the code is public (log leaf, 451 answer), the case file is not.
WITHDRAWAL_REASONS = ("legal", "privacy", "copyright", "safety")


@dataclass(frozen=True)
class Enshrined:
    """Where an enshrined letter lives: its address and its place in the log."""

    hex: str
    sequence: int
    created: bool

    @property
    def address(self) -> str:
        return ADDRESS_PREFIX + self.hex


@dataclass(frozen=True)
class Withdrawal:
    """A letter's withdrawal: the tombstone that records it and the code given."""

    hex: str
    reason: str
    letter_sequence: int
    tombstone_sequence: int


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint and its signed note text."""

    checkpoint: Checkpoint
    note: str


class Archive:
    """The permanent archive: a blob store plus the append-only log in the database."""

    def __init__(
        self,
        blob_store: BlobStore,
        *,
        key_file: Path | None = None,
        origin: str = DEFAULT_ORIGIN,
        signer: NoteSigner | None = None,
    ) -> None:
        self.blob_store = blob_store
        self.key_file = key_file
        self.origin = signer.name if signer is not None else origin
        self._signer = signer
        # Complete subtrees never change, so one cache per process serves every request.
        self.subtrees = SubtreeCache()

    @property
    def signer(self) -> NoteSigner:
        """Return the log's signing key, generating it on first use."""
        if self._signer is None:
            if self.key_file is None:
                raise ArchiveError("this archive has no log key configured")
            self._signer = load_or_create_signer(self.key_file, self.origin)
        return self._signer

    @property
    def verifier(self) -> NoteVerifier:
        """Return the public key that checks this log's checkpoints."""
        return self.signer.verifier

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
        leaf = append_leaf(session, LETTER, hex_address)
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

    def withdrawal_reason(self, session: Session, hex_address: str) -> str | None:
        """Return the reason code if the letter at `hex_address` was withdrawn."""
        tombstone = find_leaf(session, parse_address(hex_address), TOMBSTONE)
        return None if tombstone is None else tombstone_reason(tombstone)

    def read_text(self, session: Session, address: str) -> str:
        """Return the enshrined text at `address` (bare hex or `sha256:<hex>`)."""
        hex_address = parse_address(address)
        row = session.get(ArchivedLetter, hex_address)
        if row is None:
            raise ObjectNotFoundError(hex_address)
        if row.body is None:
            reason = self.withdrawal_reason(session, hex_address) or "withdrawn"
            raise WithdrawnError(ADDRESS_PREFIX + hex_address, reason)
        return row.body

    def withdraw(self, session: Session, address: str, reason: str) -> Withdrawal:
        """Record a legal withdrawal in the caller's transaction: tombstone, then null body.

        The blob is removed by `purge_withdrawn_blob` once the caller has committed, so a
        failed transaction never leaves a logged letter without its bytes.
        """
        if reason not in WITHDRAWAL_REASONS:
            raise ArchiveError(
                f"unknown reason code {reason!r}; use one of {', '.join(WITHDRAWAL_REASONS)}"
            )
        hex_address = parse_address(address)
        row = session.get(ArchivedLetter, hex_address)
        if row is None:
            raise ObjectNotFoundError(hex_address)
        if find_leaf(session, hex_address, TOMBSTONE) is not None:
            raise WithdrawnError(
                ADDRESS_PREFIX + hex_address, self.withdrawal_reason(session, hex_address) or ""
            )
        # The tombstone must exist before the body goes: the database trigger checks it.
        tombstone = append_leaf(session, TOMBSTONE, hex_address, reason=reason)
        row.body = None
        session.add(row)
        session.flush()
        return Withdrawal(hex_address, reason, row.sequence, tombstone.sequence)

    def purge_withdrawn_blob(self, address: str) -> bool:
        """Delete a withdrawn letter's blob after the withdrawal committed; tell if it was there."""
        hex_address = parse_address(address)
        try:
            self.blob_store.delete(hex_address)
        except ObjectNotFoundError:
            return False
        return True

    def current_checkpoint(self, session: Session) -> Checkpoint:
        """Return the unsigned checkpoint of the log as this session sees it."""
        size = tree_size(session)
        return Checkpoint(self.origin, size, root_hash(session, size, self.subtrees))

    def checkpoint(self, session: Session) -> SignedCheckpoint:
        """Return the log's current checkpoint, signed (Ed25519 is deterministic)."""
        checkpoint = self.current_checkpoint(session)
        return SignedCheckpoint(checkpoint, self.signer.sign_checkpoint(checkpoint))


def open_archive(
    archive_url: str, key_file: Path | None = None, origin: str = DEFAULT_ORIGIN
) -> Archive:
    """Open the archive at `archive_url`, signing checkpoints with the key in `key_file`."""
    return Archive(open_blob_store(archive_url), key_file=key_file, origin=origin)
