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
 * Records from files (plain or gzip, "-" for stdin) or from the archive:
 * what every reading tool takes, so that -A works the same in each.
 */

#include "compat.h"

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"

struct archive_arg {
	trap_input_fn	 fn;
	void		*arg;
	const char	*name;
	unsigned long long n;
};

static int
fromarchive(const char *line, size_t len, void *arg)
{
	struct archive_arg	*aa = arg;

	return aa->fn(line, len, aa->name, ++aa->n, aa->arg);
}

/*
 * Call fn for every line of the files (none: stdin), or, with archive
 * set, for every record of the archive with since <= time < until (-1:
 * unbounded; for files the caller filters).  Return 0, or -1 if some
 * input could not be read (reported, the rest still read).
 */
int
trap_input_each(const char *archive, time_t since, time_t until, int argc,
    char *argv[], trap_input_fn fn, void *arg)
{
	struct trap_archive	*a;
	struct archive_arg	 aa;
	struct trap_file	*f;
	const char		*line;
	size_t			 len;
	int			 i, rc = 0;

	if (archive != NULL) {
		if ((a = trap_archive_open(archive, 0)) == NULL)
			return -1;
		aa.fn = fn;
		aa.arg = arg;
		aa.name = archive;
		aa.n = 0;
		if (trap_archive_scan(a, since, until, fromarchive, &aa) == -1)
			rc = -1;
		if (trap_archive_close(a) == -1)
			rc = -1;
		return rc;
	}
	for (i = 0; i < (argc > 0 ? argc : 1); i++) {
		if ((f = trap_file_open(argc > 0 ? argv[i] : "-")) == NULL) {
			warn("%s", argv[i]);
			rc = -1;
			continue;
		}
		while (trap_file_getline(f, &line, &len))
			if (fn(line, len, trap_file_name(f),
			    trap_file_lineno(f), arg) != 0)
				break;
		if (trap_file_error(f))
			rc = -1;
		trap_file_close(f);
	}
	return rc;
}
