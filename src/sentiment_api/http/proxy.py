"""HTTP helpers shared by both HTTP functions, light enough for the API's fast path: no
pydantic, no Powertools event handler, no boto3 (API Gateway REST API, proxy payload 1.0)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TYPE_CHECKING, Any

from sentiment_api.errors import (
    BodyTooLargeError,
    DuplicateKeyError,
    InvalidBase64Error,
    InvalidBodyEncodingError,
    UnsupportedMediaTypeError,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
"""Lambda's limit on a synchronous invocation's response payload, in bytes (6 MB; AWS Lambda
quotas). An answer over it would reach the client as API Gateway's 502."""

JSON = "application/json"
UTF8_CHARSETS = ("utf-8", "utf8")
"""The ``charset`` values of a Content-Type read as UTF-8 (compared case-insensitively)."""

MAX_JSON_DEPTH = 64
"""The deepest nesting of arrays and objects a request body may have; deeper is a 400
``invalid_json`` before parsing. A valid body is 2 deep (an object holding a list of texts);
the bound is far below where Python's parser recurses out (about 1,000 levels, fewer on 3.11,
where the C parser counts against the interpreter's recursion limit), so that every supported
version gives the same answer to the same body."""

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def json_loads(body: str) -> Any:
    """``json.loads`` of a request body, with every way it can fail reported as a decode error
    (so a 400), the same on every Python version.

    Raises:
        DuplicateKeyError: an object names a key twice (400 ``duplicate_key``).
        json.JSONDecodeError: malformed JSON, nesting deeper than :data:`MAX_JSON_DEPTH`, or
            an integer of over 4,300 digits (400 ``invalid_json``).
    """
    if json_depth(body) > MAX_JSON_DEPTH:
        raise json.JSONDecodeError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", body, 0)
    try:
        return json.loads(body, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise json.JSONDecodeError("JSON too deeply nested or number too long", body, 0) from exc


def json_depth(body: str) -> int:
    """How deeply arrays and objects nest in ``body`` (0 for a scalar, 1 for ``[]``), or an
    upper bound of it that is at most :data:`MAX_JSON_DEPTH`.

    Cheap for ordinary bodies: one with at most :data:`MAX_JSON_DEPTH` opening brackets in
    all returns their count, unscanned; any other is scanned, brackets inside strings not
    counted (exact for valid JSON; for malformed JSON, a figure that parsing refuses anyway).
    """
    if body.count("[") + body.count("{") <= MAX_JSON_DEPTH:
        return body.count("[") + body.count("{")  # an upper bound, under the limit
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", body)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The object of ``pairs``; a key named twice is a :class:`DuplicateKeyError`."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return obj


def proxy_response(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A proxy response with a JSON body, in the shape Powertools gives its own:
    ``{"statusCode", "multiValueHeaders", "body", "isBase64Encoded"}``."""
    multi_value = {"Content-Type": [JSON]}
    multi_value.update({name: [value] for name, value in (headers or {}).items()})
    return {
        "statusCode": status,
        "multiValueHeaders": multi_value,
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def screen_post_body(event: dict[str, Any], limit: int) -> dict[str, Any]:
    """Checks that must come before a POST body is parsed: its size, its media type and
    charset, and its base64 encoding.

    Powertools would parse form and multipart bodies (and fail on some of them with a 500),
    it picks its parser by a case-sensitive prefix test although media types are
    case-insensitive (RFC 9110, section 8.3.1), it decodes base64 leniently (``"!!!!"`` is
    an empty body to it) and it reads every body as UTF-8 whatever its declared charset.
    Shared by both HTTP functions.

    Args:
        event: an API Gateway proxy event.
        limit: the longest body accepted, in characters as received (base64 or not).

    Returns:
        The event to resolve: its Content-Type lowercased, and a base64 body decoded (to
        text, ``isBase64Encoded`` false).

    Raises:
        BodyTooLargeError: the body is longer than ``limit`` (413).
        UnsupportedMediaTypeError: the body is declared as something other than JSON, or with
            a charset other than UTF-8 (415).
        InvalidBase64Error: the body is flagged base64 but is not strict base64 (400).
        InvalidBodyEncodingError: its decoded bytes are not UTF-8 (400).
    """
    body = event.get("body")
    if not body or event.get("httpMethod") != "POST":
        return event  # only POST routes read a body; the others answer 405 or ignore it
    if len(body) > limit:
        raise BodyTooLargeError(len(body), limit)
    headers = event.get("headers") or {}
    declared = {
        name: value
        for name, value in headers.items()
        if name.lower() == "content-type" and isinstance(value, str) and value
    }
    # Every Content-Type must say JSON: with two (names differing in case), either could win.
    for value in declared.values():
        media_type, _, parameters = value.partition(";")
        if media_type.strip().lower() != JSON:
            raise UnsupportedMediaTypeError(value)
        charset = _charset(parameters)
        if charset is not None and charset.lower() not in UTF8_CHARSETS:
            raise UnsupportedMediaTypeError(
                value,
                f"The request body must be UTF-8 JSON (Content-Type: application/json; "
                f"charset=utf-8), not charset={charset}",
            )
    if any(value != value.lower() for value in declared.values()):
        lowered = {name: value.lower() for name, value in declared.items()}
        event = {**event, "headers": {**headers, **lowered}}
    if event.get("isBase64Encoded"):
        event = {**event, "body": decode_base64(body), "isBase64Encoded": False}
    return event  # no Content-Type: taken as JSON


def _charset(parameters: str) -> str | None:
    """The ``charset`` parameter of a Content-Type's parameters (``; a=b; charset="x"``),
    unquoted, or None."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"')
    return None


def decode_base64(body: str) -> str:
    """The UTF-8 text of a base64 body, decoded strictly (RFC 4648: no character outside the
    alphabet, correct padding).

    Raises:
        InvalidBase64Error, InvalidBodyEncodingError: as :func:`screen_post_body` says.
    """
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidBase64Error from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidBodyEncodingError from None


def strip_base_path(event: dict[str, Any], mapping: str) -> dict[str, Any]:
    """``event`` with the custom domain's base path taken off its ``path``, so that the routes
    match: through ``https://api.example.com/<mapping>/analyse`` API Gateway's proxy event
    says ``path: "/<mapping>/analyse"`` (the stage's own URL says ``/analyse``).

    Args:
        event: an API Gateway proxy event.
        mapping: the base path mapping, without slashes at either end (``"sentiment"``,
            ``"v1/sentiment"``), or ``""`` for none.

    Returns:
        A new event whose ``path`` starts after the mapping (``/`` for the mapping itself),
        or ``event`` itself when there is no mapping or the path is not under it.
    """
    path = event.get("path")
    if not mapping or not isinstance(path, str):
        return event
    prefix = f"/{mapping}"
    if path == prefix:
        return {**event, "path": "/"}
    if path.startswith(prefix + "/"):
        return {**event, "path": path[len(prefix) :]}
    return event


def base_path(app: BaseRouter, mapping: str = "") -> str:
    """The prefix of the current request's URL before the API's own paths: ``"/<mapping>"``
    when the request came through the custom domain's base path mapping (its
    ``requestContext.path`` starts with it), ``"/<stage>"`` when the stage prefixes the path
    (an execute-api URL), ``""`` otherwise (a custom domain without a base path, ``sam
    local``).

    Args:
        app: the resolver answering the request.
        mapping: the deployment's base path mapping (see :func:`strip_base_path`), or ``""``.

    The stage rule is Powertools' own for its Swagger route; its method is private, so it is
    called here only, where an upgrade that changes it breaks one place.
    """
    if mapping:
        context = app.current_event.raw_event.get("requestContext") or {}
        path = str(context.get("path") or "")
        if path == f"/{mapping}" or path.startswith(f"/{mapping}/"):
            return f"/{mapping}"
    return app._get_base_path()  # type: ignore[attr-defined,no-any-return]
