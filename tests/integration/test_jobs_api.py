"""The jobs API (JobsFunction) in process under moto, end to end: POST /jobs, the presigned
PUT actually used with ``requests`` (moto intercepts it), the sentiment job run on the upload's
S3 event, GET /jobs/{job_id} through every status, and the results downloaded from the
presigned GET URL. And every request error, each a JSON ``{error, code}``.
"""

import json
import re
import time
from datetime import datetime
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
    jobs,
    jobs_api,
    keys_under,
    labelled_file,
    mocked_job_bucket,
    parse_jsonl,
    s3_event,
)
from sentiment_api import storage
from sentiment_api.files import CONTENT_TYPES, JobOptions, Tally, summary
from support import FakeLambdaContext, api_event, assert_clean_error, run_python


@pytest.fixture
def bucket():
    with mocked_job_bucket() as name:
        yield name


def call(method: str, path: str, body: str | None = None, *, headers=None):
    """One request as API Gateway (REST, stage ``prod``) passes it: (status, headers, body)."""
    event = api_event(method, path, body, headers=headers)
    event["requestContext"]["path"] = f"/prod{path}"
    if path.startswith("/jobs/"):
        event["resource"] = event["requestContext"]["resourcePath"] = "/jobs/{job_id}"
        event["pathParameters"] = {"job_id": path.removeprefix("/jobs/")}
    response = jobs_api.lambda_handler(event, FakeLambdaContext("JobsFunction"))
    response_headers = {k.lower(): v for k, v in response["multiValueHeaders"].items()}
    return response["statusCode"], response_headers, json.loads(response["body"])


def create(**request) -> dict:
    status, headers, body = call("POST", "/jobs", json.dumps(request))
    assert status == 201, body
    assert headers["location"] == [f"/prod/jobs/{body['job_id']}"]
    return body


def get(job_id: str) -> dict:
    status, _, body = call("GET", f"/jobs/{job_id}")
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
    ],
)
def test_a_job_from_post_to_downloaded_results(bucket, fmt, request_options, analyse_options):
    data, documents = labelled_file(
        fmt, "yelp", text_column=request_options.get("text_column", "text")
    )
    filename = f"yelp reviews.{fmt}".replace(" ", "_")

    # When a job is created
    before = time.time()
    job = create(filename=filename, **request_options)
    after = time.time()

    # Then it has an id, its upload key under the template's input/ prefix, its options
    job_id = job["job_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", job_id)
    assert job["status"] == "WAITING_FOR_UPLOAD"
    assert (job["filename"], job["input_key"]) == (filename, f"{INPUT}{job_id}/{filename}")
    assert job["options"] == {"sentences": False, "explain": False, **request_options}
    assert get_json(bucket, f"{JOBS}{job_id}.json")["options"] == job["options"]
    # And a presigned SigV4 PUT, valid 15 minutes, with the Content-Type under the signature
    upload = job["upload"]
    assert upload["method"] == "PUT"
    assert upload["headers"] == {"Content-Type": CONTENT_TYPES[fmt]}
    signed = query(upload["url"])
    assert signed["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert signed["X-Amz-Expires"] == "900"
    assert "content-type" in signed["X-Amz-SignedHeaders"].split(";")
    assert urlsplit(upload["url"]).path.endswith(f"/{job['input_key']}")
    assert int(before) + 900 <= iso(upload["expires_at"]) <= after + 900
    assert "summary" not in job and "results" not in job

    # And until the file is uploaded and the job has run, the job waits for the upload
    assert get(job_id)["status"] == "WAITING_FOR_UPLOAD"
    put = requests.put(upload["url"], data=data, headers=upload["headers"], timeout=10)
    assert put.status_code == 200, put.text
    stored = jobs.s3.head_object(Bucket=bucket, Key=job["input_key"])
    assert (stored["ContentLength"], stored["ContentType"]) == (len(data), CONTENT_TYPES[fmt])
    waiting = get(job_id)
    assert waiting["status"] == "WAITING_FOR_UPLOAD"
    assert "summary" not in waiting and "results" not in waiting and "upload" not in waiting

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
    assert query(done["results"]["url"])["X-Amz-Expires"] == "3600"
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
    started = time.time() - (jobs_api.JOB_TIMEOUT_S + 60 + age_beyond_timeout)
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
        assert str(jobs_api.JOB_TIMEOUT_S) in answer["summary"]["reason"]


def test_a_failed_job_shows_why(bucket):
    # Given a job for a CSV whose text is in "review", and a CSV without that column
    job = create(filename="reviews.csv", text_column="review")
    upload = job["upload"]
    data = b"text,label\r\nGreat food.,1\r\n"
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
        ({"filename": "../etc/passwd.txt"}, 400, "invalid_filename"),
        ({"filename": "a/b.txt"}, 400, "invalid_filename"),
        ({"filename": "a\\b.txt"}, 400, "invalid_filename"),
        ({"filename": "a..txt"}, 400, "invalid_filename"),
        ({"filename": ".hidden.txt"}, 400, "invalid_filename"),
        ({"filename": "reviews.pdf"}, 400, "invalid_filename"),
        ({"filename": "reviews"}, 400, "invalid_filename"),
        ({"filename": "résumé.txt"}, 400, "invalid_filename"),
        ({"filename": "x" * 197 + ".txt"}, 400, "invalid_filename"),  # 201 characters
        ({"filename": "reviews.txt", "text_column": "review"}, 400, "invalid_filename"),
        ({"filename": "reviews.csv", "neutral_threshold": 2}, 422, "validation_error"),
        ({"filename": "reviews.csv", "text_column": ""}, 422, "validation_error"),
        ({"filename": "reviews.csv", "colour": "red"}, 422, "validation_error"),
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
    small = '{"filename": "reviews.txt"}'
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
    answer = call("POST", "/jobs", '{"filename": "reviews.txt"}', headers=headers)

    assert answer[0] == 201, answer


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/jobs", "POST"),
        ("PUT", "/jobs", "POST"),
        ("DELETE", "/jobs/0123456789abcdef0123456789abcdef", "GET"),
        ("POST", "/jobs/0123456789abcdef0123456789abcdef", "GET"),
    ],
)
def test_other_methods_are_405_with_allow(bucket, method, path, allowed):
    answer = call(method, path, '{"filename": "reviews.txt"}' if method != "GET" else None)

    assert answer[0] == 405
    assert answer[1]["allow"] == [allowed]
    assert_clean_error(*answer, code="method_not_allowed")
    assert sorted(jobs_api._ALLOWED_METHODS) == ["/jobs", "/jobs/{job_id}"]


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
