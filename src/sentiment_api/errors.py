"""Request errors the API reports. Each maps to one HTTP response in ``handlers.api``."""

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


class MethodNotAllowedError(Exception):
    """The path exists but does not accept this HTTP method (HTTP 405).

    Attributes:
        allowed: the methods the path accepts, for the ``Allow`` header.
    """

    def __init__(self, allowed: tuple[str, ...]) -> None:
        super().__init__(f"Method not allowed; this path accepts {', '.join(allowed)}")
        self.allowed = allowed
