"""A custom domain with a base path mapping (issue 20, item 12): through
``https://api.example.com/sentiment/analyse`` API Gateway's proxy event says ``path:
"/sentiment/analyse"`` and ``requestContext.path: "/sentiment/analyse"`` (no stage), while
the stage's own URL says ``path: "/analyse"`` and ``requestContext.path: "/prod/analyse"``.
With ``BASE_PATH`` (the template's ``BasePath``) both HTTP functions route both."""

import json

import pytest

from jobs_support import jobs_api, mocked_job_bucket
from sentiment_api.handlers import api
from sentiment_api.http.proxy import strip_base_path
from sentiment_api.settings import Settings
from support import FakeLambdaContext, api_event

MAPPING = "sentiment"


def through_the_domain(method, path, body=None, *, mapping=MAPPING, resource=None):
    """The event of a request to the custom domain's ``/<mapping><path>``."""
    event = api_event(method, f"/{mapping}{path}" if path != "/" else f"/{mapping}", body)
    event["resource"] = event["requestContext"]["resourcePath"] = resource or path
    event["requestContext"]["path"] = event["path"]
    event["requestContext"]["domainName"] = "api.example.com"
    return event


def through_the_stage(method, path, body=None):
    event = api_event(method, path, body)
    event["requestContext"]["path"] = f"/prod{path}"
    return event


def answer(event, handler=api.lambda_handler):
    response = handler(event, FakeLambdaContext())
    headers = {k.lower(): v for k, v in response["multiValueHeaders"].items()}
    body = response["body"]
    return response["statusCode"], headers, json.loads(body) if body.startswith("{") else body


@pytest.fixture
def mapped(monkeypatch):
    monkeypatch.setenv("BASE_PATH", MAPPING)


@pytest.mark.parametrize("via", [through_the_domain, through_the_stage])
def test_every_route_answers_through_the_domain_and_the_stage(mapped, via):
    assert answer(via("POST", "/analyse", '{"text": "I love it"}'))[2]["sentiment"] == "positive"
    assert answer(via("POST", "/analyse", '{"text": "I love it", "sentences": true}'))[0] == 200
    status, _, body = answer(via("POST", "/analyse/batch", '{"texts": ["I love it", ""]}'))
    assert (status, len(body["results"]), len(body["errors"])) == (200, 1, 1)
    assert answer(via("GET", "/"))[2]["health_check"] == "OK"
    assert answer(via("GET", "/docs"))[0] == 200
    assert answer(via("GET", "/try"))[0] == 200
    assert answer(via("DELETE", "/analyse"))[0] == 405


def test_the_documents_server_is_the_prefix_the_request_came_through(mapped):
    status, _, document = answer(through_the_domain("GET", "/openapi.json"))
    assert status == 200 and document["servers"] == [{"url": f"/{MAPPING}"}]
    _, _, document = answer(through_the_stage("GET", "/openapi.json"))
    assert document["servers"] == [{"url": "/prod"}]


def test_the_try_page_calls_the_api_through_the_prefix_it_came_through(mapped):
    _, _, page = answer(through_the_domain("GET", "/try"))
    assert f'data-api="/{MAPPING}"' in page
    _, _, page = answer(through_the_stage("GET", "/try"))
    assert 'data-api="/prod"' in page


def test_without_the_mapping_setting_the_domains_paths_find_no_route():
    # (what the issue found: Powertools routes on the full path; the resource being known,
    # the answer is a 405 for a method that the path does accept)
    status, _, body = answer(through_the_domain("POST", "/analyse", '{"text": "fine"}'))
    assert (status, body["code"]) == (405, "method_not_allowed")


def test_a_path_that_only_starts_like_the_mapping_is_not_stripped(mapped):
    event = api_event("POST", "/sentimental/analyse", '{"text": "fine"}')
    assert strip_base_path(event, MAPPING) is event
    assert answer(event)[2]["code"] == "not_found"


def test_a_multi_level_mapping(monkeypatch):
    monkeypatch.setenv("BASE_PATH", "v1/sentiment")
    event = through_the_domain("POST", "/analyse", '{"text": "I love it"}', mapping="v1/sentiment")
    assert answer(event)[0] == 200


def test_the_jobs_api_routes_through_the_domain_and_says_where_the_job_is(mapped):
    with mocked_job_bucket():
        created = through_the_domain("POST", "/jobs", '{"filename": "r.txt", "size": 10}')
        status, headers, job = answer(created, jobs_api.lambda_handler)
        assert status == 201, job
        assert headers["location"] == [f"/{MAPPING}/jobs/{job['job_id']}"]

        got = through_the_domain("GET", f"/jobs/{job['job_id']}", resource="/jobs/{job_id}")
        got["pathParameters"] = {"job_id": job["job_id"]}
        status, _, body = answer(got, jobs_api.lambda_handler)
        assert (status, body["status"]) == (200, "WAITING_FOR_UPLOAD")


@pytest.mark.parametrize("value", ["/sentiment", "sentiment/", "a//b", "sp ace", "a?b"])
def test_a_malformed_base_path_fails_at_init(value):
    with pytest.raises(ValueError, match="BASE_PATH"):
        Settings.from_env({"BASE_PATH": value})
