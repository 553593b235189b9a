"""The contract every blob store passes: subclass `BlobStoreContract`, provide `store`."""

from __future__ import annotations

import hashlib

import pytest

from archive.blobstores import BlobStore
from archive.errors import CanonicalisationError, ObjectCorruptedError, ObjectNotFoundError


class BlobStoreContract:
    """Behaviour shared by every backend; a subclass provides the `store` fixture."""

    @pytest.fixture
    def store(self) -> BlobStore:  # pragma: no cover - overridden
        raise NotImplementedError

    def corrupt(self, store: BlobStore, hex_address: str, data: bytes) -> None:
        """Replace the stored bytes behind the store's back (backend-specific)."""
        raise NotImplementedError

    def test_put_returns_the_sha256_address(self, store):
        assert store.put(b"goodbye") == hashlib.sha256(b"goodbye").hexdigest()

    def test_get_returns_exactly_what_was_put(self, store):
        data = "adieu, mon c\u0153ur\n".encode()
        address = store.put(data)
        assert store.get(address) == data
        assert store.get("sha256:" + address) == data

    def test_put_of_the_same_bytes_twice_is_one_object(self, store):
        first = store.put(b"once")
        second = store.put(b"once")
        assert first == second
        assert list(store.iter_addresses()).count(first) == 1

    def test_contains_tells_present_from_absent(self, store):
        address = store.put(b"here")
        assert store.contains(address)
        assert not store.contains(hashlib.sha256(b"not here").hexdigest())

    def test_missing_object_raises_not_found(self, store):
        missing = hashlib.sha256(b"never stored").hexdigest()
        with pytest.raises(ObjectNotFoundError):
            store.get(missing)
        with pytest.raises(ObjectNotFoundError):
            store.read_raw(missing)

    def test_delete_removes_and_second_delete_raises(self, store):
        address = store.put(b"to withdraw")
        store.delete(address)
        assert not store.contains(address)
        with pytest.raises(ObjectNotFoundError):
            store.delete(address)

    def test_iter_addresses_yields_every_object_once(self, store):
        addresses = {store.put(f"letter {i}".encode()) for i in range(20)}
        assert set(store.iter_addresses()) == addresses

    def test_empty_object_is_storable(self, store):
        address = store.put(b"")
        assert store.get(address) == b""

    def test_corrupted_object_is_detected_on_get_and_never_overwritten(self, store):
        data = b"the original words"
        address = store.put(data)
        self.corrupt(store, address, b"the altered words!")
        assert store.read_raw(address) == b"the altered words!"
        with pytest.raises(ObjectCorruptedError):
            store.get(address)
        # Putting the true bytes again reports the damage instead of silently healing it.
        with pytest.raises(ObjectCorruptedError):
            store.put(data)

    def test_malformed_address_is_refused(self, store):
        with pytest.raises(CanonicalisationError, match="not a sha256 address"):
            store.get("../../etc/passwd")
