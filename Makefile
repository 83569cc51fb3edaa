# The verbs of this project. `make start` and `make test` set everything up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Lambda runtime's Python (3.13) if this machine has it, directly or through pyenv; else python3.
PYTHON ?= $(shell for p in python3.13 "$$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3 python3; do \
	"$$p" -c '' 2>/dev/null && { command -v "$$p"; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
SAM := $(BIN)/sam
# SAM's telemetry and update check would only time out on a closed network.
export SAM_CLI_TELEMETRY := 0
# --skip-pull-image: the function image is built locally (`sam build`), from a base image that
# is either pulled by `make base-image` or built locally as a stand-in; never pull again.
SAM_LOCAL_FLAGS := --skip-pull-image
EVENT ?= events/analyse_positive.json

.PHONY: help venv docker browser base-image build start invoke test unit integration e2e typecheck bench evaluate lint format clean train

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt --group dev --editable .
	touch $@

venv: $(VENV)/.installed ## Create .venv with the runtime and development dependencies

docker: ## Make sure a Docker engine runs (installs docker.io if missing)
	bash .ci/ensure-docker.sh

browser: ## Install Chromium and its driver if missing (for the docs-page browser test)
	bash .ci/ensure-chromium.sh

base-image: venv docker ## Pull the Lambda Python 3.13 base image, or build its local stand-in
	PYTHON=$(BIN)/python bash .ci/lambda-base/build.sh

build: base-image ## Build the function image (sam build)
	$(SAM) build

start: build ## Serve the API on http://127.0.0.1:3000 (sam local start-api, warm containers)
	$(SAM) local start-api $(SAM_LOCAL_FLAGS)

invoke: build ## Invoke the function once in its container: make invoke EVENT=events/health.json
	$(SAM) local invoke SentimentFunction $(SAM_LOCAL_FLAGS) -e $(EVENT)

test: build browser lint typecheck ## Run everything: lint, contracts, types, unit, integration, e2e, browser
	$(BIN)/pytest

unit: venv ## Run the unit tests only (tests/unit: no AWS stand-in, no Docker)
	$(BIN)/pytest tests/unit

integration: venv ## Run the in-process integration tests (tests/integration: moto, no Docker)
	$(BIN)/pytest tests/integration -m "not e2e"

e2e: build browser ## Run the end-to-end tests on the built image (tests/e2e: Docker)
	$(BIN)/pytest tests/e2e -m e2e

typecheck: venv ## Type-check src/ (mypy, strict; config in pyproject.toml)
	$(BIN)/mypy

bench: build ## Run the benchmark against its baselines; prints a table, writes .bench/results.json
	$(BIN)/python tests/bench/run.py $(ARGS)

evaluate: venv ## Score the labelled sentences in process, or through an API with ARGS="--url ..." (--engine model)
	$(BIN)/python -m sentiment_api.evaluate $(ARGS)

lint: venv ## Lint, check formatting (ruff) and the import-layer contracts (import-linter)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports

format: venv ## Format the code (ruff)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean: ## Remove the virtual environment and build output
	rm -rf $(VENV) .aws-sam .pytest_cache .hypothesis .bench test-artifacts .schemathesis

train: venv ## Train the model engine (scikit-learn) into src/sentiment_api/data/sentiment_model.json
	$(BIN)/python tools/train_model.py $(ARGS)
