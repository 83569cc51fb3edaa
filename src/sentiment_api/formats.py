"""The file formats of whole-file analysis, and the one rule that picks a file's format from
its name. A light module (no TextBlob, no sentencex): the jobs API checks names and media
types with it without loading the analysis; :mod:`sentiment_api.files` re-exports it.
"""

from __future__ import annotations

from pathlib import PurePosixPath

FORMATS = {".txt": "txt", ".csv": "csv", ".jsonl": "jsonl"}
"""Accepted extensions (lower case) and the format each one means."""

CONTENT_TYPES = {"txt": "text/plain", "csv": "text/csv", "jsonl": "application/x-ndjson"}
"""The media type of each format, as uploads declare it."""


class FileRejectedError(Exception):
    """The file as a whole cannot be analysed; the job ends ``FAILED`` with this reason.

    Attributes:
        code: ``unsupported_format`` from this module; ``not_utf8``, ``empty_file``,
            ``missing_text_column``, ``line_too_long`` or ``malformed_csv`` from
            :mod:`sentiment_api.files`; the job adds ``input_missing``, ``file_too_large``,
            ``timed_out`` and ``internal_error``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def file_format(name: str) -> str:
    """The format (``txt``, ``csv``, ``jsonl``) a file name's extension stands for.

    Raises:
        FileRejectedError: ``unsupported_format`` for any other extension.
    """
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in FORMATS:
        raise FileRejectedError(
            "unsupported_format",
            f"Unsupported file extension {suffix or '(none)'!r}; use .txt, .csv or .jsonl",
        )
    return FORMATS[suffix]
