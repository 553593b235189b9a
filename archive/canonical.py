"""Canonical letter bytes and their content address."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from archive.errors import CanonicalisationError

ADDRESS_PREFIX = "sha256:"
# C0 and C1 controls and DEL, except tab and newline, never belong in a letter.
_FORBIDDEN_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_HEX = re.compile(r"^[0-9a-f]{64}$")


def canonical_text(text: str) -> str:
    """Return the canonical form of a letter: NFC, LF line endings, no stray controls."""
    # Byte order marks carry no content; strip every leading one so the form is a fixed point.
    text = text.lstrip("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    match = _FORBIDDEN_CONTROLS.search(text)
    if match:
        raise CanonicalisationError(
            f"control character U+{ord(match.group()):04X} at offset {match.start()}"
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates from a lenient decoder
        raise CanonicalisationError("text is not valid Unicode") from exc
    return text


def canonical_bytes(text: str) -> bytes:
    """Return the strict UTF-8 bytes (no BOM) of the canonical form of `text`."""
    return canonical_text(text).encode("utf-8")


def decode_canonical(data: bytes) -> str:
    """Decode stored bytes, refusing anything that is not already canonical."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CanonicalisationError("bytes are not valid UTF-8") from exc
    if canonical_text(text) != text or text.startswith("\ufeff"):
        raise CanonicalisationError("bytes are not in canonical form")
    return text


def content_hex(data: bytes) -> str:
    """Return the sha256 hex digest that addresses `data`."""
    return hashlib.sha256(data).hexdigest()


def content_address(data: bytes) -> str:
    """Return the `sha256:<hex>` address of `data`."""
    return ADDRESS_PREFIX + content_hex(data)


def parse_address(value: str) -> str:
    """Accept `sha256:<hex>` or bare hex and return the bare lowercase hex."""
    value = value.strip().lower()
    if value.startswith(ADDRESS_PREFIX):
        value = value[len(ADDRESS_PREFIX) :]
    if not _HEX.match(value):
        raise CanonicalisationError(f"not a sha256 address: {value[:80]!r}")
    return value
