"""Cost: US dollars per million analyses, from the measured handler time and published prices."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, TypedDict

from .common import FULL_VCPU_MB

if TYPE_CHECKING:
    from .latency import EngineWarm, WarmInProcess

# Published on-demand prices, US East (N. Virginia), x86, as of 2026-11; sources in the README.
LAMBDA_PER_GB_SECOND = 0.0000166667
LAMBDA_PER_MILLION_REQUESTS = 0.20
REST_API_PER_MILLION = 3.50
HTTP_API_PER_MILLION = 1.00
COMPREHEND_PER_UNIT = 0.0001
"""Amazon Comprehend sentiment: $0.0001 per unit of 100 characters, at least 3 units a request."""

CostFigures = TypedDict(
    "CostFigures",
    {
        "billed_ms": int,
        "lambda": float,
        "lambda_plus_rest_api": float,
        "lambda_plus_http_api": float,
        "comprehend": float,
    },
)
"""US dollars per million analyses of one text length (``lambda`` is a keyword: no class)."""


class Cost(TypedDict):
    memory_mb: int
    per_text_length: dict[str, CostFigures]


class EngineCost(TypedDict):
    memory_mb: int
    """The template's MemorySize of the API function."""
    by_engine: dict[str, dict[str, CostFigures]]
    """By engine, then by text length."""


def figures_for(handler_us: float, length: str, memory_mb: int) -> CostFigures:
    """US dollars per million analyses of ``length`` characters whose handler takes
    ``handler_us`` at one full vCPU, at ``memory_mb`` (see :func:`cost_per_million`)."""
    stretch = max(1.0, FULL_VCPU_MB / memory_mb)
    billed_ms = max(1, math.ceil(handler_us / 1000 * stretch))
    compute = 1e6 * billed_ms / 1000 * memory_mb / 1024 * LAMBDA_PER_GB_SECOND
    lambda_total = compute + LAMBDA_PER_MILLION_REQUESTS
    return {
        "billed_ms": billed_ms,
        "lambda": lambda_total,
        "lambda_plus_rest_api": lambda_total + REST_API_PER_MILLION,
        "lambda_plus_http_api": lambda_total + HTTP_API_PER_MILLION,
        "comprehend": 1e6 * max(3, math.ceil(int(length) / 100)) * COMPREHEND_PER_UNIT,
    }


def cost_per_million(warm: dict[str, WarmInProcess], memory_mb: int) -> Cost:
    """US dollars per million analyses, from measured handler time and the published prices.

    The handler's median time at one full vCPU is stretched by 1,769 / ``memory_mb`` (the CPU
    share, as if the work were all CPU: an upper bound), then rounded up to Lambda's 1 ms
    billing step. API Gateway bills per request; Comprehend per 100-character unit with a
    minimum of 3 units per request.
    """
    figures = {
        length: figures_for(measured["handler_us"]["median"], length, memory_mb)
        for length, measured in warm.items()
    }
    return {"memory_mb": memory_mb, "per_text_length": figures}


def cost_by_engine(warm: dict[str, dict[str, EngineWarm]], memory_mb: int) -> EngineCost:
    """:func:`cost_per_million` for each engine, from its handler's median time in process
    (``POST /analyse`` naming it), at ``memory_mb`` (the template's MemorySize)."""
    engines = next(iter(warm.values()))
    return {
        "memory_mb": memory_mb,
        "by_engine": {
            engine: {
                length: figures_for(by_engine[engine]["handler_us"]["median"], length, memory_mb)
                for length, by_engine in warm.items()
            }
            for engine in engines
        },
    }
