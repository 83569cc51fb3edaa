"""The one way timestamps are written, and read back: ISO 8601 in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal


def iso_utc(seconds: float, timespec: Literal["seconds", "milliseconds"] = "milliseconds") -> str:
    """``seconds`` since the Unix epoch as ISO 8601 in UTC, e.g.
    ``2025-01-31T12:00:00.123+00:00``; ``timespec`` as :meth:`datetime.isoformat`'s
    (job summaries keep milliseconds, URL expiry times whole seconds)."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec=timespec)


def epoch_seconds(iso: str) -> float:
    """Seconds since the Unix epoch of an ISO 8601 time that :func:`iso_utc` wrote.

    Raises:
        ValueError: ``iso`` is not ISO 8601.
    """
    return datetime.fromisoformat(iso).timestamp()
