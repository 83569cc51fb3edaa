"""The jobs API's routes, as a Powertools ``Router`` that :mod:`.app` includes:
``POST /jobs``, ``GET /jobs/{job_id}`` and ``DELETE /jobs/{job_id}``. Each request's
:class:`~.storage.JobStore` and :class:`~.executions.Executions` (None when the deployment has
no state machine) come from the resolver's context (``store``, ``executions``), which the entry
point sets, with the clients it owns."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from sentiment_api.http.proxy import base_path
from sentiment_api.jobs import service
from sentiment_api.jobs.executions import Executions
from sentiment_api.jobs.models import JobRequest, JobResponse, JobResults, JobUpload
from sentiment_api.jobs.settings import get_job_settings
from sentiment_api.jobs.storage import JobStore
from sentiment_api.observability import logger
from sentiment_api.settings import get_settings

ALLOWED_METHODS = {"/jobs": ("POST",), "/jobs/{job_id}": ("GET", "DELETE")}
"""The methods of each path of this router, for the 405s of the others."""

router = Router()


def _store() -> JobStore:
    store: JobStore = router.context["store"]
    return store


def _executions() -> Executions | None:
    executions: Executions | None = router.context.get("executions")
    return executions


def _api_key_id() -> str | None:
    """The id of the API key the request was made with (API Gateway's
    ``requestContext.identity.apiKeyId``), or None."""
    event = cast(APIGatewayProxyEvent, router.current_event)  # a REST API's proxy event
    return event.request_context.identity.api_key_id or None


@router.post("/jobs", summary="Create a job: get URLs to upload the files to analyse")
def create_job(request: JobRequest) -> Response[JobResponse]:
    """Record a new job, owned by the caller's API key, and presign its uploads.

    Raises:
        InvalidFilenameError: a path, a hidden name, or not .txt, .csv or .jsonl; a name given
            twice; more files than MAX_FILES_PER_JOB (400).
        UploadTooLargeError: a file over one PUT's 5 GB, or the job over ``MAX_UPLOAD_BYTES``
            or over what a job fanned out reads in time with its engine (413).
        ApiKeyRequiredError: no API key while the deployment requires one (403).
    """
    several = request.files is not None
    files = (
        [(f.filename, f.size) for f in request.files]
        if request.files is not None
        else [(str(request.filename), int(request.size or 0))]
    )
    job, uploads = service.create_job(
        _store(),
        get_job_settings(),
        files=files,
        several=several,
        options=request.model_dump(exclude={"filename", "size", "files"}, exclude_none=True),
        api_key_id=_api_key_id(),
    )
    logger.info("Job created", extra={"job_id": job["job_id"], "input_key": job["input_key"]})
    if several:
        body = JobResponse(
            status="WAITING_FOR_UPLOAD", uploads=[JobUpload(**u) for u in uploads], **job
        )
    else:
        (upload,) = uploads
        upload = {k: v for k, v in upload.items() if k != "filename"}
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
    found = service.job_status(
        _store(),
        get_job_settings(),
        job_id,
        api_key_id=_api_key_id(),
        executions=_executions(),
    )
    return _response(found)


@router.delete("/jobs/<job_id>", summary="Cancel a job")
def cancel_job(
    job_id: Annotated[str, Path(description="The job id POST /jobs gave.")],
) -> JobResponse:
    """Cancel the job (see :func:`.service.cancel_job`): 200 with its status, ``CANCELLED``.

    Raises:
        JobNotFoundError: the id is malformed, no job has it, or another key's job (404).
        JobNotCancellableError: the job has ended, or runs in one invocation (409).
    """
    found = service.cancel_job(
        _store(),
        get_job_settings(),
        job_id,
        api_key_id=_api_key_id(),
        executions=_executions(),
    )
    logger.info("Job cancelled", extra={"job_id": job_id})
    return _response(found)


def _response(found: dict[str, Any]) -> JobResponse:
    results = found.pop("results")
    return JobResponse(results=None if results is None else JobResults(**results), **found)
