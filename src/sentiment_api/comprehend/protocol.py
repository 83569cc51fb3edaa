"""Amazon Comprehend's wire protocol, as botocore's service model for ``comprehend`` defines it:
AWS JSON 1.1 (``protocol: json``, ``jsonVersion: 1.1``, ``targetPrefix: Comprehend_20171127``;
every operation ``POST /``). No pydantic, no Powertools event handler, no botocore.

A client's request::

    POST /
    X-Amz-Target: Comprehend_20171127.DetectSentiment
    Content-Type: application/x-amz-json-1.1
    {"Text": "...", "LanguageCode": "en"}

is answered 200 with the operation's output as JSON, or with an error whose body carries
``__type``, the name of one of Comprehend's error shapes. botocore reads the code from
``__type`` in the body (not from a header; ``parsers.py``, ``BaseJSONParser._do_error_parse``)
and raises ``client.exceptions.<that name>`` when the name is an error shape of the service's
model, a plain ``ClientError`` otherwise. Client errors are HTTP 400, as Comprehend's are, so
no client retries them; only the service's own failures are 5xx.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from sentiment_api.engines import ENGINE_NAMES
from sentiment_api.errors import (
    BodyTooLargeError,
    DomainError,
    DuplicateKeyError,
    EngineUnavailableError,
    InternalError,
    InvalidBase64Error,
    InvalidBodyEncodingError,
    InvalidJsonError,
    InvalidRequestError,
    InvalidTypeError,
    LoneSurrogateError,
    NoBodyError,
    NoTextError,
    TextTooLongError,
    TooManyTextsError,
    UnknownOperationError,
    UnsupportedLanguageError,
    UnsupportedMediaTypeError,
)
from sentiment_api.http.errors import Rejection, count_rejection, rejection_for
from sentiment_api.http.proxy import decode_base64, json_loads

PATH = "/"
METHOD = "POST"
"""Where the protocol is spoken: every Comprehend operation is ``POST /`` (its
``requestUri``), so a client's ``endpoint_url`` is the API's stage URL."""
TARGET_PREFIX = "Comprehend_20171127."
"""``X-Amz-Target`` is this and the operation's name (the model's ``targetPrefix``)."""
CONTENT_TYPE = "application/x-amz-json-1.1"
"""What botocore sends (``jsonVersion`` 1.1), and the media type of every answer."""
ACCEPTED_MEDIA_TYPES = frozenset({CONTENT_TYPE, "application/x-amz-json-1.0", "application/json"})
"""Request media types read as the protocol's JSON (no Content-Type is read as JSON too)."""
ENGINE_HEADER = "X-Sentiment-Engine"
"""Ours, not Comprehend's: the engine of a request (``textblob``, ``model``, ``encoder``);
without it, the deployment's (``Engine``)."""

MAX_DOCUMENT_BYTES = 5_000
"""Comprehend's limit on DetectSentiment's text and on every batch document, in UTF-8 bytes:
"5 KB" in the model's documentation, 5,000 bytes in the service's own message ("Max length of
request text allowed is 5000 bytes")."""
MAX_LANGUAGE_DOCUMENT_BYTES = 100_000
"""Comprehend's limit on DetectDominantLanguage's text, in UTF-8 bytes ("100 KB")."""
MAX_BATCH_DOCUMENTS = 25
"""Comprehend's limit on a batch's documents (the model has no ``max``: botocore sends 26)."""
MAX_BODY_LENGTH = (6 * MAX_BATCH_DOCUMENTS * MAX_DOCUMENT_BYTES + 1024) * 4 // 3 + 4
"""The longest body read, in characters as received (1,001,369): a batch at the limits with
every byte escaped in 6 JSON characters (a control character as ``\\u00XX``; a 4-byte
character as two ``\\uXXXX`` takes 3 a byte), 1 KiB of the rest, base64-encoded. It also holds
DetectDominantLanguage's 100,000 bytes (600,000 characters at most). Longer is refused unread."""

ERROR_TYPES: dict[type[DomainError], str] = {
    UnknownOperationError: "UnknownOperationException",
    TextTooLongError: "TextSizeLimitExceededException",
    BodyTooLargeError: "TextSizeLimitExceededException",
    TooManyTextsError: "BatchSizeLimitExceededException",
    UnsupportedLanguageError: "UnsupportedLanguageException",
    InvalidRequestError: "InvalidRequestException",
    InvalidJsonError: "InvalidRequestException",
    DuplicateKeyError: "InvalidRequestException",
    InvalidBase64Error: "InvalidRequestException",
    InvalidBodyEncodingError: "InvalidRequestException",
    UnsupportedMediaTypeError: "InvalidRequestException",
    NoBodyError: "InvalidRequestException",
    NoTextError: "InvalidRequestException",
    InvalidTypeError: "InvalidRequestException",
    LoneSurrogateError: "InvalidRequestException",
    EngineUnavailableError: "InternalServerException",
    InternalError: "InternalServerException",
}
"""``error class -> __type``: the error shape of Comprehend's model each error is answered as
(by the class or its nearest base). All are modelled, so botocore raises
``client.exceptions.<__type>``, except ``UnknownOperationException``: it is what AWS JSON
services answer for a target they do not know, and no error shape of Comprehend, so botocore
raises a plain ``ClientError`` with that code (as it would against Comprehend itself)."""


def error_type(exc: Exception) -> str:
    """The ``__type`` of ``exc``'s answer: :data:`ERROR_TYPES`'s, else
    ``InvalidRequestException`` for another client error and ``InternalServerException`` for
    anything else (a bug)."""
    for cls in type(exc).__mro__:
        if cls in ERROR_TYPES:
            return ERROR_TYPES[cls]
    if rejection_for(exc).status < HTTPStatus.INTERNAL_SERVER_ERROR:
        return "InvalidRequestException"
    return "InternalServerException"


def header(event: Mapping[str, Any], name: str) -> str | None:
    """A request header of a proxy event, by case-insensitive name: from ``headers``, else the
    first of ``multiValueHeaders``; None if absent."""
    lowered = name.lower()
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == lowered and isinstance(value, str):
            return value
    for key, values in (event.get("multiValueHeaders") or {}).items():
        if key.lower() == lowered and values and isinstance(values[0], str):
            return str(values[0])
    return None


def operation_name(target: str | None) -> str | None:
    """The operation an ``X-Amz-Target`` names (``"DetectSentiment"``), or None if it is not
    Comprehend's (another service's, none, or nothing after the prefix)."""
    if target is None or not target.startswith(TARGET_PREFIX):
        return None
    return target[len(TARGET_PREFIX) :] or None


def request_id(event: Mapping[str, Any]) -> str:
    """API Gateway's id of the request (``requestContext.requestId``), echoed as
    ``x-amzn-RequestId`` (botocore's ``ResponseMetadata.RequestId``); a new UUID without one."""
    context = event.get("requestContext") or {}
    found = context.get("requestId") if isinstance(context, Mapping) else None
    return found if isinstance(found, str) and found else str(uuid.uuid4())


def members(event: Mapping[str, Any]) -> dict[str, Any]:
    """The request's members: its body, a JSON object.

    Raises:
        BodyTooLargeError: the body is over :data:`MAX_BODY_LENGTH` (not read).
        UnsupportedMediaTypeError: a Content-Type outside :data:`ACCEPTED_MEDIA_TYPES`.
        InvalidBase64Error, InvalidBodyEncodingError: a base64 body that is not strict base64,
            or not UTF-8 once decoded.
        InvalidJsonError: not JSON (or nested over 64 deep, or an integer of over 4,300
            digits); DuplicateKeyError: an object names a key twice.
        InvalidRequestError: JSON, but not an object.
    """
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise InvalidRequestError("the body must be text", [])
    if len(body) > MAX_BODY_LENGTH:
        raise BodyTooLargeError(len(body), MAX_BODY_LENGTH)
    for key, value in (event.get("headers") or {}).items():
        if (
            key.lower() == "content-type"
            and isinstance(value, str)
            and value
            and value.partition(";")[0].strip().lower() not in ACCEPTED_MEDIA_TYPES
        ):
            raise UnsupportedMediaTypeError(
                value,
                f"The request body must be {CONTENT_TYPE} (Amazon Comprehend's protocol; "
                f"application/json is read too), not {value[:100]!r}",
            )
    if event.get("isBase64Encoded"):
        body = decode_base64(body)
    if not body.strip():
        return {}  # every required member is then missing: an InvalidRequestException
    try:
        request = json_loads(body)
    except json.JSONDecodeError:
        raise InvalidJsonError from None
    if not isinstance(request, dict):
        raise InvalidRequestError(
            "the body must be a JSON object",
            [{"loc": [], "type": "model_type", "msg": "must be a JSON object"}],
        )
    return request


def engine(event: Mapping[str, Any]) -> str | None:
    """The engine the request asks for in :data:`ENGINE_HEADER`, or None (the deployment's).

    Only an absent header means the deployment's engine; an empty one is refused like any
    other value that is not an engine's name, as the OpenAPI document's ``enum`` says.

    Raises:
        InvalidRequestError: the header names no engine.
    """
    name = header(event, ENGINE_HEADER)
    if name is None:
        return None
    if name not in ENGINE_NAMES:
        raise InvalidRequestError(
            f"{ENGINE_HEADER} must be one of {', '.join(ENGINE_NAMES)}, not {name[:40]!r}",
            [{"loc": [ENGINE_HEADER], "type": "enum", "msg": "not an engine"}],
            part="header",
        )
    return name


def response(output: Mapping[str, Any], request: str) -> dict[str, Any]:
    """The proxy response of an operation's ``output``: 200, its JSON (ASCII, compact).

    Args:
        output: the operation's output shape, JSON-ready (finite floats).
        request: the request's id (:func:`request_id`).

    Raises:
        ValueError: ``output`` holds a NaN or an infinity (a bug: the caller answers 500).
    """
    return {
        "statusCode": HTTPStatus.OK.value,
        "multiValueHeaders": {"Content-Type": [CONTENT_TYPE], "x-amzn-RequestId": [request]},
        "body": json.dumps(output, separators=(",", ":"), allow_nan=False),
        "isBase64Encoded": False,
    }


def error_body(exc: Exception) -> tuple[HTTPStatus, dict[str, str]]:
    """The status and body of the answer to ``exc``.

    The status is 400 for every client error, as Comprehend's (so ``POST /analyse``'s 413,
    415 and 422 are 400 here), and the error table's for the service's own (500, 503). The
    body::

        {"__type": "TextSizeLimitExceededException", "message": "...", "Message": "...",
         "error": "...", "code": "text_too_long"}

    ``__type`` (:func:`error_type`) and ``message`` are what botocore reads (and other SDKs);
    ``Message`` is the error shapes' one member, which botocore also parses into
    ``response["Message"]``, as Comprehend's own answers give it; ``error`` and ``code`` are the
    API's error shape, as every other error answer of it has them. The message is the error's
    own (nothing of an unexpected exception: "Internal server error").
    """
    rejection = rejection_for(exc)
    status = HTTPStatus.BAD_REQUEST if rejection.status < 500 else rejection.status
    message = rejection.message
    return status, {
        "__type": error_type(exc),
        "message": message,
        "Message": message,
        "error": message,
        "code": rejection.code,
    }


def error_response(exc: Exception, request: str) -> dict[str, Any]:
    """The proxy response of an error (:func:`error_body`), logged and counted
    (``RejectedRequests`` by ``code``) as every error answer of the API is. Its headers:
    ``Content-Type``, ``x-amzn-RequestId`` and ``x-amzn-ErrorType`` (the ``__type``: botocore
    reads the body, some other SDKs read this header first)."""
    status, body = error_body(exc)
    count_rejection(Rejection(status, body["code"], body["error"]))
    return {
        "statusCode": status.value,
        "multiValueHeaders": {
            "Content-Type": [CONTENT_TYPE],
            "x-amzn-RequestId": [request],
            "x-amzn-ErrorType": [body["__type"]],
        },
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }
