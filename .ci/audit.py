"""Audit the hash-pinned locks with pip-audit, and say plainly when the audit could not be done.

    python .ci/audit.py [--allow-unreachable] LOCK [LOCK ...]

Runs ``pip-audit --disable-pip --require-hashes -r LOCK -s pypi -f json`` on each lock (the
packages are looked up in PyPI's JSON API, the package index itself; pip-audit checks each
hash against PyPI too) and reads its JSON report:

- a package with a known vulnerability: exit 1, always;
- a package pip-audit could not look up (its ``skip_reason``; it then reports "No known
  vulnerabilities found" and exits 0 anyway): exit 2, unless ``--allow-unreachable``, which
  prints a loud warning block and exits 0. ``make audit`` is strict; ``make test`` allows it,
  so that a network without PyPI's JSON API (this project's build machine) can still run the
  tests, but never reports such a run as a passed audit.

Needs pip-audit importable by this interpreter (the tools venv, ``make tools``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

VULNERABLE, UNREACHABLE = 1, 2


@dataclass
class Verdict:
    """What one or more pip-audit JSON reports say.

    Attributes:
        audited: ``name==version`` of each package looked up.
        vulnerable: ``name==version: ID (fixed in ...)`` per known vulnerability.
        skipped: ``name: reason`` per package that could not be looked up.
    """

    audited: list[str] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, report: dict) -> None:
        """Add one report: pip-audit's ``-f json`` output, ``{"dependencies": [{"name",
        "version", "vulns": [{"id", "fix_versions", ...}]} or {"name", "skip_reason"}, ...],
        "fixes": [...]}``. Raises ValueError for anything else."""
        dependencies = report.get("dependencies")
        if not isinstance(dependencies, list):
            raise ValueError("not a pip-audit JSON report (no 'dependencies' list)")
        for dependency in dependencies:
            name = dependency["name"]
            if "skip_reason" in dependency:
                self.skipped.append(f"{name}: {dependency['skip_reason']}")
                continue
            pin = f"{name}=={dependency['version']}"
            self.audited.append(pin)
            for vuln in dependency.get("vulns", []):
                fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
                self.vulnerable.append(f"{pin}: {vuln['id']} (fixed in {fixed})")

    def exit_code(self, *, allow_unreachable: bool) -> int:
        """1 if any package is vulnerable; else 2 if any could not be looked up (0 with
        ``allow_unreachable``) or none was; else 0."""
        if self.vulnerable:
            return VULNERABLE
        if (self.skipped or not self.audited) and not allow_unreachable:
            return UNREACHABLE
        return 0

    def summary(self, *, allow_unreachable: bool) -> str:
        """The lines to print: vulnerabilities, then a warning block for the lookups that failed."""
        lines = [f"pip-audit: {len(self.audited)} package versions looked up"]
        if self.vulnerable:
            lines += ["KNOWN VULNERABILITIES:", *(f"  {v}" for v in self.vulnerable)]
        if self.skipped or not self.audited:
            bar = "!" * 78
            verdict = (
                "THE AUDIT WAS NOT DONE (not a pass): run `make audit` where PyPI's JSON API "
                "is reachable"
                if allow_unreachable
                else "FAILED: the audit could not be done"
            )
            lines += [
                bar,
                f"!! {len(self.skipped)} packages could not be looked up in PyPI's "
                "vulnerability data:",
                *(f"!!   {s}" for s in self.skipped[:10]),
                *(
                    [f"!!   ... and {len(self.skipped) - 10} more"]
                    if len(self.skipped) > 10
                    else []
                ),
                f"!! {verdict}",
                bar,
            ]
        elif not self.vulnerable:
            lines.append("No known vulnerabilities in any locked package.")
        return "\n".join(lines)


def run_pip_audit(lock: Path) -> dict:
    """pip-audit's JSON report on ``lock``. Raises RuntimeError if it wrote none."""
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "report.json"
        result = subprocess.run(
            [sys.executable, "-m", "pip_audit", "--disable-pip", "--require-hashes",
             "--requirement", str(lock), "--vulnerability-service", "pypi",
             "--format", "json", "--output", str(output), "--progress-spinner", "off"],
            capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        if not output.is_file() or not output.read_text().strip():
            raise RuntimeError(
                f"pip-audit wrote no report for {lock} (exit {result.returncode}):\n"
                + result.stderr[-3000:]
            )
        return json.loads(output.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("locks", nargs="+", type=Path)
    parser.add_argument(
        "--allow-unreachable",
        action="store_true",
        help="a package that could not be looked up warns instead of failing",
    )
    args = parser.parse_args(argv)
    verdict = Verdict()
    for lock in args.locks:
        verdict.add(run_pip_audit(lock))
    print(verdict.summary(allow_unreachable=args.allow_unreachable))
    return verdict.exit_code(allow_unreachable=args.allow_unreachable)


if __name__ == "__main__":
    sys.exit(main())
