"""Run inside a function image by the benchmark: peak and current RSS of the function process
after 100 and after 10,000 warm invocations (or the counts the input names), as one JSON line
on stderr.

Usage: python3 rss.py <handler module> <input.json>
where input.json is {"events": [API Gateway proxy events], "counts": [n, ...]}, the events
used in turn, "counts" optional (default [100, 10000]).
"""

import contextlib
import importlib
import json
import os
import sys


class Context:
    """The attributes of the Lambda context that Powertools reads."""

    function_name = "SentimentFunction"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:SentimentFunction"
    aws_request_id = "bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def status_kib(field: str) -> int:
    """A field of /proc/self/status, in KiB (VmRSS: resident now; VmHWM: peak resident)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def main() -> None:
    module, input_path = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "/var/task"))  # where Lambda imports from
    with open(input_path) as file:
        given = json.load(file)
    handler = importlib.import_module(module).lambda_handler
    events = given["events"]
    figures: dict[str, dict[str, int]] = {
        "after_import": {"rss_kib": status_kib("VmRSS"), "peak_kib": status_kib("VmHWM")}
    }
    done = 0
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # EMF metric lines
        for target in given.get("counts", (100, 10_000)):
            while done < target:
                response = handler(events[done % len(events)], Context())
                assert response["statusCode"] < 500, response
                done += 1
            figures[f"after_{target}"] = {
                "rss_kib": status_kib("VmRSS"),
                "peak_kib": status_kib("VmHWM"),
            }
    print(json.dumps(figures), file=sys.stderr)


if __name__ == "__main__":
    main()
