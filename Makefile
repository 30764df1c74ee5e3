# mlgate build. `make` builds ./mlgate; `make check` installs missing
# Debian packages, builds and runs every test; `make check SANITIZE=1`
# does the same under AddressSanitizer + UndefinedBehaviorSanitizer.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PKGS = libgit2 libcjson libcurl libxml-2.0 libcrypto libpcre2-8 zlib libzstd
V ?= 0

ifeq ($(V),0)
Q = @
endif

WARNINGS = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wwrite-strings -Wno-unused-parameter
CFLAGS ?= -O2 -g
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -Iinclude -Irunner $(WARNINGS) -MMD -MP \
	-pthread $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread -lm
TEST_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

# Each flavour builds in its own folder, so they never mix objects.
ifeq ($(SANITIZE),1)
BUILD ?= build/asan
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
BIN = $(BUILD)/mlgate
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
else ifeq ($(SANITIZE),thread)
BUILD ?= build/tsan
SAN_FLAGS = -fsanitize=thread -fno-omit-frame-pointer
BIN = $(BUILD)/mlgate
export TSAN_OPTIONS ?= halt_on_error=1:second_deadlock_stack=1
else ifeq ($(SANITIZE),fuzz)
# libFuzzer: the library instrumented for coverage, targets linked with the fuzzer's main.
CC = clang
BUILD ?= build/fuzz
SAN_FLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
BIN = $(BUILD)/mlgate
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
else ifneq ($(BUILD),)
SAN_FLAGS =
BIN = $(BUILD)/mlgate
else
BUILD = build/release
SAN_FLAGS =
BIN = mlgate
endif

ALL_CFLAGS = $(BASE_CFLAGS) $(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

TOOL_SRC = runner/main.c $(wildcard runner/cmd_*.c)
LIB_SRC = $(filter-out $(TOOL_SRC),$(wildcard runner/*.c)) $(wildcard checks/*.c checks/*/*.c)
TEST_SRC = $(wildcard tests/test_*.c)
TEST_HELPER_SRC = $(wildcard tests/helpers/*.c)

LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
TOOL_OBJ = $(TOOL_SRC:%.c=$(BUILD)/%.o)
TEST_HELPER_OBJ = $(TEST_HELPER_SRC:%.c=$(BUILD)/%.o)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# Servers and clients the end-to-end tests start (tests/tools/*.c).
TEST_TOOLS = $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(wildcard tests/tools/*.c))
TOOL_PKGS = libmicrohttpd libcjson
# Fuzz targets (tests/fuzz/fuzz_*.c, each an LLVMFuzzerTestOneInput). Every
# build also links them with a plain main (tests/fuzz/replay.c) that runs
# the seeds and kept reproducers once: `make check` replays them with any
# compiler; `make fuzz` fuzzes them with clang's libFuzzer.
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzzers/%)
FUZZ_SECONDS ?= 60
LIB = $(BUILD)/libmlgate.a
HEADERS = $(wildcard include/mlgate/*.h)

.PHONY: all deps check unit e2e demo install uninstall clean hdr-check readme \
	readme-check valgrind format bench fuzz fuzz-replay fuzzers

all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(V)" != 0 ] || echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(TOOL_OBJ) $(LIB)
	@[ "$(V)" != 0 ] || echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(TOOL_OBJ) $(LIB) $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_HELPER_OBJ) $(LIB)
	@[ "$(V)" != 0 ] || echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(TEST_HELPER_OBJ) $(LIB) $(LIBS) $(TEST_LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	@[ "$(V)" != 0 ] || echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(shell pkg-config --cflags --libs $(TOOL_PKGS) 2>/dev/null) -pthread

$(BUILD)/tests/fuzz/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay.o $(LIB)
	@[ "$(V)" != 0 ] || echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/tests/fuzz/replay.o $(LIB) $(LIBS)

$(BUILD)/fuzzers/%: $(BUILD)/tests/fuzz/%.o $(LIB)
	@mkdir -p $(dir $@)
	@[ "$(V)" != 0 ] || echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB) $(LIBS)

deps:
	@scripts/deps.sh

# The pinned npm clients the CI-template tests use (build/npm); the tests
# install them too, on first use.
.PHONY: npm-tools
npm-tools:
	@scripts/npm-tools.sh

# Every public header must compile on its own, strictly (libgit2's hdr-check).
hdr-check:
	@for h in $(HEADERS); do \
		printf '#include "%s"\n' "$${h#include/}" | \
		$(CC) -std=c11 -pedantic -Werror -Wall -Wextra -Iinclude \
			$$(pkg-config --cflags libcjson) -x c -fsyntax-only - || \
		{ echo "hdr-check: $$h does not compile alone"; exit 1; }; \
	done; echo "hdr-check: $(words $(HEADERS)) headers compile alone"

unit: $(TEST_BIN)
	@tests/run-unit.sh $(TEST_BIN)

# Every fuzz target over its seeds and kept reproducers, once each.
fuzz-replay: $(FUZZ_REPLAY)
	@tests/fuzz/replay.sh $(BUILD)/tests/fuzz $(FUZZ_REPLAY)

fuzzers: $(FUZZ_BIN)

# Kept between runs: make would delete them as intermediate files.
.SECONDARY: $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%.o) $(BUILD)/tests/fuzz/replay.o

# libFuzzer on every target for FUZZ_SECONDS each (clang; `.ci/run` runs a short smoke).
fuzz:
	@$(MAKE) --no-print-directory SANITIZE=fuzz fuzzers
	@tests/fuzz/run.sh build/fuzz/fuzzers $(FUZZ_SECONDS)

e2e: $(BIN) $(TEST_TOOLS)
	@MLGATE=$(abspath $(BIN)) TOOLS=$(abspath $(BUILD)/tests/tools) tests/e2e.sh

check: deps
	@$(MAKE) --no-print-directory all $(TEST_BIN) $(TEST_TOOLS) $(FUZZ_REPLAY)
	@$(MAKE) --no-print-directory hdr-check readme-check
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-replay
	@$(MAKE) --no-print-directory e2e

# The end-to-end tests with every mlgate process under valgrind memcheck,
# in VALGRIND_JOBS shards at once (one a CPU by default).
VALGRIND_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
valgrind: $(BIN) $(TEST_TOOLS)
	@MLGATE=$(abspath $(BIN)) TOOLS=$(abspath $(BUILD)/tests/tools) MLGATE_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --suppressions=$(abspath tests/valgrind.supp)" tests/e2e-shards.sh $(VALGRIND_JOBS)

demo: deps
	@$(MAKE) --no-print-directory all
	@cd examples/fraud && ../../$(BIN) run --junit ../../build/demo-junit.xml --json ../../build/demo-results.json

# Throughput of `mlgate run` against `cat` on 1M and 10M generated rows,
# and where the time goes (bench/run.sh). The data (about 1.2 GB) is made
# under build/bench/ on first use. It times the release build only.
bench: $(BIN)
	@[ "$(SANITIZE)" != 1 ] || { echo "make bench: times the release build; run it without SANITIZE=1"; exit 2; }
	@MLGATE=$(abspath $(BIN)) bench/run.sh

# The kind reference in README.md is generated from the kinds' declarations.
readme: $(BIN)
	@scripts/readme-kinds.sh ./$(BIN) README.md

readme-check: $(BIN)
	@scripts/readme-kinds.sh --check ./$(BIN) README.md

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/mlgate

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/mlgate

format:
	clang-format -i runner/*.c runner/*.h checks/*.c checks/*/*.c include/mlgate/*.h tests/*.c

clean:
	rm -rf build mlgate

-include $(shell find build -name '*.d' 2>/dev/null)

# hog measures its peak memory for the infra.resources tests: a sanitizer's
# shadow memory would double it.
$(BUILD)/tests/tools/hog: SAN_FLAGS =
