"""The Comprehend-compatible endpoint as the API function serves it: one API Gateway proxy
event of ``POST /`` in, one proxy response out. The entry point
(:mod:`sentiment_api.handlers.api`) hands it every ``POST /`` before its own screening, whose
rules (``application/json`` only, ``POST /analyse``'s body limits) are not this protocol's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sentiment_api.comprehend import protocol
from sentiment_api.comprehend.operations import OPERATIONS, SERVED_TARGETS
from sentiment_api.errors import DomainError, UnknownOperationError
from sentiment_api.observability import logger


def answer(event: Mapping[str, Any]) -> dict[str, Any]:
    """Answer one Comprehend request (a ``POST /`` proxy event, REST API payload 1.0).

    The operation is read from ``X-Amz-Target`` first (an unknown one is refused whatever the
    body), then the body (:func:`.protocol.members`) and the engine header, then the operation
    runs (:mod:`.operations`).

    Returns:
        ``{"statusCode", "multiValueHeaders", "body", "isBase64Encoded"}``: 200 and the
        operation's output, or the protocol's error (:func:`.protocol.error_response`): 400
        for anything wrong with the request, never a 5xx for it; 503 when the engine cannot
        load, 500 for a bug (its traceback logged, not returned). Never raises.
    """
    request = protocol.request_id(event)
    try:
        target = protocol.header(event, "X-Amz-Target")
        operation = OPERATIONS.get(protocol.operation_name(target) or "")
        if operation is None:
            raise UnknownOperationError(target, SERVED_TARGETS)
        members = protocol.members(event)
        output = operation(members, protocol.engine(event))
        return protocol.response(output, request)
    except DomainError as exc:
        return protocol.error_response(exc, request)
    except Exception as exc:  # the last line of defence: log the traceback, return nothing of it
        logger.exception("Unhandled error in the Comprehend-compatible endpoint")
        return protocol.error_response(exc, request)
