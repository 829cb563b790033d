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
	int	 i;

	/* The first byte rules out most names without a strlen. */
	for (i = 0; i < n; i++)
		if (len > 0 && names[i][0] == s[0] &&
		    strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i;
	return -1;
}

/* The kind of its name, or -1. */
int
trap_kind_lookup(const char *s, size_t len)
{
	return trap_name_lookup(trap_kind_names, KIND_NKINDS, s, len);
}
