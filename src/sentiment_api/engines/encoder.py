"""The ``encoder`` engine: the sentence encoder all-MiniLM-L6-v2 (Apache-2.0), quantised to int8
ONNX, plus a three-class logistic-regression head trained on VADER's human-rated sentences
(docs/model.md). Run time: onnxruntime, tokenizers and NumPy only (no torch, no transformers).

The artefacts (``data/encoder/``, written by ``make train-encoder``, ``tools/train_encoder.py``):
``encoder.int8.onnx`` (inputs ``input_ids`` and ``attention_mask``, int64 [batch, sequence];
output ``embedding``, float32 [batch, 384]: the last hidden state mean-pooled over the mask and
L2-normalised, inside the graph), ``tokenizer.json`` (the model's WordPiece tokenizer, as
published) and ``head.json`` (the head's classes, coefficients and intercepts). Each is checked
against ``manifest.json``'s SHA-256 before it is used.

Choices, measured (docs/performance.md):

- **One window per session run.** The int8 graph quantises its activations with one scale per
  input tensor, the whole batch and its padding included, so a text's answer in a batch would
  depend on its neighbours (58 of the 3,000 shared sentences changed label in batches of 16).
  Run alone, a text gets the same answer whatever request it came in, the answer the head was
  trained on; on one vCPU it is also faster (25 texts at the cap: 2.0 s alone, 2.6 s batched)
  and keeps memory flat.
- **No silent truncation.** The model reads 256 tokens, [CLS] and [SEP] included. A longer text
  is cut into windows of at most 254 word-piece tokens at sentence ends of the token stream
  (``.``, ``!``, ``?``, ``…``, ``;``, or a line break), packing whole sentences greedily; a
  sentence longer than a window is cut between words. Each window is scored alone, and the
  text's class log-probabilities are the token-weighted mean of its windows' (a weighted
  geometric mean of their distributions), renormalised.
- **Occlusion** (``explain``, texts of at most :data:`EXPLAIN_MAX_TOKENS` tokens): each word
  removed in turn and the variant scored alone, so that every effect is a difference from the
  very score the result gives. A word is a run of tokens with no whitespace between them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray
from tokenizers import Encoding, Tokenizer

from sentiment_api.engines.base import Effect, Verdict

ARTEFACTS = Path(__file__).with_name("data") / "encoder"
"""Where the packaged artefacts are."""
FILES = ("encoder.int8.onnx", "tokenizer.json", "head.json")
MAX_TOKENS = 256
"""all-MiniLM-L6-v2's max_seq_length (its sentence_bert_config.json), [CLS] and [SEP] included."""
WINDOW_TOKENS = MAX_TOKENS - 2
"""Word-piece tokens of text in one window."""
EXPLAIN_MAX_TOKENS = 64
"""Occlusion effects are given for texts of at most this many word-piece tokens."""
DIMENSIONS = 384
_SENTENCE_ENDS = frozenset({".", "!", "?", "…", ";"})
CLASSES = ("negative", "neutral", "positive")


def session_options() -> ort.SessionOptions:
    """One intra-op thread (a Lambda function of up to 1,769 MB has one vCPU), sequential
    execution, no spinning (a waiting thread would burn the vCPU), every graph optimisation:
    the level the head was trained with ("basic" moves scores by up to 0.03)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return options


def verified(root: Path) -> dict[str, bytes]:
    """The artefacts' bytes, each checked against ``manifest.json``.

    Raises:
        OSError: a file is missing. ValueError: a file's SHA-256 is not the manifest's.
    """
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    found = {}
    for name in FILES:
        data = (root / name).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != manifest[name]["sha256"]:
            raise ValueError(f"{name}: SHA-256 {digest}, expected {manifest[name]['sha256']}")
        found[name] = data
    return found


@dataclass(frozen=True, slots=True)
class _Window:
    text: int
    ids: list[int]


class EncoderModel:
    """The int8 encoder, its tokenizer and the head, loaded once from ``root``.

    Args:
        root: a folder holding :data:`FILES` and ``manifest.json``.

    Raises:
        OSError, ValueError: an artefact is missing or not the manifest's
            (:func:`verified`); onnxruntime's errors for a model it cannot load.
    """

    def __init__(self, root: Path = ARTEFACTS) -> None:
        files = verified(root)
        self.session = ort.InferenceSession(
            files["encoder.int8.onnx"],
            sess_options=session_options(),
            providers=["CPUExecutionProvider"],
        )
        self.tokenizer = Tokenizer.from_str(files["tokenizer.json"].decode("utf-8"))
        # The published tokenizer.json truncates and pads to 128 tokens: windows replace both.
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.cls_id, self.sep_id, self.pad_id = (
            self._token_id("[CLS]"),
            self._token_id("[SEP]"),
            self._token_id("[PAD]"),
        )
        head = json.loads(files["head.json"])
        if tuple(head["classes"]) != CLASSES:
            raise ValueError(f"the head's classes are {head['classes']}, not {CLASSES}")
        self.coef: NDArray[np.float64] = np.asarray(head["coef"], dtype=np.float64)
        self.intercept: NDArray[np.float64] = np.asarray(head["intercept"], dtype=np.float64)
        if self.coef.shape != (len(CLASSES), DIMENSIONS):
            raise ValueError(f"the head's coefficients are {self.coef.shape}")

    def _token_id(self, token: str) -> int:
        found = self.tokenizer.token_to_id(token)
        if found is None:
            raise ValueError(f"the tokenizer has no {token}")
        return int(found)

    def encode(self, texts: Sequence[str]) -> list[Encoding]:
        """Word-piece encodings, without special tokens, untruncated."""
        return list(self.tokenizer.encode_batch(list(texts), add_special_tokens=False))

    def embed(self, ids: Sequence[int]) -> NDArray[np.float32]:
        """The embedding of one window of word-piece ids (no special tokens), float32 [384],
        in one session run of its own."""
        input_ids = np.array([[self.cls_id, *ids, self.sep_id]], dtype=np.int64)
        mask = np.ones_like(input_ids)
        (embedding,) = self.session.run(None, {"input_ids": input_ids, "attention_mask": mask})
        vector: NDArray[np.float32] = embedding[0]
        return vector

    def log_probabilities(self, vectors: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
        """The head's class log-probabilities of embeddings, [n, 3] in :data:`CLASSES` order.

        Row by row: a matrix product over a stack would let BLAS sum in another order for
        another number of rows, and a text's answer must not depend on its batch to the bit."""
        rows = np.asarray(vectors, dtype=np.float64)
        z = np.stack([self.coef @ row for row in rows]) + self.intercept if len(rows) else rows
        z = z - z.max(axis=1, keepdims=True)
        logs: NDArray[np.float64] = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return logs

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Class probabilities per text, [len(texts), 3] in :data:`CLASSES` order; long texts
        combine their windows (module docstring)."""
        windows = self._windows_of(texts)
        if not windows:
            return np.zeros((0, len(CLASSES)))
        vectors = np.stack([self.embed(window.ids) for window in windows])
        logs = self.log_probabilities(vectors)
        total = np.zeros((len(texts), len(CLASSES)))
        weights = np.zeros(len(texts))
        for window, log in zip(windows, logs, strict=True):
            weight = max(len(window.ids), 1)
            total[window.text] += weight * log
            weights[window.text] += weight
        combined = total / weights[:, None]
        combined -= combined.max(axis=1, keepdims=True)
        exps = np.exp(combined)
        result: NDArray[np.float64] = exps / exps.sum(axis=1, keepdims=True)
        return result

    def occlusion(self, text: str) -> list[tuple[int, int, float]] | None:
        """``(start, end, effect)`` per word of ``text`` (code-point offsets; effect = the text's
        ``p(positive) - p(negative)`` minus the same without the word), in text order; None
        for a text of more than :data:`EXPLAIN_MAX_TOKENS` tokens."""
        (encoding,) = self.encode([text])
        ids = encoding.ids
        if len(ids) > EXPLAIN_MAX_TOKENS:
            return None
        offsets = encoding.offsets
        spans: list[tuple[int, int]] = []
        for i in range(len(offsets)):
            if spans and offsets[i - 1][1] == offsets[i][0]:
                spans[-1] = (spans[-1][0], i + 1)
            else:
                spans.append((i, i + 1))
        variants = [ids] + [ids[:start] + ids[end:] for start, end in spans]
        probabilities = np.exp(self.log_probabilities(np.stack([self.embed(v) for v in variants])))
        scores = probabilities[:, 2] - probabilities[:, 0]
        return [
            (offsets[start][0], offsets[end - 1][1], float(scores[0] - without))
            for (start, end), without in zip(spans, scores[1:], strict=True)
        ]

    def _windows_of(self, texts: Sequence[str]) -> list[_Window]:
        windows = []
        for index, (text, encoding) in enumerate(zip(texts, self.encode(texts), strict=True)):
            ids = encoding.ids
            for start, end in _windows(text, encoding):
                windows.append(_Window(index, ids[start:end]))
        return windows


def _windows(text: str, encoding: Encoding) -> list[tuple[int, int]]:
    """Token ranges of the windows of one text: one range if it fits (an empty text too)."""
    count = len(encoding.ids)
    if count <= WINDOW_TOKENS:
        return [(0, count)]
    pieces: list[tuple[int, int]] = []
    for start, end in _sentences(text, encoding):
        pieces.extend(_cut(encoding, start, end))
    packed: list[tuple[int, int]] = []
    for start, end in pieces:
        if packed and end - packed[-1][0] <= WINDOW_TOKENS:
            packed[-1] = (packed[-1][0], end)
        else:
            packed.append((start, end))
    return packed


def _sentences(text: str, encoding: Encoding) -> list[tuple[int, int]]:
    """Token ranges of the sentences: ending after a sentence-end token not followed by another,
    or where the text between two tokens holds a line break."""
    tokens, offsets = encoding.tokens, encoding.offsets
    spans, start = [], 0
    for i in range(len(tokens)):
        last = i == len(tokens) - 1
        boundary = tokens[i] in _SENTENCE_ENDS and (last or tokens[i + 1] not in _SENTENCE_ENDS)
        if not last and "\n" in text[offsets[i][1] : offsets[i + 1][0]]:
            boundary = True
        if boundary or last:
            spans.append((start, i + 1))
            start = i + 1
    return spans


def _cut(encoding: Encoding, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut into ranges of at most :data:`WINDOW_TOKENS`, between words when
    possible (a word longer than a window is cut between its tokens)."""
    words = encoding.word_ids
    ranges = []
    while end - start > WINDOW_TOKENS:
        cut = start + WINDOW_TOKENS
        while cut > start and words[cut] is not None and words[cut] == words[cut - 1]:
            cut -= 1
        if cut == start:
            cut = start + WINDOW_TOKENS
        ranges.append((start, cut))
        start = cut
    ranges.append((start, end))
    return ranges


class EncoderEngine:
    """:class:`EncoderModel` as an :class:`~sentiment_api.engines.base.Engine`: probabilities of
    negative, neutral and positive, score ``p(positive) - p(negative)``, no subjectivity;
    ``explain`` gives word :class:`~sentiment_api.engines.base.Effect` s, largest first, for
    texts of up to :data:`EXPLAIN_MAX_TOKENS` tokens (none for longer ones), and each
    sentence's own score."""

    evidence: Literal["effects"] = "effects"
    explains_sentences = True

    def __init__(self, model: EncoderModel) -> None:
        self.model = model

    def score(self, texts: Sequence[str]) -> list[Verdict]:
        """One verdict per text; its ``detail`` is the text, for :meth:`explain`."""
        verdicts = []
        for text, row in zip(texts, self.model.probabilities(texts), strict=True):
            negative, neutral, positive = (float(p) for p in row)
            probabilities = {"positive": positive, "neutral": neutral, "negative": negative}
            verdicts.append(Verdict(positive - negative, None, probabilities, text))
        return verdicts

    def explain(self, verdict: Verdict) -> tuple[Effect, ...]:
        """The effect of each word of the verdict's text, largest absolute effect first (ties
        in text order); empty for a text over :data:`EXPLAIN_MAX_TOKENS` tokens."""
        text: str = verdict.detail
        found = self.model.occlusion(text) or []
        effects = [Effect(text[start:end], start, end - start, e) for start, end, e in found]
        effects.sort(key=lambda effect: (-abs(effect.effect), effect.offset))
        return tuple(effects)


def load() -> EncoderEngine:
    """The engine over the packaged artefacts (about 60 ms to check and load them).

    Raises:
        OSError, ValueError: as :class:`EncoderModel`.
    """
    return EncoderEngine(EncoderModel())
