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
 * fuzz_record: reading trap(5) records.  Every line of the input (split
 * on '\n', each in its own allocation) goes through trap_rec_parse; the
 * fields of a record are decoded with trap_unvis, into a buffer of their
 * own size and into one too small, and its time must format back to the
 * time field.  Each line is also decoded whole, as a single field.
 * A line, and the buffer of each decoding, end where an allocation of
 * the input's size does: two allocations an input.
 */

#include "compat.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"
#include "fuzz.h"

static char	*dstbuf;	/* the input's length and one more */
static size_t	 dstsize;

/*
 * Decode into dstlen bytes that end where dstbuf does, so that ASan sees
 * a write past them (one allocation an input, not one a call).
 */
static void
unvis_checked(const char *src, size_t len, size_t dstlen)
{
	char	*dst;
	size_t	 n;

	FUZZ_ASSERT(dstlen <= dstsize);
	dst = dstbuf + dstsize - dstlen;
	n = trap_unvis(dst, dstlen, src, len);
	if (n != (size_t)-1) {
		FUZZ_ASSERT(n < dstlen);
		FUZZ_ASSERT(dst[n] == '\0');
		FUZZ_ASSERT(n <= len);
	}
}

static void
one(const char *line, size_t len)
{
	struct trap_rec	 r;
	char		 t[TRAP_TIMELEN];
	int		 i;

	unvis_checked(line, len, len + 1);
	unvis_checked(line, len, 0);
	if (trap_rec_parse(line, len, &r) == -1)
		return;
	FUZZ_ASSERT(r.nfields == TRAP_NFIELDS ||
	    r.nfields == TRAP_NFIELDS_MATCH);
	for (i = 0; i < r.nfields; i++) {
		FUZZ_ASSERT(r.f[i].len > 0);
		FUZZ_ASSERT(r.f[i].p >= line &&
		    r.f[i].p + r.f[i].len <= line + len);
		FUZZ_ASSERT(memchr(r.f[i].p, '\t', r.f[i].len) == NULL);
		unvis_checked(r.f[i].p, r.f[i].len, r.f[i].len + 1);
		unvis_checked(r.f[i].p, r.f[i].len, 4);
		unvis_checked(r.f[i].p, r.f[i].len, 1);
	}
	FUZZ_ASSERT(r.f[F_ADDR].len < TRAP_ADDRLEN);
	/* "-": no time (trap_time_fmt is not for it). */
	if (r.time == TRAP_NOTIME) {
		FUZZ_ASSERT(r.f[F_TIME].len == 1 && r.f[F_TIME].p[0] == '-');
		return;
	}
	FUZZ_ASSERT(r.f[F_TIME].len == TRAP_TIMELEN - 1);
	/* A leap second reads as the next minute; any other time is kept. */
	if (memcmp(r.f[F_TIME].p + 17, "60", 2) != 0) {
		trap_time_fmt(r.time, t);
		FUZZ_ASSERT(memcmp(t, r.f[F_TIME].p, TRAP_TIMELEN - 1) == 0);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*p, *nl, *end = data + size;
	char		*linebuf, *line;

	/* Each line copied to the end of one, so that ASan sees overreads. */
	if ((linebuf = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	dstsize = size + 1 > 4 ? size + 1 : 4;
	if ((dstbuf = malloc(dstsize)) == NULL)
		abort();
	for (p = data; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		line = linebuf + size - (nl - p);
		memcpy(line, p, nl - p);
		one(line, nl - p);
	}
	free(dstbuf);
	free(linebuf);
	return 0;
}
