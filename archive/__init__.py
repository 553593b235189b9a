"""The permanent archive: content-addressed, append-only, verifiable.

A pure library: it never imports Flask, Celery or the adapters.
"""

from archive.blobstores import BlobStore, open_blob_store
from archive.canonical import (
    ADDRESS_PREFIX,
    canonical_bytes,
    canonical_text,
    content_address,
    content_hex,
    parse_address,
)
from archive.errors import (
    ArchiveError,
    CanonicalisationError,
    ObjectCorruptedError,
    ObjectNotFoundError,
    WithdrawnError,
)
from archive.service import Archive, Enshrined, Withdrawal, open_archive

__all__ = [
    "ADDRESS_PREFIX",
    "Archive",
    "ArchiveError",
    "BlobStore",
    "CanonicalisationError",
    "Enshrined",
    "Withdrawal",
    "ObjectCorruptedError",
    "ObjectNotFoundError",
    "WithdrawnError",
    "canonical_bytes",
    "canonical_text",
    "content_address",
    "content_hex",
    "open_archive",
    "open_blob_store",
    "parse_address",
]
