"""The body of every error answer of both HTTP functions (pydantic v2), for the OpenAPI
document; the answers themselves come from :mod:`sentiment_api.http.errors`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field


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
