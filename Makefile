# The two commands of the README: `make run` and `make test`. CI calls `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-dev browser servers lint typecheck pytest miniprogram wheel-smoke lock ingest eval bench clean

$(BIN)/policybot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

install: $(BIN)/policybot

# with torch, for the sentence-transformers backend, which is tested for real (README:
# Development says how to take torch's CPU build where its wheel is not on disk)
install-dev: install
	$(BIN)/pip install --quiet -e '.[dev,sentence-transformers]'

# Debian's Chromium for the browser tests (Playwright drives it; nothing is downloaded)
browser:
	@dpkg -s chromium fonts-noto-cjk >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# Debian's Redis for the replica tests (each starts its own on a free port; Chroma's
# server comes with chromadb)
servers:
	@command -v redis-server >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq redis-server >/dev/null; }

run: install
	$(BIN)/policybot ingest
	$(BIN)/policybot serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

lint:
	$(BIN)/ruff format --check app ingest vectorstore prompts tests bench
	$(BIN)/ruff check app ingest vectorstore prompts tests bench

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

# The mini-program's type check and tests: its chat page runs in miniprogram-simulate and
# asks a policybot server that the tests start from .venv (packages from the npm registry)
miniprogram: install
	cd examples/miniprogram && npm ci --no-audit --no-fund && npm test

# the built wheel, installed from requirements.lock into a fresh venv, run outside the tree
wheel-smoke: install
	PYTHON=$(BIN)/python scripts/wheel-smoke

# requirements.lock: the service's dependencies (no extras) for the Dockerfile and
# wheel-smoke, pinned with hashes for CPython 3.11 on Linux x86_64
lock: install-dev
	$(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --custom-compile-command "make lock" \
	  --output-file requirements.lock

test: install-dev browser servers lint typecheck pytest miniprogram wheel-smoke

ingest: install
	$(BIN)/policybot ingest

eval: install
	$(BIN)/policybot eval tests/golden/public.jsonl
	$(BIN)/policybot eval tests/golden/own.jsonl
	$(BIN)/policybot eval tests/golden/public.jsonl --answers
	$(BIN)/policybot eval tests/golden/own.jsonl --answers

bench: install
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/latency.py

clean:
	rm -rf $(VENV) var build dist .pytest_cache .mypy_cache .ruff_cache examples/miniprogram/node_modules
