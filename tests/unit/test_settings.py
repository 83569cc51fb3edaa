"""Settings parsed from the environment."""

import pytest
from pydantic import ValidationError

from sentiment_api.settings import DEFAULT_MAX_TEXT_LENGTH, Settings


def test_defaults_when_unset():
    assert Settings.from_env({}).max_text_length == DEFAULT_MAX_TEXT_LENGTH == 5000


def test_reads_max_text_length():
    assert Settings.from_env({"MAX_TEXT_LENGTH": "120"}).max_text_length == 120


@pytest.mark.parametrize("value", ["0", "-5", "abc", "2.5", "99999999"])
def test_rejects_invalid_max_text_length(value):
    with pytest.raises(ValidationError):
        Settings.from_env({"MAX_TEXT_LENGTH": value})
