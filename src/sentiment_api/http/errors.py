"""The one table from the service's errors (:mod:`sentiment_api.errors`) to HTTP statuses, and the
one way an error answer is built, logged and counted.

Both HTTP functions answer every error from here, before routing (:func:`rejected_response`)
or through Powertools' exception handlers (:mod:`sentiment_api.http.exception_handlers`). No
pydantic and no Powertools event handler: the API's entry point rejects a request with it
before its router is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from sentiment_api.errors import (
    ApiKeyRequiredError,
    BodyTooLargeError,
    DomainError,
    DuplicateKeyError,
    EngineUnavailableError,
    InternalError,
    InvalidBase64Error,
    InvalidBodyEncodingError,
    InvalidFilenameError,
    InvalidJsonError,
    InvalidRequestError,
    JobNotCancellableError,
    JobNotFoundError,
    MethodNotAllowedError,
    NoBodyError,
    NoTextError,
    PathNotFoundError,
    ResponseTooLargeError,
    TextTooLargeError,
    TextTooLongError,
    TooManyJobsError,
    TooManyTextsError,
    UnknownOperationError,
    UnsupportedLanguageError,
    UnsupportedMediaTypeError,
    UploadTooLargeError,
)
from sentiment_api.http.proxy import proxy_response
from sentiment_api.observability import logger, metrics

STATUS: dict[type[DomainError], HTTPStatus] = {
    NoTextError: HTTPStatus.BAD_REQUEST,
    NoBodyError: HTTPStatus.BAD_REQUEST,
    InvalidJsonError: HTTPStatus.BAD_REQUEST,
    DuplicateKeyError: HTTPStatus.BAD_REQUEST,
    InvalidBodyEncodingError: HTTPStatus.BAD_REQUEST,
    InvalidBase64Error: HTTPStatus.BAD_REQUEST,
    InvalidFilenameError: HTTPStatus.BAD_REQUEST,
    UnknownOperationError: HTTPStatus.BAD_REQUEST,  # POST /, the Comprehend face's
    ApiKeyRequiredError: HTTPStatus.FORBIDDEN,  # API Gateway's own answer to a missing key
    PathNotFoundError: HTTPStatus.NOT_FOUND,
    JobNotFoundError: HTTPStatus.NOT_FOUND,
    MethodNotAllowedError: HTTPStatus.METHOD_NOT_ALLOWED,
    TextTooLongError: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    TextTooLargeError: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,  # in bytes: the Comprehend face's
    TooManyTextsError: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    BodyTooLargeError: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    UploadTooLargeError: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    ResponseTooLargeError: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    UnsupportedMediaTypeError: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    InvalidRequestError: HTTPStatus.UNPROCESSABLE_ENTITY,
    UnsupportedLanguageError: HTTPStatus.UNPROCESSABLE_ENTITY,
    JobNotCancellableError: HTTPStatus.CONFLICT,
    TooManyJobsError: HTTPStatus.TOO_MANY_REQUESTS,
    InternalError: HTTPStatus.INTERNAL_SERVER_ERROR,
    EngineUnavailableError: HTTPStatus.SERVICE_UNAVAILABLE,
}
"""``error class -> HTTP status``: the errors an HTTP function answers. The ``code`` and the
message are the error's own."""


RFC_9110_PHRASES = {
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "Content Too Large",
    HTTPStatus.UNPROCESSABLE_ENTITY: "Unprocessable Content",
}
"""The reason phrases RFC 9110 (section 15) gives the statuses that Python 3.13 renamed and
3.11 still calls "Request Entity Too Large" and "Unprocessable Entity"."""


def reason_phrase(status: HTTPStatus) -> str:
    """``status``'s reason phrase as RFC 9110 names it, the same on every Python version."""
    return RFC_9110_PHRASES.get(status, status.phrase)


@dataclass(frozen=True, slots=True)
class Rejection:
    """One error answer.

    Attributes:
        status: the HTTP status.
        code: the stable snake_case ``code`` of the body.
        message: the ``error`` of the body, for a human.
        headers: extra response headers (``Allow`` for a 405, ``Retry-After`` for a 429), or
            None.
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
    """The answer to ``exc``: the status :data:`STATUS` gives its class (or nearest base),
    with its code and message; anything else is a 500 ``internal_error`` that tells nothing of
    the exception."""
    status = next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), None)
    if status is None or not isinstance(exc, DomainError):
        exc, status = InternalError(), STATUS[InternalError]
    headers = None
    if isinstance(exc, MethodNotAllowedError):
        headers = {"Allow": ", ".join(exc.allowed)}
    elif isinstance(exc, TooManyJobsError):
        headers = {"Retry-After": str(exc.retry_after_s)}  # seconds (RFC 9110, 10.2.3)
    details = exc.details if isinstance(exc, InvalidRequestError) else None
    return Rejection(status, exc.code, str(exc), headers, details)


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
