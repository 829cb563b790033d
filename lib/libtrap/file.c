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
 * Reading lines from a file or stdin, plain or gzip (recognised by its
 * magic, so a rotated maillog.0.gz needs no flag), in large blocks, with
 * no allocation per line.  Lines longer than TRAP_LINEMAX are skipped.
 *
 * With ISA-L (found by configure), a gzip file streams through its
 * igzip, about three times as fast as zlib.  If igzip stops on an error,
 * the member is inflated again by zlib from its start (a seek: so only
 * for a regular file), its text up to where igzip stopped dropped: the
 * text and the errors are zlib's.
 *
 * Without ISA-L but with libdeflate, a gzip file of at most DEFL_CMAX
 * bytes is read whole and each of its members inflated whole, when its
 * text is at most DEFL_OMAX bytes: about twice as fast as zlib.  Any
 * other gzip input (a pipe, a larger file or member, damaged data, a
 * file that grows while read) streams through zlib, from the member at
 * which libdeflate stopped, so memory stays bounded whatever the input
 * and the errors are zlib's.
 *
 * trap_file_ahead reads the blocks on a second thread, NRING - 2 ahead
 * of the caller at most, each in one of NRING buffers: see ahead_read().
 */

#include "compat.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#if HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#if HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "trap.h"
#include "scan.h"

#define BUFSZ	(1024 * 1024)	/* decoded data, at most */
#define ZBUFSZ	(256 * 1024)	/* compressed data, at most */
#define MINBUF	4096		/* either, at least */
#define DEFL_CMAX (64 * 1024 * 1024)	/* a gzip file read whole */
#define DEFL_OMAX (256 * 1024 * 1024)	/* a member inflated whole */
#define NRING	8		/* buffers of trap_file_ahead */

/* trap_file_ahead's second thread, and the blocks it has read. */
struct ahead {
	pthread_t		 tid;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 readcv, takecv;
	trap_file_prep_fn	 prep;
	void			(*release)(void *);
	void			*arg;
	char			*ring[NRING];
	int			 ringi;		/* f->buf is ring[ringi] */
	int			 given;		/* it gave a block */
	struct aslot {
		const char		*block;
		size_t			 len;
		unsigned long long	 n, lineno;
		int			 end;
		int			 prepared;
		void			*data;
		struct trap_held	 warns;
	}			 slot[NRING];
	unsigned long long	 made, taken;	/* blocks read, given out */
	int			 stop;		/* closed before the end */
	int			 ended;		/* the caller saw the end */
	unsigned long long	 lineno;	/* the caller's */
	void			*data;		/* prep of the caller's block */
};

struct trap_file {
	char			*name;
	int			 fd;
	int			 gz;
	z_stream		 zs;
	unsigned char		*zbuf;
	size_t			 zbufsz;	/* up to ZBUFSZ */
	char			*buf;
	size_t			 bufsz;		/* up to BUFSZ, see refill() */
	size_t			 start, end;
	unsigned long long	 lineno;
	time_t			 mtime;
	int			 eof;
	int			 err;
	int			 skipping;	/* inside an overlong line */
	unsigned long long	 toolong;
	struct ahead		*ah;		/* trap_file_ahead, or NULL */
	unsigned long long	 skip;		/* zlib: text to drop, see
						   isal_fail() */
#if HAVE_ISAL
	struct inflate_state	*is;		/* NULL: not igzip */
	off_t			 zpos;		/* bytes read of the file */
	off_t			 mstart;	/* where the member began */
	unsigned long long	 mout;		/* its text given */
#endif
#if HAVE_LIBDEFLATE
	struct libdeflate_decompressor *dz;	/* NULL: zlib */
	unsigned char		*cbuf;		/* the compressed file */
	size_t			 ccap, clen, coff; /* coff: the next member */
	unsigned char		*dbuf;		/* the member inflated */
	size_t			 dcap, dlen, dpos;
#endif
};

static int	 fill_plain(struct trap_file *);
static int	 fill_gz(struct trap_file *);
#if HAVE_ISAL
static void	 isal_open(struct trap_file *);
static int	 fill_isal(struct trap_file *);
#endif
#if HAVE_LIBDEFLATE
static void	 defl_open(struct trap_file *, size_t);
static int	 fill_defl(struct trap_file *);
#endif

/* Read up to len bytes; -1 (said, and the file's error) on an error. */
static ssize_t
readsome(struct trap_file *f, void *buf, size_t len)
{
	ssize_t	 n;

	while ((n = read(f->fd, buf, len)) == -1 && errno == EINTR)
		continue;
	if (n == -1) {
		trap_warn("%s", f->name);
		f->err = 1;
	}
	return n;
}

/*
 * The compressor whose magic begins p[0..len), other than gzip; NULL if
 * none.  newsyslog(8) on FreeBSD writes bzip2 (its J flag), xz and zstd,
 * logrotate(8) whatever compresscmd says: such a file is refused with a
 * word on what it is, not read as text that holds no line.  bzip2's
 * "BZh1" is text: the block's or the stream end's magic must follow.
 */
#define MAGICLEN	10
static const char *
compressed(const unsigned char *p, size_t len)
{
	if (len >= 2 && p[0] == 0x1f && p[1] == 0x9d)
		return "compress";
	if (len >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' &&
	    p[3] <= '9' && (memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
	    memcmp(p + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0))
		return "bzip2";
	if (len >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return "xz";
	if (len >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		return "zstd";
	if (len >= 4 && memcmp(p, "\x04\x22\x4d\x18", 4) == 0)
		return "lz4";
	if (len >= 5 && memcmp(p, "LZIP\x01", 5) == 0)
		return "lzip";
	return NULL;
}

/* One warning per file; the count is kept. */
static void
toolong(struct trap_file *f, unsigned long long lineno)
{
	if (f->toolong++ == 0)
		trap_warnx("%s:%llu: line longer than %d bytes, skipped",
		    f->name, lineno, TRAP_LINEMAX);
}

/*
 * f's first bytes, in its buffer, are gzip's magic: the compressed data
 * is read into a buffer of zsz bytes of its own and inflated, by igzip
 * or libdeflate where configure found them and the file (of size bytes,
 * -1 if not a regular file) suits them, else by zlib.
 */
static void
gz_open(struct trap_file *f, size_t zsz, off_t size)
{
	f->zbufsz = zsz;
	if ((f->zbuf = malloc(f->zbufsz)) == NULL)
		err(trap_eval, NULL);
	memcpy(f->zbuf, f->buf, f->end);
	f->zs.next_in = f->zbuf;
	f->zs.avail_in = f->end;
	f->end = 0;
	if (inflateInit2(&f->zs, 15 + 16) != Z_OK)
		errx(trap_eval, "%s: inflateInit2 failed", f->name);
	f->gz = 1;
#if HAVE_ISAL
	if (size >= 0) {
		isal_open(f);
		return;
	}
#endif
#if HAVE_LIBDEFLATE
	if (size >= 0 && size <= DEFL_CMAX)
		defl_open(f, size);
#endif
	(void)size;
}

struct trap_file *
trap_file_open(const char *path)
{
	struct trap_file	*f;
	struct stat		 st;
	const char		*what;
	ssize_t			 n;
	size_t			 zsz;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		err(trap_eval, NULL);
	if (strcmp(path, "-") == 0) {
		f->fd = STDIN_FILENO;
		path = "(stdin)";
	} else if ((f->fd = open(path, O_RDONLY)) == -1) {
		free(f);
		return NULL;
	}
	f->mtime = -1;
	if (fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode))
		f->mtime = st.st_mtime;
	else
		st.st_size = -1;	/* not a regular file */
	/*
	 * A regular file smaller than BUFSZ gets a buffer of its size and
	 * one byte, so that it is read whole and its end seen without a
	 * move: the lines and blocks are those of a full buffer.  The
	 * buffer grows if need be (see refill()): the file grew, or is gzip.
	 */
	f->bufsz = BUFSZ;
	if (st.st_size >= 0 && st.st_size < BUFSZ)
		f->bufsz = st.st_size + 1 < MINBUF ? MINBUF : st.st_size + 1;
	if ((f->name = strdup(path)) == NULL ||
	    (f->buf = malloc(f->bufsz)) == NULL)
		err(trap_eval, NULL);

	/*
	 * Read until we have the bytes to look for a compressor's magic; no
	 * more than the compressed data buffer holds.
	 */
	zsz = f->bufsz < ZBUFSZ ? f->bufsz : ZBUFSZ;
	while (f->end < MAGICLEN) {
		if ((n = readsome(f, f->buf + f->end, zsz - f->end)) <= 0) {
			f->eof = n == -1;	/* a file may grow */
			break;
		}
		f->end += n;
	}
	if ((what = compressed((unsigned char *)f->buf, f->end)) != NULL) {
		trap_warnx("%s: %s data: only gzip is read; decompress it "
		    "first", f->name, what);
		f->err = f->eof = 1;
		f->end = 0;
		return f;
	}
	if (f->end < 2)
		return f;
	if ((unsigned char)f->buf[0] == 0x1f &&
	    (unsigned char)f->buf[1] == 0x8b)
		gz_open(f, zsz, st.st_size);
	return f;
}

#if HAVE_LIBDEFLATE
/*
 * The buffers of libdeflate are kept for the next file (trapextract -j
 * reads many, on a few threads): a new buffer costs a page fault every
 * 4 KiB as it is first written, and for members of 100 MiB that is as
 * much system time as libdeflate saves in user time.  At most NSPARE are
 * kept, the largest, shared by the threads.
 */
#define NSPARE	4

static pthread_mutex_t	 sparemtx = PTHREAD_MUTEX_INITIALIZER;
static struct spare {
	unsigned char	*p;
	size_t		 cap;
}			 spares[NSPARE];

/*
 * A buffer of at least want bytes, its size in *cap; NULL if none.  A
 * new one is made larger, by an eighth and to 8 MiB (up to DEFL_OMAX),
 * so that the next file, a little larger, can have it: pages never
 * written cost nothing.
 */
static unsigned char *
bufget(size_t want, size_t *cap)
{
	unsigned char	*p = NULL;
	int		 i, best = -1;

	pthread_mutex_lock(&sparemtx);
	for (i = 0; i < NSPARE; i++)
		if (spares[i].p != NULL && spares[i].cap >= want &&
		    (best == -1 || spares[i].cap < spares[best].cap))
			best = i;
	if (best != -1) {
		p = spares[best].p;
		*cap = spares[best].cap;
		spares[best].p = NULL;
	}
	pthread_mutex_unlock(&sparemtx);
	if (p != NULL)
		return p;
	if (want < DEFL_OMAX) {
		want = ((want + want / 8) | (8 * 1024 * 1024 - 1)) + 1;
		if (want > DEFL_OMAX)
			want = DEFL_OMAX;
	}
	if ((p = malloc(want)) != NULL)
		*cap = want;
	return p;
}

/* Keep a buffer for the next file, in place of a smaller one or none. */
static void
bufput(unsigned char *p, size_t cap)
{
	int	 i, small = 0;

	if (p == NULL)
		return;
	pthread_mutex_lock(&sparemtx);
	for (i = 1; i < NSPARE; i++)
		if (spares[i].p == NULL || (spares[small].p != NULL &&
		    spares[i].cap < spares[small].cap))
			small = i;
	if (spares[small].p == NULL || spares[small].cap < cap) {
		free(spares[small].p);
		spares[small].p = p;
		spares[small].cap = cap;
		p = NULL;
	}
	pthread_mutex_unlock(&sparemtx);
	free(p);
}

/*
 * Read the rest of a gzip file of size bytes into memory, for libdeflate.
 * If it is not all there or grows, zlib reads it, from what was read.
 */
static void
defl_open(struct trap_file *f, size_t size)
{
	size_t		 got = f->zs.avail_in, isize;
	ssize_t		 n;
	unsigned char	*p;

	if (size < got || (f->cbuf = bufget(size + 1, &f->ccap)) == NULL)
		return;
	memcpy(f->cbuf, f->zs.next_in, got);
	f->zs.next_in = f->cbuf;	/* zlib's, if it comes to that */
	while (got < size + 1) {
		if ((n = readsome(f, f->cbuf + got, size + 1 - got)) == -1)
			f->eof = 1;
		if (n <= 0)
			break;
		got += n;
	}
	f->zs.avail_in = got;
	if (f->err || got != size || size < 18 ||
	    (f->dz = libdeflate_alloc_decompressor()) == NULL)
		return;
	f->clen = size;
	/* The text of the last member, mod 2^32: the first guess. */
	p = f->cbuf + size - 4;
	isize = p[0] | p[1] << 8 | p[2] << 16 | (size_t)p[3] << 24;
	f->dcap = isize > 0 && isize <= DEFL_OMAX ? isize : BUFSZ;
}

/*
 * Inflate the next member whole: 1 done, 0 the end of the data (or
 * trailing garbage, ignored as zlib's reader does), -1 not with
 * libdeflate (too large, damaged, cut short).
 */
static int
defl_member(struct trap_file *f)
{
	enum libdeflate_result	 r;
	size_t			 ain, aout;

	if (f->coff == f->clen || f->cbuf[f->coff] != 0x1f)
		return 0;
	for (;;) {
		if (f->dbuf == NULL &&
		    (f->dbuf = bufget(f->dcap, &f->dcap)) == NULL)
			err(2, NULL);
		r = libdeflate_gzip_decompress_ex(f->dz, f->cbuf + f->coff,
		    f->clen - f->coff, f->dbuf, f->dcap, &ain, &aout);
		if (r == LIBDEFLATE_SUCCESS)
			break;
		if (r != LIBDEFLATE_INSUFFICIENT_SPACE || f->dcap >= DEFL_OMAX)
			return -1;
		bufput(f->dbuf, f->dcap);	/* inflated again, in more */
		f->dcap = f->dcap > DEFL_OMAX / 2 ? DEFL_OMAX : f->dcap * 2;
		if ((f->dbuf = bufget(f->dcap, &f->dcap)) == NULL)
			err(2, NULL);
	}
	f->coff += ain;
	f->dlen = aout;
	f->dpos = 0;
	return 1;
}

/* fill_gz with libdeflate: the next piece of the inflated member. */
static int
fill_defl(struct trap_file *f)
{
	size_t	 n;
	int	 rc;

	while (f->dpos == f->dlen) {
		if ((rc = defl_member(f)) == 0)
			return 0;
		if (rc == -1) {
			/* zlib from this member on, and its errors. */
			libdeflate_free_decompressor(f->dz);
			f->dz = NULL;
			bufput(f->dbuf, f->dcap);
			f->dbuf = NULL;
			f->zs.next_in = f->cbuf + f->coff;
			f->zs.avail_in = f->clen - f->coff;
			f->gz = 2;
			return fill_gz(f);
		}
	}
	n = f->dlen - f->dpos;
	if (n > f->bufsz - f->end)
		n = f->bufsz - f->end;
	memcpy(f->buf + f->end, f->dbuf + f->dpos, n);
	f->dpos += n;
	f->end += n;
	return 1;
}
#endif

#if HAVE_ISAL
/*
 * igzip for a gzip file, from what trap_file_open read of it; zlib if
 * the file cannot seek (see isal_fail()).
 */
static void
isal_open(struct trap_file *f)
{
	off_t	 pos;

	if ((pos = lseek(f->fd, 0, SEEK_CUR)) == -1)
		return;
	if ((f->is = malloc(sizeof(*f->is))) == NULL)
		err(trap_eval, NULL);
	isal_inflate_init(f->is);
	f->is->crc_flag = ISAL_GZIP;
	f->is->next_in = f->zs.next_in;
	f->is->avail_in = f->zs.avail_in;
	f->zpos = pos;
	f->mstart = pos - f->zs.avail_in;
	f->mout = 0;
}

/*
 * igzip stopped inside a member (damaged, cut short): zlib inflates it
 * again from its start, the text igzip gave of it dropped, and goes on,
 * or says why it stops, as it would have alone.
 */
static int
isal_fail(struct trap_file *f)
{
	free(f->is);
	f->is = NULL;
	if (lseek(f->fd, f->mstart, SEEK_SET) == -1) {
		trap_warn("%s", f->name);
		f->err = 1;
		return -1;
	}
	if (inflateReset(&f->zs) != Z_OK)
		errx(trap_eval, "%s: inflateReset failed", f->name);
	f->zs.avail_in = 0;
	f->gz = 1;
	f->skip = f->mout;
	return fill_gz(f);
}

/* More of the file for igzip: as read(2), the error said. */
static ssize_t
isal_read(struct trap_file *f)
{
	ssize_t	 n;

	if ((n = readsome(f, f->zbuf, f->zbufsz)) <= 0)
		return n;
	f->zpos += n;
	f->is->next_in = f->zbuf;
	f->is->avail_in = n;
	return n;
}

/*
 * After a member: 1 if another begins (it must start with the magic;
 * anything else is trailing garbage, ignored as zlib's reader does), 0
 * at the end, -1 on a read error.
 */
static int
isal_member(struct trap_file *f)
{
	struct inflate_state	*s = f->is;
	uint8_t			*in;
	uint32_t		 avail;
	ssize_t			 n;

	if (s->avail_in == 0 && (n = isal_read(f)) <= 0)
		return n;
	if (s->next_in[0] != 0x1f)
		return 0;
	f->mstart = f->zpos - s->avail_in;
	f->mout = 0;
	in = s->next_in;
	avail = s->avail_in;
	isal_inflate_reset(s);
	s->crc_flag = ISAL_GZIP;
	s->next_in = in;
	s->avail_in = avail;
	return 1;
}

/* fill_gz with igzip. */
static int
fill_isal(struct trap_file *f)
{
	struct inflate_state	*s = f->is;
	size_t			 before;
	uint32_t		 inbefore;
	ssize_t			 n;
	int			 rc;

	for (;;) {
		if (s->block_state == ISAL_BLOCK_FINISH &&
		    (rc = isal_member(f)) <= 0)
			return rc;
		before = f->end;
		inbefore = s->avail_in;
		s->next_out = (uint8_t *)f->buf + f->end;
		s->avail_out = f->bufsz - f->end;
		rc = isal_inflate(s);
		if (rc < 0) {
			/* What this call gave, zlib gives again. */
			return isal_fail(f);
		}
		f->end = f->bufsz - s->avail_out;
		f->mout += f->end - before;
		if (f->end > before)
			return 1;
		if (s->block_state == ISAL_BLOCK_FINISH)
			continue;
		if (s->avail_in > 0 && s->avail_in == inbefore)
			return isal_fail(f);	/* no way on */
		if (s->avail_in == 0 && (n = isal_read(f)) <= 0)
			return n == 0 ? isal_fail(f) : -1;	/* cut short */
	}
}
#endif

static int
fill_plain(struct trap_file *f)
{
	ssize_t	 n;

	if ((n = readsome(f, f->buf + f->end, f->bufsz - f->end)) <= 0)
		return n;
	f->end += n;
	return 1;
}

static int
fill_gz(struct trap_file *f)
{
	size_t	 before, room;
	ssize_t	 n;
	int	 rc;

#if HAVE_ISAL
	if (f->is != NULL)
		return fill_isal(f);
#endif
#if HAVE_LIBDEFLATE
	if (f->dz != NULL)
		return fill_defl(f);
#endif
	for (;;) {
		if (f->zs.avail_in == 0) {
			n = read(f->fd, f->zbuf, f->zbufsz);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				trap_warn("%s", f->name);
				f->err = 1;
				return -1;
			}
			if (n == 0) {
				if (f->gz == 2)		/* between members */
					return 0;
				trap_warnx("%s: unexpected end of gzip data",
				    f->name);
				f->err = 1;
				return -1;
			}
			f->zs.next_in = f->zbuf;
			f->zs.avail_in = n;
		}
		if (f->gz == 2) {
			/* Another member must start with the magic. */
			if (f->zs.next_in[0] != 0x1f)
				return 0;	/* trailing garbage: ignore */
			if (inflateReset(&f->zs) != Z_OK)
				errx(trap_eval, "%s: inflateReset failed", f->name);
			f->gz = 1;
		}
		before = f->end;
		room = f->bufsz - f->end;
		if (f->skip > 0 && room > f->skip)
			room = f->skip;
		f->zs.next_out = (unsigned char *)f->buf + f->end;
		f->zs.avail_out = room;
		rc = inflate(&f->zs, Z_NO_FLUSH);
		f->end += room - f->zs.avail_out;
		if (f->skip > 0) {
			/* Given by igzip already. */
			f->skip -= f->end - before;
			f->end = before;
		}
		if (rc == Z_STREAM_END)
			f->gz = 2;
		else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			trap_warnx("%s: corrupt gzip data: %s", f->name,
			    f->zs.msg ? f->zs.msg : "inflate failed");
			f->err = 1;
			return -1;
		}
		if (f->end > before)
			return 1;
	}
}

/*
 * With trap_file_ahead, the rest of the buffer goes to the front of the
 * next one of the ring, once the buffer has given a block: the blocks
 * it gave stay as they are until the ring comes round to it again.
 */
static void
ring_next(struct trap_file *f)
{
	struct ahead	*a = f->ah;
	char		*next;

	a->ringi = (a->ringi + 1) % NRING;
	if (a->ring[a->ringi] == NULL &&
	    (a->ring[a->ringi] = malloc(BUFSZ)) == NULL)
		err(trap_eval, NULL);
	next = a->ring[a->ringi];
	memcpy(next, f->buf + f->start, f->end - f->start);
	f->buf = next;
	f->end -= f->start;
	f->start = 0;
	a->given = 0;
}

/*
 * Make room and read more: what is left moves to the front, and a line
 * that fills the buffer without its newline is too long: skipped.  A
 * buffer smaller than BUFSZ that the last read filled doubles (up to
 * BUFSZ) first: there is more to come, and a line it holds may not be
 * too long yet.  So no read has no room, and none is too long but a
 * line over TRAP_LINEMAX bytes, whatever the size of the buffer.
 */
static void
refill(struct trap_file *f)
{
	char	*p;

	if (f->end == f->bufsz && f->bufsz < BUFSZ) {
		f->bufsz = f->bufsz > BUFSZ / 2 ? BUFSZ : f->bufsz * 2;
		if ((p = malloc(f->bufsz)) == NULL)
			err(trap_eval, NULL);
		memcpy(p, f->buf + f->start, f->end - f->start);
		free(f->buf);
		f->buf = p;
		f->end -= f->start;
		f->start = 0;
	}
	if (f->ah != NULL && f->ah->given)
		ring_next(f);
	else if (f->start > 0) {
		memmove(f->buf, f->buf + f->start, f->end - f->start);
		f->end -= f->start;
		f->start = 0;
	}
	if (f->end > TRAP_LINEMAX) {
		if (!f->skipping)
			toolong(f, f->lineno + 1);
		f->skipping = 1;
		f->end = 0;
	}
	if ((f->gz ? fill_gz(f) : fill_plain(f)) <= 0)
		f->eof = 1;
}

/*
 * Return the next line, without its newline (and a trailing CR), in
 * *line and *len: 1 for a line, 0 at the end of the input (or after an
 * error, see trap_file_error).
 */
int
trap_file_getline(struct trap_file *f, const char **line, size_t *len)
{
	char	*p, *nl;

	for (;;) {
		p = f->buf + f->start;
		nl = memchr(p, '\n', f->end - f->start);
		/*
		 * The last line may lack its newline, unless the input broke
		 * off: a cut line could show a wrong address ("192.0.2.1"
		 * of "192.0.2.17").
		 */
		if (nl != NULL || (f->eof && !f->err && f->start < f->end)) {
			if (nl == NULL)
				nl = f->buf + f->end;
			f->start = nl - f->buf + (nl < f->buf + f->end);
			f->lineno++;
			if (f->skipping) {
				f->skipping = 0;
				continue;
			}
			if ((size_t)(nl - p) > TRAP_LINEMAX) {
				toolong(f, f->lineno);
				continue;
			}
			if (nl > p && nl[-1] == '\r')
				nl--;
			*line = p;
			*len = nl - p;
			return 1;
		}
		if (f->eof)
			return 0;
		refill(f);
	}
}

#define CHUNK	4096	/* a line inside one is not too long */

/*
 * Of the whole lines in p[0..len) (ending with a newline), the first n
 * that are not too long; return n, their length in *blen.  A line that
 * is too long has its newline in a later chunk than its start.
 */
static unsigned long long
wholelines(const char *p, size_t len, size_t *blen)
{
	unsigned long long	 n = 0;
	size_t			 c, k, clen, ls = 0;
	const char		*nl;

	for (c = 0; c < len; c += CHUNK) {
		clen = len - c < CHUNK ? len - c : CHUNK;
		if ((k = countnl(p + c, clen)) == 0)
			continue;
		nl = memchr(p + c, '\n', clen);
		if ((size_t)(nl - p) - ls > TRAP_LINEMAX)
			break;
		n += k;
		ls = (const char *)memrchr(p + c, '\n', clen) - p + 1;
	}
	*blen = ls;
	return n;
}

/* trap_file_getblock, on the thread that reads. */
static int
getblock(struct trap_file *f, const char **block, size_t *len,
    unsigned long long *nlines)
{
	char			*p, *nl;
	size_t			 avail, blen;
	unsigned long long	 n;

	for (;;) {
		p = f->buf + f->start;
		avail = f->end - f->start;
		nl = avail > 0 ? memrchr(p, '\n', avail) : NULL;
		if (f->skipping && nl != NULL) {
			/* The end of a line longer than the buffer. */
			nl = memchr(p, '\n', avail);
			f->start = nl - f->buf + 1;
			f->lineno++;
			f->skipping = 0;
			continue;
		}
		if (nl != NULL) {
			n = wholelines(p, nl + 1 - p, &blen);
			if (n > 0) {
				f->start += blen;
				f->lineno += n;
				*block = p;
				*len = blen;
				*nlines = n;
				if (f->ah != NULL)
					f->ah->given = 1;
				return 1;
			}
			/* The first line is too long. */
			nl = memchr(p, '\n', avail);
			f->start = nl - f->buf + 1;
			toolong(f, ++f->lineno);
			continue;
		}
		if (f->eof && !f->err && avail > 0) {
			/* The last line, without its newline. */
			f->start = f->end;
			if (f->skipping) {
				f->skipping = 0;
				f->lineno++;
				continue;
			}
			if (avail > TRAP_LINEMAX) {
				toolong(f, ++f->lineno);
				continue;
			}
			f->lineno++;
			*block = p;
			*len = avail;
			*nlines = 1;
			if (f->ah != NULL)
				f->ah->given = 1;
			return 1;
		}
		if (f->eof)
			return 0;
		refill(f);
	}
}

/*
 * The second thread of trap_file_ahead: it reads each block into a slot
 * and prepares it, its warnings held with it.  Each buffer of the ring
 * gives at least one block before the thread moves to the next one
 * (ring_next), so a block is written over only when the thread comes
 * round to its buffer again: while it reads the block NRING or more
 * after it.  So the thread reads block made only when the caller is
 * done with block made - NRING, that is, has taken block made - NRING +
 * 1 (made - taken <= NRING - 2); the slot is free by then too.
 */
static void *
ahead_read(void *arg)
{
	struct trap_file	*f = arg;
	struct ahead		*a = f->ah;
	struct aslot		*s;
	int			 more, stop, busy;

	do {
		pthread_mutex_lock(&a->mtx);
		while (a->made - a->taken > NRING - 2 && !a->stop)
			pthread_cond_wait(&a->readcv, &a->mtx);
		stop = a->stop;
		pthread_mutex_unlock(&a->mtx);
		if (stop)
			break;
		s = &a->slot[a->made % NRING];
		trap_warn_hold(&s->warns);
		more = getblock(f, &s->block, &s->len, &s->n);
		s->lineno = f->lineno;
		s->end = !more;
		/*
		 * The first block here (the preparation may set up what
		 * the others read), the others only while the caller has
		 * blocks to work on: one it waits for, it prepares itself.
		 * So the work is shared out as each thread's load is (with
		 * gzip, inflating is the larger share: the caller prepares
		 * nearly all).
		 */
		pthread_mutex_lock(&a->mtx);
		busy = a->made == 0 || a->made > a->taken;
		pthread_mutex_unlock(&a->mtx);
		s->prepared = more && busy && a->prep != NULL;
		if (s->prepared)
			a->prep(a->arg, s->block, s->len, &s->data);
		trap_warn_hold(NULL);
		pthread_mutex_lock(&a->mtx);
		a->made++;
		pthread_cond_signal(&a->takecv);
		pthread_mutex_unlock(&a->mtx);
	} while (more);
	return NULL;
}

/* trap_file_getblock after trap_file_ahead: the next slot's block. */
static int
ahead_take(struct trap_file *f, const char **block, size_t *len,
    unsigned long long *nlines)
{
	struct ahead	*a = f->ah;
	struct aslot	*s;
	int		 e;

	if (a->ended)
		return 0;
	pthread_mutex_lock(&a->mtx);
	while (a->made == a->taken)
		pthread_cond_wait(&a->takecv, &a->mtx);
	pthread_mutex_unlock(&a->mtx);
	s = &a->slot[a->taken % NRING];
	trap_warn_release(&s->warns);
	a->lineno = s->lineno;
	if (s->end) {
		a->ended = 1;
		if ((e = pthread_join(a->tid, NULL)) != 0)
			errc(2, e, "pthread_join");
		return 0;
	}
	if (!s->prepared && a->prep != NULL)
		a->prep(a->arg, s->block, s->len, &s->data);
	a->data = s->data;
	*block = s->block;
	*len = s->len;
	*nlines = s->n;
	pthread_mutex_lock(&a->mtx);
	a->taken++;
	pthread_cond_signal(&a->readcv);
	pthread_mutex_unlock(&a->mtx);
	return 1;
}

/*
 * Return the next block of whole lines in *block and *len (each line
 * with its newline; the last of the input may lack it), the number of
 * lines in *nlines: 1 for a block, 0 at the end of the input (or after
 * an error).  Lines too long are left out, as by trap_file_getline, and
 * trap_file_lineno is then the number of the block's last line.  The
 * block stays as it is until the next call.
 */
int
trap_file_getblock(struct trap_file *f, const char **block, size_t *len,
    unsigned long long *nlines)
{
	if (f->ah != NULL)
		return ahead_take(f, block, len, nlines);
	return getblock(f, block, len, nlines);
}

/*
 * Read f's blocks on a second thread from now on, ahead of the caller,
 * and call prep(arg, block, len, &data) for each before it is given
 * out, on that thread for the first block and whenever the caller is
 * busy, else on the caller's (see ahead_read()); data, NULL at first,
 * is kept from one call to the next (release frees it at the end).
 * trap_file_prepared gives the data of the block trap_file_getblock
 * gave last.  The blocks, their line numbers and the file's warnings
 * are those of trap_file_getblock without this, the warnings said as
 * the blocks after them are given out.  Only trap_file_getblock may
 * read f after this.
 */
void
trap_file_ahead(struct trap_file *f, trap_file_prep_fn prep,
    void (*release)(void *), void *arg)
{
	struct ahead	*a;
	int		 e;

	/* A small plain file is one block: nothing to read ahead. */
	if (f->ah != NULL || (f->bufsz < BUFSZ && !f->gz))
		return;
	a = xcalloc(1, sizeof(*a));
	a->prep = prep;
	a->release = release;
	a->arg = arg;
	a->ring[0] = xmalloc(BUFSZ);
	memcpy(a->ring[0], f->buf + f->start, f->end - f->start);
	free(f->buf);
	f->buf = a->ring[0];
	f->end -= f->start;
	f->start = 0;
	f->bufsz = BUFSZ;
	if ((e = pthread_mutex_init(&a->mtx, NULL)) != 0 ||
	    (e = pthread_cond_init(&a->readcv, NULL)) != 0 ||
	    (e = pthread_cond_init(&a->takecv, NULL)) != 0)
		errc(2, e, "pthread");
	f->ah = a;
	if ((e = pthread_create(&a->tid, NULL, ahead_read, f)) != 0)
		errc(2, e, "pthread_create");
}

void *
trap_file_prepared(const struct trap_file *f)
{
	return f->ah != NULL ? f->ah->data : NULL;
}

/* Stop the second thread, if it runs, and free what it had. */
static void
ahead_free(struct trap_file *f)
{
	struct ahead	*a = f->ah;
	int		 i, e;

	if (!a->ended) {
		pthread_mutex_lock(&a->mtx);
		a->stop = 1;
		pthread_cond_signal(&a->readcv);
		pthread_mutex_unlock(&a->mtx);
		if ((e = pthread_join(a->tid, NULL)) != 0)
			errc(2, e, "pthread_join");
	}
	for (i = 0; i < NRING; i++) {
		if (a->release != NULL && a->slot[i].data != NULL)
			a->release(a->slot[i].data);
		free(a->slot[i].warns.p);
		free(a->ring[i]);
	}
	pthread_mutex_destroy(&a->mtx);
	pthread_cond_destroy(&a->readcv);
	pthread_cond_destroy(&a->takecv);
	free(a);
	f->ah = NULL;
	f->buf = NULL;		/* it was one of the ring */
}

/*
 * Let the pipe at fd, if it is one, hold PIPEWIDE bytes (Linux's
 * F_SETPIPE_SZ; 64 KiB is the default), so that the process writing it
 * goes on while this one is busy before it reads: trapmatch loading its
 * list.  A refusal (a limit, another system) leaves the pipe as it is.
 */
#define PIPEWIDE	(1024 * 1024)
void
trap_file_widen(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat	 st;

	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, PIPEWIDE);
#else
	(void)fd;
#endif
}

const char *
trap_file_name(const struct trap_file *f)
{
	return f->name;
}

unsigned long long
trap_file_lineno(const struct trap_file *f)
{
	return f->ah != NULL ? f->ah->lineno : f->lineno;
}

time_t
trap_file_mtime(const struct trap_file *f)
{
	return f->mtime;
}

int
trap_file_error(const struct trap_file *f)
{
	return f->err;
}

void
trap_file_close(struct trap_file *f)
{
	if (f == NULL)
		return;
	if (f->ah != NULL)
		ahead_free(f);
	if (f->gz)
		inflateEnd(&f->zs);
	if (f->fd != STDIN_FILENO)
		close(f->fd);
#if HAVE_LIBDEFLATE
	if (f->dz != NULL)
		libdeflate_free_decompressor(f->dz);
	bufput(f->dbuf, f->dcap);
	bufput(f->cbuf, f->ccap);
#endif
#if HAVE_ISAL
	free(f->is);
#endif
	free(f->zbuf);
	free(f->buf);
	free(f->name);
	free(f);
}
