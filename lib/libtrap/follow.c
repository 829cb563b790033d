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
 * Following log files across rotation, with stat(2) polls: portable, and
 * cheap at four checks a second.  Every path has a current reader and up
 * to MAXOLD readers of files it named before (renamed away, still being
 * written until the writer reopens), read until they have been quiet for
 * TRAP_FOLLOW_DRAIN seconds.  Holding the old descriptor also keeps its
 * inode from being reused, so a new file at the path is always seen as
 * new.
 */

#include "compat.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"

#ifndef EFTYPE
#define EFTYPE		EINVAL
#endif

#define READSZ		(64 * 1024)
#define MAXOLD		4	/* rotated files still read, per path */
#define STREAMREADS	16	/* reads of a stream per check */
#define FILEREADS	1024	/* reads of a file per check */

struct reader {
	int			 fd;
	dev_t			 dev;
	ino_t			 ino;
	off_t			 off;		/* bytes read */
	unsigned long long	 lineno;
	char			*buf;		/* the partial line */
	size_t			 len, cap;
	int			 skipping;	/* in a line too long */
	time_t			 last;		/* data last read */
};

struct ffile {
	char			*path;
	int			 stream;	/* standard input */
	int			 eof;		/* ... has ended */
	int			 warned;	/* about a missing path */
	int			 longwarned;
	struct reader		 cur;		/* fd -1: none open */
	struct reader		 old[MAXOLD];
	int			 nold;
};

struct trap_follow {
	trap_follow_fn		 fn;
	void			*arg;
	int			 flags;
	struct ffile		*files;
	size_t			 n;
	char			*rbuf;
	int			 nlines;	/* in this check */
};

static time_t
now(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return time(NULL);
	return ts.tv_sec;
}

static void
reader_init(struct reader *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

struct trap_follow *
trap_follow_new(trap_follow_fn fn, void *arg, int flags)
{
	struct trap_follow	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->rbuf = malloc(READSZ)) == NULL)
		err(trap_eval, NULL);
	f->fn = fn;
	f->arg = arg;
	f->flags = flags;
	return f;
}

static void
hand(struct trap_follow *f, struct ffile *ff, struct reader *r,
    const char *line, size_t len)
{
	r->lineno++;
	f->nlines++;
	f->fn(line, len, ff->stream ? "(stdin)" : ff->path, r->lineno,
	    f->arg);
}

/* Split what was read into lines, joining them across reads. */
static void
feed(struct trap_follow *f, struct ffile *ff, struct reader *r,
    const char *p, size_t n)
{
	const char	*nl, *end = p + n;
	size_t		 len;
	char		*nb;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		len = (nl != NULL ? nl : end) - p;
		if (r->skipping) {
			;
		} else if (r->len + len > TRAP_LINEMAX) {
			r->skipping = 1;
			r->len = 0;
			if (!ff->longwarned++)
				warnx("%s:%llu: line longer than %d bytes, "
				    "skipped", ff->stream ? "(stdin)" :
				    ff->path, r->lineno + 1, TRAP_LINEMAX);
		} else if (nl != NULL && r->len == 0) {
			hand(f, ff, r, p, len);
			p = nl + 1;
			continue;
		} else {
			if (r->len + len > r->cap) {
				r->cap = r->len + len < 256 ? 256 :
				    r->len + len;
				if ((nb = realloc(r->buf, r->cap)) == NULL)
					err(trap_eval, NULL);
				r->buf = nb;
			}
			if (len > 0)
				memcpy(r->buf + r->len, p, len);
			r->len += len;
		}
		if (nl == NULL)
			break;
		if (r->skipping)
			r->lineno++;
		else
			hand(f, ff, r, r->buf, r->len);
		r->skipping = 0;
		r->len = 0;
		p = nl + 1;
	}
}

/* A reader ends: what it holds of a last line without newline is one. */
static void
endline(struct trap_follow *f, struct ffile *ff, struct reader *r)
{
	if (r->len > 0 && !r->skipping)
		hand(f, ff, r, r->buf, r->len);
	r->len = 0;
	r->skipping = 0;
}

static void
reader_close(struct trap_follow *f, struct ffile *ff, struct reader *r)
{
	endline(f, ff, r);
	if (r->fd != -1 && !ff->stream)
		close(r->fd);
	free(r->buf);
	reader_init(r);
}

/* Read what there is; 0 at the end of a stream. */
static int
readall(struct trap_follow *f, struct ffile *ff, struct reader *r)
{
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 i;

	for (i = 0; i < (ff->stream ? STREAMREADS : FILEREADS); i++) {
		if (ff->stream) {
			pfd.fd = r->fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 0) <= 0)
				return 1;
		}
		if ((n = read(r->fd, f->rbuf, READSZ)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 1;
			warn("%s", ff->stream ? "(stdin)" : ff->path);
			return ff->stream ? 0 : 1;
		}
		if (n == 0)
			return !ff->stream;
		r->off += n;
		r->last = now();
		feed(f, ff, r, f->rbuf, n);
	}
	return 1;
}

/* Open the path into the current reader, at its end or its start. */
static int
reader_open(struct ffile *ff, int atend)
{
	struct reader	*r = &ff->cur;
	struct stat	 st;
	int		 fd, serrno;

	if ((fd = open(ff->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EFTYPE;
		goto fail;
	}
	reader_init(r);
	r->fd = fd;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	r->last = now();
	if (atend && (r->off = lseek(fd, 0, SEEK_END)) == -1)
		goto fail;
	return 0;
fail:
	serrno = errno;
	close(fd);
	r->fd = -1;
	errno = serrno;
	return -1;
}

/*
 * Follow a path, "-" for standard input.  Return -1 if it cannot be
 * opened now: it is followed anyway, and read from its start when it
 * appears.
 */
int
trap_follow_add(struct trap_follow *f, const char *path)
{
	struct ffile	*ff;
	int		 rc = 0;

	if ((ff = reallocarray(f->files, f->n + 1, sizeof(*ff))) == NULL)
		err(trap_eval, NULL);
	f->files = ff;
	ff = &f->files[f->n];
	memset(ff, 0, sizeof(*ff));
	reader_init(&ff->cur);
	if ((ff->path = strdup(path)) == NULL)
		err(trap_eval, NULL);
	if (strcmp(path, "-") == 0) {
		ff->stream = 1;
		ff->cur.fd = STDIN_FILENO;
	} else if (reader_open(ff, !(f->flags & TRAP_FOLLOW_START)) == -1) {
		ff->warned = 1;
		rc = -1;
	}
	f->n++;
	return rc;
}

/* The descriptor of standard input while it is followed, else -1. */
int
trap_follow_fd(const struct trap_follow *f)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		if (f->files[i].stream && !f->files[i].eof)
			return f->files[i].cur.fd;
	return -1;
}

static void
check_file(struct trap_follow *f, struct ffile *ff)
{
	struct reader	*r = &ff->cur;
	struct stat	 st;
	time_t		 t = now();
	int		 i;

	if (r->fd != -1) {
		if (fstat(r->fd, &st) == 0 && st.st_size < r->off) {
			/* Truncated (copytruncate): start again. */
			endline(f, ff, r);
			if (lseek(r->fd, 0, SEEK_SET) == 0) {
				r->off = 0;
				r->lineno = 0;
			}
		}
		readall(f, ff, r);
	}

	if (stat(ff->path, &st) == -1) {
		if (errno != ENOENT && !ff->warned++)
			warn("%s", ff->path);
	} else if (r->fd == -1 || st.st_dev != r->dev ||
	    st.st_ino != r->ino) {
		/* Renamed away (or never there): the new file from its start. */
		if (r->fd != -1) {
			if (ff->nold == MAXOLD) {
				reader_close(f, ff, &ff->old[0]);
				memmove(&ff->old[0], &ff->old[1],
				    (MAXOLD - 1) * sizeof(ff->old[0]));
				ff->nold--;
			}
			ff->old[ff->nold] = *r;
			ff->old[ff->nold++].last = t;
			reader_init(r);
		}
		if (reader_open(ff, 0) == -1) {
			if (!ff->warned++)
				warn("%s", ff->path);
		} else {
			ff->warned = 0;
			readall(f, ff, r);
		}
	}

	for (i = 0; i < ff->nold; i++) {
		readall(f, ff, &ff->old[i]);
		if (t - ff->old[i].last < TRAP_FOLLOW_DRAIN)
			continue;
		reader_close(f, ff, &ff->old[i]);
		memmove(&ff->old[i], &ff->old[i + 1],
		    (ff->nold - i - 1) * sizeof(ff->old[0]));
		ff->nold--;
		i--;
	}
}

/*
 * Read what is new in every file, handing over its lines.  Return the
 * number of lines, or -1 once there is nothing left to follow: standard
 * input has ended and there are no files.
 */
int
trap_follow_check(struct trap_follow *f)
{
	struct ffile	*ff;
	size_t		 i;
	int		 live = 0;

	f->nlines = 0;
	for (i = 0; i < f->n; i++) {
		ff = &f->files[i];
		if (!ff->stream) {
			check_file(f, ff);
			live = 1;
		} else if (!ff->eof) {
			if (readall(f, ff, &ff->cur) == 0) {
				endline(f, ff, &ff->cur);
				ff->eof = 1;
			} else
				live = 1;
		}
	}
	return live || f->nlines > 0 ? f->nlines : -1;
}

/*
 * Wait up to ms milliseconds, less if standard input becomes readable.
 * Return -1 if interrupted by a signal.
 */
int
trap_follow_wait(struct trap_follow *f, int ms)
{
	struct pollfd	 pfd;

	pfd.fd = trap_follow_fd(f);
	pfd.events = POLLIN;
	if (poll(&pfd, pfd.fd == -1 ? 0 : 1, ms) == -1)
		return -1;
	return 0;
}

/* Stop following; partial last lines are not handed over. */
void
trap_follow_free(struct trap_follow *f)
{
	struct ffile	*ff;
	size_t		 i;
	int		 j;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		ff = &f->files[i];
		for (j = 0; j < ff->nold; j++) {
			close(ff->old[j].fd);
			free(ff->old[j].buf);
		}
		if (ff->cur.fd != -1 && !ff->stream)
			close(ff->cur.fd);
		free(ff->cur.buf);
		free(ff->path);
	}
	free(f->files);
	free(f->rbuf);
	free(f);
}
