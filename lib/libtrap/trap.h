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
 * trap.h: libtrap, the library behind the trap tools.
 * Needs <sys/types.h>, <stdio.h> and <time.h> first.
 */

#ifndef TRAP_H
#define TRAP_H

#include <limits.h>			/* TRAP_NOTIME */
#include <stdint.h>			/* trap_siphash's keys */

#define TRAP_LINEMAX	(64 * 1024)	/* longer input lines are skipped */
#define TRAP_TIMELEN	21		/* "YYYY-MM-DDTHH:MM:SSZ" + NUL */
#define TRAP_NOTIME	((time_t)LLONG_MIN)	/* a record's time of "-" */
#define TRAP_ADDRLEN	46		/* INET6_ADDRSTRLEN */
#define TRAP_NFIELDS	8		/* fields of a trap(5) record */
#define TRAP_NFIELDS_MATCH 10		/* ... with trapmatch's class, match */
#define TRAP_RECMAX	(4 * TRAP_LINEMAX + 512)	/* an encoded record */

/* Ask for the memory at p before it is read (where the compiler can). */
#if defined(__GNUC__) || defined(__clang__)
#define TRAP_PREFETCH(p)	__builtin_prefetch(p)
#else
#define TRAP_PREFETCH(p)	((void)(p))
#endif

/* A string that need not be NUL-terminated. */
struct trap_str {
	const char	*p;
	size_t		 len;
};

/* Services and kinds, as written in records. */
enum trap_service {
	SVC_POP3, SVC_IMAP, SVC_SMTP, SVC_SSH, SVC_LOGIN, SVC_SIEVE,
	SVC_OTHER, SVC_NSERVICES
};
enum trap_kind {
	KIND_NOUSER, KIND_BADPASS, KIND_FAIL, KIND_RCPT, KIND_LOGIN, KIND_NKINDS
};
/* names.c: the tables and their lookups; extract.c: the services'. */
extern const char *const trap_service_names[SVC_NSERVICES];
extern const char *const trap_kind_names[KIND_NKINDS];
int	 trap_name_lookup(const char *const *, int, const char *, size_t);
int	 trap_kind_lookup(const char *, size_t);
int	 trap_service_lookup(const char *, size_t);
int	 trap_service_guess(const char *, size_t);

/* One attempt, as the extractor found it: fields decoded. */
struct trap_attempt {
	time_t			 time;
	struct trap_str		 loghost;	/* len 0: none */
	enum trap_service	 service;
	struct trap_str		 daemon;
	char			 addr[TRAP_ADDRLEN];	/* "" : unknown */
	struct trap_str		 rdns;
	struct trap_str		 user;
	enum trap_kind		 kind;
};

/* file.c: reading lines from files, plain or gzip, in large blocks. */
struct trap_file;
struct trap_file *trap_file_open(const char *);
int	 trap_file_getline(struct trap_file *, const char **, size_t *);
int	 trap_file_getblock(struct trap_file *, const char **, size_t *,
	    unsigned long long *);
typedef void (*trap_file_prep_fn)(void *, const char *, size_t, void **);
void	 trap_file_ahead(struct trap_file *, trap_file_prep_fn,
	    void (*)(void *), void *);
void	*trap_file_prepared(const struct trap_file *);
void	 trap_file_widen(int);
const char *trap_file_name(const struct trap_file *);
unsigned long long trap_file_lineno(const struct trap_file *);
time_t	 trap_file_mtime(const struct trap_file *);
int	 trap_file_error(const struct trap_file *);
void	 trap_file_close(struct trap_file *);

/* out.c: buffered output to a descriptor, trap(5) field encoding. */
struct trap_out;
struct trap_out *trap_out_open(int);
void	 trap_out_write(struct trap_out *, const char *, size_t);
void	 trap_out_putc(struct trap_out *, int);
void	 trap_out_field(struct trap_out *, const char *, size_t);
void	 trap_out_attempt(struct trap_out *, const struct trap_attempt *);
size_t	 trap_attempt_fmt(char *, const struct trap_attempt *);
void	 trap_out_flush(struct trap_out *);
void	 trap_out_close(struct trap_out *);
size_t	 trap_vis(char *, size_t, const char *, size_t);
size_t	 trap_utf8len(const unsigned char *, size_t);
void	 trap_json_str(FILE *, const char *, size_t);
void	 trap_csv_str(FILE *, const char *, size_t);

/* xmalloc.c: allocation that exits trap_eval (err(3)) when it fails. */
extern int trap_eval;
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

/* warn.c: the library's warnings, which a program may divert. */
struct trap_held {			/* a thread's warnings, held */
	char	*p;
	size_t	 len, cap;
};
void	 trap_warn_divert(void (*)(const char *, size_t));
void	 trap_warn_hold(struct trap_held *);
void	 trap_warn_release(struct trap_held *);
void	 trap_warn(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
void	 trap_warnx(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));

/* usage.c */
#define TRAP_MAXJOBS	256	/* -j at most */
__dead void trap_badusage(void (*)(void), const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));
int	 trap_jobs_opt(const char *, void (*)(void));
int	 trap_jobs_default(void);

/* time.c */
void	 trap_time_fmt(time_t, char [TRAP_TIMELEN]);
int	 trap_isleap(int);
int	 trap_mdays(int, int);
int	 trap_time_parse_iso(const char *, time_t *);
time_t	 trap_time_arg(const char *, int);
int	 trap_time_parse_rec(const char *, size_t, time_t *);
time_t	 trap_timegm(int, int, int, int, int, int);
int	 trap_tz_known(const char *);
void	 trap_tz_init(const char *);
time_t	 trap_time_civil(time_t);
int	 trap_time_local(time_t, char [TRAP_TIMELEN]);
struct trap_tzcache {		/* zeroed at first, one a thread */
	struct trap_tzhour {
		time_t	 hour;		/* the UTC hour held, + 1 */
		long	 off;		/* the zone's offset through it */
		int	 usable;	/* off holds through the hour */
	}	*hours;			/* TRAP_TZHOURS of them */
};
#define TRAP_TZHOURS	4096
int	 trap_time_local_cached(struct trap_tzcache *, time_t,
	    char [TRAP_TIMELEN]);
void	 trap_tzcache_free(struct trap_tzcache *);
void	 trap_tz_label(time_t, time_t, char *, size_t);

/* addr.c */
int	 trap_addr_canon(const char *, size_t, char *, size_t);
int	 trap_addr_parse(const char *, size_t, unsigned char *);
int	 trap_addr_canonparse(const char *, size_t, unsigned char *);
size_t	 trap_addr_prefix(int, const unsigned char *, int, char *, size_t);

/* record.c: reading trap(5) records. Fields stay vis-encoded. */
struct trap_rec {
	time_t		 time;
	struct trap_str	 f[TRAP_NFIELDS_MATCH];
	int		 nfields;
	int		 kind;		/* of f[F_KIND], as KIND_* */
	int		 family;	/* of f[F_ADDR]: AF_INET, AF_INET6, 0 */
	unsigned char	 abin[16];	/* f[F_ADDR] in binary */
	int		 escaped;	/* a field has a backslash */
};
enum { F_TIME, F_LOGHOST, F_SERVICE, F_DAEMON, F_ADDR, F_RDNS, F_USER,
    F_KIND, F_CLASS, F_MATCH };
int	 trap_rec_parse(const char *, size_t, struct trap_rec *);
size_t	 trap_unvis(char *, size_t, const char *, size_t);
size_t	 trap_host(const struct trap_str *, const struct trap_str *, char *,
	    struct trap_str *);

/*
 * hash.c: the one hash table, of distinct string keys each with a value
 * area of a fixed size, hashed with SipHash under a key random to the run.
 */
struct trap_hash;
/* Where an entry's key length (uint32_t) is, after its value; the key follows. */
#define TRAP_HASH_KEYOFF(valsize)	(((valsize) + 3) & ~(size_t)3)
uint64_t trap_hash_sum(const void *, size_t);
struct trap_hash *trap_hash_new(size_t);
void	*trap_hash_get(struct trap_hash *, const char *, size_t);
void	*trap_hash_put(struct trap_hash *, const char *, size_t, int *);
const char *trap_hash_key(const struct trap_hash *, const void *, size_t *);
uint32_t trap_hash_find(const struct trap_hash *, const char *, size_t,
	    uint64_t);
uint32_t trap_hash_add(struct trap_hash *, const char *, size_t, uint64_t,
	    int *);
void	*trap_hash_ptr(const struct trap_hash *, uint32_t);
void	*trap_hash_alloc(struct trap_hash *, size_t, uint32_t *);
const void *trap_hash_home(const struct trap_hash *, uint64_t);
uint32_t trap_hash_peek(const struct trap_hash *, uint64_t);
size_t	 trap_hash_count(const struct trap_hash *);
void	**trap_hash_values(const struct trap_hash *, size_t *);
uint64_t *trap_hash_refs(struct trap_hash *, size_t *);
void	 trap_hash_free(struct trap_hash *);
uint64_t trap_siphash(const uint64_t [2], const void *, size_t);

/* traplist.c: spamtrap lists (spamdb listing, plain, HTML). */
struct trap_list;
struct trap_list *trap_list_new(void);
void	 trap_lower(char *, size_t);
void	 trap_list_domain(struct trap_list *, const char *, size_t);
int	 trap_list_scope(struct trap_list *, const char *, const char *);
int	 trap_list_scoped(const struct trap_list *);
int	 trap_list_inscope(struct trap_list *, const char *, size_t);
int	 trap_list_load(struct trap_list *, const char *);
const char *trap_list_match(struct trap_list *, const char *, size_t);
const char *const *trap_list_addrs(const struct trap_list *, size_t *);
size_t	 trap_list_locals(const struct trap_list *);
long	 trap_list_position(struct trap_list *, const char *, size_t);
size_t	 trap_list_outofscope(const struct trap_list *);
size_t	 trap_list_entries(const struct trap_list *);
void	 trap_list_free(struct trap_list *);
#define TRAP_MAXLISTS	64
struct trap_listopt {			/* -t, -d, -D */
	const char	*lists[TRAP_MAXLISTS];
	int		 nlists;
	const char	*dlist, *dfile;
	int		 stdinlist;	/* -t - */
	int		 eval;		/* the exit status of an error */
};
int	 trap_listopt(struct trap_listopt *, int, const char *);
void	 trap_listopt_check(const struct trap_listopt *, void (*)(void), int,
	    int, char *[]);
struct trap_list *trap_list_open(const struct trap_listopt *, const char *);

/* archive.c: the Berkeley DB archive of records (trapdb(8)). */
struct trap_archive;
typedef int (*trap_line_fn)(const char *, size_t, void *);
struct trap_archive *trap_archive_open(const char *, int);
void	 trap_archive_newfile(struct trap_archive *);
int	 trap_archive_add(struct trap_archive *, const char *, size_t);
int	 trap_archive_addrec(struct trap_archive *, const struct trap_rec *,
	    const char *);
int	 trap_archive_sync(struct trap_archive *);
int	 trap_archive_scan(struct trap_archive *, time_t, time_t,
	    trap_line_fn, void *);
int	 trap_archive_lookup(struct trap_archive *, int, const char *,
	    trap_line_fn, void *);
long long trap_archive_expire(struct trap_archive *, time_t);
int	 trap_archive_stats(struct trap_archive *, long long *, time_t *,
	    time_t *);
long long trap_archive_verify(struct trap_archive *);
long long trap_archive_repair(struct trap_archive *);
unsigned long long trap_archive_added(const struct trap_archive *);
long long trap_archive_bytes(const char *);
int	 trap_archive_close(struct trap_archive *);

/* breach.c: addresses that logged in after failing. */
struct trap_breach;
struct trap_breach_row {
	time_t		 login;		/* its first login after a failure */
	char		*addr;
	char		*user;		/* it logged in as, as in the record */
	unsigned long long failures;	/* from the address, before it */
	unsigned long long netfailures;	/* from its /24 or /64, before it */
	time_t		 first;		/* the first of those failures */
	int		 trap;		/* one of their names was a spamtrap */
};
struct trap_breach *trap_breach_new(void);
void	 trap_breach_add(struct trap_breach *, const struct trap_rec *);
const struct trap_breach_row **trap_breach_rows(struct trap_breach *,
	    size_t *);
void	 trap_breach_free(struct trap_breach *);

/*
 * input.c: the one reader of records (files, stdin or the archive), for
 * every tool: each line parsed once, the window applied, bad lines
 * reported.  Set the fields before trap_input_read (since and until with
 * trap_input_window after trap_input_opt, or -1); nbad is its count.
 */
#define TRAP_INPUT_MAXWARN	10	/* bad lines reported one by one */
struct trap_input {
	const char	*archive;	/* -A, or NULL for the files */
	const char	*sarg, *uarg;	/* -S, -U, as given */
	time_t		 since, until;	/* -S, -U; -1: unbounded */
	int		 logins;	/* give login records too */
	int		 notime;	/* and records without a time */
	unsigned long long nnotime;	/* those left out */
	const char	*promises;	/* pledge(2) once all is open, or NULL */
	/* A record in the window, its fields pointing into line: 0 goes on. */
	int		(*rec)(const struct trap_rec *, const char *, size_t,
			    void *);
	void		(*flush)(void *);	/* the lines given are to go */
	void		(*newfile)(void *);	/* a file is begun */
	void		*arg;
	unsigned long long nbad;	/* lines that were not records */
};
int	 trap_input_opt(struct trap_input *, int, const char *);
void	 trap_listinput_opt(struct trap_listopt *, struct trap_input *, int,
	    const char *, void (*)(void));
void	 trap_input_window(struct trap_input *, int);
int	 trap_input_read(struct trap_input *, int, char *[]);

/*
 * follow.c: following log files as they grow, across rotation by rename
 * (newsyslog(8), logrotate "create") and by truncation (logrotate
 * "copytruncate"), and standard input as a stream.
 *
 * Each complete line is handed to the callback with the file's name and
 * its line number in the file (counted from the first line read of this
 * file, restarting at 1 when the path is reopened or truncated).  Lines
 * split across reads are joined; lines longer than TRAP_LINEMAX are
 * skipped, with one warning per file.
 *
 * Files are checked with stat(2) whenever trap_follow_check() is called,
 * which should be every TRAP_FOLLOW_INTERVAL ms; trap_follow_wait() waits
 * that long, or less if standard input is readable, so that
 *
 *	while (!quit && trap_follow_check(f) != -1)
 *		trap_follow_wait(f, TRAP_FOLLOW_INTERVAL);
 *
 * follows until the input ends (only standard input ends: files may come
 * back).  A program with a poll(2) loop of its own polls trap_follow_fd()
 * instead.  When the path names
 * another file (a rename), the old descriptor is read to its end, and
 * still read for TRAP_FOLLOW_DRAIN s in case the writer has not reopened
 * yet; the new file is read from its beginning.  A file shorter than the
 * offset read (a truncation) is read again from its beginning.  So no line
 * is lost or read twice across a rotation.
 */

#define TRAP_FOLLOW_START	0x01	/* read files from the start */
#define TRAP_FOLLOW_INTERVAL	250	/* ms between checks of the files */
#define TRAP_FOLLOW_DRAIN	10	/* s a rotated file is still read */

struct trap_follow;
typedef void (*trap_follow_fn)(const char *, size_t, const char *,
	    unsigned long long, void *);

struct trap_follow *trap_follow_new(trap_follow_fn, void *, int);
int	 trap_follow_add(struct trap_follow *, const char *);
int	 trap_follow_fd(const struct trap_follow *);
int	 trap_follow_check(struct trap_follow *);
int	 trap_follow_wait(struct trap_follow *, int);
void	 trap_follow_free(struct trap_follow *);

/* extract.c: log lines to attempts. */
struct trap_extract;
typedef void (*trap_emit_fn)(const struct trap_attempt *, void *);
struct trap_extract *trap_extract_new(trap_emit_fn, void *);
int	 trap_extract_patterns(struct trap_extract *, const char *,
	    const char *);
int	 trap_extract_builtin(struct trap_extract *);
void	 trap_extract_reftime(struct trap_extract *, time_t);
void	 trap_extract_rcpt(struct trap_extract *, int);
void	 trap_extract_live(struct trap_extract *, int);
void	 trap_extract_logins(struct trap_extract *, int);
void	 trap_extract_line(struct trap_extract *, const char *, size_t,
	    const char *, unsigned long long);
void	 trap_extract_block(struct trap_extract *, const char *, size_t,
	    const char *, unsigned long long, unsigned long long);
void	 trap_extract_file(struct trap_extract *, struct trap_file *);
void	 trap_extract_readahead(struct trap_extract *, int);
void	 trap_extract_flush(struct trap_extract *);
void	 trap_extract_end(struct trap_extract *);
unsigned long long trap_extract_warnings(const struct trap_extract *);
void	 trap_extract_stats(const struct trap_extract *, FILE *,
	    const char *);
void	 trap_extract_free(struct trap_extract *);
void	 trap_extract_reset(struct trap_extract *, time_t);
unsigned long trap_extract_which(struct trap_extract *, const char *, size_t,
	    const char **);

/*
 * svg.c: SVG charts, self-contained (no script, style sheet, font file or
 * link), every string escaped and made valid UTF-8.  Text flags: anchor
 * (start by default), size (12 by default), weight, family, colour, and
 * UP, turned to read upwards about its point.
 */
#define TRAP_SVG_MIDDLE	0x01
#define TRAP_SVG_END	0x02
#define TRAP_SVG_BOLD	0x04
#define TRAP_SVG_BIG	0x08		/* 16 */
#define TRAP_SVG_SMALL	0x10		/* 11 */
#define TRAP_SVG_GRAY	0x20
#define TRAP_SVG_UP	0x40
#define TRAP_SVG_MONO	0x80

struct trap_svg;
struct trap_svg_tick {
	double		 v;
	char		 label[24];
};
/* A plot area in pixels, and the data at its edges. */
struct trap_svg_box {
	double		 x, y, w, h;
	double		 xlo, xhi, ylo, yhi;
};
struct trap_svg *trap_svg_begin(FILE *, int, int, const char *);
int	 trap_svg_end(struct trap_svg *);
void	 trap_svg_escape(FILE *, const char *, size_t);
void	 trap_svg_text(struct trap_svg *, double, double, int, const char *);
void	 trap_svg_textf(struct trap_svg *, double, double, int,
	    const char *, ...) __attribute__((__format__(__printf__, 5, 6)));
void	 trap_svg_rect(struct trap_svg *, double, double, double, double,
	    const char *);
void	 trap_svg_line(struct trap_svg *, double, double, double, double,
	    const char *, double, double);
void	 trap_svg_poly(struct trap_svg *, const double *, size_t,
	    const char *, double, double, const char *);
void	 trap_svg_circle(struct trap_svg *, double, double, double,
	    const char *);
void	 trap_svg_clip(struct trap_svg *, double, double, double, double);
void	 trap_svg_unclip(struct trap_svg *);
size_t	 trap_svg_ticks(double, double, size_t, int, struct trap_svg_tick *,
	    size_t);
size_t	 trap_svg_dayticks(double, double, size_t, struct trap_svg_tick *,
	    size_t);
double	 trap_svg_x(const struct trap_svg_box *, double);
double	 trap_svg_y(const struct trap_svg_box *, double);
void	 trap_svg_yaxis(struct trap_svg *, struct trap_svg_box *, double, int,
	    const char *);
void	 trap_svg_xdays(struct trap_svg *, const struct trap_svg_box *, int,
	    const char *);

#endif /* TRAP_H */
