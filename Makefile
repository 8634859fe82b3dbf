# Colloquium — everyday commands. `make run` serves the demo site; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
CATALOGS := $(wildcard colloquium/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
POSTGRES_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test test-future test-sqlite test-postgres test-tools lint translations extract-translations smoke clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

translations: install $(COMPILED)

colloquium/translations/%/LC_MESSAGES/messages.mo: colloquium/translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --statistics -i $< -o $@

extract-translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o colloquium/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i colloquium/translations/messages.pot -d colloquium/translations --no-fuzzy-matching --ignore-obsolete

run: translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	$(BIN)/flask run --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check colloquium tests migrations
	$(BIN)/ruff format --check colloquium tests

# Every test on SQLite, then again on PostgreSQL when a server answers at POSTGRES_TEST_URL
# (REQUIRE_POSTGRES=1 turns a missing server into a failure, as CI does; so do REQUIRE_REDIS=1
# and REQUIRE_BROWSER=1, read by the tests from the environment, for Redis and Chromium).
test: translations lint test-sqlite
	@if $(BIN)/python -m tests.postgres_available "$(POSTGRES_TEST_URL)"; then \
		$(MAKE) --no-print-directory test-postgres; \
	elif [ -n "$(REQUIRE_POSTGRES)" ]; then \
		echo "PostgreSQL is required but does not answer at $(POSTGRES_TEST_URL)"; exit 1; \
	else \
		echo "== PostgreSQL does not answer at $(POSTGRES_TEST_URL): its run was skipped"; \
	fi

# axe-core (from npm) checks every page against WCAG 2.1 AA in the browser tests; without
# npm those tests are skipped (CI requires them).
test-tools: tests/node_modules/axe-core/axe.min.js

tests/node_modules/axe-core/axe.min.js: tests/package.json
	@if command -v npm >/dev/null; then \
		cd tests && npm install --no-audit --no-fund --silent --no-package-lock; \
	else \
		echo "== npm not found: the accessibility checks will be skipped"; \
	fi

test-sqlite: translations test-tools
	@echo "== tests on SQLite"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: translations test-tools
	@echo "== tests on PostgreSQL ($(POSTGRES_TEST_URL))"
	COLLOQUIUM_TEST_DATABASE_URL=$(POSTGRES_TEST_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

# The whole suite on SQLite with the clock moved about four years ahead: no test may depend
# on the year it is written in (CI runs it after `make test`).
CLOCK_SHIFT_DAYS ?= 1500
test-future: translations test-tools
	@echo "== tests on SQLite, $(CLOCK_SHIFT_DAYS) days in the future"
	COLLOQUIUM_TEST_CLOCK_SHIFT_DAYS=$(CLOCK_SHIFT_DAYS) COLLOQUIUM_TEST_DATABASE_URL= \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

# The production smoke test: the README's production set-up (gunicorn, the mail worker,
# PostgreSQL, Redis) and one attendee's journey over HTTP. It creates and drops its database.
SMOKE_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/colloquium_smoke
smoke: translations
	@echo "== production smoke test"
	$(BIN)/python tests/smoke/production.py --database-url $(SMOKE_DATABASE_URL)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/node_modules
