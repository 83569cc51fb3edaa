"""The built image under SAM CLI: `sam local invoke` on every fixture, `sam local start-api`
over real HTTP, and the evaluate command against it."""

import json
import subprocess
import urllib.error
import urllib.request

import pytest

from sentiment_api.analysis import AUTO, analyse
from sentiment_api.errors import UnsupportedLanguageError
from sentiment_api.evaluate import REFUSED, ConfusionTally, load_labelled_sentences, main
from support import DATA, EVENTS, EXPECTED_STATUS, ROOT, SAM, SAM_ENV


def sam_invoke(event_name, *extra):
    result = subprocess.run(
        [SAM, "local", "invoke", "SentimentFunction", "--skip-pull-image",
         "-e", str(EVENTS / event_name), *extra],
        cwd=ROOT, env=SAM_ENV, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    # SAM prints the function's response as the last line of stdout. Split on "\n" only:
    # str.splitlines() also splits at U+2028 and other separators the docs page's script holds.
    return json.loads(result.stdout.strip().split("\n")[-1])


@pytest.mark.parametrize("event_name", sorted(EXPECTED_STATUS))
def test_sam_local_invoke_every_fixture(built, event_name):
    response = sam_invoke(event_name)

    assert response["statusCode"] == EXPECTED_STATUS[event_name]
    if event_name == "docs.json":
        assert "SwaggerUIBundle(" in response["body"]
        return
    if event_name == "try.json":
        assert 'id="text-view"' in response["body"]
        assert "connect-src 'self'" in response["multiValueHeaders"]["Content-Security-Policy"][0]
        return
    body = json.loads(response["body"])
    if response["statusCode"] >= 400:
        assert set(body) >= {"error", "code"}
    if event_name == "analyse_positive.json":
        assert body["sentiment_score"] == 0.48522727272727273
    if event_name == "analyse_batch.json":
        assert [r["index"] for r in body["results"]] == [0, 2]
        assert [(e["index"], e["code"]) for e in body["errors"]] == [
            (1, "no_text"),
            (3, "invalid_type"),
        ]
    if event_name == "analyse_sentences_explain.json":
        assert body["mixed"] is True and len(body["sentences"]) == 2 and body["assessments"]
    if event_name == "comprehend_detect_sentiment.json":
        assert body["Sentiment"] == "MIXED" and set(body["SentimentScore"]) == {
            "Positive",
            "Negative",
            "Neutral",
            "Mixed",
        }
        assert response["multiValueHeaders"]["Content-Type"] == ["application/x-amz-json-1.1"]
    if event_name == "openapi.json":
        assert body["servers"] == [{"url": "/prod"}] and "/analyse/batch" in body["paths"]


def test_template_parameter_sets_the_text_cap(built):
    response = sam_invoke("analyse_positive.json", "--parameter-overrides", "MaxTextLength=10")

    assert response["statusCode"] == 413
    assert "limit is 10 characters" in json.loads(response["body"])["error"]


def request(url, method="GET", body=None, content_type="application/json"):
    data = None if body is None else body.encode()
    req = urllib.request.Request(url, data=data, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_start_api_analyses_text(local_api):
    status, headers, body = request(
        local_api + "/analyse", "POST", json.dumps({"text": "Happy New Year!"})
    )

    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert body == {
        "input": "Happy New Year!",
        "sentiment_score": 0.48522727272727273,
        "sentiment": "positive",
        "subjectivity": 0.7272727272727273,
        "neutral_threshold": 0.0,
        "engine": "textblob",
        "language": "en",
        "language_confidence": 0.8590407371520996,
    }


def test_start_api_health(local_api):
    assert request(local_api + "/")[::2] == (200, {"health_check": "OK", "version": "0.1.0"})


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status", "code"),
    [
        ("POST", "/analyse", '{"text": "  "}', "application/json", 400, "no_text"),
        ("POST", "/analyse", "{not json", "application/json", 400, "invalid_json"),
        ("POST", "/analyse", '{"text": 1}', "application/json", 422, "validation_error"),
        ("POST", "/analyse", json.dumps({"text": "a" * 5001}), "application/json", 413,
         "text_too_long"),
        ("POST", "/analyse", "text=hi", "application/x-www-form-urlencoded", 415,
         "unsupported_media_type"),
        ("GET", "/analyse", None, None, 405, "method_not_allowed"),
        ("DELETE", "/", None, None, 405, "method_not_allowed"),
        ("GET", "/analyse/batch", None, None, 405, "method_not_allowed"),
        ("POST", "/openapi.json", None, None, 405, "method_not_allowed"),
        ("PUT", "/docs", None, None, 405, "method_not_allowed"),
        ("POST", "/try", None, None, 405, "method_not_allowed"),
        ("POST", "/analyse/batch", json.dumps({"texts": ["a"] * 26}), "application/json", 413,
         "too_many_texts"),
    ],
)  # fmt: skip
def test_start_api_errors(local_api, method, path, body, content_type, status, code):
    got_status, headers, payload = request(local_api + path, method, body, content_type)

    assert (got_status, payload["code"]) == (status, code)
    assert payload["error"]
    if status == 405:
        allow = {"/analyse": "POST", "/analyse/batch": "POST", "/": "GET, HEAD, POST"}
        assert headers["Allow"] == allow.get(path, "GET")


def test_start_api_unknown_path_is_answered_by_the_gateway(local_api):
    # Like API Gateway, SAM's emulator answers a path with no route itself, with 403 "Missing
    # Authentication Token"; the deployed template turns that into a JSON 404 (GatewayResponses,
    # which the emulator does not implement). The function's own 404 is tested in-process.
    status, _, payload = request(local_api + "/no/such/path")

    assert (status, payload) == (403, {"message": "Missing Authentication Token"})


def test_evaluate_over_http_agrees_with_in_process_analysis(local_api, capsys):
    # Given a slice of the labelled sentences
    sentences = load_labelled_sentences(DATA, limit=40)
    expected = ConfusionTally()
    for sentence in sentences:
        label: str
        try:  # as the deployment answers: the language checked
            label = analyse(sentence.text, language=AUTO).sentiment
        except UnsupportedLanguageError:
            label = REFUSED
        expected.add(label, sentence.gold)

    # When the evaluate command sends them through the local API
    status = main(["--url", local_api, "--limit", "40", "--concurrency", "2"])

    # Then every request succeeded and the printed overall figures are the in-process ones
    out = capsys.readouterr().out
    assert status == 0
    assert expected.report("overall") in out
    assert "requests/s" in out
