"""Pick a blob store from a URL in config."""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from archive.blobstores.interface import BlobStore
from archive.blobstores.local import LocalBlobStore
from archive.errors import ArchiveError


def open_blob_store(url: str) -> BlobStore:
    """Open the blob store named by `url` (`file:///path` or `s3://bucket/prefix`)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalBlobStore(unquote(parsed.netloc + parsed.path))
    if parsed.scheme == "s3":
        from archive.blobstores.s3 import S3BlobStore

        return S3BlobStore.from_url(url)
    raise ArchiveError(f"unsupported archive URL scheme: {parsed.scheme!r}")
