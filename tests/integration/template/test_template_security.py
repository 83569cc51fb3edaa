"""The template as CloudFormation will see it: SAM's transform run here, then the conditions of
a given set of parameters resolved, so that each route's key requirement, CORS, alarms, quotas,
logs and firewall are checked in what would be deployed (checkov sees none of SAM's routes).

``sam local start-api`` enforces no API key, so this is where the key requirement is tested.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from tools.sam_transform import PSEUDO, carry_checkov_suppressions, load_template, transformed

from sentiment_api.api.app import ALLOWED_METHODS
from sentiment_api.comprehend import protocol
from sentiment_api.errors import ApiKeyRequiredError
from sentiment_api.handlers import jobs_api
from sentiment_api.http import cors
from sentiment_api.http.errors import rejection_for
from sentiment_api.jobs import routes as jobs_routes
from sentiment_api.jobs.settings import JobSettings
from sentiment_api.settings import Settings
from support import ROOT

TEMPLATE = load_template()
PARAMETERS = TEMPLATE["Parameters"]
REQUIRED = {"AlarmEmail": "none"}
CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789012"
"""A value for each parameter without a default (the tests' deploy says it on purpose)."""
OPEN_METHODS = {("/", "get"), ("/openapi.json", "get"), ("/docs", "get"), ("/try", "get")}
"""The only methods that never need a key (issue 12): health, the OpenAPI document, the docs,
and the try-it page (issue 22; the page sends the key the user types to POST /analyse)."""
ANY = "x-amazon-apigateway-any-method"
NO_VALUE = object()
PARAMETER_COMBINATIONS = [
    {},
    {"ApiAuth": "NONE"},
    {"ApiAuth": "NONE", "AnonymousJobs": "true", "EnableWebAcl": "true"},
    {"CorsAllowOrigin": "https://app.example", "EnableWebAcl": "true"},
    {"ApiGatewayAccountRole": "true", "AlarmEmail": "ops@example.com"},
    {"DomainName": "api.example.com", "CertificateArn": CERTIFICATE, "BasePath": "sentiment"},
]
"""Parameter sets the template tests deploy (the others at their defaults)."""
COMBINATION_IDS = ["defaults", "no-keys", "anonymous-jobs", "cors-waf", "account-role", "domain"]


@cache
def _transformed() -> dict[str, Any]:
    """The template after SAM's transform (what CloudFormation receives), conditions
    unresolved: :func:`tools.sam_transform.transformed`, the one ``make checkov`` scans."""
    return transformed(TEMPLATE)


def _parameter_values(overrides: dict[str, str]) -> dict[str, str]:
    values = {name: str(p.get("Default", REQUIRED.get(name))) for name, p in PARAMETERS.items()}
    assert None not in values.values() and "None" not in values.values(), "a required parameter"
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


def _sub(node: Any, values: dict[str, str]) -> str:
    """An ``Fn::Sub`` of parameters only, substituted with ``values``."""
    template: str = node["Fn::Sub"]
    return re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], template)


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
def test_with_api_keys_every_method_but_the_four_open_gets_and_preflight_needs_a_key(origin):
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


@pytest.mark.parametrize(
    "parameters",
    [
        {"ApiAuth": "API_KEY"},
        {"ApiAuth": "NONE"},
        {"ApiAuth": "NONE", "AnonymousJobs": "true", "EnableWebAcl": "true"},
    ],
)
def test_each_route_reaches_the_function_whose_events_name_it(parameters):
    resources = deployed(**parameters)
    expected_targets = {"SentimentFunction": "SentimentFunctionAliaslive", "JobsFunction": None}
    if "JobsFunction" not in resources:  # ApiAuth=NONE without AnonymousJobs: no jobs API
        del expected_targets["JobsFunction"]
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
    assert set(error) == {"error", "code", "__type", "message"} and error["code"] == code
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
            "__type",  # botocore's error code, for the Comprehend-compatible endpoint's clients
            "message",
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
    anonymous = {"AnonymousJobs": "true", "EnableWebAcl": "true"} if auth == "NONE" else {}
    function = deployed(ApiAuth=auth, **anonymous)["JobsFunction"]
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["AUTH_REQUIRED"] == required
    assert variables["MAX_JOBS_PER_KEY"] == str(PARAMETERS["MaxJobsPerKey"]["Default"])
    assert PARAMETERS["MaxJobsPerKey"]["Default"] == JobSettings().max_jobs_per_key
    assert PARAMETERS["MaxJobsPerKey"]["Default"] < PARAMETERS["JobConcurrency"]["Default"]
    assert variables["MAX_UPLOAD_BYTES"] == "5000000000"
    assert PARAMETERS["MaxUploadBytes"]["Default"] == JobSettings().max_upload_bytes
    # a file is one S3 PUT, 5 GB at most, whatever the cap on a job of several files
    assert JobSettings(max_upload_bytes=10**11).max_file_bytes("textblob", "plain") == 5 * 10**9


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


def test_pages_batches_and_new_jobs_have_lower_throttles_than_single_analyses():
    resources = deployed()
    settings = method_settings(resources)
    analyse = settings[("/*", "*")]  # the stage default, which /analyse keeps
    # the try-it page is in the docs page's class (issue 22)
    assert settings[("/~1try", "GET")] == {**settings[("/~1docs", "GET")], "ResourcePath": "/~1try"}
    lower = (
        ("/~1docs", "GET"),
        ("/~1try", "GET"),
        ("/~1analyse~1batch", "POST"),
        ("/", "POST"),  # the root resource: POST /, the Comprehend-compatible endpoint
        ("/~1jobs", "POST"),
    )
    for route in lower:
        assert settings[route]["ThrottlingRateLimit"] < analyse["ThrottlingRateLimit"], route
        assert settings[route]["ThrottlingBurstLimit"] < analyse["ThrottlingBurstLimit"], route
    assert settings[("/~1jobs", "POST")]["ThrottlingRateLimit"] <= 1


@pytest.mark.parametrize("combination", PARAMETER_COMBINATIONS, ids=COMBINATION_IDS)
def test_every_method_setting_names_a_real_verb_of_a_method_the_body_defines(combination):
    # Deploy tools expand ANY into verbs for stage method settings (issue 20, item 3): a
    # setting on ANY may not apply, and the batch would fall back to the stage's 50/s
    resources = deployed(**combination)
    settings = method_settings(resources)
    assert not [key for key in settings if key[1] == "ANY"]
    for path, method in settings:
        if path == "/*":
            assert method == "*"
            continue
        # the escaped path ("/" is "~1"; the root resource a lone "/") has a method of that very
        # verb, not only ANY
        assert method in {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}
        route = "/" if path == "/" else path[1:].replace("~1", "/")
        assert (route, method.lower()) in routes(resources), path


def test_large_answers_are_compressed():
    api = deployed()["SentimentApi"]["Properties"]
    assert 0 < api["MinimumCompressionSize"] <= 1024 * 1024  # /docs is 1.8 MB uncompressed


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
    statements = exempt["NotStatement"]["Statement"]["OrStatement"]["Statements"]
    exempted = {
        (next(iter(match["FieldToMatch"])), match["PositionalConstraint"], match["SearchString"])
        for statement in statements
        if "ByteMatchStatement" in statement
        for match in [statement["ByteMatchStatement"]]
    }
    assert exempted == {
        ("UriPath", "ENDS_WITH", "/analyse"),
        ("UriPath", "ENDS_WITH", "/analyse/batch"),
    }
    # the Comprehend-compatible endpoint: by its protocol's header (botocore's X-Amz-Target;
    # WAF names headers in lower case) AND a path at the API's root, never the header alone
    (comprehend,) = [s["AndStatement"]["Statements"] for s in statements if "AndStatement" in s]
    header, path = comprehend
    assert header["ByteMatchStatement"]["FieldToMatch"] == {
        "SingleHeader": {"Name": "x-amz-target"}
    }
    assert header["ByteMatchStatement"]["PositionalConstraint"] == "STARTS_WITH"
    assert header["ByteMatchStatement"]["SearchString"] == protocol.TARGET_PREFIX
    assert path["RegexMatchStatement"]["FieldToMatch"] == {"UriPath": {}}
    root = re.compile(_sub(path["RegexMatchStatement"]["RegexString"], {"StageName": "prod"}))
    assert all(root.search(p) for p in ("/prod", "/prod/", "/"))  # botocore sends /prod
    assert not any(root.search(p) for p in ("/prod/analyse", "/prod/jobs", "/jobs", "/prod/x/"))
    # behind a custom domain with a base path, its root too
    mapped = deployed(
        EnableWebAcl="true",
        DomainName="api.example.com",
        **{"CertificateArn": CERTIFICATE, "BasePath": "sentiment"},
    )["WebAcl"]["Properties"]
    (body_rule,) = [rule for rule in mapped["Rules"] if rule["Name"] == "BodySizeLimit"]
    (_, exempt_there) = body_rule["Statement"]["AndStatement"]["Statements"]
    (_, path_there) = next(
        s["AndStatement"]["Statements"]
        for s in exempt_there["NotStatement"]["Statement"]["OrStatement"]["Statements"]
        if "AndStatement" in s
    )
    values = {"StageName": "prod", "BasePath": "sentiment"}
    root = re.compile(_sub(path_there["RegexMatchStatement"]["RegexString"], values))
    assert all(root.search(p) for p in ("/sentiment", "/sentiment/", "/", "/prod"))
    assert not root.search("/sentiment/analyse")
    assert size["Size"] < protocol.MAX_BODY_LENGTH  # why the endpoint must be exempt
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
    dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
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
    # an engine that cannot load: the metric observability.py counts, for the encoder
    unavailable = found[(variables["POWERTOOLS_METRICS_NAMESPACE"], "EngineUnavailable")]
    assert _metric(unavailable)[2] == {
        "service": variables["POWERTOOLS_SERVICE_NAME"],
        "engine": "encoder",
    }
    assert (unavailable["Threshold"], unavailable["Statistic"]) == (0, "Sum")
    assert 'name="EngineUnavailable"' in (ROOT / "src/sentiment_api/observability.py").read_text()
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
    # check (AUTH_REQUIRED with no key id) give the same status, error and code (the gateway's
    # adds __type and message, for the Comprehend-compatible endpoint's clients)
    gateway = TEMPLATE["Resources"]["SentimentApi"]["Properties"]["GatewayResponses"]
    answer = gateway["INVALID_API_KEY"]
    rejection = rejection_for(ApiKeyRequiredError())
    assert int(answer["StatusCode"]) == rejection.status
    body = json.loads(answer["ResponseTemplates"]["application/json"])
    assert {key: body[key] for key in ("error", "code")} == rejection.body


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


# ---- least privilege, on what CloudFormation would create (issue 20, item 7) ------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def iam_statements(resources: dict[str, Any]) -> list[tuple[str, str, list[str], list[Any]]]:
    """``(role, sid, actions, resources)`` of every statement of every role and policy."""
    found = []
    for name, resource in resources.items():
        kind = resource["Type"]
        if kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            pytest.fail(f"{name}: a policy resource of its own ({kind}); inline in the role")
        if kind != "AWS::IAM::Role":
            continue
        properties = resource["Properties"]
        assert not properties.get("ManagedPolicyArns"), f"{name}: a managed policy's grants"
        for policy in properties.get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                assert statement["Effect"] == "Allow", (name, statement)
                found.append(
                    (
                        name,
                        statement.get("Sid", ""),
                        _as_list(statement["Action"]),
                        _as_list(statement["Resource"]),
                    )
                )
    return found


@pytest.mark.parametrize("combination", PARAMETER_COMBINATIONS, ids=COMBINATION_IDS)
def test_no_iam_statement_grants_a_wildcard_resource_but_x_rays(combination):
    statements = iam_statements(deployed(**combination))
    assert statements
    for role, sid, actions, granted in statements:
        listing = f"{role}/{sid}: {actions} on {granted}"
        assert not [a for a in actions if a == "*" or a.endswith(":*")], listing
        if "*" in granted:  # X-Ray has no resource-level permissions
            assert granted == ["*"] and all(a.startswith("xray:") for a in actions), listing


def test_each_function_writes_only_its_own_pre_created_log_group():
    resources = deployed(**PARAMETER_COMBINATIONS[2])  # every function exists
    functions = _of_type(resources, "AWS::Lambda::Function")
    assert set(functions) == {
        "SentimentFunction",
        "SentimentJobFunction",
        "JobsFunction",
        "JobCoordinatorFunction",
        "JobRangeFunction",
    }
    for name, function in functions.items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]
        assert group == {"Ref": f"{name}LogGroup"}
        assert resources[f"{name}LogGroup"]["Type"] == "AWS::Logs::LogGroup"
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        logs = [
            (actions, granted)
            for owner, _, actions, granted in iam_statements(resources)
            if owner == role and any(a.startswith("logs:") for a in actions)
        ]
        # CreateLogGroup nowhere: the group is the stack's, made before the function
        assert logs == [
            (
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                [{"Fn::GetAtt": [f"{name}LogGroup", "Arn"]}],
            )
        ], name


def test_the_roles_statements_are_exactly_these():
    # The whole list, so that a grant added or widened shows here as a diff to review
    resources = deployed(**PARAMETER_COMBINATIONS[2], ApiGatewayAccountRole="true")
    table = {(role, sid): sorted(actions) for role, sid, actions, _ in iam_statements(resources)}
    traces = sorted(
        [
            "xray:GetSamplingRules",
            "xray:GetSamplingStatisticSummaries",
            "xray:GetSamplingTargets",
            "xray:PutTelemetryRecords",
            "xray:PutTraceSegments",
        ]
    )
    logs = ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert table == {
        ("SentimentFunctionRole", "WriteItsOwnLogGroup"): logs,
        ("SentimentFunctionRole", "SendTraces"): traces,
        ("SentimentJobFunctionRole", "WriteItsOwnLogGroup"): logs,
        ("SentimentJobFunctionRole", "SendTraces"): traces,
        ("SentimentJobFunctionRole", "ReadInputsAndJobRecords"): ["s3:GetObject"],
        ("SentimentJobFunctionRole", "WriteResults"): sorted(
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
        ),
        ("SentimentJobFunctionRole", "EndTheJobInFlight"): ["s3:DeleteObject"],
        ("SentimentJobFunctionRole", "ParkFailedEvents"): ["sqs:SendMessage"],
        ("SentimentJobFunctionRole", "StartJobsFannedOut"): ["states:StartExecution"],
        ("SentimentJobFunctionRole", "SeeJobsFannedOut"): ["states:DescribeExecution"],
        ("JobsFunctionRole", "WriteItsOwnLogGroup"): logs,
        ("JobsFunctionRole", "SendTraces"): traces,
        ("JobsFunctionRole", "PresignUploadsAndWriteJobRecords"): ["s3:PutObject"],
        ("JobsFunctionRole", "ReadJobRecordsAndResults"): ["s3:GetObject"],
        ("JobsFunctionRole", "CountJobsInFlight"): ["s3:DeleteObject", "s3:PutObject"],
        ("JobsFunctionRole", "ListJobsInFlightOnly"): ["s3:ListBucket"],
        ("JobsFunctionRole", "ListRangesDone"): ["s3:ListBucket"],
        ("JobsFunctionRole", "StopJobsFannedOut"): [
            "states:DescribeExecution",
            "states:StopExecution",
        ],
        ("JobCoordinatorFunctionRole", "WriteItsOwnLogGroup"): logs,
        ("JobCoordinatorFunctionRole", "SendTraces"): traces,
        ("JobCoordinatorFunctionRole", "ReadInputsAndJobRecords"): ["s3:GetObject"],
        ("JobCoordinatorFunctionRole", "WorkFiles"): [
            "s3:DeleteObject",
            "s3:GetObject",
            "s3:PutObject",
        ],
        ("JobCoordinatorFunctionRole", "ListWorkFiles"): ["s3:ListBucket"],
        ("JobCoordinatorFunctionRole", "WriteResults"): [
            "s3:AbortMultipartUpload",
            "s3:DeleteObject",
            "s3:PutObject",
        ],
        ("JobCoordinatorFunctionRole", "EndTheJobInFlight"): ["s3:DeleteObject"],
        ("JobRangeFunctionRole", "WriteItsOwnLogGroup"): logs,
        ("JobRangeFunctionRole", "SendTraces"): traces,
        ("JobRangeFunctionRole", "ReadInputs"): ["s3:GetObject"],
        ("JobRangeFunctionRole", "WriteItsPart"): ["s3:AbortMultipartUpload", "s3:PutObject"],
        ("JobStateMachineRole", "InvokeItsTwoFunctions"): ["lambda:InvokeFunction"],
        ("JobStateMachineRole", "ReadTheManifests"): ["s3:GetObject"],
        ("JobStateMachineRole", "RunItsOwnMapRuns"): ["states:StartExecution"],
        ("JobStateMachineRole", "SeeAndStopItsOwnMapRuns"): [
            "states:DescribeExecution",
            "states:StopExecution",
        ],
        # what the AWS-managed AWSXRayDaemonWriteAccess grants, as Step Functions' tracing needs
        ("JobStateMachineRole", "SendTraces"): [
            a for a in traces if a != "xray:GetSamplingStatisticSummaries"
        ],
        ("ApiGatewayCloudWatchRole", "WriteApiGatewayLogsOfThisRegion"): sorted(
            [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogGroups",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
                "logs:GetLogEvents",
                "logs:FilterLogEvents",
            ]
        ),
    }
    (queue,) = [
        granted for role, sid, _, granted in iam_statements(resources) if sid == "ParkFailedEvents"
    ]
    assert queue == [{"Fn::GetAtt": ["JobFailureQueue", "Arn"]}]
    (account_logs,) = [
        granted
        for role, _, _, granted in iam_statements(resources)
        if role == "ApiGatewayCloudWatchRole"
    ]
    assert account_logs == [
        {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"}
    ]


def test_only_the_job_bucket_of_this_account_may_invoke_the_job():
    resources = deployed()
    from_s3 = [
        permission["Properties"]
        for permission in _of_type(resources, "AWS::Lambda::Permission").values()
        if permission["Properties"]["Principal"] == "s3.amazonaws.com"
    ]
    (permission,) = from_s3
    assert permission["FunctionName"] == {"Fn::GetAtt": ["SentimentJobFunction", "Arn"]}
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
    # the bucket's own ARN, spelled from its name pattern (a !GetAtt would be circular)
    pattern, variables = TEMPLATE["Resources"]["JobBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    assert permission["SourceArn"] == {
        "Fn::Sub": ["arn:${AWS::Partition}:s3:::" + pattern, variables]
    }
    assert TEMPLATE["Resources"]["JobBucket"]["DependsOn"] == "JobUploadsInvokeTheJob"
    # and no function is invoked by S3 through a permission SAM generated without SourceArn
    for function in ("SentimentFunction", "SentimentJobFunction"):
        events = TEMPLATE["Resources"][function]["Properties"].get("Events", {}).values()
        assert all(event["Type"] == "Api" for event in events), function


def test_the_list_permissions_are_the_in_flight_markers_and_the_work_files_only():
    listings = [
        statement
        for statement in TEMPLATE["Resources"]["JobsFunctionRole"]["Properties"]["Policies"][0][
            "PolicyDocument"
        ]["Statement"]
        if "s3:ListBucket" in _as_list(statement["Action"])
    ]
    assert [listing["Condition"] for listing in listings] == [
        {"StringLike": {"s3:prefix": "active/*"}},
        {"StringLike": {"s3:prefix": "work/*"}},  # a job's ranges done, for its progress
    ]
    (coordinator,) = [
        statement
        for statement in TEMPLATE["Resources"]["JobCoordinatorFunctionRole"]["Properties"][
            "Policies"
        ][0]["PolicyDocument"]["Statement"]
        if "s3:ListBucket" in _as_list(statement["Action"])
    ]
    assert coordinator["Condition"] == {"StringLike": {"s3:prefix": "work/*"}}
    assert not [
        s
        for s in TEMPLATE["Resources"]["SentimentJobFunctionRole"]["Properties"]["Policies"][0][
            "PolicyDocument"
        ]["Statement"]
        if "s3:ListBucket" in _as_list(s["Action"])
    ]


# ---- which parameters expose the jobs (issue 20, item 1) -------------------------------------


def refused_by_rules(**overrides: str) -> list[str]:
    """The template's ``Rules`` assertions that these parameter values break (CloudFormation
    refuses such a stack before creating anything)."""
    values = _parameter_values(overrides)
    broken = []
    for name, rule in TEMPLATE["Rules"].items():
        if "RuleCondition" in rule and not _condition(rule["RuleCondition"], values, {}):
            continue
        for assertion in rule["Assertions"]:
            if not _condition(assertion["Assert"], values, {}):
                broken.append(name)
    return broken


JOBS_RESOURCES = {"JobsFunction", "JobsFunctionRole", "JobsFunctionLogGroup"}


def test_without_keys_the_jobs_api_does_not_exist_unless_asked_for():
    assert PARAMETERS["AnonymousJobs"]["Default"] == "false"
    resources = deployed(ApiAuth="NONE", CorsAllowOrigin="https://app.example")
    # no route, no function, no role, no permission, no upload path for a page
    assert not {"/jobs", "/jobs/{job_id}"} & set(body(resources)["paths"])
    assert not JOBS_RESOURCES & set(resources)
    assert not [name for name in resources if name.startswith("JobsFunction")]
    assert "CorsConfiguration" not in resources["JobBucket"]["Properties"]
    assert not [
        s for s in method_settings(resources) if s[0].startswith("/~1jobs")
    ]  # no setting for a path that is not there
    # and the sentiment routes stay open, as ApiAuth=NONE says
    assert routes(resources)[("/analyse", ANY)]["security"] == []


def test_anonymous_jobs_need_the_firewall():
    # Asked for without the web ACL: the stack is refused, and would create no jobs API anyway
    assert refused_by_rules(ApiAuth="NONE", AnonymousJobs="true") == [
        "AnonymousJobsNeedTheFirewall"
    ]
    assert not JOBS_RESOURCES & set(deployed(ApiAuth="NONE", AnonymousJobs="true"))
    # With it: the jobs routes exist without a key, behind the per-IP rate rule
    resources = deployed(ApiAuth="NONE", AnonymousJobs="true", EnableWebAcl="true")
    assert refused_by_rules(ApiAuth="NONE", AnonymousJobs="true", EnableWebAcl="true") == []
    assert set(resources) >= JOBS_RESOURCES
    assert routes(resources)[("/jobs", "post")]["security"] == []
    assert "PerIpRateLimit" in {rule["Name"] for rule in resources["WebAcl"]["Properties"]["Rules"]}
    variables = resources["JobsFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["AUTH_REQUIRED"] == "false"  # every anonymous caller: one owner, one count


def test_with_keys_the_jobs_api_exists_whatever_anonymous_jobs_says():
    for anonymous in ("false", "true"):
        resources = deployed(ApiAuth="API_KEY", AnonymousJobs=anonymous)
        assert set(resources) >= JOBS_RESOURCES
        assert routes(resources)[("/jobs", "post")]["security"] == [{"api_key": []}]
        assert refused_by_rules(ApiAuth="API_KEY", AnonymousJobs=anonymous) == []


# ---- alarms: someone hears them, and they cover abuse (issue 20, item 6) ----------------------


def test_alarm_email_must_be_chosen_and_none_is_said_out_loud():
    parameter = PARAMETERS["AlarmEmail"]
    assert "Default" not in parameter  # a deploy must name an address, or "none" on purpose
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("none") and pattern.fullmatch("ops@example.com")
    assert not pattern.fullmatch("") and not pattern.fullmatch("nobody")
    outputs = TEMPLATE["Outputs"]
    warning = outputs["AlarmsGoToNobody"]
    assert warning["Condition"] == "AlarmsGoToNobody"
    assert "WARNING" in warning["Description"] and "nobody" in warning["Description"]
    assert "aws sns subscribe --topic-arn ${AlarmTopic}" in warning["Value"]["Fn::Sub"]
    truth = TEMPLATE["Conditions"]
    assert truth["AlarmsGoToNobody"] == {"Fn::Equals": [{"Ref": "AlarmEmail"}, "none"]}
    assert not _of_type(deployed(AlarmEmail="none"), "AWS::SNS::Subscription")


def test_alarms_for_4xx_and_429_spikes_waf_blocks_and_old_failed_events():
    found = {_metric(a)[:2]: a for a in alarms(deployed(EnableWebAcl="true")).values()}
    four_xx = found[("AWS/ApiGateway", "4XXError")]
    assert four_xx["Statistic"] == "Sum" and four_xx["Threshold"] > 0
    # 429s: counted from the access log's status, by a metric filter on the stage's log group
    throttled = found[("SentimentApi", "ThrottledRequests")]
    (metric_filter,) = _of_type(deployed(), "AWS::Logs::MetricFilter").values()
    properties = metric_filter["Properties"]
    assert properties["LogGroupName"] == {"Ref": "ApiAccessLogGroup"}
    assert properties["FilterPattern"] == '{ $.status = "429" }'
    (transformation,) = properties["MetricTransformations"]
    assert (transformation["MetricNamespace"], transformation["MetricName"]) == (
        throttled["Namespace"],
        throttled["MetricName"],
    )
    stage = next(iter(_of_type(deployed(), "AWS::ApiGateway::Stage").values()))
    log_line = json.loads(stage["Properties"]["AccessLogSetting"]["Format"])
    assert log_line["status"] == "$context.status"  # the field the filter reads
    # WAF blocks, of the web ACL by its name, only when there is one
    blocked = found[("AWS/WAFV2", "BlockedRequests")]
    web_acl = deployed(EnableWebAcl="true")["WebAcl"]["Properties"]
    assert _metric(blocked)[2]["WebACL"] == web_acl["Name"]
    assert ("AWS/WAFV2", "BlockedRequests") not in {
        _metric(a)[:2] for a in alarms(deployed()).values()
    }
    # the oldest failed event waiting unread for a day (SQS keeps it 14)
    age = found[("AWS/SQS", "ApproximateAgeOfOldestMessage")]
    assert age["Threshold"] == 86_400
    retention = TEMPLATE["Resources"]["JobFailureQueue"]["Properties"]["MessageRetentionPeriod"]
    assert age["Threshold"] < retention


def test_the_jobs_failed_alarm_counts_the_services_failures_not_the_clients_files():
    (failed,) = [a for a in alarms(deployed()).values() if a["MetricName"] == "JobsFailed"]
    assert "not a client" in failed["AlarmDescription"]
    from sentiment_api.errors import JobCrashedError, JobTimedOutError
    from sentiment_api.jobs import runner

    assert set(runner.INTERNAL_FAILURES) == {JobCrashedError, JobTimedOutError}
    dashboard = deployed()["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"][0]
    assert '"JobsRejected"' in dashboard and '"JobsFailed"' in dashboard


# ---- a custom domain with a base path (issue 20, item 12) ------------------------------------


def test_a_custom_domain_maps_the_stage_under_its_base_path_and_tells_the_functions():
    assert not {"ApiDomainName", "ApiBasePathMapping"} & set(deployed())
    domain = {"DomainName": "api.example.com", "CertificateArn": CERTIFICATE}
    resources = deployed(**domain, BasePath="sentiment")
    properties = resources["ApiDomainName"]["Properties"]
    assert properties["RegionalCertificateArn"] == CERTIFICATE
    assert properties["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert properties["SecurityPolicy"] == "TLS_1_2"
    mapping = resources["ApiBasePathMapping"]["Properties"]
    assert mapping["BasePath"] == "sentiment"
    assert mapping["RestApiId"] == {"Ref": "SentimentApi"}
    for name in ("SentimentFunction", "JobsFunction"):
        variables = resources[name]["Properties"]["Environment"]["Variables"]
        assert variables["BASE_PATH"] == "sentiment"
        assert deployed()[name]["Properties"]["Environment"]["Variables"]["BASE_PATH"] == ""
    # at the domain's root: no BasePath in the mapping, and none for the functions
    root = deployed(**domain)
    assert "BasePath" not in root["ApiBasePathMapping"]["Properties"]
    assert root["SentimentFunction"]["Properties"]["Environment"]["Variables"]["BASE_PATH"] == ""
    # half a domain, or a base path without one, is refused
    assert refused_by_rules(DomainName="api.example.com")
    assert refused_by_rules(CertificateArn=CERTIFICATE)
    assert refused_by_rules(BasePath="sentiment")
    assert not refused_by_rules(**domain, BasePath="sentiment")
    # and the code accepts every base path the template does
    pattern = re.compile(PARAMETERS["BasePath"]["AllowedPattern"])
    for value in ("sentiment", "v1", "a.b_c-d~e"):
        assert pattern.fullmatch(value)
        assert Settings(base_path=value).base_path == value


def test_checkov_suppressions_reach_what_sam_generates_from_the_resource():
    # make checkov scans the transformed template too: SAM copies a function's or an API's
    # Metadata to the function or REST API it makes, but not to the stage
    template = load_template()
    result = transformed(template)
    carried = carry_checkov_suppressions(template, result)
    assert carried["SentimentApiStage"] == ["CKV_AWS_120"]  # no cache cluster: its reason
    stage = result["Resources"]["SentimentApiStage"]["Metadata"]["checkov"]["skip"]
    api = TEMPLATE["Resources"]["SentimentApi"]["Metadata"]["checkov"]["skip"]
    assert stage == api
    for name in carried:
        assert name not in TEMPLATE["Resources"]
        assert any(name.startswith(source) for source in TEMPLATE["Resources"])
