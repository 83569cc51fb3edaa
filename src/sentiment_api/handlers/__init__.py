"""Lambda entry points. Each module is one function's handler; they share ``analysis``."""
