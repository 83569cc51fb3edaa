"""Settings parsed from the environment."""

import pytest

from sentiment_api.settings import DEFAULT_MAX_TEXT_LENGTH, Settings
from support import ROOT


def test_defaults_when_unset():
    assert Settings.from_env({}).max_text_length == DEFAULT_MAX_TEXT_LENGTH == 5000


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
    assert "81,369" in (ROOT / "README.md").read_text()


def test_accepts_the_whole_range():
    assert Settings.from_env({"MAX_TEXT_LENGTH": "1"}).max_text_length == 1
    assert Settings.from_env({"MAX_TEXT_LENGTH": "50000"}).max_text_length == 50_000
