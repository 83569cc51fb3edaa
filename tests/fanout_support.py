"""The jobs' state machine executed for real in the tests (issue 18): moto's Step Functions
interpreter (``mock_aws(config={"stepfunctions": {"execute_state_machine": True}})``) runs the
definition of ``JobStateMachine`` read from ``template.yaml``, and its Lambda tasks reach the
real handlers (:mod:`sentiment_api.handlers.fanout`) in this process.

moto cannot run our functions itself (its Lambda backends run a zip in a Docker image, or echo
the payload: never a container-image function), so :class:`LocalLambda` answers the
interpreter's ``lambda:Invoke`` calls on botocore's documented ``before-call.lambda.Invoke``
event of boto3's default session, from which moto's interpreter makes its clients
(moto 5.2.5, ``moto/stepfunctions/parser/asl/utils/boto_client.py``): the request never
reaches moto and no moto internal is patched. The answer has Lambda's shape: the handler's
JSON, or ``FunctionError: Unhandled`` with ``{"errorType", "errorMessage", "stackTrace"}`` (as
the Python runtime reports an exception), which the interpreter turns into the Task's error
name, as Step Functions does.

What this does not run: Lambda itself (the image, its timeout, memory and reserved
concurrency), IAM, and the parts of the definition moto ignores (docs/testing.md lists them,
with the test that covers each instead).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import threading
import time
import traceback
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.response import StreamingBody

from jobs_support import (
    RESOURCES,
    job_environment,
    jobs,
    jobs_api,
    mocked_job_bucket,
)
from sentiment_api.handlers import fanout as fanout_handlers
from support import FakeLambdaContext

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions.type_defs import (
        DescribeExecutionOutputTypeDef,
        ExecutionListItemTypeDef,
        HistoryEventTypeDef,
    )

ACCOUNT = "123456789012"
STATE_MACHINE = "sentiment-test-jobs"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/jobs-state-machine"
FUNCTIONS: dict[str, Callable[[dict[str, Any], Any], Any]] = {
    "JobCoordinatorFunction": fanout_handlers.coordinate,
    "JobRangeFunction": fanout_handlers.analyse_range,
}
"""The state machine's functions, by logical id (each its ``DefinitionSubstitutions`` entry's
function), and the handler each one's ``ImageConfig.Command`` names."""

Handler = Callable[[dict[str, Any], Any], Any]


class FunctionContext(FakeLambdaContext):
    """A Lambda context whose remaining time counts down from ``timeout_s``."""

    def __init__(self, name: str, timeout_s: float = 900.0) -> None:
        super().__init__(function_name=name)
        self.deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class LocalLambda:
    """Functions by name, and the botocore hook that runs them when moto's interpreter invokes
    one. ``calls`` records each invocation's payload, by function name."""

    def __init__(self, functions: dict[str, Handler]) -> None:
        self.functions = dict(functions)
        self.calls: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.lock = threading.Lock()
        self.session: boto3.Session | None = None

    def install(self) -> None:
        """Register the hook on boto3's default session (make one first: ``mock_aws``
        resets it on start, so install inside the mock)."""
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        self.session = boto3.DEFAULT_SESSION
        assert self.session is not None
        self.session.events.register(
            "before-call.lambda.Invoke", self.on_invoke, unique_id="local-lambda"
        )

    def uninstall(self) -> None:
        if self.session is not None:
            self.session.events.unregister("before-call.lambda.Invoke", unique_id="local-lambda")
            self.session = None

    def on_invoke(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        # url_path: /2015-03-31/functions/<FunctionName, URL-encoded>/invocations
        name = params["url_path"].split("/")[3].replace("%3A", ":")
        name = name.split(":function:")[-1].split(":")[0]  # an ARN's function name
        body = params.get("body") or b"{}"
        event = json.loads(body.decode() if isinstance(body, bytes) else body)
        with self.lock:
            self.calls[name].append(event)
        handler = self.functions.get(name)
        meta = {"HTTPStatusCode": 200, "HTTPHeaders": {}, "RequestId": str(uuid.uuid4())}
        if handler is None:
            meta["HTTPStatusCode"] = 404
            error = {"Code": "ResourceNotFoundException", "Message": f"Function not found: {name}"}
            missing = AWSResponse("", 404, HTTPHeaders(), None)
            return missing, {"Error": error, "ResponseMetadata": meta}
        parsed: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
        try:
            payload = json.dumps(handler(event, FunctionContext(name))).encode()
        except Exception as exc:  # what the Python runtime reports for an exception
            payload = json.dumps(
                {
                    "errorType": type(exc).__name__,
                    "errorMessage": str(exc),
                    "stackTrace": traceback.format_tb(exc.__traceback__),
                }
            ).encode()
            parsed["FunctionError"] = "Unhandled"
        parsed["Payload"] = StreamingBody(io.BytesIO(payload), len(payload))
        parsed["ResponseMetadata"] = meta
        return AWSResponse(params.get("url", ""), 200, HTTPHeaders(), None), parsed

    def invocations(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.calls[name])


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{jobs.s3.meta.region_name}:{ACCOUNT}:function:{name}"


def definition() -> str:
    """``JobStateMachine``'s definition as template.yaml has it, as JSON, with its
    ``DefinitionSubstitutions`` applied as CloudFormation applies them (each ``${Name}`` by the
    ARN of the function it names)."""
    properties = RESOURCES["JobStateMachine"]["Properties"]
    substitutions = {}
    for name, value in properties["DefinitionSubstitutions"].items():
        logical_id, attribute = value["Fn::GetAtt"]
        assert attribute == "Arn" and logical_id in FUNCTIONS, value
        substitutions[name] = function_arn(logical_id)
    text = json.dumps(properties["Definition"])
    assert set(re.findall(r"\$\{(\w+)\}", text)) == set(substitutions)
    return re.sub(r"\$\{(\w+)\}", lambda m: substitutions[m.group(1)], text)


@contextlib.contextmanager
def state_machine(
    functions: dict[str, Handler] | None = None, /, **environment: str | None
) -> Iterator[tuple[str, str, LocalLambda]]:
    """Under ``mock_aws`` with moto's interpreter on: the job bucket, the jobs' state machine
    from the template, its functions answered in process (``functions`` replaces some, for
    fault injection), and the job functions' environment pointing at both (plus
    ``environment``). Yields ``(bucket, state machine ARN, LocalLambda)``; on exit, waits for
    every execution to end (their threads would outlive the mock)."""
    local = LocalLambda({**FUNCTIONS, **(functions or {})})
    with mocked_job_bucket(execute_state_machine=True) as bucket:
        local.install()
        sfn = boto3.client("stepfunctions", region_name=jobs.s3.meta.region_name)
        arn = sfn.create_state_machine(name=STATE_MACHINE, definition=definition(), roleArn=ROLE)[
            "stateMachineArn"
        ]
        try:
            with job_environment(STATE_MACHINE_ARN=arn, **environment):
                yield bucket, arn, local
        finally:
            for execution in sfn.list_executions(stateMachineArn=arn)["executions"]:
                with contextlib.suppress(TimeoutError):
                    wait(execution["executionArn"], timeout=60)
            local.uninstall()


def wait(execution_arn: str, timeout: float = 120.0) -> DescribeExecutionOutputTypeDef:
    """``DescribeExecution`` once the execution has ended (polled every 50 ms)."""
    deadline = time.monotonic() + timeout
    while True:
        described = jobs.sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        if time.monotonic() > deadline:
            raise TimeoutError(f"{execution_arn} still RUNNING after {timeout} s")
        time.sleep(0.05)


def history(execution_arn: str) -> list[HistoryEventTypeDef]:
    return jobs.sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]


def executions(state_machine_arn: str) -> list[ExecutionListItemTypeDef]:
    return jobs.sfn.list_executions(stateMachineArn=state_machine_arn)["executions"]


__all__ = ["jobs", "jobs_api", "os"]
