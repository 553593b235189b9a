"""Blob stores: where the canonical bytes of letters live, addressed by their hash."""

from archive.blobstores.factory import open_blob_store
from archive.blobstores.interface import BlobStore

__all__ = ["BlobStore", "open_blob_store"]
