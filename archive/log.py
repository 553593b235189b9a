"""The append-only log of enshrined letters, stored as RFC 6962 leaves in the database.

Every read here streams in bounded chunks by sequence (keyset pagination), so a log of
a million leaves is never held in memory at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from archive.canonical import ADDRESS_PREFIX
from archive.merkle import (
    RootBuilder,
    SubtreeRoot,
    _largest_power_of_two_below,
    leaf_hash,
    node_hash,
)
from archive.models import LogLeaf

LETTER = "letter"
TOMBSTONE = "tombstone"
LEAF_KINDS = (LETTER, TOMBSTONE)
CHUNK = 2048
# Complete subtrees at least this big are remembered; smaller ones are re-read (cheap).
_CACHE_MIN = 1024
_APPENDED = "archive.appended_leaves"


class LeafRow(NamedTuple):
    """One leaf as read from the log, detached from any session."""

    sequence: int
    kind: str
    hex: str
    leaf: bytes
    leaf_hash: str


_LEAF_COLUMNS = sa.select(
    col(LogLeaf.sequence),
    col(LogLeaf.kind),
    col(LogLeaf.hex),
    col(LogLeaf.leaf),
    col(LogLeaf.leaf_hash),
)


def leaf_record(sequence: int, kind: str, hex_address: str, when: datetime, **extra: str) -> bytes:
    """Return the canonical JSON bytes of one log leaf (no letter text, ever)."""
    record = {
        "address": ADDRESS_PREFIX + hex_address,
        "kind": kind,
        "seq": sequence,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        **extra,
    }
    # ensure_ascii keeps every leaf one line of plain ASCII, whatever an extra holds.
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def parse_leaf(data: bytes) -> dict[str, object]:
    """Parse a leaf record, refusing bytes that are not exactly its canonical JSON."""
    try:
        record = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("a leaf is canonical ASCII JSON") from exc
    if not isinstance(record, dict):
        raise ValueError("a leaf is a JSON object")
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    if canonical.encode() != data:
        raise ValueError("a leaf is not in canonical JSON form")
    return record


def lock_log(session: Session) -> None:
    """Serialise appends; SQLite writers are already serialised by BEGIN IMMEDIATE."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(6962)"))


def tree_size(session: Session) -> int:
    """Return how many leaves the log holds (sequences are gapless from 0)."""
    # max() walks the primary-key index; count(*) would scan a million rows.
    last = session.exec(select(func.max(LogLeaf.sequence))).one()
    return 0 if last is None else int(last) + 1


def append_leaf(session: Session, kind: str, hex_address: str, **extra: str) -> LogLeaf:
    """Append one leaf at the end of the log inside the caller's transaction."""
    if kind not in LEAF_KINDS:
        raise ValueError(f"unknown leaf kind {kind!r}")
    lock_log(session)
    size = tree_size(session)
    data = leaf_record(size, kind, hex_address, datetime.now(UTC), **extra)
    leaf = LogLeaf(
        sequence=size, kind=kind, hex=hex_address, leaf=data, leaf_hash=leaf_hash(data).hex()
    )
    session.add(leaf)
    session.flush()
    mark_appended(session)
    return leaf


def mark_appended(session: Session) -> None:
    """Keep this session's uncommitted leaves out of the shared subtree cache."""
    session.info[_APPENDED] = True


def iter_leaves(
    session: Session, start: int = 0, end: int | None = None, chunk: int = CHUNK
) -> Iterator[LeafRow]:
    """Yield leaves `[start, end)` in log order, reading `chunk` rows at a time."""
    position = start
    while end is None or position < end:
        limit = chunk if end is None else min(chunk, end - position)
        rows = session.execute(
            _LEAF_COLUMNS.where(col(LogLeaf.sequence) >= position)
            .order_by(col(LogLeaf.sequence))
            .limit(limit)
        ).all()
        if not rows:
            return
        for row in rows:
            yield LeafRow(int(row[0]), str(row[1]), str(row[2]), bytes(row[3]), str(row[4]))
        position = int(rows[-1][0]) + 1


def iter_leaf_hashes(session: Session, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Yield the stored leaf hashes `[start, end)` in log order."""
    position = start
    while end is None or position < end:
        limit = CHUNK if end is None else min(CHUNK, end - position)
        rows = session.exec(
            select(LogLeaf.sequence, LogLeaf.leaf_hash)
            .where(col(LogLeaf.sequence) >= position)
            .order_by(col(LogLeaf.sequence))
            .limit(limit)
        ).all()
        if not rows:
            return
        for _sequence, hashed in rows:
            yield bytes.fromhex(hashed)
        position = int(rows[-1][0]) + 1


def leaf_hashes(session: Session, size: int | None = None) -> list[bytes]:
    """Return the leaf hashes in log order, up to `size` leaves (small logs and tests)."""
    return list(iter_leaf_hashes(session, 0, size))


class SubtreeCache:
    """Roots of complete, aligned subtrees: once the log has them they never change."""

    def __init__(self, max_entries: int = 1 << 16) -> None:
        self._roots: dict[tuple[str, int, int], bytes] = {}
        self.max_entries = max_entries

    def get(self, key: tuple[str, int, int]) -> bytes | None:
        return self._roots.get(key)

    def put(self, key: tuple[str, int, int], value: bytes) -> None:
        if len(self._roots) >= self.max_entries:
            self._roots.clear()  # crude but bounded; recomputing is always correct
        self._roots[key] = value


def db_subtree_root(session: Session, cache: SubtreeCache | None = None) -> SubtreeRoot:
    """Return a `SubtreeRoot` reading leaf hashes from the log, memoising complete subtrees."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, sa.Engine) else bind.engine
    database = engine.url.render_as_string(hide_password=True)
    usable = cache if cache is not None and not session.info.get(_APPENDED) else None

    def subtree_root(start: int, end: int) -> bytes:
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            if n < _CACHE_MIN:
                return _stream_root(session, start, end, n)
            key = (database, start, n)
            cached = usable.get(key) if usable is not None else None
            if cached is not None:
                return cached
            half = n // 2
            value = node_hash(subtree_root(start, start + half), subtree_root(start + half, end))
            if usable is not None:
                usable.put(key, value)
            return value
        k = _largest_power_of_two_below(n)
        return node_hash(subtree_root(start, start + k), subtree_root(start + k, end))

    return subtree_root


def _stream_root(session: Session, start: int, end: int, expected: int) -> bytes:
    builder = RootBuilder()
    builder.extend(iter_leaf_hashes(session, start, end))
    if builder.size != expected:
        raise ValueError(f"the log has no leaves {start}..{end - 1}")
    return builder.root()


def root_hash(
    session: Session, size: int | None = None, cache: SubtreeCache | None = None
) -> bytes:
    """Return the Merkle root of the first `size` leaves (all by default)."""
    if size is None:
        size = tree_size(session)
    if size == 0:
        return RootBuilder().root()
    return db_subtree_root(session, cache)(0, size)


def find_leaf(session: Session, hex_address: str, kind: str = LETTER) -> LeafRow | None:
    """Return the first leaf of `kind` for `hex_address`, if the log has one."""
    row = session.execute(
        _LEAF_COLUMNS.where(col(LogLeaf.hex) == hex_address, col(LogLeaf.kind) == kind)
        .order_by(col(LogLeaf.sequence))
        .limit(1)
    ).first()
    if row is None:
        return None
    return LeafRow(int(row[0]), str(row[1]), str(row[2]), bytes(row[3]), str(row[4]))


def tombstone_reason(leaf: LeafRow) -> str:
    """Return the reason code a tombstone leaf records."""
    reason = parse_leaf(leaf.leaf).get("reason")
    return reason if isinstance(reason, str) else "withdrawn"
