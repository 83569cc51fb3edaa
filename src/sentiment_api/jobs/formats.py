"""The file formats of whole-file analysis, and the one rule that picks a file's format from
its name. A light module (no engine): the jobs API checks names and media types with it without
loading the analysis.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from sentiment_api.errors import UnsupportedFormatError

FORMATS = {".txt": "txt", ".csv": "csv", ".jsonl": "jsonl"}
"""Accepted extensions (lower case) and the format each one means."""

CONTENT_TYPES = {"txt": "text/plain", "csv": "text/csv", "jsonl": "application/x-ndjson"}
"""The media type of each format, as uploads declare it."""
RESULTS_TYPE = f"{CONTENT_TYPES['jsonl']}; charset=utf-8"
"""The results' media type: JSON Lines, UTF-8."""


def file_format(name: str) -> str:
    """The format (``txt``, ``csv``, ``jsonl``) a file name's extension stands for.

    Raises:
        UnsupportedFormatError: for any other extension.
    """
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in FORMATS:
        raise UnsupportedFormatError(
            f"Unsupported file extension {suffix or '(none)'!r}; use .txt, .csv or .jsonl",
        )
    return FORMATS[suffix]
