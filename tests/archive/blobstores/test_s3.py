"""The S3 backend against a real S3-compatible server (moto's), started by these tests."""

import secrets

import boto3
import pytest

from archive.blobstores import open_blob_store
from archive.blobstores.s3 import S3BlobStore
from tests.archive.blobstores.contract import BlobStoreContract

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint):
    name = f"archive-{secrets.token_hex(4)}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=name)
    return client, name


class TestS3BlobStore(BlobStoreContract):
    @pytest.fixture
    def store(self, bucket):
        client, name = bucket
        return S3BlobStore(name, "letters", client=client)

    def corrupt(self, store, hex_address, data):
        store.client.put_object(Bucket=store.bucket, Key=store.key_for(hex_address), Body=data)

    def test_keys_fan_out_under_the_prefix(self, store):
        address = store.put(b"keyed")
        assert store.key_for(address) == f"letters/{address[:2]}/{address[2:4]}/{address}"

    def test_layout_object_is_written(self, store):
        body = store.client.get_object(Bucket=store.bucket, Key="letters/layout.json")["Body"]
        assert b'"sha256"' in body.read()

    def test_factory_opens_a_bucket_from_an_s3_url(self, bucket, s3_endpoint, monkeypatch):
        _client, name = bucket
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        store = open_blob_store(f"s3://{name}/by-url?endpoint_url={s3_endpoint}&region=us-east-1")
        assert isinstance(store, S3BlobStore)
        assert store.get(store.put(b"via url")) == b"via url"
