# The two commands of the README: `make run` and `make test`. CI calls `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-dev browser servers lint typecheck pytest ingest eval bench clean

$(BIN)/policybot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

install: $(BIN)/policybot

# torch is pinned to the CPU build; the sentence-transformers backend is tested for real
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
	$(BIN)/ruff format --check app ingest vectorstore tests bench
	$(BIN)/ruff check app ingest vectorstore tests bench

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

test: install-dev browser servers lint typecheck pytest

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
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
