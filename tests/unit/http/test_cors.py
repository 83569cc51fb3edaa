"""cors.py: the CORS headers of the functions' answers, and the preflight answer."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import support
from sentiment_api.handlers import api
from sentiment_api.http import cors
from support import api_event, run_python

APP = "https://app.example"
OTHER = "https://evil.example"


def headers_of(response):
    """Header name → list of values, whichever of the two shapes the response uses."""
    if "multiValueHeaders" in response:
        return response["multiValueHeaders"]
    return {k: [v] for k, v in response.get("headers", {}).items()}


def preflight_event(origin=APP, method="POST", **extra_headers):
    return support.preflight_event(origin, method, **extra_headers)


# ---- cors_headers ---------------------------------------------------------------------------


def test_off_adds_nothing():
    assert cors.cors_headers("", APP) == {}
    assert cors.cors_headers("", APP, preflight=True) == {}


def test_one_origin_is_named_only_to_itself_and_answers_vary_on_origin():
    assert cors.cors_headers(APP, APP) == {"Access-Control-Allow-Origin": APP, "Vary": "Origin"}
    assert cors.cors_headers(APP, OTHER) == {"Vary": "Origin"}
    assert cors.cors_headers(APP, None) == {"Vary": "Origin"}
    # exact comparison, as the browser's: another scheme, port or case is another origin
    for near in ("http://app.example", "https://app.example:8443", "https://APP.example"):
        assert "Access-Control-Allow-Origin" not in cors.cors_headers(APP, near)


def test_wildcard_allows_every_origin_without_vary():
    for origin in (APP, OTHER, None):
        assert cors.cors_headers("*", origin) == {"Access-Control-Allow-Origin": "*"}


def test_preflight_headers_allow_the_apis_methods_the_key_and_json():
    headers = cors.cors_headers(APP, APP, preflight=True)
    methods = {m.strip() for m in headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST"} <= methods
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "x-api-key"} <= allowed
    assert 0 < int(headers["Access-Control-Max-Age"]) <= 7200  # Chromium's cap
    assert "Access-Control-Allow-Credentials" not in headers  # the key is a header, no cookie


# ---- request_origin ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Origin", "origin", "ORIGIN"])
def test_origin_is_read_case_insensitively(name):
    event = api_event("POST", "/analyse", '{"text": "x"}', headers={name: APP})
    assert cors.request_origin(event) == APP


def test_origin_from_multi_value_headers_only_and_absent():
    assert cors.request_origin({"multiValueHeaders": {"origin": [APP]}}) == APP
    assert cors.request_origin({"headers": None, "multiValueHeaders": None}) is None
    assert cors.request_origin(api_event("GET", "/")) is None


# ---- with_cors ----------------------------------------------------------------------------


def test_off_returns_the_response_itself():
    response = {"statusCode": 200, "multiValueHeaders": {}, "body": "{}"}
    assert cors.with_cors(response, "", APP) is response


def test_a_real_answer_gets_the_headers_and_keeps_everything_else(lambda_context):
    event = api_event("POST", "/analyse", '{"text": "I love it"}', headers={"Origin": APP})
    response = api.lambda_handler(event, lambda_context)
    result = cors.with_cors(response, APP, cors.request_origin(event))
    headers = headers_of(result)
    assert headers["Access-Control-Allow-Origin"] == [APP]
    assert "Origin" in headers["Vary"]
    assert result["statusCode"] == response["statusCode"] == 200
    assert json.loads(result["body"]) == json.loads(response["body"])
    for name, values in headers_of(response).items():
        assert headers[name] == values or name == "Vary"
    assert "Access-Control-Allow-Origin" not in headers_of(response)  # not mutated


def test_an_error_answer_gets_them_too(lambda_context):
    event = api_event("POST", "/analyse", "not json", headers={"Origin": APP})
    response = api.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 400
    result = cors.with_cors(response, "*", cors.request_origin(event))
    assert headers_of(result)["Access-Control-Allow-Origin"] == ["*"]


def test_single_value_headers_stay_single_valued_and_vary_is_merged():
    response = {"statusCode": 200, "headers": {"vary": "Accept-Encoding"}, "body": ""}
    result = cors.with_cors(response, APP, APP)
    assert "multiValueHeaders" not in result
    assert result["headers"] == {
        "Vary": "Accept-Encoding, Origin",
        "Access-Control-Allow-Origin": APP,
    }


def test_multi_value_vary_keeps_its_values_and_origin_is_added_once():
    response = {"statusCode": 200, "multiValueHeaders": {"Vary": ["Accept-Encoding, origin"]}}
    result = cors.with_cors(response, APP, OTHER)
    assert result["multiValueHeaders"] == {"Vary": ["Accept-Encoding", "origin"]}


def test_a_response_without_headers_gets_multi_value_headers():
    result = cors.with_cors({"statusCode": 204, "body": ""}, "*", None)
    assert result["multiValueHeaders"] == {"Access-Control-Allow-Origin": ["*"]}


def test_an_existing_allow_origin_is_replaced_not_doubled():
    response = {"statusCode": 200, "multiValueHeaders": {"access-control-allow-origin": ["x"]}}
    result = cors.with_cors(response, "*", APP)
    assert result["multiValueHeaders"] == {"Access-Control-Allow-Origin": ["*"]}


header_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,20}", fullmatch=True).filter(
    lambda n: n.lower() not in {"vary", "access-control-allow-origin"}
)


@given(
    st.dictionaries(header_names, st.lists(st.text(max_size=10), min_size=1, max_size=3)),
    st.sampled_from(["", "*", APP]),
    st.sampled_from([None, APP, OTHER]),
)
def test_other_headers_status_and_body_are_never_touched(headers, allow_origin, origin):
    response = {
        "statusCode": 418,
        "multiValueHeaders": headers,
        "body": "b",
        "isBase64Encoded": False,
    }
    result = cors.with_cors(response, allow_origin, origin)
    assert {k: v for k, v in result.items() if k != "multiValueHeaders"} == {
        k: v for k, v in response.items() if k != "multiValueHeaders"
    }
    for name, values in headers.items():
        assert result["multiValueHeaders"][name] == values
    allowed = result["multiValueHeaders"].get("Access-Control-Allow-Origin")
    assert allowed == (
        [allow_origin] if allow_origin == "*" or (allow_origin and origin == allow_origin) else None
    )


# ---- preflight_response -------------------------------------------------------------------


def test_preflight_from_the_allowed_origin_is_a_204_with_the_preflight_headers():
    response = cors.preflight_response(APP, preflight_event())
    assert response is not None
    assert response["statusCode"] == 204 and response["body"] == ""
    headers = response["multiValueHeaders"]
    assert headers["Access-Control-Allow-Origin"] == [APP]
    assert headers["Vary"] == ["Origin"]
    assert "X-Api-Key" in headers["Access-Control-Allow-Headers"][0]
    assert headers["Access-Control-Max-Age"] == [str(cors.MAX_AGE_S)]


def test_preflight_from_another_origin_gets_no_allow_origin():
    response = cors.preflight_response(APP, preflight_event(OTHER))
    assert response is not None
    headers = response["multiValueHeaders"]
    assert "Access-Control-Allow-Origin" not in headers


def test_preflight_header_names_are_case_insensitive():
    event = api_event("OPTIONS", "/analyse")
    event["headers"] = {"origin": APP, "access-control-request-method": "POST"}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    response = cors.preflight_response("*", event)
    assert response is not None
    assert response["statusCode"] == 204


@pytest.mark.parametrize(
    ("allow_origin", "event"),
    [
        ("", preflight_event()),  # CORS off: the router answers OPTIONS as before
        (APP, api_event("OPTIONS", "/analyse")),  # a plain OPTIONS, no preflight headers
        (APP, preflight_event(origin=None)),  # no Origin: not a cross-origin request
        (APP, api_event("POST", "/analyse", '{"text": "x"}', headers={"Origin": APP})),
    ],
)
def test_anything_but_a_preflight_with_cors_on_is_left_to_the_router(allow_origin, event):
    assert cors.preflight_response(allow_origin, event) is None


def test_the_module_imports_only_the_standard_library():
    loaded = run_python(
        "import sys; before = set(sys.modules); import sentiment_api.http.cors; "
        "print(' '.join(sorted(set(sys.modules) - before)))"
    ).split()
    assert "sentiment_api.http.cors" in loaded
    third_party = [m for m in loaded if m.split(".")[0] not in {"sentiment_api", *sys_stdlib()}]
    assert third_party == []


def sys_stdlib():
    import sys

    return sys.stdlib_module_names
