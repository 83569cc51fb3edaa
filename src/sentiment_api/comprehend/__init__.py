"""Amazon Comprehend's sentiment and language operations, answered in Comprehend's own wire
protocol on ``POST /``, so that ``boto3.client("comprehend", endpoint_url=...)`` (or the AWS
CLI) calls this service unchanged: the same ``analyse()`` as ``POST /analyse``, another face.

- :mod:`.shapes`: the pure mapping from ``analyse()``'s results to Comprehend's output shapes;
- :mod:`.protocol`: the wire (AWS JSON 1.1: ``X-Amz-Target``, the body, ``__type`` errors);
- :mod:`.operations`: DetectSentiment, BatchDetectSentiment, DetectDominantLanguage,
  BatchDetectDominantLanguage, with Comprehend's limits;
- :mod:`.app`: one proxy event in, one proxy response out (what the API function calls);
- :mod:`.models` and :mod:`.docs`: the endpoint in the API's OpenAPI document.

The protocol is botocore's service model for ``comprehend`` (``botocore/data/comprehend/
2017-11-27/service-2.json``: ``protocol: json``, ``jsonVersion: 1.1``, ``targetPrefix:
Comprehend_20171127``); a contract test reads that model and checks every answer against it.
"""
