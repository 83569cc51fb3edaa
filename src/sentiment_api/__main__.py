"""Command line: ``python -m sentiment_api analyse "some text"`` (or text on standard input).

Prints the same JSON object ``POST /analyse`` returns, one line per text, without any
container or AWS. Exit status 2 on empty input.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from sentiment_api.analysis import analyse


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and analyse each text argument, or each non-empty stdin line."""
    parser = argparse.ArgumentParser(prog="python -m sentiment_api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("analyse", help="analyse texts given as arguments or on stdin")
    command.add_argument("texts", nargs="*", help="texts to analyse (default: stdin lines)")
    args = parser.parse_args(argv)

    texts = args.texts or [line.rstrip("\r\n") for line in sys.stdin if line.strip()]
    if not texts or not all(text.strip() for text in texts):
        print("No text provided", file=sys.stderr)
        return 2
    for text in texts:
        print(json.dumps(asdict(analyse(text)), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
