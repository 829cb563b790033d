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
 *
 * With -j N and several files, the files are read on up to N threads,
 * each with an extractor of its own (nothing joins across files, and the
 * year of a stamp is inferred per file), and written in the order of the
 * arguments by the main thread, the writer: the output is the same as
 * with -j 1.  A file's records and warnings wait in chunks, at most
 * JOBMAX bytes of them; a thread whose file has that much waiting stops
 * until the writer has taken them, which it does only for the file whose
 * turn it is.  At most 2N files are in hand at once, so memory stays
 * under 2N * (JOBMAX + 3 * CHUNKSZ) for the output, whatever the sizes
 * of the files.  With -A the archive is written by the writer alone, in
 * the order of the files, as with -j 1.
 */

#include "compat.h"

#include <sys/types.h>

#include <err.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"

#define MAXDAEMONS	64
#define CHUNKSZ		(512 * 1024)	/* > TRAP_RECMAX + 1 */
#define JOBMAX		(2 * 1024 * 1024)	/* a file's output waiting */

struct daemoncount {
	char			 name[64];
	unsigned long long	 n;
};

/* A piece of a file's output, for standard output or standard error. */
struct chunk {
	struct chunk		*next;
	int			 fd;
	size_t			 len;
	char			 buf[CHUNKSZ];
};

/* One file of -j, and its output until it is written. */
struct job {
	const char		*path;
	struct chunk		*head, *tail;	/* for the writer */
	size_t			 queued;	/* bytes in them */
	struct chunk		*out, *err;	/* being filled */
	struct daemoncount	*daemons;	/* -v: in order of appearance */
	size_t			 ndaemons;
	int			 done;
	int			 rc;
};

/* A thread of -j, with its extractor. */
struct worker {
	pthread_t		 tid;
	struct trap_extract	*x;
	struct job		*job;
	unsigned long long	 lines, attempts;
	char			 rec[TRAP_RECMAX + 1];
};

struct patfile {
	char			*text;
	const char		*name;
};

static struct trap_out		*out;
static struct trap_archive	*archive;
static int			 archerr;
static unsigned int		 services = ~0U;
static struct daemoncount	 daemons[MAXDAEMONS];
static int			 vflag;
static int			 lflag, rflag;	/* -L, -R */
static struct patfile		*pats;
static size_t			 npats;

static pthread_mutex_t		 mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 writecv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t		 workcv = PTHREAD_COND_INITIALIZER;
static pthread_key_t		 curkey;	/* the thread's worker */
static struct job		*jobs;
static int			 njobs, nextjob, headjob, window;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: %s [-fLRv] [-A dir] [-j jobs] [-p patterns] "
	    "[-r reftime] [-z tz] [-s service,...] [file ...]\n",
	    getprogname());
	exit(1);
}

static void
count(const char *name, size_t len, unsigned long long n)
{
	size_t	 i;

	if (len >= sizeof(daemons[0].name))
		len = sizeof(daemons[0].name) - 1;
	for (i = 0; i < MAXDAEMONS && daemons[i].name[0] != '\0'; i++)
		if (strncmp(daemons[i].name, name, len) == 0 &&
		    daemons[i].name[len] == '\0')
			break;
	if (i == MAXDAEMONS)
		i = MAXDAEMONS - 1;	/* the rest count with the last */
	else if (daemons[i].name[0] == '\0') {
		memcpy(daemons[i].name, name, len);
		daemons[i].name[len] = '\0';
	}
	daemons[i].n += n;
}

/*
 * -v with -j: a file's counts, by name in order of appearance and with
 * no limit, added to the program's by the writer in the order of the
 * files: the same table as one thread counting all.
 */
static void
jobcount(struct job *j, const struct trap_attempt *a)
{
	size_t	 i, len = a->daemon.len;

	if (len >= sizeof(daemons[0].name))
		len = sizeof(daemons[0].name) - 1;
	for (i = 0; i < j->ndaemons; i++)
		if (strncmp(j->daemons[i].name, a->daemon.p, len) == 0 &&
		    j->daemons[i].name[len] == '\0')
			break;
	if (i == j->ndaemons) {
		j->daemons = xreallocarray(j->daemons, i + 1,
		    sizeof(*j->daemons));
		memcpy(j->daemons[i].name, a->daemon.p, len);
		j->daemons[i].name[len] = '\0';
		j->daemons[i].n = 0;
		j->ndaemons++;
	}
	j->daemons[i].n++;
}

/*
 * With -A, only what the archive did not have yet is news: a record,
 * with its newline, is added, and written if it is new.
 */
static void
archive_add(char *rec, size_t n)
{
	int	 rc;

	if ((rc = trap_archive_add(archive, rec, n - 1)) == -2)
		warnx("not archived, not a trap record: %.*s",
		    (int)(n - 1 < 80 ? n - 1 : 80), rec);
	else if (rc == -3)
		warnx("not archived, no time: %.*s",
		    (int)(n - 1 < 80 ? n - 1 : 80), rec);
	if (rc < 0)
		archerr = 1;
	if (rc == 1)
		trap_out_write(out, rec, n);
}

static void
emit(const struct trap_attempt *a, void *arg)
{
	static char	 buf[TRAP_RECMAX + 1];
	size_t		 n;

	(void)arg;
	if ((services & (1U << a->service)) == 0)
		return;
	if (vflag)
		count(a->daemon.p, a->daemon.len, 1);
	if (archive == NULL) {
		trap_out_attempt(out, a);
		return;
	}
	n = trap_attempt_fmt(buf, a);
	buf[n++] = '\n';
	archive_add(buf, n);
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

/*
 * Open a log for x; a year-less time takes its year from ref (-r) or
 * else from the file's time, or now for a pipe.
 */
static struct trap_file *
logopen(struct trap_extract *x, const char *path, time_t ref)
{
	struct trap_file	*f;

	if ((f = trap_file_open(path)) == NULL) {
		trap_warn("%s", path);
		return NULL;
	}
	if (ref == -1)
		ref = trap_file_mtime(f) != -1 ? trap_file_mtime(f) :
		    time(NULL);
	trap_extract_reftime(x, ref);
	return f;
}

static int
extract(struct trap_extract *x, const char *path, time_t ref)
{
	struct trap_file	*f;
	int			 rc;

	if ((f = logopen(x, path, ref)) == NULL)
		return 1;
	if (archive != NULL)
		trap_archive_newfile(archive);
	trap_extract_file(x, f);
	trap_extract_end(x);		/* no join across files */
	rc = trap_file_error(f);
	trap_file_close(f);
	return rc;
}

/* An extractor with the options' settings: -R, -p and the built-ins. */
static struct trap_extract *
newextract(trap_emit_fn fn, void *arg)
{
	struct trap_extract	*x;
	size_t			 i;

	x = trap_extract_new(fn, arg);
	trap_extract_rcpt(x, rflag);
	trap_extract_logins(x, lflag);
	for (i = 0; i < npats; i++)
		if (trap_extract_patterns(x, pats[i].text, pats[i].name) != 0)
			exit(1);
	if (trap_extract_builtin(x) != 0)
		errx(1, "bad built-in patterns");
	return x;
}

/* A full chunk goes to the writer; wait while the file has too much. */
static void
queue(struct job *j, struct chunk *c)
{
	pthread_mutex_lock(&mtx);
	c->next = NULL;
	if (j->tail != NULL)
		j->tail->next = c;
	else
		j->head = c;
	j->tail = c;
	j->queued += c->len;
	pthread_cond_signal(&writecv);
	while (j->queued >= JOBMAX)
		pthread_cond_wait(&workcv, &mtx);
	pthread_mutex_unlock(&mtx);
}

static void
put(struct job *j, struct chunk **cp, int fd, const char *p, size_t n)
{
	struct chunk	*c = *cp;

	if (n > CHUNKSZ)
		n = CHUNKSZ;		/* no record is that long */
	if (c != NULL && c->len + n > CHUNKSZ) {
		queue(j, c);
		c = NULL;
	}
	if (c == NULL) {
		c = xmalloc(sizeof(*c));
		c->fd = fd;
		c->len = 0;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	*cp = c;
}

static void
emitjob(const struct trap_attempt *a, void *arg)
{
	struct worker	*w = arg;
	size_t		 n;

	w->attempts++;
	if ((services & (1U << a->service)) == 0)
		return;
	if (vflag)
		jobcount(w->job, a);
	n = trap_attempt_fmt(w->rec, a);
	w->rec[n++] = '\n';
	put(w->job, &w->job->out, STDOUT_FILENO, w->rec, n);
}

/* The library's warnings on a thread of -j go with its file's output. */
static void
divert(const char *msg, size_t len)
{
	struct worker	*w = pthread_getspecific(curkey);

	if (w == NULL || w->job == NULL) {
		fwrite(msg, 1, len, stderr);
		return;
	}
	put(w->job, &w->job->err, STDERR_FILENO, msg, len);
}

/* extract(), on a thread: the same steps, with the lines counted. */
static int
extractjob(struct worker *w, const char *path, time_t ref)
{
	struct trap_file	*f;
	const char		*buf;
	size_t			 len;
	unsigned long long	 n;
	int			 rc;

	if ((f = logopen(w->x, path, ref)) == NULL)
		return 1;
	while (trap_file_getblock(f, &buf, &len, &n)) {
		w->lines += n;
		trap_extract_block(w->x, buf, len, trap_file_name(f),
		    trap_file_lineno(f) - n + 1, n);
	}
	trap_extract_end(w->x);		/* no join across files */
	rc = trap_file_error(f);
	trap_file_close(f);
	return rc;
}

static time_t	 jobref;

static void *
work(void *arg)
{
	struct worker	*w = arg;
	struct job	*j;

	if (pthread_setspecific(curkey, w) != 0)
		errx(1, "pthread_setspecific");
	for (;;) {
		pthread_mutex_lock(&mtx);
		while (nextjob < njobs && nextjob >= headjob + window)
			pthread_cond_wait(&workcv, &mtx);
		if (nextjob >= njobs) {
			pthread_mutex_unlock(&mtx);
			return NULL;
		}
		j = &jobs[nextjob++];
		pthread_mutex_unlock(&mtx);

		w->job = j;
		j->rc = extractjob(w, j->path, jobref);
		if (j->err != NULL)
			queue(j, j->err);
		if (j->out != NULL)
			queue(j, j->out);
		w->job = NULL;
		pthread_mutex_lock(&mtx);
		j->done = 1;
		pthread_cond_signal(&writecv);
		pthread_mutex_unlock(&mtx);
	}
}

/* The writer: each file's output in turn, as it comes. */
static int
writejob(struct job *j)
{
	struct chunk	*c, *next;
	char		*p, *nl, *end;
	size_t		 i;
	int		 done;

	if (archive != NULL)
		trap_archive_newfile(archive);
	do {
		pthread_mutex_lock(&mtx);
		while (j->head == NULL && !j->done)
			pthread_cond_wait(&writecv, &mtx);
		c = j->head;
		j->head = j->tail = NULL;
		j->queued = 0;
		done = j->done;
		pthread_cond_broadcast(&workcv);
		pthread_mutex_unlock(&mtx);

		for (; c != NULL; c = next) {
			next = c->next;
			if (c->fd == STDERR_FILENO)
				fwrite(c->buf, 1, c->len, stderr);
			else if (archive == NULL)
				trap_out_write(out, c->buf, c->len);
			else {
				end = c->buf + c->len;
				for (p = c->buf; p < end; p = nl + 1) {
					nl = memchr(p, '\n', end - p);
					archive_add(p, nl + 1 - p);
				}
			}
			free(c);
		}
	} while (!done);
	for (i = 0; i < j->ndaemons; i++)
		count(j->daemons[i].name, strlen(j->daemons[i].name),
		    j->daemons[i].n);
	free(j->daemons);
	return j->rc;
}

/*
 * -j: the files on up to nthreads threads, their output in order.
 * The counts of -v are added up in *lines, *attempts and *warnings.
 */
static int
extractpar(int argc, char *argv[], time_t ref, int nthreads,
    unsigned long long *lines, unsigned long long *attempts,
    unsigned long long *warnings)
{
	pthread_attr_t	 attr;
	struct worker	*w;
	int		 i, rc = 0, e;

	jobs = xcalloc(argc, sizeof(*jobs));
	w = xcalloc(nthreads, sizeof(*w));
	for (i = 0; i < argc; i++)
		jobs[i].path = argv[i];
	njobs = argc;
	window = 2 * nthreads;
	jobref = ref;
	if ((e = pthread_key_create(&curkey, NULL)) != 0)
		errc(2, e, "pthread_key_create");
	trap_warn_divert(divert);
	if ((e = pthread_attr_init(&attr)) != 0 ||
	    (e = pthread_attr_setstacksize(&attr, 1024 * 1024)) != 0)
		errc(2, e, "pthread_attr");
	for (i = 0; i < nthreads; i++) {
		w[i].x = newextract(emitjob, &w[i]);
		if ((e = pthread_create(&w[i].tid, &attr, work, &w[i])) != 0)
			errc(1, e, "pthread_create");
	}
	for (i = 0; i < njobs; i++) {
		rc |= writejob(&jobs[i]);
		pthread_mutex_lock(&mtx);
		headjob = i + 1;
		pthread_cond_broadcast(&workcv);
		pthread_mutex_unlock(&mtx);
	}
	for (i = 0; i < nthreads; i++) {
		if ((e = pthread_join(w[i].tid, NULL)) != 0)
			errc(2, e, "pthread_join");
		*lines += w[i].lines;
		*attempts += w[i].attempts;
		*warnings += trap_extract_warnings(w[i].x);
		trap_extract_free(w[i].x);
	}
	trap_warn_divert(NULL);
	pthread_attr_destroy(&attr);
	free(w);
	free(jobs);
	return rc;
}

/* What main needs of the options; the others are globals. */
struct opts {
	const char	*refarg, *dir, *zone;
	int		 fflag, njob;
};

static void
options(int argc, char *argv[], struct opts *o)
{
	int		 ch;

	while ((ch = getopt(argc, argv, "A:fj:Lp:Rr:s:vz:")) != -1) {
		switch (ch) {
		case 'A':
			o->dir = optarg;
			break;
		case 'f':
			o->fflag = 1;
			break;
		case 'j':
			o->njob = trap_jobs_opt(optarg, usage);
			break;
		case 'L':
			lflag = 1;
			break;
		case 'p':
			pats = xreallocarray(pats, npats + 1, sizeof(*pats));
			pats[npats].text = slurp(optarg);
			pats[npats++].name = optarg;
			break;
		case 'R':
			rflag = 1;
			break;
		case 'r':
			o->refarg = optarg;
			break;
		case 's':
			parse_services(optarg);
			break;
		case 'v':
			vflag = 1;
			break;
		case 'z':
			o->zone = optarg;
			break;
		default:
			usage();
		}
	}
	if (lflag && rflag)
		trap_badusage(usage, "-L and -R are mutually exclusive");
}

int
main(int argc, char *argv[])
{
	struct trap_extract	*x = NULL;
	unsigned long long	 lines = 0, attempts = 0, warnings = 0;
	time_t			 ref = -1;
	struct opts		 o;
	int			 i, rc = 0, par = 0;

	/* flock, wpath, cpath: the archive of -A, dropped without it. */
	if (pledge("stdio rpath wpath cpath flock", NULL) == -1)
		err(1, "pledge");

	memset(&o, 0, sizeof(o));
	options(argc, argv, &o);
	argc -= optind;
	argv += optind;

	/* -r is read in the zone of -z, whatever the order of the two. */
	trap_tz_init(o.zone);
	if (o.refarg != NULL && trap_time_parse_iso(o.refarg, &ref) == -1)
		errx(1, "bad reference time: %s", o.refarg);
	/* The patterns are checked here, once, before any thread. */
	x = newextract(emit, NULL);
	if (o.njob == 0)
		o.njob = trap_jobs_default();
	if (!o.fflag && argc > 1 && o.njob > 1) {
		par = o.njob < argc ? o.njob : argc;
		trap_extract_free(x);
		x = NULL;
	} else if (!o.fflag && o.njob > 1)
		trap_extract_readahead(x, 1);	/* one file: read on a thread */

	if (o.dir == NULL && pledge("stdio rpath", NULL) == -1)
		err(1, "pledge");
	if (o.dir != NULL && (archive = trap_archive_open(o.dir, 1)) == NULL)
		exit(1);
	out = trap_out_open(STDOUT_FILENO);
	if (par)
		rc = extractpar(argc, argv, ref, par, &lines, &attempts,
		    &warnings);
	else if (o.fflag)
		rc = follow(x, argc, argv, ref);
	else if (argc == 0)
		rc |= extract(x, "-", ref);
	for (i = 0; !par && !o.fflag && i < argc; i++)
		rc |= extract(x, argv[i], ref);
	if (x != NULL)
		trap_extract_flush(x);
	if (archive != NULL) {
		if (trap_archive_close(archive) == -1)
			archerr = 1;
		if (archerr)
			rc = 1;
	}
	trap_out_close(out);

	if (vflag) {
		if (x != NULL)
			trap_extract_stats(x, stderr, getprogname());
		else
			fprintf(stderr, "%s: lines %llu, attempts %llu, "
			    "warnings %llu\n", getprogname(), lines, attempts,
			    warnings);
		for (i = 0; i < MAXDAEMONS && daemons[i].name[0] != '\0'; i++)
			fprintf(stderr, "%s: %s: %llu\n", getprogname(),
			    daemons[i].name, daemons[i].n);
	}
	trap_extract_free(x);
	for (i = 0; (size_t)i < npats; i++)
		free(pats[i].text);
	free(pats);
	return rc;
}
