# Laydown: `make demo` installs and serves the demo; `make test` runs every check CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
# Installs come from the lock files, pinned with hashes: requirements.txt (what Laydown needs to
# run) and requirements-dev.txt (that and the development tools: ruff, mypy, pytest...).
# pyproject.toml keeps the ranges; after changing them, run `make lock` and commit both files.
LOCK_FLAGS := --quiet --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links

.PHONY: help install lock demo serve serve-dev test checks lint typecheck interop-tools server-tools suites java pytest pytest-no-browser browser-en pytest-postgres browser-hy container-test fmt bench clean messages translations catalogues

# Translations (docs/translations.md). The .po catalogues are committed; the .mo files are built
# from them (msgfmt, Debian's gettext, installed by .ci/install-gettext if missing) by every target
# that runs Laydown, and are not committed.
LOCALES := az hy ru
PO_FILES := $(wildcard laydown/locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)
MAKEMESSAGES_FLAGS := --no-obsolete --add-location=file --no-wrap --ignore='tests/*' \
  --ignore='*/tests/*' --ignore='testing/*' --ignore='static/vendor/*' --ignore='demo/*'

$(MO_FILES): %.mo: %.po
	@command -v msgfmt >/dev/null || .ci/install-gettext
	msgfmt --check-format -o $@ $<

translations: $(MO_FILES) ## compile the translation catalogues (.po to .mo)

messages: $(STAMP) ## update the catalogues from the source (az, hy, ru; django and djangojs)
	@command -v xgettext >/dev/null || .ci/install-gettext
	cd laydown && LAYDOWN_DATA_DIR=../var/check-messages ../$(BIN)/laydown makemessages \
	  $(addprefix --locale=,$(LOCALES)) --domain=django $(MAKEMESSAGES_FLAGS)
	cd laydown && LAYDOWN_DATA_DIR=../var/check-messages ../$(BIN)/laydown makemessages \
	  $(addprefix --locale=,$(LOCALES)) --domain=djangojs $(MAKEMESSAGES_FLAGS)
	sed -i '/^"POT-Creation-Date: /d' laydown/locale/*/LC_MESSAGES/*.po
	$(MAKE) translations

# The languages whose catalogues are complete and checked (laydown/testing/languages.py has the
# same list for the language walk); a language joins when all its entries are translated.
CATALOGUE_LOCALES ?= $(LOCALES)
catalogues: messages ## update the catalogues, fail on an untranslated or fuzzy entry (msgfmt --statistics)
	.ci/check-catalogues $(CATALOGUE_LOCALES)

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP) translations ## create .venv and install Laydown with its development tools, as pinned

lock: ## re-pin requirements.txt and requirements-dev.txt (hashes) from pyproject.toml's ranges
	@[ -x $(BIN)/pip-compile ] || $(MAKE) install
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile $(LOCK_FLAGS) \
	  --output-file requirements.txt pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile $(LOCK_FLAGS) --extra dev \
	  --output-file requirements-dev.txt pyproject.toml

demo: $(STAMP) translations ## install, migrate, create keys, load the demo programme, serve it (granian) with two witnesses and the worker
	$(BIN)/laydown migrate --noinput
	$(BIN)/laydown keys init
	$(BIN)/laydown demo
	@data=$${LAYDOWN_DATA_DIR:-var}; \
	$(BIN)/laydown witness serve $$data/witnesses/nordland --listen 127.0.0.1:7381 & w1=$$!; \
	$(BIN)/laydown witness serve $$data/witnesses/un-office --listen 127.0.0.1:7382 & w2=$$!; \
	$(BIN)/laydown worker & wk=$$!; \
	trap 'kill $$w1 $$w2 $$wk 2>/dev/null' EXIT INT TERM; \
	sleep 1; $(BIN)/laydown log push; \
	echo "Laydown demo: http://127.0.0.1:8000/ (users and passwords above)"; \
	$(BIN)/laydown serve 127.0.0.1:8000

serve: $(STAMP) translations ## serve without loading demo data (granian; LAYDOWN_WORKERS, LAYDOWN_THREADS)
	$(BIN)/laydown serve 127.0.0.1:8000

serve-dev: $(STAMP) translations ## serve with Django's development server
	$(BIN)/laydown serve --dev 127.0.0.1:8000

test: checks interop-tools server-tools suites ## lint, type check, the translation catalogues, the test suite on SQLite and PostgreSQL, the browser tests again in Armenian

# The checks run at once (each on one core, mypy the longest), each Django of them with a data
# directory of its own (settings create a secret key in it when it has none); catalogues
# rewrites the .po and .mo files the suites read, and ends before they start.
checks: $(STAMP) ## lint, typecheck and catalogues, at once
	$(MAKE) --no-print-directory -j3 --output-sync=target lint typecheck catalogues

# The suites share nothing (each has its own data directory, database and ports), so they run at
# once: one after the other they kept one of CI's 2 cores idle (85 minutes in all). Each suite's
# output is shown whole when it ends (make --output-sync). The SQLite suite runs as two jobs, its
# browser tests (browser-en) beside the others (pytest-no-browser): as one it ran the English
# browser tests and every other test one after the other and ended last, alone on one core.
# `suites` installs java first and passes NEEDS_JAVA= to the sub-make: with `java` still a
# prerequisite of pytest and pytest-postgres there, make (4.3, -j3) ran the sub-make's `java`,
# started browser-hy and started the two others only when browser-hy had ended (with a stand-in
# pytest that sleeps 4 s: 8 s for the three, 4 s now; and in a CI run on a clean clone).
NEEDS_JAVA ?= java

suites: $(STAMP) translations java ## the test suite on SQLite (its browser tests a job of their own), on PostgreSQL and the browser tests in Armenian, at once
	$(MAKE) --no-print-directory -j4 --output-sync=target NEEDS_JAVA= \
	  pytest-no-browser browser-en pytest-postgres browser-hy

lint: $(STAMP) ## ruff check and format check, the layering contracts, no missing migrations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	LAYDOWN_DATA_DIR=var/check $(BIN)/laydown makemigrations --check --dry-run

typecheck: $(STAMP) ## mypy --strict on the package and bench/ (not on tests)
	LAYDOWN_DATA_DIR=var/check-types $(BIN)/mypy laydown bench

interop-tools: ## install Go + golang.org/x/mod (Go client interop test), ODK Web Forms from npm (OpenRosa client test), Chromium and the Noto fonts (browser tests, print)
	.ci/install-go-interop
	.ci/install-odk-client
	.ci/install-browser
	.ci/install-fonts

server-tools: ## install Debian's postgresql-client (backups on PostgreSQL) and nginx (the stack test), if missing
	.ci/install-server-tools

java: ## Java for ODK Validate (the OpenRosa tests), if missing
	@command -v java >/dev/null || .ci/install-java

pytest: $(STAMP) translations $(NEEDS_JAVA) ## the test suite on SQLite
	rm -rf var/test-sqlite
	LAYDOWN_DATA_DIR=var/test-sqlite LAYDOWN_DATABASE_URL= $(BIN)/pytest

# `make pytest` in two parts that can run at once (make suites): together, the same tests.
pytest-no-browser: $(STAMP) translations $(NEEDS_JAVA) ## the test suite on SQLite but the browser tests
	rm -rf var/test-sqlite
	LAYDOWN_DATA_DIR=var/test-sqlite LAYDOWN_DATABASE_URL= $(BIN)/pytest -m "not browser"

browser-en: $(STAMP) translations ## the browser tests (Chromium, English) on SQLite
	rm -rf var/test-browser-en
	LAYDOWN_DATA_DIR=var/test-browser-en LAYDOWN_DATABASE_URL= \
	  $(BIN)/pytest -m browser $(NOT_FUZZ) --durations=10

# The API's fuzz tests (laydown/tests/test_api_schema.py, all marked api_fuzz) run in `make pytest`
# only; the two other suites deselect them, and leave the module uncollected as well: collecting
# it asks the app for its OpenAPI document and builds schemathesis's tests of every operation
# (12 of the 39 s of CPU that collecting the PostgreSQL suite took, measured with --collect-only).
NOT_FUZZ := --ignore=laydown/tests/test_api_schema.py

# Tests that reach no database (marked no_database by laydown/conftest.py: no django_db mark, no
# database fixture) test the same on both, and run in the SQLite suite only.
pytest-postgres: $(STAMP) translations $(NEEDS_JAVA) ## the database tests on PostgreSQL, when LAYDOWN_TEST_POSTGRES_URL is set
	@if [ -z "$$LAYDOWN_TEST_POSTGRES_URL" ]; then \
	  echo "LAYDOWN_TEST_POSTGRES_URL is not set: PostgreSQL tests not run (CI sets it)."; \
	else \
	  rm -rf var/test-postgres && \
	  LAYDOWN_DATA_DIR=var/test-postgres LAYDOWN_DATABASE_URL="$$LAYDOWN_TEST_POSTGRES_URL" \
	    $(BIN)/pytest --ignore=laydown/tlog $(NOT_FUZZ) \
	      -m "not browser and not api_fuzz and not stack and not no_database"; \
	fi

# The Armenian pass runs every browser test, the walks of every page at a phone's width and
# through the accessibility check included: what they check changes with the language (longer
# words overflow a 360 px screen; names and labels differ). ~60 s of CPU; on a quiet CI machine
# the pass still ends well before the others.
browser-hy: $(STAMP) translations ## the browser tests once more, with Armenian chosen in the browser (LAYDOWN_BROWSER_LANGUAGE=hy)
	rm -rf var/test-browser-hy
	LAYDOWN_DATA_DIR=var/test-browser-hy LAYDOWN_DATABASE_URL= LAYDOWN_BROWSER_LANGUAGE=hy \
	  $(BIN)/pytest -m browser $(NOT_FUZZ) --durations=10

container-test: $(STAMP) translations ## build deploy/Containerfile with podman and run web and worker in it behind nginx on PostgreSQL (LAYDOWN_TEST_POSTGRES_URL); minutes; not part of `make test`
	.ci/container-base
	LAYDOWN_TEST_CONTAINER=1 LAYDOWN_DATA_DIR=var/test-container LAYDOWN_DATABASE_URL= \
	  $(BIN)/pytest -m container --durations=5 laydown/tests/test_container.py

fmt: $(STAMP) ## format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) ## run the ledger benchmark and rewrite docs/benchmarks.md
	$(BIN)/python bench/ledger.py --write docs/benchmarks.md

clean: ## remove the virtual environment and all local data
	rm -rf $(VENV) var
