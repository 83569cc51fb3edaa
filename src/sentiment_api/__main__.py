"""Command line: ``python -m sentiment_api analyse "some text"`` (or text on standard input).

Prints the same JSON object ``POST /analyse`` returns, one line per text, without any
container or AWS; ``--sentences``, ``--explain`` and ``--neutral-threshold`` are the request's
options. Exit status 2 on empty input or a threshold outside [0, 1].
"""

from __future__ import annotations

import argparse
import json
import sys

from sentiment_api.analysis import analyse, has_lone_surrogate


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and analyse each text argument, or each non-empty stdin line."""
    parser = argparse.ArgumentParser(prog="python -m sentiment_api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("analyse", help="analyse texts given as arguments or on stdin")
    command.add_argument("texts", nargs="*", help="texts to analyse (default: stdin lines)")
    command.add_argument("--sentences", action="store_true", help="score each sentence too")
    command.add_argument("--explain", action="store_true", help="list the scored expressions")
    command.add_argument(
        "--neutral-threshold",
        type=float,
        default=0.0,
        metavar="T",
        help="|score| <= T is neutral, 0 to 1 (default 0)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.neutral_threshold <= 1:
        parser.error("--neutral-threshold must be from 0 to 1")

    texts = args.texts or [line.rstrip("\r\n") for line in sys.stdin if line.strip()]
    if not texts or not all(text.strip() for text in texts):
        print("No text provided", file=sys.stderr)
        return 2
    if any(has_lone_surrogate(text) for text in texts):  # bytes that were not UTF-8
        print("The text is not valid UTF-8", file=sys.stderr)
        return 2
    for text in texts:
        result = analyse(
            text,
            neutral_threshold=args.neutral_threshold,
            sentences=args.sentences,
            explain=args.explain,
        )
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
