""".ci/audit.py: how pip-audit's JSON report becomes a verdict (make audit, make test).

The reports are in the shape pip-audit 2.10 writes with ``-f json``: a package it looked up has
``version`` and ``vulns``; one it could not look up has only ``skip_reason`` (what it writes for
every package on a network without PyPI's JSON API, while still exiting 0)."""

import importlib.util
import sys

import pytest

from support import ROOT

_spec = importlib.util.spec_from_file_location("audit", ROOT / ".ci" / "audit.py")
assert _spec is not None and _spec.loader is not None
audit = importlib.util.module_from_spec(_spec)
sys.modules["audit"] = audit  # dataclasses look their module up there
_spec.loader.exec_module(audit)

CLEAN = {"name": "textblob", "version": "0.20.1", "vulns": []}
VULNERABLE = {
    "name": "requests",
    "version": "2.19.0",
    "vulns": [
        {
            "id": "PYSEC-2018-28",
            "fix_versions": ["2.20.0"],
            "aliases": ["CVE-2018-18074"],
            "description": "sends an HTTP Authorization header to an http URI upon redirect",
        }
    ],
}
SKIPPED = {
    "name": "boto3",
    "skip_reason": "Dependency not found on PyPI and could not be audited: boto3 (1.43.108)",
}


def verdict(*dependencies):
    result = audit.Verdict()
    result.add({"dependencies": list(dependencies), "fixes": []})
    return result


@pytest.mark.parametrize("allow_unreachable", [False, True])
def test_all_looked_up_and_clean_passes(allow_unreachable):
    result = verdict(CLEAN)
    assert result.exit_code(allow_unreachable=allow_unreachable) == 0
    assert "No known vulnerabilities" in result.summary(allow_unreachable=allow_unreachable)


@pytest.mark.parametrize("allow_unreachable", [False, True])
def test_a_known_vulnerability_fails_in_both_modes(allow_unreachable):
    result = verdict(CLEAN, VULNERABLE, SKIPPED)
    assert result.exit_code(allow_unreachable=allow_unreachable) == audit.VULNERABLE
    summary = result.summary(allow_unreachable=allow_unreachable)
    assert "requests==2.19.0: PYSEC-2018-28 (fixed in 2.20.0)" in summary


def test_a_package_not_looked_up_fails_make_audit():
    result = verdict(CLEAN, SKIPPED)
    assert result.exit_code(allow_unreachable=False) == audit.UNREACHABLE
    summary = result.summary(allow_unreachable=False)
    assert "FAILED: the audit could not be done" in summary and "boto3" in summary


def test_make_test_warns_loudly_and_never_calls_it_a_pass():
    result = verdict(SKIPPED, SKIPPED)
    assert result.exit_code(allow_unreachable=True) == 0
    summary = result.summary(allow_unreachable=True)
    assert "THE AUDIT WAS NOT DONE (not a pass)" in summary
    assert "No known vulnerabilities" not in summary
    assert summary.count("!!   boto3") == 2


def test_an_empty_report_is_not_a_pass():
    assert verdict().exit_code(allow_unreachable=False) == audit.UNREACHABLE


def test_anything_but_a_report_is_refused():
    with pytest.raises(ValueError, match="not a pip-audit JSON report"):
        audit.Verdict().add({"error": "x"})


def test_the_image_and_the_venv_install_the_locks_with_hashes():
    dockerfile = (ROOT / "src" / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile and "-r /tmp/requirements.txt" in dockerfile
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.txt" in makefile
    for lock in ("requirements.txt", "requirements-dev.txt", "requirements-tools.txt"):
        pins = [line for line in (ROOT / lock).read_text().splitlines() if "==" in line]
        assert pins, lock
        # every pin is exact and followed by at least one sha256 hash
        text = (ROOT / lock).read_text()
        for line in pins:
            name = line.split("==")[0]
            block = text.split(line, 1)[1].split("\n\n")[0]
            assert line.endswith("\\") and "--hash=sha256:" in block, (lock, name)


def test_the_runtime_lock_pins_the_same_versions_as_the_dev_lock():
    def pins(lock):
        return {
            line.split("==")[0]: line.split("==")[1].split()[0]
            for line in (ROOT / lock).read_text().splitlines()
            if "==" in line and not line.startswith((" ", "#"))
        }

    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert runtime and {name: dev.get(name) for name in runtime} == runtime
    for line in (ROOT / "requirements.in").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            assert runtime[name] == version.strip()


def test_what_serving_never_imports_stays_out_of_the_image_lock():
    # The Makefile's NOT_IN_IMAGE: in the dev lock (some dependency declares it), not in the
    # image's, which the Dockerfile installs with --no-deps
    makefile = (ROOT / "Makefile").read_text()
    listed = makefile.split("NOT_IN_IMAGE := ", 1)[1].split("\n\n", 1)[0]
    names = listed.replace("\\", " ").split()
    assert "huggingface-hub" in names and "robust-downloader" in names

    def pinned(lock: str) -> set[str]:
        lines = (ROOT / lock).read_text().splitlines()
        return {line.split("==")[0] for line in lines if "==" in line and line[0] != " "}

    assert not set(names) & pinned("requirements.txt")
    assert set(names) <= pinned("requirements-dev.txt")
    assert "--no-deps" in (ROOT / "src" / "Dockerfile").read_text()


def test_the_training_lock_embeds_with_the_images_versions():
    # tools/train_encoder.py embeds the training sentences with the engine's own code: the
    # run-time packages it does so with must be the image's, or the head learns other numbers
    def pins(lock: str) -> dict[str, str]:
        lines = (ROOT / lock).read_text().splitlines()
        found = [line.split()[0].split("==") for line in lines if line[:1].isalpha()]
        return {name.lower(): version for name, version in found}

    training, image = pins("requirements-train.txt"), pins("requirements.txt")
    for package in ("onnxruntime", "tokenizers", "numpy"):
        assert training[package] == image[package], package
    assert training["torch"].endswith("+cpu")  # never a CUDA build
