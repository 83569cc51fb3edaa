"""The one Logger and Metrics of the service (names from ``POWERTOOLS_SERVICE_NAME`` and
``POWERTOOLS_METRICS_NAMESPACE``, which the template sets).

No Tracer here on purpose: the API function calls nothing downstream, and a Tracer would add
the X-Ray SDK to its every cold start (the job functions have theirs, in ``jobs/tracing.py``).
"""

import warnings

from aws_lambda_powertools import Logger, Metrics

# A health check or a 404 records no metric; Powertools warns about every such invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics()
