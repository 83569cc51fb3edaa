"""The one Logger, Tracer and Metrics of the service; everything else imports them from here.

Their names and namespace come from the environment (``POWERTOOLS_SERVICE_NAME``,
``POWERTOOLS_METRICS_NAMESPACE``), which the SAM template sets.
"""

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

# A health check or a 404 records no metric; Powertools warns about every such invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
# auto_patch=False: the API makes no AWS calls, so there is nothing to patch. (Constructing a
# Tracer still imports the X-Ray SDK, which imports botocore: aws/aws-xray-sdk-python#311.)
tracer = Tracer(auto_patch=False)
metrics = Metrics()
