"""The Merkle tree against RFC 6962's definitions and the published RFC 6962 test vectors.

The reference functions below transcribe RFC 6962 section 2.1 literally (MTH, PATH,
PROOF/SUBPROOF); the vectors are the eight-leaf tree published with the RFC 6962 test
data of the certificate-transparency project.
"""

from __future__ import annotations

import hashlib

import pytest

from archive.merkle import (
    EMPTY_ROOT,
    RootBuilder,
    consistency_path,
    inclusion_path,
    leaf_hash,
    list_subtree_root,
    root_of,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
HASHES = [leaf_hash(leaf) for leaf in LEAVES]


# --- RFC 6962, section 2.1, transcribed -------------------------------------------------


def _k(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def proof(m: int, d: list[bytes]) -> list[bytes]:
    return subproof(m, d, True)


def data(n: int) -> list[bytes]:
    return [i.to_bytes(4, "big") for i in range(n)]


# --- published vectors --------------------------------------------------------------------


def test_empty_tree_root_is_hash_of_nothing():
    assert (
        root_of([])
        == EMPTY_ROOT
        == bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    )


@pytest.mark.parametrize("size", range(1, 9))
def test_root_matches_published_vector(size):
    assert root_of(HASHES[:size]).hex() == ROOTS[size - 1]
    assert mth(LEAVES[:size]).hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
def test_inclusion_path_matches_published_vector(index, size, expected):
    got = inclusion_path(index, size, list_subtree_root(HASHES[:size]))
    assert [node.hex() for node in got] == expected
    assert verify_inclusion(index, size, HASHES[index], got, bytes.fromhex(ROOTS[size - 1]))


@pytest.mark.parametrize(("first", "second", "expected"), CONSISTENCY)
def test_consistency_path_matches_published_vector(first, second, expected):
    got = consistency_path(first, second, list_subtree_root(HASHES[:second]))
    assert [node.hex() for node in got] == expected
    assert verify_consistency(
        first, second, bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1]), got
    )


# --- the RFC's definitions, exhaustively for small trees ---------------------------------


@pytest.mark.parametrize("size", [*range(1, 34), 64, 100, 127, 128, 129])
def test_streaming_root_equals_rfc_definition(size):
    leaves = data(size)
    builder = RootBuilder()
    builder.extend(leaf_hash(leaf) for leaf in leaves)
    assert builder.root() == mth(leaves)
    assert builder.size == size


@pytest.mark.parametrize("size", range(1, 20))
def test_every_inclusion_path_equals_rfc_definition_and_verifies(size):
    leaves = data(size)
    hashes = [leaf_hash(leaf) for leaf in leaves]
    root = mth(leaves)
    for index in range(size):
        got = inclusion_path(index, size, list_subtree_root(hashes))
        assert got == path(index, leaves)
        assert verify_inclusion(index, size, hashes[index], got, root)


@pytest.mark.parametrize("second", range(1, 20))
def test_every_consistency_path_equals_rfc_definition_and_verifies(second):
    leaves = data(second)
    hashes = [leaf_hash(leaf) for leaf in leaves]
    for first in range(1, second + 1):
        got = consistency_path(first, second, list_subtree_root(hashes))
        assert got == (proof(first, leaves) if first < second else [])
        assert verify_consistency(first, second, mth(leaves[:first]), mth(leaves), got)


# --- tampered proofs ----------------------------------------------------------------------


def _flip(node: bytes) -> bytes:
    return bytes([node[0] ^ 1]) + node[1:]


def test_tampered_inclusion_proofs_fail():
    hashes = [leaf_hash(leaf) for leaf in data(13)]
    root = root_of(hashes)
    good = inclusion_path(6, 13, list_subtree_root(hashes))
    assert verify_inclusion(6, 13, hashes[6], good, root)
    for i in range(len(good)):
        bad = list(good)
        bad[i] = _flip(bad[i])
        assert not verify_inclusion(6, 13, hashes[6], bad, root)
    assert not verify_inclusion(6, 13, hashes[7], good, root)  # another leaf
    assert not verify_inclusion(7, 13, hashes[6], good, root)  # another index
    assert not verify_inclusion(6, 7, hashes[6], good, root)  # a tree of another shape
    assert not verify_inclusion(6, 13, hashes[6], good[:-1], root)  # truncated
    assert not verify_inclusion(6, 13, hashes[6], [*good, good[0]], root)  # extended
    assert not verify_inclusion(13, 13, hashes[6], good, root)  # index out of range
    assert not verify_inclusion(6, 13, hashes[6], good, _flip(root))


def test_tampered_consistency_proofs_fail():
    hashes = [leaf_hash(leaf) for leaf in data(13)]
    first_root, second_root = root_of(hashes[:5]), root_of(hashes)
    good = consistency_path(5, 13, list_subtree_root(hashes))
    assert verify_consistency(5, 13, first_root, second_root, good)
    for i in range(len(good)):
        bad = list(good)
        bad[i] = _flip(bad[i])
        assert not verify_consistency(5, 13, first_root, second_root, bad)
    assert not verify_consistency(5, 13, _flip(first_root), second_root, good)
    assert not verify_consistency(5, 13, first_root, _flip(second_root), good)
    assert not verify_consistency(4, 13, first_root, second_root, good)
    assert not verify_consistency(5, 13, first_root, second_root, good[:-1])
    assert not verify_consistency(5, 13, first_root, second_root, [])
    assert not verify_consistency(13, 5, second_root, first_root, good)
    assert not verify_consistency(5, 5, first_root, second_root, [])


def test_paths_refuse_impossible_requests():
    sub = list_subtree_root(HASHES)
    with pytest.raises(ValueError, match="outside"):
        inclusion_path(8, 8, sub)
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_path(0, 8, sub)
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_path(5, 4, sub)
