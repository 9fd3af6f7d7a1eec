# Two commands do everything from a fresh clone:
#   make run    set up, then deploy on a local anvil chain and run the demo community
#   make test   set up, then run the whole test suite (static analysis + contract tests)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
export SOLCX_BINARY_PATH := $(CURDIR)/tools/solc
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/@foundry-rs/anvil-linux-amd64/bin:$(PATH)

.PHONY: setup run test test-contracts slither gas clean

setup: $(VENV)/.installed node_modules/.installed $(VENV)/.networks

$(VENV)/.installed: pyproject.toml constraints.txt
	@echo "==> Python environment ($(VENV))"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@echo "==> npm packages (solc, OpenZeppelin, anvil, merkle-tree)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENV)/.networks: tools/register_networks.sh $(VENV)/.installed
	@echo "==> brownie networks"
	tools/register_networks.sh
	@touch $@

run: setup
	brownie run scripts/demo.py --network lec-dev --silent

test: setup slither test-contracts

test-contracts: setup
	brownie test tests/contracts --network lec-test

slither: setup
	tools/slither.sh

gas: setup
	brownie run scripts/gas_report.py --network lec-dev --silent

clean:
	rm -rf build reports .hypothesis deployments/*.json
