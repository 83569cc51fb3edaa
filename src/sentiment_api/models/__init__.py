"""Request, response and error bodies of both HTTP functions (pydantic v2), by function:
:mod:`.api` (the sentiment API), :mod:`.errors` (every error answer), :mod:`.jobs` (the jobs
API). Every name is re-exported here, so ``from sentiment_api.models import X`` works."""

from sentiment_api.models.api import (
    AnalyseOptions,
    AnalyseRequest,
    AnalyseResponse,
    AssessmentResult,
    BatchItemError,
    BatchItemResult,
    BatchRequest,
    BatchResponse,
    ContributionResult,
    EngineName,
    HealthResponse,
    Probabilities,
    SentenceResult,
)
from sentiment_api.models.errors import ErrorDetail, ErrorResponse
from sentiment_api.models.jobs import JobRequest, JobResponse, JobResults, JobStatus, JobUpload

__all__ = [
    "AnalyseOptions",
    "AnalyseRequest",
    "AnalyseResponse",
    "AssessmentResult",
    "BatchItemError",
    "BatchItemResult",
    "BatchRequest",
    "BatchResponse",
    "ContributionResult",
    "EngineName",
    "ErrorDetail",
    "ErrorResponse",
    "HealthResponse",
    "JobRequest",
    "JobResponse",
    "JobResults",
    "JobStatus",
    "JobUpload",
    "Probabilities",
    "SentenceResult",
]
