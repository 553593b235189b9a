"""The append-only log of enshrined letters."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from archive.canonical import ADDRESS_PREFIX
from archive.merkle import leaf_hash, root_from_leaf_hashes
from archive.models import LogLeaf


def leaf_record(sequence: int, kind: str, hex_address: str, when: datetime, **extra: str) -> bytes:
    """Return the canonical JSON bytes of one log leaf (no letter text, ever)."""
    record = {
        "address": ADDRESS_PREFIX + hex_address,
        "kind": kind,
        "seq": sequence,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        **extra,
    }
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def lock_log(session: Session) -> None:
    """Serialise appends; SQLite writers are already serialised by BEGIN IMMEDIATE."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(6962)"))


def append_leaf(session: Session, kind: str, hex_address: str, **extra: str) -> LogLeaf:
    """Append one leaf at the end of the log inside the caller's transaction."""
    lock_log(session)
    size = session.exec(select(func.count()).select_from(LogLeaf)).one()
    when = datetime.now(UTC)
    data = leaf_record(size, kind, hex_address, when, **extra)
    leaf = LogLeaf(
        sequence=size, kind=kind, hex=hex_address, leaf=data, leaf_hash=leaf_hash(data).hex()
    )
    session.add(leaf)
    session.flush()
    return leaf


def tree_size(session: Session) -> int:
    """Return how many leaves the log holds."""
    return int(session.exec(select(func.count()).select_from(LogLeaf)).one())


def leaf_hashes(session: Session, size: int | None = None) -> list[bytes]:
    """Return the leaf hashes in log order, up to `size` leaves."""
    query = select(LogLeaf.leaf_hash).order_by(col(LogLeaf.sequence))
    if size is not None:
        query = query.limit(size)
    return [bytes.fromhex(h) for h in session.exec(query)]


def root_hash(session: Session, size: int | None = None) -> bytes:
    """Return the Merkle root of the first `size` leaves (all by default)."""
    return root_from_leaf_hashes(leaf_hashes(session, size))
