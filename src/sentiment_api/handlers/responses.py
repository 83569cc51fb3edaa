"""Error answers shared by the Powertools routers of both HTTP functions (the sentiment API and
the jobs API): one JSON shape, :class:`~sentiment_api.models.ErrorResponse`, for every 4xx and
5xx, each logged and counted in the ``RejectedRequests`` metric by ``code``.
"""

import binascii
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.metrics import MetricUnit

from sentiment_api.errors import MethodNotAllowedError
from sentiment_api.models import ErrorDetail, ErrorResponse
from sentiment_api.observability import logger, metrics

MAX_ERROR_DETAILS = 10
"""A body with 100,000 unknown fields must not get a 100,000-item answer."""

ErrorAnswer = Response[dict[str, Any]]


def error_response(
    status: HTTPStatus,
    code: str,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    details: list[ErrorDetail] | None = None,
) -> ErrorAnswer:
    """A ``{"error": message, "code": code}`` answer with ``status``, logged and counted."""
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


def install_error_handlers(
    app: APIGatewayRestResolver,
    allowed_methods: dict[str, tuple[str, ...]],
    missing_body: Callable[[], ErrorAnswer],
) -> None:
    """Give ``app`` the answers every route shares.

    - 400 ``invalid_body_encoding`` (bad base64, not UTF-8) and ``invalid_json``;
    - 422 ``validation_error`` with ``details`` (at most :data:`MAX_ERROR_DETAILS`);
    - ``missing_body()`` for no body or a JSON null;
    - 405 ``method_not_allowed`` with ``Allow`` for a resource of ``allowed_methods`` (keyed
      by API Gateway resource path, e.g. ``/jobs/{job_id}``) with another method, else 404
      ``not_found``;
    - 500 ``internal_error`` for anything unexpected, its traceback logged and not returned.
    """

    @app.exception_handler([binascii.Error, UnicodeDecodeError])
    def _undecodable_body(_: Exception) -> ErrorAnswer:
        # Raised by Powertools while decoding the body: bad base64, or bytes that are not UTF-8.
        return error_response(
            HTTPStatus.BAD_REQUEST,
            "invalid_body_encoding",
            "The request body is not valid base64-encoded UTF-8",
        )

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> ErrorAnswer:
        errors = exc.errors()
        if any(error["type"] == "json_invalid" for error in errors):
            return error_response(
                HTTPStatus.BAD_REQUEST, "invalid_json", "The request body is not valid JSON"
            )
        if any(error["type"] == "missing" and tuple(error["loc"]) == ("body",) for error in errors):
            return missing_body()
        details = [
            ErrorDetail(loc=list(error["loc"][1:]), type=error["type"], msg=error.get("msg", ""))
            for error in errors[:MAX_ERROR_DETAILS]
        ]
        summary = "; ".join(f"{'.'.join(map(str, d.loc)) or 'body'}: {d.msg}" for d in details)
        if len(errors) > len(details):
            summary += f"; and {len(errors) - len(details)} more"
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "validation_error",
            f"Invalid request body: {summary}",
            details=details,
        )

    @app.exception_handler(MethodNotAllowedError)
    def _method_not_allowed(exc: MethodNotAllowedError) -> ErrorAnswer:
        return error_response(
            HTTPStatus.METHOD_NOT_ALLOWED,
            "method_not_allowed",
            str(exc),
            headers={"Allow": ", ".join(exc.allowed)},
        )

    @app.not_found
    def _not_found(_: NotFoundError) -> ErrorAnswer:
        # Powertools has no 405 of its own: a known path with another method is "not found".
        allowed = allowed_methods.get(app.current_event.resource)
        if allowed:
            return _method_not_allowed(MethodNotAllowedError(allowed))
        return error_response(HTTPStatus.NOT_FOUND, "not_found", "No such path; see GET /docs")

    @app.exception_handler(Exception)
    def _internal_error(exc: Exception) -> ErrorAnswer:
        # The last line of defence: log the traceback, return nothing of it.
        logger.exception("Unhandled error")
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "Internal server error"
        )
