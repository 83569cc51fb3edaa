"""The sentiment API's OpenAPI document and its Swagger UI page: the routes' documented error
answers, ``GET /openapi.json`` and ``GET /docs``, and the post-processing of the document
Powertools generates."""

from __future__ import annotations

import functools
import json
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi import swagger_ui
from aws_lambda_powertools.event_handler.openapi.models import Server
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from sentiment_api import __version__
from sentiment_api.comprehend import docs as comprehend_docs
from sentiment_api.errors import (
    BodyTooLargeError,
    DuplicateKeyError,
    InvalidBase64Error,
    InvalidBodyEncodingError,
    InvalidJsonError,
    InvalidRequestError,
    NoTextError,
    ResponseTooLargeError,
    UnsupportedMediaTypeError,
)
from sentiment_api.http.errors import reason_phrase, rejection_for
from sentiment_api.http.models import ErrorResponse
from sentiment_api.http.proxy import LAMBDA_RESPONSE_LIMIT, base_path
from sentiment_api.settings import get_settings

OPENAPI_INFO: dict[str, Any] = {
    "title": "Sentiment API",
    "version": __version__,
    "description": (
        "Sentiment analysis of English text by one of three engines: `textblob` (TextBlob's "
        "lexicon: polarity and subjectivity), `model` (TF-IDF and logistic regression) and "
        "`encoder` (a fine-tuned sentence encoder), the last two with the probabilities of "
        "three classes (positive, neutral, negative). `sentiment_score` is in [-1, 1]. English "
        "only, said out loud: each text's language is identified, and a text of three words or "
        "more that is confidently another language is refused (422 `unsupported_language`; "
        "send `language: en` to analyse it anyway). Lengths and offsets count Unicode code "
        "points. Limits: 5,000 code points per text and 25 texts per batch by default. Every "
        "error is JSON `{error, code}`; an unknown path is a 404 (`not_found`) and an "
        "unsupported method a 405 (`method_not_allowed`, with `Allow`). To try it in a browser: "
        "`GET /try`."
    ),
}
"""The document's info, shared by ``GET /openapi.json`` and ``GET /docs``."""

META_PATHS = {"/openapi.json": ("GET",), "/docs": ("GET",)}
"""The paths this module serves, and their methods (not in the document themselves)."""


def error_responses(*examples: Exception) -> dict[int, OpenAPIResponse]:
    """OpenAPI responses for error answers: each exception's answer (from the error table) is
    an example under its status."""
    responses: dict[int, OpenAPIResponse] = {}
    for exc in examples:
        rejection = rejection_for(exc)
        status = rejection.status
        response = responses.setdefault(
            int(status),
            {
                "description": f"{reason_phrase(status)}: see `code`",
                "content": {"application/json": {"model": ErrorResponse, "examples": {}}},
            },
        )
        response["content"]["application/json"]["examples"][rejection.code] = {
            "value": {"error": rejection.message, "code": rejection.code}
        }
    return responses


def post_responses(
    description: str, model: type, limit_error: Exception, body_limit: int
) -> dict[int, OpenAPIResponse]:
    """The responses of a ``POST`` route: 200 with ``model``, and every error, with the
    messages the function gives at this deployment's limits. ``limit_error`` is the route's
    own 413; ``body_limit`` its longest body, in characters."""
    return {
        200: {"description": description, "content": {"application/json": {"model": model}}},
        **error_responses(
            NoTextError(),
            InvalidJsonError(),
            DuplicateKeyError("text"),
            InvalidBase64Error(),
            InvalidBodyEncodingError(),
            limit_error,
            BodyTooLargeError(body_limit + 1, body_limit),
            ResponseTooLargeError(LAMBDA_RESPONSE_LIMIT + 1, LAMBDA_RESPONSE_LIMIT),
            UnsupportedMediaTypeError(),
            InvalidRequestError(
                "neutral_threshold: Input should be less than or equal to 1", details=[]
            ),
        ),
    }


def install_docs(app: APIGatewayRestResolver) -> None:
    """Add ``GET /openapi.json`` and ``GET /docs`` to ``app``, documenting its routes."""

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document() -> Response[str]:
        """The OpenAPI 3.1 document of this API, with the stage path (or the custom domain's
        base path) as its server."""
        return Response(
            status_code=HTTPStatus.OK,
            content_type=content_types.APPLICATION_JSON,
            body=openapi_json(app, base_path(app, get_settings().base_path)),
        )

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response[str]:
        """Swagger UI for the OpenAPI document, or (``?format=json``, as the UI asks) the
        document. The page inlines the Swagger UI script and style sheet that Powertools ships
        in its package: it needs no CDN, so it works offline."""
        document = openapi_json(app, base_path(app, get_settings().base_path))
        if (app.current_event.query_string_parameters or {}).get("format") == "json":
            return Response(HTTPStatus.OK, content_types.APPLICATION_JSON, document)
        return Response(HTTPStatus.OK, "text/html; charset=utf-8", _swagger_html(document))


@functools.cache
def openapi_json(app: APIGatewayRestResolver, base_path: str) -> str:
    """Powertools' document for ``app`` served under ``base_path``, less what does not apply,
    plus the Comprehend-compatible endpoint (:mod:`sentiment_api.comprehend.docs`).

    With validation on, Powertools declares a 422 of its own ``HTTPValidationError`` shape on
    every route, and adds that schema and ``ResponseValidationError``. Our 422 bodies are
    ``ErrorResponse`` (declared per route); routes without a body cannot answer 422 at all.

    Returns:
        The document as indented JSON text (UTF-8 characters unescaped).
    """
    document = app.get_openapi_schema(servers=[Server(url=base_path or "/")], **OPENAPI_INFO)
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
    comprehend_docs.add_to(fields)  # POST /, answered before the router
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
