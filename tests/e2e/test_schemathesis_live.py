"""Schemathesis over HTTP against `sam local start-api`: the container, as served.

A short run of its command line (fixed seed, bounded cases) on top of the in-process one in
``tests/integration/test_api_schemathesis.py``, with the same checks but one, and UTF-8 only:

- ``unsupported_method`` sends TRACE, which API Gateway's ANY does not cover (it means
  DELETE, GET, HEAD, OPTIONS, PATCH, POST and PUT), so the gateway, and SAM's emulator, answer
  it before the function. The 405s of the other methods are checked here by
  ``test_sam_local.py``, and TRACE in-process.
- SAM's emulator fails on a request body that is not UTF-8 (502, "UnicodeDecodeError while
  processing HTTP request") without invoking the function, so ``schemathesis_hooks.py``
  leaves such bodies out here. The function's answer to them (400 ``invalid_body_encoding``)
  is checked in-process.
"""

import os
import subprocess
from pathlib import Path

from support import ROOT, schemathesis_checks


def test_served_api_conforms_to_its_openapi_document(local_api):
    checks = [check.__name__ for check in schemathesis_checks()]
    checks.remove("unsupported_method")
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "schemathesis"), "run", local_api + "/openapi.json",
         "--checks", ",".join(checks), "--max-examples", "25", "--seed", "20261121",
         "--generation-codec", "utf-8", "--request-timeout", "60", "--no-color"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
             "PYTHONPATH": str(Path(__file__).parent)},
    )  # fmt: skip

    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]
    assert "Tested: 5" in report, report  # every operation was exercised (POST / included)
