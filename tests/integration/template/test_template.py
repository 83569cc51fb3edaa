"""The SAM template: valid, and wired to the code it deploys."""

import importlib
import json
import subprocess
from typing import Any

import pytest
from samcli.yamlhelper import yaml_parse

from jobs_support import (
    PREFIXES,
    function_role,
    job_notification,
    policy_statements,
    s3_permissions,
)
from sentiment_api.api.app import ALLOWED_METHODS
from sentiment_api.engines import ENGINE_NAMES as ENGINES
from sentiment_api.handlers import api, fanout, jobs, jobs_api
from sentiment_api.jobs import routes as jobs_routes
from sentiment_api.jobs import storage
from sentiment_api.jobs.settings import MAX_EVENT_AGE_S, MAX_FILES_PER_JOB_LIMIT, JobSettings
from sentiment_api.settings import (
    DEFAULT_MAX_TEXT_LENGTH,
    MAX_BATCH_SIZE_LIMIT,
    Settings,
)
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
    assert "FROM ${LAMBDA_BASE_IMAGE}" in lines  # the pinned AWS image (test_supply_chain.py)
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
    # ANY on every path: the function answers 405 itself; GET of its own on the paths that
    # need no API key (test_template_security checks which method needs one), POST of its own
    # where a stage method setting throttles it (a setting names a verb, never ANY)
    any_paths = {e["Path"] for e in events if e["Method"] == "ANY"}
    get_paths = {e["Path"] for e in events if e["Method"] == "GET"}
    post_paths = {e["Path"] for e in events if e["Method"] == "POST"}
    assert len(any_paths) + len(get_paths) + len(post_paths) == len(events)
    assert any_paths == set(ALLOWED_METHODS)
    assert get_paths == {"/", "/openapi.json", "/docs", "/try"}
    assert post_paths == {"/analyse/batch", "/"}  # "/": the Comprehend-compatible endpoint
    comprehend = {"X-Amz-Target": "Comprehend_20171127.DetectSentiment"}
    for path, methods in ALLOWED_METHODS.items():
        for method in methods:
            body = '{"text": "fine"}' if path == "/analyse" else None
            body = '{"texts": ["fine"]}' if path == "/analyse/batch" else body
            headers = None
            if (method, path) == ("POST", "/"):
                body, headers = '{"Text": "fine", "LanguageCode": "en"}', comprehend
            event = api_event(method, path, body, headers=headers)
            response = api.lambda_handler(event, lambda_context)
            assert response["statusCode"] == 200, (path, method)


def test_settings_parameters_feed_the_function_and_match_the_code_defaults():
    variables = FUNCTION["Properties"]["Environment"]["Variables"]
    defaults = Settings()
    for parameter, variable in (
        ("MaxBatchSize", "MAX_BATCH_SIZE"),
        ("NeutralThreshold", "NEUTRAL_THRESHOLD"),
        ("LanguageCheck", "LANGUAGE_CHECK"),
    ):
        # The parameter's default, as the function reads it, is the code's default
        default = str(TEMPLATE["Parameters"][parameter]["Default"])
        assert Settings.from_env({variable: default}) == defaults, parameter
        assert variables[variable] == {"Ref": parameter}
    assert TEMPLATE["Parameters"]["MaxBatchSize"]["MaxValue"] == MAX_BATCH_SIZE_LIMIT


@pytest.mark.parametrize(
    ("response_type", "status", "code", "error_type"),
    [
        # API Gateway's "no such route"
        ("MISSING_AUTHENTICATION_TOKEN", 404, "not_found", "UnknownOperationException"),
        # a missing or wrong x-api-key
        ("INVALID_API_KEY", 403, "invalid_api_key", "UnrecognizedClientException"),
        # Comprehend's own error shapes, so that boto3 raises its classes: a daily quota is not
        # worth retrying (standard mode does not retry this one), a throttle is (both modes do)
        ("QUOTA_EXCEEDED", 429, "quota_exceeded", "ResourceLimitExceededException"),
        ("WAF_FILTERED", 403, "blocked", "AccessDeniedException"),
        ("THROTTLED", 429, "throttled", "TooManyRequestsException"),
        ("REQUEST_TOO_LARGE", 413, "request_too_large", "TextSizeLimitExceededException"),
        ("DEFAULT_4XX", None, "gateway_rejected", "InvalidRequestException"),
        ("DEFAULT_5XX", None, "internal_error", "InternalServerException"),
    ],
)
def test_gateway_responses_use_the_error_shape(response_type, status, code, error_type):
    responses = RESOURCES["SentimentApi"]["Properties"]["GatewayResponses"]
    assert len(responses) == 8
    response = responses[response_type]
    body = json.loads(response["ResponseTemplates"]["application/json"])
    # the API's error shape, and the AWS JSON protocol's two keys for Comprehend clients
    assert set(body) == {"error", "code", "__type", "message"} and body["code"] == code
    assert (body["__type"], body["message"]) == (error_type, body["error"])
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


# ---- whole files: the job bucket, the sentiment job, the jobs API ------------------------------

JOB_FUNCTIONS = {"SentimentJobFunction": jobs, "JobsFunction": jobs_api}


def test_job_bucket_is_encrypted_private_and_tls_only():
    properties = RESOURCES["JobBucket"]["Properties"]
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    # SSE-S3: no KMS key, so the functions' policies need (and grant) no kms: action
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    policy = RESOURCES["JobBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "JobBucket"}
    (deny,) = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert (deny["Principal"], deny["Action"]) == ("*", "s3:*")
    assert deny["Resource"] == [
        {"Fn::GetAtt": ["JobBucket", "Arn"]},
        {"Fn::Sub": "${JobBucket.Arn}/*"},
    ]
    assert {k: str(v).lower() for k, v in deny["Condition"]["Bool"].items()} == {
        "aws:SecureTransport": "false"
    }
    assert not [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]


def test_the_templates_prefixes_are_the_codes():
    assert PREFIXES == {
        "input": storage.INPUT_PREFIX,
        "output": storage.OUTPUT_PREFIX,
        "jobs": storage.JOBS_PREFIX,
        "active": storage.ACTIVE_PREFIX,
    }
    notification = job_notification()
    assert notification["Function"] == {"Fn::GetAtt": ["SentimentJobFunction", "Arn"]}
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert notification["Filter"]["S3Key"]["Rules"] == [
        {"Name": "prefix", "Value": storage.INPUT_PREFIX}
    ]


def test_no_function_policy_allows_a_wildcard_action_or_an_s3_resource_outside_its_prefixes():
    prefixes = {*PREFIXES.values(), storage.WORK_PREFIX}
    functions = [n for n, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"]
    assert sorted(functions) == sorted(["SentimentFunction", *JOB_FUNCTIONS, *FANOUT_FUNCTIONS])
    for name in functions:
        # a role of the template's own, inline statements only: no SAM policy template or
        # managed policy, whose actions and resources are not in this file
        assert "Policies" not in RESOURCES[name]["Properties"]
        role = RESOURCES[function_role(name)]["Properties"]
        assert "ManagedPolicyArns" not in role
        for statement in policy_statements(name):
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                assert "*" not in action, (name, action)
        for _, path in s3_permissions(name):  # in the job bucket, or this fails
            path = path.partition("?")[0]
            assert path == "" or (path.endswith("/*") and path[:-1] in prefixes), (name, path)


def test_the_api_function_may_write_its_logs_and_traces_and_nothing_else():
    assert s3_permissions("SentimentFunction") == set()
    actions = {
        action
        for statement in policy_statements("SentimentFunction")
        for action in statement["Action"]
    }
    assert {action.split(":")[0] for action in actions} == {"logs", "xray"}


def test_the_job_function_reads_inputs_and_records_and_writes_only_output():
    assert s3_permissions("SentimentJobFunction") == {
        ("s3:GetObject", f"{storage.INPUT_PREFIX}*"),
        ("s3:GetObject", f"{storage.JOBS_PREFIX}*"),
        ("s3:GetObject", f"{storage.OUTPUT_PREFIX}*"),  # an earlier run's summary: duplicates
        ("s3:PutObject", f"{storage.OUTPUT_PREFIX}*"),
        ("s3:DeleteObject", f"{storage.OUTPUT_PREFIX}*"),
        ("s3:AbortMultipartUpload", f"{storage.OUTPUT_PREFIX}*"),
        ("s3:DeleteObject", f"{storage.ACTIVE_PREFIX}*"),  # the job ended: no longer in flight
    }  # no ListBucket (issue 20, item 7): a missing key is a 403, read as not found


def test_the_jobs_api_writes_uploads_and_records_and_reads_records_and_results():
    assert s3_permissions("JobsFunction") == {
        ("s3:PutObject", f"{storage.INPUT_PREFIX}*"),  # what the presigned PUT may do
        ("s3:PutObject", f"{storage.JOBS_PREFIX}*"),
        ("s3:GetObject", f"{storage.JOBS_PREFIX}*"),
        ("s3:GetObject", f"{storage.OUTPUT_PREFIX}*"),  # summaries, and the presigned GET
        ("s3:GetObject", f"{storage.INPUT_PREFIX}*"),  # HEAD of the upload: QUEUED
        ("s3:PutObject", f"{storage.ACTIVE_PREFIX}*"),  # a job in flight, per key
        ("s3:DeleteObject", f"{storage.ACTIVE_PREFIX}*"),
        ("s3:ListBucket", f"?prefix={storage.ACTIVE_PREFIX}*"),  # those markers only
        ("s3:ListBucket", f"?prefix={storage.WORK_PREFIX}*"),  # a job's ranges done: progress
    }


def test_the_coordinator_reads_inputs_works_in_work_and_writes_only_output():
    assert s3_permissions("JobCoordinatorFunction") == {
        ("s3:GetObject", f"{storage.INPUT_PREFIX}*"),  # each file read once, to cut it
        ("s3:GetObject", f"{storage.JOBS_PREFIX}*"),  # whose slot to free at the end
        ("s3:GetObject", f"{storage.WORK_PREFIX}*"),  # plans, tallies; UploadPartCopy's source
        ("s3:PutObject", f"{storage.WORK_PREFIX}*"),
        ("s3:DeleteObject", f"{storage.WORK_PREFIX}*"),
        ("s3:ListBucket", f"?prefix={storage.WORK_PREFIX}*"),
        ("s3:PutObject", f"{storage.OUTPUT_PREFIX}*"),  # the summary, the results' parts
        ("s3:DeleteObject", f"{storage.OUTPUT_PREFIX}*"),
        ("s3:AbortMultipartUpload", f"{storage.OUTPUT_PREFIX}*"),
        ("s3:DeleteObject", f"{storage.ACTIVE_PREFIX}*"),
    }


def test_the_range_function_reads_inputs_and_writes_only_its_work_files():
    assert s3_permissions("JobRangeFunction") == {
        ("s3:GetObject", f"{storage.INPUT_PREFIX}*"),  # its range: a ranged GET
        ("s3:PutObject", f"{storage.WORK_PREFIX}*"),  # its part, tally, marker, failure
        ("s3:AbortMultipartUpload", f"{storage.WORK_PREFIX}*"),
    }


FANOUT_FUNCTIONS = {
    "JobCoordinatorFunction": fanout.coordinate,
    "JobRangeFunction": fanout.analyse_range,
}


@pytest.mark.parametrize("name", sorted(FANOUT_FUNCTIONS))
def test_the_state_machines_functions_run_their_handlers_from_the_apis_image(name):
    properties = RESOURCES[name]["Properties"]
    assert properties["PackageType"] == "Image"
    (command,) = properties["ImageConfig"]["Command"]
    module_name, _, function = command.rpartition(".")
    assert getattr(importlib.import_module(module_name), function) is FANOUT_FUNCTIONS[name]
    docker = ("Dockerfile", "DockerContext", "DockerTag")
    assert {k: RESOURCES[name]["Metadata"][k] for k in docker} == {
        k: FUNCTION["Metadata"][k] for k in docker
    }
    assert RESOURCES[name]["Properties"]["MemorySize"] == 1769  # one full vCPU


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def state_machine_statements() -> dict[str, dict[str, Any]]:
    role = RESOURCES["JobStateMachineRole"]["Properties"]
    assert "ManagedPolicyArns" not in role
    (policy,) = role["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def test_the_state_machine_may_invoke_its_two_functions_read_its_manifests_and_run_its_own_map():
    machine = RESOURCES["JobStateMachine"]["Properties"]
    assert machine["Role"] == {"Fn::GetAtt": ["JobStateMachineRole", "Arn"]}
    assert "Policies" not in machine
    name = machine["Name"]["Fn::Sub"]
    own = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:" + name
    executions = own.replace(":stateMachine:", ":execution:")
    statements = state_machine_statements()
    assert {sid: (s["Action"], s["Resource"]) for sid, s in statements.items()} == {
        "InvokeItsTwoFunctions": (
            "lambda:InvokeFunction",
            [{"Fn::GetAtt": [f, "Arn"]} for f in ("JobCoordinatorFunction", "JobRangeFunction")],
        ),
        "ReadTheManifests": ("s3:GetObject", {"Fn::Sub": "${JobBucket.Arn}/work/*"}),
        "RunItsOwnMapRuns": ("states:StartExecution", {"Fn::Sub": own}),
        # a Distributed Map's child executions: <machine>/<map run label>:<id>
        "SeeAndStopItsOwnMapRuns": (
            ["states:DescribeExecution", "states:StopExecution"],
            {"Fn::Sub": executions + "/*"},
        ),
        "SendTraces": (statements["SendTraces"]["Action"], "*"),
    }
    assert all(a.startswith("xray:") for a in statements["SendTraces"]["Action"])
    # the two functions are the ones the definition names
    substitutions = machine["DefinitionSubstitutions"]
    assert substitutions == {
        "CoordinatorFunctionArn": {"Fn::GetAtt": ["JobCoordinatorFunction", "Arn"]},
        "RangeFunctionArn": {"Fn::GetAtt": ["JobRangeFunction", "Arn"]},
    }
    trust = RESOURCES["JobStateMachineRole"]["Properties"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "states.amazonaws.com"}


def test_who_starts_and_stops_executions_names_the_state_machine_by_its_fixed_name():
    name = RESOURCES["JobStateMachine"]["Properties"]["Name"]["Fn::Sub"]
    machine = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:" + name
    executions = machine.replace(":stateMachine:", ":execution:") + ":*"
    for function in ("SentimentJobFunction", "JobsFunction"):
        variables = RESOURCES[function]["Properties"]["Environment"]["Variables"]
        assert variables["STATE_MACHINE_ARN"] == {"Fn::Sub": machine}
    granted = {
        (function, action, statement["Resource"]["Fn::Sub"])
        for function in ("SentimentJobFunction", "JobsFunction")
        for statement in policy_statements(function)
        for action in as_list(statement["Action"])
        if action.startswith("states:")
    }
    assert granted == {
        ("SentimentJobFunction", "states:StartExecution", machine),
        ("SentimentJobFunction", "states:DescribeExecution", executions),  # duplicate events
        ("JobsFunction", "states:DescribeExecution", executions),  # GET: still running?
        ("JobsFunction", "states:StopExecution", executions),  # DELETE /jobs/{job_id}
    }


def test_map_concurrency_bounds_the_map_and_the_range_functions_reserved_concurrency():
    parameter = TEMPLATE["Parameters"]["MapConcurrency"]
    assert parameter["Default"] == JobSettings().map_concurrency == 40
    range_function = RESOURCES["JobRangeFunction"]["Properties"]
    assert range_function["ReservedConcurrentExecutions"] == {"Ref": "MapConcurrency"}
    assert range_function["Timeout"] == {"Ref": "JobTimeout"}  # what a range is sized for
    # the Map's MaxConcurrency comes from the execution's input, which the job function
    # writes from MAP_CONCURRENCY
    variables = RESOURCES["SentimentJobFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["MAP_CONCURRENCY"] == {"Ref": "MapConcurrency"}
    definition = RESOURCES["JobStateMachine"]["Properties"]["Definition"]
    assert definition["States"]["AnalyseRanges"]["MaxConcurrencyPath"] == "$.max_concurrency"
    coordinator = RESOURCES["JobCoordinatorFunction"]["Properties"]
    assert coordinator["ReservedConcurrentExecutions"] == {"Ref": "JobConcurrency"}
    # the files are cut at most as many at once as the coordinator may run
    assert (
        definition["States"]["PlanFiles"]["MaxConcurrency"]
        <= TEMPLATE["Parameters"]["JobConcurrency"]["Default"]
    )
    files = TEMPLATE["Parameters"]["MaxFilesPerJob"]
    assert (files["Default"], files["MaxValue"]) == (
        JobSettings().max_files_per_job,
        MAX_FILES_PER_JOB_LIMIT,
    )
    jobs_variables = RESOURCES["JobsFunction"]["Properties"]["Environment"]["Variables"]
    assert jobs_variables["MAX_FILES_PER_JOB"] == {"Ref": "MaxFilesPerJob"}
    # and POST /jobs sizes a job's cap with the same concurrency its ranges will have
    assert jobs_variables["MAP_CONCURRENCY"] == {"Ref": "MapConcurrency"}


@pytest.mark.parametrize("name", sorted(JOB_FUNCTIONS))
def test_job_functions_run_an_importable_handler_from_the_apis_image(name):
    properties = RESOURCES[name]["Properties"]
    assert properties["PackageType"] == "Image"
    (command,) = properties["ImageConfig"]["Command"]
    module_name, _, function = command.rpartition(".")
    module = importlib.import_module(module_name)
    assert module is JOB_FUNCTIONS[name]
    assert callable(getattr(module, function)) and function == "lambda_handler"
    docker = ("Dockerfile", "DockerContext", "DockerTag")  # the rest: checkov's suppressions
    assert {k: RESOURCES[name]["Metadata"][k] for k in docker} == {
        k: FUNCTION["Metadata"][k] for k in docker
    }


def test_a_crashed_job_goes_to_the_failure_queue():
    config = RESOURCES["SentimentJobFunction"]["Properties"]["EventInvokeConfig"]
    assert config["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["JobFailureQueue", "Arn"]},
    }
    assert RESOURCES["JobFailureQueue"]["Type"] == "AWS::SQS::Queue"
    assert 0 <= config["MaximumRetryAttempts"] <= 2


def test_throttled_job_events_wait_as_long_as_lambda_allows_and_the_api_knows_it():
    config = RESOURCES["SentimentJobFunction"]["Properties"]["EventInvokeConfig"]
    # 6 hours, Lambda's most; the jobs API's not_run rule counts on the same figure
    assert config["MaximumEventAgeInSeconds"] == 21_600 == MAX_EVENT_AGE_S


def test_jobs_function_events_are_any_on_exactly_its_routes(lambda_context):
    events = [e for e in RESOURCES["JobsFunction"]["Properties"]["Events"].values()]
    assert all(e["Type"] == "Api" for e in events)
    properties = [e["Properties"] for e in events]
    assert all(p["RestApiId"] == {"Ref": "SentimentApi"} for p in properties)
    # ANY: the function answers 405 itself; POST /jobs of its own, for its own throttle
    assert sorted((p["Path"], p["Method"]) for p in properties) == sorted(
        [*((path, "ANY") for path in jobs_routes.ALLOWED_METHODS), ("/jobs", "POST")]
    )
    assert jobs_routes.ALLOWED_METHODS == {
        "/jobs": ("POST",),
        "/jobs/{job_id}": ("GET", "DELETE"),
    }
    # each route is served by the function's code (answers that need no S3 call)
    post = api_event("POST", "/jobs", '{"filename": "../x.txt", "size": 10}')
    get = api_event("GET", "/jobs/not-an-id")
    get["resource"] = "/jobs/{job_id}"
    get["pathParameters"] = {"job_id": "not-an-id"}
    for event, code in ((post, "invalid_filename"), (get, "job_not_found")):
        assert json.loads(jobs_api.lambda_handler(event, lambda_context)["body"])["code"] == code


def test_job_timeout_feeds_the_job_functions_timeout_and_the_jobs_api():
    parameter = TEMPLATE["Parameters"]["JobTimeout"]
    assert parameter["MaxValue"] == 900  # Lambda's longest
    assert parameter["Default"] == JobSettings().job_timeout_s  # the code's default, unset
    assert RESOURCES["SentimentJobFunction"]["Properties"]["Timeout"] == {"Ref": "JobTimeout"}
    variables = RESOURCES["JobsFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["JOB_TIMEOUT_SECONDS"] == {"Ref": "JobTimeout"}
    assert variables["JOB_BUCKET"] == {"Ref": "JobBucket"}


def test_the_job_function_has_the_apis_analysis_settings():
    api_variables = FUNCTION["Properties"]["Environment"]["Variables"]
    variables = RESOURCES["SentimentJobFunction"]["Properties"]["Environment"]["Variables"]
    for name in ("MAX_TEXT_LENGTH", "NEUTRAL_THRESHOLD"):
        assert variables[name] == api_variables[name]


def test_engine_parameter_feeds_both_analysing_functions_and_matches_the_settings():
    parameter = TEMPLATE["Parameters"]["Engine"]
    assert parameter["Default"] == Settings().engine == "textblob"
    assert tuple(parameter["AllowedValues"]) == ENGINES
    for name in ("SentimentFunction", "SentimentJobFunction"):
        variables = RESOURCES[name]["Properties"]["Environment"]["Variables"]
        assert variables["ENGINE"] == {"Ref": "Engine"}


def test_language_check_parameter_feeds_both_analysing_functions():
    parameter = TEMPLATE["Parameters"]["LanguageCheck"]
    assert parameter["AllowedValues"] == ["refuse", "off"]
    for value in parameter["AllowedValues"]:
        Settings.from_env({"LANGUAGE_CHECK": value})  # each allowed value is one the code takes
    for name in ("SentimentFunction", "SentimentJobFunction"):
        variables = RESOURCES[name]["Properties"]["Environment"]["Variables"]
        assert variables["LANGUAGE_CHECK"] == {"Ref": "LanguageCheck"}
