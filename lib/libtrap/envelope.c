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
 * The syslog envelope: what precedes a message (time stamp, log host,
 * program and process ID, in the forms syslogds and daemons write), and
 * the time it stands for, with the year and the zone that a RFC 3164
 * stamp leaves out.
 */

#include "compat.h"

#include <sys/types.h>

#include <ctype.h>
#include <err.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"
#include "envelope.h"


/*
 * The reference time of the lines to come: a RFC 3164 stamp gets the
 * year that puts it at or before the reference plus one day.
 */
void
env_clock_ref(struct env_clock *c, time_t ref)
{
	struct tm	 tm;
	time_t		 t = ref + 86400;

	if (localtime_r(&t, &tm) == NULL)
		errx(1, "bad reference time");
	c->day_valid = c->min_valid = 0;	/* TZ may have changed */
	c->refyear = tm.tm_year + 1900;
	c->reftuple = (((tm.tm_mon + 1) * 100L + tm.tm_mday) * 100L +
	    tm.tm_hour) * 10000L + tm.tm_min * 100L + tm.tm_sec;
	c->lastlocal = LONG_MIN;
}

/* The offset from UTC of a local time, as mktime(3) reads it. */
static int
offset(int year, int mon, int mday, int hour, int min, long *off)
{
	struct tm	 tm;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == -1)
		return -1;
	*off = trap_timegm(year, mon, mday, hour, min, 0) - t;
	return 0;
}

/*
 * Local time to UTC.  Most days have one offset from UTC all day: that
 * is cached per day.  On a day with a transition, each minute is read
 * both ways; of the two readings of the ambiguous autumn hour, the
 * earlier unless it goes back before the previous line.
 */
static int
localtoutc(struct env_clock *clk, const struct env *e, int year, time_t *t)
{
	struct tm	 tm, chk;
	time_t		 c[2];
	long		 o1 = 0, o2 = 0;
	int		 i, n = 0, dst;

	if (!clk->day_valid || year != clk->day_year || e->mon != clk->day_mon ||
	    e->mday != clk->day_mday) {
		clk->day_year = year;
		clk->day_mon = e->mon;
		clk->day_mday = e->mday;
		clk->day_valid = offset(year, e->mon, e->mday, 0, 0, &o1) == 0 &&
		    offset(year, e->mon, e->mday, 23, 59, &o2) == 0 &&
		    o1 == o2 ? 1 : -1;
		clk->day_off = o1;
	}
	if (clk->day_valid == 1) {
		*t = trap_timegm(year, e->mon, e->mday, e->hour, e->min,
		    e->sec) - clk->day_off;
		if (*t > clk->lastlocal)
			clk->lastlocal = *t;
		return 0;
	}

	if (!clk->min_valid || year != clk->min_year || e->mon != clk->min_mon ||
	    e->mday != clk->min_mday || e->hour != clk->min_hour || e->min != clk->min_min) {
		for (dst = 0; dst <= 1; dst++) {
			memset(&tm, 0, sizeof(tm));
			tm.tm_year = year - 1900;
			tm.tm_mon = e->mon - 1;
			tm.tm_mday = e->mday;
			tm.tm_hour = e->hour;
			tm.tm_min = e->min;
			tm.tm_isdst = dst;
			c[n] = mktime(&tm);
			if (localtime_r(&c[n], &chk) == NULL ||
			    chk.tm_year != year - 1900 ||
			    chk.tm_mon != e->mon - 1 ||
			    chk.tm_mday != e->mday || chk.tm_hour != e->hour ||
			    chk.tm_min != e->min)
				continue;
			for (i = 0; i < n; i++)
				if (c[i] == c[n])
					break;
			if (i == n)
				n++;
		}
		clk->min_year = year;
		clk->min_mon = e->mon;
		clk->min_mday = e->mday;
		clk->min_hour = e->hour;
		clk->min_min = e->min;
		clk->min_valid = n;
		if (n == 1)
			clk->min_early = clk->min_late = c[0];
		else if (n == 2) {
			clk->min_early = c[0] < c[1] ? c[0] : c[1];
			clk->min_late = c[0] < c[1] ? c[1] : c[0];
		}
	}
	if (clk->min_valid == 0)
		return -1;
	*t = clk->min_early + e->sec;
	if (*t + 60 < clk->lastlocal)
		*t = clk->min_late + e->sec;
	if (*t > clk->lastlocal)
		clk->lastlocal = *t;
	return 0;
}

int
env_time(struct env_clock *clk, const struct env *e, time_t *t)
{
	int	 year = e->year, i;
	long	 tuple;

	if (e->badtime)
		return -1;
	if (e->abs) {
		*t = e->t;
		return *t < 0 || *t > TIMEMAX ? -1 : 0;
	}
	if (e->mon < 1 || e->mon > 12 || e->mday < 1 ||
	    e->mday > trap_mdays(0, e->mon) || e->hour > 23 || e->min > 59 ||
	    e->sec > 60)
		return -1;
	if (year == 0) {
		tuple = (((e->mon * 100L + e->mday) * 100L + e->hour) *
		    10000L) + e->min * 100L + e->sec;
		year = clk->refyear - (tuple > clk->reftuple);
		for (i = 0; i < 8 && e->mon == 2 && e->mday == 29 &&
		    !trap_isleap(year); i++)
			year--;
	}
	if (e->mon == 2 && e->mday == 29 && !trap_isleap(year))
		return -1;
	if (localtoutc(clk, e, year, t) == -1)
		return -1;
	return *t < 0 || *t > TIMEMAX ? -1 : 0;	/* a zone moved it out */
}

/* Parse exactly n digits at p into *v. */
static int
num(const char *p, const char *end, int n, int *v)
{
	int	 i;

	if (end - p < n)
		return -1;
	for (*v = 0, i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		*v = *v * 10 + p[i] - '0';
	}
	return 0;
}

/* Split off a blank-terminated token, skipping one blank after it. */
static int
token(const char **pp, const char *end, struct trap_str *tok)
{
	const char	*p = *pp;

	tok->p = p;
	while (p < end && *p != ' ')
		p++;
	tok->len = p - tok->p;
	if (p < end)
		p++;
	*pp = p;
	return tok->len > 0 ? 0 : -1;
}

/*
 * A "facility.priority" word (colon: with a colon after it), as busybox
 * syslogd writes after the host and socklog before the message; without
 * the colon also AIX's "facility:priority", the facility's names joined
 * by "|" ("auth|security:info").
 */
static int
isfacprio(const struct trap_str *t, int colon)
{
	size_t	 i, len = t->len, sep = 0;
	int	 c;

	if (colon) {
		if (len < 4 || t->p[len - 1] != ':')
			return 0;
		len--;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)t->p[i];
		if ((c == '.' || (c == ':' && !colon)) && sep == 0 && i > 0)
			sep = i;
		else if (c == '|' && !colon && sep == 0 && i > 0 &&
		    t->p[i - 1] != '|')
			continue;
		else if (!islower(c) && !isdigit(c))
			return 0;
	}
	return sep > 0 && sep < len - 1 && t->p[sep - 1] != '|';
}

/* A syslog tag "prog[pid]:" or "prog:". */
static int
istag(const struct trap_str *t)
{
	return t->len >= 2 && t->p[t->len - 1] == ':';
}

/*
 * A tag "prog[pid]" with no colon after it: ProFTPD's own SystemLog file
 * (log.c log_write(): "%s[%u] %s: %s", the virtual server's name and the
 * client before the message's colon), and rsyslog's tag for a message it
 * received as RFC 5424 (msg.c tryEmulateTAG(): "APP-NAME[PROCID]"), which
 * its file templates write before the message with a blank.
 */
static int
pidtag(const struct trap_str *t)
{
	const char	*lb;
	size_t		 n;

	if (t->len < 4 || t->p[t->len - 1] != ']' ||
	    (lb = memchr(t->p, '[', t->len)) == NULL || lb == t->p)
		return 0;
	n = t->p + t->len - 1 - (lb + 1);
	return n > 0 && strspn(lb + 1, "0123456789") == n;
}

/* Are p[0..len) the letters of a program's name (len > 0)? */
static int
progchars(const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)p[i]) && (p[i] == '\0' ||
		    strchr("_./-", p[i]) == NULL))
			return 0;
	return len > 0;
}

/*
 * After the host of an RFC 3164 stamp, a program's name with no colon and
 * no PROCID: rsyslog's tag for an RFC 5424 message of PROCID "-"
 * (tryEmulateTAG(): APP-NAME alone), as RSYSLOG_TraditionalFileFormat
 * writes it.  The message after it in e, and 0; -1 if the word at p is
 * no program's name.  (After an RFC 3339 stamp such a line reads as
 * docker's "STAMP MESSAGE" as well, and is left to the guessing.)
 */
static int
apptag(const char *p, const char *end, struct env *e)
{
	struct trap_str	 t;

	if (token(&p, end, &t) || !isalpha((unsigned char)t.p[0]) ||
	    !progchars(t.p, t.len))
		return -1;
	e->prog = t;
	e->pid.len = 0;
	e->msg.p = p;
	e->msg.len = end - p;
	return 0;
}

static void
settag(struct env *e, const struct trap_str *t)
{
	const char	*lb;
	size_t		 len = t->len;

	if (t->p[len - 1] == ':')
		len--;			/* not pidtag()'s */

	e->prog.p = t->p;
	e->prog.len = len;
	e->pid.len = 0;
	if (len > 2 && t->p[len - 1] == ']' &&
	    (lb = memchr(t->p, '[', len)) != NULL) {
		e->prog.len = lb - t->p;
		e->pid.p = lb + 1;
		e->pid.len = t->p + len - 1 - (lb + 1);
	}
	/* A daemon started by its path logs it: "/usr/sbin/sshd[pid]:". */
	if (e->prog.len > 1 && e->prog.p[0] == '/') {
		for (lb = e->prog.p + e->prog.len; lb[-1] != '/'; lb--)
			continue;
		e->prog.len -= lb - e->prog.p;
		e->prog.p = lb;
	}
}

/*
 * "yyyy-mm-dd?hh:mm:ss" at p, with sep for the "-" and any byte for the
 * "?" (the caller's to look at), into e: 0, or -1 if p holds none.
 * The caller has seen that p has 19 bytes at least.
 */
static int
ymdhms(const char *p, const char *end, int sep, struct env *e)
{
	return num(p, end, 4, &e->year) || p[4] != sep ||
	    num(p + 5, end, 2, &e->mon) || p[7] != sep ||
	    num(p + 8, end, 2, &e->mday) ||
	    num(p + 11, end, 2, &e->hour) || p[13] != ':' ||
	    num(p + 14, end, 2, &e->min) || p[16] != ':' ||
	    num(p + 17, end, 2, &e->sec) ? -1 : 0;
}

/* RFC 3339 stamp, with or without a zone (local without). */
static int
rfc3339(const char **pp, const char *end, struct env *e)
{
	const char	*p = *pp;
	int		 oh, om, sign, utc;

	if (end - p < 20)
		return -1;
	if (ymdhms(p, end, '-', e) == -1 ||
	    (p[10] != 'T' && p[10] != ' ' && p[10] != '_'))
		return -1;
	e->space = p[10] == ' ';
	utc = p[10] == '_';		/* svlogd -tt: UTC */
	p += 19;
	if (p < end && (*p == '.' || *p == ','))
		for (p++; p < end && isdigit((unsigned char)*p); p++)
			continue;
	e->abs = 0;
	if (e->space && end - p > 6 && p[0] == ' ' &&
	    (p[1] == '+' || p[1] == '-') && num(p + 2, end, 4, &oh) == 0 &&
	    p[6] == ' ') {
		p++;		/* Exim's log_timezone: " +hhmm" */
		e->space = 2;
	}
	if (utc) {
		e->abs = 1;
		e->t = 0;
	} else if (p < end && *p == 'Z') {
		p++;
		e->abs = 1;
		e->t = 0;
	} else if (p < end && (*p == '+' || *p == '-') &&
	    num(p + 1, end, 2, &oh) == 0) {
		sign = *p == '-' ? -1 : 1;
		p += 3;
		if (p < end && *p == ':')
			p++;
		if (num(p, end, 2, &om))
			return -1;
		p += 2;
		e->abs = 1;
		e->t = -sign * (oh * 3600 + om * 60);
	}
	if (e->abs) {
		if (e->year < 1970 || e->mon < 1 || e->mon > 12 ||
		    e->mday < 1 || e->mday > trap_mdays(e->year, e->mon) ||
		    e->hour > 23 || e->min > 59 || e->sec > 60)
			e->badtime = 1;
		e->t += trap_timegm(e->year, e->mon, e->mday, e->hour,
		    e->min, e->sec);
	}
	if (p >= end || *p != ' ')
		return -1;
	*pp = p + 1;
	return 0;
}

/* RFC 5424 after the stamp: HOST APP PROCID MSGID SD [MSG]. */
static int
rfc5424(const char *p, const char *end, struct env *e)
{
	struct trap_str	 msgid;
	int		 quoted;

	if (token(&p, end, &e->host) || token(&p, end, &e->prog) ||
	    token(&p, end, &e->pid) || token(&p, end, &msgid))
		return -1;
	if (e->host.len == 1 && e->host.p[0] == '-')
		e->host.len = 0;
	if (e->prog.len == 1 && e->prog.p[0] == '-')
		e->prog.len = 0;
	if (e->pid.len == 1 && e->pid.p[0] == '-')
		e->pid.len = 0;
	if (p < end && *p == '-')
		p++;
	else {
		if (p >= end || *p != '[')
			return -1;
		while (p < end && *p == '[') {
			for (quoted = 0, p++; p < end; p++) {
				if (quoted && *p == '\\' && p + 1 < end)
					p++;
				else if (*p == '"')
					quoted = !quoted;
				else if (!quoted && *p == ']')
					break;
			}
			if (p++ >= end)
				return -1;
		}
	}
	/* "SD [SP MSG]": a message always follows a blank */
	if (p < end && *p++ != ' ')
		return -1;
	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	e->msg.p = p;
	e->msg.len = end - p;
	return 0;
}

/* Does p[0..end) begin with the string s? */
static int
prefixed(const char *p, const char *end, const char *s)
{
	size_t	 len = strlen(s);

	return (size_t)(end - p) >= len && memcmp(p, s, len) == 0;
}

/*
 * The count of a repeat at *pp, 1 to MAXCOUNT, its digits passed; 0 if
 * there is none (*pp is then past what digits there are).
 */
static long long
repcount(const char **pp, const char *end)
{
	const char	*p = *pp;
	char		 buf[16];
	size_t		 len;

	while (*pp < end && isdigit((unsigned char)**pp))
		(*pp)++;
	len = *pp - p;
	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return strtonum(buf, 1, MAXCOUNT, NULL);
}

/* BSD "last message repeated N times" (also "--- ... ---"). */
static int
lastrepeat(const char *p, const char *end, long long *n)
{
	if (prefixed(p, end, "--- "))
		p += 4;
	/* sysklogd 2.x (2019 on) says "buffered" */
	if (!prefixed(p, end, "last message repeated ") &&
	    !prefixed(p, end, "last message buffered "))
		return 0;
	p += 22;
	if ((*n = repcount(&p, end)) == 0 || end - p < 6 ||
	    !prefixed(p, end, " time"))
		return *n = 0;
	return 1;
}

/*
 * FreeBSD's syslogd from 12.0 writes its repeat line as a message of its
 * own, "HOST syslogd: last message repeated N times" (syslogd.c
 * fprintlog_successive(), HOST its own name), in any format; sysklogd
 * 2.x's in RFC 5424 has no APP-NAME ("HOST - - - last message buffered N
 * times").  N, or 0.
 */
long long
env_ownrepeat(const struct env *e)
{
	long long	 n;

	if ((e->prog.len != 0 && (e->prog.len != 7 ||
	    memcmp(e->prog.p, "syslogd", 7) != 0)) || e->pid.len != 0 ||
	    !lastrepeat(e->msg.p, e->msg.p + e->msg.len, &n))
		return 0;
	return n;
}

/*
 * syslog-ng's suppress(): "Last message 'Q' repeated N times,
 * suppressed by syslog-ng on HOST" ("supressed" in older releases),
 * with the host and program of the message it repeats and Q its first
 * 20 bytes (lib/logwriter.c).  Return N and Q in *quoted, or 0.
 */
long long
env_sngrepeat(const struct env *e, struct trap_str *quoted)
{
	static const char	 head[] = "Last message '", rep[] = "' repeated ";
	const char		*p = e->msg.p, *end = p + e->msg.len, *q, *d;
	long long		 n;

	if (e->msg.len < sizeof(head) - 1 + sizeof(rep) - 1 ||
	    memcmp(p, head, sizeof(head) - 1) != 0)
		return 0;
	p += sizeof(head) - 1;
	/* Q is 20 bytes, or all of a shorter message. */
	for (q = p + 20 < end ? p + 20 : end; q >= p; q--)
		if ((size_t)(end - q) >= sizeof(rep) - 1 &&
		    memcmp(q, rep, sizeof(rep) - 1) == 0)
			break;
	if (q < p)
		return 0;
	d = q + sizeof(rep) - 1;
	if ((n = repcount(&d, end)) == 0 ||
	    (!prefixed(d, end, " times, suppressed by syslog-ng on ") &&
	    !prefixed(d, end, " times, supressed by syslog-ng on ")))
		return 0;
	quoted->p = p;
	quoted->len = q - p;
	return n;
}

/* Is p[1..3) the rest of the month name m, whose number is n? */
#define REST(m, n)	(p[1] == (m)[1] && p[2] == (m)[2] ? (n) : 0)

/*
 * The month (1 to 12) whose name p[0..3) is, or 0.  Every line of a log
 * asks: a loop over the twelve names cost December the most.
 */
static int
month(const char *p)
{
	switch (p[0]) {
	case 'J':
		return p[1] == 'a' ? REST("Jan", 1) : p[2] == 'n' ?
		    REST("Jun", 6) : REST("Jul", 7);
	case 'F':
		return REST("Feb", 2);
	case 'M':
		return p[2] == 'r' ? REST("Mar", 3) : REST("May", 5);
	case 'A':
		return p[1] == 'p' ? REST("Apr", 4) : REST("Aug", 8);
	case 'S':
		return REST("Sep", 9);
	case 'O':
		return REST("Oct", 10);
	case 'N':
		return REST("Nov", 11);
	case 'D':
		return REST("Dec", 12);
	default:
		return 0;
	}
}

/*
 * "Mmm d", "Mmm  d" or "Mmm dd" at p (6 bytes at least before end): the
 * month and day into e; where it ends, or NULL.
 */
static inline const char *
monthday(const char *p, const char *end, struct env *e)
{
	size_t	 n;

	if (end - p >= 6 && (e->mon = month(p)) != 0 && p[3] == ' ')
		p += 4;
	else if ((n = env_localmonth(p, end, &e->mon)) > 0)
		p += n + 1;		/* journalctl in another language */
	else
		return NULL;
	if (*p == ' ')
		p++;
	if (end - p >= 2 && isdigit((unsigned char)p[0]) &&
	    isdigit((unsigned char)p[1])) {
		e->mday = (p[0] - '0') * 10 + p[1] - '0';
		return p + 2;
	}
	if (p < end && isdigit((unsigned char)p[0])) {
		e->mday = p[0] - '0';
		return p + 1;
	}
	return NULL;
}

/* " hh:mm:ss" at p, into e: 0, or -1. */
static inline int
hms(const char *p, const char *end, struct env *e)
{
	if (end - p < 10 || p[0] != ' ' || num(p + 1, end, 2, &e->hour) ||
	    p[3] != ':' || num(p + 4, end, 2, &e->min) || p[6] != ':' ||
	    num(p + 7, end, 2, &e->sec))
		return -1;
	return 0;
}

/*
 * Dovecot 2.4's own log file (log_path) begins an auth request's lines
 * with its event prefix where a syslog line has its tag: "auth(U,A[,
 * sasl:M])<S>: " or "auth-worker(U,A)<P><S>: request [N]: " (auth-request.c
 * get_log_prefix(), which replaces the process's prefix).  There the
 * message begins, for the rules to read the user and address.  A tag
 * such as 2.3's "auth(default):" or "auth-worker(4711):" has neither the
 * comma nor the ")<" of such a prefix in its first word.
 */
static int
dovecotevent(const char *p, const char *end)
{
	const char	*sp, *q;

	if (!(end - p > 5 && memcmp(p, "auth(", 5) == 0) &&
	    !(end - p > 12 && memcmp(p, "auth-worker(", 12) == 0))
		return 0;
	if ((sp = memchr(p, ' ', end - p)) == NULL)
		sp = end;
	if (memchr(p, ',', sp - p) != NULL)
		return 1;
	for (q = p; q + 1 < sp; q++)
		if (q[0] == ')' && q[1] == '<')
			return 1;
	return 0;
}

/*
 * The length of the program in metalog's "[prog]" t, or with log_severity
 * "[prog][SEVERITY]" (build_log_line(): upper-case letters); 0 if t is
 * neither.
 */
static size_t
metalogprog(const struct trap_str *t)
{
	const char	*prog = t->p + 1, *end = t->p + t->len - 1, *q;
	size_t		 len;

	if ((q = memchr(prog, '[', end - prog)) == NULL)
		return end - prog;
	len = q - 1 - prog;		/* up to the "]" before */
	if (len == 0 || q[-1] != ']' || memchr(prog, ']', len) != NULL ||
	    q + 1 == end)
		return 0;
	while (++q < end)
		if (!isupper((unsigned char)*q))
			return 0;
	return len;
}

/*
 * Can the word t be a log host's name: a name, an address, a relay's
 * "host/relay", but nothing with the brackets, quotes, "=" or "," of a
 * message ("[USER]", "H=(helo)")?
 */
static int
hostword(const struct trap_str *t)
{
	size_t	 i;

	for (i = 0; i < t->len; i++)
		if (strchr("[]()<>{}\"'`=,;|\\", t->p[i]) != NULL)
			return 0;
	return t->len > 0;
}

/*
 * After a stamp: "tag: msg" (no host), metalog's "[prog] msg", "host tag:
 * msg", busybox's "host fac.prio tag: msg" or BSD's "host last message
 * repeated N times": 1
 * for one of them, e set; 0 for a host without a tag, e->host set and
 * *pp past it; -1 for no word at all.
 */
static int
hosttag(const char **pp, const char *end, struct env *e)
{
	const char	*p = *pp;
	struct trap_str	 t;

	if (token(&p, end, &t))
		return -1;
	if (istag(&t)) {
		settag(e, &t);
		e->msg.p = p;
		e->msg.len = end - p;
		return 1;
	}
	if (t.len > 2 && t.p[0] == '[' && t.p[t.len - 1] == ']' &&
	    (e->prog.len = metalogprog(&t)) > 0) {
		/* metalog: "[prog] msg", no host (metalog.c, "%s [%s] %s") */
		e->prog.p = t.p + 1;
		e->msg.p = p;
		e->msg.len = end - p;
		return 1;
	}
	if (!hostword(&t))
		return -1;
	e->host = t;
	*pp = p;
	if (lastrepeat(p, end, &e->lastrepeat))
		return 1;
	if (token(&p, end, &t) == 0 && (istag(&t) || pidtag(&t) ||
	    (isfacprio(&t, 0) && token(&p, end, &t) == 0 && istag(&t)))) {
		settag(e, &t);
		e->msg.p = p;
		e->msg.len = end - p;
		return 1;
	}
	return 0;
}

/* RFC 3164: "Mmm dd hh:mm:ss [<pri>] [host] tag: msg". */
static int
rfc3164(const char *p, const char *end, struct env *e)
{
	struct trap_str	 t1;
	int		 year;

	if (end - p < 16 || (p = monthday(p, end, e)) == NULL)
		return -1;
	/* "Mmm dd yyyy hh:mm:ss", as some syslogd templates write */
	if (end - p > 16 && p[0] == ' ' && p[5] == ' ' &&
	    num(p + 1, end, 4, &year) == 0) {
		p += 5;
		if (year < 1970)	/* as rfc3339() has it */
			e->badtime = 1;
	} else
		year = 0;
	if (hms(p, end, e) == -1)
		return -1;
	p += 9;
	if (p < end && *p == '.')	/* journalctl -o short-precise */
		for (p++; p < end && isdigit((unsigned char)*p); p++)
			continue;
	if (p >= end || *p != ' ')
		return -1;
	p++;
	e->year = year;
	e->abs = 0;
	if (p < end && *p == '<' && token(&p, end, &t1) == 0 &&
	    t1.p[t1.len - 1] != '>')
		return -1;			/* BSD syslogd -v priority */
	if (dovecotevent(p, end)) {
		e->msg.p = p;
		e->msg.len = end - p;
		return 0;
	}
	switch (hosttag(&p, end, e)) {
	case -1:
		return -1;
	case 0:				/* a host and no tag */
		if (apptag(p, end, e) == -1) {
			e->msg.p = p;
			e->msg.len = end - p;
		}
		break;
	}
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Does p start with a month's name and a blank? */
static int
ismonth(const char *p, const char *end)
{
	return end - p >= 4 && p[3] == ' ' && month(p) != 0;
}

/* Is there a RFC 3164 stamp "Mmm dd hh:mm:ss " at p? */
static int
isbsdstamp(const char *p, const char *end)
{
	return end - p >= 16 && ismonth(p, end) && p[6] == ' ' &&
	    p[9] == ':' && p[12] == ':' && p[15] == ' ';
}

/*
 * What nginx puts before a message of its error log, and sends to syslog
 * as part of the message (src/core/ngx_log.c ngx_log_error_core(),
 * ngx_syslog.c): its local time "yyyy/mm/dd hh:mm:ss", " [level] ",
 * "pid#tid: " and, for a connection's messages, "*N ".  The end of that
 * prefix at p, its time into e; NULL if p holds none.
 */
static const char *
nginxprefix(const char *p, const char *end, struct env *e)
{
	const char	*q;

	if (end - p < 30 || ymdhms(p, end, '/', e) == -1 || p[10] != ' ' ||
	    memcmp(p + 19, " [", 2) != 0)
		return NULL;
	for (q = p + 21; q < end && islower((unsigned char)*q); q++)
		continue;
	if (q == p + 21 || end - q < 2 || memcmp(q, "] ", 2) != 0)
		return NULL;
	e->pid.p = q += 2;
	while (q < end && isdigit((unsigned char)*q))
		q++;
	if ((e->pid.len = q - e->pid.p) == 0 || q >= end || *q++ != '#')
		return NULL;
	p = q;
	while (q < end && isdigit((unsigned char)*q))
		q++;
	if (q == p || end - q < 2 || memcmp(q, ": ", 2) != 0)
		return NULL;
	p = q += 2;
	if (q < end && *q == '*') {
		for (q++; q < end && isdigit((unsigned char)*q); q++)
			continue;
		if (q > p + 1 && q < end && *q == ' ')
			p = q + 1;
	}
	return p;
}

/*
 * A line of nginx's own error log.  A mail login there keeps its
 * newlines (ngx_mail_auth_plain()), so that a client can write lines of
 * its own: trapextract(1) tells to read nginx from syslog instead.
 */
static int
nginxlog(const char *p, const char *end, struct env *e)
{
	if ((p = nginxprefix(p, end, e)) == NULL)
		return -1;
	e->prog.p = "nginx";
	e->prog.len = 5;
	e->msg.p = p;
	e->msg.len = end - p;
	return 0;
}

/*
 * dropbear built to log to standard error writes "[pid] Mmm dd hh:mm:ss "
 * before its messages, and some builds do so in syslog too: the end of
 * such a prefix at p, or NULL.
 */
static const char *
pidstamp(const char *p, const char *end)
{
	const char	*q;

	if (p >= end || *p != '[')
		return NULL;
	for (q = p + 1; q < end && isdigit((unsigned char)*q); q++)
		continue;
	if (q == p + 1 || end - q < 2 || q[0] != ']' || q[1] != ' ' ||
	    !isbsdstamp(q + 2, end))
		return NULL;
	return q + 2 + 16;
}

/*
 * After a svlogd or multilog stamp: socklog's "fac.prio: ", then the
 * client's own RFC 3164 stamp, which the outer one makes redundant.
 */
static const char *
socklog(const char *p, const char *end)
{
	const char	*q = p;
	struct trap_str	 t;

	if (token(&q, end, &t) == 0 && isfacprio(&t, 1))
		p = q;
	if (isbsdstamp(p, end))
		p += 16;
	return p;
}

/*
 * Message of a line without host: "tag: msg", or "msg" after Exim's
 * "[pid] " (log_selector +pid) or none.
 */
static void
untagged(const char *p, const char *end, struct env *e)
{
	struct trap_str	 t;
	const char	*m = p;

	if (dovecotevent(p, end))
		;			/* no tag: the message is all */
	else if (token(&p, end, &t) == 0 && istag(&t)) {
		settag(e, &t);
		m = p;
	} else if (t.len > 2 && t.p[0] == '[' && t.p[t.len - 1] == ']' &&
	    strspn(t.p + 1, "0123456789") == t.len - 2) {
		e->pid.p = t.p + 1;
		e->pid.len = t.len - 2;
		m = p;
	}
	e->msg.p = m;
	e->msg.len = end - m;
}

/*
 * After an ISO stamp with a blank and no zone: "host tag: msg" as a
 * syslogd with such a template writes, else as untagged().
 */
static void
isohost(const char *p, const char *end, struct env *e)
{
	struct trap_str	 host, t;
	const char	*q = p;

	if (token(&q, end, &host) == 0 && !istag(&host) && hostword(&host) &&
	    token(&q, end, &t) == 0 && (istag(&t) || pidtag(&t))) {
		e->host = host;
		settag(e, &t);
		e->msg.p = q;
		e->msg.len = end - q;
		return;
	}
	/* ProFTPD's SystemLog with LogOptions -Hostname: no host. */
	q = p;
	if (token(&q, end, &t) == 0 && pidtag(&t)) {
		settag(e, &t);
		e->msg.p = q;
		e->msg.len = end - q;
		return;
	}
	untagged(p, end, e);
}

/* The stamp read as local time was UTC. */
static void
utcstamp(struct env *e)
{
	e->abs = 1;
	e->t = trap_timegm(e->year, e->mon, e->mday, e->hour, e->min, e->sec);
}

/*
 * The zone label of journalctl -o short-full (systemd time-util.c
 * format_timestamp(): strftime's %Z), where it is an offset, "+04" or
 * "-03", as tzdata names a zone without an abbreviation ("+0530" is
 * read by rfc3339()): the stamp is then that far from UTC.  Others
 * ("CET", "EST") name no one offset; the stamp stays local, in the -z
 * zone.
 */
static void
zonelabel(const struct trap_str *t, struct env *e)
{
	int	 oh;

	if (t->len != 3 || (t->p[0] != '+' && t->p[0] != '-') ||
	    num(t->p + 1, t->p + t->len, 2, &oh) || oh > 23)
		return;
	utcstamp(e);
	e->t -= (t->p[0] == '-' ? -1 : 1) * oh * 3600;
}

/*
 * Seconds since the epoch at *pp, up to 11 digits (before TIMEMAX): how
 * many digits (12 if more), *pp moved past them.
 */
static int
epochsecs(const char **pp, const char *end, long long *t)
{
	const char	*p = *pp;
	int		 n;

	for (*t = 0, n = 0; p < end && isdigit((unsigned char)*p) && n < 12;
	    n++)
		*t = *t * 10 + (*p++ - '0');
	*pp = p;
	return n;
}

/* journalctl -o short-unix: "1432701087.466670 ". */
static int
epoch(const char **pp, const char *end, struct env *e)
{
	const char	*p = *pp;
	long long	 t;
	int		 n;

	n = epochsecs(&p, end, &t);
	if (n < 9 || n > 11 || p >= end || (*p != '.' && *p != ' '))
		return -1;
	if (*p == '.')		/* syslog-ng's ts_format(unix): frac_digits */
		for (p++; p < end && isdigit((unsigned char)*p); p++)
			continue;
	if (p >= end || *p != ' ')
		return -1;
	e->abs = 1;
	e->t = t;
	*pp = p + 1;
	return 0;
}

/*
 * A line of auditd's own log (auditd-event.c, format_raw): "[node=N ]
 * type=T msg=audit(SECS.MSEC:SERIAL): ...", the time in seconds since
 * the epoch.  The node is the host; there is no tag, and the message is
 * from "type=" on.
 */
static int
auditd(const char *p, const char *end, struct env *e)
{
	struct trap_str	 node;
	const char	*q = p, *m;
	long long	 t;
	int		 n;

	node.p = p;
	node.len = 0;
	if (end - q > 5 && memcmp(q, "node=", 5) == 0) {
		for (q += 5; q < end && *q != ' '; q++)
			continue;
		node.p = p + 5;
		node.len = q - node.p;
		if (q == end || node.len == 0)
			return -1;
		q++;
	}
	if (end - q < 5 || memcmp(q, "type=", 5) != 0)
		return -1;
	for (m = q; q < end && *q != ' '; q++)
		continue;
	if (end - q < 11 || memcmp(q, " msg=audit(", 11) != 0)
		return -1;
	q += 11;
	n = epochsecs(&q, end, &t);
	if (n == 0 || n > 11 || q == end || *q != '.')
		return -1;
	e->abs = 1;
	e->t = t;
	e->host = node;
	e->msg.p = m;
	e->msg.len = end - m;
	return 0;
}

/*
 * macOS "log show": after the stamp, thread, type, activity, PID and TTL
 * columns, then "process: (sender) message".
 */
static int
macos(const char *p, const char *end, struct env *e)
{
	struct trap_str	 t;
	int		 i;

	for (i = 0; i < 8; i++) {
		while (p < end && *p == ' ')
			p++;
		if (token(&p, end, &t))
			return -1;
		if (istag(&t)) {
			settag(e, &t);
			if (p < end && *p == '(' &&
			    (t.p = memchr(p, ')', end - p)) != NULL &&
			    t.p + 1 < end && t.p[1] == ' ')
				p = t.p + 2;
			e->msg.p = p;
			e->msg.len = end - p;
			return 0;
		}
	}
	return -1;
}

/*
 * OpenWrt's logread (ubox log/logread.c, 2013 on) after its ctime stamp:
 * "[secs.ms] " with -t, "facility.priority", " kernel:" for the kernel's
 * lines, a blank and the syslog message, "tag: msg".  The end of the
 * facility and priority, or NULL.
 */
static const char *
logread(const char *p, const char *end)
{
	struct trap_str	 t;
	const char	*q = p;

	if (q < end && *q == '[') {
		q = memchr(q, ']', end - q);
		if (q == NULL || q + 1 >= end || q[1] != ' ' ||
		    strspn(p + 1, "0123456789.") != (size_t)(q - p - 1))
			return NULL;
		q += 2;
	}
	if (token(&q, end, &t) || !isfacprio(&t, 0))
		return NULL;
	return q;
}

/*
 * vsftpd's own log (vsftpd.log; vsf_sysutil_get_current_date()): ctime's
 * "Www Mmm dd hh:mm:ss yyyy" in local time, the day padded with a blank,
 * then "[pid N] " and the message; OpenWrt's logread (above) the same
 * stamp.  0, or -1 if p holds no such stamp.
 */
static int
ctimestamp(const char *p, const char *end, struct env *e)
{
	struct trap_str	 t;
	const char	*q;

	p += 4;					/* "Www " */
	if ((p = monthday(p, end, e)) == NULL || hms(p, end, e) == -1 ||
	    end - p < 16 || p[9] != ' ' || num(p + 10, end, 4, &e->year) ||
	    p[14] != ' ')
		return -1;
	if (e->year < 1970)
		e->badtime = 1;
	p += 15;
	q = p + 5;
	if (end - p > 6 && memcmp(p, "[pid ", 5) == 0 &&
	    token(&q, end, &t) == 0 && t.len >= 2 &&
	    t.p[t.len - 1] == ']' && strspn(t.p, "0123456789") == t.len - 1) {
		e->prog.p = "vsftpd";
		e->prog.len = 6;
		e->pid.p = t.p;
		e->pid.len = t.len - 1;
		p = q;
	} else if ((q = logread(p, end)) != NULL &&
	    token(&q, end, &t) == 0 && istag(&t)) {
		settag(e, &t);
		p = q;
	}
	e->msg.p = p;
	e->msg.len = end - p;
	return 0;
}

/*
 * A line that starts with a word: socklog's "fac.prio: " with the
 * client's RFC 3164 stamp after it, journalctl -o short-full's
 * "Wed 2015-05-27 04:31:27 UTC host tag:", or ctime's stamp.
 */
static int
lettered(const char *p, const char *end, struct env *e)
{
	struct trap_str	 t;
	const char	*q = p;

	if (token(&q, end, &t))
		return -1;
	if (isfacprio(&t, 1) && isbsdstamp(q, end))
		return rfc3164(q, end, e);
	if (t.len == 3 && ismonth(q, end))
		return ctimestamp(p, end, e);
	if (t.len != 3 || q >= end || !isdigit((unsigned char)*q) ||
	    rfc3339(&q, end, e) != 0 || !e->space)
		return -1;
	/* rfc3339() took a label "+hhmm" as Exim's zone (space 2) */
	if (e->abs && e->space != 2)
		return -1;
	if (!e->abs) {
		if (token(&q, end, &t))
			return -1;
		if ((t.len == 3 && memcmp(t.p, "UTC", 3) == 0) ||
		    (t.len == 3 && memcmp(t.p, "GMT", 3) == 0))
			utcstamp(e);
		else
			zonelabel(&t, e);
	}
	if (token(&q, end, &e->host) || token(&q, end, &t) || !istag(&t))
		return -1;
	settag(e, &t);
	e->msg.p = q;
	e->msg.len = end - q;
	return 0;
}

static int	isisostamp(const char *, const char *);

/*
 * What a tool writes before the lines it passes on: grep -H or -n (and
 * zgrep), "FILE:", "FILE:N:" or "N:" without blanks and then a BSD or ISO
 * stamp; docker compose logs (cmd/formatter/logs.go; docker-compose 1.x
 * the same), the service's name padded with blanks and " | ".  The
 * envelope of the line after the prefix: 0, or -1 if there is no such
 * prefix or no envelope known after it.
 */
int
env_prefixed(const char *s, size_t len, struct env *e)
{
	const char	*p, *end = s + len;
	const char	*stop = s + (len < 256 ? len : 256);
	int		 colons = 0;

	for (p = s; p < stop && *p != ' ' && *p != '\t'; p++) {
		if (*p != ':')
			continue;
		if (isbsdstamp(p + 1, end) || isisostamp(p + 1, end))
			return env_parse(p + 1, end - (p + 1), e);
		if (++colons == 2)
			return -1;
	}
	if (p == s || p >= stop || *p != ' ')
		return -1;
	while (p < stop && *p == ' ')
		p++;
	if (end - p < 2 || p[0] != '|' || p[1] != ' ')
		return -1;
	return env_parse(p + 2, end - (p + 2), e);
}

/*
 * The '{' of a journal entry as journalctl writes it at s: -o json, after
 * json-seq's RS or json-sse's "data: "; NULL if s holds none.
 */
static const char *
jsonstart(const char *s, size_t len)
{
	if (len > 0 && *s == '{')
		return s;
	if (len > 1 && *s == '\x1e' && s[1] == '{')
		return s + 1;
	if (len > 7 && memcmp(s, "data: {", 7) == 0)
		return s + 6;
	return NULL;
}

/*
 * A line of the CRI log format (the files of /var/log/pods): "stamp
 * stdout|stderr F|P line".  The runtime cuts a long line into P parts,
 * and the text after a cut, which a client may have chosen, would read
 * as a line of its own.
 */
static int
cri(const char *s, size_t len)
{
	const char	*p = s, *end = s + len;
	struct env	 e;

	memset(&e, 0, sizeof(e));
	if (len < 30 || !isdigit((unsigned char)*s) ||
	    rfc3339(&p, end, &e) != 0 || end - p < 9)
		return 0;
	return (memcmp(p, "stdout ", 7) == 0 || memcmp(p, "stderr ", 7) == 0) &&
	    (p[7] == 'F' || p[7] == 'P') && (p[8] == ' ' || p + 8 == end);
}

/*
 * A line that env_parse did not read and that is not to be read by
 * guessing either: a CRI line (above), or a JSON object env_json did
 * not take (a journal entry of a stream, a field twice, a container's
 * json-file line), whose text inside would be read out of its context.
 */
int
env_noguess(const char *s, size_t len)
{
	return jsonstart(s, len) != NULL || cri(s, len);
}

/* Is there an ISO 8601 date and time "yyyy-mm-ddThh:mm:ss" (or with a
 * blank for the T) at p? */
static int
isisostamp(const char *p, const char *end)
{
	int	 v;

	return end - p >= 20 && num(p, end, 4, &v) == 0 && p[4] == '-' &&
	    num(p + 5, end, 2, &v) == 0 && p[7] == '-' &&
	    num(p + 8, end, 2, &v) == 0 && (p[10] == 'T' || p[10] == ' ') &&
	    num(p + 11, end, 2, &v) == 0 && p[13] == ':';
}

/*
 * docker logs -t, kubectl logs --timestamps: the container runtime's
 * stamp, RFC 3339 in UTC, before the line the container wrote, which is
 * a log line with its own stamp at p.  That line's envelope, with the
 * runtime's time (it has the year and the zone); -1 if that line is not
 * one we know, or is itself behind a second stamp of this kind.
 */
static int
container(const char *p, const char *end, struct env *e)
{
	const char	*q = p;
	time_t		 t = e->t;
	int		 badtime = e->badtime;

	if (isisostamp(p, end)) {
		q = memchr(p + 19, ' ', end - p - 19);
		if (q == NULL || isbsdstamp(q + 1, end) ||
		    isisostamp(q + 1, end))
			return -1;
	}
	if (env_parse(p, end - p, e) == -1)
		return -1;
	e->abs = 1;
	e->t = t;
	e->badtime = badtime;
	return 0;
}

/*
 * Dovecot 1.x's own log file (log_path): the master writes "dovecot: ",
 * the stamp (log_timestamp, "%b %d %H:%M:%S " by default), the type and
 * the child's line (master/log.c, lib/failures.c): "dovecot: Dec 04
 * 10:00:01 Info: auth(default): ...".  Read as its syslog line, program
 * "dovecot", message "auth(default): ...", with no host.
 */
static int
dovecot1(const char *p, const char *end, struct env *e)
{
	static const char *const types[] = {
		"Info: ", "Warning: ", "Error: ", "Fatal: ", "Panic: "
	};
	size_t	 i, n;

	p += 9;				/* "dovecot: " */
	if (!isbsdstamp(p, end) || (p = monthday(p, end, e)) == NULL ||
	    hms(p, end, e) == -1)
		return -1;
	p += 10;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		n = strlen(types[i]);
		if ((size_t)(end - p) > n && memcmp(p, types[i], n) == 0) {
			p += n;
			break;
		}
	}
	e->prog.p = "dovecot";
	e->prog.len = 7;
	e->msg.p = p;
	e->msg.len = end - p;
	return 0;
}

/*
 * s6-log's T: "yyyy-mm-dd hh:mm:ss.nnnnnnnnn" in local time and two
 * blanks, before the line a program wrote, with no envelope of its own;
 * p is after the stamp and the first blank.
 */
static int
s6stamp(const struct env *e, const char *p, const char *end)
{
	return !e->abs && e->space == 1 && p < end && *p == ' ';
}

/*
 * Win32-OpenSSH's own log file (SyslogFacility LOCAL0; w32log.c
 * syslog_file()): "PID YYYY-MM-DD hh:mm:ss.mmm message", in local time,
 * with no host and no tag: sshd's.
 */
static int
win32sshd(const char *p, const char *end, struct env *e)
{
	const char	*q = p, *s;
	int		 v;

	while (q < end && isdigit((unsigned char)*q) && q - p < 10)
		q++;
	if (q == p || end - q < 25 || *q != ' ' || !isisostamp(q + 1, end) ||
	    q[11] != ' ' || q[20] != '.' || num(q + 21, end, 3, &v) ||
	    q[24] != ' ')
		return -1;
	s = q + 1;
	if (rfc3339(&s, end, e) != 0 || e->abs)
		return -1;
	e->space = 0;
	e->prog.p = "sshd";
	e->prog.len = 4;
	e->pid.p = p;
	e->pid.len = q - p;
	e->msg.p = s;
	e->msg.len = end - s;
	return 0;
}

/*
 * A line that begins with a digit: nginx's error log, syslog-ng's
 * ts_format(full), seconds since the epoch, RFC 3339 (and a container
 * runtime's stamp before another envelope), socklog, macOS log show,
 * ISO with a blank, or a stamp before "host tag: msg".
 */
static int
numeric(const char *p, const char *end, struct env *e)
{
	const char	*q;
	int		 v;

	if (end - p > 4 && p[4] == '/')
		return nginxlog(p, end, e);
	if (win32sshd(p, end, e) == 0)
		return 0;
	if (end - p > 21 && p[4] == ' ' && (isbsdstamp(p + 5, end) ||
	    (ismonth(p + 5, end) && p[11] == ' ' && p[14] == ':' &&
	    p[17] == ':' && p[20] == '.')) && num(p, end, 4, &v) == 0) {
		/*
		 * syslog-ng's ts_format(full): "yyyy Mmm dd hh:mm:ss", with
		 * frac_digits() its fraction
		 */
		if (rfc3164(p + 5, end, e) == -1)
			return -1;
		e->year = v;
		e->badtime |= v < 1970;
		return 0;
	}
	if (epoch(&p, end, e) != 0 && rfc3339(&p, end, e) != 0)
		return -1;
	if (s6stamp(e, p, end)) {
		/* s6-socklog's line (its "fac.prio: " and stamp) */
		if ((q = socklog(p + 1, end)) != p + 1) {
			untagged(q, end, e);
			return 0;
		}
		/* A tagged line as such; else env_stamped() reads it bare. */
		isohost(p + 1, end, e);
		return e->prog.len > 0 ? 0 : -1;
	}
	if (e->abs && !e->space && (isbsdstamp(p, end) ||
	    isisostamp(p, end)))
		return container(p, end, e);
	if ((q = socklog(p, end)) != p) {
		if (!e->abs)		/* svlogd -ttt: UTC */
			utcstamp(e);
		untagged(q, end, e);
		return 0;
	}
	while (p < end && *p == ' ')
		p++;
	if (end - p > 2 && p[0] == '0' && p[1] == 'x')
		return macos(p, end, e);
	if ((!e->abs && e->space) || e->space == 2) {
		/* ISO with a space: mostly no host */
		isohost(p, end, e);
		return 0;
	}
	switch (hosttag(&p, end, e)) {
	case -1:
		return -1;
	case 0:			/* "host app procid msgid ..." */
		return rfc5424(e->host.p, end, e);
	}
	return 0;
}

/* An envelope with nothing read yet: no string NULL, one time. */
static void
env_clear(struct env *e)
{
	memset(e, 0, sizeof(*e));
	e->host.p = e->prog.p = e->pid.p = e->msg.p = "";
	e->repeat = 1;
}

/*
 * Parse the envelope of a line.  Return 0, or -1 if it is not a log line
 * we know.
 */
int
env_parse(const char *s, size_t len, struct env *e)
{
	const char	*p = s, *end = s + len, *q;
	uint64_t	 secs;		/* 16 hex digits: unsigned, no overflow */
	int		 i, v;

	env_clear(e);
	if (len < 16)
		return -1;
	if ((q = jsonstart(p, len)) != NULL)
		return env_json(q, end, e);
	if (*p == '@') {				/* TAI64N */
		if (len < 26 || p[25] != ' ')
			return -1;
		for (secs = 0, i = 1; i <= 16; i++) {
			if ((v = hexval((unsigned char)p[i])) == -1)
				return -1;
			secs = secs * 16 + v;
		}
		for (; i <= 24; i++)
			if (hexval((unsigned char)p[i]) == -1)
				return -1;
		if (secs < (1ULL << 62) + 10 ||
		    secs > (1ULL << 62) + 10 + TIMEMAX)
			e->badtime = 1;
		e->abs = 1;
		e->t = secs - (1ULL << 62) - 10;
		p += 26;
		/*
		 * s6-log's "t" and "T" both, the T stamp after: s6-log's
		 * label (skalibs tai_from_utc()) counts the leap seconds,
		 * 37 since 2017 where daemontools' and runit's have 10.
		 */
		if (end - p > 31 && isisostamp(p, end) && p[10] == ' ' &&
		    p[19] == '.' && p[29] == ' ' && p[30] == ' ') {
			p += 31;
			e->t -= 27;
		}
		untagged(socklog(p, end), end, e);
		return 0;
	}
	if (*p == 'd' && memcmp(p, "dovecot: ", 9) == 0)
		return dovecot1(p, end, e);
	if ((*p == 't' || *p == 'n') && auditd(p, end, e) == 0)
		return 0;
	if (isalpha((unsigned char)*p) && !ismonth(p, end) &&
	    env_localmonth(p, end, &i) == 0)
		return lettered(p, end, e);
	if (*p == '[' && (q = pidstamp(p, end)) != NULL) {
		/* dropbear -E to a file: "[pid] Mmm dd hh:mm:ss msg" */
		if (rfc3164(q - 16, end, e) == -1)
			return -1;	/* only its time is kept */
		e->host.len = 0;
		e->prog.p = "dropbear";
		e->prog.len = 8;
		e->pid.p = p + 1;
		e->pid.len = q - 16 - 2 - (p + 1);
		e->msg.p = q;
		e->msg.len = end - q;
		e->lastrepeat = 0;
		return 0;
	}
	if (*p == '<') {				/* PRI */
		for (q = p + 1; q < end && isdigit((unsigned char)*q); q++)
			continue;
		if (q == p + 1 || q >= end || *q != '>')
			return -1;
		p = q + 1;
		if (end - p > 2 && p[0] == '1' && p[1] == ' ') {
			p += 2;
			if (rfc3339(&p, end, e) != 0)
				return -1;
			return rfc5424(p, end, e);
		}
	}
	if (isdigit((unsigned char)*p))
		return numeric(p, end, e);
	return rfc3164(p, end, e);
}

/* Is the line's tag Exim's, "exim" (or Debian's "exim4")? */
int
env_isexim(const struct env *e)
{
	return (e->prog.len == 4 || e->prog.len == 5) &&
	    memcmp(e->prog.p, "exim4", e->prog.len) == 0;
}

/*
 * The tag's process ID again in brackets at the message's start, as Exim
 * writes it with log_selector +pid, syslog_pid (its default) and
 * syslog_timestamp false (log.c), or any after a tag without one (Exim
 * built without SYSLOG_LOG_PID): after it, or NULL.  Exim's only: the
 * user name of vsftpd's lines is there in brackets.
 */
static const char *
ownpid(const struct env *e, const char *p, const char *end)
{
	size_t	 n = e->pid.len;

	if (!env_isexim(e) || end - p < 4 || p[0] != '[')
		return NULL;
	if (n == 0) {	/* a tag without one: Exim built without LOG_PID */
		while (p + 1 + n < end && isdigit((unsigned char)p[1 + n]))
			n++;
	}
	if (n == 0 || (size_t)(end - p) < n + 3 || p[n + 1] != ']' ||
	    p[n + 2] != ' ' || memcmp(p + 1, e->pid.p, e->pid.len) != 0)
		return NULL;
	return p + n + 3;
}

/*
 * Exim's own stamp before its message in syslog (log.c log_write(), with
 * syslog_timestamp, the default): "YYYY-MM-DD hh:mm:ss[.mmm][ +hhmm][
 * [pid]] " (+millisec, log_timezone, +pid): what follows it, or NULL.
 * Exactly these, so that no rule reads an Exim message from its middle
 * (a rejected EHLO's argument, all client text, can hold a whole line).
 */
static const char *
eximstamp(const struct env *e, const char *p, const char *end)
{
	struct env	 t;
	const char	*q, *r;
	int		 v;

	if (!env_isexim(e) || end - p < 20 ||
	    ymdhms(p, end, '-', &t) == -1 || p[10] != ' ')
		return NULL;
	q = p + 19;
	if (end - q > 4 && q[0] == '.' && num(q + 1, end, 3, &v) == 0)
		q += 4;
	if (end - q > 6 && q[0] == ' ' && (q[1] == '+' || q[1] == '-') &&
	    num(q + 2, end, 4, &v) == 0)
		q += 6;
	if (end - q > 3 && q[0] == ' ' && q[1] == '[') {
		for (r = q + 2; r < end && isdigit((unsigned char)*r); r++)
			continue;
		if (r > q + 2 && r < end && *r == ']')
			q = r + 1;
	}
	return q < end && *q == ' ' ? q + 1 : NULL;
}

/* Unwrap "message repeated N times: [ msg]" and Solaris "[ID n f.p] ". */
void
env_unwrap(struct env *e)
{
	const char	*p = e->msg.p, *end = p + e->msg.len, *q;
	struct env	 in;
	long long	 n;

	while (p < end && *p == ' ')	/* a relay's extra blanks */
		p++;
	e->msg.p = p;
	e->msg.len = end - p;
	if (end - p > 4 && memcmp(p, "[ID ", 4) == 0 &&
	    (q = memchr(p, ']', end - p)) != NULL && q + 1 < end &&
	    q[1] == ' ') {
		e->msg.p = q + 2;
		e->msg.len = end - e->msg.p;
		p = e->msg.p;
	}
	if ((q = pidstamp(p, end)) != NULL) {
		e->msg.p = q;	/* dropbear's own "[pid] stamp " again */
		e->msg.len = end - q;
		p = q;
	} else if ((q = eximstamp(e, p, end)) != NULL) {
		e->msg.p = q;	/* Exim's own stamp */
		e->msg.len = end - q;
		p = q;
	} else if ((q = ownpid(e, p, end)) != NULL) {
		e->msg.p = q;	/* Exim's +pid without its stamp */
		e->msg.len = end - q;
		p = q;
	}
	if (prefixed(p, end, "node=") && (q = memchr(p, ' ', end - p)) !=
	    NULL && prefixed(q + 1, end, "type=")) {
		e->msg.p = q + 1;	/* audisp: auditd's name_format */
		e->msg.len = end - e->msg.p;
		p = e->msg.p;
	}
	if (e->prog.len > 0 && p < end && isdigit((unsigned char)*p) &&
	    (q = nginxprefix(p, end, &in)) != NULL) {
		e->msg.p = q;	/* nginx's error log prefix, in syslog */
		e->msg.len = end - q;
		p = q;
	}
	if (end - p < 30 || !prefixed(p, end, "message repeated ") ||
	    end[-1] != ']')
		return;
	q = p + 17;
	if ((n = repcount(&q, end)) == 0 || end - q < 11 ||
	    !prefixed(q, end, " times: ["))
		return;
	e->repeat = n;
	/* rsyslog repeats the message as it has it, with its blank or not */
	e->msg.p = q[9] == ' ' ? q + 10 : q + 9;
	e->msg.len = end - 1 - e->msg.p;
	/* ... and cut at 800 bytes (ratelimit.c "[%.800s]") */
	e->repcut = end - 1 - (q + 9) == 800;
}

/*
 * A message with no envelope and no tag at all: the text from s, of a
 * program not known (all rules are tried), with no time of its own.
 */
void
env_bare(const char *s, size_t len, struct env *e)
{
	env_clear(e);
	e->msg.p = s;
	e->msg.len = len;
	e->guessed = 1;
}

/*
 * A message with no envelope behind an RFC 3339 stamp with a zone: a
 * container runtime's (docker logs -t, kubectl logs --timestamps) before
 * what a program wrote to stderr without one (sshd -D -e); or behind
 * s6-log's T stamp, local time with a blank for the T and two after.
 * 0, with the stamp's time in e and the message after it; -1 if s is not
 * so.
 */
int
env_stamped(const char *s, size_t len, struct env *e)
{
	const char	*p = s, *end = s + len;

	env_clear(e);
	if (!isisostamp(p, end) || rfc3339(&p, end, e) != 0)
		return -1;
	if (s6stamp(e, p, end))
		p++;
	else if (!e->abs || e->space)
		return -1;
	e->msg.p = p;
	e->msg.len = end - p;
	return 0;
}

/*
 * Is the word p[0..len) message text: does it hold a "=" or a quote,
 * which no stamp, host, tag or priority has ("user=U", "rhost=[A]:P")?
 * What follows it may be a client's.
 */
int
env_textword(const char *p, size_t len)
{
	return memchr(p, '=', len) != NULL || memchr(p, '"', len) != NULL;
}

/*
 * Does the word p[0..len) begin a message: does it end with ":" and is
 * it no "facility.priority:" (busybox, socklog)?
 */
int
env_msgword(const char *p, size_t len)
{
	struct trap_str	 t;

	t.p = p;
	t.len = len;
	return len > 0 && p[len - 1] == ':' && !isfacprio(&t, 1);
}

/* Is p[0..len) a tag without a process ID: "prog:", "postfix/smtpd:"? */
int
env_pidlesstag(const char *p, size_t len)
{
	return len >= 2 && p[len - 1] == ':' && progchars(p, len - 1);
}

/*
 * Do the n letters at p name a month (its first three letters those of
 * a month of English or of a language RFC 3164 stamps are read in) or a
 * weekday, or UTC or GMT?
 */
static int
stampname(const char *p, size_t n)
{
	static const char	*const names[] = { "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat", "Sun", "UTC", "GMT" };
	char			 abbr[4];
	size_t			 i;
	int			 mon;

	if (n == 1)
		return *p == 'T' || *p == 'Z';
	if (n < 3 || n > 9)
		return 0;
	if (month(p) != 0)
		return 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncasecmp(p, names[i], 3) == 0)
			return 1;
	memcpy(abbr, p, 3);
	abbr[3] = ' ';
	return env_localmonth(abbr, abbr + 4, &mon) == 3;
}

/*
 * Can the word t, in a line that ends at lend, be part of a time stamp:
 * digits, ":-./,+[]", and names of months (of any language RFC 3164
 * stamps are read in) or weekdays?
 */
static int
stampword(const struct trap_str *t, const char *lend)
{
	const char	*p = t->p, *end = t->p + t->len;
	size_t		 n;
	int		 mon, some = 0;

	while (p < end) {
		if (isdigit((unsigned char)*p) ||
		    (*p != '\0' && strchr(":-./,+[]", *p) != NULL)) {
			some |= isdigit((unsigned char)*p);
			p++;
			continue;
		}
		for (n = 0; p + n < end && isalpha((unsigned char)p[n]); n++)
			continue;
		if (n == 0 || (!stampname(p, n) && (t->len != n ||
		    env_localmonth(p, lend, &mon) != n)))
			return 0;
		some = 1;
		p += n;
	}
	return some;
}

/*
 * A line whose envelope is none of the known ones: the message after
 * the first syslog tag "prog[pid]: " among its first GUESSWORDS words in
 * 256 bytes.  A word before it that ends with ":" (but the first), or
 * that holds a "=" or a quote, ends the search: there a message began,
 * whose text may be a client's (journalctl -o cat writes Postfix's
 * "NOQUEUE: reject: ... helo=<...>" so, gromox its "rhost=[A]:P user=U
 * ..." to its own file).  No stamp, host or tag has either.  Before
 * the tag only the words of an envelope: those of a stamp, one host
 * name and a "facility.priority"; a second word of another kind is a
 * message's, and the next may be a client's ("Invalid user sshd[1]:
 * Accepted ...").  The caller gives it a time of its own (e->t); the
 * log host is not known.
 */
#define GUESSWORDS	8
int
env_guess(const char *s, size_t len, struct env *e)
{
	const char	*p = s, *end = s + (len < 256 ? len : 256);
	struct trap_str	 t;
	size_t		 i;
	int		 words, names = 0, open = 0;

	env_clear(e);
	for (words = 0; p < end && words < GUESSWORDS; words++) {
		if (token(&p, end, &t) == 0 && istag(&t) && t.len > 4 &&
		    t.p[t.len - 2] == ']' && isdigit((unsigned char)
		    t.p[t.len - 3])) {
			if (open != 0)		/* "[1 sshd[1]:": a "[USER" */
				return -1;
			settag(e, &t);
			/* A pid, not an address ("unknown[192.0.2.3]:") */
			if (e->pid.len == 0 || strspn(e->pid.p, "0123456789") <
			    e->pid.len)
				return -1;
			e->msg.p = p;
			e->msg.len = s + len - p;
			e->abs = 1;
			e->guessed = 1;
			return 0;
		}
		if ((words > 0 && env_msgword(t.p, t.len)) ||
		    env_textword(t.p, t.len))
			return -1;
		if (isfacprio(&t, 0) || isfacprio(&t, 1))
			;
		else if (stampword(&t, s + len) ? names > 0 :
		    names++ > 0 || !hostword(&t))
			return -1;
		for (i = 0; i < t.len; i++)
			open += (t.p[i] == '[') - (t.p[i] == ']');
		while (p < end && *p == ' ')
			p++;
	}
	return -1;
}
