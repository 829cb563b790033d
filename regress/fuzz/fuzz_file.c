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
 * fuzz_file: reading files with trap_file_open, trap_file_getline and
 * trap_file_getblock.  The first byte of the input says how the rest
 * becomes a file, and how it is read:
 *
 *	bits 0-1	0 as is (plain, or gzip if it has the magic)
 *			1 gzip-compressed, one member
 *			2 gzip-compressed, two members (split in the middle)
 *			3 the gzip magic in front of it (a corrupt gzip file)
 *	bit 2		first expand it: pairs (n, c) stand for c repeated
 *			1 + n times for n < 240, else a length about a
 *			limit (4 KiB, 8 KiB, 64 KiB, 128 KiB) as big[]
 *			says, up to 160 KiB in all: long lines (a newline
 *			stands for itself, so that the lines are no more
 *			than the pairs)
 *	bit 3		read by blocks (trap_file_getblock), each cut into
 *			its lines; else by lines (trap_file_getline)
 *
 * When the content is known (modes 0 without a compressor's magic, 1
 * and 2), the lines read must be those of the content: split on '\n', a
 * CR before it dropped, those over TRAP_LINEMAX skipped, each with its
 * number in the content, and no error.
 *
 * Cheap per input: the file is one, opened and unlinked once and written
 * again for each input, the gzip stream is reset rather than made anew,
 * and the expanded content has a buffer of its own.  What is left is
 * the reader's: trap_file_open's buffer of 1 MiB, which ASan maps and
 * poisons anew each time, and the newlines of a block counted a byte at
 * a time (instrumented: some 10 ns a byte), which is why the content
 * stops at 160 KiB.  Content longer than the buffer (a line across two
 * reads) is left to regress/lib/libtrap (file_blocks, file_long_line).
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

#define EXPANDMAX	(160 * 1024)

static const size_t	 big[16] = {
	4095, 4096, 4097, 8191, 8192, 8193, 65534, 65535, 65536, 65537,
	65538, 65539, 100000, 131072, 131073, EXPANDMAX
};

static int		 fd = -1;
static off_t		 filesize;
static char		 path[64];
static uint8_t		*ebuf;			/* EXPANDMAX */
static uint8_t		*zout;			/* compressed */
static size_t		 zoutsz;
static z_stream		 zs;
static volatile unsigned int sink;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp;
	char		 tmpl[1024];

	(void)argc;
	(void)argv;
	fuzz_quiet();
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/fuzz_file.XXXXXX", tmp);
	/* The file, open and unlinked: read through /dev/fd. */
	if ((fd = mkstemp(tmpl)) == -1 || unlink(tmpl) == -1)
		abort();
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zoutsz = deflateBound(&zs, EXPANDMAX);
	if ((ebuf = malloc(EXPANDMAX)) == NULL ||
	    (zout = malloc(zoutsz)) == NULL)
		abort();
	return 0;
}

static void
put(const void *p, size_t len, off_t *off)
{
	const char	*s = p;
	ssize_t		 n;

	for (; len > 0; s += n, len -= n, *off += n)
		if ((n = pwrite(fd, s, len, *off)) <= 0)
			abort();
}

/* Write p[0..len) as one gzip member. */
static void
putgz(const uint8_t *p, size_t len, off_t *off)
{
	if (deflateReset(&zs) != Z_OK)
		abort();
	zs.next_in = (unsigned char *)p;
	zs.avail_in = len;
	zs.next_out = zout;
	zs.avail_out = zoutsz;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		abort();
	put(zout, zoutsz - zs.avail_out, off);
}

static const uint8_t *
expand(const uint8_t *p, size_t len, size_t *outlen)
{
	size_t	 n = 0, i, k;

	for (i = 0; i + 1 < len && n < EXPANDMAX; i += 2) {
		if (p[i + 1] == '\n')
			k = 1;
		else
			k = p[i] < 240 ? 1 + (size_t)p[i] : big[p[i] - 240];
		if (k > EXPANDMAX - n)
			k = EXPANDMAX - n;
		memset(ebuf + n, p[i + 1], k);
		n += k;
	}
	*outlen = n;
	return ebuf;
}

/*
 * Check the next expected line of c[0..len) from *pos against line;
 * *nline counts the lines of the content, those skipped too.
 */
static void
expect(const uint8_t *c, size_t len, size_t *pos, unsigned long long *nline,
    const char *line, size_t linelen)
{
	const uint8_t	*p, *nl;
	size_t		 n;

	for (;;) {
		FUZZ_ASSERT(*pos < len);
		p = c + *pos;
		if ((nl = memchr(p, '\n', len - *pos)) == NULL)
			nl = c + len;
		*pos = nl - c + (nl < c + len);
		++*nline;
		n = nl - p;
		if (n > TRAP_LINEMAX)
			continue;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		FUZZ_ASSERT(n == linelen);
		FUZZ_ASSERT(n == 0 || memcmp(p, line, n) == 0);
		return;
	}
}

/* No more lines may be expected after pos. */
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

/*
 * Does c begin with a compressor's magic (gzip's, or one that
 * trap_file_open refuses)?  Written from the formats, not from file.c:
 * compress 1f 9d; bzip2 "BZh1".."BZh9" and a block (31 41 59 26 53 59)
 * or the stream's end (17 72 45 38 50 90); xz fd "7zXZ" 00; zstd 28 b5 2f
 * fd; lz4 04 22 4d 18; lzip "LZIP" 01.
 */
static int
magic(const uint8_t *c, size_t clen)
{
	if (clen >= 2 && c[0] == 0x1f && (c[1] == 0x8b || c[1] == 0x9d))
		return 1;
	if (clen >= 10 && memcmp(c, "BZh", 3) == 0 && c[3] >= '1' &&
	    c[3] <= '9' && (memcmp(c + 4, "1AY&SY", 6) == 0 ||
	    memcmp(c + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0))
		return 1;
	return (clen >= 6 && memcmp(c, "\xfd" "7zXZ", 6) == 0) ||
	    (clen >= 4 && memcmp(c, "\x28\xb5\x2f\xfd", 4) == 0) ||
	    (clen >= 4 && memcmp(c, "\x04\x22\x4d\x18", 4) == 0) ||
	    (clen >= 5 && memcmp(c, "LZIP\x01", 5) == 0);
}

/* One line read, as the content has it if known. */
static void
got(const char *line, size_t len, unsigned long long lineno, int known,
    const uint8_t *c, size_t clen, size_t *pos, unsigned long long *nline)
{
	FUZZ_ASSERT(len <= TRAP_LINEMAX);
	FUZZ_ASSERT(memchr(line, '\n', len) == NULL);
	if (len > 0)
		sink += (unsigned char)line[0] + (unsigned char)line[len - 1];
	if (known) {
		expect(c, clen, pos, nline, line, len);
		FUZZ_ASSERT(lineno == *nline);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trap_file	*f;
	const uint8_t		*c;
	const char		*line, *b, *end, *nl;
	size_t			 len, clen, pos = 0;
	unsigned long long	 lines = 0, nline = 0, n, first, k;
	off_t			 off = 0;
	int			 mode, known;

	if (size == 0)
		return 0;
	mode = data[0] & 3;
	c = data + 1;
	clen = size - 1;
	if (data[0] & 4)
		c = expand(c, clen, &clen);

	switch (mode) {
	case 0:
		put(c, clen, &off);
		break;
	case 1:
		putgz(c, clen, &off);
		break;
	case 2:
		putgz(c, clen / 2, &off);
		putgz(c + clen / 2, clen - clen / 2, &off);
		break;
	default:
		put("\x1f\x8b", 2, &off);
		put(c, clen, &off);
		break;
	}
	/* Only a shorter file needs cutting: a cheap no-op is none. */
	if ((off < filesize && ftruncate(fd, off) == -1) ||
	    lseek(fd, 0, SEEK_SET) == -1)
		abort();
	filesize = off;
	known = mode == 1 || mode == 2 || (mode == 0 && !magic(c, clen));

	if ((f = trap_file_open(path)) == NULL)
		abort();
	FUZZ_ASSERT(strcmp(trap_file_name(f), path) == 0);
	if (data[0] & 8) {
		while (trap_file_getblock(f, &b, &len, &n)) {
			FUZZ_ASSERT(len > 0 && n > 0);
			first = trap_file_lineno(f) - n + 1;
			FUZZ_ASSERT(first > lines);
			lines = trap_file_lineno(f);
			for (k = 0, end = b + len; b < end; b = nl + 1, k++) {
				if ((nl = memchr(b, '\n', end - b)) == NULL)
					nl = end;
				len = nl - b;
				FUZZ_ASSERT(len <= TRAP_LINEMAX);
				if (len > 0 && b[len - 1] == '\r')
					len--;
				got(b, len, first + k, known, c, clen, &pos,
				    &nline);
			}
			FUZZ_ASSERT(k == n);
		}
	} else {
		while (trap_file_getline(f, &line, &len)) {
			FUZZ_ASSERT(trap_file_lineno(f) > lines);
			lines = trap_file_lineno(f);
			got(line, len, lines, known, c, clen, &pos, &nline);
		}
	}
	if (known) {
		FUZZ_ASSERT(!trap_file_error(f));
		expect_end(c, clen, pos);
	}
	FUZZ_ASSERT(trap_file_getline(f, &line, &len) == 0);
	(void)trap_file_mtime(f);
	trap_file_close(f);
	return 0;
}
