"""The operator's legal withdrawal: tombstone, body gone, proofs intact, audited."""

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from archive import WithdrawnError
from archive.proofs import check_inclusion, inclusion_proof, permanence_record
from archive.verify import verify_live
from misskissing.cli_archive import archive as archive_cli
from misskissing.models import AuditEvent, Letter
from tests.archive.conftest import enshrine_many


def _wall_letter(runtime, hex_address):
    with runtime.session() as session:
        session.add(Letter(hex=hex_address, wall_seq=1))


def test_withdraw_command_tombstones_deletes_and_audits(runtime, archive):
    hexes = enshrine_many(runtime, 4)
    target = hexes[1]
    _wall_letter(runtime, target)
    with runtime.session() as session:
        root_before = archive.current_checkpoint(session)
    result = CliRunner().invoke(archive_cli, ["withdraw", f"sha256:{target}", "--reason", "legal"])
    assert result.exit_code == 0, result.output
    assert "tombstone at leaf 4" in result.output
    assert not archive.blob_store.contains(target)
    with runtime.session() as session:
        with pytest.raises(WithdrawnError) as caught:
            archive.read_text(session, target)
        assert caught.value.reason == "legal"
        letter = session.get(Letter, target)
        assert (letter.visibility, letter.withdrawn_reason) == ("withdrawn", "legal")
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "archive.withdraw")
        ).one()
        assert event.subject == f"sha256:{target}"
        assert event.detail["reason"] == "legal"
        # The letter's leaf keeps its place: old and new proofs both check out.
        checkpoint = check_inclusion(
            inclusion_proof(session, archive, target).to_json(), archive.verifier
        )
        assert checkpoint.size == root_before.size + 1
        record = permanence_record(session, archive, target)
        assert record["withdrawn"] == "legal"
        check_inclusion(record["tombstone"], archive.verifier)


def test_verify_still_passes_after_a_withdrawal(runtime, archive):
    hexes = enshrine_many(runtime, 6)
    result = CliRunner().invoke(archive_cli, ["withdraw", hexes[4], "--reason", "privacy"])
    assert result.exit_code == 0, result.output
    with runtime.session() as session:
        report = verify_live(session, archive)
    assert report.ok, report.problems
    assert (report.letters, report.withdrawn, report.tree_size) == (6, 1, 7)
    assert CliRunner().invoke(archive_cli, ["verify"]).exit_code == 0


def test_withdrawing_twice_is_refused(runtime, archive):
    hexes = enshrine_many(runtime, 2)
    assert (
        CliRunner().invoke(archive_cli, ["withdraw", hexes[0], "--reason", "legal"]).exit_code == 0
    )
    again = CliRunner().invoke(archive_cli, ["withdraw", hexes[0], "--reason", "legal"])
    assert again.exit_code != 0
    assert "already withdrawn" in again.output


def test_withdrawing_an_unknown_hash_is_refused(runtime):
    result = CliRunner().invoke(archive_cli, ["withdraw", "ab" * 32, "--reason", "legal"])
    assert result.exit_code != 0
    assert "no archived letter" in result.output


@pytest.mark.parametrize(
    "args",
    [["withdraw", "nothex", "--reason", "legal"], ["withdraw", "ab" * 32, "--reason", "whim"]],
)
def test_withdraw_refuses_bad_hashes_and_reason_codes(runtime, args):
    assert CliRunner().invoke(archive_cli, args).exit_code == 2


def test_withdraw_in_a_rolled_back_transaction_keeps_the_letter(runtime, archive):
    hexes = enshrine_many(runtime, 1)
    session = Session(runtime.engine)
    archive.withdraw(session, hexes[0], "legal")
    session.rollback()  # the operator's transaction failed before commit
    session.close()
    with runtime.session() as session:
        assert archive.read_text(session, hexes[0]).startswith("letter 0")
    assert archive.blob_store.contains(hexes[0])


def test_withdraw_asks_for_confirmation_on_a_terminal(runtime, archive, monkeypatch):
    hexes = enshrine_many(runtime, 1)
    monkeypatch.setattr("misskissing.cli_archive._interactive", lambda: True)
    result = CliRunner().invoke(
        archive_cli, ["withdraw", hexes[0], "--reason", "legal"], input="n\n"
    )
    assert result.exit_code == 1
    assert "Withdraw sha256:" in result.output
    with runtime.session() as session:
        assert archive.read_text(session, hexes[0])
    assert archive.blob_store.contains(hexes[0])
    confirmed = CliRunner().invoke(
        archive_cli, ["withdraw", hexes[0], "--reason", "legal"], input="y\n"
    )
    assert confirmed.exit_code == 0, confirmed.output
    assert not archive.blob_store.contains(hexes[0])
