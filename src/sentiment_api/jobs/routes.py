"""The jobs API's routes, as a Powertools ``Router`` that :mod:`.app` includes:
``POST /jobs`` and ``GET /jobs/{job_id}``. Each request's :class:`~.storage.JobStore` comes from
the resolver's context (``store``), which the entry point sets, with the S3 client it owns."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, cast

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from sentiment_api.http.proxy import base_path
from sentiment_api.jobs import service
from sentiment_api.jobs.models import JobRequest, JobResponse, JobResults, JobUpload
from sentiment_api.jobs.settings import get_job_settings
from sentiment_api.jobs.storage import JobStore
from sentiment_api.observability import logger
from sentiment_api.settings import get_settings

ALLOWED_METHODS = {"/jobs": ("POST",), "/jobs/{job_id}": ("GET",)}
"""The methods of each path of this router, for the 405s of the others."""

router = Router()


def _store() -> JobStore:
    store: JobStore = router.context["store"]
    return store


def _api_key_id() -> str | None:
    """The id of the API key the request was made with (API Gateway's
    ``requestContext.identity.apiKeyId``), or None."""
    event = cast(APIGatewayProxyEvent, router.current_event)  # a REST API's proxy event
    return event.request_context.identity.api_key_id or None


@router.post("/jobs", summary="Create a job: get a URL to upload a file to analyse")
def create_job(request: JobRequest) -> Response[JobResponse]:
    """Record a new job, owned by the caller's API key, and presign its upload.

    Raises:
        InvalidFilenameError: a path, a hidden name, or not .txt, .csv or .jsonl (400).
        UploadTooLargeError: ``size`` over ``MAX_UPLOAD_BYTES`` or over what one job reads
            before its timeout (413).
        ApiKeyRequiredError: no API key while the deployment requires one (403).
    """
    job, upload = service.create_job(
        _store(),
        get_job_settings(),
        filename=request.filename,
        size=request.size,
        options=request.model_dump(exclude={"filename", "size"}, exclude_none=True),
        api_key_id=_api_key_id(),
    )
    logger.info("Job created", extra={"job_id": job["job_id"], "input_key": job["input_key"]})
    body = JobResponse(status="WAITING_FOR_UPLOAD", upload=JobUpload(**upload), **job)
    assert router.api_resolver is not None  # the router is included in the app
    prefix = base_path(router.api_resolver, get_settings().base_path)
    return Response(
        status_code=HTTPStatus.CREATED,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers={"Location": f"{prefix}/jobs/{job['job_id']}"},
    )


@router.get("/jobs/<job_id>", summary="The status of a job, and its results when done")
def get_job(job_id: Annotated[str, Path(description="The job id POST /jobs gave.")]) -> JobResponse:
    """The job's status (see :func:`.service.job_status`).

    Raises:
        JobNotFoundError: the id is malformed, no job has it, or another key's job (404).
    """
    found = service.job_status(_store(), get_job_settings(), job_id, api_key_id=_api_key_id())
    results = found.pop("results")
    return JobResponse(results=None if results is None else JobResults(**results), **found)
