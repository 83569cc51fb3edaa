"""The job functions' Powertools Tracer (it patches botocore: each S3 call is a subsegment).
Apart from ``observability``, so that the API function never loads the X-Ray SDK."""

from aws_lambda_powertools import Tracer

tracer = Tracer()
