"""Driving the try-it page (``GET /try``) in headless Chromium, as a person would with the
keyboard, and the accessibility checks made on it: shared by tests/integration/api/
test_try_browser.py (an in-process server) and tests/e2e/test_try_page_live.py (``sam local
start-api``)."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

MIXED = "The food was great. The service was not good at all!"
"""A text whose two sentences disagree (docs/api.md's example)."""

CONTRAST = """
// WCAG 2.1 contrast (success criterion 1.4.3, AA): every element that holds visible text,
// its colour against the colour behind it (its own or its nearest ancestor's opaque
// background), at least 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold).
const channel = (c) => {
  c /= 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
const rgba = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
function background(node) {
  for (; node && node.nodeType === 1; node = node.parentElement) {
    const c = rgba(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
  }
  return [255, 255, 255];
}
const failures = [];
let checked = 0;
for (const node of document.querySelectorAll("main *")) {
  const own = Array.from(node.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
  const style = getComputedStyle(node);
  if (!own || !node.getClientRects().length || style.visibility === "hidden") continue;
  const fg = rgba(style.color).slice(0, 3), bg = background(node);
  const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
  const ratio = (hi + 0.05) / (lo + 0.05);
  const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
  const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  checked++;
  if (ratio < needed) {
    failures.push([node.tagName, node.className, node.textContent.slice(0, 30), ratio]);
  }
}
return [checked, failures];
"""


def open_page(browser, url: str) -> None:
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "count").text)


def active_id(browser) -> str:
    return str(browser.switch_to.active_element.get_attribute("id") or "")


def press(browser, *keys: str) -> None:
    ActionChains(browser).send_keys(*keys).perform()


def tab_to(browser, element_id: str, limit: int = 12) -> None:
    """Press Tab until ``element_id`` has the focus (fails after ``limit`` presses)."""
    for _ in range(limit):
        if active_id(browser) == element_id:
            return
        press(browser, Keys.TAB)
    assert active_id(browser) == element_id


def analyse_with_keys(
    browser,
    text: str,
    engine: str,
    *,
    band: str = "",
    key: str = "",
    english: bool = False,
    timeout_s: float = 60,
) -> None:
    """Fill the form and send it with the keyboard alone: Tab from the top of the page to the
    text box, type; Tab to the engine menu, type the engine's first letter; Tab through the
    band and key fields, typing into them, and to the "English" box, Space to tick it; Tab to
    the button, Enter; wait up to ``timeout_s`` for the answer or an error."""
    press(browser, Keys.ESCAPE)
    tab_to(browser, "text")
    box = browser.switch_to.active_element
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys(text)
    tab_to(browser, "engine")
    press(browser, engine[0])
    assert browser.find_element(By.ID, "engine").get_attribute("value") == engine
    tab_to(browser, "band")
    if band:
        press(browser, band)
    tab_to(browser, "key")
    if key:
        press(browser, key)
    if english:
        tab_to(browser, "english")
        press(browser, Keys.SPACE)
        assert browser.find_element(By.ID, "english").is_selected()
    tab_to(browser, "submit")
    press(browser, Keys.ENTER)
    WebDriverWait(browser, timeout_s).until(
        lambda b: (
            b.find_element(By.ID, "status").text.startswith("Answered")
            or b.find_element(By.ID, "error").is_displayed()
        )
    )


def figure(element) -> float:
    return float(element.get_attribute("data-figure"))


def console_errors(browser) -> list[dict[str, Any]]:
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def assert_contrast(browser) -> None:
    checked, failures = browser.execute_script(CONTRAST)
    assert checked > 10  # the check saw the page's text
    assert failures == []


def shown_text(browser) -> str:
    """The analysed text as the page shows it: the text view without the sentence badges."""
    return str(
        browser.execute_script(
            "const view = document.getElementById('text-view').cloneNode(true);"
            "view.querySelectorAll('.badge').forEach((b) => b.remove());"
            "return view.textContent;"
        )
    )
