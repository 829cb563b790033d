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
 * (the built-in recognisers, reference time 2026-12-31): the input is one
 * line or several split on '\n', each passed in its own allocation, then
 * the held-back attempts are flushed.  Every input is run twice, with TZ
 * UTC and with TZ Europe/Oslo (the zone of the DST fixtures).  Every
 * attempt emitted is written out as a trap(5) record, so that each of its
 * strings is read in full.
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

static struct trap_out		*out;
static unsigned long long	 nemitted;
static struct trap_attempt	 last;
static const struct trap_attempt *lastp;
static long			 nsame;

/*
 * A line may report an attempt up to a million times ("message repeated
 * N times"); write the first few of a run of identical calls only.
 */
static void
emit(const struct trap_attempt *a, void *arg)
{
	(void)arg;
	nemitted++;
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
	FUZZ_ASSERT(a->service >= 0 && a->service < SVC_NSERVICES);
	FUZZ_ASSERT(a->kind >= 0 && a->kind < KIND_NKINDS);
	FUZZ_ASSERT(memchr(a->addr, '\0', sizeof(a->addr)) != NULL);
	trap_out_attempt(out, a);
}

static void
run(const uint8_t *data, size_t size, const char *tz)
{
	struct trap_extract	*x;
	const uint8_t		*p, *end = data + size, *nl;
	unsigned long long	 lineno = 0;
	time_t			 ref;
	char			*line;

	if (setenv("TZ", tz, 1) == -1)
		abort();
	tzset();
	x = trap_extract_new(emit, NULL);
	FUZZ_ASSERT(trap_extract_builtin(x) == 0);
	FUZZ_ASSERT(trap_time_parse_iso("2026-12-31", &ref) == 0);
	trap_extract_reftime(x, ref);
	lastp = NULL;
	for (p = data; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		line = fuzz_dup(p, nl - p);
		trap_extract_line(x, line, nl - p, "fuzz", ++lineno);
		free(line);
	}
	trap_extract_flush(x);
	trap_extract_free(x);
	trap_out_flush(out);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int	 fd;

	(void)argc;
	(void)argv;
	fuzz_quiet();
	if ((fd = open("/dev/null", O_WRONLY)) == -1)
		abort();
	out = trap_out_open(fd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, "UTC");
	run(data, size, "Europe/Oslo");
	return 0;
}
