"""The Powertools Tracer of the two job functions, which call S3: it patches botocore, so each
S3 call is an X-Ray subsegment under the handler's.

Not in :mod:`sentiment_api.observability`: the sentiment API function imports that module and
must not load the X-Ray SDK (see its docstring). The job functions import boto3 anyway, so the
SDK's import of botocore costs them little. Outside Lambda the Tracer disables itself.
"""

from aws_lambda_powertools import Tracer

tracer = Tracer()
