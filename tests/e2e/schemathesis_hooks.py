"""Schemathesis hooks for the run against SAM's emulator (``SCHEMATHESIS_HOOKS``)."""

import json

import schemathesis

# POST / (the Comprehend-compatible endpoint) speaks application/x-amz-json-1.1: JSON by another
# name, which Schemathesis neither sends nor reads unless told (support.py does the same for the
# in-process run; this module is loaded alone by the command line).
schemathesis.serializer.alias("application/x-amz-json-1.1", "application/json")


@schemathesis.deserializer("application/x-amz-json-1.1")
def amz_json(context, response):
    """The answer's body, as JSON."""
    return json.loads(response.content)


@schemathesis.hook
def filter_body(context, body) -> bool:
    """Keep only bodies SAM's emulator can pass on: it fails (502) on bytes that are not
    UTF-8, before invoking the function."""
    if isinstance(body, bytes):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True
