"""The one Logger and Metrics of the service; everything else imports them from here.

Their names and namespace come from the environment (``POWERTOOLS_SERVICE_NAME``,
``POWERTOOLS_METRICS_NAMESPACE``), which the SAM template sets.

There is no Powertools Tracer here on purpose. The API function calls nothing downstream, so
Lambda's own X-Ray segments (``Tracing: Active`` in the template: initialization, invocation,
overhead) already show all there is. A Tracer would add the X-Ray SDK to every cold start, and
botocore with it once botocore is installed (aws/aws-xray-sdk-python#311), and a little to
every invocation: README, "Observability", gives the figures.
"""

import warnings

from aws_lambda_powertools import Logger, Metrics

# A health check or a 404 records no metric; Powertools warns about every such invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics()
