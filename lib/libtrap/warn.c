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
 * A thread that reads ahead of another (trap_file_ahead) holds its
 * warnings, and the other says them when it comes to where they were.
 */

#include "compat.h"

#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trap.h"

static void	(*divert)(const char *, size_t);
static pthread_once_t	 heldonce = PTHREAD_ONCE_INIT;
static pthread_key_t	 heldkey;

void
trap_warn_divert(void (*fn)(const char *, size_t))
{
	divert = fn;
}

static void
heldinit(void)
{
	int	 e;

	if ((e = pthread_key_create(&heldkey, NULL)) != 0)
		errc(2, e, "pthread_key_create");
}

/* This thread's warnings go into h from now on; NULL: said again. */
void
trap_warn_hold(struct trap_held *h)
{
	int	 e;

	pthread_once(&heldonce, heldinit);
	if ((e = pthread_setspecific(heldkey, h)) != 0)
		errc(2, e, "pthread_setspecific");
}

static struct trap_held *
held(void)
{
	pthread_once(&heldonce, heldinit);
	return pthread_getspecific(heldkey);
}

/* Say the warnings h holds, as they would have been said, and empty it. */
void
trap_warn_release(struct trap_held *h)
{
	if (h->len == 0)
		return;
	if (divert != NULL)
		divert(h->p, h->len);
	else
		fwrite(h->p, 1, h->len, stderr);
	h->len = 0;
}

static void
hold(struct trap_held *h, const char *line, size_t len)
{
	if (h->cap - h->len < len) {
		h->cap = h->len + len > 2 * h->cap ? h->len + len :
		    2 * h->cap;
		h->p = xreallocarray(h->p, h->cap, 1);
	}
	memcpy(h->p + h->len, line, len);
	h->len += len;
}

static void
vwarnline(int errnum, const char *fmt, va_list ap)
{
	va_list			 aq;
	struct trap_held	*h;
	char			 sbuf[512], *buf = sbuf;
	int			 n, len;

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
	if ((h = held()) != NULL)
		hold(h, buf, n);
	else
		divert(buf, n);
	if (buf != sbuf)
		free(buf);
}

void
trap_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	if (divert == NULL && held() == NULL)
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
	if (divert == NULL && held() == NULL) {
		errno = saved;
		vwarn(fmt, ap);
	} else
		vwarnline(saved, fmt, ap);
	va_end(ap);
	errno = saved;
}
