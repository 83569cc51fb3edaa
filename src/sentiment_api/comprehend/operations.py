"""The four Comprehend operations served, on ``analyse()`` and the language identifier, with
Comprehend's limits: each takes the request's members (its JSON object) and returns its output
shape, or raises the service's error (:mod:`sentiment_api.errors`) that
:mod:`.protocol` answers as Comprehend's.

Rules where Comprehend's documentation and model leave a choice (docs/api.md, "Coming from
Comprehend", says the same):

- a text is a non-empty string (the model's ``min: 1``; whitespace is a text, as there), of
  Unicode (no lone surrogate); anything else, or a missing member, is an
  ``InvalidRequestException``, as is a batch item that is not such a text;
- ``LanguageCode`` must be ``en``: any other (``fr``, ``EN``, ``xx``) is an
  ``UnsupportedLanguageException``. With the deployment's language check on (``LanguageCheck``
  ``refuse``, the default), ``en`` is checked, not trusted: a text identified as confidently
  another language is refused too, as ``POST /analyse`` refuses it;
- sizes are UTF-8 bytes, as Comprehend's: 5,000 a document, 100,000 for
  DetectDominantLanguage; never more code points than the deployment's ``MaxTextLength``
  either (the cap that bounds an analysis's time). A batch holds 25 documents, or the
  deployment's ``MaxBatchSize`` if lower; more is a ``BatchSizeLimitExceededException`` of the
  whole request;
- in a batch, a document too large or in another language is an ``ErrorList`` item and the
  others are analysed; a request that is wrong as a whole fails whole;
- sentiment texts are analysed with sentences (for ``MIXED``), by the request's engine
  (:data:`.protocol.ENGINE_HEADER`) or the deployment's, with its ``NeutralThreshold``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sentiment_api import language
from sentiment_api.analysis import AUTO, SentimentResult, analyse_many
from sentiment_api.comprehend import shapes
from sentiment_api.comprehend.protocol import (
    MAX_BATCH_DOCUMENTS,
    MAX_DOCUMENT_BYTES,
    MAX_LANGUAGE_DOCUMENT_BYTES,
    TARGET_PREFIX,
)
from sentiment_api.errors import (
    DomainError,
    InvalidRequestError,
    TextTooLargeError,
    TextTooLongError,
    TooManyTextsError,
    UnsupportedLanguageError,
)
from sentiment_api.observability import count_analyses, count_analysis, reported_if_unavailable
from sentiment_api.settings import get_settings
from sentiment_api.text import has_lone_surrogate

SENTIMENT_LANGUAGES = ("en",)
"""The ``LanguageCode`` values the sentiment operations accept (Comprehend's enum has 12)."""

Members = Mapping[str, Any]
Operation = Callable[[Members, str | None], dict[str, Any]]
"""``operation(members, engine) -> output``: ``engine`` None means the deployment's."""


def _invalid(member: str, message: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"{member}: {message}", [{"loc": [member], "type": "value_error", "msg": message}]
    )


def text_of(value: Any, member: str) -> str:
    """``value`` if it is a text Comprehend accepts (a non-empty string of Unicode).

    Raises:
        InvalidRequestError: it is not (``member`` names it in the message).
    """
    if not isinstance(value, str) or not value:
        raise _invalid(member, "must be a non-empty string")
    if has_lone_surrogate(value):
        raise _invalid(member, "holds a lone UTF-16 surrogate, which is not Unicode")
    return value


def batch_limit() -> int:
    """The most documents a batch may hold: Comprehend's 25, or ``MaxBatchSize`` if lower."""
    return min(MAX_BATCH_DOCUMENTS, get_settings().max_batch_size)


def texts_of(members: Members) -> list[str]:
    """``TextList``: a non-empty list of at most :func:`batch_limit` texts.

    Raises:
        InvalidRequestError: missing, not a list, empty, or an item not a text.
        TooManyTextsError: more documents than the limit (checked before the items).
    """
    texts = members.get("TextList")
    if not isinstance(texts, list) or not texts:
        raise _invalid("TextList", "must be a non-empty list of strings")
    limit = batch_limit()
    if len(texts) > limit:
        raise TooManyTextsError(len(texts), limit)
    return [text_of(text, f"TextList[{index}]") for index, text in enumerate(texts)]


def check_language_code(members: Members) -> None:
    """``LanguageCode`` must be one of :data:`SENTIMENT_LANGUAGES`.

    Raises:
        InvalidRequestError: missing or not a string.
        UnsupportedLanguageError: another code.
    """
    code = members.get("LanguageCode")
    if not isinstance(code, str):
        raise _invalid("LanguageCode", "must be a string")
    if code not in SENTIMENT_LANGUAGES:
        raise UnsupportedLanguageError(
            code[:40],
            message=f"Only English (en) is analysed; the request's LanguageCode is {code[:40]!r}",
        )


def size_error(text: str, limit_bytes: int, limit_chars: int | None) -> TextTooLongError | None:
    """Why ``text`` is too large for an operation, or None: over ``limit_bytes`` UTF-8 bytes
    (:class:`TextTooLargeError`, Comprehend's message), or over ``limit_chars`` code points (the
    deployment's ``MaxTextLength``, when given)."""
    # A code point takes at most 4 bytes: only texts over a quarter of the limit need encoding.
    if len(text) * 4 > limit_bytes:
        size = len(text.encode("utf-8"))
        if size > limit_bytes:
            return TextTooLargeError(size, limit_bytes)
    if limit_chars is not None and len(text) > limit_chars:
        return TextTooLongError(len(text), limit_chars)
    return None


def refusal(error: UnsupportedLanguageError) -> UnsupportedLanguageError:
    """``analyse()``'s refusal of a text identified as another language, with a message for a
    Comprehend client (which has no ``"language"`` option to skip the check)."""
    confidence = error.confidence or 0.0
    return UnsupportedLanguageError(
        error.language,
        confidence,
        message=(
            f"The text looks like {error.language!r} (confidence {confidence:.2f}), not "
            "English, the only language analysed (this deployment identifies each text's "
            "language: LanguageCheck=refuse)"
        ),
    )


def analysed(
    texts: Sequence[str], engine: str | None
) -> list[SentimentResult | UnsupportedLanguageError]:
    """``analyse_many()`` of ``texts`` with sentences, by ``engine`` (None: the deployment's),
    with the deployment's neutral threshold and language check; an engine that cannot load is
    logged and counted (then raised: a 503)."""
    settings = get_settings()
    with reported_if_unavailable():
        return analyse_many(
            texts,
            engine=engine or settings.engine,
            neutral_threshold=settings.neutral_threshold,
            sentences=True,
            language=AUTO if settings.language_check else None,
        )


def detect_sentiment(members: Members, engine: str | None) -> dict[str, Any]:
    """DetectSentiment: ``{Text, LanguageCode}`` -> ``{Sentiment, SentimentScore}``
    (:func:`.shapes.sentiment`), counted in ``Analyses``.

    Raises:
        InvalidRequestError, UnsupportedLanguageError: as the module says.
        TextTooLongError: over 5,000 bytes (:class:`TextTooLargeError`) or ``MaxTextLength``.
        EngineUnavailableError: the engine cannot load.
    """
    text = text_of(members.get("Text"), "Text")
    check_language_code(members)
    error = size_error(text, MAX_DOCUMENT_BYTES, get_settings().max_text_length)
    if error is not None:
        raise error
    (outcome,) = analysed([text], engine)
    if isinstance(outcome, UnsupportedLanguageError):
        raise refusal(outcome)
    count_analysis(outcome.sentiment)
    return shapes.sentiment(outcome)


def batch_detect_sentiment(members: Members, engine: str | None) -> dict[str, Any]:
    """BatchDetectSentiment: ``{TextList, LanguageCode}`` -> ``{ResultList, ErrorList}``, each
    in index order, every index in exactly one; the analysed texts counted in ``Analyses``.

    Raises:
        InvalidRequestError, UnsupportedLanguageError: the request as a whole (module).
        TooManyTextsError: more documents than :func:`batch_limit`.
        EngineUnavailableError: the engine cannot load.
    """
    texts = texts_of(members)
    check_language_code(members)
    limit_chars = get_settings().max_text_length
    errors: dict[int, DomainError] = {}
    kept: list[int] = []
    for index, text in enumerate(texts):
        error = size_error(text, MAX_DOCUMENT_BYTES, limit_chars)
        if error is None:
            kept.append(index)
        else:
            errors[index] = error
    results: list[dict[str, Any]] = []
    labels: Counter[str] = Counter()
    outcomes = analysed([texts[index] for index in kept], engine) if kept else []
    for index, outcome in zip(kept, outcomes, strict=True):
        if isinstance(outcome, UnsupportedLanguageError):
            errors[index] = refusal(outcome)
        else:
            results.append({"Index": index, **shapes.sentiment(outcome)})
            labels[outcome.sentiment] += 1
    count_analyses(labels)
    return {
        "ResultList": results,
        "ErrorList": [shapes.batch_error(index, errors[index]) for index in sorted(errors)],
    }


def detect_dominant_language(members: Members, engine: str | None) -> dict[str, Any]:
    """DetectDominantLanguage: ``{Text}`` -> ``{Languages}`` (:func:`.shapes.languages` of the
    identifier's five guesses), whatever the deployment's language check. ``engine`` is not
    used (one identifier).

    Raises:
        InvalidRequestError: ``Text`` missing or not a text.
        TextTooLongError: over 100,000 bytes (:class:`TextTooLargeError`).
    """
    text = text_of(members.get("Text"), "Text")
    error = size_error(text, MAX_LANGUAGE_DOCUMENT_BYTES, None)
    if error is not None:
        raise error
    return {"Languages": shapes.languages(language.ranked(text))}


def batch_detect_dominant_language(members: Members, engine: str | None) -> dict[str, Any]:
    """BatchDetectDominantLanguage: ``{TextList}`` -> ``{ResultList: [{Index, Languages}],
    ErrorList}``; a document over 5,000 bytes is an ``ErrorList`` item.

    Raises:
        InvalidRequestError: ``TextList`` missing, empty, or an item not a text.
        TooManyTextsError: more documents than :func:`batch_limit`.
    """
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for index, text in enumerate(texts_of(members)):
        error = size_error(text, MAX_DOCUMENT_BYTES, None)
        if error is not None:
            errors.append(shapes.batch_error(index, error))
        else:
            results.append({"Index": index, "Languages": shapes.languages(language.ranked(text))})
    return {"ResultList": results, "ErrorList": errors}


OPERATIONS: dict[str, Operation] = {
    "DetectSentiment": detect_sentiment,
    "BatchDetectSentiment": batch_detect_sentiment,
    "DetectDominantLanguage": detect_dominant_language,
    "BatchDetectDominantLanguage": batch_detect_dominant_language,
}
"""The operations served, by their name in ``X-Amz-Target`` (and in botocore's model)."""
SERVED_TARGETS = tuple(TARGET_PREFIX + name for name in OPERATIONS)
"""The ``X-Amz-Target`` values answered."""
