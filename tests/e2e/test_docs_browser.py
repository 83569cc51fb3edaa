"""The docs page in a real browser: headless Chromium (Debian's) against `sam local start-api`.

Opens ``/docs``, uses "Try it out" on ``POST /analyse`` with the example body, and checks the
rendered response: a 200 with a sentiment. The browser resolves no host name but 127.0.0.1,
so the page works only if it needs no CDN. A screenshot of the result is saved to
``test-artifacts/docs-try-it-out.png``.
"""

import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from support import ROOT

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--window-size=1280,2000",
    # Offline: every host name but the loopback address fails to resolve (no CDN fallback).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


@pytest.fixture
def browser():
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        pytest.fail("Chromium is missing: run `make browser` (make test does it first)")
    with tempfile.TemporaryDirectory() as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
        driver.set_page_load_timeout(120)
        try:
            yield driver
        finally:
            driver.quit()


def test_try_it_out_on_analyse_shows_a_sentiment(local_api, browser):
    wait = WebDriverWait(browser, 90)
    browser.get(local_api + "/docs")

    # The POST /analyse operation, expanded
    operation = wait.until(
        ready.presence_of_element_located(
            (By.XPATH, "//div[contains(@class,'opblock-post')][.//*[@data-path='/analyse']]")
        )
    )
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait.until(lambda _: operation.find_elements(By.CSS_SELECTOR, "button.try-out__btn"))
    operation.find_element(By.CSS_SELECTOR, "button.try-out__btn").click()
    execute = wait.until(lambda _: operation.find_element(By.CSS_SELECTOR, "button.execute"))
    execute.click()

    # The live response: status 200 and a body with a sentiment
    status = wait.until(
        lambda _: operation.find_element(
            By.CSS_SELECTOR, ".live-responses-table .response .response-col_status"
        )
    )
    body = wait.until(
        lambda _: operation.find_element(
            By.CSS_SELECTOR, ".live-responses-table .response-col_description pre"
        )
    )
    browser.execute_script("arguments[0].scrollIntoView();", status)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "docs-try-it-out.png"))
    assert status.text.strip().startswith("200")
    assert '"sentiment": "positive"' in body.text or '"sentiment":"positive"' in body.text
    assert '"sentiment_score"' in body.text
