"""The Powertools router of the HTTP API: every route, and every error answer.

Routes: ``GET /`` (health) and ``POST /analyse``. Every other method on those paths is a 405
with an ``Allow`` header; any other path is a 404. Every error body is an
:class:`~sentiment_api.models.ErrorResponse`. Requests reach this module through
:func:`sentiment_api.handlers.api.lambda_handler`, which imports it on first use: a plainly
valid ``POST /analyse`` never needs it, so the cold start does not pay for it (~110 ms).
"""

import binascii
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from sentiment_api import __version__
from sentiment_api.errors import (
    BodyTooLargeError,
    MethodNotAllowedError,
    NoTextError,
    TextTooLongError,
    UnsupportedMediaTypeError,
)
from sentiment_api.handlers import api
from sentiment_api.models import (
    AnalyseRequest,
    AnalyseResponse,
    ErrorDetail,
    ErrorResponse,
    HealthResponse,
)
from sentiment_api.observability import logger, metrics

_HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_MAX_ERROR_DETAILS = 10
"""A body with 100,000 unknown fields must not get a 100,000-item answer."""


app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=api.json_loads)
"""Resolves every request the fast path in :mod:`~sentiment_api.handlers.api` does not take."""


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
    return AnalyseResponse(**api.analysed(api.accepted_text(request.text)))


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


@app.exception_handler([RequestUnsupportedContentType, UnsupportedMediaTypeError])
def _unsupported_media_type(_: Exception) -> Response[dict[str, Any]]:
    # Raised by the entry point's screen, or by Powertools for a body it cannot parse as JSON.
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


@app.exception_handler(BodyTooLargeError)
def _body_too_large(exc: BodyTooLargeError) -> Response[dict[str, Any]]:
    return _error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large", str(exc))


@app.exception_handler(Exception)
def _internal_error(exc: Exception) -> Response[dict[str, Any]]:
    # The last line of defence: log the traceback, return nothing of it.
    logger.exception("Unhandled error")
    return _error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "Internal server error")


def reject(exc: BodyTooLargeError | UnsupportedMediaTypeError) -> dict[str, Any]:
    """The proxy response for a request the entry point refused before routing (413, 415)."""
    if isinstance(exc, BodyTooLargeError):
        response = _body_too_large(exc)
    else:
        response = _unsupported_media_type(exc)
    return api.proxy_response(int(response.status_code), response.body)
