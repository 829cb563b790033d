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
 * Trap lists: the spamtrap addresses a site publishes, read from spamdb(8)
 * listings, plain lists and HTML pages alike (the format is recognised
 * per line), normalised as spamd(8) does, and looked up by whole address
 * and by local part.
 */

#include "compat.h"

#include <sys/types.h>

#include <ctype.h>
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"

#define ADDRMAX		254	/* RFC 5321 path limit */
#define MAXWARN		5	/* malformed entries reported per file */

/*
 * An address read and waiting to be added, its table slots asked for:
 * they are added a batch at a time, so that a large list does not wait
 * for each slot in turn.
 */
#define LOADBATCH	16
struct pending {
	char		 a[ADDRMAX + 1];
	size_t		 len, at;		/* at: of the "@" */
	uint64_t	 sum, localsum;
};

struct trap_list {
	struct pending		 pending[LOADBATCH];
	size_t			 npending;
	struct trap_hash	*addrs;		/* address -> index */
	struct trap_hash	*locals;	/* local part -> first index */
	struct trap_hash	*domains;	/* in scope; NULL: all */
	char			**order;	/* addresses in list order */
	size_t			 n, cap;
	size_t			 skipped;	/* out of scope */
	size_t			 entries;	/* addresses read, all */
};

struct trap_list *
trap_list_new(void)
{
	struct trap_list	*l;

	l = xcalloc(1, sizeof(*l));
	l->addrs = trap_hash_new(sizeof(uint32_t));
	l->locals = trap_hash_new(sizeof(uint32_t));
	return l;
}

/* Lower-case ASCII in place (names and addresses: case does not count). */
__nocov void
trap_lower(char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] += 'a' - 'A';
}

static int
domainchar(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_';
}

static int
localchar(int c)
{
	return c > 0x20 && c < 0x7f && c != '@' && c != '<' && c != '>' &&
	    c != '"' && c != '(' && c != ')' && c != ',' && c != ';' &&
	    c != ':' && c != '[' && c != ']' && c != '\\';
}

/*
 * How many of the first bytes of p[0..len) can be in a local part (if
 * local), or else in a domain?
 */
static __nocov size_t
span(const char *p, size_t len, int local)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (!(local ? localchar((unsigned char)p[i]) :
		    domainchar((unsigned char)p[i])))
			break;
	return i;
}

/*
 * Where the local part before buf[i] (an "@") begins: back over the
 * bytes a local part can hold, but no "/" or "=" (a link's path or
 * query), and not at a quote.
 */
static __nocov size_t
localstart(const char *buf, size_t i)
{
	size_t	 s;

	for (s = i; s > 0 && localchar((unsigned char)buf[s - 1]) &&
	    buf[s - 1] != '/' && buf[s - 1] != '='; s--)
		continue;
	while (s < i && buf[s] == '\'')	/* 'x@y', not o'brien */
		s++;
	return s;
}

/* Restrict the list to these domains (may be called more than once). */
void
trap_list_domain(struct trap_list *l, const char *d, size_t len)
{
	char	 buf[ADDRMAX + 1];

	if (l->domains == NULL)		/* scoped now, even if to nothing */
		l->domains = trap_hash_new(0);
	while (len > 0 && isspace((unsigned char)*d)) {
		d++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)d[len - 1]))
		len--;
	if (len == 0 || len > ADDRMAX)
		return;
	memcpy(buf, d, len);
	trap_lower(buf, len);
	trap_hash_put(l->domains, buf, len, NULL);
}

/* -d: restrict to a comma-separated list of domains. */
static void
domainlist(struct trap_list *l, const char *list)
{
	const char	*p, *comma;

	trap_list_domain(l, "", 0);	/* scoped, even if to nothing */
	for (p = list; *p != '\0'; p = comma + (*comma != '\0')) {
		if ((comma = strchr(p, ',')) == NULL)
			comma = p + strlen(p);
		trap_list_domain(l, p, comma - p);
	}
}

/*
 * -D: restrict to the domains of a file, one a line, # comments.
 * Return -1 if it cannot be read (reported), else 0.
 */
static int
domainfile(struct trap_list *l, const char *path)
{
	struct trap_file	*f;
	const char		*line;
	size_t			 len;
	int			 rc;

	if ((f = trap_file_open(path)) == NULL) {
		trap_warn("%s", path);
		return -1;
	}
	trap_list_domain(l, "", 0);
	while (trap_file_getline(f, &line, &len))
		if (len > 0 && *line != '#')
			trap_list_domain(l, line, len);
	rc = trap_file_error(f) ? -1 : 0;
	trap_file_close(f);
	return rc;
}

int
trap_list_scoped(const struct trap_list *l)
{
	return l->domains != NULL;
}

/*
 * -d list or -D file (give one at most): the domains the trap lists
 * are to be read for.  Return 0, or -1 (reported) if the file cannot be
 * read or either names no domain: restricting to nothing is never meant.
 */
int
trap_list_scope(struct trap_list *l, const char *list, const char *file)
{
	if (list != NULL)
		domainlist(l, list);
	if (file != NULL && domainfile(l, file) == -1)
		return -1;
	if (l->domains != NULL && trap_hash_count(l->domains) == 0) {
		trap_warnx("no domain in %s", file != NULL ? file : "-d");
		return -1;
	}
	return 0;
}

int
trap_list_inscope(struct trap_list *l, const char *domain, size_t len)
{
	return l->domains == NULL ||
	    trap_hash_get(l->domains, domain, len) != NULL;
}

/*
 * Normalise an address as spamd does (one leading '<' and trailing '>'
 * stripped, lower case) into buf and check it: 0 if good, -1 if not.
 */
static int
normalise(const char *p, size_t len, char *buf, size_t *outlen)
{
	const char	*at;

	if (len > 0 && p[0] == '<') {
		p++;
		len--;
	}
	if (len > 0 && p[len - 1] == '>')
		len--;
	if (len == 0 || len > ADDRMAX)
		return -1;
	if ((at = memchr(p, '@', len)) == NULL || at == p ||
	    at == p + len - 1 || memchr(at + 1, '@', p + len - at - 1))
		return -1;
	if (span(p, at - p, 1) != (size_t)(at - p) ||
	    span(at + 1, p + len - at - 1, 0) != (size_t)(p + len - at - 1))
		return -1;
	if (memchr(at + 1, '.', p + len - at - 1) == NULL)
		return -1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	trap_lower(buf, len);
	*outlen = len;
	return 0;
}

/* The addresses waiting, into the tables in the order they were read. */
static void
flush(struct trap_list *l)
{
	struct pending	*p;
	uint32_t	*v;
	size_t		 i;
	int		 isnew;

	for (i = 0; i < l->npending; i++) {
		p = &l->pending[i];
		v = trap_hash_ptr(l->addrs, trap_hash_add(l->addrs, p->a,
		    p->len, p->sum, &isnew));
		if (!isnew)
			continue;
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 64;
			l->order = xreallocarray(l->order, l->cap,
			    sizeof(*l->order));
		}
		*v = l->n;
		l->order[l->n++] = (char *)trap_hash_key(l->addrs, v, NULL);
		v = trap_hash_ptr(l->locals, trap_hash_add(l->locals, p->a,
		    p->at, p->localsum, &isnew));
		if (isnew)
			*v = l->n - 1;
	}
	l->npending = 0;
}

static void
add(struct trap_list *l, const char *a, size_t len)
{
	const char	*at = memchr(a, '@', len);
	struct pending	*p;

	l->entries++;
	if (!trap_list_inscope(l, at + 1, a + len - at - 1)) {
		l->skipped++;
		return;
	}
	p = &l->pending[l->npending++];
	memcpy(p->a, a, len);
	p->len = len;
	p->at = at - a;
	p->sum = trap_hash_sum(a, len);
	p->localsum = trap_hash_sum(a, p->at);
	TRAP_PREFETCH(trap_hash_home(l->addrs, p->sum));
	TRAP_PREFETCH(trap_hash_home(l->locals, p->localsum));
	if (l->npending == LOADBATCH)
		flush(l);
}

/* Decode the HTML entities of a line into buf (&#64; &#x40; &amp; ...). */
static size_t
entities(const char *p, size_t len, char *buf)
{
	static const struct { const char *name; char c; } named[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
		{ "commat", '@' }, { "period", '.' }, { "apos", '\'' },
		{ "lowbar", '_' }, { "hyphen", '-' }, { "dash", '-' },
		{ "nbsp", ' ' }
	};
	const char	*semi, *amp;
	size_t		 i, n = 0, k, nlen;
	long		 c;
	char		*end;

	for (i = 0; i < len; i++) {
		/* The text before the next "&", as it is. */
		if ((amp = memchr(p + i, '&', len - i)) == NULL)
			amp = p + len;
		memcpy(buf + n, p + i, amp - (p + i));
		n += amp - (p + i);
		if ((i = amp - p) == len)
			break;
		if ((semi = memchr(p + i, ';', len - i)) == NULL ||
		    semi - (p + i) > 10) {
			buf[n++] = p[i];
			continue;
		}
		nlen = semi - (p + i) - 1;
		c = -1;
		if (nlen > 1 && p[i + 1] == '#') {
			if (p[i + 2] == 'x' || p[i + 2] == 'X')
				c = strtol(p + i + 3, &end, 16);
			else
				c = strtol(p + i + 2, &end, 10);
			if (end != semi || c <= 0 || c > 0x7e)
				c = -1;
		} else
			for (k = 0; k < sizeof(named) / sizeof(named[0]); k++)
				if (strlen(named[k].name) == nlen &&
				    memcmp(named[k].name, p + i + 1, nlen) == 0)
					c = named[k].c;
		if (c == -1) {
			buf[n++] = p[i];
			continue;
		}
		buf[n++] = c;
		i = semi - p;
	}
	return n;
}

/* Every address in a line of HTML (text and mailto: links). */
static void
scan(struct trap_list *l, const char *line, size_t len)
{
	char		 buf[TRAP_LINEMAX], a[ADDRMAX + 1];
	const char	*q;
	size_t		 n, i, s, e, alen;

	n = entities(line, len, buf);
	for (i = 0; i < n; i++) {
		if ((q = memchr(buf + i, '@', n - i)) == NULL)
			break;
		i = q - buf;
		s = localstart(buf, i);
		e = i + 1 + span(buf + i + 1, n - i - 1, 0);
		while (e > i + 1 && buf[e - 1] == '.')
			e--;
		if (normalise(buf + s, e - s, a, &alen) == 0)
			add(l, a, alen);
		i = e > i ? e - 1 : i;
	}
}

static int
prefix(const char *p, size_t len, const char *pfx)
{
	size_t	 n = strlen(pfx);

	return len >= n && memcmp(p, pfx, n) == 0;
}

/*
 * Read a trap list: a spamdb(8) listing, a plain list or an HTML page,
 * recognised line by line.  Malformed entries are reported (the first
 * few, then a count) and skipped.  Return -1 if the file could not be
 * read, else 0.
 */
int
trap_list_load(struct trap_list *l, const char *path)
{
	struct trap_file	*f;
	const char		*line, *p, *end;
	char			 a[ADDRMAX + 1];
	size_t			 len, alen, bad = 0, entries = l->entries;
	int			 html = 0, rc;

	if ((f = trap_file_open(path)) == NULL) {
		trap_warn("%s", path);
		return -1;
	}
	while (trap_file_getline(f, &line, &len)) {
		p = line;
		end = line + len;
		while (p < end && isspace((unsigned char)*p))
			p++;
		while (end > p && isspace((unsigned char)end[-1]))
			end--;
		if (p == end || *p == '#')
			continue;
		if (prefix(p, end - p, "SPAMTRAP|")) {
			p += 9;
			if (memchr(p, '|', end - p) == NULL &&
			    normalise(p, end - p, a, &alen) == 0) {
				add(l, a, alen);
				continue;
			}
		} else if (prefix(p, end - p, "WHITE|") ||
		    prefix(p, end - p, "GREY|") ||
		    prefix(p, end - p, "TRAPPED|"))
			continue;
		else if (memchr(p, '<', end - p) != NULL &&
		    memchr(p, ' ', end - p) == NULL &&
		    normalise(p, end - p, a, &alen) == 0) {
			add(l, a, alen);	/* <addr>, as spamd takes it */
			continue;
		} else if (html || memchr(p, '<', end - p) != NULL ||
		    memchr(p, '&', end - p) != NULL) {
			html = 1;
			scan(l, p, end - p);
			continue;
		} else if (normalise(p, end - p, a, &alen) == 0) {
			add(l, a, alen);
			continue;
		}
		if (bad++ < MAXWARN)
			trap_warnx("%s:%llu: not a trap address, skipped",
			    trap_file_name(f), trap_file_lineno(f));
	}
	if (bad > MAXWARN)
		trap_warnx("%s: %zu more entries skipped", trap_file_name(f),
		    bad - MAXWARN);
	flush(l);
	rc = trap_file_error(f) ? -1 : 0;
	/* spamdb failed, a page moved: matching goes on, but not unsaid. */
	if (rc == 0 && l->entries == entries)
		trap_warnx("%s: empty trap list", trap_file_name(f));
	trap_file_close(f);
	return rc;
}

/* The addresses read so far, in scope or not, repeated or not. */
size_t
trap_list_entries(const struct trap_list *l)
{
	return l->entries;
}

/*
 * The trap address a tried user name hits, or NULL: the name equals an
 * address of the list, or the local part of one, or is local@domain with
 * the domain in scope and the local part that of one.  Case does not
 * count.
 */
const char *
trap_list_match(struct trap_list *l, const char *user, size_t len)
{
	char		 buf[ADDRMAX + 1];
	const char	*at;
	uint32_t	*v;

	if (len == 0 || len > ADDRMAX)
		return NULL;
	memcpy(buf, user, len);
	trap_lower(buf, len);
	if ((at = memchr(buf, '@', len)) == NULL) {
		v = trap_hash_get(l->locals, buf, len);
		return v ? l->order[*v] : NULL;
	}
	if ((v = trap_hash_get(l->addrs, buf, len)) != NULL)
		return l->order[*v];
	if (!trap_list_inscope(l, at + 1, buf + len - at - 1))
		return NULL;
	v = trap_hash_get(l->locals, buf, at - buf);
	return v ? l->order[*v] : NULL;
}

/* The addresses in list order (first appearance), and how many. */
const char *const *
trap_list_addrs(const struct trap_list *l, size_t *n)
{
	*n = l->n;
	return (const char *const *)l->order;
}

/* Distinct local parts in scope: the names a campaign can try. */
size_t
trap_list_locals(const struct trap_list *l)
{
	return trap_hash_count(l->locals);
}

/* The position in list order of a local part, or -1. */
long
trap_list_position(struct trap_list *l, const char *local, size_t len)
{
	uint32_t	*v;

	if ((v = trap_hash_get(l->locals, local, len)) == NULL)
		return -1;
	return *v;
}

size_t
trap_list_outofscope(const struct trap_list *l)
{
	return l->skipped;
}

void
trap_list_free(struct trap_list *l)
{
	if (l == NULL)
		return;
	trap_hash_free(l->addrs);
	trap_hash_free(l->locals);
	trap_hash_free(l->domains);
	free(l->order);
	free(l);
}

/*
 * The options -t, -d and -D as every tool takes them: 1 if ch is one of
 * them, 0 if not.  Too many lists is an error (exit o->eval).
 */
int
trap_listopt(struct trap_listopt *o, int ch, const char *arg)
{
	switch (ch) {
	case 'D':
		o->dfile = arg;
		return 1;
	case 'd':
		o->dlist = arg;
		return 1;
	case 't':
		if (o->nlists == TRAP_MAXLISTS)
			errx(o->eval, "too many trap lists");
		if (strcmp(arg, "-") == 0)
			o->stdinlist = 1;
		o->lists[o->nlists++] = arg;
		return 1;
	default:
		return 0;
	}
}

/*
 * An option of a tool that reads records and trap lists, after its own:
 * -t, -d and -D, or -A, -S and -U of the input; any other is a usage
 * error.
 */
void
trap_listinput_opt(struct trap_listopt *o, struct trap_input *in, int ch,
    const char *arg, void (*usage)(void))
{
	if (!trap_listopt(o, ch, arg) && !trap_input_opt(in, ch, arg))
		usage();
}

/*
 * After the options: -d and -D are a usage error together, as are -A
 * (archive) and files, and -t - needs the records from elsewhere than
 * stdin (the archive, or argc named files that are not all stdin).
 */
void
trap_listopt_check(const struct trap_listopt *o, void (*usage)(void),
    int archive, int argc, char *argv[])
{
	if (o->dlist != NULL && o->dfile != NULL)
		trap_badusage(usage, "-d and -D are mutually exclusive");
	if (archive && argc > 0)
		trap_badusage(usage, "-A and files are mutually exclusive");
	if (o->stdinlist && !archive && (argc == 0 || (argc == 1 &&
	    strcmp(argv[0], "-") == 0)))
		errx(o->eval, "-t - reads the trap list from stdin: name the "
		    "record files");
}

/*
 * The trap list of the options: the scope of -d or -D (with domain also
 * in it, if it is scoped and also is not NULL), then the lists in turn.
 * NULL on an error, reported.
 */
struct trap_list *
trap_list_open(const struct trap_listopt *o, const char *also)
{
	struct trap_list	*l;
	int			 i;

	l = trap_list_new();
	if (trap_list_scope(l, o->dlist, o->dfile) == -1)
		goto fail;
	if (also != NULL && trap_list_scoped(l))
		trap_list_domain(l, also, strlen(also));
	for (i = 0; i < o->nlists; i++)
		if (trap_list_load(l, o->lists[i]) == -1)
			goto fail;
	return l;
fail:
	trap_list_free(l);
	return NULL;
}
