"""Request and response bodies of the sentiment API (pydantic v2): its contract. Powertools
validates requests and responses against them and generates the OpenAPI document from them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from sentiment_api.engines import EngineName
from sentiment_api.text import has_lone_surrogate


def _is_none(value: object) -> bool:
    return value is None


OMITTED_IF_NONE = {"exclude_if": _is_none}
"""Optional response fields appear only when requested, never as null."""

_TEXT_RULES = (
    "Length is counted in Unicode code points and capped (default 5,000; env MAX_TEXT_LENGTH)."
)


class AnalyseOptions(BaseModel):
    """The per-request options, the same for ``POST /analyse`` and ``POST /analyse/batch``.

    Types are strict: ``"true"`` is not a boolean and ``"0.1"`` is not a number (422).
    """

    model_config = ConfigDict(extra="forbid")

    sentences: Annotated[
        bool,
        Field(
            strict=True,
            description=(
                "Also split the text into sentences and score each one; adds `sentences` and "
                "`mixed` to the result."
            ),
        ),
    ] = False
    explain: Annotated[
        bool,
        Field(
            strict=True,
            description=(
                "Also return what the score rests on: with textblob the scored expressions "
                "(`assessments`, negations and intensifiers applied), with model the n-grams' "
                "`contributions`, with encoder the words' `effects` and each sentence's own "
                "score."
            ),
        ),
    ] = False
    neutral_threshold: Annotated[
        float | None,
        Field(
            strict=True,
            ge=0.0,
            le=1.0,
            allow_inf_nan=False,
            description=(
                "A score with |score| <= neutral_threshold is labelled neutral, positive above, "
                "negative below. From 0 to 1. Default: the deployment's (env NEUTRAL_THRESHOLD); "
                "unless it sets one, each engine's own rule: the most probable class with "
                "`model` and `encoder`, only an exact 0 is neutral with `textblob`. The result "
                "echoes the threshold used, and has none when the label is the most probable "
                "class."
            ),
            examples=[0.05],
        ),
    ] = None
    engine: Annotated[
        EngineName | None,
        Field(
            description=(
                "The analysis engine. `textblob`: TextBlob's lexicon (polarity, subjectivity, "
                "`assessments`). `model`: a TF-IDF + logistic regression classifier trained on "
                "VADER's human-rated sentences, three classes (`probabilities`, "
                "`contributions`, no subjectivity). `encoder`: the sentence encoder "
                "all-MiniLM-L6-v2 (int8) with a three-class head trained on the same sentences "
                "(`probabilities`, word `effects`); right most often on review sentences, and "
                "slower (docs/evaluation.md). Default: the deployment's (env ENGINE, textblob "
                "unless set). The result echoes the engine used."
            ),
            examples=["model"],
        ),
    ] = None

    language: Annotated[
        str | None,
        Field(
            max_length=35,
            description=(
                "The texts' language, if the caller knows it (as Amazon Comprehend's "
                "LanguageCode). Only `en` is analysed: it skips identification; any other is a "
                "422 `unsupported_language`. Absent: the deployment identifies each text's "
                "language (env LANGUAGE_CHECK) and refuses, with a 422 "
                "`unsupported_language`, a text of 3 words or more that is confidently not "
                "English."
            ),
            examples=["en"],
        ),
    ] = None


class AnalyseRequest(AnalyseOptions):
    """Body of ``POST /analyse``. Unknown fields are rejected (422), so a typo is not ignored."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "The food was great but the service was slow."}]},
    )

    text: Annotated[
        str | None,
        Field(
            description=(
                "The text to analyse. Required: missing, null, empty or whitespace-only text is "
                f"a 400. {_TEXT_RULES} A longer text is a 413."
            ),
            examples=["Happy New Year!"],
        ),
    ] = None

    @field_validator("text")
    @classmethod
    def _reject_lone_surrogates(cls, text: str | None) -> str | None:
        # JSON can carry "\ud800" escapes that decode to no Unicode character; echoing one
        # back would hand strict clients a string they cannot parse.
        if text is not None and has_lone_surrogate(text):
            raise PydanticCustomError(
                "lone_surrogate", "text contains a lone UTF-16 surrogate, which is not Unicode"
            )
        return text


class BatchRequest(AnalyseOptions):
    """Body of ``POST /analyse/batch``: several texts, the options applying to each."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"texts": ["I love it.", "", "It broke after a day."]}]},
    )

    texts: Annotated[
        list[Any],
        Field(
            min_length=1,
            description=(
                "The texts to analyse, 1 to 25 by default (env MAX_BATCH_SIZE; more is a 413). "
                "Each should be a string obeying the rules of `POST /analyse`; an item that "
                "does not (empty, too long, not a string) is reported in `errors` under its "
                f"index and does not affect the others. {_TEXT_RULES}"
            ),
        ),
    ]


class Probabilities(BaseModel):
    """A trained engine's class probabilities, summing to 1."""

    positive: Annotated[float, Field(ge=0.0, le=1.0, description="p(positive), in [0, 1].")]
    neutral: Annotated[float, Field(ge=0.0, le=1.0, description="p(neutral), in [0, 1].")]
    negative: Annotated[float, Field(ge=0.0, le=1.0, description="p(negative), in [0, 1].")]


class ContributionResult(BaseModel):
    """One n-gram's share of the model engine's score (``explain`` with ``engine: model``)."""

    ngram: Annotated[
        str,
        Field(
            description=(
                "A word or two-word phrase as the model's tokenizer sees it: lowercased, words "
                'of 2+ letters or digits joined by one space, e.g. "not good".'
            )
        ),
    ]
    contribution: Annotated[
        float,
        Field(
            description=(
                "Its weight towards positive less its weight towards negative, times its "
                "L2-normalised tf-idf value in this text: its share of the log-odds of positive "
                "against negative, above 0 pushes towards positive. All the text's n-grams plus "
                "the difference of the two intercepts sum to ln(p(positive) / p(negative))."
            )
        ),
    ]


class EffectResult(BaseModel):
    """One word's effect on the encoder engine's score (``explain`` with ``engine: encoder``)."""

    word: Annotated[str, Field(description="The word, exactly input[offset:offset + length].")]
    offset: Annotated[
        int, Field(ge=0, description="Where the word starts in `input`, in code points.")
    ]
    length: Annotated[int, Field(ge=1, description="Its length, in code points.")]
    effect: Annotated[
        float,
        Field(
            ge=-2.0,
            le=2.0,
            description=(
                "The text's score minus the score of the text without this word: above 0, the "
                "word pushed the score towards positive."
            ),
        ),
    ]


class SentenceResult(BaseModel):
    """The sentiment of one sentence, within a result with ``sentences``."""

    text: Annotated[
        str, Field(description="The sentence: exactly input[offset:offset + length], trimmed.")
    ]
    offset: Annotated[
        int,
        Field(
            ge=0,
            description=(
                "Start of the sentence in `input`, in Unicode code points (not UTF-8 bytes, not "
                "UTF-16 code units: an emoji counts 1)."
            ),
        ),
    ]
    length: Annotated[int, Field(ge=1, description="Length of the sentence, in code points.")]
    sentiment_score: Annotated[
        float,
        Field(
            ge=-1.0,
            le=1.0,
            description="Score of the sentence alone, in [-1, 1], by the result's engine.",
        ),
    ]
    subjectivity: Annotated[
        float | None,
        Field(
            ge=0.0,
            le=1.0,
            description=(
                "TextBlob subjectivity of the sentence alone, in [0, 1]; absent with the model "
                "engine."
            ),
            **OMITTED_IF_NONE,
        ),
    ] = None
    sentiment: Annotated[
        Literal["positive", "negative", "neutral"],
        Field(description="Label of the sentence, by the same rule as the text's."),
    ]
    probabilities: Annotated[
        Probabilities | None,
        Field(
            description="Only with the trained engines: the sentence's class probabilities.",
            **OMITTED_IF_NONE,
        ),
    ] = None


class AssessmentResult(BaseModel):
    """One scored expression: an item of TextBlob's ``sentiment_assessments``."""

    words: Annotated[
        list[str],
        Field(
            description=(
                'The tokens scored together, lowercased, e.g. ["not", "very", "good"]: '
                "negations and intensifiers come before the word they modify."
            )
        ),
    ]
    polarity: Annotated[float, Field(ge=-1.0, le=1.0, description="Its polarity, in [-1, 1].")]
    subjectivity: Annotated[
        float, Field(ge=0.0, le=1.0, description="Its subjectivity, in [0, 1].")
    ]
    label: Annotated[
        str | None,
        Field(
            description=(
                'TextBlob\'s label: "mood" for emoticons, "irony" for "(!)", "profanity" for '
                "profane words, else null."
            )
        ),
    ]


_RESPONSE_EXAMPLE: dict[str, Any] = {
    "input": "The food was great but the service was slow.",
    "sentiment_score": 0.25,
    "sentiment": "positive",
    "subjectivity": 0.575,
    "neutral_threshold": 0.0,
    "engine": "textblob",
    "language": "en",
    "language_confidence": 0.9992615580558777,
}

MODEL_RESPONSE_EXAMPLE: dict[str, Any] = {
    "input": "The food was great but the service was slow.",
    "sentiment_score": -0.024302678173330095,
    "sentiment": "neutral",
    "engine": "model",
    "probabilities": {
        "positive": 0.2729225315327272,
        "neutral": 0.4298522587612156,
        "negative": 0.2972252097060573,
    },
    "language": "en",
    "language_confidence": 0.9992615580558777,
}
"""The same text with ``engine: model``."""

ENCODER_RESPONSE_EXAMPLE: dict[str, Any] = {
    "input": "The food was great but the service was slow.",
    "sentiment_score": -0.5706390177034448,
    "sentiment": "negative",
    "engine": "encoder",
    "probabilities": {
        "positive": 0.04261650756532335,
        "neutral": 0.34412796716590854,
        "negative": 0.6132555252687681,
    },
    "language": "en",
    "language_confidence": 0.9992615580558777,
}
"""The same text with ``engine: encoder`` (a test holds the three examples to the real
answers)."""


class AnalyseResponse(BaseModel):
    """Body of a 200 from ``POST /analyse``; an item of a batch's ``results``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [_RESPONSE_EXAMPLE, MODEL_RESPONSE_EXAMPLE, ENCODER_RESPONSE_EXAMPLE]
        }
    )

    input: Annotated[str, Field(description="The submitted text, unchanged.")]
    sentiment_score: Annotated[
        float,
        Field(
            ge=-1.0,
            le=1.0,
            description=(
                "In [-1, 1]; below 0 is negative. textblob: its polarity. The trained engines: "
                "probabilities.positive - probabilities.negative."
            ),
        ),
    ]
    sentiment: Annotated[
        Literal["positive", "negative", "neutral"],
        Field(
            description=(
                "With a neutral_threshold: positive if sentiment_score > neutral_threshold, "
                "negative if below -neutral_threshold, else neutral. Without one (the trained "
                "engines' default): the most probable class."
            )
        ),
    ]
    subjectivity: Annotated[
        float | None,
        Field(
            ge=0.0,
            le=1.0,
            description=(
                "TextBlob subjectivity in [0, 1]; 1 is most subjective. Absent with the model "
                "engine, which does not estimate it."
            ),
            **OMITTED_IF_NONE,
        ),
    ] = None
    neutral_threshold: Annotated[
        float | None,
        Field(
            ge=0.0,
            le=1.0,
            description=(
                "The threshold the labels were derived with; absent when they are the most "
                "probable class."
            ),
            **OMITTED_IF_NONE,
        ),
    ] = None
    engine: Annotated[EngineName, Field(description="The engine that scored the text.")]
    probabilities: Annotated[
        Probabilities | None,
        Field(
            description=(
                "Only with the trained engines: the class probabilities of positive, neutral "
                "and negative, summing to 1."
            ),
            **OMITTED_IF_NONE,
        ),
    ] = None
    language: Annotated[
        str | None,
        Field(
            description=(
                "The text's language: ISO 639-1 (ISO 639-3 for a language without a two-letter "
                "code, `und` for a text without a word), as identified, or `en` as declared. "
                "Absent where the deployment does not check languages (LANGUAGE_CHECK=off)."
            ),
            examples=["en"],
            **OMITTED_IF_NONE,
        ),
    ] = None
    language_confidence: Annotated[
        float | None,
        Field(
            ge=0.0,
            le=1.0,
            description=(
                "The identifier's probability of `language`; absent when it was declared."
            ),
            **OMITTED_IF_NONE,
        ),
    ] = None
    mixed: Annotated[
        bool | None,
        Field(
            description=(
                "Only with sentences: true when at least one sentence is positive and one is "
                "negative (Azure AI Language's rule). `sentiment` keeps its meaning."
            ),
            **OMITTED_IF_NONE,
        ),
    ] = None
    sentences: Annotated[
        list[SentenceResult] | None,
        Field(description="Only with sentences: each sentence, in text order.", **OMITTED_IF_NONE),
    ] = None
    assessments: Annotated[
        list[AssessmentResult] | None,
        Field(
            description=(
                "Only with explain and the textblob engine: the scored expressions, in text order."
            ),
            **OMITTED_IF_NONE,
        ),
    ] = None
    contributions: Annotated[
        list[ContributionResult] | None,
        Field(
            description=(
                "Only with explain and the model engine: the (at most 10) n-grams with the "
                "largest absolute contributions to the score, largest first."
            ),
            **OMITTED_IF_NONE,
        ),
    ] = None
    effects: Annotated[
        list[EffectResult] | None,
        Field(
            description=(
                "Only with explain and the encoder engine: each word with what removing it does "
                "to the score (occlusion), largest absolute effect first; for texts of up to 64 "
                "word-piece tokens, empty for longer ones (whose `sentences` then say where the "
                "score comes from: explain with the encoder scores each sentence too)."
            ),
            **OMITTED_IF_NONE,
        ),
    ] = None


class BatchItemResult(AnalyseResponse):
    """A text of a batch that was analysed: its index and the fields of ``POST /analyse``."""

    index: Annotated[int, Field(ge=0, description="Position of the text in `texts`, from 0.")]


class BatchItemError(BaseModel):
    """A text of a batch that was not analysed, and why."""

    index: Annotated[int, Field(ge=0, description="Position of the text in `texts`, from 0.")]
    error: Annotated[str, Field(description="What is wrong with it, for a human.")]
    code: Annotated[
        Literal[
            "no_text", "text_too_long", "invalid_type", "lone_surrogate", "unsupported_language"
        ],
        Field(description="What is wrong with it, for a program."),
    ]


class BatchResponse(BaseModel):
    """Body of a 200 from ``POST /analyse/batch``. Every index is in exactly one list."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "results": [
                        {"index": 0, **_RESPONSE_EXAMPLE},
                    ],
                    "errors": [{"index": 1, "error": "No text provided", "code": "no_text"}],
                }
            ]
        }
    )

    results: Annotated[list[BatchItemResult], Field(description="Analysed texts, by index.")]
    errors: Annotated[list[BatchItemError], Field(description="Rejected texts, by index.")]


class HealthResponse(BaseModel):
    """Body of a 200 from ``GET /``."""

    health_check: Literal["OK"] = "OK"
    version: Annotated[str, Field(description="The service's version.")]
