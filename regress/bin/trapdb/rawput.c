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
 * rawput dir name key data: put key and data into the database name
 * (records, addr, user, meta) of the trapdb archive dir, past the
 * library's checks, as an older trapdb or a damaged file could have
 * left them.  A key or data of "0x" and hex digits is those bytes, else
 * the text as given.  For regress/bin/trapdb/t_trapdb (-V, -V -F).
 * Exit 0, or 2 on an error.
 */

#include "compat.h"

#include <sys/types.h>

#include <db.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* s as the bytes of a DBT: hex after "0x", else the text. */
static void
bytes(DBT *t, char *s)
{
	size_t		 i, n;
	unsigned int	 b;

	memset(t, 0, sizeof(*t));
	if (strncmp(s, "0x", 2) != 0) {
		t->data = s;
		t->size = strlen(s);
		return;
	}
	n = strlen(s + 2);
	if (n == 0 || n % 2 != 0)
		errx(2, "odd hex: %s", s);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 + 2 * i, "%2x", &b) != 1)
			errx(2, "bad hex: %s", s);
		s[i] = b;
	}
	t->data = s;
	t->size = n / 2;
}

int
main(int argc, char *argv[])
{
	DB_ENV	*env;
	DB	*db;
	DBT	 k, d;
	int	 e;

	if (argc != 5) {
		fprintf(stderr, "usage: rawput dir name key data\n");
		return 2;
	}
	bytes(&k, argv[3]);
	bytes(&d, argv[4]);
	if ((e = db_env_create(&env, 0)) != 0 ||
	    (e = env->open(env, argv[1], DB_CREATE | DB_INIT_LOCK |
	    DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN, 0644)) != 0)
		errx(2, "%s: %s", argv[1], db_strerror(e));
	if ((e = db_create(&db, env, 0)) != 0 ||
	    (e = db->open(db, NULL, argv[2], NULL, DB_BTREE, DB_AUTO_COMMIT,
	    0)) != 0)
		errx(2, "%s/%s: %s", argv[1], argv[2], db_strerror(e));
	if ((e = db->put(db, NULL, &k, &d, DB_AUTO_COMMIT)) != 0)
		errx(2, "%s/%s: put: %s", argv[1], argv[2], db_strerror(e));
	if ((e = db->close(db, 0)) != 0 || (e = env->close(env, 0)) != 0)
		errx(2, "%s/%s: close: %s", argv[1], argv[2], db_strerror(e));
	return 0;
}
