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

/* A usage error, as every tool says it; -j, as two tools read it. */

#include "compat.h"

#include <err.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "trap.h"

/*
 * The reason on a line of its own, then the program's usage (which
 * exits).
 */
void
trap_badusage(void (*usage)(void), const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	usage();
	exit(1);
}

/* The argument of -j: a number of threads, 1 to TRAP_MAXJOBS. */
int
trap_jobs_opt(const char *arg, void (*usage)(void))
{
	const char	*errstr;
	int		 n;

	n = strtonum(arg, 1, TRAP_MAXJOBS, &errstr);
	if (errstr != NULL)
		trap_badusage(usage, "-j %s: %s", arg, errstr);
	return n;
}

/* Without -j: the processors online, 1 if unknown, at most TRAP_MAXJOBS. */
int
trap_jobs_default(void)
{
	long	 ncpu;

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		return 1;
	return ncpu > TRAP_MAXJOBS ? TRAP_MAXJOBS : ncpu;
}
