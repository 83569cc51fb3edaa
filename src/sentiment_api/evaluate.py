"""Score an engine against human-labelled sentences, in process or over HTTP.

Classifies every sentence of the UCI "Sentiment Labelled Sentences" data set (Kotzias et al.,
KDD 2015; 1,000 lines per file, label 1 positive / 0 negative) and prints, per file and
overall, accuracy, a confusion matrix, how many came back neutral, and sentences per second.
Without ``--url`` it calls :func:`~sentiment_api.analysis.analyse` in this process (nothing to
start); with ``--url`` it sends each sentence to ``POST {url}/analyse`` and, against a deployed
endpoint, doubles as a smoke test: it exits 1 if any request did not return 200.
``--engine`` chooses the engine (in process), or is sent as the request field ``engine``.

Usage::

    python -m sentiment_api.evaluate [--engine textblob|model] [--url URL] [--api-key KEY]
                                     [--data DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sentiment_api.engines import ENGINE_NAMES

DEFAULT_DATA = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "sentiment-labelled-sentences"
)
LABELS = ("positive", "negative", "neutral")
"""Predicted labels, the rows of the confusion matrix."""
GOLD = {"1": "positive", "0": "negative"}
"""The data set's labels, the columns of the confusion matrix."""


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    """One line of the data set: ``source`` is the file's stem (e.g. ``amazon_cells_labelled``)."""

    source: str
    text: str
    gold: str  # "positive" or "negative"


def load_labelled_sentences(directory: Path, limit: int | None = None) -> list[LabelledSentence]:
    """Read every ``*_labelled.txt`` file in ``directory``: ``sentence<TAB>label`` per line.

    Args:
        directory: the data set's folder.
        limit: keep at most this many sentences per file (its first ones), or all if None.

    Returns:
        The sentences, file by file in name order, each file in line order.

    Raises:
        FileNotFoundError: if ``directory`` holds no ``*_labelled.txt`` file.
        ValueError: on a line that is not ``text<TAB>0|1``.
    """
    files = sorted(directory.glob("*_labelled.txt"))
    if not files:
        raise FileNotFoundError(f"no *_labelled.txt files in {directory}")
    sentences: list[LabelledSentence] = []
    for path in files:
        # Tab-separated, no quoting: some sentences contain quotes (see the data set's README).
        lines = path.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.strip()][:limit]
        for number, line in enumerate(kept, start=1):
            text, _, label = line.rpartition("\t")
            if label.strip() not in GOLD or not text:
                raise ValueError(f"{path.name}:{number}: expected 'text<TAB>0|1'")
            sentences.append(LabelledSentence(path.stem, text.strip(), GOLD[label.strip()]))
    return sentences


@dataclass
class ConfusionTally:
    """Confusion counts of predicted label (positive/negative/neutral) against gold (pos/neg).

    Accuracy counts a neutral prediction as a miss, as the data set's README does.
    """

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: int = 0

    def add(self, predicted: str | None, gold: str) -> None:
        """Count one sentence; ``predicted`` is None when the request failed."""
        if predicted is None:
            self.failures += 1
        else:
            self.counts[predicted, gold] += 1

    @property
    def total(self) -> int:
        """Sentences with an answer."""
        return sum(self.counts.values())

    @property
    def correct(self) -> int:
        """Sentences whose predicted label equals the gold label."""
        return self.counts["positive", "positive"] + self.counts["negative", "negative"]

    @property
    def neutral(self) -> int:
        """Sentences predicted neutral (score exactly 0 under the default threshold)."""
        return self.counts["neutral", "positive"] + self.counts["neutral", "negative"]

    @property
    def accuracy(self) -> float:
        """correct / total, in [0, 1]; 0 when nothing was answered."""
        return self.correct / self.total if self.total else 0.0

    def report(self, title: str) -> str:
        """The tally as a few lines of text: accuracy, neutrals and the confusion matrix."""
        decided = self.total - self.neutral
        lines = [
            f"{title}: {self.total} sentences, accuracy {self.accuracy:.3f}"
            f" ({self.correct}/{self.total}), neutral {self.neutral}"
            + (f", accuracy without neutrals {self.correct / decided:.3f}" if decided else "")
            + (f", FAILED REQUESTS {self.failures}" if self.failures else ""),
            f"  {'predicted / label':<20}{'positive (1)':>14}{'negative (0)':>14}",
        ]
        for predicted in LABELS:
            row = (self.counts[predicted, "positive"], self.counts[predicted, "negative"])
            lines.append(f"  {predicted:<20}{row[0]:>14}{row[1]:>14}")
        return "\n".join(lines)


class ApiClient:
    """Calls ``POST {url}/analyse``, one keep-alive connection per thread.

    Args:
        url: the API's base URL, e.g. ``http://127.0.0.1:3000`` or a deployed stage's URL.
        api_key: sent as ``x-api-key`` when given (API Gateway API keys).
        timeout: seconds per request.
    """

    def __init__(self, url: str, api_key: str | None = None, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self._connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        self._netloc = parts.netloc
        self._path = parts.path.rstrip("/") + "/analyse"
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            self._headers["x-api-key"] = api_key
        self._timeout = timeout
        self._local = threading.local()

    def analyse(self, text: str, engine: str | None = None) -> tuple[int, dict[str, Any]]:
        """POST one text (with ``engine`` as the request field when given); returns (HTTP
        status, decoded JSON body). Retries once on a dropped keep-alive connection."""
        body = json.dumps({"text": text} if engine is None else {"text": text, "engine": engine})
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request("POST", self._path, body=body, headers=self._headers)
                response = connection.getresponse()
                payload = response.read()
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
                return response.status, json.loads(payload or b"{}")
            except (http.client.HTTPException, ConnectionError):
                connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connection_class(self._netloc, timeout=self._timeout)
            self._local.connection = connection
        return connection


def evaluate(
    sentences: Iterable[LabelledSentence],
    classify: Callable[[str], str | None],
    concurrency: int = 4,
) -> tuple[dict[str, ConfusionTally], ConfusionTally, float]:
    """Classify every sentence and tally the answers.

    Args:
        sentences: the labelled sentences.
        classify: text -> predicted label, or None if it could not be classified.
        concurrency: requests in flight at once.

    Returns:
        (tally per source file, overall tally, elapsed seconds).
    """
    sentences = list(sentences)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        predictions = list(pool.map(classify, (s.text for s in sentences)))
    elapsed = time.perf_counter() - started
    per_source: dict[str, ConfusionTally] = {}
    overall = ConfusionTally()
    for sentence, predicted in zip(sentences, predictions, strict=True):
        per_source.setdefault(sentence.source, ConfusionTally()).add(predicted, sentence.gold)
        overall.add(predicted, sentence.gold)
    return per_source, overall, elapsed


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (0 if every request returned 200)."""
    parser = argparse.ArgumentParser(
        prog="python -m sentiment_api.evaluate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--url", help="API base URL, e.g. http://127.0.0.1:3000 (default: in process, no HTTP)"
    )
    parser.add_argument(
        "--engine",
        choices=ENGINE_NAMES,
        help="textblob or model (default: textblob in process, the deployment's over HTTP)",
    )
    parser.add_argument("--api-key", help="send this API Gateway API key as x-api-key")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data set folder")
    parser.add_argument("--limit", type=int, help="at most this many sentences per file")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight (default 4)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    args = parser.parse_args(argv)

    sentences = load_labelled_sentences(args.data, args.limit)
    problems: Counter[str] = Counter()
    if args.url is None:
        return _evaluate_in_process(sentences, args.engine or "textblob")
    client = ApiClient(args.url, args.api_key, args.timeout)

    def classify(text: str) -> str | None:
        try:
            status, body = client.analyse(text, args.engine)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            problems[type(exc).__name__] += 1
            return None
        if status != 200:
            problems[f"HTTP {status} {body.get('code', '')}".strip()] += 1
            return None
        label: str = body["sentiment"]
        return label

    print(f"Evaluating {len(sentences)} sentences against {args.url} ...", file=sys.stderr)
    per_source, overall, elapsed = evaluate(sentences, classify, args.concurrency)
    _print_tallies(per_source, overall)
    print(
        f"{len(sentences)} requests in {elapsed:.1f} s: {len(sentences) / elapsed:.1f} requests/s"
        f" (concurrency {args.concurrency})"
    )
    for problem, count in problems.most_common():
        print(f"failed: {count} x {problem}", file=sys.stderr)
    return 1 if overall.failures else 0


def _print_tallies(per_source: dict[str, ConfusionTally], overall: ConfusionTally) -> None:
    """The table: each file's tally, then the overall one."""
    for source, tally in per_source.items():
        print(tally.report(source))
    print(overall.report("overall"))


def _evaluate_in_process(sentences: list[LabelledSentence], engine: str) -> int:
    """Classify with :func:`analyse` directly, one thread (the work is CPU-bound); always 0."""
    from sentiment_api.analysis import analyse

    def classify(text: str) -> str:
        return analyse(text, engine=engine).sentiment

    print(f"Evaluating {len(sentences)} sentences in process, engine {engine} ...", file=sys.stderr)
    per_source, overall, elapsed = evaluate(sentences, classify, concurrency=1)
    _print_tallies(per_source, overall)
    print(
        f"{len(sentences)} sentences in {elapsed:.2f} s: {len(sentences) / elapsed:.0f}"
        f" sentences/s (in process, engine {engine})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
