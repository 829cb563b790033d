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
 * traplogd: read the log as it is written, and act at once on the hosts
 * that try spamtrap names (or fail too often): add them to a pf(4) table,
 * an nftables set or an ipset, trap them in spamd(8), run a program.
 *
 * Two processes.  The extractor parses the log lines, text that attackers
 * write, with the recognisers of libtrap: it runs as an unprivileged user
 * in a chroot (when started as root) pledged to "stdio", and sends back
 * only attempts (address, user name, service).  The parent follows the
 * input, checks every message from the extractor (the address is parsed
 * again), keeps the policy and runs the actions.  It is pledged to
 *
 *	stdio	the poll loop, pipes, wait4(2), syslog(3)
 *	rpath	following -f files across rotation, re-reading the lists
 *		on SIGHUP (unveiled "r": the lists, the -f paths)
 *	route	getifaddrs(3), the host's addresses, read again every
 *		IFREFRESH s and on SIGHUP
 *	proc	fork(2) for every action; kill(2) of an action that hangs
 *		and of the extractor at exit
 *	exec	pfctl(8), nft(8), ipset(8), spamdb(8), -a exec: programs
 *		(unveiled "x")
 *
 * and with -n, which runs nothing, to "stdio rpath route proc".
 */

#include "compat.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/tree.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ifaddrs.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"

#define MAXLISTS	64
#define MAXACTIONS	16
#define MAXOFFENDERS	100000	/* addresses remembered as acted on */
#define MAXCOUNTERS	100000	/* addresses with failures kept, -T or -L */
#define MAXSTAMPS	1000000	/* failure times allocated, -T or -L, in all */
#define MAXTN		10000	/* largest n of -T and -L */
#define LWINDOW		86400	/* s of failures before a login, without -T */
#define PFBATCH		100	/* addresses in one pfctl, nft run at most */
#define PFDELAY		1000	/* ms an address waits for its batch */
#define RETRIES		10	/* times a failed action is retried */
#define BACKOFFMAX	300	/* s between retries at most */
#define MAXRUNNING	4	/* actions running at once */
#define MAXJOBS		10000	/* actions waiting to run */
#define RUNTIMEOUT	60	/* s an action may run before it is killed */
#define ENDWAIT		10	/* s actions are waited for at exit */
#define GRACE		300	/* s of quiet input that decides held attempts */
#define REFTIME		3600	/* s between updates of the reference time */
#define IFREFRESH	300	/* s between reads of the host's addresses */
#define USERMAX		255	/* longest user name sent by the extractor */
#define USERLONG	0xffff	/* ... it was longer */
#define OUTMAX		(1024 * 1024)	/* bytes of lines for the extractor */
#define DEFEXPIRE	86400	/* -x default */
#define NAMEMAX		32	/* bytes of a table or set name, and NUL */
#define NAMECHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"0123456789_-"
#define CMDMAX		256	/* bytes of a command line in the log */
#define SAVEDELAY	1000	/* ms between writes of the state file */
#define MAXRETURNS	1000	/* returns of an offender counted */
#define MAXWUNTIL	(1LL << 40)	/* end of a block in the state file */
#define NEVER		LLONG_MAX	/* the end of a block for ever */
#define USER		"_traplogd"	/* the extractor's user, or: */
#define USER_FALLBACK	"nobody"
#define CHROOTDIR	"/var/empty"

typedef long long msec_t;

/* Parent to extractor: a log line. */
struct linehdr {
	uint32_t	 len;		/* of the line */
	uint32_t	 namelen;	/* of the file name that follows */
	uint64_t	 lineno;
};

/* Extractor to parent: an attempt. */
struct attmsg {
	char		 addr[TRAP_ADDRLEN];
	uint8_t		 service;
	uint8_t		 kind;
	uint16_t	 userlen;	/* USERLONG: too long to match */
	/* the user name follows */
};

/*
 * An address acted on (or refused) lately; with -X, remembered after its
 * block has ended, to know it when it comes back.
 */
struct offender {
	RB_ENTRY(offender)	 entry;		/* by address */
	RB_ENTRY(offender)	 tentry;	/* by next */
	TAILQ_ENTRY(offender)	 lru;		/* by the last block */
	msec_t			 until;		/* the block ends; NEVER */
	msec_t			 next;		/* until, or when forgotten */
	long long		 wuntil;	/* until, s since the epoch */
	int			 returns;	/* times it came back */
	int			 refused;	/* not acted on */
	int			 ended;		/* the block has */
	char			 addr[TRAP_ADDRLEN];
};
RB_HEAD(offtree, offender);
RB_HEAD(timetree, offender);
TAILQ_HEAD(offlru, offender);

/*
 * The last failure times of an address, oldest first from
 * (head - n) mod cap: a ring that grows to its table's max while all its
 * times are in the window, and then overwrites the oldest.
 */
struct ring {
	RB_ENTRY(ring)		 entry;
	TAILQ_ENTRY(ring)	 lru;		/* by the newest time */
	msec_t			*t;
	uint32_t		 n, cap, head;	/* head: the next to write */
	char			 addr[TRAP_ADDRLEN];
};
RB_HEAD(ringtree, ring);
TAILQ_HEAD(ringlru, ring);

/* The rings of -T, or of -L: at most MAXCOUNTERS, MAXSTAMPS times. */
struct rings {
	struct ringtree		 tree;
	struct ringlru		 lru;
	size_t			 nrings;
	size_t			 nstamps;	/* the caps added up */
	uint32_t		 max;		/* the cap of a ring at most */
	msec_t			 window;	/* ms a time counts, in ]t-w, t] */
	const char		*what;		/* the table, for full() */
};

/* A network: an address and a prefix length. */
struct net {
	int		 af;
	uint8_t		 a[16];
	int		 bits;
};
struct nets {
	struct net	*v;
	size_t		 n, cap;
};

/* An address for an action, and how long it is blocked (0: for ever). */
struct target {
	char		 addr[TRAP_ADDRLEN];
	long long	 secs;
};

/* Addresses waiting to go to pfctl or nft in one run. */
struct batch {
	struct target	*v;
	int		 n;
	msec_t		 start;		/* when the first came */
};

enum acttype {
	ACT_PF, ACT_NFT, ACT_IPSET, ACT_SPAMDB, ACT_EXEC, ACT_PRINT, ACT_ALERT
};
enum actop { OP_ADD, OP_DELETE };

struct action {
	enum acttype	 type;
	const char	*arg;		/* as given, after the colon */
	const char	*family;	/* nft */
	const char	*table;		/* pf, nft */
	const char	*set;		/* nft, ipset */
	char		*set6;		/* ... the set of IPv6 addresses */
	char		*prog;		/* what is executed */
	struct batch	 add, del;	/* pf, nft; del: pf */
};

/* A job's command line, as cmd_make makes it. */
struct cmdline {
	char		*argv[PFBATCH + 8];
	char		*elems;		/* nft's, allocated */
	char		 secs[24];	/* ipset's timeout */
	char		 more[32];	/* "... (N addresses)" */
};

/* The slots of the main loop's poll(2). */
enum {
	PFD_SIGNAL,	/* the signal handler's pipe */
	PFD_INPUT,	/* the log, when it can be waited for */
	PFD_XOUT,	/* lines to the extractor */
	PFD_XIN,	/* attempts from it */
	PFD_MAX
};

struct job {
	TAILQ_ENTRY(job)	 entry;
	struct action		*act;
	enum actop		 op;
	const char		*set;		/* nft, ipset */
	struct target		*v;
	int			 n;
	int			 tries;		/* failures so far */
	msec_t			 due;		/* of the next try */
	msec_t			 started;
	pid_t			 pid;
	int			 killed;
	char			*alert;		/* -e: user and count, NULs */
};
TAILQ_HEAD(jobq, job);

static int			 nflag, vflag;
static struct trap_listopt	 lo = { .eval = 1 };	/* -t, -d, -D */
static const char		*wfile;
static struct action		 actions[MAXACTIONS];
static int			 nactions;
static long long		 tn, tsecs;	/* -T n/secs */
static long long		 ln;		/* -L n */
static struct action		 alertact;	/* -e program */
static long long		 expire = DEFEXPIRE;
static long long		 maxexpire = -1;	/* -X */
static const char		*statefile;

static struct trap_list		*traps;
static struct nets		 allow, own;
static struct offtree		 offenders = RB_INITIALIZER(&offenders);
static struct offlru		 offlru = TAILQ_HEAD_INITIALIZER(offlru);
static struct timetree		 timeline = RB_INITIALIZER(&timeline);
static size_t			 noffenders;
static int			 dirty;		/* the state file is behind */
static msec_t			 lastsave;
static struct rings		 counted = {	/* -T */
	RB_INITIALIZER(&counted.tree), TAILQ_HEAD_INITIALIZER(counted.lru),
	0, 0, 0, 0, "failure counter"
};
static struct rings		 watched = {	/* -L */
	RB_INITIALIZER(&watched.tree), TAILQ_HEAD_INITIALIZER(watched.lru),
	0, 0, 0, 0, "login watch"
};
static struct jobq		 ready = TAILQ_HEAD_INITIALIZER(ready);
static struct jobq		 retry = TAILQ_HEAD_INITIALIZER(retry);
static struct jobq		 running = TAILQ_HEAD_INITIALIZER(running);
static size_t			 njobs, nrunning;
static int			 devnull = -1;
static msec_t			 lastfull;

/* The extractor, and the bytes on their way to and from it. */
static pid_t			 xpid = -1;
static int			 xin = -1, xout = -1;
static char			*obuf, *ibuf;
static size_t			 olen, ocap, ilen, icap;

static volatile sig_atomic_t	 gothup, gotquit;
static int			 sigpipe[2] = { -1, -1 };

/* The input, and the state of the main loop. */
static char			*files[MAXLISTS];
static int			 nfiles;
static struct trap_follow	*follow;
static msec_t			 nextcheck, lastif;
static int			 ended, xopen = 1;

static int	offcmp(struct offender *, struct offender *);
static int	timecmp(struct offender *, struct offender *);
static int	ringcmp(struct ring *, struct ring *);
RB_PROTOTYPE_STATIC(offtree, offender, entry, offcmp)
RB_PROTOTYPE_STATIC(timetree, offender, tentry, timecmp)
RB_PROTOTYPE_STATIC(ringtree, ring, entry, ringcmp)
RB_GENERATE_STATIC(offtree, offender, entry, offcmp)
RB_GENERATE_STATIC(timetree, offender, tentry, timecmp)
RB_GENERATE_STATIC(ringtree, ring, entry, ringcmp)

static int
ringcmp(struct ring *a, struct ring *b)
{
	return strcmp(a->addr, b->addr);
}

static int
offcmp(struct offender *a, struct offender *b)
{
	return strcmp(a->addr, b->addr);
}

static int
timecmp(struct offender *a, struct offender *b)
{
	if (a->next != b->next)
		return a->next < b->next ? -1 : 1;
	return strcmp(a->addr, b->addr);
}

static __dead void
usage(void)
{
	fprintf(stderr, "usage: %s [-v] [-n | [-a action]...] "
	    "[-t traplist]...\n"
	    "\t[-d domain,... | -D file] [-w allowlist] [-T n/secs] "
	    "[-x secs]\n"
	    "\t[-X secs] [-L n] [-e program] [-s statefile] "
	    "[-f file]...\n",
	    getprogname());
	exit(1);
}

static void
logmsg(int pri, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	if (vflag) {
		fprintf(stderr, "%s: ", getprogname());
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else
		vsyslog(pri, fmt, ap);
	va_end(ap);
}

/*
 * The library's warnings (a trap list that cannot be read on SIGHUP, a
 * bad entry) once standard error is gone: to syslog, without the
 * program name that syslog adds itself.
 */
static void
warnlog(const char *msg, size_t len)
{
	size_t	 n = strlen(getprogname());

	if (len > n + 2 && strncmp(msg, getprogname(), n) == 0 &&
	    msg[n] == ':' && msg[n + 1] == ' ') {
		msg += n + 2;
		len -= n + 2;
	}
	if (len > 0 && msg[len - 1] == '\n')
		len--;
	syslog(LOG_WARNING, "%.*s", (int)len, msg);
}

static msec_t
now(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void
handler(int sig)
{
	int	 save = errno;

	if (sig == SIGHUP)
		gothup = 1;
	else if (sig == SIGTERM || sig == SIGINT)
		gotquit = 1;
	(void)write(sigpipe[1], "", 1);
	errno = save;
}

static void
cloexec(int fd, int nonblock)
{
	int	 fl;

	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		err(1, "fcntl");
	if (nonblock && ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1))
		err(1, "fcntl");
}

/* Paths are kept absolute: the daemon changes to "/". */
static const char *
abspath(const char *p)
{
	char	 cwd[PATH_MAX], *s;

	if (p[0] == '/' || strcmp(p, "-") == 0)
		return p;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		err(1, "getcwd");
	if (asprintf(&s, "%s/%s", cwd, p) == -1)
		err(1, NULL);
	return s;
}

/*
 * Networks: an address, "address/bits", as in the allowlist.
 */

static int
net_parse(const char *s, struct net *n)
{
	char		 buf[TRAP_ADDRLEN + 8], *slash;
	const char	*errstr;
	int		 max;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return -1;
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(n, 0, sizeof(*n));
	if ((n->af = trap_addr_parse(buf, strlen(buf), n->a)) == 0)
		return -1;
	max = n->af == AF_INET ? 32 : 128;
	n->bits = max;
	if (slash != NULL) {
		n->bits = strtonum(slash, 0, max, &errstr);
		if (errstr != NULL)
			return -1;
	}
	/* An IPv4-mapped network is the IPv4 one, as addresses are. */
	if (n->af == AF_INET6 && n->bits >= 96 &&
	    IN6_IS_ADDR_V4MAPPED((struct in6_addr *)n->a)) {
		memmove(n->a, n->a + 12, 4);
		memset(n->a + 4, 0, 12);
		n->af = AF_INET;
		n->bits -= 96;
	}
	return 0;
}

static int
net_match(const struct net *n, int af, const uint8_t *a)
{
	int	 full = n->bits / 8, rest = n->bits % 8;

	if (n->af != af || memcmp(n->a, a, full) != 0)
		return 0;
	return rest == 0 ||
	    ((n->a[full] ^ a[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static void
nets_add(struct nets *ns, const struct net *n)
{
	struct net	*v;

	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 16;
		if ((v = reallocarray(ns->v, ns->cap, sizeof(*v))) == NULL)
			err(1, NULL);
		ns->v = v;
	}
	ns->v[ns->n++] = *n;
}

static int
nets_match(const struct nets *ns, int af, const uint8_t *a)
{
	size_t	 i;

	for (i = 0; i < ns->n; i++)
		if (net_match(&ns->v[i], af, a))
			return 1;
	return 0;
}

/* The allowlist: an address or network a line, # comments. */
static int
allow_load(const char *path, struct nets *ns)
{
	struct trap_file	*f;
	const char		*line, *p, *e;
	char			 buf[128];
	struct net		 n;
	size_t			 len;
	int			 rc;

	memset(ns, 0, sizeof(*ns));
	if ((f = trap_file_open(path)) == NULL) {
		logmsg(LOG_ERR, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (trap_file_getline(f, &line, &len)) {
		if ((e = memchr(line, '#', len)) == NULL)
			e = line + len;
		for (p = line; p < e && (*p == ' ' || *p == '\t'); p++)
			continue;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r'))
			e--;
		if (p == e)
			continue;
		if ((size_t)(e - p) < sizeof(buf)) {
			memcpy(buf, p, e - p);
			buf[e - p] = '\0';
			if (net_parse(buf, &n) == 0) {
				nets_add(ns, &n);
				continue;
			}
		}
		logmsg(LOG_WARNING, "%s:%llu: not an address or network, "
		    "skipped", path, trap_file_lineno(f));
	}
	rc = trap_file_error(f) ? -1 : 0;
	trap_file_close(f);
	if (rc == -1)
		free(ns->v);
	return rc;
}

/* The host's own addresses. */
static void
own_load(void)
{
	struct ifaddrs	*ifa, *i;
	struct net	 n;

	if (getifaddrs(&ifa) == -1) {
		logmsg(LOG_WARNING, "getifaddrs: %s", strerror(errno));
		return;
	}
	own.n = 0;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		memset(&n, 0, sizeof(n));
		if (i->ifa_addr->sa_family == AF_INET) {
			n.af = AF_INET;
			n.bits = 32;
			memcpy(n.a, &((struct sockaddr_in *)(void *)
			    i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			n.af = AF_INET6;
			n.bits = 128;
			memcpy(n.a, &((struct sockaddr_in6 *)(void *)
			    i->ifa_addr)->sin6_addr, 16);
			/* A KAME kernel embeds the scope in link-local. */
			if (n.a[0] == 0xfe && (n.a[1] & 0xc0) == 0x80)
				n.a[2] = n.a[3] = 0;
		} else
			continue;
		nets_add(&own, &n);
	}
	freeifaddrs(ifa);
}

/* Why an address must not be acted on, or NULL. */
static const char *
refusal(const char *addr)
{
	uint8_t	 a[16];
	int	 af;

	if ((af = trap_addr_parse(addr, strlen(addr), a)) == 0)
		return "not an address";
	if ((af == AF_INET && a[0] == 127) ||
	    (af == AF_INET6 && IN6_IS_ADDR_LOOPBACK((struct in6_addr *)a)))
		return "loopback";
	if (nets_match(&own, af, a))
		return "own address";
	if (nets_match(&allow, af, a))
		return "allowlist";
	return NULL;
}

static void
reload(void)
{
	struct trap_list	*l;
	struct nets		 n;
	size_t			 na;

	gothup = 0;
	if (lo.nlists > 0) {
		if ((l = trap_list_open(&lo, NULL)) == NULL)
			logmsg(LOG_ERR, "reload failed: keeping the old "
			    "trap list");
		else {
			trap_list_free(traps);
			traps = l;
			trap_list_addrs(traps, &na);
			logmsg(LOG_INFO, "reloaded %zu trap addresses", na);
		}
	}
	if (wfile != NULL) {
		if (allow_load(wfile, &n) == -1)
			logmsg(LOG_ERR, "reload failed: keeping the old "
			    "allowlist");
		else {
			free(allow.v);
			allow = n;
		}
	}
	own_load();
}

/*
 * Actions: jobs that run a program, retried with backoff when it fails.
 */

static const char *
actname(const struct action *a)
{
	switch (a->type) {
	case ACT_PF:
		return "pfctl";
	case ACT_NFT:
		return "nft";
	case ACT_IPSET:
		return "ipset";
	case ACT_SPAMDB:
		return "spamdb";
	case ACT_EXEC:
	case ACT_ALERT:
		return a->arg;
	default:
		return "print";
	}
}

/* The program a name means: the first executable file in PATH. */
static char *
findprog(const char *name)
{
	const char	*path, *p, *colon;
	char		*file;
	struct stat	 st;
	int		 n;

	if ((path = getenv("PATH")) == NULL || *path == '\0')
		path = "/usr/bin:/bin:/usr/sbin:/sbin";
	for (p = path; ; p = colon + 1) {
		if ((colon = strchr(p, ':')) == NULL)
			colon = p + strlen(p);
		n = colon - p;
		if (asprintf(&file, "%.*s/%s", n == 0 ? 1 : n,
		    n == 0 ? "." : p, name) == -1)
			err(1, NULL);
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(file, X_OK) == 0)
			return file;
		free(file);
		if (*colon == '\0')
			return NULL;
	}
}

/*
 * A table or set name: letters, digits, '_' and '-', shorter than max;
 * with letter, starting with a letter or '_'.
 */
static int
goodname(const char *s, size_t max, int letter)
{
	size_t	 len = strlen(s);

	if (len == 0 || len >= max || strspn(s, NAMECHARS) != len)
		return 0;
	return !letter || *s == '_' || isalpha((unsigned char)*s);
}

/* The set of the IPv6 addresses: the name and a 6. */
static char *
name6(const char *set)
{
	char	*s;

	if (asprintf(&s, "%s6", set) == -1)
		err(1, NULL);
	return s;
}

/* nft:family/table/set */
static void
parse_nft(struct action *a, const char *s)
{
	static const char *const families[] = {
		"bridge", "inet", "ip", "ip6", "netdev", NULL
	};
	char	*p;
	int	 i;

	a->type = ACT_NFT;
	a->arg = s + 4;
	if ((p = strdup(a->arg)) == NULL)
		err(1, NULL);
	a->family = strsep(&p, "/");
	a->table = strsep(&p, "/");
	a->set = p;
	if (a->table == NULL || a->set == NULL)
		errx(1, "nft: wants family/table/set: %s", s);
	for (i = 0; families[i] != NULL; i++)
		if (strcmp(a->family, families[i]) == 0)
			break;
	if (families[i] == NULL)
		errx(1, "nft: the family is bridge, inet, ip, ip6 or netdev: "
		    "%s", s);
	if (!goodname(a->table, NAMEMAX, 1) || !goodname(a->set, NAMEMAX, 1))
		errx(1, "bad table or set name: %s", s);
	a->set6 = name6(a->set);
}

static void
parse_action(char *s)
{
	struct action	*a;

	if (nactions == MAXACTIONS)
		errx(1, "too many actions");
	a = &actions[nactions++];
	if (strncmp(s, "pf:", 3) == 0) {
		a->type = ACT_PF;
		a->arg = a->table = s + 3;
		if (!goodname(a->table, NAMEMAX, 0))
			errx(1, "bad table name: %s", s);
	} else if (strncmp(s, "nft:", 4) == 0) {
		parse_nft(a, s);
	} else if (strncmp(s, "ipset:", 6) == 0) {
		a->type = ACT_IPSET;
		a->arg = a->set = s + 6;
		/* with its 6, the name of the IPv6 set fits too */
		if (!goodname(a->set, NAMEMAX - 1, 1))
			errx(1, "bad set name: %s", s);
		a->set6 = name6(a->set);
	} else if (strcmp(s, "spamdb") == 0) {
		a->type = ACT_SPAMDB;
	} else if (strncmp(s, "exec:", 5) == 0) {
		a->type = ACT_EXEC;
		a->arg = s + 5;
		if (a->arg[0] != '/')
			errx(1, "exec: needs an absolute path: %s", s);
		if ((a->prog = strdup(a->arg)) == NULL)
			err(1, NULL);
	} else if (strcmp(s, "print") == 0) {
		a->type = ACT_PRINT;
	} else
		errx(1, "unknown action: %s", s);
}

static int
is6(const char *addr)
{
	return strchr(addr, ':') != NULL;
}

/*
 * Where an address goes: the pf table; the nft or ipset set of its
 * family, NULL if the nft table's family is the other one.
 */
static const char *
setfor(const struct action *a, const char *addr)
{
	if (a->type == ACT_PF)
		return a->table;
	if (a->type == ACT_NFT && strcmp(a->family, "ip") == 0)
		return is6(addr) ? NULL : a->set;
	if (a->type == ACT_NFT && strcmp(a->family, "ip6") == 0)
		return is6(addr) ? a->set : NULL;
	return is6(addr) ? a->set6 : a->set;
}

static void
job_free(struct job *j)
{
	free(j->alert);
	free(j->v);
	free(j);
	njobs--;
}

static void
job_new(struct action *a, enum actop op, const char *set,
    const struct target *v, int n)
{
	struct job	*j;
	static msec_t	 lastwarn;

	if (njobs >= MAXJOBS) {
		if (now() - lastwarn >= 60000) {
			logmsg(LOG_ERR, "%zu actions waiting: dropping %s "
			    "for %s%s", njobs, actname(a), v[0].addr,
			    n > 1 ? " and others" : "");
			lastwarn = now();
		}
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->v = calloc(n, sizeof(*j->v))) == NULL)
		err(1, NULL);
	memcpy(j->v, v, n * sizeof(*v));
	j->n = n;
	j->act = a;
	j->op = op;
	j->set = set;
	j->pid = -1;
	njobs++;
	TAILQ_INSERT_TAIL(&ready, j, entry);
}

/* A job for one address. */
static void
job_one(struct action *a, const char *set, const char *addr,
    long long secs)
{
	struct target	 t;

	strlcpy(t.addr, addr, sizeof(t.addr));
	t.secs = secs;
	job_new(a, OP_ADD, set, &t, 1);
}

/* The batch in jobs: for nft, one for each family's set. */
static void
batch_flush(struct action *a, struct batch *b)
{
	struct target	 part[PFBATCH];
	enum actop	 op = b == &a->del ? OP_DELETE : OP_ADD;
	int		 i, n, v6;

	if (b->n == 0)
		return;
	if (a->type != ACT_NFT) {
		job_new(a, op, setfor(a, b->v[0].addr), b->v, b->n);
		b->n = 0;
		return;
	}
	for (v6 = 0; v6 <= 1; v6++) {
		for (i = n = 0; i < b->n; i++)
			if (is6(b->v[i].addr) == v6)
				part[n++] = b->v[i];
		if (n > 0)
			job_new(a, op, setfor(a, part[0].addr), part, n);
	}
	b->n = 0;
}

static void
batch_add(struct action *a, struct batch *b, const char *addr,
    long long secs)
{
	struct batch	*other = b == &a->add ? &a->del : &a->add;
	int		 i;

	/* a block that ends and starts again within the batch delay */
	for (i = 0; i < other->n; i++)
		if (strcmp(other->v[i].addr, addr) == 0) {
			other->v[i] = other->v[--other->n];
			break;
		}
	if (b->v == NULL && (b->v = calloc(PFBATCH, sizeof(*b->v))) == NULL)
		err(1, NULL);
	if (b->n == 0)
		b->start = now();
	strlcpy(b->v[b->n].addr, addr, sizeof(b->v[b->n].addr));
	b->v[b->n++].secs = secs;
	if (b->n == PFBATCH)
		batch_flush(a, b);
}

/* nft's elements, "{ addr timeout Ns, ... }", n of them shown. */
static char *
nft_elements(const struct job *j, int n)
{
	char	*s, part[64];
	size_t	 size = 32 + n * (TRAP_ADDRLEN + 32);
	int	 i;

	if ((s = malloc(size)) == NULL)
		err(1, NULL);
	strlcpy(s, "{", size);
	for (i = 0; i < n; i++) {
		strlcat(s, i > 0 ? ", " : " ", size);
		strlcat(s, j->v[i].addr, size);
		if (j->v[i].secs > 0) {
			snprintf(part, sizeof(part), " timeout %llds",
			    j->v[i].secs);
			strlcat(s, part, size);
		}
	}
	if (n < j->n) {
		snprintf(part, sizeof(part), " ... (%d addresses)", j->n);
		strlcat(s, part, size);
	}
	strlcat(s, " }", size);
	return s;
}

/*
 * The command line of a job; brief, for the log, with three addresses
 * of a long list.  cmd_free frees it.
 */
static void
cmd_make(const struct job *j, struct cmdline *c, int brief)
{
	const struct action	*a = j->act;
	int			 i, n = brief && j->n > 4 ? 3 : j->n;
	char			**v = c->argv;

	c->elems = NULL;
	switch (a->type) {
	case ACT_PF:
		*v++ = "pfctl";
		*v++ = "-t";
		*v++ = (char *)a->table;
		*v++ = "-T";
		*v++ = j->op == OP_ADD ? "add" : "delete";
		break;
	case ACT_NFT:
		*v++ = "nft";
		*v++ = "add";
		*v++ = "element";
		*v++ = (char *)a->family;
		*v++ = (char *)a->table;
		*v++ = (char *)j->set;
		*v++ = c->elems = nft_elements(j, n);
		*v = NULL;
		return;
	case ACT_IPSET:
		*v++ = "ipset";
		*v++ = "-exist";
		*v++ = "add";
		*v++ = (char *)j->set;
		*v++ = (char *)j->v[0].addr;
		if (j->v[0].secs > 0) {
			snprintf(c->secs, sizeof(c->secs), "%lld",
			    j->v[0].secs);
			*v++ = "timeout";
			*v++ = c->secs;
		}
		*v = NULL;
		return;
	case ACT_SPAMDB:
		*v++ = "spamdb";
		*v++ = "-t";
		*v++ = "-a";
		break;
	case ACT_ALERT:
		*v++ = a->prog;
		*v++ = (char *)j->v[0].addr;
		*v++ = j->alert;
		*v++ = j->alert + strlen(j->alert) + 1;
		*v = NULL;
		return;
	default:
		*v++ = a->prog;
		break;
	}
	for (i = 0; i < n; i++)
		*v++ = (char *)j->v[i].addr;
	if (n < j->n) {
		snprintf(c->more, sizeof(c->more), "... (%d addresses)", j->n);
		*v++ = c->more;
	}
	*v = NULL;
}

static void
cmd_free(struct cmdline *c)
{
	free(c->elems);
	c->elems = NULL;
}

/* The command line of a job, for the log. */
static void
job_cmd(const struct job *j, char *buf, size_t size)
{
	struct cmdline	 c;
	char		**v;

	cmd_make(j, &c, 1);
	buf[0] = '\0';
	for (v = c.argv; *v != NULL; v++) {
		if (v != c.argv)
			strlcat(buf, " ", size);
		strlcat(buf, *v, size);
	}
	cmd_free(&c);
}

static void
job_start(struct job *j)
{
	struct cmdline	 c;
	char		 cmd[CMDMAX];

	job_cmd(j, cmd, sizeof(cmd));
	logmsg(LOG_INFO, "%s", cmd);
	cmd_make(j, &c, 0);
	j->started = now();
	j->killed = 0;
	switch (j->pid = fork()) {
	case -1:
		logmsg(LOG_ERR, "fork: %s", strerror(errno));
		break;
	case 0:
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		if (dup2(devnull, STDIN_FILENO) == -1 ||
		    dup2(STDERR_FILENO, STDOUT_FILENO) == -1)
			_exit(127);
		execv(j->act->prog, c.argv);
		fprintf(stderr, "%s: %s: %s\n", getprogname(),
		    j->act->prog, strerror(errno));
		_exit(127);
	default:
		break;
	}
	cmd_free(&c);
	TAILQ_INSERT_TAIL(&running, j, entry);
	nrunning++;
}

/* A job ended, well or not (status -1: it could not start). */
static void
job_done(struct job *j, int status)
{
	char		 cmd[CMDMAX], why[64];
	long long	 delay;

	TAILQ_REMOVE(&running, j, entry);
	nrunning--;
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		job_free(j);
		return;
	}
	if (status == -1)
		snprintf(why, sizeof(why), "could not run");
	else if (WIFEXITED(status))
		snprintf(why, sizeof(why), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "%s%s", j->killed ?
		    "timed out, " : "", strsignal(WTERMSIG(status)));
	else
		snprintf(why, sizeof(why), "failed");
	job_cmd(j, cmd, sizeof(cmd));
	if (++j->tries > RETRIES) {
		logmsg(LOG_ERR, "%s: %s; giving up after %d tries", cmd, why,
		    j->tries);
		job_free(j);
		return;
	}
	delay = 1LL << (j->tries - 1);
	if (delay > BACKOFFMAX)
		delay = BACKOFFMAX;
	logmsg(LOG_WARNING, "%s: %s; retry %d in %lld s", cmd, why, j->tries,
	    delay);
	j->due = now() + delay * 1000;
	j->pid = -1;
	TAILQ_INSERT_TAIL(&retry, j, entry);
}

/* Flush a batch that has waited PFDELAY ms; lower *wait to its due. */
static void
batch_due(struct action *a, struct batch *b, int ending, msec_t t,
    msec_t *wait)
{
	if (b->n == 0)
		return;
	if (ending || t - b->start >= PFDELAY)
		batch_flush(a, b);
	else if (b->start + PFDELAY - t < *wait)
		*wait = b->start + PFDELAY - t;
}

/* Start what is due; return the ms until something else will be. */
static msec_t
jobs_run(int ending)
{
	struct job	*j, *next;
	msec_t		 t = now(), wait = 1000;
	int		 i;

	for (i = 0; i < nactions; i++) {
		batch_due(&actions[i], &actions[i].del, ending, t, &wait);
		batch_due(&actions[i], &actions[i].add, ending, t, &wait);
	}
	TAILQ_FOREACH_SAFE(j, &retry, entry, next) {
		if (j->due <= t) {
			TAILQ_REMOVE(&retry, j, entry);
			TAILQ_INSERT_TAIL(&ready, j, entry);
		} else if (j->due - t < wait)
			wait = j->due - t;
	}
	while (nrunning < MAXRUNNING && (j = TAILQ_FIRST(&ready)) != NULL) {
		TAILQ_REMOVE(&ready, j, entry);
		job_start(j);
		if (j->pid == -1)
			job_done(j, -1);
	}
	TAILQ_FOREACH(j, &running, entry)
		if (!j->killed && t - j->started >= RUNTIMEOUT * 1000) {
			kill(j->pid, SIGKILL);
			j->killed = 1;
		}
	return wait;
}

/*
 * Act on an address, to be blocked for secs s (0: for ever).  Again, for
 * the blocks of the state file at start: the firewalls only, which a
 * reboot empties; programs and spamdb are not run twice.
 */
static void
act(const char *addr, long long secs, int again)
{
	struct action	*a;
	const char	*set;
	int		 i;

	if (nflag) {
		if (!again)
			printf("%s\n", addr);
		return;
	}
	for (i = 0; i < nactions; i++) {
		a = &actions[i];
		switch (a->type) {
		case ACT_PF:
		case ACT_NFT:
			if (setfor(a, addr) != NULL)
				batch_add(a, &a->add, addr, secs);
			break;
		case ACT_IPSET:
			if ((set = setfor(a, addr)) != NULL)
				job_one(a, set, addr, secs);
			break;
		case ACT_PRINT:
			if (!again)
				printf("%s\n", addr);
			break;
		default:
			if (!again)
				job_one(a, NULL, addr, secs);
			break;
		}
	}
}

/*
 * The policy: offenders, and the failures counted for -T.
 */

static void
full(const char *what)
{
	if (now() - lastfull >= 60000) {
		logmsg(LOG_WARNING, "%s table full: forgetting the oldest",
		    what);
		lastfull = now();
	}
}

/* The ms an ended block is remembered, to know a return: -X. */
static msec_t
keep(void)
{
	return maxexpire > expire ? maxexpire * 1000 : 0;
}

/* The block for an address back the nth time: -x doubled, up to -X. */
static long long
blocktime(int returns)
{
	long long	 secs = expire;

	while (returns-- > 0 && secs < maxexpire)
		secs *= 2;
	return secs < maxexpire ? secs : maxexpire;
}

/* A block has ended: with -s, its address leaves the pf tables. */
static void
unblock(const char *addr)
{
	int	 i;

	if (statefile == NULL || nflag)
		return;
	for (i = 0; i < nactions; i++)
		if (actions[i].type == ACT_PF)
			batch_add(&actions[i], &actions[i].del, addr, 0);
}

static void
offender_time(struct offender *o, msec_t next)
{
	RB_REMOVE(timetree, &timeline, o);
	o->next = next;
	RB_INSERT(timetree, &timeline, o);
}

static void
offender_del(struct offender *o)
{
	RB_REMOVE(offtree, &offenders, o);
	RB_REMOVE(timetree, &timeline, o);
	TAILQ_REMOVE(&offlru, o, lru);
	noffenders--;
	free(o);
	dirty = 1;
}

static struct offender *
offender_new(const char *addr)
{
	struct offender	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		err(1, NULL);
	strlcpy(o->addr, addr, sizeof(o->addr));
	o->until = o->next = NEVER;
	RB_INSERT(offtree, &offenders, o);
	RB_INSERT(timetree, &timeline, o);
	TAILQ_INSERT_TAIL(&offlru, o, lru);
	if (++noffenders > MAXOFFENDERS) {
		full("offender");
		offender_del(TAILQ_FIRST(&offlru));
	}
	dirty = 1;
	return o;
}

/* Block o until wuntil, s since the epoch (0: for ever), that is until. */
static void
offender_block(struct offender *o, long long wuntil, msec_t until)
{
	o->wuntil = wuntil;
	o->until = until;
	o->ended = 0;
	offender_time(o, until);
	TAILQ_REMOVE(&offlru, o, lru);
	TAILQ_INSERT_TAIL(&offlru, o, lru);
	dirty = 1;
}

/* Block o for secs s from now (0: for ever). */
static void
offender_for(struct offender *o, long long secs)
{
	if (secs == 0)
		offender_block(o, 0, NEVER);
	else
		offender_block(o, time(NULL) + secs, now() + secs * 1000);
}

/*
 * The rings of failure times, -T's and -L's.  The clock is monotonic, so
 * a ring's times are in order, and a table's LRU order, in which every
 * time added moves its ring last, is that of the rings' newest times.
 */

/* The first ms whose times count in rs's window at t. */
static msec_t
since(const struct rings *rs, msec_t t)
{
	return t - rs->window + 1;
}

static struct ring *
ring_find(struct rings *rs, const char *addr)
{
	struct ring	 find;

	strlcpy(find.addr, addr, sizeof(find.addr));
	return RB_FIND(ringtree, &rs->tree, &find);
}

static void
ring_del(struct rings *rs, struct ring *r)
{
	RB_REMOVE(ringtree, &rs->tree, r);
	TAILQ_REMOVE(&rs->lru, r, lru);
	rs->nrings--;
	rs->nstamps -= r->cap;
	free(r->t);
	free(r);
}

/* The ring of addr, made empty if it has none, moved last in the LRU. */
static struct ring *
ring_get(struct rings *rs, const char *addr)
{
	struct ring	*r;

	if ((r = ring_find(rs, addr)) != NULL) {
		TAILQ_REMOVE(&rs->lru, r, lru);
		TAILQ_INSERT_TAIL(&rs->lru, r, lru);
		return r;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		err(1, NULL);
	strlcpy(r->addr, addr, sizeof(r->addr));
	RB_INSERT(ringtree, &rs->tree, r);
	TAILQ_INSERT_TAIL(&rs->lru, r, lru);
	rs->nrings++;
	return r;
}

/* How many times of r are at or after from. */
static uint32_t
ring_since(const struct ring *r, msec_t from)
{
	uint32_t	 i;

	for (i = 0; i < r->n; i++)
		if (r->t[(r->head + r->cap - 1 - i) % r->cap] < from)
			break;
	return i;
}

/* Twice the cap of r, rs->max at most; the times moved to 0 on. */
static void
ring_grow(struct rings *rs, struct ring *r)
{
	msec_t		*nt;
	uint32_t	 cap, i;

	cap = r->cap ? r->cap * 2 : 2;
	if (cap > rs->max)
		cap = rs->max;
	if ((nt = reallocarray(NULL, cap, sizeof(*nt))) == NULL)
		err(1, NULL);
	for (i = 0; i < r->n; i++)
		nt[i] = r->t[(r->head + r->cap - r->n + i) % r->cap];
	free(r->t);
	rs->nstamps += cap - r->cap;
	r->t = nt;
	r->cap = cap;
	r->head = r->n;
}

/*
 * Add time t to r, of rs.  A full ring grows if its oldest time (at
 * head) still counts, else the oldest gives way: it would never count
 * again.  Then rs is brought within its bounds, its oldest rings going.
 */
static void
ring_add(struct rings *rs, struct ring *r, msec_t t)
{
	if (r->n == r->cap && r->cap < rs->max &&
	    (r->n == 0 || r->t[r->head] >= since(rs, t)))
		ring_grow(rs, r);
	r->t[r->head] = t;
	r->head = (r->head + 1) % r->cap;
	if (r->n < r->cap)
		r->n++;
	while (rs->nrings > MAXCOUNTERS || rs->nstamps > MAXSTAMPS) {
		full(rs->what);
		ring_del(rs, TAILQ_FIRST(&rs->lru));
	}
}

/* Forget the rings of rs whose newest time no longer counts at t. */
static void
ring_age(struct rings *rs, msec_t t)
{
	struct ring	*r;

	while ((r = TAILQ_FIRST(&rs->lru)) != NULL && (r->n == 0 ||
	    r->t[(r->head + r->cap - 1) % r->cap] < since(rs, t)))
		ring_del(rs, r);
}

/* Count a failure; 1 if it makes n in the window. */
static int
count(const char *addr)
{
	struct ring	*r;
	msec_t		 t = now();

	if (tn <= 1)
		return 1;
	r = ring_get(&counted, addr);
	if (ring_since(r, since(&counted, t)) + 1 >= tn) {
		ring_del(&counted, r);
		return 1;
	}
	ring_add(&counted, r, t);
	return 0;
}

/*
 * End the blocks whose time has come; forget the offenders and counts
 * older than -x, -X and -T allow.
 */
static void
age(void)
{
	struct offender	*o;
	msec_t		 t = now();

	while ((o = RB_MIN(timetree, &timeline)) != NULL && o->next <= t) {
		if (!o->ended && !o->refused) {
			logmsg(LOG_INFO, "block of %s ended", o->addr);
			unblock(o->addr);
		}
		if (o->ended || o->refused || keep() == 0)
			offender_del(o);
		else {
			o->ended = 1;
			offender_time(o, o->until + keep());
		}
	}
	ring_age(&counted, t);
	ring_age(&watched, t);
}

/* Whether an attempt makes its address an offender, and why. */
static int
offence(const char *addr, const char *user, size_t ulen, int svc,
    char *why, size_t size)
{
	struct ring	*r;
	const char	*trap = NULL;
	char		 vuser[4 * USERMAX + 1];

	if (traps != NULL && ulen != USERLONG)
		trap = trap_list_match(traps, user, ulen);
	if (trap != NULL) {
		trap_vis(vuser, sizeof(vuser), user, ulen);
		snprintf(why, size, "%s user \"%s\", spamtrap %s",
		    trap_service_names[svc], vuser, trap);
		if (tn > 1 && (r = ring_find(&counted, addr)) != NULL)
			ring_del(&counted, r);
		return 1;
	}
	if (tn > 0 && count(addr)) {
		snprintf(why, size, "%lld failure%s in %lld s",
		    tn, tn == 1 ? "" : "s", tsecs);
		return 1;
	}
	return 0;
}

/* Block an offender, o if it was one before, and act on it. */
static void
offend(struct offender *o, const char *addr, const char *why)
{
	const char	*no;
	long long	 secs;

	if ((no = refusal(addr)) != NULL) {
		if (o != NULL)
			offender_del(o);
		o = offender_new(addr);
		o->refused = 1;
		offender_for(o, expire);
		logmsg(LOG_NOTICE, "refusing to act on %s (%s)", addr, no);
		return;
	}
	if (o == NULL)
		o = offender_new(addr);
	else if (o->returns < MAXRETURNS)
		o->returns++;
	secs = blocktime(o->returns);
	offender_for(o, secs);
	if (o->returns == 0)
		logmsg(LOG_NOTICE, "offender %s: %s", addr, why);
	else
		logmsg(LOG_NOTICE, "offender %s: %s; back %d time%s, "
		    "blocked for %lld s", addr, why, o->returns,
		    o->returns == 1 ? "" : "s", secs);
	act(addr, secs, 0);
}

static void
attempt(const char *addr, const char *user, size_t ulen, int svc)
{
	struct offender	 find, *o;
	char		 why[1400];

	age();		/* the block may have ended since the last poll */
	strlcpy(find.addr, addr, sizeof(find.addr));
	if ((o = RB_FIND(offtree, &offenders, &find)) != NULL && !o->ended)
		return;		/* blocked, or refused, already */
	if (offence(addr, user, ulen, svc, why, sizeof(why)))
		offend(o, addr, why);
}

/*
 * -L: logins after failures.  Each address keeps the times of its last
 * ln failures; a login with ln of them in the window (-T's, else a day)
 * is a guess that worked.
 */

/* How many failure times an address keeps: ln, and 100 to count. */
static uint32_t
lkeep(void)
{
	return ln > 100 ? ln : 100;
}

static void
recent_add(const char *addr)
{
	ring_add(&watched, ring_get(&watched, addr), now());
}

/* The failures of addr in the window; they are forgotten. */
static uint32_t
recent_take(const char *addr)
{
	struct ring	*r;
	uint32_t	 n;

	if ((r = ring_find(&watched, addr)) == NULL)
		return 0;
	n = ring_since(r, since(&watched, now()));
	ring_del(&watched, r);
	return n;
}

/* -e: the program, with the address, the user and the count. */
static void
alert_run(const char *addr, const char *vuser, uint32_t n)
{
	struct target	 t;
	struct job	*j;
	size_t		 ulen = strlen(vuser);

	if (alertact.prog == NULL || nflag)
		return;
	strlcpy(t.addr, addr, sizeof(t.addr));
	t.secs = 0;
	job_new(&alertact, OP_ADD, NULL, &t, 1);
	if ((j = TAILQ_LAST(&ready, jobq)) == NULL || j->act != &alertact ||
	    strcmp(j->v[0].addr, addr) != 0)
		return;		/* dropped: too many waiting */
	if ((j->alert = malloc(ulen + 24)) == NULL)
		err(1, NULL);
	memcpy(j->alert, vuser, ulen + 1);
	snprintf(j->alert + ulen + 1, 23, "%u", n);
}

/* A login: after enough failures, an alert, and the actions. */
static void
loggedin(const char *addr, const char *user, size_t ulen)
{
	struct offender	 find, *o;
	char		 vuser[4 * USERMAX + 1], why[1400];
	uint32_t	 n;

	if ((n = recent_take(addr)) < ln)
		return;
	if (ulen == USERLONG)
		strlcpy(vuser, "(too long)", sizeof(vuser));
	else
		trap_vis(vuser, sizeof(vuser), user, ulen);
	logmsg(LOG_ALERT, "%s logged in as %s after %u failed attempt%s",
	    addr, vuser, n, n == 1 ? "" : "s");
	alert_run(addr, vuser, n);
	age();
	strlcpy(find.addr, addr, sizeof(find.addr));
	if ((o = RB_FIND(offtree, &offenders, &find)) != NULL && !o->ended)
		return;		/* blocked, or allowed, already */
	snprintf(why, sizeof(why), "logged in as %s after %u failed attempt%s",
	    vuser, n, n == 1 ? "" : "s");
	offend(o, addr, why);
}

/*
 * The state file (-s): a line an offender, "address until returns",
 * until the end of its block in s since the epoch (0: never), returns
 * the times it came back.  Written whole to a temporary file that is
 * renamed over it, at most once every SAVEDELAY ms.
 */

/* An offender of the state file, at start, at time t (s since the epoch). */
static void
state_entry(const char *addr, long long wuntil, int returns, long long t)
{
	struct offender	 find, *o;
	msec_t		 until;
	int		 over = wuntil != 0 && wuntil <= t;

	strlcpy(find.addr, addr, sizeof(find.addr));
	if (RB_FIND(offtree, &offenders, &find) != NULL)
		return;
	until = wuntil == 0 ? NEVER : now() + (wuntil - t) * 1000;
	if (refusal(addr) != NULL || over)
		unblock(addr);
	if (refusal(addr) != NULL || (over && until + keep() <= now()))
		return;
	o = offender_new(addr);
	o->returns = returns;
	offender_block(o, wuntil, until);
	if (over) {
		o->ended = 1;
		offender_time(o, until + keep());
	} else
		act(addr, wuntil == 0 ? 0 : wuntil - t, 1);
}

static int
state_line(char *line, long long t)
{
	char		 addr[TRAP_ADDRLEN], *a, *u, *r, *p = line;
	const char	*errstr, *errstr2;
	long long	 wuntil;
	int		 returns;

	a = strsep(&p, " ");
	u = strsep(&p, " ");
	r = strsep(&p, " ");
	if (r == NULL || p != NULL)
		return -1;
	wuntil = strtonum(u, 0, MAXWUNTIL, &errstr);
	returns = strtonum(r, 0, MAXRETURNS, &errstr2);
	if (errstr != NULL || errstr2 != NULL ||
	    trap_addr_canon(a, strlen(a), addr, sizeof(addr)) == -1)
		return -1;
	state_entry(addr, wuntil, returns, t);
	return 0;
}

static void
state_load(void)
{
	FILE			*f;
	char			*line = NULL;
	size_t			 size = 0;
	ssize_t			 len;
	unsigned long long	 n = 0;
	long long		 t = time(NULL);	/* one for all */

	if ((f = fopen(statefile, "r")) == NULL) {
		if (errno == ENOENT)
			return;
		err(1, "%s", statefile);
	}
	while ((len = getline(&line, &size, f)) != -1) {
		n++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (state_line(line, t) == -1)
			logmsg(LOG_WARNING, "%s:%llu: not a state line, "
			    "skipped", statefile, n);
	}
	if (ferror(f))
		err(1, "%s", statefile);
	free(line);
	fclose(f);
}

static int
state_write(FILE *f)
{
	struct offender	*o;

	RB_FOREACH(o, offtree, &offenders)
		if (!o->refused)
			fprintf(f, "%s %lld %d\n", o->addr, o->wuntil,
			    o->returns);
	return fflush(f) == EOF || ferror(f) ? -1 : 0;
}

/* Write the state file anew; -1 and errno if it could not be. */
static int
state_save(void)
{
	char	 tmp[PATH_MAX];
	FILE	*f;
	int	 fd, save;

	dirty = 0;
	lastsave = now();
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXXXXXX", statefile) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		save = errno;
		close(fd);
		goto fail;
	}
	if (state_write(f) == -1 || fsync(fd) == -1) {
		save = errno;
		fclose(f);
		goto fail;
	}
	if (fclose(f) == EOF || rename(tmp, statefile) == -1) {
		save = errno;
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	errno = save;
	return -1;
}

/* Save the state when it is due; lower *wait to when it will be. */
static void
state_due(int ending, msec_t *wait)
{
	static int	 failed;
	msec_t		 t = now();

	if (statefile == NULL || !dirty)
		return;
	if (!ending && t - lastsave < SAVEDELAY) {
		if (lastsave + SAVEDELAY - t < *wait)
			*wait = lastsave + SAVEDELAY - t;
		return;
	}
	if (state_save() == 0) {
		if (failed)
			logmsg(LOG_NOTICE, "%s: written again", statefile);
		failed = 0;
		return;
	}
	if (!failed++)
		logmsg(LOG_ERR, "%s: %s", statefile, strerror(errno));
	dirty = 1;
}

/*
 * At start, the state file: the blocks still on are put again in the
 * firewalls, the ended ones taken out of the pf tables.  The file is
 * written at once, to know that it can be.
 */
static void
state_start(void)
{
	int	 i;

	if (statefile == NULL)
		return;
	state_load();
	for (i = 0; i < nactions; i++) {
		batch_flush(&actions[i], &actions[i].del);
		batch_flush(&actions[i], &actions[i].add);
	}
	if (state_save() == -1)
		err(1, "%s", statefile);
}

/*
 * The extractor process.
 */

static void
x_emit(const struct trap_attempt *a, void *arg)
{
	struct trap_out	*out = arg;
	struct attmsg	 m;

	if (a->addr[0] == '\0')
		return;
	memset(&m, 0, sizeof(m));
	memcpy(m.addr, a->addr, sizeof(m.addr));
	m.service = a->service;
	m.kind = a->kind;
	m.userlen = a->user.len > USERMAX ? USERLONG : a->user.len;
	trap_out_write(out, (const char *)&m, sizeof(m));
	if (m.userlen != USERLONG)
		trap_out_write(out, a->user.p, a->user.len);
}

static void
x_droppriv(void)
{
	struct passwd	*pw;
	struct stat	 st;
	time_t		 t = time(NULL);
	struct tm	 tm;

	tzset();	/* the zone is read before the chroot */
	localtime_r(&t, &tm);
	if (geteuid() != 0)
		return;
	if ((pw = getpwnam(USER)) == NULL &&
	    (pw = getpwnam(USER_FALLBACK)) == NULL)
		errx(1, "no user %s or %s", USER, USER_FALLBACK);
	if (stat(CHROOTDIR, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (chroot(CHROOTDIR) == -1 || chdir("/") == -1)
			err(1, "chroot %s", CHROOTDIR);
	}
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		err(1, "cannot drop privileges");
}

/*
 * Read the framed lines of the parent on stdin, send the attempts on
 * stdout.  Attempts held back (an sshd "Invalid user" waiting for its
 * "Failed password") are decided after GRACE s of log time, or of quiet.
 */
static __dead void
x_main(void)
{
	struct trap_extract	*x;
	struct trap_out		*out;
	struct linehdr		 h;
	struct pollfd		 pfd;
	char			*buf, name[PATH_MAX + 1];
	size_t			 len = 0, size, off, need;
	ssize_t			 n;
	msec_t			 last = now(), ref = now();
	int			 held = 0;

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
#ifdef __OpenBSD__
	setproctitle("extractor");
#endif
	x_droppriv();
	if (pledge("stdio", NULL) == -1)
		err(1, "pledge");

	size = 2 * (sizeof(h) + sizeof(name) + TRAP_LINEMAX);
	if ((buf = malloc(size)) == NULL)
		err(1, NULL);
	out = trap_out_open(STDOUT_FILENO);
	x = trap_extract_new(x_emit, out);
	if (trap_extract_builtin(x) != 0)
		errx(1, "bad built-in patterns");
	trap_extract_reftime(x, time(NULL));
	trap_extract_live(x, 1);	/* block at once: no wait for names */
	trap_extract_logins(x, ln > 0);

	for (;;) {
		trap_out_flush(out);
		pfd.fd = STDIN_FILENO;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) == -1 && errno != EINTR)
			err(1, "poll");
		if (now() - ref >= REFTIME * 1000) {
			trap_extract_reftime(x, time(NULL));
			ref = now();
		}
		if (!(pfd.revents & (POLLIN | POLLHUP))) {
			if (held && now() - last >= GRACE * 1000) {
				trap_extract_flush(x);
				held = 0;
			}
			continue;
		}
		if ((n = read(STDIN_FILENO, buf + len, size - len)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err(1, "read");
		}
		if (n == 0)
			break;
		len += n;
		for (off = 0; len - off >= sizeof(h); off += need) {
			memcpy(&h, buf + off, sizeof(h));
			if (h.len > TRAP_LINEMAX || h.namelen > PATH_MAX)
				errx(1, "bad message from the parent");
			need = sizeof(h) + h.namelen + h.len;
			if (len - off < need)
				break;
			memcpy(name, buf + off + sizeof(h), h.namelen);
			name[h.namelen] = '\0';
			trap_extract_line(x, buf + off + sizeof(h) + h.namelen,
			    h.len, name, h.lineno);
		}
		memmove(buf, buf + off, len - off);
		len -= off;
		last = now();
		held = 1;
	}
	trap_extract_flush(x);
	trap_out_close(out);
	trap_extract_free(x);
	_exit(0);
}

static void
x_start(void)
{
	int	 down[2], up[2];

	if (pipe(down) == -1 || pipe(up) == -1)
		err(1, "pipe");
	switch (xpid = fork()) {
	case -1:
		err(1, "fork");
	case 0:
		if (dup2(down[0], STDIN_FILENO) == -1 ||
		    dup2(up[1], STDOUT_FILENO) == -1)
			err(1, "dup2");
		closefrom(STDERR_FILENO + 1);
		x_main();
	default:
		break;
	}
	close(down[0]);
	close(up[1]);
	xout = down[1];
	xin = up[0];
	cloexec(xout, 1);
	cloexec(xin, 1);
}

/* The attempts the extractor sent; all checked, it is not trusted. */
static void
x_results(void)
{
	struct attmsg	 m;
	char		 addr[TRAP_ADDRLEN];
	size_t		 off, need, ulen;

	for (off = 0; ilen - off >= sizeof(m); off += need) {
		memcpy(&m, ibuf + off, sizeof(m));
		ulen = m.userlen == USERLONG ? 0 : m.userlen;
		need = sizeof(m) + ulen;
		if (ilen - off < need)
			break;
		if (memchr(m.addr, '\0', sizeof(m.addr)) == NULL ||
		    (m.userlen > USERMAX && m.userlen != USERLONG) ||
		    m.service >= SVC_NSERVICES || m.kind >= KIND_NKINDS ||
		    trap_addr_canon(m.addr, strlen(m.addr), addr,
		    sizeof(addr)) == -1) {
			logmsg(LOG_CRIT, "bad message from the extractor");
			kill(xpid, SIGKILL);
			exit(1);
		}
		if (m.kind == KIND_LOGIN)
			loggedin(addr, ibuf + off + sizeof(m),
			    m.userlen == USERLONG ? USERLONG : ulen);
		else {
			if (ln > 0)
				recent_add(addr);
			attempt(addr, ibuf + off + sizeof(m),
			    m.userlen == USERLONG ? USERLONG : ulen,
			    m.service);
		}
	}
	memmove(ibuf, ibuf + off, ilen - off);
	ilen -= off;
}

/* Read what the extractor sent; 0 when it has closed. */
static int
x_read(void)
{
	ssize_t	 n;

	for (;;) {
		if (icap - ilen < 4096) {
			icap = icap ? icap * 2 : 65536;
			if ((ibuf = realloc(ibuf, icap)) == NULL)
				err(1, NULL);
		}
		if ((n = read(xin, ibuf + ilen, icap - ilen)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 1;
			logmsg(LOG_ERR, "extractor: %s", strerror(errno));
			return 0;
		}
		if (n == 0)
			return 0;
		ilen += n;
		x_results();
	}
}

static int
x_write(void)
{
	ssize_t	 n;
	size_t	 off = 0;
	int	 rc = 1;

	while (off < olen) {
		if ((n = write(xout, obuf + off, olen - off)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				rc = 0;
			break;
		}
		off += n;
	}
	memmove(obuf, obuf + off, olen - off);
	olen -= off;
	return rc;
}

static __dead void
x_died(void)
{
	int	 status;

	logmsg(LOG_CRIT, "the extractor has died");
	if (xpid != -1 && waitpid(xpid, &status, 0) == xpid) {
		if (WIFEXITED(status))
			logmsg(LOG_CRIT, "extractor: exit %d",
			    WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			logmsg(LOG_CRIT, "extractor: %s",
			    strsignal(WTERMSIG(status)));
	}
	exit(1);
}

/* Move bytes both ways until the lines waiting are below max. */
static void
x_pump(size_t max)
{
	struct pollfd	 pfd[2];

	while (olen > max && !gotquit) {
		pfd[0].fd = xout;
		pfd[0].events = POLLOUT;
		pfd[1].fd = xin;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 1000) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if ((pfd[1].revents & (POLLIN | POLLHUP)) && !x_read())
			x_died();
		if ((pfd[0].revents & (POLLOUT | POLLERR | POLLHUP)) &&
		    !x_write())
			x_died();
	}
}

/* A line of the input: to the extractor. */
static void
line(const char *p, size_t len, const char *name, unsigned long long lineno,
    void *arg)
{
	struct linehdr	 h;
	size_t		 nlen = strlen(name), need;

	(void)arg;
	if (gotquit)
		return;		/* on the way out */
	if (nlen > PATH_MAX)
		nlen = PATH_MAX;
	need = sizeof(h) + nlen + len;
	if (olen + need > ocap) {
		ocap = olen + need > OUTMAX ? olen + need : OUTMAX;
		if ((obuf = realloc(obuf, ocap)) == NULL)
			err(1, NULL);
	}
	h.len = len;
	h.namelen = nlen;
	h.lineno = lineno;
	memcpy(obuf + olen, &h, sizeof(h));
	memcpy(obuf + olen + sizeof(h), name, nlen);
	memcpy(obuf + olen + sizeof(h) + nlen, p, len);
	olen += need;
	if (olen >= OUTMAX / 2)
		x_pump(OUTMAX / 4);
}

/*
 * Reaping: actions and the extractor.
 */

static int
reap(void)
{
	struct job	*j;
	pid_t		 pid;
	int		 status, xdone = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == xpid) {
			xpid = -1;
			xdone = 1;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				logmsg(LOG_ERR, "the extractor failed");
			continue;
		}
		TAILQ_FOREACH(j, &running, entry)
			if (j->pid == pid)
				break;
		if (j != NULL)
			job_done(j, status);
	}
	return xdone;
}

/* Run what is waiting, for ENDWAIT s at most, and go. */
static __dead void
finish(void)
{
	struct job	*j;
	msec_t		 end = now() + ENDWAIT * 1000, wait = 0;
	size_t		 n = 0;

	/* Retries wait no longer: one last try now. */
	while ((j = TAILQ_FIRST(&retry)) != NULL) {
		TAILQ_REMOVE(&retry, j, entry);
		j->tries = RETRIES;
		TAILQ_INSERT_TAIL(&ready, j, entry);
	}
	while (now() < end) {
		jobs_run(1);
		reap();
		while ((j = TAILQ_FIRST(&retry)) != NULL) {
			TAILQ_REMOVE(&retry, j, entry);
			job_free(j);
		}
		if (TAILQ_EMPTY(&ready) && TAILQ_EMPTY(&running))
			break;
		poll(NULL, 0, 20);
	}
	TAILQ_FOREACH(j, &ready, entry)
		n++;
	if (n + nrunning > 0)
		logmsg(LOG_WARNING, "exiting with %zu actions not done",
		    n + nrunning);
	fflush(stdout);
	if (xpid != -1) {
		kill(xpid, SIGTERM);
		waitpid(xpid, NULL, 0);
	}
	state_due(1, &wait);
	logmsg(LOG_INFO, "exiting");
	exit(0);
}

/*
 * The programs of the actions, found at start: pfctl and spamdb in PATH,
 * exec: as given, an executable file.
 */
static void
findprogs(void)
{
	struct stat	 st;
	struct action	*a;
	int		 i;

	for (i = 0; i < nactions; i++) {
		a = &actions[i];
		if (a->type == ACT_PF || a->type == ACT_NFT ||
		    a->type == ACT_IPSET || a->type == ACT_SPAMDB) {
			if ((a->prog = findprog(actname(a))) == NULL)
				errx(1, "%s: not found in PATH", actname(a));
		} else if (a->type == ACT_EXEC) {
			if (stat(a->prog, &st) == -1)
				err(1, "%s", a->prog);
			if (!S_ISREG(st.st_mode) || access(a->prog, X_OK) == -1)
				errx(1, "%s: not an executable file", a->prog);
		}
	}
}

/*
 * -n and -a print write to standard output: the daemon stays in the
 * foreground, where it is, not detached with its output on /dev/null.
 */
static int
printing(void)
{
	int	 i;

	for (i = 0; i < nactions; i++)
		if (actions[i].type == ACT_PRINT)
			return 1;
	return nflag;
}

static void
setup_unveil(void)
{
	char	*dir, *slash;
	int	 i;

	for (i = 0; i < lo.nlists; i++)
		if (unveil(lo.lists[i], "r") == -1)
			err(1, "unveil %s", lo.lists[i]);
	if (lo.dfile != NULL && unveil(lo.dfile, "r") == -1)
		err(1, "unveil %s", lo.dfile);
	if (wfile != NULL && unveil(wfile, "r") == -1)
		err(1, "unveil %s", wfile);
	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i], "-") != 0 && unveil(files[i], "r") == -1)
			err(1, "unveil %s", files[i]);
	if (!nflag && alertact.prog != NULL &&
	    unveil(alertact.prog, "x") == -1)
		err(1, "unveil %s", alertact.prog);
	if (!nflag)
		for (i = 0; i < nactions; i++)
			if (actions[i].prog != NULL &&
			    unveil(actions[i].prog, "x") == -1)
				err(1, "unveil %s", actions[i].prog);
	/* the state file's directory, for its temporary file */
	if (statefile != NULL) {
		if ((dir = strdup(statefile)) == NULL)
			err(1, NULL);
		slash = strrchr(dir, '/');
		slash[slash == dir] = '\0';
		if (unveil(dir, "rwc") == -1)
			err(1, "unveil %s", dir);
		free(dir);
	}
	if (unveil(NULL, NULL) == -1)
		err(1, "unveil");
}

/* The promises of pledge(2): -n runs nothing, -s writes its file. */
static const char *
promises(void)
{
	if (statefile != NULL)
		return nflag ? "stdio rpath wpath cpath route proc" :
		    "stdio rpath wpath cpath route proc exec";
	return nflag ? "stdio rpath route proc" :
	    "stdio rpath route proc exec";
}

/* -T n/secs */
static void
parse_threshold(const char *s)
{
	char		*arg, *slash;
	const char	*errstr;

	if ((arg = strdup(s)) == NULL)
		err(1, NULL);
	if ((slash = strchr(arg, '/')) == NULL)
		errx(1, "-T wants n/secs: %s", s);
	*slash++ = '\0';
	tn = strtonum(arg, 1, MAXTN, &errstr);
	if (errstr != NULL)
		errx(1, "-T: n is %s: %s", errstr, s);
	tsecs = strtonum(slash, 1, 10 * 366 * 86400LL, &errstr);
	if (errstr != NULL)
		errx(1, "-T: secs is %s: %s", errstr, s);
	free(arg);
}

/* -e: an absolute path to an executable file, run without a shell. */
static void
alert_prog(const char *path)
{
	struct stat	 st;

	if (path[0] != '/')
		errx(1, "-e needs an absolute path: %s", path);
	if (stat(path, &st) == -1)
		err(1, "%s", path);
	if (!S_ISREG(st.st_mode) || access(path, X_OK) == -1)
		errx(1, "%s: not an executable file", path);
	alertact.type = ACT_ALERT;
	alertact.arg = path;
	if ((alertact.prog = strdup(path)) == NULL)
		err(1, NULL);
}

static void
options(int argc, char *argv[])
{
	const char	*errstr;
	int		 ch;

	while ((ch = getopt(argc, argv, "a:D:d:e:f:L:ns:T:t:vw:X:x:")) != -1) {
		switch (ch) {
		case 'a':
			parse_action(optarg);
			break;
		case 'D':
			trap_listopt(&lo, ch, abspath(optarg));
			break;
		case 'd':
			trap_listopt(&lo, ch, optarg);
			break;
		case 'e':
			alert_prog(optarg);
			break;
		case 'f':
			if (nfiles == MAXLISTS)
				errx(1, "too many files");
			files[nfiles++] = (char *)abspath(optarg);
			break;
		case 'L':
			ln = strtonum(optarg, 1, MAXTN, &errstr);
			if (errstr != NULL)
				errx(1, "-L is %s: %s", errstr, optarg);
			break;
		case 'n':
			nflag = 1;
			break;
		case 's':
			statefile = abspath(optarg);
			break;
		case 'T':
			parse_threshold(optarg);
			break;
		case 't':
			if (strcmp(optarg, "-") == 0)
				errx(1, "-t -: standard input is the log");
			trap_listopt(&lo, ch, abspath(optarg));
			break;
		case 'v':
			vflag = 1;
			break;
		case 'w':
			wfile = abspath(optarg);
			break;
		case 'X':
			maxexpire = strtonum(optarg, 1, INT_MAX, &errstr);
			if (errstr != NULL)
				errx(1, "-X is %s: %s", errstr, optarg);
			break;
		case 'x':
			expire = strtonum(optarg, 0, INT_MAX, &errstr);
			if (errstr != NULL)
				errx(1, "-x is %s: %s", errstr, optarg);
			break;
		default:
			usage();
		}
	}
	if (argc != optind)
		trap_badusage(usage, "files are followed with -f: %s",
		    argv[optind]);
	if (lo.dlist != NULL && lo.dfile != NULL)
		trap_badusage(usage, "-d and -D are mutually exclusive");
	if (nflag && nactions > 0)
		trap_badusage(usage, "-n and -a are mutually exclusive");
	if (maxexpire == -1)
		maxexpire = expire;
	else if (maxexpire < expire)
		trap_badusage(usage, "-X is less than -x");
	if (alertact.prog != NULL && ln == 0)
		trap_badusage(usage, "-e is for -L");
	if (lo.nlists == 0 && tn == 0 && ln == 0)
		errx(1, "nothing to look for: give -t, -T or -L");
	if (nactions == 0 && !nflag)
		errx(1, "no action: give -a, or -n for a dry run");
}

/* Everything read and checked before the daemon goes. */
static void
prepare(void)
{
	int	 i;

	if (lo.nlists > 0 && (traps = trap_list_open(&lo, NULL)) == NULL)
		exit(1);
	counted.max = tn;
	counted.window = tsecs * 1000;
	/* -L counts a failure of exactly the window's age, -T does not. */
	watched.max = lkeep();
	watched.window = (tn > 0 ? tsecs : LWINDOW) * 1000 + 1;
	if (wfile != NULL && allow_load(wfile, &allow) == -1)
		exit(1);
	own_load();
	findprogs();
	if ((devnull = open("/dev/null", O_RDWR)) == -1)
		err(1, "/dev/null");
	cloexec(devnull, 0);

	follow = trap_follow_new(line, NULL, 0);
	if (nfiles == 0)
		files[nfiles++] = "-";
	for (i = 0; i < nfiles; i++)
		if (trap_follow_add(follow, files[i]) == -1)
			warn("%s (waiting for it)", files[i]);
	if (!vflag)
		openlog(getprogname(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
detach(void)
{
	int	 i;

	if (!vflag && !printing()) {
		if (daemon(0, 1) == -1)
			err(1, "daemon");
		trap_warn_divert(warnlog);
		for (i = 0; i < nfiles; i++)
			if (strcmp(files[i], "-") == 0)
				break;
		if (i == nfiles)
			dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* The extractor starts between SIGPIPE ignored and the handlers set. */
static void
signals(void)
{
	struct sigaction	 sa;

	if (pipe(sigpipe) == -1)
		err(1, "pipe");
	cloexec(sigpipe[0], 1);
	cloexec(sigpipe[1], 1);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	x_start();
	sa.sa_handler = handler;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
}

/*
 * The work between two polls: signals, children, the input checked;
 * return the ms to wait, or -1 when it is time to go.
 */
static int
tick(void)
{
	msec_t	 t, wait;

	if (gotquit)
		return -1;
	if (gothup)
		reload();
	if (reap() && !ended)
		x_died();
	if (ended && xpid == -1 && !xopen)
		return -1;
	t = now();
	if (t - lastif >= IFREFRESH * 1000) {
		own_load();
		lastif = t;
	}
	age();
	wait = nflag ? 1000 : jobs_run(0);
	state_due(0, &wait);
	if (!ended && t >= nextcheck) {
		if (trap_follow_check(follow) == -1)
			ended = 1;
		nextcheck = t + TRAP_FOLLOW_INTERVAL;
	}
	if (ended && olen == 0 && xout != -1) {
		close(xout);	/* the extractor ends */
		xout = -1;
	}
	if (!ended && nextcheck - t < wait)
		wait = nextcheck - t > 0 ? nextcheck - t : 0;
	return (int)wait;
}

static void
loop(void)
{
	struct pollfd	 pfd[PFD_MAX];
	char		 c;
	int		 wait;

	lastif = now();
	while ((wait = tick()) != -1) {
		pfd[PFD_SIGNAL].fd = sigpipe[0];
		pfd[PFD_SIGNAL].events = POLLIN;
		pfd[PFD_INPUT].fd = ended ? -1 : trap_follow_fd(follow);
		pfd[PFD_INPUT].events = POLLIN;
		pfd[PFD_XOUT].fd = olen > 0 ? xout : -1;
		pfd[PFD_XOUT].events = POLLOUT;
		pfd[PFD_XIN].fd = xopen ? xin : -1;
		pfd[PFD_XIN].events = POLLIN;
		if (poll(pfd, PFD_MAX, wait) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (pfd[PFD_SIGNAL].revents & POLLIN)
			while (read(sigpipe[0], &c, 1) == 1)
				continue;
		if (pfd[PFD_INPUT].fd != -1 &&
		    (pfd[PFD_INPUT].revents & (POLLIN | POLLHUP)))
			nextcheck = 0;
		if (pfd[PFD_XOUT].fd != -1 && (pfd[PFD_XOUT].revents &
		    (POLLOUT | POLLERR | POLLHUP)) && !x_write())
			x_died();
		if (pfd[PFD_XIN].fd != -1 &&
		    (pfd[PFD_XIN].revents & (POLLIN | POLLHUP)) && !x_read()) {
			if (!ended)
				x_died();
			xopen = 0;
		}
	}
}

int
main(int argc, char *argv[])
{
	trap_tz_init(NULL);	/* of the log's local times */
	options(argc, argv);
	prepare();
	state_start();
	detach();
	signals();
	setup_unveil();
	if (pledge(promises(), NULL) == -1)
		err(1, "pledge");
	logmsg(LOG_INFO, "started%s", nflag ? " (dry run)" : "");
	loop();
	finish();
}
