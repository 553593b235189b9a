"""Logging set-up: no letter text, no receipt tokens, no client addresses in any log."""

from __future__ import annotations

import logging
import re

_RECEIPT_PATH = re.compile(r"(/receipts?/)[A-Za-z0-9_\-]+")


class RedactReceiptTokens(logging.Filter):
    """Blank out receipt tokens that would otherwise reach a log line through a URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/receipt" in message:
            record.msg = _RECEIPT_PATH.sub(r"\1[redacted]", message)
            record.args = ()
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Configure the root logger once for a misskissing process."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    for handler in root.handlers:
        handler.addFilter(RedactReceiptTokens())
    # The development server's access log carries client addresses: keep it quiet.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
