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
 * compat.h: the one place that knows what the system lacks, so that the
 * sources read like OpenBSD code.  Included first by every source file.
 * On Linux, libbsd's overlay (pkg-config libbsd-overlay) supplies
 * strtonum, vis, sys/tree.h and friends through the standard headers.
 */

#ifndef COMPAT_H
#define COMPAT_H

#include "config.h"

#define LIBBSD_OPENBSD_VIS	/* libbsd: the OpenBSD strnvis(3) */

#include <sys/types.h>
#include <sys/cdefs.h>
#include <stdint.h>

#if !HAVE_DEAD
#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif
#endif

#ifndef __unused	/* libbsd leaves it out; sys/tree.h needs it */
#define __unused __attribute__((__unused__))
#endif

/*
 * A function named in regress/fuzz/nocov.  regress/fuzz/run defines it to
 * keep such a function out of line, for the fuzzer's coverage
 * instrumentation is decided a function at a time after inlining, and a
 * copy inlined into another would have it; nothing otherwise.
 */
#ifndef __nocov
#define __nocov
#endif

#if !HAVE_PLEDGE
int	pledge(const char *, const char *);
#endif
#if !HAVE_UNVEIL
int	unveil(const char *, const char *);
#endif
#if !HAVE_REALLOCARRAY
void	*reallocarray(void *, size_t, size_t);
#endif

#endif /* COMPAT_H */
