"""The Comprehend-compatible endpoint on the built image under ``sam local start-api``, driven by
the real clients: boto3's ``comprehend`` client and the AWS CLI (``make cli``), each with only
its endpoint URL changed (and the API-key hook, which the emulator does not check)."""

import json
import os
import subprocess

import pytest
from botocore.exceptions import ClientError

from comprehend_support import API_KEY, comprehend_client, isolate_aws
from support import ROOT

FRENCH = "Le service était lent et la soupe froide."
MIXED = "The food was great. The service was not good at all!"


@pytest.fixture(autouse=True)
def _isolated_aws(monkeypatch, tmp_path):
    isolate_aws(monkeypatch, tmp_path)


@pytest.fixture
def client(local_api):
    return comprehend_client(local_api)


def test_boto3_detect_sentiment(client):
    response = client.detect_sentiment(Text=MIXED, LanguageCode="en")
    assert response["Sentiment"] == "MIXED"
    scores = response["SentimentScore"]
    assert set(scores) == {"Positive", "Negative", "Neutral", "Mixed"}
    assert abs(sum(scores.values()) - 1) < 1e-9
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert client.detect_sentiment(Text="I love it.", LanguageCode="en")["Sentiment"] == "POSITIVE"


def test_boto3_batch_detect_sentiment(client):
    texts = ["I love it.", "é" * 2501, FRENCH]
    response = client.batch_detect_sentiment(TextList=texts, LanguageCode="en")
    assert [(r["Index"], r["Sentiment"]) for r in response["ResultList"]] == [(0, "POSITIVE")]
    assert [(e["Index"], e["ErrorCode"]) for e in response["ErrorList"]] == [
        (1, "TEXT_SIZE_LIMIT_EXCEEDED"),
        (2, "UNSUPPORTED_LANGUAGE"),
    ]


def test_boto3_language_operations(client):
    languages = client.detect_dominant_language(Text=FRENCH)["Languages"]
    assert languages[0]["LanguageCode"] == "fr"
    response = client.batch_detect_dominant_language(TextList=["The food was lovely.", FRENCH])
    assert [r["Languages"][0]["LanguageCode"] for r in response["ResultList"]] == ["en", "fr"]


@pytest.mark.parametrize(
    ("call", "exception"),
    [
        (lambda c: c.detect_sentiment(Text="x" * 5001, LanguageCode="en"),
         "TextSizeLimitExceededException"),
        (lambda c: c.batch_detect_sentiment(TextList=["x"] * 26, LanguageCode="en"),
         "BatchSizeLimitExceededException"),
        (lambda c: c.detect_sentiment(Text="I love it.", LanguageCode="fr"),
         "UnsupportedLanguageException"),
        (lambda c: c.detect_sentiment(Text=FRENCH, LanguageCode="en"),
         "UnsupportedLanguageException"),
    ],
)  # fmt: skip
def test_boto3_modelled_exceptions_are_raised_and_not_retried(client, call, exception):
    with pytest.raises(getattr(client.exceptions, exception)) as caught:
        call(client)
    metadata = caught.value.response["ResponseMetadata"]
    assert (metadata["HTTPStatusCode"], metadata["RetryAttempts"]) == (400, 0)


def test_boto3_invalid_request_with_client_validation_off(local_api):
    client = comprehend_client(local_api, parameter_validation=False)
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.detect_sentiment(Text="", LanguageCode="en")


def test_boto3_another_operation_is_unknown(client):
    with pytest.raises(ClientError) as caught:
        client.detect_entities(Text="I love it.", LanguageCode="en")
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 0


def test_boto3_signed_client_works(local_api):
    client = comprehend_client(local_api, signed=True)
    assert client.detect_sentiment(Text="I love it.", LanguageCode="en")["Sentiment"] == "POSITIVE"


def test_aws_cli_detect_sentiment(local_api, tmp_path):
    aws = ROOT / ".venv-cli" / "bin" / "aws"
    if not aws.exists():
        pytest.fail("no .venv-cli: run `make cli` (make e2e and make test do)")
    config = tmp_path / "aws-config"
    config.write_text("[plugins]\nsentiment_api_key = sentiment_api_key\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONPATH": str(ROOT / "tools" / "awscli_plugin"),
        "SENTIMENT_API_KEY": API_KEY,
    }
    common = ["--endpoint-url", local_api, "--region", "us-east-1", "--no-sign-request"]
    run = subprocess.run(
        [str(aws), "comprehend", "detect-sentiment", "--text", "I love it.",
         "--language-code", "en", *common, "--output", "json"],
        capture_output=True, text=True, env=env, timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["Sentiment"] == "POSITIVE"
    run = subprocess.run(
        [str(aws), "comprehend", "detect-sentiment", "--text", "x" * 5001,
         "--language-code", "en", *common],
        capture_output=True, text=True, env=env, timeout=180,
    )  # fmt: skip
    assert run.returncode == 255
    assert "(TextSizeLimitExceededException)" in run.stderr
