from __future__ import annotations

import os
from pathlib import Path

from moderation import ModerationConfig
from moderation.engine import ModerationEngine
from moderation.normalise import normalise
from moderation.pii import PiiScanner
from moderation.scorers.offline import OfflineProfanityScorer
from moderation.wordlists import WordLists, read_terms


def bump(path: Path) -> None:
    # Some filesystems keep second-resolution mtimes: make the change visible.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_terms_ignore_comments_and_blanks(tmp_path: Path) -> None:
    path = tmp_path / "banned.txt"
    path.write_text("# heading\n\nGrimble  # a made-up slur\nzorp wibble\n", encoding="utf-8")
    assert read_terms(path) == ["grimble", "zorp wibble"]


def test_edits_apply_to_the_next_letter_without_a_restart(
    wordlist_dir: Path, pii_scanner: PiiScanner
) -> None:
    engine = ModerationEngine(
        ModerationConfig(wordlist_dir=wordlist_dir),
        secondary=OfflineProfanityScorer(),
        pii=pii_scanner,
    )
    letter = "You grimble, I never want to see you again."
    assert engine.screen(letter).decision == "approve"
    banned = wordlist_dir / "banned.txt"
    banned.write_text("grimble\n", encoding="utf-8")
    bump(banned)
    decision = engine.screen(letter)
    assert decision.decision == "reject"
    assert "banned term" in decision.reasons
    suspect = wordlist_dir / "suspect.txt"
    suspect.write_text("wibble\n", encoding="utf-8")
    bump(suspect)
    assert engine.screen("Such a wibble of a day.").decision == "review"


def test_terms_match_whole_words_and_disguises(wordlist_dir: Path) -> None:
    (wordlist_dir / "banned.txt").write_text("grimble\n", encoding="utf-8")
    lists = WordLists(wordlist_dir)
    assert lists.signals(normalise("g r i m b l e"))
    assert lists.signals(normalise("GRIIIIMBLE!"))
    assert lists.signals(normalise("gr1mbl3"))
    assert not lists.signals(normalise("grimbleton is a village"))


def test_shipped_lists_are_loaded_by_default() -> None:
    counts = WordLists().counts()
    assert counts["banned"] > 0
    assert counts["suspect"] > 0
