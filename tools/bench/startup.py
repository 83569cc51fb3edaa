"""Start-up: init (the import of each handler module in its image) and the cold first response
(from ``docker run`` to the first answer)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .common import (
    HANDLER_MODULES,
    Event,
    Summary,
    cold_first_response_ms,
    docker,
    load_event,
    rotations,
    run_flags,
    summary,
)

IMPORT_TIMER = (
    "import importlib, sys, time\n"
    "start = time.perf_counter()\n"
    "importlib.import_module(sys.argv[1])\n"
    "print((time.perf_counter() - start) * 1000)"
)


def measure_init(images: dict[str, str], runs: int, out: Path) -> dict[str, Summary]:
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


def measure_cold(images: dict[str, str], runs: int) -> dict[str, Summary]:
    """Cold first response (ms) of each image to ``POST /analyse``, alternating between them;
    and of ours to ``GET /``, which goes through the router (imported on first use)."""
    cases: dict[str, tuple[str, Event]] = {
        name: (image, load_event("analyse_positive.json")) for name, image in images.items()
    }
    cases["ours_router"] = (images["ours"], load_event("health.json"))
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for name in rotations(list(cases), runs):
        samples[name].append(cold_first_response_ms(*cases[name]))
    return {name: summary(values) for name, values in samples.items()}
