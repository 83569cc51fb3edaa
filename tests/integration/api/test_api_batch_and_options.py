"""POST /analyse options (sentences, explain, neutral_threshold) and POST /analyse/batch."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentiment_api import analysis
from sentiment_api.api import service
from sentiment_api.http import proxy as web
from sentiment_api.settings import get_settings
from support import FakeLambdaContext, api_event, assert_clean_error, call, emf_documents

MIXED = "The food was great. The service was awful."


def post(path, body, context=None):
    return call(api_event("POST", path, json.dumps(body)), context or FakeLambdaContext())


def analyse_body(text, **options):
    status, _, body = post("/analyse", {"text": text, **options})
    assert status == 200, body
    return body


def test_sentences_and_mixed_are_added_on_request(lambda_context):
    status, _, body = post("/analyse", {"text": MIXED, "sentences": True}, lambda_context)

    assert status == 200
    assert body["mixed"] is True
    assert [(s["text"], s["offset"], s["length"], s["sentiment"]) for s in body["sentences"]] == [
        ("The food was great.", 0, 19, "positive"),
        ("The service was awful.", 20, 22, "negative"),
    ]
    assert "assessments" not in body


def test_offsets_count_code_points_through_json(lambda_context):
    # Given a text with astral emoji, accents and CRLF, sent as the JSON a client would send
    text = "J'adore 😍😍. Le café? Trop cher!\r\nÀ revoir 👎."
    request = {"text": text, "sentences": True, "language": "en"}  # French, declared English
    status, _, body = post("/analyse", request, lambda_context)

    # Then every sentence is the slice its code-point offset and length name
    assert status == 200 and len(body["sentences"]) == 4
    for sentence in body["sentences"]:
        assert (
            text[sentence["offset"] : sentence["offset"] + sentence["length"]] == sentence["text"]
        )


def test_explain_adds_assessments_only(lambda_context):
    body = analyse_body("The staff were not very friendly :(", explain=True)

    assert body["assessments"] == [
        {
            "words": ["not", "very", "friendly"],
            "polarity": -0.14423076923076922,
            "subjectivity": 0.3846153846153846,
            "label": None,
        },
        {"words": [":("], "polarity": -0.75, "subjectivity": 1.0, "label": "mood"},
    ]
    assert "sentences" not in body and "mixed" not in body


def test_threshold_is_used_and_echoed(lambda_context):
    plain = analyse_body("It is okay.")
    banded = analyse_body("It is okay.", neutral_threshold=0.5)

    assert (plain["sentiment"], plain["neutral_threshold"]) == ("positive", 0.0)
    assert (banded["sentiment"], banded["neutral_threshold"]) == ("neutral", 0.5)


def test_deployment_default_threshold_applies_when_the_request_has_none(deployment):
    deployment(NEUTRAL_THRESHOLD="0.5")

    body = analyse_body("It is okay.")  # the fast path's answer

    assert (body["sentiment"], body["neutral_threshold"]) == ("neutral", 0.5)
    assert analyse_body("It is okay.", neutral_threshold=0)["sentiment"] == "positive"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"neutral_threshold": 1.5}, "neutral_threshold"),
        ({"neutral_threshold": -0.1}, "neutral_threshold"),
        ({"neutral_threshold": "0.1"}, "neutral_threshold"),
        ({"neutral_threshold": True}, "neutral_threshold"),
        ({"sentences": "true"}, "sentences"),
        ({"explain": 1}, "explain"),
        ({"sentence": True}, "sentence"),  # a typo is not ignored
    ],
)
def test_bad_options_are_422_naming_the_option(lambda_context, options, field):
    for path, body in (("/analyse", {"text": "good"}), ("/analyse/batch", {"texts": ["good"]})):
        status, headers, payload = post(path, {**body, **options}, lambda_context)
        assert_clean_error(status, headers, payload, code="validation_error")
        assert payload["details"][0]["loc"] == [field]


def test_batch_reports_each_bad_item_and_analyses_the_rest(lambda_context):
    texts = ["I love it.", "", None, 42, "x" * 5001, "\ud800", "  ", ["a"], "It broke. Sad."]
    status, _, body = post("/analyse/batch", {"texts": texts}, lambda_context)

    assert status == 200
    assert [r["index"] for r in body["results"]] == [0, 8]
    assert [(e["index"], e["code"]) for e in body["errors"]] == [
        (1, "no_text"),
        (2, "no_text"),
        (3, "invalid_type"),
        (4, "text_too_long"),
        (5, "lone_surrogate"),
        (6, "no_text"),
        (7, "invalid_type"),
    ]
    assert all(e["error"] for e in body["errors"])
    assert "5001" in body["errors"][3]["error"]


def test_batch_options_apply_to_every_item(lambda_context):
    body = {
        "texts": [MIXED, "It is okay."],
        "sentences": True,
        "explain": True,
        "neutral_threshold": 0.5,
    }
    status, _, payload = post("/analyse/batch", body, lambda_context)

    assert status == 200 and payload["errors"] == []
    for result in payload["results"]:
        expected = analyse_body(
            result["input"], sentences=True, explain=True, neutral_threshold=0.5
        )
        assert {k: v for k, v in result.items() if k != "index"} == expected


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"texts": []}, 422, "validation_error"),
        ({"texts": "good"}, 422, "validation_error"),
        ({"texts": {"0": "good"}}, 422, "validation_error"),
        ({}, 422, "validation_error"),
        ({"texts": ["good"] * 26}, 413, "too_many_texts"),
        (None, 400, "no_text"),
    ],
)
def test_whole_batch_problems_get_one_4xx(lambda_context, body, status, code):
    event = api_event("POST", "/analyse/batch", None if body is None else json.dumps(body))
    got, headers, payload = call(event, lambda_context)

    assert got == status
    assert_clean_error(got, headers, payload, code=code)


def test_batch_of_the_maximum_size_at_the_cap_is_analysed(lambda_context):
    texts = ["😀" * get_settings().max_text_length] * get_settings().max_batch_size
    event = api_event("POST", "/analyse/batch", json.dumps({"texts": texts}))  # \ud83d escapes
    assert len(event["body"]) > get_settings().max_body_length  # bigger than /analyse allows

    status, _, body = call(event, lambda_context)

    assert status == 200 and len(body["results"]) == 25


def test_batch_body_beyond_its_limit_is_413_before_parsing(lambda_context):
    body = "x" * (get_settings().max_batch_body_length + 1)
    status, headers, payload = call(api_event("POST", "/analyse/batch", body), lambda_context)

    assert_clean_error(status, headers, payload, code="body_too_large")


def test_batch_size_comes_from_settings(lambda_context, deployment):
    deployment(MAX_BATCH_SIZE="2")

    assert post("/analyse/batch", {"texts": ["a", "b"]})[0] == 200
    status, _, body = post("/analyse/batch", {"texts": ["a", "b", "c"]})
    assert (status, body["code"]) == (413, "too_many_texts")
    assert "limit is 2" in body["error"]


def test_batch_metrics_count_each_label(lambda_context, capfd):
    capfd.readouterr()
    post("/analyse/batch", {"texts": ["Great!", "Awful.", "Lovely!", "", "Tuesday."]})

    analyses = [d for d in emf_documents(capfd.readouterr().out) if "Analyses" in d]
    counts = {d["sentiment"]: d["Analyses"] for d in analyses}
    assert counts == {"positive": [2.0], "negative": [1.0], "neutral": [1.0]}
    for document in analyses:
        assert document["service"] == "sentiment-api"
        assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "SentimentApi"


TEXTS = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=120),
    st.sampled_from(["Great!", "Awful.", "", " ", "x" * 5001, "Fine. Bad!"]),
    st.none(),
    st.integers(),
    st.lists(st.text(max_size=3), max_size=2),
)


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    texts=st.lists(TEXTS, min_size=1, max_size=25),
    options=st.fixed_dictionaries(
        {},
        optional={
            "sentences": st.booleans(),
            "explain": st.booleans(),
            "neutral_threshold": st.floats(0, 1),
        },
    ),
)
def test_a_good_items_result_is_what_analyse_returns_whatever_its_neighbours(texts, options):
    # Given any batch, when it is analysed
    status, _, body = post("/analyse/batch", {"texts": texts, **options})

    # Then every index is answered exactly once, in order
    assert status == 200
    indexes = [r["index"] for r in body["results"]] + [e["index"] for e in body["errors"]]
    assert sorted(indexes) == list(range(len(texts)))
    assert [r["index"] for r in body["results"]] == sorted(r["index"] for r in body["results"])
    assert [e["index"] for e in body["errors"]] == sorted(e["index"] for e in body["errors"])
    # And each item gets what POST /analyse gives it alone: the same result, or the same error
    for result in body["results"]:
        text = texts[result["index"]]
        alone = post("/analyse", {"text": text, **options})
        assert alone[0] == 200
        assert {k: v for k, v in result.items() if k != "index"} == alone[2]
    for error in body["errors"]:
        text = texts[error["index"]]
        if type(text) is str or text is None:
            alone = post("/analyse", {"text": text, **options})
            assert alone[0] in (400, 413, 422)
            assert error["code"] in (alone[2]["code"], alone[2].get("details", [{}])[0].get("type"))


def test_an_answer_over_lambdas_response_limit_is_413_not_a_502(lambda_context, monkeypatch):
    # Given a batch whose sentences and assessments make a 5.3 MB body: under the real
    # limit (the largest answer found at the default caps), so the limit is lowered here
    text = ("😀. " * 2000)[: get_settings().max_text_length]
    body = {"texts": [text] * 25, "sentences": True, "explain": True}
    assert post("/analyse/batch", body, lambda_context)[0] == 200
    monkeypatch.setattr(web, "LAMBDA_RESPONSE_LIMIT", 5 * 1024 * 1024)

    status, headers, payload = post("/analyse/batch", body, lambda_context)

    assert_clean_error(status, headers, payload, code="response_too_large")
    assert status == 413 and str(5 * 1024 * 1024) in payload["error"]
    # And the same texts without the options fit
    assert post("/analyse/batch", {"texts": [text] * 25}, lambda_context)[0] == 200


def test_a_body_on_a_get_is_ignored_not_screened(lambda_context):
    event = api_event("GET", "/", "x" * (get_settings().max_body_length + 1))
    event["headers"]["Content-Type"] = "text/plain"

    assert call(event, lambda_context)[0] == 200


WORST_TEXT = ("😀! " * 2000)[:5000]
"""The largest answer per text found (issue 20, item 5): with the model engine, sentences and
explain on, one 5,000-code-point text of emoji sentences answers about 300 KB, so 25 of them
(7.5 MB) are over Lambda's 6 MB."""


def test_the_worst_batch_stops_once_its_answer_would_pass_the_limit(lambda_context, monkeypatch):
    # Given the worst batch at the default caps, and a count of the texts analysed
    analysed = []
    real_analyse = analysis.analyse_many  # what the service calls

    def counting(texts, **options):
        analysed.extend(texts)
        return real_analyse(texts, **options)

    monkeypatch.setattr(service, "analyse_many", counting)
    body = {"texts": [WORST_TEXT] * 25, "engine": "model", "sentences": True, "explain": True}

    # When it is sent
    status, headers, payload = post("/analyse/batch", body, lambda_context)

    # Then it is a 413, and the texts after the one that passed the limit were never analysed
    assert_clean_error(status, headers, payload, code="response_too_large")
    assert status == 413 and str(web.LAMBDA_RESPONSE_LIMIT) in payload["error"]
    assert "over" in payload["error"]
    assert 15 < len(analysed) < 25
    # (analysing all 25 for nothing is what the issue found)


def test_the_answers_size_is_measured_as_the_proxy_response_holds_it(lambda_context):
    # Given a batch of heavy texts that fits
    body = {"texts": [WORST_TEXT] * 10, "engine": "model", "sentences": True, "explain": True}
    response = call_raw("/analyse/batch", body, lambda_context)
    assert response["statusCode"] == 200

    # The measure of its items (what the batch stops on) is the response's size, within the
    # envelope allowed for everything else
    items = json.loads(response["body"])
    measured = sum(map(service.answer_bytes, items["results"] + items["errors"]))
    actual = len(json.dumps(response).encode())
    assert measured <= actual <= measured + service.BATCH_ENVELOPE_BYTES


def call_raw(path, body, context):
    from sentiment_api.handlers import api

    return api.lambda_handler(api_event("POST", path, json.dumps(body)), context)
