"""The one table from domain exceptions to HTTP error answers, and the one way an error answer
is logged and counted. Both HTTP functions answer every error from here, before routing
(:func:`rejected_response`) or through Powertools' exception handlers
(:mod:`sentiment_api.error_handlers`). No pydantic and no Powertools event handler: the API's
entry point rejects a request with it before its router is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from sentiment_api.errors import (
    ApiKeyRequiredError,
    BodyTooLargeError,
    InternalError,
    InvalidBodyEncodingError,
    InvalidFilenameError,
    InvalidJsonError,
    InvalidRequestError,
    JobNotFoundError,
    MethodNotAllowedError,
    NoBodyError,
    NoTextError,
    PathNotFoundError,
    ResponseTooLargeError,
    TextTooLongError,
    TooManyTextsError,
    UnsupportedMediaTypeError,
    UploadTooLargeError,
)
from sentiment_api.observability import logger, metrics
from sentiment_api.web import proxy_response

UNSUPPORTED_MEDIA_TYPE = "The request body must be JSON (Content-Type: application/json)"

ERROR_TABLE: dict[type[Exception], tuple[HTTPStatus, str, str | None]] = {
    NoTextError: (HTTPStatus.BAD_REQUEST, "no_text", "No text provided"),
    NoBodyError: (HTTPStatus.BAD_REQUEST, "no_body", None),
    InvalidJsonError: (
        HTTPStatus.BAD_REQUEST,
        "invalid_json",
        "The request body is not valid JSON",
    ),
    InvalidBodyEncodingError: (
        HTTPStatus.BAD_REQUEST,
        "invalid_body_encoding",
        "The request body is not valid base64-encoded UTF-8",
    ),
    InvalidFilenameError: (HTTPStatus.BAD_REQUEST, "invalid_filename", None),
    # The same answer API Gateway gives a request without a key (template GatewayResponses)
    ApiKeyRequiredError: (
        HTTPStatus.FORBIDDEN,
        "invalid_api_key",
        "Missing or invalid API key (x-api-key header)",
    ),
    PathNotFoundError: (HTTPStatus.NOT_FOUND, "not_found", "No such path; see GET /docs"),
    JobNotFoundError: (HTTPStatus.NOT_FOUND, "job_not_found", "No job has this id"),
    MethodNotAllowedError: (HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed", None),
    TextTooLongError: (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "text_too_long", None),
    TooManyTextsError: (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_many_texts", None),
    BodyTooLargeError: (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large", None),
    UploadTooLargeError: (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "upload_too_large", None),
    ResponseTooLargeError: (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "response_too_large", None),
    UnsupportedMediaTypeError: (
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        UNSUPPORTED_MEDIA_TYPE,
    ),
    InvalidRequestError: (HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error", None),
    InternalError: (HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "Internal server error"),
}
"""``exception class -> (status, code, message)``; a message of None is the exception's own
``str()`` (it carries the request's figures: a length, a limit, the allowed methods)."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """One error answer.

    Attributes:
        status: the HTTP status.
        code: the stable snake_case ``code`` of the body.
        message: the ``error`` of the body, for a human.
        headers: extra response headers (``Allow`` for a 405), or None.
        details: per-field problems of a 422 (``[{"loc", "type", "msg"}]``), or None.
    """

    status: HTTPStatus
    code: str
    message: str
    headers: dict[str, str] | None = None
    details: list[dict[str, object]] | None = None

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body: ``{"error", "code"}``, and ``details`` when there are some."""
        body: dict[str, Any] = {"error": self.message, "code": self.code}
        if self.details is not None:
            body["details"] = self.details
        return body


def rejection_for(exc: Exception) -> Rejection:
    """The answer :data:`ERROR_TABLE` gives ``exc`` (by its class or nearest base); an
    exception the table does not know is a 500 ``internal_error``."""
    for cls in type(exc).__mro__:
        if cls in ERROR_TABLE:
            status, code, message = ERROR_TABLE[cls]
            break
    else:
        status, code, message = ERROR_TABLE[InternalError]
    headers = None
    if isinstance(exc, MethodNotAllowedError):
        headers = {"Allow": ", ".join(exc.allowed)}
    details = exc.details if isinstance(exc, InvalidRequestError) else None
    return Rejection(status, code, str(exc) if message is None else message, headers, details)


def count_rejection(rejection: Rejection) -> None:
    """Log a rejection and count it in the ``RejectedRequests`` metric, by ``code``."""
    logger.info("Request rejected", extra={"status": int(rejection.status), "code": rejection.code})
    metrics.add_dimension(name="code", value=rejection.code)
    metrics.add_metric(name="RejectedRequests", unit=MetricUnit.Count, value=1)


def rejected_response(exc: Exception) -> dict[str, Any]:
    """The proxy response of an error answered without the router (before routing, or for
    an answer too large to return), logged and counted as a routed one is."""
    rejection = rejection_for(exc)
    count_rejection(rejection)
    return proxy_response(int(rejection.status), rejection.body, rejection.headers)
