"""Cut a file into byte ranges that each start on a document, in one streaming pass: the plan
of a job fanned out over several invocations (:mod:`.fanout`).

A range is ``[start, end)`` in bytes and holds exactly the documents that start inside it.
Each range knows the number of its first document in the whole file (``first_document``) and
the physical line its first byte is on (``first_line``), so that
:func:`~.files.analyse_stream` run on each range alone writes the very lines a run over the
whole file writes, byte for byte, and the ranges' results put end to end are the whole file's
(no rewrite at the merge: the reduce copies them server-side).

- ``.txt`` and ``.jsonl``: a document is a physical line (each ends at LF; the last may lack
  it). A range ends just after the first LF at or after ``start + target`` bytes (Hadoop's
  ``TextInputFormat`` rule, with the line count known up front). The scan is ``bytes.find``
  and ``bytes.count``: C speed, far faster than S3 delivers the bytes.
- ``.csv``: a document is a record after the header, and a record may span lines (a quoted
  field holding LF). The scan follows the ``csv`` module's own grammar (its reader with
  ``strict=False``: a ``"`` opens a quoted field only at a field's start, ``""`` inside one is
  a quote, anything after the closing quote up to ``,`` or LF belongs to the field), one
  regular-expression match per record, so a range ends only where a record ends, wherever the
  quotes are (a stray ``5"`` in an unquoted field included). Blank lines are not records; the
  first record is the header, which is not in any range: each range is read after the
  header's bytes (:attr:`Plan.header`). About 70 MB/s on one CPU (``make bench``).

A record still open after :data:`MAX_OPEN_RECORD_BYTES` (an unterminated quote: such a field is
past the ``csv`` module's field limit, so the file fails anyway) stops the cutting: the rest of
the file is one range. Cutting at an LF is safe for UTF-8: the byte 0x0A never occurs inside a
multi-byte sequence.

No AWS here: chunks of bytes come in, a :class:`Plan` goes out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

MAX_OPEN_RECORD_BYTES = 16 << 20
"""A ``.csv`` record not ended after this many bytes (16 MiB) is not looked into further: no
range starts after it (see the module's docstring)."""

_BOM = b"\xef\xbb\xbf"
_FIELD = rb'(?>"(?:[^"]|"")*+"[^,\n]*+|[^,\n"][^,\n]*+|)'
_RECORD = re.compile(_FIELD + rb"(?:," + _FIELD + rb")*\n")
"""One ``.csv`` record as the ``csv`` module reads it, LF included (a CR before it is a field
byte here; the job drops it before parsing, which does not move the record's end). Each field
is atomic and its loops possessive (Python 3.11's ``re``): a quoted field whose closing quote
is not in the bytes yet fails the match instead of being read another way, so a record is
only ever ended where the ``csv`` module ends it."""


@dataclass(frozen=True, slots=True)
class Range:
    """Bytes ``[start, end)`` of a file and where they are in it.

    Attributes:
        start: the first byte's offset.
        end: one past the last byte's offset.
        first_document: the 1-based number, in the whole file, of the first document that
            starts in the range (what the results' ``line`` counts).
        first_line: the 1-based physical line number of the byte at ``start``.
    """

    start: int
    end: int
    first_document: int
    first_line: int


@dataclass(frozen=True, slots=True)
class Plan:
    """How one file is cut.

    Attributes:
        ranges: in file order; together they hold every document, each once. Empty for an
            empty ``.txt`` or ``.jsonl``; a ``.csv`` always has the first, from byte 0, which
            reads the header as a run over the whole file does (and fails as it would).
        header: for a ``.csv`` cut in more than one range, its header record
            (``first_document`` 0), which every range but the first is read after; else None.
    """

    ranges: list[Range] = field(default_factory=list)
    header: Range | None = None


def plan(chunks: Iterable[bytes], size: int, fmt: str, target: int) -> Plan:
    """Cut a file of ``size`` bytes, given as consecutive ``chunks``, into ranges of about
    ``target`` bytes (a range ends at the first document boundary at or after that many
    bytes; a long line or record makes it longer).

    Args:
        chunks: the file's bytes, in order, in pieces of any size.
        size: the file's size in bytes.
        fmt: ``txt``, ``csv`` or ``jsonl``.
        target: the range size aimed at, in bytes (at least 1).

    Raises:
        ValueError: ``target`` is not positive, or the chunks do not add up to ``size``.
    """
    if target < 1:
        raise ValueError(f"target must be at least 1 byte, not {target}")
    return (_plan_csv if fmt == "csv" else _plan_lines)(chunks, size, target)


def _plan_lines(chunks: Iterable[bytes], size: int, target: int) -> Plan:
    starts = [0]
    lines_before = [0]
    search_from = target - 1  # the next range starts after the first LF at or after this
    offset = 0
    lines = 0  # LFs before the current chunk
    for chunk in chunks:
        end = offset + len(chunk)
        while search_from < end:
            hit = chunk.find(b"\n", max(search_from - offset, 0))
            if hit < 0:
                break  # a long line: on in the next chunk
            start = offset + hit + 1
            if start >= size:
                break
            starts.append(start)
            lines_before.append(lines + chunk.count(b"\n", 0, hit + 1))
            search_from = start + target - 1
        lines += chunk.count(b"\n")
        offset = end
    _check_size(offset, size)
    if size == 0:
        return Plan()
    ends = [*starts[1:], size]
    return Plan(
        ranges=[
            Range(start, end, before + 1, before + 1)
            for start, end, before in zip(starts, ends, lines_before, strict=True)
        ]
    )


def _plan_csv(chunks: Iterable[bytes], size: int, target: int) -> Plan:
    scan = _CsvScan(target)
    offset = 0
    head: bytes | None = b""  # the first bytes, until a byte-order mark is ruled in or out
    for chunk in chunks:
        offset += len(chunk)
        if head is not None:
            head += chunk
            if len(head) < len(_BOM) and offset < size:
                continue
            if head.startswith(_BOM):
                scan.skip(len(_BOM))  # the job skips it on line 1: it is no record's byte
                head = head[len(_BOM) :]
            chunk, head = head, None
        scan.feed(chunk)
    _check_size(offset, size)
    return scan.finish(size)


class _CsvScan:
    """The ``.csv`` scan's state between chunks: see the module's docstring. The first range
    starts at byte 0 (it reads the header as the whole file's run does); a later one starts
    where a data record does, and only once the header is known."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.pending = b""  # the bytes of the record not ended yet
        self.at = 0  # the file offset of pending's first byte
        self.lines = 0  # LFs before pending
        self.records = 0  # data records (after the header) ended before pending
        self.header: Range | None = None
        self.starts: list[tuple[int, int, int]] = [(0, 0, 0)]  # (start, records, LFs) before
        self.next_cut = target
        self.stopped = False  # a record too long to follow: no more cuts

    def skip(self, count: int) -> None:
        self.at += count

    def feed(self, chunk: bytes) -> None:
        if self.stopped:
            return
        data = self.pending + chunk if self.pending else chunk
        consumed = 0
        for start, end in _records(data):
            self._record(data, start, end)
            consumed = end
        self.lines += data.count(b"\n", 0, consumed)
        self.at += consumed
        self.pending = data[consumed:]
        if len(self.pending) > MAX_OPEN_RECORD_BYTES:
            self.stopped = True
            self.pending = b""

    def _record(self, data: bytes, start: int, end: int) -> None:
        first = data[start]
        if first == 0x0A or (first == 0x0D and not data[start:end].strip(b"\r\n")):
            return  # a blank line is not a record
        after = self.at + end  # where the next record starts
        if self.header is None:
            line = self.lines + data.count(b"\n", 0, start) + 1
            self.header = Range(self.at + start, after, 0, line)
            return
        self.records += 1
        if after >= self.next_cut:
            self.starts.append((after, self.records, self.lines + data.count(b"\n", 0, end)))
            self.next_cut = after + self.target

    def finish(self, size: int) -> Plan:
        starts = [start for start in self.starts if start[0] < size or start[0] == 0]
        ends = [start[0] for start in starts[1:]] + [size]
        return Plan(
            ranges=[
                Range(start, end, records + 1, lines + 1)
                for (start, records, lines), end in zip(starts, ends, strict=True)
            ],
            header=self.header if len(starts) > 1 else None,
        )


def _records(data: bytes) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each complete record from the start of ``data``, one after the
    other; stops at the first place no record ends (the rest is an open record).

    Each match is anchored where the last one ended (``match``, not ``finditer``): a search
    would retry at every byte of an open record, each try running to the end of ``data``,
    quadratic in a long row's length (a 48 KB row split by a chunk took 2.8 s)."""
    position = 0
    while (match := _RECORD.match(data, position)) is not None and match.end() > position:
        yield position, match.end()
        position = match.end()


def _check_size(read: int, size: int) -> None:
    if read != size:
        raise ValueError(f"read {read} bytes, expected {size}")


def chunks_of(read: Callable[[int], bytes], chunk_size: int = 8 << 20) -> Iterator[bytes]:
    """``read(chunk_size)`` until it returns nothing (a botocore streaming body's ``read``)."""
    while data := read(chunk_size):
        yield data
