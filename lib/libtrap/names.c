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
 * The names of services and kinds as records write them (trap(5)), and
 * their lookups: the one place that knows them.
 */

#include "compat.h"

#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "trap.h"

const char *const trap_service_names[SVC_NSERVICES] = {
	"pop3", "imap", "smtp", "ssh", "login", "sieve", "other"
};
const char *const trap_kind_names[KIND_NKINDS] = {
	"nouser", "badpass", "fail", "rcpt", "login"
};

/* The index of s[0..len) in names[0..n), or -1. */
int
trap_name_lookup(const char *const *names, int n, const char *s, size_t len)
{
	const char	*t;
	size_t		 j;
	int		 i;

	if (len == 0)
		return -1;
	/* Most names differ at the first byte; none is empty. */
	for (i = 0; i < n; i++) {
		t = names[i];
		if (t[0] != s[0])
			continue;
		for (j = 1; j < len && t[j] == s[j] && t[j] != '\0'; j++)
			continue;
		if (j == len && t[len] == '\0')
			return i;
	}
	return -1;
}

/* names[i] if it is s, of the constant length len; else -1. */
#define IS(names, i, s, len)	(memcmp((s), (names)[(i)], (len)) == 0 ? \
				    (i) : -1)

/*
 * The kind of its name, or -1.  Every reader looks up the kind and the
 * service of every record: the name is told by its length and a byte,
 * and compared at that constant length, which the compiler does inline
 * (trap_name_lookup() took 60 instructions).
 */
int
trap_kind_lookup(const char *s, size_t len)
{
	switch (len) {
	case 4:
		return IS(trap_kind_names, s[0] == 'f' ? KIND_FAIL : KIND_RCPT,
		    s, 4);
	case 5:
		return IS(trap_kind_names, KIND_LOGIN, s, 5);
	case 6:
		return IS(trap_kind_names, KIND_NOUSER, s, 6);
	case 7:
		return IS(trap_kind_names, KIND_BADPASS, s, 7);
	}
	return -1;
}

/* The service of its name, or -1; as trap_kind_lookup(). */
int
trap_service_lookup(const char *s, size_t len)
{
	switch (len) {
	case 3:
		return IS(trap_service_names, SVC_SSH, s, 3);
	case 4:
		return IS(trap_service_names, s[0] == 'p' ? SVC_POP3 :
		    s[0] == 'i' ? SVC_IMAP : SVC_SMTP, s, 4);
	case 5:
		return IS(trap_service_names, s[0] == 'l' ? SVC_LOGIN :
		    s[0] == 's' ? SVC_SIEVE : SVC_OTHER, s, 5);
	}
	return -1;
}

static int
prefix(const char *s, size_t len, const char *pfx)
{
	size_t	 n = strlen(pfx);

	return len >= n && strncasecmp(s, pfx, n) == 0;
}

/* The service a name's beginning suggests. */
static int
guess(const char *s, size_t len)
{
	if (prefix(s, len, "pop") || prefix(s, len, "ipop") ||
	    prefix(s, len, "courierpop"))
		return SVC_POP3;
	if (prefix(s, len, "imap") || prefix(s, len, "courierimap"))
		return SVC_IMAP;
	if (prefix(s, len, "managesieve") || prefix(s, len, "sieve"))
		return SVC_SIEVE;
	if (prefix(s, len, "smtp") || prefix(s, len, "submission") ||
	    prefix(s, len, "lmtp") || prefix(s, len, "courieresmtp"))
		return SVC_SMTP;
	if (prefix(s, len, "ssh") || prefix(s, len, "dropbear"))
		return SVC_SSH;
	if (prefix(s, len, "login"))
		return SVC_LOGIN;
	return SVC_OTHER;
}

/*
 * The service a program or dovecot process name suggests: its last
 * component after a slash, or what follows its last dot, as in
 * perdition.imap4.
 */
int
trap_service_guess(const char *s, size_t len)
{
	const char	*slash, *dot;
	int		 svc;

	while ((slash = memchr(s, '/', len)) != NULL) {
		len -= slash + 1 - s;
		s = slash + 1;
	}
	if ((svc = guess(s, len)) != SVC_OTHER ||
	    (dot = memrchr(s, '.', len)) == NULL)
		return svc;
	return guess(dot + 1, s + len - dot - 1);
}
