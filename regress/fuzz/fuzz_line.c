/*
 * Copyright (c) 2026 The trap tools authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * fuzz_line: log lines through the extractor, as trapextract(1) runs it
 * (the built-in recognisers, reference time 2026-12-31).  The input is
 * split at '\n' and read three ways: each line as it is (a CR kept) by
 * trap_extract_line; each line less a CR before its newline by
 * trap_extract_line, as trap_file_getline gives them; and the input in
 * pieces of 1 to 8 whole lines (bytes of the input choose) by
 * trap_extract_block, which skips the lines no rule can match.  The last
 * two must make the same records and warnings, in UTC or in the zone of
 * the DST fixtures (Europe/Oslo's rule since 1996), the sum of the
 * input's bytes choosing; the first is run too only if the input has a
 * CR (else it is the second).  Each piece is in its own allocation and
 * each line is copied to the end of one, so that ASan sees a read past
 * its end.  Every attempt is formatted as a
 * trap(5) record, so that each of its strings is read in full.
 *
 * Cheap per input: the rules are compiled once, and one extractor is
 * used for every pass, trap_extract_reset after each (nothing of one
 * input is left for the next).  The literals blocks are scanned for
 * are chosen once, on a fixed sample (fuzz_patterns fuzzes that choice).
 * glibc holds one zone at a time, and tzset reads a zone file again
 * each time TZ names another: the zones are POSIX TZ strings, which
 * tzset parses with no file (a fifth of the cost), and with one zone an
 * input TZ changes on about half of them.
 */

#include "compat.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"
#include "fuzz.h"

#define NZONES	2

/* The records of a pass. */
struct out {
	char	*p;
	size_t	 len, size;
};

static const char *const	 zones[NZONES] = {
	"UTC0",
	"CET-1CEST,M3.5.0,M10.5.0/3"		/* Europe/Oslo */
};
static time_t			 refs[NZONES];	/* 2026-12-31 */
static int			 zone = -1;
static struct trap_extract	*x;
static struct out		*out, raw, lines, blocks;
static struct trap_attempt	 last;
static const struct trap_attempt *lastp;
static long			 nsame;		/* last record again */
static unsigned long		 calls, lastcall;	/* of the extractor */
static char			 rec[TRAP_RECMAX], prev[TRAP_RECMAX];
static size_t			 reclen;
static char			*buf;		/* size of the input */

static void
setzone(int z)
{
	if (z == zone)
		return;
	if (setenv("TZ", zones[z], 1) == -1)
		abort();
	tzset();
	zone = z;
}

/*
 * Is a the attempt emitted last, emitted again by the same call of the
 * extractor?  A line may report one up to a million times ("message
 * repeated N times"), each time the same struct with the same strings:
 * known without formatting it.  Its loghost lies in the line (or in a
 * held-back attempt's own copy), so two lines are never taken for one.
 */
static int
again(const struct trap_attempt *a)
{
	return a == lastp && calls == lastcall && a->time == last.time &&
	    a->loghost.len > 0 && a->loghost.p == last.loghost.p &&
	    a->loghost.len == last.loghost.len &&
	    a->user.p == last.user.p && a->user.len == last.user.len &&
	    a->rdns.p == last.rdns.p && a->rdns.len == last.rdns.len &&
	    a->daemon.p == last.daemon.p && a->daemon.len == last.daemon.len &&
	    a->kind == last.kind && a->service == last.service;
}

/*
 * Write the record of an attempt; of a run of identical records, the
 * first five only.  Identical is by content, so that lines and blocks,
 * where the strings lie elsewhere, make the same.
 */
static void
emit(const struct trap_attempt *a, void *arg)
{
	size_t	 n;

	(void)arg;
	if (again(a)) {
		if (++nsame > 4)
			return;
		n = reclen;
	} else {
		FUZZ_ASSERT(a->service >= 0 && a->service < SVC_NSERVICES);
		FUZZ_ASSERT(a->kind >= 0 && a->kind < KIND_NKINDS);
		FUZZ_ASSERT(memchr(a->addr, '\0', sizeof(a->addr)) != NULL);
		n = trap_attempt_fmt(rec, a);
		if (lastp != NULL && n == reclen && memcmp(rec, prev, n) == 0) {
			if (++nsame > 4)
				return;
		} else {
			nsame = 0;
			memcpy(prev, rec, n);
			reclen = n;
		}
		lastp = a;
		last = *a;
		lastcall = calls;
	}
	if (out->size - out->len < n + 1) {
		out->size = out->len + n + 1 + out->size;
		if ((out->p = realloc(out->p, out->size)) == NULL)
			abort();
	}
	memcpy(out->p + out->len, prev, n);
	out->len += n;
	out->p[out->len++] = '\n';
}

enum how { RAW, LINES, BLOCKS };

/* The input in pieces of whole lines, each piece to the extractor. */
static void
pieces(const uint8_t *data, size_t size)
{
	const uint8_t		*b, *p, *nl, *end = data + size;
	unsigned long long	 first = 1, k;
	size_t			 i = 0;
	char			*piece;

	for (b = data; b < end; b = p, first += k) {
		/* Up to 1 + data[i] % 8 lines a piece. */
		k = 0;
		p = b;
		do {
			if ((nl = memchr(p, '\n', end - p)) == NULL)
				nl = end - 1;
			p = nl + 1;
			k++;
		} while (p < end && k <= data[i % size] % 8);
		i++;
		piece = fuzz_dup(b, p - b);
		calls++;
		trap_extract_block(x, piece, p - b, "fuzz", first, k);
		free(piece);
	}
}

/* One pass over the input, its records in o; return the warnings. */
static unsigned long long
pass(const uint8_t *data, size_t size, int z, enum how how, struct out *o)
{
	const uint8_t		*p, *end = data + size, *nl;
	unsigned long long	 lineno = 0, warnings;
	size_t			 len;
	char			*line;

	setzone(z);
	out = o;
	out->len = 0;
	lastp = NULL;
	nsame = 0;
	trap_extract_reftime(x, refs[z]);
	if (how == BLOCKS)
		pieces(data, size);
	for (p = data; how != BLOCKS && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		len = nl - p;
		if (how == LINES && len > 0 && p[len - 1] == '\r')
			len--;
		line = buf + size - len;	/* ends where buf does */
		memcpy(line, p, len);
		calls++;
		trap_extract_line(x, line, len, "fuzz", ++lineno);
	}
	calls++;
	trap_extract_end(x);
	warnings = trap_extract_warnings(x);
	trap_extract_reset(x, refs[z]);
	return warnings;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char sample[] =
	    "Jan  1 00:00:00 host sshd[1]: Connection closed\n";
	int	 z;

	(void)argc;
	(void)argv;
	fuzz_quiet();
	for (z = 0; z < NZONES; z++) {
		setzone(z);
		FUZZ_ASSERT(trap_time_parse_iso("2026-12-31", &refs[z]) == 0);
	}
	x = trap_extract_new(emit, NULL);
	FUZZ_ASSERT(trap_extract_builtin(x) == 0);
	/* The windows of the scan, chosen once on a fixed sample. */
	out = &raw;
	trap_extract_block(x, sample, sizeof(sample) - 1, "init", 1, 1);
	trap_extract_reset(x, refs[zone]);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long long	 wl, wb;
	unsigned int		 sum = 0;
	size_t			 i;
	int			 z;

	if (size == 0)
		return 0;
	if ((buf = malloc(size)) == NULL)
		abort();
	/*
	 * One zone an input, of its bytes: a mutation flips it as often as
	 * not, so both zones see the corpus, and an input is read twice
	 * (lines, blocks) instead of four times.  The zone changes on half
	 * the inputs.
	 */
	for (i = 0; i < size; i++)
		sum += data[i];
	z = sum % NZONES;
	if (memchr(data, '\r', size) != NULL)
		(void)pass(data, size, z, RAW, &raw);
	wl = pass(data, size, z, LINES, &lines);
	wb = pass(data, size, z, BLOCKS, &blocks);
	FUZZ_ASSERT(wl == wb);
	FUZZ_ASSERT(lines.len == blocks.len);
	FUZZ_ASSERT(lines.len == 0 ||
	    memcmp(lines.p, blocks.p, lines.len) == 0);
	free(buf);
	return 0;
}
