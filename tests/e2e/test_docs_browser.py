"""The docs page in a real browser: headless Chromium (Debian's) against `sam local start-api`.

Opens ``/docs``, uses "Try it out" on ``POST /analyse`` with the example body, and checks the
rendered response: a 200 with a sentiment. The browser resolves no host name but 127.0.0.1,
so the page works only if it needs no CDN. A screenshot of the result is saved to
``test-artifacts/docs-try-it-out.png``. The ``browser`` fixture is in ``conftest.py``.
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from support import ROOT

ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.browser


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
