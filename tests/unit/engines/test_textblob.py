"""The ``textblob`` engine: TextBlob's own figures, bit for bit, without NLTK."""

import json
import math
import subprocess
import sys
from typing import Any

import pytest

from sentiment_api.analysis import analyse, label_for
from sentiment_api.engines.textblob import POLARITY_NOISE
from sentiment_api.evaluate import load_labelled_sentences
from support import DATA, run_python

EDGE_CASES = ["", " ", "!!!", "😀😀", "Ünïcödé çafé", "\r\n\t", "(" * 1000, "good " * 1000, "\x00"]


def textblob_sentiment(texts: list[str]) -> list[tuple[float, float, list[list[Any]]]]:
    """``TextBlob(text).sentiment_assessments`` for each text, as ``(polarity, subjectivity,
    [[words, polarity, subjectivity, label], ...])``, computed the documented way in a separate
    interpreter (``from textblob import TextBlob``), so nothing of our loader is shared."""
    code = (
        "import json, sys; from textblob import TextBlob\n"
        "texts = json.load(sys.stdin)\n"
        "json.dump([tuple(TextBlob(t).sentiment_assessments) for t in texts], sys.stdout)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    # JSON writes floats with repr(), which round-trips exactly.
    return [tuple(pair) for pair in json.loads(completed.stdout)]


@pytest.mark.parametrize(
    ("text", "polarity"),
    [
        # Published by the Flask + TextBlob tutorial this service started from.
        ("Happy New Year!", 0.48522727272727273),
        ("Happy New Year!!", 0.506534090909091),
        ("Happy New Year!!!", 0.5331676136363637),
    ],
)
def test_reproduces_the_tutorials_published_scores(text, polarity):
    result = analyse(text)

    assert result.sentiment_score == polarity  # exactly: same float, not approximately
    assert result.sentiment == "positive"
    assert result.subjectivity == 0.7272727272727273
    assert result.input == text


@pytest.mark.parametrize(
    "text",
    [
        "Clear Skype Calls, Long Battery Life, Long Range.",  # amazon: 0.1 - 0.05 - 0.05
        "Characters are one-dimensional, even the good guys and especially the bad guys.",
    ],
)
def test_assessments_that_cancel_are_neutral_on_every_python(text):
    # TextBlob's own mean is float noise whose sign changed with Python 3.12's sum()
    ((polarity, _, assessments),) = textblob_sentiment([text])
    assert 0 < abs(polarity) < 1e-15
    # the assessments cancel (each is a lexicon value of three decimals, scaled)
    assert len(assessments) >= 2 and math.fsum(round(a[1], 6) for a in assessments) == 0.0
    result = analyse(text, explain=True)
    assert (result.sentiment_score, result.sentiment) == (0.0, "neutral")
    assert [a.polarity for a in result.assessments or ()] == [a[1] for a in assessments]


def test_explain_shows_negation_and_intensifiers():
    result = analyse(
        "The food was not very good, but the staff were extremely friendly :)", explain=True
    )

    assert result.assessments is not None
    words = [a.words for a in result.assessments]
    assert words == [("not", "very", "good"), ("extremely", "friendly"), (":)",)]
    assert result.assessments[0].polarity < 0 < result.assessments[1].polarity
    assert result.assessments[2].label == "mood"


def test_matches_textblob_exactly_on_every_labelled_sentence_and_edge_case():
    # Given the 3,000 human-labelled review sentences and some edge cases
    sentences = load_labelled_sentences(DATA)
    assert len(sentences) == 3000
    texts = [sentence.text for sentence in sentences] + EDGE_CASES

    # When analysed here, and by TextBlob imported normally in another process
    results = [analyse(text, explain=True) for text in texts]
    expected = textblob_sentiment(texts)

    # Then polarity, subjectivity and assessments are TextBlob's own, bit for bit, and in range
    for text, result, (polarity, subjectivity, assessments) in zip(
        texts, results, expected, strict=True
    ):
        if abs(polarity) < POLARITY_NOISE:  # float noise of either sign: 0, so neutral
            polarity = 0.0
        assert (result.sentiment_score, result.subjectivity) == (polarity, subjectivity), text
        assert result.as_dict()["assessments"] == [
            dict(zip(("words", "polarity", "subjectivity", "label"), item, strict=True))
            for item in assessments
        ], text
        assert result.subjectivity is not None  # the textblob engine always gives one
        assert math.isfinite(result.sentiment_score) and math.isfinite(result.subjectivity)
        assert -1.0 <= result.sentiment_score <= 1.0
        assert 0.0 <= result.subjectivity <= 1.0
        assert result.sentiment == label_for(result.sentiment_score)


def test_the_textblob_engine_skips_nltk_and_loads_the_lexicon_during_import():
    # Given a fresh interpreter, when only the engine is imported (no text analysed yet)
    code = (
        "import sys, sentiment_api.engines.textblob as a\n"
        "print(dict.__len__(a._SENTIMENT), 'nltk' in sys.modules, 'textblob' in sys.modules)"
    )
    words, nltk_loaded, textblob_package_run = run_python(code).split()
    # Then the lexicon is already in memory, and neither NLTK nor textblob/__init__ ran
    assert int(words) > 2000
    assert (nltk_loaded, textblob_package_run) == ("False", "False")
