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
 * trapforecast: analyse a password-guessing campaign in trap(5) records:
 * its rate, the order in which it works through the trap list, when it
 * will have tried every name, whether it is still going, and the separate
 * efforts hidden in it.
 */

#include "compat.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <err.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"

#define NONE		UINT32_MAX
#define DAY		86400.0
#define HOUR		3600
#define Z90		1.6448536269514722	/* 95th percentile of N(0,1) */
#define TRENDLR		6.634896601021214	/* chi2(1), 1% */
#define MAXDAYS		2000000.0	/* beyond: no date (year 9999) */
#define SVGW		800		/* the chart */
#define SVGH		420

/* The order of the list, the model of the forecast, the output. */
enum order { ORDER_NONE, ORDER_UNKNOWN, ORDER_LIST, ORDER_RANDOM };
static const char *const ordernames[] = { NULL, "unknown", "list",
    "random" };
enum model { MODEL_NONE, MODEL_LIST, MODEL_RANDOM, MODEL_LINEAR };
static const char *const modelnames[] = { NULL, "list", "random",
    "linear" };
enum format { FMT_TEXT, FMT_JSON, FMT_SVG };
static const char *const formatnames[] = { "text", "json", "svg" };
#define NFORMATS	(sizeof(formatnames) / sizeof(formatnames[0]))

struct att {
	time_t		 t;
	uint32_t	 seq;
	uint32_t	 host;		/* NONE: no address nor host name */
	uint32_t	 name;		/* NONE: no user name */
	int32_t		 rank;		/* list position of the candidate */
	int		 group;		/* in a reported group */
};

struct host {
	const char	*key;		/* address, else host name */
	char		*rdns;		/* decoded, or NULL */
	char		 addr[TRAP_ADDRLEN];
	uint32_t	 cluster;
};

struct name {
	int32_t		 rank;		/* candidate position, or -1 */
};

struct cluster {
	char		*key;
	size_t		 hosts;
	size_t		 attempts, names, traps, top, runs;
	int		 reported;
};

struct fit {
	int		 ok;
	int		 trend;		/* log-linear model chosen */
	size_t		 n;
	double		 rate;		/* per active day, at the end */
	double		 var;		/* of log rate, dispersion included */
};

/* What is reported; NAN where it cannot be computed. */
struct report {
	size_t		 attempts, hosts, names;
	int		 any;
	time_t		 first, last, ref;
	double		 days;
	const char	*state;
	double		 silence, activemax, pausedmax;
	double		 top;
	double		 hpn, play;
	int		 lists;
	size_t		 candidates, tried;
	enum order	 order;
	double		 rho, progress;
	struct fit	 names_fit, draws_fit;
	enum model	 model;
	double		 dte, dlo, dhi;
	time_t		 donet;		/* exhausted already: when */
	int		 done;
};

static struct trap_list	*traps;
static struct trap_hash	*hosthash, *namehash, *clusterhash;
static struct att	*atts;
static size_t		 natts, attcap;
static struct host	*hosts;
static size_t		 nhosts, hostcap;
static struct name	*names;
static size_t		 nnames, namecap;
static struct cluster	*clusters;
static size_t		 nclusters, clustercap;
static int32_t		*listrank;	/* address index -> local part rank */
static size_t		 nlocals;
static time_t		*draws;		/* the episodes of candidates */
static size_t		 ndraws;
static double		 episodegap = DAY;	/* X of namestats(), in s */
static time_t		*pend;		/* the pauses, see pauses() */
static double		*pcut;
static size_t		 npause;
static int		 jfirst = 1;	/* no JSON member written yet */

static __dead void
usage(void)
{
	fprintf(stderr, "usage: %s [-u] [-A dir] [-S since] [-U until] "
	    "[-t traplist]...\n"
	    "\t[-d domain,... | -D file] [-r reftime] [-o text|json|svg] "
	    "[file ...]\n", getprogname());
	exit(1);
}

static void *
grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 1024;
	p = xreallocarray(p, *cap, size);
	return p;
}

/* The rank of each address's local part among the distinct ones. */
static void
rankloc(void)
{
	const char *const	*a;
	const char		*at;
	size_t			 i, n;

	a = trap_list_addrs(traps, &n);
	listrank = xreallocarray(NULL, n + 1, sizeof(*listrank));
	for (i = 0; i < n; i++) {
		listrank[i] = -1;
		if ((at = strchr(a[i], '@')) != NULL &&
		    trap_list_position(traps, a[i], at - a[i]) == (long)i)
			listrank[i] = nlocals++;
	}
}

/* The list position of the local part a user name hits, or -1. */
static int32_t
candidate(const char *user, size_t len)
{
	const char	*m, *at;
	long		 pos;

	if (traps == NULL || (m = trap_list_match(traps, user, len)) == NULL ||
	    (at = strchr(m, '@')) == NULL ||
	    (pos = trap_list_position(traps, m, at - m)) < 0)
		return -1;
	return listrank[pos];
}

static uint32_t
gethost(const struct trap_rec *r)
{
	static char	 rdns[TRAP_LINEMAX], lower[TRAP_LINEMAX];
	struct trap_str	 addr, name, k;
	struct host	*h;
	uint32_t	*v;
	size_t		 rlen;
	int		 isnew;

	addr = r->f[F_ADDR];
	if (addr.len == 1 && addr.p[0] == '-')
		addr.len = 0;
	rlen = trap_unvis(rdns, sizeof(rdns), r->f[F_RDNS].p,
	    r->f[F_RDNS].len);
	if (rlen == (size_t)-1)
		rlen = 0;
	trap_lower(rdns, rlen);
	name.p = rdns;
	name.len = rlen;
	if (trap_host(&addr, &name, lower, &k) == 0)
		return NONE;
	v = trap_hash_put(hosthash, k.p, k.len, &isnew);
	if (isnew) {
		hosts = grow(hosts, &hostcap, nhosts, sizeof(*hosts));
		h = &hosts[nhosts];
		memset(h, 0, sizeof(*h));
		h->key = trap_hash_key(hosthash, v, NULL);
		if (addr.len > 0)
			memcpy(h->addr, addr.p, addr.len);
		*v = nhosts++;
	}
	h = &hosts[*v];
	if (h->rdns == NULL && rlen > 0)
		h->rdns = xstrdup(rdns);
	return *v;
}

static uint32_t
getname(const struct trap_rec *r)
{
	static char	 user[TRAP_LINEMAX];
	uint32_t	*v;
	size_t		 len;
	int		 isnew;

	len = trap_unvis(user, sizeof(user), r->f[F_USER].p, r->f[F_USER].len);
	if (len == (size_t)-1 || len == 0)
		return NONE;
	trap_lower(user, len);
	v = trap_hash_put(namehash, user, len, &isnew);
	if (isnew) {
		names = grow(names, &namecap, nnames, sizeof(*names));
		names[nnames].rank = candidate(user, len);
		*v = nnames++;
	}
	return *v;
}

/* A record of trap_input_read(). */
static int
readrec(const struct trap_rec *r, const char *line, size_t len, void *arg)
{
	struct att		*a;

	(void)line;
	(void)len;
	(void)arg;
	if (natts == UINT32_MAX - 1)
		errx(1, "too many records");
	atts = grow(atts, &attcap, natts, sizeof(*atts));
	a = &atts[natts];
	a->t = r->time;
	a->seq = natts++;
	a->host = gethost(r);
	a->name = getname(r);
	a->rank = a->name == NONE ? -1 : names[a->name].rank;
	a->group = 0;
	return 0;
}

/* Sorting. */

static int
cmptime(const void *a, const void *b)
{
	const struct att	*x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
cmpu32(uint32_t x, uint32_t y)
{
	return x < y ? -1 : x > y;
}

/* Indexes into atts[], which is in time order. */
static int
cmphost(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int		 c;

	if ((c = cmpu32(atts[x].host, atts[y].host)) != 0)
		return c;
	return cmpu32(x, y);
}

static int
cmpname(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int		 c;

	if ((c = cmpu32(atts[x].name, atts[y].name)) != 0)
		return c;
	return cmpu32(x, y);
}

static int
cmpnamehost(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int		 c;

	if ((c = cmpu32(atts[x].name, atts[y].name)) != 0)
		return c;
	if ((c = cmpu32(atts[x].host, atts[y].host)) != 0)
		return c;
	return cmpu32(x, y);
}

static uint32_t
clusterof(uint32_t i)
{
	return atts[i].host == NONE ? NONE : hosts[atts[i].host].cluster;
}

static int
cmpclustername(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int		 c;

	if ((c = cmpu32(clusterof(x), clusterof(y))) != 0)
		return c;
	if ((c = cmpu32(atts[x].name, atts[y].name)) != 0)
		return c;
	return cmpu32(x, y);
}

static int
cmpdouble(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static uint32_t *
indexes(int (*cmp)(const void *, const void *))
{
	uint32_t	*ix;
	size_t		 i;

	ix = xreallocarray(NULL, natts + 1, sizeof(*ix));
	for (i = 0; i < natts; i++)
		ix[i] = i;
	qsort(ix, natts, sizeof(*ix), cmp);
	return ix;
}

static double *
doubles(size_t n)
{
	double	*d;

	d = xreallocarray(NULL, n + 1, sizeof(*d));
	return d;
}

/* Nearest-rank percentile (0 < p <= 1) of n values, sorted in place. */
static double
percentile(double *v, size_t n, double p)
{
	size_t	 k;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmpdouble);
	k = (size_t)ceil(p * n);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static double
median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmpdouble);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
istop(time_t t)
{
	return (t % HOUR + HOUR) % HOUR < 120;
}

/*
 * Separate efforts.  Hosts are clustered by their host name less its
 * first label, or without one by network (/24, /64); a cluster of at
 * least twenty attempts is reported when it lacks the top-of-hour timing
 * of the rest and also differs from it in trap share or attempts per run.
 * The timing is required: a host of the campaign itself that happened to
 * work only non-trap names, or long runs, still keeps the campaign's clock.
 */

static void
clusterkey(const struct host *h, char *buf, size_t size)
{
	unsigned char	 a[16];
	const char	*dot;
	int		 af;

	if (h->rdns != NULL) {
		dot = strchr(h->rdns, '.');
		strlcpy(buf, dot != NULL && dot[1] != '\0' ? dot + 1 : h->rdns,
		    size);
	} else if ((af = trap_addr_parse(h->addr, strlen(h->addr), a)) != 0)
		trap_addr_prefix(af, a, af == AF_INET ? 24 : 64, buf, size);
	else
		snprintf(buf, size, "%s", h->addr);
}

static void
mkclusters(void)
{
	char		 buf[1024];
	uint32_t	*v;
	size_t		 i;
	int		 isnew;

	clusterhash = trap_hash_new(sizeof(uint32_t));
	for (i = 0; i < nhosts; i++) {
		clusterkey(&hosts[i], buf, sizeof(buf));
		v = trap_hash_put(clusterhash, buf, strlen(buf), &isnew);
		if (isnew) {
			clusters = grow(clusters, &clustercap, nclusters,
			    sizeof(*clusters));
			memset(&clusters[nclusters], 0, sizeof(*clusters));
			clusters[nclusters].key = xstrdup(buf);
			*v = nclusters++;
		}
		hosts[i].cluster = *v;
		clusters[*v].hosts++;
	}
}

static double
ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

static void
groups(int lists)
{
	struct cluster	 all;
	struct cluster	*c;
	uint32_t	*ix;
	size_t		 i, j, k;
	double		 ts, tr, os, orr, rs, rr;
	int		 diff;

	mkclusters();
	memset(&all, 0, sizeof(all));
	ix = indexes(cmphost);
	for (i = 0; i < natts; i++) {
		j = ix[i];
		if (atts[j].host == NONE)
			continue;
		c = &clusters[hosts[atts[j].host].cluster];
		c->attempts++;
		c->traps += atts[j].rank >= 0;
		c->top += istop(atts[j].t);
		if (i == 0 || atts[ix[i - 1]].host != atts[j].host ||
		    atts[ix[i - 1]].name != atts[j].name)
			c->runs++;
	}
	qsort(ix, natts, sizeof(*ix), cmpclustername);
	for (i = 0; i < natts; i++) {
		j = ix[i];
		if (clusterof(j) == NONE || atts[j].name == NONE)
			continue;
		if (i == 0 || clusterof(ix[i - 1]) != clusterof(j) ||
		    atts[ix[i - 1]].name != atts[j].name)
			clusters[clusterof(j)].names++;
	}
	free(ix);
	for (k = 0; k < nclusters; k++) {
		all.attempts += clusters[k].attempts;
		all.traps += clusters[k].traps;
		all.top += clusters[k].top;
		all.runs += clusters[k].runs;
	}
	/* Attempts without a host count with the rest of every cluster. */
	for (i = 0; i < natts; i++)
		if (atts[i].host == NONE) {
			all.attempts++;
			all.traps += atts[i].rank >= 0;
			all.top += istop(atts[i].t);
			all.runs++;
		}
	for (k = 0; k < nclusters; k++) {
		c = &clusters[k];
		if (c->attempts < 20)
			continue;
		if (all.attempts == c->attempts)
			continue;
		ts = ratio(c->traps, c->attempts);
		tr = ratio(all.traps - c->traps, all.attempts - c->attempts);
		os = ratio(c->top, c->attempts);
		orr = ratio(all.top - c->top, all.attempts - c->attempts);
		rs = ratio(c->attempts, c->runs);
		rr = ratio(all.attempts - c->attempts, all.runs - c->runs);
		diff = 0;
		if (lists && ts < tr / 2)
			diff++;
		if (os < orr / 2)
			diff++;
		if (rs > 3 * rr)
			diff++;
		c->reported = os < orr / 2 && diff >= 2;
	}
	for (i = 0; i < natts; i++)
		if (atts[i].host != NONE &&
		    clusters[hosts[atts[i].host].cluster].reported)
			atts[i].group = 1;
}

/*
 * The state at the reference time, from the gaps between the attempts of
 * the campaign (the reported groups left out).
 */
static void
state(struct report *r)
{
	double		*gaps;
	size_t		 i, n = 0;
	time_t		 prev = 0, last = 0;
	int		 seen = 0;
	double		 p99, longest;

	gaps = doubles(natts);
	for (i = 0; i < natts; i++) {
		if (atts[i].group)
			continue;
		if (seen)
			gaps[n++] = atts[i].t - prev;
		prev = last = atts[i].t;
		seen = 1;
	}
	if (!seen) {
		free(gaps);
		return;
	}
	p99 = n > 0 ? percentile(gaps, n, 0.99) : 0;
	longest = n > 0 ? gaps[n - 1] : 0;
	free(gaps);
	r->silence = difftime(r->ref, last);
	if (r->silence < 0)
		r->silence = 0;
	r->activemax = fmax(HOUR, 2 * p99);
	r->pausedmax = fmax(7 * DAY, 2 * longest);
	if (r->silence <= r->activemax)
		r->state = "active";
	else if (r->silence <= r->pausedmax)
		r->state = "paused";
	else
		r->state = "stopped";
}

/*
 * Per name: distinct hosts, and the episodes in which it is in play: a
 * name comes back when it is tried again more than X after its previous
 * attempt, X the larger of a day and ten times the median of the gaps
 * under a day between attempts on one name.  The episodes of candidates
 * are the draws of a campaign that draws names at random.
 */
static void
namestats(struct report *r)
{
	uint32_t	*ix;
	double		*v, x;
	size_t		 i, j, n, nh;
	time_t		 start = 0;

	if (nnames == 0)
		return;
	v = doubles(natts);
	ix = indexes(cmpnamehost);
	n = nh = 0;
	for (i = 0; i < natts; i++) {
		j = ix[i];
		if (atts[j].name == NONE)
			break;		/* NONE sorts last */
		if (i > 0 && atts[ix[i - 1]].name != atts[j].name) {
			v[n++] = nh;
			nh = 0;
		}
		if (atts[j].host != NONE && (i == 0 ||
		    atts[ix[i - 1]].name != atts[j].name ||
		    atts[ix[i - 1]].host != atts[j].host))
			nh++;
	}
	v[n++] = nh;
	r->hpn = median(v, n);

	qsort(ix, natts, sizeof(*ix), cmpname);
	n = 0;
	for (i = 1; i < natts && atts[ix[i]].name != NONE; i++)
		if (atts[ix[i]].name == atts[ix[i - 1]].name &&
		    atts[ix[i]].t - atts[ix[i - 1]].t < DAY)
			v[n++] = atts[ix[i]].t - atts[ix[i - 1]].t;
	x = episodegap = n > 0 ? fmax(DAY, 10 * median(v, n)) : DAY;

	draws = xreallocarray(NULL, natts + 1, sizeof(*draws));
	n = 0;
	for (i = 0; i < natts && atts[ix[i]].name != NONE; i++) {
		j = ix[i];
		if (i == 0 || atts[ix[i - 1]].name != atts[j].name ||
		    atts[j].t - atts[ix[i - 1]].t > x) {
			if (i > 0)
				v[n++] = atts[ix[i - 1]].t - start;
			start = atts[j].t;
			if (atts[j].rank >= 0)
				draws[ndraws++] = atts[j].t;
		}
	}
	v[n++] = atts[ix[i - 1]].t - start;
	r->play = median(v, n);
	free(ix);
	free(v);
}

/* Moments of the density proportional to exp(c u) on [0, 1]. */
static void
tilted(double c, double *lnj, double *m1, double *m2)
{
	const int	 steps = 2000;
	double		 s0 = 0, s1 = 0, s2 = 0, u, w, e, off;
	int		 i;

	off = c > 0 ? c : 0;
	for (i = 0; i <= steps; i++) {
		u = (double)i / steps;
		w = i == 0 || i == steps ? 1 : i % 2 ? 4 : 2;
		e = w * exp(c * u - off);
		s0 += e;
		s1 += e * u;
		s2 += e * u * u;
	}
	*lnj = off + log(s0 / (3.0 * steps));
	*m1 = s1 / s0;
	*m2 = s2 / s0;
}

/* The cumulative distribution of that density. */
static double
tiltedcdf(double c, double u)
{
	if (fabs(c) < 1e-9)
		return u;
	return expm1(c * u) / expm1(c);
}

/*
 * Fit the intensity of a Poisson process to event times a[0..n-1] in
 * [0, T] (active days): constant, or exp(alpha + beta t) when that fits
 * better at the 1% level (likelihood ratio).  The rate is the one at T;
 * its variance (of the logarithm) comes from the Fisher information,
 * scaled by the overdispersion of the daily counts (Pearson) if above 1.
 */
static void
fitrate(const double *a, size_t n, double T, struct fit *f)
{
	double		 su = 0, ubar, lo, hi, c, lnj, m1, m2, var, lr;
	double		 x2, e, uj, uk, w, last;
	size_t		 i, nb, j, df, *cnt;
	int		 it;

	memset(f, 0, sizeof(*f));
	f->n = n;
	if (n < 2 || !(T >= 1.0 / 24))
		return;
	for (i = 0; i < n; i++)
		su += a[i] / T;
	ubar = su / n;
	/* As m1(c) increases with c, bisect for m1(c) == ubar. */
	lo = -50;
	hi = 50;
	for (it = 0; it < 60; it++) {
		c = (lo + hi) / 2;
		tilted(c, &lnj, &m1, &m2);
		if (m1 < ubar)
			lo = c;
		else
			hi = c;
	}
	c = (lo + hi) / 2;
	tilted(c, &lnj, &m1, &m2);
	lr = 2 * (c * su - n * lnj);
	/* The variance is the log-linear model's even where the constant
	 * one gives the rate: the rate now may have changed unseen. */
	var = 4.0 / n;
	if (m2 - m1 * m1 > 0)
		var = ((1 - m1) * (1 - m1) + (m2 - m1 * m1)) /
		    (n * (m2 - m1 * m1));
	if (lr > TRENDLR && m2 - m1 * m1 > 0) {
		f->trend = 1;
		f->rate = n / T * exp(c - lnj);
	} else {
		c = 0;
		f->rate = n / T;
	}

	/* Overdispersion: daily bins, a short last one joined to the one
	 * before. */
	nb = (size_t)floor(T);
	last = T - nb;
	if (nb == 0 || last >= 0.5)
		nb++;
	cnt = xcalloc(nb, sizeof(*cnt));
	for (i = 0; i < n; i++) {
		j = (size_t)floor(a[i]);
		cnt[j < nb ? j : nb - 1]++;
	}
	x2 = 0;
	for (j = 0; j < nb; j++) {
		uj = j / T;
		uk = j + 1 == nb ? 1 : (j + 1) / T;
		e = n * (tiltedcdf(c, uk) - tiltedcdf(c, uj));
		if (e > 1e-9)
			x2 += (cnt[j] - e) * (cnt[j] - e) / e;
	}
	free(cnt);
	df = f->trend ? 2 : 1;
	if (nb > df) {
		w = x2 / (nb - df);
		if (w > 1)
			var *= w;
	}
	f->var = var;
	f->ok = isfinite(f->rate) && f->rate > 0 && isfinite(var);
}

/* Spearman's rank correlation, with average ranks for ties. */
struct keyed {
	double		 v;
	size_t		 i;
};

static int
cmpkeyed(const void *a, const void *b)
{
	const struct keyed	*x = a, *y = b;

	return x->v < y->v ? -1 : x->v > y->v;
}

static void
ranks(const double *x, size_t n, double *r)
{
	struct keyed	*k;
	size_t		 i, j, l;

	k = xreallocarray(NULL, n + 1, sizeof(*k));
	for (i = 0; i < n; i++) {
		k[i].v = x[i];
		k[i].i = i;
	}
	qsort(k, n, sizeof(*k), cmpkeyed);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && k[j].v == k[i].v; j++)
			continue;
		for (l = i; l < j; l++)
			r[k[l].i] = (i + j - 1) / 2.0 + 1;
	}
	free(k);
}

static double
spearman(const double *x, const double *y, size_t n)
{
	double	*rx, *ry, mx, sxy = 0, sxx = 0, syy = 0;
	size_t	 i;

	rx = doubles(n);
	ry = doubles(n);
	ranks(x, n, rx);
	ranks(y, n, ry);
	mx = (n + 1) / 2.0;
	for (i = 0; i < n; i++) {
		sxy += (rx[i] - mx) * (ry[i] - mx);
		sxx += (rx[i] - mx) * (rx[i] - mx);
		syy += (ry[i] - mx) * (ry[i] - mx);
	}
	free(rx);
	free(ry);
	if (sxx <= 0 || syy <= 0)
		return NAN;
	return sxy / sqrt(sxx * syy);
}

/*
 * The time axis of the campaign with its pauses cut out: a gap between
 * attempts on candidates longer than the larger of a day and twice
 * their 99th percentile is shrunk to the mean of the other gaps (a day
 * at least, so that quiet nights stay in).
 */
static void
pauses(const time_t *t, size_t n)
{
	double	*g, thr, sum = 0, mean, cut = 0;
	size_t	 i, m = 0;

	if (n < 2)
		return;
	g = doubles(n);
	for (i = 1; i < n; i++)
		g[i - 1] = t[i] - t[i - 1];
	thr = fmax(DAY, 2 * percentile(g, n - 1, 0.99));
	for (i = 1; i < n; i++)
		if (t[i] - t[i - 1] <= thr) {
			sum += t[i] - t[i - 1];
			m++;
		}
	mean = m > 0 ? sum / m : 0;
	free(g);
	pend = xreallocarray(NULL, n, sizeof(*pend));
	pcut = xreallocarray(NULL, n, sizeof(*pcut));
	for (i = 1; i < n; i++)
		if (t[i] - t[i - 1] > thr) {
			cut += t[i] - t[i - 1] - mean;
			pend[npause] = t[i];
			pcut[npause++] = cut;
		}
}

static double
active(time_t t)
{
	size_t	 i;
	double	 cut = 0;

	for (i = 0; i < npause && pend[i] <= t; i++)
		cut = pcut[i];
	return t - cut;
}

/*
 * A draw that comes within X of the last attempt on its name joins that
 * episode and is not seen: at random, with probability 1 - exp(-d X / N)
 * at d draws a day.  The seen rate is d exp(-d X / N); solve for d.
 */
static void
merged(struct fit *f, double N)
{
	double	 seen, x, d;
	int	 i;

	if (!f->ok || N <= 0)
		return;
	seen = f->rate;
	x = episodegap / DAY / N;
	if (seen * x >= exp(-1))
		return;
	d = seen;
	for (i = 0; i < 100; i++)
		d = seen * exp(d * x);
	f->rate = d;
}

static double
harmonic(size_t k, double *sq)
{
	double	 h = 0, s = 0;
	size_t	 j;

	for (j = 1; j <= k; j++) {
		h += 1.0 / j;
		s += 1.0 / ((double)j * j);
	}
	*sq = s;
	return h;
}

/*
 * The days to exhaust the list, and the 90% interval, for K names left
 * of N, by the model of the order.
 */
static void
exhaust(struct report *r, double N, double K, size_t m)
{
	double	 D, var, sq, h;

	r->model = r->order == ORDER_LIST ? MODEL_LIST :
	    r->order == ORDER_RANDOM ? MODEL_RANDOM : MODEL_LINEAR;
	if (N > 0 && K <= 0 && m > 0) {
		r->done = 1;
		r->dte = r->dlo = r->dhi = 0;
		return;
	}
	if (r->model == MODEL_RANDOM) {
		if (!r->draws_fit.ok)
			return;
		h = harmonic((size_t)K, &sq);
		D = N * h;
		r->dte = D / r->draws_fit.rate;
		var = r->draws_fit.var + (N * N * sq - N * h) / (D * D);
	} else {
		if (!r->names_fit.ok)
			return;
		r->dte = K / r->names_fit.rate;
		var = r->names_fit.var;
	}
	if (r->dte > MAXDAYS) {
		r->dte = NAN;
		return;
	}
	r->dlo = r->dte * exp(-Z90 * sqrt(var));
	r->dhi = r->dte * exp(Z90 * sqrt(var));
	if (!isfinite(r->dte) || !isfinite(r->dlo) || !isfinite(r->dhi))
		r->dte = r->dlo = r->dhi = NAN;
}

/*
 * The rates on the active time axis: of new names (the m first tries ft,
 * sorted here) and, in random order, of draws.  ct: the nct times of the
 * candidates' attempts.
 */
static void
rates(struct report *r, double *ft, size_t m, const time_t *ct, size_t nct,
    double N)
{
	double	*ev, t0, T;
	size_t	 i, n;

	pauses(ct, nct);
	ev = doubles(natts);
	if (nct > 0) {
		t0 = active(ct[0]);
		T = (active(ct[nct - 1]) - t0) / DAY;
		qsort(ft, m, sizeof(*ft), cmpdouble);
		for (i = 0; i < m; i++)
			ev[i] = (active((time_t)ft[i]) - t0) / DAY;
		fitrate(ev, m, T, &r->names_fit);
		n = 0;
		for (i = 0; i < ndraws; i++)
			ev[n++] = (active(draws[i]) - t0) / DAY;
		qsort(ev, n, sizeof(*ev), cmpdouble);
		if (r->order == ORDER_RANDOM) {
			fitrate(ev, n, T, &r->draws_fit);
			merged(&r->draws_fit, N);
		}
	}
	free(ev);
}

/*
 * The position reached: the highest tried position up to which at least
 * 80% of the list was tried (the highest tried if there is none).
 */
static size_t
reached(const time_t *first, const double *pos, size_t m)
{
	size_t	 i, k = 0, p = 0;

	for (i = 0; i < nlocals; i++)
		if (first[i] != -1) {
			k++;
			if (k >= 0.8 * (i + 1))
				p = i + 1;
		}
	if (p == 0 && m > 0)
		p = (size_t)pos[m - 1] + 1;
	return p;
}

static void
forecast(struct report *r)
{
	time_t		*first, *ct;
	double		*ft, *pos, N;
	size_t		 i, m, nct, p;
	int32_t		 rk;

	N = r->candidates = nlocals;
	first = xreallocarray(NULL, nlocals + 1, sizeof(*first));
	for (i = 0; i < nlocals; i++)
		first[i] = -1;
	ct = xreallocarray(NULL, natts + 1, sizeof(*ct));
	nct = 0;
	for (i = 0; i < natts; i++) {
		if ((rk = atts[i].rank) < 0)
			continue;
		ct[nct++] = atts[i].t;
		if (first[rk] == -1)
			first[rk] = atts[i].t;
	}
	ft = doubles(nlocals);
	pos = doubles(nlocals);
	m = 0;
	r->donet = 0;
	for (i = 0; i < nlocals; i++)
		if (first[i] != -1) {
			ft[m] = first[i];
			pos[m++] = i;
			if (first[i] > r->donet)
				r->donet = first[i];
		}
	r->tried = m;

	r->order = ORDER_UNKNOWN;
	if (m >= 3)
		r->rho = spearman(ft, pos, m);
	if (m >= 10 && isfinite(r->rho)) {
		if (r->rho > 0.8)
			r->order = ORDER_LIST;
		else if (fabs(r->rho) < 0.2)
			r->order = ORDER_RANDOM;
	}
	p = reached(first, pos, m);
	if (r->order == ORDER_LIST)
		r->progress = N > 0 ? p / N : NAN;
	rates(r, ft, m, ct, nct, N);
	free(ft);
	free(pos);
	free(first);
	free(ct);
	exhaust(r, N, r->order == ORDER_LIST ? N - p : N - m, m);
}

static void
analyse(struct report *r)
{
	size_t	 i, top = 0;

	r->attempts = natts;
	r->hosts = nhosts;
	r->names = nnames;
	r->days = r->rho = r->progress = r->top = r->hpn = r->play = NAN;
	r->silence = r->activemax = r->pausedmax = NAN;
	r->dte = r->dlo = r->dhi = NAN;
	if (natts == 0) {
		if (r->lists)
			forecast(r);
		return;
	}
	qsort(atts, natts, sizeof(*atts), cmptime);
	for (i = 0; i < natts; i++)
		atts[i].seq = i;
	r->any = 1;
	r->first = atts[0].t;
	r->last = atts[natts - 1].t;
	r->days = difftime(r->last, r->first) / DAY;
	for (i = 0; i < natts; i++)
		top += istop(atts[i].t);
	r->top = (double)top / natts;
	groups(r->lists);
	state(r);
	namestats(r);
	if (r->lists)
		forecast(r);
}

/* Output. */

static void
fmtnum(char *buf, size_t size, double x, int prec)
{
	if (!isfinite(x)) {
		strlcpy(buf, "null", size);
		return;
	}
	snprintf(buf, size, "%.*f", prec, x);
	if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
		memmove(buf, buf + 1, strlen(buf));
}

static void
jkey(const char *key)
{
	printf("%s\n  \"%s\": ", jfirst ? "{" : ",", key);
	jfirst = 0;
}

static void
jstr(const char *s)
{
	if (s == NULL)
		printf("null");
	else
		trap_json_str(stdout, s, strlen(s));
}

static void
jnum(double x, int prec)
{
	char	 buf[64];

	fmtnum(buf, sizeof(buf), x, prec);
	fputs(buf, stdout);
}

static void
jcount(size_t n)
{
	printf("%zu", n);
}

/* A time as UTC (JSON) or local (text), or a date; 0 if none. */
static int
fmttime(char *buf, size_t size, time_t t, int utc, int dateonly)
{
	struct tm	*tm;
	char		 s[TRAP_TIMELEN], z[32];

	tm = utc ? gmtime(&t) : localtime(&t);
	if (tm == NULL || tm->tm_year + 1900 > 9999) {
		strlcpy(buf, utc ? "null" : "n/a", size);
		return 0;
	}
	if (utc)
		trap_time_fmt(t, s);
	else
		trap_time_local(t, s);
	if (dateonly)
		s[10] = '\0';
	if (dateonly || utc)
		strlcpy(buf, s, size);
	else {
		if (strftime(z, sizeof(z), "%Z", tm) == 0)
			z[0] = '\0';
		snprintf(buf, size, "%s %s", s, z);
	}
	return 1;
}

static void
jtime(time_t t, int valid, int dateonly)
{
	char	 buf[64];

	if (!valid) {
		printf("null");
		return;
	}
	if (fmttime(buf, sizeof(buf), t, 1, dateonly))
		jstr(buf);
	else
		printf("null");
}

/* The date days after t, if it can be told. */
static int
after(time_t t, double days, time_t *res)
{
	if (!isfinite(days) || days < 0 || days > MAXDAYS)
		return 0;
	*res = t + (time_t)llround(days * DAY);
	return 1;
}

static int
cmpgroup(const void *a, const void *b)
{
	const struct cluster	*x = *(struct cluster *const *)a;
	const struct cluster	*y = *(struct cluster *const *)b;

	if (x->attempts != y->attempts)
		return x->attempts > y->attempts ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The reported groups, largest first; their members in byte order. */
static struct cluster **
reported(size_t *n)
{
	struct cluster	**g;
	size_t		  i;

	g = xreallocarray(NULL, nclusters + 1, sizeof(*g));
	*n = 0;
	for (i = 0; i < nclusters; i++)
		if (clusters[i].reported)
			g[(*n)++] = &clusters[i];
	qsort(g, *n, sizeof(*g), cmpgroup);
	return g;
}

static const char **
members(const struct cluster *c, size_t *n)
{
	const char	**m;
	size_t		  i;

	m = xreallocarray(NULL, c->hosts + 1, sizeof(*m));
	*n = 0;
	for (i = 0; i < nhosts; i++)
		if (&clusters[hosts[i].cluster] == c)
			m[(*n)++] = hosts[i].key;
	qsort(m, *n, sizeof(*m), cmpstr);
	return m;
}

/* The members of json() that need a trap list. */
static void
json_list(const struct report *r)
{
	time_t	 t = 0;
	int	 ok;

	jkey("candidates");
	jcount(r->candidates);
	jkey("tried");
	jcount(r->tried);
	jkey("remaining");
	jcount(r->candidates - r->tried);
	jkey("order");
	jstr(ordernames[r->order]);
	jkey("rho");
	jnum(r->rho, 3);
	jkey("progress");
	jnum(r->progress, 4);
	jkey("names_per_day");
	jnum(r->names_fit.ok ? r->names_fit.rate : NAN, 2);
	jkey("rate_model");
	jstr(r->names_fit.ok ? r->names_fit.trend ? "trend" :
	    "constant" : NULL);
	jkey("draws_per_day");
	jnum(r->draws_fit.ok ? r->draws_fit.rate : NAN, 2);
	jkey("forecast_model");
	jstr(modelnames[r->model]);
	jkey("days_to_exhaust");
	jnum(r->dte, 1);
	jkey("exhaust_date");
	if (r->done)
		jtime(r->donet, 1, 1);
	else {
		ok = after(r->last, r->dte, &t);
		jtime(t, ok, 1);
	}
	jkey("exhaust_interval");
	if (r->done) {
		printf("[");
		jtime(r->donet, 1, 1);
		printf(", ");
		jtime(r->donet, 1, 1);
		printf("]");
	} else if (isfinite(r->dlo)) {
		printf("[");
		ok = after(r->last, r->dlo, &t);
		jtime(t, ok, 1);
		printf(", ");
		ok = after(r->last, r->dhi, &t);
		jtime(t, ok, 1);
		printf("]");
	} else
		printf("null");
	jkey("exhaust_days_interval");
	if (isfinite(r->dlo)) {
		printf("[");
		jnum(r->dlo, 1);
		printf(", ");
		jnum(r->dhi, 1);
		printf("]");
	} else
		printf("null");
}

/* The separate efforts of json(). */
static void
json_groups(const struct report *r)
{
	struct cluster	**g;
	const char	**m;
	size_t		  ng, nm, i, j;

	jkey("groups");
	g = reported(&ng);
	printf("[");
	for (i = 0; i < ng; i++) {
		printf("%s\n    {\"key\": ", i ? "," : "");
		jstr(g[i]->key);
		printf(", \"hosts\": %zu, \"attempts\": %zu, \"names\": %zu, "
		    "\"trap_share\": ", g[i]->hosts, g[i]->attempts,
		    g[i]->names);
		jnum(r->lists ? ratio(g[i]->traps, g[i]->attempts) : NAN, 4);
		printf(", \"top_of_hour_share\": ");
		jnum(ratio(g[i]->top, g[i]->attempts), 4);
		printf(", \"run_length\": ");
		jnum(ratio(g[i]->attempts, g[i]->runs), 1);
		printf(", \"members\": [");
		m = members(g[i], &nm);
		for (j = 0; j < nm; j++) {
			printf("%s", j ? ", " : "");
			jstr(m[j]);
		}
		free(m);
		printf("]}");
	}
	printf("%s]\n}\n", ng ? "\n  " : "");
	free(g);
}

static void
json(const struct report *r)
{
	jkey("attempts");
	jcount(r->attempts);
	jkey("hosts");
	jcount(r->hosts);
	jkey("names");
	jcount(r->names);
	jkey("first_seen");
	jtime(r->first, r->any, 0);
	jkey("last_seen");
	jtime(r->last, r->any, 0);
	jkey("days_observed");
	jnum(r->days, 1);
	jkey("reftime");
	jtime(r->ref, 1, 0);
	jkey("state");
	jstr(r->state);
	jkey("silence");
	jnum(r->silence, 0);
	jkey("top_of_hour_share");
	jnum(r->top, 4);
	jkey("hosts_per_name");
	jnum(r->hpn, 1);
	jkey("play_time");
	jnum(r->play, 0);
	if (r->lists)
		json_list(r);
	json_groups(r);
}

static void
tline(const char *label, const char *fmt, ...)
	__attribute__((__format__(__printf__, 2, 3)));

static void
tline(const char *label, const char *fmt, ...)
{
	va_list	 ap;

	printf("%-18s ", label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static const char *
tnum(double x, int prec)
{
	static char	 buf[4][64];
	static int	 k;

	k = (k + 1) % 4;
	fmtnum(buf[k], sizeof(buf[k]), x, prec);
	if (strcmp(buf[k], "null") == 0)
		strlcpy(buf[k], "n/a", sizeof(buf[k]));
	return buf[k];
}

static const char *
tpct(double x)
{
	static char	 buf[4][64];
	static int	 k;

	k = (k + 1) % 4;
	if (!isfinite(x))
		return "n/a";
	snprintf(buf[k], sizeof(buf[k]), "%s%%", tnum(100 * x, 1));
	return buf[k];
}

static const char *
tdur(double s)
{
	static char	 buf[4][64];
	static int	 k;
	long long	 n;

	k = (k + 1) % 4;
	if (!isfinite(s))
		return "n/a";
	n = llround(s);
	if (n < 60)
		snprintf(buf[k], sizeof(buf[k]), "%llds", n);
	else if (n < HOUR)
		snprintf(buf[k], sizeof(buf[k]), "%lldm", n / 60);
	else if (n < DAY)
		snprintf(buf[k], sizeof(buf[k]), "%lldh%02lldm", n / HOUR,
		    n % HOUR / 60);
	else
		snprintf(buf[k], sizeof(buf[k]), "%lldd%02lldh", n / 86400,
		    n % 86400 / HOUR);
	return buf[k];
}

static const char *
ttime(time_t t, int valid, int dateonly)
{
	static char	 buf[4][64];
	static int	 k;

	k = (k + 1) % 4;
	if (!valid)
		return "n/a";
	fmttime(buf[k], sizeof(buf[k]), t, 0, dateonly);
	return buf[k];
}

static const char *
tafter(time_t t, double days)
{
	time_t	 res = 0;
	int	 ok;

	ok = after(t, days, &res);
	return ttime(res, ok, 1);
}

static void
text(const struct report *r)
{
	struct cluster	**g;
	const char	**m;
	size_t		  ng, nm, i, j;

	tline("attempts", "%zu", r->attempts);
	tline("hosts", "%zu", r->hosts);
	tline("names", "%zu", r->names);
	tline("first seen", "%s", ttime(r->first, r->any, 0));
	tline("last seen", "%s", ttime(r->last, r->any, 0));
	tline("days observed", "%s", tnum(r->days, 1));
	if (r->state == NULL)
		tline("state", "n/a at %s", ttime(r->ref, 1, 0));
	else {
		tline("state", "%s at %s, silent for %s", r->state,
		    ttime(r->ref, 1, 0), tdur(r->silence));
		tline("", "(active up to %s, paused up to %s)",
		    tdur(r->activemax), tdur(r->pausedmax));
	}
	tline("top of hour", "%s of attempts in minutes 0-1 (3.3%% if "
	    "random)", tpct(r->top));
	tline("hosts per name", "%s (median)", tnum(r->hpn, 1));
	tline("play time", "%s (median time a name is in play)",
	    tdur(r->play));
	if (r->lists) {
		tline("candidates", "%zu", r->candidates);
		tline("tried", "%zu (%s)", r->tried,
		    tpct(ratio(r->tried, r->candidates)));
		tline("remaining", "%zu", r->candidates - r->tried);
		tline("order", "%s (rank correlation %s)",
		    ordernames[r->order],
		    tnum(r->rho, 3));
		tline("progress", "%s", tpct(r->progress));
		if (r->names_fit.ok)
			tline("names per day", "%s (%s)",
			    tnum(r->names_fit.rate, 1), r->names_fit.trend ?
			    "trend" : "constant");
		else
			tline("names per day", "n/a");
		tline("draws per day", "%s",
		    tnum(r->draws_fit.ok ? r->draws_fit.rate : NAN, 1));
		tline("forecast model", "%s", r->model != MODEL_NONE ?
		    modelnames[r->model] : "n/a");
		if (r->done) {
			tline("days to exhaust", "0 (all tried)");
			tline("exhaust date", "%s", ttime(r->donet, 1, 1));
		} else if (isfinite(r->dte)) {
			tline("days to exhaust", "%s (90%%: %s to %s)",
			    tnum(r->dte, 1), tnum(r->dlo, 1), tnum(r->dhi, 1));
			tline("exhaust date", "%s (90%%: %s to %s)",
			    tafter(r->last, r->dte), tafter(r->last, r->dlo),
			    tafter(r->last, r->dhi));
		} else {
			tline("days to exhaust", "n/a");
			tline("exhaust date", "n/a");
		}
	}
	g = reported(&ng);
	tline("groups", "%zu", ng);
	for (i = 0; i < ng; i++) {
		tline("group", "%s", g[i]->key);
		m = members(g[i], &nm);
		printf("%-18s %zu:", "  hosts", g[i]->hosts);
		for (j = 0; j < nm; j++)
			printf(" %s", m[j]);
		putchar('\n');
		free(m);
		tline("  attempts", "%zu", g[i]->attempts);
		tline("  names", "%zu", g[i]->names);
		tline("  trap share", "%s", r->lists ?
		    tpct(ratio(g[i]->traps, g[i]->attempts)) : "n/a");
		tline("  top of hour", "%s",
		    tpct(ratio(g[i]->top, g[i]->attempts)));
		tline("  run length", "%s attempts",
		    tnum(ratio(g[i]->attempts, g[i]->runs), 1));
	}
	free(g);
}

/* The chart. */

#define C_TRIED		"#4e79a7"
#define C_FORECAST	"#e15759"
#define C_BAND		"#f9d3d3"
#define C_TOTAL		"#555555"

/* The civil days since 1970-01-01 of t, local (UTC with -u). */
static double
cday(time_t t)
{
	return trap_time_civil(t) / DAY;
}

struct pts {
	double		*xy;
	size_t		 n, cap;
};

static void
pt(struct pts *p, double x, double y)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->xy = xreallocarray(p->xy, p->cap, 2 * sizeof(double));
	}
	p->xy[2 * p->n] = x;
	p->xy[2 * p->n + 1] = y;
	p->n++;
}

/*
 * The forecast's path from the last attempt, days after it and names
 * tried, stretched in time by f (the interval's ends are the forecast
 * reckoned f times as long): a straight line to the candidate total at
 * the current rate, or, for a campaign drawing at random, the expected
 * count N - (N - m) exp(-d t / N) at d draws a day.
 */
static void
fpath(const struct report *r, double f, struct pts *p)
{
	double	 N = r->candidates, m = r->tried, d, t;
	int	 i;

	pt(p, 0, m);
	if (r->model == MODEL_RANDOM && r->draws_fit.ok) {
		d = r->draws_fit.rate;
		for (i = 1; i < 64; i++) {
			t = r->dte * i / 64;
			pt(p, f * t, N - (N - m) * exp(-d * t / N));
		}
	}
	pt(p, f * r->dte, N);
}

/* A legend entry at x: a line (dash: dashed) or a box, and its words. */
static double
legend(struct trap_svg *s, double x, double y, const char *color,
    double dash, int box, const char *label)
{
	if (box)
		trap_svg_rect(s, x, y - 9, 20, 10, color);
	else
		trap_svg_line(s, x, y - 4, x + 20, y - 4, color, 2, dash);
	trap_svg_text(s, x + 26, y, TRAP_SVG_SMALL, label);
	return x + 26 + 6.2 * strlen(label) + 18;
}

/* The chart of svg(), shared by its parts. */
struct chart {
	struct trap_svg		*s;
	struct trap_svg_box	 b;
	double			 xl;		/* the last attempt's day */
	double			 base;		/* the y of the time axis */
	int			 forecast;	/* one is drawn */
};

/* The two lines under the title; 1 if there is a forecast to draw. */
static int
svg_lines(const struct report *r, char *line1, char *line2, size_t size)
{
	int	 forecast;

	if (r->lists)
		snprintf(line1, size, "%zu of %zu candidate names "
		    "tried (%s), %s", r->tried, r->candidates,
		    tpct(ratio(r->tried, r->candidates)),
		    r->order == ORDER_LIST ? "in list order" :
		    r->order == ORDER_RANDOM ? "in random order" :
		    "order unknown");
	else
		snprintf(line1, size, "%zu user names tried in %zu "
		    "attempts by %zu hosts", r->names, r->attempts, r->hosts);
	forecast = r->lists && !r->done && isfinite(r->dte) &&
	    isfinite(r->dlo) && r->any && r->candidates > 0;
	if (!r->lists)
		strlcpy(line2, "No trap list: no forecast", size);
	else if (r->candidates == 0)
		strlcpy(line2, "No candidate name in the list, in the "
		    "domains given: no forecast", size);
	else if (r->done)
		snprintf(line2, size, "All candidates tried on %s",
		    ttime(r->donet, 1, 1));
	else if (forecast) {
		snprintf(line2, size, "%s names a day (%s)%s%s%s: "
		    "all tried by %s (90%%: %s to %s)",
		    tnum(r->names_fit.rate, 1), r->names_fit.trend ? "trend" :
		    "constant", r->draws_fit.ok ? ", " : "",
		    r->draws_fit.ok ? tnum(r->draws_fit.rate, 1) : "",
		    r->draws_fit.ok ? " draws a day" : "",
		    tafter(r->last, r->dte), tafter(r->last, r->dlo),
		    tafter(r->last, r->dhi));
	} else
		strlcpy(line2, "Forecast: n/a (too few first tries, or too "
		    "short a time)", size);
	return forecast;
}

/*
 * The axes.  The time axis is the window, and the forecast to its
 * interval's end (at most three times the forecast, so that the window
 * can still be seen); at least a day.
 */
static void
svg_axes(const struct report *r, struct chart *c)
{
	char	 zone[80], lbl[128];
	double	 x0, end, top;

	x0 = cday(r->first);
	c->xl = cday(r->last);
	end = c->xl;
	if (c->forecast)
		end = c->xl + fmin(r->dhi, 3 * r->dte);
	else if (r->done)
		end = fmax(c->xl, cday(r->donet));
	if (end - x0 < 1) {
		x0 -= (1 - (end - x0)) / 2;
		end = x0 + 1;
	}
	c->b.xlo = x0;
	c->b.xhi = end + (end - x0) / 32;
	top = r->lists ? r->candidates : nnames;
	if (r->tried > top)
		top = r->tried;
	trap_svg_yaxis(c->s, &c->b, top > 0 ? top : 1, 1, r->lists ?
	    "Candidate names tried" : "User names tried");
	trap_tz_label(r->first, r->last, zone, sizeof(zone));
	snprintf(lbl, sizeof(lbl), "Date (%s)", zone);
	trap_svg_xdays(c->s, &c->b, 1, lbl);
	c->base = c->b.y + c->b.h;
}

/* The forecast's path of scale k, days after the last attempt, placed. */
static void
svg_fpath(const struct report *r, const struct chart *c, double k,
    struct pts *p)
{
	size_t	 i;

	fpath(r, k, p);
	for (i = 0; i < p->n; i++) {
		p->xy[2 * i] = trap_svg_x(&c->b, c->xl + p->xy[2 * i]);
		p->xy[2 * i + 1] = trap_svg_y(&c->b, p->xy[2 * i + 1]);
	}
}

/* The band of the 90% interval, and the line of the candidates. */
static void
svg_band(const struct report *r, const struct chart *c)
{
	struct pts	 band = { NULL, 0, 0 }, hi = { NULL, 0, 0 };
	size_t		 i;
	double		 y;

	if (c->forecast) {
		svg_fpath(r, c, r->dlo / r->dte, &band);
		svg_fpath(r, c, r->dhi / r->dte, &hi);
		for (i = hi.n; i-- > 0;)
			pt(&band, hi.xy[2 * i], hi.xy[2 * i + 1]);
		trap_svg_poly(c->s, band.xy, band.n, NULL, 0, 0, C_BAND);
	}
	if (r->lists) {
		y = trap_svg_y(&c->b, r->candidates);
		trap_svg_line(c->s, c->b.x, y, c->b.x + c->b.w, y, C_TOTAL, 1,
		    4);
	}
	free(band.xy);
	free(hi.xy);
}

/*
 * The observed count: a step at each first try, a point per half pixel
 * at most.
 */
static void
svg_observed(const struct report *r, const struct chart *c)
{
	struct pts	 obs = { NULL, 0, 0 };
	unsigned char	*seen;
	size_t		 i, id, count = 0;
	double		 px;

	seen = xcalloc(r->lists ? nlocals + 1 : nnames + 1, 1);
	for (i = 0; i < natts; i++) {
		if (r->lists ? atts[i].rank < 0 : atts[i].name == NONE)
			continue;
		id = r->lists ? (size_t)atts[i].rank : atts[i].name;
		if (seen[id])
			continue;
		seen[id] = 1;
		count++;
		px = trap_svg_x(&c->b, cday(atts[i].t));
		if (obs.n > 0 && px - obs.xy[2 * (obs.n - 1)] < 0.5)
			obs.xy[2 * (obs.n - 1) + 1] = trap_svg_y(&c->b, count);
		else {
			pt(&obs, px, trap_svg_y(&c->b, count - 1));
			pt(&obs, px, trap_svg_y(&c->b, count));
		}
	}
	free(seen);
	if (obs.n > 0) {
		pt(&obs, trap_svg_x(&c->b, c->xl), trap_svg_y(&c->b, count));
		trap_svg_poly(c->s, obs.xy, obs.n, C_TRIED, 2, 0, NULL);
		trap_svg_circle(c->s, obs.xy[2 * (obs.n - 1)],
		    obs.xy[2 * (obs.n - 1) + 1], 3.5, C_TRIED);
	}
	free(obs.xy);
}

/* The forecast's line, to the line of the end. */
static void
svg_forecast(const struct report *r, const struct chart *c)
{
	struct pts	 fc = { NULL, 0, 0 };
	double		 px;

	if (!c->forecast)
		return;
	svg_fpath(r, c, 1, &fc);
	trap_svg_poly(c->s, fc.xy, fc.n, C_FORECAST, 2, 6, NULL);
	px = trap_svg_x(&c->b, c->xl + r->dte);
	trap_svg_line(c->s, px, trap_svg_y(&c->b, r->candidates), px,
	    c->base, C_FORECAST, 1, 3);
	free(fc.xy);
}

/*
 * Words on the chart: the total, the end; under the line of the total if
 * the top of the box is too close above it.
 */
static void
svg_words(const struct report *r, const struct chart *c)
{
	char	 lbl[128];
	double	 y, px;

	y = trap_svg_y(&c->b, r->candidates);
	y += y - c->b.y < 14 ? 14 : -5;
	if (r->lists)
		trap_svg_textf(c->s, c->b.x + 6, y, TRAP_SVG_SMALL,
		    "%zu candidates", r->candidates);
	if (!c->forecast && !r->done)
		return;
	/*
	 * At the foot of the line of the end, where the curve is not: left
	 * of it, or right if there is no room.
	 */
	px = trap_svg_x(&c->b, r->done ? cday(r->donet) : c->xl + r->dte);
	if (r->done)
		trap_svg_line(c->s, px, trap_svg_y(&c->b, r->candidates), px,
		    c->base, C_TRIED, 1, 3);
	snprintf(lbl, sizeof(lbl), "all tried %s", r->done ?
	    ttime(r->donet, 1, 1) : tafter(r->last, r->dte));
	if (px - c->b.x > 6.2 * strlen(lbl) + 8)
		trap_svg_text(c->s, px - 4, c->base - 6, TRAP_SVG_END |
		    TRAP_SVG_SMALL, lbl);
	else
		trap_svg_text(c->s, px + 4, c->base - 6, TRAP_SVG_SMALL, lbl);
}

static void
svg_legend(const struct report *r, const struct chart *c)
{
	char	 lbl[128];
	double	 y = SVGH - 14, px;

	px = legend(c->s, c->b.x, y, C_TRIED, 0, 0, "tried");
	if (c->forecast) {
		if (r->model == MODEL_RANDOM)
			snprintf(lbl, sizeof(lbl), "forecast at %s draws a day",
			    tnum(r->draws_fit.rate, 1));
		else
			snprintf(lbl, sizeof(lbl), "forecast at %s names a day",
			    tnum(r->names_fit.rate, 1));
		px = legend(c->s, px, y, C_FORECAST, 6, 0, lbl);
		px = legend(c->s, px, y, C_BAND, 0, 1, "90% interval");
	}
	if (r->lists)
		legend(c->s, px, y, C_TOTAL, 4, 0,
		    "candidate names in the list");
}

static void
svg(const struct report *r)
{
	struct chart	 c = { NULL, { 64, 96, 704, 240, 0, 0, 0, 0 }, 0, 0,
			    0 };
	char		 line1[256], line2[256], title[600];

	c.forecast = svg_lines(r, line1, line2, sizeof(line1));
	snprintf(title, sizeof(title), "%s: %s; %s", r->lists ?
	    "Candidate names tried" : "User names tried", r->any ? line1 :
	    "No attempts", line2);
	c.s = trap_svg_begin(stdout, SVGW, SVGH, title);
	trap_svg_text(c.s, 24, 26, TRAP_SVG_BIG | TRAP_SVG_BOLD, r->lists ?
	    "Candidate names tried, and the forecast" : "User names tried");
	if (!r->any) {
		trap_svg_text(c.s, 24, 46, TRAP_SVG_GRAY, "No attempts");
		trap_svg_rect(c.s, c.b.x, c.b.y, c.b.w, c.b.h, "#f4f4f4");
		trap_svg_text(c.s, c.b.x + c.b.w / 2, c.b.y + c.b.h / 2,
		    TRAP_SVG_MIDDLE | TRAP_SVG_BIG | TRAP_SVG_GRAY,
		    "No attempts");
	} else {
		trap_svg_text(c.s, 24, 46, TRAP_SVG_GRAY, line1);
		trap_svg_text(c.s, 24, 64, TRAP_SVG_GRAY, line2);
		svg_axes(r, &c);
		trap_svg_clip(c.s, c.b.x, c.b.y - 2, c.b.w + 2, c.b.h + 4);
		svg_band(r, &c);
		svg_observed(r, &c);
		svg_forecast(r, &c);
		trap_svg_unclip(c.s);
		svg_words(r, &c);
		svg_legend(r, &c);
	}
	if (trap_svg_end(c.s) == -1)
		err(1, "stdout");
}

int
main(int argc, char *argv[])
{
	struct report	 r;
	struct trap_input in;
	struct trap_listopt lo;
	const char	*refarg = NULL;
	int		 ch, fmt = FMT_TEXT, uflag = 0, rc = 0;

	/* The archive of -A needs flock, and wpath and cpath to recover. */
	if (pledge("stdio rpath wpath cpath flock", NULL) == -1)
		err(1, "pledge");

	memset(&lo, 0, sizeof(lo));
	lo.eval = 1;
	memset(&in, 0, sizeof(in));
	while ((ch = getopt(argc, argv, "A:D:d:o:r:S:t:U:u")) != -1) {
		switch (ch) {
		case 'o':
			fmt = trap_name_lookup(formatnames, NFORMATS,
			    optarg, strlen(optarg));
			if (fmt == -1)
				trap_badusage(usage, "unknown format: %s", optarg);
			break;
		case 'r':
			refarg = optarg;
			break;
		case 'u':
			uflag = 1;
			break;
		default:
			trap_listinput_opt(&lo, &in, ch, optarg, usage);
		}
	}
	argc -= optind;
	argv += optind;
	trap_listopt_check(&lo, usage, in.archive != NULL, argc, argv);
	if (in.archive == NULL && pledge("stdio rpath", NULL) == -1)
		err(1, "pledge");
	trap_tz_init(uflag ? "UTC" : NULL);
	trap_input_window(&in, 1);
	in.promises = "stdio";
	in.rec = readrec;
	memset(&r, 0, sizeof(r));
	if (refarg != NULL) {
		if (trap_time_parse_iso(refarg, &r.ref) == -1)
			errx(1, "bad reference time: %s", refarg);
	} else
		r.ref = time(NULL);

	if (lo.nlists > 0) {
		if ((traps = trap_list_open(&lo, NULL)) == NULL)
			exit(1);
		rankloc();
		r.lists = 1;
	}

	hosthash = trap_hash_new(sizeof(uint32_t));
	namehash = trap_hash_new(sizeof(uint32_t));
	if (trap_input_read(&in, argc, argv) == -1)
		rc = 1;

	analyse(&r);
	switch (fmt) {
	case FMT_JSON:
		json(&r);
		break;
	case FMT_SVG:
		svg(&r);
		break;
	default:
		text(&r);
		break;
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	return rc != 0 || in.nbad > 0;
}
