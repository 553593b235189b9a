"""The RFC 6962 / RFC 9162 Merkle tree hash over the log's leaves, with proofs.

Proof generation takes a `SubtreeRoot` callable (the root of leaves `[start, end)`), so
the same code serves an in-memory list in tests and a streamed database range in the
archive, without ever materialising a million hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

SubtreeRoot = Callable[[int, int], bytes]


def leaf_hash(leaf: bytes) -> bytes:
    """Return the RFC 6962 hash of one leaf."""
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 hash of an interior node."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """Return the largest power of two strictly smaller than `n` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class RootBuilder:
    """Fold leaf hashes into the Merkle root in O(log n) memory (RFC 9162, section 2.1.1).

    The stack holds the roots of the complete subtrees seen so far, largest first; two
    equal-sized neighbours merge as soon as they exist, exactly as the tree would.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []
        self.size = 0

    def append(self, hashed_leaf: bytes) -> None:
        """Add the next leaf hash in log order."""
        size, value = 1, hashed_leaf
        while self._stack and self._stack[-1][0] == size:
            left_size, left = self._stack.pop()
            size, value = left_size + size, node_hash(left, value)
        self._stack.append((size, value))
        self.size += 1

    def extend(self, hashed_leaves: Iterable[bytes]) -> None:
        """Add many leaf hashes in log order."""
        for value in hashed_leaves:
            self.append(value)

    def root(self) -> bytes:
        """Return the root of every leaf added so far."""
        if not self._stack:
            return EMPTY_ROOT
        value = self._stack[-1][1]
        # Right-most subtrees are the smallest; the tree joins them right to left.
        for _size, left in reversed(self._stack[:-1]):
            value = node_hash(left, value)
        return value


def root_of(hashed_leaves: Iterable[bytes]) -> bytes:
    """Return the Merkle tree hash of leaf hashes, streaming."""
    builder = RootBuilder()
    builder.extend(hashed_leaves)
    return builder.root()


def list_subtree_root(hashes: Sequence[bytes]) -> SubtreeRoot:
    """Return a `SubtreeRoot` over an in-memory list of leaf hashes."""

    def subtree_root(start: int, end: int) -> bytes:
        return root_of(hashes[start:end])

    return subtree_root


def inclusion_path(index: int, size: int, subtree_root: SubtreeRoot) -> list[bytes]:
    """Return the audit path PATH(index, D[size]) of RFC 6962, section 2.1.1."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    # Walk down from the root; each step records the sibling subtree, so the path is
    # built top-down and reversed at the end into RFC order (leaf side first).
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index - start < k:
            path.append(subtree_root(start + k, end))
            end = start + k
        else:
            path.append(subtree_root(start, start + k))
            start = start + k
    path.reverse()
    return path


def consistency_path(first: int, second: int, subtree_root: SubtreeRoot) -> list[bytes]:
    """Return the consistency proof PROOF(first, D[second]) of RFC 6962, section 2.1.2."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first == second:
        return []
    return _subproof(first, 0, second, True, subtree_root)


def _subproof(m: int, start: int, end: int, whole: bool, subtree_root: SubtreeRoot) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if whole else [subtree_root(start, end)]
    k = _largest_power_of_two_below(n)
    if m <= k:
        return _subproof(m, start, start + k, whole, subtree_root) + [subtree_root(start + k, end)]
    return _subproof(m - k, start + k, end, False, subtree_root) + [subtree_root(start, start + k)]


def root_from_inclusion(index: int, size: int, hashed_leaf: bytes, path: Sequence[bytes]) -> bytes:
    """Return the root an inclusion proof leads to (RFC 9162, section 2.1.3.2)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    fn, sn = index, size - 1
    value = hashed_leaf
    for sibling in path:
        if sn == 0:
            raise ValueError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            value = node_hash(sibling, value)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            value = node_hash(value, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("inclusion proof is shorter than the tree is deep")
    return value


def verify_inclusion(
    index: int, size: int, hashed_leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """Tell whether `path` proves leaf `index` of a tree of `size` leaves has that root."""
    try:
        return root_from_inclusion(index, size, hashed_leaf, path) == root
    except ValueError:
        return False


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """Tell whether `path` proves the tree of `first` leaves is a prefix of `second`.

    Follows RFC 9162, section 2.1.4.2, step by step.
    """
    if first < 0 or second < first:
        return False
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        # Everything extends the empty tree; RFC 9162 sends no proof for it.
        return not path
    if not path:
        return False
    proof = list(path)
    # A first tree that is a complete subtree of the second is its own first node.
    if first & (first - 1) == 0:
        proof.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
