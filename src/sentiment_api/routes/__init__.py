"""The Powertools routing of the sentiment API, imported on first use by its entry point
(:mod:`sentiment_api.handlers.api`): :mod:`.app` (the resolver), :mod:`.analyse` (the
analysis routes, a Powertools ``Router``), :mod:`.docs` (the OpenAPI document and Swagger UI),
:mod:`.errors` (the exception handlers both HTTP functions share)."""
