"""Deployment settings, parsed once from the environment at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_MAX_TEXT_LENGTH = 5_000
"""Default cap on ``text``, in Unicode code points: Amazon Comprehend's and Azure AI Language's
per-document limits are of this order (5,000 bytes and 5,120 characters)."""

MAX_TEXT_LENGTH_LIMIT = 50_000
"""Highest cap a deployment may set: analysis is quadratic on runs of punctuation (100,000
"!" take over a second)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """What a deployment may tune. Each field comes from one environment variable.

    A plain dataclass, not a pydantic model: the API's cold start imports pydantic only for
    requests that need the router (see ``handlers/api.py``).

    Attributes:
        max_text_length: longest accepted text, in Unicode code points, 1 to 50,000
            (env ``MAX_TEXT_LENGTH``).

    Raises:
        ValueError: when a value is out of range, or (from :meth:`from_env`) not an integer;
            the function then fails at init, which is where a misconfiguration should show.
    """

    max_text_length: int = DEFAULT_MAX_TEXT_LENGTH

    def __post_init__(self) -> None:
        if type(self.max_text_length) is not int or not (
            1 <= self.max_text_length <= MAX_TEXT_LENGTH_LIMIT
        ):
            raise ValueError(
                f"MAX_TEXT_LENGTH must be an integer from 1 to {MAX_TEXT_LENGTH_LIMIT}, "
                f"not {self.max_text_length!r}"
            )

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
        raw = env.get("MAX_TEXT_LENGTH")
        if not raw:
            return cls()
        try:
            value = int(raw, 10)
        except ValueError:
            raise ValueError(f"MAX_TEXT_LENGTH must be an integer, not {raw!r}") from None
        return cls(max_text_length=value)
