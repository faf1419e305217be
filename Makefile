# SPDX-License-Identifier: Apache-2.0
# kimb's version, set here only: kimb --version prints it, and debian/changelog, CHANGELOG.md's newest
# release and kimb.1's title line must name it (tests/package.sh checks them; `make version` prints it).
VERSION = 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
PKG_CONFIG ?= pkg-config
# Where bash-completion loads a command's completion on demand: its own completionsdir under
# DATADIR where its .pc is present (Debian's names /usr/share, whatever the prefix), else the same
# place by its convention. Both shells read these under /usr/local/share too (bash-completion through
# XDG_DATA_DIRS, Debian's zsh in its fpath).
BASH_COMPLETION_DIR ?= $(or $(shell $(PKG_CONFIG) --define-variable=prefix=$(PREFIX) \
	--define-variable=datadir=$(DATADIR) --variable=completionsdir bash-completion 2>/dev/null), \
	$(DATADIR)/bash-completion/completions)
ZSH_COMPLETION_DIR ?= $(DATADIR)/zsh/site-functions
# make install-systemd: the daily prune's script, and its units where systemd reads them (it reads
# /usr/local/lib/systemd/system as it reads /usr/lib/systemd/system).
LIBEXECDIR ?= $(PREFIX)/libexec
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system

# Objects go to $(BUILD), so that the sanitizer build (build/sanitize) lives beside the plain one.
BUILD ?= build
# The Debian package make deb builds (below).
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB = $(BUILD)/deb/kimb_$(VERSION)_$(DEB_ARCH).deb
CFLAGS ?= -O2 -g
# Every build warns; DEVELOPER=1 (which CI sets) adds more warnings and makes each an error, so that
# a user's compiler, newer than ours, never fails a build on a warning we have not met (git's
# config.mak.dev).
WARNINGS = -Wall -Wextra
ifeq ($(DEVELOPER),1)
WARNINGS += -Werror -Wshadow -Wconversion -Wsign-conversion -Wmissing-prototypes -Wstrict-prototypes -Wvla \
	-Wformat=2 -Wcast-qual
endif
KIMB_CFLAGS = -std=c11 -pthread $(WARNINGS) -D_XOPEN_SOURCE=700 -DKIMB_VERSION=\"$(VERSION)\" \
	$(shell $(PKG_CONFIG) --cflags libgit2 jansson)
KIMB_LIBS = -pthread $(shell $(PKG_CONFIG) --libs libgit2 jansson)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check)

# What a compilation depends on besides its sources: the compiler and its flags. A change of them
# (DEVELOPER=1 on or off, say) rebuilds everything, as a change of a header does.
COMPILE_SETTINGS = $(CC) $(CPPFLAGS) $(KIMB_CFLAGS) $(CFLAGS) $(LDFLAGS)
# A plain `make` builds kimb, not this first rule's file.
.DEFAULT_GOAL := all
$(BUILD)/flags: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(subst ','\'',$(COMPILE_SETTINGS))' | cmp -s - $@ || \
		printf '%s\n' '$(subst ','\'',$(COMPILE_SETTINGS))' >$@

MODULES = $(filter-out src/main.c,$(wildcard src/*.c))
MODULE_OBJECTS = $(patsubst src/%.c,$(BUILD)/src/%.o,$(MODULES))
TEST_OBJECTS = $(patsubst tests/%.c,$(BUILD)/tests/%.o,$(wildcard tests/*.c))
# Each bench/NAME.c is a driver that times one module's work: $(BUILD)/bench/NAME.
BENCH_PROGRAMS = $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
SHELL_SCRIPTS = test.sh tests/*.sh tests/kim tests/nerdctl tests/kubectl scripts/*.sh scripts/bench/*.sh .ci/run
BASH_SCRIPTS = completions/kimb.bash

all: kimb

version:
	@echo $(VERSION)

kimb: $(BUILD)/kimb
	cp $(BUILD)/kimb $@

$(BUILD)/kimb: $(BUILD)/src/main.o $(MODULE_OBJECTS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/src/main.o $(MODULE_OBJECTS) $(KIMB_LIBS)

$(BUILD)/src/%.o: src/%.c $(BUILD)/flags
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KIMB_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The unit tests read the recorded outputs in tests/fixtures by its absolute path, so that they run
# from any directory.
$(BUILD)/tests/%.o: tests/%.c $(BUILD)/flags
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KIMB_CFLAGS) $(CHECK_CFLAGS) -Isrc -DFIXTURES_DIR=\"$(CURDIR)/tests/fixtures\" $(CFLAGS) \
		-MMD -MP -c -o $@ $<

$(BUILD)/bench/%: bench/%.c $(MODULE_OBJECTS) $(BUILD)/flags
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KIMB_CFLAGS) -Isrc $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(MODULE_OBJECTS) $(KIMB_LIBS)

# The bench's compiled stand-in for kim's removals: it links only what it uses, since every call
# of it pays for loading its libraries.
$(BUILD)/bench/kim_rm: bench/kim_rm.c $(BUILD)/src/array.o $(BUILD)/src/xalloc.o $(BUILD)/flags
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KIMB_CFLAGS) -Isrc $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(BUILD)/src/array.o $(BUILD)/src/xalloc.o \
		$(shell $(PKG_CONFIG) --libs jansson)

$(BUILD)/check_kimb: $(TEST_OBJECTS) $(MODULE_OBJECTS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJECTS) $(MODULE_OBJECTS) $(KIMB_LIBS) $(CHECK_LIBS)

# A test tool, not kimb: prints kimb's table of a builder's flags, which tests/builders.sh
# compares with the builder's own help.
$(BUILD)/builder_flags: $(BUILD)/tests/tools/builder_flags.o $(MODULE_OBJECTS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/tests/tools/builder_flags.o $(MODULE_OBJECTS) $(KIMB_LIBS)

# --- the tests ---------------------------------------------------------------------------------
# Three tiers, each a superset of the one before (docs/testing.md says what each holds):
#   check-quick    the inner loop, a few minutes: the unit suite once, the integration suite, the
#                  completion and install tests, the harness's own test, the fuzz corpora replayed;
#   check          what CI runs, as parallel targets: the quick tier's suites on the sanitized build,
#                  the real-builder suite (sanitized), valgrind on the unit suite, test.sh on podman
#                  and docker, the VM's files, lint, a short fuzz run, the stand-ins' own checks
#                  when a stand-in changed, and the Debian package's contents (built without its
#                  unit suite, which runs thrice beside it);
#   check-nightly  check, then valgrind on the integration suite, long fuzzing, and the
#                  real-builder suite on the plain build.
# Every shell suite runs its tests as jobs, TEST_JOBS at once, and prints their reports in order.
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
SANITIZED = build/sanitize
SANITIZE_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
# Any sanitizer report fails the run (halt_on_error), and so the test that caused it; harmless to
# a build without sanitizers.
SANITIZER_ENV = ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# The Check suites of check_kimb, as tests/suites.h declares them.
UNIT_SUITES = $(shell sed -n 's/^Suite \*\([a-z_]*\)_suite(void);$$/\1/p' tests/suites.h)

# The unit tests alone: quick, and they need no builder.
check-unit: $(BUILD)/check_kimb
	$(BUILD)/check_kimb

# Each tier builds what it tests first, TEST_JOBS compilations at once (the bench programs too, so
# that they keep up with the modules), then runs its suites; check-quick's unit tests and fuzz
# targets are built beside its first suites, which leave a processor idle while they wait.
check-quick:
	$(MAKE) --no-print-directory -j$(TEST_JOBS) kimb $(BUILD)/kimb
	$(MAKE) --no-print-directory --output-sync=target -j$(TEST_JOBS) quick-suites TESTED=$(BUILD)

check:
	$(MAKE) --no-print-directory -j$(TEST_JOBS) kimb $(BUILD)/kimb $(BUILD)/check_kimb $(BUILD)/builder_flags \
		$(BENCH_PROGRAMS) sanitized fuzz-programs $(FUZZ_INSPECTION_SEEDS)
	$(MAKE) --no-print-directory --output-sync=target -j$(TEST_JOBS) builders quick-suites-sanitized \
		valgrind-unit test-sh vm-files lint fuzz-short standin-checks package-tests DEB_BUILD_OPTIONS=nocheck

check-nightly: check
	$(MAKE) --no-print-directory valgrind-unit-expensive valgrind-integration
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(NIGHTLY_FUZZ_SECONDS)
	$(MAKE) --no-print-directory builders TESTED=$(BUILD)

# The quick tier's suites on the programs in $(TESTED). The unit suite runs in a mount namespace
# where every builder's executable is covered by one that fails (as root; tests/without-builders.sh),
# which proves that it needs none. The sanitized unit suite runs its tests in one process
# (CK_FORK=no), so that the leak check sees the whole run once. The suites are make targets of
# their own, run side by side (the unit suite waits out its timeouts while the others work), the
# longest first.
TESTED ?= $(BUILD)
quick-suites: quick-integration quick-unit quick-completion quick-harness quick-install fuzz-replay
quick-integration:
	$(SANITIZER_ENV) ./tests/integration.sh -j $(TEST_JOBS) $(TESTED)/kimb
quick-unit: $(if $(filter $(BUILD),$(TESTED)),$(BUILD)/check_kimb)
	$(SANITIZER_ENV) $(if $(filter $(SANITIZED),$(TESTED)),CK_FORK=no) ./tests/without-builders.sh $(TESTED)/check_kimb
quick-completion:
	$(SANITIZER_ENV) ./tests/completion.sh -j $(TEST_JOBS) $(TESTED)/kimb
quick-harness:
	./tests/harness.sh
quick-install:
	./tests/install.sh -j 1

# The quick tier's suites on the sanitized build, as one target beside the others of make check:
# one after another (-j1), as the others keep both processors busy; side by side they only added
# CPU (a fresh clone's make check took 755 s so, 698 s in sequence).
quick-suites-sanitized:
	$(MAKE) --no-print-directory -j1 quick-suites TESTED=$(SANITIZED)

# kimb, its unit suite and the test tool again, built with AddressSanitizer and
# UndefinedBehaviorSanitizer.
sanitized:
	$(MAKE) --no-print-directory BUILD=$(SANITIZED) CFLAGS="$(SANITIZE_FLAGS)" $(SANITIZED)/kimb \
		$(SANITIZED)/check_kimb $(SANITIZED)/builder_flags

# The real-builder suite on the programs in $(TESTED) (the sanitized ones, as make check runs it).
builders: TESTED = $(SANITIZED)
builders:
	$(SANITIZER_ENV) ./tests/builders.sh -j $(TEST_JOBS) $(TESTED)/kimb

# test.sh, the original report's scenario as a user meets it, against real podman (a throwaway
# store) and a private Docker daemon (Debian's client, not whatever docker comes first on PATH);
# and its kim branch, which the VM runs, on the kim stand-in and the kubectl double.
test-sh: test-sh-podman test-sh-docker test-sh-kim
test-sh-podman: kimb
	KIMB_BUILDER=podman ./test.sh ./kimb
test-sh-docker: kimb
	KIMB_BUILDER=docker KIMB_DOCKER=/usr/bin/docker ./test.sh ./kimb
test-sh-kim: kimb
	./tests/test-sh-on-kim.sh -j $(TEST_JOBS) ./kimb

vm-files:
	./tests/vm-files.sh -j $(TEST_JOBS)

# The Debian package's contents, unpacked with dpkg -x (the package is built once, for lint too).
package-tests: $(DEB)
	./tests/package.sh -j $(TEST_JOBS) $(DEB)

# The tests of a stand-in run when it (or its test) changed since they last passed: a stamp.
STAMPS = $(BUILD)/stamps
standin-checks: $(STAMPS)/kim_rm_check
$(STAMPS)/kim_rm_check: tests/kim_rm_check.sh tests/kim tests/standin-lib.sh tests/lib.sh $(BUILD)/bench/kim_rm
	./tests/kim_rm_check.sh -j $(TEST_JOBS) $(BUILD)/bench/kim_rm
	@mkdir -p $(@D) && touch $@

# Memcheck: an error or a leak fails the run. The unit suite runs one Check suite a target, so that
# make runs them side by side; the integration suite runs kimb through a script that execs
# valgrind on it, so that its pid, exit status and signals stay.
VALGRIND = $(shell command -v valgrind) --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect
# make check leaves the test cases tagged expensive (tests/suites.h) to the sanitized run;
# make check-nightly runs them under memcheck too (valgrind-unit-expensive).
valgrind-unit: $(addprefix valgrind-unit-,$(UNIT_SUITES))
valgrind-unit-expensive: $(BUILD)/check_kimb
	CK_FORK=no CK_INCLUDE_TAGS=expensive $(VALGRIND) $(BUILD)/check_kimb
valgrind-unit-%: $(BUILD)/check_kimb
	CK_FORK=no CK_RUN_SUITE=$* CK_EXCLUDE_TAGS=expensive $(VALGRIND) $(BUILD)/check_kimb
valgrind-integration: $(BUILD)/kimb
	mkdir -p $(BUILD)/valgrind
	printf '#!/bin/sh\nexec %s %s "$$@"\n' "$(VALGRIND)" "$(CURDIR)/$(BUILD)/kimb" >$(BUILD)/valgrind/kimb
	chmod +x $(BUILD)/valgrind/kimb
	KIMB_UNWRAPPED=$(BUILD)/kimb ./tests/integration.sh -j $(TEST_JOBS) $(BUILD)/valgrind/kimb

# libFuzzer targets, built with clang, ASan and UBSan in build/fuzz. Their seeds: each target's own
# (tests/fuzz/corpus/TARGET: option and reference seeds, past findings) and, for the readers, the
# recorded outputs of tests/fixtures as they are (fuzz_inspection: each recorded listing joined to
# its inspection, in build/fuzz/seeds), all read only. fuzz-replay runs each target once over its
# seeds; fuzz-short runs each FUZZ_SHORT_SECONDS, and fuzz FUZZ_SECONDS, from them and what earlier
# runs added (build/fuzz/corpus/TARGET). What a run finds is kept in build/fuzz/findings/TARGET, to
# become a regression test.
FUZZ_SECONDS ?= 20
FUZZ_SHORT_SECONDS ?= 2
NIGHTLY_FUZZ_SECONDS ?= 600
FUZZ_CC = clang
FUZZ_SANITIZERS = address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,%,$(filter-out tests/fuzz/fuzz_common.c,$(wildcard tests/fuzz/fuzz_*.c)))
fuzz-programs:
	$(MAKE) --no-print-directory BUILD=build/fuzz CC=$(FUZZ_CC) \
		CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,$(FUZZ_SANITIZERS)" $(addprefix build/fuzz/,$(FUZZ_TARGETS))
# Only through fuzz-programs, whose BUILD and CC these objects are.
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.c tests/fuzz/fuzz_common.h $(MODULE_OBJECTS)
	$(CC) $(KIMB_CFLAGS) -g -O1 -fsanitize=fuzzer,$(FUZZ_SANITIZERS) -Isrc -o $@ $< tests/fuzz/fuzz_common.c \
		$(MODULE_OBJECTS) $(KIMB_LIBS)
FUZZ_FIXTURE_DIRS = $(sort $(dir $(wildcard tests/fixtures/*/*)))
FUZZ_INSPECTION_SEEDS = build/fuzz/seeds/fuzz_inspection
FUZZ_INSPECTION_PAIRS = docker/dockerd-images.jsonl:docker/dockerd-inspect.json \
	docker/podman-service-images-store.jsonl:docker/podman-service-inspect.json \
	buildah/images-lapp.json:buildah/inspect-lapp.json buildah/images-two-builds.json:buildah/inspect-job-old.json \
	nerdctl/standin-images.jsonl:nerdctl/standin-inspect.json
# fuzz_seeds TARGET: the seed directories of TARGET.
fuzz_seeds = $(wildcard tests/fuzz/corpus/$(1)) $(if $(filter fuzz_listing_% fuzz_use,$(1)),$(FUZZ_FIXTURE_DIRS)) \
	$(if $(filter fuzz_inspection,$(1)),$(FUZZ_INSPECTION_SEEDS))
$(FUZZ_INSPECTION_SEEDS): $(wildcard tests/fixtures/*/*)
	rm -rf $@ && mkdir -p $@
	@for pair in $(FUZZ_INSPECTION_PAIRS); do \
		{ cat tests/fixtures/$${pair%%:*} && printf '\n\0\n' && cat tests/fixtures/$${pair#*:}; } \
			>$@/$${pair##*/} || exit 1; \
	done
fuzz-replay: $(addprefix fuzz-replay-,$(FUZZ_TARGETS))
fuzz-replay-%: fuzz-programs $(FUZZ_INSPECTION_SEEDS)
	@build/fuzz/$* -runs=0 $(call fuzz_seeds,$*) 2>build/fuzz/$*.replay.log || \
		{ tail -n 40 build/fuzz/$*.replay.log; exit 1; }
	@echo "fuzz-replay: $*: $$(find $(call fuzz_seeds,$*) -type f | wc -l) inputs, none failed"
fuzz: $(addprefix fuzz-run-,$(FUZZ_TARGETS))
fuzz-short:
	$(MAKE) --no-print-directory FUZZ_SECONDS=$(FUZZ_SHORT_SECONDS) fuzz
fuzz-run-%: fuzz-programs $(FUZZ_INSPECTION_SEEDS)
	@mkdir -p build/fuzz/corpus/$* build/fuzz/findings/$*
	@echo "fuzz: $* for $(FUZZ_SECONDS) s"
	@build/fuzz/$* -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build/fuzz/findings/$*/ \
		build/fuzz/corpus/$* $(call fuzz_seeds,$*) 2>build/fuzz/$*.log || { tail -n 40 build/fuzz/$*.log; exit 1; }
	@grep -E '^stat::(number_of_executed_units|new_units_added)' build/fuzz/$*.log

# cppcheck and gcc's static analyzer on src/ and bench/, shellcheck on every shell script (and
# the bash completion), zsh's parser on its completion, mandoc and groff on the manual, lintian on
# the Debian package: all clean.
lint: lint-cppcheck lint-analyzer lint-shell lint-manual lint-package
lint-cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability --std=c11 \
		--inline-suppr --suppress=missingIncludeSystem -Isrc src bench
lint-analyzer:
	for file in src/*.c bench/*.c; do \
		$(CC) $(KIMB_CFLAGS) -Isrc -fanalyzer -c -o /dev/null $$file || exit 1; \
	done
lint-shell:
	shellcheck -x $(SHELL_SCRIPTS)
	shellcheck -s bash $(BASH_SCRIPTS)
	zsh -n completions/_kimb
lint-manual:
	mandoc -Tlint -W warning kimb.1
	groff -ww -man -z kimb.1 2>&1 | { ! grep .; }
# lintian on the package: an error or a warning fails (there are none; one that Debian's policy let
# kimb keep would be overridden in debian/kimb.lintian-overrides, with its reason).
lint-package: $(DEB)
	lintian --fail-on error,warning --display-info $(DEB:.deb=.changes)

# kimb against the original report's workaround on the kim stand-in with a latency per call, and
# the listing reader's rate; prints a table, asserts no timing (scripts/bench/run.sh says how).
BENCH_SIZES ?= 1 10 100 1000
BENCH_LATENCY ?= 0.05
BENCH_JOBS ?= 4
bench: kimb $(BENCH_PROGRAMS)
	BENCH_SIZES="$(BENCH_SIZES)" BENCH_LATENCY="$(BENCH_LATENCY)" BENCH_JOBS="$(BENCH_JOBS)" \
		BENCH_BUILD="$(BUILD)" ./scripts/bench/run.sh ./kimb
	$(MAKE) --no-print-directory bench-devloop

# The developer loop (scripts/bench/devloop.sh): kimb's overhead over a plain kim build, at
# --prune=now and --prune=background, beside the floor, at a cluster's latency (kubectl's, to the
# API server, less) and a 2 s build.
DEVLOOP_SIZES ?= 1 10 100
DEVLOOP_LATENCY ?= 0.2
DEVLOOP_KUBECTL_LATENCY ?= 0.02
DEVLOOP_BUILD_SECONDS ?= 2
bench-devloop: kimb $(BUILD)/bench/kim_rm
	DEVLOOP_SIZES="$(DEVLOOP_SIZES)" DEVLOOP_LATENCY="$(DEVLOOP_LATENCY)" DEVLOOP_BUILD_SECONDS="$(DEVLOOP_BUILD_SECONDS)" \
		DEVLOOP_KUBECTL_LATENCY="$(DEVLOOP_KUBECTL_LATENCY)" \
		DEVLOOP_JOBS="$(BENCH_JOBS)" BENCH_BUILD="$(BUILD)" ./scripts/bench/devloop.sh ./kimb

# The binary, its manual, and the completions where bash and zsh look for them.
install: kimb
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASH_COMPLETION_DIR) \
		$(DESTDIR)$(ZSH_COMPLETION_DIR)
	install -m 755 kimb $(DESTDIR)$(BINDIR)/kimb
	install -m 644 kimb.1 $(DESTDIR)$(MANDIR)/man1/kimb.1
	install -m 644 completions/kimb.bash $(DESTDIR)$(BASH_COMPLETION_DIR)/kimb
	install -m 644 completions/_kimb $(DESTDIR)$(ZSH_COMPLETION_DIR)/_kimb

# kimb-prune-config and the daily prune's units, installed but not enabled: list repositories in
# /etc/kimb/prune.conf, then `systemctl enable --now kimb-prune.timer`. The units of scripts/systemd
# are the VM's, whose script is in /usr/local/libexec; the service installed here runs it from
# LIBEXECDIR, and the install fails should it name the script elsewhere.
install-systemd:
	install -d $(DESTDIR)$(LIBEXECDIR)/kimb $(DESTDIR)$(SYSTEMD_UNIT_DIR)
	install -m 755 scripts/kimb-prune-config.sh $(DESTDIR)$(LIBEXECDIR)/kimb/kimb-prune-config
	sed 's|/usr/local/libexec/kimb/|$(LIBEXECDIR)/kimb/|' scripts/systemd/kimb-prune.service \
		>$(DESTDIR)$(SYSTEMD_UNIT_DIR)/kimb-prune.service
	chmod 644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/kimb-prune.service
	grep -q '^ExecStart=$(LIBEXECDIR)/kimb/kimb-prune-config ' $(DESTDIR)$(SYSTEMD_UNIT_DIR)/kimb-prune.service
	install -m 644 scripts/systemd/kimb-prune.timer $(DESTDIR)$(SYSTEMD_UNIT_DIR)/kimb-prune.timer

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kimb $(DESTDIR)$(MANDIR)/man1/kimb.1 $(DESTDIR)$(BASH_COMPLETION_DIR)/kimb \
		$(DESTDIR)$(ZSH_COMPLETION_DIR)/_kimb $(DESTDIR)$(LIBEXECDIR)/kimb/kimb-prune-config \
		$(DESTDIR)$(SYSTEMD_UNIT_DIR)/kimb-prune.service $(DESTDIR)$(SYSTEMD_UNIT_DIR)/kimb-prune.timer

# The Debian package, $(DEB). dpkg-buildpackage cleans the tree it builds and writes the package
# beside it, so it builds a copy in $(BUILD)/deb; away from the make that runs it (MAKEFLAGS) and
# from DEVELOPER=1, as a distribution builds it: a newer compiler must not fail on a warning.
# DEB_BUILD_OPTIONS=nocheck leaves out the unit suite the package's build runs.
DEB_SOURCES = Makefile LICENSE kimb.1 $(wildcard src/*.c src/*.h tests/*.c tests/*.h completions/*) \
	scripts/kimb-prune-config.sh $(wildcard scripts/systemd/*) $(shell find debian -type f 2>/dev/null)
deb: $(DEB)
$(DEB): $(DEB_SOURCES)
	rm -rf $(BUILD)/deb
	mkdir -p $(BUILD)/deb/kimb-$(VERSION)
	tar -cf - --exclude=./build --exclude=./$(BUILD) --exclude=./kimb --exclude=./.git --exclude=./.vagrant . | \
		tar -xf - -C $(BUILD)/deb/kimb-$(VERSION)
	cd $(BUILD)/deb/kimb-$(VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DEVELOPER \
		DEB_BUILD_OPTIONS='$(DEB_BUILD_OPTIONS)' dpkg-buildpackage -us -uc -b -Jauto >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	test -f $@

clean:
	rm -rf kimb build

.PHONY: all version deb package-tests lint-package install-systemd check check-quick check-nightly check-unit \
	valgrind-unit-expensive quick-suites quick-suites-sanitized quick-integration quick-unit quick-completion \
	quick-harness quick-install sanitized builders test-sh test-sh-podman \
	test-sh-docker test-sh-kim vm-files standin-checks valgrind-unit valgrind-integration fuzz-programs \
	fuzz-replay fuzz fuzz-short lint lint-cppcheck lint-analyzer lint-shell lint-manual bench bench-devloop install uninstall \
	clean FORCE

-include $(wildcard $(BUILD)/src/*.d $(BUILD)/tests/*.d $(BUILD)/tests/tools/*.d $(BUILD)/bench/*.d)
