"""The report: every figure as the Markdown tables the README carries."""

from __future__ import annotations

from typing import Required, TypedDict

from sentiment_api.engines import ENGINE_NAMES

from .common import FULL_VCPU_MB, Summary
from .cost import Cost
from .files import Files, PathRun, Rate
from .latency import WORST_CASE_ENGINE, Engines, WarmInProcess
from .memory import MemorySizes, Rss


class Results(TypedDict, total=False):
    """Everything ``results.json`` holds (``files.json``: the first four and ``files``)."""

    date: Required[str]
    machine: Required[str]
    python: Required[str]
    runs: Required[int]
    init_ms: dict[str, Summary]
    cold_first_response_ms: dict[str, Summary]
    warm_in_process: dict[str, WarmInProcess]
    warm_http_ms: dict[str, Summary]
    worst_case_ms: dict[str, Summary]
    engines: Engines
    throughput: dict[str, Rate]
    files: Files
    rss_kib: dict[str, Rss]
    memory_sizes: MemorySizes
    cost_per_million_usd: Cost


def row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def header(*cells: str) -> list[str]:
    """A blank line, then a table's heading row and its rule."""
    return ["", row(*cells), row(*["---"] * len(cells))]


def ms(s: Summary) -> str:
    return f"{s['median']:.0f} ms (IQR {s['iqr']:.0f})"


def p50_p99(s: Summary, unit: str, digits: int) -> str:
    return f"{s['median']:.{digits}f} / {s['p99']:.{digits}f} {unit}"


def engines_table(engines: Engines) -> list[str]:
    """The engines compared: warm p50 in process, and the worst cases with one engine."""
    lines = header(
        "warm p50 by engine, in process",
        *(f"analyse() {e}" for e in ENGINE_NAMES),
        *(f"handler {e}" for e in ENGINE_NAMES),
    )
    for length, figures in engines["warm_in_process"].items():
        cells = [f"{figures[e]['analyse_us']['median']:.0f} µs" for e in ENGINE_NAMES]
        cells += [f"{figures[e]['handler_us']['median']:.0f} µs" for e in ENGINE_NAMES]
        lines.append(row(f"{int(length):,} characters", *cells))
    lines += header(f"worst case at the cap, engine {WORST_CASE_ENGINE}", "median", "max")
    for name, worst in engines["worst_case_ms"].items():
        lines.append(row(name, f"{worst['median']:.1f} ms", f"{worst['max']:.1f} ms"))
    return lines


def files_table(files: Files) -> list[str]:
    """Whole files as Markdown: each file run, then the largest file one invocation handles."""
    config = files["job_function"]
    memory = config["memory_mb"]
    cli_label = "CLI (this machine)"
    job_label = f"job via moto_server ({memory} MB, {memory / FULL_VCPU_MB:.2f} vCPU)"
    lines = header(
        "whole files", "lines", "documents/s", "peak RSS", "bytes in → out per document", "wall"
    )
    for fmt, by_lines in files["runs"].items():
        for count, run in by_lines.items():
            paths: tuple[tuple[str, PathRun], ...] = (
                (cli_label, run["cli"]),
                (job_label, run["job"]),
            )
            for label, got in paths:
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


def table(results: Results) -> str:
    """The figures as the Markdown tables the README carries."""
    names = ("ours", "bare", "floor")
    init, cold, http = (
        results["init_ms"],
        results["cold_first_response_ms"],
        results["warm_http_ms"],
    )
    rss = results["rss_kib"]
    lines = [
        *header("measurement", *names)[1:],
        row("init: import of the handler module", *(ms(init[n]) for n in names)),
        row("cold first response (docker run → first 200)", *(ms(cold[n]) for n in names)),
        row("cold first response of GET / (via the router)", ms(cold["ours_router"]), "", ""),
        row(
            "warm round trip via the emulator, 500 characters, p50 / p99",
            *(p50_p99(http[n], "ms", 2) for n in names),
        ),
        row(
            "RSS after 100 → 10,000 invocations",
            *(
                f"{rss[n]['after_100']['rss_kib'] / 1024:.1f} → "
                f"{rss[n]['after_10000']['rss_kib'] / 1024:.1f} MiB"
                for n in ("ours", "bare")
            ),
            "",
        ),
    ]
    lines += header("warm, in process", "analyse() p50 / p99", "handler p50 / p99", "overhead p50")
    for length, w in results["warm_in_process"].items():
        lines.append(
            row(
                f"{int(length):,} characters",
                p50_p99(w["analyse_us"], "µs", 0),
                p50_p99(w["handler_us"], "µs", 0),
                f"{w['overhead_p50_us']:.0f} µs",
            )
        )
    lines += header("worst case at the cap (handler, in process)", "median", "max")
    for name, worst in results["worst_case_ms"].items():
        lines.append(row(name, f"{worst['median']:.1f} ms", f"{worst['max']:.1f} ms"))
    if "engines" in results:
        lines += engines_table(results["engines"])
    lines += header("throughput", "documents/s")
    for name, rate in results["throughput"].items():
        label = f"{name} ({rate['lines']:,} lines, .{rate['format']})" if "lines" in rate else name
        lines.append(row(label, rate.get("skipped") or f"{rate['documents_per_s']:.0f}"))
    if "files" in results:
        lines += files_table(results["files"])
    sizes = results["memory_sizes"]
    lines += header(
        "MemorySize (vCPU share), 5,000 characters of review text",
        "warm p50 / p99",
        "cold first response",
    )
    for memory, size in sizes["by_memory_mb"].items():
        vcpu = int(memory) / FULL_VCPU_MB
        warm, cold_first = p50_p99(size["warm"], "ms", 2), ms(size["cold_first_response"])
        lines.append(row(f"{memory} MB ({vcpu:.2f})", warm, cold_first))
    lines += [
        "",
        "Smallest MemorySize from which, within 20 % of 1,769 MB's figure, stays",
        f"- warm p99: {sizes['smallest_within_20pct_mb']} MB",
        f"- warm p99 and cold first response: {sizes['smallest_within_20pct_warm_and_cold_mb']} MB",
    ]
    cost = results["cost_per_million_usd"]
    lines += header(
        f"US$ per million ({cost['memory_mb']} MB)",
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
