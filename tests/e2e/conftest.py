"""End-to-end fixtures: the built image, run by SAM CLI's local emulation and by Docker.

These need a Docker engine and `sam build` output (``make test`` does both first). Every
request goes to 127.0.0.1 only, to containers these fixtures start, with bounded time.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from support import BUILT_TEMPLATE, ROOT, SAM, SAM_ENV, free_port, stop, wait_for_http


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def built() -> None:
    if not BUILT_TEMPLATE.is_file():
        pytest.fail("no .aws-sam/build: run `make build` (or `make test`, which builds first)")


@pytest.fixture(scope="session")
def local_api(built, tmp_path_factory) -> Iterator[str]:
    """``sam local start-api`` with warm containers on a free loopback port; yields its URL."""
    port = free_port()
    log = (tmp_path_factory.mktemp("start-api") / "sam.log").open("w")
    process = subprocess.Popen(
        [SAM, "local", "start-api", "--skip-pull-image", "--host", "127.0.0.1",
         "--port", str(port), "--warm-containers", "EAGER"],
        cwd=ROOT, env=SAM_ENV, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/", deadline_s=180, process=process)
        yield url
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="session")
def image_tag(built) -> str:
    """The function image ``sam build`` made, as ``name:tag``."""
    from samcli.yamlhelper import yaml_parse

    template = yaml_parse(BUILT_TEMPLATE.read_text())
    return template["Resources"]["SentimentFunction"]["Properties"]["ImageUri"]
