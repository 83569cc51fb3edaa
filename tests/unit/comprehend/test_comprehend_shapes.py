"""From analyse()'s results to Comprehend's output shapes (comprehend/shapes.py): the four
scores of each engine, the MIXED rule, the languages' list and a batch's error items."""

import math
import typing

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentiment_api.analysis import SentenceSentiment, SentimentResult, label_for
from sentiment_api.comprehend import models, shapes
from sentiment_api.errors import (
    NoTextError,
    TextTooLargeError,
    TextTooLongError,
    UnsupportedLanguageError,
)


def sentence(score, label, probabilities=None):
    return SentenceSentiment("s", 0, 1, score, None, label, probabilities)


def result(score, label, probabilities=None, sentences=None):
    mixed = None
    if sentences is not None:
        labels = {s.sentiment for s in sentences}
        mixed = {"positive", "negative"} <= labels
    return SentimentResult(
        input="t",
        sentiment_score=score,
        sentiment=label,
        subjectivity=None,
        mixed=mixed,
        sentences=sentences,
        probabilities=probabilities,
    )


def test_textblob_polarity_is_split_into_three_scores_and_the_label_is_post_analyses():
    # polarity 0.2: POST /analyse's label (threshold 0) is positive; the split puts 0.8 on
    # Neutral, so the label is not the largest score (said in the README)
    answer = shapes.sentiment(result(0.2, "positive"))
    assert answer == {
        "Sentiment": "POSITIVE",
        "SentimentScore": {"Positive": 0.2, "Negative": 0.0, "Neutral": 0.8, "Mixed": 0.0},
    }
    assert shapes.sentiment(result(-0.75, "negative"))["SentimentScore"] == {
        "Positive": 0.0,
        "Negative": 0.75,
        "Neutral": 0.25,
        "Mixed": 0.0,
    }


def test_a_zero_polarity_gives_no_negative_zero():
    scores = shapes.sentiment(result(0.0, "neutral"))["SentimentScore"]
    assert scores == {"Positive": 0.0, "Negative": 0.0, "Neutral": 1.0, "Mixed": 0.0}
    assert all(math.copysign(1.0, value) == 1.0 for value in scores.values())  # JSON "-0.0"


def test_trained_engines_scores_are_their_probabilities():
    probabilities = {"positive": 0.7, "neutral": 0.2, "negative": 0.1}
    answer = shapes.sentiment(result(0.6, "positive", probabilities))
    assert answer == {
        "Sentiment": "POSITIVE",
        "SentimentScore": {"Positive": 0.7, "Negative": 0.1, "Neutral": 0.2, "Mixed": 0.0},
    }


def test_a_mixed_text_is_mixed_with_the_weaker_side_of_the_disagreement():
    # the strongest positive sentence says 0.9, the strongest negative 0.6: Mixed 0.6, and the
    # document's three probabilities share the remaining 0.4
    sentences = (
        sentence(0.85, "positive", {"positive": 0.9, "neutral": 0.05, "negative": 0.05}),
        sentence(0.3, "positive", {"positive": 0.5, "neutral": 0.3, "negative": 0.2}),
        sentence(-0.4, "negative", {"positive": 0.2, "neutral": 0.2, "negative": 0.6}),
        sentence(0.0, "neutral", {"positive": 0.1, "neutral": 0.8, "negative": 0.1}),
    )
    document = {"positive": 0.5, "neutral": 0.25, "negative": 0.25}
    answer = shapes.sentiment(result(0.25, "positive", document, sentences))
    assert answer["Sentiment"] == "MIXED"
    assert answer["SentimentScore"] == pytest.approx(
        {"Positive": 0.2, "Negative": 0.1, "Neutral": 0.1, "Mixed": 0.6}
    )


def test_textblob_sentences_disagree_by_their_polarity():
    sentences = (sentence(0.8, "positive"), sentence(-0.35, "negative"))
    answer = shapes.sentiment(result(0.2, "positive", None, sentences))
    assert answer["Sentiment"] == "MIXED"
    assert answer["SentimentScore"] == pytest.approx(
        {"Positive": 0.65 * 0.2, "Negative": 0.0, "Neutral": 0.65 * 0.8, "Mixed": 0.35}
    )


def test_sentences_that_agree_are_not_mixed():
    sentences = (sentence(0.8, "positive"), sentence(0.0, "neutral"), sentence(0.1, "positive"))
    answer = shapes.sentiment(result(0.3, "positive", None, sentences))
    assert answer["Sentiment"] == "POSITIVE" and answer["SentimentScore"]["Mixed"] == 0.0


probability_triples = st.tuples(*[st.floats(0.001, 1.0)] * 3).map(
    lambda t: dict(zip(("positive", "neutral", "negative"), (x / sum(t) for x in t), strict=True))
)


@st.composite
def readings(draw, trained):
    """A document's or a sentence's reading by an engine of that kind, labelled by its rule."""
    if trained:
        probabilities = draw(probability_triples)
        score = probabilities["positive"] - probabilities["negative"]
    else:
        probabilities, score = None, draw(st.floats(-1.0, 1.0))
    return score, label_for(score, None, probabilities), probabilities


@given(data=st.data(), trained=st.booleans(), count=st.integers(0, 6))
def test_scores_are_a_distribution_and_the_label_follows_the_rules(data, trained, count):
    score, label, probabilities = data.draw(readings(trained))
    parts = tuple(sentence(*data.draw(readings(trained))) for _ in range(count))
    analysed = result(score, label, probabilities, parts if count else None)
    answer = shapes.sentiment(analysed)
    scores = answer["SentimentScore"]
    assert set(scores) == {"Positive", "Negative", "Neutral", "Mixed"}
    assert all(type(v) is float and 0.0 <= v <= 1.0 for v in scores.values())
    assert math.isclose(sum(scores.values()), 1.0, abs_tol=1e-9)
    if analysed.mixed:
        assert answer["Sentiment"] == "MIXED" and scores["Mixed"] > 0
    else:
        assert answer["Sentiment"] == label.upper() and scores["Mixed"] == 0.0
        if trained:  # the most probable class, the engines' default rule: the largest score
            assert scores[answer["Sentiment"].title()] == max(scores.values())


def test_languages_are_sorted_and_the_unlikely_left_out_but_never_the_first():
    guesses = [("de", 0.0001), ("fr", 0.9), ("en", 0.05), ("it", 0.009)]
    assert shapes.languages(guesses) == [
        {"LanguageCode": "fr", "Score": 0.9},
        {"LanguageCode": "en", "Score": 0.05},
    ]
    assert shapes.languages([("ceb", 0.004)]) == [{"LanguageCode": "ceb", "Score": 0.004}]
    assert shapes.languages([]) == []


def test_batch_errors_name_the_documents_problem():
    too_large = TextTooLargeError(5001, 5000)
    assert shapes.batch_error(3, too_large) == {
        "Index": 3,
        "ErrorCode": "TEXT_SIZE_LIMIT_EXCEEDED",
        "ErrorMessage": "Input text size exceeds limit. Max length of request text allowed is "
        "5000 bytes while in this request the text size is 5001 bytes",
    }
    assert shapes.batch_error(0, TextTooLongError(11, 10))["ErrorCode"] == (
        "TEXT_SIZE_LIMIT_EXCEEDED"
    )
    refused = UnsupportedLanguageError("fr", 0.99)
    assert shapes.batch_error(1, refused)["ErrorCode"] == "UNSUPPORTED_LANGUAGE"
    with pytest.raises(KeyError):
        shapes.batch_error(2, NoTextError())


def test_the_documented_error_codes_are_the_ones_sent():
    assert set(typing.get_args(models.BatchErrorCode)) == set(shapes.BATCH_ERROR_CODES.values())
