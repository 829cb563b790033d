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
 * The archive: trap(5) records kept in a Berkeley DB environment (the db4
 * API, as OpenBSD's databases/db/v4 port has it) so that history survives
 * log rotation.  See trapdb(8) for the format.
 *
 * records	btree: key = time (8 bytes, big endian), a 64-bit hash of the
 *		other seven fields (8), the occurrence (4); data = the record
 *		as a trap(5) line.  Time order, so a window is a range scan.
 * addr, user	btree with sorted duplicates: secondary indexes of records
 *		by address and by (lower-cased) user.
 * meta		btree: "version" -> "2", "hashkey" -> 16 random bytes.
 *
 * The hash is SipHash under the archive's own key, drawn when it is
 * created: the fields are client text, and an attacker who could make
 * two records of one second hash alike could have one taken for the
 * other and dropped.  An archive of version 1, made before, has no key
 * and its hashes are FNV-1a: it is still read and added to as it is (its
 * keys cannot be computed again without the records being rewritten).
 *
 * An attempt is identified by its record and its occurrence: the n-th
 * identical record of the same second read from one input file.  Reading
 * a log again, or an overlapping one, adds nothing twice; two identical
 * attempts on two lines of one log both count.  Every process holds an
 * exclusive flock(2) on DIR/lock while it has the archive open, so that
 * recovery (run at every open) is serialised and readers never see half
 * an ingest.
 */

#include "compat.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <db.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"

#define AR_VERSION	"2"
#define AR_VERSION1	"1"		/* FNV-1a, no hash key */
#define KEYLEN		20
#define BATCH		20000	/* records per transaction */
#define OCCMAX		4096	/* distinct records of one second remembered */
/*
 * The mode of every file of the archive: the databases, the lock, and the
 * environment's region and log files, which Berkeley DB creates with the
 * mode given to DB_ENV->open.  Tried user names are often mistyped
 * passwords, so only the owner reads them.
 */
#define AR_MODE		0600
#define AR_DIRMODE	0700
#define AR_CACHE	(16 * 1024 * 1024)	/* bytes; see trap_archive_open */
#define AR_LOGMAX	(1024 * 1024)		/* bytes of a log file */

struct trap_archive {
	char			*dir;
	int			 lockfd;
	int			 writable;
	DB_ENV			*env;
	DB			*rec, *byaddr, *byuser, *meta;
	DB_TXN			*txn;
	size_t			 intxn;
	int			 fnv;		/* version 1: FNV-1a */
	uint64_t		 hashkey[2];
	/* Occurrences of the records of the current second. */
	time_t			 occtime;
	size_t			 nocc;
	uint64_t		 occhash[OCCMAX];
	uint32_t		 occn[OCCMAX];
	unsigned long long	 added, dups;
};

static const char	*sortbuf;	/* of cmpoff() */

static void
dberr(const struct trap_archive *a, const char *what, int ret)
{
	warnx("%s: %s: %s", a->dir, what, db_strerror(ret));
}

/* The hash of a record's fields after its time, as its key holds it. */
static uint64_t
hash64(const struct trap_archive *a, const char *p, size_t len)
{
	uint64_t	 h = 14695981039346656037ULL;

	if (!a->fnv)
		return trap_siphash(a->hashkey, p, len);
	while (len-- > 0)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return h;
}

static void
put64(unsigned char *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Field n (0-based) of a record line held in a DBT. */
static int
field(const DBT *d, int n, DBT *out)
{
	const char	*p = d->data, *end = p + d->size, *tab;

	for (; n > 0; n--) {
		if ((tab = memchr(p, '\t', end - p)) == NULL)
			return -1;
		p = tab + 1;
	}
	if ((tab = memchr(p, '\t', end - p)) == NULL)
		tab = end;
	memset(out, 0, sizeof(*out));
	out->data = (void *)p;
	out->size = tab - p;
	return 0;
}

/* Every record, "-" included: what the index holds is format. */
static int
index_addr(DB *sdb, const DBT *key, const DBT *data, DBT *skey)
{
	(void)sdb;
	(void)key;
	if (field(data, F_ADDR, skey) == -1)
		return DB_DONOTINDEX;
	return 0;
}

static int
index_user(DB *sdb, const DBT *key, const DBT *data, DBT *skey)
{
	char	*p;

	(void)sdb;
	(void)key;
	if (field(data, F_USER, skey) == -1 ||
	    (skey->size == 1 && *(char *)skey->data == '-'))
		return DB_DONOTINDEX;
	/* Lower-cased, so a copy that Berkeley DB frees. */
	if ((p = malloc(skey->size)) == NULL)
		return ENOMEM;
	memcpy(p, skey->data, skey->size);
	trap_lower(p, skey->size);
	skey->data = p;
	skey->flags |= DB_DBT_APPMALLOC;
	return 0;
}

static int
opendb(struct trap_archive *a, DB **dbp, const char *name, int dups)
{
	DB		*db;
	u_int32_t	 flags = DB_AUTO_COMMIT;
	int		 ret;

	if ((ret = db_create(&db, a->env, 0)) != 0) {
		dberr(a, "db_create", ret);
		return -1;
	}
	if (dups && (ret = db->set_flags(db, DB_DUPSORT)) != 0) {
		dberr(a, name, ret);
		db->close(db, 0);
		return -1;
	}
	if (a->writable)
		flags |= DB_CREATE;
	else
		flags |= DB_RDONLY;
	if ((ret = db->open(db, NULL, name, NULL, DB_BTREE, flags,
	    AR_MODE)) != 0) {
		dberr(a, name, ret);
		db->close(db, 0);
		return -1;
	}
	*dbp = db;
	return 0;
}

/* Get (put, with a value) an entry of meta: 0, 1 if none, or -1. */
static int
metaget(struct trap_archive *a, const char *name, DBT *d)
{
	DBT	 k;
	int	 ret;

	memset(&k, 0, sizeof(k));
	k.data = (void *)name;
	k.size = strlen(name);
	memset(d, 0, sizeof(*d));
	if ((ret = a->meta->get(a->meta, NULL, &k, d, 0)) == DB_NOTFOUND)
		return 1;
	if (ret != 0) {
		dberr(a, "meta", ret);
		return -1;
	}
	return 0;
}

static int
metaput(struct trap_archive *a, const char *name, const void *p,
    size_t len)
{
	DBT	 k, d;
	int	 ret;

	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = (void *)name;
	k.size = strlen(name);
	d.data = (void *)p;
	d.size = len;
	if ((ret = a->meta->put(a->meta, NULL, &k, &d, 0)) != 0) {
		dberr(a, "meta", ret);
		return -1;
	}
	return 0;
}

/*
 * The version and the hash key; a new archive is made of the current
 * version, with a key drawn for it.
 */
static int
checkversion(struct trap_archive *a)
{
	unsigned char	 hk[16];
	DBT		 d;
	char		 v[32];
	int		 i, ret;

	if ((ret = metaget(a, "version", &d)) == 1) {
		if (!a->writable)
			return 0;	/* empty archive */
		arc4random_buf(hk, sizeof(hk));
		if (metaput(a, "hashkey", hk, sizeof(hk)) == -1 ||
		    metaput(a, "version", AR_VERSION, strlen(AR_VERSION)) == -1)
			return -1;
		return checkversion(a);
	}
	if (ret == -1)
		return -1;
	snprintf(v, sizeof(v), "%.*s", (int)(d.size < 20 ? d.size : 20),
	    (char *)d.data);
	if (strcmp(v, AR_VERSION1) == 0) {
		a->fnv = 1;
		return 0;
	}
	if (strcmp(v, AR_VERSION) != 0) {
		warnx("%s: archive format version %s; this program reads "
		    "versions %s and %s", a->dir, v, AR_VERSION1, AR_VERSION);
		return -1;
	}
	if ((ret = metaget(a, "hashkey", &d)) == -1)
		return -1;
	if (ret == 1 || d.size != sizeof(hk)) {
		warnx("%s: archive without a hash key", a->dir);
		return -1;
	}
	/* Little-endian words, as SipHash reads its key. */
	memcpy(hk, d.data, sizeof(hk));
	a->hashkey[0] = a->hashkey[1] = 0;
	for (i = 7; i >= 0; i--) {
		a->hashkey[0] = a->hashkey[0] << 8 | hk[i];
		a->hashkey[1] = a->hashkey[1] << 8 | hk[8 + i];
	}
	return 0;
}

/*
 * Open the archive at dir; with writable, create it if missing.  Waits
 * for the lock while another process has it open.
 */
struct trap_archive *
trap_archive_open(const char *dir, int writable)
{
	struct trap_archive	*a;
	char			 path[PATH_MAX];
	int			 ret;

	a = xcalloc(1, sizeof(*a));
	a->dir = xstrdup(dir);
	a->writable = writable;
	a->lockfd = -1;
	if (writable && mkdir(dir, AR_DIRMODE) == -1 && errno != EEXIST) {
		warn("%s", dir);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/lock", dir);
	if ((a->lockfd = open(path, writable ? O_RDWR | O_CREAT : O_RDWR,
	    AR_MODE)) == -1) {
		warn("%s", errno == ENOENT ? dir : path);
		goto fail;
	}
	if (flock(a->lockfd, LOCK_EX) == -1) {
		warn("%s: flock", path);
		goto fail;
	}
	/*
	 * We are alone (the lock): the shared regions of a process killed
	 * while it made them could not be joined, so they go; recovery
	 * rebuilds the state from the log.
	 */
	for (ret = 1; ret < 100; ret++) {
		snprintf(path, sizeof(path), "%s/__db.%03d", dir, ret);
		if (unlink(path) == -1 && errno == ENOENT)
			break;
	}
	if ((ret = db_env_create(&a->env, 0)) != 0) {
		dberr(a, "db_env_create", ret);
		goto fail;
	}
	a->env->set_errfile(a->env, stderr);
	a->env->set_errpfx(a->env, getprogname());
	/*
	 * Sized for what the archive holds.  The cache: a batch of BATCH
	 * records of random addresses and users touches about 4000 pages
	 * of the records and the indexes (the most locks held, measured),
	 * 16 MB of 4 KB pages, so a batch's pages stay in it; a larger
	 * cache is a larger region file (Berkeley DB 4.6 makes it whole
	 * at open).  The log: the file in use is always on disk, the
	 * others are removed once a checkpoint (after each batch) no
	 * longer needs them, so a small file keeps little; 1 MB is many
	 * times the log buffer that Berkeley DB wants at least 4 of.
	 */
	a->env->set_cachesize(a->env, 0, AR_CACHE, 1);
	a->env->set_lg_max(a->env, AR_LOGMAX);
#ifdef DB_LOG_AUTO_REMOVE
	a->env->log_set_config(a->env, DB_LOG_AUTO_REMOVE, 1);
#else
	a->env->set_flags(a->env, DB_LOG_AUTOREMOVE, 1);	/* 4.6 */
#endif
	a->env->set_flags(a->env, DB_TXN_WRITE_NOSYNC, 1);
	a->env->set_lk_max_locks(a->env, 100000);
	a->env->set_lk_max_objects(a->env, 100000);
	a->env->set_lk_max_lockers(a->env, 1000);
	if ((ret = a->env->open(a->env, dir, DB_CREATE | DB_INIT_LOCK |
	    DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN | DB_RECOVER,
	    AR_MODE)) != 0) {
		dberr(a, "open environment", ret);
		goto fail;
	}
	/* A reader must not create what a writer would: all or nothing. */
	if (!writable) {
		snprintf(path, sizeof(path), "%s/records", dir);
		if (access(path, F_OK) == -1) {
			warnx("%s: not an archive (no records)", dir);
			goto fail;
		}
	}
	if (opendb(a, &a->meta, "meta", 0) || checkversion(a) ||
	    opendb(a, &a->rec, "records", 0) ||
	    opendb(a, &a->byaddr, "addr", 1) ||
	    opendb(a, &a->byuser, "user", 1))
		goto fail;
	if ((ret = a->rec->associate(a->rec, NULL, a->byaddr, index_addr,
	    DB_AUTO_COMMIT)) != 0 || (ret = a->rec->associate(a->rec, NULL,
	    a->byuser, index_user, DB_AUTO_COMMIT)) != 0) {
		dberr(a, "associate", ret);
		goto fail;
	}
	return a;
fail:
	trap_archive_close(a);
	return NULL;
}

static int
commit(struct trap_archive *a)
{
	int	 ret;

	if (a->txn == NULL)
		return 0;
	ret = a->txn->commit(a->txn, 0);
	a->txn = NULL;
	a->intxn = 0;
	if (ret != 0) {
		dberr(a, "commit", ret);
		return -1;
	}
	/* The log files it leaves behind go (DB_LOG_AUTOREMOVE). */
	a->env->txn_checkpoint(a->env, 0, 0, 0);
	return 0;
}

/* A new input file: occurrences are counted per file. */
void
trap_archive_newfile(struct trap_archive *a)
{
	a->nocc = 0;
}

/* The occurrence of a record (by hash) in the current second. */
static uint32_t
occurrence(struct trap_archive *a, time_t t, uint64_t h)
{
	size_t	 i;

	if (t != a->occtime || a->nocc == OCCMAX)
		a->nocc = 0;
	a->occtime = t;
	for (i = 0; i < a->nocc; i++)
		if (a->occhash[i] == h)
			return ++a->occn[i];
	a->occhash[a->nocc] = h;
	a->occn[a->nocc++] = 1;
	return 1;
}

/*
 * Add a record (a trap(5) line of 8 or 10 fields; only the first 8 are
 * kept).  Return 1 if it was new, 0 if the archive had it, -1 on error,
 * -2 if the line is not a record of trap(5)'s grammar (trap_rec_parse):
 * the archive refuses what its readers could not read back; -3 if it has
 * no time ("-"): the archive keeps records by time.
 */
int
trap_archive_add(struct trap_archive *a, const char *line, size_t len)
{
	struct trap_rec	 r;

	if (trap_rec_parse(line, len, &r) == -1)
		return -2;
	return trap_archive_addrec(a, &r, line);
}

/* The same for a line that trap_rec_parse has made r of. */
int
trap_archive_addrec(struct trap_archive *a, const struct trap_rec *r,
    const char *line)
{
	unsigned char	 key[KEYLEN];
	uint32_t	 occ;
	uint64_t	 h;
	DBT		 k, d;
	size_t		 n;
	int		 ret;

	if (r->time == TRAP_NOTIME)
		return -3;		/* kept by time: not without one */
	n = r->f[F_KIND].p + r->f[F_KIND].len - line;
	h = hash64(a, r->f[F_LOGHOST].p, n - (r->f[F_LOGHOST].p - line));
	occ = occurrence(a, r->time, h);
	put64(key, (uint64_t)r->time);
	put64(key + 8, h);
	key[16] = occ >> 24;
	key[17] = occ >> 16;
	key[18] = occ >> 8;
	key[19] = occ;

	if (a->txn == NULL && (ret = a->env->txn_begin(a->env, NULL, &a->txn,
	    0)) != 0) {
		dberr(a, "txn_begin", ret);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = key;
	k.size = KEYLEN;
	d.data = (void *)line;
	d.size = n;
	ret = a->rec->put(a->rec, a->txn, &k, &d, DB_NOOVERWRITE);
	if (ret == DB_KEYEXIST) {
		a->dups++;
		return 0;
	}
	if (ret != 0) {
		dberr(a, "put", ret);
		a->txn->abort(a->txn);
		a->txn = NULL;
		return -1;
	}
	a->added++;
	if (++a->intxn >= BATCH && commit(a) == -1)
		return -1;
	return 1;
}

/*
 * The records of one second, held to be given in the order of their text:
 * the keys order them by a hash keyed per archive, and two archives of
 * the same records give them in one order.
 */
struct second {
	uint64_t	 t;
	char		*buf;
	size_t		 len, cap;
	size_t		*off;		/* of each record in buf, then its end */
	size_t		 n, ncap;
	trap_line_fn	 fn;
	void		*arg;
	int		 stop;
};

static int
cmpoff(const void *a, const void *b)
{
	const size_t	*x = a, *y = b;
	size_t		 lx = x[1] - x[0], ly = y[1] - y[0];
	int		 c;

	if ((c = memcmp(sortbuf + x[0], sortbuf + y[0], lx < ly ? lx : ly)) !=
	    0)
		return c;
	return lx < ly ? -1 : lx > ly;
}

/* Give the records held, sorted; 1 if the callback said to stop. */
static int
second_flush(struct second *s)
{
	size_t	*o, i;

	if (s->n == 0 || s->stop)
		return s->stop;
	/* Pairs of (start, end), sorted by the text between. */
	o = xreallocarray(NULL, s->n, 2 * sizeof(*o));
	for (i = 0; i < s->n; i++) {
		o[2 * i] = s->off[i];
		o[2 * i + 1] = s->off[i + 1];
	}
	sortbuf = s->buf;
	qsort(o, s->n, 2 * sizeof(*o), cmpoff);
	for (i = 0; i < s->n && !s->stop; i++)
		if (s->fn(s->buf + o[2 * i], o[2 * i + 1] - o[2 * i],
		    s->arg) != 0)
			s->stop = 1;
	free(o);
	s->n = s->len = 0;
	return s->stop;
}

/* Hold a record of second t, giving those of the second before. */
static int
second_add(struct second *s, uint64_t t, const void *p, size_t len)
{
	if (s->n > 0 && t != s->t && second_flush(s))
		return 1;
	s->t = t;
	if (s->cap - s->len < len) {
		while (s->cap - s->len < len)
			s->cap = s->cap == 0 ? 4096 : 2 * s->cap;
		s->buf = xreallocarray(s->buf, s->cap, 1);
	}
	if (s->n + 2 > s->ncap) {
		s->ncap = s->ncap == 0 ? 64 : 2 * s->ncap;
		s->off = xreallocarray(s->off, s->ncap, sizeof(*s->off));
	}
	memcpy(s->buf + s->len, p, len);
	s->off[s->n++] = s->len;
	s->len += len;
	s->off[s->n] = s->len;
	return 0;
}

static int
second_end(struct second *s)
{
	int	 stop;

	stop = second_flush(s);
	free(s->buf);
	free(s->off);
	return stop;
}

/* Make what was added so far durable. */
int
trap_archive_sync(struct trap_archive *a)
{
	return commit(a);
}

/*
 * Call fn for every record with since <= time < until (-1: unbounded),
 * in time order, those of one second in the order of their text.  Return
 * 0, or -1 on error.
 */
int
trap_archive_scan(struct trap_archive *a, time_t since, time_t until,
    int (*fn)(const char *, size_t, void *), void *arg)
{
	unsigned char	 start[KEYLEN];
	struct second	 sec;
	DBC		*c;
	DBT		 k, d;
	u_int32_t	 flag = DB_SET_RANGE;
	int		 ret, rc = 0;

	if (commit(a) == -1)
		return -1;
	if ((ret = a->rec->cursor(a->rec, NULL, &c, 0)) != 0) {
		dberr(a, "cursor", ret);
		return -1;
	}
	memset(start, 0, sizeof(start));
	put64(start, since < 0 ? 0 : (uint64_t)since);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = start;
	k.size = KEYLEN;
	memset(&sec, 0, sizeof(sec));
	sec.fn = fn;
	sec.arg = arg;
	while ((ret = c->get(c, &k, &d, flag)) == 0) {
		flag = DB_NEXT;
		if (k.size != KEYLEN) {
			warnx("%s: bad key in records", a->dir);
			rc = -1;
			break;
		}
		if (until >= 0 && get64(k.data) >= (uint64_t)until)
			break;
		if (second_add(&sec, get64(k.data), d.data, d.size))
			break;
	}
	if (ret != 0 && ret != DB_NOTFOUND) {
		dberr(a, "cursor get", ret);
		rc = -1;
	}
	c->close(c);
	second_end(&sec);
	return rc;
}

/* Walk the records of key k in an index. */
static int
walk(struct trap_archive *a, DB *db, DBT *k,
    int (*fn)(const char *, size_t, void *), void *arg)
{
	struct second	 sec;
	DBC		*c;
	DBT		 pk, d;
	u_int32_t	 flag = DB_SET;
	int		 ret, rc = 0;

	if (commit(a) == -1)
		return -1;
	if ((ret = db->cursor(db, NULL, &c, 0)) != 0) {
		dberr(a, "cursor", ret);
		return -1;
	}
	memset(&pk, 0, sizeof(pk));
	memset(&d, 0, sizeof(d));
	memset(&sec, 0, sizeof(sec));
	sec.fn = fn;
	sec.arg = arg;
	/* The duplicates are sorted by primary key: in time order. */
	while ((ret = c->pget(c, k, &pk, &d, flag)) == 0) {
		flag = DB_NEXT_DUP;
		if (pk.size != KEYLEN) {
			warnx("%s: bad key in records", a->dir);
			rc = -1;
			break;
		}
		if (second_add(&sec, get64(pk.data), d.data, d.size))
			break;
	}
	if (ret != 0 && ret != DB_NOTFOUND) {
		dberr(a, "cursor pget", ret);
		rc = -1;
	}
	c->close(c);
	second_end(&sec);
	return rc;
}

/*
 * Call fn for every record whose address (idx 'a') or lower-cased user
 * (idx 'u') is key.
 */
int
trap_archive_lookup(struct trap_archive *a, int idx, const char *key,
    int (*fn)(const char *, size_t, void *), void *arg)
{
	char	 buf[TRAP_LINEMAX];
	size_t	 len = strlen(key);
	DBT	 k;

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, key, len);
	if (idx == 'u')			/* the user index is lower-cased */
		trap_lower(buf, len);
	memset(&k, 0, sizeof(k));
	k.data = buf;
	k.size = len;
	return walk(a, idx == 'a' ? a->byaddr : a->byuser, &k, fn, arg);
}

/* Delete the records before time t; return how many, or -1. */
long long
trap_archive_expire(struct trap_archive *a, time_t t)
{
	DBC		*c;
	DBT		 k, d;
	long long	 n = 0;
	int		 ret;

	if (commit(a) == -1)
		return -1;
	if ((ret = a->env->txn_begin(a->env, NULL, &a->txn, 0)) != 0) {
		dberr(a, "txn_begin", ret);
		return -1;
	}
	if ((ret = a->rec->cursor(a->rec, a->txn, &c, 0)) != 0) {
		dberr(a, "cursor", ret);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	while ((ret = c->get(c, &k, &d, DB_NEXT)) == 0) {
		if (k.size != KEYLEN || get64(k.data) >= (uint64_t)t)
			break;
		if ((ret = c->del(c, 0)) != 0)
			break;
		if (++n % BATCH == 0) {
			/* Keep transactions, and their locks, bounded. */
			c->close(c);
			if (commit(a) == -1 || a->env->txn_begin(a->env,
			    NULL, &a->txn, 0) != 0 || a->rec->cursor(a->rec,
			    a->txn, &c, 0) != 0)
				return -1;
		}
	}
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND) {
		dberr(a, "expire", ret);
		a->txn->abort(a->txn);
		a->txn = NULL;
		return -1;
	}
	return commit(a) == -1 ? -1 : n;
}

static long long
count(struct trap_archive *a, DB *db)
{
	DBC		*c;
	DBT		 k, d;
	long long	 n = 0;
	int		 ret;

	if ((ret = db->cursor(db, NULL, &c, 0)) != 0) {
		dberr(a, "cursor", ret);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	while ((ret = c->get(c, &k, &d, DB_NEXT)) == 0)
		n++;
	c->close(c);
	return ret == DB_NOTFOUND ? n : -1;
}

/* Statistics: records, first and last time (-1 if empty). */
int
trap_archive_stats(struct trap_archive *a, long long *n, time_t *first,
    time_t *last)
{
	DBC	*c;
	DBT	 k, d;
	int	 ret;

	if (commit(a) == -1 || (*n = count(a, a->rec)) == -1)
		return -1;
	*first = *last = -1;
	if ((ret = a->rec->cursor(a->rec, NULL, &c, 0)) != 0)
		return -1;
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	if (c->get(c, &k, &d, DB_FIRST) == 0 && k.size == KEYLEN)
		*first = get64(k.data);
	if (c->get(c, &k, &d, DB_LAST) == 0 && k.size == KEYLEN)
		*last = get64(k.data);
	c->close(c);
	return 0;
}

/* Whether a stored record fails: not of the grammar, or not its key. */
static int
badrec(const struct trap_archive *a, const DBT *k, const DBT *d,
    struct trap_rec *r)
{
	return k->size != KEYLEN || trap_rec_parse(d->data, d->size, r) ==
	    -1 || r->nfields != TRAP_NFIELDS ||
	    get64(k->data) != (uint64_t)r->time ||
	    get64((unsigned char *)k->data + 8) !=
	    hash64(a, r->f[F_LOGHOST].p, d->size - (r->f[F_LOGHOST].p -
	    (char *)d->data));
}

/*
 * Check the archive: every record a trap(5) line whose key matches it,
 * and the indexes hold one entry per indexed record.  Return the number
 * of problems found (each reported), or -1 if it could not be read.
 */
long long
trap_archive_verify(struct trap_archive *a)
{
	struct trap_rec	 r;
	DBC		*c;
	DBT		 k, d;
	long long	 bad = 0, naddr = 0, nuser = 0, ia, iu;
	int		 ret;

	if (commit(a) == -1)
		return -1;
	if ((ret = a->rec->cursor(a->rec, NULL, &c, 0)) != 0) {
		dberr(a, "cursor", ret);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	while ((ret = c->get(c, &k, &d, DB_NEXT)) == 0) {
		if (badrec(a, &k, &d, &r)) {
			if (bad++ < 10)
				warnx("%s: bad record: %.*s", a->dir,
				    (int)(d.size < 80 ? d.size : 80),
				    (char *)d.data);
			continue;
		}
		naddr++;
		if (!(r.f[F_USER].len == 1 && r.f[F_USER].p[0] == '-'))
			nuser++;
	}
	c->close(c);
	if (ret != DB_NOTFOUND) {
		dberr(a, "verify", ret);
		return -1;
	}
	if ((ia = count(a, a->byaddr)) != naddr) {
		warnx("%s: address index: %lld entries for %lld records",
		    a->dir, ia, naddr);
		bad++;
	}
	if ((iu = count(a, a->byuser)) != nuser) {
		warnx("%s: user index: %lld entries for %lld records",
		    a->dir, iu, nuser);
		bad++;
	}
	return bad;
}

/* Keys (or key pairs) to change, gathered before they are changed. */
struct keys {
	DBT		*k, *d;
	size_t		 n, cap;
};

static void
keys_add(struct keys *ks, const DBT *k, const DBT *d)
{
	DBT	*t[2];
	int	 i;

	if (ks->n == ks->cap) {
		ks->cap = ks->cap == 0 ? 16 : 2 * ks->cap;
		ks->k = xreallocarray(ks->k, ks->cap, sizeof(*ks->k));
		ks->d = xreallocarray(ks->d, ks->cap, sizeof(*ks->d));
	}
	t[0] = &ks->k[ks->n];
	t[1] = &ks->d[ks->n];
	for (i = 0; i < 2; i++) {
		const DBT	*from = i == 0 ? k : d;

		memset(t[i], 0, sizeof(*t[i]));
		if (from == NULL)
			continue;
		t[i]->data = xmalloc(from->size + 1);
		memcpy(t[i]->data, from->data, from->size);
		t[i]->size = from->size;
	}
	ks->n++;
}

static void
keys_free(struct keys *ks)
{
	size_t	 i;

	for (i = 0; i < ks->n; i++) {
		free(ks->k[i].data);
		free(ks->d[i].data);
	}
	free(ks->k);
	free(ks->d);
	memset(ks, 0, sizeof(*ks));
}

/* Open database name again, with no index associated: changed as it is. */
static DB *
rawopen(struct trap_archive *a, const char *name, int dups)
{
	DB	*db;
	int	 ret;

	if ((ret = db_create(&db, a->env, 0)) != 0) {
		dberr(a, "db_create", ret);
		return NULL;
	}
	if ((dups && (ret = db->set_flags(db, DB_DUPSORT)) != 0) ||
	    (ret = db->open(db, NULL, name, NULL, DB_BTREE, DB_AUTO_COMMIT,
	    AR_MODE)) != 0) {
		dberr(a, name, ret);
		db->close(db, 0);
		return NULL;
	}
	return db;
}

/* Delete the pair (k, d) of an index, in a transaction of its own. */
static int
delpair(struct trap_archive *a, DB *db, DBT *k, DBT *d)
{
	DB_TXN	*txn;
	DBC	*c;
	int	 ret;

	if ((ret = a->env->txn_begin(a->env, NULL, &txn, 0)) != 0)
		goto err;
	if ((ret = db->cursor(db, txn, &c, 0)) != 0) {
		txn->abort(txn);
		goto err;
	}
	if ((ret = c->get(c, k, d, DB_GET_BOTH)) == 0)
		ret = c->del(c, 0);
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND) {
		txn->abort(txn);
		goto err;
	}
	if ((ret = txn->commit(txn, 0)) != 0)
		goto err;
	return 0;
err:
	dberr(a, "repair", ret);
	return -1;
}

/*
 * The index entries of idx (index_addr or index_user) that do not lead
 * to a record of that key, into ks.
 */
static int
badentries(struct trap_archive *a, DB *rec, DB *idx,
    int (*key)(DB *, const DBT *, const DBT *, DBT *), struct keys *ks)
{
	struct trap_rec	 r;
	DBC		*c;
	DBT		 k, pk, d, want;
	int		 ret, bad;

	if ((ret = idx->cursor(idx, NULL, &c, 0)) != 0) {
		dberr(a, "cursor", ret);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	memset(&pk, 0, sizeof(pk));
	while ((ret = c->get(c, &k, &pk, DB_NEXT)) == 0) {
		memset(&d, 0, sizeof(d));
		memset(&want, 0, sizeof(want));
		bad = rec->get(rec, NULL, &pk, &d, 0) != 0 ||
		    badrec(a, &pk, &d, &r) || key(NULL, &pk, &d, &want) != 0 ||
		    want.size != k.size || memcmp(want.data, k.data,
		    k.size) != 0;
		if (want.flags & DB_DBT_APPMALLOC)
			free(want.data);
		if (bad)
			keys_add(ks, &k, &pk);
	}
	c->close(c);
	if (ret != DB_NOTFOUND) {
		dberr(a, "repair", ret);
		return -1;
	}
	return 0;
}

/*
 * Remove what trap_archive_verify finds wrong: the records that fail,
 * and the index entries that lead to no record of their key; the
 * records kept that an index lacks are put in it again.  Return the
 * number of records and entries removed or put, or -1 on error.
 */
long long
trap_archive_repair(struct trap_archive *a)
{
	struct trap_rec	 r;
	struct keys	 ks;
	DB		*rec = NULL, *idx[2] = { NULL, NULL };
	DBC		*c;
	DBT		 k, d, sk;
	long long	 n = -1;
	size_t		 i;
	int		 j, ret;
	int		(*key[2])(DB *, const DBT *, const DBT *, DBT *) = {
		index_addr, index_user };

	memset(&ks, 0, sizeof(ks));
	if (commit(a) == -1 || (rec = rawopen(a, "records", 0)) == NULL ||
	    (idx[0] = rawopen(a, "addr", 1)) == NULL ||
	    (idx[1] = rawopen(a, "user", 1)) == NULL)
		goto out;
	/* The records that fail. */
	if ((ret = rec->cursor(rec, NULL, &c, 0)) != 0)
		goto dberror;
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	while ((ret = c->get(c, &k, &d, DB_NEXT)) == 0)
		if (badrec(a, &k, &d, &r))
			keys_add(&ks, &k, NULL);
	c->close(c);
	if (ret != DB_NOTFOUND)
		goto dberror;
	for (i = 0; i < ks.n; i++)
		if ((ret = rec->del(rec, NULL, &ks.k[i], DB_AUTO_COMMIT)) != 0)
			goto dberror;
	n = ks.n;
	keys_free(&ks);
	/* The index entries that lead nowhere, or to another key. */
	for (j = 0; j < 2; j++) {
		if (badentries(a, rec, idx[j], key[j], &ks) == -1)
			goto fail;
		for (i = 0; i < ks.n; i++)
			if (delpair(a, idx[j], &ks.k[i], &ks.d[i]) == -1)
				goto fail;
		n += ks.n;
		keys_free(&ks);
	}
	/* The records kept that an index lacks, one index at a time. */
	for (j = 0; j < 2; j++) {
		if ((ret = rec->cursor(rec, NULL, &c, 0)) != 0)
			goto dberror;
		while ((ret = c->get(c, &k, &d, DB_NEXT)) == 0) {
			memset(&sk, 0, sizeof(sk));
			if (key[j](NULL, &k, &d, &sk) != 0)
				continue;
			if (idx[j]->get(idx[j], NULL, &sk, &k, DB_GET_BOTH) ==
			    DB_NOTFOUND)
				keys_add(&ks, &sk, &k);
			if (sk.flags & DB_DBT_APPMALLOC)
				free(sk.data);
		}
		c->close(c);
		if (ret != DB_NOTFOUND)
			goto dberror;
		for (i = 0; i < ks.n; i++)
			if ((ret = idx[j]->put(idx[j], NULL, &ks.k[i],
			    &ks.d[i], DB_AUTO_COMMIT | DB_NODUPDATA)) != 0 &&
			    ret != DB_KEYEXIST)
				goto dberror;
		n += ks.n;
		keys_free(&ks);
	}
	goto out;
dberror:
	dberr(a, "repair", ret);
fail:
	n = -1;
out:
	keys_free(&ks);
	for (j = 0; j < 2; j++)
		if (idx[j] != NULL)
			idx[j]->close(idx[j], 0);
	if (rec != NULL)
		rec->close(rec, 0);
	return n;
}

/*
 * Bytes of the files in the archive directory, as their sizes add up:
 * the databases and the Berkeley DB environment's region and log files,
 * all that the archive takes.  -1 if the directory cannot be read.
 */
long long
trap_archive_bytes(const char *dir)
{
	char		 path[PATH_MAX];
	struct dirent	*de;
	struct stat	 st;
	DIR		*dp;
	long long	 n = 0;

	if ((dp = opendir(dir)) == NULL) {
		warn("%s", dir);
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			n += st.st_size;
	}
	closedir(dp);
	return n;
}

unsigned long long
trap_archive_added(const struct trap_archive *a)
{
	return a->added;
}

/* Commit, checkpoint and close; 0, or -1 if the last commit failed. */
int
trap_archive_close(struct trap_archive *a)
{
	int	 rc = 0;

	if (a == NULL)
		return 0;
	if (a->env != NULL && commit(a) == -1)
		rc = -1;
	if (a->byaddr != NULL)
		a->byaddr->close(a->byaddr, 0);
	if (a->byuser != NULL)
		a->byuser->close(a->byuser, 0);
	if (a->rec != NULL)
		a->rec->close(a->rec, 0);
	if (a->meta != NULL)
		a->meta->close(a->meta, 0);
	if (a->env != NULL) {
		if (a->writable)
			a->env->txn_checkpoint(a->env, 0, 0, 0);
		a->env->close(a->env, 0);
	}
	if (a->lockfd != -1)
		close(a->lockfd);
	free(a->dir);
	free(a);
	return rc;
}
