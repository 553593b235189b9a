"""Test-only fault injection, switched on by one environment variable and nothing else.

`MISSKISSING_FAULT_INJECT` holds comma-separated faults; unset (always, in production) it
does nothing. It is deliberately not a setting: no config file, flag or request can turn it
on. The fault-injection suite (`tests/functional/test_faults.py`) sets it per process:

- `crash_after_commit`: the web process dies (`os._exit`) after the letter's row is
  committed and before its screening task is sent, the gap the sweeper must cover.
- `slow_screening:SECONDS`: a worker sleeps after claiming a letter, so a test can kill
  it mid-screening.
- `poison:MARKER`: a worker's process dies whenever it screens a letter containing
  MARKER, the way a scorer that segfaults or runs out of memory would kill it.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from celery.signals import before_task_publish

from misskissing.journey import Claim

log = logging.getLogger(__name__)

ENV_VAR = "MISSKISSING_FAULT_INJECT"


def active_faults() -> dict[str, str]:
    """Return the faults switched on in this process's environment (name -> argument)."""
    faults: dict[str, str] = {}
    for item in os.environ.get(ENV_VAR, "").split(","):
        name, _, argument = item.strip().partition(":")
        if name:
            faults[name] = argument
    return faults


def after_claim(claim: Claim) -> None:
    """Run the screening faults between a claim and its screening (no-op unless enabled)."""
    faults = active_faults()
    if not faults:
        return
    marker = faults.get("poison")
    if marker and marker in claim.text:
        log.warning("fault injection: poison letter %s kills this process", claim.submission_id)
        os._exit(70)
    if "slow_screening" in faults:
        time.sleep(float(faults["slow_screening"] or 1))


def _crash_before_publish(sender: str | None = None, **_: Any) -> None:
    if sender == "letters.screen":
        log.warning("fault injection: crashing after commit, before enqueue")
        os._exit(70)


def install_publish_faults() -> None:
    """Connect the publish-side faults if the environment asks for them."""
    if "crash_after_commit" in active_faults():
        before_task_publish.connect(_crash_before_publish, weak=False)
