# newsdesk — `make demo` and `make test` are the two set-up commands (see README).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DATA ?= demo-data
DEMO_LANGS ?= demo-languages
SHARED ?= ../shared
CHROMIUM ?= /usr/bin/chromium

.PHONY: help install demo test test-fast fuzz lint format bench chromium java clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[all,dev]'
	touch $@

install: $(BIN)/.installed  ## create .venv and install newsdesk with every extra

demo: install  ## ingest the shared sample data and run real searches
	$(BIN)/newsdesk --data $(DEMO_DATA) ingest $(SHARED)/data/reuters21578/reuters21578.jsonl.gz
	@# a saved search, then the article it is waiting for: the alert fires (Atom feed; webhook/email work alike)
	-@$(BIN)/newsdesk --data $(DEMO_DATA) alerts add sessions '"jeff sessions"' --notify atom 2>/dev/null
	$(BIN)/newsdesk --data $(DEMO_DATA) ingest $(SHARED)/seed/
	$(BIN)/newsdesk --data $(DEMO_DATA) alerts show sessions
	$(BIN)/newsdesk --data $(DEMO_DATA) stats
	$(BIN)/newsdesk --data $(DEMO_DATA) search "jeff sessions" --limit 3
	$(BIN)/newsdesk --data $(DEMO_DATA) search "james baker" --limit 3
	$(BIN)/newsdesk --data $(DEMO_DATA) search '(opec OR "oil prices") AND saudi' --limit 3 --sort date
	@# a reader's words for one article: BM25 ranks it second; the default re-orders the top ten by
	@# how much of the query each headline and lead holds (a model learned on dev queries): first
	$(BIN)/newsdesk --data $(DEMO_DATA) search "lawson budget base rates" --limit 2
	@# copies are found at ingest; stories group the articles about one event
	$(BIN)/newsdesk --data $(DEMO_DATA) enrich --stage stories
	$(BIN)/newsdesk --data $(DEMO_DATA) stories "james baker" --top 3
	$(BIN)/newsdesk --data $(DEMO_DATA) timeline oil --unit stories --interval month
	@# nine languages, each detected and analysed by its own rules; queries match across them
	$(BIN)/newsdesk --data $(DEMO_LANGS) ingest tests/data/languages/demo.jsonl
	$(BIN)/newsdesk --data $(DEMO_LANGS) stats
	$(BIN)/newsdesk --data $(DEMO_LANGS) search 'lang:de Regierung' --limit 1
	$(BIN)/newsdesk --data $(DEMO_LANGS) search economie --limit 1

chromium:  ## install Debian's Chromium for the browser tests when it is missing
	@if [ ! -x $(CHROMIUM) ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "chromium missing and cannot apt-get install it: browser tests will be skipped"; fi; \
	fi

java:  ## install Debian's Java 17 for the Spark tests when java is missing
	@if ! command -v java >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null) \
	      || echo "could not install openjdk-17-jre-headless: spark tests will be skipped"; \
	  else echo "java missing and cannot apt-get install it: spark tests will be skipped"; fi; \
	fi

test: install chromium java  ## run the whole test suite (real SQLite, tantivy, HTTP, Chromium)
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: install  ## tests without the slow and browser ones
	$(BIN)/python -m pytest -q -m "not slow and not browser"

fuzz: install  ## the long fuzz and fault run: 10,000 mutated reader inputs, 10,000 queries, 12 SIGKILLs
	NEWSDESK_FUZZ_EXAMPLES=10000 NEWSDESK_FUZZ_KILLS=12 $(BIN)/python -m pytest -q -p no:cacheprovider -s \
	  tests/fuzz tests/query/test_fuzz_queries.py

lint:  ## ruff check and format check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format:  ## ruff format
	$(BIN)/ruff format src tests bench

bench: install  ## ingest/search benchmark on Reuters
	$(BIN)/python bench/ingest_search.py

clean:  ## remove the virtualenv and demo data
	rm -rf $(VENV) $(DEMO_DATA) $(DEMO_LANGS)
