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

/* Unit tests of libtrap (atf-c). */

#include "compat.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "trap.h"
#include "pattern.h"
#include "envelope.h"
#include "../../inject.h"

extern const char trap_builtin_patterns[];

static char	 got[4096];
static size_t	 gotlen;

static void
collect(const struct trap_attempt *a, void *arg)
{
	char	 buf[1024];
	char	 t[TRAP_TIMELEN];
	size_t	 n;

	(void)arg;
	trap_time_fmt(a->time, t);
	n = trap_vis(buf, sizeof(buf), a->user.p, a->user.len);
	snprintf(got + gotlen, sizeof(got) - gotlen, "%s %s %s %.*s %s\n", t,
	    a->addr[0] ? a->addr : "-", buf, (int)a->rdns.len,
	    a->rdns.p, trap_kind_names[a->kind]);
	gotlen = strlen(got);
	(void)n;
}

static struct trap_extract *
extractor(const char *patterns)
{
	struct trap_extract	*x;

	got[0] = '\0';
	gotlen = 0;
	setenv("TZ", "UTC", 1);
	tzset();
	x = trap_extract_new(collect, NULL);
	if (patterns != NULL)
		ATF_REQUIRE_EQ(trap_extract_patterns(x, patterns, "test"), 0);
	else
		ATF_REQUIRE_EQ(trap_extract_builtin(x), 0);
	trap_extract_reftime(x, trap_timegm(2026, 6, 1, 0, 0, 0));
	return x;
}

static void
feed(struct trap_extract *x, const char *line)
{
	trap_extract_line(x, line, strlen(line), "test", 1);
}

ATF_TC_WITHOUT_HEAD(time_fmt);
ATF_TC_BODY(time_fmt, tc)
{
	char	 buf[TRAP_TIMELEN];
	time_t	 t;

	trap_time_fmt(0, buf);
	ATF_CHECK_STREQ(buf, "1970-01-01T00:00:00Z");
	trap_time_fmt(951782400 + 86399, buf);		/* 2000-02-29 */
	ATF_CHECK_STREQ(buf, "2000-02-29T23:59:59Z");
	trap_time_fmt(-1, buf);
	ATF_CHECK_STREQ(buf, "1969-12-31T23:59:59Z");
	/* The ends of time_t (TRAP_NOTIME): no overflow, a year of 0. */
	trap_time_fmt(TRAP_NOTIME, buf);
	ATF_CHECK_EQ(strlen(buf), TRAP_TIMELEN - 1);
	ATF_CHECK_EQ(strncmp(buf, "0000-", 5), 0);
	ATF_CHECK_EQ(trap_timegm(2014, 7, 18, 15, 1, 14), 1405695674);
	ATF_CHECK_EQ(trap_time_parse_rec("2014-07-18T15:01:14Z", 20, &t), 0);
	ATF_CHECK_EQ(t, 1405695674);
	ATF_CHECK_EQ(trap_time_parse_rec("2014-02-29T15:01:14Z", 20, &t), -1);
	ATF_CHECK_EQ(trap_time_parse_rec("2014-07-18 15:01:14Z", 20, &t), -1);
	ATF_CHECK_EQ(trap_time_parse_rec("2014-07-18T15:01:14", 19, &t), -1);
}

ATF_TC_WITHOUT_HEAD(time_iso);
ATF_TC_BODY(time_iso, tc)
{
	time_t	 t;

	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	ATF_CHECK_EQ(trap_time_parse_iso("2014-09-01", &t), 0);
	ATF_CHECK_EQ(t, trap_timegm(2014, 8, 31, 22, 0, 0));
	ATF_CHECK_EQ(trap_time_parse_iso("2014-09-01T12:30Z", &t), 0);
	ATF_CHECK_EQ(t, trap_timegm(2014, 9, 1, 12, 30, 0));
	ATF_CHECK_EQ(trap_time_parse_iso("2014-09-01 12:30:10+02:00", &t), 0);
	ATF_CHECK_EQ(t, trap_timegm(2014, 9, 1, 10, 30, 10));
	ATF_CHECK_EQ(trap_time_parse_iso("2014-09-01T12:30:10.5-0130", &t), 0);
	ATF_CHECK_EQ(t, trap_timegm(2014, 9, 1, 14, 0, 10));
	ATF_CHECK_EQ(trap_time_parse_iso("2014-13-01", &t), -1);
	ATF_CHECK_EQ(trap_time_parse_iso("2014-09-01x", &t), -1);
	ATF_CHECK_EQ(trap_time_parse_iso("yesterday", &t), -1);
}

ATF_TC_WITHOUT_HEAD(addr_canon);
ATF_TC_BODY(addr_canon, tc)
{
	char	 a[TRAP_ADDRLEN];

#define CANON(in, want) do {						\
	ATF_CHECK_EQ(trap_addr_canon(in, strlen(in), a, sizeof(a)), 0);	\
	ATF_CHECK_STREQ(a, want);					\
} while (0)
	CANON("192.0.2.1", "192.0.2.1");
	CANON("::ffff:192.0.2.1", "192.0.2.1");
	CANON("2001:DB8:0:0::1", "2001:db8::1");
	CANON("fe80::1%em0", "fe80::1");
	/* The IPv6 form, by hand from RFC 5952 and glibc's inet_ntop. */
	CANON("0:0:0:0:0:0:0:0", "::");
	CANON("0::1", "::1");
	CANON("::0.0.0.5", "::5");
	CANON("::c000:201", "::192.0.2.1");
	CANON("::0:1:0", "::0.1.0.0");
	CANON("0:0:0:0:0:1:0:0", "::1:0:0");
	CANON("1:0:0:2:0:0:0:3", "1:0:0:2::3");
	CANON("1:0:0:2:0:0:3:4", "1::2:0:0:3:4");
	CANON("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7");
	CANON("2001:DB8:0:0:0:0:0:0", "2001:db8::");
	CANON("0:0:1:0:0:0:0:0", "0:0:1::");
	CANON("0:0:1:0:0:0:0:9", "0:0:1::9");
	CANON("ABCD:EF01:2345:0089:ABCD:EF01:0345:6789",
	    "abcd:ef01:2345:89:abcd:ef01:345:6789");
	CANON("f:0f:00f:000f:f000:0:00:000", "f:f:f:f:f000::");
#undef CANON
	ATF_CHECK_EQ(trap_addr_canon("999.1.1.1", 9, a, sizeof(a)), -1);
	ATF_CHECK_EQ(trap_addr_canon("192.0.2.1%em0", 13, a, sizeof(a)), -1);
	ATF_CHECK_EQ(trap_addr_canon("", 0, a, sizeof(a)), -1);
	ATF_CHECK_EQ(trap_addr_canon("1:2:3", 5, a, sizeof(a)), -1);
}

/*
 * The canonical IPv6 form agrees with the system's inet_ntop(3) on
 * addresses whose first group is not zero (where the platforms agree),
 * with groups zero at random to make runs; each is its own canonical
 * form, read back as the same address, and an expanded, upper-case
 * spelling is made canonical.
 */
ATF_TC_WITHOUT_HEAD(addr_canon6);
ATF_TC_BODY(addr_canon6, tc)
{
	unsigned char	 a[16], b[16];
	char		 sys[INET6_ADDRSTRLEN], out[TRAP_ADDRLEN], wide[64];
	unsigned int	 seed = 1, g;
	int		 i, k, n;

	for (k = 0; k < 20000; k++) {
		for (i = 0; i < 8; i++) {
			seed = seed * 1103515245 + 12345;
			g = (seed >> 8) & 0xffff;
			if (i > 0 && (seed >> 28) < 9)
				g = 0;
			if (i > 0 && (seed >> 28) == 9)
				g &= 0xf;
			if (i == 0 && g == 0)
				g = 0x2001;
			a[2 * i] = g >> 8;
			a[2 * i + 1] = g & 0xff;
		}
		ATF_REQUIRE(inet_ntop(AF_INET6, a, sys, sizeof(sys)) != NULL);
		ATF_CHECK_MSG(trap_addr_canon(sys, strlen(sys), out,
		    sizeof(out)) == 0 && strcmp(out, sys) == 0, "%s", sys);
		ATF_CHECK_EQ(trap_addr_canonparse(sys, strlen(sys), b),
		    AF_INET6);
		ATF_CHECK(memcmp(a, b, 16) == 0);
		for (i = 0, n = 0; i < 8; i++)
			n += snprintf(wide + n, sizeof(wide) - n, "%s%04X",
			    i > 0 ? ":" : "", a[2 * i] << 8 | a[2 * i + 1]);
		ATF_CHECK(trap_addr_canon(wide, n, out, sizeof(out)) == 0 &&
		    strcmp(out, sys) == 0);
		ATF_CHECK(trap_addr_canonparse(wide, n, b) == 0 ||
		    strcmp(wide, sys) == 0);
	}
	/* The forms of the first-group-zero addresses, canonical or not. */
	ATF_CHECK_EQ(trap_addr_canonparse("::5", 3, b), AF_INET6);
	ATF_CHECK_EQ(trap_addr_canonparse("::0.0.0.5", 9, b), 0);
	ATF_CHECK_EQ(trap_addr_canonparse("::192.0.2.1", 11, b), AF_INET6);
	ATF_CHECK_EQ(trap_addr_canonparse("::c000:201", 10, b), 0);
	ATF_CHECK_EQ(trap_addr_canonparse("1::2:0:0:3:4", 12, b), AF_INET6);
	ATF_CHECK_EQ(trap_addr_canonparse("1:0:0:2::3:4", 12, b), 0);
	ATF_CHECK_EQ(trap_addr_canonparse("::", 2, b), AF_INET6);
	ATF_CHECK_EQ(trap_addr_canonparse(":::", 3, b), 0);
}

/* Binary addresses: the quick dotted quad agrees with inet_pton(3). */
ATF_TC_WITHOUT_HEAD(addr_parse);
ATF_TC_BODY(addr_parse, tc)
{
	static const char *const bad[] = { "01.2.3.4", "1.2.3.04", "1.2.3",
	    "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", "0x1.2.3.4", "", "-",
	    "1:2:3", "fe80::1%em0" };
	unsigned char	 a[16];
	size_t		 i;

	ATF_CHECK_EQ(trap_addr_parse("192.0.2.255", 11, a), AF_INET);
	ATF_CHECK(memcmp(a, "\300\000\002\377", 4) == 0);
	ATF_CHECK_EQ(trap_addr_parse("0.0.0.0", 7, a), AF_INET);
	ATF_CHECK_EQ(trap_addr_parse("2001:db8::1", 11, a), AF_INET6);
	ATF_CHECK(a[0] == 0x20 && a[1] == 0x01 && a[15] == 1);
	ATF_CHECK_EQ(trap_addr_parse("192.0.2.1junk", 9, a), AF_INET);
	ATF_CHECK_EQ(trap_addr_parse("192.0.2.1\0junk", 14, a), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(trap_addr_parse(bad[i], strlen(bad[i]), a), 0,
		    "%s", bad[i]);
}

ATF_TC_WITHOUT_HEAD(vis_fields);
ATF_TC_BODY(vis_fields, tc)
{
	char	 buf[64], back[64];

	trap_vis(buf, sizeof(buf), "", 0);
	ATF_CHECK_STREQ(buf, "-");
	trap_vis(buf, sizeof(buf), "-", 1);
	ATF_CHECK_STREQ(buf, "\\055");
	trap_vis(buf, sizeof(buf), "a\tb\\c\n\351 d", 9);
	ATF_CHECK_STREQ(buf, "a\\tb\\\\c\\n\\351 d");
	ATF_CHECK_EQ(trap_unvis(back, sizeof(back), buf, strlen(buf)), 9);
	ATF_CHECK(memcmp(back, "a\tb\\c\n\351 d", 9) == 0);
	ATF_CHECK_EQ(trap_unvis(back, sizeof(back), "-", 1), 0);
	ATF_CHECK_EQ(trap_unvis(back, sizeof(back), "\\055", 4), 1);
	ATF_CHECK_STREQ(back, "-");
	/* A NUL: "\000" only before an octal digit of the field itself. */
	memcpy(back, "\0" "7", 2);
	trap_vis(buf, sizeof(buf), back, 1);
	ATF_CHECK_STREQ(buf, "\\0");
	trap_vis(buf, sizeof(buf), back, 2);
	ATF_CHECK_STREQ(buf, "\\0007");
	memcpy(back, "a\0\0" "1", 4);
	trap_vis(buf, sizeof(buf), back, 3);
	ATF_CHECK_STREQ(buf, "a\\0\\0");
	ATF_CHECK_EQ(trap_unvis(back, sizeof(back), buf, strlen(buf)), 3);
	ATF_CHECK(memcmp(back, "a\0\0", 3) == 0);
}

ATF_TC_WITHOUT_HEAD(record_parse);
ATF_TC_BODY(record_parse, tc)
{
	struct trap_rec	 r;
	const char	*ok = "2014-07-18T15:01:14Z\tskapet\tpop3\tspop3d\t"
	    "192.0.2.1\t-\tinfo\tnouser";
	const char	*ok10 = "2014-07-18T15:01:14Z\tskapet\tpop3\tspop3d\t"
	    "192.0.2.1\t-\tinfo\tnouser\ttrap\tinfo@example.com";

	ATF_CHECK_EQ(trap_rec_parse(ok, strlen(ok), &r), 0);
	ATF_CHECK_EQ(r.nfields, 8);
	ATF_CHECK_EQ(r.time, 1405695674);
	ATF_CHECK(r.f[F_USER].len == 4 && memcmp(r.f[F_USER].p, "info", 4) == 0);
	ATF_CHECK_EQ(trap_rec_parse(ok10, strlen(ok10), &r), 0);
	ATF_CHECK_EQ(r.nfields, 10);
	/* 7, 9 and 11 fields, an empty field, a bad kind, service, time */
	ATF_CHECK_EQ(trap_rec_parse(ok, strlen(ok) - 7, &r), -1);
	ATF_CHECK_EQ(trap_rec_parse(ok10, strlen(ok10) - 17, &r), -1);
	ATF_CHECK_EQ(trap_rec_parse("a\tb", 3, &r), -1);
	ATF_CHECK_EQ(trap_rec_parse("2014-07-18T15:01:14Z\tskapet\tpop3\t"
	    "spop3d\t192.0.2.1\t\tinfo\tnouser", 52, &r), -1);
	ATF_CHECK_EQ(trap_rec_parse("2014-07-18T15:01:14Z\tskapet\tpop3\t"
	    "spop3d\t192.0.2.1\t-\tinfo\tnobody", 53, &r), -1);
	ATF_CHECK_EQ(trap_rec_parse("2014-07-18T15:01:14Z\tskapet\tpop4\t"
	    "spop3d\t192.0.2.1\t-\tinfo\tnouser", 53, &r), -1);
	ATF_CHECK_EQ(trap_rec_parse("2014-07-18T25:01:14Z\tskapet\tpop3\t"
	    "spop3d\t192.0.2.1\t-\tinfo\tnouser", 53, &r), -1);
}

/*
 * The split into fields, 16 bytes a step and then the line's last 16
 * bytes less those seen: against a split a byte at a time, for tabs
 * and a backslash at every place of the last 40 bytes, in records of 8
 * and 10 fields, and with one field empty or one too many.
 */
static int
naive_split(const char *line, size_t len, struct trap_str *f, int *esc)
{
	size_t	 i, start = 0;
	int	 n = 0;

	*esc = memchr(line, '\\', len) != NULL;
	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != '\t')
			continue;
		if (n == TRAP_NFIELDS_MATCH || i == start)
			return -1;
		f[n].p = line + start;
		f[n++].len = i - start;
		start = i + 1;
	}
	return n;
}

ATF_TC_WITHOUT_HEAD(record_split);
ATF_TC_BODY(record_split, tc)
{
	static const char *const tails[] = { "", "\ttrap\tu@example.org",
	    "\ttrap\t", "\ttrap\tx\ty" };
	struct trap_rec	 r;
	struct trap_str	 f[TRAP_NFIELDS_MATCH];
	char		 user[64], line[256];
	size_t		 ulen, b, t, len;
	int		 n, esc, i, checked = 0;

	for (ulen = 1; ulen <= 40; ulen++)
		for (b = 0; b <= ulen; b++)
			for (t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
				/* b + 1 < ulen: "\\" (a backslash) at b */
				memset(user, 'u', ulen);
				if (b + 1 < ulen)
					memcpy(user + b, "\\\\", 2);
				len = snprintf(line, sizeof(line),
				    "2014-07-18T15:01:14Z\tmx\tpop3\tspop3d\t"
				    "192.0.2.1\t-\t%.*s\tnouser%s", (int)ulen,
				    user, tails[t]);
				n = naive_split(line, len, f, &esc);
				if (n != TRAP_NFIELDS && n != TRAP_NFIELDS_MATCH) {
					ATF_CHECK_EQ_MSG(trap_rec_parse(line,
					    len, &r), -1, "%s", line);
					continue;
				}
				ATF_REQUIRE_EQ_MSG(trap_rec_parse(line, len,
				    &r), 0, "%s", line);
				ATF_CHECK_EQ(r.nfields, n);
				ATF_CHECK_EQ(r.escaped, esc);
				for (i = 0; i < n; i++)
					ATF_CHECK_MSG(r.f[i].p == f[i].p &&
					    r.f[i].len == f[i].len,
					    "%s: field %d", line, i);
				checked++;
			}
	/* Each length and place, of 8 and of 10 fields. */
	ATF_CHECK_EQ(checked, 2 * (40 * 41 / 2 + 40));
}

/* Issue 17: one grammar, what the archive takes its readers can read. */
ATF_TC_WITHOUT_HEAD(record_grammar);
ATF_TC_BODY(record_grammar, tc)
{
	static const char *const good[] = { "192.0.2.1", "-", "2001:db8::1",
	    "::1", "255.255.255.255" };
	static const char *const bad[] = { "999.2.3.4", "192.0.2.01",
	    "2001:DB8::1", "2001:db8:0::1", "::ffff:192.0.2.1", "fe80::1%em0",
	    "host.example", "1.2.3" };
	struct trap_rec	 r;
	unsigned char	 a[16];
	char		 line[256];
	size_t		 i;
	int		 n;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		n = snprintf(line, sizeof(line), "2014-07-18T15:01:14Z\tmx\t"
		    "pop3\tspop3d\t%s\t-\tinfo\tnouser", good[i]);
		ATF_CHECK_MSG(trap_rec_parse(line, n, &r) == 0, "%s", good[i]);
		ATF_CHECK(trap_addr_canonparse(good[i], strlen(good[i]), a) != 0
		    || strcmp(good[i], "-") == 0);
		/* The address the record holds, in binary, as inet_pton. */
		if (strcmp(good[i], "-") == 0) {
			ATF_CHECK_EQ(r.family, 0);
			continue;
		}
		ATF_CHECK_EQ(r.family, strchr(good[i], ':') ? AF_INET6 :
		    AF_INET);
		ATF_CHECK_EQ(inet_pton(r.family, good[i], a), 1);
		ATF_CHECK(memcmp(r.abin, a, r.family == AF_INET ? 4 : 16) == 0);
		ATF_CHECK(!r.escaped);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = snprintf(line, sizeof(line), "2014-07-18T15:01:14Z\tmx\t"
		    "pop3\tspop3d\t%s\t-\tinfo\tnouser", bad[i]);
		ATF_CHECK_MSG(trap_rec_parse(line, n, &r) == -1, "%s", bad[i]);
		ATF_CHECK_EQ(trap_addr_canonparse(bad[i], strlen(bad[i]), a), 0);
	}
	/* Dotted quads at their edges (quad), and a record with escapes. */
	ATF_CHECK_EQ(trap_addr_canonparse("0.0.0.0", 7, a), AF_INET);
	ATF_CHECK_EQ(trap_addr_canonparse("10.0.255.9", 10, a), AF_INET);
	ATF_CHECK(a[0] == 10 && a[1] == 0 && a[2] == 255 && a[3] == 9);
	ATF_CHECK_EQ(trap_addr_canonparse("1.2.3.256", 9, a), 0);
	ATF_CHECK_EQ(trap_addr_canonparse("1.2.3.1000", 10, a), 0);
	ATF_CHECK_EQ(trap_addr_canonparse("1.2.3.00", 8, a), 0);
	ATF_CHECK_EQ(trap_addr_canonparse("1.2.3.4.", 8, a), 0);
	ATF_CHECK_EQ(trap_addr_canonparse("1.2..4", 6, a), 0);
	ATF_CHECK_EQ(trap_addr_canonparse("1.2.3.4/", 8, a), 0);
	ATF_CHECK_EQ(trap_addr_canonparse("1.2.3.4", 6, a), 0);	/* "1.2.3." */
	n = snprintf(line, sizeof(line), "2014-07-18T15:01:14Z\tmx\tpop3\t"
	    "spop3d\t-\t-\tin\\040fo\tnouser");
	ATF_CHECK_EQ(trap_rec_parse(line, n, &r), 0);
	ATF_CHECK(r.escaped);
	/* Fields: 8 or 10, none empty, tabs on either side of 16 bytes. */
	n = snprintf(line, sizeof(line), "2014-07-18T15:01:14Z\tmx\tpop3\t"
	    "spop3d\t-\t-\tinfo\tnouser\ttrap\tinfo@example.org");
	ATF_CHECK_EQ(trap_rec_parse(line, n, &r), 0);
	ATF_CHECK_EQ(r.nfields, 10);
	ATF_CHECK(r.f[F_MATCH].len == 16 &&
	    memcmp(r.f[F_MATCH].p, "info@example.org", 16) == 0);
	ATF_CHECK(r.f[F_LOGHOST].len == 2 && r.f[F_KIND].len == 6);
	n = snprintf(line, sizeof(line), "2014-07-18T15:01:14Z\tmx\tpop3\t"
	    "spop3d\t-\t-\tinfo\tnouser\ttrap\tinfo\tmore");
	ATF_CHECK_EQ(trap_rec_parse(line, n, &r), -1);	/* 11 fields */
	n = snprintf(line, sizeof(line), "2014-07-18T15:01:14Z\tmx\tpop3\t"
	    "spop3d\t-\t-\tinfo\tnouser\ttrap");
	ATF_CHECK_EQ(trap_rec_parse(line, n, &r), -1);	/* 9 fields */
	n = snprintf(line, sizeof(line), "2014-07-18T15:01:14Z\t\tpop3\t"
	    "spop3d\t-\t-\tinfo\tnouser");
	ATF_CHECK_EQ(trap_rec_parse(line, n, &r), -1);	/* empty host */
	n = snprintf(line, sizeof(line), "2014-07-18T15:01:14Z\tmx\tpop3\t"
	    "spop3d\t-\t-\tinfo\tnouser\t");
	ATF_CHECK_EQ(trap_rec_parse(line, n, &r), -1);	/* empty last */
	/* A bad vis(3) encoding, a bad date. */
	n = snprintf(line, sizeof(line), "2014-07-18T15:01:14Z\tmx\tpop3\t"
	    "spop3d\t-\t-\tin\\fo\\\tnouser");
	ATF_CHECK_EQ(trap_rec_parse(line, n, &r), -1);
	n = snprintf(line, sizeof(line), "2014-07-18T15:01:14Z\tmx\tpop3\t"
	    "spop3d\t-\t-\tin\\355fo\tnouser");
	ATF_CHECK_EQ(trap_rec_parse(line, n, &r), 0);
	n = snprintf(line, sizeof(line), "2014-02-30T15:01:14Z\tmx\tpop3\t"
	    "spop3d\t-\t-\tinfo\tnouser");
	ATF_CHECK_EQ(trap_rec_parse(line, n, &r), -1);
}

ATF_TC_WITHOUT_HEAD(host_key);
ATF_TC_BODY(host_key, tc)
{
	struct trap_str	 a = { "192.0.2.1", 9 }, none = { "", 0 };
	struct trap_str	 n = { "Mail.Example", 12 }, low = { "mx.example", 10 };
	struct trap_str	 k;
	char		 buf[16];

	ATF_CHECK_EQ(trap_host(&a, &n, buf, &k), 9);
	ATF_CHECK(k.p == a.p);
	ATF_CHECK_EQ(trap_host(&none, &n, buf, &k), 12);
	ATF_CHECK(k.p == buf && memcmp(k.p, "mail.example", 12) == 0);
	ATF_CHECK_EQ(trap_host(&none, &low, buf, &k), 10);
	ATF_CHECK(k.p == low.p);
	ATF_CHECK_EQ(trap_host(&none, &none, buf, &k), 0);
}

ATF_TC_WITHOUT_HEAD(json_str);
ATF_TC_BODY(json_str, tc)
{
	const char	*in = "caf\303\251\"\\\001\177\377x";
	char		*out = NULL;
	size_t		 outlen = 0;
	FILE		*fp;

	ATF_REQUIRE((fp = open_memstream(&out, &outlen)) != NULL);
	trap_json_str(fp, in, strlen(in));
	trap_json_str(fp, "", 0);
	ATF_REQUIRE(fclose(fp) == 0);
	ATF_CHECK_STREQ(out,
	    "\"caf\303\251\\\"\\\\\\u0001\\u007f\\u00ffx\"\"\"");
	free(out);
}

/* Issue 17: the one CSV writer (RFC 4180, formulas guarded). */
ATF_TC_WITHOUT_HEAD(csv_str);
ATF_TC_BODY(csv_str, tc)
{
	char	*out = NULL;
	size_t	 outlen = 0;
	FILE	*fp;

	ATF_REQUIRE((fp = open_memstream(&out, &outlen)) != NULL);
	trap_csv_str(fp, "plain", 5);
	putc('|', fp);
	trap_csv_str(fp, "a,\"b\"", 5);
	putc('|', fp);
	trap_csv_str(fp, "=cmd()", 6);
	putc('|', fp);
	trap_csv_str(fp, "x\ny", 3);
	putc('|', fp);
	trap_csv_str(fp, "", 0);
	ATF_REQUIRE(fclose(fp) == 0);
	ATF_CHECK_STREQ(out,
	    "plain|\"a,\"\"b\"\"\"|\"'=cmd()\"|\"x\ny\"|");
	free(out);
}

/* Issue 17: local time, the local day and the zone's label, once. */
ATF_TC_WITHOUT_HEAD(time_local);
ATF_TC_BODY(time_local, tc)
{
	char	 buf[TRAP_TIMELEN], lbl[80];
	time_t	 t = 1405695674;		/* 2014-07-18T15:01:14Z */
	time_t	 w = 1387378874;		/* 2013-12-18T15:01:14Z */

	trap_tz_init("America/New_York");
	ATF_CHECK_EQ(trap_time_local(t, buf), 0);
	ATF_CHECK_STREQ(buf, "2014-07-18 11:01:14");
	ATF_CHECK_EQ(trap_time_civil(t), t - 4 * 3600);
	ATF_CHECK_EQ(trap_time_civil(t) / 86400, t / 86400);
	/* 01:00Z is the evening before in New York. */
	ATF_CHECK_EQ(trap_time_civil(t - 14 * 3600) / 86400, t / 86400 - 1);
	trap_tz_label(t, t, lbl, sizeof(lbl));
	ATF_CHECK_STREQ(lbl, "EDT");
	trap_tz_label(w, t, lbl, sizeof(lbl));
	ATF_CHECK_STREQ(lbl, "EST, EDT");
	trap_tz_init("UTC0");
	ATF_CHECK_EQ(trap_time_local(t, buf), 0);
	ATF_CHECK_STREQ(buf, "2014-07-18 15:01:14");
	ATF_CHECK_EQ(trap_time_civil(t), t);
}

/*
 * trap_time_local_cached writes what trap_time_local does, in zones with
 * summer time, with half-hour and 45-minute offsets, with a negative
 * summer time, with leap seconds (where the system has them), across
 * their changes, before 1970 and past the years of four digits.
 */
static void
cached_zone(const char *tz)
{
	static const time_t	 from[] = {
		1773000000,	/* 2026-03-08, a week before the spring changes */
		1790000000,	/* 2026-09-21, around the autumn ones */
		-300000000,	/* 1960 */
		253402200000,	/* 9999-12-31: and past it */
	};
	struct trap_tzcache	 c;
	char			 want[TRAP_TIMELEN], got[TRAP_TIMELEN];
	time_t			 t;
	size_t			 i;
	int			 n, rw, rg;

	trap_tz_init(tz);
	memset(&c, 0, sizeof(c));
	for (i = 0; i < sizeof(from) / sizeof(from[0]); i++)
		for (n = 0, t = from[i]; n < 60000; n++, t += 61) {
			rw = trap_time_local(t, want);
			rg = trap_time_local_cached(&c, t, got);
			if (rw != rg || strcmp(want, got) != 0)
				atf_tc_fail("%s at %lld: %s, not %s", tz,
				    (long long)t, got, want);
		}
	/* Times of many hours in turn, as traprank's rows come. */
	for (n = 0; n < 20000; n++) {
		t = 1767225600 + (time_t)(n * 7919LL % 31536000);
		trap_time_local(t, want);
		trap_time_local_cached(&c, t, got);
		ATF_CHECK_STREQ(got, want);
	}
	trap_tzcache_free(&c);
}

ATF_TC_WITHOUT_HEAD(time_local_cached);
ATF_TC_BODY(time_local_cached, tc)
{
	static const char *const zones[] = { "UTC0", "America/New_York",
	    "Europe/Dublin", "Australia/Lord_Howe", "Asia/Kathmandu",
	    "right/UTC", "right/Europe/Berlin" };
	size_t	 i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (trap_tz_known(zones[i]))
			cached_zone(zones[i]);
	trap_tz_init("UTC0");
}

/* Issue 17: the network of an address, as traprank -k net and trapforecast. */
ATF_TC_WITHOUT_HEAD(addr_prefix);
ATF_TC_BODY(addr_prefix, tc)
{
	unsigned char	 a[16];
	char		 buf[64];

	ATF_REQUIRE_EQ(trap_addr_parse("192.0.2.131", 11, a), AF_INET);
	trap_addr_prefix(AF_INET, a, 24, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "192.0.2.0/24");
	ATF_CHECK_EQ(trap_addr_prefix(AF_INET, a, 25, buf, sizeof(buf)), 14);
	ATF_CHECK_STREQ(buf, "192.0.2.128/25");
	trap_addr_prefix(AF_INET, a, 0, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "0.0.0.0/0");
	trap_addr_prefix(AF_INET, a, 32, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "192.0.2.131/32");
	ATF_REQUIRE_EQ(trap_addr_parse("2001:db8:1:2:3::4", 17, a), AF_INET6);
	trap_addr_prefix(AF_INET6, a, 64, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "2001:db8:1:2::/64");
	trap_addr_prefix(AF_INET6, a, 36, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "2001:db8::/36");
	trap_addr_prefix(AF_INET6, a, 0, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "::/0");
	trap_addr_prefix(AF_INET6, a, 128, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "2001:db8:1:2:3::4/128");
}

/*
 * SipHash-1-3 under the zero key, for keys of 1 to 16 bytes (each length
 * of the tail, one and two words): the values of an independent
 * implementation (CPython 3.11's hash of bytes, PYTHONHASHSEED=0).
 */
ATF_TC_WITHOUT_HEAD(siphash);
ATF_TC_BODY(siphash, tc)
{
	static const struct {
		const char	*s;
		uint64_t	 sum;
	} v[] = {
		{ "a", 0x407448d2b89b1813ULL },
		{ "ab", 0x555508cbc6add439ULL },
		{ "abc", 0xc03bc3a0042630f2ULL },
		{ "abcd", 0xe3d1d5fdd52aae89ULL },
		{ "abcde", 0x251f3c725bd784a2ULL },
		{ "abcdef", 0x62207e654289df28ULL },
		{ "abcdefg", 0x6db12aae9070f506ULL },
		{ "abcdefgh", 0x3f7b849c0b8e35eaULL },
		{ "abcdefghi", 0xf89b34a3d11eb6e5ULL },
		{ "abcdefghijklmno", 0x1fd27a29b0e9dc7aULL },
		{ "abcdefghijklmnop", 0x94f60d3d29e6a312ULL },
	};
	static const uint64_t	 zero[2];
	size_t			 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ATF_CHECK_MSG(trap_siphash(zero, v[i].s, strlen(v[i].s)) ==
		    v[i].sum, "%s", v[i].s);
}

/* Issue 17: the names of services and kinds, and their lookups. */
ATF_TC_WITHOUT_HEAD(names);
ATF_TC_BODY(names, tc)
{
	ATF_CHECK_EQ(trap_kind_lookup("badpass", 7), KIND_BADPASS);
	ATF_CHECK_EQ(trap_kind_lookup("rcpt", 4), KIND_RCPT);
	ATF_CHECK_EQ(trap_kind_lookup("rcp", 3), -1);
	ATF_CHECK_EQ(trap_kind_lookup("", 0), -1);
	ATF_CHECK_EQ(trap_name_lookup(trap_service_names, SVC_NSERVICES,
	    "sieve", 5), SVC_SIEVE);
	ATF_CHECK_EQ(trap_name_lookup(trap_service_names, SVC_NSERVICES,
	    "pop33", 5), -1);
	ATF_CHECK_STREQ(trap_kind_names[KIND_NOUSER], "nouser");
}

/* Word w is looked up by the fast lookups as by trap_name_lookup(). */
static void
lookups_agree(const char *w)
{
	size_t	 n = strlen(w);

	ATF_CHECK_EQ_MSG(trap_service_lookup(w, n), trap_name_lookup(
	    trap_service_names, SVC_NSERVICES, w, n), "%s", w);
	ATF_CHECK_EQ_MSG(trap_kind_lookup(w, n), trap_name_lookup(
	    trap_kind_names, KIND_NKINDS, w, n), "%s", w);
}

/* The lookups of every record: each name, and names that are not. */
/*
 * The month names of other languages (months.c), found by bsearch: the
 * table's first and last names and some between, each with the blank
 * after it; the English names, full names and a name without its blank
 * are not there.
 */
ATF_TC_WITHOUT_HEAD(envelope_localmonth);
ATF_TC_BODY(envelope_localmonth, tc)
{
	static const struct {
		const char	*s;
		size_t		 len;
		int		 mon;
	} t[] = {
		{ "Ara 03", 3, 12 },		/* the first, tr_TR */
		{ "Dez 03", 3, 12 },		/* de_DE */
		{ "J\303\244n 03", 4, 1 },	/* de_AT */
		{ "f\303\251vr. 05", 6, 2 },	/* fr_FR */
		{ "marras 01", 6, 11 },		/* fi_FI */
		{ "mrt 01", 3, 3 },		/* nl_NL */
		{ "m\303\241rc 01", 5, 3 },	/* hu_HU */
		{ "pa\305\272 07", 4, 10 },	/* pl_PL */
		{ "\321\201\320\265\320\275 09", 6, 9 },	/* ru_RU */
		{ "\321\230\321\203\320\275 01", 6, 6 },	/* sr_RS, the last */
		{ "Dec 03", 0, 0 },		/* English: month() has it */
		{ "Dezember 03", 0, 0 },
		{ "Dez03", 0, 0 },
		{ "dez", 0, 0 },		/* no blank after it */
		{ "", 0, 0 },
	};
	size_t	 i, n;
	int	 mon;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		mon = 0;
		n = env_localmonth(t[i].s, t[i].s + strlen(t[i].s), &mon);
		ATF_CHECK_EQ_MSG(n, t[i].len, "%s: length %zu", t[i].s, n);
		if (t[i].len > 0)
			ATF_CHECK_EQ_MSG(mon, t[i].mon, "%s: month %d",
			    t[i].s, mon);
	}
}

/* A journal entry's message decoded, or refused as systemd never writes
 * it. */
ATF_TC_WITHOUT_HEAD(envelope_unescape);
ATF_TC_BODY(envelope_unescape, tc)
{
	static const struct {
		const char	*in, *out;	/* out NULL: refused */
	} t[] = {
		{ "plain", "plain" },
		{ "a\\\"b\\\\c", "a\"b\\c" },
		{ "x\\ny\\tz\\r", "x\ny\tz\r" },
		{ "caf\\u00e9", "caf\303\251" },
		{ "\\u20ac", "\342\202\254" },
		{ "\\u001b[0m", "\033[0m" },
		{ "\\u0041", NULL },		/* printable ASCII */
		{ "a\\/b", NULL },		/* systemd writes '/' */
		{ "\\u0000", NULL },
		{ "\\ud83d\\ude00", NULL },	/* surrogates */
		{ "\\u12", NULL },
		{ "\\x41", NULL },
		{ "end\\", NULL },
	};
	struct env	 e;
	char		 buf[64];
	size_t		 i;
	int		 r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.msg.p = t[i].in;
		e.msg.len = strlen(t[i].in);
		e.escaped = 1;
		r = env_unescape(&e, buf);
		if (t[i].out == NULL) {
			ATF_CHECK_EQ_MSG(r, -1, "%s: taken", t[i].in);
			continue;
		}
		ATF_CHECK_EQ_MSG(r, 0, "%s: refused", t[i].in);
		ATF_CHECK_EQ_MSG(e.msg.len, strlen(t[i].out), "%s: length",
		    t[i].in);
		ATF_CHECK_MSG(memcmp(e.msg.p, t[i].out, e.msg.len) == 0,
		    "%s: %.*s", t[i].in, (int)e.msg.len, e.msg.p);
	}
}

/* syslog-ng's "Last message 'Q' repeated N times" read, or refused. */
ATF_TC_WITHOUT_HEAD(envelope_sngrepeat);
ATF_TC_BODY(envelope_sngrepeat, tc)
{
	static const struct {
		const char	*in, *quoted;
		long long	 n;		/* 0: refused */
	} t[] = {
		{ "Last message 'Failed password for ' repeated 2 times, "
		    "suppressed by syslog-ng on mx", "Failed password for ", 2 },
		{ "Last message 'auth: passwd-file(bo' repeated 1 times, "
		    "supressed by syslog-ng on mx", "auth: passwd-file(bo", 1 },
		{ "Last message 'short' repeated 7 times, suppressed by "
		    "syslog-ng on h", "short", 7 },
		/* the quote holds the marker: the last within 20 bytes */
		{ "Last message '' repeated 1 times' repeated 3 times, "
		    "suppressed by syslog-ng on h", "' repeated 1 times", 3 },
		{ "Last message 'x' repeated 1 times' repeated 3 times, "
		    "suppressed by syslog-ng on h", "x' repeated 1 times", 3 },
		{ "Last message 'x' repeated 0 times, suppressed by "
		    "syslog-ng on h", NULL, 0 },
		{ "Last message 'x' repeated 2 times", NULL, 0 },
		{ "Last message 'x' repeated times, suppressed by "
		    "syslog-ng on h", NULL, 0 },
		{ "Last message 'Failed password for root' repeated 2 times, "
		    "suppressed by syslog-ng on h", NULL, 0 },
		{ "last message repeated 2 times", NULL, 0 },
	};
	struct env	 e;
	struct trap_str	 q;
	long long	 n;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.msg.p = t[i].in;
		e.msg.len = strlen(t[i].in);
		n = env_sngrepeat(&e, &q);
		ATF_CHECK_EQ_MSG(n, t[i].n, "%s: %lld", t[i].in, n);
		if (n > 0)
			ATF_CHECK_MSG(q.len == strlen(t[i].quoted) &&
			    memcmp(q.p, t[i].quoted, q.len) == 0,
			    "%s: quoted %.*s", t[i].in, (int)q.len, q.p);
	}
}

ATF_TC_WITHOUT_HEAD(names_fast);
ATF_TC_BODY(names_fast, tc)
{
	static const char *const nonames[] = {
		"", "s", "ss", "sshd", "pop", "pop3s", "imap4", "smtq",
		"Imap", "login ", "loginx", "fai", "rcptx", "nouse",
		"badpas", "badpasss", "sieve\n", "othe"
	};
	const char	*w;
	size_t		 i;

	for (i = 0; i < SVC_NSERVICES; i++) {
		w = trap_service_names[i];
		ATF_CHECK_EQ_MSG(trap_service_lookup(w, strlen(w)), (int)i,
		    "%s", w);
		lookups_agree(w);
	}
	for (i = 0; i < KIND_NKINDS; i++) {
		w = trap_kind_names[i];
		ATF_CHECK_EQ_MSG(trap_kind_lookup(w, strlen(w)), (int)i,
		    "%s", w);
		lookups_agree(w);
	}
	for (i = 0; i < sizeof(nonames) / sizeof(nonames[0]); i++) {
		w = nonames[i];
		ATF_CHECK_EQ_MSG(trap_service_lookup(w, strlen(w)), -1,
		    "%s", w);
		ATF_CHECK_EQ_MSG(trap_kind_lookup(w, strlen(w)), -1, "%s", w);
	}
}

/* The service a program name suggests: after a slash, then a dot. */
ATF_TC_WITHOUT_HEAD(service_guess);
ATF_TC_BODY(service_guess, tc)
{
	static const struct {
		const char	*name;
		int		 svc;
	} v[] = {
		{ "postfix/smtpd", SVC_SMTP },
		{ "cyrus/pop3s", SVC_POP3 },
		{ "perdition.imap4", SVC_IMAP },
		{ "perdition.pop3s", SVC_POP3 },
		{ "perdition.managesieve", SVC_SIEVE },
		{ "perdition", SVC_OTHER },
		{ "imapd.x", SVC_IMAP },	/* the whole name first */
		{ "a.pop3/x", SVC_OTHER },	/* a dot before the slash */
		{ "sshd.", SVC_SSH },
		{ "x.", SVC_OTHER },
		{ "IMAP4S", SVC_IMAP },
	};
	size_t	 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ATF_CHECK_EQ_MSG(trap_service_guess(v[i].name,
		    strlen(v[i].name)), v[i].svc, "%s", v[i].name);
}

ATF_TC_WITHOUT_HEAD(pattern_errors);
ATF_TC_BODY(pattern_errors, tc)
{
	struct ruleset	*rs = ruleset_new();

	ATF_CHECK_EQ(ruleset_load(rs, "x pop3 fail - a %u b\n", "t"), 0);
	ATF_CHECK_EQ(ruleset_load(rs, "x pop4 fail - a %u b\n", "t"), 1);
	ATF_CHECK_EQ(ruleset_load(rs, "x pop3 failed - a %u b\n", "t"), 1);
	ATF_CHECK_EQ(ruleset_load(rs, "x pop3 fail pid a %q b\n", "t"), 1);
	ATF_CHECK_EQ(ruleset_load(rs, "x pop3 fail - a %u%a b\n", "t"), 1);
	ATF_CHECK_EQ(ruleset_load(rs, "x pop3 fail key a %u b\n", "t"), 1);
	ATF_CHECK_EQ(ruleset_load(rs, "x pop3 fail - %k a %u b\n", "t"), 1);
	ATF_CHECK_EQ(ruleset_load(rs, "x pop3\n", "t"), 1);
	ATF_CHECK_EQ(ruleset_load(rs, "# c\n\n  \t\n", "t"), 0);
	/* account? is weak only, of kind fail. */
	ATF_CHECK_EQ(ruleset_load(rs, "x ssh account pid a %u b\n", "t"), 1);
	ATF_CHECK_EQ(ruleset_load(rs, "x ssh account?? pid a %u b\n", "t"),
	    1);
	ATF_CHECK_EQ(ruleset_load(rs, "x ssh account? pid a %u b\n", "t"),
	    0);
	ATF_REQUIRE_EQ(ruleset_count(rs), 2);
	ATF_CHECK_EQ(ruleset_rule(rs, 1)->event, EV_WEAK);
	ATF_CHECK_EQ(ruleset_rule(rs, 1)->kind, KIND_FAIL);
	ATF_CHECK_EQ(ruleset_rule(rs, 1)->account, 1);
	ATF_CHECK_EQ(ruleset_rule(rs, 0)->account, 0);
	ruleset_free(rs);
}

/* The user is greedy: the address is the daemon-written one, on the right. */
ATF_TC_WITHOUT_HEAD(pattern_greedy_user);
ATF_TC_BODY(pattern_greedy_user, tc)
{
	struct ruleset		*rs = ruleset_new();
	const struct rule	*r;
	struct match		 m;
	const char		*msg = "no such user: x - 10.0.0.1 (10.0.0.1)"
	    " - h.example.net (192.0.2.7)";

	ATF_REQUIRE_EQ(ruleset_load(rs,
	    "p pop3 nouser - no such user: %u - %h (%a)\n", "t"), 0);
	r = ruleset_rule(rs, 0);
	ATF_REQUIRE(rule_match(r, msg, strlen(msg), &m));
	ATF_CHECK(m.cap[CAP_ADDR].len == 9 &&
	    memcmp(m.cap[CAP_ADDR].p, "192.0.2.7", 9) == 0);
	ATF_CHECK(m.cap[CAP_USER].len == 23);
	ATF_CHECK(!rule_match(r, "no such user: x", 15, &m));
	ruleset_free(rs);
}

/* A second %u must repeat the first. */
ATF_TC_WITHOUT_HEAD(pattern_backref);
ATF_TC_BODY(pattern_backref, tc)
{
	struct ruleset		*rs = ruleset_new();
	const struct rule	*r;
	struct match		 m;
	const char		*good = "bob at h (192.0.2.1): \"bob\"";
	const char		*bad = "bob at h (192.0.2.1): \"eve\"";

	ATF_REQUIRE_EQ(ruleset_load(rs, "p pop3 fail - %u at %h (%a): \"%u\"\n",
	    "t"), 0);
	r = ruleset_rule(rs, 0);
	ATF_CHECK(rule_match(r, good, strlen(good), &m));
	ATF_CHECK(!rule_match(r, bad, strlen(bad), &m));
	ruleset_free(rs);
}

/*
 * Text the daemon writes (%.) never holds a literal of the template, even
 * where the capture's end jumps to the next literal's first byte: a user
 * name that copies a ProFTPD-like prefix does not give a second reading
 * (which would make the line ambiguous and lose its address).
 */
ATF_TC_WITHOUT_HEAD(pattern_own_literal);
ATF_TC_BODY(pattern_own_literal, tc)
{
	struct ruleset		*rs = ruleset_new();
	struct match		 m;
	const char		*msg = "mx (h.example[192.0.2.9]) - USER x "
	    "(evil[6.6.6.6]) - USER y: no such user found";

	ATF_REQUIRE_EQ(ruleset_load(rs, "p other nouser - "
	    "%.(%h[%a]) - USER %u: no such user found\n", "t"), 0);
	ATF_REQUIRE(rule_match(ruleset_rule(rs, 0), msg, strlen(msg), &m));
	ATF_CHECK(!m.ambiguous);
	ATF_CHECK_STREQ(m.addr, "192.0.2.9");
	ATF_CHECK(m.cap[CAP_USER].len == 26 &&
	    memcmp(m.cap[CAP_USER].p, "x (evil[6.6.6.6]) - USER y", 26) == 0);
	ruleset_free(rs);
}

/*
 * A line with no envelope is tried from each of its first words; a rule
 * without a literal may read it from any of them (rule_lastanchor).
 */
ATF_TC_WITHOUT_HEAD(extract_bare_noliteral);
ATF_TC_BODY(extract_bare_noliteral, tc)
{
	struct trap_extract	*x;

	x = extractor("*\tother\tfail\t-\t%a\n");
	feed(x, "garbage 192.0.2.1");
	trap_extract_end(x);
	ATF_CHECK_MSG(strstr(got, " 192.0.2.1 ") != NULL, "got: %s", got);
	trap_extract_free(x);
}

/* A line built to make the matcher backtrack stops at the budget. */
ATF_TC_WITHOUT_HEAD(pattern_budget);
ATF_TC_BODY(pattern_budget, tc)
{
	struct ruleset		*rs = ruleset_new();
	struct match		 m;
	char			*msg;
	size_t			 i, len = 60000;

	ATF_REQUIRE_EQ(ruleset_load(rs, "p pop3 fail - a%*a%*a%*a%*b\n", "t"),
	    0);
	msg = malloc(len);
	ATF_REQUIRE(msg != NULL);
	for (i = 0; i < len; i++)
		msg[i] = 'a';
	ATF_CHECK(!rule_match(ruleset_rule(rs, 0), msg, len, &m));
	free(msg);
	ruleset_free(rs);
}

/* One sshd connection: Invalid user then Failed password is one try. */
ATF_TC_WITHOUT_HEAD(extract_ssh_join);
ATF_TC_BODY(extract_ssh_join, tc)
{
	struct trap_extract	*x = extractor(NULL);

	feed(x, "Dec 10 07:07:38 gw sshd[24206]: Invalid user test9 from "
	    "192.0.2.96 port 36060");
	feed(x, "Dec 10 07:07:38 gw sshd[24206]: pam_unix(sshd:auth): check "
	    "pass; user unknown");
	feed(x, "Dec 10 07:07:45 gw sshd[24206]: Failed password for invalid "
	    "user test9 from 192.0.2.96 port 36060 ssh2");
	feed(x, "Dec 10 07:08:01 gw sshd[24207]: Invalid user x from "
	    "192.0.2.97 port 36061");
	trap_extract_flush(x);
	ATF_CHECK_STREQ(got,
	    "2025-12-10T07:07:45Z 192.0.2.96 test9  nouser\n"
	    "2025-12-10T07:08:01Z 192.0.2.97 x  nouser\n");
	trap_extract_free(x);
}

/* Records stay in input order behind a pending weak attempt. */
ATF_TC_WITHOUT_HEAD(extract_order);
ATF_TC_BODY(extract_order, tc)
{
	struct trap_extract	*x = extractor(NULL);

	feed(x, "May  1 10:00:00 gw sshd[1]: Invalid user a from 192.0.2.1");
	feed(x, "May  1 10:00:01 gw spop3d[2]: authentication failed: no such "
	    "user: b - 192.0.2.2");
	feed(x, "May  1 10:00:02 gw sshd[1]: Connection closed by 192.0.2.1 "
	    "port 5 [preauth]");
	feed(x, "May  1 10:00:03 gw spop3d[2]: authentication failed: no such "
	    "user: c - 192.0.2.3");
	trap_extract_flush(x);
	ATF_CHECK_STREQ(got,
	    "2026-05-01T10:00:00Z 192.0.2.1 a  nouser\n"
	    "2026-05-01T10:00:01Z 192.0.2.2 b  nouser\n"
	    "2026-05-01T10:00:03Z 192.0.2.3 c  nouser\n");
	trap_extract_free(x);
}

static void
writefile(const char *path, const char *data, size_t len, int gz)
{
	gzFile	 z;
	FILE	*fp;

	if (gz) {
		ATF_REQUIRE((z = gzopen(path, "wb")) != NULL);
		ATF_REQUIRE(gzwrite(z, data, len) == (int)len);
		gzclose(z);
		return;
	}
	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(fwrite(data, 1, len, fp) == len);
	fclose(fp);
}

static char *
readall(const char *path, int *err)
{
	static char		 buf[1 << 20];
	struct trap_file	*f;
	const char		*line;
	size_t			 len, n = 0;

	ATF_REQUIRE((f = trap_file_open(path)) != NULL);
	while (trap_file_getline(f, &line, &len)) {
		ATF_REQUIRE(n + len + 2 < sizeof(buf));
		memcpy(buf + n, line, len);
		n += len;
		buf[n++] = '|';
	}
	buf[n] = '\0';
	*err = trap_file_error(f);
	trap_file_close(f);
	return buf;
}

ATF_TC_WITHOUT_HEAD(file_plain_gzip);
ATF_TC_BODY(file_plain_gzip, tc)
{
	const char	*data = "one\ntwo\r\n\nthree";
	int		 e;

	writefile("plain", data, strlen(data), 0);
	ATF_CHECK_STREQ(readall("plain", &e), "one|two||three|");
	ATF_CHECK_EQ(e, 0);
	writefile("z.gz", data, strlen(data), 1);
	ATF_CHECK_STREQ(readall("z.gz", &e), "one|two||three|");
	ATF_CHECK_EQ(e, 0);
	writefile("empty", "", 0, 0);
	ATF_CHECK_STREQ(readall("empty", &e), "");
}

/* Two gzip members, as `cat a.gz b.gz` makes: both are read. */
ATF_TC_WITHOUT_HEAD(file_gzip_members);
ATF_TC_BODY(file_gzip_members, tc)
{
	char	 cmd[256];
	int	 e;

	writefile("a.gz", "a\n", 2, 1);
	writefile("b.gz", "b\n", 2, 1);
	snprintf(cmd, sizeof(cmd), "cat a.gz b.gz > ab.gz");
	ATF_REQUIRE(system(cmd) == 0);
	ATF_CHECK_STREQ(readall("ab.gz", &e), "a|b|");
	ATF_CHECK_EQ(e, 0);
}

/* A truncated gzip file: the lines before the damage, then an error. */
ATF_TC_WITHOUT_HEAD(file_gzip_truncated);
ATF_TC_BODY(file_gzip_truncated, tc)
{
	char		*data, *s;
	size_t		 i, len = 200000;
	unsigned int	 r = 1;
	int		 e;

	ATF_REQUIRE((data = malloc(len)) != NULL);
	for (i = 0; i < len; i++) {
		r = r * 1103515245 + 12345;
		data[i] = i % 10 == 9 ? '\n' : 'a' + (r >> 16) % 26;
	}
	writefile("t.gz", data, len, 1);
	ATF_REQUIRE(truncate("t.gz", 60000) == 0);
	s = readall("t.gz", &e);
	ATF_CHECK_EQ(e, 1);
	/* Lines of 9 bytes and a '|': what came out is a prefix of data. */
	ATF_CHECK(strlen(s) > 10000 && strlen(s) < len);
	for (i = 0; i < strlen(s); i++)
		if (s[i] != (data[i] == '\n' ? '|' : data[i]))
			break;
	ATF_CHECK_EQ(i, strlen(s));
	free(data);
}

/*
 * A file compressed with another program than gzip is refused, with an
 * error and no lines; text that only begins like one is text.
 */
ATF_TC_WITHOUT_HEAD(file_other_compressors);
ATF_TC_BODY(file_other_compressors, tc)
{
	static const struct {
		const char	*data;
		size_t		 len;
	} other[] = {
		{ "BZh91AY&SY\x01\x02", 12 },		/* bzip2, a block */
		{ "BZh9\x17\x72\x45\x38\x50\x90\0\0\0\0", 14 }, /* empty */
		{ "\xfd" "7zXZ\0\0\x04\xe6\xd6\xb4\x46", 12 },	/* xz */
		{ "\x28\xb5\x2f\xfd\x24\x05\x29\0\0a\nb", 12 }, /* zstd */
		{ "\x1f\x9d\x90" "a\n", 5 },		/* compress */
		{ "\x04\x22\x4d\x18\x64\x40\xa7", 7 },	/* lz4 */
		{ "LZIP\x01\x0c\0\x30", 8 },		/* lzip */
	};
	char	*big;
	size_t	 i, biglen = 4 << 20;
	int	 e;

	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		writefile("other", other[i].data, other[i].len, 0);
		ATF_CHECK_STREQ_MSG(readall("other", &e), "", "case %zu", i);
		ATF_CHECK_EQ_MSG(e, 1, "case %zu", i);
	}
	/* Nothing of a larger file is read, past the first read either. */
	ATF_REQUIRE((big = malloc(biglen)) != NULL);
	for (i = 0; i < biglen; i++)
		big[i] = i % 2 ? '\n' : 'a';
	memcpy(big, other[0].data, other[0].len);
	writefile("other", big, biglen, 0);
	ATF_CHECK_STREQ(readall("other", &e), "");
	ATF_CHECK_EQ(e, 1);
	free(big);
	writefile("text", "BZh9 and more\nLZIP\n", 19, 0);
	ATF_CHECK_STREQ(readall("text", &e), "BZh9 and more|LZIP|");
	ATF_CHECK_EQ(e, 0);
	writefile("short", "BZ", 2, 0);
	ATF_CHECK_STREQ(readall("short", &e), "BZ|");
	ATF_CHECK_EQ(e, 0);
}

ATF_TC_WITHOUT_HEAD(file_long_line);
ATF_TC_BODY(file_long_line, tc)
{
	char	*data;
	size_t	 len = 3 * TRAP_LINEMAX;
	int	 e;

	ATF_REQUIRE((data = malloc(len + 10)) != NULL);
	memcpy(data, "ok\n", 3);
	memset(data + 3, 'x', len);
	memcpy(data + 3 + len, "\nfine\n", 6);
	writefile("long", data, len + 9, 0);
	ATF_CHECK_STREQ(readall("long", &e), "ok|fine|");
	ATF_CHECK_EQ(e, 0);
	free(data);
}

/*
 * A file that grows after it is opened: its buffer, sized to the file
 * then, grows (file.c, refill), and of what was added a line of
 * TRAP_LINEMAX bytes is read whole, a longer one skipped.
 */
ATF_TC_WITHOUT_HEAD(file_grows);
ATF_TC_BODY(file_grows, tc)
{
	struct trap_file	*f;
	const char		*line;
	char			*data;
	size_t			 len, n, cap = 3 * TRAP_LINEMAX;
	FILE			*fp;

	writefile("grows", "first\n", 6, 0);
	ATF_REQUIRE((f = trap_file_open("grows")) != NULL);
	ATF_REQUIRE((data = malloc(cap)) != NULL);
	memset(data, 'x', TRAP_LINEMAX);		/* just not too long */
	n = TRAP_LINEMAX;
	data[n++] = '\n';
	memset(data + n, 'y', TRAP_LINEMAX + 1);	/* too long */
	n += TRAP_LINEMAX + 1;
	n += snprintf(data + n, cap - n, "\nlast\n");
	ATF_REQUIRE((fp = fopen("grows", "a")) != NULL);
	ATF_REQUIRE(fwrite(data, 1, n, fp) == n);
	fclose(fp);
	ATF_REQUIRE(trap_file_getline(f, &line, &len));
	ATF_CHECK(len == 5 && memcmp(line, "first", 5) == 0);
	ATF_REQUIRE(trap_file_getline(f, &line, &len));
	ATF_CHECK_EQ(len, TRAP_LINEMAX);
	ATF_CHECK(line[0] == 'x' && line[len - 1] == 'x');
	ATF_CHECK_EQ(trap_file_lineno(f), 2);
	ATF_REQUIRE(trap_file_getline(f, &line, &len));
	ATF_CHECK(len == 4 && memcmp(line, "last", 4) == 0);
	ATF_CHECK_EQ(trap_file_lineno(f), 4);
	ATF_CHECK(!trap_file_getline(f, &line, &len));
	ATF_CHECK(!trap_file_error(f));
	trap_file_close(f);
	free(data);
}

ATF_TC_WITHOUT_HEAD(hash_keys);
ATF_TC_BODY(hash_keys, tc)
{
	struct trap_hash	*h = trap_hash_new(sizeof(long));
	char			 key[32];
	long			*v;
	void			**all;
	size_t			 i, n, len, sum = 0;
	int			 isnew;

	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "k%zu", i % 50000);
		v = trap_hash_put(h, key, strlen(key), &isnew);
		ATF_REQUIRE_EQ(isnew, i < 50000);
		ATF_REQUIRE_EQ(*v, i < 50000 ? 0 : 1);
		(*v)++;
	}
	ATF_CHECK_EQ(trap_hash_count(h), 50000);
	ATF_CHECK(trap_hash_get(h, "k49999", 6) != NULL);
	ATF_CHECK(trap_hash_get(h, "k50000", 6) == NULL);
	ATF_CHECK(trap_hash_get(h, "k4999", 4) != NULL);	/* "k499" */
	v = trap_hash_get(h, "k7", 2);
	ATF_CHECK_STREQ(trap_hash_key(h, v, &len), "k7");
	ATF_CHECK_EQ(len, 2);
	/* Keys are bytes, not C strings. */
	v = trap_hash_put(h, "a\0b", 3, &isnew);
	ATF_CHECK(isnew);
	ATF_CHECK(trap_hash_get(h, "a", 1) == NULL);
	all = trap_hash_values(h, &n);
	ATF_CHECK_EQ(n, 50001);
	for (i = 0; i < n; i++)
		sum += *(long *)all[i];
	ATF_CHECK_EQ(sum, 100000);
	free(all);
	trap_hash_free(h);
}

/* A usage() that says it was called, for trap_jobs_opt's errors. */
static void
jobsusage(void)
{
	fputs("usage\n", stderr);
	exit(2);
}

/*
 * fn(arg) in a new process, its standard output and error read into out
 * (up to outsize - 1 bytes, *outlen of them, a NUL after): its exit
 * status.
 */
static int
inchild(void (*fn)(const char *), const char *arg, char *out,
    size_t outsize, size_t *outlen)
{
	pid_t		 pid;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd[2], status;

	ATF_REQUIRE_EQ(pipe(fd), 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		dup2(fd[1], STDERR_FILENO);
		fn(arg);
		_exit(0);
	}
	close(fd[1]);
	while (len < outsize - 1 &&
	    (n = read(fd[0], out + len, outsize - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	*outlen = len;
	close(fd[0]);
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	ATF_REQUIRE(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* trap_jobs_opt(arg), for inchild(): exit 3 if it returns. */
static void
jobsopt(const char *arg)
{
	(void)trap_jobs_opt(arg, jobsusage);
	_exit(3);
}

/*
 * -j, as trapextract and traprank read it: 1 to 256; anything else is
 * a usage error naming the argument; the default is the processors.
 */
ATF_TC_WITHOUT_HEAD(jobs);
ATF_TC_BODY(jobs, tc)
{
	char	 msg[256];
	size_t	 n;
	long	 ncpu;

	ATF_CHECK_EQ(trap_jobs_opt("1", jobsusage), 1);
	ATF_CHECK_EQ(trap_jobs_opt("3", jobsusage), 3);
	ATF_CHECK_EQ(trap_jobs_opt("256", jobsusage), TRAP_MAXJOBS);
	ATF_CHECK_EQ(inchild(jobsopt, "0", msg, sizeof(msg), &n), 2);
	ATF_CHECK(strstr(msg, "-j 0: too small\nusage\n") != NULL);
	ATF_CHECK_EQ(inchild(jobsopt, "257", msg, sizeof(msg), &n), 2);
	ATF_CHECK(strstr(msg, "-j 257: too large\nusage\n") != NULL);
	ATF_CHECK_EQ(inchild(jobsopt, "2x", msg, sizeof(msg), &n), 2);
	ATF_CHECK(strstr(msg, "-j 2x: invalid\nusage\n") != NULL);
	ATF_CHECK_EQ(inchild(jobsopt, "", msg, sizeof(msg), &n), 2);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	ATF_CHECK_EQ(trap_jobs_default(),
	    ncpu < 1 ? 1 : ncpu > TRAP_MAXJOBS ? TRAP_MAXJOBS : ncpu);
}

/* For inchild(): the sum of arg, written out. */
static void
writesum(const char *arg)
{
	uint64_t	 v;

	v = trap_hash_sum(arg, strlen(arg));
	_exit(write(STDOUT_FILENO, &v, sizeof(v)) == sizeof(v) ? 0 : 1);
}

/* The sum of "user" in a new process, drawn before any table. */
static uint64_t
childsum(void)
{
	uint64_t	 v;
	char		 buf[sizeof(v) + 1];
	size_t		 n;

	ATF_REQUIRE_EQ(inchild(writesum, "user", buf, sizeof(buf), &n), 0);
	ATF_REQUIRE_EQ(n, sizeof(v));
	memcpy(&v, buf, sizeof(v));
	return v;
}

/*
 * Issue 17: the one table hashes client text under a key random to the
 * run: two runs place the same name apart, and within one run the sum
 * is a function of the bytes.
 */
ATF_TC_WITHOUT_HEAD(hash_keyed);
ATF_TC_BODY(hash_keyed, tc)
{
	struct trap_hash	*h;
	uint64_t		 a, b;
	uint32_t		 r1, r2;
	int			 isnew;

	a = childsum();
	b = childsum();
	ATF_CHECK(a != b);
	ATF_CHECK_EQ(trap_hash_sum("user", 4), trap_hash_sum("user", 4));
	ATF_CHECK(trap_hash_sum("user", 4) != trap_hash_sum("usef", 4));

	/* Refs, the arena and the hint of trap_hash_peek(). */
	h = trap_hash_new(12);
	r1 = trap_hash_add(h, "user", 4, trap_hash_sum("user", 4), &isnew);
	ATF_CHECK(isnew && r1 != 0);
	r2 = trap_hash_add(h, "user", 4, trap_hash_sum("user", 4), &isnew);
	ATF_CHECK(!isnew && r1 == r2);
	ATF_CHECK_EQ(trap_hash_find(h, "user", 4, trap_hash_sum("user", 4)),
	    r1);
	ATF_CHECK_EQ(trap_hash_find(h, "use", 3, trap_hash_sum("use", 3)), 0);
	ATF_CHECK_EQ(trap_hash_peek(h, trap_hash_sum("user", 4)), r1);
	ATF_CHECK_STREQ(trap_hash_key(h, trap_hash_ptr(h, r1), NULL), "user");
	ATF_CHECK(trap_hash_alloc(h, 3 << 20, &r2) != NULL);	/* > a chunk */
	ATF_CHECK(r2 != 0 && r2 != r1);
	ATF_CHECK_STREQ(trap_hash_key(h, trap_hash_ptr(h, r1), NULL), "user");
	trap_hash_free(h);
}

/*
 * trap_hash_peek finds a key out of its first slot too (linear probing
 * puts one in four there at this load, 2,000 keys in 4,096 slots), and
 * names no other key's entry.  Looking at the first slot only, it found
 * 74-78% of them.
 */
#define NPEEK	2000
ATF_TC_WITHOUT_HEAD(hash_peek);
ATF_TC_BODY(hash_peek, tc)
{
	struct trap_hash	*h = trap_hash_new(0);
	uint32_t		 refs[NPEEK], s;
	uint64_t		 sum, home;
	char			 key[16];
	int			 i, len, found = 0, displaced = 0;

	for (i = 0; i < NPEEK; i++) {
		len = snprintf(key, sizeof(key), "k%d", i);
		refs[i] = trap_hash_add(h, key, len, trap_hash_sum(key, len),
		    NULL);
	}
	for (i = 0; i < NPEEK; i++) {
		len = snprintf(key, sizeof(key), "k%d", i);
		sum = trap_hash_sum(key, len);
		s = trap_hash_peek(h, sum);
		ATF_CHECK(s == 0 || s == refs[i]);
		found += s == refs[i];
		memcpy(&home, trap_hash_home(h, sum), sizeof(home));
		displaced += (uint32_t)home != refs[i];
	}
	ATF_CHECK(displaced > NPEEK / 20);
	ATF_CHECK(found >= NPEEK - NPEEK / 50);
	trap_hash_free(h);
}

ATF_TC_WITHOUT_HEAD(traplist_formats);
ATF_TC_BODY(traplist_formats, tc)
{
	struct trap_list	*l = trap_list_new();
	const char		*data =
	    "# a plain list, a spamdb listing and HTML, mixed\n"
	    "\n"
	    "  Alpha@Example.com  \n"
	    "SPAMTRAP|<beta@example.net>\n"
	    "GREY|192.0.2.1|helo|<a@b.c>|<x@example.com>|1|2|3|4|5\n"
	    "WHITE|192.0.2.2|||1|2|3|4|5\n"
	    "TRAPPED|192.0.2.3|1\n"
	    "SPAMTRAP|gamma@other.org\n"
	    "not an address\n"
	    "<li><a href=\"mailto:delta&#64;example.com\">delta&#x40;"
	    "example.com</a> and epsilon&commat;example.net.</li>\n"
	    "plain text in the page, no address\n"
	    "alpha@example.net\n";

	writefile("traps", data, strlen(data), 0);
	ATF_REQUIRE_EQ(trap_list_load(l, "traps"), 0);
	/* alpha beta gamma delta epsilon; alpha twice (two domains) */
	ATF_CHECK_EQ(trap_list_locals(l), 5);
	ATF_CHECK_STREQ(trap_list_match(l, "ALPHA", 5), "alpha@example.com");
	ATF_CHECK_STREQ(trap_list_match(l, "beta", 4), "beta@example.net");
	ATF_CHECK_STREQ(trap_list_match(l, "delta", 5), "delta@example.com");
	ATF_CHECK_STREQ(trap_list_match(l, "epsilon", 7),
	    "epsilon@example.net");
	ATF_CHECK_STREQ(trap_list_match(l, "alpha@example.net", 17),
	    "alpha@example.net");
	ATF_CHECK_STREQ(trap_list_match(l, "beta@example.com", 16),
	    "beta@example.net");
	ATF_CHECK(trap_list_match(l, "x", 1) == NULL);
	ATF_CHECK(trap_list_match(l, "a", 1) == NULL);
	ATF_CHECK(trap_list_match(l, "", 0) == NULL);
	ATF_CHECK_EQ(trap_list_position(l, "gamma", 5), 2);
	trap_list_free(l);

	/* In scope: only example.com. */
	l = trap_list_new();
	trap_list_domain(l, " Example.COM ", 13);
	ATF_REQUIRE_EQ(trap_list_load(l, "traps"), 0);
	ATF_CHECK_EQ(trap_list_locals(l), 2);		/* alpha, delta */
	ATF_CHECK(trap_list_match(l, "beta", 4) == NULL);
	ATF_CHECK(trap_list_match(l, "alpha@other.org", 15) == NULL);
	ATF_CHECK_STREQ(trap_list_match(l, "Alpha@example.com", 17),
	    "alpha@example.com");
	ATF_CHECK_EQ(trap_list_outofscope(l), 4);
	trap_list_free(l);
}

/* "n:line\n" for every line of path, as trap_file_getline gives them. */
static char *
bylines(const char *path)
{
	struct trap_file	*f;
	const char		*line;
	char			*buf;
	size_t			 len, size;
	FILE			*fp;

	ATF_REQUIRE((fp = open_memstream(&buf, &size)) != NULL);
	ATF_REQUIRE((f = trap_file_open(path)) != NULL);
	while (trap_file_getline(f, &line, &len))
		fprintf(fp, "%llu:%.*s\n", trap_file_lineno(f), (int)len, line);
	trap_file_close(f);
	fclose(fp);
	return buf;
}

/* The same from trap_file_getblock, split here. */
static char *
byblocks(const char *path)
{
	struct trap_file	*f;
	const char		*b, *p, *end, *nl;
	char			*buf;
	size_t			 len, size, cut;
	unsigned long long	 n, no, seen;
	FILE			*fp;

	ATF_REQUIRE((fp = open_memstream(&buf, &size)) != NULL);
	ATF_REQUIRE((f = trap_file_open(path)) != NULL);
	while (trap_file_getblock(f, &b, &len, &n)) {
		ATF_REQUIRE(len > 0 && n > 0);
		no = trap_file_lineno(f) - n + 1;
		end = b + len;
		for (seen = 0, p = b; p < end; p = nl + 1, seen++) {
			if ((nl = memchr(p, '\n', end - p)) == NULL)
				nl = end;
			cut = nl > p && nl[-1] == '\r';
			fprintf(fp, "%llu:%.*s\n", no + seen,
			    (int)(nl - p - cut), p);
		}
		ATF_CHECK_EQ(seen, n);
	}
	trap_file_close(f);
	fclose(fp);
	return buf;
}

/*
 * Blocks hold the lines getline gives, with their numbers: long lines
 * left out (one of the buffer's size too), CRLF, no final newline,
 * lines across the 1 MiB reads; plain and gzip.
 */
ATF_TC_WITHOUT_HEAD(file_blocks);
ATF_TC_BODY(file_blocks, tc)
{
	char	*data, *a, *b;
	size_t	 n = 0, cap = 8 << 20;
	int	 i, gz;

	ATF_REQUIRE((data = malloc(cap)) != NULL);
	n += snprintf(data + n, cap - n, "a\nb\r\n\n");
	memset(data + n, 'x', TRAP_LINEMAX);		/* just not too long */
	n += TRAP_LINEMAX;
	data[n++] = '\n';
	memset(data + n, 'y', TRAP_LINEMAX + 1);	/* too long */
	n += TRAP_LINEMAX + 1;
	n += snprintf(data + n, cap - n, "\nc\n");
	for (i = 0; i < 60000; i++)
		n += snprintf(data + n, cap - n, "line %d%s\n", i,
		    i % 7 ? "" : "\r");
	memset(data + n, 'z', 1536 * 1024);		/* longer than a read */
	n += 1536 * 1024;
	n += snprintf(data + n, cap - n, "\nd\n");
	memset(data + n, 'w', 5000);			/* across reads */
	n += 5000;
	for (i = 0; i < 200000; i++)
		n += snprintf(data + n, cap - n, "\nmore %d", i);
	n += snprintf(data + n, cap - n, "\nlast");
	for (gz = 0; gz <= 1; gz++) {
		writefile("blocks", data, n, gz);
		a = bylines("blocks");
		b = byblocks("blocks");
		ATF_CHECK(strstr(a, "\n2:b\n3:\n4:xxx") != NULL);
		ATF_CHECK(strstr(a, "\n6:c\n7:line 0\n") != NULL);
		ATF_CHECK(strstr(a, "\n60006:line 59999\n60008:d\n") != NULL);
		ATF_CHECK(strstr(a, "\n260009:more 199999\n260010:last\n") !=
		    NULL);
		ATF_CHECK_STREQ(a, b);
		free(a);
		free(b);
	}
	free(data);
}

static FILE	*recfp;

static char *
slurp(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	ATF_REQUIRE((fp = fopen(path, "r")) != NULL);
	ATF_REQUIRE(fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0);
	rewind(fp);
	ATF_REQUIRE((buf = malloc(n + 1)) != NULL);
	ATF_REQUIRE(fread(buf, 1, n, fp) == (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
record(const struct trap_attempt *a, void *arg)
{
	char	 buf[TRAP_RECMAX];

	(void)arg;
	fwrite(buf, 1, trap_attempt_fmt(buf, a), recfp);
	fputc('\n', recfp);
}

/*
 * An extractor whose records go to *buf (valid after recorded()): the
 * rules of patterns if not NULL, then the built-in ones; TZ UTC.
 */
static struct trap_extract *
recorder(const char *patterns, char **buf, size_t *size)
{
	struct trap_extract	*x;

	setenv("TZ", "UTC", 1);
	tzset();
	ATF_REQUIRE((recfp = open_memstream(buf, size)) != NULL);
	x = trap_extract_new(record, NULL);
	if (patterns != NULL)
		ATF_REQUIRE_EQ(trap_extract_patterns(x, patterns, "p"), 0);
	ATF_REQUIRE_EQ(trap_extract_builtin(x), 0);
	trap_extract_reftime(x, trap_timegm(2026, 6, 1, 0, 0, 0));
	return x;
}

static void
recorded(struct trap_extract *x)
{
	trap_extract_flush(x);
	trap_extract_free(x);
	fclose(recfp);
}

/*
 * Records and warnings of the file "t": whole, or line by line; with the
 * rules of patterns first if not NULL.
 */
static char *
extract_t(int whole, const char *patterns, size_t *nrec)
{
	struct trap_extract	*x;
	struct trap_file	*f;
	const char		*line;
	char			*buf, *p;
	size_t			 len, size;
	int			 fd, save;

	x = recorder(patterns, &buf, &size);
	fflush(stderr);
	ATF_REQUIRE((save = dup(2)) != -1);
	ATF_REQUIRE((fd = open(whole ? "err.whole" : "err.lines",
	    O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1);
	ATF_REQUIRE(dup2(fd, 2) != -1);
	ATF_REQUIRE((f = trap_file_open("t")) != NULL);
	if (whole)
		trap_extract_file(x, f);
	else
		while (trap_file_getline(f, &line, &len))
			trap_extract_line(x, line, len, "t",
			    trap_file_lineno(f));
	trap_file_close(f);
	trap_extract_flush(x);
	trap_extract_stats(x, stderr, "stats");
	fflush(stderr);
	ATF_REQUIRE(dup2(save, 2) != -1);
	close(fd);
	close(save);
	recorded(x);
	for (*nrec = 0, p = buf; (p = strchr(p, '\n')) != NULL; p++)
		(*nrec)++;
	return buf;
}

/*
 * trapextract skips the lines no rule can match (scan.c): the records
 * and warnings must be those of every line tried in turn.  Two log
 * hosts, BSD repeats after recognised and after other lines of the
 * same or the other host, bad times and addresses far into the file
 * (numbered lines), CRLF, and lines across the 1 MiB blocks.
 */
ATF_TC_WITHOUT_HEAD(extract_blocks);
ATF_TC_BODY(extract_blocks, tc)
{
	static const char *const tmpl[] = {
		"%s %s postfix/qmgr[7]: 4F1: removed",
		"%s %s sshd[%d]: Failed password for root from 192.0.2.%d "
		    "port 22 ssh2",
		"%s %s sshd[%d]: Invalid user u%d from 198.51.100.1 port 5",
		"%s %s last message repeated 2 times",
		"%s %s spop3d[%d]: authentication failed: no such user: "
		    "n%d - 203.0.113.9",
		"%s %s spop3d[%d]: authentication failed: no such user: "
		    "b%d - 999.1.1.%d",
		"%s %s sshd[%d]: Connection closed by 192.0.2.%d port 22 "
		    "[preauth]",
		"%s %s cron[%d]: (root) CMD (run %d)",
		"%s %s dovecot: imap-login: Login: user=<u%d>, rip=10.0.0.%d",
	};
	static const char *const pat[] = {
		"cron pop3 fail - (%u) CMD%*",
		"cron pop3 fail - (%u) %*",
	};
	FILE		*fp;
	char		*a, *b, *ea, *eb, stamp[32], err[128];
	size_t		 na, nb, i;
	unsigned int	 r = 1;
	int		 k, t;

	ATF_REQUIRE((fp = fopen("t", "w")) != NULL);
	for (i = 0; i < 60000; i++) {
		r = r * 1103515245 + 12345;
		k = (r >> 16) % 100;
		t = k < 50 ? 0 : k < 60 ? 1 : k < 65 ? 2 : k < 75 ? 3 :
		    k < 80 ? 4 : k < 81 ? 5 : k < 88 ? 6 : k < 95 ? 7 : 8;
		if (i % 997 == 5)
			t = 4;		/* recognised, at a bad time */
		snprintf(stamp, sizeof(stamp), "%s  %d 10:%02zu:%02zu",
		    i % 997 == 5 ? "Feb" : "May", i % 997 == 5 ? 30 : 1,
		    i / 1000 % 60, i % 60);
		fprintf(fp, tmpl[t], stamp, (r >> 8) % 3 ? "h1" : "h2",
		    (int)i % 50, (int)(r >> 4) % 250, (int)i % 7);
		fputs(i % 11 == 3 ? "\r\n" : "\n", fp);
	}
	fclose(fp);
	a = extract_t(0, NULL, &na);
	b = extract_t(1, NULL, &nb);
	ATF_CHECK(na > 10000);
	ATF_CHECK_EQ(na, nb);
	ATF_CHECK_STREQ(a, b);
	ea = slurp("err.lines");
	eb = slurp("err.whole");
	ATF_CHECK_STREQ(ea, eb);
	snprintf(err, sizeof(err), "t:%d: impossible time", 997 + 5 + 1);
	ATF_CHECK(strstr(ea, err) != NULL);
	ATF_CHECK(strstr(ea, "bad address") != NULL);
	ATF_CHECK(strstr(ea, "stats: lines 60000,") != NULL);
	free(a);
	free(b);
	free(ea);
	free(eb);

	/*
	 * A literal of 5 bytes: probes every 2 bytes.  None of 4 bytes:
	 * every line is tried.
	 */
	for (i = 0; i < 2; i++) {
		a = extract_t(0, pat[i], &na);
		b = extract_t(1, pat[i], &nb);
		ATF_CHECK_STREQ(a, b);
		ATF_CHECK(strstr(a, "\tcron\t-\t-\troot\tfail\n") != NULL);
		free(a);
		free(b);
	}
}

static size_t
count_lines(const char *s)
{
	size_t	 n = 0;

	for (; (s = strchr(s, '\n')) != NULL; s++)
		n++;
	return n;
}

/*
 * The records of the texts (whole lines each), one after the other: as
 * blocks to trap_extract_block, or line by line.
 */
static char *
extract_texts(const char *const *texts, int whole)
{
	struct trap_extract	*x;
	const char		*p, *nl;
	char			*buf;
	size_t			 size, n;
	unsigned long long	 no = 1;

	x = recorder(NULL, &buf, &size);
	for (; *texts != NULL; texts++) {
		n = count_lines(*texts);
		if (whole) {
			trap_extract_block(x, *texts, strlen(*texts), "t", no,
			    n);
			no += n;
			continue;
		}
		for (p = *texts; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
			trap_extract_line(x, p, nl - p, "t", no++);
	}
	recorded(x);
	return buf;
}

/*
 * BSD repeats in the next block: block 1 ends with a recognised line of
 * h1 and of h3 and then another line of h1, block 2 begins with the
 * repeats of both.  h3's repeat counts, h1's does not; as line by line.
 */
ATF_TC_WITHOUT_HEAD(extract_repeat_blocks);
ATF_TC_BODY(extract_repeat_blocks, tc)
{
	static const char *const blocks[] = {
	    "May  1 10:00:00 h2 cron[9]: (root) CMD (true)\n"
	    "May  1 10:00:01 h1 sshd[1]: Failed password for a from "
		"192.0.2.1 port 22 ssh2\n"
	    "May  1 10:00:01 h3 sshd[3]: Failed password for c from "
		"192.0.2.3 port 22 ssh2\n"
	    "May  1 10:00:02 h1 cron[2]: (root) CMD (true)\n",
	    "May  1 10:00:03 h1 last message repeated 5 times\n"
	    "May  1 10:00:03 h3 last message repeated 7 times\n",
	    NULL
	};
	char	*whole, *lines;

	whole = extract_texts(blocks, 1);
	lines = extract_texts(blocks, 0);
	ATF_CHECK_STREQ(whole, lines);
	ATF_CHECK_EQ(count_lines(whole), 1 + 1 + 7);
	free(whole);
	free(lines);
}

/*
 * A BSD repeat more than a day after its host's last recognised line
 * (here: h1 quiet for 25 hours while h2 logs) is not taken; one after
 * a fresh line is, and so is a repeat of a repeat.  Line by line and in
 * blocks alike.
 */
ATF_TC_WITHOUT_HEAD(extract_repeat_old);
ATF_TC_BODY(extract_repeat_old, tc)
{
	static const char *const text[] = {
	    "May  1 10:00:00 h1 sshd[1]: Failed password for a from "
		"192.0.2.1 port 22 ssh2\n"
	    "May  2 11:00:00 h2 sshd[2]: Failed password for b from "
		"192.0.2.2 port 22 ssh2\n"
	    "May  2 11:00:01 h1 last message repeated 3 times\n"
	    "May  2 11:01:00 h1 sshd[3]: Failed password for c from "
		"192.0.2.3 port 22 ssh2\n"
	    "May  2 11:01:30 h1 last message repeated 2 times\n"
	    "May  2 11:11:30 h1 last message repeated 4 times\n",
	    NULL
	};
	char	*whole, *lines;

	whole = extract_texts(text, 1);
	lines = extract_texts(text, 0);
	ATF_CHECK_STREQ(whole, lines);
	ATF_CHECK_EQ(count_lines(whole), 1 + 1 + 1 + 2 + 4);
	ATF_CHECK(strstr(whole, "2026-05-02T11:00:01Z") == NULL);
	free(whole);
	free(lines);
}

/* What the fuzzer found in the pattern compiler (regress/fuzz/crashes). */
ATF_TC_WITHOUT_HEAD(fuzz_patterns_crashes);
ATF_TC_BODY(fuzz_patterns_crashes, tc)
{
	struct ruleset	*rs = ruleset_new();
	size_t		 n;

	/* patterns-prog-nul: a program name with a NUL byte in it */
	ATF_REQUIRE_EQ(ruleset_load(rs, "a pop3 fail - x", "t"), 0);
	(void)ruleset_lookup(rs, "a\0b", 3, &n);
	ATF_CHECK_EQ(n, 0);
	(void)ruleset_lookup(rs, "a\0b", 3, &n);	/* cached? */
	ATF_CHECK_EQ(n, 0);
	(void)ruleset_lookup(rs, "a", 1, &n);
	ATF_CHECK_EQ(n, 1);
	/* patterns-leak-*: rejected templates free what they built */
	ATF_CHECK_EQ(ruleset_load(rs, "x pop3 fail - ab%z", "t"), 1);
	ATF_CHECK_EQ(ruleset_load(rs, "x pop3 fail - ab%u%u", "t"), 1);
	ATF_CHECK_EQ(ruleset_load(rs, "x pop3 fail - ab%", "t"), 1);
	ATF_CHECK_EQ(ruleset_count(rs), 1);
	ruleset_free(rs);
}

/* An archive of another format version is refused, clearly. */
/* Issue 17: -t, -d and -D as every tool reads them. */
ATF_TC_WITHOUT_HEAD(list_open);
ATF_TC_BODY(list_open, tc)
{
	struct trap_listopt	 o;
	struct trap_list	*l;
	FILE			*fp;

	ATF_REQUIRE((fp = fopen("l1", "w")) != NULL);
	fputs("a@example.com\nb@other.example\n", fp);
	ATF_REQUIRE(fclose(fp) == 0);
	ATF_REQUIRE((fp = fopen("l2", "w")) != NULL);
	fputs("c@example.com\nd@new.example\n", fp);
	ATF_REQUIRE(fclose(fp) == 0);
	memset(&o, 0, sizeof(o));
	ATF_CHECK_EQ(trap_listopt(&o, 't', "l1"), 1);
	ATF_CHECK_EQ(trap_listopt(&o, 't', "l2"), 1);
	ATF_CHECK_EQ(trap_listopt(&o, 'x', "l2"), 0);
	ATF_CHECK_EQ(o.nlists, 2);
	ATF_CHECK(!o.stdinlist);
	ATF_REQUIRE((l = trap_list_open(&o, NULL)) != NULL);
	ATF_CHECK(trap_list_match(l, "b@other.example", 15) != NULL);
	ATF_CHECK(trap_list_match(l, "c", 1) != NULL);
	trap_list_free(l);
	ATF_CHECK_EQ(trap_listopt(&o, 'd', "example.com"), 1);
	ATF_REQUIRE((l = trap_list_open(&o, NULL)) != NULL);
	ATF_CHECK(trap_list_match(l, "a", 1) != NULL);
	ATF_CHECK(trap_list_match(l, "b@other.example", 15) == NULL);
	ATF_CHECK(trap_list_match(l, "d@new.example", 13) == NULL);
	trap_list_free(l);
	/* also: a domain added to the scope (trapmatch -n). */
	ATF_REQUIRE((l = trap_list_open(&o, "new.example")) != NULL);
	ATF_CHECK(trap_list_match(l, "d@new.example", 13) != NULL);
	trap_list_free(l);
	o.dlist = NULL;
	ATF_CHECK_EQ(trap_listopt(&o, 'D', "nonexistent"), 1);
	ATF_CHECK(trap_list_open(&o, NULL) == NULL);
	o.dfile = NULL;
	ATF_CHECK_EQ(trap_listopt(&o, 't', "-"), 1);
	ATF_CHECK(o.stdinlist);
	o.lists[2] = "nonexistent";
	ATF_CHECK(trap_list_open(&o, NULL) == NULL);
}

ATF_TC_WITHOUT_HEAD(archive_version);
ATF_TC_BODY(archive_version, tc)
{
	struct trap_archive	*a;
	DB_ENV			*env;
	DB			*db;
	DBT			 k, d;
	const char		*rec = "2014-07-18T15:01:14Z\tskapet\tpop3\t"
	    "spop3d\t192.0.2.1\t-\tinfo\tnouser";

	ATF_REQUIRE((a = trap_archive_open("ar", 1)) != NULL);
	ATF_CHECK_EQ(trap_archive_add(a, rec, strlen(rec)), 1);
	ATF_CHECK_EQ(trap_archive_add(a, rec, strlen(rec)), 1);	/* 2nd */
	trap_archive_newfile(a);
	ATF_CHECK_EQ(trap_archive_add(a, rec, strlen(rec)), 0);
	ATF_CHECK_EQ(trap_archive_add(a, "x", 1), -2);	/* not a record */
	ATF_REQUIRE_EQ(trap_archive_close(a), 0);

	ATF_REQUIRE_EQ(db_env_create(&env, 0), 0);
	ATF_REQUIRE_EQ(env->open(env, "ar", DB_CREATE | DB_INIT_LOCK |
	    DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN, 0644), 0);
	ATF_REQUIRE_EQ(db_create(&db, env, 0), 0);
	ATF_REQUIRE_EQ(db->open(db, NULL, "meta", NULL, DB_BTREE,
	    DB_AUTO_COMMIT, 0), 0);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = "version";
	k.size = 7;
	d.data = "3";
	d.size = 1;
	ATF_REQUIRE_EQ(db->put(db, NULL, &k, &d, DB_AUTO_COMMIT), 0);
	db->close(db, 0);
	env->close(env, 0);
	ATF_CHECK(trap_archive_open("ar", 0) == NULL);
	ATF_CHECK(trap_archive_open("ar", 1) == NULL);
}

/* Open database name of archive dir directly, its environment in *env. */
static DB *
rawdb(const char *dir, const char *name, DB_ENV **env)
{
	DB	*db;

	ATF_REQUIRE_EQ(db_env_create(env, 0), 0);
	ATF_REQUIRE_EQ((*env)->open(*env, dir, DB_CREATE | DB_INIT_LOCK |
	    DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN, 0644), 0);
	ATF_REQUIRE_EQ(db_create(&db, *env, 0), 0);
	ATF_REQUIRE_EQ(db->open(db, NULL, name, NULL, DB_BTREE,
	    DB_AUTO_COMMIT, 0), 0);
	return db;
}

/* The hash in the key of the first record of archive dir. */
static uint64_t
keyhash(const char *dir)
{
	DB_ENV		*env;
	DB		*db;
	DBC		*c;
	DBT		 k, d;
	uint64_t	 h = 0;
	int		 i;

	db = rawdb(dir, "records", &env);
	ATF_REQUIRE_EQ(db->cursor(db, NULL, &c, 0), 0);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	ATF_REQUIRE_EQ(c->get(c, &k, &d, DB_FIRST), 0);
	ATF_REQUIRE_EQ(k.size, 20);
	for (i = 8; i < 16; i++)
		h = h << 8 | ((unsigned char *)k.data)[i];
	c->close(c);
	db->close(db, 0);
	env->close(env, 0);
	return h;
}

static uint64_t
fnv64(const char *p)
{
	uint64_t	 h = 14695981039346656037ULL;

	for (; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static int
countrec(const char *line, size_t len, void *arg)
{
	(void)line;
	(void)len;
	(*(int *)arg)++;
	return 0;
}

/*
 * Issue 17: the archive's record hashes are keyed (SipHash under a key of
 * the archive's own), not FNV-1a that a client could aim; an archive of
 * version 1, FNV-1a, is still read, added to without duplicates and
 * verified.
 */
ATF_TC_WITHOUT_HEAD(archive_hashkey);
ATF_TC_BODY(archive_hashkey, tc)
{
	struct trap_archive	*a;
	DB_ENV			*env;
	DB			*db;
	DBT			 k, d;
	const char		*rec = "2014-07-18T15:01:14Z\tskapet\tpop3\t"
	    "spop3d\t192.0.2.1\t-\tinfo\tnouser";
	const char		*fields = rec + 21;
	const char		*dirs[] = { "a1", "a2", "v1" };
	size_t			 i;
	int			 n;

	for (i = 0; i < 3; i++) {
		ATF_REQUIRE((a = trap_archive_open(dirs[i], 1)) != NULL);
		if (i < 2)
			ATF_CHECK_EQ(trap_archive_add(a, rec, strlen(rec)), 1);
		ATF_REQUIRE_EQ(trap_archive_close(a), 0);
	}
	ATF_CHECK(keyhash("a1") != fnv64(fields));
	ATF_CHECK(keyhash("a1") != keyhash("a2"));

	/* v1: made version 1, without a key, as archives were before. */
	db = rawdb("v1", "meta", &env);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = "version";
	k.size = 7;
	d.data = "1";
	d.size = 1;
	ATF_REQUIRE_EQ(db->put(db, NULL, &k, &d, DB_AUTO_COMMIT), 0);
	k.data = "hashkey";
	ATF_REQUIRE_EQ(db->del(db, NULL, &k, DB_AUTO_COMMIT), 0);
	db->close(db, 0);
	env->close(env, 0);
	ATF_REQUIRE((a = trap_archive_open("v1", 1)) != NULL);
	ATF_CHECK_EQ(trap_archive_add(a, rec, strlen(rec)), 1);
	trap_archive_newfile(a);
	ATF_CHECK_EQ(trap_archive_add(a, rec, strlen(rec)), 0);
	ATF_CHECK_EQ(trap_archive_verify(a), 0);
	n = 0;
	ATF_CHECK_EQ(trap_archive_scan(a, -1, -1, countrec, &n), 0);
	ATF_CHECK_EQ(n, 1);
	ATF_REQUIRE_EQ(trap_archive_close(a), 0);
	ATF_CHECK_EQ(keyhash("v1"), fnv64(fields));
}

/*
 * Issue 17: a record the grammar refuses, written into the archive
 * directly as an older trapdb let it in, with its address index entry,
 * and an index entry that leads nowhere: verify finds them, repair
 * removes them and keeps the rest.
 */
ATF_TC_WITHOUT_HEAD(archive_repair);
ATF_TC_BODY(archive_repair, tc)
{
	struct trap_archive	*a;
	DB_ENV			*env;
	DB			*db;
	DBT			 k, d;
	unsigned char		 key[20], key2[20];
	const char		*r1 = "2014-07-18T15:01:14Z\tmx\tpop3\t"
	    "spop3d\t192.0.2.1\t-\tinfo\tnouser";
	const char		*r2 = "2014-07-18T15:01:15Z\tmx\tpop3\t"
	    "spop3d\t192.0.2.2\t-\troot\tnouser";
	const char		*bad = "2014-07-18T15:01:16Z\tmx\tpop3\t"
	    "spop3d\t999.2.3.4\t-\troot\tnouser";
	int			 n;

	ATF_REQUIRE((a = trap_archive_open("ar", 1)) != NULL);
	ATF_CHECK_EQ(trap_archive_add(a, r1, strlen(r1)), 1);
	ATF_CHECK_EQ(trap_archive_add(a, r2, strlen(r2)), 1);
	ATF_CHECK_EQ(trap_archive_add(a, bad, strlen(bad)), -2);
	ATF_REQUIRE_EQ(trap_archive_close(a), 0);

	memset(key, 0, sizeof(key));
	key[4] = 0x53;
	key[5] = 0xc9;
	key[6] = 0x36;
	key[7] = 0xbc;
	key[19] = 1;				/* its time, occurrence 1 */
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	db = rawdb("ar", "records", &env);
	k.data = key;
	k.size = sizeof(key);
	d.data = (void *)bad;
	d.size = strlen(bad);
	ATF_REQUIRE_EQ(db->put(db, NULL, &k, &d, DB_AUTO_COMMIT), 0);
	db->close(db, 0);
	env->close(env, 0);
	db = rawdb("ar", "addr", &env);		/* sorted duplicates */
	k.data = "999.2.3.4";
	k.size = 9;
	d.data = key;
	d.size = sizeof(key);
	ATF_REQUIRE_EQ(db->put(db, NULL, &k, &d, DB_AUTO_COMMIT), 0);
	memcpy(key2, key, sizeof(key2));
	key2[19] = 2;				/* no such record */
	k.data = "192.0.2.9";
	d.data = key2;
	ATF_REQUIRE_EQ(db->put(db, NULL, &k, &d, DB_AUTO_COMMIT), 0);
	db->close(db, 0);
	env->close(env, 0);

	ATF_REQUIRE((a = trap_archive_open("ar", 1)) != NULL);
	ATF_CHECK(trap_archive_verify(a) > 0);
	ATF_CHECK_EQ(trap_archive_repair(a), 3);
	ATF_CHECK_EQ(trap_archive_verify(a), 0);
	n = 0;
	ATF_CHECK_EQ(trap_archive_scan(a, -1, -1, countrec, &n), 0);
	ATF_CHECK_EQ(n, 2);
	n = 0;
	ATF_CHECK_EQ(trap_archive_lookup(a, 'u', "root", countrec, &n), 0);
	ATF_CHECK_EQ(n, 1);
	ATF_CHECK_EQ(trap_archive_repair(a), 0);
	ATF_REQUIRE_EQ(trap_archive_close(a), 0);
}

/*
 * Injection, for every built-in rule: its client-chosen parts (%u, %*,
 * %w, the base64 user) hold other addresses in each form the rules' own
 * literals put them, and the line as a whole; every record made must
 * have the real address or none.
 */

static unsigned long	 inj_records, inj_real, inj_wrong;

static void
inj_collect(const struct trap_attempt *a, void *arg)
{
	(void)arg;
	inj_records++;
	if (strcmp(a->addr, INJ_REAL) == 0)
		inj_real++;
	else if (a->addr[0] != '\0') {
		inj_wrong++;
		fprintf(stderr, "injected address %s taken\n", a->addr);
	}
}

/*
 * Rule r's line, its client text another rule's line of a program in
 * common with the fake address: an earlier rule must not read it so
 * (a "pam_%w(dovecot:auth): %*" line, its user name the end of Dovecot's
 * "%w(%u,%a): pam_authenticate() failed: %*").  The lines made.
 */
static unsigned long
inj_other_rules(const struct ruleset *rs, const struct rule *r,
    struct trap_extract *x)
{
	const struct rule	*o;
	char			 fake[1024], fill[1100], msg[4096], line[4400];
	size_t			 i;
	unsigned long		 lines = 0;

	for (i = 0; i < ruleset_count(rs); i++) {
		o = ruleset_rule(rs, i);
		if (o == r || !rule_progs_meet(r, o))
			continue;
		inj_render(o, INJ_FAKE, "x", fake, sizeof(fake));
		snprintf(fill, sizeof(fill), "a %s b", fake);
		inj_render(r, INJ_REAL, fill, msg, sizeof(msg));
		inj_line(r, msg, line, sizeof(line));
		trap_extract_line(x, line, strlen(line), "inject", ++lines);
		trap_extract_end(x);
		if (inj_wrong > 0) {
			fprintf(stderr, "rule %s:%lu with %lu's line: %s\n",
			    r->file, r->line, o->line, line);
			inj_wrong = 0;
			atf_tc_fail_nonfatal("an injected address");
		}
	}
	return lines;
}

/*
 * The built-in rules' longest literals are what trapextract's scan looks
 * for (scan.c): the shortest decides how often it probes (every W - 3
 * bytes, W that length, at most 8), so one of 4 bytes makes it probe
 * every byte, and a short one common in other daemons' lines makes them
 * all candidates.  A literal that begins a message is looked for with
 * the byte before it.  Every rule's must be 7 bytes at least.
 */
ATF_TC_WITHOUT_HEAD(builtin_literals);
ATF_TC_BODY(builtin_literals, tc)
{
	struct ruleset		*rs;
	const struct rule	*r;
	size_t			 i, len;

	rs = ruleset_new();
	ATF_REQUIRE_EQ(ruleset_load(rs, trap_builtin_patterns, "builtin"), 0);
	for (i = 0; i < ruleset_count(rs); i++) {
		r = ruleset_rule(rs, i);
		len = r->anchorlen + (r->anchorti == 0 && r->anchorlen < 8);
		if (len < 7) {
			fprintf(stderr, "rule %s:%lu: longest literal of %zu "
			    "bytes\n", r->file, r->line, r->anchorlen);
			atf_tc_fail_nonfatal("a short literal");
		}
	}
	ruleset_free(rs);
}

ATF_TC_WITHOUT_HEAD(inject_every_rule);
ATF_TC_BODY(inject_every_rule, tc)
{
	static const char *const forms[] = {
	    "from " INJ_FAKE " port 5 ssh2", "rip=" INJ_FAKE, "[" INJ_FAKE "]",
	    "(" INJ_FAKE ")", INJ_FAKE ":22", "host=" INJ_FAKE,
	    " - " INJ_FAKE, INJ_FAKE, "relay=" INJ_FAKE, "x " INJ_FAKE " port 5",
	    "(x," INJ_FAKE "):", "<" INJ_FAKE ":22>"
	};
	struct ruleset		*rs;
	struct trap_extract	*xs[3], *x;
	const struct rule	*r;
	char			 fake[1024], fill[1100], msg[4096], line[4400];
	size_t			 i, f, nrules;
	unsigned long		 lines = 0, benign = 0;

	setenv("TZ", "UTC", 1);
	tzset();
	rs = ruleset_new();
	ATF_REQUIRE_EQ(ruleset_load(rs, trap_builtin_patterns, "builtin"), 0);
	nrules = ruleset_count(rs);
	/* Failed logins; unknown recipients (-R); successful logins (-L). */
	for (i = 0; i < 3; i++) {
		xs[i] = trap_extract_new(inj_collect, NULL);
		ATF_REQUIRE_EQ(trap_extract_builtin(xs[i]), 0);
		trap_extract_rcpt(xs[i], i == 1);
		trap_extract_logins(xs[i], i == 2);
		trap_extract_reftime(xs[i], trap_timegm(2026, 6, 1, 0, 0, 0));
	}
	for (i = 0; i < nrules; i++) {
		r = ruleset_rule(rs, i);
		x = xs[r->kind == KIND_RCPT ? 1 : r->kind == KIND_LOGIN ? 2 : 0];
		/* The benign line: the real address must come out. */
		inj_render(r, INJ_REAL, "bob", msg, sizeof(msg));
		inj_line(r, msg, line, sizeof(line));
		inj_real = 0;
		trap_extract_line(x, line, strlen(line), "inject", ++lines);
		trap_extract_end(x);
		benign += inj_real > 0;
		if (inj_real == 0 && getenv("INJ_DEBUG") != NULL)
			fprintf(stderr, "no record: %s\n", line);
		/* The rule's own line with the fake address, as client text. */
		inj_render(r, INJ_FAKE, "x", fake, sizeof(fake));
		for (f = 0; f <= sizeof(forms) / sizeof(forms[0]); f++) {
			snprintf(fill, sizeof(fill), "a %s b",
			    f < sizeof(forms) / sizeof(forms[0]) ? forms[f] :
			    fake);
			inj_render(r, INJ_REAL, fill, msg, sizeof(msg));
			inj_line(r, msg, line, sizeof(line));
			trap_extract_line(x, line, strlen(line), "inject",
			    ++lines);
			trap_extract_end(x);
			if (inj_wrong > 0) {
				fprintf(stderr, "rule %s:%lu, line: %s\n",
				    r->file, r->line, line);
				inj_wrong = 0;
				atf_tc_fail_nonfatal("an injected address");
			}
		}
		lines += inj_other_rules(rs, r, x);
	}
	for (i = 0; i < 3; i++)
		trap_extract_free(xs[i]);
	ruleset_free(rs);
	/* Not vacuous: most rules make a record of the real address. */
	fprintf(stderr, "%zu rules, %lu lines, %lu benign with the address, "
	    "%lu records\n", nrules, lines, benign, inj_records);
	ATF_CHECK(benign > nrules / 2);
}

/*
 * A name that comes after the attempt of its connection: held for it
 * from a file, not when live (traplogd, trapextract -f).
 */
ATF_TC_WITHOUT_HEAD(extract_live);
ATF_TC_BODY(extract_live, tc)
{
	struct trap_extract	*x;
	const char		*fail = "May  4 10:03:01 gw sshd[103]: Failed "
	    "password for admin from 192.0.2.4 port 40004 ssh2";
	const char		*pam = "May  4 10:03:05 gw sshd[103]: PAM 1 "
	    "more authentication failure; logname= uid=0 euid=0 tty=ssh "
	    "ruser= rhost=dsl-4.example.net  user=admin";

	x = extractor(NULL);
	feed(x, fail);
	ATF_CHECK_STREQ(got, "");
	feed(x, pam);
	ATF_CHECK_STREQ(got, "2026-05-04T10:03:01Z 192.0.2.4 admin "
	    "dsl-4.example.net badpass\n");
	trap_extract_free(x);

	x = extractor(NULL);
	trap_extract_live(x, 1);
	feed(x, fail);
	ATF_CHECK_STREQ(got, "2026-05-04T10:03:01Z 192.0.2.4 admin  "
	    "badpass\n");
	feed(x, pam);
	trap_extract_end(x);
	ATF_CHECK_STREQ(got, "2026-05-04T10:03:01Z 192.0.2.4 admin  "
	    "badpass\n");
	trap_extract_free(x);
}

/*
 * Dovecot's count line of no user (the client left before the answer),
 * then its auth line: held for it, one record with the auth line's user
 * and kind; live, the count line's record at once and the auth line
 * none.
 */
ATF_TC_WITHOUT_HEAD(extract_unanswered);
ATF_TC_BODY(extract_unanswered, tc)
{
	struct trap_extract	*x;
	const char		*login = "May  4 10:00:01 mx dovecot: "
	    "imap-login: Disconnected: Connection closed (disconnected while "
	    "authenticating, waited 1 secs): user=<>, method=PLAIN, "
	    "rip=192.0.2.5, lip=192.0.2.10, TLS, session=<S1S1S1S1>";
	const char		*auth = "May  4 10:00:03 mx dovecot: "
	    "auth-worker(4242): pam(root,192.0.2.5,<S1S1S1S1>): "
	    "pam_authenticate() failed: Authentication failure (Password "
	    "mismatch?)";

	x = extractor(NULL);
	feed(x, login);
	ATF_CHECK_STREQ(got, "");
	feed(x, auth);
	trap_extract_end(x);
	ATF_CHECK_STREQ(got, "2026-05-04T10:00:01Z 192.0.2.5 root  fail\n");
	trap_extract_free(x);

	x = extractor(NULL);
	trap_extract_live(x, 1);
	feed(x, login);
	ATF_CHECK_STREQ(got, "2026-05-04T10:00:01Z 192.0.2.5 -  fail\n");
	feed(x, auth);
	trap_extract_end(x);
	ATF_CHECK_STREQ(got, "2026-05-04T10:00:01Z 192.0.2.5 -  fail\n");
	trap_extract_free(x);
}

/*
 * Breaches: an address that logged in after failing, with the failures
 * before the login, whatever order the records come in; one that never
 * failed is none.
 */
static void
breach_feed(struct trap_breach *b, const char *line)
{
	struct trap_rec	 r;

	ATF_REQUIRE_EQ(trap_rec_parse(line, strlen(line), &r), 0);
	trap_breach_add(b, &r);
}

ATF_TC_WITHOUT_HEAD(breach);
ATF_TC_BODY(breach, tc)
{
	struct trap_breach		 *b;
	const struct trap_breach_row	**rows;
	size_t				  n;

	b = trap_breach_new();
	breach_feed(b, "2026-01-01T10:00:00Z\tgw\tssh\tsshd\t192.0.2.1\t-\troot\tbadpass");
	breach_feed(b, "2026-01-01T10:00:05Z\tgw\tssh\tsshd\t192.0.2.1\t-\tadmin\tnouser\ttrap\tadmin@example.com");
	breach_feed(b, "2026-01-01T10:00:06Z\tgw\tssh\tsshd\t192.0.2.9\t-\tx\tnouser");
	breach_feed(b, "2026-01-01T10:01:00Z\tgw\tssh\tsshd\t192.0.2.1\t-\tfztu\tlogin");
	/* Read after the login, but earlier: it counts before it. */
	breach_feed(b, "2026-01-01T09:59:00Z\tgw\tssh\tsshd\t192.0.2.1\t-\troot\tbadpass");
	/* After the login: it does not. */
	breach_feed(b, "2026-01-01T10:02:00Z\tgw\tssh\tsshd\t192.0.2.1\t-\troot\tbadpass");
	/* A second login of the address: the first one is the breach. */
	breach_feed(b, "2026-01-01T10:03:00Z\tgw\tssh\tsshd\t192.0.2.1\t-\tfztu\tlogin");
	/* Never failed: no breach. */
	breach_feed(b, "2026-01-01T10:04:00Z\tgw\tssh\tsshd\t198.51.100.7\t-\tbob\tlogin");
	/* Its network failed, the address did not: no breach. */
	breach_feed(b, "2026-01-01T10:05:00Z\tgw\tssh\tsshd\t192.0.2.77\t-\tcarol\tlogin");
	/* A login before any failure, then failures: no breach. */
	breach_feed(b, "2026-01-01T08:00:00Z\tgw\tssh\tsshd\t203.0.113.5\t-\tdave\tlogin");
	breach_feed(b, "2026-01-01T08:10:00Z\tgw\tssh\tsshd\t203.0.113.5\t-\tdave\tbadpass");
	rows = trap_breach_rows(b, &n);
	ATF_REQUIRE_EQ(n, 1);
	ATF_CHECK_STREQ(rows[0]->addr, "192.0.2.1");
	ATF_CHECK_STREQ(rows[0]->user, "fztu");
	ATF_CHECK_EQ(rows[0]->login, trap_timegm(2026, 1, 1, 10, 1, 0));
	ATF_CHECK_EQ(rows[0]->failures, 3);
	ATF_CHECK_EQ(rows[0]->netfailures, 4);
	ATF_CHECK_EQ(rows[0]->first, trap_timegm(2026, 1, 1, 9, 59, 0));
	ATF_CHECK_EQ(rows[0]->trap, 1);
	free(rows);
	trap_breach_free(b);
}

static char	 warned[2048];

static void
catchwarn(const char *msg, size_t len)
{
	size_t	 n = strlen(warned);

	ATF_REQUIRE(n + len < sizeof(warned));
	memcpy(warned + n, msg, len);
	warned[n + len] = '\0';
}

/* trap_warnx and trap_warn, diverted: whole lines, as warnx(3) writes. */
ATF_TC_WITHOUT_HEAD(warn_divert);
ATF_TC_BODY(warn_divert, tc)
{
	char	 want[2048], longarg[1200];

	trap_warn_divert(catchwarn);
	warned[0] = '\0';
	trap_warnx("%s:%d: bad", "f", 7);
	snprintf(want, sizeof(want), "%s: f:7: bad\n", getprogname());
	ATF_CHECK_STREQ(warned, want);
	warned[0] = '\0';
	errno = ENOENT;
	trap_warn("%s", "missing");
	snprintf(want, sizeof(want), "%s: missing: %s\n", getprogname(),
	    strerror(ENOENT));
	ATF_CHECK_STREQ(warned, want);
	ATF_CHECK_EQ(errno, ENOENT);
	/* Longer than the stack buffer. */
	memset(longarg, 'x', sizeof(longarg) - 1);
	longarg[sizeof(longarg) - 1] = '\0';
	warned[0] = '\0';
	trap_warnx("%s", longarg);
	snprintf(want, sizeof(want), "%s: %s\n", getprogname(), longarg);
	ATF_CHECK_STREQ(warned, want);
	trap_warn_divert(NULL);
}

/* Days of a month, for every reader of dates: leap years, year unknown. */
ATF_TC_WITHOUT_HEAD(time_mdays);
ATF_TC_BODY(time_mdays, tc)
{
	ATF_CHECK_EQ(trap_mdays(2024, 2), 29);
	ATF_CHECK_EQ(trap_mdays(2026, 2), 28);
	ATF_CHECK_EQ(trap_mdays(2000, 2), 29);
	ATF_CHECK_EQ(trap_mdays(2100, 2), 28);
	ATF_CHECK_EQ(trap_mdays(0, 2), 29);	/* RFC 3164: no year */
	ATF_CHECK_EQ(trap_mdays(2026, 4), 30);
	ATF_CHECK_EQ(trap_mdays(2026, 12), 31);
	ATF_CHECK(trap_isleap(1996) && !trap_isleap(1900));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, time_fmt);
	ATF_TP_ADD_TC(tp, time_mdays);
	ATF_TP_ADD_TC(tp, warn_divert);
	ATF_TP_ADD_TC(tp, extract_live);
	ATF_TP_ADD_TC(tp, extract_unanswered);
	ATF_TP_ADD_TC(tp, breach);
	ATF_TP_ADD_TC(tp, time_iso);
	ATF_TP_ADD_TC(tp, addr_canon);
	ATF_TP_ADD_TC(tp, addr_canon6);
	ATF_TP_ADD_TC(tp, siphash);
	ATF_TP_ADD_TC(tp, addr_parse);
	ATF_TP_ADD_TC(tp, record_grammar);
	ATF_TP_ADD_TC(tp, host_key);
	ATF_TP_ADD_TC(tp, json_str);
	ATF_TP_ADD_TC(tp, csv_str);
	ATF_TP_ADD_TC(tp, time_local);
	ATF_TP_ADD_TC(tp, time_local_cached);
	ATF_TP_ADD_TC(tp, addr_prefix);
	ATF_TP_ADD_TC(tp, names);
	ATF_TP_ADD_TC(tp, names_fast);
	ATF_TP_ADD_TC(tp, envelope_localmonth);
	ATF_TP_ADD_TC(tp, envelope_unescape);
	ATF_TP_ADD_TC(tp, envelope_sngrepeat);
	ATF_TP_ADD_TC(tp, service_guess);
	ATF_TP_ADD_TC(tp, list_open);
	ATF_TP_ADD_TC(tp, vis_fields);
	ATF_TP_ADD_TC(tp, record_parse);
	ATF_TP_ADD_TC(tp, record_split);
	ATF_TP_ADD_TC(tp, pattern_errors);
	ATF_TP_ADD_TC(tp, pattern_greedy_user);
	ATF_TP_ADD_TC(tp, pattern_backref);
	ATF_TP_ADD_TC(tp, pattern_own_literal);
	ATF_TP_ADD_TC(tp, extract_bare_noliteral);
	ATF_TP_ADD_TC(tp, pattern_budget);
	ATF_TP_ADD_TC(tp, extract_ssh_join);
	ATF_TP_ADD_TC(tp, extract_order);
	ATF_TP_ADD_TC(tp, file_plain_gzip);
	ATF_TP_ADD_TC(tp, file_gzip_members);
	ATF_TP_ADD_TC(tp, file_gzip_truncated);
	ATF_TP_ADD_TC(tp, file_other_compressors);
	ATF_TP_ADD_TC(tp, file_long_line);
	ATF_TP_ADD_TC(tp, file_grows);
	ATF_TP_ADD_TC(tp, file_blocks);
	ATF_TP_ADD_TC(tp, extract_blocks);
	ATF_TP_ADD_TC(tp, extract_repeat_blocks);
	ATF_TP_ADD_TC(tp, extract_repeat_old);
	ATF_TP_ADD_TC(tp, hash_keys);
	ATF_TP_ADD_TC(tp, hash_keyed);
	ATF_TP_ADD_TC(tp, hash_peek);
	ATF_TP_ADD_TC(tp, jobs);
	ATF_TP_ADD_TC(tp, traplist_formats);
	ATF_TP_ADD_TC(tp, archive_version);
	ATF_TP_ADD_TC(tp, archive_hashkey);
	ATF_TP_ADD_TC(tp, archive_repair);
	ATF_TP_ADD_TC(tp, fuzz_patterns_crashes);
	ATF_TP_ADD_TC(tp, builtin_literals);
	ATF_TP_ADD_TC(tp, inject_every_rule);
	return atf_no_error();
}
