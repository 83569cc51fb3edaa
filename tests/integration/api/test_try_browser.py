"""The try-it page (``GET /try``) in a real browser: headless Chromium (Debian's, as the docs
page's test uses: ``make browser``) against an in-process HTTP server on 127.0.0.1 that answers
through the real Lambda handler (:func:`support.wsgi_app`). No Docker: the same test against
``sam local start-api`` and the built image is ``tests/e2e/test_try_page_live.py``.

Keyboard only: the text is typed, the engine chosen and the form sent with keys, and a word's
figure is read where focus puts it. What the page shows is compared with what the API answers
for the same request. Text goes in as text (an ``<img onerror>`` in it runs nothing); every
error is shown from the answer's own ``error``; text colours meet WCAG AA contrast; and the
page runs under its Content-Security-Policy with no console error.

API keys and quotas are API Gateway's, not the function's: a stand-in answers a request that
carries the key ``wrong-key`` or ``spent-key`` with the template's own gateway response
(``INVALID_API_KEY``, 403; ``QUOTA_EXCEEDED``, 429), which is what the page must show then.

The screenshot at the top of the README, ``docs/img/try-page.png``, is taken here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from tools.sam_transform import load_template

from browser_support import (
    MIXED,
    active_id,
    analyse_with_keys,
    assert_contrast,
    console_errors,
    figure,
    open_page,
    press,
    shown_text,
)
from sentiment_api.handlers import api
from support import ROOT, api_event, call, serve_wsgi, served, wsgi_app

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "img" / "try-page.png"
"""The README's picture of the page, written by :func:`test_keyboard_only_use_shows_...`."""
FRENCH = "Le service était vraiment excellent et le personnel très aimable avec nous."
STAND_IN_KEYS = {"wrong-key": "INVALID_API_KEY", "spent-key": "QUOTA_EXCEEDED"}
"""Keys the stand-in for API Gateway refuses, and the gateway response each gets."""


def gateway_stand_in(app: Callable[..., Any]) -> Callable[..., Any]:
    """``app`` behind a stand-in for API Gateway's key check: a request with one of
    :data:`STAND_IN_KEYS` gets that gateway response of template.yaml (status, JSON body)."""
    responses = load_template()["Resources"]["SentimentApi"]["Properties"]["GatewayResponses"]

    def stand_in(environ, start_response):
        refused = STAND_IN_KEYS.get(environ.get("HTTP_X_API_KEY", ""))
        if refused is None:
            return app(environ, start_response)
        response = responses[refused]
        body = response["ResponseTemplates"]["application/json"].encode()
        start_response(f"{response['StatusCode']} Refused", [("Content-Type", "application/json")])
        return [body]

    return stand_in


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve_wsgi(gateway_stand_in(wsgi_app(api.lambda_handler))) as url:
        yield url


@pytest.fixture(scope="module")
def stage_site() -> Iterator[str]:
    """The API as a deployed stage's URL serves it: every path under /prod."""
    with serve_wsgi(wsgi_app(api.lambda_handler, stage="prod")) as url:
        yield url


# ---- what the page shows ----------------------------------------------------------------------


def test_keyboard_only_use_shows_the_label_sentences_and_coloured_words(browser, site):
    open_page(browser, site + "/try")
    analyse_with_keys(browser, MIXED, "encoder")
    expected = served(MIXED, engine="encoder", sentences=True, explain=True)

    # The label and score, the probabilities
    assert browser.find_element(By.ID, "label").text == expected["sentiment"]
    assert figure(browser.find_element(By.ID, "score")) == expected["sentiment_score"]
    bars = browser.find_elements(By.CSS_SELECTOR, "#bars .figure")
    assert [figure(bar) for bar in bars] == [
        expected["probabilities"][name] for name in ("positive", "neutral", "negative")
    ]
    # Each sentence underlined by its own label, the text unchanged
    sentences = browser.find_elements(By.CSS_SELECTOR, "#text-view .sentence")
    assert [(s.get_attribute("class"), s.text) for s in sentences] == [
        (f"sentence {s['sentiment']}", s["text"]) for s in expected["sentences"]
    ]
    assert shown_text(browser) == MIXED
    # Each word at its offsets, coloured by its effect, its exact figure on it
    words = browser.find_elements(By.CSS_SELECTOR, "#text-view .word[tabindex='0']")
    by_offset = sorted(expected["effects"], key=lambda e: e["offset"])
    assert [(w.text, figure(w)) for w in words] == [(e["word"], e["effect"]) for e in by_offset]
    strongest = max(expected["effects"], key=lambda e: abs(e["effect"]))
    word = next(w for w in words if figure(w) == strongest["effect"])
    assert word.value_of_css_property("background-color") in (
        "rgba(102, 163, 224, 1)",  # the positive end of the scale
        "rgba(240, 150, 70, 1)",  # the negative end
    )
    # The sign is shown beside each coloured word, not only its colour
    sign = browser.execute_script("return getComputedStyle(arguments[0], '::after').content", word)
    assert sign == ('"+"' if strongest["effect"] > 0 else '"\u2212"')

    # Keyboard: the answer takes the focus; Tab reaches the first word, whose figure then shows
    assert active_id(browser) == "result-title"
    press(browser, Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused == words[0]
    tooltip = browser.execute_script(
        "return getComputedStyle(arguments[0], '::before').content", focused
    )
    assert tooltip == json.dumps(focused.get_attribute("data-figure"))
    assert focused.get_attribute("aria-label") == (
        f"{by_offset[0]['word']}: effect {focused.get_attribute('data-figure')}"
    )

    assert_contrast(browser)
    assert console_errors(browser) == []  # the script ran under the page's CSP, without error

    # The README's picture: the strongest word focused, its figure showing
    browser.execute_script("arguments[0].focus()", word)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.find_element(By.TAG_NAME, "main").screenshot(str(SCREENSHOT))


@pytest.mark.parametrize(
    ("engine", "field", "text_of", "value_of"),
    [
        ("textblob", "assessments", lambda a: " ".join(a["words"]), lambda a: a["polarity"]),
        ("model", "contributions", lambda c: c["ngram"], lambda c: c["contribution"]),
    ],
)
def test_lexicon_engines_list_their_evidence_beside_the_text(
    browser, site, engine, field, text_of, value_of
):
    open_page(browser, site + "/try")
    analyse_with_keys(browser, MIXED, engine)
    expected = served(MIXED, engine=engine, sentences=True, explain=True)

    assert browser.find_element(By.ID, "label").text == expected["sentiment"]
    chips = browser.find_elements(By.CSS_SELECTOR, "#chips .chip")
    assert [(c.find_element(By.CLASS_NAME, "chip-text").text, figure(c)) for c in chips] == [
        (text_of(item), value_of(item)) for item in expected[field]
    ]
    # coloured, with the sign and figure written on each
    for chip, item in zip(chips, expected[field], strict=True):
        shown = chip.find_element(By.CLASS_NAME, "figure").text
        assert shown == ("+" if value_of(item) > 0 else "\u2212") + f"{abs(value_of(item)):.3f}"
        assert chip.value_of_css_property("background-color") != "rgba(255, 255, 255, 1)"
    # No position is guessed: the text itself marks sentences, not words
    assert not browser.find_elements(By.CSS_SELECTOR, "#text-view .word")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#text-view .sentence")) == 2
    assert_contrast(browser)
    assert console_errors(browser) == []


def test_html_in_the_text_is_shown_as_text_and_runs_nothing(browser, site):
    text = (
        'I loved this phone <img src=x onerror="window.pwned = 1"> and the '
        "<script>window.pwned = 2</script> screen is great."
    )
    open_page(browser, site + "/try")
    title = browser.title
    analyse_with_keys(browser, text, "encoder")

    assert browser.find_element(By.ID, "error").is_displayed() is False
    assert shown_text(browser) == text  # every character shown, as characters
    injected = browser.execute_script("return document.querySelectorAll('img, main script')")
    assert injected == []
    assert browser.execute_script("return window.pwned === undefined")
    assert browser.title == title
    sentences = browser.find_elements(By.CSS_SELECTOR, "#sentences q")
    assert "".join(s.text for s in sentences).count("<img src=x") == 1
    assert console_errors(browser) == []  # nothing even tried to run and was blocked


def expected_error(body: str) -> str:
    """What the page must show for the function's answer to ``POST /analyse`` with ``body``."""
    from support import FakeLambdaContext

    status, _, answer = call(api_event("POST", "/analyse", body), FakeLambdaContext())
    return f"HTTP {status} {answer['code']}: {answer['error']}"


@pytest.mark.parametrize("case", ["413", "422", "403", "429"])
def test_errors_are_shown_in_words_from_the_apis_error_field(browser, site, deployment, case):
    deployment(MAX_TEXT_LENGTH="100")
    text, key = {"413": (MIXED + " " + MIXED, ""), "422": (FRENCH, ""),
                 "403": (MIXED, "wrong-key"), "429": (MIXED, "spent-key")}[case]  # fmt: skip
    if key:
        gateway = load_template()["Resources"]["SentimentApi"]["Properties"]["GatewayResponses"]
        response = gateway[STAND_IN_KEYS[key]]
        answer = json.loads(response["ResponseTemplates"]["application/json"])
        expected = f"HTTP {response['StatusCode']} {answer['code']}: {answer['error']}"
    else:
        request = {"text": text, "engine": "model", "sentences": True, "explain": True}
        expected = expected_error(json.dumps(request))
    assert expected.startswith(f"HTTP {case} ")

    open_page(browser, site + "/try")
    analyse_with_keys(browser, text, "model", key=key)

    error = browser.find_element(By.ID, "error")
    assert error.is_displayed() and error.get_attribute("role") == "alert"
    assert error.text == expected
    assert browser.find_element(By.ID, "result").is_displayed() is False
    assert_contrast(browser)


def test_the_english_box_skips_the_language_check(browser, site):
    open_page(browser, site + "/try")
    analyse_with_keys(browser, FRENCH, "model", english=True)
    expected = served(FRENCH, engine="model", sentences=True, explain=True, language="en")
    assert browser.find_element(By.ID, "error").is_displayed() is False
    assert browser.find_element(By.ID, "label").text == expected["sentiment"]
    assert "language en" in browser.find_element(By.ID, "meta").text


def test_a_band_out_of_range_is_explained_before_any_request(browser, site):
    open_page(browser, site + "/try")
    analyse_with_keys(browser, MIXED, "model", band="2")
    assert browser.find_element(By.ID, "error").text == (
        "Neutral band: a number from 0 to 1, or empty."
    )
    assert active_id(browser) == "band"


def test_the_neutral_band_is_sent(browser, site):
    open_page(browser, site + "/try")
    analyse_with_keys(browser, MIXED, "model", band="0.5")
    expected = served(MIXED, engine="model", sentences=True, explain=True, neutral_threshold=0.5)
    assert browser.find_element(By.ID, "label").text == expected["sentiment"] == "neutral"
    assert "neutral band \u00b10.5" in browser.find_element(By.ID, "meta").text


def test_under_a_stage_the_page_calls_the_api_under_the_stage(browser, stage_site):
    # The stand-in serves nothing outside /prod: a page that called /analyse would get a 404
    open_page(browser, stage_site + "/prod/try")
    analyse_with_keys(browser, "I love it.", "textblob")
    assert browser.find_element(By.ID, "error").is_displayed() is False
    assert browser.find_element(By.ID, "label").text == "positive"
    link = browser.find_element(By.LINK_TEXT, "/prod/docs")
    assert link.get_attribute("href") == stage_site + "/prod/docs"
