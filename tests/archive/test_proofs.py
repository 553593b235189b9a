"""Proofs from the database log, checked the way an outsider would check them."""

import pytest

from archive import ArchiveError, ObjectNotFoundError
from archive.log import leaf_hashes, root_hash
from archive.merkle import inclusion_path, list_subtree_root, root_of
from archive.proofs import (
    check_consistency,
    check_inclusion,
    consistency_proof,
    inclusion_proof,
    permanence_record,
)
from tests.archive.conftest import enshrine_many


def test_every_letter_has_an_inclusion_proof_that_checks(runtime, archive):
    hexes = enshrine_many(runtime, 21)
    with runtime.session() as session:
        for hex_address in hexes:
            proof = inclusion_proof(session, archive, hex_address).to_json()
            checkpoint = check_inclusion(proof, archive.verifier)
            assert checkpoint.size == 21


def test_streamed_root_equals_root_of_all_leaf_hashes(runtime, archive):
    enshrine_many(runtime, 37)
    with runtime.session() as session:
        assert root_hash(session) == root_of(leaf_hashes(session))
        assert archive.current_checkpoint(session).root == root_of(leaf_hashes(session))


def test_subtree_cache_gives_the_same_proofs_as_recomputing(runtime, archive, monkeypatch):
    monkeypatch.setattr("archive.log._CACHE_MIN", 4)
    hexes = enshrine_many(runtime, 40)
    with runtime.session() as session:
        cached = [inclusion_proof(session, archive, h).path for h in hexes]
        # Recomputed from the raw leaf hashes, with no cache at all.
        in_memory = list_subtree_root(leaf_hashes(session))
        assert cached == [inclusion_path(i, 40, in_memory) for i in range(40)]
        for h in hexes:
            check_inclusion(inclusion_proof(session, archive, h).to_json(), archive.verifier)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p.update(audit_path=[p["audit_path"][0][::-1], *p["audit_path"][1:]]),
        lambda p: p.update(leaf_index=p["leaf_index"] + 1),
        lambda p: p.update(leaf=p["leaf"].replace('"seq":3', '"seq":4')),
        lambda p: p.update(tree_size=p["tree_size"] - 1),
        lambda p: p.update(audit_path=p["audit_path"][:-1]),
        lambda p: p.update(checkpoint=p["checkpoint"].replace("\n9\n", "\n8\n")),
        lambda p: p.update(address="sha256:" + "0" * 64),
    ],
)
def test_tampered_inclusion_proof_is_refused(runtime, archive, tamper):
    hexes = enshrine_many(runtime, 9)
    with runtime.session() as session:
        proof = inclusion_proof(session, archive, hexes[3]).to_json()
    check_inclusion(proof, archive.verifier)
    tamper(proof)
    with pytest.raises(ArchiveError):
        check_inclusion(proof, archive.verifier)


def test_unknown_address_has_no_proof(runtime, archive):
    with runtime.session() as session, pytest.raises(ObjectNotFoundError):
        inclusion_proof(session, archive, "ab" * 32)


def test_later_checkpoint_is_consistent_with_an_earlier_one(runtime, archive):
    enshrine_many(runtime, 6, "first")
    with runtime.session() as session:
        earlier = archive.current_checkpoint(session)
    enshrine_many(runtime, 11, "second")
    with runtime.session() as session:
        later = archive.current_checkpoint(session)
        path = consistency_proof(session, archive, earlier.size, later.size)
    assert check_consistency(earlier, later, path)
    forged = type(earlier)(earlier.origin, earlier.size, bytes(32))
    assert not check_consistency(forged, later, path)


def test_permanence_record_has_what_the_receipt_shows(runtime, archive):
    hexes = enshrine_many(runtime, 5)
    with runtime.session() as session:
        record = permanence_record(session, archive, hexes[2])
    assert record["address"] == "sha256:" + hexes[2]
    assert record["log_position"] == 2
    assert record["tree_size"] == 5
    assert record["checkpoint"].startswith(archive.origin + "\n5\n")
    assert record["verifier_key"] == str(archive.verifier)
    assert record["withdrawn"] is None
    assert record["tombstone"] is None
    check_inclusion(record, archive.verifier)
