"""``make evaluate ARGS="--plot"``: ``make evaluate``'s figures drawn as PNGs for the docs.

Three images, each written beside the JSON of exactly the figures it was drawn from
(``<name>.json``; the PNG's ``Description`` names that file's SHA-256), so that a test can hold
the committed images to the figures ``make evaluate`` computes now:

* ``accuracy.png``: accuracy on the UCI sentences per engine and per file, as served (a neutral
  answer is a miss) and by sign (``neutral_threshold=0``), with the range the cloud services are
  reported at drawn as a band (:data:`PEER_BAND`: a range quoted by the project's brief, not a
  measurement of ours).
* ``reliability.png``: a reliability diagram per trained engine
  (:func:`sentiment_api.evaluate.reliability`): in ten equal bins of p(positive | not neutral)
  = p(positive) / (p(positive) + p(negative)), the mean predicted probability against the
  share of the UCI sentences in the bin that are positive, with how many sentences each bin
  holds.
* ``challenge.png``: the challenge set's pass rate per category and engine (when the figures
  include the challenge set).

matplotlib is a development dependency (pyproject.toml's dev group) and only this module imports
it; the Lambda image has neither. The images are deterministic for given figures: fixed size
and resolution, matplotlib's own bundled font (DejaVu Sans), no software name or date in the
file's metadata.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

from matplotlib import pyplot as plt  # after the backend is chosen
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.typing import RcKeyType

OVERALL = "overall"
PEER_BAND: dict[str, Any] = {
    "low": 0.85,
    "high": 0.90,
    "label": "cloud services as reported, 0.85 to 0.90 (not measured here)",
    "source": (
        "Amazon Comprehend, Google Cloud Natural Language and Azure AI Language as reported on"
        " review text of this kind: a range quoted by the project's brief, not measured here"
    ),
}
"""The reference band on the accuracy plot, and where its figures come from."""
ENGINE_COLOURS = {"textblob": "#7f7f7f", "model": "#e69f00", "encoder": "#0072b2"}
"""Okabe & Ito's colour-blind-safe palette (grey, orange, blue); other engines cycle through
matplotlib's defaults."""
SIZE_IN = {"accuracy": (9.0, 4.4), "reliability": (9.0, 4.4), "challenge": (9.0, 4.3)}
DPI = 100
STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "sentiment-api",
}


def short(source: str) -> str:
    """A UCI file's stem as a plot label: ``amazon_cells_labelled`` -> ``amazon``."""
    return source.removesuffix("_labelled").removesuffix("_cells")


def plot_data(figures: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The figures each image is drawn from, out of :func:`sentiment_api.evaluate.figures`'s
    (``uci`` required, ``challenge`` optional), without what varies from run to run (times).

    Returns:
        ``{"accuracy": {...}, "reliability": {...}}`` and ``"challenge"`` when the figures hold
        it; each is what :data:`DRAW` draws and what is stored as ``<name>.json``.
    """
    uci = figures["uci"]
    engines: dict[str, Any] = uci["engines"]
    files = list(next(iter(engines.values()))["files"])
    data: dict[str, dict[str, Any]] = {
        "accuracy": {
            "sentences": uci["sentences"],
            "files": files,
            "engines": {
                name: {
                    "trained": f["trained"],
                    "as_served": {s: f["files"][s]["accuracy"] for s in files},
                    "by_sign": {
                        s: f["files"][s]["sign_accuracy"]
                        if f["trained"]
                        else f["files"][s]["accuracy"]
                        for s in files
                    },
                }
                for name, f in engines.items()
            },
            "peer_band": PEER_BAND,
        },
        "reliability": {
            "sentences": uci["sentences"],
            "engines": {
                name: f["reliability"] for name, f in engines.items() if f.get("reliability")
            },
        },
    }
    if "challenge" in figures:
        challenge = figures["challenge"]
        data["challenge"] = {
            "rows": challenge["rows"],
            "engines": {name: f["categories"] for name, f in challenge["engines"].items()},
        }
    return data


def _colour(engine: str, index: int) -> str:
    return ENGINE_COLOURS.get(engine, f"C{index}")


def _bar_labels(axes: Any, bars: Any, values: list[float | None]) -> None:
    for bar, value in zip(bars, values, strict=True):
        if value is not None:
            axes.annotate(
                f"{value:.3f}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                rotation=90,
                fontsize=7,
            )


def draw_accuracy(data: Mapping[str, Any]) -> Figure:
    """Grouped bars: per file and overall, each engine's accuracy; as served, and by sign."""
    figure, panels = plt.subplots(1, 2, figsize=SIZE_IN["accuracy"], sharey=True)
    files = data["files"]
    engines = data["engines"]
    width = 0.8 / len(engines)
    band = data["peer_band"]
    for axes, key, title in (
        (panels[0], "as_served", "As served: a neutral answer is a miss"),
        (panels[1], "by_sign", "By sign (neutral_threshold 0)"),
    ):
        axes.axhspan(band["low"], band["high"], color="#b3b3b3", alpha=0.35, lw=0)
        for index, (name, engine) in enumerate(engines.items()):
            values = [engine[key][source] for source in files]
            positions = [i + (index - (len(engines) - 1) / 2) * width for i in range(len(files))]
            bars = axes.bar(positions, values, width * 0.92, color=_colour(name, index), label=name)
            _bar_labels(axes, bars, values)
        axes.set_xticks(range(len(files)), [short(source) for source in files])
        axes.set_ylim(0.5, 1.0)
        axes.set_title(title, fontsize=10)
        axes.grid(axis="y", color="#dddddd", lw=0.6)
        axes.set_axisbelow(True)
    panels[0].set_ylabel(f"accuracy on the UCI sentences ({data['sentences']:,})")
    handles, labels = panels[0].get_legend_handles_labels()
    handles.append(Patch(color="#b3b3b3", alpha=0.35, lw=0))
    labels.append(band["label"])
    figure.legend(handles, labels, loc="lower center", ncols=len(labels), frameon=False)
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    return figure


def draw_reliability(data: Mapping[str, Any]) -> Figure:
    """Per trained engine: mean predicted p(positive | not neutral) against the observed share
    positive, bin by bin, on the diagonal of perfect calibration; bars: sentences per bin."""
    engines = data["engines"]
    figure, panels = plt.subplots(
        1, len(engines), figsize=SIZE_IN["reliability"], squeeze=False, sharey=True
    )
    for index, (axes, (name, figures)) in enumerate(zip(panels[0], engines.items(), strict=True)):
        bins = figures["bins"]
        counts = axes.twinx()
        counts.bar(
            [(b["low"] + b["high"]) / 2 for b in bins],
            [b["texts"] for b in bins],
            width=0.1 * 0.9,
            color="#d9d9d9",
        )
        counts.set_ylim(0, max(b["texts"] for b in bins) * 3)
        counts.set_ylabel("sentences in the bin (bars)", color="#666666")
        counts.tick_params(axis="y", colors="#666666")
        counts.spines["right"].set_visible(True)
        axes.set_zorder(counts.get_zorder() + 1)
        axes.patch.set_visible(False)
        axes.plot([0, 1], [0, 1], ls="--", lw=1, color="#666666", label="perfectly calibrated")
        filled = [b for b in bins if b["texts"]]
        axes.plot(
            [b["mean_predicted"] for b in filled],
            [b["observed_positive"] for b in filled],
            marker="o",
            color=_colour(name, index),
            label=name,
        )
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1)
        axes.set_xlabel("predicted p(positive) / (p(positive) + p(negative))")
        axes.set_title(f"{name}: expected calibration error {figures['ece']:.3f}", fontsize=10)
        axes.legend(loc="upper left", frameon=False)
    panels[0][0].set_ylabel("share of the bin's sentences that are positive")
    figure.suptitle(
        f"Reliability on the UCI sentences ({data['sentences']:,}), in 10 bins of the"
        " predicted probability",
        fontsize=10,
    )
    figure.tight_layout()
    return figure


def draw_challenge(data: Mapping[str, Any]) -> Figure:
    """Grouped bars: per category of the challenge set and overall, each engine's pass rate."""
    engines = data["engines"]
    categories = list(next(iter(engines.values())))
    figure, axes = plt.subplots(figsize=SIZE_IN["challenge"])
    width = 0.8 / len(engines)
    for index, (name, rates) in enumerate(engines.items()):
        values = [rates[category]["pass_rate"] for category in categories]
        positions = [i + (index - (len(engines) - 1) / 2) * width for i in range(len(categories))]
        bars = axes.bar(positions, values, width * 0.92, color=_colour(name, index), label=name)
        _bar_labels(axes, bars, values)
    first = next(iter(engines.values()))
    axes.set_xticks(
        range(len(categories)),
        [f"{c.replace('_', ' ')}\n({first[c]['rows']} rows)" for c in categories],
        fontsize=8,
    )
    axes.set_ylim(0, 1.12)
    axes.set_ylabel("share of rows passed")
    axes.set_title(f"The challenge set ({data['rows']} rows): pass rate per category", fontsize=10)
    axes.grid(axis="y", color="#dddddd", lw=0.6)
    axes.set_axisbelow(True)
    figure.legend(loc="lower center", ncols=len(engines), frameon=False)
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    return figure


DRAW: dict[str, Callable[[Mapping[str, Any]], Figure]] = {
    "accuracy": draw_accuracy,
    "reliability": draw_reliability,
    "challenge": draw_challenge,
}
"""How each image is drawn from its figures."""


def figures_text(data: Mapping[str, Any]) -> str:
    """The JSON stored beside an image: indented, UTF-8, ending with a newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_plots(figures: Mapping[str, Any], directory: Path) -> list[Path]:
    """Draw each image of :func:`plot_data` into ``directory`` as ``<name>.png``, beside
    ``<name>.json`` (the figures drawn); return the paths written, in order.

    Each PNG's ``Description`` text chunk is ``drawn from <name>.json, sha256 <hex>``: the
    SHA-256 of that JSON file's bytes.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with plt.style.context("default"), matplotlib.rc_context(STYLE):
        for name, data in plot_data(figures).items():
            text = figures_text(data)
            source = directory / f"{name}.json"
            source.write_text(text, encoding="utf-8")
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            figure = DRAW[name](data)
            image = directory / f"{name}.png"
            figure.savefig(
                image,
                dpi=DPI,
                metadata={
                    "Software": None,
                    "Description": f"drawn from {name}.json, sha256 {digest}",
                },
            )
            plt.close(figure)
            written += [image, source]
    return written
