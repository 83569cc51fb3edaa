"""The HTTP API function's entry point: API Gateway REST API, Lambda proxy integration.

:func:`lambda_handler` screens each event (body size, media type), answers a plainly valid
``POST /analyse`` itself, and hands everything else to the Powertools router in
:mod:`~sentiment_api.handlers.router`, imported on first use. So the cold start of the common
request imports neither the Powertools event handler nor pydantic (~150 ms together), and its
warm path skips their ~100 µs per request. Nothing here imports boto3 either: the function makes
no AWS calls.
"""

import functools
import json
from http import HTTPStatus
from types import ModuleType
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from sentiment_api.analysis import analyse, has_lone_surrogate
from sentiment_api.errors import (
    BodyTooLargeError,
    NoTextError,
    ResponseTooLargeError,
    TextTooLongError,
    UnsupportedMediaTypeError,
)
from sentiment_api.observability import logger, metrics
from sentiment_api.settings import Settings

SETTINGS = Settings.from_env()

LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
"""Lambda's limit on a synchronous invocation's response payload, in bytes (6 MB; AWS Lambda
quotas). An answer over it would reach the client as API Gateway's 502."""

_JSON = "application/json"


def json_loads(body: str) -> Any:
    """``json.loads``, with every way it can fail reported as a decode error (so a 400).

    Raises:
        json.JSONDecodeError: for malformed JSON, nesting deeper than the parser recurses, or
            an integer of over 4,300 digits.
    """
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise json.JSONDecodeError("JSON too deeply nested or number too long", body, 0) from exc


def accepted_text(text: str | None) -> str:
    """``text`` if the API analyses it.

    Raises:
        NoTextError: ``text`` is None, empty or whitespace only (400).
        TextTooLongError: ``text`` has more code points than the deployment's cap (413).
    """
    if text is None or not text.strip():
        raise NoTextError
    if len(text) > SETTINGS.max_text_length:
        raise TextTooLongError(len(text), SETTINGS.max_text_length)
    return text


def analysed(
    text: str,
    *,
    neutral_threshold: float | None = None,
    sentences: bool = False,
    explain: bool = False,
) -> dict[str, Any]:
    """Analyse an accepted text, count it in the ``Analyses`` metric (per label), and return
    the fields of an :class:`~sentiment_api.models.AnalyseResponse`.

    ``neutral_threshold`` None means the deployment's default; the options are those of
    :func:`~sentiment_api.analysis.analyse`.

    Returns:
        ``SentimentResult.as_dict()``: ``input``, ``sentiment_score``, ``sentiment``,
        ``subjectivity``, ``neutral_threshold``, and ``mixed``, ``sentences``,
        ``assessments`` when asked for.

    Raises:
        ValueError: ``neutral_threshold`` outside [0, 1] (the request model prevents it).
    """
    fields = analyse(
        text,
        neutral_threshold=threshold(neutral_threshold),
        sentences=sentences,
        explain=explain,
    ).as_dict()
    metrics.add_dimension(name="sentiment", value=fields["sentiment"])
    metrics.add_metric(name="Analyses", unit=MetricUnit.Count, value=1)
    return fields


def threshold(requested: float | None) -> float:
    """The neutral threshold of a request: its own, else the deployment's."""
    return SETTINGS.neutral_threshold if requested is None else requested


def proxy_response(status: int, body: Any) -> dict[str, Any]:
    """A proxy response with a JSON body, in the shape Powertools gives its own."""
    return {
        "statusCode": status,
        "multiValueHeaders": {"Content-Type": [_JSON]},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def _screen(event: dict[str, Any]) -> dict[str, Any]:
    """:func:`screen_post_body` with the limit of the event's path."""
    if event.get("path") == "/analyse/batch":
        return screen_post_body(event, SETTINGS.max_batch_body_length)
    return screen_post_body(event, SETTINGS.max_body_length)


def screen_post_body(event: dict[str, Any], limit: int) -> dict[str, Any]:
    """Checks that must come before a POST body is parsed: its size and its media type.

    Powertools would parse form and multipart bodies (and fail on some of them with a 500),
    and it picks its parser by a case-sensitive prefix test although media types are
    case-insensitive (RFC 9110, section 8.3.1). Shared with the jobs API function.

    Args:
        event: an API Gateway proxy event.
        limit: the longest body accepted, in characters as received.

    Returns:
        The event to resolve, with its Content-Type lowercased.

    Raises:
        BodyTooLargeError: the body is longer than ``limit`` (413).
        UnsupportedMediaTypeError: the body is declared as something other than JSON (415).
    """
    body = event.get("body")
    if not body or event.get("httpMethod") != "POST":
        return event  # only POST routes read a body; the others answer 405 or ignore it
    if len(body) > limit:
        raise BodyTooLargeError(len(body), limit)
    headers = event.get("headers") or {}
    declared = {
        name: value
        for name, value in headers.items()
        if name.lower() == "content-type" and isinstance(value, str) and value
    }
    # Every Content-Type must say JSON: with two (names differing in case), either could win.
    for value in declared.values():
        if value.split(";", 1)[0].strip().lower() != _JSON:
            raise UnsupportedMediaTypeError(value)
    if any(value != value.lower() for value in declared.values()):
        lowered = {name: value.lower() for name, value in declared.items()}
        event = {**event, "headers": {**headers, **lowered}}
    return event  # no Content-Type: taken as JSON


def _analyse_fast(event: dict[str, Any]) -> dict[str, Any] | None:
    """Answer a plainly valid ``POST /analyse`` without the router, or return None.

    "Plainly valid" is what ``AnalyseRequest`` and :func:`accepted_text` accept: a JSON object
    whose only field is ``text``, a string of Unicode (no lone surrogate), not blank, within
    the cap. Anything else (no body, base64, bad JSON, any other field or value) returns None
    and goes through the router, whose exception handlers own every error answer. A property
    test checks that both ways give identical responses and metrics.
    """
    body = event.get("body")
    if (
        event.get("path") != "/analyse"
        or event.get("httpMethod") != "POST"
        or event.get("isBase64Encoded")
        or type(body) is not str
        or not body
    ):
        return None
    try:
        request = json_loads(body)
    except ValueError:
        return None
    if type(request) is not dict or request.keys() != {"text"}:
        return None
    text = request["text"]
    if type(text) is not str or has_lone_surrogate(text):
        return None
    try:
        text = accepted_text(text)
    except (NoTextError, TextTooLongError):
        return None
    return proxy_response(HTTPStatus.OK, analysed(text))


@functools.cache
def _router() -> ModuleType:
    """The router module, imported on the first request that needs it."""
    from sentiment_api.handlers import router

    return router


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer one API Gateway proxy event (REST API, payload 1.0) with a proxy response.

    Args:
        event: the API Gateway ``aws-proxy`` event.
        context: the Lambda context.

    Returns:
        ``{"statusCode", "multiValueHeaders", "body", "isBase64Encoded"}``; the body is JSON.
        Never raises for bad input: every request error becomes a 4xx response.
    """
    try:
        event = _screen(event)
    except (BodyTooLargeError, UnsupportedMediaTypeError) as exc:
        return _router().reject(exc)
    response = _analyse_fast(event) or _router().app.resolve(event, context)
    # A JSON character takes at most 6 bytes (\uXXXX), so only long bodies need measuring.
    if len(response.get("body") or "") > LAMBDA_RESPONSE_LIMIT // 6:
        size = len(json.dumps(response).encode())
        if size > LAMBDA_RESPONSE_LIMIT:
            return _router().reject(ResponseTooLargeError(size, LAMBDA_RESPONSE_LIMIT))
    return response
