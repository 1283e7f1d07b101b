# Broadcast Operations Portal — `make run` to try it, `make test` to check it.
# Only Python 3.11+ is needed: everything else is installed into .venv by these targets (and, for the browser
# tests, Debian's chromium by apt-get when run as root).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install browser run test lint check-migrations lock bench clean-db worker beat

# The browser tests (tests/e2e) drive Debian's chromium; Playwright never downloads a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) browser

## browser: Debian's chromium for tests/e2e, installed with apt-get when missing. Without root (or apt-get) it
## says so and goes on: `make run` needs no browser, and the browser tests then fail with the same sentence.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests (tests/e2e)"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
			|| echo "Could not install chromium with apt-get: the browser tests (tests/e2e) will fail until it is installed."; \
	else \
		echo "Chromium is not installed and installing it needs apt-get as root: the browser tests (tests/e2e) will fail until it is."; \
	fi

## run: set up and serve the console at http://$(HOST):$(PORT)/admin/ with demo data
run: $(STAMP)
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

## test: lint, migration drift, then the whole suite (the browser tests in tests/e2e included)
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
	@for script in $(filter-out bench/common.py bench/growth.py,$(wildcard bench/*.py)); do \
		echo "== $$script"; $(BIN)/python $$script || exit 1; done

worker: install
	$(BIN)/celery -A portal worker --loglevel=INFO

beat: install
	$(BIN)/celery -A portal beat --loglevel=INFO
