import json

import pytest

from archive.blobstores import open_blob_store
from archive.blobstores.local import LocalBlobStore
from archive.errors import ArchiveError
from tests.archive.blobstores.contract import BlobStoreContract


class TestLocalBlobStore(BlobStoreContract):
    @pytest.fixture
    def store(self, tmp_path):
        return LocalBlobStore(tmp_path / "blobs")

    def corrupt(self, store, hex_address, data):
        store.path_for(hex_address).write_bytes(data)

    def test_objects_fan_out_by_the_first_two_byte_pairs(self, store):
        address = store.put(b"fan out")
        assert store.path_for(address) == store.root / address[:2] / address[2:4] / address
        assert store.path_for(address).read_bytes() == b"fan out"

    def test_layout_file_records_algorithm_and_slicing(self, store):
        layout = json.loads((store.root / "layout.json").read_text())
        assert layout["algorithm"] == "sha256"
        assert layout["slicing"] == "0:2/2:4"

    def test_foreign_layout_is_refused(self, tmp_path):
        (tmp_path / "layout.json").write_text(json.dumps({"algorithm": "md5"}))
        with pytest.raises(ArchiveError, match="layout"):
            LocalBlobStore(tmp_path)

    def test_no_temporary_files_are_left_behind(self, store):
        store.put(b"atomic")
        assert not list(store.root.rglob(".tmp-*"))

    def test_factory_opens_a_folder_from_a_file_url(self, tmp_path):
        store = open_blob_store(f"file://{tmp_path}/by-url")
        assert isinstance(store, LocalBlobStore)
        assert store.get(store.put(b"x")) == b"x"

    def test_factory_refuses_unknown_schemes(self):
        with pytest.raises(ArchiveError, match="scheme"):
            open_blob_store("ftp://example.org/archive")
