"""The benchmark: ``make bench``. Prints a table and writes every figure to a JSON file.

It measures the function against two baselines built here, on the same base image, in the same
run, alternating between them so that a slow spell of the machine hits all three alike:

- **floor**: an empty handler (the runtime's own start-up);
- **bare**: the tutorial's handler, ``TextBlob(text).sentiment`` + ``json.dumps``.

It asserts nothing about time; the targets are compared in the README. Every request goes to
containers started here, on 127.0.0.1, with bounded counts and time-outs.

The two analysis engines (3c, 4b) are compared in process: warm p50 of ``analyse()`` and of
the handler with ``engine`` textblob and model, and the worst cases of 4 with the model.

Whole files (5b) go through the CLI in a subprocess and through the job handler in its image
against a ``moto_server`` this starts on 127.0.0.1; the files are written to a temporary folder.

Usage: ``python tests/bench/run.py [--runs N] [--out .bench] [--file-lines 100000,1000000]
[--file-formats txt,csv] [--files-only]`` (``make bench`` builds first).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import itertools
import json
import math
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

# The function's environment, as the template sets it, before the handler is imported.
FUNCTION_ENV = {
    "POWERTOOLS_SERVICE_NAME": "sentiment-api",
    "POWERTOOLS_METRICS_NAMESPACE": "SentimentApi",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "MAX_TEXT_LENGTH": "5000",
}
os.environ.update(FUNCTION_ENV)

from sentiment_api.analysis import analyse  # noqa: E402
from sentiment_api.evaluate import load_labelled_sentences  # noqa: E402
from sentiment_api.handlers import api  # noqa: E402
from support import (  # noqa: E402
    DATA,
    EVENTS,
    FakeLambdaContext,
    api_event,
    free_port,
    load_event,
    stop,
    wait_for_http,
)

BASELINES = ROOT / "tests" / "bench" / "baselines"
HANDLER_MODULES = {"ours": "sentiment_api.handlers.api", "floor": "app", "bare": "app"}
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
FULL_VCPU_MB = 1769
"""Lambda gives a function one full vCPU at 1,769 MB and CPU in proportion to memory below it
(AWS Lambda Developer Guide, "Configure Lambda function memory")."""

# Published on-demand prices, US East (N. Virginia), x86, as of 2026-11; sources in the README.
LAMBDA_PER_GB_SECOND = 0.0000166667
LAMBDA_PER_MILLION_REQUESTS = 0.20
REST_API_PER_MILLION = 3.50
HTTP_API_PER_MILLION = 1.00
COMPREHEND_PER_UNIT = 0.0001
"""Amazon Comprehend sentiment: $0.0001 per unit of 100 characters, at least 3 units a request."""


# ---- statistics -----------------------------------------------------------------------------


def summary(samples: list[float]) -> dict[str, float]:
    """Median, p99, spread (interquartile range), min and max of ``samples``, and their count."""
    ordered = sorted(samples)
    quartiles = statistics.quantiles(ordered, n=4) if len(ordered) > 1 else [ordered[0]] * 3
    return {
        "median": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)],
        "iqr": quartiles[2] - quartiles[0],
        "min": ordered[0],
        "max": ordered[-1],
        "n": len(ordered),
    }


def rotations(names: list[str], runs: int) -> Iterator[str]:
    """``names`` ``runs`` times each, the order rotating each round (A B C, B C A, C A B ...)."""
    for run in range(runs):
        shift = run % len(names)
        yield from names[shift:] + names[:shift]


# ---- images and containers ------------------------------------------------------------------


def docker(*args: str, timeout: float = 600) -> str:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=True, timeout=timeout
    ).stdout


def built_template() -> dict[str, Any]:
    """The template ``sam build`` wrote (``make bench`` builds first)."""
    from samcli.yamlhelper import yaml_parse

    built = ROOT / ".aws-sam" / "build" / "template.yaml"
    if not built.is_file():
        sys.exit("no .aws-sam/build: run `make bench`, which builds first")
    return yaml_parse(built.read_text())


def our_image(function: str = "SentimentFunction") -> str:
    """The image ``sam build`` made for ``function``."""
    return built_template()["Resources"][function]["Properties"]["ImageUri"]


def function_config(function: str) -> dict[str, int]:
    """``function``'s Timeout (s), MemorySize (MB) and EphemeralStorage (MB) in the built
    template: its own, else the Globals', a ``Ref`` read as its parameter's default."""
    template = built_template()
    own = template["Resources"][function]["Properties"]
    shared = template.get("Globals", {}).get("Function", {})

    def value(name: str, default: Any) -> int:
        found = own.get(name, shared.get(name, default))
        if isinstance(found, dict) and "Ref" in found:
            found = template["Parameters"][found["Ref"]]["Default"]
        return int(found)

    return {
        "timeout_s": value("Timeout", 3),
        "memory_mb": value("MemorySize", 128),
        "ephemeral_storage_mb": int(own.get("EphemeralStorage", {}).get("Size", 512)),
    }


def textblob_requirement() -> str:
    """TextBlob's pin in requirements.txt, so that bare runs the same TextBlob as ours."""
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.startswith("textblob=="):
            return line.split()[0]  # the lock adds " \" and hashes after the pin
    raise LookupError("requirements.txt pins no textblob")


def build_baselines() -> dict[str, str]:
    """Build the floor and bare images; return every image under test by name."""
    images = {"ours": our_image()}
    for name, requirement in (("floor", ""), ("bare", textblob_requirement())):
        images[name] = f"sentiment-bench-{name}:latest"
        docker("build", "-q", "-t", images[name], "--build-arg", f"HANDLER={name}",
               "--build-arg", f"REQUIREMENT={requirement}", str(BASELINES))  # fmt: skip
    return images


CPU_PERIOD_US = 20_000
"""CFS period of the containers' CPU quota. Docker's default (100 ms) lets a short burst of
work run at full speed even at a small share; a 20 ms period makes a share act as a share
(and 20 ms is the shortest for which 128 MB's share is above Docker's 1 ms minimum quota)."""


def run_flags(
    cpus: float = 1.0, memory_mb: int | None = None, tmp_mb: int | None = None
) -> list[str]:
    """How Lambda runs a function: read-only root, /tmp as tmpfs (of ``tmp_mb``, its
    EphemeralStorage, if given), a CPU share, its env."""
    quota = round(cpus * CPU_PERIOD_US)
    tmp = "/tmp" if tmp_mb is None else f"/tmp:size={tmp_mb}m"
    flags = ["--rm", "--read-only", "--tmpfs", tmp,
             f"--cpu-period={CPU_PERIOD_US}", f"--cpu-quota={quota}"]  # fmt: skip
    if memory_mb is not None:
        flags += [f"--memory={memory_mb}m", f"--memory-swap={memory_mb}m"]
    for name, value in FUNCTION_ENV.items():
        flags += ["-e", f"{name}={value}"]
    return flags


class Function:
    """A function image running under the Runtime Interface Emulator on a loopback port."""

    def __init__(self, image: str, cpus: float = 1.0, memory_mb: int | None = None) -> None:
        self.port = free_port()
        self.started = time.perf_counter()
        self.container = docker(
            "run", "-d", *run_flags(cpus, memory_mb), "-p", f"127.0.0.1:{self.port}:8080", image
        ).strip()
        self.connection: http.client.HTTPConnection | None = None

    def invoke(self, event: dict[str, Any], deadline_s: float = 60) -> tuple[dict[str, Any], float]:
        """Invoke once (retrying while the emulator is not yet listening); return the
        function's response and the seconds the successful request took."""
        body = json.dumps(event).encode()
        deadline = time.monotonic() + deadline_s
        while True:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                start = time.perf_counter()
                self.connection.request("POST", INVOKE_PATH, body=body)
                response = self.connection.getresponse()
                payload = response.read()
                elapsed = time.perf_counter() - start
                if response.status != 200:
                    raise RuntimeError(f"emulator answered {response.status}: {payload[:200]!r}")
                return json.loads(payload), elapsed
            except (ConnectionError, http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.002)

    def stop(self) -> None:
        if self.connection is not None:
            self.connection.close()
        subprocess.run(["docker", "rm", "-f", self.container], capture_output=True, timeout=60)


@contextlib.contextmanager
def running(image: str, cpus: float = 1.0, memory_mb: int | None = None) -> Iterator[Function]:
    function = Function(image, cpus, memory_mb)
    try:
        yield function
    finally:
        function.stop()


# ---- inputs ---------------------------------------------------------------------------------


def real_texts() -> list[str]:
    """The 3,000 labelled review sentences, shuffled with a fixed seed."""
    texts = [sentence.text for sentence in load_labelled_sentences(DATA)]
    random.Random(7).shuffle(texts)
    return texts


def real_text_of(length: int, texts: list[str]) -> str:
    """Real review sentences joined by spaces and cut to exactly ``length`` characters."""
    joined, parts = "", iter(texts)
    while len(joined) < length:
        joined += next(parts) + " "
    return joined[:length]


def analyse_event(text: str, path: str = "/analyse", **fields: Any) -> dict[str, Any]:
    """A ``POST /analyse`` of ``text`` (or of ``fields`` alone, e.g. a batch's ``texts``)."""
    body = {"text": text, **fields} if text is not None else fields
    return api_event(body=json.dumps(body), path=path, headers={"Content-Type": "application/json"})


# ---- 1. init --------------------------------------------------------------------------------

IMPORT_TIMER = (
    "import importlib, sys, time\n"
    "start = time.perf_counter()\n"
    "importlib.import_module(sys.argv[1])\n"
    "print((time.perf_counter() - start) * 1000)"
)


def measure_init(images: dict[str, str], runs: int, out: Path) -> dict[str, Any]:
    """Milliseconds to import each handler module in its own image (a fresh container each)."""
    samples: dict[str, list[float]] = {name: [] for name in images}
    for name in rotations(list(images), runs):
        output = docker("run", *run_flags(), "-w", "/var/task", "--entrypoint", "python3",
                        images[name], "-c", IMPORT_TIMER, HANDLER_MODULES[name])  # fmt: skip
        samples[name].append(float(output.strip().splitlines()[-1]))
    # The breakdown of ours, for whoever wants to cut it further.
    breakdown = subprocess.run(
        ["docker", "run", *run_flags(), "-w", "/var/task", "--entrypoint", "python3",
         images["ours"], "-X", "importtime", "-c", f"import {HANDLER_MODULES['ours']}"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stderr  # fmt: skip
    (out / "importtime-ours.txt").write_text(breakdown)
    return {name: summary(values) for name, values in samples.items()}


# ---- 2. cold first response -----------------------------------------------------------------


def cold_first_response_ms(
    image: str, event: dict[str, Any], cpus: float = 1.0, memory_mb: int | None = None
) -> float:
    """Milliseconds from ``docker run`` of ``image`` to the first 200 answer of an invoke."""
    function = Function(image, cpus, memory_mb)
    try:
        response, _ = function.invoke(event)
        elapsed = (time.perf_counter() - function.started) * 1000
    finally:
        function.stop()
    if response.get("statusCode") != 200:
        raise RuntimeError(f"{image} answered {response}")
    return elapsed


def measure_cold(images: dict[str, str], runs: int) -> dict[str, Any]:
    """Cold first response (ms) of each image to ``POST /analyse``, alternating between them;
    and of ours to ``GET /``, which goes through the router (imported on first use)."""
    cases = {name: (image, load_event("analyse_positive.json")) for name, image in images.items()}
    cases["ours_router"] = (images["ours"], load_event("health.json"))
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for name in rotations(list(cases), runs):
        samples[name].append(cold_first_response_ms(*cases[name]))
    return {name: summary(values) for name, values in samples.items()}


# ---- 3. warm latency ------------------------------------------------------------------------


def timed_calls(call: Callable[[], object], count: int) -> list[float]:
    """Microseconds of each of ``count`` calls."""
    samples = []
    for _ in range(count):
        start = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def measure_warm_in_process(texts: list[str], rounds: int) -> dict[str, Any]:
    """µs per call of the handler and of ``analyse()`` alone, alternating blocks of 100."""
    context = FakeLambdaContext()
    figures: dict[str, Any] = {}
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # EMF metric lines
        for length in (50, 500, 5000):
            text = real_text_of(length, texts)
            event = analyse_event(text)
            assert api.lambda_handler(event, context)["statusCode"] == 200
            calls = {
                "analyse": lambda text=text: analyse(text),
                "handler": lambda event=event: api.lambda_handler(event, context),
            }
            samples: dict[str, list[float]] = {"analyse": [], "handler": []}
            block = 100 if length < 5000 else 10
            for name in rotations(list(calls), rounds):
                samples[name] += timed_calls(calls[name], block)
            analysed, handled = summary(samples["analyse"]), summary(samples["handler"])
            figures[str(length)] = {
                "analyse_us": analysed,
                "handler_us": handled,
                "overhead_p50_us": handled["median"] - analysed["median"],
            }
    return figures


def measure_warm_http(images: dict[str, str], requests: int, text: str) -> dict[str, Any]:
    """Round trips (ms) to warm containers through the emulator, interleaved request by request."""
    event = analyse_event(text)
    samples: dict[str, list[float]] = {name: [] for name in images}
    with contextlib.ExitStack() as stack:
        functions = {name: stack.enter_context(running(image)) for name, image in images.items()}
        for function in functions.values():
            for _ in range(20):  # cold start and warm-up, not measured
                function.invoke(event)
        for name in rotations(list(images), requests):
            _, elapsed = functions[name].invoke(event)
            samples[name].append(elapsed * 1000)
    return {name: summary(values) for name, values in samples.items()}


# ---- 4. worst case at the cap ---------------------------------------------------------------


def measure_worst_case(texts: list[str], repeats: int, engine: str | None = None) -> dict[str, Any]:
    """Milliseconds for the handler to answer requests at the caps, of the worst kinds: texts
    of 5,000 characters, with and without every option, and a batch of 25 of them; with
    ``engine``, each request names it (else the deployment's default)."""
    chosen = {} if engine is None else {"engine": engine}
    everything = {"sentences": True, "explain": True, **chosen}
    worst = "(" * 5000
    cases = {
        "5,000 x '('": analyse_event(worst, **chosen),
        "5,000 emoji": analyse_event("😀" * 5000, **chosen),
        "1,000 x 'good '": analyse_event("good " * 1000, **chosen),
        "real review text": analyse_event(real_text_of(5000, texts), **chosen),
        "5,000 x '(', sentences + explain": analyse_event(worst, **everything),
        "5,000 x '. ', sentences + explain": analyse_event(". " * 2500, **everything),
        "real review text, sentences + explain": analyse_event(
            real_text_of(5000, texts), **everything
        ),
        "batch of 25 x 5,000 x '(', sentences + explain": analyse_event(
            None, "/analyse/batch", texts=[worst] * 25, **everything
        ),
    }
    context = FakeLambdaContext()
    figures = {}
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        for name, event in cases.items():
            assert api.lambda_handler(event, context)["statusCode"] == 200
            samples = timed_calls(lambda event=event: api.lambda_handler(event, context), repeats)
            figures[name] = summary([sample / 1000 for sample in samples])
    return figures


# ---- 3c / 4b. the two engines ---------------------------------------------------------------

ENGINES = ("textblob", "model")


def measure_engines_warm(texts: list[str], rounds: int) -> dict[str, Any]:
    """µs per call of ``analyse()`` and of the handler (``POST /analyse`` with ``engine``), for
    each engine, at 50, 500 and 5,000 characters of review text; the four calls alternate in
    blocks (100 calls, 10 at 5,000 characters). In process, as 3a."""
    context = FakeLambdaContext()
    figures: dict[str, Any] = {}
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # EMF metric lines
        for length in (50, 500, 5000):
            text = real_text_of(length, texts)
            calls: dict[str, Callable[[], object]] = {}
            for engine in ENGINES:
                event = analyse_event(text, engine=engine)
                assert api.lambda_handler(event, context)["statusCode"] == 200
                calls[f"{engine} analyse"] = lambda text=text, engine=engine: analyse(
                    text, engine=engine
                )
                calls[f"{engine} handler"] = lambda event=event: api.lambda_handler(event, context)
            samples: dict[str, list[float]] = {name: [] for name in calls}
            block = 100 if length < 5000 else 10
            for name in rotations(list(calls), rounds):
                samples[name] += timed_calls(calls[name], block)
            figures[str(length)] = {
                engine: {
                    "analyse_us": summary(samples[f"{engine} analyse"]),
                    "handler_us": summary(samples[f"{engine} handler"]),
                }
                for engine in ENGINES
            }
    return figures


def engines_table(engines: dict[str, Any]) -> list[str]:
    """The Markdown rows of 3c and 4b."""

    def row(*cells: object) -> str:
        return "| " + " | ".join(str(cell) for cell in cells) + " |"

    lines = [
        "",
        row(
            "3c. warm p50, in process",
            "analyse() textblob",
            "analyse() model",
            "handler textblob",
            "handler model",
        ),
        row(*["---"] * 5),
    ]
    for length, figures in engines["warm_in_process"].items():
        cells = [f"{figures[e]['analyse_us']['median']:.0f} µs" for e in ENGINES]
        cells += [f"{figures[e]['handler_us']['median']:.0f} µs" for e in ENGINES]
        lines.append(row(f"{int(length):,} characters", *cells))
    lines += [
        "",
        row("4b. worst case at the cap, engine model", "median", "max"),
        row("---", "---", "---"),
    ]
    for name, s in engines["worst_case_ms"].items():
        lines.append(row(name, f"{s['median']:.1f} ms", f"{s['max']:.1f} ms"))
    return lines


# ---- 5. batch and file throughput -----------------------------------------------------------


def measure_throughput(texts: list[str]) -> dict[str, Any]:
    """Documents per second through ``POST /analyse/batch`` and the file job, where served."""
    figures: dict[str, Any] = {}
    context = FakeLambdaContext()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        level = api.logger.log_level
        api.logger.setLevel("WARNING")  # the probe's 404 would be logged at INFO
        probe = api.lambda_handler(
            api_event(body=json.dumps({"texts": texts[:2]}), path="/analyse/batch"), context
        )
        api.logger.setLevel(level)
        if probe["statusCode"] != 200:
            figures["batch"] = {"skipped": "POST /analyse/batch is not served yet"}
        else:
            batches = [texts[i : i + 25] for i in range(0, len(texts), 25)]
            start = time.perf_counter()
            for batch in batches:
                api.lambda_handler(
                    api_event(body=json.dumps({"texts": batch}), path="/analyse/batch"), context
                )
            figures["batch"] = {"documents_per_s": len(texts) / (time.perf_counter() - start)}
    return figures


# ---- 5b. whole files ------------------------------------------------------------------------

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


def run_cli(source: Path, output: Path, lines: int) -> dict[str, Any]:
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
    figures = {
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
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name=FAKE_AWS["AWS_DEFAULT_REGION"],
        aws_access_key_id=FAKE_AWS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS["AWS_SECRET_ACCESS_KEY"],
    )


def s3_put_event(bucket: str, key: str, size: int, etag: str) -> dict[str, Any]:
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
    image: str, port: int, event: dict[str, Any], lines: int, config: dict[str, int]
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
        "-v", f"{ROOT / 'tests' / 'bench'}:/bench:ro", "--entrypoint", "python3",
        image, "/bench/job.py", json.dumps(event),
    ]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True,
                                timeout=deadline_for(lines))  # fmt: skip
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"the job exited {result.returncode}: {result.stderr[-3000:]}")
    return json.loads(result.stderr.strip().splitlines()[-1])


def measure_job(
    s3: Any, image: str, port: int, source: Path, lines: int, config: dict[str, int]
) -> dict[str, Any]:
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


def largest_file(run: dict[str, Any], config: dict[str, int]) -> dict[str, Any]:
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


def measure_files(
    image: str, lines_list: list[int], formats: list[str], work: Path
) -> dict[str, Any]:
    """Documents per second, peak RSS, and bytes in and out per document, of files of each size
    and format through the CLI (on this machine, unlimited) and through the job handler in
    its image against moto_server; and from the largest size, the largest file one
    invocation handles."""
    config = function_config(JOB_FUNCTION)
    runs: dict[str, dict[str, Any]] = {fmt: {} for fmt in formats}
    with moto_server(work) as port:
        s3 = s3_client(port)
        s3.create_bucket(Bucket=JOB_BUCKET)
        for lines in lines_list:
            for fmt in formats:
                source = work / f"bench-{lines}.{fmt}"
                size = write_input(source, fmt, lines)
                run: dict[str, Any] = {"lines": lines, "input_bytes": size}
                run["cli"] = run_cli(source, work / f"bench-{lines}.{fmt}.jsonl", lines)
                run["job"] = measure_job(s3, image, port, source, lines, config)
                source.unlink()
                for path in ("cli", "job"):
                    got = run[path]
                    if got["documents"] != lines or got["output_lines"] != lines:
                        raise RuntimeError(
                            f"{path}, {lines} lines of .{fmt}: {got['documents']} documents, "
                            f"{got['output_lines']} output lines"
                        )
                runs[fmt][str(lines)] = run
    largest = str(max(lines_list))
    return {
        "job_function": config,
        "safety_margin": SAFETY_MARGIN,
        "runs": runs,
        "largest_file": {fmt: largest_file(runs[fmt][largest], config) for fmt in formats},
    }


def file_throughput(files: dict[str, Any]) -> dict[str, Any]:
    """Section 5's rows for whole files: the largest size measured, of the first format."""
    fmt = next(iter(files["runs"]))
    lines = max(files["runs"][fmt], key=int)
    run = files["runs"][fmt][lines]
    return {
        f"file_{path}": {
            "documents_per_s": run[path]["documents_per_s"],
            "lines": int(lines),
            "format": fmt,
        }
        for path in ("cli", "job")
    }


# ---- 6. memory ------------------------------------------------------------------------------


def measure_rss(images: dict[str, str], texts: list[str], work: Path) -> dict[str, Any]:
    """Resident memory of the function process after 100 and 10,000 warm invocations."""
    template = load_event("analyse_positive.json")
    analyses = [{**template, "body": json.dumps({"text": text})} for text in texts]
    # Ours also answers a health check, a rejected request and an analysis by the model engine
    # in every 10, so the router, its error path and the model are in the process too; bare
    # can only analyse.
    mixed = [
        load_event("health.json") if i % 10 == 3 else
        load_event("analyse_empty_text.json") if i % 10 == 7 else
        {**event, "body": json.dumps({"text": texts[i], "engine": "model"})} if i % 10 == 5 else
        event
        for i, event in enumerate(analyses)
    ]  # fmt: skip
    figures = {}
    for name, events in (("ours", mixed), ("bare", analyses)):
        (work / "rss-input.json").write_text(json.dumps({"events": events}))
        result = subprocess.run(
            ["docker", "run", *run_flags(), "-w", "/var/task", "--entrypoint", "python3",
             "-v", f"{ROOT / 'tests' / 'bench'}:/bench:ro", "-v", f"{work}:/input:ro",
             images[name], "/bench/rss.py", HANDLER_MODULES[name], "/input/rss-input.json"],
            capture_output=True, text=True, check=True, timeout=600,
        )  # fmt: skip
        figures[name] = json.loads(result.stderr.strip().splitlines()[-1])
    return figures


MEMORY_SIZES_MB = (128, 256, 512, 768, 1024, 1536, FULL_VCPU_MB)


def measure_memory_sizes(image: str, text: str, requests: int, cold_runs: int) -> dict[str, Any]:
    """Warm p50/p99 and cold first response (ms) at each memory size, each container limited
    to that memory and to the CPU share Lambda gives it (``--cpus`` = size / 1,769 MB).

    The warm requests go to all sizes at once, interleaved one by one, so a slow spell of the
    machine hits every size alike. The figures are round trips through the emulator, which
    runs inside the container and so shares its CPU quota. Two answers, each the smallest size from
    which every larger size is within 20 % of 1,769 MB's figure too (so one lucky run of a
    small size cannot pick it): by warm p99 alone (the issue's rule), and by warm p99 and cold
    first response together (the rule the template's MemorySize follows).
    """
    event = analyse_event(text)
    cold: dict[int, list[float]] = {size: [] for size in MEMORY_SIZES_MB}
    for size in rotations(list(MEMORY_SIZES_MB), cold_runs):
        cold[size].append(cold_first_response_ms(image, event, size / FULL_VCPU_MB, size))
    warm: dict[int, list[float]] = {size: [] for size in MEMORY_SIZES_MB}
    with contextlib.ExitStack() as stack:
        functions = {
            size: stack.enter_context(running(image, size / FULL_VCPU_MB, size))
            for size in MEMORY_SIZES_MB
        }
        for function in functions.values():
            for _ in range(20):  # cold start and warm-up, not measured
                function.invoke(event)
        for size in rotations(list(MEMORY_SIZES_MB), requests):
            warm[size].append(functions[size].invoke(event)[1] * 1000)
    figures = {
        str(size): {"warm": summary(warm[size]), "cold_first_response": summary(cold[size])}
        for size in MEMORY_SIZES_MB
    }
    full = figures[str(FULL_VCPU_MB)]

    def smallest(*measures: tuple[str, str]) -> int:
        answer = FULL_VCPU_MB
        for size in reversed(MEMORY_SIZES_MB):
            if any(
                figures[str(size)][kind][stat] > 1.2 * full[kind][stat] for kind, stat in measures
            ):
                break
            answer = size
        return answer

    return {
        "by_memory_mb": figures,
        "smallest_within_20pct_mb": smallest(("warm", "p99")),
        "smallest_within_20pct_warm_and_cold_mb": smallest(
            ("warm", "p99"), ("cold_first_response", "median")
        ),
    }


# ---- 7. cost --------------------------------------------------------------------------------


def cost_per_million(warm: dict[str, Any], memory_mb: int) -> dict[str, Any]:
    """US dollars per million analyses, from measured handler time and the published prices.

    The handler's median time at one full vCPU is stretched by 1,769 / ``memory_mb`` (the CPU
    share, as if the work were all CPU: an upper bound), then rounded up to Lambda's 1 ms
    billing step. API Gateway bills per request; Comprehend per 100-character unit with a
    minimum of 3 units per request.
    """
    figures = {}
    stretch = max(1.0, FULL_VCPU_MB / memory_mb)
    for length, measured in warm.items():
        billed_ms = max(1, math.ceil(measured["handler_us"]["median"] / 1000 * stretch))
        compute = 1e6 * billed_ms / 1000 * memory_mb / 1024 * LAMBDA_PER_GB_SECOND
        lambda_total = compute + LAMBDA_PER_MILLION_REQUESTS
        figures[length] = {
            "billed_ms": billed_ms,
            "lambda": lambda_total,
            "lambda_plus_rest_api": lambda_total + REST_API_PER_MILLION,
            "lambda_plus_http_api": lambda_total + HTTP_API_PER_MILLION,
            "comprehend": 1e6 * max(3, math.ceil(int(length) / 100)) * COMPREHEND_PER_UNIT,
        }
    return {"memory_mb": memory_mb, "per_text_length": figures}


# ---- report ---------------------------------------------------------------------------------


def files_table(files: dict[str, Any]) -> list[str]:
    """Section 5b as Markdown: each file run, then the largest file one invocation handles."""
    config = files["job_function"]
    memory = config["memory_mb"]
    paths = {
        "cli": "CLI (this machine)",
        "job": f"job via moto_server ({memory} MB, {memory / FULL_VCPU_MB:.2f} vCPU)",
    }
    lines = [
        "",
        "| 5b. whole files | lines | documents/s | peak RSS | bytes in → out per document | wall |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for fmt, by_lines in files["runs"].items():
        for count, run in by_lines.items():
            for path, label in paths.items():
                got = run[path]
                lines.append(
                    f"| {label}, .{fmt} | {int(count):,} | {got['documents_per_s']:,.0f} "
                    f"| {got['peak_rss_kib'] / 1024:.1f} MiB "
                    f"| {run['input_bytes'] / run['lines']:.0f} → "
                    f"{got['output_bytes'] / got['documents']:.0f} B | {got['wall_s']:.1f} s |"
                )
    margin = files["safety_margin"]
    lines += [
        "",
        "Wall: the CLI's from start to exit, its start-up included; the job's, the invocation "
        "alone (the handler's import, a cold start's, is not in it).",
        "",
        f"Largest file one job invocation handles: {margin * 100:.0f} % of the "
        f"{config['timeout_s']} s "
        f"timeout at the measured job rate, unless its results outgrow /tmp "
        f"({config['ephemeral_storage_mb']} MiB) first",
    ]
    for fmt, big in files["largest_file"].items():
        lines.append(
            f"- .{fmt}, from {big['measured_lines']:,} lines at "
            f"{big['documents_per_s']:,.0f} documents/s: {big['documents']:,} documents, "
            f"{big['input_mib']:,.0f} MiB of input at {big['input_bytes_per_document']:.0f} B "
            f"a document (bound by {big['bound_by']}); /tmp takes "
            f"{big['tmp_bytes_per_document']:.0f} B a document, "
            f"{big['tmp_mib_for_documents_by_time']:,.0f} MiB for the "
            f"{big['documents_by_time']:,} documents of the timeout"
        )
    return lines


def table(results: dict[str, Any]) -> str:
    """The figures as the Markdown tables the README carries."""
    names = ("ours", "bare", "floor")

    def row(*cells: object) -> str:
        return "| " + " | ".join(str(cell) for cell in cells) + " |"

    def header(*cells: str) -> list[str]:
        return ["", row(*cells), row(*["---"] * len(cells))]

    def ms(s: dict[str, float]) -> str:
        return f"{s['median']:.0f} ms (IQR {s['iqr']:.0f})"

    def p50_p99(s: dict[str, float], unit: str, digits: int) -> str:
        return f"{s['median']:.{digits}f} / {s['p99']:.{digits}f} {unit}"

    init, cold, http = (
        results["init_ms"],
        results["cold_first_response_ms"],
        results["warm_http_ms"],
    )
    rss = results["rss_kib"]
    lines = [
        *header("measurement", *names)[1:],
        row("1. init: import of the handler module", *(ms(init[n]) for n in names)),
        row("2. cold first response (docker run → first 200)", *(ms(cold[n]) for n in names)),
        row("2b. cold first response of GET / (via the router)", ms(cold["ours_router"]), "", ""),
        row(
            "3b. warm round trip via the emulator, 500 characters, p50 / p99",
            *(p50_p99(http[n], "ms", 2) for n in names),
        ),
        row(
            "6a. RSS after 100 → 10,000 invocations",
            *(
                f"{rss[n]['after_100']['rss_kib'] / 1024:.1f} → "
                f"{rss[n]['after_10000']['rss_kib'] / 1024:.1f} MiB"
                for n in ("ours", "bare")
            ),
            "",
        ),
    ]
    lines += header(
        "3a. warm, in process", "analyse() p50 / p99", "handler p50 / p99", "overhead p50"
    )
    for length, w in results["warm_in_process"].items():
        lines.append(
            row(
                f"{int(length):,} characters",
                p50_p99(w["analyse_us"], "µs", 0),
                p50_p99(w["handler_us"], "µs", 0),
                f"{w['overhead_p50_us']:.0f} µs",
            )
        )
    lines += header("4. worst case at the cap (handler, in process)", "median", "max")
    for name, s in results["worst_case_ms"].items():
        lines.append(row(name, f"{s['median']:.1f} ms", f"{s['max']:.1f} ms"))
    if "engines" in results:
        lines += engines_table(results["engines"])
    lines += header("5. throughput", "documents/s")
    for name, s in results["throughput"].items():
        label = f"{name} ({s['lines']:,} lines, .{s['format']})" if "lines" in s else name
        lines.append(row(label, s.get("skipped") or f"{s['documents_per_s']:.0f}"))
    if "files" in results:
        lines += files_table(results["files"])
    sizes = results["memory_sizes"]
    lines += header(
        "6b. MemorySize (vCPU share), 5,000 characters of review text",
        "warm p50 / p99",
        "cold first response",
    )
    for memory, s in sizes["by_memory_mb"].items():
        vcpu = int(memory) / FULL_VCPU_MB
        warm, cold = p50_p99(s["warm"], "ms", 2), ms(s["cold_first_response"])
        lines.append(row(f"{memory} MB ({vcpu:.2f})", warm, cold))
    lines += [
        "",
        "Smallest MemorySize from which, within 20 % of 1,769 MB's figure, stays",
        f"- warm p99: {sizes['smallest_within_20pct_mb']} MB",
        f"- warm p99 and cold first response: {sizes['smallest_within_20pct_warm_and_cold_mb']} MB",
    ]
    cost = results["cost_per_million_usd"]
    lines += header(
        f"7. US$ per million ({cost['memory_mb']} MB)",
        "billed",
        "Lambda",
        "+ REST API",
        "+ HTTP API",
        "Comprehend",
    )
    for length, c in cost["per_text_length"].items():
        lines.append(
            row(
                f"{int(length):,} characters",
                f"{c['billed_ms']} ms",
                f"{c['lambda']:.2f}",
                f"{c['lambda_plus_rest_api']:.2f}",
                f"{c['lambda_plus_http_api']:.2f}",
                f"{c['comprehend']:,.0f}",
            )
        )
    return "\n".join(lines)


def counts(text: str) -> list[int]:
    """``100000,1000000`` (underscores allowed) as a list of positive ints."""
    values = [int(part) for part in text.split(",")]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("give positive counts, e.g. 100000,1000000")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12, help="cold starts per image (default 12)")
    parser.add_argument("--out", type=Path, default=ROOT / ".bench", help="where figures go")
    parser.add_argument(
        "--file-lines",
        type=counts,
        default=list(FILE_LINES),
        metavar="N,N",
        help="documents per file of 5b, whole files (default 100000,1000000)",
    )
    parser.add_argument(
        "--file-formats",
        type=lambda text: text.split(","),
        default=list(FILE_FORMATS),
        metavar="txt,csv",
        help="file formats of 5b (default txt,csv)",
    )
    parser.add_argument(
        "--files-only",
        action="store_true",
        help="measure 5b alone; its figures go to files.json (results.json is left as it is)",
    )
    args = parser.parse_args(argv)
    if not set(args.file_formats) <= set(FILE_FORMATS):
        parser.error(f"--file-formats: choose from {', '.join(FILE_FORMATS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    texts = real_texts()
    started = time.time()

    def step(label: str) -> None:
        print(f"bench: {label} ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)

    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "python": platform.python_version(),
        "runs": args.runs,
    }
    if args.files_only:
        step("5b. whole files")
        with tempfile.TemporaryDirectory() as work:
            results["files"] = measure_files(
                our_image(JOB_FUNCTION), args.file_lines, args.file_formats, Path(work)
            )
        (args.out / "files.json").write_text(json.dumps(results, indent=2) + "\n")
        print("\n".join(files_table(results["files"])[1:]))
        print(f"\nFigures: {args.out / 'files.json'}", file=sys.stderr)
        return 0
    step("building the baselines")
    images = build_baselines()
    step("1. init")
    results["init_ms"] = measure_init(images, args.runs, args.out)
    step("2. cold first response")
    results["cold_first_response_ms"] = measure_cold(images, args.runs)
    step("3. warm latency")
    results["warm_in_process"] = measure_warm_in_process(texts, rounds=max(args.runs, 10) * 4)
    results["warm_http_ms"] = measure_warm_http(
        images, requests=25 * args.runs, text=real_text_of(500, texts)
    )
    step("4. worst case at the cap")
    results["worst_case_ms"] = measure_worst_case(texts, repeats=max(args.runs, 5))
    step("3c / 4b. engines")
    results["engines"] = {
        "warm_in_process": measure_engines_warm(texts, rounds=max(args.runs, 10) * 4),
        "worst_case_ms": measure_worst_case(texts, repeats=max(args.runs, 5), engine="model"),
    }
    step("5. throughput")
    results["throughput"] = measure_throughput(texts)
    step("5b. whole files")
    with tempfile.TemporaryDirectory() as work:
        results["files"] = measure_files(
            our_image(JOB_FUNCTION), args.file_lines, args.file_formats, Path(work)
        )
    results["throughput"].update(file_throughput(results["files"]))
    step("6. memory")
    with tempfile.TemporaryDirectory() as work:
        results["rss_kib"] = measure_rss(images, texts, Path(work))
    results["memory_sizes"] = measure_memory_sizes(
        images["ours"], real_text_of(5000, texts), requests=25 * args.runs, cold_runs=args.runs
    )
    step("7. cost")
    results["cost_per_million_usd"] = cost_per_million(
        results["warm_in_process"],
        results["memory_sizes"]["smallest_within_20pct_warm_and_cold_mb"],
    )
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nFigures: {args.out / 'results.json'}; import breakdown: "
          f"{args.out / 'importtime-ours.txt'}", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
