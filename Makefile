# medsec: the top-level targets drive CMake. See README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
RELEASE_BUILD ?= build-release
CLANG_BUILD ?= build-clang
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 60
STATE      ?= var/demo

.PHONY: all deps build build-asan build-release build-clang check test test-asan \
	test-clang run bench fuzz install clean report

all: build

# Each task installs its own set (scripts/deps.sh): the set is passed down
# to the builds a target depends on, so `make run` never installs test tools.
DEPS_SET ?= run
# DEPS_DONE=1: a sub-make of `make check`, which has installed them once.
deps:
	@[ -n "$(DEPS_DONE)" ] || ./scripts/deps.sh $(DEPS_SET)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMEDSEC_SANITIZE=ON

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# What a packager builds: -O3 (Release) with GCC, and with clang. Both
# warn about things the default build does not see (maybe-uninitialized
# at -O3), and warnings are errors, so both are built by `make check`.
# The GCC one is the packager's build (no tests); the clang one adds the
# unit tests test-clang runs, not the test programs nothing runs there.
$(RELEASE_BUILD)/CMakeCache.txt:
	cmake -S . -B $(RELEASE_BUILD) -DCMAKE_BUILD_TYPE=Release -DMEDSEC_TESTS=OFF

build-release: deps $(RELEASE_BUILD)/CMakeCache.txt
	cmake --build $(RELEASE_BUILD) -j $(JOBS)

$(CLANG_BUILD)/CMakeCache.txt:
	cmake -S . -B $(CLANG_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release

build-clang: deps $(CLANG_BUILD)/CMakeCache.txt
	cmake --build $(CLANG_BUILD) -j $(JOBS) --target medsec_cli medsecd unit-tests

# The unit tests (fast) on the clang build: its optimiser may break what
# GCC's does not.
test-clang: build-clang
	cd $(CLANG_BUILD) && ctest -j $(JOBS) -L unit --output-on-failure

# ctest runs three tests per core, but every test takes one of the JOBS
# "cpus" slots of the resource spec except those labelled waits (they wait
# on timeouts, mostly): so no more CPU-bound tests run at once than there
# are cores, and the waiting ones run beside them. See tests/README.md
# ("Parallel runs").
TEST_JOBS ?= $(shell echo $$(( $(JOBS) * 3 )))
cpus_spec = printf '{"version":{"major":1,"minor":0},"local":[{"cpus":[{"id":"0","slots":%d}]}]}\n' \
	$(JOBS) >cpus.json
ctest_cpus = ctest -j $(TEST_JOBS) --resource-spec-file cpus.json

test: build
	cd $(BUILD) && $(cpus_spec) && $(ctest_cpus) --output-on-failure --output-junit junit.xml

# Tests labelled nosan run no medsec code the sanitizers would see that
# the rest of the suite does not already run: the normal suite has them.
test-asan: build-asan
	cd $(ASAN_BUILD) && $(cpus_spec) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(ctest_cpus) -LE nosan --output-on-failure --output-junit junit.xml

# The whole suite twice, the normal build then ASan + UBSan. Beside the
# normal suite, at a lower priority, the ASan + UBSan build, the GCC
# Release build and the clang Release build with its unit tests: they use
# what the tests leave of the CPU (the tests that wait). Their output goes
# to $(BUILD)/check-*.log, shown when they fail; the exit status is that of
# all of them, and of checksrc.sh.
check test test-asan test-clang build-release build-clang build-asan: DEPS_SET = check
CHECK_LOG = $(BUILD)/check-compilers.log
CHECK_ASAN_LOG = $(BUILD)/check-build-asan.log
check: deps
	@mkdir -p $(BUILD); \
	nice -n 10 $(MAKE) --no-print-directory DEPS_DONE=1 build-release test-clang \
	    >$(CHECK_LOG) 2>&1 & compilers=$$!; \
	nice -n 10 $(MAKE) --no-print-directory DEPS_DONE=1 build-asan \
	    >$(CHECK_ASAN_LOG) 2>&1 & asan=$$!; \
	status=0; \
	$(MAKE) --no-print-directory DEPS_DONE=1 test || status=1; \
	if wait $$asan; then \
		$(MAKE) --no-print-directory DEPS_DONE=1 test-asan || status=1; \
	else \
		cat $(CHECK_ASAN_LOG); \
		echo "check: the ASan + UBSan build failed (above)"; \
		status=1; \
	fi; \
	if wait $$compilers; then \
		echo "check: GCC Release and clang builds, clang unit tests passed ($(CHECK_LOG))"; \
	else \
		cat $(CHECK_LOG); \
		echo "check: the GCC Release or clang build or the clang unit tests failed (above)"; \
		status=1; \
	fi; \
	./scripts/checksrc.sh || status=1; \
	exit $$status

run: DEPS_SET = run
run: build
	./scripts/demo.sh $(BUILD)/bin/medsec $(STATE)

bench: DEPS_SET = bench
bench: build
	./bench/run.sh $(BUILD)

fuzz: DEPS_SET = fuzz
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DMEDSEC_FUZZ=ON -DMEDSEC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	./scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The MFDS submission package for the reference device, from a fresh test
# run: out/evidence (JUnit, commit, date, bench) and out/submission.
report: DEPS_SET = report
report: build
	JOBS=$(JOBS) ./scripts/report.sh $(BUILD) out $(REPORT_FLAGS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(RELEASE_BUILD) $(CLANG_BUILD)
