"""Run inside the function image by the benchmark: one invocation of the sentiment job's handler
(``SentimentJobFunction``) on an S3 event, then one JSON line on stderr: the seconds the import
and the invocation took, the process's RSS after the import and its peak (VmHWM) at the end,
and the handler's answer.

Usage: python3 job.py '<S3 event as JSON>'
(with ``AWS_ENDPOINT_URL_S3`` pointing at a local S3, such as moto_server, and credentials.)
"""

import importlib
import json
import os
import sys
import time

TYPE_CHECKING = False  # as typing's, which is not imported: the handler's import is timed
if TYPE_CHECKING:
    from .rss import Context, status_kib
else:  # run as a script: rss.py is beside it, in the same mounted folder (sys.path[0])
    from rss import Context, status_kib


class JobContext(Context):
    function_name = "SentimentJobFunction"
    memory_limit_in_mb = 1769
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:SentimentJobFunction"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 900_000


def main() -> None:
    event = json.loads(sys.argv[1])
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "/var/task"))  # where Lambda imports from
    start = time.perf_counter()
    handler = importlib.import_module("sentiment_api.handlers.jobs").lambda_handler
    imported = time.perf_counter()
    after_import_kib = status_kib("VmRSS")
    answer = handler(event, JobContext())
    ended = time.perf_counter()
    figures = {
        "import_s": imported - start,
        "invocation_s": ended - imported,
        "rss_after_import_kib": after_import_kib,
        "peak_rss_kib": status_kib("VmHWM"),
        "answer": answer,
    }
    print(json.dumps(figures), file=sys.stderr)


if __name__ == "__main__":
    main()
