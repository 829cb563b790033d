# Makefile for the trap tools.  Works with GNU make and bmake.
#
# make			configure (if not done) and build
# make check		install missing test dependencies, build, run the suite
# make check-long	the same with the long tests
# make demo		install missing dependencies, build, run on the sample
# make fuzz		the libFuzzer targets, FUZZTIME s each (regress/fuzz)
# make fuzz-long	the same on every CPU, the corpora merged back
# make coverage		which built-in rules the golden logs recognise
# make install		DESTDIR PREFIX BINDIR LIBEXECDIR MANDIR SHAREDIR
#
# Copyright (c) 2026 The trap tools authors; ISC license, see README.

-include Makefile.configure

PREFIX ?=	/usr/local
BINDIR ?=	$(PREFIX)/bin
LIBEXECDIR ?=	$(PREFIX)/libexec
MANDIR ?=	$(PREFIX)/man
SBINDIR ?=	$(PREFIX)/sbin
SHAREDIR ?=	$(PREFIX)/share
INSTALL ?=	install

LIB =		lib/libtrap/libtrap.a
LIBOBJS =	lib/libtrap/addr.o \
		lib/libtrap/archive.o \
		lib/libtrap/breach.o \
		lib/libtrap/builtin.o \
		lib/libtrap/compat_pledge.o \
		lib/libtrap/compat_reallocarray.o \
		lib/libtrap/compat_unveil.o \
		lib/libtrap/envelope.o \
		lib/libtrap/extract.o \
		lib/libtrap/file.o \
		lib/libtrap/follow.o \
		lib/libtrap/hash.o \
		lib/libtrap/input.o \
		lib/libtrap/journal.o \
		lib/libtrap/months.o \
		lib/libtrap/names.o \
		lib/libtrap/out.o \
		lib/libtrap/pattern.o \
		lib/libtrap/record.o \
		lib/libtrap/scan.o \
		lib/libtrap/svg.o \
		lib/libtrap/time.o \
		lib/libtrap/traplist.o \
		lib/libtrap/usage.o \
		lib/libtrap/warn.o \
		lib/libtrap/xmalloc.o
LIBHDRS =	config.h lib/libtrap/compat.h lib/libtrap/trap.h \
		lib/libtrap/envelope.h lib/libtrap/pattern.h lib/libtrap/scan.h

PROGS =		bin/trapextract/trapextract bin/trapmatch/trapmatch \
		bin/traprank/traprank bin/trapforecast/trapforecast
SPROGS =	bin/trapdb/trapdb
LIBEXECPROGS =	libexec/traplogd/traplogd
LIBEXECSCRIPTS = libexec/trappublish/trappublish \
		libexec/trapreport/trapreport
MAN1 =		man/trapextract.1 man/trapmatch.1 man/traprank.1 \
		man/trapforecast.1
MAN5 =		man/trap.5 man/trappatterns.5
MAN8 =		man/trapdb.8 man/traplogd.8 man/trappublish.8 \
		man/trapreport.8

# The sample and its generator; share/examples/demo, installed with the
# programs' directories written into it, is not among them.
EXAMPLES =	share/examples/domains share/examples/gencampaign \
		share/examples/maillog.gz share/examples/traplist.gz \
		share/examples/truth share/examples/truth.hosts \
		share/examples/truth.hours share/examples/truth.minutes \
		share/examples/truth.users

# The fuzz targets without libFuzzer, for make check to replay their
# corpora (regress/fuzz/replay.c), and the rule coverage counter.
FUZZREPLAY =	regress/fuzz/replay_line regress/fuzz/replay_patterns \
		regress/fuzz/replay_traplist regress/fuzz/replay_record \
		regress/fuzz/replay_file regress/fuzz/replay_inject
FUZZHDRS =	regress/fuzz/fuzz.h regress/inject.h

TESTPROGS =	regress/lib/libtrap/t_libtrap regress/lib/libtrap/rulecov \
		regress/bin/trapdb/rawput $(FUZZREPLAY)

all:
	@test -f Makefile.configure || sh configure
	@$(MAKE) build

build: $(LIB) $(PROGS) $(SPROGS) $(LIBEXECPROGS)

# Only config.h has a rule: GNU make remakes an included file that has
# one before it runs any target, so a rule for Makefile.configure would
# run configure before "make demo" or "make check" could install what it
# probes for.
config.h:
	sh configure

.c.o:
	$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(LIBOBJS): $(LIBHDRS)

lib/libtrap/builtin.c: share/trap/patterns lib/libtrap/mkbuiltin.sh
	sh lib/libtrap/mkbuiltin.sh share/trap/patterns > $@

$(LIB): $(LIBOBJS)
	rm -f $@
	ar rcs $@ $(LIBOBJS)

bin/trapextract/trapextract: bin/trapextract/trapextract.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ bin/trapextract/trapextract.o $(LIB) $(LDADD)

bin/trapextract/trapextract.o: $(LIBHDRS)

bin/trapmatch/trapmatch: bin/trapmatch/trapmatch.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ bin/trapmatch/trapmatch.o $(LIB) $(LDADD)

bin/trapmatch/trapmatch.o: $(LIBHDRS)

bin/traprank/traprank: bin/traprank/traprank.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ bin/traprank/traprank.o $(LIB) $(LDADD) -lm

bin/traprank/traprank.o: $(LIBHDRS)

bin/trapforecast/trapforecast: bin/trapforecast/trapforecast.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ bin/trapforecast/trapforecast.o $(LIB) \
	    $(LDADD) -lm

bin/trapforecast/trapforecast.o: $(LIBHDRS)

bin/trapdb/trapdb: bin/trapdb/trapdb.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ bin/trapdb/trapdb.o $(LIB) $(LDADD)

bin/trapdb/trapdb.o: $(LIBHDRS)

libexec/traplogd/traplogd: libexec/traplogd/traplogd.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ libexec/traplogd/traplogd.o $(LIB) $(LDADD)

libexec/traplogd/traplogd.o: $(LIBHDRS)

regress/lib/libtrap/t_libtrap.o: regress/lib/libtrap/t_libtrap.c $(LIBHDRS)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(ATF_CFLAGS) -c -o $@ \
	    regress/lib/libtrap/t_libtrap.c

regress/lib/libtrap/t_libtrap: regress/lib/libtrap/t_libtrap.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ regress/lib/libtrap/t_libtrap.o $(LIB) \
	    $(ATF_LIBS) $(LDADD)

regress/lib/libtrap/rulecov: regress/lib/libtrap/rulecov.c $(LIBHDRS) $(LIB)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ \
	    regress/lib/libtrap/rulecov.c $(LIB) $(LDADD)

regress/bin/trapdb/rawput: regress/bin/trapdb/rawput.c $(LIBHDRS) $(LIB)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ \
	    regress/bin/trapdb/rawput.c $(LIB) $(LDADD)

regress/fuzz/replay_line: regress/fuzz/fuzz_line.c regress/fuzz/replay.c \
    $(FUZZHDRS) $(LIBHDRS) $(LIB)
	$(CC) $(CFLAGS) $(CPPFLAGS) -Iregress/fuzz $(LDFLAGS) -o $@ \
	    regress/fuzz/fuzz_line.c regress/fuzz/replay.c $(LIB) $(LDADD)

regress/fuzz/replay_patterns: regress/fuzz/fuzz_patterns.c \
    regress/fuzz/replay.c $(FUZZHDRS) $(LIBHDRS) $(LIB)
	$(CC) $(CFLAGS) $(CPPFLAGS) -Iregress/fuzz $(LDFLAGS) -o $@ \
	    regress/fuzz/fuzz_patterns.c regress/fuzz/replay.c $(LIB) $(LDADD)

regress/fuzz/replay_traplist: regress/fuzz/fuzz_traplist.c \
    regress/fuzz/replay.c $(FUZZHDRS) $(LIBHDRS) $(LIB)
	$(CC) $(CFLAGS) $(CPPFLAGS) -Iregress/fuzz $(LDFLAGS) -o $@ \
	    regress/fuzz/fuzz_traplist.c regress/fuzz/replay.c $(LIB) $(LDADD)

regress/fuzz/replay_record: regress/fuzz/fuzz_record.c regress/fuzz/replay.c \
    $(FUZZHDRS) $(LIBHDRS) $(LIB)
	$(CC) $(CFLAGS) $(CPPFLAGS) -Iregress/fuzz $(LDFLAGS) -o $@ \
	    regress/fuzz/fuzz_record.c regress/fuzz/replay.c $(LIB) $(LDADD)

regress/fuzz/replay_file: regress/fuzz/fuzz_file.c regress/fuzz/replay.c \
    $(FUZZHDRS) $(LIBHDRS) $(LIB)
	$(CC) $(CFLAGS) $(CPPFLAGS) -Iregress/fuzz $(LDFLAGS) -o $@ \
	    regress/fuzz/fuzz_file.c regress/fuzz/replay.c $(LIB) $(LDADD)

regress/fuzz/replay_inject: regress/fuzz/fuzz_inject.c regress/fuzz/replay.c \
    $(FUZZHDRS) $(LIBHDRS) $(LIB)
	$(CC) $(CFLAGS) $(CPPFLAGS) -Iregress/fuzz $(LDFLAGS) -o $@ \
	    regress/fuzz/fuzz_inject.c regress/fuzz/replay.c $(LIB) $(LDADD)

regress-build: build $(TESTPROGS)

deps:
	@sh configure --deps=build

check:
	@sh configure --deps=check
	@test -f Makefile.configure || sh configure
	@$(MAKE) regress-build
	@sh regress/run

# check-long: the suite with its long tests (kill -9 during ingests, a
# 200,000-address flood, a 100 MB line), run once by CI.
check-long:
	@sh configure --deps=check
	@test -f Makefile.configure || sh configure
	@$(MAKE) regress-build
	@sh regress/run long

demo:
	@sh configure --deps=build
	@test -f Makefile.configure || sh configure
	@$(MAKE) build
	@sh share/examples/demo

bench:
	@test -f Makefile.configure || sh configure
	@$(MAKE) build
	@sh regress/bench/run

valgrind:
	@test -f Makefile.configure || sh configure
	@$(MAKE) build
	@sh regress/valgrind

# FUZZTIME: seconds per target (default 60)
fuzz:
	@sh regress/fuzz/run $(FUZZTIME)

# fuzz-long: every target for FUZZTIME s (default 3600) with -fork on
# every CPU, each corpus merged back into regress/fuzz/corpus/TARGET.
fuzz-long:
	@sh regress/fuzz/run -long $(FUZZTIME)

coverage:
	@test -f Makefile.configure || sh configure
	@$(MAKE) regress-build
	@sh regress/lib/libtrap/coverage

lint:
	mandoc -Tlint -Wwarning $(MAN1) $(MAN5) $(MAN8)

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SHAREDIR)/examples/trap
	$(INSTALL) -m 0555 $(PROGS) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0555 $(SPROGS) $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 0555 $(LIBEXECPROGS) $(LIBEXECSCRIPTS) \
	    $(DESTDIR)$(LIBEXECDIR)
	$(INSTALL) -m 0444 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0444 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 0444 $(MAN8) $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0444 share/trap/patterns \
	    $(DESTDIR)$(SHAREDIR)/examples/trap/patterns
	$(INSTALL) -m 0444 share/trap/roundcube \
	    $(DESTDIR)$(SHAREDIR)/examples/trap/roundcube
	$(INSTALL) -m 0444 $(EXAMPLES) $(DESTDIR)$(SHAREDIR)/examples/trap
	rm -f $(DESTDIR)$(SHAREDIR)/examples/trap/demo
	sed -e 's|^bindir=$$|bindir=$(BINDIR)|' \
	    -e 's|^libexecdir=$$|libexecdir=$(LIBEXECDIR)|' \
	    share/examples/demo > $(DESTDIR)$(SHAREDIR)/examples/trap/demo
	chmod 0555 $(DESTDIR)$(SHAREDIR)/examples/trap/demo

clean:
	rm -f $(LIBOBJS) $(LIB) lib/libtrap/builtin.c $(PROGS) \
	    bin/trapextract/trapextract.o bin/trapmatch/trapmatch.o \
	    bin/traprank/traprank.o bin/trapforecast/trapforecast.o \
	    bin/trapdb/trapdb.o $(SPROGS) libexec/traplogd/traplogd.o \
	    $(LIBEXECPROGS) \
	    $(TESTPROGS) \
	    regress/lib/libtrap/t_libtrap.o
	rm -rf regress/.results

distclean: clean
	rm -f config.h config.log Makefile.configure

.PHONY: all bench build check check-long coverage demo deps fuzz fuzz-long \
	install lint clean distclean \
	valgrind \
	regress-build
