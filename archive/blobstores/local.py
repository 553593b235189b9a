"""A blob store in a local folder, fanned out as `ab/cd/<hex>`."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from archive.canonical import content_hex, parse_address
from archive.errors import ArchiveError, ObjectCorruptedError, ObjectNotFoundError

LAYOUT = {"algorithm": "sha256", "slicing": "0:2/2:4", "version": 1}
LAYOUT_FILE = "layout.json"


def _fsync_dir(path: Path | str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalBlobStore:
    """Objects in fan-out directories, written atomically and durably."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._root = str(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        layout_path = self.root / LAYOUT_FILE
        if layout_path.exists():
            found = json.loads(layout_path.read_text("utf-8"))
            if found != LAYOUT:
                raise ArchiveError(f"unsupported blob store layout in {layout_path}: {found}")
        else:
            self._write_atomically(layout_path, json.dumps(LAYOUT, sort_keys=True).encode())

    def path_for(self, hex_address: str) -> Path:
        """Return the file that holds (or would hold) `hex_address`."""
        return Path(self._file(hex_address))

    def _file(self, hex_address: str) -> str:
        # A plain string: pathlib interns each part, which would grow with a million objects.
        hex_address = parse_address(hex_address)
        return os.path.join(self._root, hex_address[0:2], hex_address[2:4], hex_address)

    def _write_atomically(self, target: Path | str, data: bytes) -> None:
        parent = os.path.dirname(target)
        os.makedirs(parent, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        _fsync_dir(parent)

    def put(self, data: bytes) -> str:
        """Store `data` and return its hex address; verify, never rewrite, an existing one."""
        hex_address = content_hex(data)
        path = self._file(hex_address)
        if os.path.exists(path):
            if content_hex(self.read_raw(hex_address)) != hex_address:
                raise ObjectCorruptedError(f"stored object {hex_address} is corrupted")
            return hex_address
        self._write_atomically(path, data)
        return hex_address

    def read_raw(self, hex_address: str) -> bytes:
        """Return the stored bytes without verifying them (for scrubbing)."""
        try:
            with open(self._file(hex_address), "rb") as handle:
                return handle.read()
        except FileNotFoundError as exc:
            raise ObjectNotFoundError(hex_address) from exc

    def get(self, hex_address: str) -> bytes:
        """Return the bytes at `hex_address`, verified against the address."""
        data = self.read_raw(hex_address)
        if content_hex(data) != parse_address(hex_address):
            raise ObjectCorruptedError(f"stored object {hex_address} is corrupted")
        return data

    def contains(self, hex_address: str) -> bool:
        """Tell whether an object is stored at `hex_address`."""
        return os.path.exists(self._file(hex_address))

    def delete(self, hex_address: str) -> None:
        """Remove an object; only an operator's legal withdrawal calls this."""
        path = self.path_for(hex_address)
        try:
            path.unlink()
        except FileNotFoundError as exc:
            raise ObjectNotFoundError(hex_address) from exc
        _fsync_dir(path.parent)

    def iter_addresses(self) -> Iterator[str]:
        """Yield every stored address, one fan-out directory at a time (bounded memory)."""
        for first in sorted(p for p in self.root.iterdir() if p.is_dir() and len(p.name) == 2):
            for second in sorted(p for p in first.iterdir() if p.is_dir()):
                for path in sorted(second.iterdir()):
                    if path.is_file() and not path.name.startswith(".tmp-"):
                        yield path.name
