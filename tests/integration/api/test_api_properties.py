"""Property tests: whatever arrives, the handler answers with JSON and never a 5xx."""

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentiment_api import observability
from sentiment_api.handlers import api
from support import FakeLambdaContext, api_event

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
ENGINE_VALUES = st.one_of(st.sampled_from(["textblob", "model"]), JSON_VALUES)
BODIES = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.binary(max_size=300),  # sent base64-encoded
    JSON_VALUES.map(json.dumps),
    st.fixed_dictionaries({"text": JSON_VALUES}).map(json.dumps),
    st.fixed_dictionaries({"text": st.text(max_size=300)}).map(json.dumps),
    st.integers(1, 3000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(1, 3000).map(lambda depth: '{"texts": ' + "[" * depth + "]" * depth + "}"),
    st.fixed_dictionaries(
        {"texts": st.lists(JSON_VALUES, max_size=30)},
        optional={
            "sentences": JSON_VALUES,
            "explain": JSON_VALUES,
            "neutral_threshold": JSON_VALUES,
            "engine": ENGINE_VALUES,
        },
    ).map(json.dumps),
    st.fixed_dictionaries(
        {"text": st.text(max_size=300)},
        optional={
            "sentences": st.booleans(),
            "explain": st.booleans(),
            "neutral_threshold": st.floats(),
            "engine": ENGINE_VALUES,
        },
    ).map(json.dumps),
    st.sampled_from(["x" * 100_000, '{"text": "' + "(" * 5000 + '"}', "\ud800" * 1000]),
)
CONTENT_TYPES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "application/json",
            "APPLICATION/JSON; charset=utf-8",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=xyz",
            "",
        ]
    ),
    st.text(max_size=40),
)
METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
PATHS = st.one_of(
    st.sampled_from(
        [
            "/",
            "/analyse",
            "/analyse/",
            "/analyse/batch",
            "/openapi.json",
            "/docs",
            "/try",
            "/nope",
            "//",
        ]
    ),
    st.text(),
)
HEADERS = st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=40), max_size=4)


def generated_event(method, path, body, content_type, base64_flag, headers=None) -> dict[str, Any]:
    """A proxy event from drawn parts; a text body is base64-encoded when the flag is set."""
    if isinstance(body, str) and base64_flag:
        body = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode()
    headers = dict(headers or {})
    if content_type is not None:
        headers["Content-Type"] = content_type
    return api_event(method, path, body, headers=headers, base64_encoded=base64_flag)


@settings(
    max_examples=400,
    derandomize=True,  # the same cases on every run, so CI is reproducible
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    method=METHODS,
    path=PATHS,
    body=BODIES,
    content_type=CONTENT_TYPES,
    base64_flag=st.booleans(),
    headers=HEADERS,
)
def test_never_a_server_error_and_always_a_json_error_shape(
    method, path, body, content_type, base64_flag, headers
):
    event = generated_event(method, path, body, content_type, base64_flag, headers)

    response = api.lambda_handler(event, FakeLambdaContext())

    assert response["statusCode"] < 500
    if (method, path, response["statusCode"]) in {("GET", "/docs", 200), ("GET", "/try", 200)}:
        assert response["multiValueHeaders"]["Content-Type"] == ["text/html; charset=utf-8"]
        return
    payload = json.loads(response["body"])
    if response["statusCode"] >= 400:
        assert set(payload) >= {"error", "code"}
        raw = response["body"]
        assert "Traceback" not in raw and 'File "' not in raw and ".py" not in raw
    else:
        assert response["statusCode"] == 200


ANALYSE_BODIES = st.one_of(
    BODIES,
    st.fixed_dictionaries(
        {"text": st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=300)}
    ).map(json.dumps),
    st.fixed_dictionaries({"text": st.text(max_size=50)}, optional={"extra": JSON_VALUES}).map(
        json.dumps
    ),
    # The fast path's second shape: text and engine (either engine, or anything else there)
    st.fixed_dictionaries(
        {"text": st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=300)},
        optional={"engine": ENGINE_VALUES},
    ).map(json.dumps),
    st.fixed_dictionaries(
        {"engine": ENGINE_VALUES, "text": st.sampled_from(["good", "x" * 5001, " ", "😀" * 5000])}
    ).map(json.dumps),
    st.sampled_from(["a", "good", "x" * 5000, "x" * 5001, " \t\n", "😀" * 5000]).map(
        lambda text: json.dumps({"text": text}, ensure_ascii=False)
    ),
)


def _emitted(response: dict[str, Any], stdout: str) -> tuple[Any, ...]:
    """A response and the metrics printed with it, minus what differs between any two calls."""
    metrics = [json.loads(line) for line in stdout.splitlines() if line.startswith('{"_aws"')]
    # The first invocation of the process also emits ColdStart, whichever way it goes.
    metrics = [blob for blob in metrics if "ColdStart" not in blob]
    for blob in metrics:
        blob["_aws"].pop("Timestamp")
        blob.pop("function_request_id", None)
    return (
        response["statusCode"],
        dict(response["multiValueHeaders"]),
        response["body"],
        response["isBase64Encoded"],
        metrics,
    )


@settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    body=ANALYSE_BODIES,
    # Mostly JSON, so that many cases reach the fast path; the rest check it stays out of them.
    content_type=st.one_of(st.just("application/json"), st.none(), CONTENT_TYPES),
    base64_flag=st.booleans(),
    # The deployment's default threshold is echoed by both ways: 0, or another of any type
    settings_=st.sampled_from(
        [
            {},
            {"NEUTRAL_THRESHOLD": "1"},
            {"NEUTRAL_THRESHOLD": "0.25"},
            {"ENGINE": "model"},
            {"ENGINE": "model", "NEUTRAL_THRESHOLD": "0.25"},
        ]
    ),
)
def test_fast_path_answers_exactly_as_the_router_would(
    body, content_type, base64_flag, settings_, deployment, monkeypatch, capsys
):
    # Given a POST /analyse of any body, under some deployment settings
    event = generated_event("POST", "/analyse", body, content_type, base64_flag)
    deployment(**settings_)
    capsys.readouterr()

    # When the handler answers it as deployed, and again with the fast path switched off
    fast = _emitted(api.lambda_handler(event, FakeLambdaContext()), capsys.readouterr().out)
    with monkeypatch.context() as patch:
        patch.setattr(api, "_analyse_fast", lambda event: None)
        routed = _emitted(api.lambda_handler(event, FakeLambdaContext()), capsys.readouterr().out)

    # Then the status, headers, body and metrics are the same
    assert fast == routed


def test_fast_path_serves_the_plain_request(lambda_context):
    # Given the most common request, when the fast path alone is asked
    event = api_event(
        body='{"text": "Happy New Year!"}', headers={"Content-Type": "application/json"}
    )
    response = api._analyse_fast(event)
    # Then it answers it (so the equivalence test above compares real fast-path answers)
    # Called outside the handler, which would have flushed them
    observability.metrics.clear_metrics()
    assert response is not None and response["statusCode"] == 200
    assert json.loads(response["body"])["sentiment_score"] == 0.48522727272727273


@pytest.mark.parametrize("engine", ["textblob", "model"])
def test_fast_path_serves_text_with_an_engine(engine):
    event = api_event(body=json.dumps({"text": "Happy New Year!", "engine": engine}))
    response = api._analyse_fast(event)
    observability.metrics.clear_metrics()
    assert response is not None and json.loads(response["body"])["engine"] == engine


@pytest.mark.parametrize(
    "event_change",
    [
        # A direct invoke (not API Gateway) may carry a JSON object as the body
        {"body": {"text": "good"}},
        # Two Content-Type headers differing in case: either could be the one that counts
        {"headers": {"content-type": "application/json", "Content-Type": "text/plain"}},
    ],
)
def test_fast_path_stays_out_of_odd_events_and_the_answer_is_the_routers(
    event_change, monkeypatch, capsys
):
    event = {**api_event(body='{"text": "good"}'), **event_change}

    fast = _emitted(api.lambda_handler(event, FakeLambdaContext()), capsys.readouterr().out)
    monkeypatch.setattr(api, "_analyse_fast", lambda event: None)
    routed = _emitted(api.lambda_handler(event, FakeLambdaContext()), capsys.readouterr().out)

    # (before the fix: a TypeError out of the handler, and a 200 the router would not give)
    assert fast == routed and fast[0] != 200
