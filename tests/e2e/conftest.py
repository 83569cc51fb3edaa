"""End-to-end fixtures: the built image, run by SAM CLI's local emulation and by Docker.

These need a Docker engine and `sam build` output (``make test`` does both first). Every
request goes to 127.0.0.1 only, to containers these fixtures start, with bounded time.
``local_s3``'s moto_server runs in such a container, on a Docker network of its own: SAM's
function containers are attached to that network (``sam local invoke --docker-network``) and
reach it there by its container name; the tests reach it through a port published on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import subprocess
import tomllib
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support import (
    BUILT_TEMPLATE,
    LOCAL_JOB_BUCKET,
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
    """``sam local start-api`` with warm containers on a free loopback port; yields its URL.

    Its function containers are put on a network of the fixture's own, only so that the ones
    SAM leaves behind when it stops (it does, now and then) are found and removed."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (
        docker_network(f"sentiment-e2e-api-{unique_suffix()}") as network,
        (tmp_path_factory.mktemp("start-api") / "sam.log").open("w") as log,
    ):
        process = subprocess.Popen(
            [SAM, "local", "start-api", "--skip-pull-image", "--host", "127.0.0.1",
             "--port", str(port), "--warm-containers", "EAGER", "--docker-network", network],
            cwd=ROOT, env=SAM_ENV, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_for_http(url + "/", deadline_s=180, process=process)
            yield url
        finally:
            stop(process)


@pytest.fixture(scope="session")
def image_tag(built) -> str:
    """The function image ``sam build`` made, as ``name:tag``."""
    from samcli.yamlhelper import yaml_parse

    template = yaml_parse(BUILT_TEMPLATE.read_text())
    tag: str = template["Resources"]["SentimentFunction"]["Properties"]["ImageUri"]
    return tag


@dataclass(frozen=True)
class LocalS3:
    """A moto_server standing in for S3, in a container the tests started on a Docker network
    they created, and how to point SAM at it.

    The tests reach it only through ``endpoint``, a port published on 127.0.0.1; the function
    containers of ``sam local invoke --docker-network network`` reach it on that network by the
    container's name, at ``container_endpoint`` (what the functions' presigned URLs name).

    Attributes:
        port, endpoint: where the tests reach it (``endpoint`` is ``http://127.0.0.1:port``).
        container, container_endpoint: its container's name, a host name on ``network`` only,
            and ``http://container:5000``.
        network: the Docker network to attach SAM's function containers to.
        bucket: the job bucket, already created (the name the S3 event fixtures use).
        client: a boto3 S3 client for it (through ``endpoint``), with fake credentials.
        env_vars: a ``sam local invoke --env-vars`` file pointing both job functions at
            ``container_endpoint``.
        sam_env: the environment to run ``sam`` in: fake credentials and a fixed region, which
            SAM passes on to the function's container, and nothing of the caller's AWS setup.
    """

    port: int
    endpoint: str
    container: str
    container_endpoint: str
    network: str
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
MOTO_CONTEXT = Path(__file__).resolve().parent / "moto"
"""The moto image's Dockerfile (its whole build context)."""
MOTO_PORT = 5000
"""Where moto_server listens inside its container (the Dockerfile's entrypoint)."""


def docker(*args: str, timeout: float) -> str:
    """``docker *args``'s stdout; the test fails if it exits non-zero (or outlasts ``timeout``)."""
    try:
        result = subprocess.run(
            ["docker", *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"docker {' '.join(args)} did not finish within {timeout} s")
    if result.returncode != 0:
        pytest.fail(f"docker {' '.join(args)} exited {result.returncode}: {result.stderr[-3000:]}")
    return result.stdout


def docker_cleanup(*args: str) -> str:
    """``docker *args`` as a teardown step: bounded, and a failure only warns (none for what
    was never created), so that the steps after it still run and the test's own error shows.
    Returns its output, stdout and stderr together ("" if it failed)."""
    try:
        result = subprocess.run(
            ["docker", *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=60,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        warnings.warn(f"docker {' '.join(args)} did not finish within 60 s", stacklevel=2)
        return ""
    if result.returncode != 0:
        if "No such" not in result.stdout:
            warnings.warn(f"docker {' '.join(args)}: {result.stdout.strip()}", stacklevel=2)
        return ""
    return result.stdout


def unique_suffix() -> str:
    """For the names of the Docker objects a session creates: never those of another run."""
    return f"{os.getpid()}-{secrets.token_hex(4)}"


@contextmanager
def docker_network(name: str) -> Iterator[str]:
    """``docker network create name``; at the end, whatever happens, the containers still on
    it are removed (those the tests started, and those SAM started there and left behind: a
    `sam local` killed at its timeout, or stopping without removing them all), then it."""
    try:
        docker("network", "create", name, timeout=60)
        yield name
    finally:
        attached = docker_cleanup(
            "network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}", name
        ).split()
        if attached:
            docker_cleanup("rm", "-f", *attached)
        docker_cleanup("network", "rm", name)


def pinned_moto_version() -> str:
    """The moto version pyproject.toml pins for development (the venv's moto)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for requirement in pyproject["dependency-groups"]["dev"]:
        match = re.fullmatch(r"moto(?:\[[^\]]*\])?==([^\s;]+)", requirement)
        if match:
            return match[1]
    pytest.fail("pyproject.toml pins no moto version (moto[server]==X) in the dev group")


@pytest.fixture(scope="session")
def moto_image(built) -> str:
    """The image of tests/e2e/moto with the pinned moto, as ``name:tag``: built the first time,
    and at each session after that only if its Dockerfile or base image changed (Docker's layer
    cache makes that check a fraction of a second)."""
    version = pinned_moto_version()
    tag = f"sentiment-api-moto:{version}"
    dockerfile = (MOTO_CONTEXT / "Dockerfile").read_text(encoding="utf-8")
    (base,) = re.findall(r"^FROM\s+(\S+)", dockerfile, flags=re.MULTILINE)
    # Never pulled: `make build` pulled it or built its local stand-in for the function image.
    if subprocess.run(["docker", "image", "inspect", base], stdin=subprocess.DEVNULL,
                      capture_output=True, timeout=60).returncode != 0:  # fmt: skip
        pytest.fail(f"the base image {base} is not here: run `make build` (or `make test`)")
    docker("build", "-q", "--build-arg", f"MOTO_VERSION={version}", "-t", tag,
           str(MOTO_CONTEXT), timeout=900)  # fmt: skip
    return tag


@contextmanager
def moto_container(name: str, log: Path) -> Iterator[None]:
    """At the end, whatever happens: the container's output saved to ``log``, and it removed
    (also when ``docker run`` created it but could not start it)."""
    try:
        yield
    finally:
        log.write_text(docker_cleanup("logs", name))
        docker_cleanup("rm", "-f", name)


@pytest.fixture(scope="session")
def local_s3(moto_image, tmp_path_factory) -> Iterator[LocalS3]:
    """moto_server in its container on a network of its own, with the job bucket created;
    container and network removed at the end of the session, whatever happens."""
    import boto3
    from botocore.config import Config

    suffix = unique_suffix()
    network = f"sentiment-e2e-{suffix}"
    container = f"sentiment-e2e-moto-{suffix}"  # no dot: moto takes it for a host, not a bucket
    container_endpoint = f"http://{container}:{MOTO_PORT}"
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    workdir = tmp_path_factory.mktemp("moto")
    with docker_network(network), moto_container(container, workdir / "moto_server.log"):
        docker("run", "-d", "--pull", "never", "--name", container, "--network", network,
               "-p", f"127.0.0.1:{port}:{MOTO_PORT}", moto_image, timeout=120)  # fmt: skip
        wait_for_http(endpoint + "/", deadline_s=60)
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
                    "SentimentJobFunction": {"AWS_ENDPOINT_URL_S3": container_endpoint},
                    "JobsFunction": {
                        "AWS_ENDPOINT_URL_S3": container_endpoint,
                        "JOB_BUCKET": LOCAL_JOB_BUCKET,
                    },
                }
            )
        )
        sam_env = {**{k: v for k, v in SAM_ENV.items() if not k.startswith("AWS_")}, **FAKE_AWS}
        yield LocalS3(
            port, endpoint, container, container_endpoint, network, LOCAL_JOB_BUCKET, client,
            env_vars, sam_env,
        )  # fmt: skip


@pytest.fixture(scope="session")
def start_local_api(built, tmp_path_factory) -> Iterator[Any]:
    """A factory: ``start_local_api(**parameter_overrides)`` starts one more
    ``sam local start-api`` like ``local_api``'s, with those template parameters
    (``--parameter-overrides``), and returns its URL; all are stopped at the end of the session."""
    with contextlib.ExitStack() as stack:

        def start(**overrides: str) -> str:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            network = stack.enter_context(docker_network(f"sentiment-e2e-api-{unique_suffix()}"))
            log = stack.enter_context((tmp_path_factory.mktemp("start-api") / "sam.log").open("w"))
            flags = [f"{name}={value}" for name, value in overrides.items()]
            process = subprocess.Popen(
                [SAM, "local", "start-api", "--skip-pull-image", "--host", "127.0.0.1",
                 "--port", str(port), "--warm-containers", "EAGER", "--docker-network", network,
                 *(["--parameter-overrides", " ".join(flags)] if flags else [])],
                cwd=ROOT, env=SAM_ENV, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            stack.callback(stop, process)
            wait_for_http(url + "/", deadline_s=180, process=process)
            return url

        yield start
