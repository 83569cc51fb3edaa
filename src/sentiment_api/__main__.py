"""Command line, without any container or AWS.

- ``python -m sentiment_api analyse "some text"`` (or texts on standard input, one per line)
  prints the JSON object ``POST /analyse`` returns, one line per text; a text refused as not
  English gets ``{"error", "code": "unsupported_language"}`` on its line, and exit status 1.
  Exit status 2 on empty input or a threshold outside [0, 1].
- ``python -m sentiment_api analyse-file reviews.csv -o results.jsonl`` analyses a whole file
  as the S3 sentiment job does (same code, :mod:`sentiment_api.jobs.files`): the same JSON Lines,
  and the same summary, in ``results.summary.json`` (or on standard error when the results go
  to standard output). ``-`` reads standard input (give ``--format``). A progress bar goes to
  standard error on a terminal. Exit status 0 when the file is analysed (even if some
  documents are errors), 1 when the file is rejected (the summary says why), 2 on usage errors.

``--engine`` (``textblob``, the default, or another engine's name), ``--sentences``,
``--explain``, ``--neutral-threshold`` and ``--language`` (``auto``, the default: identify and
refuse what is confidently not English; ``en``; ``off``) are the request's options in both.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from sentiment_api.analysis import analyse_many
from sentiment_api.engines import ENGINE_NAMES
from sentiment_api.errors import DomainError, FileRejectedError
from sentiment_api.jobs.files import JobOptions, Tally, analyse_stream, summary
from sentiment_api.jobs.formats import FORMATS, file_format
from sentiment_api.settings import get_settings
from sentiment_api.text import has_lone_surrogate


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the ``analyse`` or ``analyse-file`` command; the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m sentiment_api",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("analyse", help="analyse texts given as arguments or on stdin")
    command.add_argument("texts", nargs="*", help="texts to analyse (default: stdin lines)")
    file_command = commands.add_parser(
        "analyse-file", help="analyse a .txt, .csv or .jsonl file into JSON Lines, as the S3 job"
    )
    file_command.add_argument("input", help="the file, or - for standard input")
    file_command.add_argument(
        "-o", "--output", default="-", help="the JSON Lines results (default: standard output)"
    )
    file_command.add_argument(
        "--format",
        choices=sorted(set(FORMATS.values())),
        help="the input's format (default: from its extension; required for -)",
    )
    file_command.add_argument(
        "--text-column", default="text", help="the .csv column holding the text (default text)"
    )
    file_command.add_argument(
        "--no-progress", action="store_true", help="no progress bar, even on a terminal"
    )
    for sub in (command, file_command):
        sub.add_argument(
            "--engine",
            choices=ENGINE_NAMES,
            default="textblob",
            help="the engine (default textblob)",
        )
        sub.add_argument("--sentences", action="store_true", help="score each sentence too")
        sub.add_argument("--explain", action="store_true", help="list the scored expressions")
        sub.add_argument(
            "--neutral-threshold",
            type=float,
            metavar="T",
            help="|score| <= T is neutral, 0 to 1 (default: each engine's own rule: the most "
            "probable class for the trained engines, only 0 is neutral for textblob)",
        )
        sub.add_argument(
            "--language",
            choices=("auto", "en", "off"),
            default="auto",
            help="auto (default): identify each text's language and refuse one confidently "
            "not English (unsupported_language); en: declare English, no identification; off: "
            "no identification, no refusal",
        )
    args = parser.parse_args(argv)
    if args.neutral_threshold is not None and not 0 <= args.neutral_threshold <= 1:
        parser.error("--neutral-threshold must be from 0 to 1")
    args.language = None if args.language == "off" else args.language
    if args.command == "analyse-file":
        if args.input == "-" and args.format is None:
            parser.error("--format is needed to read standard input")
        if args.input != "-" and not os.path.isfile(args.input):
            parser.error(f"{args.input}: no such file")
        if args.output != "-" and not Path(args.output).resolve().parent.is_dir():
            parser.error(f"{args.output}: its directory does not exist")
        return _analyse_file(args)
    return _analyse_texts(args)


def _analyse_texts(args: argparse.Namespace) -> int:
    texts = args.texts or [line.rstrip("\r\n") for line in sys.stdin if line.strip()]
    if not texts or not all(text.strip() for text in texts):
        print("No text provided", file=sys.stderr)
        return 2
    if any(has_lone_surrogate(text) for text in texts):  # bytes that were not UTF-8
        print("The text is not valid UTF-8", file=sys.stderr)
        return 2
    status = 0
    for outcome in analyse_many(
        texts,
        engine=args.engine,
        neutral_threshold=args.neutral_threshold,
        sentences=args.sentences,
        explain=args.explain,
        language=args.language,
    ):
        if isinstance(outcome, DomainError):
            print(json.dumps(outcome.fields(), ensure_ascii=False))
            status = 1
        else:
            print(json.dumps(outcome.as_dict(), ensure_ascii=False))
    return status


def _analyse_file(args: argparse.Namespace) -> int:
    """Analyse ``args.input`` into ``args.output``; write the summary; 0, or 1 if rejected.

    A file output is written beside its final name and renamed when complete; when the file is
    rejected, no results file is left (an earlier one is removed), as the S3 job does.
    """
    options = JobOptions(
        text_column=args.text_column,
        neutral_threshold=args.neutral_threshold,
        sentences=args.sentences,
        explain=args.explain,
        max_text_length=get_settings().max_text_length,
        engine=args.engine,
        language=args.language,
    )
    to_stdout = args.output == "-"
    output = None if to_stdout else Path(args.output)
    partial = None if output is None else output.with_name(output.name + ".partial")
    size = None if args.input == "-" else os.path.getsize(args.input)
    started = time.time()
    tally = Tally()
    fmt = args.format
    status, failure = "COMPLETED", None
    try:
        fmt = fmt or file_format(args.input)
        with contextlib.ExitStack() as stack:
            source = (
                sys.stdin.buffer
                if args.input == "-"
                else stack.enter_context(open(args.input, "rb"))
            )
            sink = (
                sys.stdout
                if partial is None
                else stack.enter_context(open(partial, "w", encoding="utf-8", newline="\n"))
            )
            bar = stack.enter_context(_progress(size, disable=args.no_progress))
            analyse_stream(source, sink, fmt, options, tally=tally, progress=bar.update)
        if partial is not None and output is not None:
            partial.replace(output)
    except FileRejectedError as exc:
        status, failure = "FAILED", exc
        for stale in (partial, output):
            if stale is not None:
                stale.unlink(missing_ok=True)
    fields = summary(
        status=status,
        tally=tally,
        started=started,
        input_fields={"key": args.input, "size": size, "etag": None},
        output_key=None if failure else args.output,
        fmt=fmt,
        options=options,
        failure=failure,
    )
    _write_summary(fields, output)
    if failure is not None:
        print(f"{args.input}: {failure}", file=sys.stderr)
    return 0 if failure is None else 1


def _progress(total: int | None, *, disable: bool) -> Any:
    """A tqdm progress bar in bytes on standard error; off when that is not a terminal."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=True if disable else None,
        desc="analysing",
    )


def _write_summary(fields: dict[str, Any], output: Path | None) -> None:
    """``<output without .jsonl>.summary.json`` (the S3 job's naming), or standard error."""
    text = json.dumps(fields, ensure_ascii=False, indent=2)
    if output is None:
        print(text, file=sys.stderr)
        return
    stem = output.name.removesuffix(".jsonl")
    output.with_name(f"{stem}.summary.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
