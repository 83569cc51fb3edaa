"""What the README and docs/api.md show is what the service answers: each ``curl`` example's
printed answer equals the Lambda handler's answer to that request (at the default deployment),
and the README's first table holds the figures ``make evaluate`` computes."""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sentiment_api import evaluate
from sentiment_api.engines import ENGINE_NAMES
from support import ROOT, api_event, call

DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "api.md")
LOCAL = "http://127.0.0.1:3000"


@dataclass(frozen=True)
class Example:
    """A ``$ curl ...`` line (with its continuation lines) and the answer printed under it."""

    where: str
    method: str
    path: str
    body: str
    answer: Any
    headers: dict[str, str] | None = None


def examples(document: Path) -> list[Example]:
    """Every ``$ curl`` example against the local API in ``document``'s code blocks: the
    request (method, path, ``-H`` headers, body), and the JSON printed under it up to the next
    ``$`` line or the block's end (line breaks in it are the document's own, for reading)."""
    found = []
    for block in re.findall(r"^```\n(.*?)^```", document.read_text(encoding="utf-8"), re.M | re.S):
        for command, printed in re.findall(r"^\$ (.*?[^\\])\n(.*?)(?=^\$ |\Z)", block, re.M | re.S):
            words = shlex.split(command.replace("\\\n", " "))
            url = next((word for word in words if word.startswith(LOCAL)), None)
            if words[0] != "curl" or url is None:
                continue
            method = words[words.index("-X") + 1] if "-X" in words else "GET"
            body = words[words.index("-d") + 1] if "-d" in words else ""
            pairs = [words[i + 1].split(":", 1) for i, w in enumerate(words) if w == "-H"]
            headers = {name.strip(): value.strip() for name, value in pairs} or None
            answer = json.loads(printed.replace("\n", ""))
            where = f"{document.name}: {command.splitlines()[0][:60]}"
            found.append(Example(where, method, url.removeprefix(LOCAL), body, answer, headers))
    return found


EXAMPLES = [example for document in DOCUMENTS for example in examples(document)]


def test_the_documents_have_examples():
    assert {example.where.split(":")[0] for example in EXAMPLES} == {"README.md", "api.md"}
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.where for example in EXAMPLES])
def test_a_documented_answer_is_the_answer(example, deployment, lambda_context):
    deployment()  # the template's defaults
    made = api_event(example.method, example.path, example.body, headers=example.headers)
    status, _, body = call(made, lambda_context)
    assert status < 500
    assert body == example.answer


# ---- the README's first table -----------------------------------------------------------------


def readme_rows() -> dict[str, list[str]]:
    """The engines' rows of the README's first table, by engine: their cells."""
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `(\w+)`", line)
        if match and match.group(1) in ENGINE_NAMES and match.group(1) not in rows:
            rows[match.group(1)] = [cell.strip() for cell in line.strip("|").split("|")]
    return rows


def numbers(cell: str) -> list[float]:
    return [float(figure) for figure in re.findall(r"\d\.\d{3}", cell)]


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return evaluate.figures(vader=True, challenge=True)


def test_the_readme_table_shows_every_engine():
    assert list(readme_rows()) == list(ENGINE_NAMES)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_the_readme_table_holds_make_evaluates_figures(engine, figures):
    cells = readme_rows()[engine]
    uci = figures["uci"]["engines"][engine]["files"][evaluate.OVERALL]
    vader = figures["vader"]["engines"][engine]["domains"]["all"]
    challenge = figures["challenge"]["engines"][engine]
    printed = {
        "UCI, 2 classes (sign)": numbers(cells[2]),
        "UCI, as served": numbers(cells[3]),
        "VADER, 3 classes, macro-F1": numbers(cells[4]),
        "challenge": numbers(cells[5]),
    }
    computed = {
        "UCI, 2 classes (sign)": [uci["sign_accuracy"] or uci["accuracy"]],
        "UCI, as served": [uci["accuracy"]],
        "VADER, 3 classes, macro-F1": [vader["three_class_accuracy"], vader["macro_f1"]],
        "challenge": [
            challenge["categories"][evaluate.OVERALL]["pass_rate"],
            challenge["negation"],
            challenge["no_opinion_neutral"],
            challenge["non_english_refused"],
        ],
    }
    for key, values in computed.items():
        assert printed[key] == pytest.approx(values, abs=0.0005), key


# ---- the README's fan-out tables ---------------------------------------------------------------


def _approx(value: Any) -> Any:
    """``value`` with every float, however deep in dicts and lists, as ``pytest.approx``."""
    if isinstance(value, dict):
        return {key: _approx(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_approx(item) for item in value]
    return pytest.approx(value, rel=1e-9) if isinstance(value, float) else value


def test_the_readmes_fan_out_tables_are_what_the_bench_makes_of_its_stored_figures():
    """docs/figures/fanout.json is what ``python -m tools.bench.fanout --out`` wrote; the
    README's fan-out tables must be what the bench's model and report make of its measurement,
    at the prices in tools/bench/fanout.py and cost.py."""
    saved = dict(os.environ)  # tools.bench sets the function's environment when imported
    try:
        from tools.bench.fanout import model
        from tools.bench.report import fanout_table
    finally:
        os.environ.clear()
        os.environ.update(saved)
    stored = json.loads((ROOT / "docs" / "figures" / "fanout.json").read_text(encoding="utf-8"))
    figures = model(stored["measured"])
    # (to the float's last bits: Python 3.12's sum() rounds differently from 3.11's)
    assert figures["cost_per_million_usd"] == _approx(stored["cost_per_million_usd"])
    assert figures["modelled_wall_s"] == _approx(stored["modelled_wall_s"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    printed = [line for line in fanout_table(figures) if line]
    assert len(printed) >= 15
    missing = [line for line in printed if line not in readme]
    assert not missing, "run python -m tools.bench.fanout and update the README: " + "\n".join(
        missing
    )
    # Comprehend's price: $0.0001 per 100-character unit, at least 3 units a document
    assert figures["cost_per_million_usd"]["comprehend"]["total"] == 300.0
