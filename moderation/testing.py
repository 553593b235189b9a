"""Build small Detoxify checkpoints for tests and benchmarks, entirely offline.

The real Detoxify weights cannot be downloaded here. These builders write a BERT with
its own vocabulary, config and tokenizer files into a folder and save it in Detoxify's
checkpoint format (a torch file with "state_dict" and "config"), so that the real
loading path, `Detoxify(model_type, checkpoint=..., huggingface_config_path=...)`, runs.
"""

from __future__ import annotations

import importlib
import json
import random
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DETOXIFY_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]

_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_KIND = [
    "i",
    "miss",
    "you",
    "love",
    "thank",
    "for",
    "every",
    "summer",
    "we",
    "had",
    "the",
    "garden",
    "your",
    "laugh",
    "still",
    "hear",
    "it",
    "morning",
    "coffee",
    "remember",
    "when",
    "walked",
    "beach",
    "mom",
    "dad",
    "grandma",
    "friend",
    "always",
    "kind",
    "gentle",
    "warm",
    "light",
    "home",
    "letter",
    "write",
    "wish",
    "were",
    "here",
    "again",
    "sorry",
    "goodbye",
    "my",
    "heart",
    "grief",
    "tears",
    "quiet",
    "days",
    "long",
    "nights",
    "bread",
    "kitchen",
    "song",
    "sang",
    "hands",
    "old",
    "dog",
    "park",
    "sunday",
    "rain",
    "window",
    "photos",
    "keep",
    "you",
    "safe",
    "rest",
    "well",
    "forever",
    "ever",
    "and",
    "a",
    "to",
    "of",
    "in",
    "was",
    "is",
    "that",
    "with",
    "on",
    "but",
    "so",
    "me",
    "all",
    "not",
    "be",
    "have",
    "do",
    "at",
    "this",
]
_HOSTILE = [
    "kill",
    "hurt",
    "die",
    "dead",
    "stab",
    "shoot",
    "worthless",
    "idiot",
    "stupid",
    "shit",
    "fuck",
    "hate",
    "filthy",
    "piece",
    "pathetic",
    "scum",
    "bitch",
    "burn",
    "destroy",
    "punch",
    "threat",
]
_PUNCT = list(".,!?'\"-:;()")


@dataclass(frozen=True)
class TinyDetoxify:
    """Paths of a built checkpoint, ready for `DetoxifyScorer(checkpoint=, hf_dir=)`."""

    checkpoint: Path
    hf_dir: Path
    sha256: str


def _vocab(extra: list[str]) -> list[str]:
    letters = list(string.ascii_lowercase + string.digits)
    words = sorted(set(_KIND + _HOSTILE + extra))
    # A token listed twice would break the tokenizer's id mapping.
    return list(dict.fromkeys(_SPECIALS + _PUNCT + letters + ["##" + c for c in letters] + words))


def _write_hf_dir(hf_dir: Path, vocab: list[str], config: Any) -> None:
    # transformers is untyped; one Any keeps mypy strict everywhere else.
    transformers: Any = importlib.import_module("transformers")

    hf_dir.mkdir(parents=True, exist_ok=True)
    (hf_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    config.save_pretrained(hf_dir)
    transformers.BertTokenizer(
        str(hf_dir / "vocab.txt"), do_lower_case=True, model_max_length=512
    ).save_pretrained(hf_dir)


def _save_checkpoint(path: Path, model: Any, model_type: str) -> None:
    import torch

    torch.save(
        {
            "config": {
                "arch": {
                    "args": {
                        "model_type": model_type,
                        "model_name": "BertForSequenceClassification",
                        "tokenizer_name": "BertTokenizer",
                        "num_classes": len(DETOXIFY_CLASSES),
                    }
                },
                "dataset": {"args": {"classes": list(DETOXIFY_CLASSES)}},
            },
            "state_dict": model.state_dict(),
        },
        path,
    )


def _train(model: Any, tokenizer: Any, seed: int, steps: int) -> float:
    """Teach the tiny model that hostile words are toxic, wherever they sit in a text.

    Samples are kind filler of random length with, half of the time, one hostile word
    at a random place, so the signal survives being buried deep in a long window.
    """
    import torch

    # Without position information the tiny model finds a hostile word as well at token
    # 1,500 of a letter as in a short training sample.
    position = model.bert.embeddings.position_embeddings.weight
    with torch.no_grad():
        position.zero_()
    position.requires_grad_(False)
    # Two cores are shared with other test processes: one thread trains fastest here.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not security
    last = float("nan")
    torch.manual_seed(seed)
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-3)
    model.train()
    for _ in range(steps):
        texts, targets = [], []
        for _ in range(16):
            words = [rng.choice(_KIND) for _ in range(rng.randint(3, 40))]
            hostile = rng.random() < 0.5
            if hostile:
                words.insert(rng.randrange(len(words) + 1), rng.choice(_HOSTILE))
            texts.append(" ".join(words))
            targets.append([1.0 if hostile else 0.0] * len(DETOXIFY_CLASSES))
        batch = tokenizer(texts, return_tensors="pt", padding=True, truncation=True)
        logits = model(**batch).logits
        loss: Any = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, torch.tensor(targets)
        )
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        last = float(loss.detach())
    model.eval()
    torch.set_num_threads(threads)
    return last


def build_tiny_detoxify(
    directory: Path, *, train: bool = False, seed: int = 0, steps: int = 200
) -> TinyDetoxify:
    """Build a two-layer BERT Detoxify checkpoint in `directory` (trained if asked).

    Untrained, its scores are noise (useful to prove the canary refuses it); trained
    for a few seconds, it tells hostile words from kind ones well enough to pass it.
    """
    import torch

    transformers: Any = importlib.import_module("transformers")

    from moderation.scorers.detoxify_scorer import sha256_file

    directory = Path(directory)
    hf_dir = directory / "hf"
    vocab = _vocab([])
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        num_labels=len(DETOXIFY_CLASSES),
        problem_type="multi_label_classification",
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    _write_hf_dir(hf_dir, vocab, config)
    torch.manual_seed(seed)
    model = transformers.BertForSequenceClassification(config)
    if train:
        _train(model, transformers.BertTokenizer.from_pretrained(str(hf_dir)), seed, steps)
    checkpoint = directory / ("tiny-trained.ckpt" if train else "tiny-random.ckpt")
    _save_checkpoint(checkpoint, model, "bert-base-uncased")
    return TinyDetoxify(checkpoint=checkpoint, hf_dir=hf_dir, sha256=sha256_file(checkpoint))


def build_random_bert_base(directory: Path, *, seed: int = 0) -> TinyDetoxify:
    """Build a Detoxify checkpoint shaped like bert-base-uncased with random weights.

    It costs exactly what the real `original` model costs to run, so it gives honest
    speed figures; its scores mean nothing.
    """
    import torch

    transformers: Any = importlib.import_module("transformers")

    from moderation.scorers.detoxify_scorer import sha256_file

    directory = Path(directory)
    hf_dir = directory / "hf"
    base = _vocab([])
    filler = [f"[unused{i}]" for i in range(30522 - len(base))]
    vocab = base + filler
    config = transformers.BertConfig(vocab_size=len(vocab), num_labels=len(DETOXIFY_CLASSES))
    _write_hf_dir(hf_dir, vocab, config)
    torch.manual_seed(seed)
    model = transformers.BertForSequenceClassification(config)
    checkpoint = directory / "bert-base-random.ckpt"
    _save_checkpoint(checkpoint, model, "bert-base-uncased")
    return TinyDetoxify(checkpoint=checkpoint, hf_dir=hf_dir, sha256=sha256_file(checkpoint))


def write_json(path: Path, payload: Any) -> None:
    """Write `payload` as JSON (a small helper for test fixtures)."""
    path.write_text(json.dumps(payload), encoding="utf-8")
