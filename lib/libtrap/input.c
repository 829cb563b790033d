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
 * The one reader of records, for every tool that reads them: files
 * (plain or gzip, "-" for stdin) or the archive, each line parsed once
 * with trap_rec_parse, the window of -S and -U applied, and the lines
 * that are not records reported as every tool reports them: the first
 * TRAP_INPUT_MAXWARN with their file and line, then how many more.
 */

#include "compat.h"

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"

struct archive_arg {
	struct trap_input	*in;
	const char		*name;
	unsigned long long	 n;
};

/* A line of file (line number lineno): a record to give, or a bad one. */
static int
oneline(struct trap_input *in, const char *line, size_t len,
    const char *file, unsigned long long lineno)
{
	struct trap_rec	 r;

	if (trap_rec_parse(line, len, &r) == -1) {
		if (in->nbad++ < TRAP_INPUT_MAXWARN)
			warnx("%s:%llu: not a trap record", file, lineno);
		return 0;
	}
	if (r.time == TRAP_NOTIME && !in->notime) {
		in->nnotime++;		/* said once, at the end */
		return 0;
	}
	if ((in->since != -1 && r.time < in->since) ||
	    (in->until != -1 && r.time >= in->until))
		return 0;
	/* A successful login is no attempt: only for who asks for it. */
	if (!in->logins && r.kind == KIND_LOGIN)
		return 0;
	return in->rec(&r, line, len, in->arg);
}

/* A record of the archive: its line goes when the call returns. */
static int
fromarchive(const char *line, size_t len, void *arg)
{
	struct archive_arg	*aa = arg;
	int			 stop;

	stop = oneline(aa->in, line, len, aa->name, ++aa->n);
	if (aa->in->flush != NULL)
		aa->in->flush(aa->in->arg);
	return stop;
}

static int
readarchive(struct trap_input *in)
{
	struct trap_archive	*a;
	struct archive_arg	 aa;
	int			 rc = 0;

	if ((a = trap_archive_open(in->archive, 0)) == NULL)
		return -1;
	aa.in = in;
	aa.name = in->archive;
	aa.n = 0;
	if (trap_archive_scan(a, in->since, in->until, fromarchive, &aa) == -1)
		rc = -1;
	if (trap_archive_close(a) == -1)
		rc = -1;
	return rc;
}

/*
 * The lines of f, a block at a time: the records given point into the
 * block, and flush is called before it goes.  1 if rec said to stop.
 */
static int
readfile(struct trap_input *in, struct trap_file *f)
{
	const char		*block, *p, *end, *nl;
	size_t			 blen, len;
	unsigned long long	 lineno, nlines;

	while (trap_file_getblock(f, &block, &blen, &nlines)) {
		lineno = trap_file_lineno(f) - nlines;
		for (p = block, end = block + blen; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', end - p)) == NULL)
				nl = end;
			len = nl - p;
			if (len > 0 && p[len - 1] == '\r')
				len--;
			if (oneline(in, p, len, trap_file_name(f),
			    ++lineno) != 0)
				return 1;
		}
		if (in->flush != NULL)
			in->flush(in->arg);
	}
	return 0;
}

/*
 * The options -A, -S and -U of a reading tool, as they all take them: 1
 * if ch is one of them, 0 if not.
 */
int
trap_input_opt(struct trap_input *in, int ch, const char *arg)
{
	switch (ch) {
	case 'A':
		in->archive = arg;
		return 1;
	case 'S':
		in->sarg = arg;
		return 1;
	case 'U':
		in->uarg = arg;
		return 1;
	default:
		return 0;
	}
}

/*
 * The window of -S and -U, read in the zone of the output (set by then
 * with trap_tz_init); a bad time is an error, exit eval.
 */
void
trap_input_window(struct trap_input *in, int eval)
{
	in->since = in->sarg != NULL ? trap_time_arg(in->sarg, eval) : -1;
	in->until = in->uarg != NULL ? trap_time_arg(in->uarg, eval) : -1;
}

/*
 * Give in->rec every record of the archive in->archive, or of the files
 * (none: stdin), with since <= time < until (-1: unbounded).  With
 * in->promises, pledge(2) them once the last input is open.  Return 0,
 * or -1 if some input could not be read (reported, the rest still read);
 * in->nbad counts the lines that were not records.
 */
int
trap_input_read(struct trap_input *in, int argc, char *argv[])
{
	struct trap_file	*f;
	const char		*name;
	int			 i, n = argc > 0 ? argc : 1, rc = 0, stop = 0;

	if (in->archive != NULL) {
		rc = readarchive(in);
		if (in->promises != NULL && pledge(in->promises, NULL) == -1)
			err(trap_eval, "pledge");
	}
	for (i = 0; in->archive == NULL && i < n && !stop; i++) {
		name = argc > 0 ? argv[i] : "-";
		f = trap_file_open(name);
		if (i == n - 1 && in->promises != NULL &&
		    pledge(in->promises, NULL) == -1)
			err(trap_eval, "pledge");
		if (f == NULL) {
			warn("%s", name);
			rc = -1;
			continue;
		}
		if (in->newfile != NULL)
			in->newfile(in->arg);
		stop = readfile(in, f);
		if (trap_file_error(f))
			rc = -1;
		trap_file_close(f);
	}
	if (in->nbad > TRAP_INPUT_MAXWARN)
		warnx("%llu more lines were not trap records",
		    in->nbad - TRAP_INPUT_MAXWARN);
	if (in->nnotime > 0)
		warnx("%llu record%s without a time (\"-\") left out",
		    in->nnotime, in->nnotime == 1 ? "" : "s");
	return rc;
}
