"""The benchmark's entry point: ``python -m tools.bench`` from the repository's root (``make
bench`` builds first). Its arguments, and the sections in the order they run."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from .common import ROOT, build_baselines, function_config, our_image, real_text_of, real_texts
from .cost import cost_by_engine, cost_per_million
from .fanout import FILE_LINES as FANOUT_LINES
from .fanout import measure_fanout
from .files import (
    FILE_FORMATS,
    FILE_LINES,
    JOB_FUNCTION,
    file_throughput,
    measure_files,
    measure_throughput,
)
from .image import measure_image_sizes
from .jobrate import measure_job_rates
from .latency import (
    WORST_CASE_ENGINE,
    encoder_input,
    measure_batches_at_cap,
    measure_comprehend_warm,
    measure_engines_warm,
    measure_language,
    measure_warm_http,
    measure_warm_in_process,
    measure_worst_case,
)
from .memory import measure_batch_peak_rss, measure_memory_sizes, measure_rss
from .report import Results, files_table, table
from .startup import measure_cold, measure_init


def counts(text: str) -> list[int]:
    """``100000,1000000`` (underscores allowed) as a list of positive ints."""
    values = [int(part) for part in text.split(",")]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("give positive counts, e.g. 100000,1000000")
    return values


def formats(text: str) -> list[str]:
    """``txt,csv`` as a list."""
    return text.split(",")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench",
        description="The benchmark: make bench. Prints a table and writes every figure to a "
        "JSON file.",
    )
    parser.add_argument("--runs", type=int, default=12, help="cold starts per image (default 12)")
    parser.add_argument("--out", type=Path, default=ROOT / ".bench", help="where figures go")
    parser.add_argument(
        "--file-lines",
        type=counts,
        default=list(FILE_LINES),
        metavar="N,N",
        help="documents per file of the whole files (default 100000,1000000)",
    )
    parser.add_argument(
        "--file-formats",
        type=formats,
        default=list(FILE_FORMATS),
        metavar="txt,csv",
        help="formats of the whole files (default txt,csv)",
    )
    parser.add_argument(
        "--fanout-lines",
        type=int,
        default=FANOUT_LINES,
        metavar="N",
        help=f"documents of the file fanned out under moto (default {FANOUT_LINES:,})",
    )
    parser.add_argument(
        "--files-only",
        action="store_true",
        help="measure the whole files alone; their figures go to files.json (results.json is "
        "left as it is)",
    )
    args = parser.parse_args(argv)
    runs: int = args.runs
    out: Path = args.out
    file_lines: list[int] = args.file_lines
    file_formats: list[str] = args.file_formats
    if not set(file_formats) <= set(FILE_FORMATS):
        parser.error(f"--file-formats: choose from {', '.join(FILE_FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    texts = real_texts()
    started = time.time()

    def step(label: str) -> None:
        print(f"bench: {label} ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)

    results: Results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "python": platform.python_version(),
        "runs": runs,
    }
    if args.files_only:
        step("whole files")
        with tempfile.TemporaryDirectory() as work:
            results["files"] = measure_files(
                our_image(JOB_FUNCTION), file_lines, file_formats, Path(work)
            )
        (out / "files.json").write_text(json.dumps(results, indent=2) + "\n")
        print("\n".join(files_table(results["files"])[1:]))
        print(f"\nFigures: {out / 'files.json'}", file=sys.stderr)
        return 0
    step("building the baselines")
    images = build_baselines()
    step("image size (building the image without the encoder and the identifier)")
    results["image_sizes"] = measure_image_sizes(images["ours"])
    step("init")
    results["init_ms"] = measure_init(images, runs, out)
    step("cold first response")
    results["cold_first_response_ms"] = measure_cold(images, runs)
    step("warm latency")
    results["warm_in_process"] = measure_warm_in_process(texts, rounds=max(runs, 10) * 4)
    results["warm_http_ms"] = measure_warm_http(
        images, requests=25 * runs, text=real_text_of(500, texts)
    )
    step("worst case at the cap")
    results["worst_case_ms"] = measure_worst_case(texts, repeats=max(runs, 5))
    step("engines")
    results["engines"] = {
        "warm_in_process": measure_engines_warm(texts, rounds=max(runs, 10) * 4),
        "encoder_input": encoder_input(texts),
        "worst_case_ms": measure_worst_case(texts, repeats=max(runs, 5), engine=WORST_CASE_ENGINE),
        "batch_at_cap_ms": measure_batches_at_cap(texts, repeats=max(runs // 2, 3)),
    }
    step("the Comprehend-compatible endpoint")
    results["comprehend_warm_in_process"] = measure_comprehend_warm(texts, rounds=max(runs, 10) * 4)
    step("language identifier")
    results["language_identifier_us"] = measure_language(texts, rounds=max(runs, 10) * 4)
    step("throughput")
    results["throughput"] = measure_throughput(texts)
    step("whole files")
    with tempfile.TemporaryDirectory() as work:
        results["files"] = measure_files(
            our_image(JOB_FUNCTION), file_lines, file_formats, Path(work)
        )
    results["throughput"].update(file_throughput(results["files"]))
    step("job input rates")
    results["job_input_rates"] = measure_job_rates(seconds=max(runs, 2) / 4)
    step("jobs fanned out (the state machine under moto)")
    results["fanout"] = measure_fanout(args.fanout_lines)
    step("memory")
    with tempfile.TemporaryDirectory() as work:
        results["rss_kib"] = measure_rss(images, texts, Path(work))
        results["batch_peak_rss_kib"] = measure_batch_peak_rss(images["ours"], texts, Path(work))
    results["memory_sizes"] = measure_memory_sizes(
        images["ours"], real_text_of(5000, texts), requests=25 * runs, cold_runs=runs
    )
    step("cost")
    results["cost_per_million_usd"] = cost_per_million(
        results["warm_in_process"],
        results["memory_sizes"]["smallest_within_20pct_warm_and_cold_mb"],
    )
    results["cost_per_million_by_engine_usd"] = cost_by_engine(
        results["engines"]["warm_in_process"], function_config("SentimentFunction")["memory_mb"]
    )
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nFigures: {out / 'results.json'}; import breakdowns: "
          f"{out / 'importtime-ours.txt'}, {out / 'importtime-ours_encoder.txt'}",
          file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
