"""The rules a text must meet to be analysed, the same for ``POST /analyse``, a batch item and a
job's line. Standard library only, so that the jobs API function and the request models apply
them without loading an engine.
"""

from __future__ import annotations

import re

from sentiment_api.errors import LoneSurrogateError, NoTextError, TextTooLongError

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a UTF-16 surrogate code point, which no Unicode text contains
    (a JSON ``"\\ud800"`` escape, or undecodable bytes read with ``surrogateescape``)."""
    return _LONE_SURROGATE.search(text) is not None


def check_text(text: str | None, limit: int) -> str:
    """``text`` if it is one to analyse: not blank, and at most ``limit`` code points.

    Raises:
        NoTextError: ``text`` is None, empty or whitespace only.
        TextTooLongError: ``text`` has more than ``limit`` code points.
    """
    if text is None or not text.strip():
        raise NoTextError
    if len(text) > limit:
        raise TextTooLongError(len(text), limit)
    return text


def check_unicode(text: str) -> str:
    """``text`` if it is Unicode.

    Raises:
        LoneSurrogateError: it holds a lone surrogate (:func:`has_lone_surrogate`).
    """
    if has_lone_surrogate(text):
        raise LoneSurrogateError
    return text
