"""Shared helpers for the web tests: publishing letters straight through the journey."""

from __future__ import annotations

from flask import Flask

from misskissing import journey
from misskissing.migrate import upgrade_database

KIND = "Dad, I finally planted the apple tree you always talked about. I miss you."


def publish(app: Flask, text: str = KIND, addressed_to: str | None = None) -> tuple[str, str]:
    """Put a letter on the wall without a worker; return its hex address and receipt token."""
    runtime = app.extensions["misskissing.runtime"]
    with runtime.session() as session:
        submission, token = journey.submit_letter(session, text, addressed_to)
        assert submission.id is not None
        hex_address = journey.publish_text(runtime, session, submission.id, text, addressed_to)
    return hex_address, token


def migrated(app: Flask) -> Flask:
    upgrade_database(app.extensions["misskissing.runtime"].engine)
    return app
