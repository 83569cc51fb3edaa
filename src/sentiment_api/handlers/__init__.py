"""Lambda entry points. ``api`` is the HTTP API function; it calls ``analysis``."""
