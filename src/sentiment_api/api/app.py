"""The sentiment API's Powertools resolver: the analysis routes (a ``Router``, included), the
documentation routes, the try-it page, and the shared error answers. Requests reach it through
:func:`sentiment_api.handlers.api.lambda_handler`, which imports this module on first use: a
plainly valid ``POST /analyse`` never needs it, nor does ``POST /`` (the Comprehend-compatible
endpoint, :mod:`sentiment_api.comprehend`). Every other method on the known paths is a 405
with an ``Allow`` header; any other path is a 404.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from sentiment_api.api import routes
from sentiment_api.api.docs import META_PATHS, install_docs
from sentiment_api.api.tryit import PAGE_PATHS, install_try_page
from sentiment_api.comprehend import protocol
from sentiment_api.errors import NoTextError
from sentiment_api.http.exception_handlers import install_error_handlers
from sentiment_api.http.proxy import json_loads

ALLOWED_METHODS = {
    **routes.ALLOWED_METHODS,
    **META_PATHS,
    **PAGE_PATHS,
    protocol.PATH: (*routes.ALLOWED_METHODS[protocol.PATH], protocol.METHOD),
}
"""The methods of every path the function serves (the resolver's, and ``POST /``, the
Comprehend-compatible endpoint's, answered before it), for the ``Allow`` of a 405; a test
holds it to the template's events."""

app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=json_loads)
"""Resolves every request the fast path of the entry point does not take."""
app.include_router(routes.router)
install_docs(app)
install_try_page(app)
install_error_handlers(app, ALLOWED_METHODS, missing_body=NoTextError())
