"""The sentiment API's logic: which texts it accepts, the deployment's defaults, the batch
rules, and the ``Analyses`` metric. Shared by the API's fast path and its router; no pydantic,
no Powertools event handler, no HTTP.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from sentiment_api.analysis import analyse
from sentiment_api.errors import (
    DomainError,
    InvalidTypeError,
    LoneSurrogateError,
    NoTextError,
    ResponseTooLargeError,
    TextTooLongError,
    TooManyTextsError,
)
from sentiment_api.observability import metrics
from sentiment_api.settings import get_settings
from sentiment_api.text import check_text, check_unicode


def accepted_text(text: str | None) -> str:
    """``text`` if the API analyses it.

    Raises:
        NoTextError: ``text`` is None, empty or whitespace only (400).
        TextTooLongError: ``text`` has more code points than the deployment's cap (413).
    """
    return check_text(text, get_settings().max_text_length)


def threshold(requested: float | None) -> float:
    """The neutral threshold of a request: its own, else the deployment's."""
    return get_settings().neutral_threshold if requested is None else requested


def engine_for(requested: str | None) -> str:
    """The engine of a request: its own, else the deployment's (env ``ENGINE``)."""
    return get_settings().engine if requested is None else requested


def analysed(
    text: str,
    *,
    neutral_threshold: float | None = None,
    sentences: bool = False,
    explain: bool = False,
    engine: str | None = None,
) -> dict[str, Any]:
    """Analyse an accepted text, count it in the ``Analyses`` metric (per label), and return
    the fields of an ``AnalyseResponse``.

    ``neutral_threshold`` and ``engine`` None mean the deployment's defaults; the options are
    those of :func:`~sentiment_api.analysis.analyse`.

    Returns:
        ``SentimentResult.as_dict()``: ``input``, ``sentiment_score``, ``sentiment``,
        ``subjectivity`` (textblob), ``neutral_threshold``, ``engine``, ``probabilities``
        (model), and ``mixed``, ``sentences``, ``assessments`` (textblob) or
        ``contributions`` (model) when asked for.

    Raises:
        ValueError: ``neutral_threshold`` outside [0, 1] or an unknown ``engine`` (the
            request model prevents both).
    """
    fields = analyse(
        text,
        engine=engine_for(engine),
        neutral_threshold=threshold(neutral_threshold),
        sentences=sentences,
        explain=explain,
    ).as_dict()
    metrics.add_dimension(name="sentiment", value=fields["sentiment"])
    metrics.add_metric(name="Analyses", unit=MetricUnit.Count, value=1)
    return fields


BATCH_ITEM_ERRORS = (NoTextError, TextTooLongError, InvalidTypeError, LoneSurrogateError)
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
    max_answer_bytes: int | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Analyse each text as ``POST /analyse`` would; a bad text is reported, not fatal.

    ``max_answer_bytes``, when given, is the most the answer may take (Lambda's response
    payload limit): the batch stops as soon as the results so far would pass it, rather than
    analyse every text for an answer that cannot be returned. Each item is measured as it
    reaches the proxy response: its JSON (ASCII-escaped, compact), then escaped once more as
    part of the response's ``body`` string (:func:`answer_bytes`).

    Returns:
        ``(results, errors)``: ``results`` holds ``{"index", **analysed fields}`` per analysed
        text, ``errors`` holds ``{"index", "error", "code"}`` per rejected one; every index is
        in exactly one list, each in index order. The analysed texts are counted in the
        ``Analyses`` metric, per label.

    Raises:
        TooManyTextsError: more texts than the deployment's cap (413).
        ResponseTooLargeError: the results would pass ``max_answer_bytes`` (413; raised when
            they do, with the texts after it not analysed).
    """
    limit = get_settings().max_batch_size
    if len(texts) > limit:
        raise TooManyTextsError(len(texts), limit)
    chosen = threshold(neutral_threshold)
    chosen_engine = engine_for(engine)
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
        result = analyse(
            text,
            engine=chosen_engine,
            neutral_threshold=chosen,
            sentences=sentences,
            explain=explain,
        )
        results.append({"index": index, **result.as_dict()})
        size += answer_bytes(results[-1])
        if max_answer_bytes is not None and size > max_answer_bytes:
            raise ResponseTooLargeError(size, max_answer_bytes, at_least=True)
    _count_analyses(Counter(result["sentiment"] for result in results))
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


def _count_analyses(labels: Counter[str]) -> None:
    """Add a batch's texts to the ``Analyses`` metric, one EMF record per label: the main
    ``metrics`` object can carry only one value of the ``sentiment`` dimension."""
    for label, count in sorted(labels.items()):
        with single_metric(
            name="Analyses",
            unit=MetricUnit.Count,
            value=count,
            namespace=metrics.namespace,
            default_dimensions={"service": metrics.service, **metrics.default_dimensions},
        ) as metric:
            metric.add_dimension(name="sentiment", value=label)
