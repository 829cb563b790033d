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
 * trapdb: the archive of trap(5) records, in the spirit of spamdb(8):
 * list, load, expire, verify and count.
 */

#include "compat.h"

#include <sys/types.h>

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"

#define DEFAULT_DIR	"/var/db/trap"
static struct trap_out	*out;
static int		 loaderr;	/* -a: the archive failed */

static __dead void
usage(void)
{
	fprintf(stderr, "usage: %s [-A dir] [-S since] [-U until] "
	    "[-h addr | -u user]\n"
	    "       %s [-A dir] -a [file ...]\n"
	    "       %s [-A dir] -s | -V [-F] | -x days\n",
	    getprogname(), getprogname(), getprogname());
	exit(1);
}

static int
print(const char *line, size_t len, void *arg)
{
	(void)arg;
	trap_out_write(out, line, len);
	trap_out_putc(out, '\n');
	return 0;
}

/* A record of trap_input_read() for -a, into the archive. */
static int
addrec(const struct trap_rec *r, const char *line, size_t len, void *arg)
{
	switch (trap_archive_addrec(arg, r, line)) {
	case -1:
		loaderr = 1;		/* reported */
		break;
	case -3:
		warnx("not archived, no time: %.*s", (int)(len < 80 ? len : 80),
		    line);
		loaderr = 1;
		break;
	}
	return 0;
}

/* Occurrences are counted per file (trapdb(8)). */
static void
newfile(void *arg)
{
	trap_archive_newfile(arg);
}

static int
load(struct trap_archive *a, int argc, char *argv[])
{
	struct trap_input	 in;
	int			 rc = 0;

	memset(&in, 0, sizeof(in));
	in.since = in.until = -1;
	in.logins = 1;		/* kept, and never counted as attempts */
	in.notime = 1;		/* refused, each said */
	in.rec = addrec;
	in.newfile = newfile;
	in.arg = a;
	if (trap_input_read(&in, argc, argv) == -1 || in.nbad > 0 || loaderr)
		rc = 1;
	return rc;
}

static int
stats(struct trap_archive *a, const char *dir)
{
	char		 f[TRAP_TIMELEN], l[TRAP_TIMELEN];
	long long	 n, bytes;
	time_t		 first, last;

	if (trap_archive_stats(a, &n, &first, &last) == -1)
		return 1;
	printf("records %lld\n", n);
	if (first != -1) {
		trap_time_fmt(first, f);
		trap_time_fmt(last, l);
		printf("first %s\nlast %s\n", f, l);
	}
	if ((bytes = trap_archive_bytes(dir)) == -1)
		return 1;
	printf("bytes %lld\n", bytes);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct trap_archive	*a;
	const char		*dir = DEFAULT_DIR, *host = NULL, *user = NULL;
	const char		*errstr;
	time_t			 since = -1, until = -1;
	long long		 days = -1, n;
	int			 ch, aflag = 0, Fflag = 0, sflag = 0, Vflag = 0;
	int			 rc = 0;

	/* The archive: flock, and wpath/cpath to create and change it. */
	if (pledge("stdio rpath wpath cpath flock", NULL) == -1)
		err(1, "pledge");

	trap_tz_init(NULL);	/* of -S and -U */
	while ((ch = getopt(argc, argv, "A:aFh:S:sU:u:Vx:")) != -1) {
		switch (ch) {
		case 'A':
			dir = optarg;
			break;
		case 'a':
			aflag = 1;
			break;
		case 'F':
			Fflag = 1;
			break;
		case 'h':
			host = optarg;
			break;
		case 'S':
			since = trap_time_arg(optarg, 1);
			break;
		case 's':
			sflag = 1;
			break;
		case 'U':
			until = trap_time_arg(optarg, 1);
			break;
		case 'u':
			user = optarg;
			break;
		case 'V':
			Vflag = 1;
			break;
		case 'x':
			days = strtonum(optarg, 0, 36500, &errstr);
			if (errstr != NULL)
				errx(1, "days %s: %s", errstr, optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (aflag + sflag + Vflag + (days != -1) > 1)
		trap_badusage(usage, "-a, -s, -V and -x are mutually exclusive");
	if (Fflag && !Vflag)
		trap_badusage(usage, "-F is used only with -V");
	if (host != NULL && user != NULL)
		trap_badusage(usage, "-h and -u are mutually exclusive");
	if (argc > 0 && !aflag)
		trap_badusage(usage, "files are read only with -a");

	if ((a = trap_archive_open(dir, aflag || Fflag || days != -1)) == NULL)
		return 1;
	out = trap_out_open(STDOUT_FILENO);
	if (aflag)
		rc = load(a, argc, argv);
	else if (sflag)
		rc = stats(a, dir);
	else if (Vflag) {
		n = trap_archive_verify(a);
		if (n != 0)
			rc = 1;
		if (n > 0)
			warnx("%s: %lld problems", dir, n);
		if (n > 0 && Fflag) {
			/* Fixed if nothing is found once what failed is gone. */
			if ((n = trap_archive_repair(a)) != -1)
				warnx("%s: %lld records and index entries "
				    "removed or put back", dir, n);
			if (n != -1 && trap_archive_verify(a) == 0)
				rc = 0;
		}
	} else if (days != -1) {
		n = trap_archive_expire(a, time(NULL) - days * 86400);
		if (n == -1)
			rc = 1;
	} else if (host != NULL || user != NULL) {
		if (trap_archive_lookup(a, host ? 'a' : 'u', host ? host :
		    user, print, NULL) == -1)
			rc = 1;
	} else if (trap_archive_scan(a, since, until, print, NULL) == -1)
		rc = 1;
	trap_out_close(out);
	if (trap_archive_close(a) == -1)
		rc = 1;
	return rc;
}
