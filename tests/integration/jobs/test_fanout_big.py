"""A file of at least 200 MB fanned out gives the single invocation's results, byte for byte
(issue 18): a ``.csv`` generated in the test (quoted fields with commas and doubled quotes,
quoted newlines, stray quotes in unquoted fields, CRLF and LF line ends, blank lines, rows
without the text column, empty texts), run both ways at once:

- in a subprocess, the single-invocation path: the sentiment job function on the file's S3
  event, with a long enough remaining time, against moto's S3 of its own;
- here, the job fanned out: the same function starts the execution of the jobs' state machine
  from template.yaml, which moto's interpreter runs (cut, Distributed Map over 16 MB ranges,
  merge by ``UploadPartCopy``), the tasks answered in process.

The `model` engine with the language check off keeps both under about two minutes each on one
core (2 MB/s of review text); both run at once, on the machine's two cores. Marked ``big``:
``make test`` runs it, ``make floor`` leaves it out.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fanout_support import state_machine, wait
from jobs_support import INPUT, OUTPUT, JobContext, get_json, jobs, s3_event, sentences
from sentiment_api.jobs import storage
from sentiment_api.jobs.settings import MIN_RANGE_BYTES, get_job_settings
from support import ROOT

pytestmark = pytest.mark.big

SIZE = 200 * 1000 * 1000
"""The file's bytes, at least (the generator stops at the first row past it)."""
ENVIRONMENT = {"ENGINE": "model", "LANGUAGE_CHECK": "off"}
"""The deployment's analysis settings, for both paths (a file put in the bucket directly has
no job record: these are its options)."""


def rows() -> Iterator[bytes]:
    """The file's rows, forever: a header, then records of every kind a ``.csv`` may hold."""
    texts = [s.text for s in sentences()]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "text", "label"])
    yield out.getvalue().encode()
    for i in itertools.count(1):
        text = texts[i % len(texts)]
        out.seek(0)
        out.truncate()
        ending = "\r\n" if i % 2 else "\n"
        if i % 211 == 0:
            out.write(f"{i}{ending}")  # no text column: missing_text
        elif i % 307 == 0:
            out.write(f'{i},"",0{ending}')  # an empty text: no_text
        elif i % 401 == 0:
            out.write(f'{i},5" screen and {text.replace(",", ";")},1{ending}')  # a stray quote
        elif i % 13 == 0:
            writer.writerow([i, f'{text}\nand, on a new line, "quoted"', i % 2])  # quoted LF
        else:
            writer.writerow([i, text, i % 2])
        if i % 101 == 0:
            out.write(ending)  # a blank line: not a record
        yield out.getvalue().encode()


def write_file(path: Path) -> int:
    """Write the file, lazily (a row at a time); its size."""
    size = 0
    with path.open("wb") as sink:
        for row in rows():
            sink.write(row)
            size += len(row)
            if size >= SIZE:
                return size
    raise AssertionError("unreachable")


SINGLE_PATH = """
import json, sys
import jobs_support
from jobs_support import INPUT, JobContext, job_environment, jobs, mocked_job_bucket, s3_event
path, out = sys.argv[1], sys.argv[2]
with mocked_job_bucket() as bucket, job_environment(STATE_MACHINE_ARN=None):
    jobs.s3.upload_file(path, bucket, INPUT + "big.csv")
    (job,) = jobs.lambda_handler(s3_event(bucket, INPUT + "big.csv"), JobContext(3600))["jobs"]
    assert job["status"] == "COMPLETED", job
    jobs.s3.download_file(bucket, "output/big.csv.jsonl", out)
    summary = jobs.s3.get_object(Bucket=bucket, Key="output/big.csv.summary.json")["Body"].read()
    open(out + ".summary.json", "wb").write(summary)
"""


def sha256_of(read: Any) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while data := read(1 << 20):
        digest.update(data)
        size += len(data)
    return digest.hexdigest(), size


def test_a_200_mb_csv_fanned_out_in_ranges_gives_the_single_invocations_results(
    tmp_path, monkeypatch
):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    began = time.monotonic()
    source = tmp_path / "big.csv"
    size = write_file(source)
    assert size >= SIZE
    single = tmp_path / "single.jsonl"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("src", "tests", ".")),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", SINGLE_PATH, str(source), str(single)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        with state_machine() as (bucket, _machine, local):
            settings = get_job_settings()
            # What one invocation reads at the model engine's worst: the file is past it
            assert settings.fans_out(size, "model", "plain")
            jobs.s3.upload_file(str(source), bucket, f"{INPUT}big.csv")
            (job,) = jobs.lambda_handler(s3_event(bucket, f"{INPUT}big.csv"), JobContext())["jobs"]
            assert job["status"] == "IN_PROGRESS"
            summary = get_json(bucket, f"{OUTPUT}big.csv.summary.json")
            assert wait(summary["execution"], timeout=900)["status"] == "SUCCEEDED"
            summary = get_json(bucket, f"{OUTPUT}big.csv.summary.json")
            body = jobs.s3.get_object(Bucket=bucket, Key=f"{OUTPUT}big.csv.jsonl")
            fanned_out = sha256_of(body["Body"].read)
            etag = jobs.s3.head_object(Bucket=bucket, Key=f"{OUTPUT}big.csv.jsonl")["ETag"]
            ranges = len(local.invocations("JobRangeFunction"))
        _, errors = child.communicate(timeout=900)
        assert child.returncode == 0, errors.decode()[-3000:]
    finally:
        if child.poll() is None:
            child.kill()
    # Then the ranges: at least 8, each about 16 MB (MapConcurrency 40 would allow 5 MB each)
    assert summary["ranges"] == ranges >= 8
    assert size / summary["ranges"] >= MIN_RANGE_BYTES * 0.9
    # The results: the single invocation's, byte for byte
    with single.open("rb") as results:
        assert fanned_out == sha256_of(results.read)
    # merged by S3 from one part per range (a multipart object's ETag ends in its part count)
    assert etag.strip('"').endswith(f"-{summary['ranges']}")
    one = get_json_file(Path(f"{single}.summary.json"))
    for field in ("status", "documents", "results", "errors", "mean_score", "format"):
        assert summary[field] == one[field], field
    assert set(summary["errors"]) == {"missing_text", "no_text"}
    print(
        f"\n200 MB test: {size:,} bytes, {summary['documents']:,} documents, "
        f"{summary['ranges']} ranges; both paths in {time.monotonic() - began:.0f} s"
    )


def get_json_file(path: Path) -> dict[str, Any]:
    import json

    found: dict[str, Any] = json.loads(path.read_text())
    return found


def test_the_generated_csv_holds_every_kind_of_row():
    head = b"".join(itertools.islice(rows(), 2000))
    assert b'"",0' in head and b'5" screen' in head and b"\n\n" in head and b"\r\n\r\n" in head
    assert b'\nand, on a new line, ""quoted"""' in head
    records = list(csv.reader(io.StringIO(head.decode(), newline="")))
    assert records[0] == ["id", "text", "label"]
    assert ["211"] in records
    assert storage.output_keys(f"{INPUT}big.csv") == (
        f"{OUTPUT}big.csv.jsonl",
        f"{OUTPUT}big.csv.summary.json",
    )
