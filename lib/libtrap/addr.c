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

/* Client addresses: parsed and written back in one canonical form. */

#include "compat.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "trap.h"

/*
 * A dotted quad as inet_pton(3) takes it: four decimal numbers up to
 * 255, without leading zeros.  Most addresses are such, and this is
 * cheaper than inet_pton; it judges the others.
 */
static int
quad(const char *p, size_t len, unsigned char *a)
{
	const char	*end = p + len;
	unsigned int	 d, v;
	int		 n;

	for (n = 0; n < 4; n++) {
		if (n > 0 && (p == end || *p++ != '.'))
			return 0;
		if (p == end || (v = (unsigned char)*p++ - '0') > 9)
			return 0;
		if (v > 0 && p < end && (d = (unsigned char)*p - '0') <= 9) {
			v = v * 10 + d;
			if (++p < end && (d = (unsigned char)*p - '0') <= 9) {
				v = v * 10 + d;
				p++;
			}
		}
		/* a fourth digit, a leading zero, or more than 255 */
		if (v > 255 || (p < end && (unsigned int)((unsigned char)*p -
		    '0') <= 9))
			return 0;
		a[n] = v;
	}
	return p == end;
}

/* The first 96 bits of an IPv4-mapped IPv6 address. */
static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff };

/* The decimal digits of v (at most 255) at p: the end. */
static char *
putdec(char *p, unsigned int v)
{
	if (v >= 100)
		*p++ = '0' + v / 100;
	if (v >= 10)
		*p++ = '0' + v / 10 % 10;
	*p++ = '0' + v % 10;
	return p;
}

/* The dotted quad of a[0..4) at p: the end. */
static char *
putquad(char *p, const unsigned char *a)
{
	int	 i;

	for (i = 0; i < 4; i++) {
		if (i > 0)
			*p++ = '.';
		p = putdec(p, a[i]);
	}
	return p;
}

/*
 * The IPv6 address a (16 bytes) as text at p, NUL-terminated, as the
 * GNU C library's inet_ntop(3) writes it (RFC 5952 but for one form):
 * groups in lower-case hexadecimal without leading zeros; the first
 * longest run of two or more zero groups as "::"; a dotted quad for the
 * last 32 bits when the first 80 bits are zero and the next 16 are ffff
 * (IPv4-mapped), or when the first 96 are zero and the next 16 are not
 * (the old IPv4-compatible form, "::192.0.2.1").  Written here
 * so that the form does not change with the platform: OpenBSD's
 * inet_ntop writes "::0.0.0.5" where glibc writes "::5".  Return the
 * length.
 */
static size_t
fmt6(const unsigned char *a, char *p)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned int		 g[8];
	char			*start = p;
	int			 i, run = 0, best = -1, bestlen = 1, sh;

	for (i = 0; i < 8; i++) {
		g[i] = a[2 * i] << 8 | a[2 * i + 1];
		run = g[i] == 0 ? run + 1 : 0;
		if (run > bestlen) {
			bestlen = run;
			best = i - run + 1;
		}
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			i += bestlen - 1;
			if (i == 7)
				*p++ = ':';
			continue;
		}
		if (i > 0)
			*p++ = ':';
		if (i == 6 && best == 0 && (bestlen == 6 ||
		    (bestlen == 5 && g[5] == 0xffff))) {
			p = putquad(p, a + 12);
			break;
		}
		for (sh = 12; sh > 0 && (g[i] >> sh) == 0; sh -= 4)
			continue;
		for (; sh >= 0; sh -= 4)
			*p++ = hex[g[i] >> sh & 0xf];
	}
	*p = '\0';
	return p - start;
}

/*
 * Canonicalise the address in s[0..len) into dst: as fmt6 writes it, an
 * IPv4-mapped IPv6 address as IPv4, a zone ("%em0") dropped.  Return 0,
 * or -1 if it is not an address.
 */
int
trap_addr_canon(const char *s, size_t len, char *dst, size_t dstlen)
{
	char		 buf[TRAP_ADDRLEN + 1], out[TRAP_ADDRLEN];
	const char	*pct;
	unsigned char	 a[16];
	size_t		 n;

	if ((pct = memchr(s, '%', len)) != NULL)
		len = pct - s;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (quad(buf, len, a)) {
		/* Already as fmt6 would write it back. */
		if (pct != NULL || len >= dstlen)
			return -1;
		memcpy(dst, buf, len + 1);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a) != 1)
		return -1;
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		n = putquad(out, a + 12) - out;
	else
		n = fmt6(a, out);
	if (n >= dstlen)
		return -1;
	memcpy(dst, out, n);
	dst[n] = '\0';
	return 0;
}

/*
 * The address in s[0..len) in binary into a (16 bytes): return AF_INET
 * or AF_INET6 (as inet_pton(3) takes them), or 0 if it is neither.
 */
int
trap_addr_parse(const char *s, size_t len, unsigned char *a)
{
	char	 buf[TRAP_ADDRLEN];

	if (quad(s, len, a))
		return AF_INET;
	if (len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, buf, a) == 1)
		return AF_INET6;
	return 0;
}

/*
 * The address in s[0..len) in binary into a, as trap_addr_parse, if it is
 * in the canonical form of trap_addr_canon (as trap(5) records hold it):
 * AF_INET or AF_INET6, or 0 if it is not an address in that form.
 */
int
trap_addr_canonparse(const char *s, size_t len, unsigned char *a)
{
	char	 buf[TRAP_ADDRLEN];

	if (quad(s, len, a))
		return AF_INET;		/* no leading zeros: canonical */
	/* IPv6 as fmt6 writes it back; mapped IPv4 is not. */
	if (len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET6, buf, a) != 1 ||
	    memcmp(a, mapped, sizeof(mapped)) == 0 ||
	    fmt6(a, buf) != len || memcmp(buf, s, len) != 0)
		return 0;
	return AF_INET6;
}

/*
 * The network of prefix length bits holding the binary address a of
 * family (AF_INET or AF_INET6), as "net/bits" in buf: its length.
 */
size_t
trap_addr_prefix(int family, const unsigned char *a, int bits, char *buf,
    size_t size)
{
	unsigned char	 m[16];
	char		 s[TRAP_ADDRLEN];
	int		 i, n = family == AF_INET ? 4 : 16;

	memcpy(m, a, n);
	for (i = 0; i < n; i++)
		if (bits < 8 * (i + 1))
			m[i] &= bits <= 8 * i ? 0 : 0xff << (8 - (bits - 8 * i));
	if (family == AF_INET)
		*putquad(s, m) = '\0';
	else
		fmt6(m, s);
	return snprintf(buf, size, "%s/%d", s, bits);
}
