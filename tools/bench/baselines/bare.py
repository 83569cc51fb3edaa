"""Baseline "bare": the tutorial's handler as a Lambda function, and nothing else.

``TextBlob(text).sentiment`` and ``json.dumps``: no validation, no logging, no metrics, no
error handling. Its import of ``textblob`` (and so NLTK) is the init a naive port pays.
"""

import json
from typing import Any

from textblob import TextBlob


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    text = json.loads(event["body"])["text"]
    sentiment = TextBlob(text).sentiment
    if sentiment.polarity > 0:
        label = "positive"
    elif sentiment.polarity < 0:
        label = "negative"
    else:
        label = "neutral"
    body = {
        "input": text,
        "sentiment_score": sentiment.polarity,
        "sentiment": label,
        "subjectivity": sentiment.subjectivity,
    }
    return {"statusCode": 200, "body": json.dumps(body)}
