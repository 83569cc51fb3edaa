"""The service's one error vocabulary: every error it reports, as an exception that carries
its own stable ``code`` and its message for a human.

The same classes serve every place an error is reported: an HTTP answer (whose status comes
from the one table in :mod:`sentiment_api.http.errors`), an item of a batch, a line of a job's
results, and a job rejected as a whole (:class:`FileRejectedError`). No HTTP here: which status
an error gets is the HTTP layer's business.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """An error this service reports to its caller.

    Class attributes:
        code: the stable snake_case id a program can rely on, e.g. ``"no_text"``.
        default_message: the message when the raiser gives none.

    The message (``str(exc)``, also :attr:`message`) is for a human and may carry the
    request's figures (a length, a limit).
    """

    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = "Internal server error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.default_message if message is None else message)

    @property
    def message(self) -> str:
        """The message, for a human."""
        return str(self)

    def fields(self) -> dict[str, str]:
        """``{"error": message, "code": code}``: the error as a batch item or job line has it."""
        return {"error": str(self), "code": self.code}


# ---- a text: POST /analyse, a batch item, a job's line -------------------------------------------


class NoTextError(DomainError):
    """No text: missing, null, empty or only whitespace."""

    code = "no_text"
    default_message = "No text provided"


class TextTooLongError(DomainError):
    """The text is longer than the deployment's cap.

    Attributes:
        length: the text's length in Unicode code points (None when it was not read: a job's
            line over :data:`~sentiment_api.jobs.files.MAX_LINE_BYTES`).
        limit: the cap, in Unicode code points.
    """

    code = "text_too_long"

    def __init__(self, length: int | None, limit: int, message: str | None = None) -> None:
        super().__init__(
            message or f"Text is {length} characters long; the limit is {limit} characters"
        )
        self.length = length
        self.limit = limit


class TextTooLargeError(TextTooLongError):
    """The text is larger than a limit counted in UTF-8 bytes: the Comprehend-compatible
    endpoint's, which are Amazon Comprehend's (5,000 bytes a document, 100,000 for
    DetectDominantLanguage). Same ``code`` as :class:`TextTooLongError`: the same problem.

    Attributes:
        length: the text's size in UTF-8 bytes.
        limit: the limit, in UTF-8 bytes.
    """

    def __init__(self, size: int, limit: int) -> None:
        # Comprehend's own wording (its message for the same error), so that a program that
        # matched on it keeps working.
        super().__init__(
            size,
            limit,
            f"Input text size exceeds limit. Max length of request text allowed is {limit} "
            f"bytes while in this request the text size is {size} bytes",
        )


class LoneSurrogateError(DomainError):
    """The text holds a lone UTF-16 surrogate (a JSON ``"\\ud800"`` escape), which is not
    Unicode."""

    code = "lone_surrogate"
    default_message = "The text contains a lone UTF-16 surrogate, which is not Unicode"


class UnsupportedLanguageError(DomainError):
    """The text is not in English (the only language analysed): identified with confidence as
    another language, or declared as another language by the request.

    Attributes:
        language: the detected or declared language's code (ISO 639-1 where it has one).
        confidence: the identifier's probability of that language, or None when declared.

    ``message`` replaces the default one (which tells a ``POST /analyse`` caller how to skip
    the check), for a face that has another way, or none.
    """

    code = "unsupported_language"

    def __init__(
        self, language: str, confidence: float | None = None, message: str | None = None
    ) -> None:
        if message is None and confidence is None:
            message = f"Only English (en) is analysed; the request declared {language!r}"
        elif message is None:
            message = (
                f"The text looks like {language!r} (confidence {confidence:.2f}), not English, "
                'the only language analysed. Send "language": "en" to analyse it anyway'
            )
        super().__init__(message)
        self.language = language
        self.confidence = confidence


class InvalidTypeError(DomainError):
    """A text that is not a string (a batch item, a job line's ``text``); the message says
    what it is."""

    code = "invalid_type"
    default_message = "The text is not a string"


class MissingTextError(DomainError):
    """A job's record has no text field (a ``.jsonl`` line without ``text``, a ``.csv`` row
    shorter than the text column)."""

    code = "missing_text"
    default_message = 'The line has no "text" field'


class LineTooLongError(DomainError):
    """A line of a job's file is longer than one line may be (a ``.jsonl`` document)."""

    code = "line_too_long"


# ---- a request --------------------------------------------------------------------------------


class TooManyTextsError(DomainError):
    """A batch has more texts than the deployment's cap.

    Attributes:
        count: how many texts the batch has.
        limit: the cap.
    """

    code = "too_many_texts"

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"The batch has {count} texts; the limit is {limit}")
        self.count = count
        self.limit = limit


class ResponseTooLargeError(DomainError):
    """The answer would exceed Lambda's response payload limit: too many sentences and
    assessments in one batch, for instance.

    Attributes:
        size: the proxy response's size, in bytes of JSON; with ``at_least``, the size of the
            part analysed before the batch stopped (the whole would be larger).
        limit: the limit, in bytes.
    """

    code = "response_too_large"

    def __init__(self, size: int, limit: int, *, at_least: bool = False) -> None:
        super().__init__(
            f"The answer would be {'over ' if at_least else ''}{size} bytes; Lambda returns at "
            f"most {limit}. Send fewer or shorter texts, or leave sentences and explain off"
        )
        self.size = size
        self.limit = limit


class MethodNotAllowedError(DomainError):
    """The path exists but does not accept this HTTP method.

    Attributes:
        allowed: the methods the path accepts, for the ``Allow`` header.
    """

    code = "method_not_allowed"

    def __init__(self, allowed: tuple[str, ...]) -> None:
        super().__init__(f"Method not allowed; this path accepts {', '.join(allowed)}")
        self.allowed = allowed


class BodyTooLargeError(DomainError):
    """The request body is longer than any valid request can be.

    Attributes:
        length: the body's length in characters, as received (base64 or not).
        limit: the longest body accepted, in characters.
    """

    code = "body_too_large"

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"The request body is {length} characters long; the limit is {limit} characters"
        )
        self.length = length
        self.limit = limit


class UnsupportedMediaTypeError(DomainError):
    """The request body is declared as something other than JSON, or in a charset other than
    UTF-8 (the message then names UTF-8).

    Attributes:
        content_type: the request's Content-Type header, or None.
    """

    code = "unsupported_media_type"
    default_message = "The request body must be JSON (Content-Type: application/json)"

    def __init__(self, content_type: str | None = None, message: str | None = None) -> None:
        super().__init__(message)
        self.content_type = content_type


class InvalidBodyEncodingError(DomainError):
    """The body's bytes (base64-decoded) are not UTF-8."""

    code = "invalid_body_encoding"
    default_message = "The request body (base64-decoded) is not UTF-8"


class InvalidBase64Error(DomainError):
    """The body is flagged base64 (``isBase64Encoded``) but is not strict base64 (RFC 4648,
    section 4: the 64 letters, ``=`` padding to a multiple of 4 characters, nothing else)."""

    code = "invalid_base64"
    default_message = "The request body is flagged base64 but is not valid base64"


class InvalidJsonError(DomainError):
    """Not valid JSON: a request body, or a ``.jsonl`` line (which must be a JSON object). A
    request body nested deeper than the API reads is one too (the message says so)."""

    code = "invalid_json"
    default_message = "The request body is not valid JSON"


class DuplicateKeyError(InvalidJsonError):
    """A JSON object of the request body names one key twice. RFC 8259 (section 4) leaves
    the meaning to the parser, and parsers differ (first or last wins), so the API refuses it
    rather than guess.

    Attributes:
        key: the repeated key.
    """

    code = "duplicate_key"

    def __init__(self, key: str) -> None:
        super().__init__(f"The request body names the key {key!r} more than once")
        self.key = key


class NoBodyError(DomainError):
    """A route that needs a body got none, or a JSON null; the message says what to send."""

    code = "no_body"
    default_message = "No request body"


class InvalidRequestError(DomainError):
    """The body is JSON but not what the route's model accepts (or, with ``part="header"``, a
    request header is not what the route accepts).

    Attributes:
        details: one ``{"loc": [...], "type": str, "msg": str}`` per problem reported.
    """

    code = "validation_error"

    def __init__(
        self, summary: str, details: list[dict[str, object]], *, part: str = "body"
    ) -> None:
        super().__init__(f"Invalid request {part}: {summary}")
        self.details = details


class UnknownOperationError(DomainError):
    """A request to the Comprehend-compatible endpoint (``POST /``) whose ``X-Amz-Target``
    names no operation it serves: another Comprehend operation, another service's, or none.

    Attributes:
        target: the ``X-Amz-Target`` header as sent (at most 100 characters of it), or None.
    """

    code = "unknown_operation"

    def __init__(self, target: str | None, served: tuple[str, ...]) -> None:
        shown = "no X-Amz-Target header" if target is None else f"X-Amz-Target {target[:100]!r}"
        super().__init__(
            f"Unknown operation ({shown}). POST / speaks Amazon Comprehend's protocol and "
            f"serves {', '.join(served)}; the JSON API is POST /analyse (see GET /docs)"
        )
        self.target = None if target is None else target[:100]


class PathNotFoundError(DomainError):
    """No route has this path."""

    code = "not_found"
    default_message = "No such path; see GET /docs"


class ApiKeyRequiredError(DomainError):
    """The deployment requires an API key and the request carried none. The message is the
    one API Gateway gives a request without a key (template ``GatewayResponses``)."""

    code = "invalid_api_key"
    default_message = "Missing or invalid API key (x-api-key header)"


class InternalError(DomainError):
    """Anything unexpected: its traceback is logged, never returned."""


class EngineUnavailableError(DomainError):
    """An engine's artefacts cannot be loaded (missing, corrupt, or its packages absent); the
    other engines still answer.

    Attributes:
        engine: the engine's name.
    """

    code = "engine_unavailable"

    def __init__(self, engine: str) -> None:
        super().__init__(
            f"The {engine} engine cannot be loaded now; the other engines still answer. Retry "
            "later, or choose another engine"
        )
        self.engine = engine


# ---- jobs -------------------------------------------------------------------------------------


class JobNotFoundError(DomainError):
    """No job has this id, or the caller may not see it."""

    code = "job_not_found"
    default_message = "No job has this id"


class InvalidFilenameError(DomainError):
    """The file name is not a plain name with a supported extension."""

    code = "invalid_filename"


class UploadTooLargeError(DomainError):
    """A job's declared file size is over the deployment's cap.

    Attributes:
        size: the declared size, in bytes.
        limit: the cap that applied, in bytes.
        source: what sets that cap, for the message (e.g. ``"MAX_UPLOAD_BYTES"``).
    """

    code = "upload_too_large"

    def __init__(self, size: int, limit: int, source: str = "the deployment's cap") -> None:
        super().__init__(
            f"The file is {size} bytes; the limit is {limit} bytes ({source}). Split it"
        )
        self.size = size
        self.limit = limit
        self.source = source


class TooManyJobsError(DomainError):
    """The caller (its API key; every caller without one shares one count) has as many jobs
    in flight as a key may, so ``POST /jobs`` creates no other.

    Attributes:
        in_flight: the caller's jobs not finished yet (created, uploaded or running).
        limit: the most a key may have in flight (``MAX_JOBS_PER_KEY``).
        retry_after_s: when to try again, in seconds (the ``Retry-After`` of the answer).
    """

    code = "too_many_jobs"

    def __init__(self, in_flight: int, limit: int, retry_after_s: int) -> None:
        super().__init__(
            f"This key has {in_flight} jobs in flight; the limit is {limit}. Wait for one to "
            f"finish, then retry (in {retry_after_s} s or later)"
        )
        self.in_flight = in_flight
        self.limit = limit
        self.retry_after_s = retry_after_s


class JobNotCancellableError(DomainError):
    """``DELETE /jobs/{job_id}`` of a job that cannot be cancelled: it has ended, or it runs in
    one invocation, which nothing can stop (a job fanned out over several can be)."""

    code = "job_not_cancellable"


class FileRejectedError(DomainError):
    """A job's file cannot be analysed as a whole: the job ends ``FAILED`` with this ``code``
    and message as its ``code`` and ``reason``. Never an HTTP answer."""


class UnsupportedFormatError(FileRejectedError):
    """The file's extension is not ``.txt``, ``.csv`` or ``.jsonl``."""

    code = "unsupported_format"


class NotUtf8Error(FileRejectedError):
    """The file is not UTF-8."""

    code = "not_utf8"


class EmptyFileError(FileRejectedError):
    """A ``.csv`` without even a header row."""

    code = "empty_file"


class MissingTextColumnError(FileRejectedError):
    """A ``.csv`` whose header has no text column."""

    code = "missing_text_column"


class CsvLineTooLongError(FileRejectedError):
    """A ``.csv`` line over the longest line read: its records cannot be told apart without
    reading it, so the file fails (in a ``.txt`` or ``.jsonl`` only that document does)."""

    code = LineTooLongError.code


class MalformedCsvError(FileRejectedError):
    """A ``.csv`` that the CSV reader cannot parse."""

    code = "malformed_csv"


class InputMissingError(FileRejectedError):
    """The job's input object is not (or no longer) in the bucket."""

    code = "input_missing"
    default_message = "The input object no longer exists"


class FileTooLargeError(FileRejectedError):
    """The file is larger than one job can read before its function's timeout."""

    code = "file_too_large"


class JobTimedOutError(FileRejectedError):
    """The job ran out of time: it stopped itself, or it died at the function's timeout."""

    code = "timed_out"


class JobNotRunError(FileRejectedError):
    """The job never started: its event waited longer than Lambda keeps one."""

    code = "not_run"


class JobCrashedError(FileRejectedError):
    """An error the job could not handle (S3 failing, say); a retry may succeed."""

    code = InternalError.code


class RangesFailedError(FileRejectedError):
    """Byte ranges of a job fanned out failed every try: the job ends ``FAILED`` with which
    ones and why. A failure of the service's (a retry of the job may succeed), as
    :class:`JobCrashedError`."""

    code = InternalError.code


class IncompleteUploadError(FileRejectedError):
    """A job over several files whose upload URLs expired before every file was uploaded: it
    can never start."""

    code = "incomplete_upload"
