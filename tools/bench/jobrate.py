"""Job input rates: bytes of input a second that
:func:`~sentiment_api.jobs.files.analyse_stream` reads with each engine, on kinds of lines from
the common to the costliest, in process on one CPU (a subprocess under ``taskset -c 0``): the
evidence for the job's size guard (``MIN_BYTES_PER_S`` in ``sentiment_api/jobs/settings.py``),
which must count on each engine's worst case.

Run by the bench as ``python -m tools.bench.jobrate <out.json> <seconds>``; each case is read
again until ``seconds`` have passed (once at least), with the job's default options otherwise
(the language check on, as the template's default ``LanguageCheck``).
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TypedDict

from sentiment_api import language
from sentiment_api.analysis import AUTO
from sentiment_api.engines import ENGINE_NAMES, get_engine
from sentiment_api.jobs.files import JobOptions, analyse_stream
from sentiment_api.jobs.settings import MIN_BYTES_PER_S, detail_of
from sentiment_api.settings import get_settings

from .common import ROOT, real_texts, real_texts_of

SHORT_WORDS = (
    "i", "a", "it", "is", "so", "my", "no", "do", "go", "up", "we", "me", "he", "an", "as", "at",
    "be", "by", "if", "in", "of", "on", "or", "to", "us",
)  # fmt: skip
"""English words of one word-piece token each (:func:`measure` checks it on the encoder)."""


class Case(TypedDict):
    lines: list[str]
    sentences: bool
    explain: bool
    guarded: bool
    """Whether ``MIN_BYTES_PER_S`` must hold for it (not for lines of one character: the
    per-document cost the guard does not count, reported for the record)."""


class Rate(TypedDict):
    bytes: int
    """Input bytes read in all (the case's file, read ``passes`` times)."""
    passes: int
    seconds: float
    documents: int
    errors: int
    """Documents that were not analysed (e.g. refused as not English): they cost little, so a
    case with many would overstate the rate."""
    bytes_per_s: float


class JobRates(TypedDict):
    cpu: str
    min_bytes_per_s_today: dict[str, int]
    """``MIN_BYTES_PER_S`` by :func:`guard_key`."""
    case_bytes: dict[str, int]
    """Bytes of one pass of each case."""
    rates: dict[str, dict[str, Rate]]
    """By case, then by engine."""
    worst_bytes_per_s: dict[str, float]
    """By :func:`guard_key`: the slowest guarded case of that engine at that detail."""


def guard_key(engine: str, detail: str) -> str:
    """``MIN_BYTES_PER_S``'s ``(engine, detail)`` as a JSON key: ``"model, plain"``."""
    return f"{engine}, {detail}"


def case(lines: list[str], sentences: bool, explain: bool, guarded: bool = True) -> Case:
    return {"lines": lines, "sentences": sentences, "explain": explain, "guarded": guarded}


def cases(texts: list[str]) -> dict[str, Case]:
    """The kinds of lines, from the common to the costliest, at each detail (the encoder's cost
    is per session run: one per window, per sentence with ``sentences``, per word of a text of
    at most 64 tokens with ``explain``)."""
    cap = get_settings().max_text_length
    rng = random.Random(11)
    words_64 = [" ".join(rng.choice(SHORT_WORDS) for _ in range(64)) for _ in range(12)]
    long_texts = real_texts_of(cap, texts, 40)
    smileys = [":)! " * (cap // 4)] * 5
    return {
        "shared review sentences (3,000 .txt lines)": case(texts, False, False),
        f"lines of {cap:,} characters of review text (40)": case(long_texts, False, False),
        f"lines of {cap:,} x ':)! ' (5)": case(smileys, False, False),
        "lines of one character, 'a' (3,000), not guarded": case(["a"] * 3000, False, False, False),
        "shared review sentences (first 300), sentences": case(texts[:300], True, False),
        f"lines of {cap:,} x ':)! ' (5), sentences": case(smileys, True, False),
        "shared review sentences (first 300), sentences + explain": case(texts[:300], True, True),
        "64 one-token English words a line (12), sentences + explain": case(words_64, True, True),
        f"lines of {cap:,} x ':)! ' (5), sentences + explain": case(smileys, True, True),
    }


def rate_of(data: bytes, options: JobOptions, seconds: float) -> Rate:
    """Read ``data`` (a ``.txt``) with ``options`` again and again until ``seconds`` have
    passed, the results written to /dev/null."""
    passes = documents = errors = 0
    elapsed = 0.0
    with open(os.devnull, "w", encoding="utf-8") as sink:
        while passes == 0 or elapsed < seconds:
            start = time.perf_counter()
            tally = analyse_stream(io.BytesIO(data), sink, "txt", options)
            elapsed += time.perf_counter() - start
            passes += 1
            documents += tally.documents
            errors += sum(tally.errors.values())
    return {
        "bytes": len(data) * passes,
        "passes": passes,
        "seconds": elapsed,
        "documents": documents,
        "errors": errors,
        "bytes_per_s": len(data) * passes / elapsed,
    }


def measure(seconds: float) -> JobRates:
    """Every case with every engine, in this process (its engines and the identifier loaded
    first, as a job's init does)."""
    language.identifier()
    for engine in ENGINE_NAMES:
        get_engine(engine)
    if "encoder" in ENGINE_NAMES:
        from sentiment_api.engines.encoder import EncoderEngine

        encoder = get_engine("encoder")
        assert isinstance(encoder, EncoderEngine)
        assert all(len(e.ids) == 1 for e in encoder.model.encode(list(SHORT_WORDS))), SHORT_WORDS
    cap = get_settings().max_text_length
    rates: dict[str, dict[str, Rate]] = {}
    sizes: dict[str, int] = {}
    details: dict[str, str] = {}
    guarded: dict[str, bool] = {}
    for name, case in cases(real_texts()).items():
        data = "".join(line + "\n" for line in case["lines"]).encode()
        sizes[name] = len(data)
        details[name] = detail_of(case["sentences"], case["explain"])
        guarded[name] = case["guarded"]
        rates[name] = {
            engine: rate_of(
                data,
                JobOptions(
                    sentences=case["sentences"],
                    explain=case["explain"],
                    max_text_length=cap,
                    engine=engine,
                    language=AUTO,
                ),
                seconds,
            )
            for engine in ENGINE_NAMES
        }
    return {
        "cpu": "taskset -c 0",
        "min_bytes_per_s_today": {guard_key(*key): rate for key, rate in MIN_BYTES_PER_S.items()},
        "case_bytes": sizes,
        "rates": rates,
        "worst_bytes_per_s": {
            guard_key(engine, detail): min(
                by_engine[engine]["bytes_per_s"]
                for name, by_engine in rates.items()
                if guarded[name] and details[name] == detail
            )
            for engine, detail in MIN_BYTES_PER_S
        },
    }


def measure_job_rates(seconds: float) -> JobRates:
    """:func:`measure` in a subprocess on CPU 0 alone (``taskset -c 0``)."""
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "rates.json"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        subprocess.run(
            ["taskset", "-c", "0", sys.executable, "-m", "tools.bench.jobrate", str(out),
             str(seconds)],
            cwd=ROOT, env=env, check=True, timeout=1800,
        )  # fmt: skip
        rates: JobRates = json.loads(out.read_text())
    return rates


def main() -> None:
    out, seconds = Path(sys.argv[1]), float(sys.argv[2])
    out.write_text(json.dumps(measure(seconds)))


if __name__ == "__main__":
    main()
