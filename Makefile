# SPDX-License-Identifier: GPL-2.0-or-later
# egressc - a plain Makefile in the spirit of cproc and dtc.
#
#   make                  build $(BUILD)/egressc
#   make check            install what the tests need, then run every test
#   make check-fast       unit, golden, CLI, format, query, docs, layout:
#                         no root, seconds (the test packages installed)
#   make check-layout     every #include points the way its directory may
#   make check SANITIZE=1 the same, built with ASan+UBSan into build-san/
#   make checkm           the golden cases under valgrind
#   make check-deb        build the .deb, install it, test it, purge it
#   make fuzz             libFuzzer for FUZZ_SECONDS (60) a harness
#   make bench            the address-list, DNS, replies, growth and packet-path benchmarks
#   make difftest N=...   more random policies through the kernel
#   make golden-update    rewrite golden/ expectations (review the diff!)
#   make install PREFIX=/usr/local DESTDIR=
#   make example          compile examples/policy.eg into out/
#
# Generated parser and scanner sources are written only under $(BUILD).

VERSION   = 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share/egressc
DOCDIR   ?= $(PREFIX)/share/doc/egressc
MANDIR   ?= $(PREFIX)/share/man
UNITDIR  ?= $(PREFIX)/lib/systemd/system
VIMDIR   ?= $(PREFIX)/share/vim/addons

CC       ?= cc
BISON    ?= bison
FLEX     ?= flex
PKG_CONFIG ?= pkg-config

# Random policies x destinations that make check probes through the kernel,
# each from a container and from the runner as three users (with nat,
# loopback and DNS probes besides: see tests/difftest.sh).
DIFFTEST_CHECK ?= 20 50
ifeq ($(SANITIZE),1)
DIFFTEST_CHECK = 5 25
BUILD    ?= build-san
SANFLAGS  = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD    ?= build
SANFLAGS  =
endif

# The user's flags (CFLAGS, CPPFLAGS, LDFLAGS, as make and dpkg pass them)
# come last and may change optimization or debugging; what the code needs
# (the standard, the warnings, dependency files, sanitizers) is the
# project's own and stays, so 'make CFLAGS=-O0' builds the same code.
CFLAGS   ?= -g -O2
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	    -Wno-unused-parameter
EGRESSC_CPPFLAGS = -D_GNU_SOURCE -DEGRESSC_VERSION='"$(VERSION)"' -I. -I$(BUILD)
EGRESSC_CFLAGS = -std=c11 $(WARN) $(SANFLAGS) -MMD -MP
ALL_CFLAGS = $(EGRESSC_CPPFLAGS) $(CPPFLAGS) $(EGRESSC_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
NFT_LIBS := $(shell $(PKG_CONFIG) --libs libnftables 2>/dev/null || echo -lnftables)
CARES_LIBS := $(shell $(PKG_CONFIG) --libs libcares 2>/dev/null || echo -lcares)

# Every directory but cmd/ goes into the library the unit tests and fuzz
# harnesses link; cmd/ is the command line, linked into the binary only.
LIB_SRC = $(wildcard lib/*.c compiler/*.c emit/*.c verify/*.c host/*.c)
CMD_SRC = $(wildcard cmd/*.c)
CMD_OBJ = $(CMD_SRC:%.c=$(BUILD)/%.o)
GEN_SRC = $(BUILD)/grammar/parser.c $(BUILD)/grammar/scanner.c
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o) $(GEN_SRC:.c=.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/egressc

$(BUILD)/egressc: $(CMD_OBJ) $(BUILD)/libegressc.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NFT_LIBS) $(CARES_LIBS)

$(BUILD)/libegressc.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# The scanner includes the parser's header, so every object waits for both.
$(BUILD)/grammar/parser.c $(BUILD)/grammar/parser.h: grammar/parser.y
	@mkdir -p $(@D)
	$(BISON) -Wall -Werror --defines=$(BUILD)/grammar/parser.h -o $(BUILD)/grammar/parser.c $<

$(BUILD)/grammar/scanner.c $(BUILD)/grammar/scanner.h: grammar/scanner.l
	@mkdir -p $(@D)
	$(FLEX) --header-file=$(BUILD)/grammar/scanner.h -o $(BUILD)/grammar/scanner.c $<

# Generated code is not ours to keep warning-free beyond what the tools allow.
$(BUILD)/grammar/%.o: $(BUILD)/grammar/%.c $(BUILD)/grammar/parser.h $(BUILD)/grammar/scanner.h
	$(CC) $(ALL_CFLAGS) -Wno-unused-function -Wno-missing-prototypes -c -o $@ $<

$(BUILD)/%.o: %.c $(BUILD)/grammar/parser.h $(BUILD)/grammar/scanner.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Where the installed binary finds its stdlib: fixed at build time.
$(BUILD)/compiler/modpath.o: EGRESSC_CPPFLAGS += -DEGRESSC_STDLIB_DIR='"$(DATADIR)/stdlib"'

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(BUILD)/libegressc.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lcmocka $(NFT_LIBS) $(CARES_LIBS)

# Fuzz harnesses: replay_* run a corpus without libFuzzer (in make check);
# make fuzz builds the real fuzzers with clang into build-fuzz/.
$(BUILD)/fuzz/replay_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/replay.o $(BUILD)/libegressc.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NFT_LIBS) $(CARES_LIBS)

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/libegressc.a
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(NFT_LIBS) $(CARES_LIBS)

$(BUILD)/tests/probe: tests/probe.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -o $@ $<

# --- tests -----------------------------------------------------------------

deps:
	scripts/deps.sh

test-deps:
	scripts/deps.sh --test

FUZZ_HARNESSES = parse compile json list
REPLAY_BIN = $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/replay_%)
# The corpus make check replays: regressions and seeds, and every policy
# the tests hold.
REPLAY_INPUTS = fuzz/corpus golden golden/include golden/lists tests/traffic tests/monitor stdlib

# The tests run sealed off the network (tests/sealed.sh): only loopback
# and the namespaces they make themselves.
check: test-deps all $(UNIT_BIN) $(REPLAY_BIN) $(BUILD)/tests/probe
	tests/sealed.sh $(MAKE) --no-print-directory check-sealed

check-sealed:
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done
	@set -e; for r in $(REPLAY_BIN); do echo "== $$r"; $$r $(REPLAY_INPUTS); done
	DIFFTEST_CHECK='$(DIFFTEST_CHECK)' tests/run.sh all $(BUILD)

# The tests that need no root and take seconds, for the edit-compile-test
# loop; make check runs them too.
check-fast: all $(UNIT_BIN) $(REPLAY_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done
	@set -e; for r in $(REPLAY_BIN); do echo "== $$r"; $$r $(REPLAY_INPUTS); done
	tests/run.sh fast $(BUILD)

check-layout:
	tests/layout.sh

# The Debian package builds, installs and finds its stdlib (installs and
# purges the package egressc on this machine: CI runs it, make check not).
check-deb: test-deps
	tests/sealed.sh tests/deb.sh

FUZZ_SECONDS ?= 60
FUZZ_BUILD = build-fuzz
FUZZ_FLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

# Each harness runs FUZZ_SECONDS, seeded from the corpus and every test
# policy; new inputs go to $(FUZZ_BUILD)/corpus-NAME, crashes beside it.
fuzz: test-deps
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang-14 SANFLAGS='$(FUZZ_FLAGS)' \
		$(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/fuzz/fuzz_%)
	@set -e; for h in $(FUZZ_HARNESSES); do \
		mkdir -p $(FUZZ_BUILD)/corpus-$$h; \
		echo "== fuzz_$$h for $(FUZZ_SECONDS) s"; \
		$(FUZZ_BUILD)/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) \
			-dict=fuzz/policy.dict -max_len=4096 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/crash-$$h- \
			$(FUZZ_BUILD)/corpus-$$h $(REPLAY_INPUTS); \
	done

# The address-list optimizer against iprange and Python, live DNS against
# a sequential dig, what deny rules that see every packet cost an
# established stream, and how compile cost grows with rules and prefixes (DENY_RANGES=FILE: a real list, e.g. AWS's
# ip-ranges.json); prints tables (not a test: no timings are asserted
# anywhere).
bench: all
	bench/run.sh $(BUILD)
	bench/dns.sh $(BUILD)
	bench/replies.sh $(BUILD)
	bench/growth.sh $(BUILD)
	bench/packets.sh $(BUILD)
	bench/lookup.sh $(BUILD)
	bench/record.sh $(BUILD)

# More of the kernel differential test: make difftest N=200 PROBES=100 SEED=7
N ?= 100
PROBES ?= 100
SEED ?= 1
difftest: all $(BUILD)/tests/probe
	PROBE=$(BUILD)/tests/probe tests/difftest.sh $(BUILD)/egressc $(N) $(PROBES) $(SEED)

# The golden cases under valgrind: any error or leak makes a case fail.
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=all \
	   --errors-for-leak-kinds=all
checkm: test-deps all
	EGRESSC_WRAPPER='$(VALGRIND)' tests/sealed.sh tests/golden.sh $(BUILD)/egressc

golden-update: all
	tests/golden.sh --update $(BUILD)/egressc

# --- example and install -----------------------------------------------------

example: all
	$(BUILD)/egressc --hosts-file examples/hosts -O out examples/policy.eg
	@echo "wrote out/: $$(ls out | tr "\n" " ")"

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/stdlib
	install -m 0755 $(BUILD)/egressc $(DESTDIR)$(BINDIR)/egressc
	install -m 0644 stdlib/README.md stdlib/*.eg $(DESTDIR)$(DATADIR)/stdlib/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(VIMDIR)/syntax $(DESTDIR)$(VIMDIR)/ftdetect
	install -d $(DESTDIR)$(DOCDIR)
	install -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/
	# The man pages name the stdlib and the docs where this PREFIX puts them.
	sed 's|@DATADIR@|$(DATADIR)|g; s|@DOCDIR@|$(DOCDIR)|g' man/egressc.1 \
		>$(DESTDIR)$(MANDIR)/man1/egressc.1
	sed 's|@DATADIR@|$(DATADIR)|g; s|@DOCDIR@|$(DOCDIR)|g' man/egressc.eg.5 \
		>$(DESTDIR)$(MANDIR)/man5/egressc.eg.5
	chmod 0644 $(DESTDIR)$(MANDIR)/man1/egressc.1 $(DESTDIR)$(MANDIR)/man5/egressc.eg.5
	sed 's|@BINDIR@|$(BINDIR)|g' contrib/systemd/egressc.service.in >$(DESTDIR)$(UNITDIR)/egressc.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/egressc.service
	sed 's|@BINDIR@|$(BINDIR)|g' contrib/systemd/egressc-agent.service.in >$(DESTDIR)$(UNITDIR)/egressc-agent.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/egressc-agent.service
	install -m 0644 contrib/vim/syntax/eg.vim $(DESTDIR)$(VIMDIR)/syntax/eg.vim
	install -m 0644 contrib/vim/ftdetect/eg.vim $(DESTDIR)$(VIMDIR)/ftdetect/eg.vim

clean:
	rm -rf build build-san build-fuzz out

.PHONY: all bench deps test-deps check check-sealed check-fast check-layout check-deb checkm difftest fuzz golden-update example install clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
