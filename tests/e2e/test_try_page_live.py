"""The try-it page in a real browser against the built image: headless Chromium (Debian's)
against ``sam local start-api``, as the docs page's test does; the same checks as
tests/integration/api/test_try_browser.py makes in process, on what the container answers.

The page is opened, a text typed, the engine chosen and the form sent with the keyboard alone;
the label, the sentences and a coloured word's figure are read from the DOM and compared with
what ``POST /analyse`` answers for the same request; an error is shown from the answer's own
``error``; text inserted as text. The browser resolves no host name but 127.0.0.1, so the page
works only if it needs nothing from anywhere else. A screenshot is saved to
``test-artifacts/try-page-sam-local.png`` (the README's is taken by the in-process test).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from selenium.webdriver.common.by import By

from browser_support import (
    MIXED,
    analyse_with_keys,
    assert_contrast,
    console_errors,
    figure,
    open_page,
    shown_text,
)
from support import ROOT

ARTIFACTS = ROOT / "test-artifacts"
FRENCH = "Le service était vraiment excellent et le personnel très aimable avec nous."

pytestmark = pytest.mark.browser


def answer(local_api: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """``POST /analyse`` of ``request``: the status and the JSON answer."""
    response = requests.post(local_api + "/analyse", json=request, timeout=120)
    body: dict[str, Any] = response.json()
    return response.status_code, body


def test_the_page_is_served_with_its_policy(local_api):
    response = requests.get(local_api + "/try", timeout=120)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "connect-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'data-api=""' in response.text  # sam local: no stage prefix


def test_keyboard_only_use_shows_what_the_api_answers(local_api, browser):
    open_page(browser, local_api + "/try")
    analyse_with_keys(browser, MIXED, "encoder", timeout_s=120)  # may meet a cold container
    status, expected = answer(
        local_api, {"text": MIXED, "engine": "encoder", "sentences": True, "explain": True}
    )
    assert status == 200

    assert browser.find_element(By.ID, "label").text == expected["sentiment"]
    assert figure(browser.find_element(By.ID, "score")) == expected["sentiment_score"]
    assert shown_text(browser) == MIXED
    sentences = browser.find_elements(By.CSS_SELECTOR, "#text-view .sentence")
    assert [s.get_attribute("class") for s in sentences] == [
        f"sentence {s['sentiment']}" for s in expected["sentences"]
    ]
    words = browser.find_elements(By.CSS_SELECTOR, "#text-view .word[tabindex='0']")
    effects = sorted(expected["effects"], key=lambda e: e["offset"])
    assert [(w.text, figure(w)) for w in words] == [(e["word"], e["effect"]) for e in effects]
    assert_contrast(browser)
    assert console_errors(browser) == []
    ARTIFACTS.mkdir(exist_ok=True)
    browser.find_element(By.TAG_NAME, "main").screenshot(str(ARTIFACTS / "try-page-sam-local.png"))


def test_an_error_is_shown_from_the_apis_error_field(local_api, browser):
    request = {"text": FRENCH, "engine": "model", "sentences": True, "explain": True}
    status, expected = answer(local_api, request)
    assert (status, expected["code"]) == (422, "unsupported_language")

    open_page(browser, local_api + "/try")
    analyse_with_keys(browser, FRENCH, "model", timeout_s=120)

    error = browser.find_element(By.ID, "error")
    assert error.text == f"HTTP 422 unsupported_language: {expected['error']}"


def test_html_in_the_text_runs_nothing(local_api, browser):
    text = 'I loved this phone <img src=x onerror="window.pwned = 1"> and its screen is great.'
    open_page(browser, local_api + "/try")
    analyse_with_keys(browser, text, "textblob", timeout_s=120)
    assert shown_text(browser) == text
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    assert browser.execute_script("return window.pwned === undefined")
    assert json.dumps(console_errors(browser)) == "[]"
