"""Keep every library the engine uses off the network."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def offline_tldextract() -> Any:
    """Return a tldextract instance that only uses its bundled public-suffix snapshot."""
    import tldextract

    # No URLs and no cache folder: the snapshot shipped in the wheel is the only source.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def patch_tldextract_global() -> None:
    """Point tldextract's module-level extractor at the offline one.

    Presidio's e-mail recognizer calls `tldextract.extract`, which uses a module-global
    extractor that downloads the public suffix list on first use.
    """
    import tldextract.tldextract as module

    with _LOCK:
        module.TLD_EXTRACTOR = offline_tldextract()


def registered_domain(host: str) -> str:
    """Return the registrable domain of a host name ("www.bbc.co.uk" -> "bbc.co.uk")."""
    result = offline_tldextract()(host)
    if not result.suffix:
        return ""
    return f"{result.domain}.{result.suffix}".lower()
