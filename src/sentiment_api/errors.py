"""Request errors the HTTP functions report. Each maps to one HTTP answer (status, code,
message) in the table of :mod:`sentiment_api.error_answers`."""

from __future__ import annotations


class NoTextError(Exception):
    """The request had no text: the field is missing, null, empty or only whitespace (HTTP 400)."""


class TextTooLongError(Exception):
    """The text is longer than the deployment's cap (HTTP 413).

    Attributes:
        length: the text's length in Unicode code points.
        limit: the cap, in Unicode code points.
    """

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"Text is {length} characters long; the limit is {limit} characters")
        self.length = length
        self.limit = limit


class TooManyTextsError(Exception):
    """A batch has more texts than the deployment's cap (HTTP 413).

    Attributes:
        count: how many texts the batch has.
        limit: the cap.
    """

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"The batch has {count} texts; the limit is {limit}")
        self.count = count
        self.limit = limit


class ResponseTooLargeError(Exception):
    """The answer would exceed Lambda's response payload limit (HTTP 413): too many sentences
    and assessments in one batch, for instance.

    Attributes:
        size: the proxy response's size, in bytes of JSON.
        limit: the limit, in bytes.
    """

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"The answer would be {size} bytes; Lambda returns at most {limit}. Send fewer or "
            "shorter texts, or leave sentences and explain off"
        )
        self.size = size
        self.limit = limit


class MethodNotAllowedError(Exception):
    """The path exists but does not accept this HTTP method (HTTP 405).

    Attributes:
        allowed: the methods the path accepts, for the ``Allow`` header.
    """

    def __init__(self, allowed: tuple[str, ...]) -> None:
        super().__init__(f"Method not allowed; this path accepts {', '.join(allowed)}")
        self.allowed = allowed


class BodyTooLargeError(Exception):
    """The request body is longer than any valid request can be (HTTP 413).

    Attributes:
        length: the body's length in characters, as received (base64 or not).
        limit: the longest body accepted, in characters.
    """

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"The request body is {length} characters long; the limit is {limit} characters"
        )
        self.length = length
        self.limit = limit


class UnsupportedMediaTypeError(Exception):
    """The request body is declared as something other than JSON (HTTP 415).

    Attributes:
        content_type: the request's Content-Type header.
    """

    def __init__(self, content_type: str | None = None) -> None:
        super().__init__(f"Unsupported media type {content_type!r}")
        self.content_type = content_type


class InvalidBodyEncodingError(Exception):
    """The body is flagged base64 but is not, or its bytes are not UTF-8 (HTTP 400)."""


class InvalidJsonError(Exception):
    """The body is not valid JSON (HTTP 400)."""


class NoBodyError(Exception):
    """A route that needs a body got none, or a JSON null (HTTP 400); the message says what
    to send."""


class InvalidRequestError(Exception):
    """The body is JSON but not what the route's model accepts (HTTP 422).

    Attributes:
        details: one ``{"loc": [...], "type": str, "msg": str}`` per problem reported.
    """

    def __init__(self, summary: str, details: list[dict[str, object]]) -> None:
        super().__init__(f"Invalid request body: {summary}")
        self.details = details


class PathNotFoundError(Exception):
    """No route has this path (HTTP 404)."""


class JobNotFoundError(Exception):
    """No job has this id, or the caller may not see it (HTTP 404)."""


class InvalidFilenameError(Exception):
    """The file name is not a plain name with a supported extension (HTTP 400)."""


class UploadTooLargeError(Exception):
    """A job's declared file size is over the deployment's cap (HTTP 413).

    Attributes:
        size: the declared size, in bytes.
        limit: the cap that applied, in bytes.
        source: what sets that cap, for the message (e.g. ``"MAX_UPLOAD_BYTES"``).
    """

    def __init__(self, size: int, limit: int, source: str = "the deployment's cap") -> None:
        super().__init__(
            f"The file is {size} bytes; the limit is {limit} bytes ({source}). Split it"
        )
        self.size = size
        self.limit = limit
        self.source = source


class ApiKeyRequiredError(Exception):
    """The deployment requires an API key and the request carried none (HTTP 403)."""


class InternalError(Exception):
    """Anything unexpected (HTTP 500): its traceback is logged, never returned."""
