"""The file formats a job accepts, by extension: light enough for the jobs API function, which
checks a file name before anything is uploaded, to import without the analysis engine."""

from __future__ import annotations

from pathlib import PurePosixPath

FORMATS = {".txt": "txt", ".csv": "csv", ".jsonl": "jsonl"}
"""Accepted extensions (lower case) and the format each one means."""

CONTENT_TYPES = {"txt": "text/plain", "csv": "text/csv", "jsonl": "application/x-ndjson"}
"""The media type of each format, as uploads declare it."""


def format_of(name: str) -> str | None:
    """The format (``txt``, ``csv``, ``jsonl``) of a file name's extension (any case), or None
    for any other extension or none. ``name`` may be a path or an S3 key (``/``-separated)."""
    return FORMATS.get(PurePosixPath(name).suffix.lower())


def extension_of(name: str) -> str:
    """The extension of ``name`` as :func:`format_of` reads it, lower case ("" for none)."""
    return PurePosixPath(name).suffix.lower()
