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
 * From log lines to attempts: the envelope of envelope.c, the
 * recognisers of pattern.c, and the bookkeeping that ties the lines of
 * one connection together so that each try is counted once, in input
 * order.
 */

#include "compat.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <ctype.h>
#include <err.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "trap.h"
#include "envelope.h"
#include "pattern.h"
#include "scan.h"

#define GRACE		300	/* s a weak attempt waits for a strong one */
#define NOTIMEWAIT	1000	/* recognised lines it waits, without a time */
#define CONN_TTL	3600	/* s a connection is remembered */
#define CLOSE_WINDOW	10	/* s a closed one's lines are its own */
#define PID_STALE	600	/* s after which a process ID's line that
				   names no client is another process's */
#define CLOSE_LINES	100	/* recognised lines, for lines without a time */
#define ADDR_WINDOW	60	/* s an addr join looks back */
#define ADDR_SCAN	4096	/* connections it looks at, at most */
#define ABSORB_MAX	64	/* other users a count line takes */
#define ORPHANQ		16	/* lone PAM lines of a program and address */
#define ORPHAN_WINDOW	60	/* s a plain attempt takes one, after it */
#define PASSDB_WAIT	10	/* s a request's later passdbs may answer */
#define BAREWORDS	8	/* words before a message with no envelope */
#define BAREMAX		80	/* bytes in which they may be */
#define MAXCONNS	65536	/* connections remembered at most */
#define CONNBUCKETS	65536	/* a power of two */
#define MAXQUEUE	65536	/* attempts held back at most */
#define MINQUEUE	64	/* slots of the queue at first */
#define KEYMAX		512
/*
 * s after its host's last recognised line (or repeat) that a BSD repeat
 * is still taken for it: syslogd(8) writes one at most 600 s after the
 * line it repeats, so a day leaves room for slow clocks.
 */
#define REPEATMAX	86400

/* An attempt held back until its connection is decided. */
/*
 * READY: out in turn; PENDING: a weak attempt, until its connection is
 * decided; HOLD: an attempt waiting for its connection's address (a
 * sendmail recipient before the queue ID's relay line); DEAD: dropped.
 */
enum slotstate { SLOT_READY, SLOT_PENDING, SLOT_HOLD, SLOT_DEAD };
struct slot {
	struct trap_attempt	 a;
	long long		 count;
	int			 state;
	struct conn		*conn;		/* whose pending attempt */
	unsigned long long	 seq;		/* x->taken when it came */
	unsigned long long	 nextheld;	/* its connection's next HOLD */
	char			*buf;
	size_t			 bufsz;
};

enum connstate {
	CONN_NONE, CONN_PENDING, CONN_STRONG, CONN_COUNTED, CONN_CLOSED
};
/* What the weak lines of a pending attempt count (eachcount()). */
enum eachline { EACH_ONE, EACH_TRY, EACH_REQ };
struct conn {
	struct conn		*next;		/* in its bucket */
	uint64_t		 hash;
	TAILQ_ENTRY(conn)	 lru;
	char			*key;
	time_t			 last;
	time_t			 closed;	/* when, if CONN_CLOSED */
	unsigned long long	 closedseq;	/* x->taken then */
	int			 state;
	/* The pending attempt (at slot) has a line of a "try" join. */
	int			 tried;
	unsigned long long	 tryslot;
	unsigned long long	 slot;		/* queue position if pending */
	unsigned int		 held;		/* attempts waiting (HOLD) */
	unsigned int		 nweak;		/* weak lines in the pending one */
	int			 nonweak;	/* a line other than weak ones */
	int			 session;	/* a user join's, keyed by %k */
	/* Of a program and address: its lone PAM lines' slots (orphan()),
	 * ORPHANQ of them allocated for such a connection only. */
	unsigned long long	*orphan;
	unsigned int		 norphan;
	int			 noted;		/* as an orphan (orphan()) */
	int			 notpam;	/* a weak line not a PAM line's */
	/* After a plain attempt: what weak lines since say of the next
	 * (vsftpd's PAM lines before its own of the next try), as KIND_*
	 * + 1 (0: nothing), and of whom (trap_hash_sum() of the user, 0
	 * for none). */
	int			 nextkind;
	int			 eachline;	/* what its weak lines count */
	int			 passed;	/* a login of it was logged */
	uint64_t		 nextuser;
	/* userfold() of the user a line of event account? named: an
	 * account that exists (realuser()), 0 for none. */
	uint64_t		 realuser;
	/* A count line of no user holds its attempt for the auth lines
	 * of its session still to come (unanswered()). */
	int			 unanswered;
	/* A user join's last line: its %w (Dovecot's passdb) hashed, and
	 * its time: the next passdb's line of one request is no new try. */
	uint64_t		 passdb;
	time_t			 passdbtime;
	time_t			 waited;	/* an address's: when a line of
						   a user join last waited */
	unsigned long long	 firstheld, lastheld;	/* their positions */
	char			 addr[TRAP_ADDRLEN];
	char			 rdns[256];
};
TAILQ_HEAD(connlru, conn);

/* The last recognised message of a log host, for BSD repeats. */
struct lastmsg {
	RB_ENTRY(lastmsg)	 entry;
	TAILQ_ENTRY(lastmsg)	 valids;	/* if valid, by t */
	char			*host;
	int			 valid;
	time_t			 t;		/* x->now when it was */
	/* In block blk, the host's last line looked at (see block()). */
	unsigned long long	 blk, walk;
	const char		*pos;
	char			*buf;
	size_t			 bufsz;
	size_t			 proglen, pidlen, msglen;
};
RB_HEAD(lasttree, lastmsg);
TAILQ_HEAD(lastq, lastmsg);

/* Where a rule's longest literal last begins in bare line number line. */
struct bareanchor {
	unsigned long long	 line;
	ssize_t			 pos;		/* -1: not in it */
};

struct trap_extract {
	struct ruleset		*rules;
	trap_emit_fn		 emit;
	void			*arg;

	struct env_clock	 clock;		/* year and zone of the stamps */

	time_t			 now;
	const char		*file;
	unsigned long long	 lineno;
	/* In a block, the line number is counted only for a warning: up to
	 * linep, the line's start, from cntp, the start of line cntline. */
	int			 lazy;
	const char		*linep, *cntp;
	unsigned long long	 cntline;

	/* The literals of the rules in use, to skip lines (scan.c). */
	struct scan		*scan;
	int			 scanbuilt;
	int			 marked;	/* the rules' inuse is set */
	/* The block: its candidate lines, and up to where the other lines
	 * have been seen to (see block()). */
	const char *const	*cand;
	size_t			 ncand;
	struct scan_cands	 cands;		/* cand's, without readahead */
	int			 readahead;	/* trap_extract_readahead */
	const char		*done;
	unsigned long long	 blk, walk;

	/* The bare line whose words are tried (see barerule()). */
	const char		*bare;
	size_t			 barelen;
	unsigned long long	 bareno;
	struct bareanchor	*anchors;	/* nanchors, one a rule */
	size_t			 nanchors;

	struct slot		*queue;
	unsigned long long	 qhead, qtail;	/* positions; slot = pos % qsize */
	size_t			 qsize;		/* slots: a power of two */

	struct conn		**conns;	/* CONNBUCKETS, by keyed hash */
	uint64_t		 connkey[2];
	struct connlru		 connlru;
	size_t			 nconns;

	struct lasttree		 lasts;
	struct lastmsg		*lastcache;
	struct lastq		 valids;
	size_t			 nvalid;	/* hosts with a valid lastmsg */

	int			 rcpt;		/* -R: unknown recipients */
	int			 live;		/* no wait for a host name */
	int			 logins;	/* -L: successful logins too */
	time_t			 lasttime;	/* of the last recognised line */
	unsigned long long	 taken;		/* recognised lines so far */
	int			 guesswarned;	/* an unknown envelope, said */
	unsigned long long	 nenv, nbare;	/* lines read with, without one */
	uint64_t		 filehash;	/* of the file they count */
	int			 contwarned;	/* a line without it, said */
	char			 b64[1024];
	char			 lower[1024];
	char			 jmsg[TRAP_LINEMAX];	/* a JSON message decoded */
	unsigned long long	 lines, attempts, warnings;
};

static int
lastcmp(struct lastmsg *a, struct lastmsg *b)
{
	return strcmp(a->host, b->host);
}
RB_GENERATE_STATIC(lasttree, lastmsg, entry, lastcmp)

struct trap_extract *
trap_extract_new(trap_emit_fn emit, void *arg)
{
	struct trap_extract	*x;

	x = xcalloc(1, sizeof(*x));
	x->rules = ruleset_new();
	x->emit = emit;
	x->arg = arg;
	/*
	 * Connections by a hash keyed at random: a key holds client-chosen
	 * text (a user name) that must not crowd one bucket.
	 */
	x->conns = xcalloc(CONNBUCKETS, sizeof(*x->conns));
	arc4random_buf(x->connkey, sizeof(x->connkey));
	TAILQ_INIT(&x->connlru);
	RB_INIT(&x->lasts);
	TAILQ_INIT(&x->valids);
	trap_extract_reftime(x, time(NULL));
	return x;
}

/* The rules changed: the literals to scan for must be found again. */
static void
scan_reset(struct trap_extract *x)
{
	scan_free(x->scan);
	x->scan = NULL;
	x->scanbuilt = 0;
	x->marked = 0;
}

int
trap_extract_patterns(struct trap_extract *x, const char *text,
    const char *name)
{
	scan_reset(x);
	return ruleset_load(x->rules, text, name);
}

extern const char trap_builtin_patterns[];

/* The recognisers compiled in from share/trap/patterns. */
int
trap_extract_builtin(struct trap_extract *x)
{
	scan_reset(x);
	return ruleset_load(x->rules, trap_builtin_patterns, "builtin");
}

/*
 * Recipients instead of logins: only the rules of kind rcpt make
 * records (the connect rules still join); without, those are ignored.
 */
void
trap_extract_rcpt(struct trap_extract *x, int on)
{
	x->rcpt = on;
	scan_reset(x);
}

/*
 * Successful logins too, as records of kind login, from the rules of
 * that kind (not with rcpt).
 */
void
trap_extract_logins(struct trap_extract *x, int on)
{
	x->logins = on;
	scan_reset(x);
}

/*
 * Live input: an attempt is given as soon as it is known, without
 * waiting for a later line of its connection that may name its host.
 */
void
trap_extract_live(struct trap_extract *x, int on)
{
	x->live = on;
}

/*
 * The reference time of the lines to come: a RFC 3164 stamp gets the
 * year that puts it at or before the reference plus one day.
 */
void
trap_extract_reftime(struct trap_extract *x, time_t ref)
{
	env_clock_ref(&x->clock, ref);
}

/* The number of the current line. */
static unsigned long long
curline(struct trap_extract *x)
{
	if (x->lazy) {
		x->cntline += countnl(x->cntp, x->linep - x->cntp);
		x->cntp = x->linep;
		x->lineno = x->cntline;
		x->lazy = 0;
	}
	return x->lineno;
}

static void
warnline(struct trap_extract *x, const char *fmt, const char *arg)
{
	char	 buf[128];
	size_t	 n;

	x->warnings++;
	n = strlen(arg) < 30 ? strlen(arg) : 30;
	buf[trap_vis(buf, sizeof(buf), arg, n)] = '\0';
	trap_warnx("%s:%llu: %s \"%s\"", x->file, curline(x), fmt, buf);
}



/* Copy a string that may be empty (and then have no pointer at all). */
static void
put_str(char *dst, const struct trap_str *s)
{
	if (s->len > 0)
		memcpy(dst, s->p, s->len);
}

static struct slot *
qslot(struct trap_extract *x, unsigned long long pos)
{
	return &x->queue[pos & (x->qsize - 1)];
}

/*
 * A full queue, of fewer than MAXQUEUE slots, twice as large.  Each slot
 * goes where its position now puts it, buffer and all: the positions
 * stay as they are, and no slot is pointed to across an enqueue().  The
 * queue grows only as far as attempts are held back at once, and the
 * slots and their buffers in use are those few, again and again.
 */
static void
qgrow(struct trap_extract *x)
{
	struct slot		*q;
	unsigned long long	 pos;
	size_t			 n = x->qsize == 0 ? MINQUEUE : x->qsize * 2;

	q = xcalloc(n, sizeof(*q));
	for (pos = x->qhead; pos < x->qtail; pos++)
		q[pos & (n - 1)] = *qslot(x, pos);
	free(x->queue);
	x->queue = q;
	x->qsize = n;
}

static void
emit(struct trap_extract *x, const struct trap_attempt *a, long long count)
{
	x->attempts += count;
	while (count-- > 0)
		x->emit(a, x->arg);
}

/* Does string t point into the slot's buffer? */
static int
inbuf(const struct slot *s, const struct trap_str *t)
{
	return t->len > 0 && (uintptr_t)t->p >= (uintptr_t)s->buf &&
	    (uintptr_t)t->p < (uintptr_t)s->buf + s->bufsz;
}

/* Copy a's strings into the slot's own buffer. */
static void
slot_set(struct slot *s, const struct trap_attempt *a)
{
	struct trap_attempt	 n = *a;
	size_t			 need;
	char			*buf, *p;
	int			 own;

	need = a->loghost.len + a->daemon.len + a->rdns.len + a->user.len + 1;
	/* Strings of the slot's own buffer (a release) need a new one. */
	own = s->buf != NULL && (inbuf(s, &a->loghost) ||
	    inbuf(s, &a->daemon) || inbuf(s, &a->rdns) || inbuf(s, &a->user));
	if (!own && need <= s->bufsz)
		buf = s->buf;
	else
		buf = xmalloc(need > s->bufsz ? need : s->bufsz);
	p = buf;
#define COPY(f) do {					\
	put_str(p, &a->f);				\
	n.f.p = p;					\
	p += a->f.len;					\
} while (0)
	COPY(loghost);
	COPY(daemon);
	COPY(rdns);
	COPY(user);
#undef COPY
	if (buf != s->buf) {
		free(s->buf);
		s->buf = buf;
	}
	if (need > s->bufsz)
		s->bufsz = need;
	s->a = n;
}

/*
 * A pending weak attempt is decided: it takes the address its connection
 * c (if any) learnt since; one that names no client and no user is
 * nothing.
 */
static void
pending_decided(struct slot *s, const struct conn *c)
{
	if (s->a.addr[0] == '\0' && c != NULL)
		memcpy(s->a.addr, c->addr, sizeof(s->a.addr));
	if (s->a.addr[0] == '\0' && s->a.rdns.len == 0 && s->a.user.len == 0)
		s->state = SLOT_DEAD;
}

/* A held-back slot is decided: its connection no longer waits on it. */
static void
unhold(struct slot *s)
{
	if (s->state == SLOT_PENDING) {
		if (s->conn != NULL)
			s->conn->state = CONN_COUNTED;
		pending_decided(s, s->conn);
	} else if (s->conn != NULL && s->state == SLOT_HOLD) {
		/* The queue's head is its connection's first. */
		s->conn->held--;
		s->conn->firstheld = s->nextheld;
	}
	s->conn = NULL;
}

/*
 * Has a held slot waited long enough: GRACE seconds of log time, or,
 * for a line without a time (a bare message, no clock to go by),
 * NOTIMEWAIT recognised lines?
 */
static int
due(const struct trap_extract *x, const struct slot *s)
{
	if (s->a.time == TRAP_NOTIME)
		return x->taken - s->seq >= NOTIMEWAIT;
	return x->now >= s->a.time + GRACE;
}

/* Emit what is decided at the head of the queue. */
static void
drain(struct trap_extract *x, int force)
{
	struct slot	*s;

	while (x->qhead < x->qtail) {
		s = qslot(x, x->qhead);
		if (s->state == SLOT_PENDING || s->state == SLOT_HOLD) {
			if (!force && !due(x, s))
				break;
			unhold(s);
		}
		if (s->state != SLOT_DEAD)
			emit(x, &s->a, s->count);
		x->qhead++;
	}
}

static unsigned long long
enqueue(struct trap_extract *x, const struct trap_attempt *a,
    long long count, int state)
{
	struct slot	*s;

	if (x->qtail - x->qhead == MAXQUEUE) {
		s = qslot(x, x->qhead);
		unhold(s);
		if (s->state != SLOT_DEAD)
			emit(x, &s->a, s->count);
		x->qhead++;
	}
	if (x->qtail - x->qhead == x->qsize)
		qgrow(x);	/* the first time: the queue's first slots */
	s = qslot(x, x->qtail);
	slot_set(s, a);
	s->count = count;
	s->state = state;
	s->conn = NULL;
	s->seq = x->taken;
	return x->qtail++;
}

/* An attempt decided now: out at once, or behind those held back. */
static void
put(struct trap_extract *x, const struct trap_attempt *a, long long count)
{
	if (x->qhead == x->qtail)
		emit(x, a, count);
	else
		enqueue(x, a, count, SLOT_READY);
}

/*
 * The attempts held for connection c are decided: with its address and
 * host name, if it has them now.
 */
static void
release(struct trap_extract *x, struct conn *c)
{
	struct slot		*s;
	struct trap_attempt	 n;
	unsigned long long	 pos;

	for (pos = c->firstheld; c->held > 0; pos = s->nextheld) {
		s = qslot(x, pos);
		n = s->a;
		if (n.addr[0] == '\0')
			memcpy(n.addr, c->addr, sizeof(n.addr));
		if (n.rdns.len == 0) {
			n.rdns.p = c->rdns;
			n.rdns.len = strlen(c->rdns);
		}
		slot_set(s, &n);
		s->state = SLOT_READY;
		s->conn = NULL;
		c->held--;
	}
}

/* The connection ends: its attempts held back are decided. */
static void
conn_decide(struct trap_extract *x, struct conn *c)
{
	struct slot	*s;

	if (c->state == CONN_PENDING) {
		s = qslot(x, c->slot);
		s->state = SLOT_READY;
		pending_decided(s, c);
		s->conn = NULL;
		c->state = CONN_COUNTED;
	}
	if (c->held > 0)
		release(x, c);
}

static void
conn_drop(struct trap_extract *x, struct conn *c)
{
	struct conn	**pp;

	conn_decide(x, c);
	for (pp = &x->conns[c->hash & (CONNBUCKETS - 1)]; *pp != c;
	    pp = &(*pp)->next)
		continue;
	*pp = c->next;
	TAILQ_REMOVE(&x->connlru, c, lru);
	x->nconns--;
	free(c->orphan);
	free(c);	/* the key with it */
}

static void
conn_expire(struct trap_extract *x)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&x->connlru)) != NULL &&
	    (c->last + CONN_TTL < x->now || x->nconns > MAXCONNS))
		conn_drop(x, c);
}

static uint64_t
conn_hash(const struct trap_extract *x, const char *key)
{
	return trap_siphash(x->connkey, key, strlen(key));
}

/* The connection of key (hash h), as it is: not made, not refreshed. */
static struct conn *
conn_find(struct trap_extract *x, const char *key, uint64_t h)
{
	struct conn	*c;

	for (c = x->conns[h & (CONNBUCKETS - 1)]; c != NULL; c = c->next)
		if (c->hash == h && strcmp(c->key, key) == 0)
			return c;
	return NULL;
}

static struct conn *
conn_get(struct trap_extract *x, const char *key, int create)
{
	struct conn	*c, **b;
	size_t		 len = strlen(key);
	uint64_t	 h = conn_hash(x, key);

	b = &x->conns[h & (CONNBUCKETS - 1)];
	if ((c = conn_find(x, key, h)) != NULL) {
		TAILQ_REMOVE(&x->connlru, c, lru);
	} else {
		if (!create)
			return NULL;
		c = xmalloc(sizeof(*c) + len + 1);
		memset(c, 0, sizeof(*c));
		c->key = (char *)(c + 1);
		memcpy(c->key, key, len + 1);
		c->hash = h;
		c->next = *b;
		*b = c;
		x->nconns++;
	}
	c->last = x->now;
	TAILQ_INSERT_TAIL(&x->connlru, c, lru);
	/* A flood of connections within one second still stays bounded. */
	while (x->nconns > MAXCONNS && TAILQ_FIRST(&x->connlru) != c)
		conn_drop(x, TAILQ_FIRST(&x->connlru));
	return c;
}

static void
appendkey(char *key, size_t *off, const char *p, size_t len)
{
	if (*off + 2 >= KEYMAX)
		return;			/* full: the rest is cut */
	if (*off + len + 2 > KEYMAX)
		len = KEYMAX - *off - 2;
	memcpy(key + *off, p, len);
	*off += len;
	key[(*off)++] = '\001';
	key[*off] = '\0';
}

/*
 * The key of the user joins of an address: log host and address.  Its
 * connection is never pending; its time tells whether any waits.
 */
static size_t
addrkey(const struct env *e, const struct trap_attempt *a, char key[KEYMAX])
{
	size_t	 off = 0;

	appendkey(key, &off, e->host.p, e->host.len);
	appendkey(key, &off, "u", 1);
	appendkey(key, &off, a->addr, strlen(a->addr));
	return off;
}

/* The length of e's program name less a "(pam_unix)" suffix. */
static size_t
proglen(const struct env *e)
{
	const char	*paren;

	if (e->prog.len > 0 &&
	    (paren = memchr(e->prog.p, '(', e->prog.len)) != NULL)
		return paren - e->prog.p;
	return e->prog.len;
}

/*
 * A line of a process ID join logged without one (util-linux login(1)
 * opens syslog without LOG_PID, and its PAM modules' lines come so
 * too; sshd -e writes no tag at all): the lines of its program (less a
 * "(pam_unix)" suffix) and address, and port where " port N" follows
 * the address (sshd), are one connection, as near as can be told: 1,
 * or LOOSE without a port, where one address's connections are not told
 * apart (see attempt_join).  Without an address, its host name's lines
 * (login -h's name, never an address) are LOOSE; none (0) without either.
 */
#define LOOSE	2
static int
noidkey(const struct env *e, const struct match *m,
    const struct trap_attempt *a, char key[KEYMAX], size_t off)
{
	const char	*p, *end = e->msg.p + e->msg.len, *q;

	if (a->addr[0] == '\0' && a->rdns.len == 0)
		return 0;
	appendkey(key, &off, "n", 1);
	appendkey(key, &off, e->prog.p, proglen(e));
	if (a->addr[0] == '\0') {
		appendkey(key, &off, "h", 1);
		appendkey(key, &off, a->rdns.p, a->rdns.len);
		return LOOSE;
	}
	appendkey(key, &off, a->addr, strlen(a->addr));
	if (!m->have[CAP_ADDR])
		return LOOSE;
	p = m->cap[CAP_ADDR].p + m->cap[CAP_ADDR].len;
	if (end - p < 7 || memcmp(p, " port ", 6) != 0)
		return LOOSE;
	p += 6;
	for (q = p; q < end && q - p < 5 && isdigit((unsigned char)*q); q++)
		continue;
	if (q == p)
		return LOOSE;
	appendkey(key, &off, p, q - p);
	return 1;
}

/*
 * A Dovecot session ID as a key: what is between its last "<" and ">"
 * ("<S>" and "master,<S>" in 2.3's auth lines, "S" in 2.4's).
 */
static void
sessionid(const char *p, size_t len, struct trap_str *id)
{
	const char	*lt;

	if ((lt = memrchr(p, '<', len)) != NULL) {
		len -= lt + 1 - p;
		p = lt + 1;
	}
	if (len > 0 && p[len - 1] == '>')
		len--;
	id->p = p;
	id->len = len;
}

/*
 * The session a count line names after its address, where the daemon
 * writes it: Dovecot's login line ", session=<S>" (its client text, the
 * user, comes before rip=).  0 if none.
 */
static int
countsession(const struct env *e, const struct match *m, struct trap_str *id)
{
	const char	*p, *q, *end = e->msg.p + e->msg.len;

	if (!m->have[CAP_ADDR])
		return 0;
	p = m->cap[CAP_ADDR].p + m->cap[CAP_ADDR].len;
	if ((q = memmem(p, end - p, "session=<", 9)) == NULL)
		return 0;
	q += 9;
	if ((p = memchr(q, '>', end - q)) == NULL || p == q)
		return 0;
	id->p = q;
	id->len = p - q;
	return 1;
}

/*
 * The program whose process IDs a pid join keys by: the tag's name less
 * a "(pam_unix)" suffix, OpenSSH's sshd-session and sshd-auth (9.8 on)
 * as sshd, whose listener logs a session's end by its pid (HPN-SSH's
 * hpnsshd-session and hpnsshd-auth as hpnsshd).  Another
 * program's process of the same ID (sudo's PAM line, then sshd's close)
 * is another connection.
 */
static void
pidprog(const struct env *e, char key[KEYMAX], size_t *off)
{
	char	 buf[64];
	size_t	 n = proglen(e);

	if ((n == 12 && memcmp(e->prog.p, "sshd-session", 12) == 0) ||
	    (n == 9 && memcmp(e->prog.p, "sshd-auth", 9) == 0))
		n = 4;
	else if ((n == 15 && memcmp(e->prog.p, "hpnsshd-session", 15) == 0) ||
	    (n == 12 && memcmp(e->prog.p, "hpnsshd-auth", 12) == 0))
		n = 7;
	if (n > sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	buf[0] = 'p';		/* one part: a connection is its memory */
	memcpy(buf + 1, e->prog.p, n);
	appendkey(key, off, buf, n + 1);
}

/* The connection a line belongs to: 1 (or LOOSE), 0 if it has none. */
static int
connkey(const struct env *e, const struct rule *r, const struct match *m,
    const struct trap_attempt *a, char key[KEYMAX])
{
	struct trap_str	 id;
	size_t		 off = 0;

	appendkey(key, &off, e->host.p, e->host.len);
	switch (r->join) {
	case JOIN_PID:
		/* A process ID in the text: another process's line of it. */
		if (m->have[CAP_KEY]) {
			pidprog(e, key, &off);
			appendkey(key, &off, m->cap[CAP_KEY].p,
			    m->cap[CAP_KEY].len);
			return 1;
		}
		if (e->pid.len == 0)
			return noidkey(e, m, a, key, off);
		pidprog(e, key, &off);
		appendkey(key, &off, e->pid.p, e->pid.len);
		return 1;
	case JOIN_KEY:
		if (!m->have[CAP_KEY])
			return 0;
		appendkey(key, &off, "k", 1);
		appendkey(key, &off, m->cap[CAP_KEY].p, m->cap[CAP_KEY].len);
		return 1;
	case JOIN_USER:
		if (a->addr[0] == '\0')
			return 0;
		off = addrkey(e, a, key);
		appendkey(key, &off, a->user.p, a->user.len);
		/* Dovecot's session: its user's other sessions apart */
		if (m->have[CAP_KEY])
			sessionid(m->cap[CAP_KEY].p, m->cap[CAP_KEY].len, &id);
		if (m->have[CAP_KEY] || countsession(e, m, &id))
			appendkey(key, &off, id.p, id.len);
		return 1;
	default:
		return 0;
	}
}

/* Attempt a takes its connection's address and host name, if it has none. */
static void
conn_lend(const struct conn *c, struct trap_attempt *a)
{
	if (a->addr[0] == '\0')
		memcpy(a->addr, c->addr, sizeof(a->addr));
	if (a->rdns.len == 0) {
		a->rdns.p = c->rdns;
		a->rdns.len = strlen(c->rdns);
	}
}

/*
 * Fill what the line lacks from its connection, and the other way; a
 * host name new to the connection is given to its attempts waiting.
 */
static void
conn_share(struct trap_extract *x, struct conn *c, struct trap_attempt *a)
{
	if (a->addr[0] != '\0' && c->addr[0] == '\0') {
		memcpy(c->addr, a->addr, sizeof(c->addr));
		if (c->held > 0)	/* tries that waited for it */
			release(x, c);
	}
	if (a->rdns.len > 0 && c->rdns[0] == '\0' &&
	    a->rdns.len < sizeof(c->rdns)) {
		memcpy(c->rdns, a->rdns.p, a->rdns.len);
		c->rdns[a->rdns.len] = '\0';
		if (c->held > 0 && c->addr[0] != '\0')
			release(x, c);
	}
	conn_lend(c, a);
}

/*
 * A recipient of a queue ID whose relay line (with the client's address)
 * is still to come: held for it, a GRACE at the most.
 */
static void
hold(struct trap_extract *x, struct conn *c, const struct trap_attempt *a,
    long long count)
{
	unsigned long long	 pos;

	pos = enqueue(x, a, count, SLOT_HOLD);
	qslot(x, pos)->conn = c;
	if (c->held++ == 0)
		c->firstheld = pos;
	else
		qslot(x, c->lastheld)->nextheld = pos;
	c->lastheld = pos;
}

/*
 * A weak line after a plain attempt of its connection is of that attempt,
 * or, in a process that takes several tries (vsftpd: its PAM lines, then
 * its own "FAIL LOGIN", for each), of the next: noted here, it tells that
 * one's kind if its own line cannot and names the same user (or none).
 */
static void
nextkind(struct conn *c, const struct trap_attempt *a)
{
	if (a->kind != KIND_NOUSER && a->kind != KIND_BADPASS)
		return;
	if (a->user.len > 0)
		c->nextuser = trap_hash_sum(a->user.p, a->user.len);
	if (c->nextkind != KIND_BADPASS + 1)
		c->nextkind = a->kind + 1;
}

/*
 * The plain attempt a of c, or the first weak line of its next try: the
 * kind its weak lines before told, if any.
 */
static void
nextapply(struct conn *c, struct trap_attempt *a)
{
	if ((c->state == CONN_STRONG || c->state == CONN_NONE) &&
	    a->kind == KIND_FAIL &&
	    c->nextkind != 0 && (c->nextuser == 0 || (a->user.len > 0 &&
	    trap_hash_sum(a->user.p, a->user.len) == c->nextuser)))
		a->kind = c->nextkind - 1;
	c->nextkind = 0;
	c->nextuser = 0;
}

/*
 * The tries of a pending attempt's weak lines: a user join's each one,
 * a "req" join's each but the first, which may be a probe ("none"), at
 * least one.
 */
static unsigned int
eachcount(const struct conn *c)
{
	if (c->eachline == EACH_REQ)
		return c->nweak > 1 ? c->nweak - 1 : 1;
	return c->nweak;
}

/*
 * The kind of a request that Dovecot's passdbs answered in turn, one
 * answer being kind, the next add: a refused password says the user
 * exists (badpass); one passdb's "unknown user" is not another's
 * answer, and PAM's refusal ("pam_authenticate() failed") does not say
 * which (fail).
 */
static int
passdbkind(int kind, int add)
{
	if (kind == KIND_BADPASS || add == KIND_BADPASS)
		return KIND_BADPASS;
	if (kind == KIND_FAIL || add == KIND_FAIL)
		return KIND_FAIL;
	return add;
}

/* What line a says that c's pending attempt does not know yet. */
static void
pending_merge(struct trap_extract *x, struct conn *c,
    const struct trap_attempt *a)
{
	struct slot		*s;
	struct trap_attempt	 n;

	s = qslot(x, c->slot);
	n = s->a;
	if (n.addr[0] == '\0')
		memcpy(n.addr, a->addr, sizeof(n.addr));
	if (n.rdns.len == 0)
		n.rdns = a->rdns;
	if (n.user.len == 0)
		n.user = a->user;
	if (c->eachline == EACH_TRY)
		n.kind = passdbkind(n.kind, a->kind);
	/* A password refused: the user is known (to a later passdb). */
	else if (n.kind == KIND_FAIL || (n.kind == KIND_NOUSER &&
	    a->kind == KIND_BADPASS))
		n.kind = a->kind;
	slot_set(s, &n);
}

/*
 * A user name's hash, but for case (never 0): sshd's "not allowed" line
 * names the account (pw_name), its Failed line the name the client sent,
 * which a lookup that ignores case (sssd, winbind) found.  Of the first
 * sizeof(x->lower) bytes.
 */
static uint64_t
userfold(struct trap_extract *x, const struct trap_str *u)
{
	size_t	 n = u->len < sizeof(x->lower) ? u->len : sizeof(x->lower);

	memmove(x->lower, u->p, n);
	trap_lower(x->lower, n);
	return trap_hash_sum(x->lower, n) | 1;
}

/*
 * An account that exists, refused as no user: sshd calls "invalid user"
 * one that AllowUsers, DenyUsers, AllowGroups, DenyGroups, a locked
 * password or a shell that is not there keeps out, after "User U from
 * A not allowed because ..." (auth.c allowed_user(), called only for an
 * account getpwnam() found; rule event account?).  A line of c that says
 * there is no such user, or that a password was refused, is then of kind
 * fail: the password was not tried (sshd hands PAM a fake one, whose
 * refusal by pam_unix says nothing).  1 if a is such a line.
 */
static int
realuser(struct trap_extract *x, const struct conn *c,
    struct trap_attempt *a)
{
	if (c->realuser == 0 || (a->kind != KIND_NOUSER &&
	    a->kind != KIND_BADPASS) || a->user.len == 0 ||
	    userfold(x, &a->user) != c->realuser)
		return 0;
	a->kind = KIND_FAIL;
	return 1;
}

static void
weak(struct trap_extract *x, struct conn *c, struct trap_attempt *a)
{
	conn_share(x, c, a);
	switch (c->state) {
	case CONN_NONE:
		nextapply(c, a);
		c->slot = enqueue(x, a, 1, SLOT_PENDING);
		qslot(x, c->slot)->conn = c;
		c->state = CONN_PENDING;
		c->nweak = 1;
		break;
	case CONN_PENDING:
		if (c->nweak < UINT_MAX)
			c->nweak++;
		if (c->eachline != EACH_ONE)
			qslot(x, c->slot)->count = eachcount(c);
		pending_merge(x, c, a);
		break;
	case CONN_STRONG:
		nextkind(c, a);
		break;
	default:
		break;
	}
}

/*
 * The length of u less the "..." with which Dovecot cuts a long name:
 * to 61 bytes in its auth lines (auth-request.c MAX_LOG_USERNAME_LEN,
 * 64 with the dots), to 77 in its login lines (str_sanitize(, 80)).
 */
static size_t
uncut(const struct trap_str *u)
{
	if (u->len >= 64 && memcmp(u->p + u->len - 3, "...", 3) == 0)
		return u->len - 3;
	return u->len;
}

/*
 * The same user, but for case (Dovecot lower-cases it by default), or
 * the one cut short of the other?
 */
static int
sameuser(const struct trap_str *a, const struct trap_str *b)
{
	size_t	 la = uncut(a), lb = uncut(b);

	if (la == a->len && lb == b->len)
		return a->len == b->len && strncasecmp(a->p, b->p, a->len) == 0;
	if ((la == a->len && a->len <= lb) || (lb == b->len && b->len <= la))
		return 0;	/* the whole name is no longer than the cut */
	return strncasecmp(a->p, b->p, la < lb ? la : lb) == 0;
}

static void
strong(struct trap_extract *x, struct conn *c, struct trap_attempt *a,
    long long count, int waitname)
{
	struct slot	*s;
	int		 refused;

	conn_share(x, c, a);
	refused = realuser(x, c, a);
	nextapply(c, a);
	if (c->state == CONN_PENDING) {
		s = qslot(x, c->slot);
		/* The kind its weak lines told, if they name its user. */
		if (a->kind == KIND_FAIL && !refused && (a->user.len == 0 ||
		    s->a.user.len == 0 || sameuser(&a->user, &s->a.user)))
			a->kind = s->a.kind;
		if (a->user.len == 0)
			a->user = s->a.user;
		s->state = SLOT_DEAD;
		s->conn = NULL;
	}
	c->state = CONN_STRONG;
	/*
	 * A later line of a process may still name its host (PAM's rhost=
	 * at its end): the attempt waits for it, unless live.
	 */
	if (waitname && !x->live && c->rdns[0] == '\0' &&
	    a->addr[0] != '\0')
		hold(x, c, a, count);
	else
		put(x, a, count);
}

/*
 * The login a of c's client succeeded: c's pending weak lines were the
 * login's own (pam_unix's "authentication failure" from a module that
 * was sufficient, in a stack another module passed, as pam_sss's or an
 * OTP's), and the weak lines after it are no guesses.  Not a try line,
 * written when the whole stack failed; a login from another address,
 * or of another user, is another connection's, the process ID used
 * again.
 */
static void
conn_passed(struct trap_extract *x, struct conn *c,
    const struct trap_attempt *a)
{
	struct slot	*s;
	const char	*addr;

	/* A try line (sshd's "error: PAM: ...") is its own failed try. */
	if (c->state != CONN_PENDING || (c->tried && c->tryslot == c->slot))
		return;
	s = qslot(x, c->slot);
	addr = s->a.addr[0] != '\0' ? s->a.addr : c->addr;
	if (a->addr[0] == '\0' || strcmp(addr, a->addr) != 0 ||
	    (s->a.user.len > 0 && a->user.len > 0 &&
	    !sameuser(&s->a.user, &a->user)))
		return;
	s->state = SLOT_DEAD;
	s->conn = NULL;
	c->state = CONN_STRONG;
}

static void
connect(struct conn *c, const struct trap_attempt *a)
{
	memcpy(c->addr, a->addr, sizeof(c->addr));
	c->rdns[0] = '\0';
	if (a->rdns.len < sizeof(c->rdns)) {
		put_str(c->rdns, &a->rdns);
		c->rdns[a->rdns.len] = '\0';
	}
}

/*
 * Base64 s[0..len) decoded into dst: its length, or -1 if it is none as
 * an encoder writes it (a length of 4n+1, bits left over, text after the
 * padding): a name in clear such as "admin" is not taken for one.
 */
static size_t
b64decode(const char *s, size_t len, char *dst, size_t dstlen)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char	*c;
	unsigned int	 acc = 0;
	size_t		 i, j, n = 0, bits = 0;

	for (i = 0; i < len && s[i] != '='; i++) {
		if ((c = strchr(tab, s[i])) == NULL || *c == '\0')
			return (size_t)-1;
		acc = (acc << 6) | (c - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == dstlen)
				return (size_t)-1;
			dst[n++] = (acc >> bits) & 0xff;
		}
	}
	for (j = i; j < len && s[j] == '='; j++)
		continue;
	if (i % 4 == 1 || (acc & ((1U << bits) - 1)) != 0 || j != len ||
	    (j > i && j - i != 4 - i % 4))
		return (size_t)-1;
	return n;
}

/*
 * Is the logged host name no name at all: unknown, or the address's own
 * text, as logged or in another form (ProFTPD's "::ffff:192.0.2.4")?
 */
static int
nohost(const struct trap_str *h, const char *addr)
{
	char	 canon[TRAP_ADDRLEN];

	if ((h->len == 7 && memcmp(h->p, "unknown", 7) == 0) ||
	    (h->len == 9 && memcmp(h->p, "<unknown>", 9) == 0) ||
	    (h->len == strlen(addr) && memcmp(h->p, addr, h->len) == 0))
		return 1;
	return addr[0] != '\0' && h->len < TRAP_ADDRLEN &&
	    trap_addr_canon(h->p, h->len, canon, sizeof(canon)) == 0 &&
	    strcmp(canon, addr) == 0;
}

/* Is p[0..len) printable UTF-8 (no control characters)? */
static int
printable(const char *p, size_t len)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 i, n;

	for (i = 0; i < len; i += n) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return 0;
		if (u[i] < 0x80)
			n = 1;
		else if ((n = trap_utf8len(u + i, len - i)) == 0)
			return 0;
	}
	return 1;
}

/*
 * The user name of a match: %u, or %b decoded (kept as logged if it is
 * no base64 of printable text: a name logged in clear); a recipient
 * lower-cased.
 */
static void
attempt_user(struct trap_extract *x, const struct match *m,
    struct trap_attempt *a)
{
	const struct trap_str	*cap = m->cap;
	size_t			 n;

	if (m->have[CAP_USER])
		a->user = cap[CAP_USER];
	else if (m->have[CAP_B64]) {
		n = b64decode(cap[CAP_B64].p, cap[CAP_B64].len, x->b64,
		    sizeof(x->b64));
		a->user = cap[CAP_B64];
		if (n != (size_t)-1 && n > 0 && printable(x->b64, n)) {
			a->user.p = x->b64;
			a->user.len = n;
		}
	}
	if (a->kind == KIND_RCPT && a->user.len <= sizeof(x->lower)) {
		/* A recipient address: case does not count. */
		memcpy(x->lower, a->user.p, a->user.len);
		trap_lower(x->lower, a->user.len);
		a->user.p = x->lower;
	}
}

/*
 * A host name in *rdns, without the RFC 1413 user in front of it
 * (sendmail's relay=IDENT@NAME [A]): a name holds no "@", and the
 * daemon cleans the ident of any.
 */
static void
identless(struct trap_str *rdns, const struct trap_str *host)
{
	const char	*at;

	*rdns = *host;
	if (host->len > 0 &&
	    (at = memrchr(host->p, '@', host->len)) != NULL) {
		rdns->p = at + 1;
		rdns->len = host->p + host->len - rdns->p;
	}
}

/* A count captured (%c, %C, %s): 0 if it is none below MAXCOUNT. */
static long long
capnum(const struct trap_str *c)
{
	char	 buf[16];
	size_t	 n = c->len < sizeof(buf) ? c->len : sizeof(buf) - 1;

	memcpy(buf, c->p, n);
	buf[n] = '\0';
	return strtonum(buf, 0, MAXCOUNT, NULL);
}

/*
 * The attempt of a match at time t, and how many it stands for; -1 if
 * the line is to be dropped (an address that is none, a count of 0).
 */
static int
attempt_make(struct trap_extract *x, const struct env *e,
    const struct rule *r, const struct match *m, time_t t,
    struct trap_attempt *a, long long *count)
{
	const struct trap_str	*cap = m->cap;
	char			 buf[72];
	size_t			 n;

	memset(a, 0, sizeof(*a));
	a->rdns.p = a->user.p = "";
	a->time = t;
	a->loghost = e->host;
	a->daemon = e->prog;
	if (a->daemon.len == 0) {
		a->daemon.p = r->daemon;
		a->daemon.len = strlen(r->daemon);
	}
	if (r->service >= 0)
		a->service = r->service;
	else if (m->have[CAP_SVC])
		a->service = trap_service_guess(cap[CAP_SVC].p,
		    cap[CAP_SVC].len);
	else
		a->service = trap_service_guess(a->daemon.p, a->daemon.len);
	a->kind = r->kind;
	attempt_user(x, m, a);
	if (m->have[CAP_ADDR] && m->addrok)
		memcpy(a->addr, m->addr, sizeof(a->addr));
	else if (m->have[CAP_ADDR]) {
		n = cap[CAP_ADDR].len < 64 ? cap[CAP_ADDR].len : 64;
		memcpy(buf, cap[CAP_ADDR].p, n);
		buf[n] = '\0';
		warnline(x, "bad address", buf);
		return -1;
	}
	if (m->have[CAP_RHOST] && trap_addr_canon(cap[CAP_RHOST].p,
	    cap[CAP_RHOST].len, a->addr, sizeof(a->addr)) == -1)
		a->rdns = cap[CAP_RHOST];
	if (m->have[CAP_HOST])
		identless(&a->rdns, &cap[CAP_HOST]);
	if (a->rdns.len > 0 && nohost(&a->rdns, a->addr))
		a->rdns.len = 0;
	*count = 1;
	/* %C: the last of them did not finish, and is none */
	if (m->have[CAP_COUNT])
		*count = capnum(&cap[CAP_COUNT]) - r->lcount;
	/* %s: those that passed were no refused password */
	if (m->have[CAP_PASSED])
		*count -= capnum(&cap[CAP_PASSED]);
	if (*count <= 0)
		return -1;
	*count *= e->repeat;
	if (*count > MAXCOUNT)
		*count = MAXCOUNT;
	return 0;
}

/* c ends now: its lines of the next moments are last words (lastword()). */
static void
closed_now(const struct trap_extract *x, struct conn *c)
{
	c->state = CONN_CLOSED;
	c->closed = x->now;
	c->closedseq = x->taken;
}

/*
 * A connection that closed after an attempt is remembered a while: the
 * lines sshd writes after "Received disconnect" ("Disconnected from
 * invalid user U A port N") are its last words, not a new attempt.
 */
static void
conn_close(struct trap_extract *x, struct conn *c)
{
	if (c->state == CONN_NONE) {
		conn_drop(x, c);
		return;
	}
	conn_decide(x, c);
	closed_now(x, c);
}

/* The process ID or key is used again: another connection. */
static void
conn_reopen(struct conn *c)
{
	c->state = CONN_NONE;
	c->nweak = 0;
	c->nonweak = c->noted = c->session = c->notpam = c->passed = 0;
	c->nextkind = 0;
	c->nextuser = c->realuser = 0;
	c->unanswered = 0;
	c->addr[0] = c->rdns[0] = '\0';
}

/*
 * Does the line of attempt a, whose key c has, begin another connection?
 * It does if c was closed, or if the two name different addresses: the
 * process ID (or key) is used again, and the close of the one before
 * was never logged (an older daemon, lines lost to syslog's rate limit).
 * That one's attempts are decided first, not lent to this one.
 */
static void
conn_again(struct trap_extract *x, struct conn *c,
    const struct trap_attempt *a)
{
	if (c->state == CONN_CLOSED) {
		conn_reopen(c);
		return;
	}
	/*
	 * After its login a connection's lines name its client (sshd's
	 * "PAM 1 more authentication failure ... rhost="): one that names
	 * none is a later process's of the same ID, whose session ended
	 * under the ID of another (sshd's session child), not its own;
	 * so is one that names a client where the connection knew none.
	 */
	if (c->passed && (a->addr[0] != '\0' ? c->addr[0] == '\0' :
	    a->rdns.len == 0)) {
		conn_decide(x, c);
		conn_reopen(c);
		return;
	}
	if (c->addr[0] == '\0' || a->addr[0] == '\0' ||
	    strcmp(c->addr, a->addr) == 0)
		return;
	conn_decide(x, c);
	conn_reopen(c);
}

/*
 * The connection goes on with another user (a "next" line): its pending
 * weak attempt is counted, as at a close, and its later lines begin
 * afresh, with the address of this line or the one it had.
 */
static void
conn_next(struct trap_extract *x, struct conn *c, struct trap_attempt *a)
{
	char	 addr[sizeof(c->addr)];

	if (c->state == CONN_CLOSED)
		conn_reopen(c);
	if (c->state == CONN_PENDING) {
		a->kind = KIND_FAIL;	/* says nothing of the kind */
		conn_share(x, c, a);	/* only its address, if none */
		pending_merge(x, c, a);
	}
	conn_decide(x, c);
	memcpy(addr, c->addr, sizeof(addr));
	conn_reopen(c);
	c->nonweak = 1;
	if (a->addr[0] != '\0' || a->rdns.len > 0)
		connect(c, a);
	else
		memcpy(c->addr, addr, sizeof(c->addr));
}

/* Is a weak line of a closed connection its last word (else: reopen)? */
static int
lastword(struct trap_extract *x, struct conn *c,
    const struct trap_attempt *a)
{
	if (c->state != CONN_CLOSED)
		return 0;
	/* Without a time, no clock: CLOSE_LINES lines stand for the window. */
	if ((a->time == TRAP_NOTIME ? x->taken - c->closedseq <= CLOSE_LINES :
	    x->now - c->closed <= CLOSE_WINDOW) && (a->addr[0] == '\0' ||
	    strcmp(a->addr, c->addr) == 0))
		return 1;
	conn_reopen(c);
	return 0;
}

/* Is c a user join's connection of session id (its key's last part)? */
static int
ofsession(const struct conn *c, const struct trap_str *id)
{
	size_t	 len = strlen(c->key);

	return c->session && len >= id->len + 2 &&
	    c->key[len - 1] == '\001' && c->key[len - id->len - 2] == '\001' &&
	    memcmp(c->key + len - id->len - 1, id->p, id->len) == 0;
}

/*
 * The latest connections of a user join for a's address (on e's log
 * host) whose attempts wait for their count line, but own, touched
 * within window, of a's user if a has one (and, if nosession, not of a
 * session of a login process; if id, of that session): up to max of them
 * in out,
 * newest first; how many.  One pass over the connections of the window,
 * ADDR_SCAN at most, so that a flood of lines costs a bounded time each.
 */
static size_t
userwait(struct trap_extract *x, const struct env *e,
    const struct trap_attempt *a, const struct conn *own, time_t window,
    int nosession, const struct trap_str *id, struct conn **out,
    size_t max)
{
	struct conn	*c;
	struct slot	*s;
	char		 prefix[KEYMAX];
	size_t		 off = 0, steps = 0, n = 0;

	if (a->addr[0] == '\0')
		return 0;
	appendkey(prefix, &off, e->host.p, e->host.len);
	appendkey(prefix, &off, "u", 1);
	appendkey(prefix, &off, a->addr, strlen(a->addr));
	TAILQ_FOREACH_REVERSE(c, &x->connlru, connlru, lru) {
		if (n == max || c->last + window < x->now ||
		    ++steps > ADDR_SCAN)
			break;
		if (c == own || c->state != CONN_PENDING ||
		    (nosession && c->session) ||
		    strncmp(c->key, prefix, off) != 0 ||
		    (id != NULL && !ofsession(c, id)))
			continue;
		s = qslot(x, c->slot);
		if (a->user.len == 0 || sameuser(&s->a.user, &a->user))
			out[n++] = c;
	}
	return n;
}

/*
 * Connection c's waiting attempt is a's: it gives its user (if a has
 * none) and its kind, and is not counted on its own.
 */
static void
take_pending(struct trap_extract *x, struct conn *c, struct trap_attempt *a)
{
	struct slot	*s;

	s = qslot(x, c->slot);
	if (a->user.len == 0)
		a->user = s->a.user;
	if (a->kind == KIND_FAIL)
		a->kind = s->a.kind;
	s->state = SLOT_DEAD;
	s->conn = NULL;
	conn_reopen(c);		/* its next line waits anew */
}

/*
 * k of connection c's waiting lines (at least one) are a's attempts: a
 * gets their user (if it has none) and kind; the others still wait.
 */
static void
take_lines(struct trap_extract *x, struct conn *c, struct trap_attempt *a,
    unsigned int k)
{
	struct slot	*s;

	if (k >= c->nweak) {
		take_pending(x, c, a);
		return;
	}
	s = qslot(x, c->slot);
	if (a->user.len == 0)
		a->user = s->a.user;
	if (a->kind == KIND_FAIL)
		a->kind = s->a.kind;
	c->nweak -= k;
	s->count = c->nweak;
}

/*
 * An attempt of an addr join: the latest attempt of a user join for its
 * address (on its log host) that waits for its count line, logged up to
 * ADDR_WINDOW before, is this one: Dovecot's auth process line for a
 * Postfix SASL failure that Dovecot checked, just before Postfix logs it
 * (an older one may be an IMAP login's, still to come).  It gives its
 * user (if this line has none; else one of the same user is taken
 * first, and this line's user is kept) and its kind, and is not counted
 * on its own.
 */
static void
addr_join(struct trap_extract *x, const struct env *e,
    struct trap_attempt *a)
{
	struct trap_attempt	 any = *a;
	struct conn		*c;

	/*
	 * Dovecot may log the name otherwise (auth_username_format).  The
	 * requests of Postfix and Exim name no session: a line of a login
	 * process's session is taken last.  One line: two failures of the
	 * same name from one address are two (parallel connections).
	 */
	any.user.len = 0;
	if (userwait(x, e, a, NULL, ADDR_WINDOW, 1, NULL, &c, 1) == 1 ||
	    userwait(x, e, &any, NULL, ADDR_WINDOW, 1, NULL, &c, 1) == 1 ||
	    userwait(x, e, a, NULL, ADDR_WINDOW, 0, NULL, &c, 1) == 1 ||
	    userwait(x, e, &any, NULL, ADDR_WINDOW, 0, NULL, &c, 1) == 1)
		take_lines(x, c, a, 1);
}

/*
 * A count line of a user join (Dovecot's login line, N attempts in one
 * session) whose connection's auth lines number fewer than N: the
 * others of the session were for other users, whose auth lines wait as
 * connections of their own.  The latest of these for its address, up
 * to left of them, become the line's attempts, each with its own user
 * and kind, instead of counting apart.  How many it took.
 */
static long long
user_absorb(struct trap_extract *x, const struct env *e,
    const struct conn *own, const struct trap_attempt *a, int kind,
    const struct trap_str *id, long long left)
{
	struct conn		*found[ABSORB_MAX];
	struct trap_attempt	 any = *a, b;
	size_t			 i, n;
	long long		 k, taken = 0;

	any.user.len = 0;
	any.kind = kind;	/* the line's, not its own session's */
	/*
	 * Its session's, else those that name none (no session logged).
	 * A line of no user and no session (a login_log_format_elements
	 * without either) takes no line of a session, which would be
	 * another connection's.
	 */
	n = userwait(x, e, &any, own, GRACE, id == NULL && a->user.len == 0,
	    id, found, left < ABSORB_MAX ? (size_t)left : ABSORB_MAX);
	if (n == 0 && id != NULL)
		n = userwait(x, e, &any, own, GRACE, 1, NULL, found,
		    left < ABSORB_MAX ? (size_t)left : ABSORB_MAX);
	for (i = 0; i < n && taken < left; i++) {
		/* A full queue may have decided it since (enqueue). */
		if (found[i]->state != CONN_PENDING)
			break;
		/* Each of its lines is a try of its user. */
		k = found[i]->nweak < left - taken ? found[i]->nweak :
		    left - taken;
		b = any;
		take_lines(x, found[i], &b, k);
		put(x, &b, k);
		taken += k;
	}
	return taken;
}

/*
 * A count line of a user join with no auth line of its own connection:
 * those of its session wait apart, keyed by the session's ID, which the
 * count line does not name.  The latest connection of its user and
 * address that waits is its own: a gives it its user (if it has none)
 * and kind.  How many lines it had (1 if none waits).  A count line
 * that names no user ("user=<>": Dovecot logs the user of the auth
 * process's answer, and the client left before it came) has no lines
 * of its own: its auth lines, of whatever user, are all to be taken
 * (user_absorb()).
 */
static unsigned int
user_session(struct trap_extract *x, const struct env *e,
    const struct conn *own, struct trap_attempt *a,
    const struct trap_str *id)
{
	struct conn	*c;
	unsigned int	 n;

	if (a->user.len == 0)
		return 0;
	/* Its session's, else one that names none (no session logged). */
	if ((userwait(x, e, a, own, GRACE, 0, id, &c, 1) != 1 &&
	    (id == NULL || userwait(x, e, a, own, GRACE, 1, NULL, &c, 1) != 1)))
		return 1;
	n = c->nweak;
	take_pending(x, c, a);
	return n;
}

/*
 * Has a line of a user join waited for a's address (on e's log host)
 * within GRACE?  Only then do user_session() and user_absorb() look:
 * a count line without auth lines (Dovecot's auth_verbose=no, the
 * default) costs no pass over the connections.
 */
static int
userwaits(struct trap_extract *x, const struct env *e,
    const struct trap_attempt *a)
{
	struct conn	*c;
	char		 key[KEYMAX];

	addrkey(e, a, key);
	return (c = conn_get(x, key, 0)) != NULL && c->waited != 0 &&
	    x->now - c->waited <= GRACE;
}

/*
 * A pid join's PAM line may be of a process that logs nothing else:
 * sshd's keyboard-interactive runs PAM in a child of its own
 * (auth-pam.c, a fork for a thread), whose pam_unix line has the
 * child's pid; ProFTPD's PAM lines have none (PAM's syslog(3) without
 * openlog(3), ProFTPD's own lines with its pid).  The try's plain line
 * is the program's own, for the same address a moment later.  So the
 * first PAM line with an address of a connection that had only PAM
 * lines (sshd's own "Invalid user" or "Connection from" line is not
 * another process's) is noted, up to ORPHANQ of them, in a connection of
 * its own keyed by log host, program (less a "(pam_unix)" suffix) and address,
 * and a plain attempt of another connection of the same, up to
 * ORPHAN_WINDOW s after it, takes the oldest as it takes its own.
 */
static void
orphankey(const struct env *e, const char *addr, const struct trap_str *name,
    char key[KEYMAX])
{
	size_t	 off = 0;

	appendkey(key, &off, e->host.p, e->host.len);
	appendkey(key, &off, addr[0] != '\0' ? "o" : "n", 1);
	appendkey(key, &off, e->prog.p, proglen(e));
	if (addr[0] != '\0')
		appendkey(key, &off, addr, strlen(addr));
	else
		appendkey(key, &off, name->p, name->len);
}

/* A loose weak line's key made its own: the line's number is added. */
static void
loosekey(struct trap_extract *x, char key[KEYMAX])
{
	char	 seq[24];
	size_t	 off = strlen(key);

	snprintf(seq, sizeof(seq), "#%llu", x->taken);
	appendkey(key, &off, seq, strlen(seq));
}

/* Is e a PAM module's line: "pam_unix(sshd:auth): ...", "sshd(pam_unix)"? */
static int
pamline(const struct env *e)
{
	return (e->msg.len > 4 && memcmp(e->msg.p, "pam_", 4) == 0) ||
	    (e->prog.len > 5 && memmem(e->prog.p, e->prog.len, "(pam_", 5));
}

static void
orphan(struct trap_extract *x, const struct env *e, struct conn *c,
    const struct trap_attempt *a, int loose)
{
	struct conn	*o;
	char		 key[KEYMAX];

	if (!loose && !pamline(e))
		c->notpam = 1;
	if (c->state != CONN_PENDING || c->nonweak || c->notpam ||
	    c->noted || (a->addr[0] == '\0' && a->rdns.len == 0) ||
	    a->time == TRAP_NOTIME)
		return;
	/* Once: its later lines are the same attempt. */
	c->noted = 1;
	orphankey(e, a->addr, &a->rdns, key);
	o = conn_get(x, key, 1);
	if (o->orphan == NULL)
		o->orphan = xreallocarray(NULL, ORPHANQ, sizeof(*o->orphan));
	if (o->norphan == ORPHANQ) {		/* the oldest goes */
		memmove(o->orphan, o->orphan + 1,
		    (ORPHANQ - 1) * sizeof(o->orphan[0]));
		o->norphan--;
	}
	o->orphan[o->norphan++] = c->slot;
}

/* Is the slot at pos still a lone PAM line's attempt, waiting? */
static int
lonepending(struct trap_extract *x, unsigned long long pos)
{
	struct slot	*s;

	if (pos < x->qhead || pos >= x->qtail)
		return 0;
	s = qslot(x, pos);
	return s->state == SLOT_PENDING && s->conn != NULL &&
	    !s->conn->nonweak && s->conn->slot == pos;
}

/* Is the host name p[0..len) name (as DNS names compare)? */
static int
samename(const char *p, size_t len, const struct trap_str *name)
{
	return len == name->len && strncasecmp(p, name->p, len) == 0;
}

/* May the lone PAM line at slot s be the try of a, from addr or name? */
static int
orphan_fits(const struct slot *s, const struct trap_attempt *a,
    const char *addr, const struct trap_str *name)
{
	if (a->time < s->a.time || a->time - s->a.time > ORPHAN_WINDOW)
		return 0;
	if (addr[0] != '\0')
		return strcmp(s->a.addr, addr) == 0;
	return s->a.addr[0] == '\0' &&
	    samename(s->a.rdns.p, s->a.rdns.len, name);
}

/*
 * Take the oldest fitting lone PAM line of the program and addr (or host
 * name) that names a's user, else the oldest that names none (or any, if
 * a names none); 1 if one was taken.  Those too old to be taken go.
 */
static int
orphan_from(struct trap_extract *x, const struct env *e,
    const struct conn *own, struct trap_attempt *a, const char *addr,
    const struct trap_str *name, int sameonly)
{
	struct conn	*o, *lone;
	struct slot	*s;
	char		 key[KEYMAX], laddr[TRAP_ADDRLEN];
	unsigned int	 i, n, same = UINT_MAX, other = UINT_MAX;

	orphankey(e, addr, name, key);
	if ((o = conn_get(x, key, 0)) == NULL)
		return 0;
	for (i = n = 0; i < o->norphan; i++) {
		if (!lonepending(x, o->orphan[i]))
			continue;
		s = qslot(x, o->orphan[i]);
		if (a->time >= s->a.time &&
		    a->time - s->a.time > ORPHAN_WINDOW)
			continue;	/* too old to be taken */
		o->orphan[n] = o->orphan[i];
		if (s->conn != own && orphan_fits(s, a, addr, name)) {
			if (same == UINT_MAX && a->user.len > 0 &&
			    s->a.user.len > 0 && sameuser(&s->a.user, &a->user))
				same = n;
			else if (other == UINT_MAX && (a->user.len == 0 ||
			    s->a.user.len == 0))
				other = n;
		}
		n++;
	}
	o->norphan = n;
	if (same == UINT_MAX && (sameonly || (same = other) == UINT_MAX))
		return 0;
	s = qslot(x, o->orphan[same]);
	memmove(o->orphan + same, o->orphan + same + 1,
	    (o->norphan - same - 1) * sizeof(o->orphan[0]));
	o->norphan--;
	lone = s->conn;
	memcpy(laddr, s->a.addr, sizeof(laddr));
	take_pending(x, lone, a);
	/*
	 * Its process's next lines, a moment later, are the same try's
	 * (pam_sss's "received for user"): its last words, as after a
	 * close (lastword()).
	 */
	memcpy(lone->addr, laddr, sizeof(lone->addr));
	closed_now(x, lone);
	return 1;
}

/*
 * A plain attempt (or a "try" line) of connection own takes a lone PAM
 * line of its program: by its address, else by its host name (PAM's
 * rhost= is sshd's canonical host name, a name under UseDNS).
 */
static void
orphan_take(struct trap_extract *x, const struct env *e,
    const struct conn *own, struct trap_attempt *a)
{
	const char	*addr = a->addr[0] != '\0' ? a->addr : own->addr;
	struct trap_str	 name = a->rdns;

	if (a->time == TRAP_NOTIME)
		return;
	if (name.len == 0) {
		name.p = own->rdns;
		name.len = strlen(own->rdns);
	}
	if (addr[0] != '\0' && orphan_from(x, e, own, a, addr, &name, 0))
		return;
	if (name.len > 0)
		orphan_from(x, e, own, a, "", &name, 0);
}

/*
 * A login a of a pid join ends the lone PAM line of its user and address
 * (sshd's keyboard-interactive runs PAM in a child of its own): that was
 * the login's own, as conn_passed() has it.
 */
static void
orphan_passed(struct trap_extract *x, const struct env *e,
    struct trap_attempt *a)
{
	if (a->time != TRAP_NOTIME && a->addr[0] != '\0' && a->user.len > 0)
		(void)orphan_from(x, e, NULL, a, a->addr, &a->rdns, 1);
}

/*
 * The pending attempt of connection c is counted, and c waits for its
 * next.  Without an address yet (sshd's lines name the host under
 * UseDNS), it is held for the line that gives one, as the close's.
 */
static void
try_decide(struct trap_extract *x, struct conn *c)
{
	struct slot	*s;

	if (c->addr[0] != '\0' || x->live)
		conn_decide(x, c);
	else {
		/* Held slots of a connection without an address are this
		 * function's, older: the queue order holds. */
		s = qslot(x, c->slot);
		s->state = SLOT_HOLD;
		if (c->held++ == 0)
			c->firstheld = c->slot;
		else
			qslot(x, c->lastheld)->nextheld = c->slot;
		c->lastheld = c->slot;
	}
	c->state = CONN_NONE;
	c->nweak = 0;
}

/* Does attempt a name the client of connection c, by address or name? */
static int
sameclient(const struct conn *c, const struct trap_attempt *a)
{
	if (a->addr[0] != '\0')
		return strcmp(a->addr, c->addr) == 0;
	return a->rdns.len > 0 && samename(c->rdns, strlen(c->rdns), &a->rdns);
}

/*
 * A weak line of a "try" join (sshd's "error: PAM: ... for U from H",
 * once for each keyboard-interactive try, whose Failed line LogLevel INFO
 * may hide): the connection's pending attempt that has such a line
 * already is counted, and this one waits anew; it takes a lone PAM line
 * of its try as a plain attempt does.
 */
static void
another_try(struct trap_extract *x, const struct env *e, struct conn *c,
    struct trap_attempt *a)
{
	if (c->state == CONN_PENDING && c->tried && c->tryslot == c->slot)
		try_decide(x, c);
	else if (c->state == CONN_STRONG || c->state == CONN_COUNTED) {
		/*
		 * After a Failed line (another method's) or a try let out:
		 * the next try, if the line names the same client; else
		 * another connection of this pid, whose end was not logged.
		 */
		if (sameclient(c, a)) {
			c->state = CONN_NONE;
			c->nweak = 0;
		} else {
			conn_decide(x, c);
			conn_reopen(c);
		}
	}
	conn_lend(c, a);
	orphan_take(x, e, c, a);
}

/*
 * Is the plain line of match m a password try after a keyboard-interactive
 * try line of c (sshd's "error: PAM: ...", which only sshpam_query() of
 * auth-pam.c writes)?  "Failed password" is then a try of its own, not
 * the Failed line of the pending one, which LogLevel INFO hides for a
 * valid user's first tries.
 */
static int
othermethod(const struct conn *c, const struct match *m)
{
	const struct trap_str	*w = &m->cap[CAP_WORD];

	return c->state == CONN_PENDING && c->tried &&
	    c->tryslot == c->slot && m->have[CAP_WORD] && w->len == 8 &&
	    memcmp(w->p, "password", 8) == 0;
}

/* A plain attempt (or unknown recipient) of connection c. */
static void
plain(struct trap_extract *x, const struct env *e, const struct rule *r,
    const struct match *m, struct conn *c, struct trap_attempt *a,
    long long count)
{
	struct trap_str	 sid, *id = NULL;
	long long	 own;
	int		 kind;

	conn_again(x, c, a);
	if (othermethod(c, m))
		try_decide(x, c);
	c->nonweak = 1;
	if (r->join == JOIN_PID)
		orphan_take(x, e, c, a);
	if (r->join == JOIN_KEY && a->kind == KIND_RCPT &&
	    a->addr[0] == '\0' && c->addr[0] == '\0') {
		hold(x, c, a, count);
		return;
	}
	/* The line's own user tried once at least (the last). */
	own = c->state == CONN_PENDING ? c->nweak : 1;
	kind = a->kind;
	if (r->join == JOIN_USER && userwaits(x, e, a)) {
		/* Its session's lines, where it names it. */
		if (!m->have[CAP_KEY] && countsession(e, m, &sid))
			id = &sid;
		if (c->state != CONN_PENDING)
			own = user_session(x, e, c, a, id);
		if (count > own)
			count -= user_absorb(x, e, c, a, kind, id,
			    count - own);
	}
	if (r->join == JOIN_USER && a->user.len == 0 &&
	    (m->have[CAP_KEY] || countsession(e, m, &sid))) {
		/* Its session's auth lines still to come are its own. */
		c->unanswered = 1;
		if (count > 0 && !x->live) {
			conn_share(x, c, a);
			c->state = CONN_STRONG;
			hold(x, c, a, count);
			return;
		}
	}
	strong(x, c, a, count, r->join == JOIN_PID);
}

/*
 * Is the line of a user join's attempt a the next passdb's answer to the
 * request of c's last line?  Dovecot asks its passdbs in turn and logs
 * each one's refusal ("passwd-file(U,A,<S>): unknown user", then
 * "sql(U,A,<S>): unknown user"); a client's next request comes after
 * auth_failure_delay (2 s) and begins with the first passdb again.  So a
 * line of another passdb than the request's first, up to PASSDB_WAIT s
 * after it, is that request's; else it begins one (noted).
 */
static int
nextpassdb(struct conn *c, const struct match *m,
    const struct trap_attempt *a)
{
	uint64_t	 db;
	int		 same;

	if (!m->have[CAP_WORD] || a->time == TRAP_NOTIME) {
		c->passdb = 0;
		return 0;
	}
	db = trap_hash_sum(m->cap[CAP_WORD].p, m->cap[CAP_WORD].len) | 1;
	same = c->state == CONN_PENDING && c->passdb != 0 &&
	    c->passdb != db && a->time >= c->passdbtime &&
	    a->time - c->passdbtime <= PASSDB_WAIT;
	if (!same) {
		c->passdb = db;		/* a request's first passdb */
		c->passdbtime = a->time;
	}
	return same;
}

/*
 * Is the auth line a of a session whose count line named no user, the
 * client having left before the auth process answered (Dovecot's
 * "(disconnected while authenticating)", 2.4's "(auth failed, 1
 * attempts)", with "user=<>")?  With a slow passdb (PAM's delay after a
 * refusal) its line comes after the count line: it is that attempt's,
 * held for it, and gives it its user and kind; a later passdb's line of
 * the same request too.  The session is over: no other try is to come.
 */
static int
unanswered(struct trap_extract *x, const struct env *e,
    const struct rule *r, const struct match *m,
    const struct trap_attempt *a)
{
	struct conn		*c;
	struct slot		*s;
	struct trap_attempt	 n;
	char			 key[KEYMAX];

	if (!m->have[CAP_KEY] || a->addr[0] == '\0')
		return 0;
	n = *a;			/* its session's key, of no user */
	n.user.len = 0;
	(void)connkey(e, r, m, &n, key);
	if ((c = conn_find(x, key, conn_hash(x, key))) == NULL ||
	    !c->unanswered || x->now - c->last > GRACE)
		return 0;
	(void)conn_get(x, key, 0);	/* touched: another passdb's may come */
	if (c->held == 0)
		return 1;	/* its count line took one already */
	s = qslot(x, c->firstheld);
	n = s->a;
	if (n.user.len == 0)
		n.user = a->user;
	/* The count line's own kind is none; its first answer's is. */
	if (c->unanswered == 1)
		n.kind = a->kind;
	else
		n.kind = passdbkind(n.kind, a->kind);
	c->unanswered = 2;
	slot_set(s, &n);
	return 1;
}

/*
 * A weak line (rule event nouser?, badpass?, fail?) of the connection
 * keyed by key; loose: a line with no pid and no port, another try each,
 * in a connection of its own, counted unless the program's plain attempt
 * for its address or host name takes it (orphan()): the PAM line before
 * util-linux login's own, or ProFTPD's, of sessions from one address at
 * once.  A try line with a pid is its process's own, no orphan.
 */
static void
weak_line(struct trap_extract *x, const struct env *e, const struct rule *r,
    const struct match *m, struct trap_attempt *a, long long count,
    char key[KEYMAX], int loose)
{
	struct conn	*c;
	int		 samereq;

	if (r->join == JOIN_USER && unanswered(x, e, r, m, a))
		return;
	if (loose)
		loosekey(x, key);
	c = conn_get(x, key, 1);
	if (lastword(x, c, a))
		return;
	conn_again(x, c, a);
	if (r->account && a->user.len > 0)
		c->realuser = userfold(x, &a->user);
	(void)realuser(x, c, a);
	/* A loose line is a try of its own already. */
	if (r->eachtry && !loose) {
		another_try(x, e, c, a);
		/*
		 * A repeat of it (syslogd's "message repeated N times"):
		 * N tries, each but the last decided, the last waiting for
		 * its Failed line as this one does.
		 */
		if (count > 1)
			put(x, a, count - 1);
	} else if (c->state == CONN_PENDING && c->tried &&
	    c->tryslot == c->slot && a->user.len == 0 &&
	    a->addr[0] == '\0' && a->rdns.len == 0) {
		/*
		 * A line of a kind alone, after a try line: of the next try
		 * (vsftpd's "check pass" before its own), its kind.
		 */
		nextkind(c, a);
		return;
	}
	/* Decided, a user join's connection: this is another try. */
	if (r->join == JOIN_USER && (c->state == CONN_STRONG ||
	    c->state == CONN_COUNTED))
		conn_reopen(c);
	samereq = r->join == JOIN_USER && nextpassdb(c, m, a);
	c->eachline = r->join == JOIN_USER ? EACH_TRY :
	    r->eachreq ? EACH_REQ : EACH_ONE;
	weak(x, c, a);
	if (samereq && c->nweak > 1)
		qslot(x, c->slot)->count = --c->nweak;
	else if (c->eachline != EACH_ONE && c->state == CONN_PENDING &&
	    count > 1 && count < UINT_MAX - c->nweak) {
		c->nweak += count - 1;
		qslot(x, c->slot)->count = eachcount(c);
	}
	if (r->eachtry && c->state == CONN_PENDING) {
		c->tried = 1;
		c->tryslot = c->slot;
	}
	/* A try line is its process's own (vsftpd's PAM lines are), but
	 * a loose one is a lone line for its program's attempt to take. */
	if (r->join == JOIN_PID && (!r->eachtry || loose))
		orphan(x, e, c, a, loose);
	else
		c->nonweak = 1;
	if (r->join == JOIN_USER && m->have[CAP_KEY])
		c->session = 1;
	/* Its count line, maybe of another key, is to look for it. */
	if (r->join == JOIN_USER) {
		addrkey(e, a, key);
		conn_get(x, key, 1)->waited = x->now;
	}
}

/*
 * A line of a process ID that names no client, long after the last
 * line of its connection, which had no login: the ID is another
 * process's by now (sshd's LoginGraceTime is 120 s, dropbear's
 * authentication timeout 300 s), whose connection began unseen (a scan
 * that ended without a line read), and the old client's address is
 * not this line's.
 */
static void
pid_stale(struct trap_extract *x, const char *key,
    const struct trap_attempt *a)
{
	struct conn	*c;

	if (a->addr[0] != '\0' || a->rdns.len > 0 || a->time == TRAP_NOTIME)
		return;
	if ((c = conn_find(x, key, conn_hash(x, key))) == NULL || c->passed ||
	    c->state == CONN_CLOSED || c->last + PID_STALE >= x->now)
		return;
	conn_decide(x, c);
	conn_reopen(c);
}

/* What the rule's event says, for the attempt's connection. */
static void
attempt_join(struct trap_extract *x, const struct env *e,
    const struct rule *r, const struct match *m, struct trap_attempt *a,
    long long count)
{
	struct conn	*c;
	char		 key[KEYMAX];
	int		 keyed;

	if ((keyed = connkey(e, r, m, a, key)) == 0) {
		if (a->kind == KIND_LOGIN && !x->logins)
			return;
		if (r->join == JOIN_ADDR && r->event == EV_ATTEMPT &&
		    userwaits(x, e, a))
			addr_join(x, e, a);
		/*
		 * A weak line that joins no connection and names no client
		 * (pam_unix's "check pass; user unknown", pam_sss's
		 * "received for user U: ...", from a program that logs
		 * without its process ID) is the same attempt as the
		 * program's own line or its PAM line that names the client,
		 * and says less.
		 */
		if (r->event == EV_ATTEMPT || (r->event == EV_WEAK &&
		    (a->addr[0] != '\0' || a->rdns.len > 0)))
			put(x, a, count);
		return;
	}
	if (a->kind == KIND_LOGIN) {
		/*
		 * Its connection's address, if it has none, and its weak
		 * lines are the login's; the connection keeps its address
		 * (a later process of the same ID must not take this
		 * client's), and is marked passed (see conn_again()).
		 * Read with or without -L, so that -L only adds records.
		 */
		if ((c = conn_get(x, key, 0)) != NULL &&
		    c->state != CONN_CLOSED) {
			conn_passed(x, c, a);
			conn_lend(c, a);
			c->passed = 1;
		}
		if (r->join == JOIN_PID)
			orphan_passed(x, e, a);
		if (x->logins)
			put(x, a, count);
		return;
	}
	if (r->join == JOIN_PID && keyed == 1)
		pid_stale(x, key, a);
	switch (r->event) {
	case EV_CONNECT:
		c = conn_get(x, key, 1);
		conn_again(x, c, a);
		c->nonweak = 1;
		connect(c, a);
		if (c->held > 0 && c->addr[0] != '\0')
			release(x, c);
		break;
	case EV_NEXT:
		if ((c = conn_get(x, key, 0)) != NULL)
			conn_next(x, c, a);
		break;
	case EV_CLOSE:
		if ((c = conn_get(x, key, 0)) == NULL)
			break;
		c->nonweak = 1;
		if (c->state == CONN_PENDING) {
			a->kind = KIND_FAIL;	/* says nothing of the kind */
			conn_share(x, c, a);	/* its address, if none */
			pending_merge(x, c, a);
		} else if (c->held > 0)
			conn_share(x, c, a);
		conn_close(x, c);
		break;
	case EV_WEAK:
		weak_line(x, e, r, m, a, count, key, keyed == LOOSE);
		break;
	default:
		plain(x, e, r, m, conn_get(x, key, 1), a, count);
		break;
	}
}

/*
 * Was the message perhaps cut by its program's logger, so that client
 * text ends it where the daemon's address was?  courierlogger reads the
 * lines of Courier's imapd and pop3d with fgets() into 512 bytes, drops
 * the rest of a longer line and the "INFO: " before the message
 * (courier-libs liblog/logger.c): a message of 505 to 511 bytes may have
 * lost its end (a longer one was not cut so).  DBMail's trace() cuts its
 * text at 4094 bytes, 1022 in 3.1 (dm_debug.c MESSAGESIZE), after a
 * prefix of its own: a message of 1022 bytes or more.  Both write the
 * address after the user.  And rsyslog's "message repeated N times:
 * [MSG]" holds 800 bytes of MSG at most.
 */
static int
loggercut(const struct env *e)
{
	static const struct {
		const char	*prog;
		size_t		 min, max;
	} cutters[] = {
		{ "imapd", 505, 511 }, { "imapd-ssl", 505, 511 },
		{ "pop3d", 505, 511 }, { "pop3d-ssl", 505, 511 },
		{ "imaplogin", 505, 511 }, { "pop3login", 505, 511 },
		{ "courierimaplogin", 505, 511 },
		{ "courierpop3login", 505, 511 },
		{ "courierimapd", 505, 511 }, { "courierpop3d", 505, 511 },
		{ "dbmail/imap4d", 1022, SIZE_MAX },
		{ "dbmail-imapd", 1022, SIZE_MAX },
		{ "dbmail/pop3d", 1022, SIZE_MAX },
		{ "dbmail-pop3d", 1022, SIZE_MAX }
	};
	size_t	 i, n = proglen(e);

	if (e->repcut)
		return 1;
	if (e->msg.len < 505)
		return 0;
	for (i = 0; i < sizeof(cutters) / sizeof(cutters[0]); i++)
		if (strlen(cutters[i].prog) == n &&
		    memcmp(cutters[i].prog, e->prog.p, n) == 0)
			return e->msg.len >= cutters[i].min &&
			    e->msg.len <= cutters[i].max;
	return 0;
}

/*
 * The address of a line that a later rule reads without it (m->shadowed)
 * is the client's to choose, unless the line's connection has it already
 * from lines of its own: sshd 6.7's "Too many authentication failures
 * for U from A port N ssh2" after the Failed lines of its process is
 * 6.6's "... for U" with a user name "U from A port N ssh2" too.
 */
static int
vouched(struct trap_extract *x, const struct env *e, const struct rule *r,
    const struct match *m)
{
	struct trap_attempt	 none;
	const struct conn	*c;
	const struct trap_str	*rhost = &m->cap[CAP_RHOST];
	char			 key[KEYMAX], addr[TRAP_ADDRLEN];

	if (r->join != JOIN_PID && r->join != JOIN_KEY)
		return 0;
	if (r->join == JOIN_PID && !m->have[CAP_KEY] && e->pid.len == 0)
		return 0;
	memset(&none, 0, sizeof(none));
	if (connkey(e, r, m, &none, key) == 0 ||
	    (c = conn_find(x, key, conn_hash(x, key))) == NULL ||
	    c->state == CONN_CLOSED)
		return 0;
	if (m->have[CAP_ADDR])
		return m->addrok && strcmp(c->addr, m->addr) == 0;
	if (trap_addr_canon(rhost->p, rhost->len, addr, sizeof(addr)) == 0)
		return strcmp(c->addr, addr) == 0;
	return strlen(c->rdns) == rhost->len &&
	    memcmp(c->rdns, rhost->p, rhost->len) == 0;
}

/* A rule matched: make the attempt and do what its event says. */
static void
handle(struct trap_extract *x, const struct env *e, const struct rule *r,
    struct match *m, time_t t)
{
	struct trap_attempt	 a;
	long long		 count;
	int			 keepkey = 0;

	if (r->event == EV_NONE)
		return;		/* recognised: not an attempt */
	if (m->have[CAP_ADDR] && loggercut(e))
		m->ambiguous = 1;
	if (m->shadowed && !m->ambiguous && !vouched(x, e, r, m)) {
		/* A key before the user name is the daemon's still. */
		m->ambiguous = 1;
		keepkey = m->have[CAP_KEY] && m->have[CAP_USER] &&
		    m->cap[CAP_KEY].p < m->cap[CAP_USER].p;
	}
	if (m->ambiguous) {
		/*
		 * Client text copies what the daemon writes: no address,
		 * host name or key is taken from the line (its connection
		 * may still have them from lines of its own).
		 */
		x->warnings++;
		trap_warnx("%s:%llu: ambiguous line: no address taken from it",
		    x->file, curline(x));
		m->have[CAP_ADDR] = m->have[CAP_HOST] = 0;
		m->have[CAP_RHOST] = 0;
		m->have[CAP_KEY] = m->have[CAP_KEY] && keepkey;
		/* A user join's weak line: its count line counts it. */
		if (r->event == EV_WEAK && r->join == JOIN_USER)
			return;
	}
	if (attempt_make(x, e, r, m, t, &a, &count) == 0)
		attempt_join(x, e, r, m, &a, count);
}

/* The remembered last message of the line's log host; create: if new. */
static struct lastmsg *
lastmsg(struct trap_extract *x, const struct trap_str *host, int create)
{
	struct lastmsg	 find, *l = x->lastcache;
	char		 name[256];

	if (l != NULL && strlen(l->host) == host->len &&
	    memcmp(l->host, host->p, host->len) == 0)
		return l;
	if (host->len >= sizeof(name))
		return NULL;
	memcpy(name, host->p, host->len);
	name[host->len] = '\0';
	find.host = name;
	if ((l = RB_FIND(lasttree, &x->lasts, &find)) == NULL) {
		if (!create)
			return NULL;
		l = xcalloc(1, sizeof(*l));
		l->host = xstrdup(name);
		RB_INSERT(lasttree, &x->lasts, l);
	}
	x->lastcache = l;
	return l;
}

/* A line that is not a recognised one ends its host's repeats. */
static void
forget(struct trap_extract *x, struct lastmsg *l)
{
	if (l->valid) {
		l->valid = 0;
		x->nvalid--;
		TAILQ_REMOVE(&x->valids, l, valids);
	}
}

/* A line recognised (or repeated) now: repeats may follow. */
static void
valid(struct trap_extract *x, struct lastmsg *l)
{
	if (l->valid)
		TAILQ_REMOVE(&x->valids, l, valids);
	else
		x->nvalid++;
	l->valid = 1;
	l->t = x->now;
	TAILQ_INSERT_TAIL(&x->valids, l, valids);
}

static void
remember(struct trap_extract *x, struct lastmsg *l, const struct env *e)
{
	size_t	 need = e->prog.len + e->pid.len + e->msg.len;

	if (need > l->bufsz) {
		free(l->buf);
		l->buf = xmalloc(need);
		l->bufsz = need;
	}
	put_str(l->buf, &e->prog);
	put_str(l->buf + e->prog.len, &e->pid);
	put_str(l->buf + e->prog.len + e->pid.len, &e->msg);
	l->proglen = e->prog.len;
	l->pidlen = e->pid.len;
	l->msglen = e->msg.len;
	valid(x, l);
}

/*
 * Is rule r in use: without -R the rules of unknown recipients make no
 * record and their connect lines are not needed; with it, the rules of
 * failed logins make none.  Successful logins make records only
 * with -L, but those of a connection end its weak lines all the same.
 */
static int
wanted(const struct trap_extract *x, const struct rule *r)
{
	if (r->kind == KIND_LOGIN)
		return !x->rcpt && (x->logins || r->join == JOIN_PID ||
		    r->join == JOIN_KEY);
	if ((r->event == EV_ATTEMPT || r->event == EV_WEAK) &&
	    (r->kind == KIND_RCPT) != x->rcpt)
		return 0;
	return r->event != EV_CONNECT || r->kind != KIND_RCPT || x->rcpt;
}

/* Can rule r match a message of first byte fc and last byte lc now? */
static int
inuse(const struct rule *r, int fc, int lc)
{
	/* Cheaper than rule_match's own tests: no call. */
	if (!r->inuse || (r->firstc != -1 && r->firstc != fc) ||
	    (r->lastc != -1 && r->lastc != lc))
		return 0;
	return 1;
}

/* Which rules the options want, once for every line to come. */
static void
mark(struct trap_extract *x)
{
	size_t	 i;

	for (i = 0; i < ruleset_count(x->rules); i++)
		ruleset_at(x->rules, i)->inuse = wanted(x,
		    ruleset_rule(x->rules, i));
	x->marked = 1;
}

/* The address text of a match: %a, or %r. */
static const struct trap_str *
addrcap(const struct match *m)
{
	if (m->have[CAP_ADDR])
		return &m->cap[CAP_ADDR];
	if (m->have[CAP_RHOST])
		return &m->cap[CAP_RHOST];
	return NULL;
}

/* Are the address texts a and b (either may be NULL) the same? */
static int
sameaddr(const struct trap_str *a, const struct trap_str *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/*
 * Does a later rule of the program read another address in the line?
 * Then which rule describes the line is for the client to choose (a
 * user name can copy the end of another form), and it is ambiguous.
 */
static int
otherreading(const struct env *e, const struct rule *const *rules, size_t n,
    const struct match *m, struct reaches *rc)
{
	const struct trap_str	*a = addrcap(m), *b;
	struct match		 o;
	size_t			 i;

	if (a == NULL || (m->naddrs >= 0 ? m->naddrs : trap_addr_count(
	    e->msg.p, e->msg.len)) <= 1)
		return 0;	/* no other address to read */
	for (i = 0; i < n; i++) {
		if (!inuse(rules[i], (unsigned char)e->msg.p[0],
		    (unsigned char)e->msg.p[e->msg.len - 1]) ||
		    !rule_ends(rules[i], e->msg.p, e->msg.len) ||
		    !rule_match_ends(rules[i], e->msg.p, e->msg.len,
		    m->naddrs, &o, rc))
			continue;
		if (o.ambiguous)
			return 1;
		if (o.have[CAP_ADDR] && !o.addrok)
			continue;	/* no reading: not an address */
		if ((b = addrcap(&o)) != NULL && !sameaddr(a, b))
			return 1;
	}
	return 0;
}

/* Is rule o among rules[0..n), which are in file order? */
static int
among(const struct rule *const *rules, size_t n, const struct rule *o)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rules[mid] == o)
			return 1;
		if (rules[mid] < o)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * Does a later rule of the line's (rules[0..n)) that reads no address
 * read the line of m (by rule r) too, the address in its user name (an
 * older release's form, the user name holding the rest of r's)?  See
 * vouched().
 */
static int
addrlessreading(struct trap_extract *x, const struct env *e,
    const struct rule *const *rules, size_t n, const struct rule *r,
    const struct match *m, struct reaches *rc)
{
	const struct trap_str	*a = addrcap(m), *u;
	const struct rule	*o;
	struct match		 ms;
	size_t			 i;

	for (i = 0; a != NULL && i < r->nshadows; i++) {
		o = ruleset_rule(x->rules, r->shadows[i]);
		if (!inuse(o, (unsigned char)e->msg.p[0],
		    (unsigned char)e->msg.p[e->msg.len - 1]) ||
		    !rule_ends(o, e->msg.p, e->msg.len) ||
		    !among(rules, n, o) ||
		    !rule_match_ends(o, e->msg.p, e->msg.len, m->naddrs,
		    &ms, rc) || !ms.have[CAP_USER])
			continue;
		u = &ms.cap[CAP_USER];
		if (a->p >= u->p && a->p + a->len <= u->p + u->len)
			return 1;
	}
	return 0;
}

/*
 * Is the message a piece of a longer one that Exim cut for syslog?
 * Over 870 bytes (MAX_SYSLOG_LEN, unless built with SYSLOG_LONG_LINES)
 * or of several lines, a message goes in pieces, each after "[i/n] ",
 * or "[i\n] " (a backslash) where a line goes on (log.c
 * write_syslog()).  A piece after the first may be all client text (a
 * long set_id, its end an authenticator line with another address), and
 * the first has lost its end: none is read.  Not a rule "[%n/%n] %*":
 * its literals are too short to look for.
 */
static int
eximpiece(const struct env *e)
{
	const char	*p = e->msg.p, *end = e->msg.p + e->msg.len;
	size_t		 n;

	if (e->msg.len < 6 || p[0] != '[' || !env_isexim(e))
		return 0;
	for (p++; p < end && isdigit((unsigned char)*p); p++)
		continue;
	if (p == e->msg.p + 1 || p == end || (*p != '/' && *p != '\\'))
		return 0;
	for (n = 0, p++; p < end && isdigit((unsigned char)*p); p++)
		n++;
	return n > 0 && end - p >= 2 && p[0] == ']' && p[1] == ' ';
}

/*
 * A recognised message in an envelope not known: it gets the time of the
 * last recognised line (none before: not taken), said once per input.
 */
static time_t
guessedtime(struct trap_extract *x)
{
	if (!x->guesswarned) {
		x->guesswarned = 1;
		x->warnings++;
		trap_warnx("%s:%llu: unknown log line format: %s", x->file,
		    curline(x), x->lasttime != 0 ? "the time of the line "
		    "before is taken" : "no time: \"-\" until a line has one");
	}
	return x->lasttime != 0 ? x->lasttime : TRAP_NOTIME;
}

/*
 * Can rule r read the message of e, the end of the bare line x->bare
 * from one of its words?  Not if its longest literal last begins before
 * the message does: where that is, is found once a line, not once for
 * every word.
 */
static int
anchorin(struct trap_extract *x, const struct rule *r, const struct env *e)
{
	struct bareanchor	*a;

	a = &x->anchors[r - ruleset_rule(x->rules, 0)];
	if (a->line != x->bareno) {
		a->line = x->bareno;
		a->pos = rule_lastanchor(r, x->bare, x->barelen);
	}
	return a->pos >= 0 && x->bare + a->pos >= e->msg.p;
}

/*
 * The first rule in use that reads the message of e, its reading in m
 * (ambiguous if a later rule reads another address): the rule, or NULL.
 */
static const struct rule *
findrule(struct trap_extract *x, const struct env *e, struct match *m)
{
	const struct rule *const	*rules;
	struct reaches			 rc;
	size_t				 i, n;
	int				 fc = -2, lc = -2;

	if (!x->marked)
		mark(x);
	if (eximpiece(e))
		return NULL;
	if (e->msg.len > 0) {
		fc = (unsigned char)e->msg.p[0];
		lc = (unsigned char)e->msg.p[e->msg.len - 1];
	}
	if (e->guessed && e->prog.len == 0)
		/* Whose, not known: every rule that may begin so. */
		rules = ruleset_all_first(x->rules, fc, &n);
	else
		rules = ruleset_lookup_first(x->rules, e->prog.p,
		    e->prog.len, fc, &n);
	m->naddrs = -1;		/* counted once, when first needed */
	reaches_init(&rc);
	for (i = 0; i < n; i++) {
		if (!inuse(rules[i], fc, lc) ||
		    !rule_ends(rules[i], e->msg.p, e->msg.len) ||
		    (x->bare != NULL && !anchorin(x, rules[i], e)) ||
		    !rule_match_ends(rules[i], e->msg.p, e->msg.len,
		    m->naddrs, m, &rc))
			continue;
		if (!m->ambiguous && otherreading(e, rules + i + 1,
		    n - i - 1, m, &rc))
			m->ambiguous = 1;
		m->shadowed = !m->ambiguous && rules[i]->nshadows > 0 &&
		    addrlessreading(x, e, rules + i + 1, n - i - 1,
		    rules[i], m, &rc);
		return rules[i];
	}
	return NULL;
}

/* A line that rule r reads as m: at its time, the attempt it makes. */
static void
take(struct trap_extract *x, const struct env *e, const struct rule *r,
    struct match *m)
{
	time_t	 t;

	x->taken++;
	if (e->guessed)
		t = guessedtime(x);
	else if (env_time(&x->clock, e, &t) == -1) {
		x->warnings++;
		trap_warnx("%s:%llu: impossible time", x->file, curline(x));
		return;
	}
	if (t > x->now) {
		x->now = t;
		drain(x, 0);	/* what this line's time decides */
		conn_expire(x);
	}
	if (t != TRAP_NOTIME)
		x->lasttime = t;
	handle(x, e, r, m, t);
	drain(x, 0);
}

/*
 * Try the rules of the line's program; 1 if one matched.  A message that
 * ends in blanks or tabs (daemons do not end a line so but where it says
 * something, as old pam_unix's "rhost=A " with no user; an editor or a
 * relay may add them) is read as written and without them: a reading of
 * only one is taken, and where both read it, the one as written,
 * ambiguous if the other reads another address or is ambiguous itself
 * (a user name copying the line's end reads as written with the copy's
 * address, where the line without the blank has two readings).
 */
static int
recognise(struct trap_extract *x, const struct env *e)
{
	const struct rule	*r, *r2 = NULL;
	struct env		 cut = *e;
	struct match		 m, m2;

	while (cut.msg.len > 0 && (cut.msg.p[cut.msg.len - 1] == ' ' ||
	    cut.msg.p[cut.msg.len - 1] == '\t'))
		cut.msg.len--;
	r = findrule(x, e, &m);
	if (cut.msg.len < e->msg.len)
		r2 = findrule(x, &cut, &m2);
	if (r == NULL && r2 == NULL)
		return 0;
	if (r == NULL) {
		take(x, &cut, r2, &m2);
		return 1;
	}
	if (r2 != NULL && (m2.ambiguous || !sameaddr(addrcap(&m),
	    addrcap(&m2))))
		m.ambiguous = 1;
	take(x, e, r, &m);
	return 1;
}

static void	 catchup(struct trap_extract *, const char *);

/*
 * A line with no envelope or tag known: the first rule that reads a
 * message there, from its start or from one of its first words (an
 * unknown prefix before it), with that message in e; or NULL.
 */
static const struct rule *
barerule(struct trap_extract *x, const char *line, size_t len,
    struct env *e, struct match *m)
{
	const struct rule	*r = NULL;
	const char		*p = line, *w;
	const char		*end = line + (len < BAREMAX ? len : BAREMAX);
	int			 words, tagged = 0;

	/* Each rule's literal is looked for once, when first needed. */
	if (x->nanchors != ruleset_count(x->rules)) {
		free(x->anchors);
		x->nanchors = ruleset_count(x->rules);
		x->anchors = xcalloc(x->nanchors + 1, sizeof(*x->anchors));
	}
	x->bare = line;
	x->barelen = len;
	x->bareno++;
	for (words = 0; words < BAREWORDS && p < end; words++) {
		env_bare(p, line + len - p, e);
		if ((r = findrule(x, e, m)) != NULL)
			break;
		for (w = p; p < end && *p != ' '; p++)
			continue;
		/*
		 * A message began at a word with ":" (but the first, and
		 * one tag without a process ID, "login:", before it), or
		 * at one with "=" or a quote.
		 */
		if ((words > 0 && env_msgword(w, p - w) &&
		    (tagged++ || !env_pidlesstag(w, p - w))) ||
		    env_textword(w, p - w))
			break;
		while (p < end && *p == ' ')
			p++;
	}
	x->bare = NULL;
	return r;
}

/*
 * A line without a known envelope where most lines read so far had one:
 * the rest of a message of several lines (journalctl indents it,
 * syslog-ng and nginx's own file write it as it came), text its client
 * may have written whole.  Not read; said once per input.  By the most,
 * not by any: a line of a client's own making with an envelope (sshd -e
 * writes a client's newline as it came) must not stop the reading of a
 * file of lines without one.
 */
static int
continuation(struct trap_extract *x)
{
	if (x->nenv <= x->nbare)
		return 0;
	if (!x->contwarned) {
		x->contwarned = 1;
		x->warnings++;
		trap_warnx("%s:%llu: a line without the envelope of the lines "
		    "before: not read (part of a message of several lines?)",
		    x->file, curline(x));
	}
	return 1;
}

/*
 * A line with no envelope or tag known: an attempt, if a rule reads it
 * (1, else 0).  Behind a container runtime's stamp, the message has that
 * time.
 */
static int
bare(struct trap_extract *x, const char *line, size_t len)
{
	const struct rule	*r;
	struct env		 e, stamp;
	struct match		 m;
	int			 stamped;

	stamped = env_stamped(line, len, &stamp) == 0;
	if (stamped) {
		line = stamp.msg.p;
		len = stamp.msg.len;
	}
	if ((r = barerule(x, line, len, &e, &m)) == NULL ||
	    (!stamped && continuation(x)))
		return 0;
	if (!stamped)
		x->nbare++;
	if (stamped) {
		e.guessed = 0;
		e.abs = stamp.abs;
		e.t = stamp.t;
		e.badtime = stamp.badtime;
		e.year = stamp.year;
		e.mon = stamp.mon;
		e.mday = stamp.mday;
		e.hour = stamp.hour;
		e.min = stamp.min;
		e.sec = stamp.sec;
	}
	take(x, &e, r, &m);
	return 1;
}

/*
 * The envelope of a line, known (perhaps behind grep's file name or
 * compose's service) or guessed (a tag in its first words): 0; -1 if it
 * has none (a rule may still read it bare); NOREAD if env_noguess says
 * it is not to be read at all.
 */
#define NOREAD	(-2)
static int
envelope(const char *line, size_t len, struct env *e)
{
	if (env_parse(line, len, e) == 0 || env_prefixed(line, len, e) == 0)
		return 0;
	/* No envelope begins with a blank: journalctl's continuation does. */
	if (env_noguess(line, len) || (len > 0 && (line[0] == ' ' ||
	    line[0] == '\t')))
		return NOREAD;
	return env_guess(line, len, e);
}

/* A JSON message decoded; one that cannot be is read as none. */
static void
unescape(struct trap_extract *x, struct env *e)
{
	if (e->msg.len > sizeof(x->jmsg) || env_unescape(e, x->jmsg) == -1)
		e->msg.len = 0;
}

/*
 * Is l's message the one a syslog-ng repeat names: of its program, and
 * beginning with its quoted 20 bytes (all of a shorter one)?
 */
static int
repeats(const struct lastmsg *l, const struct env *e,
    const struct trap_str *quoted)
{
	const char	*msg = l->buf + l->proglen + l->pidlen;

	if (e->prog.len != l->proglen || quoted->len == 0 ||
	    quoted->len > l->msglen ||
	    (quoted->len < 20 && quoted->len != l->msglen))
		return 0;
	return (l->proglen == 0 ||
	    memcmp(e->prog.p, l->buf, l->proglen) == 0) &&
	    memcmp(msg, quoted->p, quoted->len) == 0;
}

static void
one(struct trap_extract *x, const char *line, size_t len)
{
	struct env	 e;
	struct trap_str	 quoted;
	struct lastmsg	*l;
	struct match	 m;
	int		 r;

	if ((r = envelope(line, len, &e)) != 0) {
		if (r != NOREAD)
			(void)bare(x, line, len);
		return;
	}
	if (e.guessed && x->nenv > x->nbare) {
		/* Recognised, or a repeat: a continuation, not read. */
		if (findrule(x, &e, &m) != NULL)
			(void)continuation(x);
		return;
	}
	/*
	 * A guessed tag may be in a client's text at the message's start
	 * (vsftpd's "[USER] FAIL LOGIN"): the line read from its start
	 * first.
	 */
	if (e.guessed && bare(x, line, len))
		return;
	if (e.escaped)
		unescape(x, &e);
	quoted.p = NULL;
	quoted.len = 0;
	if (e.lastrepeat == 0 && e.msg.len > 0 && e.msg.p[0] == 'L')
		e.lastrepeat = env_sngrepeat(&e, &quoted);
	else if (e.lastrepeat == 0 && e.msg.len > 0 && e.msg.p[0] == 'l')
		e.lastrepeat = env_ownrepeat(&e);
	if (e.lastrepeat && x->cand != NULL)
		catchup(x, line);
	l = lastmsg(x, &e.host, 1);
	if (l != NULL && x->cand != NULL) {
		l->blk = x->blk;
		l->pos = line;
	}
	if (e.lastrepeat) {
		if (l == NULL || !l->valid || l->t < x->now - REPEATMAX ||
		    (quoted.p != NULL && !repeats(l, &e, &quoted)))
			return;
		e.prog.p = l->buf;
		e.prog.len = l->proglen;
		e.pid.p = l->buf + l->proglen;
		e.pid.len = l->pidlen;
		e.msg.p = l->buf + l->proglen + l->pidlen;
		e.msg.len = l->msglen;
		e.repeat = e.lastrepeat;
		if (recognise(x, &e))
			valid(x, l);
		return;
	}
	env_unwrap(&e);
	if (recognise(x, &e)) {
		if (e.guessed)
			x->nbare++;
		else
			x->nenv++;
		if (l != NULL)
			remember(x, l, &e);
	} else if (l != NULL)
		forget(x, l);
}

/*
 * The file of the lines that follow: its own count of lines with and
 * without an envelope (continuation()), also where one extractor reads
 * several files at once (trapextract -f, traplogd).
 */
static void
setfile(struct trap_extract *x, const char *file)
{
	uint64_t	 h;

	/* By its name: traplogd gives every file's in one buffer. */
	h = trap_hash_sum(file, strlen(file)) | 1;
	if (h != x->filehash) {
		x->filehash = h;
		x->nenv = x->nbare = 0;
		x->contwarned = 0;
	}
	x->file = file;
}

void
trap_extract_line(struct trap_extract *x, const char *line, size_t len,
    const char *file, unsigned long long lineno)
{
	setfile(x, file);
	x->lineno = lineno;
	x->lazy = 0;
	x->lines++;
	one(x, line, len);
}

/* The length of the line from p to its newline at nl, less a CR. */
static size_t
linelen(const char *p, const char *nl)
{
	return nl > p && nl[-1] == '\r' ? nl - p - 1 : nl - p;
}

/*
 * The literals a line must hold for a rule in use to match it: each
 * rule's longest, and what BSD repeats begin with.  A rule without one
 * (or with one too short) means every line must be tried.
 */
static void
scan_make(struct trap_extract *x, const char *sample, size_t len)
{
	const struct rule	*r;
	size_t			 i;

	x->scanbuilt = 1;
	x->scan = scan_new();
	scan_add(x->scan, "last message repeated ", 22, 0);
	scan_add(x->scan, "last message buffered ", 22, 0);
	scan_add(x->scan, "Last message '", 14, 0);
	for (i = 0; i < ruleset_count(x->rules); i++) {
		r = ruleset_rule(x->rules, i);
		if (!wanted(x, r))
			continue;
		scan_add(x->scan, r->anchor, r->anchorlen, r->anchorti == 0);
	}
	if (scan_build(x->scan, sample, len) == -1) {
		scan_free(x->scan);
		x->scan = NULL;
	}
}

/* Is the line at p one of the block's candidates? */
static int
iscand(const struct trap_extract *x, const char *p)
{
	size_t	 lo = 0, hi = x->ncand, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (x->cand[mid] < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->ncand && x->cand[lo] == p;
}

/*
 * Of a line no rule can match, trap_extract_line would only forget its
 * host's last message, if the host's last line looked at in this block
 * came before it.
 */
static void
passed(struct trap_extract *x, const char *p, const char *nl)
{
	struct env	 e;
	struct lastmsg	*l;

	if (envelope(p, linelen(p, nl), &e) == 0 &&
	    (l = lastmsg(x, &e.host, 0)) != NULL && l->valid &&
	    (l->blk != x->blk || l->pos < p))
		forget(x, l);
}

/* Before a BSD repeat at upto: the other lines since x->done. */
static void
catchup(struct trap_extract *x, const char *upto)
{
	const char	*p, *nl;

	for (p = x->done; p < upto && x->nvalid > 0; p = nl + 1) {
		if ((nl = memchr(p, '\n', upto - p)) == NULL)
			break;
		if (!iscand(x, p))
			passed(x, p, nl);
	}
	x->done = upto;
}

/*
 * At the end of a block, what the lines since x->done leave: for each
 * host with a last message, its last line decides, so the lines are
 * read backwards until each such host has been met (or x->done).
 */
static void
settle(struct trap_extract *x, const char *end)
{
	struct env	 e;
	struct lastmsg	*l;
	const char	*p, *nl = end;
	size_t		 left;

	/* Hosts whose repeats are too old to be taken are out. */
	while ((l = TAILQ_FIRST(&x->valids)) != NULL &&
	    l->t < x->now - REPEATMAX)
		forget(x, l);
	left = x->nvalid;
	x->walk++;
	if (nl > x->done && nl[-1] == '\n')
		nl--;
	while (left > 0 && nl > x->done) {
		p = memrchr(x->done, '\n', nl - x->done);
		p = p != NULL ? p + 1 : x->done;
		if (envelope(p, linelen(p, nl), &e) == 0 &&
		    (l = lastmsg(x, &e.host, 0)) != NULL && l->valid &&
		    l->walk != x->walk) {
			l->walk = x->walk;
			left--;
			if (!iscand(x, p))
				forget(x, l);
		}
		if (p == x->done)
			break;
		nl = p - 1;
	}
	x->done = end;
}

/*
 * The lines of a block, its candidates c (from scan_lines) parsed, the
 * other lines looked at only as BSD repeats need (see
 * trap_extract_block).  With readahead the block was read and its
 * candidates found on the other thread: the lines CANDAHEAD candidates
 * on are asked for while this one is parsed, or each would wait for its
 * first bytes to come from the other processor's cache.
 */
#define CANDAHEAD	4
static void
candidates(struct trap_extract *x, const char *buf, size_t len,
    const char *file, unsigned long long first, unsigned long long n,
    const struct scan_cands *c)
{
	const char	*p, *end = buf + len, *nl;
	size_t		 i;

	setfile(x, file);
	x->lines += n;
	x->cntp = buf;
	x->cntline = first;
	x->cand = c->v;
	x->ncand = c->n;
	x->done = buf;
	x->blk++;
	for (i = 0; i < x->ncand; i++) {
		if (i + CANDAHEAD < x->ncand) {
			TRAP_PREFETCH(x->cand[i + CANDAHEAD]);
			TRAP_PREFETCH(x->cand[i + CANDAHEAD] + 64);
		}
		p = x->cand[i];
		nl = c->nl[i];
		x->linep = p;
		x->lazy = 1;
		one(x, p, linelen(p, nl));
	}
	settle(x, end);
	x->cand = NULL;
}

/* A block's lines one by one, when no literal can pick them. */
static void
everyline(struct trap_extract *x, const char *buf, size_t len,
    const char *file, unsigned long long first)
{
	const char	*p = buf, *end = buf + len, *nl;

	for (; p < end; p = nl + (nl < end), first++) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		trap_extract_line(x, p, linelen(p, nl), file, first);
	}
}

/*
 * trap_extract_block, its candidates c found already (by prepare(), on
 * trap_file_ahead's thread), or by scanning here if c is NULL.
 */
static void
block(struct trap_extract *x, const char *buf, size_t len,
    const char *file, unsigned long long first, unsigned long long n,
    const struct scan_cands *c)
{
	if (len == 0)
		return;
	if (!x->scanbuilt)
		scan_make(x, buf, len);
	if (x->scan == NULL) {
		everyline(x, buf, len, file, first);
		return;
	}
	if (c == NULL) {
		scan_lines(x->scan, buf, len, &x->cands);
		c = &x->cands;
	}
	candidates(x, buf, len, file, first, n, c);
}

/*
 * A block of whole lines (each ending with a newline but perhaps the
 * last), the first numbered first, n in all: as trap_extract_line for
 * each (a CR before a newline cut), but only the lines that hold one of
 * the rules' literals (the candidates) are parsed.  The others matter only
 * to BSD repeats ("last message repeated"), which repeat a host's last
 * line if it was recognised: they are looked at before a repeat and at
 * the end of the block, and then only as far as needed.
 */
void
trap_extract_block(struct trap_extract *x, const char *buf, size_t len,
    const char *file, unsigned long long first, unsigned long long n)
{
	block(x, buf, len, file, first, n, NULL);
}

/*
 * trap_file_ahead's preparation of a block, on its thread: its
 * candidates, in *data.  The literals are chosen on the first block
 * here; the caller's thread reads x->scan only after it.
 */
static void
prepare(void *arg, const char *buf, size_t len, void **data)
{
	struct trap_extract	*x = arg;
	struct scan_cands	*c = *data;

	if (c == NULL)
		*data = c = xcalloc(1, sizeof(*c));
	if (!x->scanbuilt)
		scan_make(x, buf, len);
	if (x->scan != NULL)
		scan_lines(x->scan, buf, len, c);
}

static void
unprepare(void *data)
{
	struct scan_cands	*c = data;

	free(c->v);
	free(c->nl);
	free(c);
}

/*
 * Every line of a file, as trap_extract_line for each, but faster; with
 * trap_extract_readahead, the file is read and its candidate lines
 * found on a second thread.
 */
void
trap_extract_file(struct trap_extract *x, struct trap_file *f)
{
	const char		*buf;
	size_t			 len;
	unsigned long long	 n;

	if (x->readahead)
		trap_file_ahead(f, prepare, unprepare, x);
	while (trap_file_getblock(f, &buf, &len, &n))
		block(x, buf, len, trap_file_name(f),
		    trap_file_lineno(f) - n + 1, n, trap_file_prepared(f));
}

/*
 * trap_extract_file reads each file on a second thread, ahead of the
 * extraction (on: 1); the records and warnings are the same.
 */
void
trap_extract_readahead(struct trap_extract *x, int on)
{
	x->readahead = on;
}

/* A pause in the input: decide every held-back attempt. */
void
trap_extract_flush(struct trap_extract *x)
{
	drain(x, 1);
}

/* Forget every host's last message. */
static void
lasts_clear(struct trap_extract *x)
{
	struct lastmsg	*l;

	while ((l = TAILQ_FIRST(&x->valids)) != NULL)
		forget(x, l);
	while ((l = RB_MIN(lasttree, &x->lasts)) != NULL) {
		RB_REMOVE(lasttree, &x->lasts, l);
		free(l->host);
		free(l->buf);
		free(l);
	}
	x->lastcache = NULL;
}

/*
 * The end of one input (a file): decide every held-back attempt and
 * forget its connections and its hosts' last messages.  Nothing joins
 * across inputs: a process ID or a session in the next file is another
 * connection, and a BSD repeat there repeats none of this one's lines.
 */
void
trap_extract_end(struct trap_extract *x)
{
	struct conn	*c;

	drain(x, 1);
	while ((c = TAILQ_FIRST(&x->connlru)) != NULL)
		conn_drop(x, c);
	lasts_clear(x);
	x->now = 0;
	x->lasttime = 0;
	x->guesswarned = 0;
	x->nenv = x->nbare = 0;
	x->contwarned = 0;
	x->filehash = 0;
}

unsigned long long
trap_extract_warnings(const struct trap_extract *x)
{
	return x->warnings;
}

void
trap_extract_stats(const struct trap_extract *x, FILE *fp, const char *name)
{
	fprintf(fp, "%s: lines %llu, attempts %llu, warnings %llu\n", name,
	    x->lines, x->attempts, x->warnings);
}

void
trap_extract_free(struct trap_extract *x)
{
	struct conn	*c;
	size_t		 i;

	if (x == NULL)
		return;
	while ((c = TAILQ_FIRST(&x->connlru)) != NULL)
		conn_drop(x, c);
	lasts_clear(x);
	/* A slot keeps its buffer across trap_extract_reset. */
	for (i = 0; i < x->qsize; i++)
		free(x->queue[i].buf);
	free(x->queue);
	free(x->anchors);
	free(x->conns);
	ruleset_free(x->rules);
	scan_free(x->scan);
	free(x->cands.v);
	free(x->cands.nl);
	free(x);
}

/*
 * x as it was new, with the rules it has: every held-back attempt
 * decided (trap_extract_end), the queue begun again (its slots keep
 * their buffers, which hold no attempt now), the counts at 0 and ref
 * the reference time.  What is derived from the rules alone stays, as
 * for the files after the first: the literals blocks are scanned for
 * (their windows chosen on the first block) and the rules of each
 * program name looked up.  For one extractor over many separate inputs
 * (a fuzzer), so that nothing of one input decides what the next makes,
 * without compiling the rules again.
 */
void
trap_extract_reset(struct trap_extract *x, time_t ref)
{
	trap_extract_end(x);
	x->qhead = x->qtail = 0;
	x->file = NULL;
	x->lineno = x->cntline = 0;
	x->lazy = 0;
	x->linep = x->cntp = NULL;
	x->cand = NULL;
	x->ncand = 0;
	x->done = NULL;
	x->blk = x->walk = 0;
	x->lines = x->attempts = x->warnings = 0;
	trap_extract_reftime(x, ref);
}

/*
 * The rule that recognises a line, of the rules in use, as
 * trap_extract_line tries them (a bare message from its start or one of
 * its first words): its line number in its patterns file, that file's
 * name in *name; 0 if no rule does, or the line is a BSD repeat (of the
 * host's line before).  No attempt is made: for reports of which rules
 * a set of log lines reaches (make coverage).
 */
unsigned long
trap_extract_which(struct trap_extract *x, const char *line, size_t len,
    const char **name)
{
	const struct rule	*r;
	struct env		 e;
	struct match		 m;

	switch (envelope(line, len, &e)) {
	case 0:
		if (e.lastrepeat)
			return 0;
		if (e.escaped)
			unescape(x, &e);
		env_unwrap(&e);
		r = findrule(x, &e, &m);
		break;
	case NOREAD:
		return 0;
	default:
		r = barerule(x, line, len, &e, &m);
		break;
	}
	if (r == NULL)
		return 0;
	*name = r->file;
	return r->line;
}
