VERSION = 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
PKG_CONFIG ?= pkg-config

CFLAGS ?= -O2 -g
KIMB_CFLAGS = -std=c11 -Wall -Wextra -Werror -D_XOPEN_SOURCE=700 -DKIMB_VERSION=\"$(VERSION)\" \
	$(shell $(PKG_CONFIG) --cflags libgit2 jansson)
KIMB_LIBS = $(shell $(PKG_CONFIG) --libs libgit2 jansson)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check)

MODULES = $(filter-out src/main.c,$(wildcard src/*.c))
MODULE_OBJECTS = $(MODULES:.c=.o)
TEST_OBJECTS = $(patsubst %.c,%.o,$(wildcard tests/*.c))

all: kimb

kimb: src/main.o $(MODULE_OBJECTS)
	$(CC) $(LDFLAGS) -o $@ src/main.o $(MODULE_OBJECTS) $(KIMB_LIBS)

src/%.o: src/%.c
	$(CC) $(CPPFLAGS) $(KIMB_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

tests/%.o: tests/%.c
	$(CC) $(CPPFLAGS) $(KIMB_CFLAGS) $(CHECK_CFLAGS) -Isrc $(CFLAGS) -MMD -MP -c -o $@ $<

tests/check_kimb: $(TEST_OBJECTS) $(MODULE_OBJECTS)
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJECTS) $(MODULE_OBJECTS) $(KIMB_LIBS) $(CHECK_LIBS)

check: kimb tests/check_kimb
	./tests/check_kimb
	./tests/integration.sh ./kimb
	./tests/builders.sh ./kimb

bench: kimb
	./scripts/bench.sh ./kimb

install: kimb
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	cp kimb $(DESTDIR)$(BINDIR)/kimb
	chmod 755 $(DESTDIR)$(BINDIR)/kimb
	cp kimb.1 $(DESTDIR)$(MANDIR)/man1/kimb.1
	chmod 644 $(DESTDIR)$(MANDIR)/man1/kimb.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kimb $(DESTDIR)$(MANDIR)/man1/kimb.1

clean:
	rm -f kimb tests/check_kimb src/*.o src/*.d tests/*.o tests/*.d

.PHONY: all check bench install uninstall clean

-include $(wildcard src/*.d tests/*.d)
