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

/*
 * Canonicalise the address in s[0..len) into dst: as inet_ntop(3) writes
 * it, an IPv4-mapped IPv6 address as IPv4, a zone ("%em0") dropped.
 * Return 0, or -1 if it is not an address.
 */
int
trap_addr_canon(const char *s, size_t len, char *dst, size_t dstlen)
{
	char		 buf[TRAP_ADDRLEN + 1];
	const char	*pct;
	struct in6_addr	 a6;
	struct in_addr	 a4;
	unsigned char	 q[4];

	if ((pct = memchr(s, '%', len)) != NULL)
		len = pct - s;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (quad(buf, len, q)) {
		/* Already as inet_ntop(3) would write it back. */
		if (pct != NULL || len >= dstlen)
			return -1;
		memcpy(dst, buf, len + 1);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &a6) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], sizeof(a4));
		return inet_ntop(AF_INET, &a4, dst, dstlen) ? 0 : -1;
	}
	return inet_ntop(AF_INET6, &a6, dst, dstlen) ? 0 : -1;
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
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0xff, 0xff };
	char	 buf[TRAP_ADDRLEN];

	if (quad(s, len, a))
		return AF_INET;		/* no leading zeros: canonical */
	/* IPv6 as inet_ntop(3) writes it back; mapped IPv4 is not. */
	if (len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET6, buf, a) != 1 ||
	    memcmp(a, mapped, sizeof(mapped)) == 0 ||
	    inet_ntop(AF_INET6, a, buf, sizeof(buf)) == NULL ||
	    strlen(buf) != len || memcmp(buf, s, len) != 0)
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
	char		 s[INET6_ADDRSTRLEN];
	int		 i, n = family == AF_INET ? 4 : 16;

	memcpy(m, a, n);
	for (i = 0; i < n; i++)
		if (bits < 8 * (i + 1))
			m[i] &= bits <= 8 * i ? 0 : 0xff << (8 - (bits - 8 * i));
	if (inet_ntop(family, m, s, sizeof(s)) == NULL)
		s[0] = '\0';
	return snprintf(buf, size, "%s/%d", s, bits);
}
