"""Schemathesis hooks for the run against SAM's emulator (``SCHEMATHESIS_HOOKS``)."""

import schemathesis


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
