"""The Powertools router of the HTTP API: every route, and every error answer.

Routes: ``GET /`` (health), ``POST /analyse``, ``POST /analyse/batch``, ``GET /openapi.json``
(the OpenAPI document Powertools generates from the pydantic models) and ``GET /docs`` (Swagger
UI, its assets served from the function: it works offline). Every other method on those paths
is a 405 with an ``Allow`` header; any other path is a 404. Every error body is an
:class:`~sentiment_api.models.ErrorResponse`. Requests reach this module through
:func:`sentiment_api.handlers.api.lambda_handler`, which imports it on first use: a plainly
valid ``POST /analyse`` never needs it, so the cold start does not pay for it (~110 ms).
"""

import functools
import json
from collections import Counter
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi import swagger_ui
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
)
from aws_lambda_powertools.event_handler.openapi.models import Server
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from sentiment_api import __version__
from sentiment_api.analysis import analyse, has_lone_surrogate
from sentiment_api.errors import (
    BodyTooLargeError,
    NoTextError,
    ResponseTooLargeError,
    TextTooLongError,
    TooManyTextsError,
    UnsupportedMediaTypeError,
)
from sentiment_api.handlers import api
from sentiment_api.handlers.responses import error_response, install_error_handlers
from sentiment_api.models import (
    AnalyseRequest,
    AnalyseResponse,
    BatchItemError,
    BatchItemResult,
    BatchRequest,
    BatchResponse,
    ErrorResponse,
    HealthResponse,
)
from sentiment_api.observability import metrics

_ALLOWED_METHODS = {
    "/": ("GET", "HEAD"),
    "/analyse": ("POST",),
    "/analyse/batch": ("POST",),
    "/openapi.json": ("GET",),
    "/docs": ("GET",),
}
"""The methods of each path, for the 405s of the others; a test holds it to the routes."""


_OPENAPI: dict[str, Any] = {
    "title": "Sentiment API",
    "version": __version__,
    "description": (
        "Lexicon-based sentiment analysis (TextBlob's pattern analyzer, English). Scores: "
        "polarity (`sentiment_score`) in [-1, 1], subjectivity in [0, 1]. Lengths and offsets "
        "count Unicode code points. Limits: 5,000 code points per text and 25 texts per batch "
        "by default. Every error is JSON `{error, code}`; an unknown path is a 404 "
        "(`not_found`) and an unsupported method a 405 (`method_not_allowed`, with `Allow`)."
    ),
}
"""The document's info, shared by ``GET /openapi.json`` and ``GET /docs``."""

_LIMITS = api.SETTINGS
"""The deployment's limits, as the document's examples state them."""

app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=api.json_loads)
"""Resolves every request the fast path in :mod:`~sentiment_api.handlers.api` does not take."""
install_error_handlers(app, _ALLOWED_METHODS, missing_body=lambda: _no_text(NoTextError()))


def _errors(*examples: tuple[HTTPStatus, str, str]) -> dict[int, OpenAPIResponse]:
    """OpenAPI responses for error statuses: each ``(status, code, message)`` is an example."""
    responses: dict[int, OpenAPIResponse] = {}
    for status, code, message in examples:
        response = responses.setdefault(
            int(status),
            {
                "description": f"{status.phrase}: see `code`",
                "content": {"application/json": {"model": ErrorResponse, "examples": {}}},
            },
        )
        response["content"]["application/json"]["examples"][code] = {
            "value": {"error": message, "code": code}
        }
    return responses


def _post_responses(
    description: str, model: type, limit_error: tuple[str, Exception], body_limit: int
) -> dict[int, OpenAPIResponse]:
    """The responses of a ``POST`` route: 200 with ``model``, and every error, with the
    messages the function gives at this deployment's limits. ``limit_error`` is the route's
    own 413, as ``(code, exception)``."""
    response_limit = api.LAMBDA_RESPONSE_LIMIT
    code, exc = limit_error
    return {
        200: {"description": description, "content": {"application/json": {"model": model}}},
        **_errors(
            (HTTPStatus.BAD_REQUEST, "no_text", "No text provided"),
            (HTTPStatus.BAD_REQUEST, "invalid_json", "The request body is not valid JSON"),
            (
                HTTPStatus.BAD_REQUEST,
                "invalid_body_encoding",
                "The request body is not valid base64-encoded UTF-8",
            ),
            (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, code, str(exc)),
            (
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                "body_too_large",
                str(BodyTooLargeError(body_limit + 1, body_limit)),
            ),
            (
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                "response_too_large",
                str(ResponseTooLargeError(response_limit + 1, response_limit)),
            ),
            (HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", _UNSUPPORTED_MEDIA_TYPE),
            (
                HTTPStatus.UNPROCESSABLE_ENTITY,
                "validation_error",
                "Invalid request body: neutral_threshold: Input should be less than or equal to 1",
            ),
        ),
    }


_UNSUPPORTED_MEDIA_TYPE = "The request body must be JSON (Content-Type: application/json)"


@app.route("/", method=["GET", "HEAD"], summary="Health check")
def health() -> HealthResponse:
    """Report that the function is up, and its version."""
    return HealthResponse(version=__version__)


@app.post(
    "/analyse",
    summary="Analyse the sentiment of a text",
    responses=_post_responses(
        "The text's sentiment",
        AnalyseResponse,
        ("text_too_long", TextTooLongError(_LIMITS.max_text_length + 1, _LIMITS.max_text_length)),
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
            }
        ),
    ],
) -> AnalyseResponse:
    """Return the polarity, subjectivity and label of `text`, and what the options ask for.

    Raises NoTextError (400) and TextTooLongError (413); see the responses for the rest.
    """
    return AnalyseResponse(
        **api.analysed(
            api.accepted_text(request.text),
            neutral_threshold=request.neutral_threshold,
            sentences=request.sentences,
            explain=request.explain,
        )
    )


@app.post(
    "/analyse/batch",
    summary="Analyse the sentiment of several texts",
    responses=_post_responses(
        "A result or an error for each text, by index",
        BatchResponse,
        ("too_many_texts", TooManyTextsError(_LIMITS.max_batch_size + 1, _LIMITS.max_batch_size)),
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

    Raises TooManyTextsError (413) for more texts than the deployment's cap.
    """
    limit = api.SETTINGS.max_batch_size
    if len(request.texts) > limit:
        raise TooManyTextsError(len(request.texts), limit)
    threshold = api.threshold(request.neutral_threshold)
    results: list[BatchItemResult] = []
    errors: list[BatchItemError] = []
    for index, item in enumerate(request.texts):
        try:
            text = api.accepted_text(_batch_text(item))
        except (NoTextError, TextTooLongError, _BadItemError) as exc:
            errors.append(
                BatchItemError(index=index, error=_item_message(exc), code=_item_code(exc))
            )
            continue
        result = analyse(
            text, neutral_threshold=threshold, sentences=request.sentences, explain=request.explain
        )
        results.append(BatchItemResult(index=index, **result.as_dict()))
    _count_analyses(Counter(result.sentiment for result in results))
    return BatchResponse(results=results, errors=errors)


class _BadItemError(Exception):
    """A batch item that is not a string of Unicode; ``code`` says which way."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _batch_text(item: Any) -> str | None:
    """The text of a batch item, by the rules ``AnalyseRequest`` applies to ``text``."""
    if item is None or type(item) is str:
        if item is not None and has_lone_surrogate(item):
            raise _BadItemError(
                "lone_surrogate", "The text contains a lone UTF-16 surrogate, which is not Unicode"
            )
        return item
    kind = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "an array",
        dict: "an object",
    }
    raise _BadItemError(
        "invalid_type", f"The item is {kind.get(type(item), 'not a string')}, not a string"
    )


def _item_code(exc: Exception) -> str:
    if isinstance(exc, _BadItemError):
        return exc.code
    return "no_text" if isinstance(exc, NoTextError) else "text_too_long"


def _item_message(exc: Exception) -> str:
    return "No text provided" if isinstance(exc, NoTextError) else str(exc)


def _count_analyses(labels: Counter[str]) -> None:
    """Add a batch's texts to the ``Analyses`` metric, one EMF record per label: the main
    ``metrics`` object can carry only one value of the ``sentiment`` dimension."""
    for label, count in sorted(labels.items()):
        with single_metric(
            name="Analyses",
            unit=MetricUnit.Count,
            value=count,
            namespace=metrics.namespace,
            default_dimensions={"service": metrics.service, **metrics.default_dimensions},
        ) as metric:
            metric.add_dimension(name="sentiment", value=label)


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    """The OpenAPI 3.1 document of this API, with the stage path as its server."""
    return Response(
        status_code=HTTPStatus.OK,
        content_type=content_types.APPLICATION_JSON,
        body=_openapi_json(_base_path()),
    )


@app.get("/docs", include_in_schema=False)
def docs() -> Response[str]:
    """Swagger UI for the OpenAPI document, or (``?format=json``, as the UI asks) the document.

    The page inlines the Swagger UI script and style sheet that Powertools ships in its
    package: it needs no CDN, so it works offline. About 1.7 MB.
    """
    document = _openapi_json(_base_path())
    if (app.current_event.query_string_parameters or {}).get("format") == "json":
        return Response(HTTPStatus.OK, content_types.APPLICATION_JSON, document)
    return Response(HTTPStatus.OK, "text/html; charset=utf-8", _swagger_html(document))


def _base_path() -> str:
    # Powertools' rule for its own Swagger route: "/<stage>" when the stage prefixes the path
    # (an execute-api URL), "" otherwise (custom domain, sam local).
    return app._get_base_path()


@functools.cache
def _openapi_json(base_path: str) -> str:
    """Powertools' document for this app, less what does not apply here.

    With validation on, Powertools declares a 422 of its own ``HTTPValidationError`` shape on
    every route, and adds that schema and ``ResponseValidationError``. Our 422 bodies are
    ``ErrorResponse`` (declared per route); routes without a body cannot answer 422 at all.
    """
    document = app.get_openapi_schema(servers=[Server(url=base_path or "/")], **_OPENAPI)
    fields = document.model_dump(mode="json", by_alias=True, exclude_none=True)
    default_422 = {"$ref": "#/components/schemas/HTTPValidationError"}
    for operations in fields["paths"].values():
        for operation in operations.values():
            response = operation["responses"].get("422", {})
            if response.get("content", {}).get("application/json", {}).get("schema") == default_422:
                del operation["responses"]["422"]
    schemas = fields["components"]["schemas"]
    for unused in ("HTTPValidationError", "ResponseValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in json.dumps(fields):
            schemas.pop(unused, None)
    return json.dumps(fields, ensure_ascii=False, indent=2)


@functools.cache
def _swagger_html(document: str) -> str:
    assets = Path(swagger_ui.__file__).parent
    return swagger_ui.generate_swagger_html(
        spec=document.replace("</", "<\\/"),  # no "</script>" inside the page's script
        swagger_js=(assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        swagger_css=(assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        swagger_base_url="",
        oauth2_config=None,
    )


@app.exception_handler(NoTextError)
def _no_text(_: NoTextError) -> Response[dict[str, Any]]:
    return error_response(HTTPStatus.BAD_REQUEST, "no_text", "No text provided")


@app.exception_handler(TextTooLongError)
def _text_too_long(exc: TextTooLongError) -> Response[dict[str, Any]]:
    return error_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "text_too_long", str(exc))


@app.exception_handler([RequestUnsupportedContentType, UnsupportedMediaTypeError])
def _unsupported_media_type(_: Exception) -> Response[dict[str, Any]]:
    # Raised by the entry point's screen, or by Powertools for a body it cannot parse as JSON.
    return error_response(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", _UNSUPPORTED_MEDIA_TYPE
    )


@app.exception_handler(BodyTooLargeError)
def _body_too_large(exc: BodyTooLargeError) -> Response[dict[str, Any]]:
    return error_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large", str(exc))


@app.exception_handler(ResponseTooLargeError)
def _response_too_large(exc: ResponseTooLargeError) -> Response[dict[str, Any]]:
    return error_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "response_too_large", str(exc))


@app.exception_handler(TooManyTextsError)
def _too_many_texts(exc: TooManyTextsError) -> Response[dict[str, Any]]:
    return error_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_many_texts", str(exc))


def reject(
    exc: BodyTooLargeError | UnsupportedMediaTypeError | ResponseTooLargeError,
) -> dict[str, Any]:
    """The proxy response for a request the entry point refused itself: before routing (413
    ``body_too_large``, 415), or after, for an answer too large to return (413)."""
    if isinstance(exc, BodyTooLargeError):
        response = _body_too_large(exc)
    elif isinstance(exc, ResponseTooLargeError):
        response = _response_too_large(exc)
    else:
        response = _unsupported_media_type(exc)
    return api.proxy_response(int(response.status_code), response.body)
