"""The command line reuses analyse() and prints what the API returns."""

import io
import json
from dataclasses import asdict

from sentiment_api.__main__ import main
from sentiment_api.analysis import analyse


def test_analyses_each_argument(capsys):
    assert main(["analyse", "Happy New Year!", "Terrible food."]) == 0

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [asdict(analyse("Happy New Year!")), asdict(analyse("Terrible food."))]
    assert lines[0]["sentiment_score"] == 0.48522727272727273


def test_reads_lines_from_stdin(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Great!\n\nAwful.\r\n"))

    assert main(["analyse"]) == 0

    labels = [json.loads(line)["sentiment"] for line in capsys.readouterr().out.splitlines()]
    assert labels == ["positive", "negative"]


def test_empty_text_is_an_error(capsys):
    assert main(["analyse", "  "]) == 2
    assert "No text provided" in capsys.readouterr().err
