"""Operator word lists: banned terms reject, suspect terms hold. Editable without a deploy.

Each list is a text file in the word-list folder (`banned.txt`, `suspect.txt`): one
term or phrase a line, `#` starts a comment. The files are re-read when they change,
so an operator edits them in place and the next letter is screened with the new lists.
Terms are matched on the normalised text with word boundaries, tolerant of repeated
letters and of the disguises normalisation undoes.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from moderation.errors import WordListError
from moderation.matching import compile_terms, find_hits
from moderation.normalise import NormalisedText
from moderation.signals import Signal

DEFAULT_WORDLIST_DIR = Path(__file__).parent / "data" / "wordlists"
LISTS = {"banned": "reject", "suspect": "review"}


def read_terms(path: Path) -> list[str]:
    """Read one word list: a term a line, comments after `#`, blanks ignored."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise WordListError(f"cannot read word list {path}: {exc}") from exc
    terms = []
    for line in lines:
        term = line.split("#", 1)[0].strip().lower()
        if term:
            terms.append(term)
    return terms


@dataclass(frozen=True)
class _Loaded:
    mtimes: tuple[float, ...]
    patterns: dict[str, re.Pattern[str] | None]
    counts: dict[str, int]


class WordLists:
    """The banned and suspect lists of one folder, reloaded when a file changes."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory else DEFAULT_WORDLIST_DIR
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None

    def _mtimes(self) -> tuple[float, ...]:
        out = []
        for name in LISTS:
            path = self.directory / f"{name}.txt"
            out.append(path.stat().st_mtime_ns if path.exists() else -1.0)
        return tuple(float(m) for m in out)

    def current(self) -> _Loaded:
        """Return the compiled lists, re-reading them if a file changed since last time."""
        mtimes = self._mtimes()
        with self._lock:
            if self._loaded is None or self._loaded.mtimes != mtimes:
                patterns: dict[str, re.Pattern[str] | None] = {}
                counts: dict[str, int] = {}
                for name in LISTS:
                    terms = read_terms(self.directory / f"{name}.txt")
                    patterns[name] = compile_terms(terms)
                    counts[name] = len(terms)
                self._loaded = _Loaded(mtimes, patterns, counts)
            return self._loaded

    def counts(self) -> dict[str, int]:
        """Return how many terms each list holds (for health)."""
        return dict(self.current().counts)

    def signals(self, norm: NormalisedText) -> list[Signal]:
        """Return a signal per list with a term found in the letter."""
        loaded = self.current()
        signals: list[Signal] = []
        for name, severity in LISTS.items():
            pattern = loaded.patterns.get(name)
            if pattern is None:
                continue
            hits = find_hits(pattern, norm, f"wordlist.{name}")
            if hits:
                evasion = all(h.evasion for h in hits)
                signals.append(
                    Signal(
                        category="wordlist",
                        severity="reject" if severity == "reject" else "review",
                        reason=f"{name} term" + (" (disguised)" if evasion else ""),
                        spans=tuple(h.span for h in hits),
                        evasion=evasion,
                    )
                )
        return signals
