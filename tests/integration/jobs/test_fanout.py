"""Jobs past one invocation (issue 18), executed for real: the definition of
``JobStateMachine`` read from template.yaml runs in moto's Step Functions interpreter
(Map INLINE over the files, Distributed Map over an S3 ``ItemReader`` manifest, Retry, Catch,
Fail), its Lambda tasks reach the real handlers in process (``fanout_support.LocalLambda``),
and every S3 call goes to moto's S3 (ranged ``GET``, multipart upload with ``UploadPartCopy``,
S3's 5 MiB part minimum enforced).

Each job starts as it does deployed: an S3 event to the sentiment job function, which starts
the execution. The single-invocation path on the same bytes is the reference: the results must
be equal byte for byte.

What moto's interpreter does not do, and which test covers it instead (docs/testing.md):
a failed item does not fail a Distributed Map (moto ignores ``ToleratedFailure*``: the Map
succeeds with a null result), so here it is the reduce's own check that fails the job, and
:func:`test_a_range_failing_every_try_fails_the_job_naming_it` asserts either error name, the
same ``FAILED`` summary coming from the same ``Catch``; a stopped execution stays ``RUNNING``
until its in-flight invocations return (Step Functions marks it ``ABORTED`` at once).
"""

from __future__ import annotations

import io
import json
import threading
import time
from typing import Any

import pytest

from fanout_support import (
    FunctionContext,
    executions,
    history,
    state_machine,
    wait,
)
from jobs_support import (
    INPUT,
    OUTPUT,
    TEMPLATE,
    JobContext,
    assert_counts_add_up,
    call_jobs_api,
    get_bytes,
    get_json,
    job_environment,
    jobs,
    keys_under,
    labelled_file,
    parse_jsonl,
    s3_event,
)
from sentiment_api.handlers import fanout as fanout_handlers
from sentiment_api.jobs import fanout, storage
from sentiment_api.jobs.fanout import run_id
from sentiment_api.jobs.files import JobOptions, analyse_stream
from sentiment_api.jobs.settings import EXECUTION_TIMEOUT_S, get_job_settings

FAST = {"FAN_OUT_BYTES": "1", "RANGE_BYTES": "4000", "MAP_CONCURRENCY": "3"}
"""Every file fans out, in ranges of about 4 KB, three at a time."""


def put(bucket: str, key: str, data: bytes) -> None:
    jobs.s3.put_object(Bucket=bucket, Key=key, Body=data)


def start(bucket: str, key: str) -> dict[str, Any]:
    """The S3 event of ``key`` to the sentiment job function; its one job's answer."""
    (job,) = jobs.lambda_handler(s3_event(bucket, key), JobContext())["jobs"]
    return dict(job)


def run_to_the_end(bucket: str, key: str) -> dict[str, Any]:
    """Start the job of ``key`` and wait for its execution; its summary."""
    assert start(bucket, key)["status"] == "IN_PROGRESS"
    summary = get_json(bucket, storage.output_keys(key)[1])
    described = wait(summary["execution"])
    summary = get_json(bucket, storage.output_keys(key)[1])
    # a file rejected for what it is ends its job FAILED, not its execution (as an
    # invocation that rejects one succeeds); a failure of the service's fails both
    crashed = summary["status"] == "FAILED" and summary["code"] == "internal_error"
    assert described["status"] == ("FAILED" if crashed else "SUCCEEDED")
    return summary


def single_path(bucket: str, key: str) -> bytes:
    """The results of ``key`` analysed in one invocation (no state machine at all)."""
    with job_environment(STATE_MACHINE_ARN=None, FAN_OUT_BYTES=None, RANGE_BYTES=None):
        (job,) = jobs.lambda_handler(s3_event(bucket, key), JobContext())["jobs"]
    assert job["status"] == "COMPLETED", job
    return get_bytes(bucket, storage.output_keys(key)[0])


@pytest.mark.parametrize("fmt", ["txt", "csv", "jsonl"])
def test_a_file_fanned_out_gives_the_single_invocations_results_byte_for_byte(fmt):
    data, documents = labelled_file(fmt, "yelp")
    with state_machine(**FAST) as (bucket, _machine, local):
        one, many = f"{INPUT}one.{fmt}", f"{INPUT}many.{fmt}"
        put(bucket, one, data)
        put(bucket, many, data)
        expected = single_path(bucket, one)
        summary = run_to_the_end(bucket, many)
        # Then the results are the single invocation's, byte for byte, from many ranges
        assert get_bytes(bucket, f"{OUTPUT}many.{fmt}.jsonl") == expected
        assert summary["ranges"] > 10
        assert len(local.invocations("JobRangeFunction")) == summary["ranges"]
        assert len(parse_jsonl(expected.decode())) == len(documents) == summary["documents"]
        single = get_json(bucket, f"{OUTPUT}one.{fmt}.summary.json")
        for field in ("status", "documents", "results", "errors", "mean_score", "format"):
            assert summary[field] == single[field], field
        assert summary["input"] == {**single["input"], "key": many}
        assert_counts_add_up(summary)
        # And the execution ran the template's states, the Map as a Distributed map run
        types = [event["type"] for event in history(summary["execution"])]
        assert {"MapRunStarted", "MapRunSucceeded", "ExecutionSucceeded"} <= set(types)
        (run,) = jobs.sfn.list_map_runs(executionArn=summary["execution"])["mapRuns"]
        described = jobs.sfn.describe_map_run(mapRunArn=run["mapRunArn"])
        assert described["maxConcurrency"] == 3
        assert described["itemCounts"]["succeeded"] == summary["ranges"]
        # And the working files are gone
        assert keys_under(bucket, storage.WORK_PREFIX) == []


# ---- through the jobs API: one big file, several files, progress, cancellation ---------------

KEY_ID = "kxw9example1"


def call(method: str, path: str, body: str | None = None) -> tuple[int, dict[str, Any]]:
    """One request to the jobs API, as API Gateway passes it (stage ``prod``, key KEY_ID)."""
    status, _, answer = call_jobs_api(method, path, body, api_key_id=KEY_ID)
    return status, answer


def create(**request: Any) -> dict[str, Any]:
    status, body = call("POST", "/jobs", json.dumps(request))
    assert status == 201, body
    return body


def get(job_id: str) -> dict[str, Any]:
    status, body = call("GET", f"/jobs/{job_id}")
    assert status == 200, body
    return body


def upload(upload: dict[str, Any], data: bytes) -> None:
    """PUT the bytes to the presigned URL (moto answers it), as a client does."""
    import requests

    answer = requests.put(upload["url"], data=data, headers=upload["headers"], timeout=30)
    assert answer.status_code == 200, answer.text


def test_post_jobs_takes_a_file_past_one_invocation_up_to_the_deployments_cap():
    with state_machine(**FAST) as (_bucket, _machine, _local):
        settings_limit = get_job_settings().max_job_bytes("textblob", "plain")
        # Over what one invocation reads: accepted now (it will fan out)
        assert create(filename="big.txt", size=settings_limit + 1)["status"] == (
            "WAITING_FOR_UPLOAD"
        )
        # Over the deployment's cap, or one PUT's 5 GB: 413, nothing created
        with job_environment(MAX_UPLOAD_BYTES="1000"):
            status, body = call("POST", "/jobs", json.dumps({"filename": "a.txt", "size": 1001}))
            assert (status, body["code"]) == (413, "upload_too_large")
        status, body = call(
            "POST", "/jobs", json.dumps({"filename": "a.txt", "size": 5_000_000_001})
        )
        assert (status, body["code"]) == (413, "upload_too_large")
        assert "MAX_UPLOAD_BYTES" in body["error"]
        with job_environment(MAX_UPLOAD_BYTES="20000000000"):  # a job of several files may
            status, body = call(
                "POST", "/jobs", json.dumps({"filename": "a.txt", "size": 5_000_000_001})
            )
            assert (status, body["code"]) == (413, "upload_too_large")
            assert "one S3 upload (PUT)" in body["error"]
            twice = {"files": [{"filename": f"{i}.txt", "size": 5_000_000_000} for i in "ab"]}
            assert create(**twice)["size"] == 10_000_000_000


def test_a_job_of_several_files_is_one_job_one_summary_one_results_file():
    data_txt, _ = labelled_file("txt", "amazon")
    data_csv, _ = labelled_file("csv", "imdb", text_column="review")
    bad = b"good\n\xff not UTF-8\n"
    with state_machine(**FAST) as (bucket, machine, _local):
        # Given a job of three files, a .csv among them with its own text column
        job = create(
            files=[
                {"filename": "a.txt", "size": len(data_txt)},
                {"filename": "b.csv", "size": len(data_csv)},
                {"filename": "c.txt", "size": len(bad)},
            ],
            text_column="review",
            language="en",
        )
        assert job["input_key"] == f"{INPUT}{job['job_id']}/"
        assert [u["filename"] for u in job["uploads"]] == ["a.txt", "b.csv", "c.txt"]
        assert job["size"] == len(data_txt) + len(data_csv) + len(bad)
        # When the files arrive, each upload's event checks; only the last starts the job
        for upload_of, data in zip(job["uploads"], (data_txt, data_csv, bad), strict=True):
            assert get(job["job_id"])["status"] == "WAITING_FOR_UPLOAD"
            upload(upload_of, data)
            answer = start(bucket, f"{INPUT}{job['job_id']}/{upload_of['filename']}")
        assert answer["status"] == "IN_PROGRESS"
        (execution,) = executions(machine)
        wait(execution["executionArn"])
        done = get(job["job_id"])
        # Then one summary and one results file, each line naming its file, in the files'
        # order; a file rejected as a whole is named with its code, and left out
        assert done["status"] == "COMPLETED", done["summary"]
        summary = done["summary"]
        assert [(f["file"], f["status"]) for f in summary["files"]] == [
            ("a.txt", "COMPLETED"),
            ("b.csv", "COMPLETED"),
            ("c.txt", "FAILED"),
        ]
        assert summary["files"][2]["code"] == "not_utf8"
        assert summary["input"] == {
            "prefix": job["input_key"],
            "files": 3,
            "size": job["size"],
        }
        results = get_bytes(bucket, f"{OUTPUT}{job['job_id']}.jsonl").decode()
        lines = parse_jsonl(results)
        assert len(lines) == summary["documents"] == 2000
        assert [line["file"] for line in lines] == ["a.txt"] * 1000 + ["b.csv"] * 1000
        # each file's lines are its own single-invocation results, with "file" first
        options = JobOptions(text_column="review", language="en")
        for name, data, fmt in (("a.txt", data_txt, "txt"), ("b.csv", data_csv, "csv")):
            sink = io.StringIO()
            analyse_stream(io.BytesIO(data), sink, fmt, options, file=name)
            own = "".join(
                line + "\n" for line in results.splitlines() if f'"file": "{name}"' in line
            )
            assert own == sink.getvalue()
        assert summary["files"][1]["documents"] == 1000
        assert summary["results"] == {
            label: sum(f["results"][label] for f in summary["files"][:2])
            for label in ("positive", "neutral", "negative")
        }
        # And the key's slot is free again
        assert keys_under(bucket, "active/") == []


def test_a_job_of_several_files_every_one_rejected_fails_with_the_first_files_code():
    with state_machine(**FAST) as (bucket, machine, _local):
        job = create(
            files=[{"filename": "a.csv", "size": 9}, {"filename": "b.csv", "size": 9}],
        )
        for upload_of in job["uploads"]:
            upload(upload_of, b"no,column")  # neither has a "text" column
            start(bucket, f"{INPUT}{job['job_id']}/{upload_of['filename']}")
        (execution,) = executions(machine)
        assert wait(execution["executionArn"])["status"] == "SUCCEEDED"
        done = get(job["job_id"])
        assert done["status"] == "FAILED"
        assert done["summary"]["code"] == "missing_text_column"
        assert done["summary"]["reason"].startswith("No file could be analysed; the first, a.csv: ")
        assert "results" not in done


def test_bad_jobs_of_several_files_are_400s_and_create_nothing():
    with state_machine(**FAST) as (bucket, _machine, _local):
        for files, words in (
            ([{"filename": "a.txt", "size": 1}, {"filename": "a.txt", "size": 2}], "own"),
            ([{"filename": "a.txt", "size": 1}, {"filename": "../b.txt", "size": 2}], "plain"),
            ([{"filename": f"{i}.txt", "size": 1} for i in range(101)], "at most 100"),
        ):
            status, body = call("POST", "/jobs", json.dumps({"files": files}))
            assert (status, body["code"]) == (400, "invalid_filename"), body
            assert words in body["error"]
        status, body = call(
            "POST", "/jobs", json.dumps({"files": [{"filename": "a.txt", "size": 1}],
                                         "text_column": "review"})
        )  # fmt: skip
        assert (status, body["code"]) == (400, "invalid_filename")
        invalid: list[dict[str, Any]] = [
            {"filename": "a.txt"},
            {"files": [{"filename": "a.txt", "size": 1}], "filename": "b.txt", "size": 1},
            {"files": []},
        ]
        for request in invalid:
            status, body = call("POST", "/jobs", json.dumps(request))
            assert (status, body["code"]) == (422, "validation_error"), request
        assert keys_under(bucket, "jobs/") == []


def test_a_job_of_several_files_not_all_uploaded_in_time_fails_incomplete_upload(monkeypatch):
    with state_machine(**FAST) as (bucket, machine, _local):
        job = create(files=[{"filename": "a.txt", "size": 3}, {"filename": "b.txt", "size": 3}])
        upload(job["uploads"][0], b"ok\n")
        start(bucket, f"{INPUT}{job['job_id']}/a.txt")
        waiting = get(job["job_id"])
        assert (waiting["status"], waiting["progress"]) == (
            "WAITING_FOR_UPLOAD",
            {"files": 2, "files_uploaded": 1},
        )
        assert executions(machine) == []
        later = time.time() + 16 * 60
        monkeypatch.setattr(time, "time", lambda: later)
        failed = get(job["job_id"])
        assert (failed["status"], failed["summary"]["code"]) == ("FAILED", "incomplete_upload")


def test_progress_shows_ranges_done_and_their_documents_while_it_runs():
    release = threading.Event()
    done: list[int] = []

    def held(event, context):  # the first four ranges run; the others wait for the test
        if event["range"]["index"] >= 4:
            release.wait(30)
        answer = fanout_handlers.analyse_range(event, context)
        done.append(event["range"]["index"])
        return answer

    data, _ = labelled_file("txt", "yelp")
    with state_machine({"JobRangeFunction": held}, **FAST) as (bucket, _machine, _local):
        job = create(filename="reviews.txt", size=len(data))
        upload(job["upload"], data)
        start(bucket, job["input_key"])
        deadline = time.monotonic() + 30
        while len(done) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        during = get(job["job_id"])
        run = during["summary"]["run_id"]
        tallies = [
            get_json(bucket, storage.work_key(run, f"tallies/{i:06d}.json")) for i in range(4)
        ]
        release.set()
        assert during["status"] == "IN_PROGRESS"
        assert during["progress"] == {
            "ranges": during["summary"]["ranges"],
            "ranges_done": 4,
            "documents": sum(t["documents"] for t in tallies),
        }
        assert during["summary"]["ranges"] > 4 and during["progress"]["documents"] > 0
        wait(during["summary"]["execution"])
        assert get(job["job_id"])["status"] == "COMPLETED"
        assert "progress" not in get(job["job_id"])


def test_delete_cancels_a_job_fanned_out_by_stopping_its_execution():
    release, entered = threading.Event(), threading.Semaphore(0)

    def slow(event, context):
        entered.release()
        release.wait(30)
        return fanout_handlers.analyse_range(event, context)

    data, _ = labelled_file("txt", "yelp")
    with state_machine({"JobRangeFunction": slow}, **FAST) as (bucket, _machine, local):
        job = create(filename="reviews.txt", size=len(data))
        upload(job["upload"], data)
        start(bucket, job["input_key"])
        assert entered.acquire(timeout=20) and entered.acquire(timeout=20)  # 2 ranges in flight
        assert keys_under(bucket, "active/") != []
        # When the owner cancels it
        status, cancelled = call("DELETE", f"/jobs/{job['job_id']}")
        # Then it is CANCELLED at once, its slot is free, and its execution is stopped
        assert (status, cancelled["status"]) == (200, "CANCELLED")
        assert cancelled["cancelled_at"]
        assert keys_under(bucket, "active/") == []
        time.sleep(0.5)
        started = len(local.invocations("JobRangeFunction"))
        release.set()
        described = wait(cancelled["summary"]["execution"])
        assert described["status"] == "ABORTED"
        assert history(cancelled["summary"]["execution"])[-1]["type"] == "ExecutionAborted"
        # no step ran after the stop: no merge, no results, no range started after it
        assert local.invocations("JobCoordinatorFunction")[-1]["step"] == "collect"
        assert len(local.invocations("JobRangeFunction")) == started <= 3  # MAP_CONCURRENCY
        assert started < cancelled["summary"]["ranges"]
        assert f"{OUTPUT}{job['job_id']}/reviews.txt.jsonl" not in keys_under(bucket, OUTPUT)
        assert get(job["job_id"])["status"] == "CANCELLED"
        # And a second DELETE answers the same
        again_status, again = call("DELETE", f"/jobs/{job['job_id']}")
        assert (again_status, again["status"], again["cancelled_at"]) == (
            200,
            "CANCELLED",
            cancelled["cancelled_at"],
        )


def test_delete_of_a_job_not_started_keeps_it_from_ever_running():
    with state_machine(**FAST) as (bucket, machine, _local):
        job = create(filename="reviews.txt", size=6)
        status, cancelled = call("DELETE", f"/jobs/{job['job_id']}")
        assert (status, cancelled["status"]) == (200, "CANCELLED")
        upload(job["upload"], b"Great\n")  # the upload may still land
        assert start(bucket, job["input_key"])["status"] == "CANCELLED"
        assert executions(machine) == []
        assert get(job["job_id"])["status"] == "CANCELLED"


def test_delete_of_a_job_that_ended_or_runs_in_one_invocation_is_409():
    with state_machine() as (bucket, _machine, _local):  # no FAN_OUT_BYTES: small files run alone
        job = create(filename="reviews.txt", size=6)
        upload(job["upload"], b"Great\n")
        jobs.s3.put_object(
            Bucket=bucket,
            Key=f"{OUTPUT}{job['job_id']}/reviews.txt.summary.json",
            Body=json.dumps({"status": "IN_PROGRESS", "started_at": "2999-01-01T00:00:00+00:00"}),
        )
        status, body = call("DELETE", f"/jobs/{job['job_id']}")
        assert (status, body["code"]) == (409, "job_not_cancellable")
        assert "one invocation" in body["error"]
        jobs.s3.delete_object(
            Bucket=bucket, Key=f"{OUTPUT}{job['job_id']}/reviews.txt.summary.json"
        )
        start(bucket, job["input_key"])
        assert get(job["job_id"])["status"] == "COMPLETED"
        status, body = call("DELETE", f"/jobs/{job['job_id']}")
        assert (status, body["code"]) == (409, "job_not_cancellable")
        assert body["error"] == "The job has ended: COMPLETED"
        status, body = call("DELETE", f"/jobs/{'0' * 32}")
        assert (status, body["code"]) == (404, "job_not_found")


# ---- failures, retries, idempotence ------------------------------------------------------------


def failing(monkeypatch, index: int, times: int, after_writing: bool = False) -> None:
    """Range ``index`` fails its first ``times`` tries inside the range function (after
    doing its work and writing its part, with ``after_writing``: a crash at the very end)."""
    tries = {"n": 0}
    real = fanout._analyse_range

    def analyse(store, run_name, item, options, seconds_left):
        if item["index"] != index or tries["n"] >= times:
            return real(store, run_name, item, options, seconds_left)
        tries["n"] += 1
        if after_writing:
            real(store, run_name, item, options, seconds_left)
        raise ConnectionError(f"simulated failure {tries['n']} of range {index}")

    monkeypatch.setattr(fanout, "_analyse_range", analyse)


def test_a_failed_range_is_retried_and_its_retry_overwrites_its_own_part(monkeypatch):
    data, _ = labelled_file("txt", "yelp")
    failing(monkeypatch, index=2, times=1, after_writing=True)
    with state_machine(**FAST) as (bucket, _machine, local):
        put(bucket, f"{INPUT}one.txt", data)
        put(bucket, f"{INPUT}many.txt", data)
        expected = single_path(bucket, f"{INPUT}one.txt")
        began = time.monotonic()
        summary = run_to_the_end(bucket, f"{INPUT}many.txt")
        assert summary["status"] == "COMPLETED"
        tries = [e for e in local.invocations("JobRangeFunction") if e["range"]["index"] == 2]
        assert len(tries) == 2  # the Retry on States.ALL: once more
        assert time.monotonic() - began >= 2  # its IntervalSeconds, really waited
        # the range wrote twice, to the same keys: its lines are in the results once
        assert get_bytes(bucket, f"{OUTPUT}many.txt.jsonl") == expected


def test_a_range_failing_every_try_fails_the_job_naming_it(monkeypatch):
    data, _ = labelled_file("txt", "yelp")
    failing(monkeypatch, index=3, times=99)
    with state_machine(**FAST) as (bucket, _machine, local):
        put(bucket, f"{INPUT}f.txt", data)
        summary = run_to_the_end(bucket, f"{INPUT}f.txt")
        described = wait(summary["execution"])
        # moto: a failed item does not fail the Map (ToleratedFailure* is ignored); the
        # reduce's own check fails the job. Step Functions: the Map fails with
        # States.ExceedToleratedFailureThreshold. The same Catch leads both to MarkFailed.
        assert described["status"] == "FAILED"
        assert described["error"] in {"RangesFailedError", "States.ExceedToleratedFailureThreshold"}
        assert (
            len([e for e in local.invocations("JobRangeFunction") if e["range"]["index"] == 3]) == 2
        )
        assert (summary["status"], summary["code"]) == ("FAILED", "internal_error")
        (failed,) = summary["failed_ranges"]
        assert (failed["index"], failed["key"], failed["error"]) == (
            3,
            f"{INPUT}f.txt",
            "ConnectionError",
        )
        assert failed["reason"] == "simulated failure 2 of range 3"
        assert summary["reason"].startswith("1 of ")
        assert "range 3 (input/f.txt, bytes " in summary["reason"]
        assert summary["output"] is None
        assert f"{OUTPUT}f.txt.jsonl" not in keys_under(bucket, OUTPUT)
        (run,) = jobs.sfn.list_map_runs(executionArn=summary["execution"])["mapRuns"]
        assert jobs.sfn.describe_map_run(mapRunArn=run["mapRunArn"])["itemCounts"]["failed"] == 1
        # A duplicate event after a FAILED internal_error runs the job again, as its next attempt
        assert start(bucket, f"{INPUT}f.txt")["status"] == "IN_PROGRESS"
        again = get_json(bucket, f"{OUTPUT}f.txt.summary.json")
        assert again["run_id"] == summary["run_id"].removesuffix("-1") + "-2"
        wait(again["execution"])


def test_a_range_that_leaves_no_word_is_named_too():
    def killed(event, context):  # as Lambda's timeout: no failure record, no tally
        if event["range"]["index"] == 1:
            raise RuntimeError("Task timed out")
        return fanout_handlers.analyse_range(event, context)

    data, _ = labelled_file("txt", "yelp")
    with state_machine({"JobRangeFunction": killed}, **FAST) as (bucket, _machine, _local):
        put(bucket, f"{INPUT}k.txt", data)
        summary = run_to_the_end(bucket, f"{INPUT}k.txt")
        (failed,) = summary["failed_ranges"]
        assert (failed["index"], failed["error"]) == (1, "NoResult")
        assert "ended without a word" in failed["reason"]


def test_ranges_the_map_stopped_are_counted_not_named_as_failed(monkeypatch):
    # On AWS a range's last failure stops the Distributed Map: the ranges it stopped, or never
    # started, leave neither a tally nor a failure. moto runs them all, so here ranges 4 on
    # leave nothing, as stopped ones would, and range 3 fails every try with its reason.
    def stopped(event, context):
        if event["range"]["index"] >= 4:
            raise RuntimeError("stopped by the map")
        return fanout_handlers.analyse_range(event, context)

    failing(monkeypatch, index=3, times=99)
    data, _ = labelled_file("txt", "yelp")
    with state_machine({"JobRangeFunction": stopped}, **FAST) as (bucket, _machine, _local):
        put(bucket, f"{INPUT}s.txt", data)
        summary = run_to_the_end(bucket, f"{INPUT}s.txt")
    assert summary["ranges"] > 5
    (failed,) = summary["failed_ranges"]
    assert (failed["index"], failed["error"]) == (3, "ConnectionError")
    assert summary["reason"].startswith(f"1 of {summary['ranges']} ranges failed")
    assert f"; {summary['ranges'] - 4} more did not finish" in summary["reason"]


def test_a_step_retried_after_the_run_ended_leaves_the_job_as_it_ended():
    # Step Functions retries a task on Lambda.ServiceException, which may come after the
    # function has run: a second reduce, or a fail after a reduce that completed, must not
    # undo the job (its working files are gone by then).
    data, _ = labelled_file("txt", "yelp")
    with state_machine(**FAST) as (bucket, _machine, local):
        put(bucket, f"{INPUT}r.txt", data)
        summary = run_to_the_end(bucket, f"{INPUT}r.txt")
        assert summary["status"] == "COMPLETED"
        results = get_bytes(bucket, f"{OUTPUT}r.txt.jsonl")
        recorded = get_bytes(bucket, f"{OUTPUT}r.txt.summary.json")
        (reduced,) = [
            e for e in local.invocations("JobCoordinatorFunction") if e["step"] == "reduce"
        ]
        again = fanout_handlers.coordinate(reduced, FunctionContext("JobCoordinatorFunction"))
        assert (again["status"], again["documents"]) == ("COMPLETED", summary["documents"])
        failed = {
            "step": "fail",
            "input": {
                **reduced["input"],
                "error": {"Error": "Lambda.ServiceException", "Cause": ""},
            },
        }
        fanout_handlers.coordinate(failed, FunctionContext("JobCoordinatorFunction"))
        assert get_bytes(bucket, f"{OUTPUT}r.txt.jsonl") == results
        assert get_bytes(bucket, f"{OUTPUT}r.txt.summary.json") == recorded


def test_duplicate_events_start_one_execution_and_skip_once_it_has_ended():
    data, _ = labelled_file("txt", "yelp")
    with state_machine(**FAST) as (bucket, machine, local):
        put(bucket, f"{INPUT}d.txt", data)
        first = start(bucket, f"{INPUT}d.txt")
        second = start(bucket, f"{INPUT}d.txt")  # S3 delivers at least once
        assert first["status"] == second["status"] == "IN_PROGRESS"
        (execution,) = executions(machine)
        wait(execution["executionArn"])
        third = start(bucket, f"{INPUT}d.txt")
        assert third["status"] == "COMPLETED"
        assert len(executions(machine)) == 1
        assert len(local.invocations("JobCoordinatorFunction")) == 3  # plan, collect, reduce


def test_a_crash_between_the_summary_and_the_start_is_started_by_the_retry(monkeypatch):
    data, _ = labelled_file("txt", "yelp")
    with state_machine(**FAST) as (bucket, machine, _local):
        put(bucket, f"{INPUT}c.txt", data)
        real = jobs.sfn.start_execution

        def lost(**kwargs):
            raise ConnectionError("the network, after the summary was written")

        monkeypatch.setattr(jobs.sfn, "start_execution", lost)
        with pytest.raises(ConnectionError):
            jobs.lambda_handler(s3_event(bucket, f"{INPUT}c.txt"), JobContext())
        monkeypatch.setattr(jobs.sfn, "start_execution", real)
        crashed = get_json(bucket, f"{OUTPUT}c.txt.summary.json")
        assert crashed["status"] == "IN_PROGRESS"
        assert executions(machine) == []
        # Lambda retries the event: its execution does not exist, so it is started, under
        # the name the summary gives it
        summary = run_to_the_end(bucket, f"{INPUT}c.txt")
        assert summary["status"] == "COMPLETED"
        assert summary["run_id"] == crashed["run_id"]


def test_an_in_progress_summary_without_its_execution_is_started_under_its_own_name():
    data, _ = labelled_file("txt", "yelp")
    with state_machine(**FAST) as (bucket, machine, _local):
        put(bucket, f"{INPUT}e.txt", data)
        etag = jobs.s3.head_object(Bucket=bucket, Key=f"{INPUT}e.txt")["ETag"].strip('"')
        name = run_id(None, f"{INPUT}e.txt", etag, 1)
        arn = machine.replace(":stateMachine:", ":execution:") + ":" + name
        jobs.s3.put_object(  # the function died after writing this, before StartExecution
            Bucket=bucket,
            Key=f"{OUTPUT}e.txt.summary.json",
            Body=json.dumps(
                {"status": "IN_PROGRESS", "input": {"key": f"{INPUT}e.txt", "etag": etag},
                 "run_id": name, "execution": arn, "started_at": "2026-01-01T00:00:00+00:00"}
            ),
        )  # fmt: skip
        summary = run_to_the_end(bucket, f"{INPUT}e.txt")
        assert (summary["status"], summary["run_id"]) == ("COMPLETED", name)


def test_a_file_rejected_in_a_later_range_fails_as_the_single_invocation_does():
    lines = [f"review {i} was good" for i in range(1200)]
    lines[900] = "broken \udcff here"
    data = "".join(f"{line}\n" for line in lines).encode("utf-8", "surrogateescape")
    with state_machine(**FAST) as (bucket, _machine, _local):
        put(bucket, f"{INPUT}one.txt", data)
        put(bucket, f"{INPUT}many.txt", data)
        with job_environment(STATE_MACHINE_ARN=None, FAN_OUT_BYTES=None):
            (_single,) = jobs.lambda_handler(s3_event(bucket, f"{INPUT}one.txt"), JobContext())[
                "jobs"
            ]
        one = get_json(bucket, f"{OUTPUT}one.txt.summary.json")
        many = run_to_the_end(bucket, f"{INPUT}many.txt")
        assert many["ranges"] > 3
        for field in ("status", "code", "reason", "documents", "results", "errors", "output"):
            assert many[field] == one[field], field
        assert one["reason"] == "The file is not UTF-8: line 901 has an invalid byte at position 8"
        assert f"{OUTPUT}many.txt.jsonl" not in keys_under(bucket, OUTPUT)


def test_a_file_deleted_before_it_is_cut_fails_input_missing():
    data, _ = labelled_file("txt", "yelp")

    with state_machine(**FAST) as (bucket, _machine, _local):
        put(bucket, f"{INPUT}gone.txt", data)
        event = s3_event(bucket, f"{INPUT}gone.txt")
        jobs.s3.delete_object(Bucket=bucket, Key=f"{INPUT}gone.txt")
        (_job,) = jobs.lambda_handler(event, JobContext())["jobs"]
        summary = get_json(bucket, f"{OUTPUT}gone.txt.summary.json")
        wait(summary["execution"])
        summary = get_json(bucket, f"{OUTPUT}gone.txt.summary.json")
        assert (summary["status"], summary["code"]) == ("FAILED", "input_missing")


def test_a_task_function_missing_fails_the_job_through_the_catch():
    data, _ = labelled_file("txt", "yelp")
    with state_machine(**FAST) as (bucket, _machine, local):
        del local.functions["JobRangeFunction"]
        put(bucket, f"{INPUT}m.txt", data)
        summary = run_to_the_end(bucket, f"{INPUT}m.txt")
        assert (summary["status"], summary["code"]) == ("FAILED", "internal_error")
        assert len(summary["failed_ranges"]) == summary["ranges"]


def test_big_results_are_assembled_by_s3_with_upload_part_copy():
    mib = 1024 * 1024
    with state_machine() as (bucket, _machine, _local):
        store = storage.JobStore(jobs.s3, bucket)
        sizes = [6 * mib, 1 * mib, 2 * mib, 7 * mib, 100, 3 * mib, 0, 1]
        parts = []
        for i, size in enumerate(sizes):
            key = storage.work_key("r", f"parts/{i:06d}.jsonl")
            jobs.s3.put_object(Bucket=bucket, Key=key, Body=bytes([65 + i]) * size)
            parts.append((key, size))
        stats = store.assemble(parts, f"{OUTPUT}all.jsonl", "application/x-ndjson")
        assert get_bytes(bucket, f"{OUTPUT}all.jsonl") == b"".join(
            bytes([65 + i]) * size for i, size in enumerate(sizes)
        )
        # the big parts were copied by S3 (from an offset, after topping a buffer up), the
        # small ones joined: the first 6 MiB never came through the function
        assert stats["copied_parts"] >= 2 and stats["uploaded_parts"] >= 1
        assert stats["bytes_read"] < sum(sizes) - 6 * mib
        etag = jobs.s3.head_object(Bucket=bucket, Key=f"{OUTPUT}all.jsonl")["ETag"]
        assert etag.strip('"').endswith(f"-{stats['copied_parts'] + stats['uploaded_parts']}")
        # under 5 MiB in all: one PUT
        small = store.assemble(parts[4:5], f"{OUTPUT}small.jsonl", "application/x-ndjson")
        assert small == {"copied_parts": 0, "uploaded_parts": 1, "bytes_read": 100}


def test_the_state_machine_is_the_templates_and_names_only_its_two_functions():
    with state_machine() as (_bucket, machine, local):
        definition = json.loads(
            jobs.sfn.describe_state_machine(stateMachineArn=machine)["definition"]
        )
        states = definition["States"]
        assert list(states) == [
            "PlanFiles",
            "Collect",
            "AnalyseRanges",
            "Reduce",
            "MarkFailed",
            "JobFailed",
        ]
        ranges = states["AnalyseRanges"]
        assert ranges["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
        assert ranges["ItemReader"]["ReaderConfig"] == {"InputType": "JSON"}
        assert "ToleratedFailurePercentage" not in ranges and "ToleratedFailureCount" not in ranges
        assert ranges["MaxConcurrencyPath"] == "$.max_concurrency"
        assert "QueryLanguage" not in definition  # JSONPath: moto evaluates no JSONata
        # the day POST /jobs sizes a job fanned out against (settings.max_total_bytes)
        assert definition["TimeoutSeconds"] == EXECUTION_TIMEOUT_S
        # every call of a function waits out throttling, first: the reserved slots are shared
        # by all jobs and a range may hold one for the longest JobTimeout; with full jitter a
        # retrier waits half its ceilings on average, which must cover two such runs
        tasks = [*states.values(), *ranges["ItemProcessor"]["States"].values(),
                 *states["PlanFiles"]["ItemProcessor"]["States"].values()]  # fmt: skip
        longest_run = TEMPLATE["Parameters"]["JobTimeout"]["MaxValue"]
        for task in (t for t in tasks if t["Type"] == "Task"):
            throttled = task["Retry"][0]
            assert throttled["ErrorEquals"] == ["Lambda.TooManyRequestsException"]
            assert throttled["JitterStrategy"] == "FULL"
            ceilings = [
                min(throttled["IntervalSeconds"] * throttled["BackoffRate"] ** k,
                    throttled["MaxDelaySeconds"])
                for k in range(throttled["MaxAttempts"])
            ]  # fmt: skip
            assert sum(ceilings) / 2 >= 2 * longest_run
        functions = {
            state["Parameters"]["FunctionName"]
            for state in [*states.values(), *ranges["ItemProcessor"]["States"].values(),
                          *states["PlanFiles"]["ItemProcessor"]["States"].values()]
            if state["Type"] == "Task"
        }  # fmt: skip
        assert functions == {f"{machine.split(':stateMachine:')[0].replace(':states:', ':lambda:')}"
                             f":function:{name}" for name in local.functions}  # fmt: skip
