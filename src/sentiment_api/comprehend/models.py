"""The Comprehend-compatible endpoint's request and response bodies as pydantic models, for its
part of the OpenAPI document (:mod:`.docs`) only: the endpoint itself reads and writes plain
JSON (:mod:`.protocol`), without pydantic. Names, members and types are those of botocore's
service model for ``comprehend`` (a contract test holds each model to its shape there), with
the ``Comprehend`` prefix so that none collides with the JSON API's schemas.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sentiment_api.comprehend.protocol import (
    MAX_BATCH_DOCUMENTS,
    MAX_DOCUMENT_BYTES,
    MAX_LANGUAGE_DOCUMENT_BYTES,
)

SentimentType = Literal["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"]
BatchErrorCode = Literal["TEXT_SIZE_LIMIT_EXCEEDED", "UNSUPPORTED_LANGUAGE"]
"""``shapes.BATCH_ERROR_CODES``'s values (a test holds the two together)."""

_TEXT = (
    f"A UTF-8 text, at least 1 character, at most {MAX_DOCUMENT_BYTES:,} bytes (Comprehend's "
    "limit) and at most the deployment's MaxTextLength code points."
)
_LANGUAGE_CODE = (
    "Must be `en`: any other is an UnsupportedLanguageException. With the deployment's "
    "language check on, a text identified as confidently another language is refused too."
)
_TEXT_LIST = (
    f"1 to {MAX_BATCH_DOCUMENTS} texts (or the deployment's MaxBatchSize, if lower), each at "
    f"most {MAX_DOCUMENT_BYTES:,} UTF-8 bytes; one over it is an ErrorList item."
)

TextMember = Annotated[str, Field(min_length=1, description=_TEXT)]
TextListMember = Annotated[
    list[Annotated[str, Field(min_length=1)]],
    Field(min_length=1, max_length=MAX_BATCH_DOCUMENTS, description=_TEXT_LIST),
]
LanguageCodeMember = Annotated[Literal["en"], Field(description=_LANGUAGE_CODE)]
Score = Annotated[float, Field(ge=0.0, le=1.0)]
IndexMember = Annotated[
    int, Field(ge=0, description="The document's zero-based index in TextList.")
]


class ComprehendDetectSentimentRequest(BaseModel):
    """DetectSentiment's input."""

    Text: TextMember
    LanguageCode: LanguageCodeMember


class ComprehendBatchDetectSentimentRequest(BaseModel):
    """BatchDetectSentiment's input."""

    TextList: TextListMember
    LanguageCode: LanguageCodeMember


class ComprehendDetectDominantLanguageRequest(BaseModel):
    """DetectDominantLanguage's input."""

    Text: Annotated[
        str,
        Field(
            min_length=1,
            description=f"A UTF-8 text of at most {MAX_LANGUAGE_DOCUMENT_BYTES:,} bytes.",
        ),
    ]


class ComprehendBatchDetectDominantLanguageRequest(BaseModel):
    """BatchDetectDominantLanguage's input."""

    TextList: TextListMember


class ComprehendSentimentScore(BaseModel):
    """The four scores, each in [0, 1], summing to 1. With `model` and `encoder`: the class
    probabilities; with `textblob` (no probabilities), the polarity s split as Positive =
    max(s, 0), Negative = max(-s, 0), Neutral = 1 - |s|. Mixed: 0 unless the text has a
    positive and a negative sentence; then the weaker side of that disagreement, and the
    other three scaled by 1 - Mixed."""

    Positive: Score
    Negative: Score
    Neutral: Score
    Mixed: Score


class ComprehendDetectSentimentResponse(BaseModel):
    """DetectSentiment's output."""

    Sentiment: Annotated[
        SentimentType,
        Field(
            description="MIXED if the text has a positive and a negative sentence, else the "
            "label POST /analyse gives it, upper-cased."
        ),
    ]
    SentimentScore: ComprehendSentimentScore


class ComprehendBatchDetectSentimentItemResult(BaseModel):
    """One analysed document of a batch."""

    Index: IndexMember
    Sentiment: SentimentType
    SentimentScore: ComprehendSentimentScore


class ComprehendBatchItemError(BaseModel):
    """One document of a batch that was not analysed."""

    Index: IndexMember
    ErrorCode: BatchErrorCode
    ErrorMessage: str


class ComprehendBatchDetectSentimentResponse(BaseModel):
    """BatchDetectSentiment's output: every index in exactly one list, each in index order."""

    ResultList: list[ComprehendBatchDetectSentimentItemResult]
    ErrorList: list[ComprehendBatchItemError]


class ComprehendDominantLanguage(BaseModel):
    """A language the text may be in."""

    LanguageCode: Annotated[
        str,
        Field(
            min_length=1,
            description="ISO 639-1 where the language has a code (en, fr), else its ISO 639-2/3 "
            "code (ceb): fastText's lid.176 identifier's labels.",
        ),
    ]
    Score: Annotated[float, Field(ge=0.0, le=1.0, description="The identifier's probability.")]


class ComprehendDetectDominantLanguageResponse(BaseModel):
    """DetectDominantLanguage's output."""

    Languages: Annotated[
        list[ComprehendDominantLanguage],
        Field(
            description="Most likely first: of the identifier's five best guesses, those of "
            "probability 0.01 or more, and always the first; empty for a text without a word."
        ),
    ]


class ComprehendBatchDetectDominantLanguageItemResult(BaseModel):
    """One identified document of a batch."""

    Index: IndexMember
    Languages: list[ComprehendDominantLanguage]


class ComprehendBatchDetectDominantLanguageResponse(BaseModel):
    """BatchDetectDominantLanguage's output."""

    ResultList: list[ComprehendBatchDetectDominantLanguageItemResult]
    ErrorList: list[ComprehendBatchItemError]


class ComprehendError(BaseModel):
    """An error in the protocol's shape, with the API's own `error` and `code` beside it."""

    model_config = ConfigDict(populate_by_name=True)

    type_: Annotated[
        Literal[
            "InvalidRequestException",
            "TextSizeLimitExceededException",
            "UnsupportedLanguageException",
            "BatchSizeLimitExceededException",
            "UnknownOperationException",
            "InternalServerException",
        ],
        Field(
            alias="__type",
            description="The error shape of Comprehend's model; boto3 raises "
            "client.exceptions.<this> (UnknownOperationException, not in the model: a plain "
            "ClientError with this code).",
        ),
    ]
    message: Annotated[str, Field(description="For a human (botocore's Error.Message).")]
    Message: Annotated[str, Field(description="The same: the error shape's one member.")]
    error: Annotated[str, Field(description="The same, as every error of this API has it.")]
    code: Annotated[str, Field(description="This API's stable code (docs/api.md, Errors).")]
