"""``make evaluate ARGS="--plot"``: the images in docs/img/ are drawn from the figures ``make
evaluate`` computes now (each beside the JSON it was drawn from, which the PNG names by its
SHA-256), the option writes the same bytes twice, and matplotlib stays a development
dependency: nothing of the package imports it."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from tools import plots

from sentiment_api import evaluate
from sentiment_api.evaluate import main
from support import ROOT, run_python

IMAGES = ("accuracy", "reliability", "challenge")
IMG = ROOT / "docs" / "img"
STALE = 'the images are stale: run make evaluate ARGS="--plot" and commit docs/img/'


def png_chunks(path: Path) -> list[tuple[bytes, bytes]]:
    """The chunks of a PNG file, as (type, data) pairs, each checked against its CRC."""
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(raw):
        (length,) = struct.unpack(">I", raw[at : at + 4])
        kind, data = raw[at + 4 : at + 8], raw[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", raw[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + data) == crc
        chunks.append((kind, data))
        at += 12 + length
    return chunks


def png_text(path: Path) -> dict[str, str]:
    """A PNG's tEXt metadata, keyword to text."""
    pairs = (data.split(b"\0", 1) for kind, data in png_chunks(path) if kind == b"tEXt")
    return {key.decode("latin-1"): text.decode("latin-1") for key, text in pairs}


def png_size(path: Path) -> tuple[int, int]:
    kind, data = png_chunks(path)[0]
    assert kind == b"IHDR"
    width, height = struct.unpack(">II", data[:8])
    return width, height


def rounded(value: Any) -> Any:
    """``value`` with every float rounded to 9 decimals (the images print 3): the encoder's
    probabilities may differ in their last bits between CPUs."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


@pytest.fixture(scope="module")
def current() -> dict[str, Any]:
    return plots.plot_data(evaluate.figures(challenge=True))


@pytest.mark.parametrize("name", IMAGES)
def test_the_committed_images_are_drawn_from_the_current_figures(name, current):
    stored = (IMG / f"{name}.json").read_text(encoding="utf-8")
    assert rounded(json.loads(stored)) == rounded(current[name]), STALE
    digest = hashlib.sha256(stored.encode("utf-8")).hexdigest()
    assert png_text(IMG / f"{name}.png") == {
        "Description": f"drawn from {name}.json, sha256 {digest}"
    }, STALE
    width, height = plots.SIZE_IN[name]
    assert png_size(IMG / f"{name}.png") == (round(width * plots.DPI), round(height * plots.DPI))


def test_the_docs_show_the_images():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    evaluation = (ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8")
    for name in IMAGES:
        assert f"](docs/img/{name}.png)" in readme, name
        assert f"](img/{name}.png)" in evaluation, name
    assert readme.index("](docs/img/try-page.png)") < readme.index("\n## ")  # at the top


def test_the_readme_quotes_the_calibration_errors(current):
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    engines = current["reliability"]["engines"]
    assert set(engines) == {"model", "encoder"}
    for engine, figures in engines.items():
        assert f"{figures['ece']:.3f} ({engine})" in readme, engine


def test_the_plot_option_draws_the_figures_it_prints_the_same_twice(tmp_path, capsys):
    arguments = ["--plot", "--limit", "20"]
    assert main([*arguments, "--plot-dir", str(tmp_path / "first")]) == 0
    printed = capsys.readouterr().out
    assert main([*arguments, "--plot-dir", str(tmp_path / "second")]) == 0

    data = plots.plot_data(evaluate.figures(challenge=True, limit=20))
    assert (
        evaluate.format_uci_table(evaluate.figures(limit=20)["uci"]).splitlines()[:8]
        == (printed.splitlines()[:8])
    )
    for name in IMAGES:
        first, second = tmp_path / "first", tmp_path / "second"
        assert rounded(json.loads((first / f"{name}.json").read_text())) == rounded(data[name])
        assert (first / f"{name}.json").read_bytes() == (second / f"{name}.json").read_bytes()
        assert (first / f"{name}.png").read_bytes() == (second / f"{name}.png").read_bytes()
        assert set(png_text(first / f"{name}.png")) == {"Description"}  # no software, no date


def test_the_peer_band_is_labelled_as_not_ours():
    assert (plots.PEER_BAND["low"], plots.PEER_BAND["high"]) == (0.85, 0.90)
    assert "not measured here" in plots.PEER_BAND["label"]
    assert "brief" in plots.PEER_BAND["source"]


def test_nothing_but_the_plots_imports_matplotlib():
    out = run_python(
        "import sys\n"
        "import sentiment_api.evaluate, sentiment_api.handlers.api, sentiment_api.api.app\n"
        "print(any(m == 'matplotlib' or m.startswith('matplotlib.') for m in sys.modules))",
        POWERTOOLS_SERVICE_NAME="sentiment-api",
    )
    assert out.strip().splitlines()[-1] == "False"
