"""The periodic scrub task and the receipt's permanence partial."""

from __future__ import annotations

from archive.proofs import permanence_record
from tests.archive.conftest import enshrine_many
from worker.archive_tasks import scrub_archive


def test_scrub_task_reports_a_clean_archive(runtime):
    enshrine_many(runtime, 5)
    summary = scrub_archive.run()
    assert summary["ok"] is True
    assert (summary["tree_size"], summary["problem_count"]) == (5, 0)


def test_scrub_task_reports_a_damaged_body(runtime, archive, caplog):
    hexes = enshrine_many(runtime, 3)
    archive.blob_store.path_for(hexes[0]).write_bytes(b"tampered")
    summary = scrub_archive.run()
    assert summary["ok"] is False
    assert summary["problem_count"] == 1
    assert hexes[0] in summary["problems"][0]
    assert "archive scrub problem" in caplog.text
    assert "tampered" not in caplog.text  # logs carry addresses, never letter text


def test_permanence_partial_shows_address_position_proof_checkpoint_and_how_to(app):
    rt = app.extensions["misskissing.runtime"]
    with rt.session() as session:
        hexes = [rt.archive.enshrine(session, f"receipt letter {i}").hex for i in range(3)]
    with rt.session() as session:
        record = permanence_record(session, rt.archive, hexes[1])
    with app.test_request_context():
        html = app.jinja_env.get_template("_permanence.html").render(permanence=record)
    assert f"sha256:{hexes[1]}" in html
    assert '<strong class="log-position">1</strong>' in html
    for node in record["audit_path"]:
        assert node in html
    assert record["checkpoint"].split("\n")[2] in html
    assert "How to check this yourself" in html
    assert "<script" not in html
