"""The HTTP API function's entry point: API Gateway REST API, Lambda proxy integration.

:func:`lambda_handler` hands ``POST /`` (Amazon Comprehend's protocol) to
:mod:`sentiment_api.comprehend`, screens every other event (body size, media type), answers a
plainly valid ``POST /analyse`` itself, and hands everything else to the Powertools resolver in
:mod:`sentiment_api.api.app`, each imported on first use. So the cold start of the common
request imports neither the Powertools event handler nor pydantic, and its warm path skips
their per-request work (docs/performance.md, "How the cold start got there"). Nothing here
imports boto3 either: the function makes no AWS calls. Nothing imports this module: it is an
entry point only.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from sentiment_api import engines, language
from sentiment_api.api import service
from sentiment_api.errors import (
    DomainError,
    EngineUnavailableError,
    NoTextError,
    ResponseTooLargeError,
    TextTooLongError,
    UnsupportedLanguageError,
)
from sentiment_api.http import cors, proxy
from sentiment_api.http.errors import rejected_response
from sentiment_api.observability import logger, metrics
from sentiment_api.settings import get_settings
from sentiment_api.text import has_lone_surrogate

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

# A misconfigured deployment fails at init, not on its first request; the default engine (and,
# where languages are checked, the identifier) load here too, so that the first request does
# not pay for them. Other engines load on first use. An engine whose artefacts cannot load must
# not take the function down with it: its requests get a 503, the other engines answer.
if get_settings().language_check:
    language.identifier()
try:
    engines.get_engine(get_settings().engine)
except Exception:
    logger.exception(
        "The default engine could not be loaded", extra={"engine": get_settings().engine}
    )


def _screen(event: dict[str, Any]) -> dict[str, Any]:
    """:func:`~sentiment_api.proxy.screen_post_body` with the limit of the event's path."""
    settings = get_settings()
    if event.get("path") == "/analyse/batch":
        return proxy.screen_post_body(event, settings.max_batch_body_length)
    return proxy.screen_post_body(event, settings.max_body_length)


def _analyse_fast(event: dict[str, Any]) -> dict[str, Any] | None:
    """Answer a plainly valid ``POST /analyse`` without the router, or return None.

    "Plainly valid" is what ``AnalyseRequest`` and
    :func:`~sentiment_api.api.service.accepted_text` accept: a JSON object whose fields are
    ``text``, a string of Unicode (no lone surrogate), not blank, within the cap, and
    optionally ``engine``, one of the engine names (a base64 body has been decoded by
    :func:`_screen` before). Anything else (no body, bad JSON, any other field or value)
    returns None and goes through the router, whose exception handlers own every error
    answer. A property test checks that both ways give identical responses and metrics.
    """
    body = event.get("body")
    if (
        event.get("path") != "/analyse"
        or event.get("httpMethod") != "POST"
        or type(body) is not str
        or not body
    ):
        return None
    try:
        request = proxy.json_loads(body)
    except (ValueError, DomainError):  # the router answers it (400)
        return None
    if type(request) is not dict or request.keys() - {"engine"} != {"text"}:
        return None
    engine = request.get("engine")
    if engine is not None and (type(engine) is not str or engine not in engines.ENGINE_NAMES):
        return None
    text = request["text"]
    if type(text) is not str or has_lone_surrogate(text):
        return None
    try:
        text = service.accepted_text(text)
    except (NoTextError, TextTooLongError):
        return None
    try:
        fields = service.analysed(text, engine=engine)
    except (UnsupportedLanguageError, EngineUnavailableError) as exc:  # as the router answers
        return rejected_response(exc)
    return proxy.proxy_response(HTTPStatus.OK, fields)


def _is_comprehend(event: dict[str, Any]) -> bool:
    """Whether ``event`` is for the Comprehend-compatible endpoint: ``POST /``."""
    return event.get("httpMethod") == "POST" and event.get("path") == "/"


@functools.cache
def _comprehend() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The Comprehend-compatible endpoint's answer, imported on the first request for it."""
    from sentiment_api.comprehend.app import answer

    return answer


@functools.cache
def _app() -> APIGatewayRestResolver:
    """The Powertools resolver, imported on the first request that needs it."""
    from sentiment_api.api.app import app

    return app


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer one API Gateway proxy event (REST API, payload 1.0) with a proxy response.

    Args:
        event: the API Gateway ``aws-proxy`` event.
        context: the Lambda context.

    Returns:
        ``{"statusCode", "multiValueHeaders", "body", "isBase64Encoded"}``; the body is JSON.
        Never raises for bad input: every request error becomes a 4xx response. With
        ``CORS_ALLOW_ORIGIN`` set, every answer carries the CORS headers (errors included) and
        a preflight ``OPTIONS`` is answered here (:mod:`sentiment_api.http.cors`).
    """
    return cors.serve(get_settings().cors_allow_origin, event, lambda: _answer(event, context))


def _answer(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The proxy response to ``event``, before CORS: the Comprehend-compatible endpoint's
    (``POST /``, which has its own media type and limits), a rejection from the screen, the
    fast path's answer, or the resolver's; a 413 for an answer over Lambda's payload limit.
    The custom domain's base path (``BASE_PATH``) is taken off the path first."""
    event = proxy.strip_base_path(event, get_settings().base_path)
    if _is_comprehend(event):
        return _comprehend()(event)  # small answers: 25 scores at most
    try:
        event = _screen(event)
    except DomainError as exc:  # 413, 415, 400 (base64, UTF-8): proxy.screen_post_body
        return rejected_response(exc)
    response = _analyse_fast(event) or _app().resolve(event, context)
    # A JSON character takes at most 6 bytes (\uXXXX), so only long bodies need measuring.
    limit = proxy.LAMBDA_RESPONSE_LIMIT
    if len(response.get("body") or "") > limit // 6:
        size = len(json.dumps(response).encode())
        if size > limit:
            return rejected_response(ResponseTooLargeError(size, limit))
    return response
