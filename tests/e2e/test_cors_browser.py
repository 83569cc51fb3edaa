"""CORS in a real browser: a page served from another origin calls the API with ``fetch``.

The page comes from a tiny ``http.server`` on 127.0.0.1 (its own port: another origin than
``sam local start-api``'s), and headless Chromium runs its ``fetch`` of ``POST /analyse`` with a
JSON body, which the browser precedes with a preflight ``OPTIONS``. With ``CorsAllowOrigin``
naming the page's origin the call succeeds (an error answer is readable too); with CORS off, or
from an origin that is not the allowed one, the browser refuses it: ``TypeError: Failed to
fetch``. Under ``sam local`` the preflight reaches the function (``cors.preflight_response``):
SAM CLI adds no CORS header of its own with this template (test_template_security checks).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from support import free_port

pytestmark = pytest.mark.browser

PAGE = b"<!doctype html><title>another origin</title><p>CORS test page</p>"

FETCH = """
const [url, body, done] = arguments;
fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body})
  .then(async (r) => done({ok: true, status: r.status, body: await r.json()}))
  .catch((e) => done({ok: false, error: String(e)}));
"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):  # quiet: the test's output is the assertions
        pass


@contextmanager
def page_server() -> Iterator[str]:
    """Serve PAGE on 127.0.0.1 at a free port; yields its origin, ``http://127.0.0.1:port``."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    with page_server() as origin:
        yield origin


@pytest.fixture(scope="module")
def cors_api(start_local_api, page_origin) -> str:
    """``sam local start-api`` with CorsAllowOrigin set to the page's origin."""
    url: str = start_local_api(CorsAllowOrigin=page_origin)
    return url


def fetch_from(browser, origin: str, url: str, body: str) -> dict[str, Any]:
    browser.set_script_timeout(120)  # the first call may meet a cold container
    browser.get(origin + "/")
    result: dict[str, Any] = browser.execute_async_script(FETCH, url, body)
    return result


def test_a_page_of_the_allowed_origin_can_call_the_api(browser, page_origin, cors_api):
    result = fetch_from(browser, page_origin, cors_api + "/analyse", '{"text": "I love it"}')
    assert result["ok"], result
    assert result["status"] == 200
    assert result["body"]["sentiment"] == "positive"


def test_the_allowed_page_can_read_an_error_answer_too(browser, page_origin, cors_api):
    result = fetch_from(browser, page_origin, cors_api + "/analyse", "not json")
    assert result["ok"], result
    assert result["status"] == 400
    assert set(result["body"]) >= {"error", "code"}


def test_a_page_of_another_origin_is_refused(browser, cors_api):
    with page_server() as other_origin:
        result = fetch_from(browser, other_origin, cors_api + "/analyse", '{"text": "x"}')
    assert not result["ok"]
    assert result["error"] == "TypeError: Failed to fetch"


def test_with_cors_off_the_browser_refuses_the_call(browser, page_origin, local_api):
    # local_api runs the template's defaults: CorsAllowOrigin is empty
    result = fetch_from(browser, page_origin, local_api + "/analyse", '{"text": "I love it"}')
    assert not result["ok"]
    assert result["error"] == "TypeError: Failed to fetch"
