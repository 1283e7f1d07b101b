# Broadcast Operations Portal — `make run` to try it, `make test` to check it.
# Only Python 3.11+ is needed: everything else is installed into .venv by these targets.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint check-migrations lock bench clean-db worker beat

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## run: set up and serve the console at http://$(HOST):$(PORT)/admin/ with demo data
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_reference_data
	$(BIN)/python manage.py seed_demo
	@if [ -n "$$REDIS_URL" ]; then \
		echo "REDIS_URL is set: starting a Celery worker and beat beside the web server"; \
		$(BIN)/celery -A portal worker --loglevel=INFO --concurrency=2 & \
		$(BIN)/celery -A portal beat --loglevel=INFO & \
	else \
		echo "No REDIS_URL: tasks run in-process, and SLA breaches are scanned every minute"; \
		$(BIN)/python manage.py scan_sla_breaches --every 60 --verbosity 0 & \
	fi; \
	$(BIN)/python manage.py demo_logins; \
	exec $(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: lint, migration drift, then the whole suite
test: install lint check-migrations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

check-migrations: install
	$(BIN)/python manage.py makemigrations --check --dry-run

## lock: recompile the pinned requirements from requirements*.in
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile --quiet --python-version 3.11 requirements.in -o requirements.txt
	$(BIN)/uv pip compile --quiet --python-version 3.11 requirements-dev.in -o requirements-dev.txt

## bench: run the benchmarks (needs DATABASE_URL pointing at PostgreSQL)
bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

worker: install
	$(BIN)/celery -A portal worker --loglevel=INFO

beat: install
	$(BIN)/celery -A portal beat --loglevel=INFO
