"""A job fanned out over several invocations: a file larger than one invocation is sure to read
before its timeout, or a job of several files, runs as an execution of the jobs' state machine
(``JobStateMachine`` in template.yaml, AWS Step Functions), whose steps are the functions here:

1. :func:`start` (the sentiment job, on the upload's S3 event): the ``IN_PROGRESS`` summary,
   then ``StartExecution``, named by the job's run id (:func:`run_id`).
2. ``PlanFiles``, a Map over the job's files: :func:`plan_file` cuts each file into byte ranges
   that start on a document (:mod:`.ranges`, one streaming read of the file).
3. :func:`collect`: every file's ranges in one list, the Distributed Map's items
   (``work/<run id>/manifest.json``, read by the Map's S3 ``ItemReader``).
4. ``AnalyseRanges``, a Distributed Map (at most ``MapConcurrency`` at once): :func:`analyse_range`
   runs :func:`~.files.analyse_stream` on one range (a ranged ``GET``), with the range's own
   document and line numbers, into its part and its tally. A retried range overwrites its own
   part and tally, never adds another.
5. :func:`reduce`: every range's tally must be there; the tallies merge into the one summary,
   and the parts, in input order, are copied by S3 into the one results object
   (:meth:`~.storage.JobStore.assemble`: ``UploadPartCopy``); ``COMPLETED``.
6. On any failure, :func:`fail`: the ``FAILED`` summary, naming the ranges that failed every
   try and why (from each range's failure record), then the execution fails.

The results are those of one invocation on the whole file, byte for byte: the same lines, in
the same order, with the same numbers, meta and errors (tests/unit/jobs/test_ranges.py holds
the property; tests/integration/jobs/test_fanout.py the whole path). A file rejected as a whole
(not UTF-8, a bad ``.csv`` header...) is rejected with the same ``code`` and ``reason``, after
the same documents: the first range to fail tells.

S3 only through :class:`~.storage.JobStore`, Step Functions only through
:class:`~.executions.Executions`; no Powertools but the logger and metrics.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from aws_lambda_powertools.metrics import MetricUnit

from sentiment_api.errors import FileRejectedError, InternalError, RangesFailedError
from sentiment_api.jobs import storage
from sentiment_api.jobs.executions import Executions
from sentiment_api.jobs.files import JobOptions, Tally, analyse_stream, buffered, summary
from sentiment_api.jobs.formats import RESULTS_TYPE, file_format
from sentiment_api.jobs.ranges import chunks_of, plan
from sentiment_api.jobs.settings import JobSettings, detail_of, stop_margin_s
from sentiment_api.observability import logger, metrics

FAILED_RANGES_SHOWN = 10
"""Failed ranges named in a ``FAILED`` summary's ``reason`` (all are in ``failed_ranges``)."""


class RunFile(TypedDict):
    """A file of a run: its key, and its name in a job of several files (the results'
    ``"file"``), None for a job of one."""

    key: str
    name: str | None


class Run(TypedDict, total=False):
    """The input of a job's execution, and what its steps pass on (JSON).

    ``bucket``, ``run_id`` (the execution's name), ``execution`` (its ARN), ``job_id`` (None
    for a file put in the bucket directly), ``target`` (the input key, or the job's
    ``input/<job id>/`` prefix: the summary and results are its :func:`~.storage.output_keys`),
    ``files``, ``etag`` and ``size`` (of a job of one file), ``options`` (the job's
    :class:`~.files.JobOptions` as a dict), ``range_bytes``, ``max_concurrency`` (the Map's
    ``MaxConcurrencyPath``), ``started`` (Unix seconds); after :func:`collect`:
    ``manifest_key`` (the Map's ``ItemReader``) and ``ranges``; after a failure: ``error``
    (``{"Error", "Cause"}``, the state machine's ``Catch``).
    """

    bucket: str
    run_id: str
    execution: str
    job_id: str | None
    target: str
    files: list[RunFile]
    etag: str | None
    size: int | None
    options: dict[str, Any]
    range_bytes: int
    max_concurrency: int
    started: float
    manifest_key: str
    ranges: int
    error: dict[str, str]


def run_id(job_id: str | None, key: str, etag: str | None, attempt: int) -> str:
    """The name of a job's execution (Step Functions: at most 80 letters, digits, ``-`` and
    ``_``): ``<job id>-<attempt>``, or for a file put in the bucket directly, the first 32 hex
    digits of the SHA-256 of its key and ETag; ``attempt`` counts runs of the same upload (a
    run after one that failed ``internal_error`` is the next)."""
    base = job_id or hashlib.sha256(f"{key}\n{etag or ''}".encode()).hexdigest()[:32]
    return f"{base}-{attempt}"


def start(
    store: storage.JobStore,
    executions: Executions,
    settings: JobSettings,
    *,
    target: str,
    files: list[RunFile],
    job_id: str | None,
    options: JobOptions,
    size: int,
    etag: str | None,
    earlier: dict[str, Any] | None,
) -> dict[str, Any]:
    """Start the execution of a job fanned out, once: write its ``IN_PROGRESS`` summary, then
    ``StartExecution``.

    Args:
        store: the job bucket.
        executions: the jobs' state machine.
        settings: the deployment's job settings (the Map's concurrency, the range size).
        target: the input key of a job of one file, or the job's ``input/<job id>/``.
        files: the files, in the order their results go.
        job_id: the jobs API's id of the job, None for a file put in the bucket directly.
        options: the job's options.
        size: the job's bytes, all files together.
        etag: the file's ETag (a job of one file), else None.
        earlier: the summary already at ``target``'s summary key, if any: the run after a
            ``FAILED`` ``internal_error`` one is its next attempt; one ``IN_PROGRESS`` whose
            execution never started (the function died in between) is started again under
            its own name.

    Returns:
        the ``IN_PROGRESS`` summary written (with ``run_id``, ``execution``, ``ranges``: None
        until the files are cut).

    Raises:
        botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError: S3 or Step
            Functions failed (a retry of the event may succeed).
    """
    attempt = 1
    if earlier is not None and earlier.get("run_id"):
        number = int(str(earlier["run_id"]).rsplit("-", 1)[1])
        attempt = number + 1 if earlier.get("status") == "FAILED" else number
    name = run_id(job_id, target, etag, attempt)
    started = time.time()
    multi = _several(files)
    run: Run = {
        "bucket": store.bucket,
        "run_id": name,
        "execution": executions.arn(name),
        "job_id": job_id,
        "target": target,
        "files": files,
        "etag": etag,
        "size": size,
        "options": dataclasses.asdict(options),
        "range_bytes": settings.range_size(
            size, options.engine, detail_of(options.sentences, options.explain)
        ),
        "max_concurrency": settings.map_concurrency,
        "started": started,
    }
    fields = _summary(run, "IN_PROGRESS", Tally(), ranges=None, multi=multi)
    store.put_summary(target, fields)
    started_now = executions.start(name, json.dumps(run))
    logger.info(
        "Job fanned out" if started_now else "Job fanned out already; duplicate event",
        extra={"run_id": name, "size": size, "files": len(files)},
    )
    if started_now:
        metrics.add_metric(name="JobsFannedOut", unit=MetricUnit.Count, value=1)
    return fields


def plan_file(store: storage.JobStore, event: dict[str, Any]) -> dict[str, Any]:
    """Cut one file of a run into ranges (one streaming read), into
    ``work/<run id>/plans/<index>.json``: ``{"key", "name", "fmt", "size", "etag", "ranges":
    [[start, end, first document, first line], ...], "header": [start, end, first line] or
    None, "rejected": None or {"code", "reason"}}``. A file that cannot be read at all
    (deleted: ``input_missing``; not ``.txt``, ``.csv`` or ``.jsonl``) has no ranges and its
    rejection.

    Args:
        event: ``{"run_id", "range_bytes", "index" (the file's), "file": RunFile}``.

    Returns:
        ``{"index", "ranges"}``.
    """
    file: RunFile = event["file"]
    index: int = event["index"]
    found: dict[str, Any] = {
        "key": file["key"],
        "name": file["name"],
        "fmt": None,
        "size": None,
        "etag": None,
        "ranges": [],
        "header": None,
        "rejected": None,
    }
    try:
        found["fmt"] = fmt = file_format(file["key"])
        body, size, etag = store.open_input(file["key"])
        found.update(size=size, etag=etag)
        cut = plan(chunks_of(body.read), size, fmt, event["range_bytes"])
    except FileRejectedError as exc:
        found["rejected"] = {"code": exc.code, "reason": str(exc)}
    else:
        found["ranges"] = [[r.start, r.end, r.first_document, r.first_line] for r in cut.ranges]
        if cut.header is not None:
            found["header"] = [cut.header.start, cut.header.end, cut.header.first_line]
    store.put_work(event["run_id"], f"plans/{index:05d}.json", found)
    logger.info("File planned", extra={"input_key": file["key"], "ranges": len(found["ranges"])})
    return {"index": index, "ranges": len(found["ranges"])}


def collect(store: storage.JobStore, run: Run) -> Run:
    """Every file's ranges, numbered in input order, into ``work/<run id>/manifest.json`` (a
    JSON array: the Distributed Map's items, each ``{"index", "key", "name", "fmt", "etag",
    "start", "end", "first_document", "first_line", "header"}``) and the files into
    ``files.json``; the ``IN_PROGRESS`` summary then says how many ranges there are.

    Returns:
        ``run`` with ``manifest_key`` and ``ranges``.
    """
    items: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    for index in range(len(run["files"])):
        planned = store.get_work(run["run_id"], f"plans/{index:05d}.json")
        first = len(items)
        for start, end, first_document, first_line in planned["ranges"]:
            items.append(
                {
                    "index": len(items),
                    "key": planned["key"],
                    "name": planned["name"],
                    "fmt": planned["fmt"],
                    "etag": planned["etag"],
                    "start": start,
                    "end": end,
                    "first_document": first_document,
                    "first_line": first_line,
                    "header": planned["header"],
                }
            )
        files.append({**planned, "ranges": [first, len(items)]})
    store.put_work(run["run_id"], "manifest.json", items)
    store.put_work(run["run_id"], "files.json", files)
    multi = _several(files)
    store.put_summary(run["target"], _summary(run, "IN_PROGRESS", Tally(), len(items), multi))
    logger.info("Ranges planned", extra={"run_id": run["run_id"], "ranges": len(items)})
    return {
        **run,
        "manifest_key": storage.work_key(run["run_id"], "manifest.json"),
        "ranges": len(items),
    }


def analyse_range(
    store: storage.JobStore, event: dict[str, Any], seconds_left: float
) -> dict[str, Any]:
    """Analyse one range (an item of the Distributed Map) into
    ``work/<run id>/parts/<index>.jsonl``, then its tally into ``tallies/<index>.json``
    (``{"index", "documents", "results", "errors", "score_sum", "bytes", "rejected"}``), then
    the marker ``done/<index>.<documents>``. The same keys on every try.

    A rejection of the file (``not_utf8``, a bad ``.csv``...) is the range's outcome, not its
    failure: its tally says so and the range ends normally (a retry would fail the same way).

    Args:
        event: ``{"run_id", "options", "range": an item of the manifest}``.
        seconds_left: the invocation's remaining time, in seconds: a range still being read
            :func:`~.settings.stop_margin_s` before the end stops (``TimeoutError``: a failure,
            retried by the state machine).

    Returns:
        ``{"index", "documents", "bytes"}``.

    Raises:
        TimeoutError: the range ran out of time.
        botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError: S3 failed. Before
            any error leaves, ``failures/<index>.json`` says what it was (best effort), for
            the ``FAILED`` summary.
    """
    item: dict[str, Any] = event["range"]
    run_name: str = event["run_id"]
    index: int = item["index"]
    try:
        return _analyse_range(store, run_name, item, JobOptions(**event["options"]), seconds_left)
    except Exception as exc:
        logger.exception("Range failed", extra={"run_id": run_name, "range": index})
        try:
            store.put_work(
                run_name,
                f"failures/{index:06d}.json",
                {"index": index, "error": type(exc).__name__, "reason": str(exc)[:1000]},
            )
        except Exception:
            logger.warning("Could not record the range's failure", exc_info=True)
        raise


def _analyse_range(
    store: storage.JobStore,
    run_name: str,
    item: dict[str, Any],
    options: JobOptions,
    seconds_left: float,
) -> dict[str, Any]:
    index: int = item["index"]
    margin = stop_margin_s(seconds_left)
    deadline = time.monotonic() + seconds_left - margin
    tally = Tally()

    def check_deadline(_: int) -> None:
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"Range {index} stopped {margin:.0f} s before the function's timeout, after "
                f"{tally.documents} documents"
            )

    header = None
    if item["header"] is not None and item["start"] > 0:
        start, end, line = item["header"]
        body, _ = store.open_range(item["key"], start, end, item["etag"])
        header = (body.read(), line)
    body, _ = store.open_range(item["key"], item["start"], item["end"], item["etag"])
    rejected = None
    with tempfile.TemporaryDirectory(prefix="range-") as spool:
        path = os.path.join(spool, "part.jsonl")
        with open(path, "w", encoding="utf-8", newline="\n") as sink:
            try:
                analyse_stream(
                    buffered(body.read),
                    sink,
                    item["fmt"],
                    options,
                    tally=tally,
                    progress=check_deadline,
                    first_document=item["first_document"],
                    first_line=item["first_line"],
                    header=header,
                    file=item["name"],
                )
            except FileRejectedError as exc:
                rejected = {"code": exc.code, "reason": str(exc)}
        size = os.path.getsize(path)
        store.put_work_file(run_name, f"parts/{index:06d}.jsonl", path, RESULTS_TYPE)
    store.put_work(
        run_name,
        f"tallies/{index:06d}.json",
        {
            "index": index,
            "documents": tally.documents,
            "results": dict(tally.results),
            "errors": dict(tally.errors),
            "score_sum": tally.score_sum,
            "bytes": size,
            "rejected": rejected,
        },
    )
    store.mark_work(run_name, f"done/{index:06d}.{tally.documents}")
    return {"index": index, "documents": tally.documents, "bytes": size}


def reduce(store: storage.JobStore, run: Run) -> dict[str, Any]:
    """Merge a run: check that every range has its tally, merge the tallies into the summary,
    copy the parts of the files analysed, in input order, into the one results object, write
    the summary (``COMPLETED``; or ``FAILED`` with the file's ``code`` and ``reason`` when
    the one file was rejected, or every file), end the job in flight, delete the working
    files.

    A file rejected as a whole is so from its first range that was (or from its plan): its
    documents are those before the rejection, as a run over the whole file counts them, and
    its results are left out. In a job of several files the others' still make the results,
    and the summary lists each file's outcome (``files``).

    Returns:
        ``{"status", "documents", "output"}``.

    Raises:
        RangesFailedError: ranges have no tally: they failed every try (Step Functions'
            Distributed Map fails first when one does; this holds where it does not).
    """
    ended = _ended(store, run)
    if ended is not None:  # a retry of a reduce that finished (Lambda's answer was lost)
        logger.info("The run has ended already", extra={"run_id": run["run_id"]})
        return {
            "status": ended["status"],
            "documents": ended.get("documents"),
            "output": ended.get("output"),
        }
    files: list[dict[str, Any]] = store.get_work(run["run_id"], "files.json")
    tallies = [store.get_work(run["run_id"], f"tallies/{i:06d}.json") for i in range(run["ranges"])]
    missing = [i for i, found in enumerate(tallies) if found is None]
    if missing:
        failed = failed_ranges(store, run, missing)
        raise RangesFailedError(_failed_reason(failed, run["ranges"]))
    multi = _several(files)
    total = Tally()
    parts: list[tuple[str, int]] = []
    outcomes: list[dict[str, Any]] = []
    failure: tuple[str, str] | None = None
    for file in files:
        tally, rejected = Tally(), file["rejected"]
        own = tallies[file["ranges"][0] : file["ranges"][1]]
        for found in own:
            _add(tally, found)
            if found["rejected"] is not None:
                rejected = found["rejected"]
                break
        if rejected is None:
            parts.extend(
                (storage.work_key(run["run_id"], f"parts/{t['index']:06d}.jsonl"), t["bytes"])
                for t in own
            )
            _merge(total, tally)
        elif failure is None:
            failure = (rejected["code"], rejected["reason"])
            if not multi:
                total = tally  # the documents before the rejection, as one run counts them
        outcomes.append(_file_outcome(file, tally, rejected))
    if multi and any(o["status"] == "COMPLETED" for o in outcomes):
        failure = None  # a job of several files completes with the files it could analyse
    elif multi and failure is not None:
        first = next(o for o in outcomes if o["status"] == "FAILED")
        failure = (
            failure[0],
            f"No file could be analysed; the first, {first['file']}: {failure[1]}",
        )
    if failure is None:
        stats = store.assemble(parts, storage.output_keys(run["target"])[0], RESULTS_TYPE)
        logger.info("Results assembled", extra={"run_id": run["run_id"], **stats})
    else:
        store.delete_results(run["target"])
    status = "FAILED" if failure is not None else "COMPLETED"
    fields = _summary(run, status, total, run["ranges"], multi, failure, outcomes)
    store.put_summary(run["target"], fields)
    _end(store, run)
    store.delete_work(run["run_id"])
    metrics.add_metric(name="JobDocuments", unit=MetricUnit.Count, value=total.documents)
    outcome = "JobsCompleted" if failure is None else "JobsRejected"
    metrics.add_metric(name=outcome, unit=MetricUnit.Count, value=1)
    logger.info("Job finished", extra={"status": status, "documents": total.documents})
    return {"status": status, "documents": total.documents, "output": fields["output"]}


def fail(store: storage.JobStore, run: Run) -> dict[str, Any]:
    """The ``FAILED`` summary of a run that failed (the state machine's ``Catch``:
    ``run["error"]``), ``code`` ``internal_error``, naming the ranges that failed every try
    and why (``failed_ranges``: ``[{"index", "key", "start", "end", "error", "reason"}]``, the
    first :data:`FAILED_RANGES_SHOWN` also in ``reason``), or else the error that stopped the
    run. No results are left; the job in flight ends.

    Returns:
        ``{"error": {"Error", "Cause"}}``, which the state machine's ``Fail`` state fails the
        execution with.
    """
    error = run.get("error") or {"Error": "States.Runtime", "Cause": ""}
    ended = _ended(store, run)
    if ended is not None:  # a reduce that finished, or a fail before this retry: keep it
        logger.info("The run has ended already", extra={"run_id": run["run_id"]})
        return {"error": {"Error": error["Error"], "Cause": str(ended.get("reason", ""))}}
    failed: list[dict[str, Any]] = []
    if "ranges" in run:
        tallies = store.list_work(run["run_id"], "tallies")
        done = {int(name.split(".")[0]) for name in tallies}
        failed = failed_ranges(store, run, [i for i in range(run["ranges"]) if i not in done])
    # On AWS the Distributed Map stops at a range's last failure: the ranges it stopped, or
    # never started, have no tally and no failure either. Those that recorded theirs are named.
    recorded = [f for f in failed if f["error"] != NO_RESULT]
    if recorded:
        reason = _failed_reason(recorded, run["ranges"])
        if len(failed) > len(recorded):
            reason += (
                f"; {len(failed) - len(recorded)} more did not finish, without a failure of "
                "their own (the map stopped them, or Lambda's timeout or memory limit did)"
            )
        failed = recorded
    elif failed:
        reason = _failed_reason(failed, run["ranges"])
    else:
        reason = f"The job's run failed: {error['Error']}: {_cause(error.get('Cause', ''))}"
    multi = _several(run["files"])
    fields = _summary(
        run, "FAILED", Tally(), run.get("ranges"), multi, (InternalError.code, reason)
    )
    if failed:
        fields["failed_ranges"] = failed
    store.delete_results(run["target"])
    store.put_summary(run["target"], fields)
    _end(store, run)
    metrics.add_metric(name="JobsFailed", unit=MetricUnit.Count, value=1)
    logger.error("Job failed", extra={"run_id": run["run_id"], "reason": reason})
    return {"error": {"Error": error["Error"], "Cause": reason[:32_000]}}


NO_RESULT = "NoResult"
"""The ``error`` of a failed range that recorded no failure of its own."""


def failed_ranges(store: storage.JobStore, run: Run, indexes: list[int]) -> list[dict[str, Any]]:
    """``[{"index", "key", "start", "end", "error", "reason"}]`` of ranges ``indexes``: each
    range's last failure as it recorded it, or ``"no result"`` when it recorded none (the
    invocation was killed: Lambda's timeout, its memory, or it never ran)."""
    if not indexes:
        return []
    items = store.get_work(run["run_id"], "manifest.json") or []
    found = []
    for index in indexes:
        item = items[index] if index < len(items) else {}
        record = store.get_work(run["run_id"], f"failures/{index:06d}.json") or {}
        found.append(
            {
                "index": index,
                "key": item.get("key"),
                "start": item.get("start"),
                "end": item.get("end"),
                "error": record.get("error", NO_RESULT),
                "reason": record.get(
                    "reason",
                    "The range left no result: its invocation ended without a word (Lambda's "
                    "timeout or memory limit)",
                ),
            }
        )
    return found


# ---- summaries ---------------------------------------------------------------------------------


def _summary(
    run: Run,
    status: str,
    tally: Tally,
    ranges: int | None,
    multi: bool,
    failure: tuple[str, str] | None = None,
    outcomes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The summary of a run: :func:`.files.summary`'s fields (with ``failure``'s ``code`` and
    ``reason``), then ``run_id``, ``execution``, ``ranges``; a job of several files has
    ``input`` ``{"prefix", "files", "size"}`` and, once it has ended, ``files`` (each file's
    ``file``, ``key``, ``format``, ``size``, ``etag``, ``documents``, ``results``,
    ``errors``, ``status``, and for a rejected one its ``code`` and ``reason``)."""
    first = run["files"][0]
    if multi:
        input_fields: dict[str, Any] = {
            "prefix": run["target"],
            "files": len(run["files"]),
            "size": run["size"],
        }
        fmt = None
    else:
        input_fields = {"key": first["key"], "size": run["size"], "etag": run["etag"]}
        fmt = file_format(first["key"])
    fields = summary(
        status=status,
        tally=tally,
        started=run["started"],
        input_fields=input_fields,
        output_key=storage.output_keys(run["target"])[0] if status != "FAILED" else None,
        fmt=fmt,
        options=JobOptions(**run["options"]),
    )
    if failure is not None:
        fields["reason"], fields["code"] = failure[1], failure[0]
    fields.update(run_id=run["run_id"], execution=run["execution"], ranges=ranges)
    if multi and outcomes is not None:
        fields["files"] = outcomes
    return fields


def _file_outcome(
    file: dict[str, Any], tally: Tally, rejected: dict[str, str] | None
) -> dict[str, Any]:
    outcome: dict[str, Any] = {
        "file": file["name"],
        "key": file["key"],
        "format": file["fmt"],
        "size": file["size"],
        "etag": file["etag"],
        "documents": tally.documents,
        "results": {label: tally.results[label] for label in ("positive", "neutral", "negative")},
        "errors": dict(sorted(tally.errors.items())),
        "status": "COMPLETED" if rejected is None else "FAILED",
    }
    if rejected is not None:
        outcome.update(code=rejected["code"], reason=rejected["reason"])
    return outcome


def _add(tally: Tally, found: dict[str, Any]) -> None:
    tally.documents += found["documents"]
    tally.results.update(found["results"])
    tally.errors.update(found["errors"])
    tally.score_sum += found["score_sum"]


def _merge(total: Tally, tally: Tally) -> None:
    total.documents += tally.documents
    total.results.update(tally.results)
    total.errors.update(tally.errors)
    total.score_sum += tally.score_sum


def _failed_reason(failed: list[dict[str, Any]], ranges: int) -> str:
    named = "; ".join(
        f"range {f['index']} ({f['key']}, bytes {f['start']} to {f['end']}): "
        f"{f['error']}: {f['reason']}"
        for f in failed[:FAILED_RANGES_SHOWN]
    )
    more = (
        f"; and {len(failed) - FAILED_RANGES_SHOWN} more"
        if len(failed) > FAILED_RANGES_SHOWN
        else ""
    )
    return f"{len(failed)} of {ranges} ranges failed after their retries: {named}{more}"


def _cause(cause: str) -> str:
    """A state's error cause for a human: a Lambda error's ``errorMessage``, else as it is."""
    try:
        payload = json.loads(cause)
    except ValueError:
        return cause[:1000]
    if isinstance(payload, dict) and "errorMessage" in payload:
        return f"{payload.get('errorType', '')}: {payload['errorMessage']}"[:1000]
    return cause[:1000]


def _several(files: Sequence[Mapping[str, object]]) -> bool:
    """Whether a run's ``files`` are a job of several files (asked for with ``files``, even
    one: each then has its ``name``) rather than one file's job."""
    return len(files) > 1 or files[0]["name"] is not None


def _ended(store: storage.JobStore, run: Run) -> dict[str, Any] | None:
    """The summary of this run if it has ended (``COMPLETED`` or ``FAILED``), else None: a
    step retried after it finished (its answer lost on the way back) leaves it as it is."""
    found = store.get_summary(run["target"])
    if found is None or found.get("run_id") != run["run_id"]:
        return None
    return found if found.get("status") in ("COMPLETED", "FAILED") else None


def _end(store: storage.JobStore, run: Run) -> None:
    """Best effort: the job the jobs API created is no longer in flight."""
    job_id = run.get("job_id")
    if not job_id:
        return
    try:
        job = store.get_job(job_id)
        if job is not None:
            store.clear_in_flight(job.get("api_key_id"), job_id)
    except Exception:
        logger.warning("Could not delete the in-flight marker", exc_info=True)
