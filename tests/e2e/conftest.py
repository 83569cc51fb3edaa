"""End-to-end fixtures: the built image, run by SAM CLI's local emulation and by Docker.

These need a Docker engine and `sam build` output (``make test`` does both first). Every
request goes to 127.0.0.1 only, to containers these fixtures start, with bounded time; the one
exception is ``local_s3``'s moto_server, which listens on this host's address on Docker's
default bridge so that the function containers can reach it too.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support import (
    BUILT_TEMPLATE,
    LOCAL_JOB_BUCKET,
    MOTO_SERVER,
    ROOT,
    SAM,
    SAM_ENV,
    free_port,
    stop,
    wait_for_http,
)


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


@dataclass(frozen=True)
class LocalS3:
    """A moto_server the tests started, standing in for S3, and how to point SAM at it.

    Attributes:
        host, port, endpoint: where it listens (``endpoint`` is ``http://host:port``).
        bucket: the job bucket, already created (the name the S3 event fixtures use).
        client: a boto3 S3 client for it, with fake credentials.
        env_vars: a ``sam local invoke --env-vars`` file pointing both job functions at it.
        sam_env: the environment to run ``sam`` in: fake credentials and a fixed region, which
            SAM passes on to the function's container, and nothing of the caller's AWS setup.
    """

    host: str
    port: int
    endpoint: str
    bucket: str
    client: Any
    env_vars: Path
    sam_env: dict[str, str]


FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def docker_bridge_gateway() -> str:
    """The address this host has on Docker's default bridge (docker0), which the function
    containers ``sam local invoke`` starts can reach: a private address of a host-local bridge,
    not of the machine's network interface.

    Not 127.0.0.1: the containers have their own loopback. Nor ``--docker-network host``:
    SAM CLI (1.170) skips attaching a container to a network named "host" and never sets the
    host network mode, so the container stays on the default bridge (aws-sam-cli issue 3609).
    """
    result = subprocess.run(
        ["docker", "network", "inspect", "bridge", "--format",
         "{{range .IPAM.Config}}{{.Gateway}} {{end}}"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"docker network inspect bridge failed: {result.stderr.strip()}")
    for candidate in result.stdout.split():
        address = ipaddress.ip_address(candidate)
        if address.version == 4 and address.is_private and not address.is_unspecified:
            return candidate
    pytest.fail(f"Docker's default bridge has no private IPv4 gateway: {result.stdout!r}")


@pytest.fixture(scope="session")
def local_s3(built, tmp_path_factory) -> Iterator[LocalS3]:
    """``moto_server`` on the Docker bridge's host address, with the job bucket created;
    stopped at the end of the session, whatever happens."""
    import boto3
    from botocore.config import Config

    host = docker_bridge_gateway()
    port = free_port(host)
    endpoint = f"http://{host}:{port}"
    workdir = tmp_path_factory.mktemp("moto")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log = (workdir / "moto_server.log").open("w")
    process = subprocess.Popen(
        [MOTO_SERVER, "-H", host, "-p", str(port)],
        cwd=workdir, env={**clean, **FAKE_AWS}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_http(endpoint + "/", deadline_s=60, process=process)
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=FAKE_AWS["AWS_DEFAULT_REGION"],
            aws_access_key_id=FAKE_AWS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS["AWS_SECRET_ACCESS_KEY"],
            config=Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 2}),
        )
        client.create_bucket(Bucket=LOCAL_JOB_BUCKET)
        env_vars = workdir / "env-vars.json"
        env_vars.write_text(
            json.dumps(
                {
                    "SentimentJobFunction": {"AWS_ENDPOINT_URL_S3": endpoint},
                    "JobsFunction": {
                        "AWS_ENDPOINT_URL_S3": endpoint,
                        "JOB_BUCKET": LOCAL_JOB_BUCKET,
                    },
                }
            )
        )
        sam_env = {**{k: v for k, v in SAM_ENV.items() if not k.startswith("AWS_")}, **FAKE_AWS}
        yield LocalS3(host, port, endpoint, LOCAL_JOB_BUCKET, client, env_vars, sam_env)
    finally:
        stop(process)
        log.close()
