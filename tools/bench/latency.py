"""Warm latency: in process (the handler and ``analyse()`` alone) and round trips through the
emulator; the worst cases at the cap; the analysis engines compared in process (each text
length, and batches at the cap); and the language identifier's own cost per text."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import time
from collections.abc import Callable
from typing import Any, TypedDict

from sentiment_api import language
from sentiment_api.analysis import AUTO, analyse
from sentiment_api.engines import ENGINE_NAMES, get_engine
from sentiment_api.handlers import api

from .common import (
    Event,
    FakeLambdaContext,
    Summary,
    analyse_event,
    batch_cases,
    post_event,
    real_text_of,
    rotations,
    running,
    summary,
)

TEXT_LENGTHS = (50, 500, 5000)
"""Characters of review text of the in-process warm figures."""
WORST_CASE_ENGINE = "model"
"""The engine the worst cases are measured with too, beside the deployment's default."""


class WarmInProcess(TypedDict):
    analyse_us: Summary
    handler_us: Summary
    overhead_p50_us: float


class ComprehendWarm(TypedDict):
    analyse_us: Summary
    """``POST /analyse``'s call of ``analyse()``: the language identified."""
    analyse_sentences_us: Summary
    """DetectSentiment's call: the same, with sentences (for MIXED)."""
    handler_analyse_us: Summary
    """The handler answering ``POST /analyse`` (its fast path)."""
    handler_detect_sentiment_us: Summary
    """The handler answering DetectSentiment (``POST /``, Comprehend's protocol)."""
    face_overhead_p50_us: float
    """DetectSentiment's handler overhead over its ``analyse()`` call, less ``POST /analyse``'s
    over its own (p50s): what the protocol face costs beyond the JSON API's fast path."""
    difference_p50_us: float
    """DetectSentiment's handler p50 less ``POST /analyse``'s: the face and its sentences."""


class EngineWarm(TypedDict):
    analyse_us: Summary
    handler_us: Summary


class EncoderInput(TypedDict):
    tokens: int
    windows: int


class Engines(TypedDict):
    warm_in_process: dict[str, dict[str, EngineWarm]]
    """By text length, then by engine."""
    encoder_input: dict[str, EncoderInput]
    """By text length: the word-piece tokens of the encoder's text, and its windows."""
    worst_case_ms: dict[str, Summary]
    """The worst cases with :data:`WORST_CASE_ENGINE`."""
    batch_at_cap_ms: dict[str, dict[str, Summary]]
    """By engine, then by case: :func:`measure_batches_at_cap`."""


def timed_calls(call: Callable[[], object], count: int) -> list[float]:
    """Microseconds of each of ``count`` calls."""
    samples = []
    for _ in range(count):
        start = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def measure_warm_in_process(texts: list[str], rounds: int) -> dict[str, WarmInProcess]:
    """µs per call of the handler and of ``analyse()`` alone, alternating blocks of 100."""
    context = FakeLambdaContext()
    figures: dict[str, WarmInProcess] = {}
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # EMF metric lines
        for length in TEXT_LENGTHS:
            text = real_text_of(length, texts)
            event = analyse_event(text)
            assert api.lambda_handler(event, context)["statusCode"] == 200
            calls: dict[str, Callable[[], object]] = {
                "analyse": functools.partial(analyse, text),
                "handler": functools.partial(api.lambda_handler, event, context),
            }
            samples: dict[str, list[float]] = {"analyse": [], "handler": []}
            block = 100 if length < 5000 else 10
            for name in rotations(list(calls), rounds):
                samples[name] += timed_calls(calls[name], block)
            analysed, handled = summary(samples["analyse"]), summary(samples["handler"])
            figures[str(length)] = {
                "analyse_us": analysed,
                "handler_us": handled,
                "overhead_p50_us": handled["median"] - analysed["median"],
            }
    return figures


COMPREHEND_TEXT_LENGTHS = (50, 500)
"""Characters of review text of the Comprehend comparison: DetectSentiment takes 5,000 bytes."""


def detect_sentiment_event(text: str) -> Event:
    """A DetectSentiment request as boto3 sends it (``POST /``, ``X-Amz-Target``, AWS JSON 1.1)."""
    event = post_event(json.dumps({"Text": text, "LanguageCode": "en"}), "/")
    event["headers"] = {
        **{k: v for k, v in event["headers"].items() if k.lower() != "content-type"},
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "Comprehend_20171127.DetectSentiment",
    }
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    return event


def measure_comprehend_warm(texts: list[str], rounds: int) -> dict[str, ComprehendWarm]:
    """µs per call, in process, at the deployment's defaults, of DetectSentiment through the
    handler against ``POST /analyse`` of the same text, and of the ``analyse()`` call each
    makes (DetectSentiment's has sentences: its MIXED rule), alternating blocks of 100."""
    context = FakeLambdaContext()
    figures: dict[str, ComprehendWarm] = {}
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # EMF metric lines
        for length in COMPREHEND_TEXT_LENGTHS:
            text = real_text_of(length, texts)
            post, detect = analyse_event(text), detect_sentiment_event(text)
            assert api.lambda_handler(post, context)["statusCode"] == 200
            answer = api.lambda_handler(detect, context)
            assert answer["statusCode"] == 200 and "Sentiment" in answer["body"], answer
            calls: dict[str, Callable[[], object]] = {
                "analyse": functools.partial(analyse, text, language=AUTO),
                "analyse sentences": functools.partial(
                    analyse, text, sentences=True, language=AUTO
                ),
                "handler analyse": functools.partial(api.lambda_handler, post, context),
                "handler detect": functools.partial(api.lambda_handler, detect, context),
            }
            samples: dict[str, list[float]] = {name: [] for name in calls}
            for name in rotations(list(calls), rounds):
                samples[name] += timed_calls(calls[name], 100)
            got = {name: summary(values) for name, values in samples.items()}
            median = {name: value["median"] for name, value in got.items()}
            figures[str(length)] = {
                "analyse_us": got["analyse"],
                "analyse_sentences_us": got["analyse sentences"],
                "handler_analyse_us": got["handler analyse"],
                "handler_detect_sentiment_us": got["handler detect"],
                "face_overhead_p50_us": (median["handler detect"] - median["analyse sentences"])
                - (median["handler analyse"] - median["analyse"]),
                "difference_p50_us": median["handler detect"] - median["handler analyse"],
            }
    return figures


def measure_warm_http(images: dict[str, str], requests: int, text: str) -> dict[str, Summary]:
    """Round trips (ms) to warm containers through the emulator, interleaved request by request."""
    event = analyse_event(text)
    samples: dict[str, list[float]] = {name: [] for name in images}
    with contextlib.ExitStack() as stack:
        functions = {name: stack.enter_context(running(image)) for name, image in images.items()}
        for function in functions.values():
            for _ in range(20):  # cold start and warm-up, not measured
                function.invoke(event)
        for name in rotations(list(images), requests):
            _, elapsed = functions[name].invoke(event)
            samples[name].append(elapsed * 1000)
    return {name: summary(values) for name, values in samples.items()}


def measure_worst_case(
    texts: list[str], repeats: int, engine: str | None = None
) -> dict[str, Summary]:
    """Milliseconds for the handler to answer requests at the caps, of the worst kinds: texts
    of 5,000 characters, with and without every option, and a batch of 25 of them; with
    ``engine``, each request names it (else the deployment's default)."""
    chosen: dict[str, Any] = {} if engine is None else {"engine": engine}
    everything: dict[str, Any] = {"sentences": True, "explain": True, **chosen}
    worst = "(" * 5000
    cases: dict[str, Event] = {
        "5,000 x '('": analyse_event(worst, **chosen),
        "5,000 emoji": analyse_event("😀" * 5000, **chosen),
        "1,000 x 'good '": analyse_event("good " * 1000, **chosen),
        "real review text": analyse_event(real_text_of(5000, texts), **chosen),
        "5,000 x '(', sentences + explain": analyse_event(worst, **everything),
        "5,000 x '. ', sentences + explain": analyse_event(". " * 2500, **everything),
        "real review text, sentences + explain": analyse_event(
            real_text_of(5000, texts), **everything
        ),
        "batch of 25 x 5,000 x '(', sentences + explain": analyse_event(
            None, "/analyse/batch", texts=[worst] * 25, **everything
        ),
    }
    context = FakeLambdaContext()
    figures: dict[str, Summary] = {}
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        for name, event in cases.items():
            assert api.lambda_handler(event, context)["statusCode"] == 200
            samples = timed_calls(functools.partial(api.lambda_handler, event, context), repeats)
            figures[name] = summary([sample / 1000 for sample in samples])
    return figures


def measure_engines_warm(texts: list[str], rounds: int) -> dict[str, dict[str, EngineWarm]]:
    """µs per call of ``analyse()`` and of the handler (``POST /analyse`` with ``engine``), for
    each engine, at 50, 500 and 5,000 characters of review text; the calls alternate in
    blocks (100 calls, 10 at 5,000 characters). In process, as the warm figures above."""
    context = FakeLambdaContext()
    figures: dict[str, dict[str, EngineWarm]] = {}
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # EMF metric lines
        for length in TEXT_LENGTHS:
            text = real_text_of(length, texts)
            calls: dict[str, Callable[[], object]] = {}
            for engine in ENGINE_NAMES:
                event = analyse_event(text, engine=engine)
                answer = api.lambda_handler(event, context)
                assert answer["statusCode"] == 200, answer
                assert json.loads(answer["body"])["engine"] == engine, answer
                calls[f"{engine} analyse"] = functools.partial(analyse, text, engine=engine)
                calls[f"{engine} handler"] = functools.partial(api.lambda_handler, event, context)
            samples: dict[str, list[float]] = {name: [] for name in calls}
            block = 100 if length < 5000 else 10
            for name in rotations(list(calls), rounds):
                samples[name] += timed_calls(calls[name], block)
            figures[str(length)] = {
                engine: {
                    "analyse_us": summary(samples[f"{engine} analyse"]),
                    "handler_us": summary(samples[f"{engine} handler"]),
                }
                for engine in ENGINE_NAMES
            }
    return figures


def encoder_input(texts: list[str]) -> dict[str, EncoderInput]:
    """The encoder's word-piece tokens and windows (of at most 254 tokens each) of the texts of
    :func:`measure_engines_warm`: a text of 5,000 characters is several windows."""
    from sentiment_api.engines.encoder import EncoderEngine, _windows

    engine = get_engine("encoder")
    assert isinstance(engine, EncoderEngine)
    figures: dict[str, EncoderInput] = {}
    for length in TEXT_LENGTHS:
        text = real_text_of(length, texts)
        (encoding,) = engine.model.encode([text])
        figures[str(length)] = {
            "tokens": len(encoding.ids),
            "windows": len(_windows(text, encoding)),
        }
    return figures


def measure_language(texts: list[str], rounds: int) -> dict[str, Summary]:
    """µs per :func:`sentiment_api.language.identify` call (the identifier alone, its model
    loaded), at 50, 500 and 5,000 characters of review text, alternating blocks of 100."""
    language.identifier()
    calls = {
        str(length): functools.partial(language.identify, real_text_of(length, texts))
        for length in TEXT_LENGTHS
    }
    samples: dict[str, list[float]] = {length: [] for length in calls}
    for length in rotations(list(calls), rounds):
        samples[length] += timed_calls(calls[length], 100)
    return {length: summary(values) for length, values in samples.items()}


def measure_batches_at_cap(texts: list[str], repeats: int) -> dict[str, dict[str, Summary]]:
    """Milliseconds for the handler to answer each of :func:`.common.batch_cases`, for every engine,
    in process (one run of each case first, checked and not counted)."""
    context = FakeLambdaContext()
    figures: dict[str, dict[str, Summary]] = {}
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        for engine in ENGINE_NAMES:
            figures[engine] = {}
            for name, event in batch_cases(texts, engine).items():
                answer = api.lambda_handler(event, context)
                assert answer["statusCode"] == 200, answer["body"][:300]
                body = json.loads(answer["body"])
                assert not body["errors"], body["errors"][:3]
                assert {result["engine"] for result in body["results"]} == {engine}
                samples = timed_calls(
                    functools.partial(api.lambda_handler, event, context), repeats
                )
                figures[engine][name] = summary([sample / 1000 for sample in samples])
    return figures
