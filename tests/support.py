"""Helpers shared by the tests: paths, event fixtures, a fake Lambda context."""

from __future__ import annotations

import base64
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.processes import free_port as free_port
from tools.processes import stop as stop
from tools.processes import wait_for_http as wait_for_http

if TYPE_CHECKING:
    from schemathesis.checks import CheckFunction
    from selenium.webdriver.remote.webdriver import WebDriver

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
DATA = ROOT.parent / "shared" / "data" / "sentiment-labelled-sentences"
SAM = str(ROOT / ".venv" / "bin" / "sam")
BUILT_TEMPLATE = ROOT / ".aws-sam" / "build" / "template.yaml"
SAM_ENV = {**os.environ, "SAM_CLI_TELEMETRY": "0"}


# The status each fixture in events/ must produce; test_api_handler checks every file is listed.
EXPECTED_STATUS = {
    "analyse_bad_option.json": 422,
    "analyse_base64_body.json": 200,
    "analyse_batch.json": 200,
    "analyse_batch_too_many.json": 413,
    "analyse_empty_text.json": 400,
    "analyse_form_body.json": 415,
    "analyse_invalid_json.json": 400,
    "analyse_missing_text.json": 400,
    "analyse_model.json": 200,
    "analyse_encoder.json": 200,
    "analyse_not_english.json": 422,
    "analyse_negative.json": 200,
    "analyse_neutral.json": 200,
    "analyse_positive.json": 200,
    "analyse_sentences_explain.json": 200,
    "analyse_too_long.json": 413,
    "analyse_wrong_method.json": 405,
    "analyse_wrong_type.json": 422,
    "comprehend_detect_sentiment.json": 200,  # POST /, Amazon Comprehend's protocol
    "docs.json": 200,
    "health.json": 200,
    "openapi.json": 200,
    "try.json": 200,
    "unknown_path.json": 404,
}

# The fixtures of the two job functions: not the API function's, so not in EXPECTED_STATUS (a
# check that every file in events/ is listed must count these too).
# SentimentJobFunction: S3 ObjectCreated events (`sam local generate-event s3 put`), each naming
# a key under input/ in LOCAL_JOB_BUCKET; the end-to-end tests upload that file first.
S3_EVENTS = ("s3_put_csv.json", "s3_put_jsonl.json", "s3_put_txt.json")
LOCAL_JOB_BUCKET = "sentiment-jobs-local"
# JobsFunction: API Gateway proxy events, and the status each must produce.
JOBS_EXPECTED_STATUS = {
    "jobs_create.json": 201,
    "jobs_create_bad_filename.json": 400,
    "jobs_create_too_large.json": 413,
    "jobs_get_unknown.json": 404,
}


def load_event(name: str) -> dict[str, Any]:
    """The API Gateway proxy event in ``events/<name>``."""
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event


def api_event(
    method: str = "POST",
    path: str = "/analyse",
    body: str | bytes | None = None,
    *,
    headers: dict[str, str] | None = None,
    base64_encoded: bool = False,
) -> dict[str, Any]:
    """A proxy event shaped like ``events/analyse_positive.json``, with the given request.

    ``headers`` replace the fixture's Content-Type; ``bytes`` bodies are sent base64-encoded.
    """
    event = copy.deepcopy(load_event("analyse_positive.json"))
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    event["path"] = event["resource"] = event["requestContext"]["resourcePath"] = path
    if headers is not None:
        for key in [k for k in event["headers"] if k.lower() == "content-type"]:
            del event["headers"][key]
            del event["multiValueHeaders"][key]
        event["headers"].update(headers)
        event["multiValueHeaders"].update({k: [v] for k, v in headers.items()})
    if isinstance(body, bytes):
        body, base64_encoded = base64.b64encode(body).decode("ascii"), True
    event["body"] = body
    event["isBase64Encoded"] = base64_encoded
    return event


def preflight_event(
    origin: str | None, method: str = "POST", *, path: str = "/analyse", **extra_headers: str
) -> dict[str, Any]:
    """A CORS preflight: ``OPTIONS path`` with ``Origin`` (left out if None) and
    ``Access-Control-Request-Method``, plus ``extra_headers``."""
    event = api_event("OPTIONS", path)
    headers = {"Origin": origin, "Access-Control-Request-Method": method, **extra_headers}
    if origin is None:
        del headers["Origin"]
    event["headers"].update(headers)
    event["multiValueHeaders"].update({k: [v] for k, v in headers.items()})
    return event


@dataclass
class FakeLambdaContext:
    """The attributes of ``awslambdaric``'s context that Powertools reads."""

    function_name: str = "SentimentFunction"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:SentimentFunction"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def run_python(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter with ``src`` importable; return its stdout."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


def call(event, context):
    """Invoke the handler; return (status, headers, body): JSON decoded, HTML (docs) as text."""
    from sentiment_api.handlers import api  # after conftest has set Powertools' environment

    response = api.lambda_handler(event, context)
    headers = {k.lower(): v for k, v in response["multiValueHeaders"].items()}
    if headers["content-type"][0].startswith("text/html"):
        return response["statusCode"], headers, response["body"]
    return response["statusCode"], headers, json.loads(response["body"])


def assert_clean_error(status, headers, body, *, code=None):
    """A 4xx the API's way: JSON with error and code, and nothing of Python in it."""
    assert 400 <= status < 500
    assert headers["content-type"] == ["application/json"]
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["code"], str) and body["code"]
    if code is not None:
        assert body["code"] == code
    raw = json.dumps(body)
    for leak in ("Traceback", 'File "', ".py", "Error(", "pydantic"):
        assert leak not in raw


def emf_documents(stdout: str) -> list[dict[str, Any]]:
    """The CloudWatch embedded-metric-format records among printed lines."""
    return [doc for doc in map(json.loads, filter(None, stdout.splitlines())) if "_aws" in doc]


def wsgi_app(handler, *, stage: str = ""):
    """A WSGI app that answers each request through ``handler(event, context)``, a Lambda
    handler for API Gateway REST proxy events: what ``sam local start-api`` does, in-process.

    Bodies that are UTF-8 arrive as text, others base64-encoded; the proxy response's
    ``multiValueHeaders`` and (base64) body become the HTTP response. With ``stage`` (e.g.
    ``"prod"``), requests are served as a deployed stage's URL serves them: only paths under
    ``/<stage>``, whose event ``path`` is the rest and ``requestContext.path`` the whole path;
    any other path is a 404.
    """
    from http import HTTPStatus
    from urllib.parse import parse_qs

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        if stage:
            if path != f"/{stage}" and not path.startswith(f"/{stage}/"):
                start_response("404 Not Found", [("Content-Type", "application/json")])
                return [b'{"message": "Not Found"}']
            path = path[len(stage) + 1 :] or "/"
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else None
        headers = {
            name[5:].replace("_", "-").title(): value
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        try:
            body = raw.decode("utf-8") if raw is not None else None
        except UnicodeDecodeError:
            body = raw  # api_event sends bytes base64-encoded
        event = api_event(environ["REQUEST_METHOD"], path, body, headers=headers)
        event["requestContext"]["path"] = environ["PATH_INFO"]  # sam local: no stage prefix
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        event["queryStringParameters"] = {k: v[-1] for k, v in query.items()} or None
        event["multiValueQueryStringParameters"] = query or None
        response = handler(event, FakeLambdaContext())
        status = int(response["statusCode"])
        payload = response.get("body") or ""
        payload = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode()
        pairs = [
            (name, value)
            for name, values in (response.get("multiValueHeaders") or {}).items()
            for value in values
        ]
        start_response(f"{status} {HTTPStatus(status).phrase}", pairs)
        return [payload]

    return app


@contextmanager
def serve_wsgi(app) -> Iterator[str]:
    """Serve the WSGI ``app`` on 127.0.0.1 at a free port, a thread per request (a browser
    opens several connections, some of them idle); yields ``http://127.0.0.1:<port>``."""
    import threading
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, server_class=Server, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def schemathesis_comprehend_media_type() -> None:
    """Teach Schemathesis the Comprehend-compatible endpoint's media type,
    ``application/x-amz-json-1.1``: JSON by another name (not ``+json``, so Schemathesis would
    neither send it nor read the answers)."""
    import schemathesis

    schemathesis.serializer.alias("application/x-amz-json-1.1", "application/json")

    @schemathesis.deserializer("application/x-amz-json-1.1")
    def _json(_, response):
        return json.loads(response.content)


def schemathesis_checks() -> list[CheckFunction]:
    """The Schemathesis checks every run of it here applies, in-process and over HTTP."""
    from schemathesis.checks import (
        content_type_conformance,
        negative_data_rejection,
        not_a_server_error,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
        unsupported_method,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        response_headers_conformance,
        negative_data_rejection,
        unsupported_method,
    ]


def served(text: str, **options: Any) -> dict[str, Any]:
    """What the API answers for ``text`` with ``options`` at the default deployment: the
    result of ``analyse()`` with the language identified (``LANGUAGE_CHECK=refuse``)."""
    from sentiment_api.analysis import AUTO, analyse

    return analyse(text, language=options.pop("language", AUTO), **options).as_dict()


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
MISSING_CHROMIUM = (
    "Chromium is missing: the browser tests need Debian's chromium and chromium-driver on the "
    "PATH. Run `make browser` to install them (make test, make integration and make e2e do it "
    'first), or leave these tests out with -m "not browser".'
)


@contextmanager
def chromium() -> Iterator[WebDriver]:
    """Headless Chromium (Debian's), driven by Selenium through Debian's chromedriver, with a
    fresh profile, resolving no host name but 127.0.0.1, and keeping the page's console
    messages (``driver.get_log("browser")``). Fails the test, saying how to install it, when
    either is missing."""
    import pytest
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_binary = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver_binary):
        pytest.fail(MISSING_CHROMIUM)
    with tempfile.TemporaryDirectory() as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_binary))
        driver.set_page_load_timeout(120)
        try:
            yield driver
        finally:
            driver.quit()
