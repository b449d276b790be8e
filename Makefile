# endmt build.  `make help` lists the targets.  Quiet unless V=1.
# O=DIR puts every output in DIR (default: build), so several builds can
# coexist (e.g. a test run and an editor's build).

O        ?= build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PYTHON   ?= /usr/bin/python3

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# One source for the machine: the multiarch include dir and the BPF arch
# define (__TARGET_ARCH_<arch>, kernel naming as in libbpf's bpf_tracing.h).
MACHINE   := $(shell uname -m)
BPF_ARCH  := $(shell echo $(MACHINE) | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
		-e 's/arm.*/arm/' -e 's/ppc64le/powerpc/' -e 's/riscv64/riscv/' \
		-e 's/s390x/s390/' -e 's/loongarch64/loongarch/')
ARCH_INC  := -I/usr/include/$(MACHINE)-linux-gnu
# -MMD -MP: every object depends on the headers it includes (the .d files
# next to the objects, included at the end).
DEPFLAGS  := -MMD -MP
CFLAGS    ?= -O2 -g
CFLAGS    += -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -Iinclude -Ilib -I$(O) $(CPPFLAGS)
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -Wall -Werror \
	      -Iinclude -I. -Ibpf $(ARCH_INC) $(EXTRA_BPF_CFLAGS)
LIBS      := -lbpf -lxdp -lelf -lz -ljansson
# libmicrohttpd: the agent's /metrics (loader/metrics.c), only the endmt binary
# libfixbuf (IPFIX, on glib): the telemetry exporter and collector, the
# endmt binary only (loader/): lib/, tests and tools never see glib's headers.
FIXBUF_CFLAGS := $(shell pkg-config --cflags libfixbuf)
FIXBUF_LIBS   := $(shell pkg-config --libs libfixbuf)
ENDMT_LIBS := $(LIBS) -lmicrohttpd -lpthread $(FIXBUF_LIBS)

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(O)/%.skel.h,$(BPF_SRCS))

LIB_SRCS  := $(wildcard lib/*.c)
LIB_OBJS  := $(patsubst lib/%.c,$(O)/lib/%.o,$(LIB_SRCS))
LIB_A     := $(O)/libendmt.a

LOADER_SRCS := $(wildcard loader/*.c)
LOADER_OBJS := $(patsubst loader/%.c,$(O)/loader/%.o,$(LOADER_SRCS))

# Test-only BPF objects (never in $(O)/bpf/, never shipped): test/bpf/NAME.bpf.c,
# skeleton $(O)/test_NAME.skel.h (endmt_test_NAME) for the tests and benches.
TEST_BPF_SRCS := $(wildcard test/bpf/*.bpf.c)
TEST_BPF_OBJS := $(patsubst test/bpf/%.bpf.c,$(O)/test/bpf/%.bpf.o,$(TEST_BPF_SRCS))
TEST_SKELS := $(patsubst test/bpf/%.bpf.c,$(O)/test_%.skel.h,$(TEST_BPF_SRCS))

TEST_SRCS := test/test_progs.c test/testutil.c $(wildcard test/unit/*.c)
TEST_OBJS := $(patsubst test/%.c,$(O)/test/%.o,$(TEST_SRCS))

# A tool is test/tools/NAME.c, or the .c files of a directory test/tools/NAME/.
TOOL_SRCS := $(wildcard test/tools/*.c)
TOOL_DIRS := $(patsubst test/tools/%/,%,$(sort $(dir $(wildcard test/tools/*/*.c))))
TOOLS     := $(patsubst test/tools/%.c,$(O)/tools/%,$(TOOL_SRCS)) \
	     $(addprefix $(O)/tools/,$(TOOL_DIRS))

# A bench is bench/NAME.c, or the .c files of a directory bench/NAME/ (as a
# tool; bench/bpf/ holds BPF objects, not a bench).
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_DIRS := $(patsubst bench/%/,%,$(sort $(dir $(filter-out %.bpf.c,$(wildcard bench/*/*.c)))))
BENCHES   := $(patsubst bench/%.c,$(O)/bench/%,$(BENCH_SRCS)) \
	     $(addprefix $(O)/bench/,$(BENCH_DIRS))

# Installation (make install, debian/rules): PREFIX and DESTDIR as usual.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR     ?= $(PREFIX)/share/doc/endmt
SYSCONFDIR ?= /etc
INSTALL    ?= install

# The version: the release number in VERSION and, in a git checkout of this
# tree (not of a directory above it), `git describe --always --dirty`.
ENDMT_RELEASE := $(shell cat VERSION)
ENDMT_GIT := $(shell [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(realpath $(CURDIR))" ] && \
		git describe --always --dirty 2>/dev/null)

UNITS := $(patsubst dist/systemd/%.in,$(O)/systemd/%,$(wildcard dist/systemd/*.in))

.DELETE_ON_ERROR:
.PHONY: all help deps bpf clean test unit demo vmtest bench cli units install uninstall FORCE

all: $(if $(LOADER_SRCS),cli) $(O)/test_progs $(TOOLS) $(BENCHES)

# What `make install` installs, and nothing else (debian/rules builds this).
cli: $(O)/endmt $(O)/man/endmt.8 units
units: $(UNITS)

help:
	@echo 'endmt targets:'
	@echo '  all      build BPF objects, skeletons, the endmt CLI, tests and tools'
	@echo '  cli      the endmt binary (BPF objects embedded), its man page, systemd units'
	@echo '  install  install cli and the bash completion (PREFIX=/usr/local, DESTDIR)'
	@echo '  uninstall remove what install installed'
	@echo '  deps     install the Debian packages the build and tests need'
	@echo '  test     deps + build + every test suite (unit, oracle, integration, package, vmtest)'
	@echo '  unit     BPF_PROG_TEST_RUN unit tests only (TEST=name filters)'
	@echo '  demo     the main job: a reliable multicast transfer on Figure 1'
	@echo '  vmtest   the suites inside a Debian 6.1 kernel VM'
	@echo '  bench    benchmarks (results: docs/BENCHMARKS.md)'
	@echo '  clean    remove $(O)/'
	@echo 'variables: O=build-dir V=1 (verbose) TEST=filter PREFIX DESTDIR'

deps:
	$(Q)./scripts/setup.sh

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(O)/bpf/%.bpf.d | $(O)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@ && touch $@

$(O)/%.skel.h: $(O)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name endmt_$* > $@

bpf: $(BPF_OBJS) $(SKELS) $(TEST_BPF_OBJS) $(TEST_SKELS)

$(O)/test/bpf/%.bpf.o: test/bpf/%.bpf.c $(O)/test/bpf/%.bpf.d | $(O)/test/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@ && touch $@

$(O)/test_%.skel.h: $(O)/test/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name endmt_test_$* > $@

$(O)/lib/%.o: lib/%.c $(O)/lib/%.d | $(O)/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@ && touch $@

$(LIB_A): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# The skeletons are generated headers: built before the first compile (the
# .d files know which object includes which only after it).
$(O)/loader/%.o: loader/%.c $(O)/loader/%.d $(SKELS) | $(O)/loader
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXBUF_CFLAGS) $(DEPFLAGS) -Iloader -c $< -o $@ && touch $@

$(O)/endmt: $(LOADER_OBJS) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(ENDMT_LIBS)

# Rewritten only when the version changes: only version.o and man.o rebuild.
$(O)/version.h: FORCE | $(O)
	$(Q)printf '#define ENDMT_RELEASE "%s"\n#define ENDMT_GIT "%s"\n' \
		'$(ENDMT_RELEASE)' '$(ENDMT_GIT)' > $@.tmp && \
		{ cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@; }
$(O)/loader/version.o $(O)/loader/man.o: $(O)/version.h

# endmt(8) from the command and option tables (loader/man.c).
$(O)/man/endmt.8: $(O)/endmt | $(O)/man
	$(call msg,GEN,$@)
	$(Q)$(O)/endmt --man > $@

# The units name the installed binary and configuration directory; they are
# rewritten whenever those change (make units SBINDIR=...).
$(O)/systemd/%: dist/systemd/%.in FORCE | $(O)/systemd
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< > $@.tmp && \
		{ cmp -s $@.tmp $@ && rm -f $@.tmp || { mv $@.tmp $@ && printf '  %-8s %s\n' GEN $@; }; }

install: cli
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)/examples
	$(Q)$(INSTALL) -m 0755 $(O)/endmt $(DESTDIR)$(SBINDIR)/endmt
	$(Q)$(INSTALL) -m 0644 $(O)/man/endmt.8 $(DESTDIR)$(MANDIR)/man8/endmt.8
	$(Q)$(INSTALL) -m 0644 $(UNITS) $(DESTDIR)$(UNITDIR)/
	$(Q)$(INSTALL) -m 0644 dist/bash-completion/endmt $(DESTDIR)$(BASHCOMPDIR)/endmt
	$(Q)$(INSTALL) -m 0644 README.md docs/CLI.md docs/OPERATOR-GUIDE.md docs/TREE-FORMAT.md \
		docs/PROTOCOL.md docs/DECISIONS.md $(DESTDIR)$(DOCDIR)/
	$(Q)$(INSTALL) -m 0644 dist/endmt-NAME.default test/integration/fig1.json \
		$(DESTDIR)$(DOCDIR)/examples/

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/endmt $(DESTDIR)$(MANDIR)/man8/endmt.8 \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS))) \
		$(DESTDIR)$(BASHCOMPDIR)/endmt
	$(Q)rm -rf $(DESTDIR)$(DOCDIR)

# Unit tests register themselves: every `void test_NAME(void)` in test/unit.
$(O)/tests.h: $(wildcard test/unit/*.c) | $(O)
	$(call msg,GEN,$@)
	$(Q)grep -ho '^void test_[a-z0-9_]*(void)' /dev/null $^ | \
		sed 's/^void test_\([a-z0-9_]*\)(void)/DEFINE_TEST(\1)/' > $@

$(O)/test/%.o: test/%.c $(O)/test/%.d $(SKELS) $(TEST_SKELS) $(O)/tests.h | $(O)/test/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -Itest -c $< -o $@ && touch $@

$(O)/test_progs: $(TEST_OBJS) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS) -lpthread

$(O)/tools/%: test/tools/%.c $(LIB_A) $(SKELS) | $(O)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -Itest -o $@ $< $(LIB_A) $(LIBS) -lpthread

$(foreach t,$(TOOL_DIRS),$(eval $(O)/tools/$(t): $(wildcard test/tools/$(t)/*.[ch])))
$(addprefix $(O)/tools/,$(TOOL_DIRS)): $(O)/tools/%: $(LIB_A) $(SKELS) $(wildcard include/endmt/*.h lib/*.h) | $(O)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itest -o $@ $(filter %.c,$^) $(LIB_A) $(LIBS) -lpthread

# rdma_rxe interop (vmtest/rxe_endmt.sh): an ordinary libibverbs RC endpoint.
all: $(O)/tools/rdmacast
$(O)/tools/rdmacast: vmtest/rdmacast.c | $(O)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -o $@ $< -libverbs

$(O)/bench/%: bench/%.c $(LIB_A) $(SKELS) $(TEST_SKELS) | $(O)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -Itest -o $@ $< $(LIB_A) $(LIBS) -lpthread

# -Ibench: a directory's files include bench/'s shared headers (benchpkt.h).
$(foreach b,$(BENCH_DIRS),$(eval $(O)/bench/$(b): $(wildcard bench/$(b)/*.[ch])))
$(addprefix $(O)/bench/,$(BENCH_DIRS)): $(O)/bench/%: $(LIB_A) $(SKELS) $(TEST_SKELS) \
		$(wildcard include/endmt/*.h lib/*.h bench/*.h) | $(O)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itest -Ibench -o $@ $(filter %.c,$^) $(LIB_A) $(LIBS) -lpthread

# Test-only XDP program of bench/rate.sh's kind "floor" (loaded with bpftool).
all: $(O)/bench/floor.bpf.o
$(O)/bench/floor.bpf.o: bench/bpf/floor.bpf.c | $(O)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@ && touch $@

$(O) $(O)/bpf $(O)/lib $(O)/loader $(O)/test/unit $(O)/test/bpf $(O)/tools $(O)/bench \
		$(O)/man $(O)/systemd:
	$(Q)mkdir -p $@

# The README's test command: installs what it needs, builds, runs everything.
test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) ./test/run.sh

unit: all
	$(Q)$(O)/test_progs $(if $(TEST),-t $(TEST))

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) ./test/integration/demo.sh

vmtest: all
	$(Q)O=$(O) ./vmtest/run.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) ./bench/run.sh

clean:
	$(call msg,CLEAN,$(O))
	$(Q)rm -rf $(O)

# A program built from a directory writes no .d (its rule lists its files);
# an old .d from when it was one NAME.c would ask for that file.
DIR_BINS := $(addprefix $(O)/tools/,$(TOOL_DIRS)) $(addprefix $(O)/bench/,$(BENCH_DIRS))
OBJ_DEPS := $(BPF_OBJS:.o=.d) $(TEST_BPF_OBJS:.o=.d) $(LIB_OBJS:.o=.d) $(LOADER_OBJS:.o=.d) $(TEST_OBJS:.o=.d)
DEPS := $(OBJ_DEPS) \
	$(addsuffix .d,$(filter-out $(DIR_BINS),$(TOOLS) $(BENCHES)) $(O)/tools/rdmacast) \
	$(O)/bench/floor.bpf.d
# An object is a target of its .d too: one without (built before -MMD, or
# the .d lost) is rebuilt rather than trusted with headers make cannot see.
# The compile rules touch the object after the compiler wrote its .d, so an
# up-to-date object is never older than its .d.
$(OBJ_DEPS):
-include $(wildcard $(DEPS))
