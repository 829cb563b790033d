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
 * traprank: rankings, summaries and time patterns of trap(5) records.
 *
 * One pass over the records.  Each distinct key has a row, the value of
 * its key in libtrap's hash table (trap_hash_add), the rows and their
 * sets in that table's arena; host names are interned in another, and
 * rows hold 32-bit refs to them.  The distinct
 * counterparts (user names or addresses) of a key are a set of their
 * 64-bit SipHash values, with a key random to the run: no table of the
 * counterparts themselves, 8 bytes and a little slack a distinct pair.
 * Two counterparts of one key would count as one only if their hashes
 * were equal, some n * n / 2^65 for n of them: for a million names of one
 * host, 3 in 10^8, and an attacker does not know the key to aim at it.
 * Memory grows with the distinct keys and pairs, never with the records.
 * Only the distinct keys are sorted.  Text keys are held decoded ("" is
 * none) and re-encoded with vis(3) for text and tsv output.
 *
 * The tables are much larger than the caches, and a record needs three
 * or four of their lines: the records are taken in batches, and the
 * lines of a batch asked for (prefetched) before any is used, so that
 * the misses overlap instead of following one another.
 *
 * With -j 2 or more (the default where there are two processors), the
 * records are read and parsed on a second thread, into chunks that the
 * first counts in the order they were read: the output is the same.
 */

#include "compat.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"

#define COLUMNS		80	/* line width of the histograms */
#define MINBAR		10	/* least width of their bars */
#define SVGW		800	/* the charts: width */
#define SVGH		400	/* and height, of the time keys' */
#define SVGROWS		20	/* bars of a ranking, without -n */
#define SVGMAXROWS	50	/* and at most */
#define SVGLABEL	48	/* characters of a bar's label */
#define BATCH		32	/* records counted together, see flush() */
#define CHUNKRECS	1024	/* -j: records of a chunk */
#define CHUNKTEXT	(4 * TRAP_LINEMAX)	/* and their lines, the longest decoded */
#define TAGBYTES	8	/* key bytes in a sort tag, at most */
#define TAGMOST		65536	/* rows of fewer attempts have a sort tag */
#define NCHUNKS		8	/* chunks read ahead, at most */
#define ROUNDROWS	4096	/* text rows formatted together, see rows_pass() */

enum cp { CP_USERS, CP_HOSTS, CP_NONE };
enum fmt { FMT_TEXT, FMT_CSV, FMT_TSV, FMT_JSON, FMT_SVG };
static const char *const fmtnames[] = { "text", "csv", "tsv", "json",
    "svg" };
#define NFMTS	(sizeof(fmtnames) / sizeof(fmtnames[0]))
enum key { K_HOST, K_ADDR, K_USER, K_NET, K_DOMAIN, K_SERVICE, K_DAEMON,
    K_LOGHOST, K_CLASS, K_HOUR, K_DAY, K_MINUTE, K_WEEKDAY };

static const struct keydef {
	const char	*name;		/* for -k; the JSON member */
	const char	*title;		/* the column title */
	enum cp		 cp;		/* the distinct counterparts */
} keys[] = {
	{ "host",	"Host",		CP_USERS },
	{ "addr",	"Address",	CP_USERS },
	{ "user",	"User Name",	CP_HOSTS },
	{ "net",	"Network",	CP_USERS },
	{ "domain",	"Domain",	CP_USERS },
	{ "service",	"Service",	CP_HOSTS },
	{ "daemon",	"Daemon",	CP_HOSTS },
	{ "loghost",	"Log Host",	CP_HOSTS },
	{ "class",	"Class",	CP_USERS },
	{ "hour",	"Hour",		CP_NONE },
	{ "day",	"Day",		CP_NONE },
	{ "minute",	"Minute",	CP_NONE },
	{ "weekday",	"Weekday",	CP_NONE },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static const char *const cptitle[] = { "User Names", "Hosts" };
static const char *const svgtitle[] = { "Attempts by host",
    "Attempts by address", "Attempts by user name", "Attempts by network",
    "Attempts by domain", "Attempts by service", "Attempts by daemon",
    "Attempts by log host", "Attempts by class", "Attempts per hour",
    "Attempts per day", "Attempts by minute past the hour",
    "Attempts by day of the week" };
static const char *const cpjson[] = { "users", "hosts" };
static const char *const wdays[] =	/* ISO 8601 order */
    { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

/*
 * A key's counts, the value of the key in keyh.  The attempts
 * and the times are 48-bit numbers in w[] (see rget()): a record's time
 * is below 2^38 (years 1970 to 9999), and 2^48 attempts would take some
 * 20 PB of records.  Rows of most addresses fit 48 or 56 bytes.
 */
#define R_ATTEMPTS	0
#define R_FIRST		6
#define R_LAST		12
#define R_RDNST		18		/* host: time of the record of rdns */
struct row {
	unsigned char	 w[24];
	uint32_t	 ncp;		/* distinct counterparts */
	uint32_t	 cps;		/* their set, see cp_add() */
	uint32_t	 rdns;		/* host: ref of its name, 0 for none */
};

/*
 * A record's fields, decoded; "" is none.  What count_key() reads comes
 * first, in the struct's first line of 64 bytes: with -j the counting
 * thread reads the fields the reading thread wrote, and each line of them
 * it needs is a transfer between the processors' caches.
 */
struct fields {
	_Alignas(64) time_t time;
	/* For count_key(): the key, its hash, the counterpart's. */
	uint64_t	 kh;
	uint64_t	 ch;		/* 0: no counterpart */
	struct trap_str	 k, rdns;
	struct trap_str	 loghost, service, daemon, addr, user, class;
	struct trap_str	 host;		/* trap_host() */
	struct trap_str	 c;		/* the counterpart */
	int		 family;	/* AF_INET, AF_INET6, 0 for none */
	unsigned char	 abin[16];
	int		 nfields;
	int		 decoded;	/* some fields are in parse()'s buffers */
	char		 kbuf[INET6_ADDRSTRLEN + 8];
};

struct buf {
	char		*p;
	size_t		 len, cap;
};

static enum key		 key = K_HOST;
static enum fmt		 fmt = FMT_TEXT;
static int		 sflag;
static int		 bits4 = 24, bits6 = 64;
static long long	 nrows = LLONG_MAX;
static int		 keyed;		/* counting by a key with rows */
static int		 njobs;		/* -j; 0: the processors */
static struct trap_breach	*breaches;	/* -k breach */

static struct trap_hash	*keyh;		/* key -> struct row */
static struct trap_hash	*rdnsh;		/* host names, interned */
static struct trap_hash	*hostsh, *usersh;	/* -s */
static struct trap_hash	*timeh;		/* hour, day -> uint64_t */
static uint64_t		 minutes[60], weekdays[7];
static int64_t		 tmin, tmax;	/* hour and day numbers seen */

static uint64_t		 nattempts, ntrap;
static int64_t		 first, last;
static int		 hasclass;
static unsigned long long nbad;

static struct buf	 obuf;		/* a cell being formatted */
static struct trap_tzcache tzc;	/* of this thread, see buf_time() */

/* The sets of counterparts, see cp_add(). */
#define LINMAX		64
static const uint32_t	 lincaps[] = { 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16,
    20, 24, 28, 32, 40, 48, 56, LINMAX };
#define NLINCAPS	(sizeof(lincaps) / sizeof(lincaps[0]))
static uint32_t		 linfree[NLINCAPS];
static uint64_t		**bigs;
static size_t		  nbigs;

/* The batch of records being read, see readrec(). */
static struct fields	 batch[BATCH];
static size_t		 nbatch;

/*
 * -j: the records parsed by the reading thread, each line copied into
 * the chunk's text with the fields it decodes, so that they outlive the
 * block they came in.  Chunk tail % NCHUNKS is being filled; head to
 * tail - 1 wait for the counting thread, head first.
 */
struct chunk {
	struct fields	 v[CHUNKRECS];
	size_t		 n;
	char		 text[CHUNKTEXT];
	size_t		 used;
	int		 prepared;	/* prepare() done: see chunk_send() */
};
static struct chunk	*chunks;
static unsigned long	 head, tail;
static int		 readdone;
static pthread_mutex_t	 chunkmtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 fullcv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t	 freecv = PTHREAD_COND_INITIALIZER;

/* The plot area of the time keys' charts. */
static const struct trap_svg_box plotbox = { 64, 80, 704, 256, 0, 0, 0, 0 };

static __dead void
usage(void)
{
	fprintf(stderr, "usage: %s [-su] [-A dir] [-j jobs] [-k key] "
	    "[-m bits] [-n count] [-o format] [-S since] [-U until] "
	    "[file ...]\n", getprogname());
	exit(1);
}

/*
 * The 48-bit number at w[f] of r: its low 32 bits, then its high 16, in
 * the machine's order (the rows never leave the process).  Two moves
 * each way, where a byte at a time took a tenth of the counting.
 */
static int64_t
rget(const struct row *r, int f)
{
	uint32_t	 lo;
	uint16_t	 hi;

	memcpy(&lo, r->w + f, sizeof(lo));
	memcpy(&hi, r->w + f + sizeof(lo), sizeof(hi));
	return (int64_t)hi << 32 | lo;
}

static void
rput(struct row *r, int f, int64_t v)
{
	uint32_t	 lo = (uint64_t)v & 0xffffffff;
	uint16_t	 hi = (uint64_t)v >> 32 & 0xffff;

	memcpy(r->w + f, &lo, sizeof(lo));
	memcpy(r->w + f + sizeof(lo), &hi, sizeof(hi));
}

/* Buffers. */

static void
buf_need(struct buf *b, size_t n)
{
	size_t	 cap;

	if (b->cap - b->len >= n)
		return;
	cap = b->cap == 0 ? 256 : b->cap;
	while (cap - b->len < n)
		cap *= 2;
	b->p = xreallocarray(b->p, cap, 1);
	b->cap = cap;
}

static void
buf_add(struct buf *b, const char *p, size_t n)
{
	buf_need(b, n + 1);
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Append p encoded as a trap(5) field: "-" for none. */
static void
buf_vis(struct buf *b, const char *p, size_t n)
{
	buf_need(b, 4 * n + 5);
	b->len += trap_vis(b->p + b->len, b->cap - b->len, p, n);
}

#define SLOTREF(s)	((uint32_t)(s))
#define SLOTTAG(s)	((s) >> 32)

static void *
deref(uint32_t ref)
{
	return trap_hash_ptr(keyh, ref);
}

/* The ref of host name n, interned. */
static uint32_t
intern(const struct trap_str *n)
{
	return trap_hash_add(rdnsh, n->p, n->len, trap_hash_sum(n->p, n->len),
	    NULL);
}

/* A host name of intern(). */
static const char *
rdnsof(uint32_t ref, size_t *len)
{
	return trap_hash_key(rdnsh, trap_hash_ptr(rdnsh, ref), len);
}

/* The row of key k (hash h), new and zeroed if *isnew. */
static struct row *
row_get(const struct trap_str *k, uint64_t h, int *isnew)
{
	return deref(trap_hash_add(keyh, k->p, k->len, h, isnew));
}

/*
 * The set of counterpart hashes of a row.  Up to LINMAX of them are an
 * array in the arena, searched in turn, its capacity the least of
 * lincaps[] that holds them: the capacity follows from the count, and
 * the arrays outgrown are kept on a free list for each capacity, for the
 * rows that grow after.  Most keys have a few counterparts, so most of
 * the memory is here, at 9 words in 10 used.  Beyond LINMAX the set
 * is a table of its own (malloc(3), linear probing, load at most 3/4,
 * 0 empty): r->cps is then its index in bigs[].  (Their globals are at
 * the top.)
 */
static size_t
lincap(uint32_t n)
{
	size_t	 c;

	for (c = 0; lincaps[c] < n; c++)
		continue;
	return c;
}

static uint64_t *
lin_alloc(size_t c, uint32_t *ref)
{
	uint64_t	*v;

	if ((*ref = linfree[c]) == 0)
		return trap_hash_alloc(keyh, lincaps[c] * sizeof(*v), ref);
	v = deref(*ref);
	memcpy(&linfree[c], v, sizeof(linfree[c]));
	return v;
}

static void
lin_free(size_t c, uint32_t ref)
{
	memcpy(deref(ref), &linfree[c], sizeof(linfree[c]));
	linfree[c] = ref;
}

/* Slots of a big set of n. */
static size_t
bigslots(uint64_t n)
{
	size_t	 s = 2 * LINMAX;

	while (n * 4 > s * 3)
		s *= 2;
	return s;
}

static void
big_put(uint64_t *t, size_t nslots, uint64_t h)
{
	size_t	 i;

	for (i = h & (nslots - 1); t[i] != 0; i = (i + 1) & (nslots - 1))
		continue;
	t[i] = h;
}

/* Make the full array of r a big set. */
static void
big_new(struct row *r)
{
	uint64_t	*t, *v = deref(r->cps);
	size_t		 i;

	bigs = xreallocarray(bigs, nbigs + 1, sizeof(*bigs));
	t = xcalloc(bigslots(LINMAX + 1), sizeof(*t));
	for (i = 0; i < LINMAX; i++)
		big_put(t, bigslots(LINMAX + 1), v[i]);
	lin_free(NLINCAPS - 1, r->cps);
	bigs[nbigs] = t;
	if (nbigs > UINT32_MAX)
		errx(1, "too many distinct keys");
	r->cps = nbigs++;
}

static void
big_grow(struct row *r)
{
	uint64_t	*t, *old = bigs[r->cps];
	size_t		 i, n = bigslots(r->ncp);

	t = xcalloc(bigslots(r->ncp + 1), sizeof(*t));
	for (i = 0; i < n; i++)
		if (old[i] != 0)
			big_put(t, bigslots(r->ncp + 1), old[i]);
	free(old);
	bigs[r->cps] = t;
}

/* Add counterpart hash h to r: 1 if it is new. */
static int
cp_add(struct row *r, uint64_t h)
{
	uint64_t	*v;
	uint32_t	 i, ref;
	size_t		 c, n;

	if (h == 0)
		h = 1;		/* 0 is an empty slot */
	if (r->ncp == UINT32_MAX)
		errx(1, "too many distinct counterparts");
	if (r->ncp > LINMAX) {
		v = bigs[r->cps];
		n = bigslots(r->ncp);
		for (i = h & (n - 1); v[i] != 0; i = (i + 1) & (n - 1))
			if (v[i] == h)
				return 0;
		if (bigslots(r->ncp + 1) != n)
			big_grow(r);
		big_put(bigs[r->cps], bigslots(r->ncp + 1), h);
		r->ncp++;
		return 1;
	}
	v = r->ncp == 0 ? NULL : deref(r->cps);
	for (i = 0; i < r->ncp; i++)
		if (v[i] == h)
			return 0;
	if (r->ncp == LINMAX) {
		big_new(r);
		big_put(bigs[r->cps], bigslots(LINMAX + 1), h);
		r->ncp++;
		return 1;
	}
	if (r->ncp == 0 || lincaps[c = lincap(r->ncp)] == r->ncp) {
		c = r->ncp == 0 ? 0 : c + 1;
		v = lin_alloc(c, &ref);
		if (r->ncp > 0) {
			memcpy(v, deref(r->cps), r->ncp * sizeof(*v));
			lin_free(c - 1, r->cps);
		}
		r->cps = ref;
	}
	v[r->ncp++] = h;
	return 1;
}

/* Reading. */

/*
 * Decode field f into *out ("" for "-"); buf holds at least f->len + 1
 * bytes.  A field without a backslash (none if the line has none) is
 * its own decoding, and stays where it lies.
 */
static int
decode(const struct trap_str *f, int escaped, char *buf, size_t bufsz,
    struct trap_str *out)
{
	size_t	 n;

	if (f->len == 1 && f->p[0] == '-') {
		out->p = "";
		out->len = 0;
	} else if (!escaped || memchr(f->p, '\\', f->len) == NULL)
		*out = *f;
	else {
		if ((n = trap_unvis(buf, bufsz, f->p, f->len)) == (size_t)-1)
			return -1;
		out->p = buf;
		out->len = n;
	}
	return 0;
}

/*
 * Field f of record r, in text, the line's copy: r's fields point into
 * line.
 */
static struct trap_str
field(const struct trap_rec *r, int f, const char *line, const char *text)
{
	struct trap_str	 s;

	s.p = text + (r->f[f].p - line);
	s.len = r->f[f].len;
	return s;
}

/* The fields parse() may decode, in the order of its v[]. */
static const int decodable[] = { F_LOGHOST, F_DAEMON, F_RDNS, F_USER,
    F_CLASS };
#define NDECODABLE	(sizeof(decodable) / sizeof(decodable[0]))
/*
 * parse()'s buffer for a line of len bytes: each decodable field and its
 * NUL, then the host name (the name in lower case, its NUL).
 */
#define PARSEBUF(len)	(2 * (len) + NDECODABLE + 1)

/*
 * The fields of record r, read from line, into d, pointing into text,
 * the line itself or a copy: 0, or -1 if they do not decode.  The fields
 * of a line with a backslash (and a host name with capitals) are decoded
 * into buf, of PARSEBUF(the line's length) bytes; the others stay valid
 * as long as the text.
 *
 * Each field of d is written once and not read back: with -j, d is in
 * a chunk the counting thread read last, and a read of a field just
 * written there, in other widths than it was written, waits for the line
 * to come back from the other processor (it took a third of the reading
 * thread's time).
 */
static int
parse(const struct trap_rec *r, const char *line, const char *text,
    struct fields *d, char *buf)
{
	struct trap_str		 v[NDECODABLE], f, addr, host;
	size_t			 i, n;
	int			 esc;

	esc = r->escaped;
	v[NDECODABLE - 1].p = "";
	v[NDECODABLE - 1].len = 0;
	/* A record without trapmatch's class has no class to decode. */
	n = r->nfields == TRAP_NFIELDS_MATCH ? NDECODABLE : NDECODABLE - 1;
	for (i = 0; i < n; i++) {
		f = field(r, decodable[i], line, text);
		if (decode(&f, esc, buf, f.len + 1, &v[i]) == -1)
			return -1;
		buf += f.len + 1;
	}
	addr.p = "";
	addr.len = 0;
	if (r->family != 0) {
		memcpy(d->abin, r->abin, sizeof(d->abin));
		addr = field(r, F_ADDR, line, text);
	}
	trap_host(&addr, &v[2], buf, &host);
	d->time = r->time;
	d->nfields = r->nfields;
	d->decoded = esc || host.p == buf;
	d->service = field(r, F_SERVICE, line, text);
	d->family = r->family;
	d->addr = addr;
	d->host = host;
	d->loghost = v[0];
	d->daemon = v[1];
	d->rdns = v[2];
	d->user = v[3];
	d->class = v[4];
	return 0;
}

static int64_t
floordiv(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/*
 * The local (TZ) hour, day, minute and weekday of t.  Records mostly come
 * in time order, so the hour of the previous call is kept: zones change
 * their offsets at the end of an hour.
 */
static void
civil(time_t t, int64_t *hour, int64_t *day, int *min, int *wday)
{
	static int64_t	 hs, chour, cday;
	static int	 cwday, valid;
	int64_t		 l;

	if (!valid || t < hs || t - hs >= 3600) {
		valid = 1;
		l = trap_time_civil(t);
		hs = t - (l - floordiv(l, 3600) * 3600);
		cday = floordiv(l, 86400);
		chour = floordiv(l, 3600);
		cwday = ((cday + 3) % 7 + 7) % 7;	/* 1970-01-01: Thu */
	}
	*hour = chour;
	*day = cday;
	*min = (t - hs) / 60;
	*wday = cwday;
}

/* The -k net key of d, into buf. */
static void
netkey(const struct fields *d, char *buf, size_t bufsz, struct trap_str *k)
{
	if (d->family == 0) {
		k->p = "";
		k->len = 0;
		return;
	}
	k->len = trap_addr_prefix(d->family, d->abin, d->family == AF_INET ?
	    bits4 : bits6, buf, bufsz);
	k->p = buf;
}

/* The -k domain key: the rdns name without its first label. */
static void
domainkey(const struct fields *d, struct trap_str *k)
{
	const char	*p = d->rdns.p, *dot;
	size_t		 len = d->rdns.len;

	if (len > 1 && p[len - 1] == '.')
		len--;
	if ((dot = memchr(p, '.', len)) != NULL && dot + 1 < p + len) {
		len -= dot + 1 - p;
		p = dot + 1;
	}
	k->p = p;
	k->len = len;
}

static void
count_time(const struct fields *d)
{
	int64_t		 hour, day, t;
	uint64_t	*n;
	int		 min, wday, isnew;

	civil(d->time, &hour, &day, &min, &wday);
	switch (key) {
	case K_MINUTE:
		minutes[min]++;
		return;
	case K_WEEKDAY:
		weekdays[wday]++;
		return;
	case K_HOUR:
		t = hour;
		break;
	default:
		t = day;
		break;
	}
	n = trap_hash_put(timeh, (const char *)&t, sizeof(t), &isnew);
	(*n)++;
	if (nattempts == 1 || t < tmin)
		tmin = t;
	if (nattempts == 1 || t > tmax)
		tmax = t;
}

static void
count_summary(const struct fields *d)
{
	if (d->host.len > 0)
		trap_hash_put(hostsh, d->host.p, d->host.len, NULL);
	if (d->user.len > 0)
		trap_hash_put(usersh, d->user.p, d->user.len, NULL);
	if (d->nfields == TRAP_NFIELDS_MATCH) {
		hasclass = 1;
		if (d->class.len == 4 && memcmp(d->class.p, "trap", 4) == 0)
			ntrap++;
	}
}

/*
 * The key and the counterpart of d, and their hashes, for count_key():
 * apart from it, so that a batch of records can have them first.
 */
static void
prepare(struct fields *d)
{
	switch (key) {
	case K_HOST:
	case K_ADDR:
		d->k = d->addr;
		break;
	case K_USER:
		d->k = d->user;
		break;
	case K_NET:
		netkey(d, d->kbuf, sizeof(d->kbuf), &d->k);
		break;
	case K_DOMAIN:
		domainkey(d, &d->k);
		break;
	case K_SERVICE:
		d->k = d->service;
		break;
	case K_DAEMON:
		d->k = d->daemon;
		break;
	case K_LOGHOST:
		d->k = d->loghost;
		break;
	case K_CLASS:
		d->k = d->class;
		break;
	default:
		abort();
	}
	d->kh = trap_hash_sum(d->k.p, d->k.len);
	d->c = keys[key].cp == CP_USERS ? d->user : d->host;
	if (d->c.len == 0)
		d->ch = 0;
	else if ((d->ch = trap_hash_sum(d->c.p, d->c.len)) == 0)
		d->ch = 1;	/* 0 is none, and an empty slot in cp_add() */
}

static void
count_key(const struct fields *d)
{
	const char	*rd;
	struct row	*r;
	int64_t		 n;
	size_t		 rdlen;
	int		 isnew;

	r = row_get(&d->k, d->kh, &isnew);
	if (isnew) {
		rput(r, R_FIRST, d->time);
		rput(r, R_LAST, d->time);
	} else if (d->time < rget(r, R_FIRST))
		rput(r, R_FIRST, d->time);
	else if (d->time > rget(r, R_LAST))
		rput(r, R_LAST, d->time);
	if ((n = rget(r, R_ATTEMPTS)) == ((int64_t)1 << 48) - 1)
		errx(1, "too many attempts");
	rput(r, R_ATTEMPTS, n + 1);

	/* The most recent name of an address. */
	if (key == K_HOST && d->rdns.len > 0 &&
	    (r->rdns == 0 || d->time >= rget(r, R_RDNST))) {
		rd = r->rdns != 0 ? rdnsof(r->rdns, &rdlen) : NULL;
		if (rd == NULL || rdlen != d->rdns.len ||
		    memcmp(rd, d->rdns.p, rdlen) != 0)
			r->rdns = intern(&d->rdns);
		rput(r, R_RDNST, d->time);
	}

	if (d->ch == 0)
		return;
	cp_add(r, d->ch);
}

/*
 * Ask for the lines count_key() will need for a batch of records, a step
 * for each line found through another: the key's slot, its row, the
 * row's set and host name.  Only hints: count_key() looks them all up
 * again, so that a key new in the batch is no matter.
 */
static void
prefetch(const struct fields *v, size_t n)
{
	const struct row	*r;
	const char		*p;
	uint32_t		 s[BATCH];
	size_t			 i, j;

	for (i = 0; i < n; i++)
		TRAP_PREFETCH(trap_hash_home(keyh, v[i].kh));
	for (i = 0; i < n; i++)
		if ((s[i] = trap_hash_peek(keyh, v[i].kh)) != 0) {
			r = deref(s[i]);
			TRAP_PREFETCH(r);
			TRAP_PREFETCH((const char *)r + 63);
		}
	for (i = 0; i < n; i++) {
		if (s[i] == 0)
			continue;
		r = deref(s[i]);
		if (r->ncp > LINMAX)
			TRAP_PREFETCH(&bigs[r->cps][v[i].ch &
			    (bigslots(r->ncp) - 1)]);
		else if (r->ncp > 0)
			for (p = deref(r->cps), j = 0; j < r->ncp; j += 8)
				TRAP_PREFETCH(p + j * sizeof(uint64_t));
		if (r->rdns != 0)
			TRAP_PREFETCH(trap_hash_ptr(rdnsh, r->rdns));
	}
}

static void
record(const struct fields *d)
{
	if (++nattempts == 1 || d->time < first)
		first = d->time;
	if (nattempts == 1 || d->time > last)
		last = d->time;
	if (sflag || fmt == FMT_SVG)
		count_summary(d);
	if (sflag)
		return;
	if (keys[key].cp == CP_NONE)
		count_time(d);
	else
		count_key(d);
}

/* Count the batch, its lines asked for first. */
static void
flush(struct fields *v, size_t n)
{
	size_t	 i;

	if (keyed)
		prefetch(v, n);
	for (i = 0; i < n; i++)
		record(&v[i]);
}

/*
 * The records come a block of lines at a time from trap_input_read(),
 * and are counted in batches of BATCH: the fields of a batch point into
 * the block, and are counted before it goes (endblock()).  Those of a
 * record with something to decode are in parse()'s buffers, until the
 * next: it is counted at once, after the batch before it.
 */
static int
readrec(const struct trap_rec *r, const char *line, size_t len, void *arg)
{
	static char	 buf[PARSEBUF(TRAP_LINEMAX)];
	struct fields	*d = &batch[nbatch];

	(void)len;
	(void)arg;
	if (parse(r, line, line, d, buf) == -1) {
		nbad++;		/* trap_rec_parse checked the encoding */
		return 0;
	}
	if (keyed)
		prepare(d);
	if (d->decoded) {
		flush(batch, nbatch);
		record(d);
		nbatch = 0;
	} else if (++nbatch == BATCH) {
		flush(batch, nbatch);
		nbatch = 0;
	}
	return 0;
}

static void
endblock(void *arg)
{
	(void)arg;
	flush(batch, nbatch);
	nbatch = 0;
}

/*
 * -j: the chunk being filled is full, or the last: to the counting.  The
 * next one's records are prepared (their keys and hashes, prepare()) on
 * this thread if half the chunks or more wait for the counting, which is
 * then the slower; on the counting thread if not.  Either way the work
 * is the same, and so are the counts: only its share between the threads
 * follows whichever is behind.
 */
static struct chunk *
chunk_send(void)
{
	struct chunk	*c;
	int		 behind;

	pthread_mutex_lock(&chunkmtx);
	tail++;
	pthread_cond_signal(&fullcv);
	while (tail - head == NCHUNKS)
		pthread_cond_wait(&freecv, &chunkmtx);
	behind = tail - head >= NCHUNKS / 2;
	pthread_mutex_unlock(&chunkmtx);
	c = &chunks[tail % NCHUNKS];
	c->n = c->used = 0;
	c->prepared = behind;
	return c;
}

/*
 * -j, on the reading thread: a record into the chunk being filled, its
 * line copied there and its fields made to point into the copy.
 */
static int
readrec_chunk(const struct trap_rec *r, const char *line, size_t len,
    void *arg)
{
	struct chunk	*c = &chunks[tail % NCHUNKS];
	struct fields	*d;
	char		*text;

	(void)arg;
	if (c->n == CHUNKRECS || CHUNKTEXT - c->used < len + PARSEBUF(len))
		c = chunk_send();
	text = c->text + c->used;
	memcpy(text, line, len);
	d = &c->v[c->n];
	if (parse(r, line, text, d, text + len) == -1) {
		nbad++;
		return 0;
	}
	if (keyed && c->prepared)
		prepare(d);
	c->used += d->decoded ? len + PARSEBUF(len) : len;
	c->n++;
	return 0;
}

struct readjob {
	struct trap_input	*in;
	int			 argc;
	char			**argv;
};

/* -j: the reading thread. */
static void *
reader(void *arg)
{
	struct readjob	*job = arg;
	int		 rc;

	rc = trap_input_read(job->in, job->argc, job->argv);
	pthread_mutex_lock(&chunkmtx);
	tail++;			/* the last chunk, perhaps empty */
	readdone = rc == -1 ? 2 : 1;
	pthread_cond_signal(&fullcv);
	pthread_mutex_unlock(&chunkmtx);
	return NULL;
}

/*
 * -j: the records read and parsed on a thread of their own while this
 * one counts them, a chunk at a time and in order.  -1 if the input
 * could not be read (as trap_input_read).
 */
static int
read_threaded(struct trap_input *in, int argc, char *argv[])
{
	struct readjob	 job;
	struct chunk	*c;
	pthread_t	 tid;
	size_t		 i;
	int		 e;

	/* Aligned for struct fields (malloc(3) promises less). */
	if ((e = posix_memalign((void **)&chunks, _Alignof(struct chunk),
	    NCHUNKS * sizeof(*chunks))) != 0)
		errc(1, e, NULL);
	for (i = 0; i < NCHUNKS; i++)
		chunks[i].n = chunks[i].used = chunks[i].prepared = 0;
	in->rec = readrec_chunk;
	in->flush = NULL;
	job.in = in;
	job.argc = argc;
	job.argv = argv;
	if ((e = pthread_create(&tid, NULL, reader, &job)) != 0)
		errc(1, e, "pthread_create");
	for (;;) {
		pthread_mutex_lock(&chunkmtx);
		while (head == tail && !readdone)
			pthread_cond_wait(&fullcv, &chunkmtx);
		if (head == tail) {
			pthread_mutex_unlock(&chunkmtx);
			break;
		}
		pthread_mutex_unlock(&chunkmtx);
		c = &chunks[head % NCHUNKS];
		if (keyed && !c->prepared)
			for (i = 0; i < c->n; i++)
				prepare(&c->v[i]);
		for (i = 0; i < c->n; i += BATCH)
			flush(c->v + i, c->n - i < BATCH ? c->n - i : BATCH);
		pthread_mutex_lock(&chunkmtx);
		head++;
		pthread_cond_signal(&freecv);
		pthread_mutex_unlock(&chunkmtx);
	}
	if ((e = pthread_join(tid, NULL)) != 0)
		errc(1, e, "pthread_join");
	free(chunks);
	return readdone == 2 ? -1 : 0;
}

/* Writing. */

/* A JSON string; null for none. */
static void
put_json(const char *s, size_t len)
{
	if (len == 0)
		fputs("null", stdout);
	else
		trap_json_str(stdout, s, len);
}

static size_t
digits(uint64_t n)
{
	size_t	 d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

static size_t
max(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* The key of a row: trap_hash_key(keyh, r, len), inline for the sort. */
static const char *
keyof(const struct row *r, size_t *len)
{
	const char	*p = (const char *)r + TRAP_HASH_KEYOFF(sizeof(*r));
	uint32_t	 n;

	memcpy(&n, p, sizeof(n));
	*len = n;
	return p + sizeof(n);
}

static int
cmprow(const struct row *ra, const struct row *rb)
{
	const char	*ka, *kb;
	size_t		 la, lb;
	int64_t		 na, nb;
	int		 c;

	if ((na = rget(ra, R_ATTEMPTS)) != (nb = rget(rb, R_ATTEMPTS)))
		return na > nb ? -1 : 1;
	ka = keyof(ra, &la);
	kb = keyof(rb, &lb);
	if ((c = memcmp(ka, kb, la < lb ? la : lb)) != 0)
		return c;
	return la < lb ? -1 : la > lb;
}

/* Two sorted slots: their upper halves first, then the rows. */
static int
cmpslot(const void *a, const void *b)
{
	uint64_t	 sa = *(const uint64_t *)a, sb = *(const uint64_t *)b;

	if (SLOTTAG(sa) != SLOTTAG(sb))
		return SLOTTAG(sa) < SLOTTAG(sb) ? -1 : 1;
	return cmprow(deref(SLOTREF(sa)), deref(SLOTREF(sb)));
}

/*
 * A row's order in 32 bits, for sortrows(): the rank of its attempts
 * among the rows' (the most first, from 1) in rbits, then as many of its
 * first key bytes as fit, each as its rank among the bytes the keys
 * have in their first TAGBYTES (from 1; 0 past the key's end) in cbits.
 * A key of addresses or names has few distinct bytes: so the tag holds
 * more of it than its bytes as they are.  A row of TAGMOST attempts or
 * more has the tag 0.  Rows in order have their tags in order; rows of
 * equal tags are compared in full.
 */
struct tagcode {
	uint64_t	 has[TAGMOST / 64];	/* bit a: a row has a attempts */
	uint32_t	 before[TAGMOST / 64];	/* the bits of has before */
	uint32_t	 nattempts;		/* distinct, under TAGMOST */
	int		 rbits, cbits, nbytes;
	uint8_t		 code[256];		/* a key byte's rank */
};

/* The bits that hold 0 to n. */
static int
bitsfor(uint64_t n)
{
	int	 b = 0;

	while (b < 64 && n >> b != 0)
		b++;
	return b;
}

/*
 * The tag code of the k rows of v, whose attempts (TAGMOST for TAGMOST
 * or more) are in the slots' upper halves; seen: the bytes of the keys'
 * starts.
 */
static void
tagcode_make(struct tagcode *tc, const uint64_t *v, size_t k,
    const uint8_t *seen)
{
	size_t		 i, w;
	uint64_t	 a;
	uint32_t	 n = 0;
	int		 b, nseen = 0;

	memset(tc->has, 0, sizeof(tc->has));
	for (i = 0; i < k; i++)
		if ((a = SLOTTAG(v[i])) < TAGMOST)
			tc->has[a / 64] |= (uint64_t)1 << (a % 64);
	for (w = 0; w < TAGMOST / 64; w++) {
		tc->before[w] = n;
		n += __builtin_popcountll(tc->has[w]);
	}
	tc->nattempts = n;
	for (b = 0; b < 256; b++)
		tc->code[b] = seen[b] ? ++nseen : 0;
	tc->rbits = bitsfor(n);
	tc->cbits = bitsfor(nseen);
	tc->nbytes = tc->cbits > 0 ? (32 - tc->rbits) / tc->cbits : 0;
	if (tc->nbytes > TAGBYTES)
		tc->nbytes = TAGBYTES;
}

static uint32_t
tagof(const struct tagcode *tc, const struct row *r, uint64_t a)
{
	const char	*k;
	uint64_t	 t;
	size_t		 i, len;

	if (a >= TAGMOST)
		return 0;
	t = tc->before[a / 64] + __builtin_popcountll(tc->has[a / 64] &
	    (((uint64_t)1 << (a % 64)) - 1));
	t = tc->nattempts - t;
	k = keyof(r, &len);
	for (i = 0; i < (size_t)tc->nbytes; i++)
		t = t << tc->cbits | (i < len ? tc->code[(unsigned char)k[i]] :
		    0);
	return t << (32 - tc->rbits - tc->nbytes * tc->cbits);
}

/*
 * Sort the n slots of v by their 32 bits from bit base (0: the refs, 32:
 * the tags), least significant byte first, through tmp (n slots): a pass
 * for each byte in which they differ.  Each pass keeps the order of the
 * one before, so slots of equal bits keep the order they had.
 */
static void
radix32(uint64_t *v, uint64_t *tmp, size_t n, int base)
{
	uint64_t	*from = v, *to = tmp, *swap;
	size_t		 count[4][256], i, b, sum, c;
	int		 shift;

	if (n < 2)
		return;
	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++)
		for (b = 0; b < 4; b++)
			count[b][v[i] >> (base + 8 * b) & 0xff]++;
	for (b = 0; b < 4; b++) {
		shift = base + 8 * b;
		if (count[b][v[0] >> shift & 0xff] == n)
			continue;	/* one value: nothing to move */
		for (sum = 0, c = 0; c < 256; c++) {
			sum += count[b][c];
			count[b][c] = sum - count[b][c];
		}
		for (i = 0; i < n; i++)
			to[count[b][from[i] >> shift & 0xff]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	if (from != v)
		memcpy(v, from, n * sizeof(*v));
}

/* The runs of equal tags in v[from..to), each sorted by qsort(3). */
struct runjob {
	uint64_t	*v;
	size_t		 from, to;
};

static void *
sortruns(void *arg)
{
	struct runjob	*j = arg;
	size_t		 i, k;

	for (i = j->from; i < j->to; i = k) {
		for (k = i + 1; k < j->to && SLOTTAG(j->v[k]) ==
		    SLOTTAG(j->v[i]); k++)
			continue;
		if (k - i > 1)
			qsort(j->v + i, k - i, sizeof(*j->v), cmpslot);
	}
	return NULL;
}

/*
 * Sort the n slots of v by cmpslot, a total order (the keys are distinct),
 * so that the result is the same however it is reached: by their tags,
 * then each run of equal tags by qsort(3), with -j 2 or more the runs of
 * the second half on a thread of their own (most of the sort's time: the
 * comparisons fetch the rows).
 */
static void
sortslots(uint64_t *v, uint64_t *tmp, size_t n)
{
	struct runjob	 j[2];
	pthread_t	 tid;
	size_t		 half;
	int		 e;

	radix32(v, tmp, n, 32);
	/* The halves meet between two runs. */
	for (half = n / 2; half > 0 && half < n &&
	    SLOTTAG(v[half]) == SLOTTAG(v[half - 1]); half++)
		continue;
	j[0].v = j[1].v = v;
	j[0].from = 0;
	j[0].to = j[1].from = half;
	j[1].to = n;
	if (njobs < 2 || half == 0 || half == n) {
		j[0].to = n;
		sortruns(&j[0]);
		return;
	}
	if ((e = pthread_create(&tid, NULL, sortruns, &j[1])) != 0)
		errc(1, e, "pthread_create");
	sortruns(&j[0]);
	if ((e = pthread_join(tid, NULL)) != 0)
		errc(2, e, "pthread_join");
}

/*
 * The rows, sorted, as slots at the start of the key table's, which are
 * no more a table (free(3) them).  The upper half of a slot becomes the
 * row's tag (tagof()): most rows are put in order by their tags alone,
 * without fetching them.
 */
static uint64_t *
sortrows(size_t *n)
{
	static struct tagcode	 tc;
	const struct row	*r;
	uint64_t		*v, *tmp;
	uint8_t			 seen[256];
	const char		*key;
	int64_t			 a;
	size_t			 i, j, k, len;

	v = trap_hash_refs(keyh, &k);
	/* In the order of the rows in memory, for the two passes. */
	tmp = xreallocarray(NULL, k, sizeof(*tmp));
	radix32(v, tmp, k, 0);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < k; i++) {
		if (i + 16 < k)
			TRAP_PREFETCH(deref(v[i + 16]));
		r = deref(v[i]);
		a = rget(r, R_ATTEMPTS);
		v[i] |= (uint64_t)(a < TAGMOST ? a : TAGMOST) << 32;
		key = keyof(r, &len);
		for (j = 0; j < len && j < TAGBYTES; j++)
			seen[(unsigned char)key[j]] = 1;
	}
	tagcode_make(&tc, v, k, seen);
	for (i = 0; i < k; i++) {
		if (i + 16 < k)
			TRAP_PREFETCH(deref(SLOTREF(v[i + 16])));
		v[i] = SLOTREF(v[i]) | (uint64_t)tagof(&tc,
		    deref(SLOTREF(v[i])), SLOTTAG(v[i])) << 32;
	}
	sortslots(v, tmp, k);
	free(tmp);
	*n = k;
	return v;
}

/* Row i of sortrows(). */
static const struct row *
sorted(const uint64_t *v, size_t i)
{
	return deref(SLOTREF(v[i]));
}

/*
 * Ask for what a row of v a few after i will need: the row, and (the row
 * asked for before) its host name.  The rows are in the order of the
 * ranking, not of memory: without this, the lines wait for them.
 */
static void
prefetch_row(const uint64_t *v, size_t i, size_t to)
{
	const struct row	*r;

	if (i + 16 < to)
		TRAP_PREFETCH(sorted(v, i + 16));
	if (i + 8 < to && (r = sorted(v, i + 8))->rdns != 0)
		TRAP_PREFETCH(trap_hash_ptr(rdnsh, r->rdns));
}

/*
 * The key of a row as text and tsv show it (vis-encoded, "-" for none),
 * or decoded for csv ("" for none), in o.
 */
static void
keycell(const struct row *r, int encode, struct buf *o)
{
	const char	*k, *rd;
	size_t		 klen, rdlen;

	o->len = 0;
	buf_add(o, "", 0);
	k = keyof(r, &klen);
	if (key == K_HOST && r->rdns != 0 && klen > 0) {
		rd = rdnsof(r->rdns, &rdlen);
		if (encode)
			buf_vis(o, rd, rdlen);
		else
			buf_add(o, rd, rdlen);
		buf_add(o, " (", 2);
		buf_add(o, k, klen);
		buf_add(o, ")", 1);
	} else if (encode)
		buf_vis(o, k, klen);
	else
		buf_add(o, k, klen);
}

/* Append n, right-aligned in width w (0: as is). */
static void
buf_num(struct buf *b, uint64_t n, size_t w)
{
	char	 d[24];
	size_t	 i = sizeof(d);

	do {
		d[--i] = '0' + n % 10;
	} while ((n /= 10) > 0);
	buf_need(b, w + sizeof(d) + 1);
	while (w > sizeof(d) - i) {
		b->p[b->len++] = ' ';
		w--;
	}
	buf_add(b, d + i, sizeof(d) - i);
}

/* Append t, local, as trap_time_local() writes it; c: the thread's. */
static void
buf_time(struct buf *b, int64_t t, struct trap_tzcache *c)
{
	buf_need(b, TRAP_TIMELEN);
	trap_time_local_cached(c, t, b->p + b->len);
	b->len += strlen(b->p + b->len);
}

static void
buf_flush(struct buf *b)
{
	if (b->len > 0)		/* b->p may be NULL */
		fwrite(b->p, 1, b->len, stdout);
	b->len = 0;
}

/*
 * The rankings: a line at a time in lbuf, written with one fwrite(3),
 * the numbers and times formatted by hand (printf(3) took most of the
 * time of writing them).
 */
/* The header line of a ranking in csv or tsv. */
static void
rows_header(char sep)
{
	const struct keydef	*kd = &keys[key];

	printf("Attempts%c%s%c%s%cFirst Seen%cLast Seen\n", sep, kd->title,
	    sep, cptitle[kd->cp], sep, sep);
}

/*
 * The end of a row's line: its counterparts (in width w), first and last
 * seen, each after its separator s[0], s[1], s[2], then s[3].
 */
static void
buf_tail(struct buf *b, const struct row *r, size_t w,
    const char *const s[4], struct trap_tzcache *c)
{
	buf_add(b, s[0], strlen(s[0]));
	buf_num(b, r->ncp, w);
	buf_add(b, s[1], strlen(s[1]));
	buf_time(b, rget(r, R_FIRST), c);
	buf_add(b, s[2], strlen(s[2]));
	buf_time(b, rget(r, R_LAST), c);
	buf_add(b, s[3], strlen(s[3]));
}

/* The widths of the columns of the text rows. */
struct textcols {
	size_t	 wa, wk, wc;
};

/* Row r as a line of text, appended to b; cell: its key's. */
static void
text_line(const struct row *r, const struct textcols *tc, struct buf *cell,
    struct trap_tzcache *c, struct buf *b)
{
	static const char *const tail[4] = { "", "  ", "  ", "\n" };

	keycell(r, 1, cell);
	buf_num(b, rget(r, R_ATTEMPTS), tc->wa);
	buf_add(b, "  ", 2);
	buf_add(b, cell->p, cell->len);
	buf_need(b, tc->wk - cell->len + 2);
	memset(b->p + b->len, ' ', tc->wk - cell->len + 2);
	b->len += tc->wk - cell->len + 2;
	buf_tail(b, r, tc->wc, tail, c);
}

/*
 * A share of the text rows, rows from to to - 1: their lines in out, or
 * with tc NULL, the widest key cell and the most counterparts.
 */
struct rowjob {
	const uint64_t		*v;
	size_t			 from, to;
	const struct textcols	*tc;
	struct buf		 out, cell;
	struct trap_tzcache	 tz;
	size_t			 wk;
	uint64_t		 maxcp;
};

static void *
rowjob_run(void *arg)
{
	struct rowjob		*j = arg;
	const struct row	*r;
	size_t			 i;

	j->out.len = 0;
	for (i = j->from; i < j->to; i++) {
		prefetch_row(j->v, i, j->to);
		r = sorted(j->v, i);
		if (j->tc != NULL) {
			text_line(r, j->tc, &j->cell, &j->tz, &j->out);
			continue;
		}
		keycell(r, 1, &j->cell);
		j->wk = max(j->wk, j->cell.len);
		if (r->ncp > j->maxcp)
			j->maxcp = r->ncp;
	}
	return NULL;
}

/*
 * The n text rows of v through j's pass, ROUNDROWS rows a job, two jobs
 * a round: with -j 2 or more, the second on a thread of its own.  Each
 * round's lines are written in order, so the output is the same.
 */
static void
rows_pass(const uint64_t *v, size_t n, struct rowjob j[2])
{
	pthread_t	 tid;
	size_t		 i, k;
	int		 e, threaded;

	for (i = 0; i < n; i = j[1].to) {
		for (k = 0; k < 2; k++) {
			j[k].v = v;
			j[k].from = k == 0 ? i : j[0].to;
			j[k].to = n - j[k].from < ROUNDROWS ? n :
			    j[k].from + ROUNDROWS;
		}
		threaded = njobs >= 2 && j[1].to > j[1].from;
		if (threaded &&
		    (e = pthread_create(&tid, NULL, rowjob_run, &j[1])) != 0)
			errc(1, e, "pthread_create");
		rowjob_run(&j[0]);
		if (!threaded)
			rowjob_run(&j[1]);
		else if ((e = pthread_join(tid, NULL)) != 0)
			errc(2, e, "pthread_join");
		for (k = 0; k < 2; k++)
			buf_flush(&j[k].out);
	}
}

/* The rows as text, in columns. */
static void
rows_text(const uint64_t *v, size_t n)
{
	const struct keydef	*kd = &keys[key];
	struct rowjob		 j[2];
	struct textcols		 tc;

	memset(j, 0, sizeof(j));
	j[0].wk = j[1].wk = strlen(kd->title);
	rows_pass(v, n, j);
	tc.wk = max(j[0].wk, j[1].wk);
	tc.wa = max(strlen("Attempts"), digits(rget(sorted(v, 0),
	    R_ATTEMPTS)));
	tc.wc = max(strlen(cptitle[kd->cp]), digits(max(j[0].maxcp,
	    j[1].maxcp)));
	printf("%*s  %-*s  %*s  %-19s  %s\n", (int)tc.wa, "Attempts",
	    (int)tc.wk, kd->title, (int)tc.wc, cptitle[kd->cp],
	    "First Seen", "Last Seen");
	j[0].tc = j[1].tc = &tc;
	rows_pass(v, n, j);
	free(j[0].out.p);
	free(j[1].out.p);
	free(j[0].cell.p);
	free(j[1].cell.p);
	trap_tzcache_free(&j[0].tz);
	trap_tzcache_free(&j[1].tz);
}

/* The rows as CSV or TSV. */
static void
rows_sv(const uint64_t *v, size_t n, struct buf *lbuf)
{
	const struct row	*r;
	char			 sep = fmt == FMT_CSV ? ',' : '\t';
	const char		*tail[4];
	size_t			 i;

	tail[0] = tail[1] = tail[2] = fmt == FMT_CSV ? "," : "\t";
	tail[3] = "\n";

	rows_header(sep);
	for (i = 0; i < n; i++) {
		r = sorted(v, i);
		keycell(r, fmt == FMT_TSV, &obuf);
		lbuf->len = 0;
		buf_num(lbuf, rget(r, R_ATTEMPTS), 0);
		buf_add(lbuf, &sep, 1);
		if (fmt == FMT_TSV)
			buf_add(lbuf, obuf.p, obuf.len);
		else {
			buf_flush(lbuf);
			trap_csv_str(stdout, obuf.p, obuf.len);
		}
		buf_tail(lbuf, r, 0, tail, &tzc);
		buf_flush(lbuf);
	}
}

/* The rows as JSON, an object a line. */
static void
rows_json(const uint64_t *v, size_t n, struct buf *lbuf)
{
	const struct keydef	*kd = &keys[key];
	const struct row	*r;
	const char		*k, *tail[4];
	char			 cp[32];
	size_t			 i, klen, rlen;

	snprintf(cp, sizeof(cp), ",\"%s\":", cpjson[kd->cp]);
	tail[0] = cp;
	tail[1] = ",\"first\":\"";
	tail[2] = "\",\"last\":\"";
	tail[3] = "\"}\n";
	for (i = 0; i < n; i++) {
		r = sorted(v, i);
		k = keyof(r, &klen);
		printf("{\"attempts\":%llu,\"%s\":",
		    (unsigned long long)rget(r, R_ATTEMPTS),
		    key == K_HOST ? "addr" : kd->name);
		put_json(k, klen);
		if (key == K_HOST) {
			fputs(",\"rdns\":", stdout);
			rlen = 0;
			if (r->rdns != 0 && klen > 0)
				k = rdnsof(r->rdns, &rlen);
			put_json(k, rlen);
		}
		lbuf->len = 0;
		buf_tail(lbuf, r, 0, tail, &tzc);
		buf_flush(lbuf);
	}
}

/* The rows, sorted, the first -n of them. */
static void
print_rows(void)
{
	static struct buf	 lbuf;
	uint64_t		*v;
	size_t			 n;

	v = sortrows(&n);
	if ((unsigned long long)nrows < n)
		n = nrows;
	switch (fmt) {
	case FMT_TEXT:
		rows_text(v, n);
		break;
	case FMT_TSV:
	case FMT_CSV:
		rows_sv(v, n, &lbuf);
		break;
	case FMT_JSON:
		rows_json(v, n, &lbuf);
		break;
	case FMT_SVG:		/* svg_rows() */
		break;
	}
	free(v);
}

/* The label of row i of a time key. */
static const char *
timelabel(int64_t i, char *buf, size_t bufsz)
{
	char	 t[TRAP_TIMELEN];

	switch (key) {
	case K_HOUR:
		trap_time_fmt((time_t)i * 3600, t);
		snprintf(buf, bufsz, "%.10s %.2s", t, t + 11);
		break;
	case K_DAY:
		trap_time_fmt((time_t)i * 86400, t);
		snprintf(buf, bufsz, "%.10s", t);
		break;
	case K_MINUTE:
		snprintf(buf, bufsz, fmt == FMT_TEXT ? "%02lld" : "%lld",
		    (long long)i);
		break;
	default:
		snprintf(buf, bufsz, "%s", wdays[i]);
		break;
	}
	return buf;
}

static uint64_t
timecount(int64_t i)
{
	uint64_t	*n;

	switch (key) {
	case K_MINUTE:
		return minutes[i];
	case K_WEEKDAY:
		return weekdays[i];
	default:
		n = trap_hash_get(timeh, (const char *)&i, sizeof(i));
		return n == NULL ? 0 : *n;
	}
}

/* The periods a time key shows: all of an hour or week, else as seen. */
static void
timerange(int64_t *lo, int64_t *hi)
{
	switch (key) {
	case K_MINUTE:
		*lo = 0;
		*hi = 59;
		break;
	case K_WEEKDAY:
		*lo = 0;
		*hi = 6;
		break;
	default:
		*lo = tmin;
		*hi = tmax;
		break;
	}
	if (*hi - *lo >= nrows)
		*hi = *lo + nrows - 1;
}

static void
print_times(void)
{
	const struct keydef	*kd = &keys[key];
	const char		*e;
	char			 l[64];
	int64_t			 lo, hi, i;
	uint64_t		 n, most = 0;
	size_t			 wl, wa, cols = COLUMNS, bar, j;

	timerange(&lo, &hi);

	switch (fmt) {
	case FMT_TEXT:
		if ((e = getenv("COLUMNS")) != NULL && *e != '\0')
			cols = strtonum(e, 20, 1000, NULL);
		if (cols == 0)
			cols = COLUMNS;
		wl = strlen(kd->title);
		for (i = lo; i <= hi; i++) {
			wl = max(wl, strlen(timelabel(i, l, sizeof(l))));
			if ((n = timecount(i)) > most)
				most = n;
		}
		wa = max(strlen("Attempts"), digits(most));
		bar = cols > wl + wa + 4 + MINBAR ? cols - wl - wa - 4 :
		    MINBAR;
		printf("%-*s  %*s\n", (int)wl, kd->title, (int)wa, "Attempts");
		for (i = lo; i <= hi; i++) {
			n = timecount(i);
			printf("%-*s  %*llu", (int)wl,
			    timelabel(i, l, sizeof(l)), (int)wa,
			    (unsigned long long)n);
			if (n > 0 && most > 0) {
				j = (n * bar + most / 2) / most;
				if (j == 0)
					j = 1;
				putchar(' ');
				putchar(' ');
				while (j-- > 0)
					putchar('#');
			}
			putchar('\n');
		}
		break;
	case FMT_TSV:
	case FMT_CSV:
		printf("%s%cAttempts\n", kd->title,
		    fmt == FMT_CSV ? ',' : '\t');
		for (i = lo; i <= hi; i++)
			printf("%s%c%llu\n", timelabel(i, l, sizeof(l)),
			    fmt == FMT_CSV ? ',' : '\t',
			    (unsigned long long)timecount(i));
		break;
	case FMT_SVG:		/* svg_times() */
		break;
	case FMT_JSON:
		for (i = lo; i <= hi; i++) {
			timelabel(i, l, sizeof(l));
			if (key == K_MINUTE)
				printf("{\"%s\":%s", kd->name, l);
			else
				printf("{\"%s\":\"%s\"", kd->name, l);
			printf(",\"attempts\":%llu}\n",
			    (unsigned long long)timecount(i));
		}
		break;
	}
}

/* No attempts: csv and tsv have their header line, the others nothing. */
static void
print_empty(void)
{
	char	 sep = fmt == FMT_CSV ? ',' : '\t';

	if (fmt != FMT_CSV && fmt != FMT_TSV)
		return;
	if (keys[key].cp == CP_NONE)
		printf("%s%cAttempts\n", keys[key].title, sep);
	else
		rows_header(sep);
}

/* The summary line of -s, without its newline. */
static const char *
summaryline(char *buf, size_t bufsz)
{
	char	 t1[64], t2[64];
	int	 n;

	if (nattempts == 0) {
		snprintf(buf, bufsz, "0 attempts by 0 hosts trying 0 user "
		    "names");
		return buf;
	}
	trap_time_local(first, t1);
	trap_time_local(last, t2);
	n = snprintf(buf, bufsz, "%llu attempts by %zu hosts trying %zu "
	    "user names from %s to %s", (unsigned long long)nattempts,
	    trap_hash_count(hostsh), trap_hash_count(usersh), t1, t2);
	if (hasclass && n > 0 && (size_t)n < bufsz)
		snprintf(buf + n, bufsz - n, ", %llu on spamtraps",
		    (unsigned long long)ntrap);
	return buf;
}

static void
print_summary(void)
{
	char	 t1[64] = "", t2[64] = "", line[256];

	if (nattempts > 0) {
		trap_time_local(first, t1);
		trap_time_local(last, t2);
	}
	switch (fmt) {
	case FMT_TEXT:
	case FMT_SVG:
		puts(summaryline(line, sizeof(line)));
		break;
	case FMT_TSV:
	case FMT_CSV:
		printf(fmt == FMT_CSV ?
		    "Attempts,Hosts,User Names,First Seen,Last Seen%s\n"
		    "%llu,%zu,%zu,%s,%s" :
		    "Attempts\tHosts\tUser Names\tFirst Seen\tLast Seen%s\n"
		    "%llu\t%zu\t%zu\t%s\t%s",
		    !hasclass ? "" : fmt == FMT_CSV ? ",Spamtrap Attempts" :
		    "\tSpamtrap Attempts", (unsigned long long)nattempts,
		    trap_hash_count(hostsh), trap_hash_count(usersh), t1, t2);
		if (hasclass)
			printf("%c%llu", fmt == FMT_CSV ? ',' : '\t',
			    (unsigned long long)ntrap);
		putchar('\n');
		break;
	case FMT_JSON:
		if (nattempts == 0) {
			puts("{\"attempts\":0,\"hosts\":0,\"users\":0,"
			    "\"first\":null,\"last\":null}");
			break;
		}
		printf("{\"attempts\":%llu,\"hosts\":%zu,\"users\":%zu,"
		    "\"first\":\"%s\",\"last\":\"%s\"",
		    (unsigned long long)nattempts, trap_hash_count(hostsh),
		    trap_hash_count(usersh), t1, t2);
		if (hasclass)
			printf(",\"trap_attempts\":%llu",
			    (unsigned long long)ntrap);
		fputs("}\n", stdout);
		break;
	}
}

/* Charts. */

/* A chart with its title, and the summary line or "No attempts". */
static struct trap_svg *
svg_begin(int height, const char *heading)
{
	struct trap_svg	*s;
	char		 line[256], title[512];

	if (nattempts > 0)
		summaryline(line, sizeof(line));
	else
		strlcpy(line, "No attempts", sizeof(line));
	snprintf(title, sizeof(title), "%s: %s", heading, line);
	s = trap_svg_begin(stdout, SVGW, height, title);
	trap_svg_text(s, 24, 26, TRAP_SVG_BIG | TRAP_SVG_BOLD, heading);
	trap_svg_text(s, 24, 46, TRAP_SVG_GRAY, line);
	return s;
}

static void
svg_end(struct trap_svg *s)
{
	if (trap_svg_end(s) == -1)
		err(1, "stdout");
}

/* No attempts: the frame, and a word in it. */
static void
svg_empty(void)
{
	struct trap_svg	*s;

	s = svg_begin(SVGH, svgtitle[key]);
	trap_svg_rect(s, plotbox.x, plotbox.y, plotbox.w, plotbox.h,
	    "#f4f4f4");
	trap_svg_text(s, plotbox.x + plotbox.w / 2, plotbox.y + plotbox.h / 2,
	    TRAP_SVG_MIDDLE | TRAP_SVG_BIG | TRAP_SVG_GRAY, "No attempts");
	svg_end(s);
}

/*
 * The time keys: a bar per period.  Hours are shown in whole days, and
 * when there are more periods than pixels, consecutive periods are
 * added up into one bar (hours by a divisor or a multiple of a day, so
 * that bars keep to the days).  Minutes and weekdays have the level that
 * attempts spread evenly would have.
 */
/*
 * The bars of svg_times(): the counts of the n periods from plo (hours
 * or days; those seen are lo to hi), k to a bar; their number in *nb,
 * the largest in *most.
 */
static uint64_t *
svg_bins(int64_t lo, int64_t hi, int64_t plo, int64_t n, int64_t k,
    int64_t *nb, uint64_t *most)
{
	uint64_t	*cnt;
	int64_t		 i, g;

	*nb = (n + k - 1) / k;
	cnt = xcalloc(*nb, sizeof(*cnt));
	for (i = lo; i <= hi; i++)
		cnt[(i - plo) / k] += timecount(i);
	*most = 0;
	for (g = 0; g < *nb; g++)
		if (cnt[g] > *most)
			*most = cnt[g];
	return cnt;
}

/* The hours' axis of svg_times(): days, and hours if there is room. */
static void
svg_hours(struct trap_svg *s, struct trap_svg_box *b, int64_t plo,
    int64_t phi, int64_t k, int64_t nb, const char *xtitle)
{
	char	 l[64];
	double	 slot = b->w / nb, base = b->y + b->h, x;
	int64_t	 i;

	/* A day is 24 periods; its ticks are at its start. */
	b->xlo = plo / 24.0;
	b->xhi = (plo + nb * k) / 24.0;
	trap_svg_xdays(s, b, 1, xtitle);
	if (k > 1 || slot < 6)
		return;
	for (i = plo; i <= phi; i++) {
		x = b->x + (i - plo) * slot;
		if (i % 24 == 0)
			continue;
		trap_svg_line(s, x, base, x, base + 3, "#333333", 1, 0);
		if (i % 6 != 0 || slot < 12)
			continue;
		snprintf(l, sizeof(l), "%02d", (int)(i % 24));
		trap_svg_text(s, x, base + 19, TRAP_SVG_MIDDLE |
		    TRAP_SVG_SMALL | TRAP_SVG_GRAY, l);
	}
}

/*
 * The axis of minutes or weekdays of svg_times(), with the line of the
 * attempts spread evenly.
 */
static void
svg_cycle(struct trap_svg *s, const struct trap_svg_box *b, int64_t lo,
    int64_t hi, double even, const char *xtitle)
{
	char	 l[64];
	double	 slot = b->w / (hi - lo + 1), base = b->y + b->h, x, y;
	int64_t	 i;

	for (i = lo; i <= hi; i++) {
		if (key == K_MINUTE && i % 5 != 0)
			continue;
		x = b->x + (i - lo + 0.5) * slot;
		trap_svg_line(s, x, base, x, base + 5, "#333333", 1, 0);
		trap_svg_text(s, x, base + 19, TRAP_SVG_MIDDLE |
		    TRAP_SVG_SMALL, key == K_MINUTE ?
		    timelabel(i, l, sizeof(l)) : wdays[i]);
	}
	trap_svg_text(s, b->x + b->w / 2, base + 38,
	    TRAP_SVG_MIDDLE | TRAP_SVG_GRAY, xtitle);
	y = trap_svg_y(b, even);
	trap_svg_line(s, b->x, y, b->x + b->w, y, "#d62728", 1.5, 6);
	trap_svg_textf(s, b->x + b->w, y - 5, TRAP_SVG_END |
	    TRAP_SVG_SMALL, "spread evenly: %.*f a %s",
	    even < 1 ? 2 : 1, even, key == K_MINUTE ? "minute" : "day");
}

/* The time keys' chart: a bar per period (or per k of them). */
static void
svg_times(void)
{
	struct trap_svg		*s;
	struct trap_svg_box	 b = plotbox;
	char			 zone[80], ytitle[64], xtitle[128];
	int64_t			 lo, hi, plo, phi, k, n, nb, g;
	uint64_t		*cnt, most;
	double			 slot, bw, y, base, even = 0;

	timerange(&lo, &hi);
	plo = lo;
	phi = hi;
	if (key == K_HOUR) {
		plo = floordiv(lo, 24) * 24;
		phi = floordiv(hi, 24) * 24 + 23;
	}
	n = phi - plo + 1;
	k = 1;
	if (n > (int64_t)b.w) {
		k = (n + (int64_t)b.w - 1) / (int64_t)b.w;
		if (key == K_HOUR)
			k = k <= 2 ? 2 : k <= 3 ? 3 : k <= 4 ? 4 : k <= 6 ? 6 :
			    k <= 8 ? 8 : k <= 12 ? 12 : (k + 23) / 24 * 24;
	}
	cnt = svg_bins(lo, hi, plo, n, k, &nb, &most);

	if (k == 1)
		strlcpy(ytitle, svgtitle[key], sizeof(ytitle));
	else
		snprintf(ytitle, sizeof(ytitle), "Attempts per %lld %s",
		    (long long)k, key == K_HOUR ? "hours" : "days");
	s = svg_begin(SVGH, ytitle);
	trap_tz_label(first, last, zone, sizeof(zone));
	switch (key) {
	case K_HOUR:
	case K_DAY:
		snprintf(xtitle, sizeof(xtitle), "Date (%s)", zone);
		break;
	case K_MINUTE:
		even = nattempts / 60.0;
		strlcpy(ytitle, "Attempts", sizeof(ytitle));
		strlcpy(xtitle, "Minute past the hour", sizeof(xtitle));
		trap_svg_textf(s, 24, 64, TRAP_SVG_GRAY | TRAP_SVG_SMALL,
		    "Minutes 0 and 1: %.1f%% of the attempts "
		    "(3.3%% if spread evenly)",
		    100.0 * (minutes[0] + minutes[1]) / nattempts);
		break;
	default:
		even = nattempts / 7.0;
		strlcpy(ytitle, "Attempts", sizeof(ytitle));
		snprintf(xtitle, sizeof(xtitle), "Day of the week (%s)", zone);
		break;
	}
	trap_svg_yaxis(s, &b, most > even ? most : even, 1, ytitle);

	slot = b.w / nb;
	bw = slot >= 4 ? slot * 0.8 : slot;
	if (bw > 48)
		bw = 48;
	base = b.y + b.h;
	for (g = 0; g < nb; g++) {
		if (cnt[g] == 0)
			continue;
		y = trap_svg_y(&b, cnt[g]);
		trap_svg_rect(s, b.x + g * slot + (slot - bw) / 2, y, bw,
		    base - y, "#4e79a7");
	}
	free(cnt);

	if (key == K_HOUR)
		svg_hours(s, &b, plo, phi, k, nb, xtitle);
	else if (key == K_DAY) {
		/* Days are labelled at the middle of their bars. */
		b.xlo = plo - 0.5;
		b.xhi = plo + nb * k - 0.5;
		trap_svg_xdays(s, &b, k == 1, xtitle);
	} else
		svg_cycle(s, &b, lo, hi, even, xtitle);
	svg_end(s);
}

/* The other keys: a bar per key, the first -n (20, at most 50). */
static void
svg_rows(void)
{
	struct trap_svg		*s;
	struct trap_svg_box	 b;
	struct trap_svg_tick	 t[16];
	uint64_t		*v;
	size_t			 n, shown, i, nt;
	double			 y, x, w;

	v = sortrows(&n);
	shown = nrows == LLONG_MAX ? SVGROWS : nrows < SVGMAXROWS ?
	    (size_t)nrows : SVGMAXROWS;
	if (shown > n)
		shown = n;

	b.x = 368;
	b.y = 64;
	b.w = 352;
	b.h = 20 * shown;
	s = svg_begin(b.y + b.h + 64, svgtitle[key]);
	nt = trap_svg_ticks(0, rget(sorted(v, 0), R_ATTEMPTS), 6, 1, t, 16);
	b.xlo = b.ylo = b.yhi = 0;
	b.xhi = t[nt - 1].v;
	for (i = 0; i < nt; i++) {
		x = trap_svg_x(&b, t[i].v);
		trap_svg_line(s, x, b.y, x, b.y + b.h, i == 0 ? "#333333" :
		    "#dddddd", 1, 0);
		trap_svg_text(s, x, b.y + b.h + 16, TRAP_SVG_MIDDLE |
		    TRAP_SVG_SMALL, t[i].label);
	}
	trap_svg_text(s, b.x + b.w / 2, b.y + b.h + 34,
	    TRAP_SVG_MIDDLE | TRAP_SVG_GRAY, "Attempts");
	for (i = 0; i < shown; i++) {
		y = b.y + 20 * i;
		w = trap_svg_x(&b, rget(sorted(v, i), R_ATTEMPTS)) - b.x;
		trap_svg_rect(s, b.x, y + 3, w < 1 ? 1 : w, 14, "#4e79a7");
		trap_svg_textf(s, b.x + w + 4, y + 14, TRAP_SVG_SMALL, "%llu",
		    (unsigned long long)rget(sorted(v, i), R_ATTEMPTS));
		/* Too long: a name's end tells more of a host or domain. */
		keycell(sorted(v, i), 1, &obuf);
		if (obuf.len > SVGLABEL && (key == K_HOST || key == K_DOMAIN)) {
			memmove(obuf.p + 3, obuf.p + obuf.len - SVGLABEL + 3,
			    SVGLABEL - 3);
			memcpy(obuf.p, "...", 3);
			obuf.len = SVGLABEL;
			obuf.p[obuf.len] = '\0';
		} else if (obuf.len > SVGLABEL) {
			obuf.len = SVGLABEL - 3;
			buf_add(&obuf, "...", 3);
		}
		trap_svg_text(s, b.x - 8, y + 14, TRAP_SVG_END |
		    TRAP_SVG_SMALL | TRAP_SVG_MONO, obuf.p);
	}
	if (n > shown)
		trap_svg_textf(s, 24, b.y + b.h + 54, TRAP_SVG_SMALL |
		    TRAP_SVG_GRAY, "%zu more not shown", n - shown);
	free(v);
	svg_end(s);
}

/* -m bits4[,bits6] */
/* -k breach: the addresses that logged in after failing. */
static int
breachrec(const struct trap_rec *r, const char *line, size_t len, void *arg)
{
	(void)line;
	(void)len;
	(void)arg;
	trap_breach_add(breaches, r);
	return 0;
}

/* A breach's user name: decoded but for text, where it stays encoded. */
static void
breach_user(const struct trap_breach_row *b, struct buf *out)
{
	char	 u[TRAP_LINEMAX];
	size_t	 n;

	n = trap_unvis(u, sizeof(u), b->user, strlen(b->user));
	if (fmt == FMT_TEXT || fmt == FMT_TSV || n == (size_t)-1)
		buf_add(out, b->user, strlen(b->user));
	else
		buf_add(out, u, n);
}

static void
breach_text(const struct trap_breach_row *const *rows, size_t n)
{
	static struct buf	 lbuf;
	size_t			 i, wh = 4, wu = 4;

	for (i = 0; i < n; i++) {
		wh = max(wh, strlen(rows[i]->addr));
		wu = max(wu, strlen(rows[i]->user));
	}
	printf("%-19s  %-*s  %-*s  %15s  %19s  %-19s  %8s  %s\n", "Login",
	    (int)wh, "Host", (int)wu, "User", "Failures Before",
	    "Net Failures Before", "First Failure", "Within", "Spamtrap");
	for (i = 0; i < n; i++) {
		lbuf.len = 0;
		buf_time(&lbuf, rows[i]->login, &tzc);
		buf_add(&lbuf, "  ", 2);
		buf_add(&lbuf, rows[i]->addr, strlen(rows[i]->addr));
		while (lbuf.len < 21 + wh + 2)
			buf_add(&lbuf, " ", 1);
		breach_user(rows[i], &lbuf);
		while (lbuf.len < 21 + wh + 2 + wu + 2)
			buf_add(&lbuf, " ", 1);
		buf_num(&lbuf, rows[i]->failures, 15);
		buf_add(&lbuf, "  ", 2);
		buf_num(&lbuf, rows[i]->netfailures, 19);
		buf_add(&lbuf, "  ", 2);
		buf_time(&lbuf, rows[i]->first, &tzc);
		buf_add(&lbuf, "  ", 2);
		buf_num(&lbuf, rows[i]->login - rows[i]->first, 7);
		buf_add(&lbuf, "s  ", 3);
		buf_add(&lbuf, rows[i]->trap ? "yes\n" : "no\n",
		    rows[i]->trap ? 4 : 3);
		buf_flush(&lbuf);
	}
}

static void
breach_sv(const struct trap_breach_row *const *rows, size_t n)
{
	static struct buf	 lbuf, ubuf;
	char			 sep = fmt == FMT_CSV ? ',' : '\t';
	size_t			 i;

	printf("Login%cHost%cUser%cFailures Before%cNet Failures Before%c"
	    "First Failure\n", sep, sep, sep, sep, sep);
	for (i = 0; i < n; i++) {
		lbuf.len = ubuf.len = 0;
		buf_time(&lbuf, rows[i]->login, &tzc);
		buf_add(&lbuf, &sep, 1);
		buf_add(&lbuf, rows[i]->addr, strlen(rows[i]->addr));
		buf_add(&lbuf, &sep, 1);
		breach_user(rows[i], &ubuf);
		if (fmt == FMT_TSV)
			buf_add(&lbuf, ubuf.p, ubuf.len);
		else {
			buf_flush(&lbuf);
			trap_csv_str(stdout, ubuf.p, ubuf.len);
		}
		buf_add(&lbuf, &sep, 1);
		buf_num(&lbuf, rows[i]->failures, 0);
		buf_add(&lbuf, &sep, 1);
		buf_num(&lbuf, rows[i]->netfailures, 0);
		buf_add(&lbuf, &sep, 1);
		buf_time(&lbuf, rows[i]->first, &tzc);
		buf_add(&lbuf, "\n", 1);
		buf_flush(&lbuf);
	}
}

static void
breach_json(const struct trap_breach_row *const *rows, size_t n)
{
	static struct buf	 lbuf, ubuf;
	size_t			 i;

	for (i = 0; i < n; i++) {
		lbuf.len = ubuf.len = 0;
		buf_add(&lbuf, "{\"login\":\"", 10);
		buf_time(&lbuf, rows[i]->login, &tzc);
		buf_add(&lbuf, "\",\"addr\":\"", 10);
		buf_add(&lbuf, rows[i]->addr, strlen(rows[i]->addr));
		buf_add(&lbuf, "\",\"user\":", 9);
		buf_flush(&lbuf);
		breach_user(rows[i], &ubuf);
		put_json(ubuf.p, ubuf.len);
		buf_add(&lbuf, ",\"failures\":", 12);
		buf_num(&lbuf, rows[i]->failures, 0);
		buf_add(&lbuf, ",\"net_failures\":", 16);
		buf_num(&lbuf, rows[i]->netfailures, 0);
		buf_add(&lbuf, ",\"first\":\"", 10);
		buf_time(&lbuf, rows[i]->first, &tzc);
		buf_add(&lbuf, "\",\"within\":", 11);
		buf_num(&lbuf, rows[i]->login - rows[i]->first, 0);
		buf_add(&lbuf, rows[i]->trap ? ",\"trap\":true}\n" :
		    ",\"trap\":false}\n", rows[i]->trap ? 14 : 15);
		buf_flush(&lbuf);
	}
}

/* Read for -k breach and write its table; the exit status. */
static int
breach(struct trap_input *in, int argc, char *argv[])
{
	const struct trap_breach_row	**rows;
	size_t				  n;
	int				  rc = 0;

	in->logins = 1;
	in->rec = breachrec;
	in->flush = NULL;
	if (trap_input_read(in, argc, argv) == -1 || in->nbad > 0)
		rc = 1;
	rows = trap_breach_rows(breaches, &n);
	if ((unsigned long long)nrows < n)
		n = nrows;
	if (fmt == FMT_TEXT && n == 0)
		printf("no login after a failure\n");
	else if (fmt == FMT_TEXT)
		breach_text(rows, n);
	else if (fmt == FMT_JSON)
		breach_json(rows, n);
	else
		breach_sv(rows, n);
	free(rows);
	trap_breach_free(breaches);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	return rc;
}

static void
parse_bits(char *arg)
{
	const char	*errstr;
	char		*six;

	if ((six = strchr(arg, ',')) != NULL) {
		*six++ = '\0';
		bits6 = strtonum(six, 0, 128, &errstr);
		if (errstr != NULL)
			errx(1, "IPv6 prefix length is %s: %s", errstr, six);
	}
	bits4 = strtonum(arg, 0, 32, &errstr);
	if (errstr != NULL)
		errx(1, "IPv4 prefix length is %s: %s", errstr, arg);
}

/* The options, into the globals and in (-A, -S, -U); optind past them. */
static void
options(int argc, char *argv[], struct trap_input *in)
{
	const char	*errstr;
	char		*marg = NULL;
	size_t		 i;
	int		 ch, uflag = 0;

	while ((ch = getopt(argc, argv, "A:j:k:m:n:o:S:sU:u")) != -1) {
		switch (ch) {
		case 'j':
			njobs = trap_jobs_opt(optarg, usage);
			break;
		case 'k':
			if (strcmp(optarg, "breach") == 0) {
				breaches = trap_breach_new();
				break;
			}
			for (i = 0; i < NKEYS; i++)
				if (strcmp(optarg, keys[i].name) == 0)
					break;
			if (i == NKEYS)
				errx(1, "unknown key: %s", optarg);
			key = i;
			break;
		case 'm':
			marg = optarg;
			break;
		case 'n':
			nrows = strtonum(optarg, 1, LLONG_MAX, &errstr);
			if (errstr != NULL)
				errx(1, "count is %s: %s", errstr, optarg);
			break;
		case 'o':
			if ((ch = trap_name_lookup(fmtnames, NFMTS,
			    optarg, strlen(optarg))) == -1)
				errx(1, "unknown format: %s", optarg);
			fmt = ch;
			break;
		case 's':
			sflag = 1;
			break;
		case 'u':
			uflag = 1;
			break;
		default:
			if (!trap_input_opt(in, ch, optarg))
				usage();
		}
	}
	if (sflag && fmt == FMT_SVG)
		errx(1, "-s has no svg format");
	if (breaches != NULL && (sflag || marg != NULL || fmt == FMT_SVG))
		trap_badusage(usage, "-k breach is a table: not with -m, -s "
		    "or -o svg");
	if (marg != NULL) {
		if (key != K_NET)
			errx(1, "-m is only for -k net");
		parse_bits(marg);
	}
	/* -S and -U are read in the zone of the output. */
	trap_tz_init(uflag ? "UTC0" : NULL);
	trap_input_window(in, 1);
}

/* What was counted, in the format of -o. */
static void
output(void)
{
	if (fmt == FMT_SVG) {
		if (nattempts == 0)
			svg_empty();
		else if (keys[key].cp == CP_NONE)
			svg_times();
		else
			svg_rows();
	} else if (sflag)
		print_summary();
	else if (nattempts > 0 && keys[key].cp == CP_NONE)
		print_times();
	else if (nattempts > 0)
		print_rows();
	else
		print_empty();
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
}

int
main(int argc, char *argv[])
{
	struct trap_input	 in;
	int			 rc = 0, threaded;

	/* The archive of -A needs flock, and wpath and cpath to recover. */
	if (pledge("stdio rpath wpath cpath flock", NULL) == -1)
		err(1, "pledge");
	memset(&in, 0, sizeof(in));
	options(argc, argv, &in);
	argc -= optind;
	argv += optind;
	if (in.archive != NULL && argc > 0)
		trap_badusage(usage, "-A and files are mutually exclusive");
	if (in.archive == NULL && pledge("stdio rpath", NULL) == -1)
		err(1, "pledge");

	if (sflag || fmt == FMT_SVG) {
		hostsh = trap_hash_new(0);
		usersh = trap_hash_new(0);
	}
	if (!sflag && keys[key].cp == CP_NONE)
		timeh = trap_hash_new(sizeof(uint64_t));
	else if (!sflag) {
		keyed = 1;
		keyh = trap_hash_new(sizeof(struct row));
		rdnsh = trap_hash_new(0);
	}

	/* Once the input is open, rpath and the archive's promises end. */
	in.promises = "stdio";
	in.rec = readrec;
	in.flush = endblock;
	if (breaches != NULL)
		return breach(&in, argc, argv);
	if (njobs == 0)
		njobs = trap_jobs_default();
	/*
	 * A time key alone counts too little to pay for a second thread:
	 * the copy of each line to it costs more than the count.
	 */
	threaded = njobs > 1 && (keyed || sflag || fmt == FMT_SVG);
	if (threaded && read_threaded(&in, argc, argv) == -1)
		rc = 1;
	else if (!threaded && trap_input_read(&in, argc, argv) == -1)
		rc = 1;
	if (in.nbad > 0 || nbad > 0)
		rc = 1;
	output();
	return rc;
}
