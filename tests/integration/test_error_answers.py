"""The error table: every error answer of both HTTP functions, before routing or through the
router, comes from ``error_answers.ERROR_TABLE`` and is counted in ``RejectedRequests``."""

import json

import pytest

import jobs_support  # noqa: F401  (sets the jobs functions' AWS environment before import)
from sentiment_api import error_answers, errors
from sentiment_api.handlers import api, jobs_api
from support import FakeLambdaContext, api_event, emf_documents


def rejected_codes(stdout: str) -> list[str]:
    """The ``code`` of each ``RejectedRequests`` metric record printed."""
    return [doc["code"] for doc in emf_documents(stdout) if "RejectedRequests" in doc]


def answer(handler, event, capsys) -> tuple[int, dict, list[str]]:
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


def test_every_domain_exception_of_errors_py_is_in_the_table():
    domain = {
        value
        for value in vars(errors).values()
        if isinstance(value, type)
        and issubclass(value, Exception)
        and value.__module__ == errors.__name__
    }
    assert domain == set(error_answers.ERROR_TABLE)


def test_an_exception_the_table_does_not_know_is_a_500_with_nothing_of_it():
    rejection = error_answers.rejection_for(KeyError("secret"))
    assert (rejection.status, rejection.code) == (500, "internal_error")
    assert "secret" not in json.dumps(rejection.body)


def test_a_subclass_gets_its_nearest_base_answer():
    class Narrower(errors.JobNotFoundError):
        pass

    assert error_answers.rejection_for(Narrower()).code == "job_not_found"
