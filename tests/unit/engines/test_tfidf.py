"""The model engine: the standard-library scorer against scikit-learn, the committed model
file against training, and analyse(engine="model").

The scikit-learn tests rebuild the exported pipeline the way ``make train`` does
(``tools/train_model.py``, with the hyper-parameters recorded in the model file), from the
vaderSentiment 3.3.2 sdist, which pip downloads once into ``.cache/vader/``.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys

import pytest

from sentiment_api.analysis import analyse, split_sentences
from sentiment_api.engines.tfidf import EXPLAIN_TOP_N, MODEL, MODEL_PATH
from sentiment_api.evaluate import load_labelled_sentences
from support import DATA, ROOT

EDGE_CASES = [
    "",
    " ",
    "!!!",
    "?!.,;:",
    "😀😀",
    "Ünïcödé çafé naïve résumé",
    "Ǆ ß İstanbul ΣΑΣ",  # lowercasing changes these strings' length
    "\r\n\t",
    "\x00",
    "(" * 1000,
    "good " * 1000,
    "bad bad bad bad good",
    "1234 5678 90",
    "a b c d e",  # single-character tokens: none under the token pattern
    "zzqqxx wwvvkk",  # unknown words only
    "It was not good, not good at all.",
    "I_love_it __init__ snake_case",
    "١٢٣ العربية 中文 日本語",
]


def _load_training_module():
    spec = importlib.util.spec_from_file_location("train_model", ROOT / "tools" / "train_model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_model"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def training():
    """(training module, data split, record, hyper-parameters, fitted pipeline)."""
    train_model = _load_training_module()
    parts, record = train_model.prepare()
    params = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["training"]["hyperparameters"]
    pipeline = train_model.fit_final(parts, params)
    return train_model, parts, record, params, pipeline


@pytest.fixture(scope="module")
def texts() -> list[str]:
    shared = [s.text for s in load_labelled_sentences(DATA)]
    assert len(shared) == 3000
    return [*shared, *EDGE_CASES, " ".join(shared)[:5000]]


def test_tokenizer_is_the_vectorizers_own_analyzer(training, texts):
    analyzer = training[4][0].build_analyzer()
    for text in texts:
        assert MODEL.ngrams(text) == analyzer(text), text


def test_probabilities_equal_sklearn_predict_proba(training, texts):
    pipeline = training[4]
    expected = pipeline.predict_proba(texts)
    labels = pipeline.predict(texts)
    worst = 0.0
    for text, row, label in zip(texts, expected, labels, strict=True):
        ours = MODEL.score(text).probabilities
        for p, q in zip(ours, row, strict=True):
            worst = max(worst, abs(p - float(q)))
            assert abs(p - float(q)) <= 1e-12, text
        assert max(range(3), key=ours.__getitem__) == label, text
    print(f"largest |p - predict_proba| over {len(texts)} texts: {worst:.3g}")


def test_committed_model_file_is_what_training_produces(training):
    train_model, _, record, params, pipeline = training
    assert train_model.export(pipeline, params, record) == MODEL_PATH.read_bytes()


def test_training_data_never_includes_the_shared_sentences(training):
    train_model, parts, record, _, _ = training
    shared = {train_model.normalise(s.text) for s in load_labelled_sentences(DATA)}
    used = {train_model.normalise(row.text) for name in parts for row in parts[name]}
    assert not used & shared
    # The corpus does contain some of them: the removal is not vacuous.
    assert record["removed_overlap_with_shared_3000"] > 0
    everything = train_model.read_corpus(train_model.fetch_sdist())
    overlapping = [row for row in everything if train_model.normalise(row.text) in shared]
    assert len(overlapping) == record["removed_overlap_with_shared_3000"]


def test_split_is_disjoint_and_stratified_by_domain(training):
    train_model, parts, _, _, _ = training
    keys = {name: {(r.domain, r.id) for r in rows} for name, rows in parts.items()}
    assert not keys["train"] & keys["validation"]
    assert not keys["train"] & keys["test"]
    assert not keys["validation"] & keys["test"]
    for domain in train_model.DOMAINS:
        sizes = {name: sum(r.domain == domain for r in rows) for name, rows in parts.items()}
        total = sum(sizes.values())
        assert abs(sizes["test"] - 0.1 * total) <= 1
        assert abs(sizes["validation"] - 0.1 * total) <= 1


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("The food was great and the staff were lovely.", "positive"),
        ("Terrible service, I will never come back.", "negative"),
        ("This phone broke after two days, a waste of money.", "negative"),
        ("Highly recommended, I love it!", "positive"),
    ],
)
def test_model_labels_plain_sentences(text, label):
    assert analyse(text, engine="model").sentiment == label


@pytest.mark.parametrize("text", ["Great food.", "Not good at all.", "Terrible, never again."])
def test_model_result_fields(text):
    result = analyse(text, engine="model")
    negative, neutral, positive = MODEL.score(text).probabilities
    assert result.engine == "model"
    assert result.probabilities == {"positive": positive, "neutral": neutral, "negative": negative}
    assert math.isclose(sum(result.probabilities.values()), 1.0, abs_tol=1e-15)
    assert result.sentiment_score == positive - negative
    assert result.sentiment == max(result.probabilities, key=result.probabilities.__getitem__)
    assert result.neutral_threshold is None  # the most probable class, no threshold
    assert -1.0 <= result.sentiment_score <= 1.0
    assert result.subjectivity is None
    fields = result.as_dict()
    assert "subjectivity" not in fields
    assert fields["engine"] == "model"
    assert fields["probabilities"] == result.probabilities
    assert "neutral_threshold" not in fields
    assert "assessments" not in fields and "contributions" not in fields


@pytest.mark.parametrize("text", ["zzqqxx wwvvkk", "😀😀😀", "12345", "I"])
def test_text_without_known_ngrams_is_neutral_not_the_intercepts_side(text):
    # The intercepts alone say only how the classes were balanced, not anything about the text
    assert MODEL.score(text).features == ()
    assert MODEL.score(text).probabilities[1] != 1.0  # what the abstention replaces
    result = analyse(text, engine="model", explain=True)
    assert result.probabilities == {"positive": 0.0, "neutral": 1.0, "negative": 0.0}
    assert result.sentiment_score == 0.0 and result.sentiment == "neutral"
    assert result.contributions == ()


def test_a_sentence_without_known_ngrams_does_not_make_a_text_mixed():
    result = analyse("I love it. 😀", engine="model", sentences=True)
    assert result.sentences is not None
    assert [part.sentiment for part in result.sentences] == ["positive", "neutral"]
    assert result.mixed is False


def test_neutral_threshold_rule_applies_to_the_model_score():
    text = "The food was great but the service was slow."
    score = analyse(text, engine="model").sentiment_score
    assert analyse(text, engine="model", neutral_threshold=abs(score)).sentiment == "neutral"
    below = max(abs(score) - 1e-9, 0.0)
    expected = "positive" if score > 0 else "negative"
    assert analyse(text, engine="model", neutral_threshold=below).sentiment == expected


def test_explain_contributions_reproduce_the_log_odds():
    text = "The food was great. The service was not good at all, and the room was dirty!"
    result = analyse(text, engine="model", explain=True)
    assert result.contributions is not None and result.probabilities is not None
    verdict = MODEL.score(text)
    every = MODEL.contributions(verdict)
    assert len(every) > EXPLAIN_TOP_N
    assert [(c.ngram, c.contribution) for c in result.contributions] == every[:EXPLAIN_TOP_N]
    magnitudes = [abs(c.contribution) for c in result.contributions]
    assert magnitudes == sorted(magnitudes, reverse=True)
    p = result.probabilities
    log_odds = math.fsum(share for _, share in every) + MODEL.intercepts[2] - MODEL.intercepts[0]
    expected = math.log(p["positive"] / p["negative"])
    assert math.isclose(log_odds, expected, rel_tol=0, abs_tol=1e-9)
    assert result.assessments is None
    assert result.as_dict()["contributions"][0] == {
        "ngram": result.contributions[0].ngram,
        "contribution": result.contributions[0].contribution,
    }


@pytest.mark.parametrize("engine", ["textblob", "model"])
def test_sentences_are_scored_alone_with_the_chosen_engine(engine):
    text = "The food was great. The service was awful! Dr. Who ate at 5 p.m. and left."
    result = analyse(text, engine=engine, sentences=True)
    assert result.sentences is not None
    assert len(result.sentences) == len(split_sentences(text))
    for sentence in result.sentences:
        alone = analyse(sentence.text, engine=engine)
        assert sentence.sentiment_score == alone.sentiment_score
        assert sentence.sentiment == alone.sentiment
        assert sentence.probabilities == alone.probabilities
        assert sentence.subjectivity == alone.subjectivity
    labels = {s.sentiment for s in result.sentences}
    assert result.mixed == ("positive" in labels and "negative" in labels)
    listed = result.as_dict()["sentences"]
    assert ("subjectivity" in listed[0]) == (engine == "textblob")
    assert ("probabilities" in listed[0]) == (engine == "model")


def test_textblob_results_gain_nothing_but_their_engine():
    result = analyse("Happy New Year!", explain=True)
    assert result.engine == "textblob"
    fields = result.as_dict()
    assert fields["engine"] == "textblob"
    assert "probabilities" not in fields and "contributions" not in fields
    assert fields["subjectivity"] == 0.7272727272727273


@pytest.mark.parametrize("engine", ["", "TextBlob", "vader", None, "model "])
def test_unknown_engine_is_a_value_error(engine):
    with pytest.raises(ValueError, match="engine"):
        analyse("Great food.", engine=engine)


def test_cli_and_files_use_the_chosen_engine(tmp_path, capsys):
    from sentiment_api.__main__ import main

    assert main(["analyse", "--engine", "model", "--language", "off", "Great food."]) == 0
    assert json.loads(capsys.readouterr().out) == analyse("Great food.", engine="model").as_dict()
    source = tmp_path / "reviews.txt"
    source.write_text("Great food.\nTerrible.\n", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    argv = ["analyse-file", "--engine", "model", "--language", "off", str(source)]
    argv += ["-o", str(output)]
    assert main(argv) == 0
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {"line": 1, **analyse("Great food.", engine="model").as_dict()},
        {"line": 2, **analyse("Terrible.", engine="model").as_dict()},
    ]
    summary = json.loads((tmp_path / "out.summary.json").read_text(encoding="utf-8"))
    assert summary["options"]["engine"] == "model"


def test_evaluate_in_process_prints_the_table_for_the_model(capsys):
    from sentiment_api.evaluate import ConfusionTally, main

    sentences = load_labelled_sentences(DATA, limit=30)
    expected = ConfusionTally()
    for sentence in sentences:
        expected.add(analyse(sentence.text, engine="model").sentiment, sentence.gold)
    assert main(["--engine", "model", "--limit", "30"]) == 0
    assert expected.report("overall") in capsys.readouterr().out
