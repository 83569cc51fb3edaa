"""The jobs API (JobsFunction) in process under moto, end to end: POST /jobs, the presigned
PUT actually used with ``requests`` (moto intercepts it), the sentiment job run on the upload's
S3 event, GET /jobs/{job_id} through every status, and the results downloaded from the
presigned GET URL. And every request error, each a JSON ``{error, code}``.
"""

import json
import re
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from jobs_support import (
    INPUT,
    JOBS,
    REGION,
    JobContext,
    expected_counts,
    expected_records,
    get_json,
    job_environment,
    jobs,
    jobs_api,
    keys_under,
    labelled_file,
    mocked_job_bucket,
    parse_jsonl,
    s3_event,
)
from jobs_support import (
    call_jobs_api as call,
)
from sentiment_api.jobs import routes as jobs_routes
from sentiment_api.jobs import service, storage
from sentiment_api.jobs.files import JobOptions, Tally, summary
from sentiment_api.jobs.formats import CONTENT_TYPES
from sentiment_api.jobs.settings import MAX_EVENT_AGE_S, MAX_PARTS, detail_of, get_job_settings
from support import (
    JOBS_EXPECTED_STATUS,
    FakeLambdaContext,
    api_event,
    assert_clean_error,
    load_event,
    run_python,
)

KEY_ID = "kxw9example1"
"""An API key id, as API Gateway puts it in ``requestContext.identity.apiKeyId``."""


@pytest.fixture
def bucket():
    with mocked_job_bucket() as name:
        yield name


def create(api_key_id: str | None = None, **request) -> dict[str, Any]:
    """POST /jobs (a ``size`` of 1,000 bytes unless given); the 201's body."""
    request.setdefault("size", 1000)
    status, headers, body = call("POST", "/jobs", json.dumps(request), api_key_id=api_key_id)
    assert status == 201, body
    assert headers["location"] == [f"/prod/jobs/{body['job_id']}"]
    return body


def get(job_id: str, api_key_id: str | None = None) -> dict[str, Any]:
    status, _, body = call("GET", f"/jobs/{job_id}", api_key_id=api_key_id)
    assert status == 200, body
    return body


def run_job(bucket: str, key: str) -> None:
    jobs.lambda_handler(s3_event(bucket, key), JobContext())


def query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def iso(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize(
    ("fmt", "request_options", "analyse_options"),
    [
        ("txt", {}, {}),
        ("csv", {"text_column": "review"}, {}),
        (
            "jsonl",
            {"neutral_threshold": 0.4, "sentences": True},
            {"neutral_threshold": 0.4, "sentences": True},
        ),
        ("csv", {"engine": "model", "explain": True}, {"engine": "model", "explain": True}),
    ],
)
def test_a_job_from_post_to_downloaded_results(bucket, fmt, request_options, analyse_options):
    data, documents = labelled_file(
        fmt, "yelp", text_column=request_options.get("text_column", "text")
    )
    filename = f"yelp reviews.{fmt}".replace(" ", "_")

    # When a job is created
    before = time.time()
    job = create(filename=filename, size=len(data), **request_options)
    after = time.time()

    # Then it has an id, its upload key under the template's input/ prefix, its options
    job_id = job["job_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", job_id)
    assert job["status"] == "WAITING_FOR_UPLOAD"
    assert (job["filename"], job["input_key"]) == (filename, f"{INPUT}{job_id}/{filename}")
    assert job["options"] == {"sentences": False, "explain": False, **request_options}
    assert job["size"] == len(data)
    assert get_json(bucket, f"{JOBS}{job_id}.json")["options"] == job["options"]
    # And a presigned SigV4 PUT, valid 15 minutes, with the size, the Content-Type and
    # If-None-Match: * under the signature
    upload = job["upload"]
    assert upload["method"] == "PUT"
    assert upload["headers"] == {
        "Content-Length": str(len(data)),
        "Content-Type": CONTENT_TYPES[fmt],
        "If-None-Match": "*",
    }
    signed = query(upload["url"])
    assert signed["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert signed["X-Amz-Expires"] == "900"
    assert signed["X-Amz-SignedHeaders"] == "content-length;content-type;host;if-none-match"
    assert urlsplit(upload["url"]).path.endswith(f"/{job['input_key']}")
    assert int(before) + 900 <= iso(upload["expires_at"]) <= after + 900
    assert "summary" not in job and "results" not in job

    # And until the file is uploaded and the job has run, the job waits for the upload
    assert get(job_id)["status"] == "WAITING_FOR_UPLOAD"
    put = requests.put(upload["url"], data=data, headers=upload["headers"], timeout=10)
    assert put.status_code == 200, put.text
    stored = jobs.s3.head_object(Bucket=bucket, Key=job["input_key"])
    assert (stored["ContentLength"], stored["ContentType"]) == (len(data), CONTENT_TYPES[fmt])
    queued = get(job_id)
    assert queued["status"] == "QUEUED"  # uploaded: its S3 event waits for the job function
    assert "summary" not in queued and "results" not in queued and "upload" not in queued

    # When the sentiment job runs for the upload's S3 event
    run_job(bucket, job["input_key"])

    # Then the job is COMPLETED, with its summary and a results URL that downloads them
    done = get(job_id)
    assert done["status"] == "COMPLETED"
    assert {k: done[k] for k in ("job_id", "filename", "input_key", "options", "created_at")} == {
        k: job[k] for k in ("job_id", "filename", "input_key", "options", "created_at")
    }
    assert done["summary"]["status"] == "COMPLETED"
    assert done["summary"]["documents"] == len(documents) == 1000
    # A bearer token outside any quota (issue 20, item 4): valid 10 minutes at most
    assert int(query(done["results"]["url"])["X-Amz-Expires"]) == service.DOWNLOAD_EXPIRY_S
    assert service.DOWNLOAD_EXPIRY_S <= 15 * 60
    downloaded = requests.get(done["results"]["url"], timeout=10)
    assert downloaded.status_code == 200
    records = parse_jsonl(downloaded.content.decode("utf-8"))
    assert len(records) == done["summary"]["documents"]
    assert records == expected_records(documents, **analyse_options)
    assert {k: done["summary"][k] for k in ("documents", "results", "errors", "mean_score")} == (
        expected_counts(records)
    )


def test_the_upload_url_is_the_buckets_regional_endpoint(bucket):
    # The legacy global endpoint (<bucket>.s3.amazonaws.com) redirects a new bucket's requests
    # outside us-east-1 with a 307, which breaks a presigned PUT, and fails in opt-in regions.
    job = create(filename="reviews.txt")

    assert urlsplit(job["upload"]["url"]).netloc == f"{bucket}.s3.{REGION}.amazonaws.com"


def test_with_an_endpoint_override_urls_keep_its_path_style():
    # as sam local's functions are run against a local S3 (moto_server) in the e2e tests
    code = (
        "from sentiment_api.handlers import jobs_api\n"
        "print(jobs_api.s3.generate_presigned_url("
        "'get_object', Params={'Bucket': 'b-1', 'Key': 'k'}, ExpiresIn=60))"
    )
    env = {"AWS_ENDPOINT_URL_S3": "http://localhost:5000", "AWS_DEFAULT_REGION": REGION}
    url = run_python(code, **env).strip()
    assert url.startswith("http://localhost:5000/b-1/k?")


def test_a_job_is_in_progress_while_it_runs(bucket, monkeypatch):
    job = create(filename="reviews.txt")
    jobs.s3.put_object(Bucket=bucket, Key=job["input_key"], Body=b"Great food.\nAwful.\n")
    seen = []
    upload = jobs.s3.upload_file

    def look_then_upload(*args, **kwargs):
        seen.append(get(job["job_id"]))
        return upload(*args, **kwargs)

    monkeypatch.setattr(jobs.s3, "upload_file", look_then_upload)
    run_job(bucket, job["input_key"])

    (during,) = seen
    assert (during["status"], during["summary"]["status"]) == ("IN_PROGRESS", "IN_PROGRESS")
    assert "results" not in during
    assert get(job["job_id"])["status"] == "COMPLETED"


@pytest.mark.parametrize(
    ("age_beyond_timeout", "status"),
    [(-120, "IN_PROGRESS"), (120, "FAILED")],
)
def test_a_job_in_progress_past_the_functions_timeout_is_reported_failed(
    bucket, age_beyond_timeout, status
):
    # Given a job whose summary says IN_PROGRESS since JOB_TIMEOUT_SECONDS + 60 s +/- 2 minutes
    job = create(filename="reviews.txt")
    timeout = get_job_settings().job_timeout_s
    started = time.time() - (timeout + 60 + age_beyond_timeout)
    fields = summary(
        status="IN_PROGRESS",
        tally=Tally(),
        started=started,
        input_fields={"key": job["input_key"], "size": 10, "etag": "e"},
        output_key=storage.output_keys(job["input_key"])[0],
        fmt="txt",
        options=JobOptions(),
    )
    storage.put_json(jobs.s3, bucket, storage.output_keys(job["input_key"])[1], fields)

    answer = get(job["job_id"])

    assert answer["status"] == answer["summary"]["status"] == status
    assert "results" not in answer
    if status == "FAILED":  # the function died without a word: its timeout is why
        assert answer["summary"]["code"] == "timed_out"
        assert str(timeout) in answer["summary"]["reason"]


class LaterClock:
    """A stand-in for the ``time`` module in ``jobs.service``: ``seconds`` in the future."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def time(self) -> float:
        return time.time() + self.seconds


@pytest.mark.parametrize(
    ("age_beyond_event_age", "status"),
    [(None, "QUEUED"), (-120, "QUEUED"), (120, "FAILED")],
)
def test_an_uploaded_job_is_queued_until_its_event_is_too_old_to_run(
    bucket, monkeypatch, age_beyond_event_age, status
):
    # Given an uploaded job that has not started, looked at now or MAX_EVENT_AGE_S + 60 s
    # +/- 2 minutes after the upload
    job = create(filename="reviews.txt", size=len(b"Great food.\n"))
    assert get(job["job_id"])["status"] == "WAITING_FOR_UPLOAD"
    jobs.s3.put_object(Bucket=bucket, Key=job["input_key"], Body=b"Great food.\n")
    if age_beyond_event_age is not None:
        monkeypatch.setattr(
            service, "time", LaterClock(MAX_EVENT_AGE_S + 60 + age_beyond_event_age)
        )

    answer = get(job["job_id"])

    assert answer["status"] == status
    assert "results" not in answer
    if status == "QUEUED":
        assert "summary" not in answer
    else:  # Lambda gave up on the event (on-failure queue): the job never ran
        assert answer["summary"]["status"] == "FAILED"
        assert answer["summary"]["code"] == "not_run"
        assert "6 hours" in answer["summary"]["reason"]
        assert answer["summary"]["input"]["key"] == job["input_key"]
        assert keys_under(bucket, storage.OUTPUT_PREFIX) == []  # nothing written to the bucket


def test_a_job_that_runs_after_being_reported_not_run_shows_its_own_summary(bucket, monkeypatch):
    job = create(filename="reviews.txt", size=len(b"Great food.\n"))
    jobs.s3.put_object(Bucket=bucket, Key=job["input_key"], Body=b"Great food.\n")
    monkeypatch.setattr(service, "time", LaterClock(MAX_EVENT_AGE_S + 3600))
    assert get(job["job_id"])["summary"]["code"] == "not_run"

    run_job(bucket, job["input_key"])  # the event redriven from the on-failure queue

    assert get(job["job_id"])["status"] == "COMPLETED"


def test_a_failed_job_shows_why(bucket):
    # Given a job for a CSV whose text is in "review", and a CSV without that column
    data = b"text,label\r\nGreat food.,1\r\n"
    job = create(filename="reviews.csv", size=len(data), text_column="review")
    upload = job["upload"]
    assert requests.put(upload["url"], data=data, headers=upload["headers"], timeout=10).ok

    run_job(bucket, job["input_key"])

    failed = get(job["job_id"])
    assert failed["status"] == "FAILED" and "results" not in failed
    assert failed["summary"]["code"] == "missing_text_column"
    assert "'review'" in failed["summary"]["reason"]


# ---- request errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"filename": "../etc/passwd.txt", "size": 10}, 400, "invalid_filename"),
        ({"filename": "a/b.txt", "size": 10}, 400, "invalid_filename"),
        ({"filename": "a\\b.txt", "size": 10}, 400, "invalid_filename"),
        ({"filename": "a..txt", "size": 10}, 400, "invalid_filename"),
        ({"filename": ".hidden.txt", "size": 10}, 400, "invalid_filename"),
        ({"filename": "reviews.pdf", "size": 10}, 400, "invalid_filename"),
        ({"filename": "reviews", "size": 10}, 400, "invalid_filename"),
        ({"filename": "résumé.txt", "size": 10}, 400, "invalid_filename"),
        ({"filename": "x" * 197 + ".txt", "size": 10}, 400, "invalid_filename"),  # 201 characters
        ({"filename": "reviews.txt", "size": 10, "text_column": "review"}, 400, "invalid_filename"),
        ({"filename": "reviews.csv", "size": 10, "neutral_threshold": 2}, 422, "validation_error"),
        ({"filename": "reviews.csv", "size": 10, "text_column": ""}, 422, "validation_error"),
        ({"filename": "reviews.csv", "size": 10, "colour": "red"}, 422, "validation_error"),
        ({"filename": "reviews.csv", "size": 10, "engine": "vader"}, 422, "validation_error"),
        ({"filename": "reviews.csv", "size": 10, "engine": 1}, 422, "validation_error"),
        ({"filename": 5}, 422, "validation_error"),
        ({}, 422, "validation_error"),
        ([], 422, "validation_error"),
        ("{nope", 400, "invalid_json"),
        (None, 400, "no_body"),
    ],
)
def test_bad_job_requests_are_json_errors_and_create_nothing(bucket, body, status, code):
    raw = body if body is None or isinstance(body, str) else json.dumps(body)

    answer = call("POST", "/jobs", raw)

    assert answer[0] == status
    assert_clean_error(*answer, code=code)
    assert keys_under(bucket, "") == []


def test_the_longest_filename_is_accepted():
    with mocked_job_bucket():
        job = create(filename="x" * 196 + ".txt")  # 200 characters
    assert len(job["filename"]) == 200


def test_a_body_over_4096_characters_is_413_unread(bucket):
    small = '{"filename": "reviews.txt", "size": 10}'
    at_limit = small + " " * (jobs_api.MAX_BODY_LENGTH - len(small))

    assert call("POST", "/jobs", at_limit)[0] == 201
    answer = call("POST", "/jobs", at_limit + " ")
    assert answer[0] == 413
    assert_clean_error(*answer, code="body_too_large")


MULTIPART = '--b\r\nContent-Disposition: form-data; name="filename"\r\n\r\nreviews.txt\r\n--b--\r\n'


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "filename=reviews.txt"),
        ("multipart/form-data; boundary=b", MULTIPART),
        ("multipart/form-data", "no boundary"),  # Powertools' own parser: a 500
        ("text/plain", '{"filename": "reviews.txt"}'),
    ],
)
def test_a_body_declared_as_anything_but_json_is_415(bucket, content_type, body):
    answer = call("POST", "/jobs", body, headers={"Content-Type": content_type})

    assert answer[0] == 415
    assert_clean_error(*answer, code="unsupported_media_type")
    assert keys_under(bucket, "") == []


@pytest.mark.parametrize("headers", [{"Content-Type": "Application/JSON; charset=UTF-8"}, {}])
def test_json_in_any_case_or_undeclared_is_json(bucket, headers):
    # media types are case-insensitive (RFC 9110, 8.3.1); no Content-Type is taken as JSON
    answer = call("POST", "/jobs", '{"filename": "reviews.txt", "size": 10}', headers=headers)

    assert answer[0] == 201, answer


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/jobs", "POST"),
        ("PUT", "/jobs", "POST"),
        ("DELETE", "/jobs", "POST"),
        ("PUT", "/jobs/0123456789abcdef0123456789abcdef", "GET, DELETE"),
        ("POST", "/jobs/0123456789abcdef0123456789abcdef", "GET, DELETE"),
    ],
)
def test_other_methods_are_405_with_allow(bucket, method, path, allowed):
    answer = call(method, path, '{"filename": "reviews.txt"}' if method != "GET" else None)

    assert answer[0] == 405
    assert answer[1]["allow"] == [allowed]
    assert_clean_error(*answer, code="method_not_allowed")
    assert sorted(jobs_routes.ALLOWED_METHODS) == ["/jobs", "/jobs/{job_id}"]


@pytest.mark.parametrize(
    "job_id",
    [
        "abc",
        "0123456789ABCDEF0123456789ABCDEF",  # upper case: not an id this API makes
        "0123456789abcdef0123456789abcdef0",
        "..",
        "0123456789abcdef0123456789abcdef",  # well formed, but no such job
    ],
)
def test_unknown_or_malformed_job_ids_are_404(bucket, job_id):
    answer = call("GET", f"/jobs/{job_id}")

    assert answer[0] == 404
    assert_clean_error(*answer, code="job_not_found")


# ---- the declared size (issue 14) -------------------------------------------------------------


@pytest.mark.parametrize(
    "size", [None, 0, -1, "10", 10.0, 1.5, True, [10]], ids=lambda size: repr(size)
)
def test_size_is_a_required_integer_of_at_least_one_byte(bucket, size):
    request = {"filename": "reviews.txt"} | ({} if size is None else {"size": size})

    answer = call("POST", "/jobs", json.dumps(request))

    assert answer[0] == 422
    assert_clean_error(*answer, code="validation_error")
    if size is None:  # a file needs its size (or the job is one of several: files)
        assert "filename and size go together" in json.dumps(answer[2]["details"])
    else:
        assert [detail["loc"][-1] for detail in answer[2]["details"]] == ["size"]
    assert keys_under(bucket, "") == []


def test_one_byte_is_a_file():
    with mocked_job_bucket():
        assert create(filename="reviews.txt", size=1)["upload"]["headers"]["Content-Length"] == "1"


@pytest.mark.parametrize(("limit", "default"), [("1000", False), (None, True)])
def test_a_size_over_max_upload_bytes_is_413_and_creates_nothing(bucket, limit, default):
    with job_environment(MAX_UPLOAD_BYTES=limit):
        cap = get_job_settings().max_upload_bytes
        assert (cap == 5_000_000_000) == default
        assert create(filename="reviews.txt", size=cap)["size"] == cap
        before = keys_under(bucket, "")

        answer = call("POST", "/jobs", json.dumps({"filename": "reviews.txt", "size": cap + 1}))

    assert answer[0] == 413
    assert_clean_error(*answer, code="upload_too_large")
    assert str(cap) in answer[2]["error"] and "MAX_UPLOAD_BYTES" in answer[2]["error"]
    assert keys_under(bucket, "") == before


@pytest.mark.parametrize(
    ("timeout", "options", "cap"),
    [
        ("60", {}, 6_264_000),  # (60 - 2 - 5.8) s x 120,000 bytes/s, textblob's worst case
        (None, {}, 105_360_000),  # (900 - 2 - 20) s x 120,000
        (None, {"engine": "model"}, 175_600_000),  # x 200,000
        (None, {"engine": "encoder"}, 10_536_000),  # x 12,000
        (None, {"explain": True}, 70_240_000),  # x 80,000: a sentence at a time costs most
        (None, {"engine": "encoder", "sentences": True}, 3_073_000),  # x 3,500: a run a sentence
        (None, {"engine": "encoder", "explain": True}, 439_000),  # x 500: a run a word
    ],
)
def test_a_size_past_what_one_job_reads_in_its_timeout_is_accepted_and_fans_out(
    bucket, timeout, options, cap
):
    # What one invocation reads before its timeout with the job's engine and options:
    # (timeout - 2 s to start - the stop margin) x the worst-case bytes/s of that engine. It
    # used to be the largest file POST /jobs took (issue 10); since issue 18 it is where a
    # file starts to fan out over the jobs' state machine, and POST /jobs takes any size up
    # to MAX_UPLOAD_BYTES.
    with job_environment(JOB_TIMEOUT_SECONDS=timeout):
        settings = get_job_settings()
        engine = options.get("engine", "textblob")
        detail = detail_of(bool(options.get("sentences")), bool(options.get("explain")))
        assert settings.max_job_bytes(engine, detail) == cap
        assert not settings.fans_out(cap, engine, detail)
        assert settings.fans_out(cap + 1, engine, detail)
        assert create(filename="reviews.txt", size=cap + 1, **options)["size"] == cap + 1
        # and each range it is cut into is one that one invocation reads in its timeout
        for size in (cap + 1, 10 * cap, settings.max_total_bytes(engine, detail)):
            assert settings.range_size(size, engine, detail) <= cap


@pytest.mark.parametrize(
    ("options", "cap"),
    [
        ({}, 5_000_000_000),  # MAX_UPLOAD_BYTES
        ({"engine": "encoder"}, 5_000_000_000),
        # occlusion at 500 bytes/s x 40 ranges at once x half the state machine's day
        ({"engine": "encoder", "explain": True}, 864_000_000),
    ],
)
def test_post_jobs_refuses_a_job_a_fan_out_could_not_finish_in_time(bucket, options, cap):
    settings = get_job_settings()
    engine = options.get("engine", "textblob")
    detail = detail_of(bool(options.get("sentences")), bool(options.get("explain")))
    assert settings.max_total_bytes(engine, detail) == cap
    assert create(filename="reviews.txt", size=cap, **options)["size"] == cap
    before = keys_under(bucket, "")
    answer = call(
        "POST", "/jobs", json.dumps({"filename": "reviews.txt", "size": cap + 1, **options})
    )
    assert answer[0] == 413
    assert_clean_error(*answer, code="upload_too_large")
    assert str(cap) in answer[2]["error"]
    if "explain" in options:
        assert "MAP_CONCURRENCY" in answer[2]["error"] and "encoder" in answer[2]["error"]
    assert keys_under(bucket, "") == before
    # what the job function would cut it into: ranges one invocation each reads in time, and
    # no more than S3's parts, at the largest accepted size
    ranges = -(-cap // settings.range_size(cap, engine, detail))
    assert ranges <= MAX_PARTS - settings.max_files_per_job


def test_the_fan_out_cap_follows_the_deployments_map_concurrency(bucket):
    # A quarter of the ranges at once read a quarter as much in the same half day
    with job_environment(MAP_CONCURRENCY="10"):
        assert get_job_settings().max_total_bytes("encoder", "explain") == 216_000_000
        answer = call(
            "POST",
            "/jobs",
            json.dumps(
                {"filename": "r.txt", "size": 216_000_001, "engine": "encoder", "explain": True}
            ),
        )
    assert answer[0] == 413
    assert "216000000" in answer[2]["error"] and "10 ranges at once" in answer[2]["error"]


def test_the_upload_is_single_use_s3_refuses_a_second_put(bucket):
    # One job, one run: S3 notifies the job function of every successful PUT.
    data = b"Great food.\n"
    job = create(filename="reviews.txt", size=len(data))
    upload = job["upload"]

    first = requests.put(upload["url"], data=data, headers=upload["headers"], timeout=10)
    second = requests.put(
        upload["url"], data=b"Awful food\n", headers=upload["headers"], timeout=10
    )

    assert first.status_code == 200, first.text
    assert second.status_code == 412 and "PreconditionFailed" in second.text
    assert get_bytes_of(bucket, job["input_key"]) == data


def test_the_upload_url_signs_the_size_type_and_if_none_match(bucket):
    # moto does not check signatures, so S3's refusal of another length is not tested through
    # it: what S3 checks is that these headers are signed, with these values.
    job = create(filename="reviews.jsonl", size=12345)
    upload = job["upload"]

    signed = query(upload["url"])["X-Amz-SignedHeaders"].split(";")
    assert signed == ["content-length", "content-type", "host", "if-none-match"]
    assert {name.lower() for name in upload["headers"]} == set(signed) - {"host"}
    assert upload["headers"]["Content-Length"] == "12345"
    assert upload["headers"]["If-None-Match"] == "*"


def get_bytes_of(bucket: str, key: str) -> bytes:
    return jobs.s3.get_object(Bucket=bucket, Key=key)["Body"].read()


# ---- owned jobs (issue 12) --------------------------------------------------------------------


def not_found(job_id: str, api_key_id: str | None) -> None:
    """GET /jobs/{job_id} answers exactly what an unknown id answers."""
    answer = call("GET", f"/jobs/{job_id}", api_key_id=api_key_id)
    unknown = call("GET", f"/jobs/{'0' * 32}", api_key_id=api_key_id)
    assert answer[0] == unknown[0] == 404
    assert answer[1:] == unknown[1:]
    assert_clean_error(*answer, code="job_not_found")


def test_a_job_is_seen_only_with_the_key_that_created_it(bucket):
    job = create(api_key_id=KEY_ID, filename="reviews.txt")

    assert get_json(bucket, f"{JOBS}{job['job_id']}.json")["api_key_id"] == KEY_ID
    assert "api_key_id" not in job
    seen = get(job["job_id"], api_key_id=KEY_ID)
    assert seen["job_id"] == job["job_id"] and "api_key_id" not in seen
    not_found(job["job_id"], "another-key-id")
    not_found(job["job_id"], None)


def test_without_auth_a_job_created_without_a_key_is_seen_without_one(bucket):
    with job_environment(AUTH_REQUIRED="false"):
        job = create(filename="reviews.txt")

        assert get_json(bucket, f"{JOBS}{job['job_id']}.json")["api_key_id"] is None
        assert get(job["job_id"])["status"] == "WAITING_FOR_UPLOAD"
        not_found(job["job_id"], KEY_ID)


def test_with_auth_required_no_key_sees_no_job_and_creates_none(bucket):
    with job_environment(AUTH_REQUIRED=None):
        keyless = create(filename="reviews.txt")  # before auth was required
    with job_environment(AUTH_REQUIRED="true"):
        assert get_job_settings().auth_required
        not_found(keyless["job_id"], None)
        before = keys_under(bucket, "")

        answer = call("POST", "/jobs", json.dumps({"filename": "reviews.txt", "size": 10}))

        assert answer[0] == 403
        assert_clean_error(*answer, code="invalid_api_key")
        assert keys_under(bucket, "") == before
        owned = create(api_key_id=KEY_ID, filename="reviews.txt")
        assert get(owned["job_id"], api_key_id=KEY_ID)["job_id"] == owned["job_id"]


@pytest.mark.parametrize("event_name", sorted(JOBS_EXPECTED_STATUS))
def test_every_jobs_event_fixture_in_process(bucket, event_name):
    event = load_event(event_name)

    response = jobs_api.lambda_handler(event, FakeLambdaContext("JobsFunction"))

    assert response["statusCode"] == JOBS_EXPECTED_STATUS[event_name]
    body = json.loads(response["body"])
    if event_name == "jobs_create.json":
        record = get_json(bucket, f"{JOBS}{body['job_id']}.json")
        assert record["api_key_id"] == event["requestContext"]["identity"]["apiKeyId"]
        assert body["size"] == json.loads(event["body"])["size"]


# ---- settings and imports --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [("MAX_UPLOAD_BYTES", "0"), ("MAX_UPLOAD_BYTES", "1e8"), ("JOB_TIMEOUT_SECONDS", "-1")],
)
def test_a_bad_job_setting_fails_at_init(name, value):
    with job_environment(**{name: value}), pytest.raises(ValueError, match=name):
        get_job_settings()


def test_job_settings_are_read_once(monkeypatch):
    with job_environment(MAX_UPLOAD_BYTES="5000"):
        first = get_job_settings()
        monkeypatch.setenv("MAX_UPLOAD_BYTES", "6000")  # no cache_clear: the settings stay

        assert get_job_settings() is first
        assert first.max_upload_bytes == 5000


def test_the_jobs_api_loads_neither_the_file_engine_nor_the_runner():
    code = (
        "import sys\n"
        "from sentiment_api.handlers import jobs_api\n"
        "print(sorted(m for m in ('sentiment_api.jobs.files', 'sentiment_api.jobs.runner') "
        "if m in sys.modules))"
    )
    assert run_python(code, AWS_DEFAULT_REGION=REGION).strip() == "[]"


# ---- jobs in flight per key (issue 20, item 2) ------------------------------------------------


def in_flight_markers(bucket: str) -> list[str]:
    return keys_under(bucket, storage.ACTIVE_PREFIX)


def test_one_key_may_have_at_most_max_jobs_per_key_in_flight(bucket):
    limit = get_job_settings().max_jobs_per_key
    assert limit == 2  # the template's default (MaxJobsPerKey)
    # Given a key with as many jobs in flight as it may have
    held = [create(KEY_ID, filename=f"r{i}.txt") for i in range(limit)]
    before = keys_under(bucket, "")

    # When it asks for one more
    status, headers, body = call(
        "POST", "/jobs", '{"filename": "r.txt", "size": 10}', api_key_id=KEY_ID
    )

    # Then it is refused with 429 and Retry-After, and nothing is created
    assert status == 429
    assert_clean_error(status, headers, body, code="too_many_jobs")
    assert headers["retry-after"] == [str(service.RETRY_AFTER_S)]
    assert f"{limit} jobs in flight" in body["error"]
    assert keys_under(bucket, "") == before
    # Another key and the anonymous caller each have their own count
    create("another-key", filename="r.txt")
    create(None, filename="r.txt")
    # And when one of the key's jobs ends, the key may create another
    data = b"Great food.\n"
    jobs.s3.put_object(Bucket=bucket, Key=held[0]["input_key"], Body=data)
    run_job(bucket, held[0]["input_key"])
    assert storage.active_key(KEY_ID, held[0]["job_id"]) not in in_flight_markers(bucket)
    create(KEY_ID, filename="r.txt")


def test_a_failed_job_frees_its_slot_too(bucket):
    jobs_of_key = [create(KEY_ID, filename=f"r{i}.csv") for i in range(2)]
    jobs.s3.put_object(Bucket=bucket, Key=jobs_of_key[0]["input_key"], Body=b"no,header\n")
    run_job(bucket, jobs_of_key[0]["input_key"])
    assert get(jobs_of_key[0]["job_id"], KEY_ID)["summary"]["code"] == "missing_text_column"
    create(KEY_ID, filename="r.txt")


@pytest.mark.parametrize(
    ("uploaded", "later_s", "counted"),
    [
        (False, service.UPLOAD_EXPIRY_S, True),  # its URL still works (plus the grace)
        (False, service.UPLOAD_EXPIRY_S + service.TIMEOUT_GRACE_S + 60, False),  # URL expired
        (True, MAX_EVENT_AGE_S, True),  # uploaded, its event may still run
        (True, MAX_EVENT_AGE_S + 900 + service.TIMEOUT_GRACE_S + 60, False),  # never will
    ],
)
def test_a_marker_whose_job_can_no_longer_run_stops_counting_and_is_deleted(
    bucket, monkeypatch, uploaded, later_s, counted
):
    # Given two jobs of one key, uploaded or not, looked at `later_s` seconds on
    held = [create(KEY_ID, filename=f"r{i}.txt", size=12) for i in range(2)]
    if uploaded:
        for job in held:
            jobs.s3.put_object(Bucket=bucket, Key=job["input_key"], Body=b"Great food.\n")
    monkeypatch.setattr(service, "time", LaterClock(later_s))

    # When the key asks for a third
    status, _, body = call("POST", "/jobs", '{"filename": "r.txt", "size": 10}', api_key_id=KEY_ID)

    # Then it is refused while the two may still run, else created, the stale markers gone
    if counted:
        assert (status, body["code"]) == (429, "too_many_jobs")
        assert len(in_flight_markers(bucket)) == 2
    else:
        assert status == 201
        assert in_flight_markers(bucket) == [storage.active_key(KEY_ID, body["job_id"])]


def test_concurrent_requests_never_pass_the_limit(bucket, monkeypatch):
    # Given a key with one job in flight, and a second request that lands between this
    # request's mark and its count (S3 lists both marks)
    create(KEY_ID, filename="r0.txt")
    store = storage.JobStore(jobs_api.s3, bucket)
    listed = storage.JobStore.in_flight

    def a_rival_marks_first(self, api_key_id):
        store.mark_in_flight(api_key_id, "f" * 32)
        monkeypatch.setattr(storage.JobStore, "in_flight", listed)
        return listed(self, api_key_id)

    monkeypatch.setattr(storage.JobStore, "in_flight", a_rival_marks_first)

    # When this request counts
    status, _, body = call("POST", "/jobs", '{"filename": "r.txt", "size": 10}', api_key_id=KEY_ID)

    # Then it sees the rival's mark too, is refused, and takes its own mark back
    assert (status, body["code"]) == (429, "too_many_jobs")
    assert len(in_flight_markers(bucket)) == 2


def test_the_jobs_api_and_the_job_agree_on_the_marker_prefix():
    assert storage.owner_prefix(None) == "active/anonymous/"
    assert storage.owner_prefix("kxw9example1") == "active/key-kxw9example1/"
    assert storage.owner_prefix("a/b") == "active/key-a%2Fb/"  # one segment, whatever the id


# ---- bad input, as the sentiment API answers it (issue 20, item 10) -----------------------------


@pytest.mark.parametrize(
    ("body", "base64_encoded", "headers", "status", "code"),
    [
        ('{"filename": "a.txt", "filename": "b.txt"}', False, None, 400, "duplicate_key"),
        ("!!!!", True, None, 400, "invalid_base64"),
        ('{"filename": "a.txt", "size": 10}', False,
         {"Content-Type": "application/json; charset=iso-8859-1"}, 415, "unsupported_media_type"),
        ("[" * 65 + "]" * 65, False, None, 400, "invalid_json"),
    ],
)  # fmt: skip
def test_bad_bodies_are_answered_as_the_sentiment_api_answers_them(
    bucket, body, base64_encoded, headers, status, code
):
    event = api_event("POST", "/jobs", body, headers=headers, base64_encoded=base64_encoded)
    response = jobs_api.lambda_handler(event, FakeLambdaContext("JobsFunction"))
    answer = json.loads(response["body"])
    assert (response["statusCode"], answer["code"]) == (status, code)
    assert keys_under(bucket, "") == []
