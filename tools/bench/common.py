"""What the benchmark's sections share: paths and constants, statistics, the events and inputs,
and the function images with their containers."""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, TypeVar

from tools.processes import free_port as free_port
from tools.processes import stop as stop
from tools.processes import wait_for_http as wait_for_http

from sentiment_api.evaluate import load_labelled_sentences
from sentiment_api.settings import get_settings

from . import FUNCTION_ENV

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent
"""This folder: mounted read-only at ``/bench`` in the containers that run ``job.py`` and
``rss.py``."""
BASELINES = BENCH / "baselines"
"""The Docker build context of the floor and bare images."""
EVENTS = ROOT / "events"
DATA = ROOT.parent / "shared" / "data" / "sentiment-labelled-sentences"
"""The 3,000 labelled review sentences (as in the tests and ``make evaluate``)."""

HANDLER_MODULES = {"ours": "sentiment_api.handlers.api", "floor": "app", "bare": "app"}
SETTINGS: dict[str, dict[str, str]] = {
    "ours_model": {"ENGINE": "model"},
    "ours_encoder": {"ENGINE": "encoder"},
    "ours_language_off": {"LANGUAGE_CHECK": "off"},
}
"""Ours again with one deployment setting changed (the template's ``Engine`` and
``LanguageCheck`` parameters): name -> the environment it adds. Plain ``ours`` is the
template's defaults: ``ENGINE=textblob``, ``LANGUAGE_CHECK=refuse``."""
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
FULL_VCPU_MB = 1769
"""Lambda gives a function one full vCPU at 1,769 MB and CPU in proportion to memory below it
(AWS Lambda Developer Guide, "Configure Lambda function memory")."""

Event = dict[str, Any]
"""An event or a response of a Lambda function, as JSON."""


# ---- statistics -----------------------------------------------------------------------------


class Summary(TypedDict):
    median: float
    p99: float
    iqr: float
    min: float
    max: float
    n: int


def summary(samples: list[float]) -> Summary:
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


T = TypeVar("T")


def rotations(names: list[T], runs: int) -> Iterator[T]:
    """``names`` ``runs`` times each, the order rotating each round (A B C, B C A, C A B ...)."""
    for run in range(runs):
        shift = run % len(names)
        yield from names[shift:] + names[:shift]


# ---- events and inputs ----------------------------------------------------------------------


def load_event(name: str) -> Event:
    """The API Gateway proxy event in ``events/<name>`` (the tests' fixtures)."""
    event: Event = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event


def post_event(body: str, path: str = "/analyse") -> Event:
    """``POST path`` of the JSON ``body``: ``events/analyse_positive.json`` (Content-Type
    application/json) with its path and body replaced."""
    event = load_event("analyse_positive.json")
    event["path"] = event["resource"] = event["requestContext"]["resourcePath"] = path
    event["body"] = body
    return event


def analyse_event(text: str | None, path: str = "/analyse", **fields: Any) -> Event:
    """A ``POST /analyse`` of ``text`` (or of ``fields`` alone, e.g. a batch's ``texts``)."""
    body = {"text": text, **fields} if text is not None else fields
    return post_event(json.dumps(body), path)


@dataclass
class FakeLambdaContext:
    """The attributes of ``awslambdaric``'s context that Powertools reads."""

    function_name: str = "SentimentFunction"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:SentimentFunction"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def real_texts() -> list[str]:
    """The 3,000 labelled review sentences, shuffled with a fixed seed."""
    texts = [sentence.text for sentence in load_labelled_sentences(DATA)]
    random.Random(7).shuffle(texts)
    return texts


def real_text_of(length: int, texts: list[str]) -> str:
    """Real review sentences joined by spaces and cut to exactly ``length`` characters."""
    return real_texts_of(length, texts, 1)[0]


def real_texts_of(length: int, texts: list[str], count: int) -> list[str]:
    """``count`` different texts of real review sentences, each cut to exactly ``length``
    characters (no line breaks): consecutive runs of ``texts``, each starting where the one
    before it ended."""
    found, start = [], 0
    for _ in range(count):
        joined, used = "", 0
        while len(joined) < length:
            joined += texts[(start + used) % len(texts)] + " "
            used += 1
        found.append(joined[:length].replace("\n", " "))
        start += used
    return found


def batch_cases(texts: list[str], engine: str) -> dict[str, Event]:
    """``POST /analyse/batch`` at the caps (the deployment's batch size, each text at its
    length cap) naming ``engine``: real review text (a different text each), alone and with
    ``sentences`` and ``explain``, and the worst case of the lexicon engines, ``'('`` repeated
    with both options (for the encoder, the most tokens a text can have, one per character)."""
    settings = get_settings()
    size, cap = settings.max_batch_size, settings.max_text_length
    real = real_texts_of(cap, texts, size)
    everything: dict[str, Any] = {"sentences": True, "explain": True}
    batch = f"batch of {size} x {cap:,}"
    return {
        f"{batch} real review text": analyse_event(
            None, "/analyse/batch", texts=real, engine=engine
        ),
        f"{batch} real review text, sentences + explain": analyse_event(
            None, "/analyse/batch", texts=real, engine=engine, **everything
        ),
        f"{batch} x '(', sentences + explain": analyse_event(
            None, "/analyse/batch", texts=["(" * cap] * size, engine=engine, **everything
        ),
    }


# ---- processes and ports --------------------------------------------------------------------


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
    template: dict[str, Any] = yaml_parse(built.read_text())
    return template


def our_image(function: str = "SentimentFunction") -> str:
    """The image ``sam build`` made for ``function``."""
    image: str = built_template()["Resources"][function]["Properties"]["ImageUri"]
    return image


class FunctionConfig(TypedDict):
    timeout_s: int
    memory_mb: int
    ephemeral_storage_mb: int


def function_config(function: str) -> FunctionConfig:
    """``function``'s Timeout (s), MemorySize (MB) and EphemeralStorage (MB) in the built
    template: its own, else the Globals', a ``Ref`` read as its parameter's default."""
    template = built_template()
    own = template["Resources"][function]["Properties"]
    shared = template.get("Globals", {}).get("Function", {})

    def value(name: str, default: int) -> int:
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


@dataclass(frozen=True)
class Variant:
    """One function under test: its image, its handler module and what its environment adds."""

    image: str
    module: str
    env: dict[str, str]


def variants(images: dict[str, str]) -> dict[str, Variant]:
    """Every image of :func:`build_baselines` by name, then ours once more per :data:`SETTINGS`."""
    found = {name: Variant(image, HANDLER_MODULES[name], {}) for name, image in images.items()}
    for name, env in SETTINGS.items():
        found[name] = Variant(images["ours"], HANDLER_MODULES["ours"], env)
    return found


def run_flags(
    cpus: float = 1.0,
    memory_mb: int | None = None,
    tmp_mb: int | None = None,
    env: dict[str, str] | None = None,
) -> list[str]:
    """How Lambda runs a function: read-only root, /tmp as tmpfs (of ``tmp_mb``, its
    EphemeralStorage, if given), a CPU share, its env (with ``env`` added)."""
    quota = round(cpus * CPU_PERIOD_US)
    tmp = "/tmp" if tmp_mb is None else f"/tmp:size={tmp_mb}m"
    flags = ["--rm", "--read-only", "--tmpfs", tmp,
             f"--cpu-period={CPU_PERIOD_US}", f"--cpu-quota={quota}"]  # fmt: skip
    if memory_mb is not None:
        flags += [f"--memory={memory_mb}m", f"--memory-swap={memory_mb}m"]
    for name, value in {**FUNCTION_ENV, **(env or {})}.items():
        flags += ["-e", f"{name}={value}"]
    return flags


class Function:
    """A function image running under the Runtime Interface Emulator on a loopback port."""

    def __init__(
        self,
        image: str,
        cpus: float = 1.0,
        memory_mb: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.started = time.perf_counter()
        self.container = docker(
            "run", "-d", *run_flags(cpus, memory_mb, env=env),
            "-p", f"127.0.0.1:{self.port}:8080", image,
        ).strip()  # fmt: skip
        self.connection: http.client.HTTPConnection | None = None

    def invoke(self, event: Event, deadline_s: float = 60) -> tuple[Event, float]:
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
                answer: Event = json.loads(payload)
                return answer, elapsed
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


def cold_first_response_ms(
    image: str,
    event: Event,
    cpus: float = 1.0,
    memory_mb: int | None = None,
    env: dict[str, str] | None = None,
) -> float:
    """Milliseconds from ``docker run`` of ``image`` (``env`` added to its environment) to the
    first 200 answer of an invoke."""
    function = Function(image, cpus, memory_mb, env)
    try:
        response, _ = function.invoke(event)
        elapsed = (time.perf_counter() - function.started) * 1000
    finally:
        function.stop()
    if response.get("statusCode") != 200:
        raise RuntimeError(f"{image} answered {response}")
    return elapsed
