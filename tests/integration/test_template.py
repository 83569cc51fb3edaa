"""The SAM template: valid, and wired to the code it deploys."""

import json
import subprocess

import pytest
from samcli.yamlhelper import yaml_parse

from sentiment_api.handlers import api, router
from sentiment_api.settings import DEFAULT_MAX_TEXT_LENGTH, MAX_BATCH_SIZE_LIMIT, Settings
from support import ROOT, SAM, SAM_ENV, api_event

TEMPLATE = yaml_parse((ROOT / "template.yaml").read_text())
RESOURCES = TEMPLATE["Resources"]
FUNCTION = RESOURCES["SentimentFunction"]


def api_events():
    return [e["Properties"] for e in FUNCTION["Properties"]["Events"].values()]


def test_sam_validate_lint_passes_without_warnings():
    result = subprocess.run(
        [SAM, "validate", "--lint"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=SAM_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Nothing but the verdict: any cfn-lint warning would add lines.
    assert [line for line in result.stdout.splitlines() if line.strip()] == [
        f"{ROOT / 'template.yaml'} is a valid SAM Template"
    ]


def test_function_is_a_container_image_built_from_the_dockerfile():
    assert FUNCTION["Properties"]["PackageType"] == "Image"
    metadata = FUNCTION["Metadata"]
    dockerfile = ROOT / metadata["DockerContext"] / metadata["Dockerfile"]
    assert dockerfile.is_file()
    assert metadata["DockerTag"]
    lines = dockerfile.read_text().splitlines()
    assert "FROM public.ecr.aws/lambda/python:3.13" in lines
    assert lines[-1] == f'CMD ["{api.__name__}.lambda_handler"]'


def test_globals_keep_timeout_under_api_gateways_and_trace():
    function_globals = TEMPLATE["Globals"]["Function"]
    assert function_globals["Timeout"] <= 10 < 29
    assert function_globals["MemorySize"] >= 128
    assert function_globals["Tracing"] == "Active"
    variables = function_globals["Environment"]["Variables"]
    assert {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
    } <= set(variables)
    assert RESOURCES["SentimentApi"]["Type"] == "AWS::Serverless::Api"
    assert RESOURCES["SentimentApi"]["Properties"]["TracingEnabled"] is True


def test_text_cap_parameter_feeds_the_function_and_matches_the_code_default():
    parameter = TEMPLATE["Parameters"]["MaxTextLength"]
    assert parameter["Default"] == DEFAULT_MAX_TEXT_LENGTH
    variables = FUNCTION["Properties"]["Environment"]["Variables"]
    assert variables["MAX_TEXT_LENGTH"] == {"Ref": "MaxTextLength"}


def test_every_route_of_the_router_is_an_any_event_and_nothing_else(lambda_context):
    events = api_events()
    assert all(e["RestApiId"] == {"Ref": "SentimentApi"} for e in events)
    assert all(e["Method"] == "ANY" for e in events)  # the function answers 405 itself
    assert {e["Path"] for e in events} == set(router._ALLOWED_METHODS)
    for path, methods in router._ALLOWED_METHODS.items():
        for method in methods:
            body = '{"text": "fine"}' if path == "/analyse" else None
            body = '{"texts": ["fine"]}' if path == "/analyse/batch" else body
            response = api.lambda_handler(api_event(method, path, body), lambda_context)
            assert response["statusCode"] == 200, (path, method)


def test_settings_parameters_feed_the_function_and_match_the_code_defaults():
    variables = FUNCTION["Properties"]["Environment"]["Variables"]
    defaults = Settings()
    for parameter, variable, default in (
        ("MaxBatchSize", "MAX_BATCH_SIZE", defaults.max_batch_size),
        ("NeutralThreshold", "NEUTRAL_THRESHOLD", defaults.neutral_threshold),
    ):
        assert TEMPLATE["Parameters"][parameter]["Default"] == default
        assert variables[variable] == {"Ref": parameter}
    assert TEMPLATE["Parameters"]["MaxBatchSize"]["MaxValue"] == MAX_BATCH_SIZE_LIMIT


@pytest.mark.parametrize(
    ("response_type", "status", "code"),
    [
        ("MISSING_AUTHENTICATION_TOKEN", 404, "not_found"),  # API Gateway's "no such route"
        ("THROTTLED", 429, "throttled"),
        ("REQUEST_TOO_LARGE", 413, "request_too_large"),
        ("DEFAULT_4XX", None, "gateway_rejected"),
        ("DEFAULT_5XX", None, "internal_error"),
    ],
)
def test_gateway_responses_use_the_error_shape(response_type, status, code):
    responses = RESOURCES["SentimentApi"]["Properties"]["GatewayResponses"]
    assert len(responses) == 5
    response = responses[response_type]
    body = json.loads(response["ResponseTemplates"]["application/json"])
    assert set(body) == {"error", "code"} and body["code"] == code
    assert response.get("StatusCode") == status


def test_outputs_give_the_https_url_and_the_function_arn():
    outputs = TEMPLATE["Outputs"]
    url = outputs["SentimentApiUrl"]["Value"]["Fn::Sub"]
    assert url.startswith("https://${SentimentApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/")
    assert outputs["SentimentFunctionArn"]["Value"] == {"Fn::GetAtt": ["SentimentFunction", "Arn"]}


def test_provisioned_concurrency_is_off_by_default_and_set_on_the_alias_when_asked():
    parameter = TEMPLATE["Parameters"]["ProvisionedConcurrency"]
    assert (parameter["Type"], parameter["Default"], parameter["MinValue"]) == ("Number", 0, 0)
    # CloudFormation compares the parameter as a string: "0" means off
    assert TEMPLATE["Conditions"]["HasProvisionedConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ProvisionedConcurrency"}, "0"]}]
    }
    properties = FUNCTION["Properties"]
    assert properties["AutoPublishAlias"] == "live"  # provisioned concurrency needs an alias
    assert properties["ProvisionedConcurrencyConfig"] == {
        "Fn::If": [
            "HasProvisionedConcurrency",
            {"ProvisionedConcurrentExecutions": {"Ref": "ProvisionedConcurrency"}},
            {"Ref": "AWS::NoValue"},
        ]
    }
