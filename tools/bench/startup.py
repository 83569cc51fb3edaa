"""Start-up: init (the import of each handler module in its image) and the cold first response
(from ``docker run`` to the first answer); ours also with each other engine as the deployment's
default, and with the language check off (:data:`.common.SETTINGS`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .common import (
    Event,
    Summary,
    Variant,
    cold_first_response_ms,
    docker,
    load_event,
    rotations,
    run_flags,
    summary,
    variants,
)

IMPORT_TIMER = (
    "import importlib, sys, time\n"
    "start = time.perf_counter()\n"
    "importlib.import_module(sys.argv[1])\n"
    "print((time.perf_counter() - start) * 1000)"
)
BREAKDOWNS = ("ours", "ours_encoder")
"""The variants whose ``-X importtime`` breakdown is written beside the figures."""


def measure_init(images: dict[str, str], runs: int, out: Path) -> dict[str, Summary]:
    """Milliseconds to import each handler module in its own image (a fresh container each),
    for every image and for ours with each of :data:`.common.SETTINGS` (its default engine,
    and the language identifier where it is on, load during that import)."""
    cases = variants(images)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for name in rotations(list(cases), runs):
        case = cases[name]
        output = docker("run", *run_flags(env=case.env), "-w", "/var/task",
                        "--entrypoint", "python3", case.image, "-c", IMPORT_TIMER,
                        case.module)  # fmt: skip
        samples[name].append(float(output.strip().splitlines()[-1]))
    # The breakdowns, for whoever wants to cut them further.
    for name in BREAKDOWNS:
        case = cases[name]
        breakdown = subprocess.run(
            ["docker", "run", *run_flags(env=case.env), "-w", "/var/task",
             "--entrypoint", "python3", case.image, "-X", "importtime", "-c",
             f"import {case.module}"],
            capture_output=True, text=True, check=True, timeout=120,
        ).stderr  # fmt: skip
        (out / f"importtime-{name}.txt").write_text(breakdown)
    return {name: summary(values) for name, values in samples.items()}


def measure_cold(images: dict[str, str], runs: int) -> dict[str, Summary]:
    """Cold first response (ms) of each image to ``POST /analyse``, alternating between them,
    ours also with each of :data:`.common.SETTINGS` (answered by that deployment's default
    engine); and of ours to ``GET /``, which goes through the router (imported on first use)."""
    analyse = load_event("analyse_positive.json")
    cases: dict[str, tuple[Variant, Event]] = {
        name: (variant, analyse) for name, variant in variants(images).items()
    }
    cases["ours_router"] = (cases["ours"][0], load_event("health.json"))
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for name in rotations(list(cases), runs):
        variant, event = cases[name]
        samples[name].append(cold_first_response_ms(variant.image, event, env=variant.env))
    return {name: summary(values) for name, values in samples.items()}
