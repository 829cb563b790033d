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

/* pattern.h: the recogniser language, internal to libtrap. */

#ifndef PATTERN_H
#define PATTERN_H

enum cap {
	CAP_USER, CAP_B64, CAP_ADDR, CAP_HOST, CAP_RHOST, CAP_COUNT,
	CAP_KEY, CAP_SVC, CAP_NUM, CAP_WORD, CAP_ANY, CAP_OWN,
	CAP_UADDR,		/* %A: read as, and kept in, CAP_ADDR */
	CAP_LCOUNT,		/* %C: kept in CAP_COUNT, one attempt less */
	CAP_PASSED,		/* %s: attempts that passed, taken off */
	NCAPS,
	TOK_LIT = NCAPS
};

enum event { EV_ATTEMPT, EV_WEAK, EV_CONNECT, EV_NEXT, EV_CLOSE, EV_NONE };
enum join { JOIN_NONE, JOIN_PID, JOIN_KEY, JOIN_USER, JOIN_ADDR };

struct ptok {
	int		 type;		/* enum cap, or TOK_LIT */
	char		*lit;
	size_t		 len;
	size_t		 key;		/* its rarest byte, for findlit() */
};

#define NPROGENDS	4

struct rule {
	char		**progs;
	size_t		  nprogs;
	const char	 *daemon;	/* of a line without a tag: progs[0],
					   or "" if it is a pattern */
	short		  progends[NPROGENDS][2]; /* first, last byte of a
					   name of the first progs, -1: any */
	int		  sameprogs;	/* the rule before has the same */
	int		  service;	/* enum trap_service, -1: derived */
	int		  event;
	int		  kind;
	int		  join;
	int		  eachtry;	/* join "try": JOIN_PID, each line a try */
	int		  eachreq;	/* join "req": JOIN_PID, each line a
					   request, the first perhaps a probe */
	int		  account;	/* event "account?": the user's
					   account exists */
	struct ptok	 *toks;
	size_t		  ntoks;
	const char	 *anchor;	/* longest literal, for a fast reject */
	size_t		  anchorlen, anchorti;	/* and its token */
	const char	 *inner;	/* the longest between the ends */
	size_t		  innerlen, innerkey, innerti;
	int		  firstc, lastc; /* first, last byte if literal; or -1 */
	size_t		  nfixed;	/* tokens read one way only, first */
	int		  uaddr;	/* its address is a %A */
	int		  lcount;	/* its count is a %C */
	int		  inuse;	/* the extractor's options want it */
	size_t		 *shadows;	/* later rules of a program in
					   common, with %u and no address,
					   that may read its lines: their
					   indices (ruleset_rule()) */
	size_t		  nshadows;
	char		 *file;
	unsigned long	  line;
	unsigned long long hits;
};

struct match {
	struct trap_str	 cap[NCAPS];
	int		 have[NCAPS];
	int		 ambiguous;	/* two parses, two addresses */
	int		 shadowed;	/* a later rule reads no address */
	int		 naddrs;	/* addresses in the line; -1: not counted */
	int		 addrok;	/* %a is an address: */
	char		 addr[TRAP_ADDRLEN];	/* this one, canonical */
};

/*
 * Do the template's first and last literals stand at the ends of the
 * message s[0..len)?  The cheapest of the tests, inline where the rules
 * of a line are gone through.
 */
static inline int
rule_first(const struct rule *r, const char *s, size_t len)
{
	const struct ptok	*f = &r->toks[0];

	/* The last byte first: rules of a line's first word differ later. */
	return f->type != TOK_LIT || (f->len <= len &&
	    s[f->len - 1] == f->lit[f->len - 1] &&
	    memcmp(s, f->lit, f->len) == 0);
}

static inline int
rule_ends(const struct rule *r, const char *s, size_t len)
{
	const struct ptok	*l = &r->toks[r->ntoks - 1];

	if (!rule_first(r, s, len))
		return 0;
	return l->type != TOK_LIT || (l->len <= len &&
	    s[len - l->len] == l->lit[0] &&
	    memcmp(s + len - l->len, l->lit, l->len) == 0);
}

/*
 * The reaches of captures found in one message, for the rules tried on
 * it after (rule_match_ends): a few places, each of one capture type.
 */
#define NREACH	8

struct reaches {
	size_t		 pos[NREACH];
	size_t		 max[NREACH];
	int		 type[NREACH];	/* -1: none yet */
};

struct ruleset;

struct ruleset	*ruleset_new(void);
int		 ruleset_load(struct ruleset *, const char *, const char *);
const struct rule *const *ruleset_lookup(struct ruleset *, const char *,
		    size_t, size_t *);
int		 rule_match(const struct rule *, const char *, size_t,
		    struct match *);
const struct rule *const *ruleset_all(struct ruleset *, size_t *);
const struct rule *const *ruleset_all_first(struct ruleset *, int, size_t *);
const struct rule *const *ruleset_lookup_first(struct ruleset *,
		    const char *, size_t, int, size_t *);
int		 rule_match_naddrs(const struct rule *, const char *, size_t,
		    int, struct match *);
int		 rule_match_ends(const struct rule *, const char *, size_t,
		    int, struct match *, struct reaches *);
void		 reaches_init(struct reaches *);
int		 trap_addr_count(const char *, size_t);
ssize_t		 rule_lastanchor(const struct rule *, const char *, size_t);
int		 rule_progs_meet(const struct rule *, const struct rule *);
size_t		 ruleset_count(const struct ruleset *);
const struct rule *ruleset_rule(const struct ruleset *, size_t);
struct rule	*ruleset_at(struct ruleset *, size_t);
void		 ruleset_free(struct ruleset *);

#endif /* PATTERN_H */
