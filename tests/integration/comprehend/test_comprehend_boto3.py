"""The real boto3 ``comprehend`` client against the API function's handler, served over HTTP on
127.0.0.1 in process: each operation, each modelled exception caught as
``client.exceptions.X``, the retries a client makes (none for a 4xx), the API-key hook and
credentials. The same client against ``sam local start-api``:
tests/e2e/test_sam_local_comprehend.py.
"""

import re

import botocore
import pytest
from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError, ParamValidationError

from comprehend_support import API_KEY, REGION, comprehend_client
from sentiment_api.analysis import AUTO, analyse
from sentiment_api.comprehend import shapes
from sentiment_api.comprehend.protocol import ENGINE_HEADER, MAX_DOCUMENT_BYTES
from sentiment_api.engines import get_engine
from sentiment_api.language import ranked
from support import ROOT

ENGLISH = "The food was great. The service was not good at all!"
FRENCH = "Le service était lent et la soupe froide."


def expected(text, **options):
    """What DetectSentiment answers for ``text`` at the default deployment: analyse() as the
    endpoint calls it (sentences, the language identified), in Comprehend's shape."""
    return shapes.sentiment(analyse(text, sentences=True, language=AUTO, **options))


@pytest.fixture
def client(api):
    return comprehend_client(api.url)


# ---- the four operations ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("I love it.", "POSITIVE"),
        ("It was an awful, terrible day.", "NEGATIVE"),
        ("The meeting is at three.", "NEUTRAL"),
        (ENGLISH, "MIXED"),
    ],
)
def test_detect_sentiment(client, text, sentiment):
    response = client.detect_sentiment(Text=text, LanguageCode="en")

    assert response["Sentiment"] == sentiment
    assert {k: response[k] for k in ("Sentiment", "SentimentScore")} == expected(text)
    metadata = response["ResponseMetadata"]
    assert metadata["HTTPStatusCode"] == 200 and metadata["RetryAttempts"] == 0
    assert metadata["RequestId"]  # API Gateway's request id, as x-amzn-RequestId
    assert metadata["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"


def test_batch_detect_sentiment_reports_each_documents_problem_and_analyses_the_rest(client):
    texts = ["I love it.", "é" * 2500 + "a", FRENCH, "It broke after a day. Awful."]

    response = client.batch_detect_sentiment(TextList=texts, LanguageCode="en")

    assert response["ResultList"] == [
        {"Index": 0, **expected(texts[0])},
        {"Index": 3, **expected(texts[3])},
    ]
    assert [(e["Index"], e["ErrorCode"]) for e in response["ErrorList"]] == [
        (1, "TEXT_SIZE_LIMIT_EXCEEDED"),
        (2, "UNSUPPORTED_LANGUAGE"),
    ]
    assert "5001 bytes" in response["ErrorList"][0]["ErrorMessage"]
    assert "'fr'" in response["ErrorList"][1]["ErrorMessage"]


def test_a_batch_of_25_is_answered(client):
    response = client.batch_detect_sentiment(TextList=["I love it."] * 25, LanguageCode="en")
    assert [r["Index"] for r in response["ResultList"]] == list(range(25))
    assert response["ErrorList"] == []


def test_detect_dominant_language(client):
    languages = client.detect_dominant_language(Text=FRENCH)["Languages"]
    assert languages == shapes.languages(ranked(FRENCH))
    assert languages[0]["LanguageCode"] == "fr" and languages[0]["Score"] > 0.9


def test_batch_detect_dominant_language(client):
    texts = [ENGLISH, "x" * (MAX_DOCUMENT_BYTES + 1), FRENCH]
    response = client.batch_detect_dominant_language(TextList=texts)
    assert [(r["Index"], r["Languages"][0]["LanguageCode"]) for r in response["ResultList"]] == [
        (0, "en"),
        (2, "fr"),
    ]
    assert [(e["Index"], e["ErrorCode"]) for e in response["ErrorList"]] == [
        (1, "TEXT_SIZE_LIMIT_EXCEEDED")
    ]


@pytest.mark.parametrize("engine", ["model", "encoder"])
def test_the_engine_header_is_set_with_the_same_kind_of_hook(api, engine):
    client = comprehend_client(api.url)
    client.meta.events.register(
        "before-sign.comprehend",
        lambda request, **_: request.headers.__setitem__(ENGINE_HEADER, engine),
    )
    response = client.detect_sentiment(Text=ENGLISH, LanguageCode="en")
    answer = {k: response[k] for k in ("Sentiment", "SentimentScore")}
    assert answer == expected(ENGLISH, engine=engine)
    assert answer != expected(ENGLISH)  # not textblob's


# ---- each modelled exception, raised as client.exceptions.X, and sent once ------------------


def test_text_size_limit_is_5000_utf8_bytes(client, api):
    assert client.detect_sentiment(Text="é" * 2500, LanguageCode="en")  # 5,000 bytes
    with pytest.raises(client.exceptions.TextSizeLimitExceededException) as caught:
        client.detect_sentiment(Text="é" * 2500 + "a", LanguageCode="en")  # 2,501 characters

    error = caught.value.response
    assert error["Error"]["Message"].endswith(
        "allowed is 5000 bytes while in this request the text size is 5001 bytes"
    )
    assert error["Message"] == error["Error"]["Message"]  # the error shape's member, parsed too
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(api.received) == 2  # not retried


def test_dominant_language_takes_100_kb(client):
    assert client.detect_dominant_language(Text="hello " * 16_666)["Languages"]
    with pytest.raises(client.exceptions.TextSizeLimitExceededException):
        client.detect_dominant_language(Text="a" * 100_001)


@pytest.mark.parametrize("operation", ["batch_detect_sentiment", "batch_detect_dominant_language"])
def test_more_than_25_documents(client, api, operation):
    # botocore sends them: the model's list has a min of 1 and no max
    parameters: dict[str, object] = {"TextList": ["I love it."] * 26}
    if operation == "batch_detect_sentiment":
        parameters["LanguageCode"] = "en"
    with pytest.raises(client.exceptions.BatchSizeLimitExceededException) as caught:
        getattr(client, operation)(**parameters)
    assert "26 texts; the limit is 25" in caught.value.response["Error"]["Message"]
    assert len(api.received) == 1


@pytest.mark.parametrize("code", ["fr", "EN", "xx"])  # botocore does not check the enum
def test_a_language_code_other_than_en(client, api, code):
    with pytest.raises(client.exceptions.UnsupportedLanguageException):
        client.detect_sentiment(Text="I love it.", LanguageCode=code)
    with pytest.raises(client.exceptions.UnsupportedLanguageException):
        client.batch_detect_sentiment(TextList=["I love it."], LanguageCode=code)
    assert len(api.received) == 2


def test_a_text_identified_as_another_language(client):
    with pytest.raises(client.exceptions.UnsupportedLanguageException) as caught:
        client.detect_sentiment(Text=FRENCH, LanguageCode="en")
    message = caught.value.response["Error"]["Message"]
    assert "'fr'" in message and '"language"' not in message  # no POST /analyse option here


@pytest.mark.parametrize(
    ("operation", "parameters"),
    [
        ("detect_sentiment", {"Text": "", "LanguageCode": "en"}),
        ("detect_sentiment", {"LanguageCode": "en"}),
        ("detect_sentiment", {"Text": "I love it."}),
        ("detect_sentiment", {"Text": 5, "LanguageCode": "en"}),
        ("batch_detect_sentiment", {"TextList": [], "LanguageCode": "en"}),
        ("batch_detect_sentiment", {"TextList": ["ok", ""], "LanguageCode": "en"}),
        ("detect_dominant_language", {"Text": ""}),
        ("batch_detect_dominant_language", {"TextList": []}),
    ],
)
def test_invalid_requests_are_refused_by_botocore_and_then_by_the_endpoint(
    api, operation, parameters
):
    with pytest.raises(ParamValidationError):  # botocore's own check: nothing is sent
        getattr(comprehend_client(api.url), operation)(**parameters)
    assert api.received == []
    unchecked = comprehend_client(api.url, parameter_validation=False)
    with pytest.raises(unchecked.exceptions.InvalidRequestException):
        getattr(unchecked, operation)(**parameters)
    assert len(api.received) == 1


def test_an_unknown_engine_is_an_invalid_request(api):
    client = comprehend_client(api.url)
    client.meta.events.register(
        "before-sign.comprehend",
        lambda request, **_: request.headers.__setitem__(ENGINE_HEADER, "vader"),
    )
    with pytest.raises(client.exceptions.InvalidRequestException) as caught:
        client.detect_sentiment(Text="I love it.", LanguageCode="en")
    assert "textblob, model, encoder" in caught.value.response["Error"]["Message"]


def test_another_comprehend_operation_is_a_plain_client_error(client, api):
    # What an AWS JSON service answers for a target it does not serve; not one of Comprehend's
    # error shapes, so botocore has no class for it (as against Comprehend itself)
    with pytest.raises(ClientError) as caught:
        client.detect_entities(Text="I love it.", LanguageCode="en")
    assert type(caught.value) is ClientError
    assert not hasattr(client.exceptions, "UnknownOperationException")
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
        "UnknownOperationException",
        400,
    )
    assert "DetectSentiment" in error["Error"]["Message"]
    assert len(api.received) == 1


# ---- retries: a 4xx never, the service's own failure as the retry mode says -----------------


@pytest.fixture
def broken_encoder(tmp_path, monkeypatch):
    """The encoder's artefacts missing: its requests are 503 ``engine_unavailable``."""
    from sentiment_api.engines import encoder

    monkeypatch.setattr(encoder.EncoderModel.__init__, "__defaults__", (tmp_path,))
    get_engine.cache_clear()
    yield
    get_engine.cache_clear()


@pytest.mark.parametrize(("mode", "attempts"), [("legacy", 5), ("standard", 3)])
def test_a_5xx_is_the_modelled_internal_error_and_retried_with_the_key_each_time(
    api, broken_encoder, no_sleep, mode, attempts
):
    client = comprehend_client(api.url, retries={"mode": mode})
    client.meta.events.register(
        "before-sign.comprehend",
        lambda request, **_: request.headers.__setitem__(ENGINE_HEADER, "encoder"),
    )
    with pytest.raises(client.exceptions.InternalServerException) as caught:
        client.detect_sentiment(Text="I love it.", LanguageCode="en")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert "encoder engine cannot be loaded" in caught.value.response["Error"]["Message"]
    assert len(api.received) == attempts
    assert all(r.header("x-api-key") == API_KEY for r in api.received)  # every attempt
    # botocore numbers its attempts: "attempt=1", then "ttl=...; attempt=2; max=..."
    numbers = [r.header("Amz-Sdk-Request").rsplit("attempt=", 1)[1] for r in api.received]
    assert [n.split(";")[0] for n in numbers] == [str(i) for i in range(1, attempts + 1)]


@pytest.mark.parametrize("mode", ["legacy", "standard"])
def test_no_4xx_is_retried_in_either_mode(api, no_sleep, mode):
    client = comprehend_client(api.url, retries={"mode": mode})
    calls = [
        lambda: client.detect_sentiment(Text="é" * 2501, LanguageCode="en"),
        lambda: client.detect_sentiment(Text="I love it.", LanguageCode="fr"),
        lambda: client.batch_detect_sentiment(TextList=["a"] * 26, LanguageCode="en"),
        lambda: client.detect_entities(Text="I love it.", LanguageCode="en"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert len(api.received) == len(calls)


# ---- the API key and credentials ----------------------------------------------------------


def test_the_documented_hook_puts_the_key_on_the_wire_and_no_signature(client, api):
    client.detect_sentiment(Text="I love it.", LanguageCode="en")
    (request,) = api.received
    assert request.header("x-api-key") == API_KEY
    assert request.header("Authorization") is None  # UNSIGNED: no SigV4 at all
    assert request.header("X-Amz-Target") == "Comprehend_20171127.DetectSentiment"


def test_a_signed_client_works_its_signature_unchecked(api):
    # Existing code with AWS credentials keeps them: the endpoint neither needs nor checks SigV4
    client = comprehend_client(api.url, signed=True)
    assert client.detect_sentiment(Text="I love it.", LanguageCode="en")["Sentiment"]
    (request,) = api.received
    assert request.header("Authorization").startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "x-api-key" in request.header("Authorization")  # before-sign: the key is signed too


def test_a_signed_client_without_credentials_fails_before_sending(api):
    import boto3

    # (a new session: boto3's default one keeps the credentials an earlier test may have set)
    client = boto3.session.Session().client("comprehend", endpoint_url=api.url, region_name=REGION)
    with pytest.raises(NoCredentialsError):
        client.detect_sentiment(Text="I love it.", LanguageCode="en")
    assert api.received == []


def test_a_region_is_needed_even_with_an_endpoint_url(api):
    import boto3

    with pytest.raises(NoRegionError):
        boto3.session.Session().client(
            "comprehend",
            endpoint_url=api.url,
            config=botocore.config.Config(signature_version=botocore.UNSIGNED),
        )


def test_the_readmes_example_runs_as_shown(api, monkeypatch, capsys):
    # "Coming from Comprehend": existing code, its endpoint_url changed, the key's one line
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Coming from Comprehend")[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found is not None
    url = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    assert url in found.group(1)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")  # existing code's credentials
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "a-session-token")

    monkeypatch.setattr("boto3.DEFAULT_SESSION", None)  # the README's own, from this environment
    exec(found.group(1).replace(url, api.url), {"API_KEY": API_KEY})

    printed = capsys.readouterr().out
    assert "POSITIVE {'Positive': 0.5, 'Negative': 0.0, 'Neutral': 0.5, 'Mixed': 0.0}" in printed
    assert "the text size is 5001 bytes" in printed
    assert [r.header("x-api-key") for r in api.received] == [API_KEY, API_KEY]
    # unsigned, although the environment has credentials: none of them leaves the client
    assert all(r.header("Authorization") is None for r in api.received)
    assert all(r.header("X-Amz-Security-Token") is None for r in api.received)
