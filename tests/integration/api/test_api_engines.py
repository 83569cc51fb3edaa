"""The ``engine`` option of POST /analyse and POST /analyse/batch, and the deployment's default
(env ENGINE): what each engine answers through the API, and that every rejection is the same
whichever engine is asked for or deployed."""

import json
from typing import Any, cast

import pytest

from sentiment_api.api.models import (
    ENCODER_RESPONSE_EXAMPLE,
    MODEL_RESPONSE_EXAMPLE,
    AnalyseResponse,
)
from sentiment_api.engines import ENGINE_NAMES
from support import FakeLambdaContext, api_event, assert_clean_error, call, served

MIXED = "The food was great. The service was not good at all!"


def post(path, body):
    raw = body if isinstance(body, str) else json.dumps(body)
    return call(api_event("POST", path, raw), FakeLambdaContext())


def test_model_engine_answers_what_analyse_returns():
    cases: list[dict[str, Any]] = [
        {},
        {"sentences": True, "explain": True, "neutral_threshold": 0.2},
    ]
    for options in cases:
        status, _, body = post("/analyse", {"text": MIXED, "engine": "model", **options})

        assert status == 200
        assert body == served(MIXED, engine="model", **options)


def test_model_fields_replace_textblobs():
    _, _, model = post(
        "/analyse", {"text": MIXED, "engine": "model", "sentences": True, "explain": True}
    )
    _, _, textblob = post("/analyse", {"text": MIXED, "sentences": True, "explain": True})

    assert model["engine"] == "model" and textblob["engine"] == "textblob"
    assert "subjectivity" not in model and "assessments" not in model
    p = model["probabilities"]
    assert abs(p["positive"] + p["neutral"] + p["negative"] - 1.0) < 1e-12
    assert model["sentiment_score"] == p["positive"] - p["negative"]
    shares = [abs(c["contribution"]) for c in model["contributions"]]
    assert shares == sorted(shares, reverse=True)
    signs = {c["ngram"]: c["contribution"] > 0 for c in model["contributions"]}
    assert signs["great"] and not signs["not good"]
    assert all("probabilities" in s and "subjectivity" not in s for s in model["sentences"])
    assert "probabilities" not in textblob and "contributions" not in textblob
    assert all("subjectivity" in s for s in textblob["sentences"])


def test_deployment_default_engine_applies_and_a_request_overrides_it(deployment):
    deployment(ENGINE="model")

    _, _, plain = post("/analyse", {"text": "Happy New Year!"})  # the fast path's answer
    _, _, routed = post("/analyse", {"text": "Happy New Year!", "sentences": True})
    _, _, asked = post("/analyse", {"text": "Happy New Year!", "engine": "textblob"})
    _, _, batch = post("/analyse/batch", {"texts": ["Happy New Year!"]})

    assert plain == served("Happy New Year!", engine="model")
    assert routed["engine"] == "model" and batch["results"][0]["engine"] == "model"
    assert asked == served("Happy New Year!")


def test_batch_engine_applies_to_every_item():
    texts = ["I love it.", MIXED, ""]
    status, _, body = post("/analyse/batch", {"texts": texts, "engine": "model", "explain": True})

    assert status == 200
    assert [e["index"] for e in body["errors"]] == [2]
    for result in body["results"]:
        expected = served(texts[result["index"]], engine="model", explain=True)
        assert {k: v for k, v in result.items() if k != "index"} == expected


@pytest.mark.parametrize("engine", ["vader", "Model", "model ", "", 1, True, ["model"], {}])
@pytest.mark.parametrize("path", ["/analyse", "/analyse/batch"])
def test_an_unknown_engine_or_a_wrong_type_is_422_naming_engine(engine, path):
    body = {"text": "good"} if path == "/analyse" else {"texts": ["good"]}

    status, headers, payload = post(path, {**body, "engine": engine})

    assert status == 422
    assert_clean_error(status, headers, payload, code="validation_error")
    assert payload["details"][0]["loc"] == ["engine"]


# Each request the API rejects today (the cases of test_api_handler.py and
# test_api_batch_and_options.py): a dict is a JSON object, to which the engine field is added;
# a string is a raw body, sent as it is.
REJECTED: list[tuple[str, Any]] = [
    ("/analyse", None),
    ("/analyse", ""),
    ("/analyse", "null"),
    ("/analyse", {}),
    ("/analyse", {"text": None}),
    ("/analyse", {"text": ""}),
    ("/analyse", {"text": " \n\t\u00a0 "}),
    ("/analyse", '{"text": "unterminated'),
    ("/analyse", "[" * 20_000 + "]" * 20_000),
    ("/analyse", '["Happy New Year!"]'),
    ("/analyse", {"text": 42}),
    ("/analyse", {"text": True}),
    ("/analyse", {"text": ["a"]}),
    ("/analyse", {"text": "fine", "lang": "en"}),
    ("/analyse", '{"text": "\\ud800 lone surrogate"}'),
    ("/analyse", {"text": "x" * 5001}),
    ("/analyse", {"text": "fine", **{f"field{i}": i for i in range(30)}}),
    ("/analyse", {"text": "good", "neutral_threshold": 1.5}),
    ("/analyse", {"text": "good", "neutral_threshold": "0.1"}),
    ("/analyse", {"text": "good", "sentences": "true"}),
    ("/analyse", {"text": "good", "explain": 1}),
    ("/analyse", {"text": "x", "padding": "y" * 90_000}),
    ("/analyse/batch", {"texts": []}),
    ("/analyse/batch", {"texts": "good"}),
    ("/analyse/batch", {}),
    ("/analyse/batch", {"texts": ["good"] * 26}),
    ("/analyse/batch", None),
    ("/analyse/batch", {"texts": ["good"], "neutral_threshold": -0.1}),
    # Items a batch reports in `errors` (a 200 whose errors must not depend on the engine)
    ("/analyse/batch", {"texts": ["", None, 42, "x" * 5001, "\ud800", "  ", ["a"]]}),
]


@pytest.mark.parametrize("deployed", ENGINE_NAMES)
@pytest.mark.parametrize("requested", [None, *ENGINE_NAMES])
@pytest.mark.parametrize(("path", "body"), REJECTED)
def test_every_rejection_is_the_same_with_either_engine(
    path, body, requested, deployed, deployment
):
    # Given the answer of today's default deployment to a bad request
    deployment()
    expected = post(path, body)
    assert expected[0] >= 400 or expected[2]["results"] == []
    # When the same request names an engine, or the deployment defaults to one
    deployment(ENGINE=deployed)
    if requested is not None and isinstance(body, dict):
        body = {**body, "engine": requested}
    # Then the status, headers and body are the same
    got = post(path, body)
    if expected[2].get("code") == "body_too_large":  # its message names the body's own size
        assert (got[0], got[2]["code"]) == (expected[0], "body_too_large")
    else:
        assert got == expected


def test_the_model_response_example_is_the_real_answer():
    extra = AnalyseResponse.model_config["json_schema_extra"]
    assert isinstance(extra, dict)  # not a callable
    # pydantic types them as any JSON value: here they are response objects
    examples = cast("list[dict[str, Any]]", extra["examples"])
    for example in examples:
        assert example == served(example["input"], engine=example["engine"])
    assert MODEL_RESPONSE_EXAMPLE in examples and ENCODER_RESPONSE_EXAMPLE in examples
