"""Request and response bodies of the jobs API (``POST /jobs``, ``GET /jobs/{job_id}``),
pydantic v2."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sentiment_api.api.models import OMITTED_IF_NONE, AnalyseOptions

JobStatus = Literal["WAITING_FOR_UPLOAD", "QUEUED", "IN_PROGRESS", "COMPLETED", "FAILED"]
"""``QUEUED``: uploaded, waiting for the job function (docs/jobs.md, "Jobs over HTTPS")."""


class JobRequest(AnalyseOptions):
    """Body of ``POST /jobs``: the file to be uploaded, and how to analyse it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"filename": "reviews.csv", "size": 52_817, "text_column": "review"}]
        },
    )

    filename: Annotated[
        str,
        Field(
            description=(
                "The file's name: letters, digits, '.', '_' and '-' (no path), up to 200 "
                "characters, ending in .txt, .csv or .jsonl (which sets the format); else a 400."
            ),
            examples=["reviews.csv"],
        ),
    ]
    size: Annotated[
        int,
        Field(
            strict=True,
            ge=1,
            description=(
                "The file's exact size in bytes (required): the upload must have exactly this "
                "Content-Length. Over the deployment's cap (env MAX_UPLOAD_BYTES, default "
                "100,000,000) or over what one job reads before its timeout with its engine, "
                "sentences and explain options (at the default 900 s without either: textblob "
                "105,360,000 bytes, model 175,600,000, encoder 10,536,000; docs/jobs.md gives "
                "the rest) is a 413."
            ),
            examples=[52_817],
        ),
    ]
    text_column: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=200,
            description="For a .csv: the column holding the text (default `text`).",
        ),
    ] = None


class JobUpload(BaseModel):
    """How to upload a job's file: a presigned S3 PUT, that S3 accepts once, with the declared
    size."""

    url: Annotated[str, Field(description="The presigned URL; PUT the file's bytes to it.")]
    method: Literal["PUT"] = "PUT"
    headers: Annotated[
        dict[str, str],
        Field(
            description=(
                "Headers the PUT must carry exactly (the signature covers them): Content-Length "
                "(the declared size), Content-Type and If-None-Match: * (a second upload is "
                "refused with 412)."
            )
        ),
    ]
    expires_at: Annotated[str, Field(description="When the URL stops working (ISO 8601, UTC).")]


class JobResults(BaseModel):
    """Where a completed job's results are: a presigned S3 GET of the JSON Lines file."""

    url: Annotated[str, Field(description="The presigned URL of the results (JSON Lines).")]
    expires_at: Annotated[str, Field(description="When the URL stops working (ISO 8601, UTC).")]


class JobResponse(BaseModel):
    """Body of a 201 from ``POST /jobs`` and of a 200 from ``GET /jobs/{job_id}``."""

    job_id: Annotated[str, Field(description="The job's id: 32 hex digits.")]
    status: Annotated[JobStatus, Field(description="Where the job is.")]
    filename: str
    size: Annotated[int, Field(description="The file's size in bytes, as declared.")]
    input_key: Annotated[str, Field(description="Where the upload goes in the job bucket.")]
    options: Annotated[dict[str, Any], Field(description="The options the job runs with.")]
    created_at: Annotated[str, Field(description="ISO 8601, UTC.")]
    upload: Annotated[
        JobUpload | None,
        Field(description="Only from POST /jobs: how to upload the file.", **OMITTED_IF_NONE),
    ] = None
    summary: Annotated[
        dict[str, Any] | None,
        Field(
            description=(
                "Once the job has started: its summary (the .summary.json file): counts per "
                "label and error code, mean score, times, and for a FAILED job its `reason` "
                "and `code`. A job that never ran (`not_run`) has only `status`, `code`, "
                "`reason` and `input`."
            ),
            **OMITTED_IF_NONE,
        ),
    ] = None
    results: Annotated[
        JobResults | None,
        Field(description="Only when COMPLETED: where to get the results.", **OMITTED_IF_NONE),
    ] = None
