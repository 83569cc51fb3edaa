"""Exception handlers shared by the Powertools resolvers of both HTTP functions (the sentiment
API and the jobs API): every error answer comes from the table of
:mod:`sentiment_api.http.errors`, in one JSON shape
(:class:`~sentiment_api.http.models.ErrorResponse`), logged and counted in the
``RejectedRequests`` metric by ``code``.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from sentiment_api.errors import (
    InternalError,
    InvalidBodyEncodingError,
    InvalidJsonError,
    InvalidRequestError,
    MethodNotAllowedError,
    PathNotFoundError,
    UnsupportedMediaTypeError,
)
from sentiment_api.http.errors import STATUS, count_rejection, rejection_for
from sentiment_api.observability import logger

MAX_ERROR_DETAILS = 10
"""A body with 100,000 unknown fields must not get a 100,000-item answer."""

ErrorAnswer = Response[dict[str, Any]]


def answer(exc: Exception) -> ErrorAnswer:
    """The routed answer to ``exc``, from the table; logged and counted."""
    rejection = rejection_for(exc)
    count_rejection(rejection)
    return Response(
        status_code=rejection.status,
        content_type=content_types.APPLICATION_JSON,
        body=rejection.body,
        headers=rejection.headers,
    )


def install_error_handlers(
    app: APIGatewayRestResolver,
    allowed_methods: Mapping[str, tuple[str, ...]],
    missing_body: Exception,
) -> None:
    """Give ``app`` the answers every route shares, each from the table:

    - every error of :data:`~sentiment_api.http.errors.STATUS`;
    - 400 ``invalid_body_encoding`` (bad base64, not UTF-8) and ``invalid_json``;
    - 415 ``unsupported_media_type`` for a body Powertools cannot parse as JSON;
    - 422 ``validation_error`` with ``details`` (at most :data:`MAX_ERROR_DETAILS`);
    - the answer to ``missing_body`` for no body or a JSON null;
    - 405 ``method_not_allowed`` with ``Allow`` for a resource of ``allowed_methods`` (keyed
      by API Gateway resource path, e.g. ``/jobs/{job_id}``) with another method, else 404
      ``not_found``;
    - 500 ``internal_error`` for anything unexpected, its traceback logged and not returned.
    """

    @app.exception_handler(list(STATUS))
    def _domain_error(exc: Exception) -> ErrorAnswer:
        return answer(exc)

    @app.exception_handler([binascii.Error, UnicodeDecodeError])
    def _undecodable_body(_: Exception) -> ErrorAnswer:
        # Raised by Powertools while decoding the body: bad base64, or bytes that are not UTF-8.
        return answer(InvalidBodyEncodingError())

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_media_type(_: Exception) -> ErrorAnswer:
        return answer(UnsupportedMediaTypeError())

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> ErrorAnswer:
        errors = exc.errors()
        if any(error["type"] == "json_invalid" for error in errors):
            return answer(InvalidJsonError())
        if any(error["type"] == "missing" and tuple(error["loc"]) == ("body",) for error in errors):
            return answer(missing_body)
        problems = [
            (list(error["loc"][1:]), str(error["type"]), str(error.get("msg", "")))
            for error in errors[:MAX_ERROR_DETAILS]
        ]
        summary = "; ".join(
            f"{'.'.join(map(str, loc)) or 'body'}: {msg}" for loc, _, msg in problems
        )
        details: list[dict[str, object]] = [
            {"loc": loc, "type": kind, "msg": msg} for loc, kind, msg in problems
        ]
        if len(errors) > len(details):
            summary += f"; and {len(errors) - len(details)} more"
        return answer(InvalidRequestError(summary, details))

    @app.not_found
    def _not_found(_: NotFoundError) -> ErrorAnswer:
        # Powertools has no 405 of its own: a known path with another method is "not found".
        allowed = allowed_methods.get(app.current_event.resource)
        if allowed:
            return answer(MethodNotAllowedError(allowed))
        return answer(PathNotFoundError())

    @app.exception_handler(Exception)
    def _internal_error(exc: Exception) -> ErrorAnswer:
        # The last line of defence: log the traceback, return nothing of it.
        logger.exception("Unhandled error")
        return answer(InternalError())
