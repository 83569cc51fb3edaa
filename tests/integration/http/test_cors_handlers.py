"""CORS through both HTTP functions, in process: with ``CORS_ALLOW_ORIGIN`` set, a preflight
is answered without a key or a route, and every answer (fast path, routed, rejected before
routing, an error of the jobs API) carries the headers; without it, none does.
(The header rules themselves: tests/unit/test_cors.py; a real browser: tests/e2e.)"""

import json
from typing import Any

import pytest

from jobs_support import job_environment, mocked_job_bucket
from sentiment_api.handlers import api, jobs_api
from support import api_event, preflight_event

ORIGIN = "https://app.example.com"


def headers_of(response: dict[str, Any]) -> dict[str, str]:
    """The response's headers, one value each, names lower-cased."""
    multi = {k.lower(): ", ".join(v) for k, v in (response.get("multiValueHeaders") or {}).items()}
    single = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    return {**single, **multi}


def from_origin(event: dict[str, Any], origin: str = ORIGIN) -> dict[str, Any]:
    event["headers"]["Origin"] = origin
    event["multiValueHeaders"]["Origin"] = [origin]
    return event


def preflight(path: str) -> dict[str, Any]:
    return preflight_event(ORIGIN, path=path)


@pytest.fixture
def cors_on(monkeypatch):
    monkeypatch.setenv("CORS_ALLOW_ORIGIN", ORIGIN)


# (handler, event, expected status): each way an answer is made
API_ANSWERS = [
    pytest.param(lambda: api_event(body='{"text": "I love it"}'), 200, id="fast path"),
    pytest.param(lambda: api_event(body='{"text": "ok", "sentences": true}'), 200, id="routed"),
    pytest.param(lambda: api_event(body="not json"), 400, id="routed error"),
    pytest.param(
        lambda: api_event(body="text=x", headers={"Content-Type": "text/plain"}),
        415,
        id="rejected before routing",
    ),
    pytest.param(lambda: api_event("GET", "/nowhere"), 404, id="unknown path"),
]


@pytest.mark.parametrize(("make_event", "status"), API_ANSWERS)
def test_every_api_answer_carries_the_allowed_origin(cors_on, lambda_context, make_event, status):
    response = api.lambda_handler(from_origin(make_event()), lambda_context)
    assert response["statusCode"] == status
    headers = headers_of(response)
    assert headers["access-control-allow-origin"] == ORIGIN
    assert "origin" in headers["vary"].lower()
    assert "access-control-allow-credentials" not in headers


@pytest.mark.parametrize(("make_event", "status"), API_ANSWERS)
def test_without_cors_no_answer_has_cors_headers(lambda_context, make_event, status, monkeypatch):
    monkeypatch.delenv("CORS_ALLOW_ORIGIN", raising=False)
    response = api.lambda_handler(from_origin(make_event()), lambda_context)
    assert response["statusCode"] == status
    assert not any(name.startswith("access-control-") for name in headers_of(response))


def test_another_origin_is_not_named(cors_on, lambda_context):
    event = from_origin(api_event(body='{"text": "I love it"}'), "https://evil.example.net")
    response = api.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 200  # the answer is given; the browser withholds it
    assert "access-control-allow-origin" not in headers_of(response)


@pytest.mark.parametrize("path", ["/analyse", "/analyse/batch"])
def test_the_api_answers_a_preflight_itself(cors_on, lambda_context, path, capsys):
    response = api.lambda_handler(preflight(path), lambda_context)
    assert response["statusCode"] == 204
    headers = headers_of(response)
    assert headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in headers["access-control-allow-methods"]
    assert "x-api-key" in headers["access-control-allow-headers"].lower()
    assert "RejectedRequests" not in capsys.readouterr().out  # not a rejection


def test_without_cors_a_preflight_is_a_405(lambda_context, monkeypatch):
    monkeypatch.delenv("CORS_ALLOW_ORIGIN", raising=False)
    response = api.lambda_handler(preflight("/analyse"), lambda_context)
    assert response["statusCode"] == 405
    assert json.loads(response["body"])["code"] == "method_not_allowed"


def test_the_jobs_api_carries_the_headers_on_answers_and_errors(cors_on, lambda_context):
    with mocked_job_bucket(), job_environment(CORS_ALLOW_ORIGIN=ORIGIN):
        created = jobs_api.lambda_handler(
            from_origin(api_event("POST", "/jobs", '{"filename": "a.txt", "size": 10}')),
            lambda_context,
        )
        refused = jobs_api.lambda_handler(
            from_origin(api_event("POST", "/jobs", "x", headers={"Content-Type": "text/csv"})),
            lambda_context,
        )
        answered = jobs_api.lambda_handler(preflight("/jobs"), lambda_context)
    assert created["statusCode"] == 201
    assert refused["statusCode"] == 415
    assert answered["statusCode"] == 204
    for response in (created, refused, answered):
        assert headers_of(response)["access-control-allow-origin"] == ORIGIN


@pytest.mark.parametrize("value", ["https://app.example.com/", "app.example.com", "ftp://x.y"])
def test_a_malformed_origin_fails_at_init(value, monkeypatch):
    from sentiment_api.settings import Settings

    with pytest.raises(ValueError, match="CORS_ALLOW_ORIGIN"):
        Settings.from_env({"CORS_ALLOW_ORIGIN": value})
