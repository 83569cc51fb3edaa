"""Local servers for the tests and the benchmark: a free port on loopback, waiting for an HTTP
server to answer, stopping a process group. Standard library only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now, on ``host`` (loopback by default)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_http(
    url: str, deadline_s: float, process: subprocess.Popen[Any] | None = None
) -> None:
    """Poll ``url`` until it answers with any HTTP status.

    Raises:
        RuntimeError: ``process`` exited first, or nothing answered within ``deadline_s``.
    """
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {deadline_s} s")


def stop(process: subprocess.Popen[Any]) -> None:
    """Stop a process group politely (SAM removes its containers on SIGINT), then firmly."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
