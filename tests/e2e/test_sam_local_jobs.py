"""Whole files end to end: the two job functions in the built image under `sam local invoke`,
against moto_server as a real S3 endpoint (the ``local_s3`` fixture: in a container, on a
Docker network the function containers are attached to; the tests reach it on 127.0.0.1).

The shared data set's 3,000 labelled sentences are uploaded as .txt, .csv and .jsonl, each
analysed by SentimentJobFunction from its S3 event fixture, and every result line compared
with ``analyse()`` run here; then a job goes through the jobs API the way a client uses it:
POST /jobs, PUT to the presigned URL, the S3 event, GET /jobs/{id}, GET of the results URL.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import urllib.error
import urllib.request
from collections import Counter
from typing import Any
from urllib.parse import quote_plus, unquote_plus, urlsplit

import pytest

from sentiment_api.analysis import AUTO, analyse
from sentiment_api.errors import UnsupportedLanguageError
from sentiment_api.evaluate import LabelledSentence, load_labelled_sentences
from support import (
    DATA,
    EVENTS,
    EXPECTED_STATUS,
    JOBS_EXPECTED_STATUS,
    LOCAL_JOB_BUCKET,
    ROOT,
    S3_EVENTS,
    SAM,
    load_event,
)

LABELS = ("positive", "neutral", "negative")
OUTPUTS = (".jsonl", ".summary.json")  # output/<name> + these, for input/<name>


@pytest.fixture(scope="module")
def labelled() -> list[tuple[LabelledSentence, dict[str, Any]]]:
    """Every sentence of the data set, with what ``analyse()`` says of it in this process, the
    language checked as the deployment does (a refused one: its error line's fields)."""
    sentences = load_labelled_sentences(DATA)
    assert len(sentences) == 3000  # the whole data set: 1,000 sentences from each source
    expected = []
    for sentence in sentences:
        try:
            expected.append((sentence, analyse(sentence.text, language=AUTO).as_dict()))
        except UnsupportedLanguageError as exc:
            expected.append((sentence, exc.fields()))
    return expected


def sam_invoke(function, event_path, local_s3):
    """``sam local invoke function`` with the event file and ``local_s3``'s env vars, its
    container attached to ``local_s3``'s network; the function's answer (an uncaught exception
    fails the test, though SAM exits 0 then)."""
    result = subprocess.run(
        [SAM, "local", "invoke", function, "--skip-pull-image",
         "--env-vars", str(local_s3.env_vars), "--docker-network", local_s3.network,
         "-e", str(event_path)],
        cwd=ROOT, env=local_s3.sam_env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    # The answer is stdout's last line; split on "\n" only (see test_sam_local.sam_invoke).
    response = json.loads(result.stdout.strip().split("\n")[-1])
    assert "errorType" not in response, response
    return response


def s3_event(tmp_path, key, body):
    """An S3 put event for ``key`` (URL-encoded, as S3 sends it), from the .csv fixture."""
    event = load_event("s3_put_csv.json")
    record = event["Records"][0]["s3"]
    record["object"].update(
        key=quote_plus(key, safe="/"), size=len(body), eTag=hashlib.md5(body).hexdigest()
    )
    path = tmp_path / "s3_put.json"
    path.write_text(json.dumps(event))
    return path


def create_event(tmp_path, size):
    """POST /jobs, from its fixture, declaring ``size`` bytes."""
    event = load_event("jobs_create.json")
    event["body"] = json.dumps({**json.loads(event["body"]), "size": size})
    path = tmp_path / "jobs_create.json"
    path.write_text(json.dumps(event))
    return path


def job_event(tmp_path, job_id):
    """GET /jobs/{job_id}, from the fixture for an unknown id (with the API key id of the
    fixture that creates jobs, so the job is the caller's)."""
    event = load_event("jobs_get_unknown.json")
    unknown = event["pathParameters"]["job_id"]
    event["path"] = event["path"].replace(unknown, job_id)
    event["requestContext"]["path"] = event["requestContext"]["path"].replace(unknown, job_id)
    event["pathParameters"]["job_id"] = job_id
    path = tmp_path / f"jobs_get_{job_id}.json"
    path.write_text(json.dumps(event))
    return path


def encode(labelled, fmt, text_column="text"):
    """The sentences as a file of ``fmt``; the label and source go in other columns/fields."""
    if fmt == "txt":
        return "".join(sentence.text + "\n" for sentence, _ in labelled).encode()
    if fmt == "jsonl":
        return "".join(
            json.dumps({"text": s.text, "label": s.gold, "source": s.source}, ensure_ascii=False)
            + "\n"
            for s, _ in labelled
        ).encode()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["source", text_column, "label"])
    writer.writerows([s.source, s.text, s.gold] for s, _ in labelled)
    return out.getvalue().encode()


def assert_results(raw, labelled, fmt):
    """One line per sentence, in order, each exactly what ``analyse()`` gave here."""
    text = raw.decode("utf-8")
    assert text.endswith("\n")
    records = [json.loads(line) for line in text[:-1].split("\n")]
    assert len(records) == len(labelled)
    assert [record["line"] for record in records] == list(range(1, len(labelled) + 1))
    for record, (sentence, expected) in zip(records, labelled, strict=True):
        meta = {} if fmt == "txt" else {"meta": {"label": sentence.gold, "source": sentence.source}}
        assert record == {"line": record["line"], **expected, **meta}


def assert_summary(summary, labelled, *, key, body, fmt, text_column="text"):
    """COMPLETED, with counts that are those of ``analyse()`` here and add up."""
    analysed = [expected for _, expected in labelled if "code" not in expected]
    labels = Counter(expected["sentiment"] for expected in analysed)
    scores = [expected["sentiment_score"] for expected in analysed]
    refused = Counter(expected["code"] for _, expected in labelled if "code" in expected)
    assert summary["status"] == "COMPLETED"
    assert summary["documents"] == len(labelled)
    assert summary["results"] == {label: labels[label] for label in LABELS}
    assert summary["errors"] == dict(refused) and set(refused) <= {"unsupported_language"}
    assert sum(summary["results"].values()) + sum(summary["errors"].values()) == len(labelled)
    assert summary["mean_score"] == round(sum(scores) / len(scores), 6)
    assert summary["input"] == {
        "key": key,
        "size": len(body),
        "etag": hashlib.md5(body).hexdigest(),
    }
    assert summary["output"] == f"output/{key.removeprefix('input/')}.jsonl"
    assert summary["format"] == fmt
    assert summary["options"]["text_column"] == text_column
    assert summary["ended_at"] >= summary["started_at"]


def test_every_fixture_is_checked():
    # Each file in events/ is for one function, and a test invokes it with its expectation.
    named = [*EXPECTED_STATUS, *S3_EVENTS, *JOBS_EXPECTED_STATUS]
    assert sorted(p.name for p in EVENTS.glob("*.json")) == sorted(named)
    for name in S3_EVENTS:
        (record,) = load_event(name)["Records"]
        assert record["eventName"] == "ObjectCreated:Put"
        assert record["s3"]["bucket"]["name"] == LOCAL_JOB_BUCKET
        assert record["s3"]["object"]["key"].startswith("input/")


@pytest.mark.parametrize("event_name", S3_EVENTS)
def test_sentiment_job_analyses_the_data_set(local_s3, labelled, event_name):
    # Given the data set uploaded to moto_server at the key the fixture names
    (record,) = load_event(event_name)["Records"]
    key = unquote_plus(record["s3"]["object"]["key"])
    fmt = key.rpartition(".")[2]
    body = encode(labelled, fmt)
    local_s3.client.put_object(Bucket=local_s3.bucket, Key=key, Body=body)

    # When SentimentJobFunction is invoked with the fixture
    response = sam_invoke("SentimentJobFunction", EVENTS / event_name, local_s3)

    # Then it reports one completed job, and the results and summary are in the bucket
    results_key, summary_key = (f"output/{key.removeprefix('input/')}{s}" for s in OUTPUTS)
    assert response == {
        "jobs": [
            {"key": key, "status": "COMPLETED", "documents": len(labelled), "summary": summary_key}
        ]
    }
    results = local_s3.client.get_object(Bucket=local_s3.bucket, Key=results_key)
    assert results["ContentType"] == "application/x-ndjson; charset=utf-8"
    assert_results(results["Body"].read(), labelled, fmt)
    summary = local_s3.client.get_object(Bucket=local_s3.bucket, Key=summary_key)
    assert_summary(json.loads(summary["Body"].read()), labelled, key=key, body=body, fmt=fmt)


def presigned_request(url, local_s3, *, method="GET", data=None, headers=None):
    """The request for a presigned ``url`` that a function made: it names the tests' moto_server
    by its container name (checked: nothing else), which only the function containers resolve,
    so it goes to the same server through 127.0.0.1, with the same path and query and the Host
    header the URL names (the signature covers it)."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.hostname, parts.port) == ("http", local_s3.container, 5000)
    assert f"{parts.scheme}://{parts.netloc}" == local_s3.container_endpoint
    assert parts.path.startswith(f"/{local_s3.bucket}/") and parts.query and not parts.fragment
    assert local_s3.endpoint == f"http://127.0.0.1:{local_s3.port}"
    local = f"{local_s3.endpoint}{parts.path}?{parts.query}"
    return urllib.request.Request(
        local, data=data, method=method, headers={**(headers or {}), "Host": parts.netloc}
    )


def test_jobs_api_takes_a_file_from_upload_to_results(local_s3, labelled, tmp_path):
    # Given a job created through the jobs API, for a .csv whose text is in column "review",
    # declaring the file's size (the fixture's request, with this file's size)
    body = encode(labelled, "csv", text_column="review")
    created = sam_invoke("JobsFunction", create_event(tmp_path, len(body)), local_s3)
    assert created["statusCode"] == 201
    job = json.loads(created["body"])
    job_id, key = job["job_id"], job["input_key"]
    assert job["status"] == "WAITING_FOR_UPLOAD"
    assert key == f"input/{job_id}/reviews.csv"
    assert job["options"]["text_column"] == "review"
    assert created["multiValueHeaders"]["Location"] == [f"/prod/jobs/{job_id}"]
    assert job["upload"]["headers"] == {
        "Content-Length": str(len(body)),
        "Content-Type": "text/csv",
        "If-None-Match": "*",
    }

    # When the client PUTs the file to the presigned URL with the headers given
    put = presigned_request(
        job["upload"]["url"], local_s3, method="PUT", data=body, headers=job["upload"]["headers"]
    )
    with urllib.request.urlopen(put, timeout=60) as answer:
        assert answer.status == 200
    # (and a second PUT to the same URL is refused: one upload, one job)
    again = presigned_request(
        job["upload"]["url"], local_s3, method="PUT", data=body, headers=job["upload"]["headers"]
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(again, timeout=60)
    assert refused.value.code == 412
    # ... and S3 notifies SentimentJobFunction (here: sam local invoke with that event)
    ran = sam_invoke("SentimentJobFunction", s3_event(tmp_path, key, body), local_s3)
    assert [(j["key"], j["status"]) for j in ran["jobs"]] == [(key, "COMPLETED")]

    # Then GET /jobs/{id} says COMPLETED, with the summary and a URL of the results
    got = sam_invoke("JobsFunction", job_event(tmp_path, job_id), local_s3)
    assert got["statusCode"] == 200
    status = json.loads(got["body"])
    assert (status["job_id"], status["status"], status["input_key"]) == (job_id, "COMPLETED", key)
    assert_summary(status["summary"], labelled, key=key, body=body, fmt="csv", text_column="review")
    results = presigned_request(status["results"]["url"], local_s3)
    with urllib.request.urlopen(results, timeout=60) as r:
        assert r.status == 200
        assert_results(r.read(), labelled, "csv")


@pytest.mark.parametrize("event_name", sorted(JOBS_EXPECTED_STATUS))
def test_sam_local_invoke_every_jobs_fixture(local_s3, event_name):
    response = sam_invoke("JobsFunction", EVENTS / event_name, local_s3)

    assert response["statusCode"] == JOBS_EXPECTED_STATUS[event_name]
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    body = json.loads(response["body"])
    if event_name == "jobs_create.json":
        assert body["status"] == "WAITING_FOR_UPLOAD"
        presigned_request(body["upload"]["url"], local_s3, method="PUT")
        # The job record is in the bucket, and nothing is uploaded yet
        record = local_s3.client.get_object(
            Bucket=local_s3.bucket, Key=f"jobs/{body['job_id']}.json"
        )
        assert json.loads(record["Body"].read())["input_key"] == body["input_key"]
        listed = local_s3.client.list_objects_v2(Bucket=local_s3.bucket, Prefix=body["input_key"])
        assert listed["KeyCount"] == 0
    if event_name == "jobs_create_bad_filename.json":
        assert body["code"] == "invalid_filename" and body["error"]
    if event_name == "jobs_get_unknown.json":
        assert body == {"error": "No job has this id", "code": "job_not_found"}


def test_jobs_api_a_malformed_job_id_is_not_found(local_s3, tmp_path):
    response = sam_invoke("JobsFunction", job_event(tmp_path, "..%2Finput"), local_s3)

    assert response["statusCode"] == 404
    assert json.loads(response["body"])["code"] == "job_not_found"
