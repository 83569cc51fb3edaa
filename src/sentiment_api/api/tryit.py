"""``GET /try``: a page to try the API in a browser, served by the API itself.

The page (``tryit.html`` beside this module) is one self-contained HTML file: its style sheet
and script are inline, it loads nothing from anywhere, and it calls only ``POST
{prefix}/analyse`` of the API that served it, ``{prefix}`` being the stage or base path the
page itself came through (:func:`sentiment_api.http.proxy.base_path`, as ``/openapi.json``
names its server). What the deployment decides is filled in when it is served: that prefix,
the engines with the deployment's default selected, the text cap and the default neutral
band, each HTML-escaped into an attribute or an element's text, never into the script.

The file is read on the first ``GET /try`` of an execution environment, not at import: the API
function's cold start never pays for it. Its answer carries a Content-Security-Policy that
allows exactly the page's own inline script and style sheet (by their SHA-256, computed when
the file is read: CSP Level 3, "hash-source"), connections to this origin only
(``connect-src 'self'``), and no framing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from sentiment_api.engines import ENGINE_NAMES
from sentiment_api.http.proxy import base_path
from sentiment_api.settings import get_settings

PAGE_PATHS = {"/try": ("GET",)}
"""The path this module serves, and its methods (not in the OpenAPI document, like /docs)."""

PAGE_FILE = Path(__file__).with_name("tryit.html")
"""The page's template: HTML with ``{{name}}`` placeholders outside its script and style."""

ENGINE_SUMMARIES = {
    "textblob": "textblob: TextBlob's lexicon",
    "model": "model: TF-IDF + logistic regression",
    "encoder": "encoder: MiniLM sentence encoder",
}
"""How the engine menu names each engine (a test holds the keys to ``ENGINE_NAMES``)."""

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class PageTemplate:
    """The page's template as read from :data:`PAGE_FILE`, and the Content-Security-Policy that
    lets exactly its inline script and style sheet run."""

    text: str
    content_security_policy: str


def content_security_policy(page: str) -> str:
    """The Content-Security-Policy header value for ``page``: nothing allowed by default; its
    inline ``<script>`` and ``<style>`` elements by the SHA-256 of their text (so an injected
    script or inline event handler would not run); connections, images and form targets of
    this origin only; images from ``data:`` URLs only (the page's empty icon); no form
    submission (the script sends the request; a form submitted without it would put the key
    in a URL); no ``<base>``; no framing (a page that holds an API key must not be framed by
    another site).

    Raises:
        ValueError: ``page`` has no inline script.
    """
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    styles = re.findall(r"<style>(.*?)</style>", page, flags=re.DOTALL)
    if not scripts:
        raise ValueError("the page has no inline <script>")

    def hashes(blocks: list[str]) -> str:
        return " ".join(
            f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'"
            for b in blocks
        )

    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {hashes(scripts)}",
            f"style-src {hashes(styles)}" if styles else "style-src 'none'",
            "connect-src 'self'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


@functools.cache
def page_template() -> PageTemplate:
    """:data:`PAGE_FILE`, read once per execution environment (on the first ``GET /try``)."""
    text = PAGE_FILE.read_text(encoding="utf-8")
    return PageTemplate(text, content_security_policy(text))


@functools.cache
def page(
    api: str, default_engine: str, max_text_length: int, neutral_threshold: float | None
) -> str:
    """The page for one deployment, as served under the prefix ``api``.

    Args:
        api: the prefix before the API's own paths (``""``, ``"/prod"``, ``"/sentiment"``);
            the page calls ``{api}/analyse``.
        default_engine: the deployment's engine, selected in the menu.
        max_text_length: the text cap, in code points, shown beside the text box.
        neutral_threshold: the deployment's default band, or None for each engine's own rule.
    """
    options = "".join(
        f'<option value="{html.escape(name)}"{" selected" if name == default_engine else ""}>'
        f"{html.escape(ENGINE_SUMMARIES.get(name, name))}"
        f"{' (default)' if name == default_engine else ''}</option>"
        for name in ENGINE_NAMES
    )
    band = (
        "each engine's own rule"
        if neutral_threshold is None
        else f"the deployment's {neutral_threshold:g}"
    )
    values = {
        "api": html.escape(api),
        "engine_options": options,
        "max_text_length": str(int(max_text_length)),
        "band_default": html.escape(band),
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda match: values[match[1]], page_template().text)


def install_try_page(app: APIGatewayRestResolver) -> None:
    """Add ``GET /try`` to ``app``."""

    @app.get("/try", include_in_schema=False)
    def try_page() -> Response[str]:
        """The try-it page, for this deployment and the prefix the request came through."""
        settings = get_settings()
        body = page(
            base_path(app, settings.base_path),
            settings.engine,
            settings.max_text_length,
            settings.neutral_threshold,
        )
        return Response(
            HTTPStatus.OK,
            HTML,
            body,
            headers={
                "Content-Security-Policy": page_template().content_security_policy,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-cache",
            },
        )
