"""Train the ``model`` engine: write ``src/sentiment_api/engines/data/sentiment_model.json``.

``make train`` runs this. It downloads nothing but the vaderSentiment 3.3.2 source
distribution, through pip (cached in ``.cache/vader/``; its SHA-256 is checked), and reads the
human-rated sentences in its ``additional_resources/hutto_ICWSM_2014.tar.gz`` (Hutto & Gilbert,
"VADER", ICWSM 2014; MIT licence): four files of ``id<TAB>mean rating<TAB>text``, the mean of
about 20 raters on -4..+4, one file per domain (tweets, movie reviews, Amazon reviews, NYT
editorials).

Steps, all deterministic (same bytes every run with the pinned scikit-learn):

1. Drop every corpus sentence whose normalised text (:func:`normalise`) equals one of the
   3,000 shared evaluation sentences, and later duplicates within the corpus.
2. Split each domain 80/10/10 into train/validation/test with a fixed seed.
3. Grid-search the neutral band and the hyper-parameters of a three-class model (negative,
   neutral, positive by the mean rating), fitting on train and scoring on validation only, by
   :func:`criterion` (clearly polar sentences given their sign, no-opinion ones answered
   neutral).
4. Fit the chosen configuration on train + validation, export it, and report on the test split
   per domain and on the 3,000 shared sentences (never used to choose anything).

scikit-learn is a development dependency: nothing in the Lambda image imports this file.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import json
import random
import string
import subprocess
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from sklearn.pipeline import Pipeline  # untyped: Any to mypy

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data" / "sentiment-labelled-sentences"
CACHE = ROOT / ".cache" / "vader"
MODEL_FILE = ROOT / "src" / "sentiment_api" / "engines" / "data" / "sentiment_model.json"

SDIST = "vaderSentiment-3.3.2.tar.gz"
SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
INNER = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
DOMAINS = {
    "tweets": "hutto_ICWSM_2014/tweets_GroundTruth.txt",
    "movie_reviews": "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt",
    "amazon_reviews": "hutto_ICWSM_2014/amazonReviewSnippets_GroundTruth.txt",
    "nyt_editorials": "hutto_ICWSM_2014/nytEditorialSnippets_GroundTruth.txt",
}
SEED = 2014
SPLIT = (0.8, 0.1, 0.1)
TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default, reproduced by sentiment_api.model

CLASSES = ("negative", "neutral", "positive")
"""The model's classes, in scikit-learn's order of the labels 0, 1, 2."""

# The grid searched on validation (see the model card in docs/model.md).
BANDS = (0.25, 0.5, 0.75, 1.0)
"""Neutral bands: a sentence whose mean rating is within +-band is a neutral training example."""
GRID = {
    "C": (1.0, 2.0, 4.0),
    "min_df": (2,),
    "sublinear_tf": (False, True),
    # Chosen on validation within the size budget: 15,000 is about the most features whose
    # export (weights to SIGNIFICANT_DIGITS) stays under MAX_MODEL_BYTES.
    "max_features": (10000, 15000),
    "class_weight": ("balanced",),
}
POLAR_MEAN = 1.0
"""Validation sentences rated at least this far from 0 are clearly polar: the criterion counts
how many of them get their sign (a neutral answer is a miss)."""
NO_OPINION_MEAN = 0.25
"""Validation sentences rated within this of 0 hold no opinion to the raters: the criterion
counts how many of them are answered neutral."""
SIGNIFICANT_DIGITS = 7
"""The fitted idf, coefficients and intercept are rounded to this many significant digits in
the pipeline itself, before export: the file is about half as large, and the exported pipeline's
predict_proba still equals the scorer's (they hold the same numbers)."""
MAX_MODEL_BYTES = 700_000
"""The model file's size budget (it is read and parsed at every cold start)."""

Predict = Callable[[list[str]], Iterable[int]]
"""A classifier of texts: 0 negative, 1 neutral, 2 positive (the indices of :data:`CLASSES`)."""


@dataclass(frozen=True, slots=True)
class Rated:
    """One corpus sentence: its domain, id in its file, mean rating in [-4, 4], text."""

    domain: str
    id: str
    mean: float
    text: str


def fetch_sdist(cache: Path = CACHE) -> Path:
    """The vaderSentiment 3.3.2 sdist, downloaded once with pip into ``cache``.

    Raises:
        subprocess.CalledProcessError: pip failed. ValueError: the file's SHA-256 is wrong.
    """
    path = cache / SDIST
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
             ":all:", "vaderSentiment==3.3.2", "-d", str(cache)],
            check=True,
        )  # fmt: skip
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise ValueError(f"{path}: SHA-256 {digest}, expected {SDIST_SHA256}")
    return path


def read_corpus(sdist: Path) -> list[Rated]:
    """Every rated sentence of the four ``*_GroundTruth.txt`` files, domain by domain, in file
    order. Lines are ``id<TAB>mean<TAB>text`` (the data set's ``_README_.txt``), UTF-8, CRLF.
    """
    with tarfile.open(sdist) as outer:
        inner_bytes = member_bytes(outer, INNER)
    rows = []
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        for domain, member in DOMAINS.items():
            text = member_bytes(inner, member).decode("utf-8-sig")
            for line in text.splitlines():
                if not line.strip():
                    continue
                ident, mean, sentence = line.split("\t", 2)
                rows.append(Rated(domain, ident, float(mean), sentence.strip()))
    return rows


def member_bytes(archive: tarfile.TarFile, name: str) -> bytes:
    """The content of the file ``name`` in ``archive``."""
    file = archive.extractfile(name)
    assert file is not None, f"{name} is not a regular file"
    return file.read()


def normalise(text: str) -> str:
    """The form compared for overlap: lowercased, whitespace runs made one space, punctuation
    (``string.punctuation``) and whitespace stripped at both ends."""
    return " ".join(text.lower().split()).strip(string.punctuation + " ")


def shared_sentences() -> list[tuple[str, str, str]]:
    """The 3,000 shared sentences as (file stem, text, gold label), via the evaluate module."""
    sys.path.insert(0, str(ROOT / "src"))
    from sentiment_api.evaluate import load_labelled_sentences

    return [(s.source, s.text, s.gold) for s in load_labelled_sentences(SHARED_DATA)]


def deduplicate(corpus: list[Rated], shared: list[str]) -> tuple[list[Rated], int, int]:
    """``corpus`` without the sentences in ``shared`` and without repeats (first kept), by
    :func:`normalise`d text; also the two counts removed (overlap, duplicates)."""
    banned = {normalise(text) for text in shared}
    seen: set[str] = set()
    kept, overlap, duplicates = [], 0, 0
    for row in corpus:
        key = normalise(row.text)
        if key in banned:
            overlap += 1
        elif key in seen:
            duplicates += 1
        else:
            seen.add(key)
            kept.append(row)
    return kept, overlap, duplicates


def split(corpus: list[Rated]) -> dict[str, list[Rated]]:
    """Train/validation/test, 80/10/10 within each domain (stratified by domain), shuffled by
    a ``random.Random(SEED)`` per domain; each part keeps file order."""
    parts: dict[str, list[Rated]] = {"train": [], "validation": [], "test": []}
    for domain in DOMAINS:
        rows = [row for row in corpus if row.domain == domain]
        order = list(range(len(rows)))
        random.Random(SEED).shuffle(order)
        n_train = round(len(rows) * SPLIT[0])
        n_validation = round(len(rows) * SPLIT[1])
        cut = {"train": order[:n_train], "validation": order[n_train : n_train + n_validation]}
        cut["test"] = order[n_train + n_validation :]
        for name, indices in cut.items():
            parts[name].extend(rows[i] for i in sorted(indices))
    return parts


def label_of(mean: float, band: float) -> int:
    """The class of a mean rating: 0 negative (< -band), 1 neutral, 2 positive (> band)."""
    return 2 if mean > band else 0 if mean < -band else 1


def labelled(rows: list[Rated], band: float) -> tuple[list[str], list[int]]:
    """Texts and class labels (:func:`label_of`) of ``rows``."""
    return [row.text for row in rows], [label_of(row.mean, band) for row in rows]


def build_pipeline(params: dict[str, Any]) -> Pipeline:
    """The scikit-learn pipeline for ``params`` (``C``, ``min_df``, ``sublinear_tf``,
    ``max_features``, ``class_weight``); word 1-2-grams, lowercase, default token pattern."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(
            lowercase=True,
            token_pattern=TOKEN_PATTERN,
            ngram_range=(1, 2),
            min_df=params["min_df"],
            max_features=params["max_features"],
            sublinear_tf=params["sublinear_tf"],
            norm="l2",
            smooth_idf=True,
        ),
        LogisticRegression(
            C=params["C"], class_weight=params["class_weight"], solver="lbfgs", max_iter=5000
        ),
    )


def fit_final(parts: dict[str, list[Rated]], params: dict[str, Any]) -> Pipeline:
    """The exported pipeline: ``params`` fitted on train + validation with its label band, its
    numbers then rounded (:func:`round_weights`)."""
    texts, labels = labelled(parts["train"] + parts["validation"], params["band"])
    return round_weights(build_pipeline(params).fit(texts, labels))


def round_weights(pipeline: Pipeline) -> Pipeline:
    """Make the neutral class the reference and round, in place; returns the pipeline.

    A softmax does not change when the same number is taken from every class's logit, so each
    feature's weights (and the intercepts) become their difference with the neutral class's,
    which is then 0 and need not be stored. Then idf, weights and intercepts are rounded to
    :data:`SIGNIFICANT_DIGITS` significant digits. The exported file holds exactly the
    pipeline's numbers in short decimal form, so the scorer reproduces this pipeline's
    predict_proba (to floating-point summation order); docs/model.md gives what the rounding
    moved against the unrounded pipeline.
    """
    import numpy as np

    def rounded(values: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.array([float(f"{value:.{SIGNIFICANT_DIGITS}g}") for value in values.ravel()])

    vectorizer, classifier = pipeline[0], pipeline[1]
    assert list(classifier.classes_) == [0, 1, 2]
    neutral = CLASSES.index("neutral")
    coef = classifier.coef_ - classifier.coef_[neutral]
    intercept = classifier.intercept_ - classifier.intercept_[neutral]
    vectorizer.idf_ = rounded(vectorizer.idf_)
    classifier.coef_ = rounded(coef).reshape(coef.shape)
    classifier.intercept_ = rounded(intercept)
    return pipeline


def export(pipeline: Pipeline, params: dict[str, Any], record: dict[str, Any]) -> bytes:
    """The model file's bytes: compact JSON, sorted keys, floats as ``repr`` (exact)."""
    vectorizer, classifier = pipeline[0], pipeline[1]
    assert list(classifier.classes_) == [0, 1, 2] and not classifier.coef_[1].any()
    idf = vectorizer.idf_
    negative, positive = classifier.coef_[0], classifier.coef_[2]
    features = {
        term: [float(idf[index]), float(negative[index]), float(positive[index])]
        for term, index in vectorizer.vocabulary_.items()
    }
    spec = {
        "format": "tfidf-logistic-regression/2",
        "vectorizer": {
            "analyzer": "word",
            "lowercase": True,
            "token_pattern": TOKEN_PATTERN,
            "ngram_range": [1, 2],
            "strip_accents": None,
            "sublinear_tf": params["sublinear_tf"],
            "norm": "l2",
        },
        "classes": list(CLASSES),
        "intercept": {
            name: float(value) for name, value in zip(CLASSES, classifier.intercept_, strict=True)
        },
        "features": features,
        "training": {"hyperparameters": params, **record},
    }
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def prepare() -> tuple[dict[str, list[Rated]], dict[str, Any]]:
    """Fetch, read, deduplicate and split the corpus; also the counts for the model card."""
    corpus = read_corpus(fetch_sdist())
    shared = shared_sentences()
    kept, overlap, duplicates = deduplicate(corpus, [text for _, text, _ in shared])
    parts = split(kept)
    record = {
        "data": "vaderSentiment 3.3.2 sdist, additional_resources/hutto_ICWSM_2014.tar.gz",
        "sentences_read": len(corpus),
        "removed_overlap_with_shared_3000": overlap,
        "removed_duplicates": duplicates,
        "split_sizes": {name: len(rows) for name, rows in parts.items()},
        "seed": SEED,
    }
    return parts, record


def criterion(predict: Predict, rows: list[Rated]) -> tuple[float, float, float]:
    """``(score, polar accuracy, no-opinion recall)`` of ``predict`` on ``rows``.

    The score is the accuracy on the sentences whose raters agree clearly on a class: the
    clearly polar ones (``|mean| >= POLAR_MEAN``), right when given their sign, and the
    no-opinion ones (``|mean| <= NO_OPINION_MEAN``), right when answered neutral; the ones in
    between are left out. Both sets are defined by the ratings alone, so every band and
    hyper-parameter is judged on the same sentences, each case weighing as much as it is
    common: a wide band buys neutral answers at the cost of polar ones. The two shares are
    returned too, for the record.
    """
    polar = [row for row in rows if abs(row.mean) >= POLAR_MEAN]
    quiet = [row for row in rows if abs(row.mean) <= NO_OPINION_MEAN]
    answers = list(predict([row.text for row in polar + quiet]))
    right = sum(int(a == label_of(row.mean, 0.0)) for a, row in zip(answers, polar, strict=False))
    neutral = sum(int(a == 1) for a in answers[len(polar) :])
    score = (right + neutral) / (len(polar) + len(quiet))
    return score, right / len(polar), neutral / len(quiet)


def search(
    parts: dict[str, list[Rated]],
) -> tuple[dict[str, Any], list[tuple[float, dict[str, Any]]]]:
    """Every grid point fitted on train and scored on validation by :func:`criterion`; the
    best, and all scores. Ties go to the earlier grid point (smaller band, smaller C...)."""
    results = []
    keys = list(GRID)
    for band in BANDS:
        texts, labels = labelled(parts["train"], band)
        for values in itertools.product(*(GRID[key] for key in keys)):
            params = {"band": band, **dict(zip(keys, values, strict=True))}
            pipeline = build_pipeline(params).fit(texts, labels)
            score, polar, quiet = criterion(pipeline.predict, parts["validation"])
            results.append((score, params))
            print(
                f"  validation {score:.4f} (polar {polar:.4f}, no opinion {quiet:.4f})  {params}",
                file=sys.stderr,
            )
    best = max(results, key=lambda item: item[0])[1]  # max keeps the first of equals
    return best, results


def held_out_figures(rows: list[Rated], predict: Predict, band: float) -> dict[str, Any]:
    """On ``rows`` (the test split), per domain and ``all``: two-class accuracy on the
    sentences with a non-zero mean, by sign (a neutral answer is a miss), and three-class
    accuracy and macro-F1 against the labels of ``band``."""
    answers = dict(
        zip((row.text for row in rows), predict([row.text for row in rows]), strict=True)
    )
    figures: dict[str, Any] = {}
    for domain in [*DOMAINS, "all"]:
        chosen = [row for row in rows if domain in ("all", row.domain)]
        polar = [row for row in chosen if row.mean != 0]
        two = sum(int(answers[row.text] == label_of(row.mean, 0.0)) for row in polar)
        gold = [label_of(row.mean, band) for row in chosen]
        got = [answers[row.text] for row in chosen]
        f1s = []
        for cls in range(len(CLASSES)):
            tp = sum(int(g == cls and a == cls) for g, a in zip(gold, got, strict=True))
            predicted, actual = got.count(cls), gold.count(cls)
            precision = tp / predicted if predicted else 0.0
            recall = tp / actual if actual else 0.0
            f1s.append(2 * precision * recall / (precision + recall) if tp else 0.0)
        figures[domain] = {
            "sentences": len(chosen),
            "two_class_accuracy": two / len(polar),
            "three_class_accuracy": sum(int(g == a) for g, a in zip(gold, got, strict=True))
            / len(chosen),
            "macro_f1": sum(f1s) / len(f1s),
        }
    return figures


def report_held_out(rows: list[Rated], predict: Predict, band: float) -> None:
    """Print :func:`held_out_figures`."""
    print(
        "held-out test split (never seen in training or selection): two classes by sign "
        f"(neutral a miss); three classes with the band +-{band}:"
    )
    for domain, f in held_out_figures(rows, predict, band).items():
        print(
            f"  {domain:<16}{f['sentences']:>6} sentences  2-class {f['two_class_accuracy']:.3f}"
            f"  3-class {f['three_class_accuracy']:.3f}  macro-F1 {f['macro_f1']:.3f}"
        )


def shipped_engine(texts: list[str], engine: str = "model") -> list[int]:
    """An engine as the service runs it (``analyse(engine=...)``, default label rule), as
    class indices (0 negative, 1 neutral, 2 positive)."""
    from sentiment_api.analysis import analyse

    return [CLASSES.index(analyse(text, engine=engine).sentiment) for text in texts]


def main(argv: list[str] | None = None) -> int:
    """Train, export and report; with ``--params JSON`` skip the search and use those."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", help="hyper-parameters as JSON, skipping the search")
    parser.add_argument("--output", type=Path, default=MODEL_FILE)
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="train nothing: score the committed model, as the service runs it, on the test split",
    )
    parser.add_argument(
        "--engine", default="model", help="with --held-out: the engine to score (default model)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    parts, record = prepare()
    if args.held_out:
        band = json.loads(MODEL_FILE.read_text(encoding="utf-8"))["training"]["hyperparameters"]
        report_held_out(
            parts["test"], lambda texts: shipped_engine(texts, args.engine), band["band"]
        )
        return 0
    print(json.dumps(record), file=sys.stderr)
    params = json.loads(args.params) if args.params else search(parts)[0]
    print(f"chosen on validation: {params}", file=sys.stderr)
    pipeline = fit_final(parts, params)
    data = export(pipeline, params, record)
    if len(data) > MAX_MODEL_BYTES:
        print(f"the model file would be {len(data)} bytes, over {MAX_MODEL_BYTES}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    features = len(pipeline[0].vocabulary_)
    print(f"wrote {args.output.name}: {len(data)} bytes, {features} features, sha256 {digest}")
    report_held_out(parts["test"], pipeline.predict, params["band"])
    shared = shared_sentences()
    predicted = pipeline.predict([text for _, text, _ in shared])
    by_file: dict[str, Counter[bool]] = {}
    for (source, _, gold), p in zip(shared, predicted, strict=True):
        by_file.setdefault(source, Counter())[CLASSES[p] == gold] += 1
    print("the 3,000 shared sentences (never used to choose anything; neutral is a miss):")
    for source, tally in [*by_file.items(), ("all", sum(by_file.values(), Counter()))]:
        print(f"  {source:<24}accuracy {tally[True] / (tally[True] + tally[False]):.3f}")
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
