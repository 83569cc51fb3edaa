"""The function image on its own, run the way Lambda runs it: read-only root file system,
/tmp as tmpfs, no network, one CPU, invoked through the Runtime Interface Emulator."""

import json
import subprocess
import urllib.request

import pytest

from support import ROOT, free_port, load_event, served, wait_for_http


@pytest.fixture(scope="module")
def lambda_container(image_tag):
    port = free_port()
    container = subprocess.run(
        ["docker", "run", "-d", "--rm", "--read-only", "--tmpfs", "/tmp", "--cpus", "1",
         "-e", "POWERTOOLS_SERVICE_NAME=sentiment-api",
         "-e", "POWERTOOLS_METRICS_NAMESPACE=SentimentApi",
         "-p", f"127.0.0.1:{port}:8080", image_tag],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    url = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", deadline_s=60)
        yield url
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60)


def invoke(url, event):
    data = json.dumps(event).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=60) as response:
        return json.loads(response.read())


def test_image_answers_on_a_read_only_root_file_system(lambda_container):
    health = invoke(lambda_container, load_event("health.json"))
    analysed = invoke(lambda_container, load_event("analyse_positive.json"))

    assert health["statusCode"] == 200
    assert json.loads(analysed["body"])["sentiment_score"] == 0.48522727272727273


def test_image_carries_the_model_and_answers_with_it(lambda_container):
    answered = invoke(lambda_container, load_event("analyse_model.json"))

    assert answered["statusCode"] == 200
    assert json.loads(answered["body"]) == served("Happy New Year!", engine="model")


def test_image_carries_the_encoder_and_answers_with_it(lambda_container):
    # onnxruntime, tokenizers and NumPy from the image's lock, without the hub client
    answered = invoke(lambda_container, load_event("analyse_encoder.json"))

    assert answered["statusCode"] == 200
    assert json.loads(answered["body"]) == served("Happy New Year!", engine="encoder", explain=True)


def test_image_refuses_text_that_is_not_english(lambda_container):
    answered = invoke(lambda_container, load_event("analyse_not_english.json"))

    assert answered["statusCode"] == 422
    assert json.loads(answered["body"])["code"] == "unsupported_language"


def test_what_serving_never_imports_is_not_in_the_image(image_tag):
    # The Makefile's NOT_IN_IMAGE, left out of the image's lock and installed --no-deps
    makefile = (ROOT / "Makefile").read_text()
    names = makefile.split("NOT_IN_IMAGE := ", 1)[1].split("\n\n", 1)[0].replace("\\", " ").split()
    renamed = {"pyyaml": "yaml", "markdown-it-py": "markdown_it"}  # distribution -> module
    modules = [renamed.get(name, name.replace("-", "_")) for name in names]
    code = (
        "import importlib.util, sys; "
        f"print([m for m in {modules!r} if importlib.util.find_spec(m)])"
    )
    result = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "--entrypoint", "python3", image_tag,
         "-c", code],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_image_needs_no_network_and_imports_no_boto3(image_tag):
    # TextBlob's lexicon ships in the package; nothing is downloaded at import or first use.
    code = (
        "import sys; from sentiment_api.analysis import analyse;"
        "from sentiment_api.handlers import api;"
        "print(analyse('Happy New Year!').sentiment_score, 'boto3' in sys.modules)"
    )
    result = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "--read-only", "--entrypoint", "python3",
         "-e", "AWS_LAMBDA_FUNCTION_NAME=SentimentFunction", image_tag, "-c", code],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0.48522727272727273", "False"]


def test_image_holds_compiled_byte_code(image_tag):
    # /var/task is read-only in Lambda: .pyc files must be in the image, not written at start.
    result = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "sh", image_tag, "-c",
         "ls /var/task/sentiment_api/__pycache__/ /var/task/textblob/__pycache__/ | grep -c pyc"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert int(result.stdout.strip()) > 10
