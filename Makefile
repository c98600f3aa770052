# convplay — the README's two commands are `make run` and `make test`.
# Every target installs what it needs first; each step is idempotent.

SHELL := /bin/bash
APT_PACKAGES := libncurses-dev libpng-dev pkg-config tmux python3-venv
VENV := .venv
PY := $(VENV)/bin/python
RELEASE_BIN := .build/release/convplay
PRESET ?=

.PHONY: run test test-tmp lint format deps venv release bench peer-bench train-bench clean fuzz fuzz-build fuzz-smoke asan tsan

## run: install what is missing, build a release binary and open the playground (PRESET=name to choose)
run: release
	$(RELEASE_BIN) $(PRESET)

## test: everything — format lint, each fuzz target briefly on its seed corpus, then unit, reference
## (numpy/onnxruntime/torch), CLI and tmux end-to-end tests (their summary line last); then fails if the fuzz
## smokes or the tests left anything in their temporary directory
test: lint deps venv release fuzz-smoke
	swift build --build-tests
	TMPDIR=$(abspath $(TEST_TMP)) SWIFT_BACKTRACE=interactive=no CONVPLAY_PYTHON=$(abspath $(PY)) \
	    CONVPLAY_BIN=$(abspath $(RELEASE_BIN)) swift test --skip-build --disable-xctest 2>&1 | tee .build/test.log; \
	status=$${PIPESTATUS[0]}; \
	left=$$(find $(TEST_TMP) -mindepth 1 -maxdepth 1 ! -name '_*.lock' ! -name 'TemporaryDirectory.*' | sort); \
	if [ -n "$$left" ]; then \
	    echo "make test: FAILED: the tests left these behind in their temporary directory $(TEST_TMP) (TMPDIR):"; \
	    du -sh $$left | sed 's/^/    /'; \
	    echo "each test removes what it makes: withTemporaryFolder (ConvEngineTests, ConvPlayTUITests)," \
	        "BinaryRunner.withTemporaryDirectory (EndToEndTests)"; \
	    exit 1; \
	fi; \
	exit $$status

# The tests' and fuzz smokes' temporary directory (their TMPDIR), emptied before them: `make test` fails on anything
# they leave in it but what `swift test --skip-build` itself leaves there before and after running the tests (Swift
# 6.3): its file locks, `_<path with / as _>.lock`, and empty `TemporaryDirectory.*` folders (a `.keep-directory`
# file in each). The build runs outside it: the compiler's driver leaves more TemporaryDirectory.* folders behind.
# tmux ignores TMPDIR: its server sockets go in TMUX_TMPDIR/tmux-UID, else /tmp/tmux-UID, and the end-to-end tests
# remove theirs (TmuxSession.kill).
TEST_TMP := .build/test-tmp

test-tmp:
	rm -rf $(TEST_TMP) && mkdir -p $(TEST_TMP)

SWIFT_SOURCES := Package.swift Sources Tests Fuzz

# libFuzzer targets (Package.swift adds them when CONVPLAY_FUZZ=1), built with coverage and AddressSanitizer.
FUZZ := .build-fuzz
FUZZ_TARGETS := FuzzPreset FuzzNpy FuzzNetpbm FuzzPNG FuzzWeightsFolder FuzzONNX FuzzSafetensors FuzzIDX
# Seconds per target: `make fuzz` (a real run) and the smoke run inside `make test`.
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 10
# Leak checks off: Swift's runtime keeps metadata and caches for the life of the process, which LeakSanitizer
# reports as leaks. Swift's own backtracer off, so libFuzzer reports crashes and saves the input.
FUZZ_FLAGS := -rss_limit_mb=2048 -timeout=10 -detect_leaks=0 -print_final_stats=1
FUZZ_ENV := SWIFT_BACKTRACE=enable=no

## fuzz-build: the fuzz targets in .build-fuzz and their seed corpora from the shipped files (.build-fuzz/seeds)
fuzz-build: release
	for t in $(FUZZ_TARGETS); do \
	    CONVPLAY_FUZZ=1 swift build --scratch-path $(FUZZ) --product $$t \
	        -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address || exit 1; \
	done
	python3 Fuzz/seeds.py $(FUZZ)/seeds $(RELEASE_BIN)

## fuzz: each target for FUZZ_SECONDS, growing .build-fuzz/corpus/TARGET; a finding is saved to .build-fuzz/findings
fuzz: fuzz-build
	mkdir -p $(FUZZ)/findings
	for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ)/corpus/$$t; \
	    $(FUZZ_ENV) $(FUZZ)/debug/$$t $(FUZZ)/corpus/$$t $(FUZZ)/seeds/$$t $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
	        -artifact_prefix=$(FUZZ)/findings/$$t- 2>&1 | grep -E "^#[0-9]+[[:space:]]+DONE|ERROR|SUMMARY|artifact|^Done" || exit 1; \
	    test -z "$$(ls $(FUZZ)/findings | grep "^$$t-")" || exit 1; \
	done

## fuzz-smoke: each target for FUZZ_SMOKE_SECONDS from its seed corpus (a fresh scratch corpus each time), with
## TMPDIR in the tests' temporary directory
fuzz-smoke: fuzz-build test-tmp
	for t in $(FUZZ_TARGETS); do \
	    rm -rf $(FUZZ)/smoke/$$t && mkdir -p $(FUZZ)/smoke/$$t && \
	    TMPDIR=$(abspath $(TEST_TMP)) $(FUZZ_ENV) $(FUZZ)/debug/$$t $(FUZZ)/smoke/$$t $(FUZZ)/seeds/$$t $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SMOKE_SECONDS) \
	        -artifact_prefix=$(FUZZ)/smoke/$$t- > $(FUZZ)/smoke/$$t.log 2>&1 \
	        || { tail -40 $(FUZZ)/smoke/$$t.log; exit 1; }; \
	    echo "$$t: $$(grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ)/smoke/$$t.log)"; \
	done

# Unit tests (the engine and the playground's reducer and screens) under a sanitizer, each in its own build folder.
SANITIZED_TESTS := ConvEngineTests|ConvPlayTUITests

## asan: the unit tests under AddressSanitizer
asan: deps venv
	ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no CONVPLAY_PYTHON=$(abspath $(PY)) \
	    swift test --scratch-path .build-asan --sanitize=address --disable-xctest --filter '$(SANITIZED_TESTS)'

## tsan: the unit tests under ThreadSanitizer (the kernel worker pool, the compute thread, the session hand-off)
tsan: deps venv
	SWIFT_BACKTRACE=enable=no CONVPLAY_PYTHON=$(abspath $(PY)) \
	    swift test --scratch-path .build-tsan --sanitize=thread --disable-xctest --filter '$(SANITIZED_TESTS)'

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
	rm -rf .build .build-fuzz .build-asan .build-tsan $(VENV)
