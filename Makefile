# heisen - deterministic record and replay for Linux x86-64.
# make [all] | test | demo | bench | bench-capture | asan | fuzz | install | clean | deps

CC       ?= gcc
PREFIX   ?= /usr/local
BUILD    ?= build
BIN      ?= bin
GO       ?= go
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP $(CFLAGS)
LDLIBS   += -lseccomp -lcapstone -llz4 -lxxhash -pthread
# rec and replay link the libraries statically into a position-dependent
# binary: libcapstone.so's 1.3 MB of relocated tables cost every rec 1.5 ms
# before main (a third of /bin/true's whole run).
TOOL_LDFLAGS ?= -no-pie
TOOL_LDLIBS  ?= -Wl,-Bstatic -lseccomp -lcapstone -llz4 -lxxhash -Wl,-Bdynamic -pthread

# Debian packages heisen builds and tests with.
DEPS_PKGS = libseccomp-dev libcapstone-dev liblz4-dev libcmocka-dev libxxhash-dev \
            lz4 gdb python3 sqlite3 strace golang-go clang time openssl \
            redis-server nginx postgresql
DEPS_FILES = /usr/include/seccomp.h /usr/include/capstone/capstone.h /usr/include/lz4frame.h \
               /usr/include/cmocka.h /usr/include/xxhash.h /usr/bin/time

COMMON_SRC   := $(wildcard common/*.c)
REC_SRC      := $(wildcard recorder/*.c)
REPLAY_SRC   := $(wildcard replayer/*.c)
COMMON_OBJ   := $(COMMON_SRC:%.c=$(BUILD)/%.o)
REC_OBJ      := $(REC_SRC:%.c=$(BUILD)/%.o) $(BUILD)/inproc/blob.o
REPLAY_OBJ   := $(REPLAY_SRC:%.c=$(BUILD)/%.o) $(BUILD)/replayer/stub_blob.o $(BUILD)/inproc/blob.o

.PHONY: all test tests demo bench bench-capture asan fuzz install clean deps check-deps
all: check-deps $(BIN)/rec $(BIN)/replay $(BUILD)/inproc/blob.o

# Installs what is missing (as root, with apt-get); quiet when all is there.
# An order-only prerequisite of everything that compiles, so that `make -j2`
# on a fresh machine installs before it builds.
check-deps:
	@missing=0; for h in $(DEPS_FILES); do [ -e $$h ] || missing=1; done; \
	for c in lz4 gdb python3 sqlite3 strace clang openssl redis-server redis-benchmark psql $(GO); do \
		command -v $$c >/dev/null || missing=1; done; \
	[ -x /usr/sbin/nginx ] && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing=1; \
	[ $$missing = 0 ] || $(MAKE) --no-print-directory deps

deps:
	@echo "heisen: installing build and test dependencies with apt-get"
	@if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq $(DEPS_PKGS) >/dev/null

$(BUILD)/%.o: %.c | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BIN)/rec: $(REC_OBJ) $(COMMON_OBJ)
	@mkdir -p $(BIN)
	$(CC) $(ALL_CFLAGS) $(TOOL_LDFLAGS) $(LDFLAGS) -o $@ $^ $(TOOL_LDLIBS)

$(BIN)/replay: $(REPLAY_OBJ) $(COMMON_OBJ)
	@mkdir -p $(BIN)
	$(CC) $(ALL_CFLAGS) $(TOOL_LDFLAGS) $(LDFLAGS) -o $@ $^ $(TOOL_LDLIBS)

# The replay stub: a tiny static program replay turns into the recorded one,
# at an address inside what the sanitizers leave to programs (docs/design.md).
STUB_BASE := 0x560200000000
$(BUILD)/stub.elf: replayer/stub.S Makefile | check-deps
	@mkdir -p $(BUILD)
	$(CC) -nostdlib -static -no-pie -Wl,-Ttext-segment=$(STUB_BASE) -Wl,--build-id=none -o $@ $<

$(BUILD)/replayer/stub_blob.o: replayer/stub_blob.S $(BUILD)/stub.elf | check-deps
	@mkdir -p $(dir $@)
	$(CC) -c -DSTUB_PATH='"$(BUILD)/stub.elf"' -o $@ $<

# The in-process library (docs/inprocess.md): freestanding, never built
# with sanitizers, linked at 0 with no relocation at all (checked), then
# flattened and embedded (heisen_inproc_start/end) as the stub is.
# XXH_FORCE_MEMORY_ACCESS=1: with -fno-builtin, xxhash's memcpy reads were
# byte loops (a write's hash ran at 0.5 GB/s; 15 GB/s with it).
INPROC_CFLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Werror -MMD -MP -ffreestanding -fPIC -nostdlib \
                -fno-stack-protector -mgeneral-regs-only -fno-asynchronous-unwind-tables \
                -fno-unwind-tables -fno-builtin -fno-tree-loop-distribute-patterns \
                -DXXH_FORCE_MEMORY_ACCESS=1
INPROC_OBJ := $(BUILD)/inproc/entry.o $(BUILD)/inproc/lib.o $(BUILD)/inproc/hash.o

$(BUILD)/inproc/entry.o: inproc/entry.S | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(INPROC_CFLAGS) -c -o $@ $<

$(BUILD)/inproc/lib.o: inproc/lib.c | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(INPROC_CFLAGS) -c -o $@ $<

# hash.c alone may use SSE2 (XXH3's vector loop; entry.S's il_hash_long
# saves and restores the xmm registers around it).
$(BUILD)/inproc/hash.o: inproc/hash.c | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -mgeneral-regs-only,$(INPROC_CFLAGS)) -msse2 -mno-avx -DXXH_VECTOR=XXH_SSE2 -c -o $@ $<

$(BUILD)/inproc.elf: $(INPROC_OBJ) inproc/lib.ld
	$(CC) -nostdlib -shared -Wl,-T,inproc/lib.ld -Wl,--build-id=none -Wl,--fatal-warnings -o $@ $(INPROC_OBJ)
	@if readelf -rW $@ | grep -q R_X86_64; then echo "heisen: $@ needs relocations: the library must not" >&2; rm -f $@; exit 1; fi

$(BUILD)/inproc.bin: $(BUILD)/inproc.elf
	objcopy -O binary $< $@

$(BUILD)/inproc/blob.o: inproc/blob.S $(BUILD)/inproc.bin | check-deps
	@mkdir -p $(dir $@)
	$(CC) -c -DINPROC_PATH='"$(BUILD)/inproc.bin"' -o $@ $<

# Tests: every tests/unit/*.c is a cmocka binary, every tests/programs/*.c
# and tests/programs/*.go a program to record and replay; all picked up by
# wildcard.
UNIT_SRC  := $(wildcard tests/unit/*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
PROG_SRC  := $(wildcard tests/programs/*.c)
PROG_BIN  := $(PROG_SRC:tests/programs/%.c=$(BUILD)/tests/programs/%)
GOPROG_SRC := $(wildcard tests/programs/*.go)
GOPROG_BIN := $(GOPROG_SRC:tests/programs/%.go=$(BUILD)/tests/programs/%)
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BIN  := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
DIVERGE_SRC := $(wildcard tests/diverge/*.c)
DIVERGE_BIN := $(DIVERGE_SRC:tests/diverge/%.c=$(BUILD)/tests/diverge/%)
CAPTURE_SRC := $(wildcard tests/capture/*.c)
CAPTURE_BIN := $(CAPTURE_SRC:tests/capture/%.c=$(BUILD)/tests/capture/%)
# Sanitizer builds of tests/sanitize/*.c (tests/sanitize/README.md).
SAN_SRC := $(wildcard tests/sanitize/*.c)
SAN_BIN := $(foreach v,asan ubsan tsan,$(SAN_SRC:tests/sanitize/%.c=$(BUILD)/tests/sanitize/%-$(v)))
# The heisenbug samples (samples/*.c and samples/*.go): captured and replayed
# by tests/suite-samples.sh, measured by bench/capture.sh.
SAMPLE_SRC := $(wildcard samples/*.c)
SAMPLE_BIN := $(SAMPLE_SRC:samples/%.c=$(BUILD)/samples/%)
GOSAMPLE_SRC := $(wildcard samples/*.go)
GOSAMPLE_BIN := $(GOSAMPLE_SRC:samples/%.go=$(BUILD)/samples/%)

$(BUILD)/tests/unit/%: tests/unit/%.c $(COMMON_OBJ) | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS) -lcmocka

# The gdb connection module is replay's, without the replay session.
$(BUILD)/tests/unit/test_gdb_conn: $(BUILD)/replayer/gdb_conn.o $(BUILD)/replayer/gdb_req.o
$(BUILD)/tests/unit/test_gdb_ranges: $(BUILD)/replayer/gdb_ranges.o
# The in-process library, mapped and called for real.
$(BUILD)/tests/unit/test_inproc: $(BUILD)/inproc/blob.o

# Test tools (trace_edit, trace_craft): built with the project's own trace code.
$(BUILD)/tests/tools/%: tests/tools/%.c $(COMMON_OBJ) | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS)

# Programs to record: plain gcc, no sanitizers (they are what is recorded).
$(BUILD)/tests/programs/%: tests/programs/%.c $(wildcard tests/programs/*.h) | check-deps
	@mkdir -p $(dir $@)
	gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $< -pthread -lm

# Go programs: single-file, standard library only, static (no cgo), built
# offline with the Go cache and GOPATH under $(BUILD) (works as root on a
# fresh machine, with no network and no $$HOME/go).
GO_ENV = CGO_ENABLED=0 GO111MODULE=off GOFLAGS= GOPROXY=off GOENV=off GOTELEMETRY=off \
         GOCACHE=$(abspath $(BUILD))/gocache GOPATH=$(abspath $(BUILD))/gopath \
         HOME=$${HOME:-$(abspath $(BUILD))}

$(BUILD)/tests/programs/%: tests/programs/%.go | check-deps
	@command -v $(GO) >/dev/null || { echo "heisen: '$(GO)' not found: cannot build $<; 'make deps' installs golang-go" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(GO_ENV) $(GO) build -o $@ $<

$(BUILD)/tests/diverge/%: tests/diverge/%.c | check-deps
	@mkdir -p $(dir $@)
	gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $< -pthread -lm

# The sanitizer builds: what is recorded, so plain gcc, one sanitizer each.
SAN_CFLAGS = -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE
$(BUILD)/tests/sanitize/%-asan: tests/sanitize/%.c | check-deps
	@mkdir -p $(dir $@)
	gcc $(SAN_CFLAGS) -fsanitize=address -o $@ $< -pthread
$(BUILD)/tests/sanitize/%-ubsan: tests/sanitize/%.c | check-deps
	@mkdir -p $(dir $@)
	gcc $(SAN_CFLAGS) -fsanitize=undefined -o $@ $< -pthread
$(BUILD)/tests/sanitize/%-tsan: tests/sanitize/%.c | check-deps
	@mkdir -p $(dir $@)
	gcc $(SAN_CFLAGS) -fsanitize=thread -o $@ $< -pthread

# Programs for suite-capture.sh (racy, hanging: not for suite-programs).
$(BUILD)/tests/capture/%: tests/capture/%.c | check-deps
	@mkdir -p $(dir $@)
	gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $< -pthread -lm

# Samples: plain gcc and go, as the programs to record above.
$(BUILD)/samples/%: samples/%.c | check-deps
	@mkdir -p $(dir $@)
	gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $< -pthread -lm

$(BUILD)/samples/%: samples/%.go | check-deps
	@command -v $(GO) >/dev/null || { echo "heisen: '$(GO)' not found: cannot build $<; 'make deps' installs golang-go" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(GO_ENV) $(GO) build -o $@ $<

tests: $(UNIT_BIN) $(PROG_BIN) $(GOPROG_BIN) $(DIVERGE_BIN) $(CAPTURE_BIN) $(TOOL_BIN) $(SAMPLE_BIN) $(GOSAMPLE_BIN) $(SAN_BIN) | check-deps

test: all tests
	BIN=$(BIN) TBIN=$(BUILD)/tests/programs UBIN=$(BUILD)/tests/unit tests/run.sh

# AddressSanitizer + UBSan build of rec, replay and the unit tests, then the
# whole suite against it.
ASAN_CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
asan:
	$(MAKE) --no-print-directory BUILD=build-asan BIN=bin-asan CFLAGS="$(ASAN_CFLAGS)" all tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		BIN=bin-asan TBIN=build-asan/tests/programs UBIN=build-asan/tests/unit tests/run.sh

demo: all
	samples/demo.sh

# What recording and replay cost: bench/run.sh (syscall_heavy, compute and
# threaded workloads), bench/real.sh (cp, sqlite3, python3, Go HTTP, make).
bench: all
	bench/run.sh
	BIN=$(BIN) bench/real.sh

# How often each sample fails natively, under rec and under rec --chaos, and
# how many runs rec --until-fail needs (bench/capture.sh: RUNS, CAPTURES).
bench-capture: all tests
	BIN=$(BIN) SBIN=$(BUILD)/samples bench/capture.sh

# The reader fuzzer (libFuzzer), then real replays of mutated traces by the
# ASan build (tests/fuzz/run.sh: FUZZ_SECONDS, REPLAY_FUZZ_SECONDS).
fuzz: all tests
	$(MAKE) --no-print-directory BUILD=build-asan BIN=bin-asan CFLAGS="$(ASAN_CFLAGS)" all
	BIN=$(BIN) REPLAY_BIN=bin-asan TBIN=$(BUILD)/tests/programs TOOLS=$(BUILD)/tests/tools tests/fuzz/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BIN)/rec $(BIN)/replay $(DESTDIR)$(PREFIX)/bin/

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

clean:
	rm -rf build build-asan bin bin-asan
