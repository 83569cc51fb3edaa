"""The language check through the API: results carry the language; text confidently not English
is a 422 unsupported_language (a batch item's error); a request may declare English; a
deployment may turn the check off. And the encoder engine over HTTP, including a 503 when its
artefacts cannot load."""

import json
from pathlib import Path

import pytest

from sentiment_api.engines import encoder, get_engine
from sentiment_api.language import identify
from support import FakeLambdaContext, api_event, assert_clean_error, call, emf_documents, served

FRENCH = "Le service était lent mais la cuisine était excellente."
ENGLISH = "The service was slow but the food was excellent."


def post(path, body):
    return call(api_event("POST", path, json.dumps(body)), FakeLambdaContext())


@pytest.mark.parametrize(
    "extra",
    [{}, {"sentences": True}],  # the fast path's answer, and the router's
)
def test_text_confidently_not_english_is_422_naming_the_language(extra):
    status, headers, body = post("/analyse", {"text": FRENCH, **extra})

    assert_clean_error(status, headers, body, code="unsupported_language")
    assert status == 422
    guess = identify(FRENCH)
    assert f"'{guess.code}'" in body["error"] and f"{guess.confidence:.2f}" in body["error"]


def test_an_english_result_carries_its_language_and_confidence():
    status, _, body = post("/analyse", {"text": ENGLISH})
    guess = identify(ENGLISH)
    assert status == 200
    assert (body["language"], body["language_confidence"]) == ("en", guess.confidence)
    assert body == served(ENGLISH)


def test_declaring_english_skips_the_check_and_another_language_is_refused():
    status, _, body = post("/analyse", {"text": FRENCH, "language": "en"})
    assert status == 200 and body["language"] == "en" and "language_confidence" not in body

    status, headers, body = post("/analyse", {"text": ENGLISH, "language": "fr"})
    assert_clean_error(status, headers, body, code="unsupported_language")
    assert "declared 'fr'" in body["error"]


def test_a_refused_batch_item_is_an_error_of_its_own():
    status, _, body = post("/analyse/batch", {"texts": [ENGLISH, FRENCH, ""]})
    assert status == 200
    assert [r["index"] for r in body["results"]] == [0]
    assert [(e["index"], e["code"]) for e in body["errors"]] == [
        (1, "unsupported_language"),
        (2, "no_text"),
    ]


def test_a_deployment_without_the_check_analyses_anything_and_says_no_language(deployment):
    deployment(LANGUAGE_CHECK="off")
    status, _, body = post("/analyse", {"text": FRENCH})
    assert status == 200
    assert "language" not in body and "language_confidence" not in body
    assert body == served(FRENCH, language=None)


@pytest.mark.parametrize("path", ["/analyse", "/analyse/batch"])
def test_the_encoder_answers_over_http_what_analyse_returns(path):
    if path == "/analyse":
        status, _, body = post(path, {"text": ENGLISH, "engine": "encoder", "explain": True})
        assert status == 200 and body == served(ENGLISH, engine="encoder", explain=True)
        assert body["effects"] and body["sentences"]
    else:
        texts = [ENGLISH, "Great food.", "Awful."]
        status, _, body = post(path, {"texts": texts, "engine": "encoder"})
        assert status == 200
        assert [{k: v for k, v in r.items() if k != "index"} for r in body["results"]] == [
            served(text, engine="encoder") for text in texts
        ]


def test_an_engine_that_cannot_load_is_a_503_counted_and_the_others_still_answer(
    tmp_path, monkeypatch, capsys
):
    broken = tmp_path / "encoder"
    broken.mkdir()
    monkeypatch.setattr(encoder.EncoderModel.__init__, "__defaults__", (Path(broken),))
    get_engine.cache_clear()
    try:
        capsys.readouterr()
        status, headers, body = post("/analyse", {"text": ENGLISH, "engine": "encoder"})
        printed = capsys.readouterr().out
        assert status == 503 and headers["content-type"] == ["application/json"]
        assert body["code"] == "engine_unavailable" and "encoder" in body["error"]
        assert "Traceback" not in json.dumps(body)
        counted = [doc for doc in emf_documents(printed) if "EngineUnavailable" in doc]
        assert [doc["engine"] for doc in counted] == ["encoder"]
        assert post("/analyse", {"text": ENGLISH, "engine": "model"})[0] == 200
    finally:
        get_engine.cache_clear()
