"""The Comprehend-compatible endpoint's part of the API's OpenAPI document: ``POST /`` as an
operation of its own tag, with its headers, its four request and response bodies (the schemas
of :mod:`.models`) and an example of each, and its errors. :mod:`sentiment_api.api.docs` adds
it to the document Powertools generates for the router's routes (``POST /`` is answered
before the router, so Powertools does not know it).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from sentiment_api.comprehend import models
from sentiment_api.comprehend.operations import OPERATIONS, SERVED_TARGETS
from sentiment_api.comprehend.protocol import (
    CONTENT_TYPE,
    ENGINE_HEADER,
    MAX_BATCH_DOCUMENTS,
    MAX_DOCUMENT_BYTES,
    METHOD,
    PATH,
    TARGET_PREFIX,
    error_body,
)
from sentiment_api.engines import ENGINE_NAMES
from sentiment_api.errors import (
    EngineUnavailableError,
    InvalidJsonError,
    TextTooLargeError,
    TooManyTextsError,
    UnknownOperationError,
    UnsupportedLanguageError,
)

TAG = "Comprehend-compatible"
TAG_DESCRIPTION = (
    "Amazon Comprehend's sentiment and language operations in Comprehend's own protocol (AWS "
    "JSON 1.1), on the same analysis as POST /analyse: boto3's or the AWS CLI's `comprehend` "
    "client works with only its endpoint URL changed (to this API's URL) and the API key "
    "added. The operation is the `X-Amz-Target` header; each example below names its own. "
    "Not Comprehend: no targeted sentiment, no asynchronous jobs (see POST /jobs), English "
    "only; SigV4 signatures are neither required nor checked (the API key is the credential)."
)

REQUEST_MODELS: dict[str, type[BaseModel]] = {
    "DetectSentiment": models.ComprehendDetectSentimentRequest,
    "BatchDetectSentiment": models.ComprehendBatchDetectSentimentRequest,
    "DetectDominantLanguage": models.ComprehendDetectDominantLanguageRequest,
    "BatchDetectDominantLanguage": models.ComprehendBatchDetectDominantLanguageRequest,
}
RESPONSE_MODELS: dict[str, type[BaseModel]] = {
    "DetectSentiment": models.ComprehendDetectSentimentResponse,
    "BatchDetectSentiment": models.ComprehendBatchDetectSentimentResponse,
    "DetectDominantLanguage": models.ComprehendDetectDominantLanguageResponse,
    "BatchDetectDominantLanguage": models.ComprehendBatchDetectDominantLanguageResponse,
}
"""Each operation's input and output, in the order of :data:`.operations.OPERATIONS`."""

EXAMPLES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "DetectSentiment": (
        {"Text": "The food was great. The service was not good at all!", "LanguageCode": "en"},
        {
            "Sentiment": "MIXED",
            "SentimentScore": {
                "Positive": 0.101953125,
                "Negative": 0.0,
                "Neutral": 0.46054687499999997,
                "Mixed": 0.4375,
            },
        },
    ),
    "BatchDetectSentiment": (
        {
            "TextList": [
                "I love it.",
                "It broke after a day.",
                "Le service était lent et la soupe froide.",
            ],
            "LanguageCode": "en",
        },
        {
            "ResultList": [
                {
                    "Index": 0,
                    "Sentiment": "POSITIVE",
                    "SentimentScore": {
                        "Positive": 0.5,
                        "Negative": 0.0,
                        "Neutral": 0.5,
                        "Mixed": 0.0,
                    },
                },
                {
                    "Index": 1,
                    "Sentiment": "NEUTRAL",
                    "SentimentScore": {
                        "Positive": 0.0,
                        "Negative": 0.0,
                        "Neutral": 1.0,
                        "Mixed": 0.0,
                    },
                },
            ],
            "ErrorList": [
                {
                    "Index": 2,
                    "ErrorCode": "UNSUPPORTED_LANGUAGE",
                    "ErrorMessage": "The text looks like 'fr' (confidence 0.99), not English, "
                    "the only language analysed (this deployment identifies each text's "
                    "language: LanguageCheck=refuse)",
                }
            ],
        },
    ),
    "DetectDominantLanguage": (
        {"Text": "Le service était lent et la soupe froide."},
        {"Languages": [{"LanguageCode": "fr", "Score": 0.992557168006897}]},
    ),
    "BatchDetectDominantLanguage": (
        {"TextList": ["The food was lovely.", "Das Frühstück war leider kalt."]},
        {
            "ResultList": [
                {"Index": 0, "Languages": [{"LanguageCode": "en", "Score": 0.9997178316116333}]},
                {
                    "Index": 1,
                    "Languages": [
                        {"LanguageCode": "de", "Score": 0.9416795969009399},
                        {"LanguageCode": "en", "Score": 0.021121826022863388},
                        {"LanguageCode": "no", "Score": 0.01037656981498003},
                        {"LanguageCode": "pt", "Score": 0.010276464745402336},
                    ],
                },
            ],
            "ErrorList": [],
        },
    ),
}
"""Each operation's example request and the answer the default deployment (``textblob``, the
language check on) gives it: a test holds them to the handler's answers."""

ERROR_EXAMPLES: tuple[Exception, ...] = (
    InvalidJsonError(),
    TextTooLargeError(5_001, MAX_DOCUMENT_BYTES),
    UnsupportedLanguageError(
        "fr", message="Only English (en) is analysed; the request's LanguageCode is 'fr'"
    ),
    TooManyTextsError(MAX_BATCH_DOCUMENTS + 1, MAX_BATCH_DOCUMENTS),
    UnknownOperationError(TARGET_PREFIX + "DetectEntities", SERVED_TARGETS),
)
"""The client errors the document shows, one of each ``__type`` (all 400)."""


def _ref(model: type[Any]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def schemas() -> dict[str, Any]:
    """The component schemas of the endpoint's bodies, by model name (JSON Schema, as OpenAPI
    3.1 takes it; requests as validated, responses as serialised)."""
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (model, "validation") for model in REQUEST_MODELS.values()
    ]
    pairs += [(model, "serialization") for model in RESPONSE_MODELS.values()]
    pairs.append((models.ComprehendError, "serialization"))
    _, found = models_json_schema(pairs, ref_template="#/components/schemas/{model}")
    definitions: dict[str, Any] = found["$defs"]
    return definitions


def _errors(description: str, *examples: Exception) -> dict[str, Any]:
    bodies = [error_body(exc)[1] for exc in examples]
    return {
        "description": description,
        "content": {
            CONTENT_TYPE: {
                "schema": _ref(models.ComprehendError),
                "examples": {body["__type"]: {"value": body} for body in bodies},
            }
        },
    }


def operation() -> dict[str, Any]:
    """The OpenAPI operation of ``POST /``."""
    targets = list(SERVED_TARGETS)
    return {
        "tags": [TAG],
        "summary": "Amazon Comprehend's sentiment and language operations",
        "description": (
            "Comprehend's own protocol: the operation is `X-Amz-Target` "
            f"(`{TARGET_PREFIX}<Operation>`), the body its input. Answers 200 with the "
            "operation's output, or an error with `__type`, which boto3 raises as "
            "`client.exceptions.<__type>`: 400 for anything wrong with the request (never "
            "retried), 503 InternalServerException when the engine cannot load (retried). "
            "Limits: 5,000 UTF-8 bytes a document (100,000 for DetectDominantLanguage), 25 "
            'documents a batch. How each score is derived: README, "Coming from Comprehend".'
        ),
        "operationId": "comprehend",
        "parameters": [
            {
                "name": "X-Amz-Target",
                "in": "header",
                "required": True,
                "description": "The operation (Comprehend's target prefix and its name).",
                "schema": {"type": "string", "enum": targets},
                "examples": {
                    name: {"value": TARGET_PREFIX + name, "summary": name} for name in OPERATIONS
                },
            },
            {
                "name": ENGINE_HEADER,
                "in": "header",
                "required": False,
                "description": "Ours, not Comprehend's: the analysis engine; without it, the "
                "deployment's (env ENGINE). Checked on every operation; the language operations "
                "do not use it.",
                "schema": {"type": "string", "enum": list(ENGINE_NAMES)},
            },
        ],
        "requestBody": {
            "required": True,
            "content": {
                CONTENT_TYPE: {
                    "schema": {"anyOf": [_ref(model) for model in REQUEST_MODELS.values()]},
                    "examples": {
                        name: {
                            "summary": f"{name} (X-Amz-Target {TARGET_PREFIX}{name})",
                            "value": request,
                        }
                        for name, (request, _) in EXAMPLES.items()
                    },
                }
            },
        },
        "responses": {
            "200": {
                "description": "The operation's output",
                "headers": {
                    "x-amzn-RequestId": {
                        "description": "API Gateway's id of the request (boto3's "
                        "ResponseMetadata.RequestId)",
                        "schema": {"type": "string"},
                    }
                },
                "content": {
                    CONTENT_TYPE: {
                        "schema": {"anyOf": [_ref(model) for model in RESPONSE_MODELS.values()]},
                        "examples": {
                            name: {"summary": name, "value": response}
                            for name, (_, response) in EXAMPLES.items()
                        },
                    }
                },
            },
            "400": _errors("A client error: see `__type`", *ERROR_EXAMPLES),
            "503": _errors(
                "The engine cannot load now (retry, or choose another engine)",
                EngineUnavailableError("encoder"),
            ),
        },
    }


def add_to(document: dict[str, Any]) -> None:
    """Add the endpoint to an OpenAPI document (a dict, as dumped): its operation under
    ``paths["/"]["post"]``, its schemas, its tag."""
    document["paths"].setdefault(PATH, {})[METHOD.lower()] = operation()
    document.setdefault("components", {}).setdefault("schemas", {}).update(schemas())
    document.setdefault("tags", []).append({"name": TAG, "description": TAG_DESCRIPTION})
