"""The sentiment job (SentimentJobFunction) in process, against moto's S3: the bucket is named
and laid out as template.yaml makes it, the event is the S3 notification Lambda receives.

What S3 holds afterwards is what is checked: results line by line against ``analyse()``, the
summary's status and counts, and what is (not) left of an earlier run.
"""

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from jobs_support import (
    INPUT,
    JOBS,
    OUTPUT,
    JobContext,
    assert_counts_add_up,
    expected_counts,
    expected_records,
    get_bytes,
    get_json,
    job_environment,
    jobs,
    keys_under,
    labelled_file,
    mocked_job_bucket,
    parse_jsonl,
    s3_event,
    txt_bytes,
)
from sentiment_api.__main__ import main
from sentiment_api.jobs import runner, settings, storage
from sentiment_api.jobs.files import JobOptions, Tally, summary
from sentiment_api.jobs.settings import get_job_settings
from support import emf_documents, run_python

RESULTS_TYPE = "application/x-ndjson; charset=utf-8"


@pytest.fixture
def bucket():
    with mocked_job_bucket() as name:
        yield name


def put(bucket: str, key: str, data: bytes) -> None:
    jobs.s3.put_object(Bucket=bucket, Key=key, Body=data)


def run(bucket: str, *keys: str, context: JobContext | None = None) -> dict[str, Any]:
    """Invoke the job function's handler with the S3 event of ``keys``."""
    answer: dict[str, Any] = jobs.lambda_handler(s3_event(bucket, *keys), context or JobContext())
    return answer


def outputs(key: str) -> tuple[str, str]:
    """The results and summary keys of input ``key``, spelled with the template's prefixes."""
    name = OUTPUT + key.removeprefix(INPUT)
    return f"{name}.jsonl", f"{name}.summary.json"


def test_the_bucket_layout_is_the_templates():
    key = f"{INPUT}reviews.csv"
    assert storage.output_keys(key) == outputs(key)
    job_id = storage.new_job_id()
    assert storage.job_key(job_id) == f"{JOBS}{job_id}.json"
    assert storage.input_key(job_id, "a.txt") == f"{INPUT}{job_id}/a.txt"
    assert storage.job_id_of(storage.input_key(job_id, "a.txt")) == job_id


@pytest.mark.parametrize(("fmt", "source"), [("txt", "amazon"), ("csv", "imdb"), ("jsonl", "yelp")])
def test_each_format_is_analysed_into_output(bucket, fmt, source):
    # Given 1,000 labelled sentences uploaded under input/
    data, documents = labelled_file(fmt, source)
    key = f"{INPUT}reviews/{source}.{fmt}"
    put(bucket, key, data)
    results_key, summary_key = outputs(key)

    # When the job runs for its S3 event
    answer = run(bucket, key)

    # Then it reports the job, and the results are one line per document, in order
    assert answer == {
        "jobs": [{"key": key, "status": "COMPLETED", "documents": 1000, "summary": summary_key}]
    }
    assert keys_under(bucket, OUTPUT) == sorted([results_key, summary_key])
    results = jobs.s3.get_object(Bucket=bucket, Key=results_key)
    assert results["ContentType"] == RESULTS_TYPE
    records = parse_jsonl(results["Body"].read().decode("utf-8"))
    assert records == expected_records(documents)
    # And the summary is COMPLETED with the input's identity and the lines' counts
    summary = get_json(bucket, summary_key)
    head = jobs.s3.head_object(Bucket=bucket, Key=key)
    assert summary["status"] == "COMPLETED" and "code" not in summary
    assert summary["input"] == {"key": key, "size": len(data), "etag": head["ETag"].strip('"')}
    assert (summary["output"], summary["format"]) == (results_key, fmt)
    assert {k: summary[k] for k in ("documents", "results", "errors", "mean_score")} == (
        expected_counts(records)
    )
    assert_counts_add_up(summary)
    assert summary["ended_at"] >= summary["started_at"] and summary["duration_s"] >= 0


def test_url_encoded_keys_are_decoded(bucket):
    key = f"{INPUT}my reviews/été 😀 a+b (1).txt"
    put(bucket, key, b"Great food.\n")

    answer = run(bucket, key)

    assert s3_event(bucket, key)["Records"][0]["s3"]["object"]["key"] == (
        "input%2Fmy+reviews%2F%C3%A9t%C3%A9+%F0%9F%98%80+a%2Bb+%281%29.txt"
    )
    results_key, summary_key = outputs(key)
    assert answer["jobs"][0]["key"] == key
    assert keys_under(bucket, OUTPUT) == sorted([results_key, summary_key])
    assert parse_jsonl(get_bytes(bucket, results_key).decode()) == expected_records(
        [("Great food.", None)]
    )


def test_one_event_with_two_records_runs_two_jobs(bucket):
    put(bucket, f"{INPUT}a.txt", b"Great food.\n")
    put(bucket, f"{INPUT}b.jsonl", b'{"text": "Awful service."}\n{"text": ""}\n')

    answer = run(bucket, f"{INPUT}a.txt", f"{INPUT}b.jsonl")

    assert [(j["key"], j["status"], j["documents"]) for j in answer["jobs"]] == [
        (f"{INPUT}a.txt", "COMPLETED", 1),
        (f"{INPUT}b.jsonl", "COMPLETED", 2),
    ]
    assert get_json(bucket, outputs(f"{INPUT}b.jsonl")[1])["errors"] == {"no_text": 1}


def test_a_re_run_writes_the_same_keys_with_the_same_results(bucket):
    data, _ = labelled_file("csv", "yelp")
    key = f"{INPUT}yelp.csv"
    put(bucket, key, data)
    results_key, summary_key = outputs(key)

    run(bucket, key)
    first_keys = keys_under(bucket, "")
    first_results, first_summary = get_bytes(bucket, results_key), get_json(bucket, summary_key)
    # (the same bytes again are the same upload to the job, unless its summary is deleted)
    jobs.s3.delete_object(Bucket=bucket, Key=summary_key)
    run(bucket, key)

    assert keys_under(bucket, "") == first_keys
    assert get_bytes(bucket, results_key) == first_results
    times = ("started_at", "ended_at", "duration_s")
    second_summary = get_json(bucket, summary_key)
    assert {k: v for k, v in second_summary.items() if k not in times} == {
        k: v for k, v in first_summary.items() if k not in times
    }


def test_the_summary_is_in_progress_while_the_results_are_uploaded(bucket, monkeypatch):
    key = f"{INPUT}texts.txt"
    put(bucket, key, b"Great food.\nAwful service.\n")
    results_key, summary_key = outputs(key)
    seen = []
    upload = jobs.s3.upload_file

    def upload_and_look(*args, **kwargs):
        seen.append(get_json(bucket, summary_key))
        return upload(*args, **kwargs)

    monkeypatch.setattr(jobs.s3, "upload_file", upload_and_look)
    run(bucket, key)

    (during,) = seen
    assert (during["status"], during["output"], during["ended_at"]) == (
        "IN_PROGRESS",
        results_key,
        None,
    )
    assert during["input"]["size"] == len(b"Great food.\nAwful service.\n")
    assert get_json(bucket, summary_key)["status"] == "COMPLETED"


def test_options_of_the_job_record_reach_the_job(bucket):
    # Given a job record as POST /jobs writes it, with a text column and options
    job_id = storage.new_job_id()
    key = f"{INPUT}{job_id}/reviews.csv"
    options = {"text_column": "review", "neutral_threshold": 0.4, "sentences": True}
    record = {"job_id": job_id, "filename": "reviews.csv", "input_key": key, "options": options}
    put(bucket, f"{JOBS}{job_id}.json", json.dumps(record).encode())
    data, documents = labelled_file("csv", "amazon", text_column="review")
    put(bucket, key, data)

    # When the job runs for the upload
    run(bucket, key)

    # Then the options are the record's
    results_key, summary_key = outputs(key)
    expected = expected_records(documents, neutral_threshold=0.4, sentences=True)
    assert parse_jsonl(get_bytes(bucket, results_key).decode()) == expected
    assert get_json(bucket, summary_key)["options"] == {
        **options,
        "language": "auto",
        "explain": False,
        "engine": "textblob",
    }

    # And the same file elsewhere under input/ has the defaults (no column "text": rejected)
    put(bucket, f"{INPUT}reviews.csv", data)
    assert run(bucket, f"{INPUT}reviews.csv")["jobs"][0]["status"] == "FAILED"
    assert get_json(bucket, outputs(f"{INPUT}reviews.csv")[1])["code"] == "missing_text_column"


def test_the_job_records_engine_reaches_the_job_and_the_deployments_applies_otherwise(
    bucket, deployment
):
    # Given a deployment whose default engine is the model, and a job record asking for TextBlob
    deployment(ENGINE="model")
    job_id = storage.new_job_id()
    key = f"{INPUT}{job_id}/reviews.jsonl"
    record = {"job_id": job_id, "filename": "reviews.jsonl", "input_key": key}
    put(
        bucket,
        f"{JOBS}{job_id}.json",
        json.dumps({**record, "options": {"engine": "textblob"}}).encode(),
    )
    data, documents = labelled_file("jsonl", "yelp")
    put(bucket, key, data)
    # And the same file elsewhere under input/, which has no job record
    put(bucket, f"{INPUT}reviews.jsonl", data)

    # When the job function runs for both uploads
    run(bucket, key, f"{INPUT}reviews.jsonl")

    # Then the job's records are TextBlob's, and the other file's the deployment's model
    for input_key, engine in ((key, "textblob"), (f"{INPUT}reviews.jsonl", "model")):
        results_key, summary_key = outputs(input_key)
        expected = expected_records(documents, engine=engine)
        assert parse_jsonl(get_bytes(bucket, results_key).decode()) == expected
        assert get_json(bucket, summary_key)["options"]["engine"] == engine


@pytest.mark.parametrize(
    ("name", "data", "code", "read"),
    [
        ("report.pdf", b"%PDF-1.7\n", "unsupported_format", 0),
        ("texts", b"Great food.\n", "unsupported_format", 0),
        ("texts.txt", b"Great food.\nAwful.\ncaf\xe9 au lait\nFine.\n", "not_utf8", 2),
        ("reviews.jsonl", b'{"text": "Great."}\n{"text": "caf\xe9"}\n', "not_utf8", 1),
        ("reviews.csv", b"review,label\nGreat food.,1\n", "missing_text_column", 0),
        ("empty.csv", b"", "empty_file", 0),
        ("gone.txt", None, "input_missing", 0),  # deleted before the job ran
    ],
    ids=["pdf", "no-extension", "txt-not-utf8", "jsonl-not-utf8", "no-column", "empty", "gone"],
)
def test_a_rejected_file_fails_with_its_reason_and_no_results(bucket, name, data, code, read):
    # Given an upload, and the results an earlier run of the same key left
    key = f"{INPUT}{name}"
    put(bucket, key, b"placeholder\n" if data is None else data)
    event = s3_event(bucket, key)
    if data is None:
        jobs.s3.delete_object(Bucket=bucket, Key=key)
    results_key, summary_key = outputs(key)
    put(bucket, results_key, b'{"line": 1}\n')

    # When the job runs: the invocation succeeds (nothing to retry)
    answer = jobs.lambda_handler(event, JobContext())

    # Then the summary says FAILED and why, and no results are left
    assert answer["jobs"] == [
        {"key": key, "status": "FAILED", "documents": read, "summary": summary_key}
    ]
    summary = get_json(bucket, summary_key)
    assert (summary["status"], summary["code"], summary["output"]) == ("FAILED", code, None)
    assert isinstance(summary["reason"], str) and summary["reason"]
    assert keys_under(bucket, OUTPUT) == [summary_key]
    assert summary["ended_at"] is not None and summary["documents"] == read
    # And it names the input it could not analyse (from the event, if it was never read)
    uploaded = event["Records"][0]["s3"]["object"]
    assert summary["input"] == {"key": key, "size": uploaded["size"], "etag": uploaded["eTag"]}


@pytest.mark.parametrize("key", [INPUT, f"{INPUT}a folder/", "elsewhere/texts.txt"])
def test_folders_and_keys_outside_input_are_skipped(bucket, key):
    put(bucket, key, b"")

    answer = run(bucket, key)

    assert answer == {"jobs": [{"key": key, "status": "SKIPPED"}]}
    assert keys_under(bucket, OUTPUT) == []


def test_a_file_too_large_for_the_time_left_fails_before_it_is_read(bucket):
    # Given an upload of 2 s of the worst-case rate, and a second left of the invocation
    key = f"{INPUT}large.txt"
    size = 2 * settings.MIN_BYTES_PER_S["textblob", "plain"]
    put(bucket, key, txt_bytes(["Great food."] * size)[:size])

    answer = run(bucket, key, context=JobContext(seconds_left=1))

    assert answer["jobs"][0]["status"] == "FAILED"
    summary = get_json(bucket, outputs(key)[1])
    assert (summary["code"], summary["documents"]) == ("file_too_large", 0)
    assert keys_under(bucket, OUTPUT) == [outputs(key)[1]]


def test_the_size_guard_counts_on_the_worst_case_rate(bucket):
    # Worst-case text runs near 0.12 MB/s with textblob (make bench's job input rates); the
    # guard must not assume the average
    assert settings.MIN_BYTES_PER_S["textblob", "plain"] <= 125_000
    # Given a file that the worst-case rate reads in 10 s, and 11 s left (10 % kept in reserve);
    # one line longer than any text, so that it is quick to read whatever the machine
    key = f"{INPUT}texts.txt"
    size = 10 * settings.MIN_BYTES_PER_S["textblob", "plain"]
    put(bucket, key, b"x" * (size - 1) + b"\n")

    answer = run(bucket, key, context=JobContext(seconds_left=11.2))

    assert answer["jobs"][0]["status"] == "COMPLETED"
    # And with 10 s left (9 s before the margin) it is too large (to a new run of the file)
    jobs.s3.delete_object(Bucket=bucket, Key=outputs(key)[1])
    answer = run(bucket, key, context=JobContext(seconds_left=10))
    assert get_json(bucket, outputs(key)[1])["code"] == "file_too_large"


@pytest.mark.parametrize("timeout", [10, 60])
def test_the_largest_file_post_jobs_accepts_is_one_the_job_reads(bucket, timeout):
    # Given the largest file the jobs API accepts for a job function with this timeout (one
    # line, quick to read whatever the machine)
    with job_environment(JOB_TIMEOUT_SECONDS=str(timeout)):
        size = get_job_settings().max_job_bytes("textblob", "plain")
    key = f"{INPUT}largest.txt"
    put(bucket, key, b"x" * (size - 1) + b"\n")

    # When the job runs with the whole timeout left, as a fresh invocation has it
    answer = run(bucket, key, context=JobContext(seconds_left=timeout))

    # Then its own size rule lets it read the file
    assert answer["jobs"][0]["status"] == "COMPLETED", get_json(bucket, outputs(key)[1])


class SteppingClock:
    """A stand-in for the ``time`` module in ``jobs.runner``: each ``monotonic()`` is a second
    later, so the job's deadline comes after a known number of reads, whatever the machine's
    speed."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now

    @staticmethod
    def time() -> float:
        return time.time()


def test_a_job_that_runs_out_of_time_stops_and_fails_timed_out(bucket, monkeypatch):
    # Given 1,000 documents and 100 s left: the job stops 10 s before, so after ~90 reads
    data, _ = labelled_file("txt", "amazon")
    key = f"{INPUT}texts.txt"
    put(bucket, key, data)
    monkeypatch.setattr(runner, "time", SteppingClock())

    answer = run(bucket, key, context=JobContext(seconds_left=100))

    # Then it records FAILED timed_out itself (no retry), with no results
    assert answer["jobs"][0]["status"] == "FAILED"
    summary = get_json(bucket, outputs(key)[1])
    assert summary["code"] == "timed_out"
    assert 0 < summary["documents"] < 1000
    assert keys_under(bucket, OUTPUT) == [outputs(key)[1]]


def test_a_failed_re_run_removes_the_results_of_the_earlier_run(bucket):
    key = f"{INPUT}texts.txt"
    put(bucket, key, txt_bytes(["Great food.", "Awful service."]))
    run(bucket, key)
    results_key, summary_key = outputs(key)
    assert keys_under(bucket, OUTPUT) == sorted([results_key, summary_key])

    put(bucket, key, b"Great food.\n\xff\xfe not UTF-8\n")
    run(bucket, key)

    assert keys_under(bucket, OUTPUT) == [summary_key]
    summary = get_json(bucket, summary_key)
    assert (summary["status"], summary["code"]) == ("FAILED", "not_utf8")
    assert "line 2" in summary["reason"]


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "injected"}}, operation)


def s3_refuses(monkeypatch, operation: str) -> None:
    """S3 refuses every ``operation`` call of the job function's client with an
    ``InternalError`` (injected: S3 is not what is tested)."""

    def refused(*args, **kwargs):
        raise client_error("InternalError", operation)

    monkeypatch.setattr(jobs.s3, operation, refused)


@pytest.mark.parametrize("failing", ["upload_file", "get_object"])
def test_an_s3_error_is_raised_after_a_failed_summary(bucket, monkeypatch, failing):
    # Given S3 refusing one call of the job (S3 is not what is tested: the error is injected)
    key = f"{INPUT}texts.txt"
    put(bucket, key, b"Great food.\n")
    s3_refuses(monkeypatch, failing)

    # When the job runs, the error reaches Lambda (which retries, then queues the event)
    with pytest.raises(ClientError) as raised:
        run(bucket, key)

    # And the summary says FAILED with internal_error, so the jobs API does not wait forever
    assert raised.value.response["Error"]["Code"] == "InternalError"
    monkeypatch.undo()
    results_key, summary_key = outputs(key)
    summary = get_json(bucket, summary_key)
    assert (summary["status"], summary["code"], summary["output"]) == (
        "FAILED",
        "internal_error",
        None,
    )
    assert summary["reason"] == "The job failed: ClientError"
    assert results_key not in keys_under(bucket, OUTPUT)


def test_an_s3_error_on_a_rerun_removes_the_earlier_results(bucket, monkeypatch):
    key = f"{INPUT}texts.txt"
    put(bucket, key, b"Great food.\n")
    run(bucket, key)
    results_key = outputs(key)[0]
    assert results_key in keys_under(bucket, OUTPUT)
    s3_refuses(monkeypatch, "upload_file")
    put(bucket, key, b"Awful food.\n")  # another upload to the same key
    with pytest.raises(ClientError):
        run(bucket, key)

    # No results of the first run beside a summary that says FAILED
    assert results_key not in keys_under(bucket, OUTPUT)
    assert get_json(bucket, outputs(key)[1])["status"] == "FAILED"


# ---- duplicate events: S3 delivers at least once, Lambda retries a failed invocation ----------


def reads_of(monkeypatch, key: str) -> list[str]:
    """The GETs of ``key`` from now on (the list fills as the job reads)."""
    reads: list[str] = []
    get_object = jobs.s3.get_object

    def recorded(*args, **kwargs):
        if kwargs["Key"] == key:
            reads.append(key)
        return get_object(*args, **kwargs)

    monkeypatch.setattr(jobs.s3, "get_object", recorded)
    return reads


@pytest.mark.parametrize(
    ("data", "status"), [(b"Great food.\n", "COMPLETED"), (b"\xff\xfe\n", "FAILED")]
)
def test_a_second_event_for_a_finished_upload_does_not_run_it_again(
    bucket, monkeypatch, data, status
):
    # Given an upload whose job has run (to COMPLETED, or FAILED in a way a re-run repeats)
    key = f"{INPUT}texts.txt"
    put(bucket, key, data)
    run(bucket, key)
    summary_key = outputs(key)[1]
    first = get_json(bucket, summary_key)
    assert first["status"] == status
    outputs_before = {k: get_bytes(bucket, k) for k in keys_under(bucket, OUTPUT)}
    reads = reads_of(monkeypatch, key)

    # When S3 delivers its event again
    answer = run(bucket, key)

    # Then the first run stands: the input is not read, nothing is rewritten
    assert answer["jobs"][0]["status"] == status
    assert reads == []
    assert {k: get_bytes(bucket, k) for k in keys_under(bucket, OUTPUT)} == outputs_before


def test_a_new_upload_to_the_same_key_runs_again(bucket):
    key = f"{INPUT}texts.txt"
    put(bucket, key, b"Great food.\n")
    run(bucket, key)
    put(bucket, key, b"Great food.\nAwful service.\n")

    answer = run(bucket, key)

    assert answer["jobs"][0]["documents"] == 2
    assert get_json(bucket, outputs(key)[1])["documents"] == 2


def in_progress_summary(bucket: str, key: str, started: float) -> None:
    """Store the ``IN_PROGRESS`` summary a run of ``key``'s current upload wrote at ``started``."""
    head = jobs.s3.head_object(Bucket=bucket, Key=key)
    fields = summary(
        status="IN_PROGRESS",
        tally=Tally(),
        started=started,
        input_fields={"key": key, "size": head["ContentLength"], "etag": head["ETag"].strip('"')},
        output_key=outputs(key)[0],
        fmt="txt",
        options=JobOptions(),
    )
    storage.put_json(jobs.s3, bucket, outputs(key)[1], fields)


@pytest.mark.parametrize(("started_ago", "runs"), [(60, False), (900 + 60, True)])
def test_an_event_for_an_upload_in_progress_runs_only_if_that_run_is_dead(
    bucket, monkeypatch, started_ago, runs
):
    # Given an upload whose run said IN_PROGRESS this long ago (the timeout is 900 s)
    key = f"{INPUT}texts.txt"
    put(bucket, key, b"Great food.\n")
    in_progress_summary(bucket, key, time.time() - started_ago)
    reads = reads_of(monkeypatch, key)

    answer = run(bucket, key)

    # Then a run still within the timeout stands (a duplicate); a dead one is run again
    assert answer["jobs"][0]["status"] == ("COMPLETED" if runs else "IN_PROGRESS")
    assert reads == ([key] if runs else [])


def test_lambdas_retry_of_a_job_that_failed_internally_runs_it_again(bucket, monkeypatch):
    # Given a run that S3 failed (internal_error), raised to Lambda
    key = f"{INPUT}texts.txt"
    put(bucket, key, b"Great food.\n")
    s3_refuses(monkeypatch, "upload_file")
    with pytest.raises(ClientError):
        run(bucket, key)
    assert get_json(bucket, outputs(key)[1])["code"] == "internal_error"
    monkeypatch.undo()

    # When Lambda retries the same event
    answer = run(bucket, key)

    # Then the job runs again, and completes
    assert answer["jobs"][0]["status"] == "COMPLETED"
    assert outputs(key)[0] in keys_under(bucket, OUTPUT)


def test_when_s3_takes_no_summary_the_original_error_is_raised(bucket, monkeypatch):
    key = f"{INPUT}texts.txt"
    put(bucket, key, b"Great food.\n")
    calls = []

    def refuse(*args, **kwargs):
        calls.append(kwargs["Key"])
        raise client_error("ServiceUnavailable", "PutObject")

    monkeypatch.setattr(jobs.s3, "put_object", refuse)

    with pytest.raises(ClientError) as raised:
        run(bucket, key)

    assert raised.value.response["Error"]["Code"] == "ServiceUnavailable"
    summary_key = outputs(key)[1]
    assert calls == [summary_key, summary_key]  # IN_PROGRESS, then the FAILED attempt
    assert keys_under(bucket, OUTPUT) == []


@pytest.mark.parametrize("fmt", ["txt", "csv", "jsonl"])
def test_the_command_line_writes_what_the_job_writes_for_the_same_bytes(bucket, tmp_path, fmt):
    # Given a file with real sentences and some document-level errors
    data, _ = labelled_file(fmt, "imdb")
    extra = {
        "txt": b"\n   \n" + "é".encode() * 5001 + b"\n",
        "csv": b"imdb,,1\r\nshort\r\n",
        "jsonl": b'{"text": 1}\nnot json\n{"id": 2}\n',
    }[fmt]
    data += extra
    key = f"{INPUT}mixed.{fmt}"
    put(bucket, key, data)
    source = tmp_path / f"mixed.{fmt}"
    source.write_bytes(data)

    # When the job and the command line analyse it
    run(bucket, key)
    assert main(["analyse-file", str(source), "-o", str(tmp_path / "mixed.jsonl")]) == 0

    # Then the results are the same bytes, and the summaries the same counts
    results_key, summary_key = outputs(key)
    assert get_bytes(bucket, results_key) == (tmp_path / "mixed.jsonl").read_bytes()
    from_job = get_json(bucket, summary_key)
    from_cli = json.loads((tmp_path / "mixed.summary.json").read_text(encoding="utf-8"))
    same = ("status", "format", "options", "documents", "results", "errors", "mean_score")
    assert {k: from_job[k] for k in same} == {k: from_cli[k] for k in same}
    assert from_job["errors"]  # the errors are part of what is compared
    assert from_job["input"]["size"] == from_cli["input"]["size"] == len(data)


# ---- tracing ---------------------------------------------------------------------------------


def decorators(handler) -> list[str]:
    """The wrappers around ``handler``, outermost first, by the qualified name of their code
    (``functools.wraps`` copies the handler's name onto each wrapper, not its code's)."""
    names = []
    while hasattr(handler, "__wrapped__"):
        names.append(handler.__code__.co_qualname)
        handler = handler.__wrapped__
    return names


@pytest.mark.parametrize("module", ["jobs", "jobs_api"])
def test_both_job_functions_are_traced_in_the_cookbooks_order(module):
    from sentiment_api.handlers import jobs_api

    handler = {"jobs": jobs, "jobs_api": jobs_api}[module].lambda_handler

    assert decorators(handler) == [
        "Logger.inject_lambda_context.<locals>.decorate",
        "BaseProvider.log_metrics.<locals>.decorate",
        "Tracer.capture_lambda_handler.<locals>.decorate",
    ]


def test_the_api_function_loads_no_x_ray_sdk_and_the_job_functions_do():
    code = "import sys\nfrom sentiment_api.handlers import {}\nprint('aws_xray_sdk' in sys.modules)"
    env = {"AWS_DEFAULT_REGION": "eu-west-1"}
    assert run_python(code.format("api"), **env).strip() == "False"
    assert run_python(code.format("jobs"), **env).strip() == "True"


# ---- what the JobsFailed alarm counts (issue 20, item 6) ---------------------------------------


def outcome_metrics(stdout: str) -> set[str]:
    names = {
        metric["Name"]
        for document in emf_documents(stdout)
        for directive in document["_aws"]["CloudWatchMetrics"]
        for metric in directive["Metrics"]
    }
    return names & {"JobsCompleted", "JobsRejected", "JobsFailed"}


def test_a_clients_bad_file_is_counted_rejected_not_failed(bucket, capsys):
    key = f"{INPUT}reviews.csv"
    put(bucket, key, b"review,label\nGreat food.,1\n")  # no text column: the client's mistake

    run(bucket, key)

    assert outcome_metrics(capsys.readouterr().out) == {"JobsRejected"}


def test_a_job_that_runs_out_of_time_is_counted_failed(bucket, monkeypatch, capsys):
    data, _ = labelled_file("txt", "amazon")
    key = f"{INPUT}texts.txt"
    put(bucket, key, data)
    monkeypatch.setattr(runner, "time", SteppingClock())

    run(bucket, key, context=JobContext(seconds_left=100))

    assert outcome_metrics(capsys.readouterr().out) == {"JobsFailed"}


def test_a_job_that_crashes_is_counted_failed_before_lambda_retries_it(bucket, monkeypatch, capsys):
    key = f"{INPUT}texts.txt"
    put(bucket, key, b"Great food.\n")
    s3_refuses(monkeypatch, "upload_file")
    with pytest.raises(ClientError):
        run(bucket, key)

    assert outcome_metrics(capsys.readouterr().out) == {"JobsFailed"}


def test_a_completed_job_is_counted_completed(bucket, capsys):
    key = f"{INPUT}texts.txt"
    put(bucket, key, b"Great food.\n")

    run(bucket, key)

    assert outcome_metrics(capsys.readouterr().out) == {"JobsCompleted"}
