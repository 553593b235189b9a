"""Wall paging: keyset cursors against OFFSET paging, measured in the same run.

Fills a SQLite wall with N letters, then reads the page at increasing depths both ways
and reports how many times slower OFFSET is. Ratios only: the machine is shared.

    .venv/bin/python benchmarks/bench_wall.py [--letters 20000]
"""

from __future__ import annotations

import argparse
import functools
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.models import ArchivedLetter  # noqa: E402
from misskissing import journey  # noqa: E402
from misskissing.migrate import upgrade_database  # noqa: E402
from misskissing.models import Letter, Visibility  # noqa: E402
from misskissing.runtime import Runtime  # noqa: E402
from misskissing.settings import Settings  # noqa: E402

PAGE = 20


def fill(runtime: Runtime, letters: int) -> None:
    now = datetime.now(UTC)
    with runtime.session() as session:
        rows = [
            {
                "hex": f"{n:064x}",
                "body": f"letter {n}",
                "size": 9,
                "sequence": n,
                "archived_at": now,
            }
            for n in range(letters)
        ]
        session.execute(insert(ArchivedLetter), rows)
        session.execute(
            insert(Letter),
            [
                {
                    "hex": f"{n:064x}",
                    "wall_seq": n,
                    "published_at": now,
                    "hearts": 0,
                    "visibility": Visibility.PUBLISHED,
                }
                for n in range(letters)
            ],
        )


def best_of(repeats: int, action: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return min(timings)


def page_by_cursor(runtime: Runtime, cursor: str) -> None:
    with runtime.session() as session:
        journey.wall_page(session, cursor=cursor, limit=PAGE)


def page_by_offset(runtime: Runtime, offset: int) -> None:
    with runtime.session() as session:
        query = (
            select(Letter, ArchivedLetter.body)
            .join(ArchivedLetter, col(ArchivedLetter.hex) == col(Letter.hex))
            .where(col(Letter.visibility) == Visibility.PUBLISHED)
            .order_by(col(Letter.wall_seq).desc())
            .offset(offset)
            .limit(PAGE + 1)
        )
        list(session.exec(query))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=None, secret_key=secrets.token_hex())
        runtime = Runtime(settings)
        upgrade_database(runtime.engine)
        fill(runtime, args.letters)
        print(f"{args.letters} letters, page size {PAGE}")
        print(f"{'depth (pages)':>14} {'cursor ms':>10} {'offset ms':>10} {'offset/cursor':>14}")
        for depth in (1, 10, 100, args.letters // PAGE - 1):
            cursor = journey.encode_cursor({"s": args.letters - depth * PAGE})
            cursor_s = best_of(15, functools.partial(page_by_cursor, runtime, cursor))
            offset_s = best_of(15, functools.partial(page_by_offset, runtime, depth * PAGE))
            ratio = offset_s / cursor_s
            print(f"{depth:>14} {cursor_s * 1e3:>10.2f} {offset_s * 1e3:>10.2f} {ratio:>13.1f}x")


if __name__ == "__main__":
    main()
