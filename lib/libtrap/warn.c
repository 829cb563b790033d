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
 * The library's warnings.  As warnx(3) and warn(3) by default; a program
 * that reads several inputs at once (trapextract -j) diverts them, to
 * keep each input's warnings with it.  The divert function gets the
 * whole line, "prog: message\n", and is set before any thread starts.
 */

#include "compat.h"

#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trap.h"

static void	(*divert)(const char *, size_t);

void
trap_warn_divert(void (*fn)(const char *, size_t))
{
	divert = fn;
}

static void
vwarnline(int errnum, const char *fmt, va_list ap)
{
	va_list	 aq;
	char	 sbuf[512], *buf = sbuf;
	int	 n, len;

	va_copy(aq, ap);
	if ((n = vsnprintf(NULL, 0, fmt, aq)) < 0)
		n = 0;
	va_end(aq);
	len = n + 64 + (errnum ? 256 : 0) + (int)strlen(getprogname());
	if ((size_t)len > sizeof(sbuf) && (buf = malloc(len)) == NULL)
		err(2, NULL);
	n = snprintf(buf, len, "%s: ", getprogname());
	n += vsnprintf(buf + n, len - n, fmt, ap);
	if (errnum)
		n += snprintf(buf + n, len - n, ": %s", strerror(errnum));
	if (n > len - 2)
		n = len - 2;
	buf[n++] = '\n';
	buf[n] = '\0';
	divert(buf, n);
	if (buf != sbuf)
		free(buf);
}

void
trap_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	if (divert == NULL)
		vwarnx(fmt, ap);
	else
		vwarnline(0, fmt, ap);
	va_end(ap);
}

void
trap_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	if (divert == NULL) {
		errno = saved;
		vwarn(fmt, ap);
	} else
		vwarnline(saved, fmt, ap);
	va_end(ap);
	errno = saved;
}
