"""``POST /``, the Comprehend-compatible endpoint, through the API function's handler in
process: whatever the request, an answer in the protocol's shape (200, or 400 with ``__type``;
a 5xx only for the service's own failure), the deployment's settings, metrics, and the
documented examples."""

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comprehend_support import TARGET
from sentiment_api.comprehend import docs, protocol
from sentiment_api.comprehend.operations import SERVED_TARGETS
from sentiment_api.handlers import api
from support import FakeLambdaContext, api_event, emf_documents

FRENCH = "Le service était lent et la soupe froide."
DETECT = TARGET + "DetectSentiment"


def event(body, target=DETECT, content_type="application/x-amz-json-1.1", **headers):
    headers = dict(headers)
    if target is not None:
        headers["X-Amz-Target"] = target
    if content_type is not None:
        headers["Content-Type"] = content_type
    if not isinstance(body, (str, bytes)) and body is not None:
        body = json.dumps(body)
    made = api_event("POST", "/", body, headers=headers)
    if content_type is None:  # the fixture's own Content-Type, gone
        for key in [k for k in made["headers"] if k.lower() == "content-type"]:
            del made["headers"][key], made["multiValueHeaders"][key]
    return made


def call(made):
    response = api.lambda_handler(made, FakeLambdaContext())
    headers = {k.lower(): v for k, v in response["multiValueHeaders"].items()}
    return response["statusCode"], headers, json.loads(response["body"])


def assert_error(answer, error_type, code=None):
    status, headers, body = answer
    assert status == 400, body
    assert headers["content-type"] == [protocol.CONTENT_TYPE]
    assert headers["x-amzn-errortype"] == [error_type]
    assert body["__type"] == error_type
    assert body["message"] == body["Message"] == body["error"] and body["message"]
    if code is not None:
        assert body["code"] == code


def test_the_answer_names_its_request_and_media_type():
    made = event({"Text": "I love it.", "LanguageCode": "en"})
    made["requestContext"]["requestId"] = "apigw-1234"
    status, headers, body = call(made)
    assert status == 200 and body["Sentiment"] == "POSITIVE"
    assert headers["content-type"] == [protocol.CONTENT_TYPE]
    assert headers["x-amzn-requestid"] == ["apigw-1234"]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        "null",
        '"text"',
        "{" * 100,
        '{"Text": 1' + "0" * 5000 + ', "LanguageCode": "en"}',
        '{"Text": "\\ud800", "LanguageCode": "en"}',
        '{"Text": null, "LanguageCode": "en"}',
        '{"Text": "ok", "LanguageCode": null}',
        '{"Text": ["ok"], "LanguageCode": "en"}',
        '{"Text": "ok", "Text": "ko", "LanguageCode": "en"}',
        "",
        "{}",
    ],
)
def test_malformed_bodies_are_invalid_requests(body):
    assert_error(call(event(body)), "InvalidRequestException")


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "DetectSentiment",
        TARGET,
        TARGET + "DetectEntities",
        TARGET + "detectsentiment",
        "comprehend_20171127.DetectSentiment",
        "DynamoDB_20120810.GetItem",
    ],
)
def test_other_targets_are_unknown_operations(target):
    answer = call(event({"Text": "I love it.", "LanguageCode": "en"}, target=target))
    assert_error(answer, "UnknownOperationException", "unknown_operation")
    message = answer[2]["message"]
    assert all(served in message for served in SERVED_TARGETS)
    assert "POST /analyse" in message  # for a JSON API caller who meant that


def test_an_unknown_target_is_refused_before_its_body_is_read():
    made = event("x" * (protocol.MAX_BODY_LENGTH + 1), target=TARGET + "DetectEntities")
    assert_error(call(made), "UnknownOperationException")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-amz-json-1.1",
        "application/x-amz-json-1.0",
        "application/json",
        "Application/JSON; charset=utf-8",
        None,
    ],
)
def test_the_protocols_media_types_and_json_are_read(content_type):
    made = event({"Text": "I love it.", "LanguageCode": "en"}, content_type=content_type)
    assert call(made)[0] == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_other_media_types_are_invalid_requests(content_type):
    made = event({"Text": "I love it.", "LanguageCode": "en"}, content_type=content_type)
    assert_error(call(made), "InvalidRequestException", "unsupported_media_type")


def test_a_base64_body_is_read_strictly():
    body = json.dumps({"Text": "I love it.", "LanguageCode": "en"}).encode()
    made = event(None)
    made["body"], made["isBase64Encoded"] = base64.b64encode(body).decode(), True
    assert call(made)[2]["Sentiment"] == "POSITIVE"
    made["body"] = "!!!!"
    assert_error(call(made), "InvalidRequestException", "invalid_base64")
    made["body"] = base64.b64encode(b"\xff\xfe").decode()
    assert_error(call(made), "InvalidRequestException", "invalid_body_encoding")


def test_a_body_longer_than_any_valid_request_is_refused_unread():
    made = event('{"Text": "' + "a" * protocol.MAX_BODY_LENGTH + '", "LanguageCode": "en"}')
    assert_error(call(made), "TextSizeLimitExceededException", "body_too_large")


def test_the_largest_valid_batch_fits_the_body_limit():
    # 25 documents of 5,000 bytes, each byte a control character (6 JSON characters), and the
    # whole base64-encoded: still read (the endpoint then analyses it)
    body = json.dumps({"TextList": ["\x01" * 5000] * 25, "LanguageCode": "en"})
    encoded = base64.b64encode(body.encode()).decode()
    assert len(encoded) <= protocol.MAX_BODY_LENGTH
    made = {"body": encoded, "isBase64Encoded": True, "headers": {}}
    assert protocol.members(made)["TextList"] == ["\x01" * 5000] * 25


@pytest.mark.parametrize("engine", ["textblob", "model", "encoder"])
def test_the_engine_header_chooses_the_engine(engine):
    text = "The food was great. The service was not good at all!"
    scores = call(event({"Text": text, "LanguageCode": "en"}, **{"X-Sentiment-Engine": engine}))
    expected = call(event({"Text": text, "LanguageCode": "en"}, **{"x-sentiment-engine": engine}))
    assert scores == expected  # the header's name in any case
    plain = call(api_event(body=json.dumps({"text": text, "engine": engine})))[2]
    assert plain["engine"] == engine
    score = scores[2]["SentimentScore"]
    if engine != "textblob":  # the document's probabilities, scaled by what Mixed takes
        kept = 1 - score["Mixed"]
        assert score["Positive"] == pytest.approx(kept * plain["probabilities"]["positive"])


@pytest.mark.parametrize("name", ["vader", "", " ", "Model"])
def test_an_unknown_or_empty_engine_is_an_invalid_request(name):
    made = event({"Text": "I love it.", "LanguageCode": "en"}, **{"X-Sentiment-Engine": name})
    assert_error(call(made), "InvalidRequestException", "validation_error")
    assert call(made)[2]["message"].startswith("Invalid request header: X-Sentiment-Engine")


def test_the_language_operations_answer_whatever_the_language_check(deployment):
    deployment(LANGUAGE_CHECK="off")
    target = TARGET + "DetectDominantLanguage"
    assert call(event({"Text": FRENCH}, target=target))[2]["Languages"][0]["LanguageCode"] == "fr"
    # and with the check off, "en" is trusted, as Comprehend trusts it
    status, _, body = call(event({"Text": FRENCH, "LanguageCode": "en"}))
    assert status == 200 and body["Sentiment"]


def test_a_text_without_a_word_has_no_language():
    target = TARGET + "DetectDominantLanguage"
    assert call(event({"Text": "12345 !!!"}, target=target))[2] == {"Languages": []}


def test_whitespace_is_a_text_as_in_comprehend():
    status, _, body = call(event({"Text": "   ", "LanguageCode": "en"}))
    assert (status, body["Sentiment"]) == (200, "NEUTRAL")


def test_the_deployments_lower_caps_apply_too(deployment):
    deployment(MAX_TEXT_LENGTH="10", MAX_BATCH_SIZE="2")
    answer = call(event({"Text": "I love it, truly.", "LanguageCode": "en"}))
    assert_error(answer, "TextSizeLimitExceededException", "text_too_long")
    assert "limit is 10 characters" in answer[2]["message"]
    batch = {"TextList": ["a", "b", "c"], "LanguageCode": "en"}
    answer = call(event(batch, target=TARGET + "BatchDetectSentiment"))
    assert_error(answer, "BatchSizeLimitExceededException", "too_many_texts")
    assert "limit is 2" in answer[2]["message"]


def test_analyses_and_rejections_are_counted_like_the_apis_others(capsys):
    capsys.readouterr()
    texts = ["I love it.", "Awful.", "Great!", FRENCH]
    call(event({"TextList": texts, "LanguageCode": "en"}, target=TARGET + "BatchDetectSentiment"))
    call(event({"Text": "I love it.", "LanguageCode": "en"}))
    call(event({"Text": "I love it.", "LanguageCode": "de"}))
    documents = emf_documents(capsys.readouterr().out)
    analyses = [(d["sentiment"], d["Analyses"]) for d in documents if "Analyses" in d]
    assert sorted(analyses) == [("negative", [1.0]), ("positive", [1.0]), ("positive", [2.0])]
    rejected = [d["code"] for d in documents if "RejectedRequests" in d]
    assert rejected == ["unsupported_language"]


def test_answers_carry_the_cors_headers_when_cors_is_on(monkeypatch):
    monkeypatch.setenv("CORS_ALLOW_ORIGIN", "*")
    made = event({"Text": "I love it.", "LanguageCode": "en"})
    assert call(made)[1]["access-control-allow-origin"] == ["*"]


@pytest.mark.parametrize("operation", list(docs.EXAMPLES))
def test_the_documented_examples_are_what_the_endpoint_answers(operation):
    request, response = docs.EXAMPLES[operation]
    assert call(event(request, target=TARGET + operation)) == (
        200,
        {
            "content-type": [protocol.CONTENT_TYPE],
            "x-amzn-requestid": [api_event()["requestContext"]["requestId"]],
        },
        response,
    )


def test_the_documented_errors_are_what_the_endpoint_answers():
    cases = {
        "InvalidRequestException": event("not json"),
        "TextSizeLimitExceededException": event({"Text": "x" * 5001, "LanguageCode": "en"}),
        "UnsupportedLanguageException": event({"Text": "ok", "LanguageCode": "fr"}),
        "BatchSizeLimitExceededException": event(
            {"TextList": ["x"] * 26, "LanguageCode": "en"}, target=TARGET + "BatchDetectSentiment"
        ),
        "UnknownOperationException": event({"Text": "x"}, target=TARGET + "DetectEntities"),
    }
    documented = [protocol.error_body(exc)[1] for exc in docs.ERROR_EXAMPLES]
    assert [body["__type"] for body in documented] == list(cases)
    for body, made in zip(documented, cases.values(), strict=True):
        assert call(made)[2] == body


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=10,
)
MEMBERS = st.dictionaries(
    st.sampled_from(["Text", "TextList", "LanguageCode", "Other"]),
    JSON_VALUES | st.sampled_from(["en", "I love it.", "Awful.", ["I love it.", ""], ""]),
    max_size=4,
)


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    target=st.sampled_from([*SERVED_TARGETS, TARGET + "DetectEntities", "x"])
    | st.text(max_size=40),
    body=st.one_of(MEMBERS.map(json.dumps), JSON_VALUES.map(json.dumps), st.text(max_size=60)),
    content_type=st.none() | st.sampled_from([protocol.CONTENT_TYPE, "text/plain"]),
    base64_flag=st.booleans(),
    engine=st.none() | st.sampled_from(["textblob", "model", "nope", ""]),
)
def test_never_a_server_error_and_always_the_protocols_shape(
    target, body, content_type, base64_flag, engine
):
    made = event(body, target=target, content_type=content_type)
    if base64_flag:
        made["body"] = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode()
        made["isBase64Encoded"] = True
    if engine is not None:
        made["headers"]["X-Sentiment-Engine"] = engine
    status, headers, payload = call(made)
    assert status in (200, 400)
    assert headers["content-type"] == [protocol.CONTENT_TYPE]
    if status == 400:
        assert payload["__type"] in protocol.ERROR_TYPES.values()
        assert set(payload) == {"__type", "message", "Message", "error", "code"}
        assert "Traceback" not in payload["message"] and ".py" not in payload["message"]
