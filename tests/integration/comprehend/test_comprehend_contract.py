"""The Comprehend-compatible endpoint against botocore's own service model for ``comprehend``
(``botocore/data/comprehend/2017-11-27/service-2.json``, the pinned botocore's): the protocol,
the operations and their required members, the error shapes, and every answer the endpoint
sends, member by member, against the operation's output or error shape. A botocore update
that changes what the endpoint relies on fails here, loudly."""

import json
import math
import typing
from typing import Any

import botocore.session
import pytest
from botocore.model import ListShape, MapShape, StructureShape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentiment_api.analysis import SentenceSentiment, SentimentResult
from sentiment_api.comprehend import docs, models, protocol, shapes
from sentiment_api.comprehend.operations import OPERATIONS, SENTIMENT_LANGUAGES
from sentiment_api.handlers import api
from support import FakeLambdaContext, api_event

SESSION = botocore.session.get_session()
MODEL: Any = SESSION.get_service_model("comprehend")
RAW = SESSION.get_component("data_loader").load_service_model("comprehend", "service-2")
"""The model as stored: botocore's Shape.metadata leaves out keys such as ``fault``."""
NOT_MODELLED = {"UnknownOperationException"}
"""The protocol's answer to a target it does not serve; no error shape of Comprehend."""


def conforms(shape: Any, value: Any, path: str = "$") -> list[str]:
    """Where ``value`` breaks ``shape`` as botocore's JSON parser reads it; [] if nowhere:
    member names, required members, types, enums, min and max, finite floats."""
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, not a structure"]
        names = {m.serialization.get("name", n): n for n, m in shape.members.items()}
        problems = [
            f"{path}.{key}: not a member of {shape.name}" for key in value if key not in names
        ]
        problems += [
            f"{path}.{name}: required by {shape.name}"
            for name in shape.required_members
            if value.get(name) is None
        ]
        for key, item in value.items():
            if key in names:
                problems += conforms(shape.members[names[key]], item, f"{path}.{key}")
        return problems
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__}, not a list"]
        problems = _range(shape, len(value), path)
        for index, item in enumerate(value):
            problems += conforms(shape.member, item, f"{path}[{index}]")
        return problems
    if isinstance(shape, MapShape):
        return [f"{path}: the endpoint sends no map ({shape.name}); extend this check"]
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: {value!r} is not a string"]
        problems = _range(shape, len(value), path)
        if shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} is not in {shape.name}'s enum {shape.enum}")
        return problems
    if kind in ("integer", "long"):
        return _range(shape, value, path) if type(value) is int else [f"{path}: not an integer"]
    if kind in ("float", "double"):
        if type(value) is not float or not math.isfinite(value):
            return [f"{path}: {value!r} is not a finite float"]
        return _range(shape, value, path)
    return [f"{path}: the endpoint sends no {kind} ({shape.name}); extend this check"]


def _range(shape: Any, number: float, path: str) -> list[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and number < low:
        return [f"{path}: {number} < min {low} of {shape.name}"]
    if high is not None and number > high:
        return [f"{path}: {number} > max {high} of {shape.name}"]
    return []


def answer(operation, body, **headers):
    """The handler's answer to a request for ``operation``: (status, headers, JSON body)."""
    made = api_event(
        "POST",
        "/",
        body if isinstance(body, str) else json.dumps(body),
        headers={
            "Content-Type": protocol.CONTENT_TYPE,
            "X-Amz-Target": protocol.TARGET_PREFIX + operation,
            **headers,
        },
    )
    response = api.lambda_handler(made, FakeLambdaContext())
    return response["statusCode"], response["multiValueHeaders"], json.loads(response["body"])


def check(operation, body, **headers):
    """Send one request and check its answer against the model; its status."""
    status, response_headers, payload = answer(operation, body, **headers)
    op = MODEL.operation_model(operation)
    if status == 200:
        assert conforms(op.output_shape, payload) == [], payload
        return status
    assert status == 400, payload  # a client error: the service's own are not generated here
    kind = payload["__type"]
    assert response_headers["x-amzn-ErrorType"] == [kind]
    if kind in NOT_MODELLED:
        return status
    listed = {shape.name: shape for shape in op.error_shapes}
    assert kind in listed, f"{operation} does not list {kind}: {sorted(listed)}"
    assert not RAW["shapes"][kind].get("fault"), f"{kind} is a server fault, not a 400"
    # what botocore parses into the modelled exception: the members it knows, none missing
    members = {k: v for k, v in payload.items() if k in listed[kind].members}
    assert members and conforms(listed[kind], members) == []
    return status


# ---- the model's facts the endpoint relies on ----------------------------------------------


def test_the_protocol_is_aws_json_1_1_with_comprehends_target_prefix():
    metadata = MODEL.metadata
    assert (metadata["protocol"], metadata["jsonVersion"]) == ("json", "1.1")
    assert metadata["targetPrefix"] + "." == protocol.TARGET_PREFIX
    assert "application/x-amz-json-" + metadata["jsonVersion"] == protocol.CONTENT_TYPE


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_each_served_operation_is_post_root(operation):
    op = MODEL.operation_model(operation)
    assert (op.http["method"], op.http["requestUri"]) == (protocol.METHOD, protocol.PATH)


def test_the_limits_are_the_servers_to_check():
    text, texts = MODEL.shape_for("CustomerInputString"), MODEL.shape_for("CustomerInputStringList")
    assert text.metadata.get("min") == 1 and "max" not in text.metadata  # bytes: ours to count
    assert texts.metadata.get("min") == 1
    # no max: botocore sends 26 texts, and the endpoint refuses them; a max, if one comes, must
    # say 25 (botocore still would not check it: it validates min only)
    assert texts.metadata.get("max", protocol.MAX_BATCH_DOCUMENTS) == protocol.MAX_BATCH_DOCUMENTS
    assert set(SENTIMENT_LANGUAGES) <= set(MODEL.shape_for("LanguageCode").enum)


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_the_required_members_are_what_the_endpoint_requires(operation):
    # A minimal request is answered; leaving out any one required member is an invalid
    # request. A new required member in the model fails the first assertion.
    input_shape = MODEL.operation_model(operation).input_shape
    minimal = {
        name: (
            ["I love it."]
            if input_shape.members[name].type_name == "list"
            else "en"
            if name == "LanguageCode"
            else "I love it."
        )
        for name in input_shape.required_members
    }
    assert set(minimal) <= {"Text", "TextList", "LanguageCode"}, sorted(minimal)
    assert check(operation, minimal) == 200
    for name in input_shape.required_members:
        body = {k: v for k, v in minimal.items() if k != name}
        assert answer(operation, body)[2]["__type"] == "InvalidRequestException"


def test_every_type_sent_is_an_error_shape_of_comprehend_but_unknown_operation():
    error_shapes = {shape.name for shape in MODEL.error_shapes}  # client.exceptions.<name>
    sent = set(protocol.ERROR_TYPES.values())
    assert sent - error_shapes == NOT_MODELLED
    for kind in sent - NOT_MODELLED:
        shape = MODEL.shape_for(kind)
        assert shape.members["Message"].type_name == "string"
        assert bool(RAW["shapes"][kind].get("fault")) == (kind == "InternalServerException")


def test_the_gateways_own_errors_name_comprehends_shapes_where_it_has_one():
    # The template's gateway responses carry a __type for Comprehend clients (throttled, quota,
    # too large...): those that Comprehend models are raised as its classes
    from samcli.yamlhelper import yaml_parse

    from support import ROOT

    template = yaml_parse((ROOT / "template.yaml").read_text())
    responses = template["Resources"]["SentimentApi"]["Properties"]["GatewayResponses"]
    types = {
        name: json.loads(r["ResponseTemplates"]["application/json"])["__type"]
        for name, r in responses.items()
    }
    error_shapes = {shape.name for shape in MODEL.error_shapes}
    assert {types[name] for name in ("THROTTLED", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE")} <= (
        error_shapes
    )
    assert types["DEFAULT_5XX"] in error_shapes
    assert RAW["shapes"][types["DEFAULT_5XX"]].get("fault") is True


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_the_documented_schemas_are_the_models_shapes(operation):
    # The OpenAPI document's request and response schemas name exactly the model's members
    op = MODEL.operation_model(operation)
    for model, shape in (
        (docs.REQUEST_MODELS[operation], op.input_shape),
        (docs.RESPONSE_MODELS[operation], op.output_shape),
    ):
        assert set(model.model_fields) == set(shape.members), model.__name__
        required = {name for name, f in model.model_fields.items() if f.is_required()}
        assert set(shape.required_members) <= required, model.__name__
    assert set(models.ComprehendSentimentScore.model_fields) == set(
        MODEL.shape_for("SentimentScore").members
    )
    assert set(typing.get_args(models.SentimentType)) == set(MODEL.shape_for("SentimentType").enum)


# ---- every answer of the endpoint conforms -------------------------------------------------

LONG = "x" * (protocol.MAX_DOCUMENT_BYTES + 1)
FRENCH = "Le service était lent et la soupe froide."
REQUESTS: dict[str, list[Any]] = {
    "DetectSentiment": [
        {"Text": "I love it.", "LanguageCode": "en"},
        {"Text": "The food was great. The service was not good at all!", "LanguageCode": "en"},
        {"Text": "The meeting is at three.", "LanguageCode": "en"},
        {"Text": "   ", "LanguageCode": "en"},
        {"Text": LONG, "LanguageCode": "en"},
        {"Text": FRENCH, "LanguageCode": "en"},
        {"Text": "ok", "LanguageCode": "de"},
        {"Text": ""},
        "[]",
        "nope",
    ],
    "BatchDetectSentiment": [
        {"TextList": ["I love it.", LONG, FRENCH, "Awful."], "LanguageCode": "en"},
        {"TextList": [LONG], "LanguageCode": "en"},
        {"TextList": ["ok"] * 26, "LanguageCode": "en"},
        {"TextList": ["ok"], "LanguageCode": "es"},
        {"TextList": [], "LanguageCode": "en"},
    ],
    "DetectDominantLanguage": [
        {"Text": FRENCH},
        {"Text": "12345"},
        {"Text": "x" * 100_001},
        {"Text": None},
    ],
    "BatchDetectDominantLanguage": [
        {"TextList": [FRENCH, LONG, "hello there, how are you"]},
        {"TextList": ["ok"] * 26},
        {"TextList": [""]},
    ],
}


@pytest.mark.parametrize(
    ("operation", "body"), [(op, body) for op, bodies in REQUESTS.items() for body in bodies]
)
@pytest.mark.parametrize("engine", ["textblob", "model", "encoder"])
def test_answers_conform_to_the_model(operation, body, engine):
    check(operation, body, **{protocol.ENGINE_HEADER: engine})


probability_triples = st.tuples(*[st.floats(0.0, 1.0)] * 3).map(
    lambda t: dict(zip(("positive", "neutral", "negative"), t, strict=True))
)
labels = st.sampled_from(["positive", "negative", "neutral"])
sentence_results = st.builds(
    SentenceSentiment,
    text=st.just("s"),
    offset=st.just(0),
    length=st.just(1),
    sentiment_score=st.floats(-1.0, 1.0),
    subjectivity=st.none(),
    sentiment=labels,
    probabilities=st.none() | probability_triples,
)


@settings(max_examples=300, deadline=None)
@given(
    score=st.floats(-1.0, 1.0),
    label=labels,
    probabilities=st.none() | probability_triples,
    sentences=st.none() | st.lists(sentence_results, max_size=5).map(tuple),
    guesses=st.lists(st.tuples(st.sampled_from(["en", "fr", "zh-TW", "ceb"]), st.floats(0, 1))),
)
def test_any_engine_output_maps_to_the_output_shapes(
    score, label, probabilities, sentences, guesses
):
    mixed = None if sentences is None else bool(sentences) and score > 0
    analysed = SentimentResult(
        input="t",
        sentiment_score=score,
        sentiment=label,
        subjectivity=None,
        mixed=mixed,
        sentences=sentences,
        probabilities=probabilities,
    )
    output = shapes.sentiment(analysed)
    assert conforms(MODEL.shape_for("DetectSentimentResponse"), output) == []
    item = {"Index": 0, **output}
    batch = {"ResultList": [item], "ErrorList": []}
    assert conforms(MODEL.operation_model("BatchDetectSentiment").output_shape, batch) == []
    languages = {"Languages": shapes.languages(guesses)}
    assert conforms(MODEL.operation_model("DetectDominantLanguage").output_shape, languages) == []


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=10,
)


@settings(
    max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    operation=st.sampled_from(list(OPERATIONS)),
    body=st.one_of(
        st.dictionaries(
            st.sampled_from(["Text", "TextList", "LanguageCode", "Other"]),
            JSON_VALUES | st.sampled_from(["en", "I love it.", ["Awful.", "Great!"]]),
        ).map(json.dumps),
        st.text(max_size=40),
    ),
)
def test_any_body_gets_an_answer_the_model_allows(operation, body):
    assert check(operation, body) in (200, 400)
