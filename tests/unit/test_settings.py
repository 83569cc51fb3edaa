"""Settings parsed from the environment."""

import pytest

from sentiment_api.settings import DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_TEXT_LENGTH, Settings
from support import ROOT


def test_defaults_when_unset():
    settings = Settings.from_env({})
    assert settings.max_text_length == DEFAULT_MAX_TEXT_LENGTH == 5000
    assert settings.max_batch_size == DEFAULT_MAX_BATCH_SIZE == 25
    assert settings.neutral_threshold is None  # each engine's own rule
    assert settings.language_check is True


def test_reads_max_text_length():
    assert Settings.from_env({"MAX_TEXT_LENGTH": "120"}).max_text_length == 120


@pytest.mark.parametrize("value", ["0", "-5", "abc", "2.5", "99999999", "50001", "1e3"])
def test_rejects_invalid_max_text_length(value):
    with pytest.raises(ValueError, match="MAX_TEXT_LENGTH"):
        Settings.from_env({"MAX_TEXT_LENGTH": value})


def test_body_limit_fits_the_costliest_text_and_is_the_readmes_figure():
    settings = Settings()
    worst_json = len('{"text": ""}') + 12 * settings.max_text_length  # surrogate-pair escapes
    assert settings.max_body_length >= -(-worst_json * 4 // 3)  # base64 of it
    assert settings.max_body_length == 81_369
    assert "81,369" in (ROOT / "docs" / "api.md").read_text()


def test_accepts_the_whole_range():
    assert Settings.from_env({"MAX_TEXT_LENGTH": "1"}).max_text_length == 1
    largest = Settings.from_env({"MAX_TEXT_LENGTH": "50000", "MAX_BATCH_SIZE": "1"})
    assert largest.max_text_length == 50_000


def test_reads_batch_size_and_threshold():
    settings = Settings.from_env({"MAX_BATCH_SIZE": "100", "NEUTRAL_THRESHOLD": "0.05"})
    assert (settings.max_batch_size, settings.neutral_threshold) == (100, 0.05)
    assert Settings.from_env({"NEUTRAL_THRESHOLD": "1"}).neutral_threshold == 1.0


@pytest.mark.parametrize("value", ["0", "101", "x", "2.5"])
def test_rejects_invalid_batch_size(value):
    with pytest.raises(ValueError, match="MAX_BATCH_SIZE"):
        Settings.from_env({"MAX_BATCH_SIZE": value})


@pytest.mark.parametrize("value", ["-0.1", "1.5", "nan", "inf", "abc"])
def test_rejects_invalid_neutral_threshold(value):
    with pytest.raises(ValueError, match="NEUTRAL_THRESHOLD"):
        Settings.from_env({"NEUTRAL_THRESHOLD": value})


def test_batch_body_limit_fits_the_costliest_batch():
    settings = Settings()
    texts = ", ".join(['"' + "\\ud83d\\ude00" * settings.max_text_length + '"'] * 25)
    worst_json = len(f'{{"texts": [{texts}], "sentences": false, "explain": false}}')
    assert settings.max_batch_body_length >= -(-worst_json * 4 // 3)
    assert settings.max_batch_body_length < 6 * 1024 * 1024  # Lambda's synchronous payload cap


@pytest.mark.parametrize(
    ("batch", "length", "allowed"),
    [("100", "5000", True), ("25", "10000", True), ("1", "50000", True), ("2", "50000", False),
     ("26", "10000", False)],
)  # fmt: skip
def test_batch_size_times_length_squared_is_bounded(batch, length, allowed):
    environ = {"MAX_BATCH_SIZE": batch, "MAX_TEXT_LENGTH": length}
    if allowed:
        assert Settings.from_env(environ).max_batch_size == int(batch)
    else:
        with pytest.raises(ValueError, match="MAX_BATCH_SIZE x MAX_TEXT_LENGTH"):
            Settings.from_env(environ)


def test_threshold_is_kept_as_a_float():
    assert type(Settings(neutral_threshold=1).neutral_threshold) is float


def test_engine_defaults_to_textblob_and_reads_env_engine():
    assert Settings.from_env({}).engine == "textblob"
    assert Settings.from_env({"ENGINE": "model"}).engine == "model"
    assert Settings.from_env({"ENGINE": "textblob"}).engine == "textblob"


@pytest.mark.parametrize("value", ["Model", "vader", " model", "textblob,model"])
def test_rejects_an_unknown_engine(value):
    with pytest.raises(ValueError, match="ENGINE must be one of textblob, model"):
        Settings.from_env({"ENGINE": value})


@pytest.mark.parametrize(("value", "checked"), [("refuse", True), ("off", False), ("", True)])
def test_language_check_is_refuse_or_off(value, checked):
    assert Settings.from_env({"LANGUAGE_CHECK": value}).language_check is checked


@pytest.mark.parametrize("value", ["on", "OFF", "false", "refuse,off"])
def test_rejects_another_language_check(value):
    with pytest.raises(ValueError, match="LANGUAGE_CHECK must be refuse or off"):
        Settings.from_env({"LANGUAGE_CHECK": value})


def test_an_empty_neutral_threshold_is_each_engines_own_rule():
    assert Settings.from_env({"NEUTRAL_THRESHOLD": ""}).neutral_threshold is None
    assert Settings.from_env({"NEUTRAL_THRESHOLD": "0"}).neutral_threshold == 0.0
