"""Evaluate the engine on labelled letters: precision and recall per category."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from moderation.decision import Decision

# The flags a letter can be labelled with, in the order the table prints them.
EVAL_LABELS = ("abuse", "threat", "evasion", "crisis", "pii", "spam")
# A banned word-list term is abuse for the table's purposes.
_FLAG_ALIASES = {"wordlist": "abuse"}


@dataclass(frozen=True)
class LabelledLetter:
    """One line of a labelled set."""

    id: str
    text: str
    category: str
    labels: frozenset[str]
    expect: str
    pii: frozenset[str] = frozenset()

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> LabelledLetter:
        """Build a labelled letter from a parsed JSON line."""
        return cls(
            id=str(obj["id"]),
            text=str(obj["text"]),
            category=str(obj.get("category", "unlabelled")),
            labels=frozenset(obj.get("labels", [])),
            expect=str(obj.get("expect", "")),
            pii=frozenset(obj.get("pii", [])),
        )


@dataclass
class LabelScore:
    """Counts for one label."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """Return tp / (tp + fp), 1.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Return tp / (tp + fn), 1.0 when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class EvalReport:
    """Everything `moderation eval` prints."""

    labels: dict[str, LabelScore] = field(default_factory=dict)
    decisions: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    pii_kinds: dict[str, LabelScore] = field(default_factory=dict)
    expectation_misses: list[tuple[str, str, str, list[str]]] = field(default_factory=list)
    total: int = 0

    def rate(self, category: str, decision: str) -> float:
        """Return the share of a category's letters that got `decision`."""
        counts = self.decisions.get(category, Counter())
        n = sum(counts.values())
        return counts[decision] / n if n else 0.0

    def checks(self) -> dict[str, tuple[bool, str]]:
        """Return the acceptance checks of the issue, each with its measured value."""
        grief_n = sum(self.decisions.get("grief", Counter()).values())
        grief_ok = self.rate("grief", "approve")
        harmful_approved = sum(
            self.decisions.get(c, Counter())["approve"] for c in ("abuse", "threat", "disguised")
        )
        crisis = self.labels.get("crisis", LabelScore())
        figurative_crisis = self.figurative_crisis
        pii_recall = self.labels.get("pii", LabelScore()).recall
        kinds_ok = all(s.fn == 0 for s in self.pii_kinds.values())
        return {
            "grief approved >= 95%": (grief_ok >= 0.95, f"{grief_ok:.1%} of {grief_n}"),
            "abuse/threat/disguised never approved": (
                harmful_approved == 0,
                f"{harmful_approved} approved",
            ),
            "crisis letters all flagged": (crisis.fn == 0, f"recall {crisis.recall:.1%}"),
            "figurative letters not flagged as crisis": (
                figurative_crisis == 0,
                f"{figurative_crisis} flagged",
            ),
            "every contact detail found": (
                kinds_ok and pii_recall == 1.0,
                f"letter recall {pii_recall:.1%}",
            ),
        }

    figurative_crisis: int = 0


def flags_of(decision: Decision) -> set[str]:
    """Return the eval labels a decision raised."""
    raw = decision.details.get("flags", [])
    flags = {_FLAG_ALIASES.get(str(f), str(f)) for f in raw}
    if decision.crisis:
        flags.add("crisis")
    return flags & set(EVAL_LABELS)


def _expectation_met(expect: str, decision: str) -> bool:
    if expect == "not_approve":
        return decision != "approve"
    return not expect or expect == decision


def evaluate(letters: Iterable[LabelledLetter], screen: Callable[[str], Decision]) -> EvalReport:
    """Screen every letter and compare the flags and decisions with the labels."""
    report = EvalReport(labels={label: LabelScore() for label in EVAL_LABELS})
    for letter in letters:
        report.total += 1
        decision = screen(letter.text)
        flags = flags_of(decision)
        report.decisions[letter.category][decision.decision] += 1
        for label in EVAL_LABELS:
            score = report.labels[label]
            if label in flags and label in letter.labels:
                score.tp += 1
            elif label in flags:
                score.fp += 1
            elif label in letter.labels:
                score.fn += 1
        found_kinds = {p.type for p in decision.pii}
        for kind in letter.pii | found_kinds:
            score = report.pii_kinds.setdefault(kind, LabelScore())
            if kind in letter.pii and kind in found_kinds:
                score.tp += 1
            elif kind in found_kinds:
                score.fp += 1
            else:
                score.fn += 1
        if letter.category == "figurative" and decision.crisis:
            report.figurative_crisis += 1
        if not _expectation_met(letter.expect, decision.decision):
            report.expectation_misses.append(
                (letter.id, letter.expect, decision.decision, list(decision.reasons))
            )
    return report


def format_report(report: EvalReport) -> str:
    """Render the report as plain-text tables."""
    lines = [f"letters: {report.total}", "", "flag        precision  recall   tp  fp  fn"]
    for label, s in report.labels.items():
        lines.append(
            f"{label:<11} {s.precision:>9.3f}  {s.recall:>6.3f}  {s.tp:>3} {s.fp:>3} {s.fn:>3}"
        )
    lines += ["", "pii kind    precision  recall   tp  fp  fn"]
    for kind in sorted(report.pii_kinds):
        s = report.pii_kinds[kind]
        lines.append(
            f"{kind:<11} {s.precision:>9.3f}  {s.recall:>6.3f}  {s.tp:>3} {s.fp:>3} {s.fn:>3}"
        )
    lines += ["", "category      n  approve  review  reject"]
    for category in sorted(report.decisions):
        c = report.decisions[category]
        n = sum(c.values())
        lines.append(
            f"{category:<11} {n:>3}  {c['approve']:>7}  {c['review']:>6}  {c['reject']:>6}"
        )
    lines += ["", "acceptance checks"]
    for name, (ok, value) in report.checks().items():
        lines.append(f"  [{'ok' if ok else 'FAIL'}] {name}: {value}")
    if report.expectation_misses:
        lines += ["", "letters whose decision differs from `expect`"]
        for letter_id, expect, got, reasons in report.expectation_misses:
            lines.append(f"  {letter_id}: expected {expect}, got {got} ({'; '.join(reasons)})")
    return "\n".join(lines)
