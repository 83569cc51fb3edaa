"""The template as CloudFormation will see it: SAM's transform run here, then the conditions of
a given set of parameters resolved, so that each route's key requirement, CORS, alarms, quotas,
logs and firewall are checked in what would be deployed (checkov sees none of SAM's routes).

``sam local start-api`` enforces no API key, so this is where the key requirement is tested.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

import boto3
import pytest
from samcli.yamlhelper import yaml_parse
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from sentiment_api.api.app import ALLOWED_METHODS
from sentiment_api.errors import ApiKeyRequiredError
from sentiment_api.handlers import jobs_api
from sentiment_api.http import cors
from sentiment_api.http.errors import rejection_for
from sentiment_api.jobs import routes as jobs_routes
from sentiment_api.settings import Settings
from support import ROOT

TEMPLATE = yaml_parse((ROOT / "template.yaml").read_text())
PARAMETERS = TEMPLATE["Parameters"]
REGION = "eu-west-1"
STACK = "sentiment-test"
PSEUDO = {
    "AWS::Region": REGION,
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": STACK,
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:123456789012:stack/{STACK}/0f1e2d3c",
}
OPEN_METHODS = {("/", "get"), ("/openapi.json", "get"), ("/docs", "get")}
"""The only methods that never need a key (issue 12): health, the OpenAPI document, the docs."""
ANY = "x-amazon-apigateway-any-method"
NO_VALUE = object()


@cache
def _transformed() -> dict[str, Any]:
    """The template after SAM's transform (what CloudFormation receives), conditions unresolved.

    The functions get the ``ImageUri`` ``sam build`` would give them; nothing else is added."""
    template = copy.deepcopy(TEMPLATE)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["ImageUri"] = f"123456789012.dkr.ecr.{REGION}.amazonaws.com/s:t"
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    transformed: dict[str, Any] = translator.translate(
        template, dict(PSEUDO), get_managed_policy_map=lambda: {}
    )
    return transformed


def _parameter_values(overrides: dict[str, str]) -> dict[str, str]:
    values = {name: str(p.get("Default", "")) for name, p in PARAMETERS.items()}
    assert set(overrides) <= set(values), "unknown parameter"
    return {**values, **overrides}


def _condition(expression: Any, values: dict[str, str], conditions: dict[str, Any]) -> Any:
    """The value of a condition expression (Fn::Equals/Not/And/Or, Condition, Ref)."""
    if isinstance(expression, dict):
        ((function, argument),) = expression.items()
        if function == "Ref":
            return values.get(argument, PSEUDO.get(argument))
        if function == "Condition":
            return _condition(conditions[argument], values, conditions)
        evaluated = [_condition(a, values, conditions) for a in argument]
        return {
            "Fn::Equals": lambda: str(evaluated[0]) == str(evaluated[1]),
            "Fn::Not": lambda: not evaluated[0],
            "Fn::And": lambda: all(evaluated),
            "Fn::Or": lambda: any(evaluated),
        }[function]()
    return expression


def _resolve(node: Any, truth: dict[str, bool], values: dict[str, str]) -> Any:
    """``node`` with every Fn::If decided, AWS::NoValue dropped, and Refs to parameters
    replaced by their values; other intrinsic functions are left as they are."""
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, if_true, if_false = node["Fn::If"]
            return _resolve(if_true if truth[name] else if_false, truth, values)
        if node == {"Ref": "AWS::NoValue"}:
            return NO_VALUE
        if set(node) == {"Ref"} and node["Ref"] in values:
            return values[node["Ref"]]
        resolved = {k: _resolve(v, truth, values) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}
    if isinstance(node, list):
        return [v for v in (_resolve(v, truth, values) for v in node) if v is not NO_VALUE]
    return node


def deployed(**overrides: str) -> dict[str, Any]:
    """The resources CloudFormation would create with these parameter values (the others at
    their defaults): the transformed template, conditions decided, excluded resources gone."""
    template = _transformed()
    values = _parameter_values(overrides)
    conditions = template.get("Conditions", {})
    truth = {name: bool(_condition(c, values, conditions)) for name, c in conditions.items()}
    return {
        name: _resolve(resource, truth, values)
        for name, resource in template["Resources"].items()
        if "Condition" not in resource or truth[resource["Condition"]]
    }


def body(resources: dict[str, Any]) -> dict[str, Any]:
    openapi: dict[str, Any] = resources["SentimentApi"]["Properties"]["Body"]
    return openapi


def key_required(method: dict[str, Any]) -> bool:
    security: list[dict[str, list[str]]] = method.get("security", [])
    assert security in ([], [{"api_key": []}]), security
    return security == [{"api_key": []}]


def routes(resources: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): definition
        for path, item in body(resources)["paths"].items()
        for method, definition in item.items()
    }


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


# ---- access: which method needs a key -----------------------------------------------------


def test_api_auth_parameter_defaults_to_api_keys():
    parameter = PARAMETERS["ApiAuth"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("API_KEY", ["API_KEY", "NONE"])


@pytest.mark.parametrize("origin", ["", "https://app.example"])
def test_with_api_keys_every_method_but_the_three_open_gets_and_preflight_needs_a_key(origin):
    resources = deployed(ApiAuth="API_KEY", CorsAllowOrigin=origin)
    needs_key = {route for route, method in routes(resources).items() if key_required(method)}
    open_routes = set(routes(resources)) - needs_key
    preflights = {(path, "options") for path in body(resources)["paths"]} if origin else set()
    assert open_routes == OPEN_METHODS | preflights
    # every path of both functions has an ANY method that needs the key
    paths = set(ALLOWED_METHODS) | set(jobs_routes.ALLOWED_METHODS)
    assert {(path, ANY) for path in paths} <= needs_key
    assert set(body(resources)["paths"]) == paths
    assert body(resources)["components"]["securitySchemes"]["api_key"] == {
        "type": "apiKey",
        "name": "x-api-key",
        "in": "header",
    }


def test_with_auth_none_no_method_needs_a_key():
    resources = deployed(ApiAuth="NONE")
    assert routes(resources)
    assert not [route for route, method in routes(resources).items() if key_required(method)]


def test_the_preflight_is_answered_by_api_gateway_without_a_key_or_a_function():
    resources = deployed(CorsAllowOrigin="https://a.example")
    preflights = [d for (_, method), d in routes(resources).items() if method == "options"]
    assert len(preflights) == len(body(resources)["paths"])
    for definition in preflights:
        assert definition["security"] == []
        assert definition["x-amazon-apigateway-integration"]["type"] == "mock"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # SAM CLI's own, in its provider
def test_sam_local_routes_every_method_to_the_functions_and_adds_no_cors_of_its_own():
    """What `sam local start-api` serves, read by SAM CLI's own provider (no Docker): every
    method of every path reaches a function, OPTIONS too (a preflight is then the function's
    to answer: cors.preflight_response), and SAM CLI adds no CORS header itself."""
    from samcli.lib.providers.api_provider import ApiProvider
    from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

    for origin in ("", "http://127.0.0.1:8123"):
        stacks, _ = SamLocalStackProvider.get_stacks(
            str(ROOT / "template.yaml"), parameter_overrides={"CorsAllowOrigin": origin}
        )
        api = ApiProvider(stacks).api
        assert api.cors is None
        served = {}
        for route in api.routes:
            assert route.cors is None
            for method in route.methods:
                served[(route.path, method)] = route.function_name
        paths = {**dict.fromkeys(ALLOWED_METHODS, "SentimentFunction"),
                 **dict.fromkeys(jobs_routes.ALLOWED_METHODS, "JobsFunction")}  # fmt: skip
        for path, function in paths.items():
            for method in ("GET", "POST", "OPTIONS", "PUT", "DELETE"):
                assert served[(path, method)] == function, (path, method)


@pytest.mark.parametrize("auth", ["API_KEY", "NONE"])
def test_each_route_reaches_the_function_whose_events_name_it(auth):
    resources = deployed(ApiAuth=auth)
    expected_targets = {"SentimentFunction": "SentimentFunctionAliaslive", "JobsFunction": None}
    for function, target in expected_targets.items():
        events = TEMPLATE["Resources"][function]["Properties"]["Events"].values()
        declared = {(e["Properties"]["Path"], e["Properties"]["Method"].lower()) for e in events}
        in_body = set()
        for (path, method), definition in routes(resources).items():
            if method == "options":
                continue
            integration = definition["x-amazon-apigateway-integration"]
            assert (integration["type"], integration["httpMethod"]) == ("aws_proxy", "POST")
            text = json.dumps(integration["uri"])
            if (target or f"{function}.Arn") in text:
                in_body.add((path, "any" if method == ANY else method))
        # the events grant API Gateway the right to invoke exactly what the body routes there
        assert in_body == declared, function
    # and each event's permission exists after the transform
    permissions = _of_type(resources, "AWS::Lambda::Permission")
    api_events = sum(
        e["Type"] == "Api"
        for f in expected_targets
        for e in TEMPLATE["Resources"][f]["Properties"]["Events"].values()
    )
    assert len([p for p in permissions if "PermissionStage" in p]) == api_events


def test_usage_plan_throttles_and_quotas_each_key_and_the_stack_makes_one_key():
    resources = deployed()
    (plan,) = _of_type(resources, "AWS::ApiGateway::UsagePlan").values()
    properties = plan["Properties"]
    # (SAM resolves these parameter references itself, with the deployment's values)
    throttle = {k: str(v) for k, v in properties["Throttle"].items()}
    assert throttle == {
        "RateLimit": str(PARAMETERS["ApiKeyRateLimit"]["Default"]),
        "BurstLimit": str(PARAMETERS["ApiKeyBurstLimit"]["Default"]),
    }
    assert (str(properties["Quota"]["Limit"]), properties["Quota"]["Period"]) == (
        str(PARAMETERS["ApiKeyDailyQuota"]["Default"]),
        "DAY",
    )
    assert properties["ApiStages"][0]["ApiId"] == {"Ref": "SentimentApi"}
    # per-key limits sit under the stage's own ceiling
    stage_limits = method_settings(resources)[("/*", "*")]
    assert PARAMETERS["ApiKeyRateLimit"]["Default"] < stage_limits["ThrottlingRateLimit"]
    (key_name,) = _of_type(resources, "AWS::ApiGateway::ApiKey")
    (usage_plan_key,) = _of_type(resources, "AWS::ApiGateway::UsagePlanKey").values()
    assert usage_plan_key["Properties"]["KeyId"] == {"Ref": key_name}
    assert TEMPLATE["Outputs"]["ApiKeyId"]["Value"] == {"Ref": key_name}


# ---- gateway responses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response_type", "status", "code"),
    [
        ("INVALID_API_KEY", "403", "invalid_api_key"),
        ("QUOTA_EXCEEDED", "429", "quota_exceeded"),
        ("WAF_FILTERED", "403", "blocked"),
        ("MISSING_AUTHENTICATION_TOKEN", "404", "not_found"),
        ("THROTTLED", "429", "throttled"),
    ],
)
def test_gateway_rejections_are_json_errors_with_the_cors_origin(response_type, status, code):
    with_cors = gateway_responses(deployed(CorsAllowOrigin="https://app.example"))
    response = with_cors[response_type]
    assert response["statusCode"] == status
    error = json.loads(response["responseTemplates"]["application/json"])
    assert set(error) == {"error", "code"} and error["code"] == code
    header = "gatewayresponse.header.Access-Control-Allow-Origin"
    assert response["responseParameters"][header] == {"Fn::Sub": "'${CorsAllowOrigin}'"}
    for response in gateway_responses(deployed(CorsAllowOrigin="")).values():
        assert header not in response.get("responseParameters", {})


def gateway_responses(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    responses: dict[str, dict[str, Any]] = body(resources)["x-amazon-apigateway-gateway-responses"]
    return responses


def test_every_gateway_response_has_the_error_shape_and_the_cors_origin():
    responses = gateway_responses(deployed(CorsAllowOrigin="*"))
    assert {"INVALID_API_KEY", "QUOTA_EXCEEDED", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    for response in responses.values():
        assert set(json.loads(response["responseTemplates"]["application/json"])) == {
            "error",
            "code",
        }
        assert (
            "gatewayresponse.header.Access-Control-Allow-Origin" in (response["responseParameters"])
        )


# ---- CORS ---------------------------------------------------------------------------------


def test_cors_is_off_by_default_and_names_exactly_the_configured_origin():
    assert PARAMETERS["CorsAllowOrigin"]["Default"] == ""
    assert not [m for (_, m) in routes(deployed()) if m == "options"]  # OPTIONS goes to ANY
    header = "method.response.header.Access-Control-Allow-Origin"
    for (_, method), definition in routes(
        deployed(CorsAllowOrigin="http://127.0.0.1:8123")
    ).items():
        if method != "options":
            continue
        (answer,) = definition["x-amazon-apigateway-integration"]["responses"].values()
        parameters = answer["responseParameters"]
        assert parameters[header] == {"Fn::Sub": "'${CorsAllowOrigin}'"}
        # The gateway's preflight answer says what the functions' own (cors.py) says
        prefix = "method.response.header.Access-Control-"
        assert parameters[prefix + "Allow-Headers"] == f"'{cors.ALLOW_HEADERS}'"
        assert parameters[prefix + "Allow-Methods"] == f"'{cors.ALLOW_METHODS}'"
        assert parameters[prefix + "Max-Age"] == f"'{cors.MAX_AGE_S}'"
        assert set(parameters) <= {
            f"method.response.header.{h}"
            for h in definition["responses"][answer["statusCode"]]["headers"]
        }  # each mapped header is declared
    pattern = re.compile(PARAMETERS["CorsAllowOrigin"]["AllowedPattern"])
    for good in ("", "*", "https://app.example", "http://127.0.0.1:8123"):
        assert pattern.fullmatch(good), good
    for bad in ("app.example", "https://a.example/", "https://a.example,https://b.example"):
        assert not pattern.fullmatch(bad), bad


def test_both_http_functions_get_the_cors_origin():
    for name in ("SentimentFunction", "JobsFunction"):
        variables = TEMPLATE["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert variables["CORS_ALLOW_ORIGIN"] == {"Ref": "CorsAllowOrigin"}


# ---- what the jobs function is told -------------------------------------------------------


@pytest.mark.parametrize(("auth", "required"), [("API_KEY", "true"), ("NONE", "false")])
def test_jobs_function_knows_the_upload_limit_and_whether_keys_are_on(auth, required):
    function = deployed(ApiAuth=auth)["JobsFunction"]
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["AUTH_REQUIRED"] == required
    assert variables["MAX_UPLOAD_BYTES"] == "100000000"
    assert PARAMETERS["MaxUploadBytes"]["Default"] == 100_000_000
    assert PARAMETERS["MaxUploadBytes"]["MaxValue"] <= 5_000_000_000  # one S3 PUT's most


def test_job_function_has_reserved_concurrency_from_its_parameter():
    assert PARAMETERS["JobConcurrency"]["Default"] == 5
    function = deployed(JobConcurrency="3")["SentimentJobFunction"]
    assert function["Properties"]["ReservedConcurrentExecutions"] == "3"
    for name in ("SentimentFunction", "JobsFunction"):
        assert "ReservedConcurrentExecutions" not in deployed()[name]["Properties"]


def test_the_failure_queue_outlives_the_stack_and_its_replacement():
    queue = TEMPLATE["Resources"]["JobFailureQueue"]
    assert (queue["DeletionPolicy"], queue["UpdateReplacePolicy"]) == ("Retain", "Retain")


# ---- stage: throttles, compression, access logs ---------------------------------------------


def method_settings(resources: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    (stage,) = _of_type(resources, "AWS::ApiGateway::Stage").values()
    return {(s["ResourcePath"], s["HttpMethod"]): s for s in stage["Properties"]["MethodSettings"]}


def test_docs_and_batches_have_lower_throttles_than_single_analyses():
    resources = deployed()
    settings = method_settings(resources)
    analyse = settings[("/*", "*")]  # the stage default, which /analyse keeps
    for route in (("/~1docs", "GET"), ("/~1analyse~1batch", "ANY")):
        assert settings[route]["ThrottlingRateLimit"] < analyse["ThrottlingRateLimit"], route
        assert settings[route]["ThrottlingBurstLimit"] < analyse["ThrottlingBurstLimit"], route
    # each escaped path names a method that exists ("/" is "~1" in a method setting)
    methods = {"GET": "get", "ANY": ANY}
    for path, method in settings:
        if path != "/*":
            assert (path[1:].replace("~1", "/"), methods[method]) in routes(resources)


def test_large_answers_are_compressed():
    api = deployed()["SentimentApi"]["Properties"]
    assert 0 < api["MinimumCompressionSize"] <= 1024 * 1024  # /docs is 1.7 MB uncompressed


def test_access_logs_are_json_with_the_fields_an_audit_needs():
    resources = deployed()
    (stage,) = _of_type(resources, "AWS::ApiGateway::Stage").values()
    setting = stage["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    line = json.loads(setting["Format"])
    assert {
        "requestId": "$context.requestId",
        "sourceIp": "$context.identity.sourceIp",
        "apiKeyId": "$context.identity.apiKeyId",
        "status": "$context.status",
        "responseLatency": "$context.responseLatency",
        "integrationLatency": "$context.integrationLatency",
        "responseLength": "$context.responseLength",
    }.items() <= line.items()
    group = resources["ApiAccessLogGroup"]["Properties"]
    assert group["RetentionInDays"] == str(PARAMETERS["LogRetentionInDays"]["Default"])


def test_the_account_cloudwatch_role_is_optional_and_off_by_default():
    assert PARAMETERS["ApiGatewayAccountRole"]["Default"] == "false"
    off, on = deployed(), deployed(ApiGatewayAccountRole="true")
    assert "ApiGatewayAccount" not in off and "ApiGatewayCloudWatchRole" not in off
    role = on["ApiGatewayCloudWatchRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "apigateway.amazonaws.com"
    }
    assert on["ApiGatewayAccount"]["Properties"]["CloudWatchRoleArn"] == {
        "Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]
    }
    # the stage waits for the role when the stack creates it
    (stage,) = _of_type(on, "AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["Variables"]["CloudWatchRole"] == {"Ref": "ApiGatewayAccount"}


# ---- firewall -----------------------------------------------------------------------------


def test_the_web_acl_is_optional_with_a_per_ip_rate_rule_and_a_body_size_rule():
    assert PARAMETERS["EnableWebAcl"]["Default"] == "false"
    off = deployed()
    assert not _of_type(off, "AWS::WAFv2::WebACL")
    assert not _of_type(off, "AWS::WAFv2::WebACLAssociation")
    on = deployed(EnableWebAcl="true", WafRateLimit="500")
    acl = on["WebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    rate = rules["PerIpRateLimit"]["Statement"]["RateBasedStatement"]
    assert (rate["Limit"], rate["AggregateKeyType"]) == ("500", "IP")
    size, exempt = rules["BodySizeLimit"]["Statement"]["AndStatement"]["Statements"]
    size = size["SizeConstraintStatement"]
    assert size["FieldToMatch"] == {"Body": {"OversizeHandling": "MATCH"}}
    # WAF reads 16 KB of an API Gateway request's body unless told otherwise; a longer body
    # counts as a match, so the rule must not reach the routes whose valid bodies are longer
    assert "AssociationConfig" not in acl
    assert size["ComparisonOperator"] == "GT" and size["Size"] == 16 * 1024
    assert size["Size"] > jobs_api.MAX_BODY_LENGTH  # the jobs API's longest body fits
    exempted = {
        statement["ByteMatchStatement"]["SearchString"]
        for statement in exempt["NotStatement"]["Statement"]["OrStatement"]["Statements"]
    }
    assert exempted == {"/analyse", "/analyse/batch"}
    assert Settings().max_body_length > size["Size"]  # why /analyse must be exempt
    assert all(rule["Action"] == {"Block": {}} for rule in rules.values())
    association = on["WebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}
    (stage_name,) = _of_type(on, "AWS::ApiGateway::Stage")
    arn = json.dumps(association["ResourceArn"])
    assert ":apigateway:${AWS::Region}::/restapis/${SentimentApi}/stages/" in arn
    assert stage_name in arn  # SAM's stage, so the association waits for it


# ---- alarms and dashboard -----------------------------------------------------------------


def alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: r["Properties"] for n, r in _of_type(resources, "AWS::CloudWatch::Alarm").items()}


def _metric(alarm: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    return alarm["Namespace"], alarm["MetricName"], dimensions


def test_every_alarm_notifies_the_encrypted_topic_and_email_is_optional():
    topic = TEMPLATE["Resources"]["AlarmTopic"]["Properties"]
    # A key of the stack's own whose policy lets CloudWatch publish: with the AWS-managed SNS
    # key, whose policy cannot be changed, every alarm notification would be dropped
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key = TEMPLATE["Resources"]["AlarmTopicKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    (cloudwatch,) = [
        statement
        for statement in key["KeyPolicy"]["Statement"]
        if statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert sorted(cloudwatch["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert cloudwatch["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    for resources in (deployed(), deployed(AlarmEmail="ops@example.com")):
        for name, alarm in alarms(resources).items():
            assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    assert not _of_type(deployed(), "AWS::SNS::Subscription")
    (subscription,) = _of_type(deployed(AlarmEmail="ops@example.com"), "AWS::SNS::Subscription")
    properties = deployed(AlarmEmail="ops@example.com")[subscription]["Properties"]
    assert (properties["Protocol"], properties["Endpoint"]) == ("email", "ops@example.com")


def test_alarms_cover_5xx_latency_each_functions_errors_and_throttles_and_failed_jobs():
    found = {
        _metric(a)[:2]: a for a in alarms(deployed()).values() if a["Namespace"] != "AWS/Lambda"
    }
    api = {"ApiName": {"Fn::Sub": "${AWS::StackName}-api"}, "Stage": "prod"}
    five_xx = found[("AWS/ApiGateway", "5XXError")]
    assert _metric(five_xx)[2] == api and five_xx["Statistic"] == "Average"  # a rate
    assert 0 < five_xx["Threshold"] < 1
    latency = found[("AWS/ApiGateway", "IntegrationLatency")]
    assert _metric(latency)[2] == api and latency["ExtendedStatistic"] == "p99"
    assert TEMPLATE["Resources"]["SentimentApi"]["Properties"]["Name"] == {
        "Fn::Sub": "${AWS::StackName}-api"
    }
    queue = found[("AWS/SQS", "ApproximateNumberOfMessagesVisible")]
    assert _metric(queue)[2] == {"QueueName": {"Fn::GetAtt": ["JobFailureQueue", "QueueName"]}}
    assert (queue["Threshold"], queue["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    # the job function's own metric: the namespace and service its Powertools publishes under
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    failed = found[(variables["POWERTOOLS_METRICS_NAMESPACE"], "JobsFailed")]
    assert _metric(failed)[2] == {"service": variables["POWERTOOLS_SERVICE_NAME"]}
    assert (failed["Threshold"], failed["Statistic"]) == (0, "Sum")
    source = (ROOT / "src/sentiment_api/jobs/runner.py").read_text()
    assert 'name="JobsFailed"' in source and "INTERNAL_FAILURES" in source

    lambda_alarms = {
        (_metric(a)[2]["FunctionName"]["Ref"], a["MetricName"])
        for a in alarms(deployed()).values()
        if a["Namespace"] == "AWS/Lambda"
    }
    functions = [n for n, r in TEMPLATE["Resources"].items() if r["Type"].endswith("Function")]
    assert lambda_alarms == {(f, m) for f in functions for m in ("Errors", "Throttles")}


def test_dashboard_shows_requests_latency_labels_rejections_and_jobs():
    dashboard = deployed()["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    text, variables = dashboard
    names = set(re.findall(r"\$\{([^}]+)\}", text))
    assert names <= {*variables, "AWS::Region", *PARAMETERS}
    widgets = json.loads(re.sub(r"\$\{[^}]+\}", "x", text))["widgets"]
    titles = " ".join(w["properties"]["title"] for w in widgets).lower()
    for word in ("requests", "latency", "labels", "rejections", "jobs"):
        assert word in titles
    metrics = json.dumps([w["properties"]["metrics"] for w in widgets])
    for metric in ('"Analyses"', '"sentiment"', "RejectedRequests", "code", '"JobsFailed"',
                   '"Count"', '"Latency"'):  # fmt: skip
        assert metric in metrics, metric


# ---- checkov suppressions -------------------------------------------------------------------


def test_every_checkov_suppression_gives_its_reason():
    skips = [
        (name, skip)
        for name, resource in TEMPLATE["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        assert re.fullmatch(r"CKV_AWS_\d+", skip["id"]), name
        assert len(skip["comment"].split()) >= 8, (name, skip["id"])  # a sentence, not a tag
    dockerfile = (ROOT / "src" / "Dockerfile").read_text().splitlines()
    docker_skips = [line for line in dockerfile if "checkov:skip=" in line]
    assert docker_skips
    for line in docker_skips:
        check, _, reason = line.split("checkov:skip=", 1)[1].partition(":")
        assert re.fullmatch(r"CKV_DOCKER_\d+", check) and len(reason.split()) >= 8, line


def test_the_functions_missing_key_answer_is_the_gateways():
    # One condition, one answer: API Gateway's INVALID_API_KEY response and the jobs API's own
    # check (AUTH_REQUIRED with no key id) give the same status and body
    gateway = TEMPLATE["Resources"]["SentimentApi"]["Properties"]["GatewayResponses"]
    answer = gateway["INVALID_API_KEY"]
    rejection = rejection_for(ApiKeyRequiredError())
    assert int(answer["StatusCode"]) == rejection.status
    assert json.loads(answer["ResponseTemplates"]["application/json"]) == rejection.body


def test_with_cors_the_job_bucket_takes_the_pages_upload_and_download():
    # The presigned PUT carries signed Content-Type and If-None-Match: a browser preflights it
    assert "CorsConfiguration" not in deployed()["JobBucket"]["Properties"]
    origin = "https://app.example.com"
    (rule,) = deployed(CorsAllowOrigin=origin)["JobBucket"]["Properties"]["CorsConfiguration"][
        "CorsRules"
    ]
    assert rule["AllowedOrigins"] == [origin]
    assert sorted(rule["AllowedMethods"]) == ["GET", "PUT"]
    assert {"content-type", "if-none-match"} <= set(rule["AllowedHeaders"])
