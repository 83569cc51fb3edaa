"""Throughput: ``POST /analyse/batch`` in process, and whole files through the CLI in a
subprocess and through the job handler in its image, against a ``moto_server`` this starts on
127.0.0.1; the files are written to a temporary folder."""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

from sentiment_api.evaluate import load_labelled_sentences
from sentiment_api.handlers import api
from sentiment_api.observability import logger

from .common import (
    BENCH,
    DATA,
    EVENTS,
    FULL_VCPU_MB,
    ROOT,
    Event,
    FakeLambdaContext,
    FunctionConfig,
    free_port,
    function_config,
    load_event,
    post_event,
    run_flags,
    stop,
    wait_for_http,
)

FILE_LINES = (100_000, 1_000_000)
FILE_FORMATS = ("txt", "csv")
JOB_FUNCTION = "SentimentJobFunction"
SAFETY_MARGIN = 0.8
"""The share of the job function's timeout that the largest-file estimate fills: the rest is
for a slower spell, the cold start, and the writes around the analysis."""
JOB_BUCKET = "sentiment-bench-jobs"
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
"""Credentials for moto_server, which accepts any; nothing here can reach AWS."""


class Rate(TypedDict, total=False):
    """A row of the throughput table: documents a second (or why it was skipped), and for a
    whole file, its lines and format."""

    documents_per_s: float
    skipped: str
    lines: int
    format: str


class PathRun(TypedDict):
    """One file through one path (the CLI or the job)."""

    wall_s: float
    documents: int
    errors: int
    documents_per_s: float
    peak_rss_kib: int
    output_bytes: int
    output_lines: int


class CliRun(PathRun):
    analysis_s: float


class JobRun(PathRun):
    import_s: float
    rss_after_import_kib: int


class FileRun(TypedDict):
    lines: int
    input_bytes: int
    cli: CliRun
    job: JobRun


class LargestFile(TypedDict):
    measured_lines: int
    documents_per_s: float
    input_bytes_per_document: float
    tmp_bytes_per_document: float
    documents_by_time: int
    tmp_mib_for_documents_by_time: float
    documents_by_tmp: int
    documents: int
    input_mib: float
    bound_by: str


class Files(TypedDict):
    job_function: FunctionConfig
    safety_margin: float
    runs: dict[str, dict[str, FileRun]]
    """By format, then by lines."""
    largest_file: dict[str, LargestFile]
    """By format."""


# ---- batch ----------------------------------------------------------------------------------


def measure_throughput(texts: list[str]) -> dict[str, Rate]:
    """Documents per second through ``POST /analyse/batch``, where served."""
    figures: dict[str, Rate] = {}
    context = FakeLambdaContext()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        level = logger.log_level
        logger.setLevel("WARNING")  # the probe's 404 would be logged at INFO
        probe = api.lambda_handler(
            post_event(json.dumps({"texts": texts[:2]}), "/analyse/batch"), context
        )
        logger.setLevel(level)
        if probe["statusCode"] != 200:
            figures["batch"] = {"skipped": "POST /analyse/batch is not served yet"}
        else:
            batches = [texts[i : i + 25] for i in range(0, len(texts), 25)]
            start = time.perf_counter()
            for batch in batches:
                api.lambda_handler(
                    post_event(json.dumps({"texts": batch}), "/analyse/batch"), context
                )
            figures["batch"] = {"documents_per_s": len(texts) / (time.perf_counter() - start)}
    return figures


# ---- whole files ----------------------------------------------------------------------------


def write_input(path: Path, fmt: str, lines: int) -> int:
    """A ``.txt`` (one sentence a line) or ``.csv`` (``text,label``, the label carried through
    as ``meta``) of ``lines`` documents, cycling through the 3,000 labelled sentences in a
    fixed shuffled order. Returns the file's size in bytes."""
    sentences = load_labelled_sentences(DATA)
    random.Random(7).shuffle(sentences)
    chosen = itertools.islice(itertools.cycle(sentences), lines)
    with open(path, "w", encoding="utf-8", newline="") as file:
        if fmt == "txt":
            file.writelines(sentence.text + "\n" for sentence in chosen)
        else:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(["text", "label"])
            writer.writerows((sentence.text, sentence.gold) for sentence in chosen)
    return path.stat().st_size


def count_lines(chunks: Iterator[bytes]) -> int:
    return sum(chunk.count(b"\n") for chunk in chunks)


def deadline_for(lines: int) -> float:
    """Seconds any one file run may take: generous (500 documents a second, a thirtieth of
    this machine's rate), but bounded."""
    return 120 + lines / 500


LAUNCHER = (
    "import json, os, sys, time\n"
    "start = time.perf_counter()\n"
    "pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "print(json.dumps({'wall_s': time.perf_counter() - start, 'peak_rss_kib': usage.ru_maxrss,"
    " 'exit': os.waitstatus_to_exitcode(status)}))"
)
"""Runs a command and prints its wall time, peak RSS and exit status. On Linux a child's
``ru_maxrss`` starts at the high-water mark of the process it was forked from, so the bench
(~90 MiB) cannot measure a child itself; this ``python -S`` launcher sets a floor of ~8 MiB."""


def run_cli(source: Path, output: Path, lines: int) -> CliRun:
    """``python -m sentiment_api analyse-file`` on ``source``, in a subprocess: its wall time
    (start-up included), peak RSS and summary, and the size and lines of its output."""
    command = [sys.executable, "-S", "-c", LAUNCHER, sys.executable, "-m", "sentiment_api",
               "analyse-file", str(source), "-o", str(output), "--no-progress"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    errors = output.with_name("cli.stderr")
    with open(errors, "wb") as stderr:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=stderr, start_new_session=True
        )
        try:
            stdout, _ = process.communicate(timeout=deadline_for(lines))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the launcher and the CLI
            process.communicate(timeout=30)
            raise
    if process.returncode != 0:
        raise RuntimeError(f"the launcher exited {process.returncode}: {errors.read_text()}")
    ran = json.loads(stdout)
    if ran["exit"] != 0:
        raise RuntimeError(f"analyse-file exited {ran['exit']}: {errors.read_text()[-3000:]}")
    summary_path = output.with_name(output.name.removesuffix(".jsonl") + ".summary.json")
    summary_fields = json.loads(summary_path.read_text())
    with open(output, "rb") as results:
        output_lines = count_lines(iter(lambda: results.read(1 << 20), b""))
    figures: CliRun = {
        "wall_s": ran["wall_s"],
        "analysis_s": summary_fields["duration_s"],
        "documents": summary_fields["documents"],
        "errors": sum(summary_fields["errors"].values()),
        "documents_per_s": summary_fields["documents"] / ran["wall_s"],
        "peak_rss_kib": ran["peak_rss_kib"],  # KiB on Linux
        "output_bytes": output.stat().st_size,
        "output_lines": output_lines,
    }
    output.unlink()
    summary_path.unlink()
    return figures


@contextlib.contextmanager
def moto_server(work: Path) -> Iterator[int]:
    """``moto_server`` (the venv's) on a free loopback port, stopped on exit; yields the port."""
    port = free_port()
    server = Path(sys.executable).parent / "moto_server"
    with open(work / "moto.log", "wb") as log:
        process = subprocess.Popen(
            [str(server), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, which stop() ends
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/moto-api/", 60, process)
            yield port
        finally:
            stop(process)


def s3_client(port: int) -> Any:
    """A boto3 S3 client of moto_server on ``port`` (untyped: the bench has no boto3 stubs)."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name=FAKE_AWS["AWS_DEFAULT_REGION"],
        aws_access_key_id=FAKE_AWS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS["AWS_SECRET_ACCESS_KEY"],
    )


def s3_put_event(bucket: str, key: str, size: int, etag: str) -> Event:
    """The S3 ``ObjectCreated:Put`` notification of ``key``: ``events/s3_put_<format>.json``
    (or any ``s3_put*.json``) with this object's fields, else just the fields the job reads."""
    from urllib.parse import quote_plus

    fixtures = [EVENTS / f"s3_put_{key.rpartition('.')[2]}.json", *sorted(EVENTS.glob("s3_put*"))]
    found = next((path for path in fixtures if path.is_file()), None)
    event = load_event(found.name) if found else {"Records": [{"s3": {}}]}
    record = event["Records"][0]
    record["s3"].setdefault("bucket", {}).update(name=bucket, arn=f"arn:aws:s3:::{bucket}")
    record["s3"].setdefault("object", {}).update(
        key=quote_plus(key, safe="/"), size=size, eTag=etag
    )
    event["Records"] = [record]
    return event


def run_job(
    image: str, port: int, event: Event, lines: int, config: FunctionConfig
) -> dict[str, Any]:
    """The job handler, once, in its image as Lambda would run it (the function's MemorySize,
    its CPU share, /tmp of its EphemeralStorage), against moto_server on ``port``: the
    invocation's seconds (import excluded) and the process's peak RSS (``job.py``).

    Docker's tmpfs counts against the container's memory limit, where Lambda's /tmp does not:
    results over about MemorySize less the RSS would end the container here, not in Lambda.
    (1,000,000 documents take about 200 MB.)"""
    name = f"sentiment-bench-job-{os.getpid()}-{free_port()}"
    memory = config["memory_mb"]
    env = {**FAKE_AWS, "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{port}"}
    command = [
        "docker", "run", "--name", name, *run_flags(memory / FULL_VCPU_MB, memory,
        config["ephemeral_storage_mb"]), "--network", "host", "-w", "/var/task",
        *(f"-e{k}={v}" for k, v in env.items()),
        "-v", f"{BENCH}:/bench:ro", "--entrypoint", "python3",
        image, "/bench/job.py", json.dumps(event),
    ]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True,
                                timeout=deadline_for(lines))  # fmt: skip
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"the job exited {result.returncode}: {result.stderr[-3000:]}")
    ran: dict[str, Any] = json.loads(result.stderr.strip().splitlines()[-1])
    return ran


def measure_job(
    s3: Any, image: str, port: int, source: Path, lines: int, config: FunctionConfig
) -> JobRun:
    """Upload ``source`` under ``input/``, run the job on it, read back what it wrote."""
    from sentiment_api.jobs import storage

    key = f"input/{source.name}"
    results_key, summary_key = storage.output_keys(key)
    s3.upload_file(str(source), JOB_BUCKET, key)
    try:
        head = s3.head_object(Bucket=JOB_BUCKET, Key=key)
        event = s3_put_event(JOB_BUCKET, key, head["ContentLength"], head["ETag"].strip('"'))
        ran = run_job(image, port, event, lines, config)
        job = ran["answer"]["jobs"][0]
        summary_fields = json.loads(
            s3.get_object(Bucket=JOB_BUCKET, Key=summary_key)["Body"].read()
        )
        if job["status"] != "COMPLETED" or summary_fields["status"] != "COMPLETED":
            raise RuntimeError(f"the job did not complete: {summary_fields}")
        body = s3.get_object(Bucket=JOB_BUCKET, Key=results_key)
        output_bytes = body["ContentLength"]
        output_lines = count_lines(body["Body"].iter_chunks(1 << 20))
    finally:
        s3.delete_objects(
            Bucket=JOB_BUCKET,
            Delete={"Objects": [{"Key": k} for k in (key, results_key, summary_key)]},
        )
    return {
        "wall_s": ran["invocation_s"],
        "import_s": ran["import_s"],
        "documents": summary_fields["documents"],
        "errors": sum(summary_fields["errors"].values()),
        "documents_per_s": summary_fields["documents"] / ran["invocation_s"],
        "rss_after_import_kib": ran["rss_after_import_kib"],
        "peak_rss_kib": ran["peak_rss_kib"],
        "output_bytes": output_bytes,
        "output_lines": output_lines,
    }


def largest_file(run: FileRun, config: FunctionConfig) -> LargestFile:
    """The largest file of documents like ``run``'s that one job invocation handles: as many
    as the measured rate analyses in ``SAFETY_MARGIN`` of the timeout, unless their results
    outgrow /tmp (its EphemeralStorage, all of it for the results) first."""
    job = run["job"]
    input_per_document = run["input_bytes"] / run["lines"]
    tmp_per_document = job["output_bytes"] / job["documents"]
    by_time = int(job["documents_per_s"] * config["timeout_s"] * SAFETY_MARGIN)
    by_tmp = int(config["ephemeral_storage_mb"] * 2**20 / tmp_per_document)
    documents = min(by_time, by_tmp)
    return {
        "measured_lines": run["lines"],
        "documents_per_s": job["documents_per_s"],
        "input_bytes_per_document": input_per_document,
        "tmp_bytes_per_document": tmp_per_document,
        "documents_by_time": by_time,
        "tmp_mib_for_documents_by_time": by_time * tmp_per_document / 2**20,
        "documents_by_tmp": by_tmp,
        "documents": documents,
        "input_mib": documents * input_per_document / 2**20,
        "bound_by": "timeout" if by_time <= by_tmp else "/tmp",
    }


def measure_files(image: str, lines_list: list[int], formats: list[str], work: Path) -> Files:
    """Documents per second, peak RSS, and bytes in and out per document, of files of each size
    and format through the CLI (on this machine, unlimited) and through the job handler in
    its image against moto_server; and from the largest size, the largest file one
    invocation handles."""
    config = function_config(JOB_FUNCTION)
    runs: dict[str, dict[str, FileRun]] = {fmt: {} for fmt in formats}
    with moto_server(work) as port:
        s3 = s3_client(port)
        s3.create_bucket(Bucket=JOB_BUCKET)
        for lines in lines_list:
            for fmt in formats:
                source = work / f"bench-{lines}.{fmt}"
                size = write_input(source, fmt, lines)
                cli = run_cli(source, work / f"bench-{lines}.{fmt}.jsonl", lines)
                job = measure_job(s3, image, port, source, lines, config)
                source.unlink()
                got: PathRun
                for path, got in (("cli", cli), ("job", job)):
                    if got["documents"] != lines or got["output_lines"] != lines:
                        raise RuntimeError(
                            f"{path}, {lines} lines of .{fmt}: {got['documents']} documents, "
                            f"{got['output_lines']} output lines"
                        )
                runs[fmt][str(lines)] = {
                    "lines": lines,
                    "input_bytes": size,
                    "cli": cli,
                    "job": job,
                }
    largest = str(max(lines_list))
    return {
        "job_function": config,
        "safety_margin": SAFETY_MARGIN,
        "runs": runs,
        "largest_file": {fmt: largest_file(runs[fmt][largest], config) for fmt in formats},
    }


def file_throughput(files: Files) -> dict[str, Rate]:
    """The throughput table's rows for whole files: the largest size measured, of the first
    format."""
    fmt = next(iter(files["runs"]))
    lines = max(files["runs"][fmt], key=int)
    run = files["runs"][fmt][lines]
    paths: tuple[tuple[str, PathRun], ...] = (("cli", run["cli"]), ("job", run["job"]))
    return {
        f"file_{path}": {
            "documents_per_s": got["documents_per_s"],
            "lines": int(lines),
            "format": fmt,
        }
        for path, got in paths
    }
