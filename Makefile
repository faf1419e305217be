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

# Objects go to $(BUILD), so that the sanitizer build (build/sanitize) lives beside the plain one.
BUILD ?= build
CFLAGS ?= -O2 -g
KIMB_CFLAGS = -std=c11 -pthread -Wall -Wextra -Werror -D_XOPEN_SOURCE=700 -DKIMB_VERSION=\"$(VERSION)\" \
	$(shell $(PKG_CONFIG) --cflags libgit2 jansson)
KIMB_LIBS = -pthread $(shell $(PKG_CONFIG) --libs libgit2 jansson)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check)

MODULES = $(filter-out src/main.c,$(wildcard src/*.c))
MODULE_OBJECTS = $(patsubst src/%.c,$(BUILD)/src/%.o,$(MODULES))
TEST_OBJECTS = $(patsubst tests/%.c,$(BUILD)/tests/%.o,$(wildcard tests/*.c))
# Each bench/NAME.c is a driver that times one module's work: $(BUILD)/bench/NAME.
BENCH_PROGRAMS = $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
SHELL_SCRIPTS = test.sh tests/*.sh tests/kim tests/nerdctl tests/kubectl scripts/*.sh scripts/bench/*.sh .ci/run
BASH_SCRIPTS = completions/kimb.bash

all: kimb

kimb: $(BUILD)/kimb
	cp $(BUILD)/kimb $@

$(BUILD)/kimb: $(BUILD)/src/main.o $(MODULE_OBJECTS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/src/main.o $(MODULE_OBJECTS) $(KIMB_LIBS)

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KIMB_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The unit tests read the recorded outputs in tests/fixtures by its absolute path, so that they run
# from any directory.
$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KIMB_CFLAGS) $(CHECK_CFLAGS) -Isrc -DFIXTURES_DIR=\"$(CURDIR)/tests/fixtures\" $(CFLAGS) \
		-MMD -MP -c -o $@ $<

$(BUILD)/bench/%: bench/%.c $(MODULE_OBJECTS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KIMB_CFLAGS) -Isrc $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(MODULE_OBJECTS) $(KIMB_LIBS)

# The bench's compiled stand-in for kim's removals: it links only what it uses, since every call
# of it pays for loading its libraries.
$(BUILD)/bench/kim_rm: bench/kim_rm.c $(BUILD)/src/array.o $(BUILD)/src/xalloc.o
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KIMB_CFLAGS) -Isrc $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(BUILD)/src/array.o $(BUILD)/src/xalloc.o \
		$(shell $(PKG_CONFIG) --libs jansson)

$(BUILD)/check_kimb: $(TEST_OBJECTS) $(MODULE_OBJECTS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJECTS) $(MODULE_OBJECTS) $(KIMB_LIBS) $(CHECK_LIBS)

# A test tool, not kimb: prints kimb's table of a builder's flags, which tests/builders.sh
# compares with the builder's own help.
$(BUILD)/builder_flags: $(BUILD)/tests/tools/builder_flags.o $(MODULE_OBJECTS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/tests/tools/builder_flags.o $(MODULE_OBJECTS) $(KIMB_LIBS)

# The unit tests alone: quick, and they need no builder.
check-unit: $(BUILD)/check_kimb
	$(BUILD)/check_kimb

# Everything CI runs (the bench programs are built, so that they keep up with the modules, not
# run). tests/without-builders.sh runs the unit tests again with every builder's executable
# covered, to prove that they need none (as root; otherwise it says it skips).
check: check-unit kimb $(BUILD)/builder_flags $(BENCH_PROGRAMS)
	./tests/without-builders.sh $(BUILD)/check_kimb
	./tests/integration.sh $(BUILD)/kimb
	./tests/completion.sh $(BUILD)/kimb
	./tests/install.sh
	./tests/builders.sh $(BUILD)/kimb
	./tests/kim_rm_check.sh $(BUILD)/bench/kim_rm
	$(MAKE) test-sh
	./tests/vm-files.sh
	$(MAKE) sanitize valgrind fuzz lint

# test.sh, the original report's scenario as a user meets it, against real podman (a throwaway
# store) and a private Docker daemon (Debian's client, not whatever docker comes first on PATH);
# and its kim branch, which the VM runs, on the kim stand-in and the kubectl double.
test-sh: kimb
	KIMB_BUILDER=podman ./test.sh ./kimb
	KIMB_BUILDER=docker KIMB_DOCKER=/usr/bin/docker ./test.sh ./kimb
	./tests/test-sh-on-kim.sh ./kimb

# The whole suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer: any report
# fails the run (halt_on_error), and so the test that caused it.
SANITIZE_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
sanitize:
	$(MAKE) BUILD=build/sanitize CFLAGS="$(SANITIZE_FLAGS)" build/sanitize/kimb build/sanitize/check_kimb \
		build/sanitize/builder_flags
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		CK_FORK=no build/sanitize/check_kimb
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		./tests/integration.sh build/sanitize/kimb
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		./tests/builders.sh build/sanitize/kimb

# The unit tests and the integration runs under memcheck: an error or a leak fails them. kimb is
# run through a script that execs valgrind on it, so that its pid, exit status and signals stay.
VALGRIND = $(shell command -v valgrind) --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect
valgrind: $(BUILD)/kimb $(BUILD)/check_kimb
	CK_FORK=no $(VALGRIND) $(BUILD)/check_kimb
	mkdir -p $(BUILD)/valgrind
	printf '#!/bin/sh\nexec %s %s "$$@"\n' "$(VALGRIND)" "$(CURDIR)/$(BUILD)/kimb" >$(BUILD)/valgrind/kimb
	chmod +x $(BUILD)/valgrind/kimb
	KIMB_UNWRAPPED=$(BUILD)/kimb ./tests/integration.sh $(BUILD)/valgrind/kimb

# Each fuzz target runs FUZZ_SECONDS from its seeds: its own in tests/fuzz/corpus/TARGET (option and
# reference seeds, past findings) and, for the readers, the recorded outputs in tests/fixtures as they
# are (fuzz_inspection: each recorded listing joined to its inspection, in build/fuzz/seeds). Those
# are read only: what the fuzzer adds goes to build/fuzz/corpus/TARGET, and what it finds to
# build/fuzz/findings/TARGET, to become a regression test.
FUZZ_SECONDS ?= 20
FUZZ_CC = clang
FUZZ_SANITIZERS = address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,%,$(filter-out tests/fuzz/fuzz_common.c,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_OBJECTS = $(patsubst src/%.c,build/fuzz/src/%.o,$(MODULES))
FUZZ_FIXTURE_DIRS = $(sort $(dir $(wildcard tests/fixtures/*/*)))
FUZZ_INSPECTION_PAIRS = docker/dockerd-images.jsonl:docker/dockerd-inspect.json \
	docker/podman-service-images-store.jsonl:docker/podman-service-inspect.json \
	buildah/images-lapp.json:buildah/inspect-lapp.json buildah/images-two-builds.json:buildah/inspect-job-old.json \
	nerdctl/standin-images.jsonl:nerdctl/standin-inspect.json
fuzz:
	$(MAKE) BUILD=build/fuzz CC=$(FUZZ_CC) CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,$(FUZZ_SANITIZERS)" \
		$(FUZZ_OBJECTS)
	rm -rf build/fuzz/seeds && mkdir -p build/fuzz/seeds/fuzz_inspection
	@for pair in $(FUZZ_INSPECTION_PAIRS); do \
		{ cat tests/fixtures/$${pair%%:*} && printf '\n\0\n' && cat tests/fixtures/$${pair#*:}; } \
			>build/fuzz/seeds/fuzz_inspection/$${pair##*/} || exit 1; \
	done
	@for target in $(FUZZ_TARGETS); do \
		$(FUZZ_CC) $(KIMB_CFLAGS) -g -O1 -fsanitize=fuzzer,$(FUZZ_SANITIZERS) -Isrc -o build/fuzz/$$target \
			tests/fuzz/$$target.c tests/fuzz/fuzz_common.c $(FUZZ_OBJECTS) $(KIMB_LIBS) || exit 1; \
		mkdir -p build/fuzz/corpus/$$target build/fuzz/findings/$$target || exit 1; \
		case $$target in \
		fuzz_listing_* | fuzz_use) seeds="$(FUZZ_FIXTURE_DIRS)" ;; \
		fuzz_inspection) seeds=build/fuzz/seeds/fuzz_inspection ;; \
		*) seeds= ;; \
		esac; \
		[ ! -d tests/fuzz/corpus/$$target ] || seeds="$$seeds tests/fuzz/corpus/$$target"; \
		echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
		build/fuzz/$$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build/fuzz/findings/$$target/ build/fuzz/corpus/$$target $$seeds \
			2>build/fuzz/$$target.log || \
			{ tail -n 40 build/fuzz/$$target.log; exit 1; }; \
		grep -E '^stat::(number_of_executed_units|new_units_added)' build/fuzz/$$target.log; \
	done

# cppcheck and gcc's static analyzer on src/ and bench/, shellcheck on every shell script (and
# the bash completion), zsh's parser on its completion, mandoc and groff on the manual: all clean.
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability --std=c11 \
		--inline-suppr --suppress=missingIncludeSystem -Isrc src bench
	for file in src/*.c bench/*.c; do \
		$(CC) $(KIMB_CFLAGS) -Isrc -fanalyzer -c -o /dev/null $$file || exit 1; \
	done
	shellcheck -x $(SHELL_SCRIPTS)
	shellcheck -s bash $(BASH_SCRIPTS)
	zsh -n completions/_kimb
	mandoc -Tlint -W warning kimb.1
	groff -ww -man -z kimb.1 2>&1 | { ! grep .; }

# kimb against the original report's workaround on the kim stand-in with a latency per call, and
# the listing reader's rate; prints a table, asserts no timing (scripts/bench/run.sh says how).
BENCH_SIZES ?= 1 10 100 1000
BENCH_LATENCY ?= 0.05
BENCH_JOBS ?= 4
bench: kimb $(BENCH_PROGRAMS)
	BENCH_SIZES="$(BENCH_SIZES)" BENCH_LATENCY="$(BENCH_LATENCY)" BENCH_JOBS="$(BENCH_JOBS)" \
		BENCH_BUILD="$(BUILD)" ./scripts/bench/run.sh ./kimb

# The binary, its manual, and the completions where bash and zsh look for them.
install: kimb
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASH_COMPLETION_DIR) \
		$(DESTDIR)$(ZSH_COMPLETION_DIR)
	install -m 755 kimb $(DESTDIR)$(BINDIR)/kimb
	install -m 644 kimb.1 $(DESTDIR)$(MANDIR)/man1/kimb.1
	install -m 644 completions/kimb.bash $(DESTDIR)$(BASH_COMPLETION_DIR)/kimb
	install -m 644 completions/_kimb $(DESTDIR)$(ZSH_COMPLETION_DIR)/_kimb

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kimb $(DESTDIR)$(MANDIR)/man1/kimb.1 $(DESTDIR)$(BASH_COMPLETION_DIR)/kimb \
		$(DESTDIR)$(ZSH_COMPLETION_DIR)/_kimb

clean:
	rm -rf kimb build

.PHONY: all check check-unit test-sh sanitize valgrind fuzz lint bench install uninstall clean

-include $(wildcard $(BUILD)/src/*.d $(BUILD)/tests/*.d $(BUILD)/tests/tools/*.d $(BUILD)/bench/*.d)
