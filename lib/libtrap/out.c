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
 * Buffered output of trap(5) records.  Text fields are vis(3)-encoded so
 * that a record is always one line of TAB-separated fields, whatever an
 * attacker put in a user name.  Also the one JSON string writer.
 */

#include "compat.h"

#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "trap.h"

#define OUTSZ	(256 * 1024)

struct trap_out {
	int	 fd;
	size_t	 len;
	char	 buf[OUTSZ];
};

struct trap_out *
trap_out_open(int fd)
{
	struct trap_out	*o;

	o = xmalloc(sizeof(*o));
	o->fd = fd;
	o->len = 0;
	return o;
}

void
trap_out_flush(struct trap_out *o)
{
	size_t	 off;
	ssize_t	 n;

	for (off = 0; off < o->len; off += n) {
		n = write(o->fd, o->buf + off, o->len - off);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n == -1)
			err(trap_eval, "write");
	}
	o->len = 0;
}

void
trap_out_write(struct trap_out *o, const char *p, size_t len)
{
	if (o->len + len > OUTSZ)
		trap_out_flush(o);
	if (len > OUTSZ) {
		o->len = 0;
		while (len > 0) {
			size_t n = len < OUTSZ ? len : OUTSZ;
			memcpy(o->buf, p, n);
			o->len = n;
			trap_out_flush(o);
			p += n;
			len -= n;
		}
		return;
	}
	memcpy(o->buf + o->len, p, len);
	o->len += len;
}

void
trap_out_putc(struct trap_out *o, int c)
{
	if (o->len == OUTSZ)
		trap_out_flush(o);
	o->buf[o->len++] = c;
}

static int
needvis(const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		unsigned char c = p[i];
		if (c < 0x20 || c >= 0x7f || c == '\\')
			return 1;
	}
	return 0;
}

/*
 * Encode one record field into dst (of at least 4 * len + 5 bytes):
 * "-" when empty, "\055" for a literal "-", vis(3) otherwise.
 * Return the length written.
 */
size_t
trap_vis(char *dst, size_t dstlen, const char *src, size_t len)
{
	size_t	 n;

	if (len == 0) {
		strlcpy(dst, "-", dstlen);
		return 1;
	}
	if (len == 1 && src[0] == '-') {
		strlcpy(dst, "\\055", dstlen);
		return 4;
	}
	if (dstlen < 4 * len + 1)
		errx(trap_eval, "trap_vis: buffer too small");
	if (!needvis(src, len)) {
		memcpy(dst, src, len);
		dst[len] = '\0';
		return len;
	}
	/*
	 * A NUL is "\0", or "\000" before an octal digit.  libbsd's strvisx
	 * looks at the byte after a field of one NUL, past its end: the last
	 * NUL is written here (nothing follows it in the field).
	 */
	if (src[len - 1] == '\0') {
		n = strvisx(dst, src, len - 1, VIS_OCTAL | VIS_CSTYLE |
		    VIS_TAB | VIS_NL);
		memcpy(dst + n, "\\0", 3);
		return n + 2;
	}
	return strvisx(dst, src, len, VIS_OCTAL | VIS_CSTYLE | VIS_TAB |
	    VIS_NL);
}

void
trap_out_field(struct trap_out *o, const char *p, size_t len)
{
	if (len > 0 && !(len == 1 && p[0] == '-') && !needvis(p, len)) {
		trap_out_write(o, p, len);
		return;
	}
	if (len > TRAP_LINEMAX)
		len = TRAP_LINEMAX;
	if (o->len + 4 * len + 5 > OUTSZ)
		trap_out_flush(o);
	o->len += trap_vis(o->buf + o->len, OUTSZ - o->len, p, len);
}

/* Append a field to buf at *n, encoded. */
static void
fmtfield(char *buf, size_t *n, size_t size, const char *p, size_t len,
    int encode)
{
	if (!encode) {
		memcpy(buf + *n, p, len);
		*n += len;
	} else
		*n += trap_vis(buf + *n, size - *n, p, len);
	buf[(*n)++] = '\t';
}

/*
 * Write an attempt as a trap(5) line, without the newline, into buf of
 * TRAP_RECMAX bytes; return its length.
 */
size_t
trap_attempt_fmt(char *buf, const struct trap_attempt *a)
{
	size_t		 n = 0;
	const char	*s;

	if (a->time == TRAP_NOTIME)
		buf[n++] = '-';		/* a line with no time of its own */
	else {
		trap_time_fmt(a->time, buf);
		n = TRAP_TIMELEN - 1;
	}
	buf[n++] = '\t';
	fmtfield(buf, &n, TRAP_RECMAX, a->loghost.p, a->loghost.len, 1);
	s = trap_service_names[a->service];
	fmtfield(buf, &n, TRAP_RECMAX, s, strlen(s), 0);
	fmtfield(buf, &n, TRAP_RECMAX, a->daemon.p, a->daemon.len, 1);
	fmtfield(buf, &n, TRAP_RECMAX, a->addr, strlen(a->addr), 1);
	fmtfield(buf, &n, TRAP_RECMAX, a->rdns.p, a->rdns.len, 1);
	fmtfield(buf, &n, TRAP_RECMAX, a->user.p, a->user.len, 1);
	s = trap_kind_names[a->kind];
	memcpy(buf + n, s, strlen(s));
	return n + strlen(s);
}

void
trap_out_attempt(struct trap_out *o, const struct trap_attempt *a)
{
	static char	 buf[TRAP_RECMAX];
	size_t		 n;

	n = trap_attempt_fmt(buf, a);
	buf[n++] = '\n';
	trap_out_write(o, buf, n);
}

void
trap_out_close(struct trap_out *o)
{
	trap_out_flush(o);
	free(o);
}

/* The length of the UTF-8 character at p, or 0 if it is not one. */
size_t
trap_utf8len(const unsigned char *p, size_t len)
{
	size_t		 n, i;
	unsigned int	 c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

/*
 * A JSON string (RFC 8259), quoted: '"' and '\\' escaped with a
 * backslash, control characters (below 0x20, and 0x7f) as \uXXXX, valid
 * UTF-8 as is, and any other byte of 0x80 or above as \u00XX, the
 * byte's value.  The one JSON string writer of the trap tools: the same
 * text is the same JSON from each of them.
 */
void
trap_json_str(FILE *fp, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n;

	putc('"', fp);
	for (i = 0; i < len; i += n) {
		n = 1;
		if (p[i] == '"' || p[i] == '\\') {
			putc('\\', fp);
			putc(p[i], fp);
		} else if (p[i] < 0x20 || p[i] == 0x7f)
			fprintf(fp, "\\u%04x", p[i]);
		else if (p[i] < 0x80)
			putc(p[i], fp);
		else if ((n = trap_utf8len(p + i, len - i)) > 0)
			fwrite(p + i, 1, n, fp);
		else {
			fprintf(fp, "\\u%04x", p[i]);
			n = 1;
		}
	}
	putc('"', fp);
}

/*
 * A CSV field (RFC 4180).  The text is chosen by the attacker: a field
 * that a spreadsheet would take for a formula gets a leading apostrophe,
 * inside quotes.
 */
void
trap_csv_str(FILE *fp, const char *p, size_t len)
{
	size_t	 i;
	int	 quote = 0, guard = 0;

	if (len > 0 && p[0] != '\0' && strchr("=+-@\t\r", p[0]) != NULL)
		guard = quote = 1;
	for (i = 0; i < len && !quote; i++)
		if (p[i] == '"' || p[i] == ',' || p[i] == '\n' || p[i] == '\r')
			quote = 1;
	if (!quote) {
		fwrite(p, 1, len, fp);
		return;
	}
	putc('"', fp);
	if (guard)
		putc('\'', fp);
	for (i = 0; i < len; i++) {
		if (p[i] == '"')
			putc('"', fp);
		putc(p[i], fp);
	}
	putc('"', fp);
}
