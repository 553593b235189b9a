"""Inclusion and consistency proofs against signed checkpoints, and the receipt's record."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from archive.canonical import ADDRESS_PREFIX, parse_address
from archive.checkpoint import Checkpoint, NoteVerifier, open_note
from archive.errors import ArchiveError, ObjectNotFoundError
from archive.log import LETTER, TOMBSTONE, db_subtree_root, find_leaf, tombstone_reason
from archive.merkle import (
    consistency_path,
    inclusion_path,
    leaf_hash,
    root_from_inclusion,
    verify_consistency,
)
from archive.service import Archive


@dataclass(frozen=True)
class InclusionProof:
    """Proof that one leaf is at `leaf_index` of the log the checkpoint signs."""

    hex: str
    kind: str
    leaf_index: int
    tree_size: int
    leaf: bytes
    path: list[bytes]
    checkpoint: str

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.leaf)

    def to_json(self) -> dict[str, Any]:
        """Return the proof as JSON-ready data (hashes in hex, like the leaf hash)."""
        return {
            "address": ADDRESS_PREFIX + self.hex,
            "kind": self.kind,
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf": self.leaf.decode("ascii"),
            "leaf_hash": self.leaf_hash.hex(),
            "audit_path": [node.hex() for node in self.path],
            "checkpoint": self.checkpoint,
        }


def inclusion_proof(
    session: Session, archive: Archive, address: str, kind: str = LETTER
) -> InclusionProof:
    """Prove the `kind` leaf of `address` against the log's current signed checkpoint."""
    hex_address = parse_address(address)
    leaf = find_leaf(session, hex_address, kind)
    if leaf is None:
        raise ObjectNotFoundError(hex_address)
    signed = archive.checkpoint(session)
    size = signed.checkpoint.size
    path = inclusion_path(leaf.sequence, size, db_subtree_root(session, archive.subtrees))
    return InclusionProof(hex_address, kind, leaf.sequence, size, leaf.leaf, path, signed.note)


def consistency_proof(session: Session, archive: Archive, first: int, second: int) -> list[bytes]:
    """Prove the log of `first` leaves is a prefix of the log of `second` leaves."""
    size = archive.current_checkpoint(session).size
    if not 0 < first <= second <= size:
        raise ArchiveError(f"need 0 < first <= second <= {size}")
    return consistency_path(first, second, db_subtree_root(session, archive.subtrees))


def check_inclusion(proof: dict[str, Any], verifier: NoteVerifier) -> Checkpoint:
    """Check a proof as JSON (from the API or a receipt) alone; return the checkpoint it meets.

    Raises `ArchiveError` if the signature, the leaf or the path does not hold.
    """
    checkpoint = open_note(str(proof["checkpoint"]), verifier)
    leaf = str(proof["leaf"]).encode("ascii")
    hashed = leaf_hash(leaf)
    if hashed.hex() != proof["leaf_hash"]:
        raise ArchiveError("the leaf hash does not match the leaf")
    if f'"address":"{proof["address"]}"' not in proof["leaf"]:
        raise ArchiveError("the leaf does not name this address")
    if int(proof["tree_size"]) != checkpoint.size:
        raise ArchiveError("the proof is for another tree size than the checkpoint")
    try:
        path = [bytes.fromhex(node) for node in proof["audit_path"]]
        root = root_from_inclusion(int(proof["leaf_index"]), checkpoint.size, hashed, path)
    except ValueError as exc:
        raise ArchiveError(f"the audit path is malformed: {exc}") from exc
    if root != checkpoint.root:
        raise ArchiveError("the audit path does not lead to the checkpoint's root")
    return checkpoint


def check_consistency(first: Checkpoint, second: Checkpoint, path: list[bytes]) -> bool:
    """Tell whether `path` proves checkpoint `second` extends checkpoint `first`."""
    return verify_consistency(first.size, second.size, first.root, second.root, path)


def permanence_record(session: Session, archive: Archive, address: str) -> dict[str, Any]:
    """Return what the receipt page shows as proof of permanence for `address`.

    Keys: `address`, `log_position` (0-based leaf index), `tree_size`, `leaf`, `leaf_hash`,
    `audit_path` (hex list), `checkpoint` (signed note text), `root_hash_b64`,
    `verifier_key`, `withdrawn` (reason code or None) and `tombstone` (its proof or None).
    """
    proof = inclusion_proof(session, archive, address)
    record = proof.to_json()
    checkpoint = open_note(proof.checkpoint, archive.verifier)
    tombstone = find_leaf(session, proof.hex, TOMBSTONE)
    record.update(
        log_position=proof.leaf_index,
        root_hash_b64=base64.b64encode(checkpoint.root).decode("ascii"),
        verifier_key=str(archive.verifier),
        withdrawn=None if tombstone is None else tombstone_reason(tombstone),
        tombstone=None
        if tombstone is None
        else inclusion_proof(session, archive, proof.hex, TOMBSTONE).to_json(),
    )
    return record
