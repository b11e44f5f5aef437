# memforensic: one non-recursive Makefile.
#
#   make                 libforensic.a and every tool into bin/
#   make check           every test layer (unit, e2e, e2e with the kernel
#                        fallbacks forced, fuzz smoke)
#   make demo            a live target with a known leak, and the main job on it
#   make bench           comparisons against pmap, cat and friends
#   make fuzz            the parser fuzzers, for longer (FUZZ_TIME=seconds),
#                        and 1,000 random kills of a snapshot dump
#   make install PREFIX=/usr/local
#
#   V=1                  show the commands
#   DEVELOPER=1          warnings are errors
#   SANITIZE=address,undefined
#
# Missing Debian packages are installed by scripts/install-deps.

PREFIX ?= /usr/local
CC ?= cc
PKG_CONFIG ?= pkg-config

ifeq ($(V),1)
Q :=
else
Q := @
endif

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-sign-compare -Wno-missing-field-initializers
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif
ALL_CFLAGS = -std=gnu11 $(WARN) -D_GNU_SOURCE -Ilibforensic $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDFLAGS)
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

# The dependency check runs once per clone (and again if the script changes).
DEPS_STAMP := .deps-ok
$(DEPS_STAMP): scripts/install-deps
	$(Q)scripts/install-deps
	$(Q)touch $@

# pkg-config names of the libraries libforensic uses (Debian -dev packages
# in scripts/install-deps). Expanded when a recipe runs, after install-deps.
LIB_PKGS := libelf libdw libzstd libcrypto capstone libhs
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIB_PKGS))
# Only libelf and libzstd are linked (small, and used by most runs). The
# heavy ones cost every run 2-4 ms in the dynamic loader: libforensic/
# lazylib.c opens them with dlopen() when a run first needs them, by the
# SONAME read from the library each -l would link (scripts/lib-sonames):
# Vectorscan (scan's patterns), libcrypto (SHA-256), capstone (JIT
# regions), libdw (stacks), libstdc++ (__cxa_demangle: C++ type names).
LINK_PKGS := libelf libzstd
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(LINK_PKGS)) -lpthread
LAZY_LIBS := FX_SONAME_HS:libhs:hs FX_SONAME_CRYPTO:libcrypto:crypto \
	FX_SONAME_CAPSTONE:capstone:capstone FX_SONAME_DW:libdw:dw \
	FX_SONAME_STDCXX:-:stdc++
# Only lazylib.o is compiled with them; a library not found stops the
# build here, saying which (its -dev package is missing).
lazy_defs = $(or $(shell scripts/lib-sonames $(1) $(LAZY_LIBS)),\
	$(error cannot read the SONAMEs of $(LAZY_LIBS): see above))
build/lib/lazylib.o: LAZY_DEFS = $(call lazy_defs,$(CC))
build/fuzzlib/lazylib.o: LAZY_DEFS = $(call lazy_defs,clang)
build/lib/lazylib.o build/fuzzlib/lazylib.o: scripts/lib-sonames

LIB_SRC := $(wildcard libforensic/*.c)
LIB_OBJ := $(patsubst libforensic/%.c,build/lib/%.o,$(LIB_SRC))
LIB := build/libforensic.a

TOOLS := memmap rank classify dump-region scan snapdiff
TOOL_BIN := $(addprefix bin/,$(TOOLS))

TARGET_SRC := $(wildcard corpus/targets/*.c)
TARGET_BIN := $(patsubst corpus/targets/%.c,build/targets/%,$(TARGET_SRC))
TARGET_BIN += $(patsubst corpus/targets/%.cc,build/targets/%,$(wildcard corpus/targets/*.cc))
# musl targets (mallocng, issue 16), static and dynamic, where musl-gcc is.
MUSL_GCC := $(shell command -v musl-gcc 2>/dev/null)
ifneq ($(MUSL_GCC),)
TARGET_BIN += build/targets/muslleak-static build/targets/muslleak-dynamic
endif

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,build/unit/%,$(UNIT_SRC))

all: $(TOOL_BIN) $(TARGET_BIN)

build/lib/%.o: libforensic/%.c $(wildcard libforensic/*.h) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(LAZY_DEFS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# The tools' shared code, as an archive: each tool links only the
# objects it calls (toolsrc.o, and the readers behind it, only classify).
TOOL_OBJ := build/tool.o build/toolsrc.o
$(TOOL_OBJ): build/%.o: tools/%.c tools/tool.h $(wildcard libforensic/*.h) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/libtool.a: $(TOOL_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

bin/%: tools/%.c tools/tool.h build/libtool.a $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< build/libtool.a $(LIB) $(PKG_LIBS) $(ALL_LDFLAGS)

# Targets are built plainly: they are the patients, not the doctors.
build/targets/%: corpus/targets/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) -O1 -g -Wall -D_GNU_SOURCE -o $@ $< -pthread

build/targets/muslleak-%: corpus/targets/muslleak.c corpus/targets/target.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  MUSLCC  $<")
	$(Q)$(MUSL_GCC) -O1 -g -Wall -D_GNU_SOURCE $(if $(filter static,$*),-static) \
		-o $@ $<

# C++ targets (objects with vtables, for classify --chunks).
build/targets/%: corpus/targets/%.cc corpus/targets/target.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX     $<")
	$(Q)$(CXX) -O1 -g -Wall -D_GNU_SOURCE -o $@ $< -pthread

# The leak target built against musl (issue 16's allocator tests), static
# and dynamic, when musl-gcc is installed; the tests skip without them.
MUSL_CC := $(shell command -v musl-gcc 2>/dev/null)
MUSL_TARGETS := build/targets/leaky.musl-static build/targets/leaky.musl-dynamic
ifneq ($(MUSL_CC),)
all: $(MUSL_TARGETS)
endif

build/targets/%.musl-static: corpus/targets/%.c corpus/targets/target.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  MUSLCC  $@")
	$(Q)musl-gcc -static -O1 -g -Wall -D_GNU_SOURCE -o $@ $<

build/targets/%.musl-dynamic: corpus/targets/%.c corpus/targets/target.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  MUSLCC  $@")
	$(Q)musl-gcc -O1 -g -Wall -D_GNU_SOURCE -o $@ $<

CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
# libcrypto too: test_dump computes its expected SHA-256 itself.
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check libcrypto)

build/unit/%: tests/unit/%.c tests/unit/unit.h $(LIB) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests/unit -o $@ $< $(LIB) \
		$(CHECK_LIBS) $(PKG_LIBS) $(ALL_LDFLAGS)

# Fuzzers: libFuzzer through clang, with ASan and UBSan.
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_TIME ?= 300
COMMA := ,
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Ilibforensic -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

# The library is compiled once with the fuzzers' instrumentation
# (fuzzer-no-link: coverage without a second main), then linked into each.
FUZZ_LIB_OBJ := $(patsubst libforensic/%.c,build/fuzzlib/%.o,$(LIB_SRC))

build/fuzzlib/%.o: libforensic/%.c $(wildcard libforensic/*.h) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)clang $(subst fuzzer$(COMMA),fuzzer-no-link$(COMMA),$(FUZZ_CFLAGS)) \
		$(PKG_CFLAGS) $(LAZY_DEFS) -c -o $@ $<

build/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(FUZZ_LIB_OBJ) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)clang $(FUZZ_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(FUZZ_LIB_OBJ) $(PKG_LIBS)

unit: $(UNIT_BIN)
	$(Q)CK_FORK=yes CORPUS=corpus scripts/run-unit $(UNIT_BIN)

e2e: all
	$(Q)scripts/run-e2e tests/e2e/t*.sh

# The dump, scan and classify tests again with every kernel fast path
# forced to its fallback (libforensic/kerndat.h): no PAGEMAP_SCAN, no zero
# page PFN, /proc/PID/mem instead of process_vm_readv, no map_files, swap
# assumed.
e2e-fallback: all
	@echo "e2e with every fallback forced (MEMFORENSIC_FALLBACK=all):"
	$(Q)MEMFORENSIC_FALLBACK=all DUMP_SNAP_KILL_ROUNDS=20 \
		scripts/run-e2e tests/e2e/t01*.sh \
		tests/e2e/t02*.sh tests/e2e/t03*.sh

fuzz-smoke: $(FUZZ_BIN)
	$(Q)FUZZ_SEED=1 scripts/run-fuzz 15 $(FUZZ_BIN)

check: all unit e2e e2e-fallback fuzz-smoke
	@echo "check: all layers passed"

fuzz: $(FUZZ_BIN)
	$(Q)scripts/run-fuzz $(FUZZ_TIME) $(FUZZ_BIN)
	@echo "dump-region --mode snapshot killed at 1,000 random instants (T41):"
	$(Q)DUMP_SNAP_KILL_ROUNDS=1000 scripts/run-e2e tests/e2e/t0124*.sh

demo: all
	$(Q)scripts/demo

bench: all
	$(Q)bench/memmap.sh
	$(Q)bench/rank.sh
	$(Q)bench/scan.sh
	$(Q)bench/classify.sh
	$(Q)bench/jvm.sh
	$(Q)bench/objects.sh
	$(Q)bench/dump.sh
	$(Q)bench/snapshot.sh
	$(Q)bench/stacks.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(TOOL_BIN) scripts/triage scripts/leak-watch \
		scripts/dump-on $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 scripts/memforensic-lib.sh $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf build bin

.PHONY: all check unit e2e e2e-fallback fuzz-smoke fuzz demo bench install clean
.SECONDARY:
