# acucare — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := var/demo.sqlite3
# pytest-xdist workers: the suite is independent per test (factories, no shared rows,
# each worker its own test database), and two workers halve the wall time on 2 cores.
# PYTEST_WORKERS=0 runs in one process (easier to read when debugging).
PYTEST_WORKERS ?= 2
export PYTEST_WORKERS

.PHONY: install demo serve worker deploy-check test lint typecheck kbcheck migrations-check pytest pytest-sqlite pytest-postgres browser-deps document-deps bench clean lock

install: $(STAMP)

# Reinstall only when the lock or the project metadata changed. Bytecode is compiled at
# install, so the first `acucare` command does not pay for it (bench/startup.py).
$(STAMP): requirements/lock.txt requirements/bootstrap.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/bootstrap.txt
	@$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python --require-hashes requirements/lock.txt
	@$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps -e .
	@$(BIN)/python -m compileall -q acucare config
	@touch $(STAMP)

demo: install
	@mkdir -p var
	@ACUCARE_DATABASE_URL=sqlite:///$(DEMO_DB) ACUCARE_DEBUG=1 $(BIN)/python manage.py migrate --noinput -v 0
	@ACUCARE_DATABASE_URL=sqlite:///$(DEMO_DB) ACUCARE_DEBUG=1 $(BIN)/python manage.py load_demo
	@ACUCARE_DATABASE_URL=sqlite:///$(DEMO_DB) ACUCARE_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# The production server: gunicorn (config/gunicorn.py) with whitenoise, DEBUG off. It needs
# ACUCARE_SECRET_KEY, ACUCARE_ALLOWED_HOSTS and ACUCARE_DATABASE_URL (docs/operations.md);
# the settings refuse to start without them. Migrates and collects static files first.
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v 0
	exec $(BIN)/gunicorn --config config/gunicorn.py config.wsgi

# The background-job worker that goes with `make serve` (same environment).
worker: install
	exec $(BIN)/python manage.py worker

test: install lint typecheck kbcheck migrations-check deploy-check browser-deps document-deps pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

kbcheck: install
	$(BIN)/acucare kb check

migrations-check: install
	DJANGO_SETTINGS_MODULE=config.test_settings ACUCARE_DATABASE_URL=sqlite:///:memory: $(BIN)/python manage.py makemigrations --check --dry-run

# Django's deployment checklist against the production settings, warnings are failures.
deploy-check: install
	@bash scripts/deploy-check.sh

browser-deps:
	@bash scripts/ensure-chromium.sh

# The document tests read the generated PDFs with Debian's poppler-utils.
document-deps:
	@bash scripts/ensure-poppler.sh

pytest: pytest-sqlite pytest-postgres

# The SQLite run also measures branch coverage and fails below the floor in pyproject.toml
# ([tool.coverage.report] fail_under); the PostgreSQL run repeats the suite without it.
pytest-sqlite: install
	ACUCARE_DATABASE_URL=sqlite:///:memory: $(BIN)/pytest -p no:cacheprovider -n $(PYTEST_WORKERS) \
		--cov --cov-report=term

pytest-postgres: install
	@bash scripts/pytest-postgres.sh

bench: install
	@for script in bench/[a-z]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Regenerate the hashed lock after editing pyproject.toml dependencies.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -q -o requirements/lock.txt

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
