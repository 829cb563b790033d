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
 * The recogniser language of trappatterns(5): rules of five columns,
 * compiled into token lists and matched by a small backtracking matcher
 * with a step budget, so that no line can make it work for long.
 */

#include "compat.h"

#include <sys/types.h>

#include <ctype.h>
#include <err.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "trap.h"
#include "pattern.h"

#define BUDGET		20000	/* matcher steps per rule and line */
#define CACHESZ		1024	/* program names remembered (power of 2) */
#define NRECENT		32	/* names looked up without a hash */

/* A program's rules that can match a message of one first byte. */
struct firstbyte {
	const struct rule	**rules[256];
	size_t			  nrules[256];
};

struct progcache {
	char			 *name;
	size_t			  namelen;
	const struct rule	**rules;
	size_t			  nrules;
	struct firstbyte	 *byfirst;	/* made when first asked */
};

struct ruleset {
	struct rule		*rules;
	size_t			 nrules;
	struct progcache	 cache[CACHESZ];
	struct progcache	*last;		/* the last one looked up */
	struct progcache	*recent[NRECENT];	/* by recentslot() */
	size_t			 ncached;
	const struct rule	**scratch;
	const struct rule	**all;		/* every rule, in order */
	struct firstbyte	 *allfirst;	/* of all, by first byte */
};

struct mctx {
	const struct ptok	*toks;
	size_t			 ntoks;
	const char		*s;
	size_t			 len;
	long			 budget;
	struct match		*m;		/* the parse being tried */
	struct match		*first;		/* the first whole parse */
	int			 found;		/* parses seen: 0, 1, 2 */
	struct match		 bad;		/* one whose %a is no address */
	int			 havebad;
	struct reaches		*reach;		/* the message's, or NULL */
	int			 uaddr;		/* the rule's address is a %A */
};

/*
 * The captures a rule takes as the daemon wrote them: two parses of a
 * line that differ in one of these make it ambiguous.
 */
static const int daemoncaps[] = {
	CAP_ADDR, CAP_HOST, CAP_RHOST, CAP_KEY, CAP_COUNT, CAP_SVC, CAP_PASSED
};

static const char capchars[] = "ubahrckSnw*.ACs";

/*
 * Where a capture of this type is kept: a %A's is the address's, a %C's
 * the count's.
 */
static inline int
capslot(int type)
{
	if (type == CAP_UADDR)
		return CAP_ADDR;
	return type == CAP_LCOUNT ? CAP_COUNT : type;
}

/*
 * The address of m's %a, or of its %A (uaddr), canonical, into m->addr:
 * 0, or -1 if it is none.  vpopmail writes an IPv6 address with "_" for
 * each ":".
 */
static int
addrof(struct match *m, int uaddr)
{
	const struct trap_str	*a = &m->cap[CAP_ADDR];
	char			 buf[TRAP_ADDRLEN];
	size_t			 i;

	if (!uaddr)
		return trap_addr_canon(a->p, a->len, m->addr,
		    sizeof(m->addr));
	if (a->len >= sizeof(buf))
		return -1;
	for (i = 0; i < a->len; i++)
		buf[i] = a->p[i] == '_' ? ':' : a->p[i];
	return trap_addr_canon(buf, a->len, m->addr, sizeof(m->addr));
}

struct ruleset *
ruleset_new(void)
{
	struct ruleset	*rs;

	rs = xcalloc(1, sizeof(*rs));
	return rs;
}

static void
firstbyte_free(struct firstbyte *fb)
{
	size_t	 i;

	if (fb == NULL)
		return;
	for (i = 0; i < 256; i++)
		free(fb->rules[i]);
	free(fb);
}

static void
cache_clear(struct ruleset *rs)
{
	size_t	 i;

	for (i = 0; i < CACHESZ; i++) {
		free(rs->cache[i].name);
		free(rs->cache[i].rules);
		firstbyte_free(rs->cache[i].byfirst);
	}
	memset(rs->cache, 0, sizeof(rs->cache));
	memset(rs->recent, 0, sizeof(rs->recent));
	firstbyte_free(rs->allfirst);
	rs->allfirst = NULL;
	rs->ncached = 0;
	rs->last = NULL;
}

static int
badrule(const char *file, unsigned long line, const char *msg)
{
	warnx("%s:%lu: %s", file, line, msg);
	return -1;
}

/* Compile a template into tokens. */
static size_t	 litkey(const char *, size_t);
static size_t	 fixed(const struct rule *);

static int
compile(struct rule *r, const char *t, size_t len)
{
	const char	*p, *end = t + len, *c;
	char		*lit = NULL;
	size_t		 litlen = 0, n = 0;

	r->toks = xreallocarray(NULL, len + 1, sizeof(*r->toks));
	for (p = t; p < end; p++) {
		if (*p == '%' && p + 1 < end && p[1] != '%') {
			if ((c = strchr(capchars, p[1])) == NULL ||
			    p[1] == '\0') {
				free(lit);
				r->ntoks = n;	/* freed by rule_free */
				return badrule(r->file, r->line,
				    "unknown capture in template");
			}
			if (lit != NULL) {
				r->toks[n].type = TOK_LIT;
				r->toks[n].lit = lit;
				r->toks[n++].len = litlen;
				lit = NULL;
			}
			if (n > 0 && r->toks[n - 1].type != TOK_LIT &&
			    p[1] != '*' && p[1] != '.') {
				r->ntoks = n;	/* freed by rule_free */
				return badrule(r->file, r->line,
				    "two captures without text between them");
			}
			r->toks[n].type = c - capchars;
			if (r->toks[n].type == CAP_UADDR)
				r->uaddr = 1;
			if (r->toks[n].type == CAP_LCOUNT)
				r->lcount = 1;
			r->toks[n].lit = NULL;
			r->toks[n++].len = 0;
			p++;
			continue;
		}
		if (*p == '%' && ++p == end) {
			free(lit);
			r->ntoks = n;
			return badrule(r->file, r->line,
			    "a lone % ends the template");
		}
		if (lit == NULL) {
			lit = xmalloc(len + 1);
			litlen = 0;
		}
		lit[litlen++] = *p;
	}
	if (lit != NULL) {
		r->toks[n].type = TOK_LIT;
		r->toks[n].lit = lit;
		r->toks[n++].len = litlen;
	}
	r->ntoks = n;
	for (n = 0; n < r->ntoks; n++)
		if (r->toks[n].type == TOK_LIT)
			r->toks[n].key = litkey(r->toks[n].lit, r->toks[n].len);
	r->firstc = r->lastc = -1;
	if (n > 0 && r->toks[0].type == TOK_LIT)
		r->firstc = (unsigned char)r->toks[0].lit[0];
	if (n > 0 && r->toks[n - 1].type == TOK_LIT)
		r->lastc = (unsigned char)
		    r->toks[n - 1].lit[r->toks[n - 1].len - 1];
	for (n = 0; n < r->ntoks; n++)
		if (r->toks[n].type == TOK_LIT &&
		    r->toks[n].len > r->anchorlen) {
			r->anchor = r->toks[n].lit;
			r->anchorlen = r->toks[n].len;
			r->anchorti = n;
		}
	/* possible() tests the ends itself: the longest between them. */
	for (n = 1; n + 1 < r->ntoks; n++)
		if (r->toks[n].type == TOK_LIT &&
		    r->toks[n].len > r->innerlen) {
			r->inner = r->toks[n].lit;
			r->innerlen = r->toks[n].len;
			r->innerkey = r->toks[n].key;
			r->innerti = n;
		}
	if (r->ntoks == 0)
		return badrule(r->file, r->line, "empty template");
	r->nfixed = fixed(r);
	return 0;
}

/*
 * The bytes that a program name matched by the name or fnmatch(3)
 * pattern p[0..len) (len > 0) begins and ends with, in ends[0] and
 * ends[1]; -1 where it can be any.
 */
static void
progends(const char *p, size_t len, short ends[2])
{
	int	 c = (unsigned char)p[len - 1];

	ends[0] = p[0] == '*' || p[0] == '?' || p[0] == '[' || p[0] == '\\' ?
	    -1 : (unsigned char)p[0];
	ends[1] = c == '*' || c == '?' || c == ']' || c == '\\' ||
	    (len > 1 && p[len - 2] == '\\') ? -1 : c;
}

static int
parse_progs(struct rule *r, const char *s, size_t len)
{
	const char	*p, *end = s + len, *comma;

	for (p = s; p < end; p = comma + 1) {
		if ((comma = memchr(p, ',', end - p)) == NULL)
			comma = end;
		if (comma == p)
			return badrule(r->file, r->line, "empty program name");
		r->progs = xreallocarray(r->progs, r->nprogs + 1,
		    sizeof(*r->progs));
		if (r->nprogs < NPROGENDS)
			progends(p, comma - p, r->progends[r->nprogs]);
		r->progs[r->nprogs++] = xstrndup(p, comma - p);
	}
	r->daemon = strpbrk(r->progs[0], "*?[\\") == NULL ? r->progs[0] : "";
	return 0;
}

static int
parse_event(struct rule *r, const char *s, size_t len)
{
	int	 weak = 0, k;

	r->kind = KIND_NKINDS;	/* none, for connect, next and close */
	if (len == 7 && memcmp(s, "connect", 7) == 0) {
		r->event = EV_CONNECT;
		return 0;
	}
	if (len == 12 && memcmp(s, "connect-rcpt", 12) == 0) {
		r->event = EV_CONNECT;	/* needed only by rcpt rules */
		r->kind = KIND_RCPT;
		return 0;
	}
	if (len == 5 && memcmp(s, "close", 5) == 0) {
		r->event = EV_CLOSE;
		return 0;
	}
	if (len == 4 && memcmp(s, "next", 4) == 0) {
		r->event = EV_NEXT;
		return 0;
	}
	if (len == 4 && memcmp(s, "none", 4) == 0) {
		r->event = EV_NONE;
		return 0;
	}
	if (len == 8 && memcmp(s, "account?", 8) == 0) {
		r->kind = KIND_FAIL;
		r->event = EV_WEAK;
		r->account = 1;
		return 0;
	}
	if (len > 0 && s[len - 1] == '?') {
		weak = 1;
		len--;
	}
	if ((k = trap_kind_lookup(s, len)) == -1)
		return badrule(r->file, r->line, "unknown event");
	r->kind = k;
	r->event = weak ? EV_WEAK : EV_ATTEMPT;
	return 0;
}

static int
parse_join(struct rule *r, const char *s, size_t len)
{
	static const char *const joins[] = { "-", "pid", "key", "user",
	    "addr" };
	int	 j;

	if (len == 3 && memcmp(s, "try", 3) == 0) {
		r->join = JOIN_PID;
		r->eachtry = 1;
		return 0;
	}
	if (len == 3 && memcmp(s, "req", 3) == 0) {
		r->join = JOIN_PID;
		r->eachreq = 1;
		return 0;
	}
	for (j = 0; j < (int)(sizeof(joins) / sizeof(joins[0])); j++)
		if (strlen(joins[j]) == len && memcmp(joins[j], s, len) == 0) {
			r->join = j;
			return 0;
		}
	return badrule(r->file, r->line, "unknown join");
}

/* Split off the next blank-separated column. */
static const char *
column(const char **pp, const char *end, size_t *len)
{
	const char	*p = *pp, *start;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	start = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	*len = p - start;
	*pp = p;
	return *len ? start : NULL;
}

static int
parse_rule(struct rule *r, const char *p, const char *end)
{
	const char	*c;
	size_t		 len;
	int		 i, svc;

	if ((c = column(&p, end, &len)) == NULL ||
	    parse_progs(r, c, len) == -1)
		return badrule(r->file, r->line, "missing program");
	if ((c = column(&p, end, &len)) == NULL)
		return badrule(r->file, r->line, "missing service");
	if (len == 1 && *c == '*')
		r->service = -1;
	else if ((svc = trap_service_lookup(c, len)) == -1)
		return badrule(r->file, r->line, "unknown service");
	else
		r->service = svc;
	if ((c = column(&p, end, &len)) == NULL || parse_event(r, c, len))
		return -1;
	if ((c = column(&p, end, &len)) == NULL || parse_join(r, c, len))
		return -1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (compile(r, p, end - p) == -1)
		return -1;
	for (i = 0; i < (int)r->ntoks; i++) {
		if (r->toks[i].type == CAP_KEY && r->join != JOIN_KEY &&
		    r->join != JOIN_USER && r->join != JOIN_PID)
			return badrule(r->file, r->line,
			    "%k without the key, user or pid join");
		if (r->toks[i].type == CAP_ADDR && r->uaddr)
			return badrule(r->file, r->line,
			    "%a and %A in one template");
	}
	if (r->join == JOIN_KEY) {
		for (i = 0; i < (int)r->ntoks; i++)
			if (r->toks[i].type == CAP_KEY)
				break;
		if (i == (int)r->ntoks)
			return badrule(r->file, r->line,
			    "the key join needs %k");
	}
	return 0;
}

static void
rule_free(struct rule *r)
{
	size_t	 i;

	for (i = 0; i < r->nprogs; i++)
		free(r->progs[i]);
	free(r->progs);
	free(r->shadows);
	for (i = 0; i < r->ntoks; i++)
		free(r->toks[i].lit);
	free(r->toks);
	free(r->file);
}

/* Do rules a and b apply to the same programs? */
static int
sameprogs(const struct rule *a, const struct rule *b)
{
	size_t	 i;

	if (a->nprogs != b->nprogs)
		return 0;
	for (i = 0; i < a->nprogs; i++)
		if (strcmp(a->progs[i], b->progs[i]) != 0)
			return 0;
	return 1;
}

/* May programs named p and q be one?  Two patterns: perhaps. */
static int
prog_meets(const char *p, const char *q)
{
	int	 pglob = strpbrk(p, "*?[") != NULL;
	int	 qglob = strpbrk(q, "*?[") != NULL;

	if (pglob && qglob)
		return 1;
	if (pglob)
		return fnmatch(p, q, 0) == 0;
	if (qglob)
		return fnmatch(q, p, 0) == 0;
	return strcmp(p, q) == 0;
}

/* Do rules a and b name a program in common? */
int
rule_progs_meet(const struct rule *a, const struct rule *b)
{
	size_t	 i, j;

	for (i = 0; i < a->nprogs; i++)
		for (j = 0; j < b->nprogs; j++)
			if (prog_meets(a->progs[i], b->progs[j]))
				return 1;
	return 0;
}

/* Can the literal ends of a and b (first: their first tokens) meet? */
static int
ends_meet(const struct rule *a, const struct rule *b, int first)
{
	const struct ptok	*s, *t;
	size_t			 n;

	s = &a->toks[first ? 0 : a->ntoks - 1];
	t = &b->toks[first ? 0 : b->ntoks - 1];
	if (s->type != TOK_LIT || t->type != TOK_LIT)
		return 1;
	n = s->len < t->len ? s->len : t->len;
	if (first)
		return memcmp(s->lit, t->lit, n) == 0;
	return memcmp(s->lit + s->len - n, t->lit + t->len - n, n) == 0;
}

/* Has rule r a token of one of the types t[0..n)? */
static int
rule_has(const struct rule *r, const int *t, size_t n)
{
	size_t	 i, k;

	for (i = 0; i < r->ntoks; i++)
		for (k = 0; k < n; k++)
			if (r->toks[i].type == t[k])
				return 1;
	return 0;
}

/*
 * Mark the rules that read an address where a later rule of a program
 * in common reads none, has a user name, and may read the same line:
 * an older release's form without the address, whose user name can hold
 * the rest of the first rule's form.  Such a line's address is the
 * client's to choose, and the extractor reads the later rules too
 * (findrule()).  Only the literal ends are compared here.
 */
static void
ruleset_shadows(struct ruleset *rs)
{
	static const int	 addrs[] = { CAP_ADDR, CAP_UADDR, CAP_RHOST };
	static const int	 user[] = { CAP_USER };
	struct rule		*r, *o;
	size_t			 i, j, n = 0, *cand;
	signed char		*meets;	/* by candidate, for a run of rules
					   of the same programs: -1 unknown */

	/* The candidates, addressless with a user name, once. */
	cand = xreallocarray(NULL, rs->nrules + 1, sizeof(*cand));
	meets = xreallocarray(NULL, rs->nrules + 1, sizeof(*meets));
	for (i = 0; i < rs->nrules; i++) {
		r = &rs->rules[i];
		if (!rule_has(r, addrs, 3) && rule_has(r, user, 1))
			cand[n++] = i;
	}
	for (i = 0; i < rs->nrules; i++) {
		r = &rs->rules[i];
		free(r->shadows);
		r->shadows = NULL;
		r->nshadows = 0;
		if (i == 0 || !r->sameprogs)
			memset(meets, -1, n);
		if (!rule_has(r, addrs, 3))
			continue;
		for (j = 0; j < n; j++) {
			if (cand[j] <= i)
				continue;
			o = &rs->rules[cand[j]];
			if (!ends_meet(r, o, 1) || !ends_meet(r, o, 0))
				continue;
			if (meets[j] == -1)
				meets[j] = rule_progs_meet(r, o);
			if (!meets[j])
				continue;
			r->shadows = xreallocarray(r->shadows,
			    r->nshadows + 1, sizeof(*r->shadows));
			r->shadows[r->nshadows++] = cand[j];
		}
	}
	free(meets);
	free(cand);
}

/*
 * Load the rules in text (named name in messages), after those already
 * loaded.  Return the number of bad rules (each reported), 0 if none.
 */
int
ruleset_load(struct ruleset *rs, const char *text, const char *name)
{
	const char	*p, *nl, *q;
	unsigned long	 line = 0;
	struct rule	*r;
	size_t		 n;
	int		 bad = 0;

	cache_clear(rs);
	/* Room for a rule a line, at once: the built-in text has hundreds. */
	for (p = text, n = 1; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	rs->rules = xreallocarray(rs->rules, rs->nrules + n,
	    sizeof(*rs->rules));
	for (p = text; *p != '\0'; p = nl + (*nl != '\0')) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		line++;
		for (q = p; q < nl && (*q == ' ' || *q == '\t'); q++)
			continue;
		if (q == nl || *q == '#')
			continue;
		r = &rs->rules[rs->nrules];
		memset(r, 0, sizeof(*r));
		r->file = xstrdup(name);
		r->line = line;
		if (parse_rule(r, q, nl) == -1) {
			rule_free(r);
			bad++;
			continue;
		}
		r->sameprogs = rs->nrules > 0 && sameprogs(r, r - 1);
		rs->nrules++;
	}
	ruleset_shadows(rs);
	free(rs->scratch);
	free(rs->all);
	rs->all = NULL;
	rs->scratch = xreallocarray(NULL, rs->nrules + 1,
	    sizeof(*rs->scratch));
	return bad;
}

static int
prog_matches(const struct rule *r, const char *name, size_t len)
{
	size_t	 i;

	/* Every rule, once for every name: the ends before the calls. */
	for (i = 0; i < r->nprogs; i++) {
		if (i < NPROGENDS && ((r->progends[i][0] != -1 &&
		    r->progends[i][0] != (unsigned char)name[0]) ||
		    (r->progends[i][1] != -1 &&
		    r->progends[i][1] != (unsigned char)name[len - 1])))
			continue;
		if (strcmp(r->progs[i], name) == 0 ||
		    (strpbrk(r->progs[i], "*?[") != NULL &&
		    fnmatch(r->progs[i], name, 0) == 0))
			return 1;
	}
	return 0;
}


/*
 * Where a name (len > 0) may be among the recent ones: logs interleave a
 * few programs, and this costs less than the hash of the name.
 */
static size_t
recentslot(const char *prog, size_t len)
{
	return (len * 31 + (unsigned char)prog[0] +
	    (unsigned char)prog[len - 1] * 7) & (NRECENT - 1);
}

/*
 * The rules that apply to a program name (len 0: untagged line, matched
 * by "-"), in order.  Remembered per name.
 */
const struct rule *const *
ruleset_lookup(struct ruleset *rs, const char *prog, size_t len,
    size_t *nrules)
{
	char			 name[256];
	struct progcache	*pc;
	unsigned int		 h, i;
	size_t			 n = 0, k, r;
	int			 match;

	if (len == 0) {
		prog = "-";
		len = 1;
	}
	/*
	 * Logs run in streaks of a few programs: the recent answers first
	 * (a name remembered has no NUL, nor has one that is the same).
	 */
	if (rs->last != NULL && rs->last->namelen == len &&
	    memcmp(rs->last->name, prog, len) == 0) {
		*nrules = rs->last->nrules;
		return rs->last->rules;
	}
	if (len >= sizeof(name) || memchr(prog, '\0', len) != NULL) {
		*nrules = 0;
		return NULL;
	}
	r = recentslot(prog, len);
	if ((pc = rs->recent[r]) != NULL && pc->namelen == len &&
	    memcmp(pc->name, prog, len) == 0) {
		rs->last = pc;
		*nrules = pc->nrules;
		return pc->rules;
	}
	h = trap_hash_sum(prog, len);	/* keyed: the tag is anyone's */
	for (i = 0; i < CACHESZ; i++) {
		pc = &rs->cache[(h + i) & (CACHESZ - 1)];
		if (pc->name == NULL)
			break;
		if (strncmp(pc->name, prog, len) == 0 &&
		    pc->name[len] == '\0') {
			rs->last = rs->recent[r] = pc;
			*nrules = pc->nrules;
			return pc->rules;
		}
	}
	memcpy(name, prog, len);
	name[len] = '\0';
	/* Rules come in runs of the same programs: asked once a run. */
	for (k = 0, match = 0; k < rs->nrules; k++) {
		if (k == 0 || !rs->rules[k].sameprogs)
			match = prog_matches(&rs->rules[k], name, len);
		if (match)
			rs->scratch[n++] = &rs->rules[k];
	}
	*nrules = n;
	if (rs->ncached >= CACHESZ / 2)
		return rs->scratch;	/* a flood of names: do not cache */
	pc = &rs->cache[(h + i) & (CACHESZ - 1)];
	pc->name = xstrdup(name);
	pc->rules = xreallocarray(NULL, n + 1, sizeof(*pc->rules));
	memcpy(pc->rules, rs->scratch, n * sizeof(*pc->rules));
	pc->nrules = n;
	pc->namelen = len;
	rs->ncached++;
	rs->last = rs->recent[r] = pc;
	return pc->rules;
}

/*
 * Every rule, in order: for a message whose program is not known (its
 * envelope was not, nor a tag in it).
 */
const struct rule *const *
ruleset_all(struct ruleset *rs, size_t *nrules)
{
	size_t	 i;

	if (rs->all == NULL) {
		rs->all = xreallocarray(NULL, rs->nrules + 1,
		    sizeof(*rs->all));
		for (i = 0; i < rs->nrules; i++)
			rs->all[i] = &rs->rules[i];
	}
	*nrules = rs->nrules;
	return rs->all;
}

/*
 * Of the rules all[0..n), those that can match a message whose first
 * byte is fc (0 to 255), in order: the ones whose template begins with
 * that byte or with a capture.  Made once, kept in fb.
 */
static const struct rule *const *
byfirst(struct firstbyte *fb, const struct rule *const *all, size_t n,
    int fc, size_t *nrules)
{
	size_t	 i, k = 0;

	if (fb->rules[fc] == NULL) {
		fb->rules[fc] = xreallocarray(NULL, n + 1,
		    sizeof(*fb->rules[fc]));
		for (i = 0; i < n; i++)
			if (all[i]->firstc == -1 || all[i]->firstc == fc)
				fb->rules[fc][k++] = all[i];
		fb->nrules[fc] = k;
	}
	*nrules = fb->nrules[fc];
	return fb->rules[fc];
}

/*
 * The rules of a program that can match a message whose first byte is
 * fc, in file order: those whose template begins with that byte or with
 * a capture.  A line is tried against a few of a program's hundreds.
 */
const struct rule *const *
ruleset_lookup_first(struct ruleset *rs, const char *prog, size_t len,
    int fc, size_t *nrules)
{
	const struct rule *const	*all;
	struct progcache		*pc;
	size_t				 n;

	/* A line of the program of the line before: its list, if made. */
	if ((pc = rs->last) != NULL && fc >= 0 && fc <= 255 &&
	    pc->byfirst != NULL && pc->byfirst->rules[fc] != NULL &&
	    len > 0 && pc->namelen == len &&
	    memcmp(pc->name, prog, len) == 0) {
		*nrules = pc->byfirst->nrules[fc];
		return pc->byfirst->rules[fc];
	}
	all = ruleset_lookup(rs, prog, len, &n);
	pc = rs->last;
	if (all == NULL || pc == NULL || all != pc->rules || fc < 0 ||
	    fc > 255) {
		*nrules = n;		/* not cached: all of them */
		return all;
	}
	if (pc->byfirst == NULL)
		pc->byfirst = xcalloc(1, sizeof(*pc->byfirst));
	return byfirst(pc->byfirst, all, n, fc, nrules);
}

/*
 * Every rule that can match a message whose first byte is fc, in order:
 * for a message whose program is not known, the rules of ruleset_all()
 * less those whose template begins with another byte.  A line with no
 * envelope known is tried from each of its first words, each time
 * against these few of the hundreds.
 */
const struct rule *const *
ruleset_all_first(struct ruleset *rs, int fc, size_t *nrules)
{
	const struct rule *const	*all;
	size_t				 n;

	all = ruleset_all(rs, &n);
	if (fc < 0 || fc > 255) {
		*nrules = n;
		return all;
	}
	if (rs->allfirst == NULL)
		rs->allfirst = xcalloc(1, sizeof(*rs->allfirst));
	return byfirst(rs->allfirst, all, n, fc, nrules);
}


/*
 * The bytes each capture type's text is made of, as the C locale has
 * them (the tools set no other): a table, where the ctype(3) functions
 * were calls to one and several tests a byte.
 */
#define C_ADDR	0x01		/* %a: hexadecimal digits, "." and ":" */
#define C_ZONE	0x02		/* %a after a "%": alnum, "_", "." and "-" */
#define C_NUM	0x04		/* %n, %c: digits */
#define C_SVC	0x08		/* %S: alnum, "_" and "-" */
#define C_B64	0x10		/* %b: alnum, "+", "/" and "=" */
#define C_BLANK	0x20		/* what ends the others: " " and tab */

#define D	(C_ADDR | C_ZONE | C_NUM | C_SVC | C_B64)
#define X	(C_ADDR | C_ZONE | C_SVC | C_B64)
#define A	(C_ZONE | C_SVC | C_B64)

static const unsigned char cclass[256] = {
	['0'] = D, ['1'] = D, ['2'] = D, ['3'] = D, ['4'] = D, ['5'] = D,
	['6'] = D, ['7'] = D, ['8'] = D, ['9'] = D,
	['a'] = X, ['b'] = X, ['c'] = X, ['d'] = X, ['e'] = X, ['f'] = X,
	['A'] = X, ['B'] = X, ['C'] = X, ['D'] = X, ['E'] = X, ['F'] = X,
	['g'] = A, ['h'] = A, ['i'] = A, ['j'] = A, ['k'] = A, ['l'] = A,
	['m'] = A, ['n'] = A, ['o'] = A, ['p'] = A, ['q'] = A, ['r'] = A,
	['s'] = A, ['t'] = A, ['u'] = A, ['v'] = A, ['w'] = A, ['x'] = A,
	['y'] = A, ['z'] = A, ['G'] = A, ['H'] = A, ['I'] = A, ['J'] = A,
	['K'] = A, ['L'] = A, ['M'] = A, ['N'] = A, ['O'] = A, ['P'] = A,
	['Q'] = A, ['R'] = A, ['S'] = A, ['T'] = A, ['U'] = A, ['V'] = A,
	['W'] = A, ['X'] = A, ['Y'] = A, ['Z'] = A,
	['.'] = C_ADDR | C_ZONE, [':'] = C_ADDR, ['_'] = C_ZONE | C_SVC,
	['-'] = C_ZONE | C_SVC, ['+'] = C_B64, ['/'] = C_B64, ['='] = C_B64,
	[' '] = C_BLANK, ['\t'] = C_BLANK
};

#undef D
#undef X
#undef A

/* A hexadecimal digit? */
static inline int
cxdigit(int c)
{
	return (cclass[c] & C_ADDR) && c != '.' && c != ':';
}

/* How far a capture of this type can reach from s[pos]. */
static inline size_t
extent(int type, const char *s, size_t pos, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = pos;
	int			 cl;

	switch (type) {
	case CAP_USER:
	case CAP_ANY:
	case CAP_OWN:
		return len - pos;
	case CAP_ADDR:
		while (i < len && (cclass[u[i]] & C_ADDR))
			i++;
		if (i < len && u[i] == '%')
			for (i++; i < len && (cclass[u[i]] & C_ZONE); i++)
				continue;
		return i - pos;
	case CAP_UADDR:
		while (i < len && ((cclass[u[i]] & C_ADDR) || u[i] == '_'))
			i++;
		return i - pos;
	case CAP_COUNT:
	case CAP_LCOUNT:
	case CAP_PASSED:
	case CAP_NUM:
		cl = C_NUM;
		break;
	case CAP_SVC:
		cl = C_SVC;
		break;
	case CAP_B64:
		cl = C_B64;
		break;
	default:	/* host, rhost, word, key: a run of non-blanks */
		while (i < len && !(cclass[u[i]] & C_BLANK))
			i++;
		return i - pos;
	}
	while (i < len && (cclass[u[i]] & cl))
		i++;
	return i - pos;
}

/* No capture's reach found yet in the message. */
void
reaches_init(struct reaches *rc)
{
	size_t	 i;

	for (i = 0; i < NREACH; i++)
		rc->type[i] = -1;
}

/*
 * extent(), remembered in rc (if not NULL) for the message s[0..len):
 * the rules tried on a line often begin alike, with the same capture
 * at the same place ("Received disconnect from %a" begins five).
 */
static size_t
reach(struct reaches *rc, int type, const char *s, size_t pos, size_t len)
{
	size_t	 h;

	if (rc == NULL || type == CAP_USER || type == CAP_ANY ||
	    type == CAP_OWN)
		return extent(type, s, pos, len);
	h = (pos + type) & (NREACH - 1);
	if (rc->type[h] != type || rc->pos[h] != pos) {
		rc->type[h] = type;
		rc->pos[h] = pos;
		rc->max[h] = extent(type, s, pos, len);
	}
	return rc->max[h];
}

/*
 * Can byte c be in the text of a capture of this type past its first
 * byte?  As extent() has it, or more (1 for any byte above 127).
 */
static int
canhold(int type, int c)
{
	if (c > 127)
		return 1;
	switch (type) {
	case CAP_USER:
	case CAP_ANY:
	case CAP_OWN:
		return 1;
	case CAP_ADDR:		/* and the zone after a % */
		return (cclass[c] & (C_ADDR | C_ZONE)) || c == '%';
	case CAP_UADDR:
		return (cclass[c] & C_ADDR) || c == '_';
	case CAP_COUNT:
	case CAP_LCOUNT:
	case CAP_PASSED:
	case CAP_NUM:
		return cclass[c] & C_NUM;
	case CAP_SVC:
		return cclass[c] & C_SVC;
	case CAP_B64:
		return cclass[c] & C_B64;
	default:
		return !(cclass[c] & C_BLANK);
	}
}

/*
 * How many of r's first tokens every parse reads the same way: literals,
 * and captures of bounded reach that end where that reach does, as they
 * end the template, come before a capture (mt() takes them whole) or
 * before a literal whose first byte they cannot hold.  mt() would try
 * one split of each; walk() does without the recursion.
 */
static size_t
fixed(const struct rule *r)
{
	const struct ptok	*t;
	size_t			 i;

	for (i = 0; i < r->ntoks; i++) {
		t = &r->toks[i];
		if (t->type == TOK_LIT)
			continue;
		if (t->type == CAP_USER || t->type == CAP_ANY ||
		    t->type == CAP_OWN)
			break;
		if (i + 1 < r->ntoks && t[1].type == TOK_LIT &&
		    canhold(t->type, (unsigned char)t[1].lit[0]))
			break;
	}
	return i;
}

/*
 * Read the first r->nfixed tokens of r at the start of s[0..len), their
 * captures into m: where the rest begins, or -1 if no parse can.  With
 * ends, the first literal is known to be there (rule_ends()).
 */
static ssize_t
walk(const struct rule *r, const char *s, size_t len, struct match *m,
    int ends, struct reaches *rc)
{
	const struct ptok	*t = r->toks, *end = r->toks + r->nfixed;
	size_t			 pos = 0, max;

	if (ends && t->type == TOK_LIT)
		pos = t++->len;
	for (; t < end; t++) {
		if (t->type == TOK_LIT) {
			if (len - pos < t->len || s[pos] != t->lit[0] ||
			    memcmp(s + pos, t->lit, t->len) != 0)
				return -1;
			pos += t->len;
			continue;
		}
		max = reach(rc, t->type, s, pos, len);
		if (max == 0 || (t + 1 == r->toks + r->ntoks &&
		    pos + max != len))
			return -1;
		m->cap[capslot(t->type)].p = s + pos;
		m->cap[capslot(t->type)].len = max;
		m->have[capslot(t->type)] = 1;
		pos += max;
	}
	return pos;
}

#ifndef __SSE2__
/* How many bytes c are in s[0..len)?  Few, mostly: memchr's steps. */
static int
bytecount(const char *s, size_t len, int c)
{
	const char	*q;
	int		 n = 0;

	while (len > 0 && (q = memchr(s, c, len)) != NULL) {
		n++;
		len -= q + 1 - s;
		s = q + 1;
	}
	return n;
}
#endif

/* Does s[0..len), less a "." or ":" that ends a sentence, hold an address? */
static int
isaddr(const char *s, size_t len)
{
	char	 buf[TRAP_ADDRLEN];

	if (trap_addr_canon(s, len, buf, sizeof(buf)) == 0)
		return 1;	/* "::" and "2001:db8::" end in colons */
	while (len > 0 && (s[len - 1] == '.' || s[len - 1] == ':'))
		len--;
	while (len > 0 && s[0] == '.')
		s++, len--;
	return trap_addr_canon(s, len, buf, sizeof(buf)) == 0;
}

/*
 * Find lit[0..litlen) (litlen > 0) in s[0..len): memchr for its byte at
 * key, the rarest in log text, and a compare.  Messages are short, and
 * glibc's memmem spends more on its set-up than on looking; a blank or
 * a common letter would stop memchr at every word.
 */
static const char *
findlit(const char *s, size_t len, const char *lit, size_t litlen,
    size_t key)
{
	const char	*p, *last, *q;

	if (len < litlen)
		return NULL;
	p = s + key;
	last = s + len - litlen + key;	/* where lit[key] can be, at most */
	while (p <= last && (q = memchr(p, lit[key], last - p + 1)) != NULL) {
		if (q[litlen - 1 - key] == lit[litlen - 1] &&
		    memcmp(q - key, lit, litlen) == 0)
			return q - key;
		p = q + 1;
	}
	return NULL;
}

/* How rare is byte c in log text: a blank least, punctuation most. */
static int
rarity(int c)
{
	if (c == ' ')
		return 0;
	/* The commonest letters of English, "etaoinsrhlcdu", as bits. */
	if (c >= 'a' && c <= 'z')
		return (0x1e699dU >> (c - 'a')) & 1 ? 1 : 2;
	if ((c >= '0' && c <= '9') || c == '.' || c == ':')
		return 2;
	if (c >= 'A' && c <= 'Z')
		return 3;
	return 4;
}

/* The position of the rarest byte of lit[0..len), the first of them. */
static size_t
litkey(const char *lit, size_t len)
{
	size_t	 i, k = 0;

	for (i = 1; i < len; i++)
		if (rarity((unsigned char)lit[i]) >
		    rarity((unsigned char)lit[k]))
			k = i;
	return k;
}

#ifndef __SSE2__
/* How many colons in s[0..len) are followed by a digit or a colon? */
static int
addrcolons(const char *s, size_t len)
{
	const char	*q, *end = s + len;
	int		 n = 0;

	while (s < end && (q = memchr(s, ':', end - s)) != NULL) {
		if (q + 1 < end && (isxdigit((unsigned char)q[1]) ||
		    q[1] == ':'))
			n++;
		s = q + 1;
	}
	return n;
}
#endif

#ifdef __SSE2__
/* addrmarks() on the 16 bytes at s[at], those of lanes keep only. */
static inline void
addrchunk(const char *s, size_t len, size_t at, unsigned int keep,
    int *dots, int *colons)
{
	__m128i		 v;
	unsigned int	 md, mc;
	size_t		 j;

	v = _mm_loadu_si128((const __m128i *)(s + at));
	md = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.'))) & keep;
	mc = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(':'))) & keep;
	for (; md != 0; md &= md - 1)
		(*dots)++;
	for (; mc != 0; mc &= mc - 1) {
		j = at + __builtin_ctz(mc) + 1;
		if (j < len && (cxdigit((unsigned char)s[j]) || s[j] == ':'))
			(*colons)++;
	}
}

/*
 * The dots in s[0..len), and the colons followed by a digit or a colon
 * (as addrcolons() counts them), 16 bytes a step: asked of every line
 * a rule reads, it cost more in memchr's calls than the matching did.
 */
static void
addrmarks(const char *s, size_t len, int *dots, int *colons)
{
	size_t	 i;

	*dots = *colons = 0;
	for (i = 0; len - i >= 16; i += 16)
		addrchunk(s, len, i, 0xffff, dots, colons);
	if (i < len && len >= 16) {
		/* The last 16 bytes, less those already looked at. */
		addrchunk(s, len, len - 16, 0xffffU << (i - (len - 16)) &
		    0xffff, dots, colons);
		i = len;
	}
	for (; i < len; i++)
		if (s[i] == '.')
			(*dots)++;
		else if (s[i] == ':' && i + 1 < len &&
		    (cxdigit((unsigned char)s[i + 1]) || s[i + 1] == ':'))
			(*colons)++;
}
#else
static void
addrmarks(const char *s, size_t len, int *dots, int *colons)
{
	*dots = bytecount(s, len, '.');
	*colons = addrcolons(s, len);
}
#endif

/* Can byte c be part of an address: a hexadecimal digit, "." or ":"? */
static inline int
addrbyte(int c)
{
	return (unsigned char)(c - '0') < 10 ||
	    (unsigned char)((c | 0x20) - 'a') < 6 || c == '.' || c == ':';
}

/*
 * How many addresses does s[0..len) hold, as runs of hexadecimal digits,
 * dots and colons that parse as one (1: one at the most, 2: two or
 * more)?  A line with only the one read can be read no other way with
 * another address.
 */
int
trap_addr_count(const char *s, size_t len)
{
	const char	*p = s, *end = s + len, *run;
	int		 dots, colons, n = 0;

	/*
	 * Most lines have too few dots and colons for two addresses: then
	 * 1 stands for "one at the most", which is all the callers ask.
	 */
	addrmarks(s, len, &dots, &colons);
	if (dots < 3 && colons < 2)
		return 0;
	if (dots < 6 && colons < 2)
		return 1;
	/* From each dot or colon, the run around it. */
	while (p < end) {
		while (p < end && *p != '.' && *p != ':')
			p++;
		if (p == end)
			break;
		for (run = p; run > s && addrbyte(run[-1]) &&
		    run[-1] != '.' && run[-1] != ':'; run--)
			continue;
		for (dots = colons = 0; p < end && addrbyte(*p); p++) {
			dots += *p == '.';
			colons += *p == ':';
		}
		if ((dots >= 3 || colons >= 2) && isaddr(run, p - run) &&
		    ++n == 2)
			break;
	}
	return n;
}

static int	 mt(struct mctx *, size_t, size_t);

static int
samecap(const struct match *a, const struct match *b, int type)
{
	if (a->have[type] != b->have[type])
		return 0;
	return !a->have[type] || (a->cap[type].len == b->cap[type].len &&
	    memcmp(a->cap[type].p, b->cap[type].p, a->cap[type].len) == 0);
}

/*
 * A whole parse of the line.  The first is kept; the search goes on for
 * another whose daemon-written captures differ, which would make the
 * line ambiguous (1: stop searching).
 */
static int
whole(struct mctx *c)
{
	size_t	 i;

	/* Text that is not an address is no reading of %a. */
	c->m->addrok = c->m->have[CAP_ADDR] &&
	    addrof(c->m, c->uaddr) == 0;
	if (c->m->have[CAP_ADDR] && !c->m->addrok) {
		if (!c->havebad) {
			c->bad = *c->m;
			c->havebad = 1;
		}
		return 0;
	}
	if (c->found == 0) {
		*c->first = *c->m;
		c->found = 1;
		/* With no other address in the line, no reading differs. */
		if (c->first->naddrs < 0)
			c->first->naddrs = trap_addr_count(c->s, c->len);
		return c->first->naddrs <= (c->m->have[CAP_ADDR] ||
		    c->m->have[CAP_RHOST]);
	}
	for (i = 0; i < sizeof(daemoncaps) / sizeof(daemoncaps[0]); i++)
		if (!samecap(c->first, c->m, daemoncaps[i])) {
			c->found = 2;
			return 1;
		}
	return 0;
}

/* Can token ti start at pos?  A quick test for the literal case. */
static int
canstart(struct mctx *c, size_t ti, size_t pos)
{
	const struct ptok	*t;

	if (ti == c->ntoks)
		return pos == c->len;
	t = &c->toks[ti];
	if (t->type != TOK_LIT)
		return 1;
	return c->len - pos >= t->len && c->s[pos] == t->lit[0] &&
	    memcmp(c->s + pos, t->lit, t->len) == 0;
}

/*
 * Does s[pos..end), the capture of token ti, hold a literal of the
 * template of four bytes or more, or finish one that the literal before
 * it begins (" %." holding "rhost=" finishes " rhost=")?  Text the
 * daemon writes (%.) never does: where it would, the literal is client
 * text copying the daemon's, and that reading is not taken.
 */
static int
holdslit(const struct mctx *c, size_t ti, size_t pos, size_t end)
{
	const struct ptok	*t;
	size_t			 i, from, before;

	before = ti > 0 && c->toks[ti - 1].type == TOK_LIT ?
	    c->toks[ti - 1].len : 0;
	for (i = 0; i < c->ntoks; i++) {
		t = &c->toks[i];
		if (t->type != TOK_LIT || t->len < 4)
			continue;
		/* From there, a literal found takes a byte of the capture. */
		from = pos - (before < t->len - 1 ? before : t->len - 1);
		if (end - from >= t->len && findlit(c->s + from, end - from,
		    t->lit, t->len, t->key) != NULL)
			return 1;
	}
	return 0;
}

#define NOPOS	((size_t)-1)

/*
 * The last place in [lo, hi] where literal t begins in s[0..len); NOPOS
 * if none.  memrchr for its rarest byte: a greedy capture (%u takes the
 * rest of the line) would otherwise step back a byte at a time.
 */
static size_t
lastlit(const char *s, size_t lo, size_t hi, size_t len,
    const struct ptok *t)
{
	const char	*q;

	if (len < t->len)
		return NOPOS;
	if (hi > len - t->len)
		hi = len - t->len;
	while (hi + 1 > lo) {
		if ((q = memrchr(s + lo + t->key, t->lit[t->key],
		    hi - lo + 1)) == NULL)
			return NOPOS;
		hi = q - s - t->key;
		if (s[hi + t->len - 1] == t->lit[t->len - 1] &&
		    memcmp(s + hi, t->lit, t->len) == 0)
			return hi;
		if (hi-- == lo)
			break;
	}
	return NOPOS;
}

/*
 * Where r's longest literal last begins in s[0..len): every message r
 * reads holds it, so none that begins after that place is r's.  len if r
 * has no literal (a message may begin anywhere), -1 if s does not hold
 * it.
 */
ssize_t
rule_lastanchor(const struct rule *r, const char *s, size_t len)
{
	size_t	 pos;

	if (r->anchorlen == 0)
		return len;
	if (len < r->anchorlen)
		return -1;
	pos = lastlit(s, 0, len - r->anchorlen, len, &r->toks[r->anchorti]);
	return pos == NOPOS ? -1 : (ssize_t)pos;
}

static int
trycap(struct mctx *c, size_t ti, size_t pos, size_t end)
{
	int	 type = capslot(c->toks[ti].type);

	if (!canstart(c, ti + 1, end))
		return 0;
	c->m->cap[type].p = c->s + pos;
	c->m->cap[type].len = end - pos;
	c->m->have[type] = 1;
	return mt(c, ti + 1, end);
}

/*
 * How much of p[0..max) a %u of a template with %A may hold: vpopmail's
 * parse_email() refuses a user or domain with a ":" or a blank, so the
 * address begins after the first ":" after the user (an IPv6 address
 * that vpopmail writes with its colons must not lend the user its
 * first groups).
 */
static size_t
vpopuser(const char *p, size_t max)
{
	size_t	 i;

	for (i = 0; i < max && p[i] != ':' && p[i] != ' '; i++)
		continue;
	return i;
}

static int
mt(struct mctx *c, size_t ti, size_t pos)
{
	const struct ptok	*t;
	struct trap_str		*u;
	const char		*q;
	size_t			 max, end, min;
	int			 type, next;

	if (--c->budget < 0)
		return 1;		/* stop: undecided */
	if (ti == c->ntoks)
		return pos == c->len && whole(c);
	t = &c->toks[ti];
	type = t->type;
	if (type == TOK_LIT) {
		if (c->len - pos < t->len || memcmp(c->s + pos, t->lit, t->len))
			return 0;
		return mt(c, ti + 1, pos + t->len);
	}
	if (type == CAP_USER && c->m->have[CAP_USER]) {
		/* A second %u must repeat the first. */
		u = &c->m->cap[CAP_USER];
		if (c->len - pos < u->len || memcmp(c->s + pos, u->p, u->len))
			return 0;
		return mt(c, ti + 1, pos + u->len);
	}
	max = reach(c->reach, type, c->s, pos, c->len);
	if (type == CAP_USER && c->uaddr)
		max = vpopuser(c->s + pos, max);
	min = type == CAP_USER || type == CAP_ANY || type == CAP_OWN ? 0 : 1;
	if (max < min)
		return 0;
	/* Before %* or %. a word, address or number is taken whole. */
	if (min == 1 && ti + 1 < c->ntoks && t[1].type != TOK_LIT)
		min = max;
	/* Only where the next literal's first byte is can the capture end. */
	next = ti + 1 < c->ntoks && t[1].type == TOK_LIT ?
	    (unsigned char)t[1].lit[0] : -1;
	if (type == CAP_ANY || type == CAP_OWN) {
		/* Shortest first; at the template's end, the rest. */
		end = ti + 1 == c->ntoks ? pos + max : pos;
		for (; end <= pos + max; end++) {
			if (next != -1) {
				if (end >= c->len || (q = memchr(c->s + end,
				    next, c->len - end)) == NULL)
					break;
				end = q - c->s;
				if (end > pos + max)
					break;
			}
			/* Checked where the capture ends, after the jump. */
			if (type == CAP_OWN && holdslit(c, ti, pos, end))
				break;	/* and so would any longer */
			if (trycap(c, ti, pos, end))
				return 1;
		}
	} else if (next != -1) {
		/* Longest first: where the next literal is, from the right. */
		for (end = pos + max; (end = lastlit(c->s, pos + min, end,
		    c->len, &t[1])) != NOPOS; end--) {
			if (trycap(c, ti, pos, end))
				return 1;
			if (end == pos + min)
				break;
		}
	} else {
		for (end = pos + max; end + 1 > pos + min; end--)
			if (trycap(c, ti, pos, end))
				return 1;
	}
	c->m->have[capslot(type)] = 0;
	return 0;
}

/*
 * Do the template's literals between its ends come in the message, in
 * their order and apart?  Every parse needs them so; a rule that fails
 * here would have cost a search through its captures' splits.
 */
static int
inorder(const struct rule *r, const char *s, size_t len, size_t from)
{
	const struct ptok	*t = r->toks, *end = r->toks + r->ntoks;
	const char		*q;
	size_t			 pos = 0;

	if (r->ntoks < 3)
		return 1;
	if (t->type == TOK_LIT)
		pos = t++->len;
	if (end[-1].type == TOK_LIT)
		len -= (--end)->len;
	/* Those walk() has seen where they must be, from where it left. */
	if (r->toks + r->nfixed >= end)
		return 1;
	if (r->toks + r->nfixed > t) {
		t = r->toks + r->nfixed;
		pos = from;
	}
	for (; t < end; t++) {
		if (t->type != TOK_LIT)
			continue;
		if (pos > len || len - pos < t->len ||
		    (q = findlit(s + pos, len - pos, t->lit, t->len,
		    t->key)) == NULL)
			return 0;
		pos = q - s + t->len;
	}
	return pos <= len;
}

/*
 * Can the message match at all?  Most lines of a log are not failures,
 * so this must be cheap: the template's last literal at the end, its
 * first literal at the start, the longest literal anywhere, and after a
 * leading word-like capture, the next literal within its reach.
 */
static int
possible(const struct rule *r, const char *s, size_t len, size_t from,
    int ends)
{
	const struct ptok	*t = r->toks;
	size_t			 w;

	/*
	 * Each test is skipped where it is known to pass: the ends as
	 * rule_ends() found them, what walk() found where it must be.
	 */
	if (!ends && !rule_ends(r, s, len))
		return 0;
	/* The longest literal between the ends, before any window. */
	if (r->innerlen > 0 && r->innerti >= r->nfixed &&
	    (r->innerlen > len ||
	    findlit(s, len, r->inner, r->innerlen, r->innerkey) == NULL))
		return 0;
	if (r->nfixed < 2 &&
	    t->type != TOK_LIT && r->ntoks > 1 && t[1].type == TOK_LIT &&
	    t->type != CAP_USER && t->type != CAP_ANY &&
	    t->type != CAP_OWN && t->type != CAP_B64) {
		w = extent(t->type, s, 0, len);
		/*
		 * A literal that begins with a byte the capture cannot hold
		 * can only begin where the capture's reach ends.
		 */
		if (extent(t->type, t[1].lit, 0, 1) == 0) {
			if (len - w < t[1].len ||
			    memcmp(s + w, t[1].lit, t[1].len) != 0)
				return 0;
		} else if (findlit(s, w + t[1].len < len ? w + t[1].len : len,
		    t[1].lit, t[1].len, t[1].key) == NULL)
			return 0;
	}
	return inorder(r, s, len, from);
}

/*
 * Match the whole message s[0..len) against rule r, filling m with the
 * first parse (greedy captures take the longest text first).  Every
 * other parse is looked at too: if one reads another address, host name,
 * key, count or service, or the step budget runs out before all are
 * seen, m->ambiguous is set and those captures are not to be trusted.
 */
int
rule_match(const struct rule *r, const char *s, size_t len, struct match *m)
{
	return rule_match_naddrs(r, s, len, -1, m);
}

static int	 matchrule(const struct rule *, const char *, size_t, int,
		    struct match *, int, struct reaches *);

/* The same, told how many addresses the message holds (-1: unknown). */
int
rule_match_naddrs(const struct rule *r, const char *s, size_t len,
    int naddrs, struct match *m)
{
	return matchrule(r, s, len, naddrs, m, 0, NULL);
}

/*
 * The same, for a message whose ends rule_ends() has found r's, with
 * the reaches of rc found for it (reaches_init() before the first rule).
 */
int
rule_match_ends(const struct rule *r, const char *s, size_t len,
    int naddrs, struct match *m, struct reaches *rc)
{
	return matchrule(r, s, len, naddrs, m, 1, rc);
}

static int
matchrule(const struct rule *r, const char *s, size_t len, int naddrs,
    struct match *m, int ends, struct reaches *rc)
{
	struct mctx	 c;
	struct match	 work;
	ssize_t		 pos;

	memset(work.have, 0, sizeof(work.have));
	if ((pos = walk(r, s, len, &work, ends, rc)) == -1 ||
	    !possible(r, s, len, pos, ends))
		return 0;
	c.toks = r->toks;
	c.ntoks = r->ntoks;
	c.s = s;
	c.len = len;
	c.budget = BUDGET - r->nfixed;	/* a step a token walked */
	c.m = &work;
	c.first = m;
	c.found = 0;
	c.havebad = 0;
	c.reach = rc;
	c.uaddr = r->uaddr;
	work.naddrs = naddrs;
	if (mt(&c, r->nfixed, pos) && c.found == 0)
		return 0;	/* out of steps before any parse */
	if (c.found == 0 && c.havebad) {
		*m = c.bad;	/* for the caller to say so */
		m->ambiguous = m->shadowed = 0;
		return 1;
	}
	if (c.found == 0)
		return 0;
	m->ambiguous = c.found == 2 || c.budget < 0;
	m->shadowed = 0;
	return 1;
}

size_t
ruleset_count(const struct ruleset *rs)
{
	return rs->nrules;
}

const struct rule *
ruleset_rule(const struct ruleset *rs, size_t i)
{
	return &rs->rules[i];
}

/* Rule i, to be changed (its inuse). */
struct rule *
ruleset_at(struct ruleset *rs, size_t i)
{
	return &rs->rules[i];
}

void
ruleset_free(struct ruleset *rs)
{
	size_t	 i;

	if (rs == NULL)
		return;
	cache_clear(rs);
	for (i = 0; i < rs->nrules; i++)
		rule_free(&rs->rules[i]);
	free(rs->rules);
	free(rs->all);
	free(rs->scratch);
	free(rs);
}
