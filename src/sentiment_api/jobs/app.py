"""The jobs API's Powertools resolver: its routes (:mod:`.routes`, included) and the shared error
answers. Every other method on the known paths is a 405 with an ``Allow`` header; any other path
is a 404."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from sentiment_api.errors import NoBodyError
from sentiment_api.http.exception_handlers import install_error_handlers
from sentiment_api.http.proxy import json_loads
from sentiment_api.jobs import routes

app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=json_loads)
app.include_router(routes.router)
install_error_handlers(
    app,
    routes.ALLOWED_METHODS,
    missing_body=NoBodyError('No request body; send {"filename": ...}'),
)
