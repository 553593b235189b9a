"""Detoxify, the primary model: every token of a long letter is scored, in windows."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from moderation.errors import CanaryFailedError, ModelIntegrityError, ModelUnavailableError
from moderation.interface import ScoreResult

log = logging.getLogger(__name__)

# Detoxify's models are BERT-family encoders with 512 positions: 510 tokens + [CLS]/[SEP].
MAX_WINDOW_TOKENS = 510
# Windows overlap so that a sentence cut by one boundary is whole in the next window.
DEFAULT_STRIDE = 384

_CANARY_BENIGN = "Thank you for every summer we had. I love you and I miss you."
_CANARY_TOXIC = "I will kill you, you worthless stupid piece of shit. Die, you filthy idiot."

# Detoxify resolves names through module globals; swapping one is serialised.
_LOAD_LOCK = threading.Lock()


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def force_offline() -> None:
    """Make Hugging Face libraries read local files only, never the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def _torch_hub_cached(model_type: str) -> Path | None:
    """Return the locally cached official checkpoint of `model_type`, if any."""
    import torch
    from detoxify.detoxify import MODEL_URLS

    url = MODEL_URLS.get(model_type)
    if url is None:
        return None
    candidate = Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]
    return candidate if candidate.is_file() else None


def _load_detoxify(model_type: str, checkpoint: Path, hf_dir: Path | None) -> Any:
    """Load Detoxify from a local checkpoint through its own loading code.

    Detoxify 0.5.2 resolves the architecture config by the checkpoint's model name on
    the Hub even when a local config folder is given, which fails offline; with a local
    folder we pass that folder as the name, so nothing is looked up remotely.
    """
    import detoxify.detoxify as dx

    original = dx.get_model_and_tokenizer

    def local_only(
        model_type: str,
        model_name: str,
        tokenizer_name: str,
        num_classes: int,
        state_dict: Any,
        huggingface_config_path: str | None = None,
    ) -> Any:
        return original(
            model_type=huggingface_config_path or model_type,
            model_name=model_name,
            tokenizer_name=tokenizer_name,
            num_classes=num_classes,
            state_dict=state_dict,
            huggingface_config_path=huggingface_config_path,
        )

    with _LOAD_LOCK:
        dx.get_model_and_tokenizer = local_only
        try:
            return dx.Detoxify(
                model_type,
                checkpoint=str(checkpoint),
                huggingface_config_path=str(hf_dir) if hf_dir else None,
            )
        finally:
            dx.get_model_and_tokenizer = original


@dataclass(frozen=True)
class _Window:
    text_index: int
    window_index: int
    token_start: int
    token_end: int
    input_ids: list[int]


class DetoxifyScorer:
    """Score texts with a Detoxify checkpoint, windowing long texts over its own tokens."""

    def __init__(
        self,
        model_type: str = "original",
        checkpoint: Path | None = None,
        hf_dir: Path | None = None,
        sha256: str | None = None,
        *,
        canary: bool = True,
        batch_size: int = 8,
        window_tokens: int = MAX_WINDOW_TOKENS,
        stride: int = DEFAULT_STRIDE,
    ) -> None:
        force_offline()
        if checkpoint is None:
            checkpoint = _torch_hub_cached(model_type)
            if checkpoint is None:
                raise ModelUnavailableError(
                    f"no Detoxify checkpoint configured and none cached for {model_type!r};"
                    " its weights cannot be downloaded here"
                )
        checkpoint = Path(checkpoint)
        if not checkpoint.is_file():
            raise ModelUnavailableError(f"Detoxify checkpoint not found: {checkpoint}")
        if hf_dir is not None and not Path(hf_dir).is_dir():
            raise ModelUnavailableError(f"Detoxify tokenizer/config folder not found: {hf_dir}")
        digest = sha256_file(checkpoint)
        if sha256 is not None and digest != sha256.lower().removeprefix("sha256:"):
            raise ModelIntegrityError(
                f"Detoxify checkpoint {checkpoint.name} has sha256 {digest}, expected {sha256}"
            )
        try:
            self._detoxify = _load_detoxify(model_type, checkpoint, hf_dir)
        except Exception as exc:  # any loader failure means the same thing: no model
            raise ModelUnavailableError(f"Detoxify could not load {checkpoint}: {exc}") from exc
        self._model = self._detoxify.model
        self._tokenizer = self._detoxify.tokenizer
        self._model.eval()
        self._labels = tuple(str(c) for c in self._detoxify.class_names)
        positions = int(getattr(self._model.config, "max_position_embeddings", 512))
        specials = self._tokenizer.num_special_tokens_to_add(pair=False)
        self.window_tokens = max(8, min(window_tokens, MAX_WINDOW_TOKENS, positions - specials))
        self.stride = max(1, min(stride, self.window_tokens))
        self.batch_size = max(1, batch_size)
        self.sha256 = digest
        self.model_type = model_type
        self._name = (
            f"detoxify-{model_type} {metadata.version('detoxify')}"
            f" (checkpoint sha256:{digest[:12]})"
        )
        if canary:
            self.check_canary()

    @property
    def name(self) -> str:
        """Return the model name, package version and checkpoint digest."""
        return self._name

    @property
    def labels(self) -> tuple[str, ...]:
        """Return Detoxify's labels (toxicity, severe_toxicity, obscene, threat...)."""
        return self._labels

    def check_canary(self) -> None:
        """Refuse a model that scores a plain threat as benign or a kind note as toxic."""
        benign, toxic = self.score([_CANARY_BENIGN, _CANARY_TOXIC])
        toxic_max = max(toxic.scores.values())
        benign_tox = benign.scores.get("toxicity", max(benign.scores.values()))
        if toxic_max < 0.5 or benign_tox > 0.5 or toxic_max - benign_tox < 0.3:
            raise CanaryFailedError(
                f"Detoxify canary failed: toxic text scored {toxic_max:.2f},"
                f" benign text scored {benign_tox:.2f}; refusing this model"
            )

    def windows(self, texts: list[str]) -> list[_Window]:
        """Split every text into overlapping windows of the model's own tokens."""
        encoded = self._tokenizer(
            texts, add_special_tokens=False, truncation=False, return_attention_mask=False
        )["input_ids"]
        out: list[_Window] = []
        for t, ids in enumerate(encoded):
            for w, start in enumerate(self._window_starts(len(ids))):
                piece = list(ids[start : start + self.window_tokens])
                out.append(
                    _Window(
                        text_index=t,
                        window_index=w,
                        token_start=start,
                        token_end=start + len(piece),
                        input_ids=self._tokenizer.build_inputs_with_special_tokens(piece),
                    )
                )
        return out

    def _window_starts(self, n_tokens: int) -> Iterator[int]:
        start = 0
        yield start
        while start + self.window_tokens < n_tokens:
            start += self.stride
            yield start

    def score(self, texts: list[str]) -> list[ScoreResult]:
        """Score every window of every text in batches; keep each label's maximum."""
        import torch

        windows = self.windows(texts)
        # Batching windows of similar length wastes less work on padding.
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
        probs: list[list[float]] = [[] for _ in windows]
        pad_id = self._tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for b in range(0, len(order), self.batch_size):
                batch = [windows[i] for i in order[b : b + self.batch_size]]
                width = max(len(w.input_ids) for w in batch)
                ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, w in enumerate(batch):
                    ids[row, : len(w.input_ids)] = torch.tensor(w.input_ids)
                    mask[row, : len(w.input_ids)] = 1
                logits = self._model(input_ids=ids, attention_mask=mask)[0]
                out = torch.sigmoid(logits).tolist()
                for row, idx in enumerate(order[b : b + self.batch_size]):
                    probs[idx] = [float(p) for p in out[row]]
        results: list[ScoreResult] = []
        for t in range(len(texts)):
            scores: dict[str, float] = {}
            evidence: dict[str, dict[str, Any]] = {}
            n_windows = sum(1 for w in windows if w.text_index == t)
            for i, w in enumerate(windows):
                if w.text_index != t:
                    continue
                for label, p in zip(self._labels, probs[i], strict=True):
                    if label not in scores or p > scores[label]:
                        scores[label] = p
                        evidence[label] = {
                            "window": w.window_index,
                            "windows": n_windows,
                            "token_start": w.token_start,
                            "token_end": w.token_end,
                        }
            results.append(ScoreResult(scores=scores, evidence=evidence))
        return results
