# convplay — the README's two commands are `make run` and `make test`.
# Every target installs what it needs first; each step is idempotent.

SHELL := /bin/bash
APT_PACKAGES := libncurses-dev libpng-dev pkg-config tmux python3-venv
VENV := .venv
PY := $(VENV)/bin/python
RELEASE_BIN := .build/release/convplay
PRESET ?=

.PHONY: run test lint format deps venv release bench peer-bench train-bench clean

## run: install what is missing, build a release binary and open the playground (PRESET=name to choose)
run: release
	$(RELEASE_BIN) $(PRESET)

## test: everything — format lint, unit, reference (numpy/onnxruntime), CLI and tmux end-to-end tests
test: lint deps venv release
	SWIFT_BACKTRACE=interactive=no CONVPLAY_PYTHON=$(abspath $(PY)) CONVPLAY_BIN=$(abspath $(RELEASE_BIN)) \
	    swift test --disable-xctest 2>&1 | tee .build/test.log; exit $${PIPESTATUS[0]}

SWIFT_SOURCES := Package.swift Sources Tests

## lint: fails on Swift code that `swift format` (configuration: .swift-format) would change
lint:
	swift format lint --recursive --strict $(SWIFT_SOURCES)

## format: rewrites the Swift code in the committed style
format:
	swift format format --in-place --recursive $(SWIFT_SOURCES)

## deps: Debian packages the build and tests need (installed only when missing)
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## venv: the Python reference implementations' environment (numpy, onnx, onnxruntime)
venv: $(VENV)/.ready
$(VENV)/.ready: requirements-test.txt | deps
	python3 -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

release: deps
	swift build -c release --product convplay

## bench: engine speed per node against the machine's peak
bench: release
	$(RELEASE_BIN) bench --peak
	$(RELEASE_BIN) bench nin-cifar10
	$(RELEASE_BIN) bench googlenet
	$(RELEASE_BIN) bench-ui googlenet

## peer-bench: convplay against onnxruntime (own venv), 1 and 2 threads, one table of ratios
peer-bench: deps
	bash bench/peer.sh

## train-bench: nin-digits to ≥ 97 % held-out (time and accuracy), then training throughput against PyTorch
train-bench: release venv
	$(RELEASE_BIN) train nin-digits --data digits --epochs 20 --schedule cosine
	bash bench/train-peer.sh

clean:
	rm -rf .build $(VENV)
