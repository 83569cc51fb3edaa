"""The one Unicode rule every entry point applies before analysis, without importing it.

A module of its own, with no third-party imports, so that the jobs API function and the
request models check texts without loading TextBlob and sentencex (``analysis.py``).
"""

from __future__ import annotations

import re

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a UTF-16 surrogate code point, which no Unicode text contains
    (a JSON ``"\\ud800"`` escape, or undecodable bytes read with ``surrogateescape``)."""
    return _LONE_SURROGATE.search(text) is not None
