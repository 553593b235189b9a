"""Benchmark the moderation engine's scoring paths, as ratios against baselines in the same run.

A BERT-base with random weights (same shape as Detoxify's `original` model) costs what
the real model costs, so its timings are honest speed figures even though its scores
mean nothing. Absolute times depend on the machine and on whatever else runs on it;
only the ratios measured side by side in one run are reported as results.

    .venv/bin/python benchmarks/bench_moderation.py            # about 1-3 minutes
    .venv/bin/python benchmarks/bench_moderation.py --letters 2 --repeat 1   # quicker
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from moderation.scorers.detoxify_scorer import DetoxifyScorer  # noqa: E402
from moderation.scorers.offline import OfflineProfanityScorer  # noqa: E402
from moderation.testing import build_random_bert_base  # noqa: E402

# A word list reads better as prose.
WORDS = (  # noqa: SIM905
    "i remember the garden and your laugh and the long summer days we had mom dad "
    "grandma thank you for every morning coffee the old dog in the park your hands "
    "in the kitchen bread song rain on the window photos quiet nights"
).split()


def letter(words: int, seed: int) -> str:
    """Return a kind letter of `words` words (deterministic, non-repeating sentences)."""
    out = []
    for i in range(words):
        out.append(WORDS[(i * 7 + seed + i // len(WORDS)) % len(WORDS)])
        if i % 13 == 12:
            out[-1] += "."
    return " ".join(out)


def interleaved(paths: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Return the fastest of `rounds` runs per path, the paths taking turns each round.

    The machine is shared: taking turns spreads other processes' load over every path,
    and the minimum is the run least disturbed by them.
    """
    for fn in paths.values():
        fn()  # warm-up: first-call allocations and lazy initialisation
    best = {name: float("inf") for name in paths}
    for _ in range(rounds):
        for name, fn in paths.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main() -> None:
    """Run the benchmark and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=4, help="long letters per run")
    parser.add_argument("--words", type=int, default=1200, help="words per letter")
    parser.add_argument(
        "--repeat", type=int, default=3, help="interleaved timed runs per path (fastest kept)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        model = build_random_bert_base(Path(tmp))
        batched = DetoxifyScorer(
            checkpoint=model.checkpoint, hf_dir=model.hf_dir, canary=False, batch_size=8
        )
        single = DetoxifyScorer(
            checkpoint=model.checkpoint, hf_dir=model.hf_dir, canary=False, batch_size=1
        )
        offline = OfflineProfanityScorer()
        texts = [letter(args.words, seed) for seed in range(args.letters)]
        n_windows = len(batched.windows(texts))

        # Detoxify's own predict() truncates each letter to its first 512 tokens.
        detox = batched._detoxify
        best = interleaved(
            {
                "truncated": lambda: detox.predict(texts),
                "single": lambda: single.score(texts),
                "batched": lambda: batched.score(texts),
                "offline": lambda: offline.score(texts),
            },
            args.repeat,
        )
        t_truncated, t_single = best["truncated"], best["single"]
        t_batched, t_offline = best["batched"], best["offline"]

    print(f"{args.letters} letters x {args.words} words = {n_windows} windows of <=510 tokens")
    print(
        f"(fastest of {args.repeat} interleaved runs; times are this machine's,"
        " ratios are the result)"
    )
    print(f"  windowed, batches of 8      {t_batched:8.3f} s")
    print(f"  windowed, one at a time     {t_single:8.3f} s")
    print(f"  truncated to 512 (baseline) {t_truncated:8.3f} s")
    print(f"  alt-profanity-check         {t_offline:8.3f} s")
    print("ratios")
    print(f"  batched vs one-at-a-time speed-up:            {t_single / t_batched:6.2f}x")
    print(f"  cost of scoring every token vs truncating:    {t_batched / t_truncated:6.2f}x")
    print(f"  Detoxify (batched) vs offline model cost:     {t_batched / t_offline:6.1f}x")
    print(
        f"  per-window cost, batched vs truncated letter: "
        f"{(t_batched / n_windows) / (t_truncated / args.letters):6.2f}x"
    )


if __name__ == "__main__":
    main()
