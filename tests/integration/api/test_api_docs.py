"""GET /openapi.json and GET /docs: the documentation the function serves itself."""

import json
import re

import pytest

from sentiment_api import __version__
from sentiment_api.api.app import ALLOWED_METHODS
from sentiment_api.api.models import AnalyseRequest, BatchRequest
from sentiment_api.engines import ENGINE_NAMES
from sentiment_api.handlers import api
from sentiment_api.http.models import ErrorResponse
from support import ROOT, FakeLambdaContext, api_event

ERROR_STATUSES = {"400", "413", "415", "422"}


def get(path, *, query=None, stage_in_path=False):
    event = api_event("GET", path)
    event["requestContext"]["path"] = f"/prod{path}" if stage_in_path else path
    event["queryStringParameters"] = query
    return api.lambda_handler(event, FakeLambdaContext())


@pytest.fixture(scope="module")
def document():
    response = get("/openapi.json")
    assert response["statusCode"] == 200
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    return json.loads(response["body"])


def test_document_lists_every_route_and_its_responses(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == __version__
    operations = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert operations == {
        ("/", "get"),
        ("/", "head"),
        ("/", "post"),  # the Comprehend-compatible endpoint
        ("/analyse", "post"),
        ("/analyse/batch", "post"),
    }
    for path in ("/analyse", "/analyse/batch"):
        responses = document["paths"][path]["post"]["responses"]
        assert set(responses) == {"200"} | ERROR_STATUSES
        for status in ERROR_STATUSES:
            content = responses[status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
            assert content["examples"], (path, status)
    # Routes without a body cannot answer 422, and Powertools' own 422 shape is gone
    assert set(document["paths"]["/"]["get"]["responses"]) == {"200"}
    assert "HTTPValidationError" not in json.dumps(document)


def test_every_path_the_router_serves_is_documented_or_meta(document):
    assert set(ALLOWED_METHODS) == set(document["paths"]) | {"/openapi.json", "/docs", "/try"}


def test_examples_are_valid_requests_and_errors(document):
    for path, model in (("/analyse", AnalyseRequest), ("/analyse/batch", BatchRequest)):
        operation = document["paths"][path]["post"]
        for example in operation["requestBody"]["content"]["application/json"]["examples"].values():
            model.model_validate(example["value"])
        for status in ERROR_STATUSES:
            examples = operation["responses"][status]["content"]["application/json"]["examples"]
            for code, example in examples.items():
                assert ErrorResponse.model_validate(example["value"]).code == code


def test_units_and_limits_are_described(document):
    schemas = document["components"]["schemas"]
    assert "code points" in schemas["AnalyseRequest"]["properties"]["text"]["description"]
    assert "code points" in schemas["SentenceResult"]["properties"]["offset"]["description"]
    assert "[-1, 1]" in schemas["AnalyseResponse"]["properties"]["sentiment_score"]["description"]
    assert "25" in schemas["BatchRequest"]["properties"]["texts"]["description"]
    threshold = schemas["AnalyseRequest"]["properties"]["neutral_threshold"]["anyOf"][0]
    assert (threshold["minimum"], threshold["maximum"]) == (0.0, 1.0)


def test_server_is_the_stage_when_the_url_has_it():
    in_stage = json.loads(get("/openapi.json", stage_in_path=True)["body"])
    local = json.loads(get("/openapi.json")["body"])

    assert in_stage["servers"] == [{"url": "/prod"}]
    assert local["servers"] == [{"url": "/"}]


def test_docs_page_is_swagger_ui_with_its_assets_inlined(document):
    response = get("/docs")

    assert response["statusCode"] == 200
    assert response["multiValueHeaders"]["Content-Type"] == ["text/html; charset=utf-8"]
    page = response["body"]
    assert "SwaggerUIBundle(" in page and "swagger-ui" in page
    # Offline: no script or style sheet comes from anywhere else
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+stylesheet", page)
    assert '"/analyse/batch"' in page  # the document is embedded


def test_docs_json_format_is_the_document(document):
    response = get("/docs", query={"format": "json"})
    assert json.loads(response["body"]) == document


def test_engine_option_and_model_fields_are_described(document):
    schemas = document["components"]["schemas"]
    response = schemas["AnalyseResponse"]["properties"]
    assert "absent with the model engine" in response["subjectivity"]["description"].lower()
    assert "positive, neutral and negative" in response["probabilities"]["description"]
    assert "log-odds" in schemas["ContributionResult"]["properties"]["contribution"]["description"]
    assert (
        "absent with the model"
        in schemas["SentenceResult"]["properties"]["subjectivity"]["description"]
    )
    engine = schemas["AnalyseRequest"]["properties"]["engine"]
    assert {"enum": list(ENGINE_NAMES), "type": "string"} in engine["anyOf"]
    assert "env ENGINE" in engine["description"]
    examples = document["paths"]["/analyse"]["post"]["requestBody"]["content"]["application/json"]
    assert examples["examples"]["model engine"]["value"]["engine"] == "model"
    assert [e["engine"] for e in schemas["AnalyseResponse"]["examples"]] == list(ENGINE_NAMES)


def test_the_document_is_the_recorded_contract():
    # The API's contract changes only on purpose: a change to the served document shows here
    # as a diff of tests/data/openapi.json, to be recorded in the same commit.
    recorded = (ROOT / "tests" / "data" / "openapi.json").read_text(encoding="utf-8")
    assert get("/openapi.json")["body"] == recorded
