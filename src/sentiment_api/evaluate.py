"""Score the engines against human-labelled text, side by side, in process or over HTTP.

Three sets; each is printed as one table with the engines side by side (``--engine`` for one):

* **The UCI sentences** (the default): the 3,000 sentences of "Sentiment Labelled Sentences"
  (Kotzias et al., "From Group to Individual Labels Using Deep Features", KDD 2015; 1,000 lines
  per file from Amazon, IMDb and Yelp, label 1 positive / 0 negative), from
  ``../shared/data/sentiment-labelled-sentences``. Per file and overall, for each engine: the
  accuracy with the engine's default label rule, where a ``neutral`` answer is a miss (the set
  has no neutral class; its README counts a neutral answer so); how many were answered
  neutral; and, for the trained engines (whose default label is the most probable of three
  classes), the accuracy with the sign rule (``neutral_threshold=0``: the sign of p(positive) -
  p(negative)). They are scored without the language check (``language=None``: the set is
  English); how many of them the check would refuse (false refusals) is reported beside, each
  refused sentence listed.
* **VADER's held-out sentences** (``--vader``): the test split of the human-rated sentences of
  Hutto & Gilbert ("VADER", ICWSM 2014) as ``tools/train_model.py`` splits them (never used to
  train or choose anything), per domain: two-class accuracy by sign on the sentences with a
  non-zero mean rating (a neutral answer is a miss), and three-class accuracy and macro-F1
  against the labels of each trained engine's neutral band (read from its artefact; textblob,
  which has none, is held to the ``model`` engine's band, and answers neutral only for a score
  of exactly 0); and the language check's false refusals. It needs the repository's ``tools/``
  (absent from the Lambda image) and, the first time, pip to download the vaderSentiment sdist
  into ``.cache/vader/``.
* **The challenge set** (``--challenge``): ``tests/data/challenge.tsv`` (its CHALLENGE.md), with
  the language check on (``language="auto"``): per category, the share of rows passed (an
  English row passes when the engine's default label equals its ``expected`` label; a
  ``refused`` row when the text is refused as not English), and the targets of issue 17, each
  shown as met or MISSED with its figure. Nothing is tuned to them.

In process, :func:`~sentiment_api.analysis.analyse_many` scores each engine's texts in one call.
With ``--url`` each text is sent to ``POST {url}/analyse`` instead (``--engine`` as the request
field ``engine``; without it, the deployment's default engine): a 422 ``unsupported_language``
is the deployment's answer "refused" (a miss on the UCI sentences, counted and listed); any
other status, or no answer, is a failed request, and the command exits 1, so that against a
deployed endpoint it doubles as a smoke test.

The figures come from functions that return plain data (:func:`uci_figures`,
:func:`vader_figures`, :func:`challenge_figures`, all three through :func:`figures`), printed
by the ``format_*`` functions; ``--json`` prints the data itself. For a trained engine the UCI
figures include a reliability diagram's (:func:`reliability`): how often a sentence is positive
against the probability of positive the engine gave it.

``--plot`` draws the UCI and challenge figures as PNGs under ``docs/img/`` (``--plot-dir`` for
another folder), each beside the JSON of the figures it was drawn from: by the repository's
``tools/plots.py``, with matplotlib, a development dependency only, imported by nothing else
(the Lambda image has neither).

Usage::

    python -m sentiment_api.evaluate [--engine NAME] [--vader] [--challenge [--verbose]]
                                     [--url URL [--api-key KEY]] [--data DIR] [--limit N]
                                     [--json] [--plot [--plot-dir DIR]]
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import json
import os
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sentiment_api.engines import ENGINE_NAMES

if TYPE_CHECKING:
    from sentiment_api.analysis import SentimentResult

REPOSITORY = Path(__file__).resolve().parents[2]
"""The repository root, when this module runs from a checkout (``src/sentiment_api/``)."""
DEFAULT_DATA = REPOSITORY.parent / "shared" / "data" / "sentiment-labelled-sentences"
CHALLENGE = REPOSITORY / "tests" / "data" / "challenge.tsv"
PLOTS = REPOSITORY / "docs" / "img"
"""Where ``--plot`` writes its PNGs (and the figures each was drawn from) by default."""
LABELS = ("positive", "negative", "neutral")
"""Predicted labels, the rows of the confusion matrix."""
GOLD = {"1": "positive", "0": "negative"}
"""The data set's labels, the columns of the confusion matrix."""
REFUSED = "refused"
"""The answer for a text the language check refused (an ``UnsupportedLanguageError``, or a 422
``unsupported_language`` over HTTP)."""
OVERALL = "overall"
"""The key of the figures over every file (the UCI sentences) or category (the challenge set);
VADER's figures (from ``tools/train_model.py``) call theirs over every domain ``all``."""
REFERENCE_BAND_ENGINE = "model"
"""The engine whose neutral band labels VADER's sentences for an engine without a band."""
MAX_FALSE_REFUSALS = 0.005
"""Issue 17: at most 0.5 % of English texts refused."""
RELIABILITY_BINS = 10
"""Equal-width bins of the predicted probability in a reliability diagram."""

CHALLENGE_COLUMNS = ("category", "expected", "language", "text")
CHALLENGE_CATEGORIES = (
    "negation",
    "contrast",
    "intensifiers",
    "no_opinion",
    "emoticons_emoji",
    "questions",
    "non_english",
)
CHALLENGE_EXPECTED = ("positive", "negative", "neutral", REFUSED)


@dataclass(frozen=True, slots=True)
class Target:
    """A target of issue 17 for the best trained engine on the challenge set: ``key``'s figure
    (a share, in an engine's :func:`score_challenge` figures) at least ``minimum``."""

    key: str
    minimum: float
    description: str


CHALLENGE_TARGETS = (
    Target("negation", 0.85, "negation rows passed"),
    Target("no_opinion_neutral", 0.80, "no-opinion rows answered neutral"),
    Target("non_english_refused", 1.0, "non-English rows refused"),
)


# ---- the UCI sentences ------------------------------------------------------------------------


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
    """Confusion counts of the answer (positive/negative/neutral, or refused) against the gold
    label (positive/negative).

    Accuracy counts a neutral answer as a miss, as the data set's README does; a refused text
    is a miss too.
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
        """Sentences answered neutral."""
        return self.counts["neutral", "positive"] + self.counts["neutral", "negative"]

    @property
    def refused(self) -> int:
        """Sentences refused by the language check."""
        return self.counts[REFUSED, "positive"] + self.counts[REFUSED, "negative"]

    @property
    def accuracy(self) -> float:
        """correct / total, in [0, 1]; 0 when nothing was answered."""
        return self.correct / self.total if self.total else 0.0

    def summary(self) -> dict[str, Any]:
        """``{"sentences", "correct", "accuracy", "neutral", "refused", "failures"}``."""
        return {
            "sentences": self.total,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "neutral": self.neutral,
            "refused": self.refused,
            "failures": self.failures,
        }

    def report(self, title: str) -> str:
        """The tally as a few lines of text: accuracy, neutrals and the confusion matrix (with a
        ``refused`` row when a text was refused)."""
        decided = self.total - self.neutral - self.refused
        lines = [
            f"{title}: {self.total} sentences, accuracy {self.accuracy:.3f}"
            f" ({self.correct}/{self.total}), neutral {self.neutral}"
            + (f", refused {self.refused}" if self.refused else "")
            + (f", accuracy without neutrals {self.correct / decided:.3f}" if decided else "")
            + (f", FAILED REQUESTS {self.failures}" if self.failures else ""),
            f"  {'predicted / label':<20}{'positive (1)':>14}{'negative (0)':>14}",
        ]
        for predicted in LABELS + ((REFUSED,) if self.refused else ()):
            row = (self.counts[predicted, "positive"], self.counts[predicted, "negative"])
            lines.append(f"  {predicted:<20}{row[0]:>14}{row[1]:>14}")
        return "\n".join(lines)


def tallies(
    sentences: Sequence[LabelledSentence], answers: Sequence[str | None]
) -> dict[str, ConfusionTally]:
    """The answers tallied per source file (in order of appearance), then :data:`OVERALL`."""
    per_source: dict[str, ConfusionTally] = {}
    overall = ConfusionTally()
    for sentence, predicted in zip(sentences, answers, strict=True):
        per_source.setdefault(sentence.source, ConfusionTally()).add(predicted, sentence.gold)
        overall.add(predicted, sentence.gold)
    return {**per_source, OVERALL: overall}


def uci_figures(
    sentences: Sequence[LabelledSentence], engines: Sequence[str] = ENGINE_NAMES
) -> dict[str, Any]:
    """Score ``sentences`` with each engine in process (``language=None``), and count the
    language check's false refusals.

    Returns:
        ``{"sentences": n, "engines": {engine: {"files": {source: cell, ..., "overall": cell},
        "trained": bool, "seconds": float}}, "language": false_refusals(...)}``, where a cell is
        ``{"sentences", "correct", "accuracy", "neutral", "refused", "failures"}`` under the
        engine's default label rule (a neutral answer is a miss; nothing is refused here), plus
        ``"sign_correct"`` and ``"sign_accuracy"``, the same with ``neutral_threshold=0``, for a
        trained engine (None for the others, whose default rule is that one). A trained
        engine's figures also hold ``"reliability"``: :func:`reliability` of each sentence's
        p(positive | not neutral) = p(positive) / (p(positive) + p(negative)) against whether
        it is positive (None for the others, which give no probabilities).
    """
    from sentiment_api.analysis import label_for

    texts = [sentence.text for sentence in sentences]
    engine_figures: dict[str, Any] = {}
    for engine in engines:
        started = time.perf_counter()
        results = _analysed(texts, engine)
        seconds = time.perf_counter() - started
        trained = any(result.probabilities is not None for result in results)
        default = tallies(sentences, [result.sentiment for result in results])
        # The sign rule needs no second run: label_for(score, 0) is what neutral_threshold=0 gives.
        sign = tallies(sentences, [label_for(result.sentiment_score, 0.0) for result in results])
        engine_figures[engine] = {
            "files": {
                source: {
                    **tally.summary(),
                    "sign_correct": sign[source].correct if trained else None,
                    "sign_accuracy": sign[source].accuracy if trained else None,
                }
                for source, tally in default.items()
            },
            "trained": trained,
            "reliability": _polar_reliability(sentences, results) if trained else None,
            "seconds": seconds,
        }
    return {
        "sentences": len(sentences),
        "engines": engine_figures,
        "language": false_refusals([(sentence.source, sentence.text) for sentence in sentences]),
    }


def reliability(
    predicted: Sequence[float], positive: Sequence[bool], bins: int = RELIABILITY_BINS
) -> dict[str, Any]:
    """A reliability diagram's figures (DeGroot & Fienberg, "The Comparison and Evaluation of
    Forecasters", 1983; Niculescu-Mizil & Caruana, ICML 2005): the predictions are put in
    ``bins`` equal-width bins of [0, 1] (the last one closed), and in each the mean predicted
    probability is set against the share of the texts that are positive. A calibrated engine's
    points lie on the diagonal.

    Args:
        predicted: each text's predicted probability of positive, in [0, 1].
        positive: whether each text is positive (its gold label).
        bins: how many bins.

    Returns:
        ``{"texts": n, "bins": [{"low", "high", "texts", "mean_predicted",
        "observed_positive"}, ...], "ece": float}``: every bin, in order (an empty one with
        None for its two means), and the expected calibration error, the texts-weighted mean
        of ``|mean_predicted - observed_positive|`` over the bins (Naeini et al., AAAI 2015).

    Raises:
        ValueError: the sequences differ in length, or a probability is outside [0, 1].
    """
    if len(predicted) != len(positive):
        raise ValueError("one gold label per prediction")
    members: list[list[int]] = [[] for _ in range(bins)]
    for index, p in enumerate(predicted):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"a probability outside [0, 1]: {p}")
        members[min(int(p * bins), bins - 1)].append(index)
    table = []
    error = 0.0
    for number, indices in enumerate(members):
        mean = sum(predicted[i] for i in indices) / len(indices) if indices else None
        share = sum(positive[i] for i in indices) / len(indices) if indices else None
        if mean is not None and share is not None:
            error += len(indices) * abs(mean - share)
        table.append(
            {
                "low": number / bins,
                "high": (number + 1) / bins,
                "texts": len(indices),
                "mean_predicted": mean,
                "observed_positive": share,
            }
        )
    return {
        "texts": len(predicted),
        "bins": table,
        "ece": error / len(predicted) if predicted else 0.0,
    }


def _polar_reliability(
    sentences: Sequence[LabelledSentence], results: Sequence[SentimentResult]
) -> dict[str, Any]:
    """:func:`reliability` of p(positive) / (p(positive) + p(negative)) on the UCI sentences,
    all positive or negative: the engine's probability of positive once neutral is set aside,
    the question that data set asks. Texts with neither (the model engine's answer to a text
    without any of its n-grams: probabilities 0 / 1 / 0) are left out, and counted as
    ``"left_out"``."""
    predicted: list[float] = []
    positive: list[bool] = []
    for sentence, result in zip(sentences, results, strict=True):
        p = result.probabilities or {}
        polar = p.get("positive", 0.0) + p.get("negative", 0.0)
        if polar > 0:
            predicted.append(min(1.0, p["positive"] / polar))
            positive.append(sentence.gold == "positive")
    return {**reliability(predicted, positive), "left_out": len(sentences) - len(predicted)}


def false_refusals(texts: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """How many of ``texts``, all English, the language check (``language="auto"``) refuses.

    Args:
        texts: ``(source, text)`` pairs; the source (a file, a domain) is only carried along.

    Returns:
        ``{"texts": n, "refused": k, "rate": k / n, "examples": [{"source", "text",
        "language", "confidence"}, ...]}``, every refused text, in order.
    """
    from sentiment_api import language

    examples = []
    for source, text in texts:
        guess = language.identify(text)
        if guess.refused:
            examples.append(
                {
                    "source": source,
                    "text": text,
                    "language": guess.code,
                    "confidence": guess.confidence,
                }
            )
    return {
        "texts": len(texts),
        "refused": len(examples),
        "rate": len(examples) / len(texts) if texts else 0.0,
        "examples": examples,
    }


# ---- VADER's held-out sentences ---------------------------------------------------------------


def train_model_module() -> ModuleType:
    """``tools/train_model.py`` of this checkout (:func:`tools_module`), for ``--vader``."""
    return tools_module("train_model", "--vader")


def tools_module(name: str, option: str) -> ModuleType:
    """``tools/<name>.py`` of this checkout, imported as ``tools.<name>`` (as the tests import
    ``tools``), on first use only: the Lambda image has no ``tools/``.

    Raises:
        ModuleNotFoundError: this module does not run from a checkout with that file (the
            message names ``option``, what needs it).
    """
    if not (REPOSITORY / "tools" / f"{name}.py").is_file():
        raise ModuleNotFoundError(
            f"{option} needs the repository's tools/{name}.py, not found under {REPOSITORY}",
            name=f"tools.{name}",
        )
    if str(REPOSITORY) not in sys.path:
        sys.path.append(str(REPOSITORY))
    return importlib.import_module(f"tools.{name}")


def trained_band(engine: str) -> float | None:
    """The neutral band a trained engine was trained with, from its artefact: the model file's
    ``training.hyperparameters.band``, the encoder head's ``training.chosen.band``; None for an
    engine without one (textblob)."""
    if engine == "model":
        from sentiment_api.engines import tfidf

        spec = json.loads(tfidf.MODEL_PATH.read_text(encoding="utf-8"))
        return float(spec["training"]["hyperparameters"]["band"])
    if engine == "encoder":
        from sentiment_api.engines import encoder

        head = json.loads((encoder.ARTEFACTS / "head.json").read_text(encoding="utf-8"))
        return float(head["training"]["chosen"]["band"])
    return None


def vader_figures(
    engines: Sequence[str] = ENGINE_NAMES, rows: Sequence[Any] | None = None
) -> dict[str, Any]:
    """Score VADER's held-out test split with each engine in process (``language=None``), by
    ``tools.train_model.held_out_figures``, and count the language check's false refusals.

    Args:
        engines: the engines, in column order.
        rows: the rated sentences (``tools.train_model.Rated``); None: the test split of
            ``tools.train_model.prepare()`` (downloads the sdist once).

    Returns:
        ``{"sentences": n, "engines": {engine: {"band": float, "band_from": engine, "domains":
        {domain: {"sentences", "two_class_accuracy", "three_class_accuracy", "macro_f1"}, ...,
        "all": {...}}}}, "language": false_refusals(...)}``; ``band_from`` names the engine
        whose artefact gave the band (:data:`REFERENCE_BAND_ENGINE` for textblob).
    """
    train_model = train_model_module()
    if rows is None:
        parts, _ = train_model.prepare()
        rows = parts["test"]
    engine_figures: dict[str, Any] = {}
    for engine in engines:
        own = trained_band(engine)
        band_from = engine if own is not None else REFERENCE_BAND_ENGINE
        band = own if own is not None else trained_band(REFERENCE_BAND_ENGINE)
        predict = _class_indices(engine, train_model.CLASSES)
        engine_figures[engine] = {
            "band": band,
            "band_from": band_from,
            "domains": train_model.held_out_figures(rows, predict, band),
        }
    return {
        "sentences": len(rows),
        "engines": engine_figures,
        "language": false_refusals([(row.domain, row.text) for row in rows]),
    }


def _class_indices(engine: str, classes: Sequence[str]) -> Callable[[list[str]], list[int]]:
    """train_model's ``Predict`` for ``engine`` as the service runs it: the default label's
    index in ``classes``."""

    def predict(texts: list[str]) -> list[int]:
        return [classes.index(result.sentiment) for result in _analysed(texts, engine)]

    return predict


# ---- the challenge set ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChallengeRow:
    """One row of the challenge set (CHALLENGE.md): ``expected`` is a label or ``refused``;
    ``language`` is ISO 639-1 (``en`` for the English rows)."""

    category: str
    expected: str
    language: str
    text: str


def load_challenge(path: Path = CHALLENGE) -> list[ChallengeRow]:
    """Read the challenge set: UTF-8, LF, a header line, four tab-separated columns per row.

    Raises:
        FileNotFoundError: no such file (the Lambda image has no ``tests/``).
        ValueError: a wrong header, or a row without exactly four columns.
    """
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or tuple(lines[0].split("\t")) != CHALLENGE_COLUMNS:
        raise ValueError(f"{path.name}:1: the header must be {'<TAB>'.join(CHALLENGE_COLUMNS)}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        columns = line.split("\t")
        if len(columns) != len(CHALLENGE_COLUMNS):
            raise ValueError(f"{path.name}:{number}: {len(columns)} columns, not 4")
        rows.append(ChallengeRow(*columns))
    return rows


def challenge_answers(rows: Sequence[ChallengeRow], engine: str) -> list[str]:
    """Each row's answer from ``engine`` in process with the language check on: its default
    label, or :data:`REFUSED`."""
    from sentiment_api.analysis import AUTO, analyse_many
    from sentiment_api.errors import UnsupportedLanguageError

    return [
        REFUSED if isinstance(result, UnsupportedLanguageError) else result.sentiment
        for result in analyse_many([row.text for row in rows], engine=engine, language=AUTO)
    ]


def score_challenge(
    rows: Sequence[ChallengeRow], answers: Mapping[str, Sequence[str | None]]
) -> dict[str, Any]:
    """Score each column of answers (a label, :data:`REFUSED`, or None for a failed request)
    against the rows: a row passes when its answer equals ``expected``.

    Returns:
        ``{"rows": n, "engines": {column: figures}, "best_trained": engine or None}``, where
        figures are ``{"categories": {category: {"rows", "passed", "pass_rate"}, ...,
        "overall": {...}}, "negation": pass rate, "no_opinion_neutral": share of the no-opinion
        rows answered neutral, "no_opinion_refused": how many of them were refused,
        "non_english_refused": share of the non-English rows refused, "non_english_by_language":
        {code: {"rows", "refused"}}, "targets": {key: {"figure", "minimum", "met"}},
        "failures": [{"category", "expected", "answer", "language", "text"}, ...],
        "failed_requests": k}``; ``best_trained`` is the trained engine (one with a neutral band,
        :func:`trained_band`) among the columns with the most rows passed.
    """
    engine_figures: dict[str, Any] = {}
    for column, got in answers.items():
        passed: Counter[str] = Counter()
        total: Counter[str] = Counter()
        by_language: dict[str, dict[str, int]] = {}
        failures = []
        for row, answer in zip(rows, got, strict=True):
            total[row.category] += 1
            if answer == row.expected:
                passed[row.category] += 1
            else:
                failures.append(
                    {
                        "category": row.category,
                        "expected": row.expected,
                        "answer": answer,
                        "language": row.language,
                        "text": row.text,
                    }
                )
            if row.category == "non_english":
                counts = by_language.setdefault(row.language, {"rows": 0, "refused": 0})
                counts["rows"] += 1
                counts["refused"] += answer == REFUSED
        total[OVERALL], passed[OVERALL] = len(rows), sum(passed.values())
        categories = {
            category: {
                "rows": total[category],
                "passed": passed[category],
                "pass_rate": passed[category] / total[category],
            }
            for category in dict.fromkeys([*CHALLENGE_CATEGORIES, *total])  # overall is last
            if total[category]
        }
        quiet = [a for row, a in zip(rows, got, strict=True) if row.category == "no_opinion"]
        foreign = [a for row, a in zip(rows, got, strict=True) if row.category == "non_english"]
        scored: dict[str, Any] = {
            "categories": categories,
            "negation": categories.get("negation", {}).get("pass_rate"),
            "no_opinion_neutral": quiet.count("neutral") / len(quiet) if quiet else None,
            "no_opinion_refused": quiet.count(REFUSED),
            "non_english_refused": foreign.count(REFUSED) / len(foreign) if foreign else None,
            "non_english_by_language": by_language,
            "failures": failures,
            "failed_requests": sum(answer is None for answer in got),
        }
        scored["targets"] = {
            target.key: {
                "figure": scored[target.key],
                "minimum": target.minimum,
                "met": scored[target.key] is not None and scored[target.key] >= target.minimum,
            }
            for target in CHALLENGE_TARGETS
        }
        engine_figures[column] = scored
    trained = [c for c in engine_figures if c in ENGINE_NAMES and trained_band(c) is not None]
    best = max(
        trained, key=lambda c: engine_figures[c]["categories"][OVERALL]["passed"], default=None
    )  # max keeps the first of equals
    return {"rows": len(rows), "engines": engine_figures, "best_trained": best}


def challenge_figures(
    rows: Sequence[ChallengeRow], engines: Sequence[str] = ENGINE_NAMES
) -> dict[str, Any]:
    """:func:`score_challenge` of each engine's :func:`challenge_answers`."""
    return score_challenge(rows, {engine: challenge_answers(rows, engine) for engine in engines})


# ---- all of it --------------------------------------------------------------------------------


def figures(
    *,
    uci: bool = True,
    vader: bool = False,
    challenge: bool = False,
    engines: Sequence[str] = ENGINE_NAMES,
    data: Path = DEFAULT_DATA,
    limit: int | None = None,
    challenge_file: Path = CHALLENGE,
) -> dict[str, Any]:
    """The figures ``make evaluate`` prints, in process, as data: ``{"uci":
    :func:`uci_figures`, "vader": :func:`vader_figures`, "challenge": :func:`challenge_figures`}``
    for the sets asked for (``limit``: the first sentences of each UCI file only)."""
    result: dict[str, Any] = {}
    if uci:
        result["uci"] = uci_figures(load_labelled_sentences(data, limit), engines)
    if vader:
        result["vader"] = vader_figures(engines)
    if challenge:
        result["challenge"] = challenge_figures(load_challenge(challenge_file), engines)
    return result


# ---- printing ---------------------------------------------------------------------------------


def format_uci_table(uci: Mapping[str, Any]) -> str:
    """:func:`uci_figures` as a table: a row per file and overall; per engine, its accuracy,
    neutral answers and, for a trained engine, the accuracy with the sign rule."""
    engines: dict[str, Any] = uci["engines"]
    columns = {
        name: ["accuracy", "neutral", *(["sign rule"] if f["trained"] else [])]
        for name, f in engines.items()
    }
    lines = [
        _paragraph(
            f"The UCI sentences (Kotzias et al., KDD 2015): {uci['sentences']} sentences, in"
            " process, without the language check. Per engine: accuracy with its default label"
            " rule (a neutral answer is a miss), sentences answered neutral, and for a trained"
            " engine accuracy with the sign rule (neutral_threshold=0: the sign of p(positive) -"
            " p(negative))."
        ),
        _titles("", columns),
        _line("file", columns.values()),
    ]
    for source in next(iter(engines.values()))["files"]:
        cells = []
        for f in engines.values():
            cell = f["files"][source]
            cells.append([f"{cell['accuracy']:.3f}", str(cell["neutral"])])
            if f["trained"]:
                cells[-1].append(f"{cell['sign_accuracy']:.3f}")
        lines.append(_line(source, cells))
    calibrated = {name: f["reliability"] for name, f in engines.items() if f.get("reliability")}
    if calibrated:
        lines.append(
            _paragraph(
                f"Calibration ({RELIABILITY_BINS} bins of p(positive) / (p(positive) +"
                " p(negative)) against the share positive; docs/evaluation.md): "
                + ", ".join(
                    f"{name} expected calibration error {r['ece']:.3f}"
                    for name, r in calibrated.items()
                )
            )
        )
    lines.append(
        "time: "
        + ", ".join(
            f"{name} {f['seconds']:.1f} s ({uci['sentences'] / max(f['seconds'], 1e-9):.0f}"
            " sentences/s)"
            for name, f in engines.items()
        )
    )
    return "\n".join(lines)


def format_refusals(refusals: Mapping[str, Any], what: str) -> str:
    """:func:`false_refusals` as text: the count, the rate against issue 17's limit, and each
    refused text."""
    rate = refusals["rate"]
    verdict = "met" if rate <= MAX_FALSE_REFUSALS else "MISSED"
    lines = [
        _paragraph(
            'Language check (language="auto", not applied above): it refuses'
            f" {refusals['refused']} of the {refusals['texts']} {what} as not English,"
            f" {100 * rate:.2f} % (target <= {100 * MAX_FALSE_REFUSALS:.1f} %: {verdict})"
            + (":" if refusals["examples"] else ".")
        )
    ]
    lines.extend(
        f"  {example['source']:<24}{example['language']} {example['confidence']:.2f}"
        f"  {example['text']}"
        for example in refusals["examples"]
    )
    return "\n".join(lines)


def format_vader_table(vader: Mapping[str, Any]) -> str:
    """:func:`vader_figures` as a table: a row per domain and all; per engine, two-class
    accuracy, three-class accuracy and macro-F1."""
    engines: dict[str, Any] = vader["engines"]
    titles = {
        f"{name}, band {f['band']:g}" + ("*" if f["band_from"] != name else ""): [
            "2-class",
            "3-class",
            "macro-F1",
        ]
        for name, f in engines.items()
    }
    lines = [
        _paragraph(
            f"VADER's held-out test split (Hutto & Gilbert, ICWSM 2014): {vader['sentences']}"
            " sentences never used to train or choose anything, in process, without the"
            " language check. 2-class: accuracy by sign on the sentences with a non-zero mean"
            " rating (a neutral answer is a miss). 3-class: accuracy and macro-F1 against the"
            " labels of the engine's neutral band (a mean rating within +-band is neutral)."
        ),
        _titles("", titles),
        _line(f"{'domain':<14}{'sentences':>10}", titles.values()),
    ]
    for domain, first in next(iter(engines.values()))["domains"].items():
        cells = [
            [
                f"{d['two_class_accuracy']:.3f}",
                f"{d['three_class_accuracy']:.3f}",
                f"{d['macro_f1']:.3f}",
            ]
            for d in (f["domains"][domain] for f in engines.values())
        ]
        lines.append(_line(f"{domain:<14}{first['sentences']:>10}", cells))
    if any(f["band_from"] != name for name, f in engines.items()):
        lines.append(
            f"* no band of its own: held to the {REFERENCE_BAND_ENGINE} engine's; it answers"
            " neutral only for a score of exactly 0."
        )
    return "\n".join(lines)


def format_challenge_table(challenge: Mapping[str, Any], *, verbose: bool = False) -> str:
    """:func:`score_challenge`'s figures as a table: a row per category; per engine, the pass
    rate and rows passed; then the figures for the record, the targets as met or MISSED, and,
    with ``verbose``, every failed row."""
    engines: dict[str, Any] = challenge["engines"]
    lines = [
        _paragraph(
            f"The challenge set (tests/data/challenge.tsv, CHALLENGE.md): {challenge['rows']}"
            ' rows, in process, with the language check (language="auto"). Pass rate (rows'
            " passed): an English row passes when the engine's default label is its expected"
            " label, a non-English row when it is refused."
        ),
        _line(f"{'category':<18}{'rows':>6}", [[name] for name in engines], width=14),
    ]
    for category, counts in next(iter(engines.values()))["categories"].items():
        cells = []
        for f in engines.values():
            c = f["categories"][category]
            cells.append([f"{c['pass_rate']:.3f} ({c['passed']})"])
        lines.append(_line(f"{category:<18}{counts['rows']:>6}", cells, width=14))
    lines.append("For the record:")
    for name, f in engines.items():
        languages = " ".join(
            f"{code} {c['refused']}/{c['rows']}" for code, c in f["non_english_by_language"].items()
        )
        failed = f["failed_requests"]
        lines.append(
            textwrap.fill(
                f"{name}: no-opinion rows answered neutral {_share(f['no_opinion_neutral'])},"
                f" refused {f['no_opinion_refused']}; non-English rows refused"
                f" {_share(f['non_english_refused'])} ({languages})"
                + (f"; FAILED REQUESTS {failed}" if failed else ""),
                width=100,
                initial_indent="  ",
                subsequent_indent="    ",
            )
        )
    best = challenge["best_trained"]
    lines.append(
        "Targets (issue 17, for the best trained engine"
        + (f": {best}, the most rows passed" if best else "")
        + "):"
    )
    for target in CHALLENGE_TARGETS:
        verdicts = [
            f"{name} {_share(t['figure'])} {'met' if t['met'] else 'MISSED'}"
            for name, t in ((name, f["targets"][target.key]) for name, f in engines.items())
        ]
        lines.append(f"  {target.description} >= {target.minimum:.2f}: " + ", ".join(verdicts))
    if verbose:
        for name, f in engines.items():
            lines.append(f"Failures, {name} ({len(f['failures'])}):")
            lines.extend(
                f"  {x['category']:<16} expected {x['expected']:<8}"
                f" got {x['answer'] or 'no answer':<9} {x['text']}"
                for x in f["failures"]
            )
    return "\n".join(lines)


_LEAD = 24
"""Width of a table's first column."""


def _line(lead: str, groups: Iterable[Sequence[str]], width: int = 10) -> str:
    """A table line: ``lead``, then each group's cells right-aligned in ``width`` columns."""
    return f"{lead:<{_LEAD}}" + "".join(
        "  |" + "".join(f"{cell:>{width}}" for cell in group) for group in groups
    )


def _titles(lead: str, groups: Mapping[str, Sequence[str]], width: int = 10) -> str:
    """A title line over :func:`_line`'s groups: each name centred over its group."""
    titles = "".join(f"  |{name:^{len(columns) * width}}" for name, columns in groups.items())
    return f"{lead:<{_LEAD}}{titles}".rstrip()


def _paragraph(text: str) -> str:
    return textwrap.fill(text, width=100)


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


# ---- over HTTP --------------------------------------------------------------------------------


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


def http_classifier(
    client: ApiClient, engine: str | None, problems: Counter[str]
) -> Callable[[str], str | None]:
    """text -> the deployment's label, :data:`REFUSED` for a 422 ``unsupported_language``, or
    None for a failed request (any other status, or no answer), counted in ``problems``."""

    def classify(text: str) -> str | None:
        try:
            status, body = client.analyse(text, engine)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            problems[type(exc).__name__] += 1
            return None
        if status == 422 and body.get("code") == "unsupported_language":
            return REFUSED
        if status != 200:
            problems[f"HTTP {status} {body.get('code', '')}".strip()] += 1
            return None
        label: str = body["sentiment"]
        return label

    return classify


def classify_all(
    texts: Iterable[str], classify: Callable[[str], str | None], concurrency: int = 4
) -> tuple[list[str | None], float]:
    """Each text's answer, ``concurrency`` at a time, and the seconds it took."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        answers = list(pool.map(classify, texts))
    return answers, time.perf_counter() - started


# ---- the command ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status: 1 if a request over HTTP failed, else
    0 (a missed target is reported, not an error)."""
    parser = argparse.ArgumentParser(
        prog="python -m sentiment_api.evaluate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--url", help="API base URL, e.g. http://127.0.0.1:3000 (default: in process, no HTTP)"
    )
    parser.add_argument(
        "--engine",
        choices=ENGINE_NAMES,
        help="one engine (the UCI sentences: its confusion matrices); default: every engine in"
        " process, the deployment's default over HTTP",
    )
    parser.add_argument(
        "--vader", action="store_true", help="VADER's held-out test split (in process only)"
    )
    parser.add_argument(
        "--challenge", action="store_true", help="the challenge set, pass rates per category"
    )
    parser.add_argument(
        "--challenge-file", type=Path, default=CHALLENGE, help="default: tests/data/challenge.tsv"
    )
    parser.add_argument("--verbose", action="store_true", help="list the challenge's failures")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--plot",
        action="store_true",
        help="draw the UCI and challenge figures as PNGs (tools/plots.py, matplotlib)",
    )
    parser.add_argument(
        "--plot-dir", type=Path, default=PLOTS, help="where --plot writes (default: docs/img)"
    )
    parser.add_argument("--api-key", help="send this API Gateway API key as x-api-key")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="UCI data set folder")
    parser.add_argument("--limit", type=int, help="at most this many sentences per UCI file")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight (default 4)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    args = parser.parse_args(argv)
    if args.vader and args.url:
        parser.error("--vader runs in process only")
    if args.json and args.url:
        parser.error("--json runs in process only")
    if args.plot and (args.url or args.engine or args.vader or args.json):
        parser.error("--plot draws every engine in process: no --url, --engine, --vader, --json")
    engines = (args.engine,) if args.engine else ENGINE_NAMES
    uci = not (args.vader or args.challenge)
    rows = load_challenge(args.challenge_file) if args.challenge else []

    if args.url is not None:
        return _main_over_http(args, uci, rows)
    if args.plot:
        return _plot(args)
    if args.json:
        data = figures(
            uci=uci,
            vader=args.vader,
            challenge=args.challenge,
            engines=engines,
            data=args.data,
            limit=args.limit,
            challenge_file=args.challenge_file,
        )
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    if uci and args.engine:
        _evaluate_in_process(load_labelled_sentences(args.data, args.limit), args.engine)
    elif uci:
        sentences = load_labelled_sentences(args.data, args.limit)
        print(f"Scoring {len(sentences)} sentences with {', '.join(engines)} ...", file=sys.stderr)
        result = uci_figures(sentences, engines)
        print(format_uci_table(result))
        print(format_refusals(result["language"], "English sentences"))
    if args.vader:
        print("Scoring VADER's test split ...", file=sys.stderr)
        result = vader_figures(engines)
        print(format_vader_table(result))
        print(format_refusals(result["language"], "test sentences, all English,"))
    if args.challenge:
        print(format_challenge_table(challenge_figures(rows, engines), verbose=args.verbose))
    return 0


def _plot(args: argparse.Namespace) -> int:
    """``--plot``: the UCI figures and, once the challenge file exists, the challenge's, printed
    as usual, then drawn by ``tools/plots.py`` into ``args.plot_dir``."""
    plots = tools_module("plots", "--plot")  # imports matplotlib: only here
    challenge = args.challenge_file.is_file()
    print("Scoring the UCI sentences" + (" and the challenge set" if challenge else "") + " ...",
          file=sys.stderr)  # fmt: skip
    data = figures(
        uci=True,
        challenge=challenge,
        data=args.data,
        limit=args.limit,
        challenge_file=args.challenge_file,
    )
    print(format_uci_table(data["uci"]))
    print(format_refusals(data["uci"]["language"], "English sentences"))
    if challenge:
        print(format_challenge_table(data["challenge"], verbose=args.verbose))
    for path in plots.write_plots(data, args.plot_dir):
        print(f"wrote {os.path.relpath(path)}", file=sys.stderr)
    return 0


def _main_over_http(args: argparse.Namespace, uci: bool, rows: list[ChallengeRow]) -> int:
    """The UCI sentences (confusion matrices) and/or the challenge set through ``args.url``."""
    client = ApiClient(args.url, args.api_key, args.timeout)
    problems: Counter[str] = Counter()
    classify = http_classifier(client, args.engine, problems)
    failed = 0
    if uci:
        sentences = load_labelled_sentences(args.data, args.limit)
        print(f"Evaluating {len(sentences)} sentences against {args.url} ...", file=sys.stderr)
        answers, elapsed = classify_all((s.text for s in sentences), classify, args.concurrency)
        tallied = tallies(sentences, answers)
        for source, tally in tallied.items():
            print(tally.report(source))
        print(
            f"{len(sentences)} requests in {elapsed:.1f} s: {len(sentences) / elapsed:.1f}"
            f" requests/s (concurrency {args.concurrency})"
        )
        refused = [s for s, a in zip(sentences, answers, strict=True) if a == REFUSED]
        if refused:
            print(f"refused as not English by the deployment: {len(refused)}")
            for sentence in refused:
                print(f"  {sentence.source:<24}{sentence.text}")
        failed += tallied[OVERALL].failures
    if rows:
        column = args.engine or "deployment"
        answers, _ = classify_all((row.text for row in rows), classify, args.concurrency)
        result = score_challenge(rows, {column: answers})
        print(format_challenge_table(result, verbose=args.verbose))
        failed += result["engines"][column]["failed_requests"]
    for problem, count in problems.most_common():
        print(f"failed: {count} x {problem}", file=sys.stderr)
    return 1 if failed else 0


def _evaluate_in_process(sentences: list[LabelledSentence], engine: str) -> None:
    """One engine's confusion matrices, per file and overall, and its false refusals."""
    print(f"Evaluating {len(sentences)} sentences in process, engine {engine} ...", file=sys.stderr)
    started = time.perf_counter()
    results = _analysed([s.text for s in sentences], engine)
    elapsed = time.perf_counter() - started
    for source, tally in tallies(sentences, [r.sentiment for r in results]).items():
        print(tally.report(source))
    print(
        f"{len(sentences)} sentences in {elapsed:.2f} s: {len(sentences) / elapsed:.0f}"
        f" sentences/s (in process, engine {engine})"
    )
    refusals = false_refusals([(s.source, s.text) for s in sentences])
    print(format_refusals(refusals, "English sentences"))


def _analysed(texts: Sequence[str], engine: str) -> list[SentimentResult]:
    """``analyse_many(texts, engine=engine)``, without the language check, so nothing is
    refused: the results, in order."""
    from sentiment_api.analysis import SentimentResult, analyse_many

    results = [
        r for r in analyse_many(list(texts), engine=engine) if isinstance(r, SentimentResult)
    ]
    if len(results) != len(texts):
        raise AssertionError("a text was refused without the language check")
    return results


if __name__ == "__main__":
    sys.exit(main())
