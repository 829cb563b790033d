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
 * fuzz.h: what the libFuzzer targets share.  Include after compat.h and
 * the system headers.
 */

#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static FILE	*fuzz_stderr;	/* the real stderr, for FUZZ_ASSERT */

/*
 * The library warns (warnx) about every bad input line, which would
 * drown the fuzzer's output and slow it down: send stdio's stderr to
 * /dev/null unless FUZZ_VERBOSE is set.  The sanitizers and libFuzzer
 * write to descriptor 2 themselves and are not affected.
 */
static __unused void
fuzz_quiet(void)
{
	FILE	*fp;

	fuzz_stderr = stderr;
	if (getenv("FUZZ_VERBOSE") != NULL)
		return;
	if ((fp = fopen("/dev/null", "w")) != NULL)
		stderr = fp;
}

/* A copy of p[0..len) in its own allocation, so that ASan sees overreads. */
static __unused char *
fuzz_dup(const void *p, size_t len)
{
	char	*s;

	if ((s = malloc(len ? len : 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(s, p, len);
	return s;
}

/* Fail loudly: libFuzzer saves the input as a crash. */
#define FUZZ_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(fuzz_stderr ? fuzz_stderr : stderr,		\
		    "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #c); \
		abort();						\
	}								\
} while (0)

#endif /* FUZZ_H */
