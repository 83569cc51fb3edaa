"""analyse(): the pure core."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentiment_api.analysis import SentimentResult, analyse, analyse_many, label_for
from sentiment_api.engines import get_engine
from support import run_python


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
    ("score", "threshold", "label"),
    [
        (0.1, 0.1, "neutral"),  # the band is closed: |score| <= t is neutral
        (-0.1, 0.1, "neutral"),
        (0.1000001, 0.1, "positive"),
        (-0.1000001, 0.1, "negative"),
        (1.0, 1.0, "neutral"),
        (-1.0, 1.0, "neutral"),
        (1e-12, 0.0, "positive"),
    ],
)
def test_neutral_threshold_widens_the_neutral_band(score, threshold, label):
    assert label_for(score, threshold) == label


@pytest.mark.parametrize("threshold", [-0.01, 1.01, math.nan, math.inf])
def test_threshold_outside_zero_to_one_is_refused(threshold):
    with pytest.raises(ValueError, match="neutral_threshold"):
        analyse("good", neutral_threshold=threshold)


def test_threshold_changes_the_label_only():
    plain, banded = analyse("It is okay."), analyse("It is okay.", neutral_threshold=0.6)

    assert plain.sentiment == "positive" and banded.sentiment == "neutral"
    assert banded.sentiment_score == plain.sentiment_score == 0.5
    assert banded.neutral_threshold == 0.6
    assert banded.as_dict()["neutral_threshold"] == 0.6


def test_options_are_off_by_default_and_absent_from_the_dict():
    fields = analyse("Happy New Year!").as_dict()

    assert list(fields) == [
        "input",
        "sentiment_score",
        "sentiment",
        "subjectivity",
        "neutral_threshold",
        "engine",
    ]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Dr. Smith arrived at 5 p.m. on Monday. He was late.",
            ["Dr. Smith arrived at 5 p.m. on Monday.", "He was late."],
        ),
        (
            "The U.S. economy grew 2.5 percent. Analysts were surprised.",
            ["The U.S. economy grew 2.5 percent.", "Analysts were surprised."],
        ),
        (
            "I waited... and waited. Nothing happened!",
            ["I waited... and waited.", "Nothing happened!"],
        ),
        (
            'She said "This is awful." Then she left.',
            ['She said "This is awful."', "Then she left."],
        ),
        ("Great phone. Terrible battery", ["Great phone.", "Terrible battery"]),
        ("It costs $3.50. Worth it? Yes!", ["It costs $3.50.", "Worth it?", "Yes!"]),
        ("no punctuation at all", ["no punctuation at all"]),
        ("   ", []),
    ],
)
def test_sentences_split_where_a_reader_would(text, sentences):
    result = analyse(text, sentences=True)
    assert result.sentences is not None
    assert [s.text for s in result.sentences] == sentences


@pytest.mark.parametrize(
    "text",
    [
        "Love it 😍. Hate the price 💸! Café was nice.\r\nNext line here.",
        "Crème brûlée: délicieuse. Service? Mauvais!\r\n\r\n  Ok.",
        "👩‍👩‍👧 family trip 🇫🇷. Awful hotel!!! E\u0301te\u0301 was fine.",
    ],
)
def test_sentence_offsets_count_code_points(text):
    result = analyse(text, sentences=True)

    assert result.sentences is not None
    assert len(result.sentences) >= 3
    for sentence in result.sentences:
        assert text[sentence.offset : sentence.offset + sentence.length] == sentence.text
        assert sentence.text == sentence.text.strip() and sentence.text
    offsets = [s.offset for s in result.sentences]
    assert offsets == sorted(offsets)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
@settings(max_examples=300, deadline=None)
def test_every_sentence_is_a_slice_of_the_input(text):
    result = analyse(text, sentences=True)
    assert result.sentences is not None

    end = 0
    for sentence in result.sentences:
        assert sentence.offset >= end  # in order, not overlapping
        assert text[sentence.offset : sentence.offset + sentence.length] == sentence.text
        assert sentence.length == len(sentence.text) > 0
        end = sentence.offset + sentence.length
    # Nothing but whitespace is left out
    covered = {i for s in result.sentences for i in range(s.offset, s.offset + s.length)}
    assert all(c.isspace() for i, c in enumerate(text) if i not in covered) or not text.strip()


def test_each_sentence_is_scored_alone_and_mixed_follows_azures_rule():
    result = analyse("The food was great. The service was awful. We left.", sentences=True)

    assert result.sentences is not None
    assert [s.sentiment for s in result.sentences] == ["positive", "negative", "neutral"]
    for sentence in result.sentences:
        assert sentence.sentiment_score == analyse(sentence.text).sentiment_score
        assert sentence.subjectivity == analyse(sentence.text).subjectivity
    assert result.mixed is True
    assert result.sentiment_score == analyse(result.input).sentiment_score  # document unchanged


@pytest.mark.parametrize(
    ("text", "mixed"),
    [
        ("Great. Lovely. Fine.", False),
        ("Awful. Terrible.", False),
        ("Great. Meh, it is Tuesday.", False),
        ("Great. Awful.", True),
    ],
)
def test_mixed_needs_a_positive_and_a_negative_sentence(text, mixed):
    assert analyse(text, sentences=True).mixed is mixed


def test_sentence_labels_use_the_documents_threshold():
    result = analyse("It is okay. It is great.", sentences=True, neutral_threshold=0.6)

    assert result.sentences is not None
    assert [s.sentiment for s in result.sentences] == ["neutral", "positive"]


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


def test_analysis_module_imports_no_aws_and_no_powertools():
    # Given a fresh interpreter, when only the core is imported
    loaded = run_python("import sys, sentiment_api.analysis; print(sorted(sys.modules))")
    # Then nothing of AWS, Powertools or pydantic came with it
    for module in ("boto3", "botocore", "aws_lambda_powertools", "pydantic"):
        assert f"'{module}'" not in loaded


def test_without_a_threshold_the_label_is_the_most_probable_class():
    probabilities = {"positive": 0.3, "neutral": 0.45, "negative": 0.25}
    assert label_for(0.05, None, probabilities) == "neutral"
    assert label_for(0.05, 0.0, probabilities) == "positive"  # a threshold: the band rule
    assert label_for(-0.05, 0.1, probabilities) == "neutral"
    tie = {"positive": 0.4, "neutral": 0.4, "negative": 0.2}
    assert label_for(0.2, None, tie) == "neutral"  # a tie goes to neutral
    assert label_for(0.2, None, None) == "positive"  # no probabilities: threshold 0


def test_the_threshold_echoed_is_the_one_the_label_came_from():
    assert analyse("Great food.").neutral_threshold == 0.0  # textblob: the tutorial's rule
    assert analyse("Great food.", engine="model").neutral_threshold is None  # most probable
    assert analyse("Great food.", engine="model", neutral_threshold=0.2).neutral_threshold == 0.2


def test_analyse_many_scores_a_batch_in_one_engine_call(monkeypatch):
    # A counting wrapper around the real engine: what is tested is how analyse_many calls it
    engine = get_engine("model")
    calls: list[list[str]] = []
    score = engine.score

    def counted(texts):
        calls.append(list(texts))
        return score(texts)

    monkeypatch.setattr(engine, "score", counted)
    texts = ["Great food. Awful service.", "Fine.", "I loved it. I will come back."]
    results = analyse_many(texts, engine="model", sentences=True)

    assert calls[0] == texts  # the texts, in one call
    assert calls[1] == ["Great food.", "Awful service.", "I loved it.", "I will come back."]
    assert len(calls) == 2  # "Fine." is its own only sentence: its verdict is reused
    monkeypatch.setattr(engine, "score", score)
    for text, result in zip(texts, results, strict=True):
        assert result == analyse(text, engine="model", sentences=True)
