"""Logging set-up: JSON lines with request ids; no letter text, receipt tokens or addresses.

Every line is one JSON object: `ts`, `level`, `logger`, `message`, `request_id` (the web
request or Celery task it belongs to), plus any `extra={...}` fields. Exceptions carry
their type and stack frames but not their message, which could quote a letter.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

request_id_var: ContextVar[str | None] = ContextVar("misskissing_request_id", default=None)

_RECEIPT_PATH = re.compile(r"(/receipts?/)[A-Za-z0-9_\-]+")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{7,63}")
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


def new_request_id(incoming: str | None = None) -> str:
    """Return `incoming` if it is a well-formed id from a trusted proxy, else a fresh one."""
    if incoming and _SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return secrets.token_hex(16)


@contextmanager
def bound_request_id(request_id: str) -> Iterator[str]:
    """Tag every log line written inside the block with `request_id`."""
    token = request_id_var.set(request_id)
    try:
        yield request_id
    finally:
        request_id_var.reset(token)


def redact(text: str) -> str:
    """Blank out receipt tokens in URLs and IPv4 addresses."""
    if "/receipt" in text:
        text = _RECEIPT_PATH.sub(r"\1[redacted]", text)
    return _IPV4.sub("[address]", text)


class RedactReceiptTokens(logging.Filter):
    """Blank out receipt tokens and client addresses that would reach a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


class RequestIdFilter(logging.Filter):
    """Attach the current request (or task) id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                plain = isinstance(value, int | float | bool | type(None))
                data[key] = value if plain else redact(str(value))
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, tb = record.exc_info
            data["exc_type"] = f"{exc_type.__module__}.{exc_type.__qualname__}"
            # Frames only: an exception's message may quote the letter it choked on.
            data["stack"] = "".join(traceback.format_tb(tb))
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")

    def formatException(self, ei: Any) -> str:  # noqa: N802  (logging's own name)
        return f"{ei[0].__qualname__}\n" + "".join(traceback.format_tb(ei[2]))


def make_handler(stream: IO[str] | None = None, fmt: str = "json") -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactReceiptTokens())
    handler._misskissing = True  # type: ignore[attr-defined]
    return handler


def configure_logging(
    level: int = logging.INFO, fmt: str = "json", stream: IO[str] | None = None
) -> None:
    """Route the root logger through one JSON handler (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        # Replace our earlier handler and a bare basicConfig one; leave others (pytest's).
        if getattr(handler, "_misskissing", False) or type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    root.addHandler(make_handler(stream, fmt))
    root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, RedactReceiptTokens) for f in handler.filters):
            handler.addFilter(RedactReceiptTokens())
    # The development server's access log carries client addresses: keep it quiet.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
