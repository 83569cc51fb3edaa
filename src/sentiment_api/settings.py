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
            le=1_000_000,
            description="Longest accepted text, in Unicode code points (env MAX_TEXT_LENGTH).",
        ),
    ] = DEFAULT_MAX_TEXT_LENGTH

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (default ``os.environ``); unset ones keep defaults."""
        env = os.environ if environ is None else environ
        values = {}
        if env.get("MAX_TEXT_LENGTH"):
            values["max_text_length"] = env["MAX_TEXT_LENGTH"]
        return cls.model_validate(values)
