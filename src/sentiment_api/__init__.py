"""Sentiment-analysis API: a lexicon-based (TextBlob) sentiment service for AWS Lambda."""

__version__ = "0.1.0"
