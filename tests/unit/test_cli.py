"""The command line reuses analyse() and prints what the API returns; analyse-file analyses a
whole file with the S3 job's code (files.py)."""

import io
import json

import pytest

from jobs_support import (
    assert_counts_add_up,
    expected_counts,
    expected_records,
    labelled_file,
    parse_jsonl,
)
from sentiment_api.__main__ import main
from sentiment_api.analysis import AUTO, analyse


def test_analyses_each_argument(capsys):
    assert main(["analyse", "Happy New Year!", "Terrible food."]) == 0

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        analyse("Happy New Year!", language=AUTO).as_dict(),
        analyse("Terrible food.", language=AUTO).as_dict(),
    ]
    assert lines[0]["sentiment_score"] == 0.48522727272727273


def test_reads_lines_from_stdin(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Great!\n\nAwful.\r\n"))

    assert main(["analyse"]) == 0

    labels = [json.loads(line)["sentiment"] for line in capsys.readouterr().out.splitlines()]
    assert labels == ["positive", "negative"]


def test_empty_text_is_an_error(capsys):
    assert main(["analyse", "  "]) == 2
    assert "No text provided" in capsys.readouterr().err


def test_options_are_the_requests(capsys):
    text = "Great food. Awful service."
    argv = ["analyse", text, "--sentences", "--explain", "--neutral-threshold", "0.2"]
    assert main(argv) == 0

    line = json.loads(capsys.readouterr().out)
    expected = analyse(text, sentences=True, explain=True, neutral_threshold=0.2, language=AUTO)
    assert line == expected.as_dict()
    assert line["mixed"] is True and line["neutral_threshold"] == 0.2


def test_threshold_out_of_range_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["analyse", "good", "--neutral-threshold", "1.5"])
    assert exit_.value.code == 2


# ---- analyse-file: a whole file, as the S3 job analyses it -------------------------------------


def read_results(path):
    return parse_jsonl(path.read_text(encoding="utf-8"))


def test_analyse_file_writes_results_and_the_summary_beside_them(tmp_path, capsys):
    # Given a CSV of the labelled Amazon reviews whose text is in the column "review"
    data, documents = labelled_file("csv", "amazon", text_column="review")
    source = tmp_path / "reviews.csv"
    source.write_bytes(data)
    out = tmp_path / "results.jsonl"

    # When it is analysed into a file
    argv = ["analyse-file", str(source), "-o", str(out), "--text-column", "review"]
    assert main([*argv, "--no-progress"]) == 0

    # Then the results are one line per review, and the summary sits beside them
    records = read_results(out)
    assert records == expected_records(documents)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "results.jsonl",
        "results.summary.json",
        "reviews.csv",
    ]
    fields = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert fields["status"] == "COMPLETED" and "code" not in fields
    assert fields["input"] == {"key": str(source), "size": len(data), "etag": None}
    assert (fields["output"], fields["format"]) == (str(out), "csv")
    assert fields["options"]["text_column"] == "review"
    assert {k: fields[k] for k in ("documents", "results", "errors", "mean_score")} == (
        expected_counts(records)
    )
    assert_counts_add_up(fields)
    assert capsys.readouterr().out == ""


def test_analyse_file_from_stdin_to_stdout_puts_the_summary_on_stderr(capsys, monkeypatch):
    data, documents = labelled_file("jsonl", "yelp")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))

    assert main(["analyse-file", "-", "--format", "jsonl"]) == 0

    captured = capsys.readouterr()
    records = parse_jsonl(captured.out)
    assert records == expected_records(documents)
    fields = json.loads(captured.err)
    assert (fields["status"], fields["format"], fields["output"]) == ("COMPLETED", "jsonl", "-")
    assert fields["input"] == {"key": "-", "size": None, "etag": None}
    assert fields["documents"] == len(documents) == 1000


def test_analyse_file_from_stdin_needs_a_format(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"Great.\n")))

    with pytest.raises(SystemExit) as exit_:
        main(["analyse-file", "-"])

    assert exit_.value.code == 2
    assert "--format" in capsys.readouterr().err


def test_analyse_file_request_options(tmp_path, capsys):
    source = tmp_path / "texts.txt"
    texts = ["Great food. Awful service.", "It is a table.", "Rather good, I suppose."]
    source.write_text("\n".join(texts), encoding="utf-8")
    argv = ["analyse-file", str(source), "--sentences", "--explain", "--neutral-threshold", "0.3"]

    assert main(argv) == 0

    captured = capsys.readouterr()
    options = {"sentences": True, "explain": True, "neutral_threshold": 0.3}
    assert parse_jsonl(captured.out) == expected_records([(t, None) for t in texts], **options)
    assert json.loads(captured.err)["options"] == {
        "text_column": "text",
        **options,
        "engine": "textblob",
        "language": "auto",
    }


def test_a_rejected_file_exits_1_and_removes_earlier_results(tmp_path, capsys):
    # Given results of an earlier run of the same file
    source = tmp_path / "texts.txt"
    source.write_bytes(b"Great food.\nAwful service.\n")
    out = tmp_path / "texts.jsonl"
    assert main(["analyse-file", str(source), "-o", str(out)]) == 0
    assert len(read_results(out)) == 2

    # When the file, now not UTF-8 on its second line, is analysed again
    source.write_bytes(b"Great food.\ncaf\xe9 au lait\nAwful service.\n")
    status = main(["analyse-file", str(source), "-o", str(out)])

    # Then the exit status is 1, no results are left (nor a partial file), and the summary says
    # why
    assert status == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["texts.summary.json", "texts.txt"]
    fields = json.loads((tmp_path / "texts.summary.json").read_text(encoding="utf-8"))
    assert (fields["status"], fields["code"], fields["output"]) == ("FAILED", "not_utf8", None)
    assert "line 2" in fields["reason"]
    assert fields["reason"] in capsys.readouterr().err


def test_an_unsupported_extension_is_rejected_unless_the_format_is_given(tmp_path, capsys):
    source = tmp_path / "texts.tsv"
    source.write_text("Great food.\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"

    assert main(["analyse-file", str(source), "-o", str(out)]) == 1
    fields = json.loads((tmp_path / "out.summary.json").read_text(encoding="utf-8"))
    assert (fields["status"], fields["code"], fields["format"]) == (
        "FAILED",
        "unsupported_format",
        None,
    )
    assert not out.exists()

    assert main(["analyse-file", str(source), "-o", str(out), "--format", "txt"]) == 0
    assert read_results(out) == expected_records([("Great food.", None)])


def test_the_summary_of_an_output_not_named_jsonl_gets_the_whole_name(tmp_path):
    source = tmp_path / "texts.txt"
    source.write_text("Great food.\n", encoding="utf-8")

    assert main(["analyse-file", str(source), "-o", str(tmp_path / "out.txt")]) == 0

    assert (tmp_path / "out.txt.summary.json").is_file()


def test_analyse_file_of_a_missing_file_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["analyse-file", str(tmp_path / "nowhere.txt")])

    assert exit_.value.code == 2
    assert "nowhere.txt" in capsys.readouterr().err
