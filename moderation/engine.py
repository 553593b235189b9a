"""The moderation engine: screen one letter and decide.

Order of work for a letter: normalise; score the raw and the normalised text with the
models and keep the worse; run our rules (threats, abuse, crisis, word lists, spam);
find identifying details; then decide. Anything that goes wrong on the way (an error,
a timeout, a missing model, an empty letter) ends in "review", never "approve".
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict
from typing import Any

from moderation.config import ModerationConfig
from moderation.crisis import crisis_signals
from moderation.decision import Decision, PiiSpan, Verdict
from moderation.errors import ModelUnavailableError, ModerationError, ScreeningTimeoutError
from moderation.interface import Scorer
from moderation.normalise import NormalisedText, light_normalise, normalise
from moderation.pii import LABELS, PiiHit, PiiScanner, PresidioRecognizer, own_recognizers, redact
from moderation.rules import rule_signals, weak_insults
from moderation.scorers.offline import OfflineProfanityScorer
from moderation.semantic import SemanticMatch, SemanticMatcher
from moderation.signals import Signal, Span
from moderation.spam import spam_signals
from moderation.syntax import ClauseReader
from moderation.thresholds import Band, load_thresholds
from moderation.wordlists import WordLists

log = logging.getLogger(__name__)

_RANK = {"approve": 0, "review": 1, "reject": 2}
# Which category a model label's signal belongs to, for the eval table.
_LABEL_CATEGORY = {
    "threat": "threat",
    "identity_attack": "abuse",
    "severe_toxicity": "abuse",
    "insult": "abuse",
    "toxicity": "abuse",
    "obscene": "abuse",
    "sexual_explicit": "abuse",
}


class ModerationEngine:
    """Screens letters with models loaded once; every doubt goes to a human."""

    def __init__(
        self,
        config: ModerationConfig,
        *,
        primary: Scorer | None = None,
        primary_error: str | None = None,
        secondary: Scorer | None = None,
        secondary_error: str | None = None,
        pii: PiiScanner | None = None,
        pii_error: str | None = None,
        wordlists: WordLists | None = None,
        syntax: ClauseReader | None = None,
        semantic: SemanticMatcher | None = None,
        semantic_error: str | None = None,
    ) -> None:
        self.config = config
        self.primary = primary
        self.primary_error = primary_error
        self.secondary = secondary
        self.secondary_error = secondary_error
        self.pii = pii
        self.pii_error = pii_error
        self.wordlists = wordlists or WordLists(config.wordlist_dir)
        self.syntax = syntax
        self.semantic = semantic
        self.semantic_error = semantic_error
        self.thresholds: dict[str, Band] = load_thresholds(config.thresholds_path)
        if primary is None:
            # Loud on purpose: an operator must not miss that the main model is absent.
            log.error(
                "Detoxify is not loaded (%s); %s",
                primary_error or "not configured",
                "every letter will be held for review"
                if config.require_detoxify
                else "deciding with the offline model alone",
            )

    @property
    def model_name(self) -> str:
        """Return the models behind every decision, saying loudly if Detoxify is missing."""
        names = [s.name for s in (self.primary, self.secondary) if s is not None]
        if self.pii is not None:
            names.extend(self.pii.names[-1:])
        label = " + ".join(names) if names else "no model"
        if self.semantic is not None:
            label += " + " + self.semantic.name
        if self.primary is None:
            label += " [DETOXIFY MISSING]"
        if self.semantic is None and self.semantic_error is not None:
            label += " [SEMANTIC MODEL MISSING]"
        return label

    def health(self) -> dict[str, Any]:
        """Report which models are loaded, for the readiness endpoint."""
        detoxify_missing = self.primary is None
        holding = detoxify_missing and self.config.require_detoxify
        return {
            "ready": self.pii is not None
            and (self.secondary is not None or self.primary is not None),
            # False while every letter is held for a human (Detoxify required but missing).
            "approving": self.pii is not None
            and not holding
            and (self.secondary is not None or self.primary is not None),
            "mode": "holding-all"
            if holding
            else ("offline-fallback" if detoxify_missing else "detoxify"),
            "detoxify": {
                "loaded": not detoxify_missing,
                "name": self.primary.name if self.primary else None,
                "error": self.primary_error,
                "required": self.config.require_detoxify,
            },
            "detoxify_missing": detoxify_missing,
            "offline_model": {
                "loaded": self.secondary is not None,
                "name": self.secondary.name if self.secondary else None,
                "error": self.secondary_error,
            },
            "grammar": {"loaded": self.syntax is not None},
            # An extra net under the crisis and threat rules; missing it never blocks.
            "semantic": {
                "enabled": self.config.semantic_enabled,
                "loaded": self.semantic is not None,
                "name": self.semantic.name if self.semantic else None,
                "error": self.semantic_error
                if self.semantic_error or self.semantic is not None
                else ("disabled" if not self.config.semantic_enabled else "not loaded"),
            },
            "pii": {
                "loaded": self.pii is not None,
                "recognizers": self.pii.names if self.pii else [],
                "error": self.pii_error,
            },
            "wordlists": self.wordlists.counts(),
            "model": self.model_name,
        }

    def screen(self, text: str) -> Decision:
        """Screen `text` and return the decision; errors and timeouts end in review."""
        # A letter of only zero-width characters is as empty as one of spaces.
        if not isinstance(text, str) or not light_normalise(text).text.strip():
            return self._held(text if isinstance(text, str) else "", "empty text")
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["decision"] = self._screen(text)
            except BaseException as exc:  # noqa: BLE001 - any failure must fail closed
                box["error"] = exc

        # A daemon thread: a hung model cannot keep the worker process from exiting.
        worker = threading.Thread(target=run, name="moderation-screen", daemon=True)
        worker.start()
        worker.join(self.config.timeout_seconds)
        if worker.is_alive():
            log.error("screening timed out after %.1fs", self.config.timeout_seconds)
            err = ScreeningTimeoutError(f"screening took over {self.config.timeout_seconds}s")
            return self._held(text, "screening timed out", error=err)
        if "error" in box:
            exc = box["error"]
            # Never log the letter itself: only the kind of failure.
            log.error("screening failed: %s", type(exc).__name__)
            return self._held(text, f"screening failed ({type(exc).__name__})", error=exc)
        decision: Decision = box["decision"]
        return decision

    def _held(self, text: str, reason: str, error: BaseException | None = None) -> Decision:
        details: dict[str, Any] = {"flags": ["model"] if error else []}
        if error is not None:
            details["error"] = f"{type(error).__name__}: {error}"
        # A held letter may still be approved by a moderator, and contact details must
        # never be published: redact with Presidio when it is healthy, and with our own
        # model-free recognizers when it is missing or may be what hung.
        hits: list[PiiHit] = []
        try:
            if text.strip():
                usable = self.pii is not None and not isinstance(error, ScreeningTimeoutError)
                scanner = self.pii if usable and self.pii else PiiScanner(own_recognizers())
                hits = scanner.scan(text)
                if not usable:
                    details["redaction"] = "model-free recognizers only"
        except Exception:  # already failing closed; a moderator sees the original
            log.exception("redaction failed while holding a letter")
            details["redaction"] = "failed"
        redacted = [h for h in hits if h.action == "redact"]
        return Decision(
            decision="review",
            crisis=False,
            scores={},
            pii=[PiiSpan(h.type, h.start, h.end, h.action) for h in hits],
            reasons=[reason],
            model=self.model_name,
            published_text=redact(text, hits),
            redacted_kinds=list(dict.fromkeys(LABELS.get(h.type, h.type) for h in redacted)),
            details=details,
        )

    # -- the screening proper -------------------------------------------------------

    def _model_scores(
        self, norm: NormalisedText
    ) -> tuple[dict[str, float], dict[str, Any], list[Signal]]:
        scores: dict[str, float] = {}
        evidence: dict[str, Any] = {}
        signals: list[Signal] = []
        variants = [norm.original] if norm.text == norm.original else [norm.original, norm.text]
        for scorer in (self.primary, self.secondary):
            if scorer is None:
                continue
            results = scorer.score(variants)
            for label in scorer.labels:
                best = max(range(len(results)), key=lambda i: results[i].scores.get(label, 0.0))
                value = results[best].scores.get(label, 0.0)
                scores[label] = round(value, 6)
                evidence[label] = {
                    "text": "normalised" if best == 1 else "raw",
                    **results[best].evidence.get(label, {}),
                }
        if self.primary is not None:
            for label in self.primary.labels:
                band = self.thresholds.get(label)
                if band is None:
                    continue
                verdict = band.verdict(scores[label])
                if verdict == "approve":
                    continue
                category = _LABEL_CATEGORY.get(label, "abuse")
                from_norm = evidence[label]["text"] == "normalised"
                signals.append(
                    Signal(
                        category="threat" if category == "threat" else "abuse",
                        severity="reject" if verdict == "reject" else "review",
                        reason=f"{label} score {scores[label]:.2f}"
                        + (" (disguised)" if from_norm else ""),
                        evasion=from_norm,
                    )
                )
        return scores, evidence, signals

    def _confirmed_insults(self, norm: NormalisedText) -> list[Signal]:
        """Hold a mild insult aimed at someone when the offline model finds it offensive."""
        band = self.thresholds.get("offensive")
        if not isinstance(self.secondary, OfflineProfanityScorer) or band is None:
            return []
        hits = weak_insults(norm)
        if not hits:
            return []
        sentence_scores = self.secondary.sentence_scores(norm.original)
        confirmed: list[Span] = []
        for hit in hits:
            for start, end, score in sentence_scores:
                if start <= hit.span.start < end and band.verdict(score) != "approve":
                    confirmed.append(hit.span)
        if not confirmed:
            return []
        return [
            Signal(
                "abuse",
                "review",
                "insult aimed at someone, confirmed by the offline model",
                tuple(confirmed),
                evasion=all(h.evasion for h in hits),
            )
        ]

    def _screen(self, text: str) -> Decision:
        norm = normalise(text)
        scores, evidence, signals = self._model_scores(norm)
        signals += rule_signals(norm)
        signals += self._confirmed_insults(norm)
        signals += crisis_signals(norm)
        semantic_matches: list[SemanticMatch] = []
        if self.semantic is not None:
            # Review-only signals: this net can hold a letter, never approve or reject it.
            found_signals, semantic_matches = self.semantic.signals(norm)
            signals += found_signals
        if self.syntax is not None:
            found = self.syntax.signals(norm)
            # A phrase rule already covering a category gives the better reason and spans.
            covered = {s.category for s in signals}
            signals += [s for s in found if s.category not in covered]
        signals += self.wordlists.signals(norm)
        if self.pii is None:
            raise ModelUnavailableError(f"PII screening unavailable: {self.pii_error}")
        pii_hits = self.pii.scan(text)
        profile_spans = [(h.start, h.end) for h in pii_hits if h.type == "profile_url"]
        signals += spam_signals(norm, profile_spans=profile_spans)
        redacted = [h for h in pii_hits if h.action == "redact"]
        names = [h for h in pii_hits if h.action == "review"]
        if names:
            signals.append(
                Signal(
                    "pii",
                    "review",
                    "full personal name (suggested redaction attached)",
                    tuple(Span(h.start, h.end, "pii.person") for h in names),
                )
            )
        if self.primary is None and self.config.require_detoxify:
            signals.append(
                Signal("model", "review", "Detoxify is missing and this deployment requires it")
            )
        if self.primary is None and self.secondary is None:
            signals.append(Signal("model", "review", "no safety model is loaded"))

        verdict: Verdict = "approve"
        for s in signals:
            if _RANK[s.severity] > _RANK[verdict]:
                verdict = s.severity
        reasons = list(dict.fromkeys(s.reason for s in signals))
        redacted_kinds = list(dict.fromkeys(LABELS.get(h.type, h.type) for h in redacted))
        if redacted and verdict == "approve":
            reasons.append("contact details hidden: " + ", ".join(redacted_kinds))
        flags = sorted({s.category for s in signals} | ({"pii"} if pii_hits else set()))
        if any(s.evasion for s in signals if s.category in ("abuse", "threat", "wordlist")):
            flags = sorted(set(flags) | {"evasion"})
        details: dict[str, Any] = {
            "flags": flags,
            "signals": [
                {
                    "category": s.category,
                    "severity": s.severity,
                    "reason": s.reason,
                    "evasion": s.evasion,
                    "spans": [asdict(span) for span in s.spans],
                }
                for s in signals
            ],
            "thresholds": {
                label: {"review": band.review, "reject": band.reject}
                for label, band in self.thresholds.items()
                if label in scores
            },
            "evidence": evidence,
            "normalisation": sorted(norm.steps),
            "models": {
                "primary": self.primary.name if self.primary else None,
                "primary_error": self.primary_error,
                "secondary": self.secondary.name if self.secondary else None,
                "pii": self.pii.names,
            },
            "support": any(s.category == "crisis" for s in signals),
            "semantic": {
                "model": self.semantic.name if self.semantic else None,
                "error": self.semantic_error,
                "matches": [m.as_detail() for m in semantic_matches],
            },
        }
        if names:
            details["suggested_redaction"] = redact(
                text, [PiiHit(h.type, h.start, h.end, "redact", h.recognizer) for h in pii_hits]
            )
        return Decision(
            decision=verdict,
            crisis=any(s.category == "crisis" for s in signals),
            scores=scores,
            pii=[PiiSpan(h.type, h.start, h.end, h.action) for h in pii_hits],
            reasons=reasons,
            model=self.model_name,
            published_text=redact(text, pii_hits),
            redacted_kinds=redacted_kinds,
            details=details,
        )


_ENGINES: dict[ModerationConfig, ModerationEngine] = {}
_ENGINES_LOCK = threading.Lock()


def _load_primary(config: ModerationConfig) -> tuple[Scorer | None, str | None]:
    from moderation.scorers.detoxify_scorer import DetoxifyScorer

    try:
        scorer = DetoxifyScorer(
            config.detoxify_model_type,
            checkpoint=config.detoxify_checkpoint,
            hf_dir=config.detoxify_hf_dir,
            sha256=config.detoxify_sha256,
            canary=config.detoxify_canary,
            batch_size=config.detoxify_batch_size,
        )
    except ModerationError as exc:
        return None, str(exc)
    return scorer, None


def _load_semantic(config: ModerationConfig) -> tuple[SemanticMatcher | None, str | None]:
    if not config.semantic_enabled:
        return None, None
    try:
        return SemanticMatcher(config.semantic_model_dir), None
    except ModerationError as exc:
        # An extra net, not a gate: say so loudly and screen without it.
        log.error("semantic crisis/threat signal unavailable: %s", exc)
        return None, str(exc)


def build_engine(config: ModerationConfig | None = None) -> ModerationEngine:
    """Build an engine from config, loading its models once per process."""
    config = config or ModerationConfig()
    with _ENGINES_LOCK:
        engine = _ENGINES.get(config)
        if engine is not None:
            return engine
        primary, primary_error = _load_primary(config)
        secondary: Scorer | None
        try:
            secondary, secondary_error = OfflineProfanityScorer(), None
        except ModelUnavailableError as exc:
            secondary, secondary_error = None, str(exc)
        try:
            pii: PiiScanner | None = PiiScanner(
                [*own_recognizers(), PresidioRecognizer(config.spacy_model)]
            )
            pii_error = None
        except ModelUnavailableError as exc:
            pii, pii_error = None, str(exc)
            log.error("PII screening unavailable: %s; every letter will be held", exc)
        semantic, semantic_error = _load_semantic(config)
        syntax = None
        if pii is not None:
            presidio = next(r for r in pii.recognizers if isinstance(r, PresidioRecognizer))
            syntax = ClauseReader(presidio.nlp)
        engine = ModerationEngine(
            config,
            syntax=syntax,
            primary=primary,
            primary_error=primary_error,
            secondary=secondary,
            secondary_error=secondary_error,
            pii=pii,
            pii_error=pii_error,
            semantic=semantic,
            semantic_error=semantic_error,
        )
        _ENGINES[config] = engine
        return engine
