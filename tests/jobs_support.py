"""Helpers for the tests of whole-file analysis (issue 4): the labelled sentences as .txt,
.csv and .jsonl files, what each output line must be (computed with ``analyse()``), the job
bucket's name and prefixes as ``template.yaml`` declares them, and that bucket under moto.

Importing this module sets the AWS environment the two job handlers need when they are
imported (they create their boto3 clients then): a region, fake credentials, no endpoint
override. Import it before ``sentiment_api.handlers.jobs`` or ``jobs_api``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote_plus

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import ServerSideEncryptionRuleTypeDef

REGION: Final = "eu-west-1"  # Final: a literal, as boto3's LocationConstraint wants
os.environ.update(
    {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }
)
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
    os.environ.pop(_name, None)

# moto registers its botocore hook when imported; patch_client below covers a client that was
# created before that anyway (without it, such a client would try the network).
from moto import mock_aws  # noqa: E402
from moto.core.models import patch_client  # noqa: E402
from samcli.yamlhelper import yaml_parse  # noqa: E402

from sentiment_api.analysis import AUTO, analyse  # noqa: E402
from sentiment_api.errors import UnsupportedLanguageError  # noqa: E402
from sentiment_api.evaluate import load_labelled_sentences  # noqa: E402
from sentiment_api.handlers import fanout as fanout  # noqa: E402
from sentiment_api.handlers import jobs as jobs  # noqa: E402
from sentiment_api.handlers import jobs_api as jobs_api  # noqa: E402
from sentiment_api.jobs.settings import get_job_settings  # noqa: E402
from support import DATA, ROOT, FakeLambdaContext, api_event  # noqa: E402

# ``jobs as jobs``, ``jobs_api as jobs_api``: re-exported; the tests import them from here.
patch_client(jobs.s3)
patch_client(jobs.sfn)
patch_client(jobs_api.s3)
patch_client(jobs_api.sfn)
patch_client(fanout.s3)

TEMPLATE = yaml_parse((ROOT / "template.yaml").read_text())
RESOURCES = TEMPLATE["Resources"]


# ---- the template's bucket and prefixes --------------------------------------------------


def bucket_name_pattern() -> tuple[str, dict[str, Any]]:
    """JobBucket's ``BucketName``: the ``Fn::Sub`` pattern and its variables."""
    pattern, variables = RESOURCES["JobBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    return pattern, dict(variables)


def function_role(function: str) -> str:
    """The logical id of ``function``'s role (its ``Role: !GetAtt <role>.Arn``)."""
    role = RESOURCES[function]["Properties"]["Role"]
    assert isinstance(role, dict) and role["Fn::GetAtt"][1] == "Arn", role
    name: str = role["Fn::GetAtt"][0]
    return name


def policy_statements(function: str) -> list[dict[str, Any]]:
    """Every statement of the inline policies of ``function``'s role."""
    policies = RESOURCES[function_role(function)]["Properties"].get("Policies", [])
    return [statement for policy in policies for statement in policy["PolicyDocument"]["Statement"]]


def resource_path(resource: Any) -> str:
    """What a policy resource names in the job bucket: ``""`` for the bucket itself, else the
    key pattern (``input/*``). Fails on a resource that is not in the job bucket."""
    if resource == {"Fn::GetAtt": ["JobBucket", "Arn"]}:
        return ""
    sub = resource["Fn::Sub"]
    if isinstance(sub, str):
        assert sub.startswith("${JobBucket.Arn}/"), sub
        return sub.removeprefix("${JobBucket.Arn}/")
    # The bucket's name spelled out (no !Ref, to avoid a circular dependency): it must be the
    # bucket's own pattern, with the same variables.
    arn: str = sub[0]
    variables = dict(sub[1])
    pattern, bucket_variables = bucket_name_pattern()
    assert variables == bucket_variables, resource
    prefix = "arn:${AWS::Partition}:s3:::" + pattern
    assert arn == prefix or arn.startswith(prefix + "/"), arn
    return arn.removeprefix(prefix).removeprefix("/")


def s3_permissions(function: str) -> set[tuple[str, str]]:
    """``(action, resource_path)`` for every S3 Allow of ``function``'s role; a statement with
    an ``s3:prefix`` condition (a listing) has ``"?prefix=<pattern>"`` appended to the path."""
    granted = set()
    for statement in policy_statements(function):
        assert statement["Effect"] == "Allow"
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        if not all(action.startswith("s3:") for action in actions):
            assert not any(action.startswith("s3:") for action in actions), statement
            continue
        resources = statement["Resource"]
        condition = statement.get("Condition")
        suffix = ""
        if condition is not None:
            assert set(condition) == {"StringLike"} and set(condition["StringLike"]) == {
                "s3:prefix"
            }, condition
            suffix = f"?prefix={condition['StringLike']['s3:prefix']}"
        for action in actions:
            for resource in resources if isinstance(resources, list) else [resources]:
                granted.add((action, resource_path(resource) + suffix))
    return granted


def job_notification() -> dict[str, Any]:
    """The job bucket's one notification: ``{"Event", "Function", "Filter"}``."""
    (notification,) = RESOURCES["JobBucket"]["Properties"]["NotificationConfiguration"][
        "LambdaConfigurations"
    ]
    assert isinstance(notification, dict)
    return notification


def template_prefixes() -> dict[str, str]:
    """The bucket's prefixes as the template names them: ``input`` from the bucket's
    notification filter, ``output`` from the key pattern SentimentJobFunction's policy writes,
    ``jobs`` from the other one it reads, ``active`` from the other one it deletes
    (``output/*`` → ``output/``)."""
    (rule,) = job_notification()["Filter"]["S3Key"]["Rules"]
    assert rule["Name"] == "prefix"
    granted = s3_permissions("SentimentJobFunction")
    (output,) = {path.removesuffix("*") for action, path in granted if action == "s3:PutObject"}
    read = {path.removesuffix("*") for action, path in granted if action == "s3:GetObject"}
    (jobs_prefix,) = read - {rule["Value"], output}
    deleted = {path.removesuffix("*") for action, path in granted if action == "s3:DeleteObject"}
    (active,) = deleted - {output}
    return {"input": rule["Value"], "output": output, "jobs": jobs_prefix, "active": active}


PREFIXES = template_prefixes()
INPUT, OUTPUT, JOBS = PREFIXES["input"], PREFIXES["output"], PREFIXES["jobs"]


def template_bucket_name() -> str:
    """A name as the template makes it: its pattern with a stack id's UUID."""
    pattern, variables = bucket_name_pattern()
    assert set(variables) == {"StackUuid"}
    name = pattern.replace("${StackUuid}", str(uuid.uuid4()))
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", name), name
    return name


@contextlib.contextmanager
def mocked_job_bucket(execute_state_machine: bool = False) -> Iterator[str]:
    """Under ``mock_aws``: the job bucket, created with the template's name pattern, encryption
    and public access block; yields its name. The jobs API is pointed at it (env
    ``JOB_BUCKET``). With ``execute_state_machine``, moto's Step Functions runs the state
    machines it is given (``fanout_support.state_machine``)."""
    config: Any = {"stepfunctions": {"execute_state_machine": execute_state_machine}}
    with mock_aws(config=config):
        assert jobs.s3.meta.region_name == jobs_api.s3.meta.region_name == REGION
        name = template_bucket_name()
        properties = RESOURCES["JobBucket"]["Properties"]
        s3 = jobs.s3
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        # CloudFormation's ServerSideEncryptionByDefault is the API's Apply... one
        rules: list[ServerSideEncryptionRuleTypeDef] = [
            {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
            for rule in properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"],
        )
        with job_environment(JOB_BUCKET=name):
            yield name


@contextlib.contextmanager
def job_environment(**variables: str | None) -> Iterator[None]:
    """The job functions' environment variables set (None: unset) for the block, their cached
    settings re-read on entry and on exit."""
    previous = {name: os.environ.get(name) for name in variables}

    def apply(values: dict[str, str | None]) -> None:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_job_settings.cache_clear()

    apply(variables)
    try:
        yield
    finally:
        apply(previous)


class JobContext(FakeLambdaContext):
    """The job function's context: its name, and the template's default timeout left."""

    def __init__(self, seconds_left: float = 900.0) -> None:
        super().__init__(function_name="SentimentJobFunction")
        self.seconds_left = seconds_left

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds_left * 1000)


def s3_event(bucket: str, *keys: str) -> dict[str, Any]:
    """The S3 ``ObjectCreated:Put`` notification of ``keys`` as Lambda receives it: keys
    URL-encoded (``quote_plus``: spaces as ``+``, UTF-8 percent-escaped), each object's size
    and ETag (0 and "" for a key that is not there)."""
    records = []
    for key in keys:
        try:
            head = jobs.s3.head_object(Bucket=bucket, Key=key)
            size, etag = head["ContentLength"], head["ETag"].strip('"')
        except jobs.s3.exceptions.ClientError:
            size, etag = 0, ""
        records.append(
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": quote_plus(key), "size": size, "eTag": etag},
                },
            }
        )
    return {"Records": records}


def get_bytes(bucket: str, key: str) -> bytes:
    return jobs.s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def get_json(bucket: str, key: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(get_bytes(bucket, key))
    return document


def keys_under(bucket: str, prefix: str) -> list[str]:
    listed = jobs.s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))


# ---- the data, as files --------------------------------------------------------------------

Document = tuple[str, dict[str, Any] | None]
"""A document of a file: its text and the ``meta`` its output line must carry."""


@cache
def sentences(source: str | None = None) -> tuple[Any, ...]:
    """The labelled sentences (all 3,000, or one file's 1,000 by its stem's first word)."""
    found = load_labelled_sentences(DATA)
    if source is not None:
        found = [s for s in found if s.source.startswith(source)]
    assert found
    return tuple(found)


def labelled_file(fmt: str, source: str | None = None, *, text_column: str = "text"):
    """The labelled sentences as a ``fmt`` file: ``(bytes, documents)``.

    ``.txt``: one sentence per line, no meta. ``.csv``: columns ``source``, the text column and
    ``label`` (``1``/``0``, strings), written by the csv module (quoted where needed, CRLF line
    ends); meta is ``source`` and ``label``. ``.jsonl``: ``{"text", "label": 1|0, "source"}``;
    meta is ``label`` and ``source``.
    """
    items = sentences(source)
    gold = {"positive": 1, "negative": 0}
    if fmt == "txt":
        return txt_bytes(s.text for s in items), [(s.text, None) for s in items]
    if fmt == "csv":
        rows = [
            {"source": s.source, text_column: s.text, "label": str(gold[s.gold])} for s in items
        ]
        data = csv_bytes(rows, ["source", text_column, "label"])
        return data, [(s.text, {"source": s.source, "label": str(gold[s.gold])}) for s in items]
    if fmt == "jsonl":
        objects = [{"text": s.text, "label": gold[s.gold], "source": s.source} for s in items]
        return jsonl_bytes(objects), [
            (s.text, {"label": gold[s.gold], "source": s.source}) for s in items
        ]
    raise ValueError(fmt)


def txt_bytes(lines: Iterable[str]) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode()


def csv_bytes(rows: Iterable[dict[str, str]], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns)  # the csv module's default: CRLF line ends
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def jsonl_bytes(objects: Iterable[Any]) -> bytes:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode()


# ---- what the output must be -----------------------------------------------------------------


def expected_records(documents: list[Document], **options: Any) -> list[dict[str, Any]]:
    """One output line per document: ``line``, then ``analyse(text, **options)``'s fields (the
    language identified unless ``language`` says otherwise, as jobs do by default) or, for a
    text refused as not English, its ``error`` and ``code``; then ``meta`` if any. (For
    documents that are otherwise all analysable.)"""
    options.setdefault("language", AUTO)
    records = []
    for number, (text, meta) in enumerate(documents, start=1):
        try:
            fields = analyse(text, **options).as_dict()
        except UnsupportedLanguageError as exc:
            fields = exc.fields()
        record = {"line": number, **fields}
        if meta:
            record["meta"] = meta
        records.append(record)
    return records


def parse_jsonl(text: str) -> list[dict[str, Any]]:
    """JSON Lines as written: every line (split at LF only: a JSON string may hold U+2028)
    ends with a newline, and each is one JSON object."""
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.split("\n")[:-1]]


def expected_counts(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary fields the records imply: documents, results per label, errors per code,
    mean score of the analysed ones (rounded to 6 places)."""
    analysed = [r for r in records if "error" not in r]
    labels = Counter(r["sentiment"] for r in analysed)
    scores = [r["sentiment_score"] for r in analysed]
    return {
        "documents": len(records),
        "results": {label: labels[label] for label in ("positive", "neutral", "negative")},
        "errors": dict(sorted(Counter(r["code"] for r in records if "error" in r).items())),
        "mean_score": round(sum(scores) / len(scores), 6) if scores else None,
    }


def assert_counts_add_up(summary: dict[str, Any]) -> None:
    assert (
        sum(summary["results"].values()) + sum(summary["errors"].values()) == summary["documents"]
    )


def call_jobs_api(
    method: str,
    path: str,
    body: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    api_key_id: str | None = None,
) -> tuple[int, dict[str, list[str]], dict[str, Any]]:
    """One request to the jobs API function as API Gateway (REST, stage ``prod``) passes it:
    ``(status, headers, body)``, header names lower-cased; ``api_key_id`` is the id of the
    API key it was made with, if any."""
    event = api_event(method, path, body, headers=headers)
    event["requestContext"]["path"] = f"/prod{path}"
    event["requestContext"]["identity"]["apiKeyId"] = api_key_id
    if path.startswith("/jobs/"):
        event["resource"] = event["requestContext"]["resourcePath"] = "/jobs/{job_id}"
        event["pathParameters"] = {"job_id": path.removeprefix("/jobs/")}
    response = jobs_api.lambda_handler(event, FakeLambdaContext("JobsFunction"))
    response_headers = {k.lower(): v for k, v in response["multiValueHeaders"].items()}
    return response["statusCode"], response_headers, json.loads(response["body"])
