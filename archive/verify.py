"""Re-hash every body and every leaf, recompute the root, check the signed checkpoint.

`verify_live` scrubs the running archive (database log plus blob store); `verify_bag`
checks an exported bag with nothing but the bag and, optionally, a published checkpoint
and verifier key. Both stream, report every problem they find and never stop at the first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from archive.bag import (
    BAGIT_TXT,
    BODIES,
    CHECKPOINT,
    LETTERS,
    TAG_ROOT,
    TAG_TREE_SIZE,
    VERIFIER_KEY,
    body_path,
    iter_bag_leaves,
    read_bag_info,
    sha256_file,
)
from archive.canonical import ADDRESS_PREFIX, content_hex, decode_canonical
from archive.checkpoint import Checkpoint, CheckpointError, NoteVerifier, open_note
from archive.errors import ArchiveError, CanonicalisationError, ObjectNotFoundError
from archive.log import CHUNK, LEAF_KINDS, LETTER, TOMBSTONE, iter_leaves, parse_leaf
from archive.merkle import RootBuilder, leaf_hash
from archive.models import ArchivedLetter, LogLeaf
from archive.service import Archive

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Problem:
    """One thing verify found wrong."""

    kind: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}: {self.message}"


@dataclass
class VerifyReport:
    """What a verification looked at and every problem it found."""

    tree_size: int = 0
    root: bytes = b""
    letters: int = 0
    withdrawn: int = 0
    bodies_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, subject: str, message: str) -> None:
        """Record a problem."""
        self.problems.append(Problem(kind, subject, message))

    def summary(self) -> dict[str, object]:
        """Return a JSON-ready summary."""
        return {
            "ok": self.ok,
            "tree_size": self.tree_size,
            "root": self.root.hex(),
            "letters": self.letters,
            "withdrawn": self.withdrawn,
            "bodies_checked": self.bodies_checked,
            "problems": [str(problem) for problem in self.problems],
        }


def _check_leaf(report: VerifyReport, expected: int, data: bytes) -> dict[str, object] | None:
    """Check one leaf's form; return its record, or None after recording the problem."""
    subject = f"leaf {expected}"
    try:
        record = parse_leaf(data)
    except ValueError as exc:
        report.add("leaf", subject, str(exc))
        return None
    address = record.get("address")
    if record.get("seq") != expected:
        report.add("leaf", subject, f"records sequence {record.get('seq')!r}")
    if record.get("kind") not in LEAF_KINDS:
        report.add("leaf", subject, f"unknown kind {record.get('kind')!r}")
    if not isinstance(address, str) or not address.startswith(ADDRESS_PREFIX):
        report.add("leaf", subject, "has no sha256 address")
        return None
    return record


def _tombstones(session: Session) -> dict[str, int]:
    rows = session.execute(
        sa.select(col(LogLeaf.hex), col(LogLeaf.sequence)).where(col(LogLeaf.kind) == TOMBSTONE)
    ).all()
    return {str(hex_address): int(sequence) for hex_address, sequence in rows}


def verify_live(
    session: Session, archive: Archive, progress: Progress | None = None
) -> VerifyReport:
    """Scrub the live archive: every leaf, every archived row, every body in the blob store."""
    report = VerifyReport()
    withdrawn = _tombstones(session)
    builder = RootBuilder()
    chunk: list[tuple[int, str]] = []

    def check_letters() -> None:
        if not chunk:
            return
        first, last = chunk[0][0], chunk[-1][0]
        rows = {
            int(row[0]): tuple(row)
            for row in session.execute(
                sa.select(
                    col(ArchivedLetter.sequence), col(ArchivedLetter.hex), col(ArchivedLetter.body)
                ).where(col(ArchivedLetter.sequence) >= first, col(ArchivedLetter.sequence) <= last)
            ).all()
        }
        for sequence, hex_address in chunk:
            _check_live_letter(
                report, archive, withdrawn, sequence, hex_address, rows.get(sequence)
            )
        chunk.clear()

    for expected, leaf in enumerate(iter_leaves(session)):
        if leaf.sequence != expected:
            report.add("log", f"leaf {expected}", f"missing; next leaf is {leaf.sequence}")
        hashed = leaf_hash(leaf.leaf)
        builder.append(hashed)
        if hashed.hex() != leaf.leaf_hash:
            report.add("leaf", f"leaf {leaf.sequence}", "stored leaf hash does not match the leaf")
        record = _check_leaf(report, leaf.sequence, leaf.leaf)
        if record is not None and (
            record.get("address") != ADDRESS_PREFIX + leaf.hex or record.get("kind") != leaf.kind
        ):
            report.add("leaf", f"leaf {leaf.sequence}", "leaf bytes disagree with its row")
        if leaf.kind == LETTER:
            chunk.append((leaf.sequence, leaf.hex))
            if len(chunk) >= CHUNK:
                check_letters()
        if progress is not None:
            progress(1)
    check_letters()

    report.tree_size, report.root = builder.size, builder.root()
    archived = session.execute(sa.select(sa.func.count()).select_from(ArchivedLetter)).scalar()
    if archived != report.letters:
        report.add("log", "archived_letter", f"{archived} rows for {report.letters} letter leaves")
    try:
        signed = archive.checkpoint(session)
        checkpoint = open_note(signed.note, archive.verifier)
    except (ArchiveError, CheckpointError) as exc:
        report.add("checkpoint", "signature", str(exc))
    else:
        if checkpoint.size == report.tree_size and checkpoint.root != report.root:
            report.add("checkpoint", "root", "the recomputed root differs from the signed one")
    return report


def _check_live_letter(
    report: VerifyReport,
    archive: Archive,
    withdrawn: dict[str, int],
    sequence: int,
    hex_address: str,
    row: tuple[Any, ...] | None,
) -> None:
    subject = ADDRESS_PREFIX + hex_address
    report.letters += 1
    if row is None or row[1] != hex_address:
        report.add("letter", subject, f"no archived row at sequence {sequence}")
        return
    body = row[2]
    if hex_address in withdrawn:
        report.withdrawn += 1
        if body is not None:
            report.add("withdrawal", subject, "tombstoned but the database still holds the body")
        if archive.blob_store.contains(hex_address):
            report.add("withdrawal", subject, "tombstoned but the blob store still holds the body")
        return
    if body is None:
        report.add("letter", subject, "body removed without a tombstone")
    elif content_hex(body.encode("utf-8")) != hex_address:
        report.add("letter", subject, "database copy of the body does not hash to its address")
    try:
        data = archive.blob_store.read_raw(hex_address)
    except ObjectNotFoundError:
        report.add("body", subject, "missing from the blob store")
        return
    report.bodies_checked += 1
    if content_hex(data) != hex_address:
        report.add("body", subject, "stored bytes do not hash to the address")


def verify_bag(
    bag: Path,
    verifier: NoteVerifier | None = None,
    published_checkpoint: str | None = None,
    progress: Progress | None = None,
) -> VerifyReport:
    """Verify an exported bag alone, or against a published checkpoint and verifier key.

    Without `verifier` the key in the bag is used, which proves integrity, not origin:
    pass the log's published key to prove the bag is what that log signed.
    """
    bag = Path(bag)
    # Hot loops use plain strings: pathlib interns every part, which grows with the bag.
    bag_dir = str(bag)
    report = VerifyReport()
    _check_bag_structure(report, bag)
    manifest_entries = _check_manifests(report, bag)
    if not (bag / LETTERS).exists():
        report.add("bag", LETTERS, "missing")
        return report

    withdrawn: set[str] = set()
    for data in iter_bag_leaves(bag):
        try:
            parsed = parse_leaf(data)
        except ValueError:
            continue  # reported in the main pass
        if parsed.get("kind") == TOMBSTONE:
            withdrawn.add(str(parsed.get("address")).removeprefix(ADDRESS_PREFIX))

    published: Checkpoint | None = None
    key = verifier
    if key is None and (bag / VERIFIER_KEY).exists():
        try:
            key = NoteVerifier.parse((bag / VERIFIER_KEY).read_text("utf-8"))
        except CheckpointError as exc:
            report.add("checkpoint", VERIFIER_KEY, str(exc))
    if published_checkpoint is not None and key is not None:
        try:
            published = open_note(published_checkpoint, key)
        except CheckpointError as exc:
            report.add("checkpoint", "published", str(exc))

    builder = RootBuilder()
    published_root: bytes | None = None
    expected_bodies = 0
    for expected, data in enumerate(iter_bag_leaves(bag)):
        if published is not None and builder.size == published.size:
            published_root = builder.root()
        builder.append(leaf_hash(data))
        record = _check_leaf(report, expected, data)
        if record is None or record.get("kind") != LETTER:
            continue
        report.letters += 1
        hex_address = str(record["address"]).removeprefix(ADDRESS_PREFIX)
        path = os.path.join(bag_dir, body_path(hex_address))
        if hex_address in withdrawn:
            report.withdrawn += 1
            if os.path.exists(path):
                report.add("withdrawal", ADDRESS_PREFIX + hex_address, "body is in the bag")
        else:
            expected_bodies += 1
            if not os.path.exists(path):
                report.add("body", ADDRESS_PREFIX + hex_address, "missing from the bag")
        if progress is not None:
            progress(1)
    if published is not None and builder.size == published.size:
        published_root = builder.root()
    report.tree_size, report.root = builder.size, builder.root()

    found_bodies = _rehash_bodies(report, bag)
    if found_bodies != expected_bodies:
        report.add("bag", BODIES, f"{found_bodies} body files for {expected_bodies} letters")
    if manifest_entries is not None and manifest_entries != found_bodies + 3:
        report.add("bag", "manifest-sha256.txt", "does not list exactly the payload files")
    _check_bag_checkpoint(report, bag, key)
    if published is not None:
        if published_root is None:
            report.add("checkpoint", "published", f"the bag has fewer than {published.size} leaves")
        elif published_root != published.root:
            report.add("checkpoint", "published", "the bag's log disagrees with the checkpoint")
    return report


def _check_bag_structure(report: VerifyReport, bag: Path) -> None:
    if not (bag / "bagit.txt").exists():
        report.add("bag", "bagit.txt", "missing")
    elif (bag / "bagit.txt").read_text("utf-8") != BAGIT_TXT:
        report.add("bag", "bagit.txt", "not a BagIt 1.0 declaration")
    info = read_bag_info(bag)
    oxum = info.get("Payload-Oxum", "")
    octets, _, count = oxum.partition(".")
    total_bytes = total_files = 0
    for entry in _walk_files(str(bag / "data")):
        total_files += 1
        total_bytes += entry.stat().st_size
    if oxum != f"{total_bytes}.{total_files}":
        report.add(
            "bag", "Payload-Oxum", f"{octets}.{count} declared, {total_bytes}.{total_files} found"
        )
    tagmanifest = bag / "tagmanifest-sha256.txt"
    if not tagmanifest.exists():
        report.add("bag", tagmanifest.name, "missing")
        return
    for line in tagmanifest.read_text("utf-8").splitlines():
        digest, _, name = line.partition(" ")
        path = bag / name.strip()
        if not path.is_file():
            report.add("bag", name.strip(), "tag file listed but missing")
        elif sha256_file(path) != digest:
            report.add("bag", name.strip(), "tag file does not match the tag manifest")


def _check_manifests(report: VerifyReport, bag: Path) -> int | None:
    """Check the payload manifest's entries, streaming; return how many it has."""
    manifest = bag / "manifest-sha256.txt"
    if not manifest.exists():
        report.add("bag", manifest.name, "missing")
        return None
    entries = 0
    bag_dir = str(bag)
    with manifest.open("r", encoding="utf-8") as handle:
        for line in handle:
            digest, _, name = line.rstrip("\n").partition(" ")
            name = name.strip()
            entries += 1
            path = os.path.join(bag_dir, name)
            if not name.startswith("data/") or ".." in name.split("/"):
                report.add("bag", name, "manifest entry outside the payload")
            elif not os.path.isfile(path):
                report.add("bag", name, "listed in the manifest but missing")
            elif name.startswith(BODIES + "/"):
                # Bodies are re-hashed once, against their names, by _rehash_bodies.
                if digest != os.path.basename(name):
                    report.add("bag", name, "manifest digest differs from the file name")
            elif sha256_file(Path(path)) != digest:
                report.add("bag", name, "does not match its manifest digest")
    return entries


def _walk_files(top: str) -> Iterator[os.DirEntry[str]]:
    """Yield every file under `top`, one directory entry at a time (no per-folder lists)."""
    with os.scandir(top) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk_files(entry.path)
            elif entry.is_file(follow_symlinks=False):
                yield entry


def _rehash_bodies(report: VerifyReport, bag: Path) -> int:
    found = 0
    bodies = bag / BODIES
    if not bodies.is_dir():
        return 0
    for entry in _walk_files(str(bodies)):
        found += 1
        name, folder = entry.name, os.path.basename(os.path.dirname(entry.path))
        subject = ADDRESS_PREFIX + name
        with open(entry.path, "rb") as handle:
            data = handle.read()
        report.bodies_checked += 1
        if content_hex(data) != name or folder != name[0:2]:
            report.add("body", subject, "bytes do not hash to the file name")
            continue
        try:
            decode_canonical(data)
        except CanonicalisationError as exc:
            report.add("body", subject, str(exc))
    return found


def _check_bag_checkpoint(report: VerifyReport, bag: Path, key: NoteVerifier | None) -> None:
    info = read_bag_info(bag)
    if info.get(TAG_TREE_SIZE) != str(report.tree_size):
        report.add(
            "bag", TAG_TREE_SIZE, f"says {info.get(TAG_TREE_SIZE)}, log has {report.tree_size}"
        )
    if info.get(TAG_ROOT) != report.root.hex():
        report.add("bag", TAG_ROOT, "differs from the recomputed root")
    if not (bag / CHECKPOINT).exists():
        report.add("checkpoint", CHECKPOINT, "missing")
        return
    if key is None:
        report.add("checkpoint", CHECKPOINT, "no verifier key to check the signature with")
        return
    try:
        checkpoint = open_note((bag / CHECKPOINT).read_text("utf-8"), key)
    except CheckpointError as exc:
        report.add("checkpoint", CHECKPOINT, str(exc))
        return
    if checkpoint.size != report.tree_size or checkpoint.root != report.root:
        report.add("checkpoint", CHECKPOINT, "the signed root differs from the recomputed root")
