"""Analyse a whole file of documents, as a stream: the core of the S3 sentiment job
(:mod:`.runner`) and of ``python -m sentiment_api analyse-file``.

No AWS and no Powertools here: a binary stream comes in, JSON Lines go out, and a summary comes
back. Every document goes through the same pure :func:`~sentiment_api.analysis.analyse` as
``POST /analyse``, with the same rules (empty text, the length cap, lone surrogates).

Formats, chosen by the file name's extension (Amazon Comprehend's input formats, adapted):

- ``.txt``: one document per line (Comprehend's ``ONE_DOC_PER_LINE``); every line is a
  document, a blank one included (it is reported as ``no_text``).
- ``.csv``: a header row, then one document per record; the text is in the column named by
  ``text_column`` (default ``text``), the other columns are carried through as ``meta``.
  Records may span lines (quoted newlines); blank lines are not records.
- ``.jsonl``: one JSON object per line with a string ``text``; the other fields are carried
  through as ``meta``.

UTF-8 only; a byte-order mark at the start is skipped. Lines end at LF; a CR before it is
dropped. ``line`` in the output is the document's 1-based position: its line number for
``.txt`` and ``.jsonl``, its record number after the header for ``.csv``.

Memory is bounded whatever the file size: one line (at most :data:`MAX_LINE_BYTES`) and one
result are held at a time.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO

from sentiment_api.analysis import AUTO, analyse_many
from sentiment_api.errors import (
    CsvLineTooLongError,
    DomainError,
    EmptyFileError,
    FileRejectedError,
    InvalidJsonError,
    InvalidTypeError,
    LineTooLongError,
    LoneSurrogateError,
    MalformedCsvError,
    MissingTextColumnError,
    MissingTextError,
    NoTextError,
    NotUtf8Error,
    TextTooLongError,
    UnsupportedLanguageError,
)
from sentiment_api.jobs.timestamps import iso_utc
from sentiment_api.text import check_text, check_unicode, has_lone_surrogate

DOCUMENTS_PER_BATCH = 32
"""Documents analysed in one call (:func:`~sentiment_api.analysis.analyse_many`): an engine
may run them as one batch; memory stays bounded by this many lines."""

MAX_LINE_BYTES = 1 << 20
"""The longest line read, in bytes (1 MiB): what bounds memory per document. A longer line is
a ``text_too_long`` (``.txt``) or ``line_too_long`` (``.jsonl``) document, or fails a ``.csv``
file (its records cannot be told apart without reading the line)."""

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class JobOptions:
    """How to read and analyse a file.

    Attributes:
        text_column: the ``.csv`` column that holds the text (ignored for other formats).
        neutral_threshold: ``|score| <= neutral_threshold`` is neutral, in [0, 1]; None, each
            engine's own rule.
        sentences, explain: as the options of ``POST /analyse``.
        max_text_length: longest document analysed, in Unicode code points; longer ones are
            ``text_too_long`` errors.
        engine: an engine's name, as :func:`~sentiment_api.analysis.analyse`'s.
        language: as :func:`~sentiment_api.analysis.analyse`'s: ``"auto"`` (the default:
            identify; a document confidently not English is an ``unsupported_language`` line),
            None (no identification) or a declared language.
    """

    text_column: str = "text"
    neutral_threshold: float | None = None
    sentences: bool = False
    explain: bool = False
    max_text_length: int = 5_000
    engine: str = "textblob"
    language: str | None = AUTO


@dataclass(slots=True)
class Tally:
    """What a run has seen so far; the counts of the summary.

    Attributes:
        documents: documents read, each with one output line.
        results: analysed documents per label (``positive``, ``negative``, ``neutral``).
        errors: documents that could not be analysed, per error code.
        score_sum: the sum of ``sentiment_score`` over analysed documents.
    """

    documents: int = 0
    results: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    score_sum: float = 0.0

    @property
    def mean_score(self) -> float | None:
        """Mean ``sentiment_score`` of the analysed documents, None if there were none."""
        analysed = sum(self.results.values())
        return round(self.score_sum / analysed, 6) if analysed else None


def analyse_stream(
    source: BinaryIO,
    sink: IO[str],
    fmt: str,
    options: JobOptions,
    *,
    tally: Tally | None = None,
    progress: Callable[[int], None] | None = None,
    first_document: int = 1,
    first_line: int = 1,
    header: tuple[bytes, int] | None = None,
    file: str | None = None,
) -> Tally:
    """Analyse every document of ``source`` and write one JSON line per document to ``sink``.

    Args:
        source: the file's bytes; anything with ``readline(limit)`` (a buffered binary file).
        sink: where the JSON Lines go (text, UTF-8), in input order, one per document:
            ``{"line": n, ...the POST /analyse fields, "meta"?}`` or
            ``{"line": n, "error": message, "code": code, "meta"?}``, the error being one of
            :data:`LINE_ERRORS`.
        fmt: ``txt``, ``csv`` or ``jsonl`` (see :func:`~sentiment_api.jobs.formats.file_format`).
        options: the job's options.
        tally: counts to add to (a new one if None); on an exception, it holds what was read.
        progress: called with the bytes read since its last call, for a progress bar.
        first_document: the ``line`` of the first document of ``source``: 1 for a whole file,
            the range's own number for a byte range of one (:mod:`.ranges`), so that the
            lines of the ranges, put end to end, are the whole file's, byte for byte.
        first_line: the physical line number (1-based) of ``source``'s first line, which the
            errors that name a line (``not_utf8``, a ``.csv``'s ``line_too_long`` and
            ``malformed_csv``) count from; a byte-order mark is skipped on line 1 only.
        header: for a ``.csv`` range that does not hold the header record: that record's bytes
            and its first line's number; it is read first, as the header, and gives no
            document.
        file: for a job over several files: the file's name, which each line then starts
            with (``{"file": name, "line": n, ...}``, as Amazon Comprehend's ``File``).

    Returns:
        The tally of the run.

    Raises:
        NotUtf8Error: the file is not UTF-8.
        EmptyFileError, MissingTextColumnError, CsvLineTooLongError, MalformedCsvError: a
            ``.csv`` has no header, no such column, a line over :data:`MAX_LINE_BYTES` or a
            malformed record.
    """
    tally = Tally() if tally is None else tally
    lines = _decoded_lines(source, progress, first_line)
    if header is not None:
        head, head_line = header
        lines = itertools.chain(_decoded_lines(io.BytesIO(head), None, head_line), lines)
    documents = {"txt": _txt_documents, "csv": _csv_documents, "jsonl": _jsonl_documents}[fmt]
    pending: list[_Pending] = []
    number = first_document - 1
    try:
        for text, meta, error in documents(lines, options):
            tally.documents += 1
            number += 1
            if error is None:
                try:
                    text = check_unicode(check_text(text, options.max_text_length))
                except DomainError as exc:
                    error = exc
            pending.append((number, text, meta, error))
            if len(pending) == DOCUMENTS_PER_BATCH:
                _write_batch(pending, sink, options, tally, file)
                pending.clear()
    except FileRejectedError:  # a file rejected midway still writes every document it counted
        _write_batch(pending, sink, options, tally, file)
        raise
    _write_batch(pending, sink, options, tally, file)
    return tally


_Pending = tuple[int, str | None, dict[str, Any] | None, DomainError | None]
"""A document read and checked, not yet analysed: (line, text, meta, error)."""


def _write_batch(
    pending: list[_Pending],
    sink: IO[str],
    options: JobOptions,
    tally: Tally,
    file: str | None = None,
) -> None:
    """Analyse the accepted documents of ``pending`` in one call and write every document's
    line, in order (each starting with ``"file"`` when ``file`` is given)."""
    texts = [text for _, text, _, error in pending if error is None and text is not None]
    outcomes = iter(
        analyse_many(
            texts,
            engine=options.engine,
            neutral_threshold=options.neutral_threshold,
            sentences=options.sentences,
            explain=options.explain,
            language=options.language,
        )
    )
    for number, _, meta, error in pending:
        record: dict[str, Any] = {"file": file} if file is not None else {}
        record["line"] = number
        if error is None:
            outcome = next(outcomes)
            if isinstance(outcome, DomainError):
                error = outcome
            else:
                record.update(outcome.as_dict())
                tally.results[outcome.sentiment] += 1
                tally.score_sum += outcome.sentiment_score
        if error is not None:
            record.update(error.fields())
            tally.errors[error.code] += 1
        if meta:
            record["meta"] = meta
        line = json.dumps(record, ensure_ascii=False)
        if meta and has_lone_surrogate(line):  # a JSON escape in a .jsonl field; keep it escaped
            line = json.dumps(record)
        sink.write(line)
        sink.write("\n")


def summary(
    *,
    status: str,
    tally: Tally,
    started: float,
    input_fields: dict[str, Any],
    output_key: str | None,
    fmt: str | None,
    options: JobOptions,
    failure: FileRejectedError | None = None,
) -> dict[str, Any]:
    """The ``.summary.json`` of a run, as a JSON-ready dict.

    Args:
        status: ``IN_PROGRESS``, ``COMPLETED`` or ``FAILED``.
        tally: the run's counts.
        started: when the run started, in seconds since the epoch (``time.time()``).
        input_fields: what identifies the input: ``key``, ``size`` (bytes), ``etag``.
        output_key: where the results are (None when a failed run wrote none).
        fmt: the input's format, None if it has none.
        options: the run's options.
        failure: why a ``FAILED`` run failed: becomes ``reason`` and ``code``.
    """
    ended = time.time()
    fields: dict[str, Any] = {
        "status": status,
        "input": input_fields,
        "output": output_key,
        "format": fmt,
        "options": {
            "text_column": options.text_column,
            "neutral_threshold": options.neutral_threshold,
            "sentences": options.sentences,
            "explain": options.explain,
            "engine": options.engine,
            "language": options.language,
        },
        "documents": tally.documents,
        "results": {label: tally.results[label] for label in ("positive", "neutral", "negative")},
        "errors": dict(sorted(tally.errors.items())),
        "mean_score": tally.mean_score,
        "started_at": iso_utc(started),
        "ended_at": None if status == "IN_PROGRESS" else iso_utc(ended),
        "duration_s": None if status == "IN_PROGRESS" else round(ended - started, 3),
    }
    if failure is not None:
        fields["reason"] = str(failure)
        fields["code"] = failure.code
    return fields


# ---- reading ---------------------------------------------------------------------------------

LINE_ERRORS = (
    NoTextError,
    TextTooLongError,
    LoneSurrogateError,
    UnsupportedLanguageError,
    InvalidTypeError,
    InvalidJsonError,
    MissingTextError,
    LineTooLongError,
)
"""The errors a document (an output line) may get."""

_Document = tuple[str | None, dict[str, Any] | None, DomainError | None]
_TOO_LONG = object()
"""Stands for a line over :data:`MAX_LINE_BYTES`, which is skipped, not read."""


_Line = tuple[int, str | object]
"""A physical line: its 1-based number in the file, and its text (or ``_TOO_LONG``)."""


def _decoded_lines(
    source: BinaryIO, progress: Callable[[int], None] | None, first_line: int = 1
) -> Iterator[_Line]:
    """Each line of ``source`` as ``(number, text without its line ending)``, or
    ``(number, _TOO_LONG)``; numbers count from ``first_line``."""
    number = first_line - 1
    while True:
        raw = source.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if progress is not None:
            progress(len(raw))
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while rest := source.readline(MAX_LINE_BYTES):  # skip to the line's end
                if progress is not None:
                    progress(len(rest))
                if rest.endswith(b"\n"):
                    break
            yield number, _TOO_LONG
            continue
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        raw = raw.removesuffix(b"\n").removesuffix(b"\r")
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotUtf8Error(
                f"The file is not UTF-8: line {number} has an invalid byte at position "
                f"{exc.start + 1}",
            ) from None


def _txt_documents(lines: Iterator[_Line], options: JobOptions) -> Iterator[_Document]:
    for _, line in lines:
        if not isinstance(line, str):
            limit = options.max_text_length
            yield (
                None,
                None,
                TextTooLongError(
                    None,
                    limit,
                    f"Text is over {MAX_LINE_BYTES} bytes long; the limit is {limit} characters",
                ),
            )
        else:
            yield line, None, None


def _jsonl_documents(lines: Iterator[_Line], options: JobOptions) -> Iterator[_Document]:
    for _, line in lines:
        if not isinstance(line, str):
            yield None, None, LineTooLongError(f"The line is longer than {MAX_LINE_BYTES} bytes")
        elif not line.strip():
            yield None, None, NoTextError("The line is empty")
        elif not isinstance(value := _json_object(line), dict):
            yield None, None, InvalidJsonError("The line is not a JSON object")
        elif "text" not in value:
            yield None, value, MissingTextError()
        elif not isinstance(text := value.pop("text"), str | None):
            yield None, value, InvalidTypeError('The line\'s "text" is not a string')
        else:
            yield text, value, None


def _json_object(line: str) -> Any:
    """The line's JSON value; None if it is not JSON (RFC 8259: no NaN, no Infinity, no
    number too large for a float), which could not be written back out as JSON."""
    try:
        return json.loads(line, parse_constant=_not_json, parse_float=_finite_float)
    except (ValueError, RecursionError):
        return None


def _not_json(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} does not fit a float")
    return value


def _csv_documents(lines: Iterator[_Line], options: JobOptions) -> Iterator[_Document]:
    last = [0]  # the number of the last line the reader took: where an error is

    def physical() -> Iterator[str]:
        for number, line in lines:
            last[0] = number
            if not isinstance(line, str):
                raise CsvLineTooLongError(f"Line {number} is longer than {MAX_LINE_BYTES} bytes")
            yield line + "\n"

    reader = csv.reader(physical(), strict=False)
    try:
        header = next(reader, None)
        while header == []:  # blank lines before the header
            header = next(reader, None)
        if header is None:
            raise EmptyFileError("The file is empty; a .csv needs a header row")
        names = [name.strip() for name in header]
        if options.text_column not in names:
            shown = ", ".join(repr(name) for name in names[:20])
            raise MissingTextColumnError(
                f"The header has no column {options.text_column!r}; it has {shown}"
                + (f" and {len(names) - 20} more" if len(names) > 20 else ""),
            )
        column = names.index(options.text_column)
        for row in reader:
            if not row:
                continue  # a blank line is not a record
            meta = {name: value for name, value in zip(names, row, strict=False)}
            meta.pop(options.text_column, None)
            if column >= len(row):
                yield None, meta, MissingTextError(f"The record has no {options.text_column!r}")
            else:
                yield row[column], meta, None
    except csv.Error as exc:
        raise MalformedCsvError(f"Malformed CSV at line {last[0]}: {exc}") from None


csv.field_size_limit(MAX_LINE_BYTES)


def buffered(read: Callable[[int], bytes], size: int = 1 << 20) -> io.BufferedReader:
    """A buffered binary reader over any ``read(n)`` function (a botocore streaming body's, for
    one), so that :func:`analyse_stream` can read it line by line."""

    class _Raw(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            data = read(len(buffer))
            buffer[: len(data)] = data
            return len(data)

    return io.BufferedReader(_Raw(), size)
