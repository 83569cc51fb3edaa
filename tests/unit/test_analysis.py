"""analyse(): the pure core."""

import json
import math
import subprocess
import sys

import pytest

from sentiment_api.analysis import SentimentResult, analyse, label_for
from sentiment_api.evaluate import load_labelled_sentences
from support import DATA, run_python

EDGE_CASES = ["", " ", "!!!", "😀😀", "Ünïcödé çafé", "\r\n\t", "(" * 1000, "good " * 1000, "\x00"]


def textblob_sentiment(texts: list[str]) -> list[tuple[float, float]]:
    """``TextBlob(text).sentiment`` for each text, computed the documented way in a separate
    interpreter (``from textblob import TextBlob``), so nothing of our loader is shared."""
    code = (
        "import json, sys; from textblob import TextBlob\n"
        "texts = json.load(sys.stdin)\n"
        "json.dump([tuple(TextBlob(t).sentiment) for t in texts], sys.stdout)"
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


def test_result_is_typed_and_immutable():
    result = analyse("Happy New Year!")

    assert isinstance(result, SentimentResult)
    with pytest.raises(AttributeError):
        result.sentiment_score = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (0.5, "positive"),
        (1e-12, "positive"),
        (0.0, "neutral"),
        (-0.0, "neutral"),
        (-1e-12, "negative"),
        (-1.0, "negative"),
    ],
)
def test_label_follows_the_sign_of_the_score(score, label):
    assert label_for(score) == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("What a wonderful, beautiful day!", "positive"),
        ("The soup was cold and the service was terrible.", "negative"),
        ("The meeting is on Tuesday at noon.", "neutral"),
        ("This is not good.", "negative"),  # negation flips the lexicon's polarity
    ],
)
def test_labels_of_plain_sentences(text, label):
    assert analyse(text).sentiment == label


def test_matches_textblob_exactly_on_every_labelled_sentence_and_edge_case():
    # Given the 3,000 human-labelled review sentences and some edge cases
    sentences = load_labelled_sentences(DATA)
    assert len(sentences) == 3000
    texts = [sentence.text for sentence in sentences] + EDGE_CASES

    # When analysed here, and by TextBlob imported normally in another process
    results = [analyse(text) for text in texts]
    expected = textblob_sentiment(texts)

    # Then polarity and subjectivity are TextBlob's own, bit for bit, finite and in range
    for text, result, reference in zip(texts, results, expected, strict=True):
        assert (result.sentiment_score, result.subjectivity) == reference, text
        assert math.isfinite(result.sentiment_score) and math.isfinite(result.subjectivity)
        assert -1.0 <= result.sentiment_score <= 1.0
        assert 0.0 <= result.subjectivity <= 1.0
        assert result.sentiment == label_for(result.sentiment_score)


def test_analysis_module_imports_no_aws_and_no_powertools():
    # Given a fresh interpreter, when only the core is imported
    loaded = run_python("import sys, sentiment_api.analysis; print(sorted(sys.modules))")
    # Then nothing of AWS, Powertools or pydantic came with it
    for module in ("boto3", "botocore", "aws_lambda_powertools", "pydantic"):
        assert f"'{module}'" not in loaded


def test_core_skips_nltk_and_loads_the_lexicon_during_import():
    # Given a fresh interpreter, when only the core is imported (no text analysed yet)
    code = (
        "import sys, sentiment_api.analysis as a\n"
        "print(dict.__len__(a._SENTIMENT), 'nltk' in sys.modules, 'textblob' in sys.modules)"
    )
    words, nltk_loaded, textblob_package_run = run_python(code).split()
    # Then the lexicon is already in memory, and neither NLTK nor textblob/__init__ ran
    assert int(words) > 2000
    assert (nltk_loaded, textblob_package_run) == ("False", "False")
