"""Property tests: whatever arrives, the handler answers with JSON and never a 5xx."""

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentiment_api.handlers import api
from support import FakeLambdaContext, api_event

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
BODIES = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.binary(max_size=300),  # sent base64-encoded
    JSON_VALUES.map(json.dumps),
    st.fixed_dictionaries({"text": JSON_VALUES}).map(json.dumps),
    st.fixed_dictionaries({"text": st.text(max_size=300)}).map(json.dumps),
    st.integers(1, 3000).map(lambda depth: "[" * depth + "]" * depth),
)
CONTENT_TYPES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "application/json",
            "APPLICATION/JSON; charset=utf-8",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=xyz",
            "",
        ]
    ),
    st.text(max_size=40),
)
METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
PATHS = st.one_of(st.sampled_from(["/", "/analyse", "/analyse/", "/nope", "//"]), st.text())


@settings(
    max_examples=400,
    derandomize=True,  # the same cases on every run, so CI is reproducible
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    method=METHODS,
    path=PATHS,
    body=BODIES,
    content_type=CONTENT_TYPES,
    base64_flag=st.booleans(),
)
def test_never_a_server_error_and_always_a_json_error_shape(
    method, path, body, content_type, base64_flag
):
    if isinstance(body, str) and base64_flag:
        body = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode()
    headers = {} if content_type is None else {"Content-Type": content_type}
    event = api_event(method, path, body, headers=headers, base64_encoded=base64_flag)

    response = api.lambda_handler(event, FakeLambdaContext())

    assert response["statusCode"] < 500
    payload = json.loads(response["body"])
    if response["statusCode"] >= 400:
        assert set(payload) >= {"error", "code"}
        raw = response["body"]
        assert "Traceback" not in raw and 'File "' not in raw and ".py" not in raw
    else:
        assert response["statusCode"] == 200
