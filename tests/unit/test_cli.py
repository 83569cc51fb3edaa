"""The command line reuses analyse() and prints what the API returns."""

import io
import json

import pytest

from sentiment_api.__main__ import main
from sentiment_api.analysis import analyse


def test_analyses_each_argument(capsys):
    assert main(["analyse", "Happy New Year!", "Terrible food."]) == 0

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [analyse("Happy New Year!").as_dict(), analyse("Terrible food.").as_dict()]
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
    assert line == analyse(text, sentences=True, explain=True, neutral_threshold=0.2).as_dict()
    assert line["mixed"] is True and line["neutral_threshold"] == 0.2


def test_threshold_out_of_range_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["analyse", "good", "--neutral-threshold", "1.5"])
    assert exit_.value.code == 2
