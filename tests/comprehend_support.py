"""Helpers of the Comprehend-compatible endpoint's tests: the real boto3 ``comprehend`` client
pointed at a local URL, the one-line API-key hook the README documents, an AWS environment that
reads nothing of the machine's, and a local HTTP server that answers through the Lambda handler
in process (what ``sam local start-api`` does, in a thread)."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from support import wsgi_app

API_KEY = "test-api-key-0123456789"
REGION = "us-east-1"
"""Any region: botocore wants one even with an endpoint URL (NoRegionError without)."""
TARGET = "Comprehend_20171127."


def isolate_aws(environ: Any, tmp_path: Path) -> None:
    """Point botocore at nothing of this machine: no credentials, config or region from the
    environment or files, and never the instance metadata service (a link-local address its
    credential chain would otherwise try). ``environ`` is a ``pytest.MonkeyPatch``."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            environ.delenv(name)
    environ.setenv("AWS_EC2_METADATA_DISABLED", "true")
    environ.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    environ.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


def add_api_key(client: Any, key: str) -> None:
    """The README's one line: every request the client sends carries ``x-api-key``.
    ``before-sign`` is emitted for every attempt (retries too), signed or not."""
    client.meta.events.register(
        "before-sign.comprehend", lambda request, **_: request.headers.__setitem__("x-api-key", key)
    )


def comprehend_client(
    endpoint_url: str,
    *,
    api_key: str | None = API_KEY,
    signed: bool = False,
    **config: Any,
) -> Any:
    """A ``comprehend`` client of boto3 (a session of its own) at ``endpoint_url``: unsigned
    (no credentials needed), or ``signed`` with made-up credentials (a SigV4 header the
    service does not check); with the API-key hook unless ``api_key`` is None; ``config``
    goes to ``botocore.config.Config`` (``retries``, ``parameter_validation``...). Timeouts
    are short: every server is local."""
    import boto3
    import botocore
    from botocore.config import Config

    config.setdefault("connect_timeout", 5)
    config.setdefault("read_timeout", 60)
    if not signed:
        config["signature_version"] = botocore.UNSIGNED
    client = boto3.session.Session().client(  # a new session: the default one caches credentials
        "comprehend",
        endpoint_url=endpoint_url,
        region_name=REGION,
        config=Config(**config),
        aws_access_key_id="AKIDEXAMPLE" if signed else None,
        aws_secret_access_key="not-a-secret" if signed else None,
    )
    if api_key is not None:
        add_api_key(client, api_key)
    return client


@dataclass
class Received:
    """A request as the local server received it: its method, path and headers (names
    title-cased, as ``wsgi_app`` passes them on)."""

    method: str
    path: str
    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class LocalApi:
    """A local HTTP server answering through a Lambda handler; ``received`` lists every request
    in order (so a test counts a client's attempts)."""

    url: str
    received: list[Received] = field(default_factory=list)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def local_api(handler: Callable[[dict[str, Any], Any], dict[str, Any]]) -> Iterator[LocalApi]:
    """Serve ``handler`` (a Lambda handler of API Gateway REST proxy events) over HTTP on
    127.0.0.1 and a free port, through :func:`support.wsgi_app`, until the block ends."""
    app = wsgi_app(handler)
    api: LocalApi

    def recording(environ: dict[str, Any], start_response: Any) -> Any:
        headers = {
            name[5:].replace("_", "-").title(): value
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        api.received.append(Received(environ["REQUEST_METHOD"], environ["PATH_INFO"], headers))
        return app(environ, start_response)

    server: WSGIServer = make_server("127.0.0.1", 0, recording, handler_class=_QuietHandler)
    api = LocalApi(f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
