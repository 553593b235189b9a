"""The log's public endpoints, checked with nothing but what they answer."""

from __future__ import annotations

import pytest

from archive.checkpoint import NoteVerifier, open_note
from archive.proofs import check_consistency, check_inclusion


@pytest.fixture
def rt(app):
    return app.extensions["misskissing.runtime"]


def _enshrine(rt, count, prefix="api letter"):
    with rt.session() as session:
        return [rt.archive.enshrine(session, f"{prefix} {i}, farewell").hex for i in range(count)]


def _verifier(client):
    return NoteVerifier.parse(client.get("/api/v1/log/key").get_data(as_text=True))


def test_checkpoint_is_a_signed_note_that_verifies(client, rt):
    _enshrine(rt, 3)
    response = client.get("/api/v1/log/checkpoint")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    checkpoint = open_note(response.get_data(as_text=True), _verifier(client))
    assert checkpoint.size == 3


def test_proof_of_a_letter_checks_against_its_checkpoint(client, rt):
    hexes = _enshrine(rt, 7)
    response = client.get(f"/api/v1/log/proof/{hexes[4]}")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["leaf_index"], body["tree_size"]) == (4, 7)
    assert check_inclusion(body, _verifier(client)).size == 7
    assert client.get(f"/api/v1/log/proof/sha256:{hexes[4]}").status_code == 200


def test_unknown_hash_is_404_and_malformed_hash_is_400(client, rt):
    _enshrine(rt, 1)
    missing = client.get("/api/v1/log/proof/" + "ab" * 32)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    malformed = client.get("/api/v1/log/proof/not-a-hash")
    assert malformed.status_code == 400
    assert set(malformed.get_json()["error"]) == {"code", "message"}


def test_withdrawn_letter_answers_451_with_its_reason_and_both_proofs(client, rt):
    hexes = _enshrine(rt, 4)
    with rt.session() as session:
        rt.archive.withdraw(session, hexes[1], "privacy")
    rt.archive.purge_withdrawn_blob(hexes[1])
    response = client.get(f"/api/v1/log/proof/{hexes[1]}")
    assert response.status_code == 451
    body = response.get_json()
    assert body["error"]["code"] == "withdrawn"
    assert body["reason"] == "privacy"
    verifier = _verifier(client)
    check_inclusion(body["proof"], verifier)
    check_inclusion(body["tombstone"], verifier)
    assert body["tombstone"]["kind"] == "tombstone"


def test_consistency_between_two_published_checkpoints(client, rt):
    _enshrine(rt, 5, "early")
    first = open_note(
        client.get("/api/v1/log/checkpoint").get_data(as_text=True), _verifier(client)
    )
    _enshrine(rt, 6, "late")
    response = client.get(f"/api/v1/log/consistency?first={first.size}&second=11")
    assert response.status_code == 200
    body = response.get_json()
    second = open_note(body["checkpoint"], _verifier(client))
    path = [bytes.fromhex(node) for node in body["consistency_path"]]
    assert check_consistency(first, second, path)
    assert client.get("/api/v1/log/consistency?first=3&second=99").status_code == 400
    assert client.get("/api/v1/log/consistency?first=x&second=2").status_code == 400
