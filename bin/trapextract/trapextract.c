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
 * trapextract: failed logins in mail and auth logs, one trap(5) record
 * per attempt.
 */

#include "compat.h"

#include <sys/types.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"

#define MAXDAEMONS	64

struct daemoncount {
	char			 name[64];
	unsigned long long	 n;
};

static struct trap_out		*out;
static struct trap_archive	*archive;
static int			 archerr;
static unsigned int		 services = ~0U;
static struct daemoncount	 daemons[MAXDAEMONS];
static int			 vflag;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: %s [-fLRv] [-A dir] [-p patterns] [-r reftime] "
	    "[-z tz] [-s service,...] [file ...]\n", getprogname());
	exit(1);
}

static void
count(const struct trap_attempt *a)
{
	size_t	 i, len = a->daemon.len;

	if (len >= sizeof(daemons[0].name))
		len = sizeof(daemons[0].name) - 1;
	for (i = 0; i < MAXDAEMONS && daemons[i].name[0] != '\0'; i++)
		if (strncmp(daemons[i].name, a->daemon.p, len) == 0 &&
		    daemons[i].name[len] == '\0')
			break;
	if (i == MAXDAEMONS)
		i = MAXDAEMONS - 1;	/* the rest count with the last */
	else if (daemons[i].name[0] == '\0') {
		memcpy(daemons[i].name, a->daemon.p, len);
		daemons[i].name[len] = '\0';
	}
	daemons[i].n++;
}

static void
emit(const struct trap_attempt *a, void *arg)
{
	static char	 buf[TRAP_RECMAX];
	size_t		 n;
	int		 rc;

	(void)arg;
	if ((services & (1U << a->service)) == 0)
		return;
	if (vflag)
		count(a);
	if (archive == NULL) {
		trap_out_attempt(out, a);
		return;
	}
	/* With -A, only what the archive did not have yet is news. */
	n = trap_attempt_fmt(buf, a);
	if ((rc = trap_archive_add(archive, buf, n)) == -2)
		warnx("not archived, not a trap record: %.*s",
		    (int)(n < 80 ? n : 80), buf);
	else if (rc == -3)
		warnx("not archived, no time: %.*s", (int)(n < 80 ? n : 80),
		    buf);
	if (rc < 0)
		archerr = 1;
	if (rc != 1)
		return;
	buf[n++] = '\n';
	trap_out_write(out, buf, n);
}

static void
parse_services(char *list)
{
	char	*s;
	int	 svc;

	services = 0;
	while ((s = strsep(&list, ",")) != NULL) {
		if (*s == '\0')
			continue;
		if ((svc = trap_service_lookup(s, strlen(s))) == -1)
			errx(1, "unknown service: %s", s);
		services |= 1U << svc;
	}
}

static char *
slurp(const char *path)
{
	struct trap_file	*f;
	const char		*line;
	char			*buf = NULL;
	size_t			 len, size = 0, cap = 0;

	if ((f = trap_file_open(path)) == NULL)
		err(1, "%s", path);
	while (trap_file_getline(f, &line, &len)) {
		if (size + len + 2 > cap) {
			cap = (size + len + 2) * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		memcpy(buf + size, line, len);
		size += len;
		buf[size++] = '\n';
	}
	if (trap_file_error(f))
		exit(1);
	trap_file_close(f);
	if (buf == NULL)
		buf = xstrdup("");
	buf[size] = '\0';
	return buf;
}

static void
followline(const char *line, size_t len, const char *file,
    unsigned long long lineno, void *arg)
{
	trap_extract_line(arg, line, len, file, lineno);
}

/*
 * -f: follow the files (or stdin) from their end, across rotation, as
 * tail -F does, writing the records as they come.
 */
static int
follow(struct trap_extract *x, int argc, char *argv[], time_t ref)
{
	struct trap_follow	*f;
	int			 i;

	trap_extract_reftime(x, ref != -1 ? ref : time(NULL));
	trap_extract_live(x, 1);
	f = trap_follow_new(followline, x, 0);
	for (i = 0; i < (argc > 0 ? argc : 1); i++)
		if (trap_follow_add(f, argc > 0 ? argv[i] : "-") == -1)
			return 1;
	while (trap_follow_check(f) != -1) {
		trap_out_flush(out);
		trap_follow_wait(f, TRAP_FOLLOW_INTERVAL);
	}
	trap_follow_free(f);
	return 0;
}

static int
extract(struct trap_extract *x, const char *path, time_t ref)
{
	struct trap_file	*f;
	int			 rc;

	if ((f = trap_file_open(path)) == NULL) {
		warn("%s", path);
		return 1;
	}
	if (ref == -1)
		ref = trap_file_mtime(f) != -1 ? trap_file_mtime(f) :
		    time(NULL);
	trap_extract_reftime(x, ref);
	if (archive != NULL)
		trap_archive_newfile(archive);
	trap_extract_file(x, f);
	trap_extract_end(x);		/* no join across files */
	rc = trap_file_error(f);
	trap_file_close(f);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct trap_extract	*x;
	time_t			 ref = -1;
	const char		*refarg = NULL, *dir = NULL, *zone = NULL;
	char			*text;
	int			 ch, i, fflag = 0, lflag = 0, rflag = 0;
	int			 rc = 0;

	/* flock, wpath, cpath: the archive of -A, dropped without it. */
	if (pledge("stdio rpath wpath cpath flock", NULL) == -1)
		err(1, "pledge");

	x = trap_extract_new(emit, NULL);
	while ((ch = getopt(argc, argv, "A:fLp:Rr:s:vz:")) != -1) {
		switch (ch) {
		case 'A':
			dir = optarg;
			break;
		case 'f':
			fflag = 1;
			break;
		case 'L':
			lflag = 1;
			trap_extract_logins(x, 1);
			break;
		case 'p':
			text = slurp(optarg);
			if (trap_extract_patterns(x, text, optarg) != 0)
				exit(1);
			free(text);
			break;
		case 'R':
			rflag = 1;
			trap_extract_rcpt(x, 1);
			break;
		case 'r':
			refarg = optarg;
			break;
		case 's':
			parse_services(optarg);
			break;
		case 'v':
			vflag = 1;
			break;
		case 'z':
			zone = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (lflag && rflag)
		trap_badusage(usage, "-L and -R are mutually exclusive");

	/* -r is read in the zone of -z, whatever the order of the two. */
	trap_tz_init(zone);
	if (refarg != NULL && trap_time_parse_iso(refarg, &ref) == -1)
		errx(1, "bad reference time: %s", refarg);
	if (trap_extract_builtin(x) != 0)
		errx(1, "bad built-in patterns");

	if (dir == NULL && pledge("stdio rpath", NULL) == -1)
		err(1, "pledge");
	if (dir != NULL && (archive = trap_archive_open(dir, 1)) == NULL)
		exit(1);
	out = trap_out_open(STDOUT_FILENO);
	if (fflag)
		rc = follow(x, argc, argv, ref);
	else if (argc == 0)
		rc |= extract(x, "-", ref);
	for (i = 0; !fflag && i < argc; i++)
		rc |= extract(x, argv[i], ref);
	trap_extract_flush(x);
	if (archive != NULL) {
		if (trap_archive_close(archive) == -1)
			archerr = 1;
		if (archerr)
			rc = 1;
	}
	trap_out_close(out);

	if (vflag) {
		trap_extract_stats(x, stderr, getprogname());
		for (i = 0; i < MAXDAEMONS && daemons[i].name[0] != '\0'; i++)
			fprintf(stderr, "%s: %s: %llu\n", getprogname(),
			    daemons[i].name, daemons[i].n);
	}
	trap_extract_free(x);
	return rc;
}
