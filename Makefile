# Two commands do everything: `make serve` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
HOST ?= 127.0.0.1
ARGS ?=

.PHONY: serve test install contracts bench soak fuzz clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/mockserver serve --host $(HOST) --port $(PORT) $(ARGS)

# Two workers, a test module each (--dist loadfile keeps a module's fixtures in one process).
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info

# Benchmarks and robustness runs (issue #5): loopback only, bounded, kept out of `make test`.
# See bench/README.md. ARGS passes options through, e.g. `make bench ARGS="--only teamup --skip-scaling"`.
SOAK_SECONDS ?= 60

bench: $(STAMP)
	$(BIN)/python -m bench.run $(ARGS)

soak: $(STAMP)
	$(BIN)/python -m bench.soak --seconds $(SOAK_SECONDS) $(ARGS)

fuzz: $(STAMP)
	$(BIN)/python -m bench.fuzz $(ARGS)

# Contract checks against a running API: `make serve` in one shell, `make contracts` in another
# (or `make contracts URL=https://api.example ARGS='--spec ops-promotions --token-env OPS_TOKEN'`).
URL ?= http://$(HOST):$(PORT)

contracts: $(STAMP)
	$(BIN)/contracts run --base-url $(URL) $(ARGS)
