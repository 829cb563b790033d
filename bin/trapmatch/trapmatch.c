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
 * trapmatch: mark the trap(5) records whose user name is a spamtrap, or a
 * real account, and print them as grep(1) would; with -n, propose the
 * names tried that are neither as new spamtraps.
 */

#include "compat.h"

#include <sys/types.h>

#include <err.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"

#define ADDRMAX		254	/* RFC 5321 path limit, as trap lists */
#define LOCALMAX	64	/* RFC 5321 local part limit */
#define DOMAINMAX	253

enum class { CLASS_TRAP, CLASS_REAL, CLASS_NONE, NCLASSES };
static const char *const classnames[NCLASSES] = { "trap", "real", "none" };

static struct trap_list		*traps;
static struct trap_hash		*reals;
static struct trap_out		*out;
static unsigned long long	 counts[NCLASSES];
static int			 aflag, cflag, vflag;

/* -n: new traps. */
static const char		*ndomain;
static size_t			 ndlen;
static struct trap_hash		*excl;		/* roles, -x: locals, addrs */
static struct trap_hash		*existing;	/* names of badpass records */
static struct trap_hash		*proposals;	/* address -> local length */

/* The role addresses of a site, never proposed (trapmatch(1)). */
static const char *const roles[] = {
	"postmaster", "abuse", "hostmaster", "webmaster", "root",
	"mailer-daemon", "noreply", "no-reply"
};

static __dead void
usage(void)
{
	fprintf(stderr, "usage: %s [-acv] [-A dir] [-S since] [-U until] "
	    "[-t traplist]...\n"
	    "\t[-d domain,... | -D domainfile] [-u userlist] [file ...]\n"
	    "       %s -n domain [-A dir] [-S since] [-U until] "
	    "[-t traplist]...\n"
	    "\t[-d domain,... | -D domainfile] [-u userlist] [-x exclusions]\n"
	    "\t[file ...]\n",
	    getprogname(), getprogname());
	exit(2);
}

static void
addreal(const char *p, size_t len)
{
	char	 buf[256];

	if (len == 0 || len >= sizeof(buf))
		return;
	memcpy(buf, p, len);
	trap_lower(buf, len);
	trap_hash_put(reals, buf, len, NULL);
}

/*
 * Of a list file's line, the first word (blanks before it skipped) or,
 * with sep, what comes before sep; 0 if the line is blank, a # comment
 * or without sep.
 */
static int
firstword(const char **line, size_t *len, int sep)
{
	const char	*p = *line, *end = p + *len, *e;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return 0;
	if (sep != 0) {
		if ((e = memchr(p, sep, end - p)) == NULL)
			return 0;
	} else
		for (e = p; e < end && *e != ' ' && *e != '\t'; e++)
			continue;
	*line = p;
	*len = e - p;
	return 1;
}

/*
 * Real accounts: one name a line (# comments), or with "passwd:" in
 * front, the first field of a passwd(5) file.
 */
static void
loadreals(const char *arg)
{
	struct trap_file	*f;
	const char		*line, *path = arg;
	size_t			 len;
	int			 passwd = 0;

	if (strncmp(arg, "passwd:", 7) == 0) {
		passwd = 1;
		path = arg + 7;
	}
	if ((f = trap_file_open(path)) == NULL)
		err(2, "%s", path);
	reals = trap_hash_new(0);
	while (trap_file_getline(f, &line, &len))
		if (firstword(&line, &len, passwd ? ':' : 0))
			addreal(line, len);
	if (trap_file_error(f))
		exit(2);
	trap_file_close(f);
}

/* Is the user a real account (or local@domain-in-scope of one)? */
static const char *
real(const char *user, size_t len)
{
	static char	 buf[256];
	const char	*at;

	if (reals == NULL || len == 0 || len >= sizeof(buf))
		return NULL;
	memcpy(buf, user, len);
	buf[len] = '\0';
	trap_lower(buf, len);
	if (trap_hash_get(reals, buf, len) != NULL)
		return buf;
	if ((at = memchr(buf, '@', len)) != NULL &&
	    trap_list_inscope(traps, at + 1, buf + len - at - 1) &&
	    trap_hash_get(reals, buf, at - buf) != NULL) {
		buf[at - buf] = '\0';
		return buf;
	}
	return NULL;
}

/*
 * A plausible local part: 1 to 64 bytes of [a-z0-9._+-] (lower case
 * already), not starting with a dot or a hyphen (xargs would hand
 * spamdb an option), not ending with a dot, no two dots in a row.
 */
static int
plausible(const char *s, size_t len)
{
	size_t	 i;
	int	 c;

	if (len == 0 || len > LOCALMAX || s[0] == '.' || s[0] == '-' ||
	    s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    c != '.' && c != '_' && c != '+' && c != '-')
			return 0;
		if (c == '.' && s[i - 1] == '.')
			return 0;
	}
	return 1;
}

/*
 * A domain to propose traps in: labels of [a-z0-9-] (lower case
 * already), not starting with a hyphen, at least two of them.
 */
static int
gooddomain(const char *s, size_t len)
{
	size_t	 i;
	int	 c, dot = 0;

	if (len == 0 || len > DOMAINMAX || s[0] == '.' || s[0] == '-' ||
	    s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (s[i - 1] == '.' || s[i + 1] == '-')
				return 0;
			dot = 1;
		} else if (!(c >= 'a' && c <= 'z') && !(c >= '0' &&
		    c <= '9') && c != '-')
			return 0;
	}
	return dot;
}

/* May an address in this domain be proposed: -n, or -d or -D? */
static int
ourdomain(const char *d, size_t len)
{
	if (trap_list_scoped(traps))	/* -n's domain was added */
		return trap_list_inscope(traps, d, len);
	return len == ndlen && memcmp(d, ndomain, len) == 0;
}

/* -x: one local part or address a line, the first word; # comments. */
static void
loadexcl(const char *path)
{
	struct trap_file	*f;
	const char		*line;
	char			 buf[ADDRMAX + 1];
	size_t			 len;

	if ((f = trap_file_open(path)) == NULL)
		err(2, "%s", path);
	while (trap_file_getline(f, &line, &len)) {
		if (!firstword(&line, &len, 0) || len > ADDRMAX)
			continue;
		memcpy(buf, line, len);
		trap_lower(buf, len);
		trap_hash_put(excl, buf, len, NULL);
	}
	if (trap_file_error(f))
		exit(2);
	trap_file_close(f);
}

/*
 * -n: the address a record's user name proposes, if any.  A name the
 * daemon said exists (badpass) is remembered, to be withheld at the end.
 */
static void
propose(const struct trap_rec *r, const char *user, size_t ulen)
{
	char		 a[ADDRMAX + 1];
	const char	*at;
	size_t		 llen, alen;
	size_t		*v;

	if (ulen == 0 || ulen > ADDRMAX)
		return;
	memcpy(a, user, ulen);
	a[ulen] = '\0';
	trap_lower(a, ulen);
	at = memchr(a, '@', ulen);
	if (r->kind == KIND_BADPASS) {
		trap_hash_put(existing, a, ulen, NULL);
		if (at != NULL && ourdomain(at + 1, a + ulen - at - 1))
			trap_hash_put(existing, a, at - a, NULL);
		return;
	}
	if (real(a, ulen) != NULL || trap_list_match(traps, a, ulen) != NULL)
		return;
	if (at == NULL) {
		if (r->kind == KIND_RCPT)
			return;
		llen = ulen;
		if (llen + 1 + ndlen > ADDRMAX)
			return;
		a[llen] = '@';
		memcpy(a + llen + 1, ndomain, ndlen);
		alen = llen + 1 + ndlen;
		a[alen] = '\0';
	} else {
		llen = at - a;
		alen = ulen;
		if (!gooddomain(at + 1, alen - llen - 1) ||
		    !ourdomain(at + 1, alen - llen - 1))
			return;
	}
	if (!plausible(a, llen) || trap_hash_get(excl, a, llen) != NULL ||
	    trap_hash_get(excl, a, alen) != NULL || real(a, alen) != NULL ||
	    trap_list_match(traps, a, alen) != NULL)
		return;
	v = trap_hash_put(proposals, a, alen, NULL);
	*v = llen;
}

static int
addrcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The proposals, sorted, but none a badpass record named; how many. */
static size_t
proposed(void)
{
	void		**v;
	const char	**a;
	size_t		  i, n, k = 0, len, llen;

	v = trap_hash_values(proposals, &n);
	a = xreallocarray(NULL, n + 1, sizeof(*a));
	for (i = 0; i < n; i++) {
		a[k] = trap_hash_key(proposals, v[i], &len);
		llen = *(size_t *)v[i];
		if (trap_hash_get(existing, a[k], llen) == NULL &&
		    trap_hash_get(existing, a[k], len) == NULL)
			k++;
	}
	qsort(a, k, sizeof(*a), addrcmp);
	for (i = 0; i < k; i++) {
		trap_out_write(out, a[i], strlen(a[i]));
		trap_out_putc(out, '\n');
	}
	free(a);
	free(v);
	return k;
}

/* A record of trap_input_read(), parsed once there. */
static int
record(const struct trap_rec *r, const char *line, size_t len, void *arg)
{
	char		 user[TRAP_LINEMAX];
	const char	*m = NULL;
	size_t		 ulen, n;
	int		 class = CLASS_NONE, login;

	(void)len;
	(void)arg;
	/* A login passes, classed, but is no attempt and proposes nothing. */
	login = r->kind == KIND_LOGIN;
	ulen = trap_unvis(user, sizeof(user), r->f[F_USER].p,
	    r->f[F_USER].len);
	if (ndomain != NULL) {
		if (ulen != (size_t)-1 && !login)
			propose(r, user, ulen);
		return 0;
	}
	if (ulen != (size_t)-1 && ulen > 0) {
		if ((m = real(user, ulen)) != NULL)
			class = CLASS_REAL;
		else if ((m = trap_list_match(traps, user, ulen)) != NULL)
			class = CLASS_TRAP;
	}
	if (!login)
		counts[class]++;
	if (cflag || (aflag ? 0 : vflag ? class == CLASS_TRAP :
	    class != CLASS_TRAP))
		return 0;
	/* The record's own 8 fields; trapmatch's two are written anew. */
	n = r->f[F_KIND].p + r->f[F_KIND].len - line;
	trap_out_write(out, line, n);
	trap_out_putc(out, '\t');
	trap_out_write(out, classnames[class], strlen(classnames[class]));
	trap_out_putc(out, '\t');
	if (m == NULL)
		trap_out_putc(out, '-');
	else
		trap_out_field(out, m, strlen(m));
	trap_out_putc(out, '\n');
	return 0;
}

/* -n: the tables of the names never proposed, and of the proposals. */
static void
newtraps(const char *xfile)
{
	size_t	 i;

	excl = trap_hash_new(0);
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		trap_hash_put(excl, roles[i], strlen(roles[i]), NULL);
	if (xfile != NULL)
		loadexcl(xfile);
	existing = trap_hash_new(0);
	proposals = trap_hash_new(sizeof(size_t));
}

/* -c: the count of each class. */
static void
printcounts(void)
{
	char	 buf[64];
	int	 i;

	for (i = 0; i < NCLASSES; i++) {
		snprintf(buf, sizeof(buf), "%s\t%llu\n", classnames[i],
		    counts[i]);
		trap_out_write(out, buf, strlen(buf));
	}
}

/*
 * The exit status, as grep(1)'s: 0 if a record was selected (-n: an
 * address proposed), 1 if none, 2 on an error.
 */
static int
status(int error, size_t nproposed)
{
	if (error)
		return 2;
	if (ndomain != NULL)
		return nproposed > 0 ? 0 : 1;
	if (aflag)
		return counts[CLASS_TRAP] + counts[CLASS_REAL] +
		    counts[CLASS_NONE] > 0 ? 0 : 1;
	if (vflag)
		return counts[CLASS_REAL] + counts[CLASS_NONE] > 0 ? 0 : 1;
	return counts[CLASS_TRAP] > 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	struct trap_input in;
	struct trap_listopt lo;
	const char	*ulist = NULL, *xfile = NULL;
	char		*nd = NULL;
	size_t		 nproposed = 0;
	int		 ch, rc = 0;

	trap_eval = 2;		/* grep(1)'s: 1 is "none selected" */
	/* The archive of -A needs flock, and wpath and cpath to recover. */
	if (pledge("stdio rpath wpath cpath flock", NULL) == -1)
		err(2, "pledge");

	trap_tz_init(NULL);	/* of -S and -U */
	memset(&in, 0, sizeof(in));
	in.promises = "stdio";
	in.logins = 1;
	in.notime = 1;
	in.rec = record;
	memset(&lo, 0, sizeof(lo));
	lo.eval = 2;
	while ((ch = getopt(argc, argv, "A:acD:d:n:S:t:U:u:vx:")) != -1) {
		switch (ch) {
		case 'a':
			aflag = 1;
			break;
		case 'c':
			cflag = 1;
			break;
		case 'n':
			free(nd);
			nd = xstrdup(optarg);
			ndlen = strlen(nd);
			trap_lower(nd, ndlen);
			if (!gooddomain(nd, ndlen))
				errx(2, "bad domain: %s", optarg);
			ndomain = nd;
			break;
		case 'u':
			ulist = optarg;
			break;
		case 'v':
			vflag = 1;
			break;
		case 'x':
			xfile = optarg;
			break;
		default:
			trap_listinput_opt(&lo, &in, ch, optarg, usage);
		}
	}
	argc -= optind;
	argv += optind;
	trap_input_window(&in, 2);
	trap_listopt_check(&lo, usage, in.archive != NULL, argc, argv);
	if (ndomain != NULL && (aflag || cflag || vflag))
		trap_badusage(usage, "-n and -%c are mutually exclusive",
		    aflag ? 'a' : cflag ? 'c' : 'v');
	if (ndomain == NULL && xfile != NULL)
		trap_badusage(usage, "-x is only for -n");
	if (in.archive == NULL && pledge("stdio rpath", NULL) == -1)
		err(2, "pledge");

	trap_file_widen(STDIN_FILENO);	/* while the list loads */
	/* Traps in -n's domain are existing traps, whatever -d says. */
	if ((traps = trap_list_open(&lo, ndomain)) == NULL)
		exit(2);
	if (ndomain != NULL)
		newtraps(xfile);
	if (ulist != NULL)
		loadreals(ulist);

	out = trap_out_open(STDOUT_FILENO);
	rc = trap_input_read(&in, argc, argv);
	if (ndomain != NULL)
		nproposed = proposed();
	if (cflag)
		printcounts();
	trap_out_close(out);
	trap_list_free(traps);
	trap_hash_free(reals);
	trap_hash_free(excl);
	trap_hash_free(existing);
	trap_hash_free(proposals);
	free(nd);

	return status(rc != 0 || in.nbad > 0, nproposed);
}
