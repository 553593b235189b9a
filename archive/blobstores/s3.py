"""A blob store in an S3-compatible object store, keyed `prefix/ab/cd/<hex>`."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
from botocore.exceptions import ClientError

from archive.blobstores.local import LAYOUT, LAYOUT_FILE
from archive.canonical import content_hex, parse_address
from archive.errors import ArchiveError, ObjectCorruptedError, ObjectNotFoundError

_MISSING = {"404", "NoSuchKey", "NotFound"}


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING


class S3BlobStore:
    """Objects in a bucket under a prefix, with the same fan-out and layout file as a folder."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None, **client_args: Any):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client if client is not None else boto3.client("s3", **client_args)
        self._check_layout()

    @classmethod
    def from_url(cls, url: str) -> S3BlobStore:
        """Open `s3://bucket/prefix?endpoint_url=...&region=...` (usual credential chain)."""
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ArchiveError(f"not an s3://bucket/prefix URL: {url!r}")
        query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        client_args: dict[str, Any] = {}
        if "endpoint_url" in query:
            client_args["endpoint_url"] = query["endpoint_url"]
        if "region" in query:
            client_args["region_name"] = query["region"]
        return cls(parsed.netloc, parsed.path, **client_args)

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def key_for(self, hex_address: str) -> str:
        """Return the object key of `hex_address`."""
        hex_address = parse_address(hex_address)
        return self._key(f"{hex_address[0:2]}/{hex_address[2:4]}/{hex_address}")

    def _check_layout(self) -> None:
        key = self._key(LAYOUT_FILE)
        try:
            found = json.loads(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except ClientError as exc:
            if not _is_missing(exc):
                raise
            body = json.dumps(LAYOUT, sort_keys=True).encode()
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body)
            return
        if found != LAYOUT:
            raise ArchiveError(f"unsupported blob store layout at s3://{self.bucket}/{key}")

    def put(self, data: bytes) -> str:
        """Store `data` and return its hex address; verify, never rewrite, an existing one."""
        hex_address = content_hex(data)
        if self.contains(hex_address):
            if content_hex(self.read_raw(hex_address)) != hex_address:
                raise ObjectCorruptedError(f"stored object {hex_address} is corrupted")
            return hex_address
        # The server checks the SHA-256 itself, so a corrupted upload is refused, not stored.
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.key_for(hex_address),
            Body=data,
            ChecksumSHA256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
        )
        return hex_address

    def read_raw(self, hex_address: str) -> bytes:
        """Return the stored bytes without verifying them (for scrubbing)."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key_for(hex_address))
        except ClientError as exc:
            if _is_missing(exc):
                raise ObjectNotFoundError(hex_address) from exc
            raise
        return bytes(response["Body"].read())

    def get(self, hex_address: str) -> bytes:
        """Return the bytes at `hex_address`, verified against the address."""
        data = self.read_raw(hex_address)
        if content_hex(data) != parse_address(hex_address):
            raise ObjectCorruptedError(f"stored object {hex_address} is corrupted")
        return data

    def contains(self, hex_address: str) -> bool:
        """Tell whether an object is stored at `hex_address`."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key_for(hex_address))
        except ClientError as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    def delete(self, hex_address: str) -> None:
        """Remove an object; only an operator's legal withdrawal calls this."""
        if not self.contains(hex_address):
            raise ObjectNotFoundError(hex_address)
        self.client.delete_object(Bucket=self.bucket, Key=self.key_for(hex_address))

    def iter_addresses(self) -> Iterator[str]:
        """Yield every stored address, in key order."""
        paginator = self.client.get_paginator("list_objects_v2")
        start = f"{self.prefix}/" if self.prefix else ""
        for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                name = str(item["Key"])[len(start) :]
                parts = name.split("/")
                if len(parts) == 3 and parts[0] == parts[2][0:2] and parts[1] == parts[2][2:4]:
                    yield parts[2]
