# Two commands do everything from a fresh clone:
#   make run    set up, then the main job on embedded defaults: PostgreSQL + anvil under $LEC_HOME
#               (default ~/.lec), deploy, sample community, one reward epoch end to end; then the demo
#               wallets (roles, development keys, MetaMask set-up) and the dApp on http://127.0.0.1:5000
#               (Ctrl-C stops the web server; `oracle down` stops the services)
#   make test   set up, then the whole test suite: slither, contract tests, oracle tests, dApp tests, API fuzzing
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
export SOLCX_BINARY_PATH := $(CURDIR)/tools/solc
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/@foundry-rs/anvil-linux-amd64/bin:$(PATH)

.PHONY: setup run test lint test-contracts test-oracle test-dapp test-fuzz test-besu test-planner slither gas bench bench-dapp bench-planner demo-contracts down clean

setup: $(VENV)/.installed node_modules/.installed $(VENV)/.networks

$(VENV)/.installed: pyproject.toml constraints.txt
	@echo "==> Python environment ($(VENV))"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e '.[dev,sample]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@echo "==> npm packages (solc, OpenZeppelin, anvil, merkle-tree, ethers, Chart.js)"
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p dapp_frontend/vendor
	cp node_modules/ethers/dist/ethers.min.js node_modules/ethers/dist/ethers.umd.min.js \
	   node_modules/chart.js/dist/chart.umd.min.js dapp_frontend/vendor/
	@touch $@

$(VENV)/.networks: tools/register_networks.sh $(VENV)/.installed
	@echo "==> brownie networks"
	tools/register_networks.sh
	@touch $@

DAPP_PORT ?= 5000

run: setup
	oracle demo
	oracle pell demo
	dapp demo-wallets --url http://127.0.0.1:$(DAPP_PORT)
	@echo "==> the dApp (Ctrl-C stops the web server; \`oracle down\` stops PostgreSQL and anvil)"
	dapp serve --port $(DAPP_PORT)

down:
	oracle down

demo-contracts: setup
	brownie run scripts/demo.py --network lec-dev --silent

test: setup lint slither test-contracts test-oracle test-planner test-besu test-dapp test-fuzz

test-contracts: setup
	brownie test tests/contracts --network lec-test

test-oracle: setup
	python -m pytest tests/oracle -p no:pytest-brownie -q -n 2

# the energy-hub planner (oracle plan): its own embedded PostgreSQL, no chain
test-planner: setup
	python -m pytest tests/planner -p no:pytest-brownie -q

test-dapp: setup
	python -m pytest tests/dapp -p no:pytest-brownie -q

# schemathesis in its own virtualenv: eth-brownie pins a hypothesis older than any schemathesis needs
FUZZ_VENV := .venv-fuzz
FUZZ_EXAMPLES ?= 10

$(FUZZ_VENV)/.installed: tools/fuzz-requirements.txt
	@echo "==> schemathesis environment ($(FUZZ_VENV))"
	$(PYTHON) -m venv $(FUZZ_VENV)
	$(FUZZ_VENV)/bin/pip install --quiet --upgrade pip
	$(FUZZ_VENV)/bin/pip install --quiet -r tools/fuzz-requirements.txt
	@touch $@

# the API fuzzed from its OpenAPI document on embedded services in a temporary home: no 5xx, answers as documented
test-fuzz: setup $(FUZZ_VENV)/.installed
	python tools/fuzz_api.py --examples $(FUZZ_EXAMPLES)

test-besu: setup
	python -m pytest tests/besu -p no:pytest-brownie -q -rs

lint: setup
	ruff check .
	ruff format --check .

slither: setup
	tools/slither.sh

gas: setup
	brownie run scripts/gas_report.py --network lec-dev --silent

bench: setup
	python benchmarks/oracle_bench.py
	python benchmarks/ingest_bench.py

bench-dapp: setup
	python benchmarks/dapp_bench.py

bench-planner: setup
	python benchmarks/planner_bench.py

clean:
	rm -rf build reports .hypothesis deployments/*.json
