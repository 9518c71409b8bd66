# retrace — one build for everything.
#
#   make               build/lib/libretrace.so, build/bin/retrace-{record,replay,dump,entrypoint},
#                      pyhooks
#   make check         every test: format unit tests (Check), the unit tests and the tools under
#                      ASan/UBSan, mutated recordings through every tool, end-to-end tests
#   make check-asan    the unit tests again under AddressSanitizer and UBSan, and build/asan/bin/
#                      (the tools built with them) over mutated recordings
#   make check-mutate  mutated recordings through every tool (tests/mutate/run)
#   make check-e2e-encrypted  the end-to-end tests with every recording encrypted to a key
#   make check-deb     the Debian package builds, passes lintian, installs, and its commands work
#   make fuzz          afl-fuzz on the reader and retrace-dump for FUZZ_SECONDS (default 60);
#                      installs afl++ if missing (tests/fuzz/run)
#   make demo          record an example program, replay it offline, show the outputs match
#   make bench         ratios to native for record and replay
#   make deps          install the Debian packages the build and tests need (as root)
#   make install PREFIX=/usr/local DESTDIR=
#   make deb           build/deb/retrace_VERSION_amd64.deb with dpkg-buildpackage, checked by lintian

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
PYTHON    ?= /usr/bin/python3
B         := build

CC        ?= cc
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes
CPPFLAGS  += -D_GNU_SOURCE -DRETRACE_VERSION='"$(VERSION)"' -I$(B)/gen -Iformat
PIC       := -fPIC -fvisibility=hidden
# Static TLS: the preloaded library is there from the start, and the per-thread state is read
# on every wrapped call.
LIBFLAGS  := $(PIC) -ftls-model=initial-exec -fno-stack-protector -mstringop-strategy=unrolled_loop -flto=auto

Q = @
ifeq ($(V),1)
Q =
endif

PROTO_SRC := format/retrace.proto
PROTO_C   := $(B)/gen/retrace.pb-c.c
PROTO_H   := $(B)/gen/retrace.pb-c.h

FORMAT_SRC := $(wildcard format/*.c)
FORMAT_OBJ := $(patsubst format/%.c,$(B)/obj/format/%.o,$(FORMAT_SRC)) $(B)/obj/format/retrace.pb-c.o
INTERPOSE_SRC := $(wildcard interpose/*.c)
INTERPOSE_OBJ := $(patsubst interpose/%.c,$(B)/obj/interpose/%.o,$(INTERPOSE_SRC))
TOOLS     := retrace-record retrace-replay retrace-dump retrace-keygen retrace-entrypoint
DUMP_PARTS := $(wildcard tools/dump-*.c)
TOOL_COMMON := $(filter-out $(addprefix tools/,$(addsuffix .c,$(TOOLS))) $(DUMP_PARTS),$(wildcard tools/*.c))
TOOL_COMMON_OBJ := $(patsubst tools/%.c,$(B)/obj/tools/%.o,$(TOOL_COMMON))
DUMP_OBJ := $(patsubst tools/%.c,$(B)/obj/tools/%.o,$(DUMP_PARTS))
# The tools seal and unseal traces (tools/seal.c); libretrace itself needs neither library.
TOOL_LIBS := -lprotobuf-c -lzstd -lsodium

PY_INCLUDES := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null)
HAVE_PYHEADERS := $(if $(wildcard $(PY_INCLUDES)/Python.h),yes,)
PYHOOKS   := $(if $(HAVE_PYHEADERS),$(B)/lib/python/_retrace.so,)

all: $(B)/lib/libretrace.so $(addprefix $(B)/bin/,$(TOOLS)) $(PYHOOKS)

$(PROTO_C) $(PROTO_H): $(PROTO_SRC)
	@mkdir -p $(B)/gen
	$(Q)protoc-c --proto_path=format --c_out=$(B)/gen $(PROTO_SRC)

$(B)/obj/format/retrace.pb-c.o: $(PROTO_C)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LIBFLAGS) -c $< -o $@

$(B)/obj/format/%.o: format/%.c $(PROTO_H) $(wildcard format/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LIBFLAGS) -msse4.2 -c $< -o $@

$(B)/lib/libretrace-format.a: $(FORMAT_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && gcc-ar rcs $@ $^

$(B)/obj/interpose/%.o: interpose/%.c $(PROTO_H) $(wildcard interpose/*.h format/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LIBFLAGS) -Iinterpose -c $< -o $@

$(B)/lib/libretrace.so: $(INTERPOSE_OBJ) $(B)/lib/libretrace-format.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) -shared -flto=auto -O2 -o $@ $(INTERPOSE_OBJ) $(B)/lib/libretrace-format.a \
		-Wl,-z,now -Wl,-z,nodelete \
		-lprotobuf-c -lunwind -ldl -lpthread

$(B)/obj/tools/%.o: tools/%.c $(PROTO_H) $(wildcard tools/*.h format/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Itools -c $< -o $@

$(B)/bin/%: $(B)/obj/tools/%.o $(TOOL_COMMON_OBJ) $(B)/lib/libretrace-format.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(TOOL_COMMON_OBJ) $(B)/lib/libretrace-format.a $(TOOL_LIBS)

# retrace-dump is in parts (tools/dump.h)
$(B)/bin/retrace-dump: $(B)/obj/tools/retrace-dump.o $(DUMP_OBJ) $(TOOL_COMMON_OBJ) $(B)/lib/libretrace-format.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(DUMP_OBJ) $(TOOL_COMMON_OBJ) $(B)/lib/libretrace-format.a $(TOOL_LIBS)

$(B)/lib/python/_retrace.so: $(wildcard pyhooks/*.c pyhooks/*.h) interpose/pyhooks.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -DPy_BUILD_CORE $(CFLAGS) -Wall -Wextra -Werror -Wno-unused-parameter \
		-fPIC -fvisibility=hidden -fno-plt -I$(PY_INCLUDES) -I$(PY_INCLUDES)/internal -Iinterpose \
		-Ipyhooks -shared $(LDFLAGS) -o $@ $(wildcard pyhooks/*.c)

# ---- tests --------------------------------------------------------------------------------

UNIT_SRC := $(wildcard tests/unit/*.c)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

$(B)/tests/unit: $(UNIT_SRC) $(FORMAT_SRC) $(PROTO_C) $(wildcard format/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -msse4.2 -Itests/unit -o $@ \
		$(UNIT_SRC) $(FORMAT_SRC) $(PROTO_C) -lprotobuf-c $(CHECK_LIBS)

$(B)/tests/unit-asan: $(UNIT_SRC) $(FORMAT_SRC) $(PROTO_C) $(wildcard format/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(Q)clang $(CPPFLAGS) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer $(WARN) -msse4.2 -Itests/unit -o $@ \
		$(UNIT_SRC) $(FORMAT_SRC) $(PROTO_C) -lprotobuf-c $(CHECK_LIBS)

check-unit: $(B)/tests/unit
	$(Q)CK_FORK=yes $(B)/tests/unit

# The tools under ASan/UBSan, in build/asan/bin.  Only the tools: libretrace.so cannot run
# under ASan (it maps traces at fixed addresses, where ASan may have put its shadow memory, and
# it interposes malloc-adjacent libc calls that ASan's runtime intercepts and makes itself), so
# build/asan/lib is the normal build/lib, and a sanitized retrace-replay replays the program
# with the normal libretrace.so: only the tool is sanitized.
ASAN_B     := $(B)/asan
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_FORMAT_OBJ := $(patsubst format/%.c,$(ASAN_B)/obj/format/%.o,$(FORMAT_SRC)) $(ASAN_B)/obj/format/retrace.pb-c.o
ASAN_COMMON_OBJ := $(patsubst tools/%.c,$(ASAN_B)/obj/tools/%.o,$(TOOL_COMMON))
ASAN_TOOLS := $(addprefix $(ASAN_B)/bin/,$(TOOLS))

$(ASAN_B)/obj/format/retrace.pb-c.o: $(PROTO_C)
	@mkdir -p $(dir $@)
	$(Q)clang $(CPPFLAGS) $(ASAN_FLAGS) -c $< -o $@

$(ASAN_B)/obj/format/%.o: format/%.c $(PROTO_H) $(wildcard format/*.h)
	@mkdir -p $(dir $@)
	$(Q)clang $(CPPFLAGS) $(ASAN_FLAGS) $(WARN) -msse4.2 -c $< -o $@

$(ASAN_B)/obj/tools/%.o: tools/%.c $(PROTO_H) $(wildcard tools/*.h format/*.h)
	@mkdir -p $(dir $@)
	$(Q)clang $(CPPFLAGS) $(ASAN_FLAGS) $(WARN) -Itools -c $< -o $@

$(ASAN_B)/bin/retrace-dump: $(ASAN_B)/obj/tools/retrace-dump.o $(patsubst tools/%.c,$(ASAN_B)/obj/tools/%.o,$(DUMP_PARTS)) $(ASAN_COMMON_OBJ) $(ASAN_FORMAT_OBJ)
	@mkdir -p $(dir $@)
	$(Q)clang $(ASAN_FLAGS) -o $@ $^ $(TOOL_LIBS)

$(ASAN_B)/bin/%: $(ASAN_B)/obj/tools/%.o $(ASAN_COMMON_OBJ) $(ASAN_FORMAT_OBJ)
	@mkdir -p $(dir $@)
	$(Q)clang $(ASAN_FLAGS) -o $@ $^ $(TOOL_LIBS)

# The tools find libretrace.so in ../lib beside their bin.
$(ASAN_B)/lib:
	@mkdir -p $(ASAN_B)
	$(Q)ln -sfn ../lib $@

asan-tools: all $(ASAN_TOOLS) $(ASAN_B)/lib

check-asan: $(B)/tests/unit-asan asan-tools
	$(Q)ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 CK_FORK=yes $(B)/tests/unit-asan
	$(Q)PYTHON=$(PYTHON) TOOLS_BIN=$(ASAN_B)/bin tests/mutate/run

check-mutate: all
	$(Q)PYTHON=$(PYTHON) tests/mutate/run

check-e2e: all
	$(Q)PYTHON=$(PYTHON) tests/e2e/run

# The end-to-end tests again with every recording encrypted to a key (and so sealed): each tool
# reads through the secret key.
check-e2e-encrypted: all
	$(Q)E2E_ENCRYPT=1 PYTHON=$(PYTHON) tests/e2e/run

# The Debian package: built, lintian-clean, installable here, and its installed commands work.
check-deb: deps-check all
	$(Q)PYTHON=$(PYTHON) tests/deb/run

check: deps-check all check-unit check-mutate check-asan check-e2e check-e2e-encrypted check-deb

demo: deps-check all
	$(Q)PYTHON=$(PYTHON) examples/demo.sh

bench: deps-check all
	$(Q)PYTHON=$(PYTHON) bench/run

# ---- fuzzing (optional: afl++ is no dependency of check) -----------------------------------

FUZZ_SECONDS ?= 60
FUZZ_B := $(B)/fuzz
FUZZ_CC := AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1 afl-clang-fast
FUZZ_SRC := tests/fuzz/harness.c $(FORMAT_SRC) $(PROTO_C) $(DUMP_PARTS) $(TOOL_COMMON)

# retrace-dump's main, renamed, so the harness runs the tool's every mode in one process.
$(FUZZ_B)/retrace-dump.o: tools/retrace-dump.c $(PROTO_H) $(wildcard tools/*.h format/*.h) | fuzz-deps
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -O1 -g -Itools -Dmain=retrace_dump_main -c $< -o $@

$(FUZZ_B)/harness: $(FUZZ_SRC) $(FUZZ_B)/retrace-dump.o $(wildcard format/*.h tools/*.h) | fuzz-deps
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -O1 -g -Itools -msse4.2 -o $@ $(FUZZ_SRC) $(FUZZ_B)/retrace-dump.o -lprotobuf-c

fuzz: $(FUZZ_B)/harness
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run $(FUZZ_B)/harness $(FUZZ_B)/out

fuzz-deps:
	$(Q)scripts/install-deps --if-missing --fuzz

deps:
	$(Q)scripts/install-deps

# Installs what is missing (quietly, and only when missing) before the targets that need it.
deps-check:
	$(Q)scripts/install-deps --if-missing

# ---- install --------------------------------------------------------------------------------

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/retrace/python
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 0644 $(B)/lib/libretrace.so $(DESTDIR)$(PREFIX)/lib/retrace/libretrace.so
	install -m 0755 $(addprefix $(B)/bin/,$(TOOLS)) $(DESTDIR)$(PREFIX)/bin/
	$(if $(PYHOOKS),install -m 0644 $(PYHOOKS) $(DESTDIR)$(PREFIX)/lib/retrace/python/)
	install -m 0644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(wildcard man/*.5) $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 $(wildcard man/*.7) $(DESTDIR)$(PREFIX)/share/man/man7/

# The Debian package, built from a copy of the tree (scripts/make-deb).
deb: deps-check
	$(Q)scripts/make-deb $(B)/deb

clean:
	rm -rf $(B)

.PHONY: all check check-unit check-asan check-mutate check-e2e check-e2e-encrypted check-deb asan-tools fuzz fuzz-deps demo bench \
	deps deps-check install deb clean
.SECONDARY:
