"""HTTP helpers shared by both HTTP functions, light enough for the API's fast path: no
pydantic, no Powertools event handler, no boto3 (API Gateway REST API, proxy payload 1.0)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sentiment_api.errors import BodyTooLargeError, UnsupportedMediaTypeError

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
"""Lambda's limit on a synchronous invocation's response payload, in bytes (6 MB; AWS Lambda
quotas). An answer over it would reach the client as API Gateway's 502."""

JSON = "application/json"


def json_loads(body: str) -> Any:
    """``json.loads``, with every way it can fail reported as a decode error (so a 400).

    Raises:
        json.JSONDecodeError: for malformed JSON, nesting deeper than the parser recurses, or
            an integer of over 4,300 digits.
    """
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise json.JSONDecodeError("JSON too deeply nested or number too long", body, 0) from exc


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
    """Checks that must come before a POST body is parsed: its size and its media type.

    Powertools would parse form and multipart bodies (and fail on some of them with a 500),
    and it picks its parser by a case-sensitive prefix test although media types are
    case-insensitive (RFC 9110, section 8.3.1). Shared by both HTTP functions.

    Args:
        event: an API Gateway proxy event.
        limit: the longest body accepted, in characters as received.

    Returns:
        The event to resolve, with its Content-Type lowercased.

    Raises:
        BodyTooLargeError: the body is longer than ``limit`` (413).
        UnsupportedMediaTypeError: the body is declared as something other than JSON (415).
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
        if value.split(";", 1)[0].strip().lower() != JSON:
            raise UnsupportedMediaTypeError(value)
    if any(value != value.lower() for value in declared.values()):
        lowered = {name: value.lower() for name, value in declared.items()}
        event = {**event, "headers": {**headers, **lowered}}
    return event  # no Content-Type: taken as JSON


def base_path(app: BaseRouter) -> str:
    """The stage prefix of the current request's URL: ``"/<stage>"`` when the stage prefixes
    the path (an execute-api URL), ``""`` otherwise (a custom domain, ``sam local``).

    Powertools' own rule for its Swagger route; its method is private, so it is called here
    only, where an upgrade that changes it breaks one place.
    """
    return app._get_base_path()  # type: ignore[attr-defined,no-any-return]
