import base64
import stat

import pytest

from archive.checkpoint import (
    Checkpoint,
    CheckpointError,
    NoteSigner,
    NoteVerifier,
    key_id,
    load_or_create_signer,
    open_note,
)

ORIGIN = "example.org/log"
ROOT = bytes(range(32))


@pytest.fixture(scope="module")
def signer():
    return NoteSigner.generate(ORIGIN)


def test_checkpoint_note_has_the_c2sp_shape(signer):
    note = signer.sign_checkpoint(Checkpoint(ORIGIN, 42, ROOT))
    lines = note.split("\n")
    assert lines[:4] == [ORIGIN, "42", base64.b64encode(ROOT).decode(), ""]
    assert lines[4].startswith(f"\u2014 {ORIGIN} ")
    assert note.endswith("\n")
    blob = base64.b64decode(lines[4].split(" ")[2])
    assert blob[:4] == key_id(ORIGIN, signer.verifier.public_key)
    assert len(blob) == 4 + 64


def test_signed_checkpoint_opens_with_its_verifier(signer):
    note = signer.sign_checkpoint(Checkpoint(ORIGIN, 7, ROOT))
    assert open_note(note, signer.verifier) == Checkpoint(ORIGIN, 7, ROOT)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda n: n.replace("\n7\n", "\n8\n", 1),
        lambda n: n.replace(ORIGIN, "example.org/other", 1),
        lambda n: n.replace(base64.b64encode(ROOT).decode(), base64.b64encode(ROOT[::-1]).decode()),
    ],
)
def test_tampered_checkpoint_does_not_open(signer, tamper):
    note = signer.sign_checkpoint(Checkpoint(ORIGIN, 7, ROOT))
    with pytest.raises(CheckpointError):
        open_note(tamper(note), signer.verifier)


def test_checkpoint_signed_by_another_key_does_not_open(signer):
    other = NoteSigner.generate(ORIGIN)
    note = other.sign_checkpoint(Checkpoint(ORIGIN, 7, ROOT))
    with pytest.raises(CheckpointError):
        open_note(note, signer.verifier)


def test_keys_round_trip_through_their_text_forms(signer):
    again = NoteSigner.parse(signer.serialise())
    assert str(again.verifier) == str(signer.verifier)
    assert str(NoteVerifier.parse(str(signer.verifier))) == str(signer.verifier)
    name, key_hex, _ = str(signer.verifier).split("+", 2)
    assert (name, len(key_hex)) == (ORIGIN, 8)


def test_verifier_key_with_a_wrong_id_is_refused(signer):
    name, _id, key = str(signer.verifier).split("+", 2)
    with pytest.raises(CheckpointError, match="key id"):
        NoteVerifier.parse(f"{name}+00000000+{key}")


def test_log_key_is_generated_once_private_and_kept(tmp_path):
    path = tmp_path / "keys" / "log.key"
    first = load_or_create_signer(path, ORIGIN)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = load_or_create_signer(path, ORIGIN)
    assert str(first.verifier) == str(second.verifier)
    with pytest.raises(CheckpointError, match="origin"):
        load_or_create_signer(path, "elsewhere.example/log")


@pytest.mark.parametrize("body", ["o\n\nAAAA\n", "o\n01\n" + "A" * 44 + "\n", "o\n1\nnot-b64\n"])
def test_malformed_checkpoint_bodies_are_refused(body):
    with pytest.raises(CheckpointError):
        Checkpoint.parse_body(body)
