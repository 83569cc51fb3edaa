"""The sentiment API's own routes, as a Powertools ``Router`` that :mod:`.app` includes:
``GET /`` (health), ``POST /analyse`` and ``POST /analyse/batch``. Every error they raise is
answered from the error table (:mod:`sentiment_api.http.errors`)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from sentiment_api import __version__
from sentiment_api.api import service
from sentiment_api.api.docs import post_responses
from sentiment_api.api.models import (
    AnalyseRequest,
    AnalyseResponse,
    BatchItemError,
    BatchItemResult,
    BatchRequest,
    BatchResponse,
    HealthResponse,
)
from sentiment_api.errors import TextTooLongError, TooManyTextsError
from sentiment_api.http.proxy import LAMBDA_RESPONSE_LIMIT
from sentiment_api.settings import get_settings

ALLOWED_METHODS = {
    "/": ("GET", "HEAD"),
    "/analyse": ("POST",),
    "/analyse/batch": ("POST",),
}
"""The methods of each path of this router, for the 405s of the others; a test holds it to
the routes."""

router = Router()

_LIMITS = get_settings()
"""The deployment's limits, as the document's examples state them."""


@router.route("/", method=["GET", "HEAD"], summary="Health check")
def health() -> HealthResponse:
    """Report that the function is up, and its version."""
    return HealthResponse(version=__version__)


@router.post(
    "/analyse",
    summary="Analyse the sentiment of a text",
    responses=post_responses(
        "The text's sentiment",
        AnalyseResponse,
        TextTooLongError(_LIMITS.max_text_length + 1, _LIMITS.max_text_length),
        _LIMITS.max_body_length,
    ),
)
def analyse_text(
    request: Annotated[
        AnalyseRequest,
        Body(
            openapi_examples={
                "text": {"summary": "A text", "value": {"text": "Happy New Year!"}},
                "all options": {
                    "summary": "Sentences, assessments, a neutral band",
                    "value": {
                        "text": "The food was great. The service was not good at all!",
                        "sentences": True,
                        "explain": True,
                        "neutral_threshold": 0.05,
                    },
                },
                "model engine": {
                    "summary": "The trained model: probabilities, contributions",
                    "value": {
                        "text": "The food was great. The service was not good at all!",
                        "engine": "model",
                        "sentences": True,
                        "explain": True,
                    },
                },
            }
        ),
    ],
) -> AnalyseResponse:
    """Return the score and label of `text` by the chosen engine, and what the options ask for.

    Raises NoTextError (400) and TextTooLongError (413); see the responses for the rest.
    """
    return AnalyseResponse(
        **service.analysed(
            service.accepted_text(request.text),
            neutral_threshold=request.neutral_threshold,
            sentences=request.sentences,
            explain=request.explain,
            engine=request.engine,
            language=request.language,
        )
    )


@router.post(
    "/analyse/batch",
    summary="Analyse the sentiment of several texts",
    responses=post_responses(
        "A result or an error for each text, by index",
        BatchResponse,
        TooManyTextsError(_LIMITS.max_batch_size + 1, _LIMITS.max_batch_size),
        _LIMITS.max_batch_body_length,
    ),
)
def analyse_batch(
    request: Annotated[
        BatchRequest,
        Body(
            openapi_examples={
                "texts": {
                    "summary": "Three texts, one empty",
                    "value": {"texts": ["I love it.", "", "It broke after a day."]},
                }
            }
        ),
    ],
) -> BatchResponse:
    """Analyse each text as `POST /analyse` would; a bad text is reported, not fatal.

    Raises TooManyTextsError (413) for more texts than the deployment's cap, and
    ResponseTooLargeError (413) as soon as the results would pass Lambda's payload limit.
    """
    results, errors = service.analyse_batch(
        request.texts,
        neutral_threshold=request.neutral_threshold,
        sentences=request.sentences,
        explain=request.explain,
        engine=request.engine,
        language=request.language,
        max_answer_bytes=LAMBDA_RESPONSE_LIMIT,
    )
    return BatchResponse(
        results=[BatchItemResult(**result) for result in results],
        errors=[BatchItemError(**error) for error in errors],
    )
