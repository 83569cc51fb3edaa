"""Whole-file analysis without AWS (files.py): every format, every document-level error, the
file-level rejections, the summary's counts, and memory that stays bounded on a large input.

Expected results are computed with ``analyse()`` on each document's text, never typed in.
"""

import io
import itertools
import json
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from typing import IO, Any, cast

import pytest

from jobs_support import (
    assert_counts_add_up,
    expected_counts,
    expected_records,
    labelled_file,
    parse_jsonl,
    sentences,
)
from sentiment_api.analysis import AUTO, SentimentResult, analyse, analyse_many
from sentiment_api.errors import FileRejectedError, UnsupportedLanguageError
from sentiment_api.jobs.files import (
    MAX_LINE_BYTES,
    JobOptions,
    Tally,
    analyse_stream,
    buffered,
    summary,
)
from sentiment_api.jobs.formats import file_format

MAX_TEXT_LENGTH = JobOptions().max_text_length


def job_analyse(text: str, **options: Any) -> Any:
    """``analyse()`` as a job runs it by default: the language identified."""
    return analyse(text, language=AUTO, **options)


def run(data: bytes, fmt: str, options: JobOptions | None = None, **kwargs):
    """Analyse ``data`` as ``fmt``: the parsed output lines, the raw output, the tally."""
    sink = io.StringIO()
    tally = analyse_stream(io.BytesIO(data), sink, fmt, options or JobOptions(), **kwargs)
    return parse_jsonl(sink.getvalue()), sink.getvalue(), tally


def completed_summary(tally: Tally, fmt: str, options: JobOptions | None = None) -> dict[str, Any]:
    return summary(
        status="COMPLETED",
        tally=tally,
        started=0.0,
        input_fields={"key": "in", "size": None, "etag": None},
        output_key="out",
        fmt=fmt,
        options=options or JobOptions(),
    )


def assert_error_line(
    record: dict[str, Any], line: int, code: str, meta: dict[str, Any] | None = None
) -> None:
    """An error line: its position, a message, the code, the meta if any, and no analysis."""
    expected_keys = {"line", "error", "code"} | ({"meta"} if meta else set())
    assert set(record) == expected_keys, record
    assert (record["line"], record["code"]) == (line, code)
    assert isinstance(record["error"], str) and record["error"]
    assert record.get("meta") == meta


# ---- every format, on the real labelled sentences --------------------------------------------


@pytest.mark.parametrize("fmt", ["txt", "csv", "jsonl"])
def test_each_format_gives_one_line_per_document_in_order_with_its_meta(fmt):
    # Given the 3,000 labelled sentences as a file of this format (the label carried as a column
    # or field, except in .txt)
    data, documents = labelled_file(fmt)
    assert len(documents) == 3000

    # When the file is analysed
    records, _, tally = run(data, fmt)

    # Then each document has its line, in order, with analyse()'s fields and its meta
    assert [r["line"] for r in records] == list(range(1, 3001))
    assert records == expected_records(documents)
    # And the summary's counts are those of the lines, and add up to the documents
    fields = completed_summary(tally, fmt)
    assert {key: fields[key] for key in ("documents", "results", "errors", "mean_score")} == (
        expected_counts(records)
    )
    # the only errors: English sentences the language check refuses (see tests of language)
    assert set(fields["errors"]) <= {"unsupported_language"}
    assert min(fields["results"].values()) > 0  # the data has every label
    assert_counts_add_up(fields)


def test_request_options_reach_every_document():
    data, documents = labelled_file("jsonl", "yelp")
    options = JobOptions(neutral_threshold=0.3, sentences=True, explain=True)

    records, _, tally = run(data, "jsonl", options)

    assert records == expected_records(
        documents, neutral_threshold=0.3, sentences=True, explain=True
    )
    # the threshold changed labels: some non-zero scores are neutral
    assert any(r["sentiment"] == "neutral" and r["sentiment_score"] != 0 for r in records)
    fields = completed_summary(tally, "jsonl", options)
    assert fields["options"] == {
        "text_column": "text",
        "neutral_threshold": 0.3,
        "sentences": True,
        "explain": True,
        "engine": "textblob",
        "language": "auto",
    }


def test_mean_score_and_counts_cover_analysed_documents_only():
    # Given three documents to analyse, one per label, and two that are errors
    analysed = ["Great food.", "Awful service.", "It is a table."]
    texts = [analysed[0], "", analysed[1], "é" * (MAX_TEXT_LENGTH + 1), analysed[2]]
    results = [job_analyse(t) for t in analysed]
    assert sorted(r.sentiment for r in results) == ["negative", "neutral", "positive"]

    records, _, tally = run("\n".join(texts).encode(), "txt")

    # Then the counts are per label and per error code, and the mean is over the three
    fields = completed_summary(tally, "txt")
    assert fields["documents"] == 5
    assert fields["results"] == {"positive": 1, "neutral": 1, "negative": 1}
    assert fields["errors"] == {"no_text": 1, "text_too_long": 1}
    assert fields["mean_score"] == round(sum(r.sentiment_score for r in results) / 3, 6)
    assert_counts_add_up(fields)
    assert [r.get("code") for r in records] == [None, "no_text", None, "text_too_long", None]


# ---- document-level errors -------------------------------------------------------------------

TXT_LINES = [
    ("Great food.", None),
    ("", "no_text"),
    (" \t\u00a0 ", "no_text"),
    ("é" * MAX_TEXT_LENGTH, None),  # 5,000 code points, 10,000 bytes: the cap counts code points
    ("é" * (MAX_TEXT_LENGTH + 1), "text_too_long"),
    ("I love it 😍, très bien !", "unsupported_language"),  # identified as French
    ("x" * (MAX_LINE_BYTES + 1), "text_too_long"),  # over MAX_LINE_BYTES: skipped, not read
    ("Awful service.", None),
]


def test_txt_document_errors_are_lines_of_their_own_and_the_rest_is_analysed():
    data = "".join(f"{text}\n" for text, _ in TXT_LINES).encode()

    records, raw, tally = run(data, "txt")

    assert len(records) == len(TXT_LINES)
    for number, ((text, code), record) in enumerate(zip(TXT_LINES, records, strict=True), 1):
        if code is None:
            assert record == {"line": number, **job_analyse(text).as_dict()}
        else:
            assert_error_line(record, number, code)
    assert "é" * MAX_TEXT_LENGTH in raw  # non-ASCII is written as is, not escaped
    assert tally.errors == Counter(code for _, code in TXT_LINES if code)


JSONL_LINES = [
    ('{"text": "Great food.", "id": 1}', None, {"id": 1}),
    ("", "no_text", None),
    ("   ", "no_text", None),
    ('{"text": "unterminated', "invalid_json", None),
    ("{'text': 'single quotes'}", "invalid_json", None),
    ("[1, 2]", "invalid_json", None),
    ('"a string"', "invalid_json", None),
    ("null", "invalid_json", None),
    ("[" * 100_000 + "]" * 100_000, "invalid_json", None),  # deeper than json can recurse
    ('{"id": 7}', "missing_text", {"id": 7}),
    ('{"text": 42, "id": 8}', "invalid_type", {"id": 8}),
    ('{"text": ["a list"]}', "invalid_type", None),
    ('{"text": null, "id": 9}', "no_text", {"id": 9}),
    ('{"text": ""}', "no_text", None),
    ('{"text": "lone \\ud800 surrogate", "id": 10}', "lone_surrogate", {"id": 10}),
    (json.dumps({"text": "é" * (MAX_TEXT_LENGTH + 1)}), "text_too_long", None),
    (json.dumps({"text": "x" * MAX_LINE_BYTES}), "line_too_long", None),
    (
        '{"text": "Sehr gut 👍", "tags": ["a"], "k": "\\udc80"}',
        None,
        {"tags": ["a"], "k": "\udc80"},
    ),
    ('{"text": "Awful service.", "text_column": "ignored"}', None, {"text_column": "ignored"}),
]


def test_jsonl_document_errors_keep_the_other_fields_as_meta():
    data = "".join(f"{line}\n" for line, _, _ in JSONL_LINES).encode()

    records, raw, tally = run(data, "jsonl")

    assert len(records) == len(JSONL_LINES)
    for number, ((line, code, meta), record) in enumerate(
        zip(JSONL_LINES, records, strict=True), 1
    ):
        if code is None:
            text = json.loads(line)["text"]
            assert record == {"line": number, **job_analyse(text).as_dict(), "meta": meta}
        else:
            assert_error_line(record, number, code, meta)
    assert tally.errors == Counter(code for _, code, _ in JSONL_LINES if code)
    # A lone surrogate in a field is kept as a JSON escape: the output is still valid UTF-8.
    raw.encode("utf-8")
    assert "\\udc80" in raw


def test_csv_records_blank_lines_quotes_and_missing_columns():
    data = (
        " id , text ,stars\r\n"  # names are stripped
        "1,Great food.,5\r\n"
        "\r\n"  # a blank line is not a record
        '2,"Said ""wow"", then left.",4\r\n'
        '3,"Line one.\r\nLine two, same review.",3\r\n'  # a quoted newline: one record
        "4\r\n"  # no text column in this record
        "5,,1\r\n"
        '6,"  ",2\r\n'
        "7,Très bon 😋,5,an extra field\r\n"  # fields beyond the header are dropped
        "\r\n"
    ).encode()

    records, _, tally = run(data, "csv")

    assert [r["line"] for r in records] == list(range(1, 8))
    analysed = {
        1: "Great food.",
        2: 'Said "wow", then left.',
        3: "Line one.\nLine two, same review.",
    }
    analysed[7] = "Très bon 😋"
    stars = {1: "5", 2: "4", 3: "3", 5: "1", 6: "2", 7: "5"}
    for record in records:
        n = record["line"]
        meta = {"id": str(n), **({"stars": stars[n]} if n in stars else {})}
        if n in analysed:
            assert record == {"line": n, **job_analyse(analysed[n]).as_dict(), "meta": meta}
    assert_error_line(records[3], 4, "missing_text", {"id": "4"})
    assert_error_line(records[4], 5, "no_text", {"id": "5", "stars": "1"})
    assert_error_line(records[5], 6, "no_text", {"id": "6", "stars": "2"})
    assert tally.documents == 7


def test_csv_text_column_option_chooses_the_column():
    data, documents = labelled_file("csv", "amazon", text_column="review")

    records, _, _ = run(data, "csv", JobOptions(text_column="review"))

    assert records == expected_records(documents)
    with pytest.raises(FileRejectedError) as rejected:
        run(data, "csv")  # the default column, text, is not there
    assert rejected.value.code == "missing_text_column"
    assert "'text'" in str(rejected.value) and "'review'" in str(rejected.value)


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        ("txt", "\ufeffGreat food.\r\nAwful service.\r\n"),
        ("csv", "\ufefftext\r\nGreat food.\r\nAwful service.\r\n"),
        ("jsonl", '\ufeff{"text": "Great food."}\r\n{"text": "Awful service."}\r\n'),
    ],
)
def test_a_leading_bom_and_crlf_line_ends_are_not_part_of_the_text(fmt, data):
    records, _, _ = run(data.encode(), fmt)

    assert records == expected_records([("Great food.", None), ("Awful service.", None)])


def test_a_bom_after_the_first_line_is_text():
    records, _, _ = run("Great food.\n\ufeffAwful.\n".encode(), "txt")

    assert records[1]["input"] == "\ufeffAwful."


def test_last_line_without_newline_is_a_document():
    records, _, _ = run(b"Great food.\nAwful service.", "txt")

    assert records == expected_records([("Great food.", None), ("Awful service.", None)])


@pytest.mark.parametrize("fmt", ["txt", "jsonl"])
def test_an_empty_txt_or_jsonl_file_has_no_documents(fmt):
    records, raw, tally = run(b"", fmt)

    assert (records, raw, tally.documents) == ([], "", 0)
    fields = completed_summary(tally, fmt)
    assert fields["mean_score"] is None and fields["results"] == dict.fromkeys(
        ("positive", "neutral", "negative"), 0
    )


# ---- file-level rejections -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("reviews.txt", "txt"),
        ("input/a.b/REVIEWS.CSV", "csv"),
        ("x.JsonL", "jsonl"),
    ],
)
def test_the_extension_sets_the_format(name, fmt):
    assert file_format(name) == fmt


@pytest.mark.parametrize("name", ["reviews.pdf", "reviews", "reviews.txt.gz", ".txt", "a.json"])
def test_other_extensions_are_rejected(name):
    with pytest.raises(FileRejectedError) as rejected:
        file_format(name)
    assert rejected.value.code == "unsupported_format"


@pytest.mark.parametrize(
    ("fmt", "lines"),
    [
        ("txt", [b"Great food.", b"Awful.", b"caf\xe9 au lait", b"Fine."]),
        ("jsonl", [b'{"text": "Great food."}', b'{"text": "Awful."}', b'{"text": "caf\xe9"}']),
        ("csv", [b"text", b"Great food.", b"caf\xe9 au lait", b"Fine."]),
        ("txt", [b"Great food.", b"Awful.", b"\xed\xa0\x80 (a surrogate, encoded)"]),
    ],
)
def test_a_file_that_is_not_utf8_mid_way_is_rejected_after_what_was_read(fmt, lines):
    sink = io.StringIO()
    tally = Tally()

    with pytest.raises(FileRejectedError) as rejected:
        analyse_stream(io.BytesIO(b"\n".join(lines)), sink, fmt, JobOptions(), tally=tally)

    assert rejected.value.code == "not_utf8"
    assert "line 3" in str(rejected.value)
    # the tally holds what was read before the bad line (the caller discards the output)
    documents = 1 if fmt == "csv" else 2
    assert tally.documents == len(parse_jsonl(sink.getvalue())) == documents


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"\n\r\n\n", "empty_file"),
        (b"review,label\nGreat food.,1\n", "missing_text_column"),
        (b"id,text\n1," + b"x" * MAX_LINE_BYTES + b"\n", "line_too_long"),
        # a quoted field over the csv module's field limit (MAX_LINE_BYTES), across lines
        (b'id,text\n1,"' + (b"y" * 1000 + b"\n") * 1100 + b'"\n', "malformed_csv"),
    ],
)
def test_csv_file_rejections(data, code):
    with pytest.raises(FileRejectedError) as rejected:
        run(data, "csv")
    assert rejected.value.code == code


def test_blank_lines_before_the_csv_header_are_skipped():
    records, _, _ = run(b"\n\r\ntext,id\nGreat food.,7\n", "csv")

    assert records == [{"line": 1, **job_analyse("Great food.").as_dict(), "meta": {"id": "7"}}]


@pytest.mark.parametrize("field", ["NaN", "-Infinity", "Infinity", "1e999", "-1e400"])
def test_jsonl_numbers_json_cannot_hold_make_the_line_invalid(field):
    # RFC 8259 has no NaN or Infinity; carried into meta they would be written back out as
    # invalid JSON.
    data = f'{{"text": "Great food.", "score": {field}}}\n{{"text": "Fine."}}\n'.encode()

    records, raw, _ = run(data, "jsonl")

    assert_error_line(records[0], 1, "invalid_json")
    assert records[1] == {"line": 2, **job_analyse("Fine.").as_dict()}
    assert "NaN" not in raw and "Infinity" not in raw


# ---- reading: buffered(), progress, bounded memory -------------------------------------------


def chunked(data: bytes, sizes: Iterator[int]) -> Callable[[int], bytes]:
    """A ``read(n)`` that returns at most the next of ``sizes`` bytes each time."""
    position = 0

    def read(n: int) -> bytes:
        nonlocal position
        chunk = data[position : position + min(n, next(sizes))]
        position += len(chunk)
        return chunk

    return read


def test_buffered_reads_lines_across_tiny_chunks_and_split_characters():
    # Given a file with multi-byte characters, read 1 to 11 bytes at a time (as a slow stream)
    data, documents = labelled_file("jsonl", "imdb")
    assert any(len(text.encode()) > len(text) for text, _ in documents)
    read = chunked(data, itertools.cycle([1, 2, 3, 5, 7, 11]))

    # When it is analysed through buffered()
    sink = io.StringIO()
    analyse_stream(buffered(read, size=64), sink, "jsonl", JobOptions())

    # Then the output is the same as from the whole file
    assert parse_jsonl(sink.getvalue()) == expected_records(documents)


def test_progress_reports_every_byte_read_including_skipped_long_lines():
    data = (
        b"Great food.\n"
        + b"x" * (MAX_LINE_BYTES + 1)
        + b"\n"
        + b"y" * (3 * MAX_LINE_BYTES + 5)
        + b"\nAwful.\n"
        + b"z" * (2 * MAX_LINE_BYTES)  # the last line, no newline
    )
    reported: list[int] = []

    records, _, _ = run(data, "txt", progress=reported.append)

    assert sum(reported) == len(data)
    assert [r.get("code") for r in records] == [
        None,
        "text_too_long",
        "text_too_long",
        None,
        "text_too_long",
    ]


LONG_LINE_BYTES = 12 << 20
"""Longer than the whole memory bound below: a reader that holds one such line fails."""


def large_input(fmt: str) -> Iterator[bytes]:
    """About 40 MB, lazily, in pieces of at most 64 KiB: the 3,000 labelled sentences, with
    ten 400 KB documents (over the text cap, read whole) and three 12 MiB lines (over
    MAX_LINE_BYTES, skipped) among them."""
    piece = 64 << 10

    def line(size: int, word: bytes) -> Iterator[bytes]:
        head, tail = (b'{"text": "', b'"}\n') if fmt == "jsonl" else (b"", b"\n")
        yield head
        for _ in range(size // piece):
            yield word * (piece // len(word))
        yield tail

    for number, sentence in enumerate(sentences(), start=1):
        text = json.dumps({"text": sentence.text}) if fmt == "jsonl" else sentence.text
        yield text.encode() + b"\n"
        if number % 300 == 0:
            yield from line(400_000, b"great ")
        if number % 1000 == 0:
            yield from line(LONG_LINE_BYTES, b"long")


def lazy_read(pieces: Iterator[bytes]) -> Callable[[int], bytes]:
    pending = b""

    def read(n: int) -> bytes:
        nonlocal pending
        while not pending:
            piece = next(pieces, None)
            if piece is None:
                return b""
            pending = piece
        chunk, pending = pending[:n], pending[n:]
        return chunk

    return read


class CountingSink:
    """A text sink that keeps nothing: counts lines and characters."""

    def __init__(self) -> None:
        self.lines = self.chars = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        self.chars += len(text)
        return len(text)


@pytest.mark.parametrize("fmt", ["txt", "jsonl"])
def test_memory_stays_bounded_on_a_large_input(fmt):
    # Given about 40 MB produced lazily and read through buffered()
    size = sum(map(len, large_input(fmt)))
    assert size > 40_000_000
    analyse("warm up")  # nothing lazy of the analysis counts against the bound
    sink = CountingSink()
    text_sink = cast("IO[str]", sink)  # analyse_stream only calls its sink's write()

    # When it is analysed with tracemalloc on
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        tally = analyse_stream(buffered(lazy_read(large_input(fmt))), text_sink, fmt, JobOptions())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Then every document got its line
    assert tally.documents == sink.lines == 3000 + 10 + 3
    too_long = "text_too_long" if fmt == "txt" else "line_too_long"
    outcomes = analyse_many([s.text for s in sentences()], language=AUTO)
    refused = sum(isinstance(o, UnsupportedLanguageError) for o in outcomes)
    expected_errors = Counter(text_too_long=10) + Counter({too_long: 3})
    assert tally.errors == expected_errors + Counter(unsupported_language=refused)
    assert tally.results == Counter(o.sentiment for o in outcomes if isinstance(o, SentimentResult))
    # And the peak of what Python allocated stays under 10 MB: one read buffer (1 MiB), one
    # line of at most MAX_LINE_BYTES as bytes, its join copy and its decoded text, one output
    # record: a few MiB. 10 MB is a quarter of the input and under one 12 MiB line, so holding
    # the file, the output, or a whole long line would fail here.
    assert peak < 10_000_000, f"peak {peak:,} bytes for a {size:,}-byte input"
