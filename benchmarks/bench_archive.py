"""Benchmark the archive's export and verify: linear time, bounded memory.

Reports ratios against a baseline measured in the same run (N letters vs FACTOR x N),
never absolute numbers to assert on: time ratios near FACTOR mean linear scaling, peak
memory ratios near 1 mean memory does not grow with the archive.

    .venv/bin/python benchmarks/bench_archive.py [--letters 5000] [--factor 10] [--dir /dev/shm]

The baseline should exceed the log's read chunk (2048 leaves), or the baseline's peak
memory is smaller than one chunk and the memory ratio overstates growth.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from archive.bag import export_bag
from archive.blobstores.local import LocalBlobStore
from archive.canonical import canonical_bytes, content_hex
from archive.log import leaf_record
from archive.merkle import leaf_hash
from archive.models import ArchivedLetter, LogLeaf
from archive.service import Archive
from archive.verify import verify_bag, verify_live
from misskissing.db import make_engine, session_scope
from misskissing.migrate import upgrade_database


def populate(folder: Path, letters: int) -> tuple[sa.Engine, Archive]:
    """Fill an installation quickly (bulk inserts, no per-object fsync): only reads are timed."""
    engine = make_engine(f"sqlite:///{folder / 'db.sqlite3'}")
    upgrade_database(engine)
    store = LocalBlobStore(folder / "blobs")
    archive = Archive(store, key_file=folder / "keys" / "log.key")
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for start in range(0, letters, 1000):
            leaves, rows = [], []
            for sequence in range(start, min(start + 1000, letters)):
                data = canonical_bytes(f"Letter {sequence}: I kept every word you never said.\n")
                hex_address = content_hex(data)
                path = store.path_for(hex_address)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                leaf = leaf_record(sequence, "letter", hex_address, now)
                leaves.append(
                    {
                        "sequence": sequence,
                        "kind": "letter",
                        "hex": hex_address,
                        "leaf": leaf,
                        "leaf_hash": leaf_hash(leaf).hex(),
                    }
                )
                rows.append(
                    {
                        "hex": hex_address,
                        "body": data.decode(),
                        "size": len(data),
                        "sequence": sequence,
                        "archived_at": now,
                    }
                )
            session.execute(sa.insert(LogLeaf), leaves)
            session.execute(sa.insert(ArchivedLetter), rows)
    return engine, archive


def measure(action: Callable[[], Any]) -> tuple[float, int]:
    """Return (seconds, peak traced bytes) of one call."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak


def run(letters: int, parent: str | None) -> dict[str, tuple[float, int]]:
    with tempfile.TemporaryDirectory(prefix="bench-archive-", dir=parent) as tmp:
        folder = Path(tmp)
        engine, archive = populate(folder, letters)
        results: dict[str, tuple[float, int]] = {}
        with session_scope(engine) as session:
            results["root"] = measure(lambda: archive.current_checkpoint(session))
        with session_scope(engine) as session:
            results["export"] = measure(lambda: export_bag(session, archive, folder / "bag"))
        results["verify_bag"] = measure(lambda: verify_bag(folder / "bag"))
        with session_scope(engine) as session:
            results["verify_live"] = measure(lambda: verify_live(session, archive))
        engine.dispose()
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=5000, help="baseline size N")
    parser.add_argument("--factor", type=int, default=10, help="the larger run is FACTOR x N")
    parser.add_argument("--dir", default=None, help="where to build the installations")
    args = parser.parse_args()
    small = run(args.letters, args.dir)
    large = run(args.letters * args.factor, args.dir)
    report = {
        "baseline_letters": args.letters,
        "factor": args.factor,
        "seconds": {name: round(large[name][0], 2) for name in large},
        "ratios": {
            name: {
                "time": round(large[name][0] / small[name][0], 2),
                "peak_memory": round(large[name][1] / max(small[name][1], 1), 2),
            }
            for name in small
        },
        "note": f"time ratio ~{args.factor} = linear; peak memory ratio ~1 = bounded",
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
