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
 * breach.c: logins after failures.  An address that logged in after
 * failing from the same address is a breach: the guessing may have
 * worked.  Records are taken as they come; a failure counts before a
 * login if its time is earlier, whichever of the two is read first.
 */

#include "compat.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"

/* A login, on the lists of its address and of its network. */
struct login {
	struct trap_breach_row	 row;
	struct login		*nextaddr, *nextnet;
};

/* What is known of an address, or of a network. */
struct seen {
	unsigned long long	 nfail;
	time_t			 first;		/* the earliest failure */
	int			 trap;		/* a spamtrap name was tried */
	struct login		*logins;
};

struct trap_breach {
	struct trap_hash	*addrs, *nets;
	struct login		**all;
	size_t			 nall, allsz;
};

struct trap_breach *
trap_breach_new(void)
{
	struct trap_breach	*b;

	b = xcalloc(1, sizeof(*b));
	b->addrs = trap_hash_new(sizeof(struct seen));
	b->nets = trap_hash_new(sizeof(struct seen));
	return b;
}

/* The network of an address, as traprank -k net shows it: /24 or /64. */
static size_t
netof(const char *addr, char *buf, size_t size)
{
	unsigned char	 a[16];

	if (inet_pton(AF_INET, addr, a) == 1)
		return trap_addr_prefix(AF_INET, a, 24, buf, size);
	if (inet_pton(AF_INET6, addr, a) == 1)
		return trap_addr_prefix(AF_INET6, a, 64, buf, size);
	return 0;
}

static struct seen *
seen(struct trap_hash *h, const char *key, size_t len)
{
	struct seen	*s;
	int		 isnew;

	s = trap_hash_put(h, key, len, &isnew);
	if (isnew)
		memset(s, 0, sizeof(*s));
	return s;
}

/* A failure at t: the logins after it, already read, count it too. */
static void
failure(struct seen *a, struct seen *n, time_t t, int trap)
{
	struct login	*l;

	if (a->nfail++ == 0 || t < a->first)
		a->first = t;
	a->trap |= trap;
	n->nfail++;
	for (l = a->logins; l != NULL; l = l->nextaddr)
		if (t < l->row.login) {
			l->row.failures++;
			if (l->row.failures == 1 || t < l->row.first)
				l->row.first = t;
			l->row.trap |= trap;
		}
	for (l = n->logins; l != NULL; l = l->nextnet)
		if (t < l->row.login)
			l->row.netfailures++;
}

/*
 * A login at t: the failures already read count before it (records come
 * in time order from trapextract and the archive).
 */
static void
login(struct trap_breach *b, struct seen *a, struct seen *n,
    const struct trap_rec *r)
{
	struct login	*l;
	size_t		 ulen = r->f[F_USER].len, alen = r->f[F_ADDR].len;

	l = xcalloc(1, sizeof(*l) + alen + ulen + 2);
	l->row.addr = (char *)(l + 1);
	memcpy(l->row.addr, r->f[F_ADDR].p, alen);
	l->row.user = l->row.addr + alen + 1;
	memcpy(l->row.user, r->f[F_USER].p, ulen);
	l->row.login = r->time;
	l->row.failures = a->nfail;
	l->row.first = a->first;
	l->row.trap = a->trap;
	l->row.netfailures = n->nfail;
	l->nextaddr = a->logins;
	a->logins = l;
	l->nextnet = n->logins;
	n->logins = l;
	if (b->nall == b->allsz) {
		b->allsz = b->allsz ? b->allsz * 2 : 64;
		b->all = xreallocarray(b->all, b->allsz, sizeof(*b->all));
	}
	b->all[b->nall++] = l;
}

/* Take a record: a failed login or a login; others are left alone. */
void
trap_breach_add(struct trap_breach *b, const struct trap_rec *r)
{
	const struct trap_str	*addr = &r->f[F_ADDR];
	struct seen		*a, *n;
	char			 key[TRAP_ADDRLEN], net[64];
	size_t			 netlen;
	int			 trap;

	if (addr->len == 1 && addr->p[0] == '-')
		return;			/* no address: nobody to follow */
	if (addr->len >= sizeof(key) || r->kind == KIND_RCPT)
		return;
	memcpy(key, addr->p, addr->len);
	key[addr->len] = '\0';
	if ((netlen = netof(key, net, sizeof(net))) == 0)
		return;
	a = seen(b->addrs, key, addr->len);
	n = seen(b->nets, net, netlen);
	if (r->kind == KIND_LOGIN) {
		login(b, a, n, r);
		return;
	}
	trap = r->nfields > F_CLASS && r->f[F_CLASS].len == 4 &&
	    memcmp(r->f[F_CLASS].p, "trap", 4) == 0;
	failure(a, n, r->time, trap);
}

static int
bylogin(const void *a, const void *b)
{
	const struct trap_breach_row *x = *(const struct trap_breach_row *const *)a;
	const struct trap_breach_row *y = *(const struct trap_breach_row *const *)b;

	if (x->login != y->login)
		return x->login < y->login ? -1 : 1;
	return strcmp(x->addr, y->addr);
}

/*
 * The breaches, by login time: for each address, its first login with a
 * failure before it.  The array is the caller's to free.
 */
const struct trap_breach_row **
trap_breach_rows(struct trap_breach *b, size_t *n)
{
	const struct trap_breach_row	**rows;
	struct login			*l, *best;
	struct seen			*a;
	size_t				 i, k = 0;

	rows = xreallocarray(NULL, b->nall + 1, sizeof(*rows));
	for (i = 0; i < b->nall; i++) {
		l = b->all[i];
		a = trap_hash_get(b->addrs, l->row.addr, strlen(l->row.addr));
		if (a == NULL || a->logins == NULL)
			continue;	/* its address is done */
		for (best = NULL, l = a->logins; l != NULL; l = l->nextaddr)
			if (l->row.failures > 0 && (best == NULL ||
			    l->row.login < best->row.login))
				best = l;
		a->logins = NULL;
		if (best != NULL)
			rows[k++] = &best->row;
	}
	qsort(rows, k, sizeof(*rows), bylogin);
	*n = k;
	return rows;
}

void
trap_breach_free(struct trap_breach *b)
{
	size_t	 i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nall; i++)
		free(b->all[i]);
	free(b->all);
	trap_hash_free(b->addrs);
	trap_hash_free(b->nets);
	free(b);
}
