"""Jobs fanned out (issue 18): documents per second through the jobs' state machine against the
single-function path on the same file and machine, the orchestration overhead per range from
the execution's own timestamps, the modelled wall time of 1, 5 and 50 GB as the map's
concurrency grows, and the cost per million documents of each path.

How it measures (no Docker): in a subprocess (``python -m tools.bench.fanout --measure
<out.json>``, with ``tests/`` on its path), under moto, the very harness the tests execute the
state machine with (``tests/fanout_support.py``): the definition of ``JobStateMachine`` from
template.yaml run by moto's Step Functions interpreter, its Lambda tasks answered by the real
handlers in that process, every S3 call to moto's S3. On one file of the shared review
sentences (a ``.txt``, the template's default engine and language check):

1. the single-function path: the sentiment job function on the file's S3 event, no state
   machine;
2. the same file fanned out twice, in :data:`RANGES` ranges, with ``MapConcurrency`` 1 (the
   ranges one after another: in one process they could not run side by side anyway, Python's
   GIL), so that the Map state's span in the execution history, less the range invocations'
   own time, is the orchestration's overhead; the two runs' difference gives the cost of one
   more range (S3 requests, state transitions, seconds), their common part the fixed cost of
   a job.

Every invocation is timed (its handler, in process: one CPU of this machine, which stands for
the 1,769 MB, one-vCPU functions of the template), every S3 request counted by operation (a
botocore ``before-call.s3`` hook on each client, and on boto3's default session, from which
moto's interpreter makes the ``ItemReader``'s client), the state transitions counted in the
execution's history (each ``...StateEntered``, plus one per try of the child executions'
single state, which moto does not keep).

From those figures, :func:`model` gives the wall time of a job of 1, 5 and 50 GB at each map
concurrency of :data:`CONCURRENCIES` (files of at most 5 GB, one S3 ``PUT`` each; planned five
at a time, ``PlanFiles``' ``MaxConcurrency``; ranges of
:meth:`~sentiment_api.jobs.settings.JobSettings.range_size`; waves of ``MapConcurrency``
ranges at the measured per-range rate and overhead), and the cost per million documents of
each path (Lambda GB-seconds at the template's ``MemorySize`` of each function, requests, Step
Functions Standard state transitions, S3 requests by class). What it leaves out: Lambda's
cold starts (``make bench``'s "cold first response" measures one), S3's own throughput (moto's
S3 is in memory: the plan's single read of a file, bound by S3 in AWS, reads faster here), and
Step Functions' own latency between states in AWS (moto's interpreter runs them in threads).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypedDict

from sentiment_api.jobs.settings import JobSettings

from .common import ROOT, real_texts
from .cost import COMPREHEND_PER_UNIT, LAMBDA_PER_GB_SECOND, LAMBDA_PER_MILLION_REQUESTS

RANGES = (8, 16)
"""The ranges the bench file is cut into, about, in its two fanned-out runs (its runs are
keyed by these)."""
FILE_LINES = 60_000
"""Lines of the bench file (about 4 MB of review sentences: some 10 s a run on one CPU)."""
SIZES_GB = (1, 5, 50)
"""The jobs modelled, in GB (10^9 bytes)."""
CONCURRENCIES = (1, 10, 40, 100, 1000)
"""The map concurrencies modelled (the template's ``MapConcurrency``: 40 by default, 1,000 at
most)."""
MAX_FILE_BYTES = 5_000_000_000
"""The largest file of a job (one S3 ``PUT``): a 50 GB job is ten files."""
PLAN_CONCURRENCY = 5
"""Files planned at once (``PlanFiles``' ``MaxConcurrency`` in template.yaml)."""

SFN_PER_TRANSITION = 0.025 / 1000
"""AWS Step Functions, Standard workflows: $0.025 per 1,000 state transitions, US East (N.
Virginia) (AWS Step Functions pricing page, aws.amazon.com/step-functions/pricing). A Retry's
new try is a transition too; a Distributed Map's Standard child executions are billed as such."""
S3_PER_PUT_CLASS = 0.005 / 1000
"""Amazon S3 Standard: $0.005 per 1,000 PUT, COPY, POST and LIST requests, US East (N.
Virginia) (Amazon S3 pricing page, "Requests & data retrievals"): ``PutObject``,
``UploadPart``, ``UploadPartCopy``, ``CreateMultipartUpload``, ``CompleteMultipartUpload``,
``ListObjectsV2``."""
S3_PER_GET_CLASS = 0.0004 / 1000
"""Amazon S3 Standard: $0.0004 per 1,000 GET, SELECT and all other requests (same page):
``GetObject`` (a ranged ``GET`` is one), ``HeadObject``. ``DELETE`` and
``AbortMultipartUpload`` are free."""
PUT_CLASS = frozenset(
    {
        "PutObject",
        "CopyObject",
        "UploadPart",
        "UploadPartCopy",
        "CreateMultipartUpload",
        "CompleteMultipartUpload",
        "ListObjects",
        "ListObjectsV2",
        "ListParts",
        "ListMultipartUploads",
    }
)
FREE = frozenset({"DeleteObject", "DeleteObjects", "AbortMultipartUpload"})
MULTIPART_BYTES = 8 * 1024 * 1024
"""boto3's ``upload_file`` (its ``TransferConfig`` defaults): a multipart upload above 8 MiB,
in parts of 8 MiB; the results (single path) and each range's part (fanned out) go so."""
FUNCTIONS = ("SentimentJobFunction", "JobCoordinatorFunction", "JobRangeFunction")


class Run(TypedDict):
    """One run of the bench file, as measured."""

    wall_s: float
    """From the S3 event to the job's end (the execution's ``stopDate``, fanned out)."""
    documents: int
    seconds_by_function: dict[str, float]
    """Handler seconds, by function (logical id)."""
    invocations_by_function: dict[str, int]
    s3_requests: dict[str, int]
    """By S3 operation."""
    transitions: int
    """Step Functions state transitions (0 on the single-function path)."""
    ranges: int
    range_seconds: float
    """The range function's handler seconds, all ranges together."""
    map_span_s: float
    """``MapStateEntered`` to ``MapStateExited`` of ``AnalyseRanges`` in the history."""
    plan_seconds: float
    reduce_seconds: float


class Measured(TypedDict):
    file_bytes: int
    output_bytes: int
    """The results' bytes (the same on both paths)."""
    documents: int
    characters_per_document: float
    engine: str
    memory_mb: dict[str, int]
    """The template's ``MemorySize`` of each function."""
    identical: bool
    """Each fanned-out run's results equal the single path's, byte for byte."""
    single: Run
    fanned_out: dict[str, Run]
    """By ranges."""


class Modelled(TypedDict):
    files: int
    ranges: int
    range_bytes: int
    wall_s: float


class PathCost(TypedDict):
    lambda_compute: float
    lambda_requests: float
    step_functions: float
    s3_requests: float
    total: float


class FanOut(TypedDict):
    measured: Measured
    documents_per_s: dict[str, float]
    """``single`` and ``fanned out`` (the run in the most ranges), documents over the wall."""
    range_bytes_per_s: float
    """Input bytes a second of one range's invocation."""
    overhead_per_range_s: float
    """The Map state's span less the range invocations' time, per range (concurrency 1)."""
    per_range: dict[str, float]
    """What one more range adds: ``s3_put_class``, ``s3_get_class``, ``transitions``."""
    modelled_wall_s: dict[str, dict[str, Modelled]]
    """By job size (GB), then by map concurrency."""
    single_wall_s: dict[str, float]
    """By job size: one invocation reading it all, at the measured single-path rate (over
    the function's 900 s timeout past about 100 MB: for comparison only)."""
    cost_per_million_usd: dict[str, PathCost]
    """``single`` and ``fanned out`` (a 1 GB job at ``MapConcurrency`` 40), and
    ``comprehend`` (``total`` only)."""


# ---- the measurement (in the subprocess) -----------------------------------------------------


def bench_file(lines: int) -> bytes:
    """``lines`` review sentences (the shared 3,000, round and round), one a line."""
    texts = real_texts()
    return "".join(texts[i % len(texts)].replace("\n", " ") + "\n" for i in range(lines)).encode()


class S3Counter:
    """S3 requests by operation, counted on ``before-call.s3`` of each client given (and of
    boto3's default session, :meth:`install`)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def on_call(self, model: Any, **_: Any) -> None:
        with self.lock:
            self.counts[model.name] += 1

    def watch(self, events: Any) -> None:
        events.register("before-call.s3", self.on_call, unique_id="bench-s3-counter")

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        with self.lock:
            self.counts = Counter()
        found: Counter[str] = Counter()
        try:
            yield found
        finally:
            with self.lock:
                found.update(self.counts)


def measure(lines: int) -> Measured:
    """The single-function path and two fanned-out runs of one file (see the module's
    docstring). Needs ``tests/`` on ``sys.path`` (the test harness) and runs under moto."""
    import boto3

    import fanout_support
    import jobs_support
    from jobs_support import (
        INPUT,
        OUTPUT,
        JobContext,
        get_bytes,
        get_json,
        job_environment,
        s3_event,
    )
    from jobs_support import jobs as job_handlers
    from sentiment_api.handlers import fanout as fanout_handlers
    from sentiment_api.jobs import storage
    from sentiment_api.settings import get_settings

    data = bench_file(lines)
    seconds: defaultdict[str, float] = defaultdict(float)
    calls: Counter[str] = Counter()
    steps: defaultdict[str, float] = defaultdict(float)
    lock = threading.Lock()

    def timed(name: str, handler: fanout_support.Handler) -> fanout_support.Handler:
        def run(event: dict[str, Any], context: Any) -> Any:
            began = time.perf_counter()
            try:
                return handler(event, context)
            finally:
                spent = time.perf_counter() - began
                with lock:
                    seconds[name] += spent
                    calls[name] += 1
                    if "step" in event:
                        steps[event["step"]] += spent

        return run

    functions = {name: timed(name, h) for name, h in fanout_support.FUNCTIONS.items()}
    memory = {
        name: int(jobs_support.RESOURCES[name]["Properties"]["MemorySize"]) for name in FUNCTIONS
    }
    counter = S3Counter()
    for client in (job_handlers.s3, fanout_handlers.s3):
        counter.watch(client.meta.events)

    def snapshot() -> None:
        seconds.clear()
        calls.clear()
        steps.clear()

    def job_function(bucket: str, key: str) -> float:
        began = time.perf_counter()
        job_handlers.lambda_handler(s3_event(bucket, key), JobContext())
        spent = time.perf_counter() - began
        seconds["SentimentJobFunction"] += spent
        calls["SentimentJobFunction"] += 1
        return spent

    fanned: dict[str, Run] = {}
    identical = True
    with fanout_support.state_machine(functions, MAP_CONCURRENCY="1") as (bucket, _arn, _local):
        assert boto3.DEFAULT_SESSION is not None
        counter.watch(boto3.DEFAULT_SESSION.events)
        jobs_support.jobs.s3.put_object(Bucket=bucket, Key=f"{INPUT}single.txt", Body=data)
        snapshot()
        with counter.counting() as requests, job_environment(STATE_MACHINE_ARN=None):
            began = time.perf_counter()
            job_function(bucket, f"{INPUT}single.txt")
            wall = time.perf_counter() - began
        expected = get_bytes(bucket, f"{OUTPUT}single.txt.jsonl")
        summary = get_json(bucket, f"{OUTPUT}single.txt.summary.json")
        single: Run = {
            "wall_s": wall,
            "documents": summary["documents"],
            "seconds_by_function": dict(seconds),
            "invocations_by_function": dict(calls),
            "s3_requests": dict(requests),
            "transitions": 0,
            "ranges": 1,
            "range_seconds": 0.0,
            "map_span_s": 0.0,
            "plan_seconds": 0.0,
            "reduce_seconds": 0.0,
        }
        for count in RANGES:
            key = f"{INPUT}ranges-{count}.txt"
            jobs_support.jobs.s3.put_object(Bucket=bucket, Key=key, Body=data)
            snapshot()
            environment = {"FAN_OUT_BYTES": "1", "RANGE_BYTES": str(-(-len(data) // count))}
            with counter.counting() as requests, job_environment(**environment):
                job_function(bucket, key)
                summary = get_json(bucket, storage.output_keys(key)[1])
                described = fanout_support.wait(summary["execution"], timeout=1800)
                assert described["status"] == "SUCCEEDED", described
            summary = get_json(bucket, storage.output_keys(key)[1])
            # about ``count`` ranges: each ends at the first LF at or after its target
            assert summary["status"] == "COMPLETED" and summary["ranges"] > 1, summary
            identical = identical and get_bytes(bucket, storage.output_keys(key)[0]) == expected
            events = fanout_support.history(summary["execution"])
            entered = [e for e in events if e["type"] == "MapStateEntered"]
            exited = [e for e in events if e["type"] == "MapStateExited"]
            # the last Map of the history is AnalyseRanges (PlanFiles comes first)
            span = (exited[-1]["timestamp"] - entered[-1]["timestamp"]).total_seconds()
            start_date = described["startDate"]
            stop_date = described["stopDate"]
            fanned[str(count)] = {
                "wall_s": (stop_date - start_date).total_seconds()
                + seconds["SentimentJobFunction"],
                "documents": summary["documents"],
                "seconds_by_function": dict(seconds),
                "invocations_by_function": dict(calls),
                "s3_requests": dict(requests),
                "transitions": sum(e["type"].endswith("StateEntered") for e in events)
                + calls["JobRangeFunction"],
                "ranges": summary["ranges"],
                "range_seconds": seconds["JobRangeFunction"],
                "map_span_s": span,
                "plan_seconds": steps["plan_file"] + steps["collect"],
                "reduce_seconds": steps["reduce"],
            }
    documents = single["documents"]
    text_characters = sum(len(line) for line in data.decode().splitlines())
    return {
        "file_bytes": len(data),
        "output_bytes": len(expected),
        "documents": documents,
        "characters_per_document": text_characters / documents,
        "engine": get_settings().engine,
        "memory_mb": memory,
        "identical": identical,
        "single": single,
        "fanned_out": fanned,
    }


# ---- the model (pure) ---------------------------------------------------------------------------


def upload_requests(size: int) -> int:
    """PUT-class requests of one ``upload_file`` of ``size`` bytes: one ``PutObject`` up to
    :data:`MULTIPART_BYTES`, else ``CreateMultipartUpload``, an ``UploadPart`` per 8 MiB and
    ``CompleteMultipartUpload``."""
    return 1 if size <= MULTIPART_BYTES else math.ceil(size / MULTIPART_BYTES) + 2


def lambda_cost(seconds: dict[str, float], memory_mb: dict[str, int]) -> float:
    """US dollars of Lambda compute: handler seconds (rounded to Lambda's 1 ms step, as a
    sum: each invocation here is seconds long) times each function's GB (``MemorySize`` /
    1,024) at :data:`~.cost.LAMBDA_PER_GB_SECOND`."""
    return sum(s * memory_mb[name] / 1024 * LAMBDA_PER_GB_SECOND for name, s in seconds.items())


def model(measured: Measured) -> FanOut:
    """The figures of :class:`FanOut` from the measurement: rates, the per-range overhead, the
    modelled wall times and the costs per million documents (see the module's docstring).

    The modelled wall time of a job of ``S`` bytes at map concurrency ``c``: files of at most
    :data:`MAX_FILE_BYTES`, each cut into ranges of
    ``JobSettings(map_concurrency=c).range_size(file bytes, engine, "plain")``; then
    ``ceil(files / 5) * file bytes / plan rate`` (the plan, five files at a time) ``+
    ceil(ranges / c) * (range bytes / range rate + overhead per range)`` (waves of ``c``
    ranges) ``+ reduce seconds per range * ranges`` (the merge, by ``UploadPartCopy``).
    Rates and overheads are this machine's, one CPU standing for one vCPU.
    """
    runs = measured["fanned_out"]
    few, many = runs[str(RANGES[0])], runs[str(RANGES[1])]
    size = measured["file_bytes"]
    documents = measured["documents"]
    bytes_per_document = size / documents
    single = measured["single"]
    range_rate = 2 * size / (few["range_seconds"] + many["range_seconds"])
    overhead = max(
        0.0,
        (many["map_span_s"] - many["range_seconds"] + few["map_span_s"] - few["range_seconds"])
        / (many["ranges"] + few["ranges"]),
    )
    plan_rate = 2 * size / (few["plan_seconds"] + many["plan_seconds"])
    reduce_per_range = (few["reduce_seconds"] + many["reduce_seconds"]) / (
        few["ranges"] + many["ranges"]
    )
    extra = many["ranges"] - few["ranges"]

    def per_range(pick: Callable[[Run], float]) -> float:
        return (pick(many) - pick(few)) / extra

    def put_class(run: Run) -> float:
        return sum(n for op, n in run["s3_requests"].items() if op in PUT_CLASS)

    def get_class(run: Run) -> float:
        return sum(
            n for op, n in run["s3_requests"].items() if op not in PUT_CLASS and op not in FREE
        )

    def transitions(run: Run) -> float:
        return run["transitions"]

    marginal = {
        "s3_put_class": per_range(put_class),
        "s3_get_class": per_range(get_class),
        "transitions": per_range(transitions),
    }
    fixed = {
        "s3_put_class": put_class(few) - marginal["s3_put_class"] * few["ranges"],
        "s3_get_class": get_class(few) - marginal["s3_get_class"] * few["ranges"],
        "transitions": transitions(few) - marginal["transitions"] * few["ranges"],
    }
    engine = measured["engine"]

    def shape(total: int, concurrency: int) -> tuple[int, int, int]:
        files = math.ceil(total / MAX_FILE_BYTES)
        per_file = math.ceil(total / files)
        range_bytes = JobSettings(map_concurrency=concurrency).range_size(per_file, engine, "plain")
        return files, files * math.ceil(per_file / range_bytes), range_bytes

    walls: dict[str, dict[str, Modelled]] = {}
    for gb in SIZES_GB:
        job_size = gb * 1_000_000_000
        walls[str(gb)] = {}
        for concurrency in CONCURRENCIES:
            files, ranges, range_bytes = shape(job_size, concurrency)
            wall = (
                math.ceil(files / PLAN_CONCURRENCY) * math.ceil(job_size / files) / plan_rate
                + math.ceil(ranges / concurrency) * (range_bytes / range_rate + overhead)
                + reduce_per_range * ranges
            )
            walls[str(gb)][str(concurrency)] = {
                "files": files,
                "ranges": ranges,
                "range_bytes": range_bytes,
                "wall_s": wall,
            }
    single_rate = size / single["wall_s"]

    # cost per million documents: the single path as measured; fanned out, a 1 GB job at 40
    memory = measured["memory_mb"]
    scale = 1e6 / documents
    single_seconds = {k: v * scale for k, v in single["seconds_by_function"].items()}
    single_cost = {
        "lambda_compute": lambda_cost(single_seconds, memory),
        "lambda_requests": 0.0,
        "step_functions": 0.0,
        "s3_requests": 0.0,
    }
    job_bytes = 1_000_000_000
    files, ranges, _ = shape(job_bytes, 40)
    job_documents = job_bytes / bytes_per_document
    job_scale = 1e6 / job_documents
    # compute scales with bytes (the ranges, the plan) or with ranges (the rest of a range's
    # and the reduce's work is in the measured seconds already: per byte is an upper bound)
    fan_seconds = {
        name: many["seconds_by_function"].get(name, 0.0) * job_bytes / size * job_scale
        for name in FUNCTIONS
    }
    fan_seconds["SentimentJobFunction"] = (
        many["seconds_by_function"].get("SentimentJobFunction", 0.0) * job_scale
    )
    invocations = 1 + files + 2 + ranges  # the job function, plans, collect, reduce, ranges
    # S3 requests: what the bench file's runs measured, with the uploads at the 1 GB job's
    # sizes. The bench's parts are under 8 MiB (one PutObject each), and under S3's 5 MiB
    # part minimum, so its reduce joined them into uploaded parts (its multipart requests
    # are the same in both runs: in the fixed part); a 1 GB job's parts are over it, so its
    # reduce copies each (one UploadPartCopy a range) between a Create and a Complete.
    output_per_byte = measured["output_bytes"] / size
    part_bytes = math.ceil(job_bytes / ranges * output_per_byte)
    multipart = ("CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload")
    bench_reduce = sum(few["s3_requests"].get(op, 0) for op in multipart)
    put = (
        fixed["s3_put_class"]
        - bench_reduce
        + 2
        + (marginal["s3_put_class"] - 1 + upload_requests(part_bytes) + 1) * ranges
    )
    get = fixed["s3_get_class"] + marginal["s3_get_class"] * ranges
    fan_cost = {
        "lambda_compute": lambda_cost(fan_seconds, memory),
        "lambda_requests": invocations * job_scale * LAMBDA_PER_MILLION_REQUESTS / 1e6,
        "step_functions": (fixed["transitions"] + marginal["transitions"] * ranges)
        * job_scale
        * SFN_PER_TRANSITION,
        "s3_requests": (put * S3_PER_PUT_CLASS + get * S3_PER_GET_CLASS) * job_scale,
    }
    single_put = (
        put_class(single)
        - upload_requests(measured["output_bytes"])
        + upload_requests(int(job_bytes * output_per_byte))
    )
    single_cost["lambda_requests"] = job_scale * LAMBDA_PER_MILLION_REQUESTS / 1e6
    single_cost["s3_requests"] = (
        single_put * S3_PER_PUT_CLASS + get_class(single) * S3_PER_GET_CLASS
    ) * job_scale
    units = max(3, math.ceil(measured["characters_per_document"] / 100))
    comprehend = 1e6 * units * COMPREHEND_PER_UNIT

    def total(parts: dict[str, float]) -> PathCost:
        return {
            "lambda_compute": parts["lambda_compute"],
            "lambda_requests": parts["lambda_requests"],
            "step_functions": parts["step_functions"],
            "s3_requests": parts["s3_requests"],
            "total": sum(parts.values()),
        }

    return {
        "measured": measured,
        "documents_per_s": {
            "single": documents / single["wall_s"],
            "fanned out": documents / many["wall_s"],
        },
        "range_bytes_per_s": range_rate,
        "overhead_per_range_s": overhead,
        "per_range": marginal,
        "modelled_wall_s": walls,
        "single_wall_s": {str(gb): gb * 1e9 / single_rate for gb in SIZES_GB},
        "cost_per_million_usd": {
            "single": total(single_cost),
            "fanned out": total(fan_cost),
            "comprehend": {
                "lambda_compute": 0.0,
                "lambda_requests": 0.0,
                "step_functions": 0.0,
                "s3_requests": 0.0,
                "total": comprehend,
            },
        },
    }


def measure_fanout(lines: int = FILE_LINES) -> FanOut:
    """:func:`measure` in a subprocess (``tests/`` on its path, moto in it alone), then
    :func:`model`."""
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "fanout.json"
        path = os.pathsep.join(str(ROOT / p) for p in ("src", "tests", "."))
        env = {**os.environ, "PYTHONPATH": path, "POWERTOOLS_LOG_LEVEL": "WARNING"}
        for name in ("ENGINE", "LANGUAGE_CHECK", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
            env.pop(name, None)  # the template's defaults
        subprocess.run(
            [sys.executable, "-m", "tools.bench.fanout", "--measure", str(out),
             "--lines", str(lines)],
            cwd=ROOT, env=env, check=True, timeout=3600, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        measured: Measured = json.loads(out.read_text())
    return model(measured)


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.bench.fanout [--lines N] [--out FILE]``: measure, print the tables
    (``make bench`` prints the same among its own) and write the figures as JSON;
    ``--measure FILE``: the subprocess's part alone."""
    parser = argparse.ArgumentParser(prog="python -m tools.bench.fanout")
    parser.add_argument("--lines", type=int, default=FILE_LINES)
    parser.add_argument("--measure", type=Path, help="measure here, write the figures there")
    parser.add_argument("--out", type=Path, help="where the figures go (JSON)")
    args = parser.parse_args(argv)
    if args.measure is not None:
        args.measure.write_text(json.dumps(measure(args.lines), default=str))
        return 0
    from .report import fanout_table

    figures = measure_fanout(args.lines)
    if args.out is not None:
        stamp = {
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
            "python": platform.python_version(),
        }
        args.out.write_text(json.dumps({**stamp, **figures}, indent=2) + "\n")
    print("\n".join(fanout_table(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
