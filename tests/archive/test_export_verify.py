"""Export a bag, validate it with the Library of Congress bagit library, verify, re-import."""

from __future__ import annotations

import hashlib
from pathlib import Path

import bagit
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlmodel import select

from archive.bag import body_path, read_bag_info
from archive.checkpoint import NoteSigner, NoteVerifier
from archive.log import iter_leaves
from archive.verify import verify_bag, verify_live
from misskissing.cli_archive import archive as archive_cli
from misskissing.migrate import upgrade_database
from misskissing.models import Letter
from misskissing.runtime import Runtime, set_runtime
from tests.archive.conftest import enshrine_many
from tests.conftest import make_settings


def _export(tmp_path: Path) -> Path:
    bag = tmp_path / "bag"
    result = CliRunner().invoke(archive_cli, ["export", str(bag)])
    assert result.exit_code == 0, result.output
    return bag


def _flip_byte(path: Path, offset: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def populated(runtime, archive):
    hexes = enshrine_many(runtime, 12)
    result = CliRunner().invoke(archive_cli, ["withdraw", hexes[5], "--reason", "legal"])
    assert result.exit_code == 0, result.output
    enshrine_many(runtime, 3, "after")
    return hexes


def test_exported_bag_validates_with_bagit(populated, tmp_path):
    bag = _export(tmp_path)
    loaded = bagit.Bag(str(bag))
    loaded.validate()
    assert loaded.is_valid()
    assert loaded.algorithms == ["sha256"]


def test_letters_jsonl_is_the_log_byte_for_byte_and_bodies_are_named_by_hash(
    populated, runtime, archive, tmp_path
):
    bag = _export(tmp_path)
    with runtime.session() as session:
        leaves = [leaf.leaf for leaf in iter_leaves(session)]
        checkpoint = archive.current_checkpoint(session)
    assert (bag / "data/letters.jsonl").read_bytes() == b"".join(leaf + b"\n" for leaf in leaves)
    bodies = sorted((bag / "data/bodies").rglob("*"))
    files = [path for path in bodies if path.is_file()]
    assert len(files) == 14  # 15 letters, one withdrawn
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name
    assert not (bag / body_path(populated[5])).exists()
    info = read_bag_info(bag)
    assert info["Misskissing-Tree-Size"] == str(checkpoint.size) == "16"
    assert info["Misskissing-Root-Hash"] == checkpoint.root.hex()
    assert (bag / "data/checkpoint.txt").read_text().startswith(f"{archive.origin}\n16\n")


def test_bag_verifies_with_the_published_checkpoint_and_key_alone(
    populated, runtime, archive, tmp_path
):
    with runtime.session() as session:
        published = archive.checkpoint(session).note
    enshrine_many(runtime, 2, "later still")  # the bag may be newer than what was published
    bag = _export(tmp_path)
    report = verify_bag(bag, NoteVerifier.parse(str(archive.verifier)), published)
    assert report.ok, report.problems
    stranger = NoteSigner.generate(archive.origin).verifier
    assert not verify_bag(bag, stranger, published).ok


def test_exported_bag_reimports_into_an_empty_installation_with_the_same_root(
    populated, runtime, archive, tmp_path
):
    bag = _export(tmp_path)
    with runtime.session() as session:
        original = archive.current_checkpoint(session)
        original_leaves = [leaf.leaf for leaf in iter_leaves(session)]
    fresh = Runtime(make_settings(tmp_path / "elsewhere"))
    upgrade_database(fresh.engine)
    set_runtime(fresh)
    try:
        result = CliRunner().invoke(archive_cli, ["import", str(bag)])
        assert result.exit_code == 0, result.output
        with fresh.session() as session:
            imported = fresh.archive.current_checkpoint(session)
            assert [leaf.leaf for leaf in iter_leaves(session)] == original_leaves
            assert verify_live(session, fresh.archive).ok
        assert (imported.size, imported.root) == (original.size, original.root)
        with fresh.session() as session:
            wall = {letter.hex: letter for letter in session.exec(select(Letter))}
        assert len(wall) == 15
        assert wall[populated[5]].visibility == "withdrawn"
        assert wall[populated[5]].withdrawn_reason
        assert sum(letter.visibility == "published" for letter in wall.values()) == 14
        again = CliRunner().invoke(archive_cli, ["import", str(bag)])
        assert again.exit_code != 0
        assert "empty" in again.output
    finally:
        fresh.engine.dispose()
        set_runtime(runtime)


def test_flipped_byte_in_a_bag_body_fails_verify(populated, tmp_path):
    bag = _export(tmp_path)
    _flip_byte(bag / body_path(populated[2]), 3)
    result = CliRunner().invoke(archive_cli, ["verify", str(bag)])
    assert result.exit_code == 1
    assert f"sha256:{populated[2]}" in result.output


def test_flipped_byte_in_a_bag_leaf_fails_verify(populated, tmp_path):
    bag = _export(tmp_path)
    letters = bag / "data/letters.jsonl"
    offset = letters.read_bytes().index(b'"seq":7') + 6
    _flip_byte(letters, offset)
    result = CliRunner().invoke(archive_cli, ["verify", str(bag)])
    assert result.exit_code == 1
    assert "leaf 7" in result.output


def test_flipped_byte_in_a_live_body_fails_verify(populated, runtime, archive):
    path = archive.blob_store.path_for(populated[8])
    _flip_byte(path, 0)
    result = CliRunner().invoke(archive_cli, ["verify"])
    assert result.exit_code == 1
    assert f"sha256:{populated[8]}" in result.output


def _tamper_below_the_triggers(runtime, statement: str, **params: object) -> None:
    """Change the database the way an attacker with file or superuser access could."""
    with runtime.engine.begin() as connection:
        if runtime.engine.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:
            connection.execute(sa.text("DROP TRIGGER log_leaf_no_update"))
        connection.execute(sa.text(statement), params)


def test_flipped_byte_in_a_live_leaf_fails_verify(populated, runtime, archive):
    with runtime.session() as session:
        leaf = next(iter_leaves(session, 3, 4))
    tampered = leaf.leaf.replace(b'"seq":3', b'"seq":2')
    _tamper_below_the_triggers(
        runtime, "UPDATE log_leaf SET leaf = :leaf WHERE sequence = 3", leaf=tampered
    )
    with runtime.session() as session:
        report = verify_live(session, archive)
    assert not report.ok
    assert any(problem.subject == "leaf 3" for problem in report.problems)


def test_export_refuses_a_non_empty_directory(populated, tmp_path):
    target = tmp_path / "occupied"
    target.mkdir()
    (target / "something").write_text("x")
    result = CliRunner().invoke(archive_cli, ["export", str(target)])
    assert result.exit_code != 0
    assert "not empty" in result.output


def test_verify_of_a_bag_reports_every_problem_not_just_the_first(populated, tmp_path):
    bag = _export(tmp_path)
    _flip_byte(bag / body_path(populated[0]))
    _flip_byte(bag / body_path(populated[1]))
    report = verify_bag(bag)
    bad = {problem.subject for problem in report.problems if problem.kind == "body"}
    assert {f"sha256:{populated[0]}", f"sha256:{populated[1]}"} <= bad
