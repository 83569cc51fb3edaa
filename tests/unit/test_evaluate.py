"""``make evaluate`` (sentiment_api.evaluate): the side-by-side table against analyse() run
directly, the language check's false-refusal counter, the challenge set (its file and its
runner), VADER's held-out figures, and the ``--url`` smoke test against a local HTTP server that
answers through the real Lambda handler."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from sentiment_api import evaluate, language
from sentiment_api.analysis import AUTO, analyse
from sentiment_api.engines import ENGINE_NAMES
from sentiment_api.errors import UnsupportedLanguageError
from sentiment_api.evaluate import (
    CHALLENGE,
    CHALLENGE_CATEGORIES,
    CHALLENGE_COLUMNS,
    CHALLENGE_EXPECTED,
    REFUSED,
    LabelledSentence,
    challenge_figures,
    false_refusals,
    load_challenge,
    load_labelled_sentences,
    main,
    uci_figures,
)
from support import DATA, ROOT, run_python, serve_wsgi, wsgi_app

FRENCH = "Le service était vraiment excellent et le personnel très aimable avec nous."
GERMAN = "Das Hotel war sauber, aber das Frühstück war leider kalt und teuer."
PRAISE = "I absolutely loved this wonderful hotel and its friendly staff."
NON_ENGLISH_LANGUAGES = {"fr", "de", "es", "it", "pt", "nl", "pl", "tr", "ru", "sv"}


def answer(text: str, engine: str, language_option: str | None = None) -> str:
    """What the service answers for ``text``: its default label, or refused."""
    try:
        return analyse(text, engine=engine, language=language_option).sentiment
    except UnsupportedLanguageError:
        return REFUSED


def tiny_challenge(folder: Path) -> Path:
    """A challenge file of two rows: a French row to refuse, an English one labelled wrongly."""
    path = folder / "tiny.tsv"
    path.write_text(
        "category\texpected\tlanguage\ttext\n"
        f"non_english\trefused\tfr\t{FRENCH}\n"
        f"negation\tnegative\ten\t{PRAISE}\n",
        encoding="utf-8",
    )
    return path


# ---- the UCI sentences, side by side ----------------------------------------------------------


def test_side_by_side_table_cells_equal_analyse_run_directly(capsys):
    # Given the first sentences of each file, scored by each engine directly
    sentences = load_labelled_sentences(DATA, limit=8)
    expected: dict[str, dict[str, list[str]]] = {}
    for engine in ENGINE_NAMES:
        trained = analyse("A sentence.", engine=engine).probabilities is not None
        groups: dict[str, list[LabelledSentence]] = {}
        for sentence in sentences:
            groups.setdefault(sentence.source, []).append(sentence)
        groups["overall"] = sentences
        expected[engine] = {}
        for source, chosen in groups.items():
            results = [analyse(s.text, engine=engine) for s in chosen]
            signs = [analyse(s.text, engine=engine, neutral_threshold=0.0) for s in chosen]
            right = sum(r.sentiment == s.gold for r, s in zip(results, chosen, strict=True))
            neutral = sum(r.sentiment == "neutral" for r in results)
            cells = [f"{right / len(chosen):.3f}", str(neutral)]
            if trained:
                sign = sum(r.sentiment == s.gold for r, s in zip(signs, chosen, strict=True))
                cells.append(f"{sign / len(chosen):.3f}")
            expected[engine][source] = cells

    # When make evaluate runs without --engine
    assert main(["--limit", "8"]) == 0
    out = capsys.readouterr().out

    # Then one table holds every engine, in registry order, and each row's cells are those
    titles = next(line for line in out.splitlines() if line.startswith(" ") and "|" in line)
    assert [t.strip() for t in titles.split("|")[1:]] == list(ENGINE_NAMES)
    for source in [*dict.fromkeys(s.source for s in sentences), "overall"]:
        line = next(line for line in out.splitlines() if line.startswith(source + " "))
        printed = [cell.split() for cell in line.split("|")[1:]]
        assert printed == [expected[engine][source] for engine in ENGINE_NAMES], source


def test_uci_figures_are_the_printed_figures_as_data():
    sentences = load_labelled_sentences(DATA, limit=5)
    figures = uci_figures(sentences, ("textblob", "model"))
    overall = figures["engines"]["model"]["files"]["overall"]
    results = [analyse(s.text, engine="model") for s in sentences]
    signs = [analyse(s.text, engine="model", neutral_threshold=0.0) for s in sentences]
    assert overall["correct"] == sum(
        r.sentiment == s.gold for r, s in zip(results, sentences, strict=True)
    )
    assert overall["sign_correct"] == sum(
        r.sentiment == s.gold for r, s in zip(signs, sentences, strict=True)
    )
    assert overall["accuracy"] == overall["correct"] / len(sentences)
    assert figures["engines"]["textblob"]["files"]["overall"]["sign_accuracy"] is None
    assert figures["engines"]["model"]["trained"] is True
    assert figures["engines"]["textblob"]["trained"] is False


def test_reliability_bins_the_predictions_and_weighs_the_calibration_error():
    predicted = [0.05, 0.15, 0.15, 0.95, 1.0]
    positive = [False, True, False, True, True]

    figures = evaluate.reliability(predicted, positive, bins=10)

    bins = figures["bins"]
    assert [(b["low"], b["high"]) for b in bins][:2] == [(0.0, 0.1), (0.1, 0.2)]
    assert [b["texts"] for b in bins] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]  # 1.0 in the last bin
    assert (bins[1]["mean_predicted"], bins[1]["observed_positive"]) == (pytest.approx(0.15), 0.5)
    assert (bins[2]["mean_predicted"], bins[2]["observed_positive"]) == (None, None)
    assert figures["ece"] == pytest.approx((1 * 0.05 + 2 * 0.35 + 2 * 0.025) / 5)
    assert figures["texts"] == 5
    with pytest.raises(ValueError, match="outside"):
        evaluate.reliability([1.5], [True])


def test_a_trained_engines_reliability_is_of_p_positive_once_neutral_is_set_aside():
    sentences = load_labelled_sentences(DATA, limit=20)
    figures = uci_figures(sentences, ("textblob", "model"))
    predicted, positive = [], []
    for sentence in sentences:
        p = analyse(sentence.text, engine="model").probabilities
        assert p is not None
        if p["positive"] + p["negative"] > 0:
            predicted.append(p["positive"] / (p["positive"] + p["negative"]))
            positive.append(sentence.gold == "positive")
    expected = evaluate.reliability(predicted, positive)
    assert figures["engines"]["model"]["reliability"] == {
        **expected,
        "left_out": len(sentences) - len(predicted),
    }
    assert figures["engines"]["textblob"]["reliability"] is None


def test_the_engine_option_keeps_the_confusion_matrices(capsys):
    sentences = load_labelled_sentences(DATA, limit=10)
    expected = evaluate.ConfusionTally()
    for sentence in sentences:
        expected.add(analyse(sentence.text, engine="encoder").sentiment, sentence.gold)
    assert main(["--engine", "encoder", "--limit", "10"]) == 0
    assert expected.report("overall") in capsys.readouterr().out


# ---- false refusals ---------------------------------------------------------------------------


def test_false_refusal_counter_matches_the_language_identifier(capsys):
    # Given English sentences, and two non-English ones planted so that something is refused
    sample = load_labelled_sentences(DATA, limit=60)
    sample += [LabelledSentence("planted", FRENCH, "positive")]
    sample += [LabelledSentence("planted", GERMAN, "negative")]
    refused = [s for s in sample if language.identify(s.text).refused]
    assert refused  # the test counts something

    figures = false_refusals([(s.source, s.text) for s in sample])

    assert figures["refused"] == len(refused)
    assert figures["texts"] == len(sample)
    assert figures["rate"] == len(refused) / len(sample)
    assert [(e["source"], e["text"]) for e in figures["examples"]] == [
        (s.source, s.text) for s in refused
    ]
    assert [e["language"] for e in figures["examples"]] == [
        language.identify(s.text).code for s in refused
    ]
    printed = evaluate.format_refusals(figures, "sentences")
    assert f"it refuses {len(refused)} of the {len(sample)} sentences" in printed
    for sentence in refused:
        assert sentence.text in printed


# ---- the challenge set ------------------------------------------------------------------------


def test_the_challenge_file_is_valid():
    raw = CHALLENGE.read_bytes()
    text = raw.decode("utf-8")  # UTF-8, or this raises
    assert "\r" not in text and text.endswith("\n") and not text.startswith("\ufeff")
    lines = text[:-1].split("\n")
    assert tuple(lines[0].split("\t")) == CHALLENGE_COLUMNS
    seen: set[str] = set()
    languages: Counter[str] = Counter()
    for number, line in enumerate(lines[1:], start=2):
        columns = line.split("\t")
        assert len(columns) == 4, number
        category, expected, code, sentence = columns
        assert category in CHALLENGE_CATEGORIES, number
        assert expected in CHALLENGE_EXPECTED, number
        assert sentence and sentence == sentence.strip(), number
        key = " ".join(sentence.lower().split())
        assert key not in seen, f"line {number} repeats a text: {sentence}"
        seen.add(key)
        if category == "non_english":
            assert (code, expected) in {(c, REFUSED) for c in NON_ENGLISH_LANGUAGES}, number
            assert 4 <= len(sentence.split()) <= 30, number
            languages[code] += 1
        else:
            assert (code, expected != REFUSED) == ("en", True), number
    assert languages == dict.fromkeys(NON_ENGLISH_LANGUAGES, 10)
    assert len(load_challenge()) == len(lines) - 1


def test_the_challenge_documents_counts_are_the_files():
    # CHALLENGE.md's table of counts per category x expected label, and its row total
    doc = (CHALLENGE.parent / "CHALLENGE.md").read_text(encoding="utf-8")
    table = doc.split("## Counts", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip(" *") for cell in line.strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| category")
    ]
    rows_of = Counter((row.category, row.expected) for row in load_challenge())
    documented = {row[0]: [int(n) for n in row[1:]] for row in rows}
    for category in CHALLENGE_CATEGORIES:
        per_label = [rows_of[category, label] for label in CHALLENGE_EXPECTED]
        assert documented[category] == [*per_label, sum(per_label)], category
    total = len(load_challenge())
    assert documented["total"][-1] == total
    assert f"{total} rows |" in doc


def test_the_challenge_runner_passes_a_refused_row_and_fails_a_wrong_label(tmp_path, capsys):
    # Given a tiny challenge file: a French row to refuse, an English one labelled wrongly
    path = tiny_challenge(tmp_path)
    assert answer(FRENCH, "model", AUTO) == REFUSED
    assert answer(PRAISE, "model", AUTO) != "negative"

    # When the runner scores it
    figures = challenge_figures(load_challenge(path), ("model",))["engines"]["model"]

    # Then the refusal passes and the wrong label fails, and both are counted
    assert figures["categories"]["non_english"] == {"rows": 1, "passed": 1, "pass_rate": 1.0}
    assert figures["categories"]["negation"] == {"rows": 1, "passed": 0, "pass_rate": 0.0}
    assert figures["categories"]["overall"]["passed"] == 1
    assert [(f["text"], f["answer"]) for f in figures["failures"]] == [
        (PRAISE, answer(PRAISE, "model", AUTO))
    ]
    assert figures["non_english_refused"] == 1.0
    assert figures["targets"]["non_english_refused"]["met"] is True
    assert figures["targets"]["negation"] == {"figure": 0.0, "minimum": 0.85, "met": False}

    # And the command prints the pass rates, the targets and, with --verbose, the failure
    argv = ["--challenge", "--challenge-file", str(path), "--engine", "model", "--verbose"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert re.search(r"^non_english\s+1\s+\|\s+1\.000 \(1\)$", out, re.MULTILINE)
    assert re.search(r"^negation\s+1\s+\|\s+0\.000 \(0\)$", out, re.MULTILINE)
    assert "negation rows passed >= 0.85: model 0.000 MISSED" in out
    assert "non-English rows refused >= 1.00: model 1.000 met" in out
    assert PRAISE in out and FRENCH not in out


def test_the_challenge_set_is_scored_by_every_engine_with_the_language_check():
    rows = load_challenge()[::13]  # every category, a few rows each
    figures = challenge_figures(rows)
    for engine in ENGINE_NAMES:
        passed = sum(answer(row.text, engine, AUTO) == row.expected for row in rows)
        assert figures["engines"][engine]["categories"]["overall"]["passed"] == passed
    trained = [e for e in ENGINE_NAMES if evaluate.trained_band(e) is not None]
    assert figures["best_trained"] == max(
        trained, key=lambda e: figures["engines"][e]["categories"]["overall"]["passed"]
    )


def test_a_malformed_challenge_file_is_refused(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("category\texpected\ttext\nnegation\tpositive\tfine\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        load_challenge(path)
    path.write_text("category\texpected\tlanguage\ttext\nnegation\tpositive\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.tsv:2"):
        load_challenge(path)


# ---- VADER's held-out sentences ---------------------------------------------------------------


def test_plot_needs_tools_only_when_asked_and_runs_in_process(monkeypatch, tmp_path):
    monkeypatch.setattr(evaluate, "REPOSITORY", tmp_path)
    with pytest.raises(ModuleNotFoundError, match=r"--plot needs .*tools/plots\.py"):
        main(["--plot", "--plot-dir", str(tmp_path)])
    for other in (["--url", "http://127.0.0.1:1"], ["--engine", "model"], ["--vader"], ["--json"]):
        with pytest.raises(SystemExit):
            main(["--plot", *other])


def test_vader_needs_tools_only_when_asked(monkeypatch, tmp_path):
    # Importing the module imports nothing of tools/ (the Lambda image has none)
    out = run_python("import sys, sentiment_api.evaluate; print('tools' in sys.modules)")
    assert out.strip() == "False"
    monkeypatch.setattr(evaluate, "REPOSITORY", tmp_path)
    with pytest.raises(ModuleNotFoundError, match=r"tools/train_model\.py"):
        evaluate.train_model_module()
    with pytest.raises(SystemExit):
        main(["--vader", "--url", "http://127.0.0.1:1"])


def test_trained_bands_are_read_from_the_artefacts():
    import json

    from sentiment_api.engines import encoder, tfidf

    model = json.loads(tfidf.MODEL_PATH.read_text(encoding="utf-8"))
    head = json.loads((encoder.ARTEFACTS / "head.json").read_text(encoding="utf-8"))
    assert evaluate.trained_band("model") == model["training"]["hyperparameters"]["band"]
    assert evaluate.trained_band("encoder") == head["training"]["chosen"]["band"]
    assert evaluate.trained_band("textblob") is None


def test_vader_figures_are_held_out_figures_of_the_engines_as_served():
    from tools import train_model

    # prepare() downloads the vaderSentiment sdist into .cache/vader/ the first time (pip, hashed)
    rows = train_model.prepare()[0]["test"]
    figures = evaluate.vader_figures(("textblob", "model"), rows)
    band = evaluate.trained_band("model")
    assert band is not None
    for engine in ("textblob", "model"):

        def predict(texts, engine=engine):
            return [train_model.CLASSES.index(answer(t, engine)) for t in texts]

        assert figures["engines"][engine]["band"] == band
        assert figures["engines"][engine]["domains"] == train_model.held_out_figures(
            rows, predict, band
        )
    assert figures["engines"]["textblob"]["band_from"] == "model"
    refused = [row.text for row in rows if language.identify(row.text).refused]
    assert [e["text"] for e in figures["language"]["examples"]] == refused


# ---- over HTTP --------------------------------------------------------------------------------


@pytest.fixture
def local_api():
    """A local HTTP server on 127.0.0.1 that answers through the real Lambda handler."""
    from sentiment_api.handlers import api

    with serve_wsgi(wsgi_app(api.lambda_handler)) as url:
        yield url


def test_url_mode_reports_what_the_deployment_answers(local_api, capsys, deployment):
    deployment()  # the defaults: textblob, the language check on
    sentences = load_labelled_sentences(DATA, limit=5)
    expected = evaluate.ConfusionTally()
    for sentence in sentences:
        expected.add(answer(sentence.text, "textblob", AUTO), sentence.gold)

    assert main(["--url", local_api, "--limit", "5", "--concurrency", "1"]) == 0

    out = capsys.readouterr().out
    assert expected.report("overall") in out
    assert "requests/s" in out


def test_url_mode_counts_failed_requests_and_exits_1(local_api, capsys, deployment):
    # Given a deployment that answers 413 to texts over 40 characters
    deployment(MAX_TEXT_LENGTH="40")
    sentences = load_labelled_sentences(DATA, limit=5)
    too_long = sum(len(s.text) > 40 for s in sentences)
    assert 0 < too_long < len(sentences)

    status = main(["--url", local_api, "--limit", "5", "--concurrency", "1", "--engine", "model"])

    captured = capsys.readouterr()
    assert status == 1
    assert f"FAILED REQUESTS {too_long}" in captured.out
    assert f"failed: {too_long} x HTTP 413 text_too_long" in captured.err


def test_url_mode_runs_the_challenge_and_a_422_refusal_passes(local_api, tmp_path, capsys):
    path = tiny_challenge(tmp_path)
    argv = ["--url", local_api, "--challenge", "--challenge-file", str(path), "--verbose"]
    assert main([*argv, "--concurrency", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^non_english\s+1\s+\|\s+1\.000 \(1\)$", out, re.MULTILINE)
    assert re.search(r"^negation\s+1\s+\|\s+0\.000 \(0\)$", out, re.MULTILINE)
    assert "non-English rows refused >= 1.00: deployment 1.000 met" in out


def test_the_default_paths_point_into_the_checkout():
    assert Path(evaluate.DEFAULT_DATA) == DATA
    assert CHALLENGE == ROOT / "tests" / "data" / "challenge.tsv"
