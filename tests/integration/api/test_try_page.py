"""GET /try, in process: the page, its headers, what the deployment fills in, and that the
function reads it only when asked. What the page does in a browser is test_try_browser.py's."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re

import pytest

from sentiment_api.api import tryit
from sentiment_api.engines import ENGINE_NAMES
from support import ROOT, FakeLambdaContext, api_event, call, run_python

MAX_PAGE_BYTES = 32 * 1024
"""A bound on the page as served, uncompressed: it is meant to stay small (about 19 KB)."""


def get_page(path="/try", *, stage_in_path=False):
    event = api_event("GET", path)
    event["requestContext"]["path"] = f"/prod{path}" if stage_in_path else path
    return call(event, FakeLambdaContext())


def test_the_page_is_html_with_a_policy_that_allows_only_its_own_script_and_style():
    status, headers, page = get_page()

    assert status == 200
    assert headers["content-type"] == ["text/html; charset=utf-8"]
    (policy,) = headers["content-security-policy"]
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'none'"
    for tag, directive in (("script", "script-src"), ("style", "style-src")):
        (block,) = re.findall(rf"<{tag}>(.*?)</{tag}>", page, flags=re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert directives[directive] == f"'sha256-{digest}'"  # that block, nothing else
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["x-content-type-options"] == ["nosniff"]
    assert headers["referrer-policy"] == ["no-referrer"]


def test_the_page_is_self_contained_and_small():
    _, _, page = get_page()

    # Nothing is loaded from anywhere: no script, style sheet, image or frame source but data:
    assert not re.search(r"<(script|img|iframe)[^>]+src=", page)
    assert not re.search(r"<link[^>]+stylesheet", page)
    assert re.findall(r'<link[^>]*href="([^"]*)"', page) == ["data:,"]
    assert "http://" not in page and "https://" not in page
    size = len(page.encode("utf-8"))
    assert size <= MAX_PAGE_BYTES, size
    assert len(gzip.compress(page.encode("utf-8"))) < size / 2
    # The docs give its size as served (the defaults: no prefix, textblob, 5,000)
    api_md = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    security_md = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert f"HTML page ({size:,} bytes;" in api_md
    assert f"`/try` from {size:,} to" in security_md
    assert f"/try 86,400 \u00d7 {size:,} B" in security_md


def test_the_script_never_writes_html():
    _, _, page = get_page()
    (script,) = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "setAttribute(\"on", "localStorage", "sessionStorage",
                 "document.cookie"):  # fmt: skip
        assert sink not in script, sink
    # It calls the API at the prefix the page names, POST /analyse, and nothing else
    assert re.findall(r"fetch\(([^,]+),", script) == ['api + "/analyse"']


def test_every_placeholder_is_filled():
    _, _, page = get_page()
    assert "{{" not in page and "}}" not in page


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_the_engine_menu_offers_every_engine_with_the_deployments_selected(engine, deployment):
    deployment(ENGINE=engine)
    _, _, page = get_page()

    options = re.findall(r'<option value="(\w+)"( selected)?>([^<]*)</option>', page)
    assert [value for value, _, _ in options] == list(ENGINE_NAMES)
    assert [value for value, selected, _ in options if selected] == [engine]
    assert next(text for value, _, text in options if value == engine).endswith("(default)")
    assert set(tryit.ENGINE_SUMMARIES) == set(ENGINE_NAMES)


def test_the_deployments_limits_are_shown(deployment):
    deployment(MAX_TEXT_LENGTH="1234", NEUTRAL_THRESHOLD="0.05")
    _, _, page = get_page()
    assert 'data-max-length="1234"' in page
    assert "empty: the deployment&#x27;s 0.05" in page


def test_the_page_calls_the_api_under_the_prefix_it_was_served_from():
    _, _, local = get_page()
    _, _, staged = get_page(stage_in_path=True)
    assert 'data-api=""' in local
    assert 'data-api="/prod"' in staged
    assert '<a href="/prod/docs">' in staged


def test_what_is_filled_in_is_escaped():
    tryit.page.cache_clear()
    page = tryit.page('/x"><script>alert(1)</script>', "model", 5000, None)
    assert "<script>alert(1)" not in page
    assert 'data-api="/x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    tryit.page.cache_clear()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "HEAD"])
def test_other_methods_are_405_with_allow_get(method):
    status, headers, body = call(api_event(method, "/try"), FakeLambdaContext())
    assert (status, body["code"]) == (405, "method_not_allowed")
    assert headers["allow"] == ["GET"]


def test_the_page_is_read_on_first_request_not_at_import():
    # A fresh interpreter: importing the entry point and the resolver reads no page; the first
    # GET /try reads it, the second reuses it
    code = """
import json
from sentiment_api.handlers import api
from sentiment_api.api import app, tryit
from support import api_event, FakeLambdaContext
before = tryit.page_template.cache_info().currsize
api.lambda_handler(api_event("GET", "/try"), FakeLambdaContext())
api.lambda_handler(api_event("GET", "/try"), FakeLambdaContext())
info = tryit.page_template.cache_info()
print(json.dumps([before, info.currsize, info.misses]))
"""
    out = run_python(code, PYTHONPATH=f"{ROOT / 'src'}:{ROOT / 'tests'}:{ROOT}")
    assert json.loads(out.splitlines()[-1]) == [0, 1, 1]  # not read at import, then read once
