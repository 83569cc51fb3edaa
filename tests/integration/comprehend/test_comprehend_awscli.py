"""The AWS CLI (v1, in its own venv: ``make cli``) against the API function's handler served on
127.0.0.1: ``aws comprehend ... --endpoint-url``, with the API-key plugin of
``tools/awscli_plugin`` (the CLI has no option that adds a header)."""

import json
import os
import subprocess

import pytest

from comprehend_support import API_KEY
from support import ROOT

AWS = ROOT / ".venv-cli" / "bin" / "aws"
PLUGIN = ROOT / "tools" / "awscli_plugin"


@pytest.fixture
def aws(api, tmp_path):
    """Run ``aws comprehend <args>`` against the local API; returns the finished process."""
    if not AWS.exists():
        pytest.fail("no .venv-cli: run `make cli` (make test and make integration do)")

    def run(*args, plugin=True, key=API_KEY):
        config = tmp_path / "aws-config"
        config.write_text("[plugins]\nsentiment_api_key = sentiment_api_key\n" if plugin else "")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SENTIMENT_"))}
        env |= {
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONPATH": str(PLUGIN),
        }
        if key is not None:
            env["SENTIMENT_API_KEY"] = key
        return subprocess.run(
            [str(AWS), "comprehend", *args, "--endpoint-url", api.url, "--region", "us-east-1",
             "--no-sign-request", "--output", "json"],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip

    return run


def test_detect_sentiment(aws, api):
    run = aws("detect-sentiment", "--text", "I love it.", "--language-code", "en")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["Sentiment"] == "POSITIVE"
    (request,) = api.received
    assert request.header("x-api-key") == API_KEY  # the plugin's
    assert request.header("Authorization") is None  # --no-sign-request


def test_the_batch_and_language_operations(aws):
    run = aws(
        "batch-detect-sentiment", "--text-list", "I love it.", "Awful.", "--language-code", "en"
    )
    assert [r["Sentiment"] for r in json.loads(run.stdout)["ResultList"]] == [
        "POSITIVE",
        "NEGATIVE",
    ]
    run = aws("detect-dominant-language", "--text", "Le service était lent et la soupe froide.")
    assert json.loads(run.stdout)["Languages"][0]["LanguageCode"] == "fr"


def test_a_modelled_error_is_the_clis_service_error(aws, api):
    run = aws("detect-sentiment", "--text", "x" * 5001, "--language-code", "en")
    assert run.returncode == 255  # v1's exit code for a service error (v2: 254)
    assert "(TextSizeLimitExceededException) when calling the DetectSentiment operation" in (
        run.stderr
    )
    assert len(api.received) == 1  # not retried


def test_without_the_plugin_no_key_is_sent(aws, api):
    # (the local server checks no key, as sam local start-api; deployed, this is a 403)
    run = aws("detect-sentiment", "--text", "ok", "--language-code", "en", plugin=False)
    assert run.returncode == 0, run.stderr
    assert api.received[-1].header("x-api-key") is None


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("http://127.0.0.1:3000/", True),
        ("https://abc123.execute-api.eu-west-1.amazonaws.com/prod", True),
        ("https://api.example.com/sentiment", True),
        ("https://comprehend.eu-west-1.amazonaws.com/", False),  # Amazon Comprehend itself
        ("https://comprehend.cn-north-1.amazonaws.com.cn/", False),
    ],
)
def test_the_plugin_sends_the_key_to_this_api_never_to_comprehend_itself(url, sent, monkeypatch):
    import importlib.util

    from botocore.awsrequest import AWSRequest

    spec = importlib.util.spec_from_file_location("plugin", PLUGIN / "sentiment_api_key.py")
    assert spec is not None and spec.loader is not None
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    monkeypatch.setenv("SENTIMENT_API_KEY", API_KEY)
    request = AWSRequest(method="POST", url=url, data=b"{}")
    plugin.add_api_key(request)
    assert request.headers.get("x-api-key") == (API_KEY if sent else None)
