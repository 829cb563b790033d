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
 * Reading lines from a file or stdin, plain or gzip (recognised by its
 * magic, so a rotated maillog.0.gz needs no flag), in large blocks, with
 * no allocation per line.  Lines longer than TRAP_LINEMAX are skipped.
 */

#include "compat.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "trap.h"
#include "scan.h"

#define BUFSZ	(1024 * 1024)	/* decoded data */
#define ZBUFSZ	(256 * 1024)	/* compressed data */

struct trap_file {
	char			*name;
	int			 fd;
	int			 gz;
	z_stream		 zs;
	unsigned char		*zbuf;
	char			*buf;
	size_t			 start, end;
	unsigned long long	 lineno;
	time_t			 mtime;
	int			 eof;
	int			 err;
	int			 skipping;	/* inside an overlong line */
	unsigned long long	 toolong;
};

static int	 fill_plain(struct trap_file *);
static int	 fill_gz(struct trap_file *);

/* One warning per file; the count is kept. */
static void
toolong(struct trap_file *f, unsigned long long lineno)
{
	if (f->toolong++ == 0)
		trap_warnx("%s:%llu: line longer than %d bytes, skipped",
		    f->name, lineno, TRAP_LINEMAX);
}

struct trap_file *
trap_file_open(const char *path)
{
	struct trap_file	*f;
	struct stat		 st;
	ssize_t			 n;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		err(2, NULL);
	if (strcmp(path, "-") == 0) {
		f->fd = STDIN_FILENO;
		path = "(stdin)";
	} else if ((f->fd = open(path, O_RDONLY)) == -1) {
		free(f);
		return NULL;
	}
	if ((f->name = strdup(path)) == NULL ||
	    (f->buf = malloc(BUFSZ)) == NULL)
		err(2, NULL);
	f->mtime = -1;
	if (fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode))
		f->mtime = st.st_mtime;

	/*
	 * Read until we have two bytes to look for the gzip magic; no more
	 * than the compressed data buffer holds.
	 */
	while (f->end < 2) {
		n = read(f->fd, f->buf + f->end, ZBUFSZ - f->end);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			trap_warn("%s", f->name);
			f->err = 1;
			f->eof = 1;
			return f;
		}
		if (n == 0) {
			f->eof = 1;
			return f;
		}
		f->end += n;
	}
	if ((unsigned char)f->buf[0] == 0x1f &&
	    (unsigned char)f->buf[1] == 0x8b) {
		if ((f->zbuf = malloc(ZBUFSZ)) == NULL)
			err(2, NULL);
		memcpy(f->zbuf, f->buf, f->end);
		f->zs.next_in = f->zbuf;
		f->zs.avail_in = f->end;
		f->end = 0;
		if (inflateInit2(&f->zs, 15 + 16) != Z_OK)
			errx(2, "%s: inflateInit2 failed", f->name);
		f->gz = 1;
	}
	return f;
}

static int
fill_plain(struct trap_file *f)
{
	ssize_t	 n;

	for (;;) {
		n = read(f->fd, f->buf + f->end, BUFSZ - f->end);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			trap_warn("%s", f->name);
			f->err = 1;
			return -1;
		}
		if (n == 0)
			return 0;
		f->end += n;
		return 1;
	}
}

static int
fill_gz(struct trap_file *f)
{
	size_t	 before;
	ssize_t	 n;
	int	 rc;

	for (;;) {
		if (f->zs.avail_in == 0) {
			n = read(f->fd, f->zbuf, ZBUFSZ);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				trap_warn("%s", f->name);
				f->err = 1;
				return -1;
			}
			if (n == 0) {
				if (f->gz == 2)		/* between members */
					return 0;
				trap_warnx("%s: unexpected end of gzip data",
				    f->name);
				f->err = 1;
				return -1;
			}
			f->zs.next_in = f->zbuf;
			f->zs.avail_in = n;
		}
		if (f->gz == 2) {
			/* Another member must start with the magic. */
			if (f->zs.next_in[0] != 0x1f)
				return 0;	/* trailing garbage: ignore */
			if (inflateReset(&f->zs) != Z_OK)
				errx(2, "%s: inflateReset failed", f->name);
			f->gz = 1;
		}
		before = f->end;
		f->zs.next_out = (unsigned char *)f->buf + f->end;
		f->zs.avail_out = BUFSZ - f->end;
		rc = inflate(&f->zs, Z_NO_FLUSH);
		f->end = BUFSZ - f->zs.avail_out;
		if (rc == Z_STREAM_END)
			f->gz = 2;
		else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			trap_warnx("%s: corrupt gzip data: %s", f->name,
			    f->zs.msg ? f->zs.msg : "inflate failed");
			f->err = 1;
			return -1;
		}
		if (f->end > before)
			return 1;
	}
}

/*
 * Make room and read more: what is left moves to the front, and a line
 * that fills the buffer without its newline is too long: skipped.
 */
static void
refill(struct trap_file *f)
{
	if (f->start > 0) {
		memmove(f->buf, f->buf + f->start, f->end - f->start);
		f->end -= f->start;
		f->start = 0;
	}
	if (f->end > TRAP_LINEMAX) {
		if (!f->skipping)
			toolong(f, f->lineno + 1);
		f->skipping = 1;
		f->end = 0;
	}
	if ((f->gz ? fill_gz(f) : fill_plain(f)) <= 0)
		f->eof = 1;
}

/*
 * Return the next line, without its newline (and a trailing CR), in
 * *line and *len: 1 for a line, 0 at the end of the input (or after an
 * error, see trap_file_error).
 */
int
trap_file_getline(struct trap_file *f, const char **line, size_t *len)
{
	char	*p, *nl;

	for (;;) {
		p = f->buf + f->start;
		nl = memchr(p, '\n', f->end - f->start);
		/*
		 * The last line may lack its newline, unless the input broke
		 * off: a cut line could show a wrong address ("192.0.2.1"
		 * of "192.0.2.17").
		 */
		if (nl != NULL || (f->eof && !f->err && f->start < f->end)) {
			if (nl == NULL)
				nl = f->buf + f->end;
			f->start = nl - f->buf + (nl < f->buf + f->end);
			f->lineno++;
			if (f->skipping) {
				f->skipping = 0;
				continue;
			}
			if ((size_t)(nl - p) > TRAP_LINEMAX) {
				toolong(f, f->lineno);
				continue;
			}
			if (nl > p && nl[-1] == '\r')
				nl--;
			*line = p;
			*len = nl - p;
			return 1;
		}
		if (f->eof)
			return 0;
		refill(f);
	}
}

#define CHUNK	4096	/* a line inside one is not too long */

/*
 * Of the whole lines in p[0..len) (ending with a newline), the first n
 * that are not too long; return n, their length in *blen.  A line that
 * is too long has its newline in a later chunk than its start.
 */
static unsigned long long
wholelines(const char *p, size_t len, size_t *blen)
{
	unsigned long long	 n = 0;
	size_t			 c, k, clen, ls = 0;
	const char		*nl;

	for (c = 0; c < len; c += CHUNK) {
		clen = len - c < CHUNK ? len - c : CHUNK;
		if ((k = countnl(p + c, clen)) == 0)
			continue;
		nl = memchr(p + c, '\n', clen);
		if ((size_t)(nl - p) - ls > TRAP_LINEMAX)
			break;
		n += k;
		ls = (const char *)memrchr(p + c, '\n', clen) - p + 1;
	}
	*blen = ls;
	return n;
}

/*
 * Return the next block of whole lines in *block and *len (each line
 * with its newline; the last of the input may lack it), the number of
 * lines in *nlines: 1 for a block, 0 at the end of the input (or after
 * an error).  Lines too long are left out, as by trap_file_getline, and
 * trap_file_lineno is then the number of the block's last line.
 */
int
trap_file_getblock(struct trap_file *f, const char **block, size_t *len,
    unsigned long long *nlines)
{
	char			*p, *nl;
	size_t			 avail, blen;
	unsigned long long	 n;

	for (;;) {
		p = f->buf + f->start;
		avail = f->end - f->start;
		nl = avail > 0 ? memrchr(p, '\n', avail) : NULL;
		if (f->skipping && nl != NULL) {
			/* The end of a line longer than the buffer. */
			nl = memchr(p, '\n', avail);
			f->start = nl - f->buf + 1;
			f->lineno++;
			f->skipping = 0;
			continue;
		}
		if (nl != NULL) {
			n = wholelines(p, nl + 1 - p, &blen);
			if (n > 0) {
				f->start += blen;
				f->lineno += n;
				*block = p;
				*len = blen;
				*nlines = n;
				return 1;
			}
			/* The first line is too long. */
			nl = memchr(p, '\n', avail);
			f->start = nl - f->buf + 1;
			toolong(f, ++f->lineno);
			continue;
		}
		if (f->eof && !f->err && avail > 0) {
			/* The last line, without its newline. */
			f->start = f->end;
			if (f->skipping) {
				f->skipping = 0;
				f->lineno++;
				continue;
			}
			if (avail > TRAP_LINEMAX) {
				toolong(f, ++f->lineno);
				continue;
			}
			f->lineno++;
			*block = p;
			*len = avail;
			*nlines = 1;
			return 1;
		}
		if (f->eof)
			return 0;
		refill(f);
	}
}

const char *
trap_file_name(const struct trap_file *f)
{
	return f->name;
}

unsigned long long
trap_file_lineno(const struct trap_file *f)
{
	return f->lineno;
}

time_t
trap_file_mtime(const struct trap_file *f)
{
	return f->mtime;
}

int
trap_file_error(const struct trap_file *f)
{
	return f->err;
}

void
trap_file_close(struct trap_file *f)
{
	if (f == NULL)
		return;
	if (f->gz)
		inflateEnd(&f->zs);
	if (f->fd != STDIN_FILENO)
		close(f->fd);
	free(f->zbuf);
	free(f->buf);
	free(f->name);
	free(f);
}
