"""CORS headers for the functions' proxy responses: pure, standard library only.

The API is called cross-origin only from the one origin the deployment names (template
parameter ``CorsAllowOrigin``, environment variable ``CORS_ALLOW_ORIGIN``), or from any when that
is ``*``; empty turns CORS off and nothing here adds a header. API Gateway answers the preflight
``OPTIONS`` itself when deployed (a mock integration, no key needed) and puts the origin on its
own error answers (gateway responses); this module covers what reaches a function: its answers,
and a preflight that ``sam local start-api`` or an ``ANY`` route passes on to it.

Choices (docs/security.md, "CORS"): with one exact origin, ``Access-Control-Allow-Origin`` names it
only when the request's ``Origin`` is that origin, and every answer carries ``Vary: Origin``
(it depends on the request's origin, so a shared cache must key on it); with ``*`` it is ``*``
on every answer, without ``Vary``. No credentials (cookies) are ever allowed: the API key is a
header, not a cookie.

Header names and semantics: the Fetch standard, "CORS protocol"
(https://fetch.spec.whatwg.org/#http-cors-protocol).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

ALLOW_METHODS = "GET, POST, OPTIONS"
"""What a page may call: the API's methods (``OPTIONS`` is the preflight itself)."""
ALLOW_HEADERS = "Content-Type, X-Api-Key"
"""The request headers a page may set: the JSON body's type and the API key."""
MAX_AGE_S = 600
"""How long a browser may reuse a preflight's answer, in seconds (Chromium caps it at 7,200)."""
WILDCARD = "*"


def request_origin(event: Mapping[str, Any]) -> str | None:
    """The ``Origin`` header of an API Gateway proxy event (REST, payload 1.0), or None.

    Header names are matched case-insensitively (HTTP/2 clients send them lower case); of the
    two places a proxy event holds headers, ``headers`` is read first, then the first value of
    ``multiValueHeaders``."""
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == "origin" and value:
            return str(value)
    for name, values in (event.get("multiValueHeaders") or {}).items():
        if name.lower() == "origin" and values:
            return str(values[0])
    return None


def cors_headers(
    allow_origin: str, origin: str | None, *, preflight: bool = False
) -> dict[str, str]:
    """The CORS response headers for a request from ``origin`` when ``allow_origin`` is allowed.

    Args:
        allow_origin: the configured origin: ``""`` (CORS off), ``"*"``, or one origin such as
            ``"https://app.example"`` (scheme, host, optional port; no path).
        origin: the request's ``Origin`` header, or None.
        preflight: add what a preflight answer needs (allowed methods, headers, max age).

    Returns:
        Header name to value; empty when CORS is off. With one exact origin,
        ``Access-Control-Allow-Origin`` is present only if ``origin`` equals it (comparison is
        exact, as a browser's is), and ``Vary: Origin`` always.
    """
    if not allow_origin:
        return {}
    headers: dict[str, str] = {}
    if allow_origin == WILDCARD:
        headers["Access-Control-Allow-Origin"] = WILDCARD
    else:
        headers["Vary"] = "Origin"
        if origin == allow_origin:
            headers["Access-Control-Allow-Origin"] = allow_origin
    if preflight:
        headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
        headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        headers["Access-Control-Max-Age"] = str(MAX_AGE_S)
    return headers


def with_cors(response: dict[str, Any], allow_origin: str, origin: str | None) -> dict[str, Any]:
    """``response`` (a proxy response dict) with the CORS headers added; a new dict.

    Args:
        response: ``{"statusCode", "multiValueHeaders" and/or "headers", "body", ...}``.
        allow_origin: the configured origin (see :func:`cors_headers`); ``""`` returns
            ``response`` itself, unchanged.
        origin: the request's ``Origin`` header (:func:`request_origin`), or None.

    Returns:
        A copy whose ``multiValueHeaders`` (if it has them, else ``headers``) hold the CORS
        headers. An existing ``Vary`` keeps its values, with ``Origin`` added once; any
        existing ``Access-Control-*`` header of the same name is replaced.
    """
    added = cors_headers(allow_origin, origin)
    if not added:
        return response
    result = dict(response)
    if "multiValueHeaders" in response or "headers" not in response:
        multi = {k: list(v) for k, v in (response.get("multiValueHeaders") or {}).items()}
        for name, value in added.items():
            existing = _pop_case_insensitive(multi, name)
            multi[name] = _merge_vary(existing, value) if name == "Vary" else [value]
        result["multiValueHeaders"] = multi
    else:
        single = dict(response.get("headers") or {})
        for name, value in added.items():
            existing = _pop_case_insensitive(single, name)
            if name == "Vary":
                previous = [existing] if isinstance(existing, str) else []
                single[name] = ", ".join(_merge_vary(previous, value))
            else:
                single[name] = value
        result["headers"] = single
    return result


def preflight_response(allow_origin: str, event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The answer to a CORS preflight, or None when ``event`` is not one or CORS is off.

    A preflight is an ``OPTIONS`` request with an ``Origin`` and an
    ``Access-Control-Request-Method`` header (Fetch standard). It needs no API key and reaches
    no analysis. Any other ``OPTIONS`` is left to the router (None).

    Returns:
        ``{"statusCode": 204, "multiValueHeaders": {...}, "body": "", "isBase64Encoded": False}``
        with the preflight headers of :func:`cors_headers`; ``Access-Control-Allow-Origin`` is
        absent for an origin that is not allowed, which the browser takes as a refusal.
    """
    if not allow_origin or str(event.get("httpMethod", "")).upper() != "OPTIONS":
        return None
    origin = request_origin(event)
    if origin is None or not _has_header(event, "access-control-request-method"):
        return None
    headers = cors_headers(allow_origin, origin, preflight=True)
    return {
        "statusCode": 204,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "body": "",
        "isBase64Encoded": False,
    }


def serve(
    allow_origin: str, event: Mapping[str, Any], answer: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """How both HTTP functions answer with CORS: a preflight :func:`preflight_response`
    answers (``answer`` is not called), else ``answer()`` with the headers of :func:`with_cors`.

    Args:
        allow_origin: the configured origin (see :func:`cors_headers`); ``""`` is CORS off.
        event: the API Gateway proxy event.
        answer: makes the function's own proxy response to ``event``.
    """
    preflight = preflight_response(allow_origin, event)
    if preflight is not None:
        return preflight
    return with_cors(answer(), allow_origin, request_origin(event))


def _has_header(event: Mapping[str, Any], lowered: str) -> bool:
    names = [*(event.get("headers") or {}), *(event.get("multiValueHeaders") or {})]
    return any(name.lower() == lowered for name in names)


def _pop_case_insensitive(headers: dict[str, Any], name: str) -> Any:
    for key in [k for k in headers if k.lower() == name.lower()]:
        return headers.pop(key)
    return None


def _merge_vary(existing: Any, value: str) -> list[str]:
    """Existing ``Vary`` values (a list of comma-separated strings, or None) plus ``value``."""
    tokens = [t.strip() for item in existing or [] for t in str(item).split(",") if t.strip()]
    if value.lower() not in (t.lower() for t in tokens):
        tokens.append(value)
    return tokens
