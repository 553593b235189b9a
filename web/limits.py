"""Per-client rate limits keyed on a keyed, daily-rotating hash of the address."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from flask import current_app, request
from flask_limiter import Limiter


def client_key() -> str:
    """Return a keyed hash of the client address; the raw address is never stored."""
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    secret = current_app.config["SECRET_KEY"].encode()
    daily_salt = hmac.new(secret, b"rate-limit-salt:" + day.encode(), hashlib.sha256).digest()
    address = (request.remote_addr or "unknown").encode()
    return hmac.new(daily_salt, address, hashlib.sha256).hexdigest()[:32]


limiter = Limiter(key_func=client_key, default_limits=[], strategy="moving-window")

SUBMIT_LIMITS = "5 per minute;30 per day"
HEART_LIMITS = "60 per minute"
REPORT_LIMITS = "10 per minute"
