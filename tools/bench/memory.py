"""Memory: the function process's resident memory after many warm invocations (ours with each
deployment setting of :data:`.common.SETTINGS` too), its peak through batches at the cap with
each engine, and latency at each memory size Lambda offers (with the CPU share it gives each)."""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path
from typing import Literal, TypedDict

from sentiment_api.engines import ENGINE_NAMES

from .common import (
    BENCH,
    FULL_VCPU_MB,
    HANDLER_MODULES,
    Event,
    Summary,
    Variant,
    analyse_event,
    batch_cases,
    cold_first_response_ms,
    load_event,
    rotations,
    run_flags,
    running,
    summary,
    variants,
)

MEMORY_SIZES_MB = (128, 256, 512, 768, 1024, 1536, FULL_VCPU_MB)

Rss = dict[str, dict[str, int]]
"""What ``rss.py`` prints: ``rss_kib`` and ``peak_kib`` after the import, 100 and 10,000
invocations."""
RSS_VARIANTS = ("ours", "ours_model", "ours_encoder", "ours_language_off", "bare")
"""Whose resident memory is measured over 10,000 invocations (:func:`.common.variants`)."""


class SizeFigures(TypedDict):
    warm: Summary
    cold_first_response: Summary


class MemorySizes(TypedDict):
    by_memory_mb: dict[str, SizeFigures]
    smallest_within_20pct_mb: int
    smallest_within_20pct_warm_and_cold_mb: int


def run_rss(
    variant: Variant, events: list[Event], work: Path, counts: list[int] | None = None
) -> Rss:
    """``rss.py`` in ``variant``'s image, on ``events`` (in turn) up to each of ``counts``."""
    given: dict[str, object] = {"events": events}
    if counts is not None:
        given["counts"] = counts
    (work / "rss-input.json").write_text(json.dumps(given))
    result = subprocess.run(
        ["docker", "run", *run_flags(env=variant.env), "-w", "/var/task", "--entrypoint",
         "python3", "-v", f"{BENCH}:/bench:ro", "-v", f"{work}:/input:ro",
         variant.image, "/bench/rss.py", variant.module, "/input/rss-input.json"],
        capture_output=True, text=True, check=True, timeout=900,
    )  # fmt: skip
    figures: Rss = json.loads(result.stderr.strip().splitlines()[-1])
    return figures


def measure_rss(images: dict[str, str], texts: list[str], work: Path) -> dict[str, Rss]:
    """Resident memory of the function process after 100 and 10,000 warm invocations: ours
    with each deployment setting (``ours_encoder``: the encoder answers 7 in 10), and bare."""
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
    cases = variants(images)
    return {
        name: run_rss(cases[name], analyses if name == "bare" else mixed, work)
        for name in RSS_VARIANTS
    }


def measure_batch_peak_rss(image: str, texts: list[str], work: Path) -> dict[str, Rss]:
    """Resident memory of ours, with each engine as the deployment's default, after its import
    and at its peak after one of each batch of :func:`.common.batch_cases` naming that engine
    (``after_import`` and ``after_<cases>``: VmHWM is the peak of the whole process)."""
    figures: dict[str, Rss] = {}
    for engine in ENGINE_NAMES:
        events = list(batch_cases(texts, engine).values())
        variant = Variant(image, HANDLER_MODULES["ours"], {"ENGINE": engine})
        figures[engine] = run_rss(variant, events, work, [len(events)])
    return figures


def measure_memory_sizes(image: str, text: str, requests: int, cold_runs: int) -> MemorySizes:
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
    figures: dict[str, SizeFigures] = {
        str(size): {"warm": summary(warm[size]), "cold_first_response": summary(cold[size])}
        for size in MEMORY_SIZES_MB
    }
    full = figures[str(FULL_VCPU_MB)]

    def smallest(
        *measures: tuple[Literal["warm", "cold_first_response"], Literal["median", "p99"]],
    ) -> int:
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
