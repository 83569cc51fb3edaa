"""`make bench` itself: it must keep running from a clean checkout. Its figures are not judged
here (performance targets are not tests); only that every measurement ran and was written."""

import json
import subprocess
import sys

from sentiment_api.engines import ENGINE_NAMES
from support import ROOT


def test_bench_runs_every_measurement_and_writes_its_figures(built, tmp_path):
    # Given the built image, when the benchmark runs with one round of each measurement, and
    # files of 2,000 documents instead of 100,000 and 1,000,000
    result = subprocess.run(
        [sys.executable, "-m", "tools.bench", "--runs", "1",
         "--file-lines", "2000", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=900, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]

    # Then every figure is in the JSON file, for ours and both baselines, and the table printed
    figures = json.loads((tmp_path / "results.json").read_text())
    for section in ("init_ms", "cold_first_response_ms", "warm_http_ms"):
        assert set(figures[section]) >= {"ours", "floor", "bare"}
        assert all(s["median"] > 0 for name, s in figures[section].items() if name != "floor")
    assert set(figures["warm_in_process"]) == {"50", "500", "5000"}
    assert len(figures["worst_case_ms"]) == 8
    engines = figures["engines"]
    assert set(engines["warm_in_process"]) == {"50", "500", "5000"}
    for by_engine in engines["warm_in_process"].values():
        assert set(by_engine) == set(ENGINE_NAMES)
        assert all(f["analyse_us"]["median"] > 0 for f in by_engine.values())
        assert all(f["handler_us"]["median"] > 0 for f in by_engine.values())
    assert set(engines["worst_case_ms"]) == set(figures["worst_case_ms"])
    assert "| warm p50 by engine, in process |" in result.stdout
    assert "| worst case at the cap, engine model |" in result.stdout
    assert "ours_router" in figures["cold_first_response_ms"]
    assert set(figures["rss_kib"]) == {"ours", "bare"}
    assert figures["memory_sizes"]["smallest_within_20pct_mb"] in {
        128,
        256,
        512,
        768,
        1024,
        1536,
        1769,
    }
    assert figures["cost_per_million_usd"]["per_text_length"]["50"]["comprehend"] == 300.0
    assert "sentiment_api.handlers.api" in (tmp_path / "importtime-ours.txt").read_text()
    assert "| init: import of the handler module |" in result.stdout

    # and every file went through the CLI and the job, one output line per document
    files = figures["files"]
    assert files["job_function"]["timeout_s"] > 0
    for fmt in ("txt", "csv"):
        run = files["runs"][fmt]["2000"]
        for path in ("cli", "job"):
            assert run[path]["documents"] == run[path]["output_lines"] == 2000
            assert run[path]["peak_rss_kib"] > 0
        assert files["largest_file"][fmt]["documents"] > 0
    assert {"file_cli", "file_job"} <= set(figures["throughput"])
    assert "| whole files |" in result.stdout
