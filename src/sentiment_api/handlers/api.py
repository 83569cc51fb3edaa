"""The HTTP API function: API Gateway REST API, Lambda proxy integration.

Routes: ``GET /`` (health) and ``POST /analyse``. Every other method on those paths is a 405
with an ``Allow`` header; any other path is a 404. Every error body is an
:class:`~sentiment_api.models.ErrorResponse`. This module imports no boto3: the function makes
no AWS calls, and boto3 would add hundreds of milliseconds to every cold start.
"""

import binascii
import json
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from sentiment_api import __version__
from sentiment_api.analysis import analyse
from sentiment_api.errors import MethodNotAllowedError, NoTextError, TextTooLongError
from sentiment_api.models import (
    AnalyseRequest,
    AnalyseResponse,
    ErrorDetail,
    ErrorResponse,
    HealthResponse,
)
from sentiment_api.observability import logger, metrics
from sentiment_api.settings import Settings

SETTINGS = Settings.from_env()

_HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_MAX_ERROR_DETAILS = 10
"""A body with 100,000 unknown fields must not get a 100,000-item answer."""


def _json_loads(body: str) -> Any:
    """``json.loads``, with every way it can fail reported as a decode error (so a 400)."""
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        # Nesting deeper than the parser recurses, or an integer of over 4,300 digits.
        raise json.JSONDecodeError("JSON too deeply nested or number too long", body, 0) from exc


app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=_json_loads)


def _error(
    status: HTTPStatus,
    code: str,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    details: list[ErrorDetail] | None = None,
) -> Response[dict[str, Any]]:
    logger.info("Request rejected", extra={"status": int(status), "code": code})
    metrics.add_dimension(name="code", value=code)
    metrics.add_metric(name="RejectedRequests", unit=MetricUnit.Count, value=1)
    body = ErrorResponse(error=message, code=code, details=details).model_dump(exclude_none=True)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers=headers,
    )


@app.route("/", method=["GET", "HEAD"], summary="Health check")
def health() -> HealthResponse:
    """Report that the function is up, and its version."""
    return HealthResponse(version=__version__)


@app.post("/analyse", summary="Analyse the sentiment of a text")
def analyse_text(request: Annotated[AnalyseRequest, Body()]) -> AnalyseResponse:
    """Return the polarity, subjectivity and label of ``request.text``."""
    text = request.text
    if text is None or not text.strip():
        raise NoTextError
    if len(text) > SETTINGS.max_text_length:
        raise TextTooLongError(len(text), SETTINGS.max_text_length)
    return AnalyseResponse(**_analysed(text))


def _analysed(text: str) -> dict[str, Any]:
    """Analyse an accepted text, count it in the ``Analyses`` metric (per label), and return
    the fields of an :class:`AnalyseResponse`."""
    result = analyse(text)
    metrics.add_dimension(name="sentiment", value=result.sentiment)
    metrics.add_metric(name="Analyses", unit=MetricUnit.Count, value=1)
    return {
        "input": result.input,
        "sentiment_score": result.sentiment_score,
        "sentiment": result.sentiment,
        "subjectivity": result.subjectivity,
    }


def _analyse_fast(event: dict[str, Any]) -> dict[str, Any] | None:
    """Answer a plainly valid ``POST /analyse`` without the router, or return None.

    Powertools' router and its validation middleware cost about 100 µs a request, three times
    the analysis of a short text. The one hot route skips them when the request is plainly
    valid: a JSON body that :class:`AnalyseRequest` accepts, with a non-blank text within the
    cap. Anything else (no body, base64, bad JSON, a bad, blank or too long text) returns None
    and goes through the router, whose exception handlers own every error answer. A property
    test checks that both ways give identical responses and metrics.
    """
    body = event.get("body")
    if (
        event.get("path") != "/analyse"
        or event.get("httpMethod") != "POST"
        or event.get("isBase64Encoded")
        or not body
    ):
        return None
    try:
        request = AnalyseRequest.model_validate(_json_loads(body))
    except ValueError:  # bad JSON or a body the model rejects (ValidationError is a ValueError)
        return None
    text = request.text
    if text is None or not text.strip() or len(text) > SETTINGS.max_text_length:
        return None
    return {
        "statusCode": HTTPStatus.OK,
        "multiValueHeaders": {"Content-Type": [content_types.APPLICATION_JSON]},
        "body": json.dumps(_analysed(text), separators=(",", ":")),
        "isBase64Encoded": False,
    }


def _reject_other_methods(path: str, *allowed: str) -> None:
    """Answer every method ``path`` does not serve with a 405 (Powertools alone gives 404)."""

    def method_not_allowed() -> None:
        raise MethodNotAllowedError(allowed)

    others = [method for method in _HTTP_METHODS if method not in allowed]
    app.route(path, method=others, include_in_schema=False)(method_not_allowed)


_reject_other_methods("/", "GET", "HEAD")
_reject_other_methods("/analyse", "POST")


@app.exception_handler(NoTextError)
def _no_text(_: NoTextError) -> Response[dict[str, Any]]:
    return _error(HTTPStatus.BAD_REQUEST, "no_text", "No text provided")


@app.exception_handler(TextTooLongError)
def _text_too_long(exc: TextTooLongError) -> Response[dict[str, Any]]:
    return _error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "text_too_long", str(exc))


@app.exception_handler(RequestUnsupportedContentType)
def _unsupported_media_type(_: Exception | None = None) -> Response[dict[str, Any]]:
    return _error(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "The request body must be JSON (Content-Type: application/json)",
    )


@app.exception_handler([binascii.Error, UnicodeDecodeError])
def _undecodable_body(_: Exception) -> Response[dict[str, Any]]:
    # Raised by Powertools while decoding the body: bad base64, or bytes that are not UTF-8.
    return _error(
        HTTPStatus.BAD_REQUEST,
        "invalid_body_encoding",
        "The request body is not valid base64-encoded UTF-8",
    )


@app.exception_handler(RequestValidationError)
def _invalid_request(exc: RequestValidationError) -> Response[dict[str, Any]]:
    errors = exc.errors()
    if any(error["type"] == "json_invalid" for error in errors):
        return _error(HTTPStatus.BAD_REQUEST, "invalid_json", "The request body is not valid JSON")
    if any(error["type"] == "missing" and tuple(error["loc"]) == ("body",) for error in errors):
        return _no_text(NoTextError())  # no body, or a JSON null: the tutorial's contract
    details = [
        ErrorDetail(loc=list(error["loc"][1:]), type=error["type"], msg=error.get("msg", ""))
        for error in errors[:_MAX_ERROR_DETAILS]
    ]
    summary = "; ".join(f"{'.'.join(map(str, d.loc)) or 'body'}: {d.msg}" for d in details)
    if len(errors) > len(details):
        summary += f"; and {len(errors) - len(details)} more"
    return _error(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "validation_error",
        f"Invalid request body: {summary}",
        details=details,
    )


@app.exception_handler(MethodNotAllowedError)
def _method_not_allowed(exc: MethodNotAllowedError) -> Response[dict[str, Any]]:
    return _error(
        HTTPStatus.METHOD_NOT_ALLOWED,
        "method_not_allowed",
        str(exc),
        headers={"Allow": ", ".join(exc.allowed)},
    )


@app.not_found
def _not_found(_: NotFoundError) -> Response[dict[str, Any]]:
    return _error(HTTPStatus.NOT_FOUND, "not_found", "No such path; see GET / and POST /analyse")


@app.exception_handler(Exception)
def _internal_error(exc: Exception) -> Response[dict[str, Any]]:
    # The last line of defence: log the traceback, return nothing of it.
    logger.exception("Unhandled error")
    return _error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "Internal server error")


def _screen(event: dict[str, Any]) -> tuple[dict[str, Any], Response[dict[str, Any]] | None]:
    """Checks that must come before Powertools parses a body: its size and its media type.

    Powertools would parse form and multipart bodies (and fail on some of them with a 500),
    and it picks its parser by a case-sensitive prefix test although media types are
    case-insensitive (RFC 9110, section 8.3.1).

    Returns:
        (the event to resolve, with its Content-Type lowercased; a 413/415 response, or None).
    """
    body = event.get("body")
    if not body:
        return event, None
    if len(body) > SETTINGS.max_body_length:
        return event, _error(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            "body_too_large",
            f"The request body is {len(body)} characters long; the limit is "
            f"{SETTINGS.max_body_length} characters",
        )
    headers = event.get("headers") or {}
    for name, value in headers.items():
        if name.lower() == "content-type" and isinstance(value, str) and value:
            media_type = value.split(";", 1)[0].strip().lower()
            if media_type != content_types.APPLICATION_JSON:
                return event, _unsupported_media_type()
            if value != value.lower():
                event = {**event, "headers": {**headers, name: value.lower()}}
            return event, None
    return event, None  # no Content-Type: taken as JSON


def _proxy_response(response: Response[dict[str, Any]]) -> dict[str, Any]:
    """A rejection made before routing, as the proxy response Powertools would have built."""
    return {
        "statusCode": int(response.status_code),
        "multiValueHeaders": {
            "Content-Type": [response.content_type or content_types.APPLICATION_JSON]
        },
        "body": json.dumps(response.body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Resolve one API Gateway proxy event (REST API, payload 1.0) to a proxy response.

    Args:
        event: the API Gateway ``aws-proxy`` event.
        context: the Lambda context.

    Returns:
        ``{"statusCode", "multiValueHeaders", "body", "isBase64Encoded"}`` (plus ``headers``
        for routed requests); the body is JSON. Never raises for bad input: every request
        error becomes a 4xx response.
    """
    event, rejection = _screen(event)
    if rejection is not None:
        return _proxy_response(rejection)
    return _analyse_fast(event) or app.resolve(event, context)
