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
                "Also return the scored expressions behind the score (`assessments`), with "
                "negations and intensifiers."
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
                "A score with |score| <= neutral_threshold is labelled neutral. From 0 to 1; "
                "default: the deployment's (env NEUTRAL_THRESHOLD, 0 unless set: only an exact "
                "0 is neutral). The result echoes the threshold used."
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
                "VADER's human-rated sentences (`probabilities`, `contributions`, no "
                'subjectivity); right more often on review sentences (README, "Evaluation"). '
                "Default: the deployment's (env ENGINE, textblob unless set). The result "
                "echoes the engine used."
            ),
            examples=["model"],
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
    """The model engine's class probabilities (logistic regression), summing to 1."""

    positive: Annotated[
        float, Field(ge=0.0, le=1.0, description="p(positive), the model's estimate in [0, 1].")
    ]
    negative: Annotated[float, Field(ge=0.0, le=1.0, description="1 - p(positive).")]


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
                "Its coefficient times its L2-normalised tf-idf value in this text, in log-odds "
                "of positive: above 0 pushes towards positive. All the text's n-grams plus the "
                "model's intercept sum to ln(p / (1 - p))."
            )
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
        Field(description="Label of the sentence's score, under the same neutral_threshold."),
    ]
    probabilities: Annotated[
        Probabilities | None,
        Field(
            description="Only with the model engine: the sentence's class probabilities.",
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
}

MODEL_RESPONSE_EXAMPLE: dict[str, Any] = {
    "input": "The food was great but the service was slow.",
    "sentiment_score": -0.09477999853002805,
    "sentiment": "negative",
    "neutral_threshold": 0.0,
    "engine": "model",
    "probabilities": {"positive": 0.452610000734986, "negative": 0.547389999265014},
}
"""The same text with ``engine: model`` (a test holds both examples to the real answers)."""


class AnalyseResponse(BaseModel):
    """Body of a 200 from ``POST /analyse``; an item of a batch's ``results``."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [_RESPONSE_EXAMPLE, MODEL_RESPONSE_EXAMPLE]}
    )

    input: Annotated[str, Field(description="The submitted text, unchanged.")]
    sentiment_score: Annotated[
        float,
        Field(
            ge=-1.0,
            le=1.0,
            description=(
                "In [-1, 1]; below 0 is negative. textblob: its polarity. model: "
                "2 * probabilities.positive - 1."
            ),
        ),
    ]
    sentiment: Annotated[
        Literal["positive", "negative", "neutral"],
        Field(
            description=(
                "positive if sentiment_score > neutral_threshold, negative if below "
                "-neutral_threshold, else neutral."
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
        float, Field(ge=0.0, le=1.0, description="The threshold the labels were derived with.")
    ]
    engine: Annotated[EngineName, Field(description="The engine that scored the text.")]
    probabilities: Annotated[
        Probabilities | None,
        Field(
            description=(
                "Only with the model engine: the logistic regression's class probabilities, "
                "{positive: p, negative: 1 - p}."
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


class BatchItemResult(AnalyseResponse):
    """A text of a batch that was analysed: its index and the fields of ``POST /analyse``."""

    index: Annotated[int, Field(ge=0, description="Position of the text in `texts`, from 0.")]


class BatchItemError(BaseModel):
    """A text of a batch that was not analysed, and why."""

    index: Annotated[int, Field(ge=0, description="Position of the text in `texts`, from 0.")]
    error: Annotated[str, Field(description="What is wrong with it, for a human.")]
    code: Annotated[
        Literal["no_text", "text_too_long", "invalid_type", "lone_surrogate"],
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
