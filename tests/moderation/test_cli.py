from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from misskissing.cli_moderation import config_from_env, moderate, moderation

LETTERS = Path(__file__).parents[1] / "data" / "moderation" / "letters.jsonl"


@pytest.fixture(autouse=True)
def _embedded_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "MISSKISSING_DETOXIFY_CHECKPOINT",
        "MISSKISSING_DETOXIFY_HF_DIR",
        "MISSKISSING_REQUIRE_DETOXIFY",
        "MISSKISSING_WORDLIST_DIR",
    ):
        monkeypatch.delenv(name, raising=False)


def test_moderate_reads_stdin_and_writes_one_line_per_letter() -> None:
    stdin = "\n".join(
        [
            json.dumps({"id": 1, "text": "Goodbye, Grandad. Call me: 07700 900461."}),
            json.dumps({"id": "two", "text": "I will kill you."}),
        ]
    )
    result = CliRunner().invoke(moderate, [], input=stdin)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["id"], d["decision"]) for d in lines] == [(1, "approve"), ("two", "reject")]
    assert lines[0]["pii"] == [{"type": "phone", "start": 27, "end": 39}]
    assert set(lines[0]) == {"id", "decision", "crisis", "scores", "pii", "reasons", "model"}


def test_moderate_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "I miss you."}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(moderate, [str(path)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["decision"] == "approve"


def test_bad_lines_are_reported_and_the_rest_still_screened() -> None:
    stdin = "\n".join(
        [
            json.dumps({"id": 1, "text": "I miss you."}),
            "{not json",
            json.dumps({"text": "no id"}),
            json.dumps({"id": 4, "text": 5}),
            json.dumps(["a", "list"]),
            "",
            json.dumps({"id": 7, "text": "Rest well."}),
        ]
    )
    result = CliRunner().invoke(moderate, [], input=stdin)
    assert result.exit_code == 1
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == [1, 7]
    assert "line 2: not valid JSON" in result.stderr
    assert 'line 3: missing "id"' in result.stderr
    assert 'line 4: "text" must be a string' in result.stderr
    assert "line 5: expected a JSON object" in result.stderr
    assert "4 line(s) skipped" in result.stderr


def test_eval_prints_precision_and_recall_per_category(tmp_path: Path) -> None:
    sample = tmp_path / "sample.jsonl"
    lines = LETTERS.read_text(encoding="utf-8").splitlines()
    picked = [ln for ln in lines if json.loads(ln)["category"] in ("crisis", "threat")][:6]
    sample.write_text("\n".join(picked) + "\n", encoding="utf-8")
    result = CliRunner().invoke(moderation, ["eval", str(sample)])
    assert result.exit_code == 0, result.output
    assert "precision  recall" in result.stdout
    assert "crisis" in result.stdout
    assert "acceptance checks" in result.stdout


def test_eval_refuses_a_file_that_is_not_labelled_letters(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "no id"}\n', encoding="utf-8")
    result = CliRunner().invoke(moderation, ["eval", str(bad)])
    assert result.exit_code != 0
    assert "line 1" in result.output


def test_config_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MISSKISSING_WORDLIST_DIR", str(tmp_path))
    monkeypatch.setenv("MISSKISSING_DETOXIFY_CANARY", "off")
    monkeypatch.setenv("MISSKISSING_MODERATION_THRESHOLDS", str(tmp_path / "t.json"))
    config = config_from_env()
    assert config.wordlist_dir == tmp_path
    assert config.detoxify_canary is False
    assert config.thresholds_path == tmp_path / "t.json"


def test_health_reports_the_models_as_json() -> None:
    result = CliRunner().invoke(moderation, ["health"])
    assert result.exit_code == 0, result.output
    health = json.loads(result.stdout)
    assert health["detoxify_missing"] is True
    assert health["mode"] == "offline-fallback"
    assert health["pii"]["loaded"] is True
