"""Export the archive as a BagIt bag (RFC 8493) and import one into an empty archive.

Bag layout::

    bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
    data/letters.jsonl        one RFC 6962 leaf per line, byte for byte, in log order
    data/checkpoint.txt       the signed checkpoint (C2SP signed note) of exactly these leaves
    data/log-key.pub          the note verifier key of the log
    data/bodies/ab/<hex>      each body that was not withdrawn, named by its sha256 hex

The payload manifest is written while the bodies are, so export holds one chunk of the
log in memory, never the whole archive. (`bagit.make_bag` keeps every manifest line in a
list and changes the process's working directory, so the bag is written here and the
`bagit` library validates it.)
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlmodel import Session, col

from archive.canonical import content_hex, decode_canonical
from archive.checkpoint import Checkpoint
from archive.errors import ArchiveError, ObjectNotFoundError
from archive.log import (
    LETTER,
    TOMBSTONE,
    iter_leaves,
    lock_log,
    mark_appended,
    parse_leaf,
    tree_size,
)
from archive.merkle import RootBuilder, leaf_hash
from archive.models import ArchivedLetter, LogLeaf
from archive.service import Archive

BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
LETTERS = "data/letters.jsonl"
CHECKPOINT = "data/checkpoint.txt"
VERIFIER_KEY = "data/log-key.pub"
BODIES = "data/bodies"
TAG_TREE_SIZE = "Misskissing-Tree-Size"
TAG_ROOT = "Misskissing-Root-Hash"
TAG_ORIGIN = "Misskissing-Log-Origin"
TAG_KEY = "Misskissing-Verifier-Key"
IMPORT_BATCH = 1000

Progress = Callable[[int], None]


def body_path(hex_address: str) -> str:
    """Return the bag-relative path of a body."""
    return f"{BODIES}/{hex_address[0:2]}/{hex_address}"


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    tree_size: int
    root: bytes
    bodies: int
    withdrawn: int


class _HashingWriter:
    """A file that hashes and counts what goes through it."""

    def __init__(self, path: Path) -> None:
        self.handle: IO[bytes] = path.open("wb")
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    def close(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()


def sha256_file(path: Path) -> str:
    """Return the sha256 hex digest of a file, read in blocks (bags hold large files)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _tombstoned(session: Session, size: int) -> dict[str, int]:
    """Return the tombstoned addresses below `size` (withdrawals are rare: a small map)."""
    rows = session.execute(
        sa.select(col(LogLeaf.hex), col(LogLeaf.sequence)).where(
            col(LogLeaf.kind) == TOMBSTONE, col(LogLeaf.sequence) < size
        )
    ).all()
    return {str(hex_address): int(sequence) for hex_address, sequence in rows}


def export_bag(
    session: Session, archive: Archive, destination: Path, progress: Progress | None = None
) -> ExportResult:
    """Write the archive as a BagIt bag at `destination` (which must not exist yet)."""
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise ArchiveError(f"{destination} exists and is not empty")
    signed = archive.checkpoint(session)
    size, root = signed.checkpoint.size, signed.checkpoint.root
    withdrawn = _tombstoned(session, size)
    partial = destination.with_name(destination.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    (partial / BODIES).mkdir(parents=True)

    manifest = _HashingWriter(partial / "manifest-sha256.txt")
    letters = _HashingWriter(partial / LETTERS)
    payload_bytes = payload_files = bodies = 0
    builder = RootBuilder()
    made_dirs: set[str] = set()
    root_dir = str(partial)
    for leaf in iter_leaves(session, 0, size):
        letters.write(leaf.leaf + b"\n")
        builder.append(leaf_hash(leaf.leaf))
        if leaf.kind == LETTER and leaf.hex not in withdrawn:
            try:
                data = archive.blob_store.get(leaf.hex)
            except ObjectNotFoundError as exc:
                raise ArchiveError(
                    f"the body of sha256:{leaf.hex} is missing (withdrawn during the export? "
                    "run the export again; otherwise run verify)"
                ) from exc
            relative = body_path(leaf.hex)
            # Plain strings, not Path objects, in this loop: pathlib interns every part,
            # and a million interned names would grow memory with the archive.
            target = os.path.join(root_dir, relative)
            if relative[:-65] not in made_dirs:  # 256 fan-out folders at most
                os.makedirs(os.path.dirname(target), exist_ok=True)
                made_dirs.add(relative[:-65])
            with open(target, "wb") as handle:
                handle.write(data)
            manifest.write(f"{leaf.hex}  {relative}\n".encode())
            payload_bytes += len(data)
            payload_files += 1
            bodies += 1
        if progress is not None:
            progress(1)
    letters.close()
    if builder.root() != root or builder.size != size:
        raise ArchiveError("the log changed under the export; the leaves do not give the root")

    (partial / CHECKPOINT).write_text(signed.note, "utf-8")
    (partial / VERIFIER_KEY).write_text(str(archive.verifier) + "\n", "utf-8")
    for relative, written in ((LETTERS, letters),):
        manifest.write(f"{written.digest.hexdigest()}  {relative}\n".encode())
        payload_bytes += written.size
        payload_files += 1
    for relative in (CHECKPOINT, VERIFIER_KEY):
        manifest.write(f"{sha256_file(partial / relative)}  {relative}\n".encode())
        payload_bytes += (partial / relative).stat().st_size
        payload_files += 1
    manifest.close()

    (partial / "bagit.txt").write_text(BAGIT_TXT, "utf-8")
    info = {
        "Bag-Software-Agent": "misskissing archive export",
        "Bagging-Date": date.today().isoformat(),
        "External-Description": "Permanent anonymous farewell letters, with their log.",
        "Payload-Oxum": f"{payload_bytes}.{payload_files}",
        TAG_ORIGIN: archive.origin,
        TAG_TREE_SIZE: str(size),
        TAG_ROOT: root.hex(),
        TAG_KEY: str(archive.verifier),
    }
    (partial / "bag-info.txt").write_text(
        "".join(f"{key}: {value}\n" for key, value in sorted(info.items())), "utf-8"
    )
    tags = "".join(
        f"{sha256_file(partial / name)}  {name}\n"
        for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt")
    )
    (partial / "tagmanifest-sha256.txt").write_text(tags, "utf-8")
    if destination.exists():
        destination.rmdir()
    partial.rename(destination)
    return ExportResult(destination, size, root, bodies, len(withdrawn))


def read_bag_info(bag: Path) -> dict[str, str]:
    """Return the bag-info.txt tags of `bag` (last value wins for repeated tags)."""
    info: dict[str, str] = {}
    path = Path(bag) / "bag-info.txt"
    if not path.exists():
        return info
    for line in path.read_text("utf-8").splitlines():
        key, separator, value = line.partition(":")
        if separator:
            info[key.strip()] = value.strip()
    return info


def iter_bag_leaves(bag: Path) -> Iterator[bytes]:
    """Yield each leaf of `data/letters.jsonl` (without its line feed), streaming."""
    with (Path(bag) / LETTERS).open("rb") as handle:
        for line in handle:
            yield line[:-1] if line.endswith(b"\n") else line


def import_bag(session: Session, archive: Archive, bag: Path) -> Checkpoint:
    """Recreate the bag's log, leaf for leaf, in an empty archive; return its checkpoint.

    Runs in the caller's transaction: if the rebuilt root differs from the bag's, nothing
    is kept. Check the bag with `verify_bag` first.
    """
    bag = Path(bag)
    bag_dir = str(bag)
    lock_log(session)
    if tree_size(session) != 0:
        raise ArchiveError("import needs an empty archive; this log already has leaves")
    info = read_bag_info(bag)
    withdrawn: set[str] = set()
    for data in iter_bag_leaves(bag):
        record = parse_leaf(data)
        if record.get("kind") == TOMBSTONE:
            withdrawn.add(str(record["address"]).removeprefix("sha256:"))

    builder = RootBuilder()
    leaves: list[dict[str, object]] = []
    letters: list[dict[str, object]] = []

    def flush() -> None:
        if leaves:
            session.execute(sa.insert(LogLeaf), leaves)
        if letters:
            session.execute(sa.insert(ArchivedLetter), letters)
        leaves.clear()
        letters.clear()

    for expected, data in enumerate(iter_bag_leaves(bag)):
        record = parse_leaf(data)
        sequence, kind, address = record.get("seq"), record.get("kind"), record.get("address")
        if sequence != expected or kind not in (LETTER, TOMBSTONE):
            raise ArchiveError(f"leaf {expected} of the bag is out of order or of unknown kind")
        hex_address = str(address).removeprefix("sha256:")
        hashed = leaf_hash(data)
        builder.append(hashed)
        leaves.append(
            {
                "sequence": expected,
                "kind": kind,
                "hex": hex_address,
                "leaf": data,
                "leaf_hash": hashed.hex(),
            }
        )
        if kind == LETTER:
            body: str | None = None
            size = 0
            if hex_address not in withdrawn:
                with open(os.path.join(bag_dir, body_path(hex_address)), "rb") as handle:
                    raw = handle.read()
                if content_hex(raw) != hex_address:
                    raise ArchiveError(f"the body of sha256:{hex_address} does not match its hash")
                body = decode_canonical(raw)
                archive.blob_store.put(raw)
                size = len(raw)
            archived_at = datetime.strptime(str(record["time"]), "%Y-%m-%dT%H:%M:%S.%fZ")
            letters.append(
                {
                    "hex": hex_address,
                    "body": body,
                    "size": size,
                    "sequence": expected,
                    "archived_at": archived_at.replace(tzinfo=UTC),
                }
            )
        if len(leaves) >= IMPORT_BATCH:
            flush()
    flush()
    mark_appended(session)
    checkpoint = Checkpoint(archive.origin, builder.size, builder.root())
    expected_root = info.get(TAG_ROOT)
    if expected_root is not None and expected_root != checkpoint.root.hex():
        raise ArchiveError("the imported log's root differs from the bag's root")
    return checkpoint
