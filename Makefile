# pipesum: `make help` lists the targets. The two that matter: `make demo` and `make test`.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON_BOOTSTRAP ?= python3
VENV := .venv
EMULATOR_VENV := .venv-emulator
PY := $(VENV)/bin/python
TARGET ?= ministack
ENV ?= dev
PYTEST_WORKERS ?= 2

# Every resource is tagged with the commit it was deployed from.
export PIPESUM_GIT_COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# --- environments -------------------------------------------------------------------------------

$(VENV)/.installed: requirements/dev.txt
	@$(PYTHON_BOOTSTRAP) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed as '$(PYTHON_BOOTSTRAP)' (set PYTHON_BOOTSTRAP=...)."; exit 1; }
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	@touch $@

# MiniStack pins botocore exactly, so it gets a virtualenv of its own; its Lambda workers run there.
$(EMULATOR_VENV)/.installed: requirements/emulator.txt
	$(PYTHON_BOOTSTRAP) -m venv $(EMULATOR_VENV)
	$(EMULATOR_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/emulator.txt
	@touch $@

.PHONY: venv
venv: $(VENV)/.installed $(EMULATOR_VENV)/.installed ## Create the virtualenvs (dev tools; the emulator)

.PHONY: tools
tools:
	@command -v terraform >/dev/null || { echo "terraform is not on PATH: install Terraform 1.11 (https://developer.hashicorp.com/terraform/install)."; exit 1; }

# The evidence test renders a PNG with headless Chromium; as root on Debian/Ubuntu it is installed.
.PHONY: chromium
chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [[ $$(id -u) == 0 ]] && command -v apt-get >/dev/null; then \
	    echo "installing Chromium (apt-get install chromium), needed for the evidence PNG ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is needed for the evidence PNG: install it (apt-get install chromium)."; exit 1; fi; }

.PHONY: build
build: $(VENV)/.installed ## Build the function's zip reproducibly (build/function.zip)
	@$(PY) -m harness.package

# --- the sandbox --------------------------------------------------------------------------------

.PHONY: demo
demo: venv tools ## Start the emulator, deploy, drop triggerFile.txt, print the output
	@$(PY) -m harness.cli demo

.PHONY: up
up: venv tools ## Start the emulator and apply terraform/ to it
	@$(PY) -m harness.cli up

.PHONY: drop
drop: venv ## Drop a file into the sandbox and print its outcome: make drop FILE=path [KEY=key]
	@test -n "$(FILE)" || { echo "usage: make drop FILE=path/to/file [KEY=object/key]"; exit 2; }
	@$(PY) -m harness.cli drop "$(FILE)" $(if $(KEY),--key "$(KEY)")

.PHONY: logs
logs: venv ## Print the function's log lines from the sandbox
	@$(PY) -m harness.cli logs

.PHONY: verify
verify: venv tools ## Prove what runs is this commit (sandbox; TARGET=aws ENV=prod for a real account)
	@$(PY) -m harness.verify --target $(TARGET) --var-file envs/$(ENV).tfvars $(if $(NO_PROBE),--no-probe)

.PHONY: evidence
evidence: venv tools chromium ## Run verify and write evidence/ (Markdown, HTML, and a PNG via headless Chromium)
	@$(PY) -m harness.evidence --target $(TARGET) --var-file envs/$(ENV).tfvars

.PHONY: down
down: ## Stop the sandbox emulator and remove its state
	@if [[ -x $(PY) ]]; then $(PY) -m harness.cli down; else rm -rf .sandbox; fi

# --- checks -------------------------------------------------------------------------------------

.PHONY: lint
lint: $(VENV)/.installed ## ruff and mypy --strict
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

.PHONY: tf-check
tf-check: $(VENV)/.installed tools build ## terraform fmt, validate and test (mock provider)
	@$(PY) -m harness.terraform_checks

.PHONY: test
test: venv tools chromium lint tf-check ## Everything: lint, Terraform checks, unit and integration tests
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --target $(TARGET)

.PHONY: clean
clean: down ## Remove build output, caches and virtualenvs
	rm -rf build $(VENV) $(EMULATOR_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find terraform -name .terraform -type d -prune -exec rm -rf {} +
