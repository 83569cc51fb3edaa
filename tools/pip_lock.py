"""Write a hashed lock (pip-compile's format) from ``pip install --dry-run --report``: one line,
and the hash of the one file pip chose, per package, for this interpreter and platform.

``make lock-train`` uses it for the encoder's training tools, which uv cannot lock as pip
installs them (torch's CPU build is a local version found through pip's find-links). Usage:
``python tools/pip_lock.py REPORT.json SOURCE.in > LOCK.txt``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def lock_lines(report: dict[str, object], source: str) -> list[str]:
    """The lock's lines for a pip installation report (``--report``'s JSON, version 1)."""
    environment = report["environment"]
    assert isinstance(environment, dict)
    lines = [
        f"# Written by make lock-train from {source} (pip install --dry-run --report), for "
        f"Python {environment['python_full_version']} on {environment['sys_platform']} "
        f"{environment['platform_machine']}.",
        "# Install with: pip install --require-hashes --no-deps -r requirements-train.txt",
    ]
    installs = report["install"]
    assert isinstance(installs, list)
    for item in sorted(installs, key=lambda item: item["metadata"]["name"].lower()):
        name, version = item["metadata"]["name"], item["metadata"]["version"]
        digest = item["download_info"]["archive_info"]["hashes"]["sha256"]
        wheel = item["download_info"]["url"].rsplit("/", 1)[-1].replace("%2B", "+")
        lines += [f"{name}=={version} \\", f"    --hash=sha256:{digest}", f"    # {wheel}"]
    return lines


def main(argv: list[str]) -> int:
    """Print the lock of report ``argv[1]`` for source ``argv[2]``."""
    report = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    print("\n".join(lock_lines(report, argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
