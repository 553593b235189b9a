"""Signed checkpoints in the C2SP formats (tlog-checkpoint inside a signed-note).

A checkpoint body is three lines: the log origin, the tree size in decimal and the root
hash in standard base64. The note adds a blank line and one signature line per signer:
an em dash, the key name, and base64 of the 4-byte key id followed by the signature.
Keys use the Go `sumdb/note` text forms, so `note` tooling can read them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from archive.errors import ArchiveError

ALG_ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "


class CheckpointError(ArchiveError):
    """A checkpoint or a note key cannot be parsed or does not verify."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CheckpointError(f"not base64: {text[:40]!r}") from exc


def _check_key_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise CheckpointError(f"a note key name has no spaces or '+': {name!r}")


def key_id(name: str, public_key: bytes) -> bytes:
    """Return the 4-byte key id: SHA-256(name || LF || 0x01 || key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + ALG_ED25519 + public_key).digest()[:4]


@dataclass(frozen=True)
class Checkpoint:
    """One state of the log: origin, size and root (not yet signed)."""

    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        """Return the note text that signers sign."""
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\n"

    @classmethod
    def parse_body(cls, text: str) -> Checkpoint:
        """Parse the first three lines of a checkpoint body (extension lines are allowed)."""
        lines = text.split("\n")
        if len(lines) < 4 or not text.endswith("\n"):
            raise CheckpointError("a checkpoint has an origin, a size and a root line")
        origin, size_text, root_text = lines[0], lines[1], lines[2]
        if not origin:
            raise CheckpointError("the checkpoint origin is empty")
        if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise CheckpointError(f"bad tree size {size_text!r}")
        root = _unb64(root_text)
        if len(root) != 32:
            raise CheckpointError("the root hash is not 32 bytes")
        return cls(origin, int(size_text), root)


class NoteVerifier:
    """The public half of a note key: `name+keyid+base64(0x01 || key)`."""

    def __init__(self, name: str, public_key: bytes) -> None:
        _check_key_name(name)
        self.name = name
        self.public_key = public_key
        self.key_id = key_id(name, public_key)
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    @classmethod
    def parse(cls, text: str) -> NoteVerifier:
        """Parse a verifier key in its text form."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise CheckpointError("a verifier key is name+keyid+key")
        name, id_hex, key_b64 = parts
        raw = _unb64(key_b64)
        if len(raw) != 33 or raw[:1] != ALG_ED25519:
            raise CheckpointError("only Ed25519 verifier keys are supported")
        verifier = cls(name, raw[1:])
        if verifier.key_id.hex() != id_hex:
            raise CheckpointError("the verifier key id does not match its key")
        return verifier

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{_b64(ALG_ED25519 + self.public_key)}"

    def verify(self, body: str, signature: bytes) -> bool:
        """Tell whether `signature` is this key's signature over `body`."""
        try:
            self._key.verify(signature, body.encode("utf-8"))
        except InvalidSignature:
            return False
        return True


class NoteSigner:
    """The private half of a note key; kept outside the archive it signs for."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _check_key_name(name)
        self.name = name
        self._key = private_key
        public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = NoteVerifier(name, public)

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        """Create a new random key named `name`."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def parse(cls, text: str) -> NoteSigner:
        """Parse `PRIVATE+KEY+name+keyid+base64(0x01 || seed)`."""
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise CheckpointError("a signer key is PRIVATE+KEY+name+keyid+key")
        raw = _unb64(parts[4])
        if len(raw) != 33 or raw[:1] != ALG_ED25519:
            raise CheckpointError("only Ed25519 signer keys are supported")
        signer = cls(parts[2], Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if signer.verifier.key_id.hex() != parts[3]:
            raise CheckpointError("the signer key id does not match its key")
        return signer

    def serialise(self) -> str:
        """Return the private key in its text form (keep it secret)."""
        seed = self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{_b64(ALG_ED25519 + seed)}"

    def sign(self, body: str) -> str:
        """Return the signed note: `body`, a blank line and this key's signature line."""
        if not body.endswith("\n"):
            raise CheckpointError("a note body ends with a newline")
        signature = self._key.sign(body.encode("utf-8"))
        return f"{body}\n{SIGNATURE_PREFIX}{self.name} {_b64(self.verifier.key_id + signature)}\n"

    def sign_checkpoint(self, checkpoint: Checkpoint) -> str:
        """Return `checkpoint` as a signed note."""
        return self.sign(checkpoint.body())


def load_or_create_signer(path: Path, name: str) -> NoteSigner:
    """Load the log key at `path`, generating it on first run (mode 0600, never replaced)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = NoteSigner.generate(name)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process of this installation created it first
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(candidate.serialise() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
    signer = NoteSigner.parse(path.read_text("utf-8"))
    if signer.name != name:
        raise CheckpointError(
            f"the log key in {path} is for {signer.name!r}, not the configured origin {name!r}"
        )
    return signer


def open_note(note: str, verifier: NoteVerifier) -> Checkpoint:
    """Verify a signed checkpoint note with `verifier` and return its checkpoint."""
    body, separator, signatures = note.partition("\n\n")
    if not separator:
        raise CheckpointError("a signed note has a blank line before its signatures")
    body += "\n"
    checkpoint = Checkpoint.parse_body(body)
    if checkpoint.origin != verifier.name:
        raise CheckpointError(
            f"checkpoint origin {checkpoint.origin!r} is not the key's name {verifier.name!r}"
        )
    for line in signatures.split("\n"):
        if not line:
            continue
        if not line.startswith(SIGNATURE_PREFIX):
            raise CheckpointError(f"malformed signature line {line[:60]!r}")
        name, _, blob_b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
        blob = _unb64(blob_b64)
        if name != verifier.name or blob[:4] != verifier.key_id:
            continue  # a cosigner we do not know
        if len(blob) == 68 and verifier.verify(body, blob[4:]):
            return checkpoint
        raise CheckpointError("the checkpoint signature does not verify")
    raise CheckpointError(f"the checkpoint carries no signature by {verifier.name}")
