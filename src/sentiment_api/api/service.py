"""The sentiment API's logic: which texts it accepts, the deployment's defaults, the batch
rules, and the ``Analyses`` metric. Shared by the API's fast path and its router; no pydantic,
no Powertools event handler, no HTTP.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sentiment_api.analysis import AUTO, analyse, analyse_many
from sentiment_api.errors import (
    DomainError,
    InvalidTypeError,
    LoneSurrogateError,
    NoTextError,
    ResponseTooLargeError,
    TextTooLongError,
    TooManyTextsError,
    UnsupportedLanguageError,
)
from sentiment_api.observability import count_analyses, count_analysis, reported_if_unavailable
from sentiment_api.settings import get_settings
from sentiment_api.text import check_text, check_unicode


def accepted_text(text: str | None) -> str:
    """``text`` if the API analyses it.

    Raises:
        NoTextError: ``text`` is None, empty or whitespace only (400).
        TextTooLongError: ``text`` has more code points than the deployment's cap (413).
    """
    return check_text(text, get_settings().max_text_length)


def threshold(requested: float | None) -> float | None:
    """The neutral threshold of a request: its own, else the deployment's (None: each
    engine's own rule)."""
    return get_settings().neutral_threshold if requested is None else requested


def engine_for(requested: str | None) -> str:
    """The engine of a request: its own, else the deployment's (env ``ENGINE``)."""
    return get_settings().engine if requested is None else requested


def language_for(declared: str | None) -> str | None:
    """The ``language`` option of :func:`~sentiment_api.analysis.analyse` for a request: its
    declared language (``"en"`` skips identification; any other is refused), else identify
    it if the deployment checks languages (env ``LANGUAGE_CHECK``), else nothing."""
    if declared is not None:
        return declared
    return AUTO if get_settings().language_check else None


def analysed(
    text: str,
    *,
    neutral_threshold: float | None = None,
    sentences: bool = False,
    explain: bool = False,
    engine: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """Analyse an accepted text, count it in the ``Analyses`` metric (per label), and return
    the fields of an ``AnalyseResponse``.

    ``neutral_threshold``, ``engine`` and ``language`` None mean the deployment's defaults; the
    options are those of :func:`~sentiment_api.analysis.analyse`.

    Returns:
        ``SentimentResult.as_dict()``.

    Raises:
        UnsupportedLanguageError: the text is confidently not English, or the request
            declared another language (422).
        ValueError: ``neutral_threshold`` outside [0, 1] or an unknown ``engine`` (the
            request model prevents both).
    """
    with reported_if_unavailable():
        fields = analyse(
            text,
            engine=engine_for(engine),
            neutral_threshold=threshold(neutral_threshold),
            sentences=sentences,
            explain=explain,
            language=language_for(language),
        ).as_dict()
    count_analysis(fields["sentiment"])
    return fields


BATCH_ITEM_ERRORS = (
    NoTextError,
    TextTooLongError,
    InvalidTypeError,
    LoneSurrogateError,
    UnsupportedLanguageError,
)
"""The errors a batch item may get (a test holds the response model's codes to theirs)."""

_KINDS = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    list: "an array",
    dict: "an object",
}


def batch_text(item: Any) -> str | None:
    """The text of a batch item, by the rules ``AnalyseRequest`` applies to ``text``.

    Raises:
        InvalidTypeError: the item is not a string or null.
        LoneSurrogateError: the item holds a lone surrogate.
    """
    if item is None:
        return None
    if type(item) is str:
        return check_unicode(item)
    raise InvalidTypeError(f"The item is {_KINDS.get(type(item), 'not a string')}, not a string")


def analyse_batch(
    texts: list[Any],
    *,
    neutral_threshold: float | None = None,
    sentences: bool = False,
    explain: bool = False,
    engine: str | None = None,
    language: str | None = None,
    max_answer_bytes: int | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Analyse each text as ``POST /analyse`` would; a bad text is reported, not fatal.

    ``max_answer_bytes``, when given, is the most the answer may take (Lambda's response
    payload limit): the batch stops as soon as the results so far would pass it, rather than
    analyse every text for an answer that cannot be returned. Each item is measured as it
    reaches the proxy response: its JSON (ASCII-escaped, compact), then escaped once more as
    part of the response's ``body`` string (:func:`answer_bytes`). So the accepted texts are
    analysed one at a time: no engine answers a text faster in a larger call (the encoder runs
    one window per ONNX run whatever the batch, docs/model.md).

    Returns:
        ``(results, errors)``: ``results`` holds ``{"index", **analysed fields}`` per analysed
        text, ``errors`` holds ``{"index", "error", "code"}`` per rejected one (the text's own
        problem, or ``unsupported_language``); every index is in exactly one list, each in
        index order. The analysed texts are counted in the ``Analyses`` metric, per label.

    Raises:
        TooManyTextsError: more texts than the deployment's cap (413).
        ResponseTooLargeError: the results would pass ``max_answer_bytes`` (413; raised when
            they do, with the texts after it not analysed).
        EngineUnavailableError: the engine cannot be loaded (503).
    """
    limit = get_settings().max_batch_size
    if len(texts) > limit:
        raise TooManyTextsError(len(texts), limit)
    options: dict[str, Any] = {
        "engine": engine_for(engine),
        "neutral_threshold": threshold(neutral_threshold),
        "sentences": sentences,
        "explain": explain,
        "language": language_for(language),
    }
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    size = BATCH_ENVELOPE_BYTES
    for index, item in enumerate(texts):
        try:
            text = accepted_text(batch_text(item))
        except DomainError as exc:  # what POST /analyse would answer for this text alone
            errors.append({"index": index, **exc.fields()})
            size += answer_bytes(errors[-1])
            continue
        with reported_if_unavailable():
            (outcome,) = analyse_many([text], **options)
        if isinstance(outcome, DomainError):
            errors.append({"index": index, **outcome.fields()})
            size += answer_bytes(errors[-1])
            continue
        results.append({"index": index, **outcome.as_dict()})
        size += answer_bytes(results[-1])
        if max_answer_bytes is not None and size > max_answer_bytes:
            raise ResponseTooLargeError(size, max_answer_bytes, at_least=True)
    count_analyses(Counter(result["sentiment"] for result in results))
    return results, errors


BATCH_ENVELOPE_BYTES = 1024
"""What a batch's proxy response holds besides its items, in bytes, at most: status, headers,
``{"results":[],"errors":[]}`` and the escaping of their quotes."""


def answer_bytes(item: dict[str, Any]) -> int:
    """The bytes ``item`` adds to a proxy response whose ``body`` holds it: its compact,
    ASCII-escaped JSON (as Powertools serialises a body), with each ``"`` and ``\\`` escaped
    once more inside the body string, and a separator."""
    encoded = json.dumps(item, separators=(",", ":"))
    return len(encoded) + encoded.count('"') + encoded.count("\\") + 1
