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
 * (the built-in recognisers, reference time 2026-12-31), three ways: the
 * input split on '\n', each line passed as it is in its own allocation;
 * the input as a file, its lines as trap_file_getline gives them (a CR
 * before the newline cut, gzip read), to trap_extract_line; and the
 * same file's blocks (trap_file_getblock), cut again at newlines chosen
 * from the input, to trap_extract_block, which skips the lines no rule
 * can match.  The last two must make the same records and warnings.  Every input is run with
 * TZ UTC and with TZ Europe/Oslo (the zone of the DST fixtures).  Every
 * attempt is formatted as a trap(5) record, so that each of its strings
 * is read in full.
 */

#include "compat.h"

#include <sys/types.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"
#include "fuzz.h"

static FILE			*recfp;
static struct trap_attempt	 last;
static const struct trap_attempt *lastp;
static long			 nsame;
static int			 tmpfd = -1;
static struct trap_extract	*extractor;
static char			 tmppath[64];

/*
 * A line may report an attempt up to a million times ("message repeated
 * N times"); write the first few of a run of identical records only.
 */
static void
emit(const struct trap_attempt *a, void *arg)
{
	char	 buf[TRAP_RECMAX];
	size_t	 n;

	(void)arg;
	FUZZ_ASSERT(a->service >= 0 && a->service < SVC_NSERVICES);
	FUZZ_ASSERT(a->kind >= 0 && a->kind < KIND_NKINDS);
	FUZZ_ASSERT(memchr(a->addr, '\0', sizeof(a->addr)) != NULL);
	if (a == lastp && a->time == last.time && a->kind == last.kind &&
	    a->user.p == last.user.p && a->user.len == last.user.len &&
	    a->rdns.p == last.rdns.p && a->rdns.len == last.rdns.len &&
	    strcmp(a->addr, last.addr) == 0) {
		if (++nsame > 4)
			return;
	} else {
		nsame = 0;
		lastp = a;
		last = *a;
	}
	n = trap_attempt_fmt(buf, a);
	fwrite(buf, 1, n, recfp);
	fputc('\n', recfp);
}

enum how { RAW, LINES, FILEWISE };

/* The blocks of f, each cut in pieces of whole lines, to the extractor. */
static void
blocks(struct trap_extract *x, struct trap_file *f, const uint8_t *data,
    size_t size)
{
	const char		*b, *p, *end, *nl;
	size_t			 len, i = 0;
	unsigned long long	 n, first, k;

	while (trap_file_getblock(f, &b, &len, &n)) {
		first = trap_file_lineno(f) - n + 1;
		for (end = b + len; b < end; b = p, first += k) {
			/* Up to 1 + data[i] % 8 lines a piece. */
			k = 0;
			p = b;
			do {
				if ((nl = memchr(p, '\n', end - p)) == NULL)
					nl = end - 1;
				p = nl + 1;
				k++;
			} while (p < end && k <= (size ? data[i % size] % 8 : 0));
			i++;
			trap_extract_block(x, b, p - b, tmppath, first, k);
		}
	}
}

/* The records of one way, in *out; return the warnings. */
static unsigned long long
run(const uint8_t *data, size_t size, const char *tz, enum how how,
    char **out)
{
	struct trap_extract	*x;
	struct trap_file	*f = NULL;
	const uint8_t		*p, *end = data + size, *nl;
	const char		*cline;
	unsigned long long	 lineno = 0, warnings;
	size_t			 len, outlen;
	time_t			 ref;
	char			*line;

	if (setenv("TZ", tz, 1) == -1)
		abort();
	tzset();
	if ((recfp = open_memstream(out, &outlen)) == NULL)
		abort();
	lastp = NULL;
	nsame = 0;
	x = extractor;		/* compiled once; trap_extract_end resets it */
	warnings = trap_extract_warnings(x);
	FUZZ_ASSERT(trap_time_parse_iso("2026-12-31", &ref) == 0);
	trap_extract_reftime(x, ref);
	if (how != RAW)
		FUZZ_ASSERT((f = trap_file_open(tmppath)) != NULL);
	if (how == FILEWISE)
		blocks(x, f, data, size);
	else if (how == LINES) {
		while (trap_file_getline(f, &cline, &len)) {
			line = fuzz_dup(cline, len);
			trap_extract_line(x, line, len, tmppath,
			    trap_file_lineno(f));
			free(line);
		}
	}
	if (how != RAW)
		trap_file_close(f);
	for (p = data; how == RAW && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		line = fuzz_dup(p, nl - p);
		trap_extract_line(x, line, nl - p, tmppath, ++lineno);
		free(line);
	}
	trap_extract_end(x);
	warnings = trap_extract_warnings(x) - warnings;
	fclose(recfp);
	return warnings;
}

static void
compare(const uint8_t *data, size_t size, const char *tz)
{
	char			*a, *b;
	unsigned long long	 wa, wb;

	free((run(data, size, tz, RAW, &a), a));
	wa = run(data, size, tz, LINES, &a);
	wb = run(data, size, tz, FILEWISE, &b);
	FUZZ_ASSERT(wa == wb);
	FUZZ_ASSERT(strcmp(a, b) == 0);
	free(a);
	free(b);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 path[] = "/tmp/fuzz_line.XXXXXX";

	(void)argc;
	(void)argv;
	fuzz_quiet();
	/* The input as a file, for trap_extract_file: open, unlinked. */
	if ((tmpfd = mkstemp(path)) == -1 || unlink(path) == -1)
		abort();
	snprintf(tmppath, sizeof(tmppath), "/dev/fd/%d", tmpfd);
	extractor = trap_extract_new(emit, NULL);
	FUZZ_ASSERT(trap_extract_builtin(extractor) == 0);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(tmpfd, 0) == -1 ||
	    pwrite(tmpfd, data, size, 0) != (ssize_t)size)
		abort();
	compare(data, size, "UTC");
	compare(data, size, "Europe/Oslo");
	return 0;
}
