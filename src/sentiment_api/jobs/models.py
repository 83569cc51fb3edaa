"""Request and response bodies of the jobs API (``POST /jobs``, ``GET /jobs/{job_id}``),
pydantic v2."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sentiment_api.api.models import OMITTED_IF_NONE, AnalyseOptions

JobStatus = Literal[
    "WAITING_FOR_UPLOAD", "QUEUED", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED"
]
"""``QUEUED``: uploaded, waiting for the job function (docs/jobs.md, "Jobs over HTTPS");
``CANCELLED``: ``DELETE /jobs/{job_id}``."""

FILENAME_DESCRIPTION = (
    "The file's name: letters, digits, '.', '_' and '-' (no path), up to 200 characters, "
    "ending in .txt, .csv or .jsonl (which sets the format); else a 400."
)
SIZE_DESCRIPTION = (
    "The file's exact size in bytes: the upload must have exactly this Content-Length. Over "
    "5,000,000,000 (one S3 PUT's most) or over the deployment's cap on a job (env "
    "MAX_UPLOAD_BYTES, default 5,000,000,000, which the files of a job share), or over what a "
    "job cut into byte ranges reads in time at its engine's worst (the encoder with explain: "
    "864,000,000 at the defaults) is a 413. A file "
    "larger than one invocation reads before its timeout is cut into byte ranges analysed in "
    "parallel (docs/jobs.md)."
)


class JobFile(BaseModel):
    """One file of a job of several (``POST /jobs`` with ``files``)."""

    model_config = ConfigDict(extra="forbid")

    filename: Annotated[str, Field(description=FILENAME_DESCRIPTION, examples=["2025-01.csv"])]
    size: Annotated[int, Field(strict=True, ge=1, description=SIZE_DESCRIPTION)]


class JobRequest(AnalyseOptions):
    """Body of ``POST /jobs``: the file to be uploaded (``filename`` and ``size``), or the
    files (``files``), and how to analyse them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"filename": "reviews.csv", "size": 52_817, "text_column": "review"},
                {
                    "files": [
                        {"filename": "2025-01.csv", "size": 4_000_000_000},
                        {"filename": "2025-02.csv", "size": 3_600_000_000},
                    ]
                },
            ]
        },
    )

    filename: Annotated[
        str | None, Field(description=FILENAME_DESCRIPTION, examples=["reviews.csv"])
    ] = None
    size: Annotated[
        int | None, Field(strict=True, ge=1, description=SIZE_DESCRIPTION, examples=[52_817])
    ] = None
    files: Annotated[
        list[JobFile] | None,
        Field(
            min_length=1,
            description=(
                "Instead of filename and size: the job's files (at most MAX_FILES_PER_JOB, "
                "100 by default), each uploaded with its own URL under the job's prefix and "
                "analysed as one job: one summary, one results file whose lines name their "
                "`file`. Each file's format comes from its extension."
            ),
        ),
    ] = None
    text_column: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=200,
            description="For a .csv: the column holding the text (default `text`).",
        ),
    ] = None

    @model_validator(mode="after")
    def _one_form(self) -> JobRequest:
        single = self.filename is not None or self.size is not None
        if single == (self.files is not None):
            raise ValueError("Give either filename and size, or files")
        if single and (self.filename is None or self.size is None):
            raise ValueError("filename and size go together")
        return self


class JobUpload(BaseModel):
    """How to upload a job's file: a presigned S3 PUT, that S3 accepts once, with the declared
    size."""

    filename: Annotated[
        str | None, Field(description="The file it is for (a job of several).", **OMITTED_IF_NONE)
    ] = None
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
    filename: Annotated[
        str | None, Field(description="A job of one file: its name.", **OMITTED_IF_NONE)
    ] = None
    files: Annotated[
        list[dict[str, Any]] | None,
        Field(
            description="A job of several files: each one's filename, size and input_key.",
            **OMITTED_IF_NONE,
        ),
    ] = None
    size: Annotated[int, Field(description="The job's size in bytes, as declared.")]
    input_key: Annotated[
        str,
        Field(
            description=(
                "Where the upload goes in the job bucket (a job of several files: the prefix "
                "they go under)."
            )
        ),
    ]
    options: Annotated[dict[str, Any], Field(description="The options the job runs with.")]
    created_at: Annotated[str, Field(description="ISO 8601, UTC.")]
    cancelled_at: Annotated[
        str | None,
        Field(description="When DELETE /jobs/{job_id} cancelled it.", **OMITTED_IF_NONE),
    ] = None
    upload: Annotated[
        JobUpload | None,
        Field(description="Only from POST /jobs of one file: how to upload it.", **OMITTED_IF_NONE),
    ] = None
    uploads: Annotated[
        list[JobUpload] | None,
        Field(
            description="Only from POST /jobs of several files: how to upload each.",
            **OMITTED_IF_NONE,
        ),
    ] = None
    progress: Annotated[
        dict[str, Any] | None,
        Field(
            description=(
                "A job analysed in byte ranges, in progress: its ranges (null until its files "
                "are cut), ranges_done and the documents they hold; a job of several files "
                "waiting for them: files and files_uploaded."
            ),
            **OMITTED_IF_NONE,
        ),
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
