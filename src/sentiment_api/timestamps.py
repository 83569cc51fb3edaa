"""The one way this service writes a time: ISO 8601 in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(seconds: float, timespec: str = "seconds") -> str:
    """``seconds`` since the Unix epoch as ISO 8601 in UTC, e.g. ``2025-01-31T12:00:00+00:00``.

    ``timespec`` is :meth:`datetime.isoformat`'s (``seconds``, ``milliseconds``...).
    """
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec=timespec)
