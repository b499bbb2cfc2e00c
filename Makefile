# mailcanary — every target bootstraps its own virtualenv; nothing is installed by hand.
PYTHON ?= python3
VENV ?= .venv
SAM_VENV ?= .venv-sam
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint typecheck pytest bench fuzz sam-venv sam-validate sam-build clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The table on stdout, and the same run as one self-contained HTML page beside it.
demo: $(STAMP)
	$(BIN)/mailcanary demo --html demo-report.html $(ARGS)

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) sam-venv
	PATH="$(CURDIR)/$(BIN):$$PATH" MAILCANARY_SAM="$(CURDIR)/$(SAM_VENV)/bin/sam" $(BIN)/pytest $(PYTEST_ARGS)

# The pure unit tier: no servers, no interpreters or shells started, no benchmark harness.
test-fast: $(STAMP)
	$(BIN)/pytest tests/unit -m "unit and not process and not bench" -q -p no:cacheprovider $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python scripts/bench.py $(ARGS)

# Mutation fuzzing of the hostile-input parsers: minutes, not part of `make test` (ARGS="--budget-seconds 60").
fuzz: $(STAMP)
	$(BIN)/python scripts/fuzz.py $(ARGS)

# aws-sam-cli pins boto3, click and cfn-lint tightly: it lives in its own virtualenv.
$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli
	touch $(SAM_VENV)/.installed

sam-venv: $(SAM_VENV)/.installed

sam-validate: sam-venv
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(SAM_VENV)/bin/sam validate --lint

sam-build: sam-venv
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 PYENV_VERSION=3.11.7:3.12.1:3.13.0 $(SAM_VENV)/bin/sam build

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis .fuzz-failures
