"""Cutting a file into byte ranges (ranges.py), held to the one property that matters: each
range analysed alone (``analyse_stream`` with the range's numbers, and the ``.csv`` header
before it) writes exactly the lines the whole file's run writes for those documents, so the
ranges' results put end to end are the whole file's results, byte for byte; and where the
whole file is rejected, the first range that fails fails with the same error, after the same
documents.

No AWS: the planner gets the bytes in chunks of every size, as S3 streams them.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sentiment_api.errors import FileRejectedError
from sentiment_api.jobs.files import MAX_LINE_BYTES, JobOptions, Tally, analyse_stream
from sentiment_api.jobs.ranges import MAX_OPEN_RECORD_BYTES, Plan, Range, plan

OPTIONS = JobOptions(engine="model", language=None)
"""A fast engine and no language identification: the property is about the bytes around the
analysis, which is the same call either way."""


@dataclass
class Run:
    """What a run wrote: its output, its tally, and the rejection that stopped it, if any."""

    output: str
    tally: Tally
    rejected: FileRejectedError | None


def run_whole(data: bytes, fmt: str, options: JobOptions = OPTIONS) -> Run:
    sink = io.StringIO()
    tally = Tally()
    try:
        analyse_stream(io.BytesIO(data), sink, fmt, options, tally=tally)
    except FileRejectedError as exc:
        return Run(sink.getvalue(), tally, exc)
    return Run(sink.getvalue(), tally, None)


def run_range(data: bytes, fmt: str, cut: Plan, part: Range, options: JobOptions = OPTIONS):
    sink = io.StringIO()
    tally = Tally()
    header = None
    if cut.header is not None and part.start > 0:
        header = (data[cut.header.start : cut.header.end], cut.header.first_line)
    try:
        analyse_stream(
            io.BytesIO(data[part.start : part.end]),
            sink,
            fmt,
            options,
            tally=tally,
            first_document=part.first_document,
            first_line=part.first_line,
            header=header,
        )
    except FileRejectedError as exc:
        return Run(sink.getvalue(), tally, exc)
    return Run(sink.getvalue(), tally, None)


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def assert_ranges_equal_the_whole(data: bytes, fmt: str, target: int, chunk: int) -> Plan:
    cut = plan(chunked(data, chunk), len(data), fmt, target)
    # The ranges partition the bytes (a .csv's blank lines before its header included); an
    # empty .txt or .jsonl has none
    if cut.ranges:
        ends = [r.start for r in cut.ranges[1:]] + [len(data)]
        assert [r.end for r in cut.ranges] == ends
        assert cut.ranges[0].start == 0
    else:
        assert data == b"" and fmt != "csv"
    whole = run_whole(data, fmt)
    output, documents = "", 0
    for part in cut.ranges:
        ran = run_range(data, fmt, cut, part)
        output += ran.output
        documents += ran.tally.documents
        if ran.rejected is not None:
            # the whole file fails at the same place, with the same words, after as much
            assert whole.rejected is not None, ran.rejected
            assert (type(ran.rejected), str(ran.rejected)) == (
                type(whole.rejected),
                str(whole.rejected),
            )
            assert (output, documents) == (whole.output, whole.tally.documents)
            return cut
    assert whole.rejected is None, whole.rejected
    assert (output, documents) == (whole.output, whole.tally.documents)
    return cut


# ---- .txt and .jsonl -------------------------------------------------------------------------

LINE_BYTES = st.sampled_from([b"a", b" ", b"\r", b"\n", b"{", b'"text": "x"}', b"\xc3\xa9", b"."])


@given(
    body=st.lists(LINE_BYTES, max_size=80).map(b"".join),
    fmt=st.sampled_from(["txt", "jsonl"]),
    target=st.integers(1, 40),
    chunk=st.integers(1, 64),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(body=b"", fmt="txt", target=1, chunk=1)
@example(body=b"\xef\xbb\xbfgood\nbad\n", fmt="txt", target=1, chunk=1)
@example(body=b"a\nb", fmt="jsonl", target=1, chunk=1)
def test_line_ranges_give_the_whole_files_lines(body, fmt, target, chunk):
    assert_ranges_equal_the_whole(body, fmt, target, chunk)


def test_a_line_range_ends_after_the_first_lf_at_or_after_its_target():
    data = b"aaaa\nbb\nc\n\ndddddd\ne"
    cut = plan([data], len(data), "txt", 6)
    assert [(r.start, r.end, r.first_document, r.first_line) for r in cut.ranges] == [
        (0, 8, 1, 1),  # the first LF at or after byte 5 (6 bytes in) is at 7
        (8, 18, 3, 3),  # at or after byte 13: at 17
        (18, 19, 6, 6),
    ]
    assert plan([b""], 0, "txt", 6) == Plan()


def test_a_line_longer_than_the_target_makes_its_range_longer():
    data = b"x" * 100 + b"\ny\n"
    cut = plan(chunked(data, 7), len(data), "txt", 10)
    assert [(r.start, r.end) for r in cut.ranges] == [(0, 101), (101, 103)]


def test_a_line_over_the_longest_read_is_one_document_in_any_range():
    data = b"good\n" + b"x" * (MAX_LINE_BYTES + 10) + b"\nfine\n"
    cut = assert_ranges_equal_the_whole(data, "txt", 3, 1 << 16)
    assert len(cut.ranges) == 3


def test_not_utf8_fails_at_the_same_line_and_position_in_a_later_range():
    data = b"good\nfine\nok\nbad \xff here\nmore\n"
    cut = assert_ranges_equal_the_whole(data, "txt", 5, 3)
    assert len(cut.ranges) >= 3
    rejected = run_whole(data, "txt").rejected
    assert str(rejected) == "The file is not UTF-8: line 4 has an invalid byte at position 5"


# ---- .csv ----------------------------------------------------------------------------------

HEADERS = st.sampled_from(
    [b"text,x\n", b"x,text\r\n", b"\n\r\ntext\n", b"nope\n", b"", b"\xef\xbb\xbftext,x\n", b"te"]
)
CSV_BYTES = st.sampled_from(
    [b"a", b",", b'"', b'""', b"\n", b"\r\n", b"\r", b" ", b"\xc3\xa9", b"good", b'5"']
)


@given(
    header=HEADERS,
    body=st.lists(CSV_BYTES, max_size=60).map(b"".join),
    target=st.integers(1, 30),
    chunk=st.integers(1, 50),
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(header=b"text\n", body=b'"a\nb"\n\nc\n', target=1, chunk=1)
@example(header=b"text\n", body=b'a,5"\nb\n"c\nd"\n', target=1, chunk=2)
@example(header=b"text\n", body=b'"never closed\nx\ny\n', target=1, chunk=1)
@example(header=b"text\n", body=b"a\rb\nc\n", target=1, chunk=1)
@example(header=b"text\n", body=b'"a""\nb"\nc\n', target=1, chunk=1)  # the quote comes later
@example(header=b"\xef\xbb\xbf", body=b"", target=1, chunk=1)
def test_csv_ranges_give_the_whole_files_lines(header, body, target, chunk):
    assert_ranges_equal_the_whole(header + body, "csv", target, chunk)


def csv_rows(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def test_csv_ranges_end_only_where_records_end_quoted_newlines_and_stray_quotes_included():
    rows = [["id", "text"]] + [
        [str(i), f'line {i}\nspans, ""two"" lines' if i % 3 == 0 else f"plain {i}"]
        for i in range(1, 40)
    ]
    data = csv_rows(rows) + b'40,a 5" screen\n41,"after, it"\n'
    cut = assert_ranges_equal_the_whole(data, "csv", 20, 7)
    assert len(cut.ranges) > 10
    assert cut.header == Range(0, len(b"id,text\r\n"), 0, 1)
    records = [next(csv.reader(io.StringIO(data[r.start : r.end].decode()))) for r in cut.ranges]
    # every range but the first starts on a record, whose id is its first document's number
    assert [int(row[0]) for row in records[1:]] == [r.first_document for r in cut.ranges[1:]]


def test_blank_lines_are_not_records_and_the_header_may_follow_some():
    data = b"\r\n\ntext,n\r\n\r\ngood,1\n\nbad,2\n\n\nfine,3\n"
    cut = assert_ranges_equal_the_whole(data, "csv", 1, 4)
    assert cut.header == Range(3, 11, 0, 3)
    assert [(r.first_document, r.first_line) for r in cut.ranges] == [(1, 1), (2, 6), (3, 8)]


def test_a_csv_is_never_zero_ranges_so_its_header_is_always_checked():
    assert plan([b""], 0, "csv", 5).ranges == [Range(0, 0, 1, 1)]
    assert run_whole(b"", "csv").rejected is not None  # empty_file, as the whole file's run
    data = b"nope\n" + b"good\n" * 10
    cut = assert_ranges_equal_the_whole(data, "csv", 5, 3)
    assert len(cut.ranges) > 1


def test_a_record_left_open_past_the_limit_stops_the_cutting():
    data = b"text\ngood\n" + b'"' + b"x\n" * (MAX_OPEN_RECORD_BYTES // 2 + 10) + b"tail\n"
    cut = plan(chunked(data, 1 << 20), len(data), "csv", 4)
    assert [(r.start, r.end) for r in cut.ranges] == [(0, 10), (10, len(data))]


@pytest.mark.parametrize("size", [1, 2, 3])
def test_a_byte_order_mark_split_over_chunks_is_still_skipped(size):
    data = b"\xef\xbb\xbftext\ngood\nbad\n"
    cut = plan(chunked(data, size), len(data), "csv", 1)
    assert cut.header == Range(3, 8, 0, 1)
    assert [r.first_document for r in cut.ranges] == [1, 2]


def test_chunks_that_do_not_add_up_are_refused():
    with pytest.raises(ValueError, match="expected 10"):
        plan([b"abc"], 10, "txt", 5)
    with pytest.raises(ValueError, match="at least 1"):
        plan([b"abc"], 3, "csv", 0)


def test_every_split_of_a_real_csv_gives_its_lines():
    rows = [["source", "text", "label"]] + [
        [s, t, label]
        for s, t, label in itertools.islice(
            itertools.cycle(
                [
                    ("amazon", 'He said "great", then left', "1"),
                    ("yelp", "Two\nlines, quoted", "0"),
                    ("imdb", "", "1"),
                    ("imdb", "plain text", "0"),
                ]
            ),
            60,
        )
    ]
    data = csv_rows(rows) + b"short row\n\n"
    for target in (1, 17, 100, 10_000):
        assert_ranges_equal_the_whole(data, "csv", target, 13)
