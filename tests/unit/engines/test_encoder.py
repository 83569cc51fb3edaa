"""The encoder engine: its committed artefacts against their manifest and the float model,
long texts in windows, answers that do not depend on the batch, and occlusion."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from sentiment_api.analysis import analyse, analyse_many
from sentiment_api.engines import encoder, get_engine
from sentiment_api.errors import EngineUnavailableError
from support import ROOT

REFERENCE = ROOT / "tests" / "data" / "encoder_reference.json"


@pytest.fixture(scope="module")
def model() -> encoder.EncoderModel:
    return encoder.EncoderModel()


def probabilities(model: encoder.EncoderModel, text: str) -> list[float]:
    return [float(p) for p in model.probabilities([text])[0]]


def test_the_committed_artefacts_are_the_manifests_and_the_heads_records():
    manifest = json.loads((encoder.ARTEFACTS / "manifest.json").read_text())
    assert sorted(manifest) == sorted(encoder.FILES)
    for name, entry in manifest.items():
        data = (encoder.ARTEFACTS / name).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["bytes"], entry["sha256"])
    head = json.loads((encoder.ARTEFACTS / "head.json").read_text())
    # The head was trained on this very int8 model's embeddings
    assert head["training"]["encoder_int8_sha256"] == manifest["encoder.int8.onnx"]["sha256"]
    assert head["classes"] == list(encoder.CLASSES)
    provenance = head["training"]["base_model"]
    files = provenance["files_sha256"]
    tokenizer = (encoder.ARTEFACTS / "tokenizer.json").read_bytes()
    assert files["tokenizer.json"] == hashlib.sha256(tokenizer).hexdigest()  # as published


def test_int8_embeddings_stay_close_to_the_float_model_on_the_reference_sample(model):
    # The float model's embeddings were recorded by tools/train_encoder.py (torch); here the
    # int8 model recomputes them, without torch
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert (
        reference["encoder_int8_sha256"]
        == hashlib.sha256((encoder.ARTEFACTS / "encoder.int8.onnx").read_bytes()).hexdigest()
    )
    floats = np.frombuffer(base64.b64decode(reference["float16_embeddings"]), dtype="<f2")
    floats = floats.reshape(len(reference["texts"]), encoder.DIMENSIONS).astype(np.float64)
    cosines = []
    for text, expected in zip(reference["texts"], floats, strict=True):
        (encoding,) = model.encode([text])
        assert len(encoding.ids) <= encoder.WINDOW_TOKENS  # one window each
        vector = model.embed(encoding.ids).astype(np.float64)
        cosines.append(float(vector @ expected / np.linalg.norm(expected)))
    # docs/model.md: mean >= 0.99 met; a per-text minimum of 0.99 is missed (0.97 at build)
    assert np.mean(cosines) >= 0.99
    assert min(cosines) >= 0.95
    assert math.isclose(min(cosines), reference["int8_cosine_min_at_build"], abs_tol=1e-3)


def test_probabilities_are_three_classes_summing_to_one_and_the_score_is_their_difference():
    result = analyse("The room was spotless and the staff were lovely.", engine="encoder")
    p = result.probabilities
    assert p is not None and set(p) == {"positive", "neutral", "negative"}
    assert math.isclose(sum(p.values()), 1.0, abs_tol=1e-12)
    assert result.sentiment_score == p["positive"] - p["negative"]
    assert result.sentiment == max(p, key=p.__getitem__) == "positive"


def test_a_texts_answer_does_not_depend_on_its_batch(model):
    texts = ["Great food.", "The worst hotel I have stayed in, dirty and loud.", "It's a table."]
    alone = [model.probabilities([text])[0] for text in texts]
    together = model.probabilities(texts)
    assert all(np.array_equal(a, b) for a, b in zip(alone, together, strict=True))
    batch = analyse_many(texts, engine="encoder")
    assert [r.as_dict() for r in batch] == [  # type: ignore[union-attr]
        analyse(text, engine="encoder").as_dict() for text in texts
    ]


def test_a_long_text_is_read_in_windows_whose_halves_both_count(model):
    # Given 5,000 characters whose first half praises and second half complains
    praise = "The staff were wonderful and the room was spotless. " * 48
    complaint = "The food was cold, the service rude and the bill wrong. " * 45
    text = (praise + complaint)[:5000]
    (encoding,) = model.encode([text])
    windows = encoder._windows(text, encoding)

    # Then it is cut into several sentence-aligned windows of at most 254 tokens, all of it
    assert len(encoding.ids) > encoder.WINDOW_TOKENS and len(windows) > 1
    assert windows[0][0] == 0 and windows[-1][1] == len(encoding.ids)
    assert all(end - start <= encoder.WINDOW_TOKENS for start, end in windows)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    assert all(encoding.tokens[end - 1] in {".", "!", "?", "…", ";"} for _, end in windows[:-1])

    # And the answer is the token-weighted mean of the windows' class log-probabilities
    ids = encoding.ids
    logs = model.log_probabilities(np.stack([model.embed(ids[s:e]) for s, e in windows]))
    weights = np.array([e - s for s, e in windows], dtype=np.float64)
    combined = (logs * weights[:, None]).sum(axis=0) / weights.sum()
    expected = np.exp(combined - combined.max())
    expected /= expected.sum()
    got = model.probabilities([text])[0]
    assert np.allclose(got, expected, rtol=0, atol=1e-12)
    # Neither half alone decides it: nothing was truncated
    first, second = probabilities(model, praise[:2500]), probabilities(model, complaint[:2500])
    assert first[2] > got[2] > second[2]


def test_explain_gives_each_words_effect_on_the_score_and_each_sentence(model):
    text = "The food was great. The service was awful!"
    result = analyse(text, engine="encoder", explain=True)
    effects = result.effects
    assert effects is not None and result.sentences is not None  # explain scores sentences
    assert [s.text for s in result.sentences] == ["The food was great.", "The service was awful!"]
    words = {effect.word: effect.effect for effect in effects}
    assert set(words) == set(text.split())
    assert words["great."] > 0 > words["awful!"]
    for effect in effects:
        assert text[effect.offset : effect.offset + effect.length] == effect.word
    magnitudes = [abs(effect.effect) for effect in effects]
    assert magnitudes == sorted(magnitudes, reverse=True)
    # An effect is the text's own score less the score without the word, alone
    great = next(e for e in effects if e.word == "great.")
    without = text[: great.offset] + text[great.offset + great.length :]
    p, q = probabilities(model, text), probabilities(model, " ".join(without.split()))
    assert math.isclose(great.effect, (p[2] - p[0]) - (q[2] - q[0]), abs_tol=0.02)
    assert result.as_dict()["effects"][0] == effects[0].as_dict()


def test_explain_leaves_long_texts_to_their_sentences():
    text = "The room was clean and the bed comfortable. " * 10  # over 64 tokens
    result = analyse(text, engine="encoder", explain=True)
    assert result.effects == ()
    assert result.sentences is not None and len(result.sentences) == 10


def test_artefacts_that_do_not_match_the_manifest_are_refused(tmp_path):
    root = tmp_path / "encoder"
    shutil.copytree(encoder.ARTEFACTS, root)
    head = root / "head.json"
    head.write_text(head.read_text().replace('"coef":[[', '"coef":[[1.0,', 1))
    with pytest.raises(ValueError, match=r"head\.json: SHA-256"):
        encoder.EncoderModel(root)
    (root / "tokenizer.json").unlink()
    with pytest.raises(OSError):
        encoder.EncoderModel(root)


def test_an_engine_that_cannot_load_is_unavailable_and_the_others_answer(tmp_path, monkeypatch):
    broken = tmp_path / "encoder"
    broken.mkdir()
    monkeypatch.setattr(encoder, "ARTEFACTS", Path(broken))
    monkeypatch.setattr(encoder.EncoderModel.__init__, "__defaults__", (Path(broken),))
    get_engine.cache_clear()
    try:
        with pytest.raises(EngineUnavailableError) as unavailable:
            analyse("Great food.", engine="encoder")
        assert unavailable.value.code == "engine_unavailable"
        assert isinstance(unavailable.value.__cause__, OSError)
        assert analyse("Great food.", engine="model").sentiment == "positive"
    finally:
        get_engine.cache_clear()
