"""Archive tasks: the periodic scrub that re-verifies the live archive."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from archive.verify import verify_live
from misskissing.runtime import get_runtime

log = logging.getLogger(__name__)

# Problems are logged one per line up to this many; the summary always carries the count.
MAX_LOGGED_PROBLEMS = 100


@shared_task(name="archive.scrub", ignore_result=False)
def scrub_archive() -> dict[str, Any]:
    """Re-hash every body and leaf of the live archive; log problems; return a summary."""
    runtime = get_runtime()
    with runtime.session() as session:
        report = verify_live(session, runtime.archive)
    summary = report.summary()
    problems = summary.pop("problems")
    summary["problem_count"] = len(report.problems)
    summary["problems"] = problems[:MAX_LOGGED_PROBLEMS] if isinstance(problems, list) else []
    if report.ok:
        log.info(
            "archive scrub ok: %s leaves, %s bodies re-hashed, root %s",
            report.tree_size,
            report.bodies_checked,
            report.root.hex(),
        )
    else:
        log.error("archive scrub found %d problems", len(report.problems))
        for problem in report.problems[:MAX_LOGGED_PROBLEMS]:
            # Problems name addresses and leaf numbers only, never letter text.
            log.error("archive scrub problem: %s", problem)
    return summary
