"""Every error the archive raises shares one base class."""


class ArchiveError(Exception):
    """Base class of archive errors."""


class CanonicalisationError(ArchiveError, ValueError):
    """The text cannot be turned into canonical letter bytes."""


class ObjectNotFoundError(ArchiveError, KeyError):
    """No object is stored at that address."""


class ObjectCorruptedError(ArchiveError):
    """Stored bytes no longer hash to their address."""


class WithdrawnError(ArchiveError):
    """The letter was withdrawn by an operator; only its tombstone remains."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"{address} was withdrawn ({reason})")
        self.address = address
        self.reason = reason
