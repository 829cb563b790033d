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
 * Times: the record form "YYYY-MM-DDTHH:MM:SSZ" (UTC) both ways, ISO 8601
 * as users type it, a timegm(3) that needs no time zone database, and the
 * check of a zone name that tzset(3) would silently read as UTC.
 */

#include "compat.h"

#include <sys/types.h>

#include <ctype.h>
#include <err.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
static long long
days_from_civil(long long y, int m, int d)
{
	long long	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(long long z, int *y, int *m, int *d)
{
	long long	 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

time_t
trap_timegm(int y, int mo, int d, int h, int mi, int s)
{
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static void
put2(char *p, int v)
{
	p[0] = '0' + v / 10;
	p[1] = '0' + v % 10;
}

/* t's UTC date and second of the day, floored (t may be TRAP_NOTIME). */
static void
civil_split(time_t t, int *y, int *m, int *d, int *sec)
{
	long long	 day;

	day = t / 86400;
	if ((*sec = t % 86400) < 0) {
		*sec += 86400;
		day--;
	}
	civil_from_days(day, y, m, d);
}

/* "YYYY-MM-DDsHH:MM:SS" (s: sep) for a year of four digits. */
static void
putclock(char *buf, int y, int m, int d, int sec, char sep)
{
	put2(buf, y / 100);
	put2(buf + 2, y % 100);
	buf[4] = '-';
	put2(buf + 5, m);
	buf[7] = '-';
	put2(buf + 8, d);
	buf[10] = sep;
	put2(buf + 11, sec / 3600);
	buf[13] = ':';
	put2(buf + 14, sec / 60 % 60);
	buf[16] = ':';
	put2(buf + 17, sec % 60);
	buf[19] = '\0';
}

/* Thread-safe: no cache of the last date (trapextract -j formats on
 * several threads). */
void
trap_time_fmt(time_t t, char buf[TRAP_TIMELEN])
{
	int	 y, m, d, sec;

	civil_split(t, &y, &m, &d, &sec);
	if (y < 0 || y > 9999)
		y = 0;
	putclock(buf, y, m, d, sec, 'T');
	buf[19] = 'Z';
	buf[20] = '\0';
}

/*
 * Read exactly n digits, 0-9 as isdigit(3) takes them in every locale
 * (compared: isdigit(3) is a call for each byte of every record).
 */
static int
digits(const char *p, int n, int *v)
{
	unsigned int	 d;
	int		 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((d = (unsigned char)p[i] - '0') > 9)
			return -1;
		*v = *v * 10 + d;
	}
	return 0;
}

int
trap_isleap(int y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* Days in month m (1 to 12) of year y; year 0 (not known) allows Feb 29. */
int
trap_mdays(int y, int m)
{
	static const int days[] =
	    { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && y != 0 && !trap_isleap(y))
		return 28;
	return days[m - 1];
}

static int
valid(int y, int mo, int d, int h, int mi, int s)
{
	return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 &&
	    d <= trap_mdays(y, mo) && h <= 23 && mi <= 59 && s <= 60;
}

/*
 * A record's time: exactly "YYYY-MM-DDTHH:MM:SSZ".  Records come mostly
 * in time order, many a day, so the last valid date and its day number
 * are kept: only the time of day is read again.
 */
int
trap_time_parse_rec(const char *p, size_t len, time_t *t)
{
	static char		 lastdate[10];
	static long long	 lastday = -1;
	int			 y, mo, d, h, mi, s;

	if (len != TRAP_TIMELEN - 1 || p[4] != '-' || p[7] != '-' ||
	    p[10] != 'T' || p[13] != ':' || p[16] != ':' || p[19] != 'Z')
		return -1;
	if (digits(p + 11, 2, &h) || digits(p + 14, 2, &mi) ||
	    digits(p + 17, 2, &s) || h > 23 || mi > 59 || s > 60)
		return -1;
	if (lastday == -1 || memcmp(p, lastdate, sizeof(lastdate)) != 0) {
		if (digits(p, 4, &y) || digits(p + 5, 2, &mo) ||
		    digits(p + 8, 2, &d) || !valid(y, mo, d, h, mi, s))
			return -1;
		memcpy(lastdate, p, sizeof(lastdate));
		lastday = days_from_civil(y, mo, d);
	}
	*t = lastday * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

/*
 * ISO 8601 as a user types it: YYYY-MM-DD, optionally followed by T or a
 * space and HH:MM[:SS[.frac]], optionally followed by Z or +hh[:]mm.
 * Without a zone the time is local (TZ).
 */
int
trap_time_parse_iso(const char *p, time_t *t)
{
	struct tm	 tm;
	int		 y, mo, d, h = 0, mi = 0, s = 0, oh, om, sign;
	time_t		 r;

	if (digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &mo) ||
	    p[7] != '-' || digits(p + 8, 2, &d))
		return -1;
	p += 10;
	if (*p == 'T' || *p == ' ') {
		if (digits(p + 1, 2, &h) || p[3] != ':' ||
		    digits(p + 4, 2, &mi))
			return -1;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &s))
				return -1;
			p += 3;
			if (*p == '.' || *p == ',')
				for (p++; isdigit((unsigned char)*p); p++)
					continue;
		}
	}
	if (!valid(y, mo, d, h, mi, s))
		return -1;
	if (*p == 'Z' && p[1] == '\0') {
		*t = trap_timegm(y, mo, d, h, mi, s);
		return 0;
	}
	if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) == 0) {
		sign = *p == '-' ? -1 : 1;
		p += 3;
		if (*p == ':')
			p++;
		if (digits(p, 2, &om) || p[2] != '\0' || oh > 23 || om > 59)
			return -1;
		*t = trap_timegm(y, mo, d, h, mi, s) -
		    sign * (oh * 3600 + om * 60);
		return 0;
	}
	if (*p != '\0')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	if ((r = mktime(&tm)) == -1)
		return -1;
	*t = r;
	return 0;
}

/* A POSIX TZ name: three or more letters, or <...> of three or more. */
static const char *
tz_name(const char *p)
{
	const char	*s = p;

	if (*p == '<') {
		while (*++p != '>')
			if (*p == '\0' || !(isalnum((unsigned char)*p) ||
			    *p == '+' || *p == '-'))
				return NULL;
		return p - s - 1 >= 3 ? p + 1 : NULL;
	}
	while (isalpha((unsigned char)*p))
		p++;
	return p - s >= 3 ? p : NULL;
}

/* A POSIX TZ offset: [+-]hh[:mm[:ss]], hours 0-24. */
static const char *
tz_offset(const char *p)
{
	int	 i, n;

	if (*p == '+' || *p == '-')
		p++;
	for (i = 0; i < 3; i++) {
		if (i > 0 && *p++ != ':')
			return NULL;
		for (n = 0; n < 2 && isdigit((unsigned char)*p); n++)
			p++;
		if (n == 0)
			return NULL;
		if (*p != ':')
			break;
	}
	return p;
}

/*
 * A POSIX TZ string ("EST5EDT", "<+03>-3", "CET-1CEST,M3.5.0,M10.5.0/3"):
 * the standard name and offset are checked, what follows is left to
 * tzset(3).
 */
static int
tz_posix(const char *tz)
{
	const char	*p;

	if ((p = tz_name(tz)) == NULL || (p = tz_offset(p)) == NULL)
		return 0;
	if (*p == '\0' || *p == ',')
		return 1;
	return tz_name(p) != NULL;
}

/* A tzfile(5): TZDIR (default /usr/share/zoneinfo) or an absolute path. */
static int
tz_file(const char *tz)
{
	const char	*dir;
	char		 path[PATH_MAX], magic[4];
	int		 fd, n;

	if (tz[0] == '/')
		n = snprintf(path, sizeof(path), "%s", tz);
	else {
		if ((dir = getenv("TZDIR")) == NULL || *dir == '\0')
			dir = "/usr/share/zoneinfo";
		n = snprintf(path, sizeof(path), "%s/%s", dir, tz);
	}
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	n = read(fd, magic, sizeof(magic));
	close(fd);
	return n == sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
}

/*
 * Whether tzset(3) knows the zone tz (a value of TZ): a tzfile(5) name
 * such as "Europe/Oslo", "UTC" or "GMT", or a POSIX TZ string.  An
 * unknown name (a typo: "Europe/Olso") is read as UTC by tzset, silently.
 */
int
trap_tz_known(const char *tz)
{
	if (*tz == ':')
		tz++;
	if (*tz == '\0')
		return 0;
	if (strcmp(tz, "UTC") == 0 || strcmp(tz, "GMT") == 0)
		return 1;
	return tz_posix(tz) || tz_file(tz);
}

/*
 * The zone of local times: tz (a -z option) if not NULL, else TZ, as
 * tzset(3) reads it.  An unknown zone is an error, exit 2; an empty or
 * unset TZ is UTC or the system's zone, as ever.
 */
void
trap_tz_init(const char *tz)
{
	const char	*env;

	if (tz != NULL) {
		if (!trap_tz_known(tz))
			errx(2, "%s: unknown time zone", tz);
		if (setenv("TZ", tz, 1) == -1)
			err(trap_eval, "setenv");
	} else if ((env = getenv("TZ")) != NULL && *env != '\0' &&
	    !trap_tz_known(env))
		errx(2, "%s: unknown time zone (TZ)", env);
	tzset();
}

/*
 * The wall clock of t in the local zone (TZ), as seconds since the epoch
 * of that calendar: its day is the local day (floor of / 86400), its
 * hour the local hour.  t itself if it has no local time.
 */
time_t
trap_time_civil(time_t t)
{
	struct tm	 tm;

	if (localtime_r(&t, &tm) == NULL)
		return t;
	return trap_timegm(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * "YYYY-MM-DD HH:MM:SS", t in the local zone, without the cost of
 * printf for years of four digits: 0, or -1 (and "n/a") if t has no
 * local time.
 */
int
trap_time_local(time_t t, char buf[TRAP_TIMELEN])
{
	struct tm	 tm;
	char		 s[64];
	int		 y;

	if (localtime_r(&t, &tm) == NULL) {
		strlcpy(buf, "n/a", TRAP_TIMELEN);
		return -1;
	}
	if ((y = tm.tm_year + 1900) < 0 || y > 9999) {
		snprintf(s, sizeof(s), "%04d-%02d-%02d %02d:%02d:%02d", y,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec);
		strlcpy(buf, s, TRAP_TIMELEN);
		return 0;
	}
	putclock(buf, y, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour * 3600 +
	    tm.tm_min * 60 + tm.tm_sec, ' ');
	return 0;
}

/* t's broken-down local time is t + off's in UTC (no leap seconds). */
static int
sameclock(time_t t, const struct tm *tm, long off)
{
	int	 y, m, d, sec;

	civil_split(t + off, &y, &m, &d, &sec);
	return y == tm->tm_year + 1900 && m == tm->tm_mon + 1 &&
	    d == tm->tm_mday && sec == tm->tm_hour * 3600 + tm->tm_min * 60 +
	    tm->tm_sec;
}

/*
 * trap_time_local, with c holding the zone's offset through the UTC hours
 * of the times asked for (TRAP_TZHOURS of them, by hour mod that): many
 * times of one hour cost one localtime(3) (whose lock serialises the
 * threads) at each end of it.  The offset is taken only if both ends
 * read alike, and their clocks are the offset's: zones change their
 * offset months apart, never twice in an hour, and a zone with leap
 * seconds never passes.
 */
int
trap_time_local_cached(struct trap_tzcache *c, time_t t,
    char buf[TRAP_TIMELEN])
{
	struct trap_tzhour	*th;
	struct tm		 a, b;
	time_t			 h, e;
	int			 y, m, d, sec;

	if (t < -((time_t)1 << 62) || t > (time_t)1 << 62)
		return trap_time_local(t, buf);	/* no overflow below */
	if (c->hours == NULL)
		c->hours = xcalloc(TRAP_TZHOURS, sizeof(*c->hours));
	h = t - ((t % 3600) + 3600) % 3600;
	th = &c->hours[(unsigned long long)(h / 3600) % TRAP_TZHOURS];
	if (th->hour != h + 1) {
		e = h + 3599;
		th->hour = h + 1;	/* 0: none */
		th->usable = localtime_r(&h, &a) != NULL &&
		    localtime_r(&e, &b) != NULL &&
		    a.tm_gmtoff == b.tm_gmtoff &&
		    sameclock(h, &a, a.tm_gmtoff) &&
		    sameclock(e, &b, b.tm_gmtoff) &&
		    a.tm_year + 1900 >= 0 && b.tm_year + 1900 <= 9999;
		th->off = th->usable ? a.tm_gmtoff : 0;
	}
	if (!th->usable)
		return trap_time_local(t, buf);
	civil_split(t + th->off, &y, &m, &d, &sec);
	putclock(buf, y, m, d, sec, ' ');
	return 0;
}

void
trap_tzcache_free(struct trap_tzcache *c)
{
	free(c->hours);
	c->hours = NULL;
}

/*
 * The label of the local zone over [t1, t2]: its abbreviation at both,
 * "EST, EDT" if it changed, "local time" if it has none.
 */
void
trap_tz_label(time_t t1, time_t t2, char *buf, size_t size)
{
	struct tm	 tm;
	char		 z1[32], z2[32];

	if (localtime_r(&t1, &tm) == NULL ||
	    strftime(z1, sizeof(z1), "%Z", &tm) == 0 ||
	    localtime_r(&t2, &tm) == NULL ||
	    strftime(z2, sizeof(z2), "%Z", &tm) == 0)
		strlcpy(buf, "local time", size);
	else if (strcmp(z1, z2) == 0)
		strlcpy(buf, z1, size);
	else
		snprintf(buf, size, "%s, %s", z1, z2);
}

/* The time of an option (-S, -U, -r): or exit eval with the reason. */
time_t
trap_time_arg(const char *s, int eval)
{
	time_t	 t;

	if (trap_time_parse_iso(s, &t) == -1)
		errx(eval, "bad time: %s", s);
	return t;
}
