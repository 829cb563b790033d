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
 * fuzz_file: reading lines with trap_file_open and trap_file_getline.
 * The first byte of the input says how the rest becomes a file:
 *
 *	bits 0-1	0 as is (plain, or gzip if it has the magic)
 *			1 gzip-compressed, one member
 *			2 gzip-compressed, two members (split in the middle)
 *			3 the gzip magic in front of it (a corrupt gzip file)
 *	bit 2		first expand it: pairs (n, c) stand for c repeated
 *			1 + 16 n^2 times (up to 2 MB), for long lines
 *
 * When the content is known (modes 0 without the magic, 1 and 2), the
 * lines read must be those of the content: split on '\n', a CR before
 * it dropped, those over TRAP_LINEMAX skipped, and no error.
 */

#include "compat.h"

#include <sys/types.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "trap.h"
#include "fuzz.h"

#define EXPANDMAX	(2 * 1024 * 1024)

static char			 path[1024];
static volatile unsigned int	 sink;

static void
cleanup(void)
{
	unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp;

	(void)argc;
	(void)argv;
	fuzz_quiet();
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(path, sizeof(path), "%s/fuzz_file.%ld", tmp, (long)getpid());
	atexit(cleanup);
	return 0;
}

static void
put(int fd, const void *p, size_t len)
{
	const char	*s = p;
	ssize_t		 n;

	for (; len > 0; s += n, len -= n)
		if ((n = write(fd, s, len)) <= 0)
			abort();
}

/* Write p[0..len) to fd as one gzip member. */
static void
putgz(int fd, const uint8_t *p, size_t len)
{
	z_stream	 zs;
	unsigned char	 buf[16384];
	int		 rc;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zs.next_in = (unsigned char *)p;
	zs.avail_in = len;
	do {
		zs.next_out = buf;
		zs.avail_out = sizeof(buf);
		rc = deflate(&zs, Z_FINISH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
			abort();
		put(fd, buf, sizeof(buf) - zs.avail_out);
	} while (rc != Z_STREAM_END);
	deflateEnd(&zs);
}

static uint8_t *
expand(const uint8_t *p, size_t len, size_t *outlen)
{
	uint8_t	*out;
	size_t	 n = 0, i, k;

	if ((out = malloc(EXPANDMAX)) == NULL)
		abort();
	for (i = 0; i + 1 < len && n < EXPANDMAX; i += 2) {
		k = 1 + 16 * (size_t)p[i] * p[i];
		if (k > EXPANDMAX - n)
			k = EXPANDMAX - n;
		memset(out + n, p[i + 1], k);
		n += k;
	}
	*outlen = n;
	return out;
}

/* Check the next expected line of c[0..len) from *pos against line. */
static void
expect(const uint8_t *c, size_t len, size_t *pos, const char *line,
    size_t linelen)
{
	const uint8_t	*p, *nl;
	size_t		 n;

	for (;;) {
		FUZZ_ASSERT(*pos < len);
		p = c + *pos;
		if ((nl = memchr(p, '\n', len - *pos)) == NULL)
			nl = c + len;
		*pos = nl - c + (nl < c + len);
		n = nl - p;
		if (n > TRAP_LINEMAX)
			continue;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		FUZZ_ASSERT(n == linelen);
		FUZZ_ASSERT(memcmp(p, line, n) == 0);
		return;
	}
}

/* No more lines may be expected after *pos. */
static void
expect_end(const uint8_t *c, size_t len, size_t pos)
{
	const uint8_t	*p, *nl;

	while (pos < len) {
		p = c + pos;
		if ((nl = memchr(p, '\n', len - pos)) == NULL)
			nl = c + len;
		FUZZ_ASSERT(nl - p > TRAP_LINEMAX);
		pos = nl - c + (nl < c + len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trap_file	*f;
	const uint8_t		*c;
	uint8_t			*x = NULL;
	const char		*line;
	size_t			 len, clen, pos = 0;
	unsigned long long	 lines = 0;
	int			 mode, fd, known;

	if (size == 0)
		return 0;
	mode = data[0] & 3;
	c = data + 1;
	clen = size - 1;
	if (data[0] & 4)
		c = x = expand(c, clen, &clen);

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		abort();
	switch (mode) {
	case 0:
		put(fd, c, clen);
		break;
	case 1:
		putgz(fd, c, clen);
		break;
	case 2:
		putgz(fd, c, clen / 2);
		putgz(fd, c + clen / 2, clen - clen / 2);
		break;
	default:
		put(fd, "\x1f\x8b", 2);
		put(fd, c, clen);
		break;
	}
	close(fd);
	known = mode == 1 || mode == 2 ||
	    (mode == 0 && !(clen >= 2 && c[0] == 0x1f && c[1] == 0x8b));

	if ((f = trap_file_open(path)) == NULL)
		abort();
	FUZZ_ASSERT(strcmp(trap_file_name(f), path) == 0);
	while (trap_file_getline(f, &line, &len)) {
		FUZZ_ASSERT(len <= TRAP_LINEMAX);
		FUZZ_ASSERT(memchr(line, '\n', len) == NULL);
		FUZZ_ASSERT(trap_file_lineno(f) > lines);
		lines = trap_file_lineno(f);
		if (len > 0)
			sink += (unsigned char)line[0] +
			    (unsigned char)line[len - 1];
		if (known)
			expect(c, clen, &pos, line, len);
	}
	if (known) {
		FUZZ_ASSERT(!trap_file_error(f));
		expect_end(c, clen, pos);
	}
	FUZZ_ASSERT(trap_file_getline(f, &line, &len) == 0);
	(void)trap_file_mtime(f);
	trap_file_close(f);
	free(x);
	return 0;
}
