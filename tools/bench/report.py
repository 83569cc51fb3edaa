"""The report: every figure as the Markdown tables the README carries."""

from __future__ import annotations

from typing import Literal, Required, TypedDict

from sentiment_api.engines import ENGINE_NAMES

from .common import FULL_VCPU_MB, SETTINGS, Summary
from .cost import Cost, CostFigures, EngineCost
from .fanout import CONCURRENCIES, FanOut
from .files import Files, PathRun, Rate
from .image import ImageSizes
from .jobrate import JobRates
from .latency import WORST_CASE_ENGINE, ComprehendWarm, Engines, WarmInProcess
from .memory import MemorySizes, Rss


class Results(TypedDict, total=False):
    """Everything ``results.json`` holds (``files.json``: the first four and ``files``)."""

    date: Required[str]
    machine: Required[str]
    python: Required[str]
    runs: Required[int]
    init_ms: dict[str, Summary]
    """ours, bare, floor, and ours with each of :data:`.common.SETTINGS`."""
    cold_first_response_ms: dict[str, Summary]
    """As ``init_ms``, and ``ours_router``."""
    warm_in_process: dict[str, WarmInProcess]
    warm_http_ms: dict[str, Summary]
    worst_case_ms: dict[str, Summary]
    engines: Engines
    language_identifier_us: dict[str, Summary]
    """By text length."""
    comprehend_warm_in_process: dict[str, ComprehendWarm]
    """By text length."""
    throughput: dict[str, Rate]
    files: Files
    job_input_rates: JobRates
    fanout: FanOut
    rss_kib: dict[str, Rss]
    """ours, each of :data:`.common.SETTINGS`, bare."""
    batch_peak_rss_kib: dict[str, Rss]
    """By engine (the deployment's default)."""
    memory_sizes: MemorySizes
    cost_per_million_usd: Cost
    cost_per_million_by_engine_usd: EngineCost
    image_sizes: ImageSizes


def row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def header(*cells: str) -> list[str]:
    """A blank line, then a table's heading row and its rule."""
    return ["", row(*cells), row(*["---"] * len(cells))]


def ms(s: Summary) -> str:
    return f"{s['median']:.0f} ms (IQR {s['iqr']:.0f})"


def p50_p99(s: Summary, unit: str, digits: int) -> str:
    return f"{s['median']:.{digits}f} / {s['p99']:.{digits}f} {unit}"


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def rss_growth(rss: Rss) -> str:
    return f"{mib(rss['after_100']['rss_kib'])[:-4]} → {mib(rss['after_10000']['rss_kib'])}"


SETTING_LABELS = {
    "ours": "ENGINE=textblob (ours)",
    **{name: " ".join(f"{k}={v}" for k, v in env.items()) for name, env in SETTINGS.items()},
}
"""Column headings of ours under each deployment setting."""


def settings_table(results: Results) -> list[str]:
    """Ours under each deployment setting side by side: init, cold first response, RSS; and
    the language identifier's share of init."""
    names = [name for name in SETTING_LABELS if name in results["init_ms"]]
    init, cold, rss = (
        results["init_ms"],
        results["cold_first_response_ms"],
        results["rss_kib"],
    )
    lines = header("ours, by deployment setting", *(SETTING_LABELS[n] for n in names))
    lines.append(row("init: import of the handler module", *(ms(init[n]) for n in names)))
    lines.append(row("cold first response (docker run → first 200)", *(ms(cold[n]) for n in names)))
    lines.append(
        row(
            "RSS after 100 → 10,000 invocations",
            *(rss_growth(rss[n]) if n in rss else "" for n in names),
        )
    )
    if "ours_language_off" in init:
        share = init["ours"]["median"] - init["ours_language_off"]["median"]
        lines += [
            "",
            f"The language identifier's share of init (LANGUAGE_CHECK=refuse, the default, less "
            f"off; medians): {share:.0f} ms.",
        ]
    return lines


def engines_table(engines: Engines) -> list[str]:
    """The engines compared: warm p50 and p99 in process, the worst cases with one engine, and
    batches at the cap with each."""
    lines: list[str] = []
    stats: tuple[tuple[Literal["median", "p99"], str], ...] = (("median", "p50"), ("p99", "p99"))
    for stat, label in stats:
        lines += header(
            f"warm {label} by engine, in process",
            *(f"analyse() {e}" for e in ENGINE_NAMES),
            *(f"handler {e}" for e in ENGINE_NAMES),
        )
        for length, figures in engines["warm_in_process"].items():
            cells = [f"{figures[e]['analyse_us'][stat]:.0f} µs" for e in ENGINE_NAMES]
            cells += [f"{figures[e]['handler_us'][stat]:.0f} µs" for e in ENGINE_NAMES]
            lines.append(row(f"{int(length):,} characters", *cells))
    if engines.get("encoder_input"):
        windows = "; ".join(
            f"{int(length):,} characters: {got['tokens']:,} tokens, {got['windows']} "
            f"window{'s' if got['windows'] != 1 else ''}"
            for length, got in engines["encoder_input"].items()
        )
        lines += ["", f"The encoder's input (word-piece tokens, windows of ≤ 254): {windows}."]
    lines += header(f"worst case at the cap, engine {WORST_CASE_ENGINE}", "median", "max")
    for name, worst in engines["worst_case_ms"].items():
        lines.append(row(name, f"{worst['median']:.1f} ms", f"{worst['max']:.1f} ms"))
    batches = engines["batch_at_cap_ms"]
    lines += header(
        "batch at the cap, by engine (handler, in process), median / max",
        *batches,
    )
    for case in next(iter(batches.values())):
        lines.append(
            row(
                case,
                *(
                    f"{by[case]['median']:,.1f} / {by[case]['max']:,.1f} ms"
                    for by in batches.values()
                ),
            )
        )
    return lines


def comprehend_table(figures: dict[str, ComprehendWarm]) -> list[str]:
    """DetectSentiment (``POST /``, Comprehend's protocol) against ``POST /analyse``, warm, in
    process: the handlers, their ``analyse()`` calls, and the protocol face's own overhead."""
    lines = header(
        "Comprehend-compatible DetectSentiment vs POST /analyse, warm p50, in process",
        "POST /analyse: analyse() / handler",
        "DetectSentiment: analyse(sentences) / handler",
        "difference of the handlers",
        "protocol face's overhead",
    )
    for length, f in figures.items():
        lines.append(
            row(
                f"{int(length):,} characters",
                f"{f['analyse_us']['median']:.0f} / {f['handler_analyse_us']['median']:.0f} µs",
                f"{f['analyse_sentences_us']['median']:.0f} / "
                f"{f['handler_detect_sentiment_us']['median']:.0f} µs",
                f"{f['difference_p50_us']:.0f} µs",
                f"{f['face_overhead_p50_us']:.0f} µs",
            )
        )
    return lines


def language_table(figures: dict[str, Summary]) -> list[str]:
    """The language identifier's own cost per text."""
    lines = header("language identifier, identify() in process", "p50 / p99")
    for length, got in figures.items():
        lines.append(row(f"{int(length):,} characters", p50_p99(got, "µs", 0)))
    return lines


def job_rates_table(rates: JobRates) -> list[str]:
    """Job input rates by case and engine, and each engine's worst."""
    engines = list(dict.fromkeys(rates["rates"][next(iter(rates["rates"]))]))
    lines = header(f"job input rate, analyse_stream in process ({rates['cpu']}), bytes/s", *engines)
    for case, by_engine in rates["rates"].items():
        cells = []
        for engine in engines:
            got = by_engine[engine]
            note = f" ({got['errors']} errors)" if got["errors"] else ""
            cells.append(f"{got['bytes_per_s']:,.0f}{note}")
        lines.append(row(f"{case}, {rates['case_bytes'][case]:,} B", *cells))
    worst, today = rates["worst_bytes_per_s"], rates["min_bytes_per_s_today"]
    lines += [
        "",
        "Each engine's worst guarded case at each detail against MIN_BYTES_PER_S "
        "(jobs/settings.py), which must not exceed it: "
        + "; ".join(
            f"{key} {worst[key]:,.0f} against {today[key]:,} ({worst[key] / today[key]:.3g}x"
            + ("" if worst[key] >= today[key] else ", GUARD TOO HIGH")
            + ")"
            for key in worst
        )
        + ".",
    ]
    return lines


def duration(seconds: float) -> str:
    """Seconds as ``42 s``, ``12.5 min`` or ``3.1 h``."""
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds / 3600:,.1f} h"


def fanout_table(figures: FanOut) -> list[str]:
    """Jobs fanned out: documents/s of both paths on this machine, the orchestration's
    overhead per range, the modelled wall time by job size and map concurrency, and the cost
    per million documents of each path beside Comprehend's (:mod:`.fanout`)."""
    measured = figures["measured"]
    many = measured["fanned_out"][max(measured["fanned_out"], key=int)]
    rates = figures["documents_per_s"]
    lines = header(
        f"jobs fanned out, in process under moto ({measured['file_bytes']:,} B .txt, "
        f"{measured['documents']:,} documents, engine {measured['engine']})",
        "documents/s",
        "wall",
    )
    lines.append(row("single function (one invocation)", f"{rates['single']:,.0f}",
                     f"{measured['single']['wall_s']:.1f} s"))  # fmt: skip
    lines.append(row(f"fanned out, {many['ranges']} ranges, MapConcurrency 1",
                     f"{rates['fanned out']:,.0f}", f"{many['wall_s']:.1f} s"))  # fmt: skip
    per_range = figures["per_range"]
    lines += [
        "",
        f"Results identical to the single path, byte for byte: {measured['identical']}. "
        f"One range's invocation reads {figures['range_bytes_per_s']:,.0f} B/s; the "
        f"orchestration's overhead per range (the Map state's span in the execution history "
        f"less its invocations' time): {figures['overhead_per_range_s'] * 1000:,.1f} ms. One "
        f"more range adds {per_range['s3_put_class']:.1f} S3 PUT-class and "
        f"{per_range['s3_get_class']:.1f} GET-class requests and "
        f"{per_range['transitions']:.1f} state transitions.",
    ]
    lines += header(
        "modelled wall time of a job (files of ≤ 5 GB), by MapConcurrency",
        *(f"{c:,}" for c in CONCURRENCIES),
        "one invocation",
    )
    for gb, by_concurrency in figures["modelled_wall_s"].items():
        cells = [f"{duration(m['wall_s'])} ({m['ranges']} ranges)" for m in by_concurrency.values()]
        alone = figures["single_wall_s"][gb]
        note = " (over the 900 s timeout)" if alone > 900 else ""
        lines.append(row(f"{gb} GB", *cells, f"{duration(alone)}{note}"))
    lines += header(
        "US$ per million documents",
        "Lambda GB-s",
        "Lambda requests",
        "Step Functions",
        "S3 requests",
        "total",
    )
    labels = {
        "single": "single function (the same 1 GB, were one invocation long enough)",
        "fanned out": "fanned out (a 1 GB job, MapConcurrency 40)",
        "comprehend": "Amazon Comprehend (async sentiment)",
    }
    for name, cost in figures["cost_per_million_usd"].items():
        if name == "comprehend":
            lines.append(row(labels[name], "", "", "", "", f"{cost['total']:,.2f}"))
            continue
        lines.append(
            row(
                labels[name],
                f"{cost['lambda_compute']:.6f}",
                f"{cost['lambda_requests']:.6f}",
                f"{cost['step_functions']:.6f}",
                f"{cost['s3_requests']:.6f}",
                f"{cost['total']:.6f}",
            )
        )
    return lines


def image_table(sizes: ImageSizes) -> list[str]:
    """The image against the same build without the encoder's and the identifier's share."""
    lines = header(f"image size (docker image inspect), on {sizes['base_image']}", "size")
    lines += [
        row(f"ours as sam build made it ({sizes['image']})", mb(sizes["image_bytes"])),
        row("ours built here from src/Dockerfile", mb(sizes["with_bytes"])),
        row(
            "the same build without " + ", ".join(sizes["removed_packages"]) + " and the "
            "encoder's artefacts",
            mb(sizes["without_bytes"]),
        ),
        row("**growth** (the two builds here)", f"**{mb(sizes['growth_bytes'])}**"),
    ]
    lines += header("installed in ours (files and byte-code, apparent size)", "bytes")
    installed = sizes["installed_bytes"]
    parts = {name: size for name, size in installed.items() if name != "/var/task"}
    for name, size in sorted(parts.items(), key=lambda item: -item[1]):
        lines.append(row(name, mb(size)))
    lines.append(row("sum of the above", mb(sum(parts.values()))))
    lines.append(row("/var/task in all", mb(installed["/var/task"])))
    return lines


def batch_rss_table(figures: dict[str, Rss]) -> list[str]:
    """Peak RSS through batches at the cap, each engine the deployment's default."""
    lines = header(
        "RSS in the image, ENGINE=<engine>: after import → peak through the batches at the cap",
        *figures,
    )
    cells = []
    for rss in figures.values():
        last = [key for key in rss if key != "after_import"][-1]
        cells.append(f"{mib(rss['after_import']['rss_kib'])[:-4]} → {mib(rss[last]['peak_kib'])}")
    lines.append(row("one of each batch case above", *cells))
    return lines


def cost_cells(c: CostFigures) -> list[str]:
    """Billed duration and the US$ per million of Lambda, + REST API, + HTTP API."""
    return [
        f"{c['billed_ms']} ms",
        f"{c['lambda']:.2f}",
        f"{c['lambda_plus_rest_api']:.2f}",
        f"{c['lambda_plus_http_api']:.2f}",
    ]


def cost_table(title: str, per_length: dict[str, CostFigures]) -> list[str]:
    lines = header(title, "billed", "Lambda", "+ REST API", "+ HTTP API", "Comprehend")
    for length, c in per_length.items():
        lines.append(row(f"{int(length):,} characters", *cost_cells(c), f"{c['comprehend']:,.0f}"))
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
            *(rss_growth(rss[n]) for n in ("ours", "bare")),
            "",
        ),
    ]
    lines += settings_table(results)
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
    if "comprehend_warm_in_process" in results:
        lines += comprehend_table(results["comprehend_warm_in_process"])
    if "language_identifier_us" in results:
        lines += language_table(results["language_identifier_us"])
    lines += header("throughput", "documents/s")
    for name, rate in results["throughput"].items():
        label = f"{name} ({rate['lines']:,} lines, .{rate['format']})" if "lines" in rate else name
        lines.append(row(label, rate.get("skipped") or f"{rate['documents_per_s']:.0f}"))
    if "files" in results:
        lines += files_table(results["files"])
    if "job_input_rates" in results:
        lines += job_rates_table(results["job_input_rates"])
    if "fanout" in results:
        lines += fanout_table(results["fanout"])
    if "batch_peak_rss_kib" in results:
        lines += batch_rss_table(results["batch_peak_rss_kib"])
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
    lines += cost_table(f"US$ per million ({cost['memory_mb']} MB)", cost["per_text_length"])
    if "cost_per_million_by_engine_usd" in results:
        by_engine = results["cost_per_million_by_engine_usd"]
        lines += header(
            f"US$ per million by engine ({by_engine['memory_mb']} MB, the template's MemorySize)",
            "billed",
            "Lambda",
            "+ REST API",
            "+ HTTP API",
        )
        for engine, per_length in by_engine["by_engine"].items():
            for length, c in per_length.items():
                lines.append(row(f"{engine}, {int(length):,} characters", *cost_cells(c)))
    if "image_sizes" in results:
        lines += image_table(results["image_sizes"])
    return "\n".join(lines)
