"""Deployment settings, parsed once from the environment at import time."""

from __future__ import annotations

import os
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_MAX_TEXT_LENGTH = 5_000
"""Default cap on ``text``, in Unicode code points: Amazon Comprehend's and Azure AI Language's
per-document limits are of this order (5,000 bytes and 5,120 characters)."""


class Settings(BaseModel):
    """What a deployment may tune. Each field comes from one environment variable.

    Raises:
        pydantic.ValidationError: from :meth:`from_env` when a variable is set but invalid;
            the function then fails at init, which is where a misconfiguration should show.
    """

    model_config = ConfigDict(frozen=True)

    max_text_length: Annotated[
        int,
        Field(
            ge=1,
            # Analysis is quadratic on runs of punctuation (100,000 "!" take over a second).
            le=50_000,
            description="Longest accepted text, in Unicode code points (env MAX_TEXT_LENGTH).",
        ),
    ] = DEFAULT_MAX_TEXT_LENGTH

    @property
    def max_body_length(self) -> int:
        """Longest request body accepted before parsing, in characters of the raw body.

        Room for ``max_text_length`` code points at the worst JSON escaping (12 characters,
        a ``\\uXXXX`` surrogate pair, per code point) plus 1 KiB of other fields, then base64's
        4/3 expansion. Anything longer cannot be a valid request.
        """
        return (12 * self.max_text_length + 1024) * 4 // 3 + 4

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (default ``os.environ``); unset ones keep defaults."""
        env = os.environ if environ is None else environ
        values = {}
        if env.get("MAX_TEXT_LENGTH"):
            values["max_text_length"] = env["MAX_TEXT_LENGTH"]
        return cls.model_validate(values)
