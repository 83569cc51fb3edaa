"""The error vocabulary: every error answer of both HTTP functions, before routing or through
the router, takes its status from ``http.errors.STATUS`` and its code and message from the
error itself, and is counted in ``RejectedRequests``; batch items, job lines and rejected files
use the same errors."""

import json
import typing

import pytest

import jobs_support  # noqa: F401  (sets the jobs functions' AWS environment before import)
from sentiment_api import errors
from sentiment_api.api import service
from sentiment_api.api.models import BatchItemError
from sentiment_api.handlers import api, jobs_api
from sentiment_api.http import errors as error_answers
from sentiment_api.jobs import files
from support import FakeLambdaContext, api_event, emf_documents


def rejected_codes(stdout: str) -> list[str]:
    """The ``code`` of each ``RejectedRequests`` metric record printed."""
    return [doc["code"] for doc in emf_documents(stdout) if "RejectedRequests" in doc]


def answer(handler, event, capsys) -> tuple[int, dict[str, typing.Any], list[str]]:
    capsys.readouterr()
    response = handler(event, FakeLambdaContext())
    return (
        response["statusCode"],
        json.loads(response["body"]),
        rejected_codes(capsys.readouterr().out),
    )


@pytest.mark.parametrize("handler", [api.lambda_handler, jobs_api.lambda_handler])
@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        # refused before routing: too long, or not declared as JSON
        ({"body": "x" * 3_000_000}, 413, "body_too_large"),
        ({"headers": {"Content-Type": "text/plain"}}, 415, "unsupported_media_type"),
        # refused by the router
        ({"body": "{not json"}, 400, "invalid_json"),
        ({"path": "/nowhere", "resource": "/nowhere"}, 404, "not_found"),
    ],
)
def test_both_functions_answer_and_count_each_rejection_the_same_way(
    handler, change, status, code, capsys
):
    event = api_event(body='{"text": "good"}')
    path = "/analyse" if handler is api.lambda_handler else "/jobs"
    event["path"] = event["resource"] = path
    change = dict(change)  # shared by both handlers' cases
    headers = change.pop("headers", None)
    event = {**event, **change}
    if headers:
        event["headers"] = {**event["headers"], **headers}

    got_status, body, counted = answer(handler, event, capsys)

    assert (got_status, body["code"]) == (status, code)
    assert counted == [code]  # one RejectedRequests record, by code


def test_every_error_of_the_vocabulary_is_answered_somewhere():
    # An HTTP answer (the status table), a batch item, a job's line, or a job rejected whole
    domain = {
        value
        for value in vars(errors).values()
        if isinstance(value, type)
        and issubclass(value, errors.DomainError)
        and value not in (errors.DomainError, errors.FileRejectedError)
    }
    reported = {
        *error_answers.STATUS,
        *service.BATCH_ITEM_ERRORS,
        *files.LINE_ERRORS,
        *(error for error in domain if issubclass(error, errors.FileRejectedError)),
    }
    assert domain == reported


def test_each_code_means_one_thing():
    # Two classes share a code only where one is the other's file-level twin, or the same
    # limit counted in UTF-8 bytes (the Comprehend-compatible endpoint's, Comprehend's unit)
    twins: dict[type[errors.DomainError], type[errors.DomainError]] = {
        errors.CsvLineTooLongError: errors.LineTooLongError,
        errors.JobCrashedError: errors.InternalError,
        errors.RangesFailedError: errors.InternalError,
        errors.TextTooLargeError: errors.TextTooLongError,
    }
    by_code: dict[str, type] = {}
    for value in vars(errors).values():
        if isinstance(value, type) and issubclass(value, errors.DomainError):
            if value in (errors.DomainError, errors.FileRejectedError) or value in twins:
                continue
            assert value.code not in by_code, (value, by_code.get(value.code))
            by_code[value.code] = value
    for twin, original in twins.items():
        assert twin.code == original.code


def test_the_batch_item_codes_of_the_contract_are_those_of_the_errors():
    documented = typing.get_args(BatchItemError.model_fields["code"].annotation)
    assert set(documented) == {error.code for error in service.BATCH_ITEM_ERRORS}


def test_an_exception_the_table_does_not_know_is_a_500_with_nothing_of_it():
    rejection = error_answers.rejection_for(KeyError("secret"))
    assert (rejection.status, rejection.code) == (500, "internal_error")
    assert "secret" not in json.dumps(rejection.body)


def test_a_subclass_gets_its_nearest_base_answer():
    class Narrower(errors.JobNotFoundError):
        pass

    assert error_answers.rejection_for(Narrower()).code == "job_not_found"
