# Two entry points: `make run` (set up, then open the app) and `make test` (set up, then check everything).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup system-deps run serve test lint bench protos clean n8n n8n-if-node bundle

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -e ".[all]"
	touch $(STAMP)

# Qt's runtime libraries (xcb for a real screen, xvfb for screenshots); needs root and apt, skipped otherwise.
system-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		dpkg -s libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
			libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1 libegl1 libgl1 libfontconfig1 libdbus-1-3 \
			>/dev/null; }; \
	fi

run: setup system-deps
	$(VENV)/bin/omni gui

serve: setup
	$(VENV)/bin/omni serve

protos: setup
	$(PY) -m protos.generate

lint: setup
	$(PY) -m protos.generate --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy omni_core backend desktop omni_cli bench protos/generate.py

test: setup system-deps lint n8n-if-node
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest

# The pinned n8n (installers/n8n/runtime/package-lock.json) for the workflow tests, installed beforehand so nothing
# downloads while they run: once per lock file into ~/.cache/omni-studio/n8n, linked as runtime/node_modules.
# `make test` installs it only where Node and npm are (the n8n tests skip elsewhere, saying so).
n8n:
	installers/n8n/install.sh

n8n-if-node:
	@if command -v node >/dev/null && command -v npm >/dev/null; then $(MAKE) --no-print-directory n8n; \
	else echo "node/npm not found: the n8n workflow tests will skip"; fi

# Benchmarks print figures measured in one run; they are not tests. `make bench` is the quick one (~1 min);
# the others take 10-45 minutes each and want a quiet machine.
BENCHES := spine restoration restore detection annotate datasets_backend storage network bundle

bench: setup
	$(PY) -m bench.spine

bench-%: setup
	@case " $(BENCHES) " in *" $* "*) ;; *) echo "no bench '$*'; choose one of: $(BENCHES)"; exit 2;; esac
	$(PY) -m bench.$*

# The desktop as one folder without torch: build/bundle/omni-desktop/omni-desktop (installers/README.md).
BUNDLE_DIR ?= build/bundle

bundle: setup
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath $(BUNDLE_DIR) \
		--workpath build/pyinstaller installers/desktop/omni-desktop.spec
	@du -sh $(BUNDLE_DIR)/omni-desktop

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build/bundle build/pyinstaller
