"""The API function's handler, called in-process with API Gateway proxy events."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest

from sentiment_api import observability
from sentiment_api.handlers import api
from sentiment_api.language import identify
from sentiment_api.settings import get_settings
from support import (
    EVENTS,
    EXPECTED_STATUS,
    JOBS_EXPECTED_STATUS,
    ROOT,
    S3_EVENTS,
    api_event,
    assert_clean_error,
    call,
    emf_documents,
    load_event,
    run_python,
)


def test_every_fixture_gives_its_expected_status(lambda_context):
    # The API function's fixtures; the job functions' are run by their own tests.
    others = [*JOBS_EXPECTED_STATUS, *S3_EVENTS]
    assert sorted(p.name for p in EVENTS.glob("*.json")) == sorted([*EXPECTED_STATUS, *others])
    for name, expected in EXPECTED_STATUS.items():
        status, headers, body = call(load_event(name), lambda_context)
        assert status == expected, name
        if status >= 400:
            assert_clean_error(status, headers, body)


def test_analyse_returns_the_tutorials_result(lambda_context):
    status, headers, body = call(load_event("analyse_positive.json"), lambda_context)

    assert status == 200
    assert headers["content-type"] == ["application/json"]
    guess = identify("Happy New Year!")  # the deployment identifies the language by default
    assert body == {
        "input": "Happy New Year!",
        "sentiment_score": 0.48522727272727273,
        "sentiment": "positive",
        "subjectivity": 0.7272727272727273,
        "neutral_threshold": 0.0,
        "engine": "textblob",
        "language": "en",
        "language_confidence": guess.confidence,
    }
    assert guess.code == "en"


def test_health_check_reports_ok_and_version(lambda_context):
    from sentiment_api import __version__

    status, _, body = call(load_event("health.json"), lambda_context)

    assert (status, body) == (200, {"health_check": "OK", "version": __version__})


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (None, "no_text"),
        ("", "no_text"),
        ("null", "no_text"),
        ("{}", "no_text"),
        ('{"text": null}', "no_text"),
        ('{"text": ""}', "no_text"),
        ('{"text": " \\n\\t\\u00a0 "}', "no_text"),
        ('{"text": "unterminated', "invalid_json"),
        ("{'text': 'single quotes'}", "invalid_json"),
        ("[" * 20_000 + "]" * 20_000, "invalid_json"),  # deeper than json can recurse
        ("[" * 65 + "]" * 65, "invalid_json"),  # deeper than MAX_JSON_DEPTH, on every Python
        ('{"text": ' + "[" * 64 + "]" * 64 + "}", "invalid_json"),
        ('{"text": "a", "text": "b"}', "duplicate_key"),
        ('{"texts": [{"a": 1, "a": 1}]}', "duplicate_key"),
        ('{"text": ' + "1" * 5000 + "}", "invalid_json"),  # int longer than Python converts
    ],
)
def test_missing_or_malformed_bodies_are_400(lambda_context, body, code):
    status, headers, payload = call(api_event(body=body), lambda_context)

    assert status == 400
    assert_clean_error(status, headers, payload, code=code)
    if code == "no_text":
        assert payload["error"] == "No text provided"  # the tutorial's message, kept


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('["Happy New Year!"]', []),
        ('"Happy New Year!"', []),
        ("42", []),
        ('{"text": 42}', ["text"]),
        ('{"text": true}', ["text"]),
        ('{"text": ["a"]}', ["text"]),
        ('{"text": {"a": 1}}', ["text"]),
        ('{"text": "fine", "lang": "en"}', ["lang"]),  # unknown fields are rejected
        ('{"text": "\\ud800 lone surrogate"}', ["text"]),
        ("[" * 64 + "]" * 64, []),  # MAX_JSON_DEPTH: parsed, then refused by the model
        ('{"text": ' + "[" * 63 + "]" * 63 + "}", ["text"]),
        ('{"text": "' + "[{" * 100 + '", "x": 1}', ["x"]),  # brackets in a string do not nest
    ],
)
def test_bodies_of_the_wrong_shape_are_422_naming_the_field(lambda_context, body, field):
    status, headers, payload = call(api_event(body=body), lambda_context)

    assert status == 422
    assert_clean_error(status, headers, payload, code="validation_error")
    assert payload["details"][0]["loc"] == field


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe{}",  # not UTF-8
        b'{"text": "\xed\xa0\x80"}',  # a UTF-8-encoded surrogate is not UTF-8 either
        b'{"text": "caf\xe9"}',  # Latin-1
    ],
)
def test_base64_bodies_that_are_not_utf8_are_400(lambda_context, raw):
    status, headers, payload = call(api_event(body=raw), lambda_context)

    assert_clean_error(status, headers, payload, code="invalid_body_encoding")


@pytest.mark.parametrize(
    "body",
    [
        "eyJ0ZXh0Ijo",  # 11 characters: bad padding
        "!!!!",  # no base64 letter at all: a lenient decoder reads an empty body
        "eyJ0ZXh0IjogImdvb2QifQ==!!",  # valid base64, then junk a lenient decoder drops
        "eyJ0ZXh0IjogImdv\nb2QifQ==",  # a line break inside
    ],
)
def test_invalid_base64_is_400_invalid_base64(lambda_context, body):
    event = api_event(body=body, base64_encoded=True)

    status, headers, payload = call(event, lambda_context)

    assert status == 400
    assert_clean_error(status, headers, payload, code="invalid_base64")


@pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "utf-16", '"windows-1252"'])
def test_a_declared_charset_other_than_utf8_is_415_naming_utf8(lambda_context, charset):
    event = api_event(
        body='{"text": "caf\u00e9"}',
        headers={"Content-Type": f"application/json; charset={charset}"},
    )

    status, headers, payload = call(event, lambda_context)

    assert status == 415
    assert_clean_error(status, headers, payload, code="unsupported_media_type")
    assert "UTF-8" in payload["error"] and charset.strip('"') in payload["error"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"', "utf8"])
def test_a_declared_utf8_charset_is_read(lambda_context, charset):
    event = api_event(
        body='{"text": "I love it"}',
        headers={"Content-Type": f"Application/JSON; charset={charset}"},
    )

    status, _, payload = call(event, lambda_context)

    assert (status, payload["sentiment"]) == (200, "positive")


def test_base64_utf8_body_is_analysed(lambda_context):
    event = api_event(body='{"text": "Café crème: délicieux! 😀", "language": "en"}'.encode())

    status, _, payload = call(event, lambda_context)

    assert status == 200
    assert payload["input"] == "Café crème: délicieux! 😀"


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
    ],
)
def test_non_json_content_types_are_415(lambda_context, content_type):
    body = "text=Happy" if "form" in content_type else '{"text": "Happy New Year!"}'
    event = api_event(body=body, headers={"Content-Type": content_type})

    status, headers, payload = call(event, lambda_context)

    assert status == 415
    assert_clean_error(status, headers, payload, code="unsupported_media_type")


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "Application/JSON", None]
)
def test_json_content_types_and_none_are_accepted(lambda_context, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    event = api_event(body='{"text": "Happy New Year!"}', headers=headers)

    status, _, payload = call(event, lambda_context)

    assert (status, payload["sentiment_score"]) == (200, 0.48522727272727273)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/analyse", "POST"),
        ("PUT", "/analyse", "POST"),
        ("DELETE", "/analyse", "POST"),
        ("PATCH", "/analyse", "POST"),
        ("HEAD", "/analyse", "POST"),
        ("PUT", "/", "GET, HEAD, POST"),  # POST /: the Comprehend-compatible endpoint
        ("DELETE", "/", "GET, HEAD, POST"),
    ],
)
def test_wrong_method_on_a_known_path_is_405_with_allow(lambda_context, method, path, allow):
    status, headers, payload = call(api_event(method, path, body=None), lambda_context)

    assert status == 405
    assert headers["allow"] == [allow]
    assert_clean_error(status, headers, payload, code="method_not_allowed")


@pytest.mark.parametrize(("method", "path"), [("GET", "/nope"), ("POST", "/analyse/extra")])
def test_unknown_path_is_404(lambda_context, method, path):
    status, headers, payload = call(api_event(method, path, body="{}"), lambda_context)

    assert status == 404
    assert_clean_error(status, headers, payload, code="not_found")


def test_text_at_the_cap_is_analysed_and_one_more_is_413(lambda_context):
    limit = get_settings().max_text_length
    at_cap = "😀" * limit  # the cap counts code points, not bytes

    ok_status, _, ok = call(api_event(body=json.dumps({"text": at_cap})), lambda_context)
    status, headers, payload = call(
        api_event(body=json.dumps({"text": at_cap + "a"})), lambda_context
    )

    assert ok_status == 200 and ok["input"] == at_cap  # never truncated
    assert status == 413
    assert_clean_error(status, headers, payload, code="text_too_long")
    assert f"{limit:,}" in payload["error"] or str(limit) in payload["error"]


def test_cap_comes_from_settings(lambda_context, deployment):
    deployment(MAX_TEXT_LENGTH="10")

    status, _, payload = call(api_event(body='{"text": "eleven char"}'), lambda_context)

    assert status == 413 and "10" in payload["error"]


def test_metrics_count_each_label_and_the_cold_start(lambda_context, capfd):
    observability.metrics.clear_metrics()
    call(load_event("analyse_negative.json"), lambda_context)

    documents = emf_documents(capfd.readouterr().out)
    analyses = [d for d in documents if "Analyses" in d]
    assert len(analyses) == 1
    assert analyses[0]["Analyses"] == [1.0] or analyses[0]["Analyses"] == 1.0
    assert analyses[0]["sentiment"] == "negative"
    assert analyses[0]["service"] == "sentiment-api"
    directive = analyses[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "SentimentApi"
    assert ["sentiment", "service"] in [sorted(dims) for dims in directive["Dimensions"]]


@pytest.fixture
def log_lines():
    """The JSON lines the Powertools Logger writes during the test."""
    buffer = io.StringIO()
    handler = observability.logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    handler.setStream(previous)


def test_rejections_are_counted_by_code_and_logged_with_the_request_id(
    lambda_context, capfd, log_lines
):
    event = api_event(body='{"text": ""}')

    call(event, lambda_context)

    rejected = [d for d in emf_documents(capfd.readouterr().out) if "RejectedRequests" in d]
    assert rejected and rejected[0]["code"] == "no_text"
    logs = [d for d in log_lines() if d.get("message") == "Request rejected"]
    assert logs[0]["correlation_id"] == event["requestContext"]["requestId"]
    assert logs[0]["level"] == "INFO" and logs[0]["code"] == "no_text"
    assert logs[0]["function_request_id"] == lambda_context.aws_request_id


def test_text_is_never_logged(lambda_context, log_lines):
    observability.logger.setLevel("DEBUG")
    try:
        call(api_event(body='{"text": "my secret diary entry"}'), lambda_context)
        call(api_event(body='{"text": "my secret diary entry", "x": 1}'), lambda_context)
    finally:
        observability.logger.setLevel("INFO")

    assert "secret diary" not in json.dumps(log_lines())


def test_api_function_does_not_import_boto3():
    code = "import sys, sentiment_api.handlers.api; print('boto3' in sys.modules)"
    assert run_python(code, AWS_LAMBDA_FUNCTION_NAME="f").strip() == "False"


def test_cold_start_of_a_plain_analysis_imports_no_router_no_pydantic_no_nltk():
    # Given a fresh interpreter that imports the handler and serves one plain POST /analyse
    code = (
        "import json, sys\n"
        "from support import FakeLambdaContext, load_event\n"
        "from sentiment_api.handlers import api\n"
        "response = api.lambda_handler(load_event('analyse_positive.json'), FakeLambdaContext())\n"
        "heavy = ['aws_lambda_powertools.event_handler', 'pydantic', 'nltk', 'boto3']\n"
        "print(response['statusCode'], *[m in sys.modules for m in heavy], file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'tests'}"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    # Then it answered 200 and loaded none of the heavy modules the router would need
    assert result.stderr.split()[-5:] == ["200", "False", "False", "False", "False"]


def test_max_text_length_is_read_from_the_environment_at_import():
    code = (
        "from sentiment_api.handlers import api; "
        "from sentiment_api.settings import get_settings; "
        "print(get_settings.cache_info().currsize, get_settings().max_text_length)"
    )
    assert (
        run_python(code, MAX_TEXT_LENGTH="123").strip() == "1 123"
    )  # read at import: a bad value fails the init


def test_an_unknown_engine_fails_the_init():
    with pytest.raises(subprocess.CalledProcessError) as failure:
        run_python("from sentiment_api.handlers import api", ENGINE="vader")
    assert "ENGINE must be one of textblob, model, encoder, not 'vader'" in failure.value.stderr


def test_body_longer_than_any_valid_request_is_413_before_parsing(lambda_context):
    body = json.dumps({"text": "x", "padding": "y" * get_settings().max_body_length})

    status, headers, payload = call(api_event(body=body), lambda_context)

    assert status == 413
    assert_clean_error(status, headers, payload, code="body_too_large")
    assert str(get_settings().max_body_length) in payload["error"]


def test_a_text_at_the_cap_in_the_costliest_escaping_fits_the_body_limit(lambda_context):
    # Every code point as a \uXXXX\uXXXX surrogate pair, then base64: the worst valid request.
    text = "😀" * get_settings().max_text_length
    body = json.dumps({"text": text}, ensure_ascii=True).encode()

    status, _, payload = call(api_event(body=body), lambda_context)

    assert status == 200 and payload["input"] == text


def test_many_unknown_fields_get_a_bounded_answer(lambda_context):
    body = json.dumps({"text": "fine", **{f"field{i}": i for i in range(2000)}})

    status, _, payload = call(api_event(body=body), lambda_context)

    assert status == 422
    assert len(payload["details"]) == 10
    assert payload["error"].endswith("and 1990 more")


def test_lone_surrogate_message_is_plain(lambda_context):
    _, _, payload = call(api_event(body='{"text": "\\udc00"}'), lambda_context)

    assert payload["details"][0]["type"] == "lone_surrogate"
    assert payload["error"] == (
        "Invalid request body: text: text contains a lone UTF-16 surrogate, which is not Unicode"
    )


@pytest.mark.parametrize("headers", [None, {}])
def test_events_without_headers_are_taken_as_json(lambda_context, headers):
    event = api_event(body='{"text": "Happy New Year!"}')
    event["headers"] = headers
    event["multiValueHeaders"] = headers

    status, _, payload = call(event, lambda_context)

    assert (status, payload["sentiment"]) == (200, "positive")


def test_head_on_health_is_allowed(lambda_context):
    response = api.lambda_handler(api_event("HEAD", "/"), lambda_context)

    assert response["statusCode"] == 200
