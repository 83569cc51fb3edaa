"""Request, response and error bodies of the HTTP API (pydantic v2).

These models are the API's contract: Powertools validates requests and responses against
them and generates the OpenAPI document from them.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class AnalyseRequest(BaseModel):
    """Body of ``POST /analyse``. Unknown fields are rejected (422), so a typo is not ignored."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[
        str | None,
        Field(
            description=(
                "The text to analyse. Required: missing, null, empty or whitespace-only text is "
                "a 400. Length is counted in Unicode code points and capped (default 5,000; 413 "
                "above it)."
            ),
            examples=["Happy New Year!"],
        ),
    ] = None

    @field_validator("text")
    @classmethod
    def _reject_lone_surrogates(cls, text: str | None) -> str | None:
        # JSON can carry "\ud800" escapes that decode to no Unicode character; echoing one
        # back would hand strict clients a string they cannot parse.
        if text is not None and _LONE_SURROGATE.search(text):
            raise PydanticCustomError(
                "lone_surrogate", "text contains a lone UTF-16 surrogate, which is not Unicode"
            )
        return text


class AnalyseResponse(BaseModel):
    """Body of a 200 from ``POST /analyse``."""

    input: Annotated[str, Field(description="The submitted text, unchanged.")]
    sentiment_score: Annotated[
        float,
        Field(ge=-1.0, le=1.0, description="TextBlob polarity in [-1, 1]; below 0 is negative."),
    ]
    sentiment: Annotated[
        Literal["positive", "negative", "neutral"],
        Field(description="positive if sentiment_score > 0, negative if < 0, else neutral."),
    ]
    subjectivity: Annotated[
        float,
        Field(ge=0.0, le=1.0, description="TextBlob subjectivity in [0, 1]; 1 is most subjective."),
    ]


class HealthResponse(BaseModel):
    """Body of a 200 from ``GET /``."""

    health_check: Literal["OK"] = "OK"
    version: Annotated[str, Field(description="The service's version.")]


class ErrorDetail(BaseModel):
    """One problem found while validating a request body."""

    loc: Annotated[list[str | int], Field(description='Where in the body, e.g. ["text"].')]
    type: Annotated[str, Field(description="pydantic's error type, e.g. string_type.")]
    msg: Annotated[str, Field(description="What is wrong, in words.")]


class ErrorResponse(BaseModel):
    """Body of every 4xx and 5xx the function returns."""

    error: Annotated[str, Field(description="What went wrong, for a human.")]
    code: Annotated[
        str, Field(description="What went wrong, for a program: a stable snake_case id.")
    ]
    details: Annotated[
        list[ErrorDetail] | None, Field(description="Per-field problems, for validation errors.")
    ] = None
