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
 * fuzz_traplist: trap lists.  The input is written to a file and read
 * with trap_list_load (the format is recognised per line: spamdb
 * listing, plain list, HTML page; a gzip one if it starts with the
 * magic).  Inputs of odd length are read scoped to two domains.  Every
 * address loaded must then be found by trap_list_match, whole, by its
 * local part and in upper case; a few other names are looked up too.
 *
 * The file is one, opened and unlinked once and written again for each
 * input.  It is the standard input, read as the list "-": trap_file_open
 * then opens nothing (a path through /dev/fd cost an open(2) an input,
 * with its lookup through /proc), and reads it as any other file (fstat
 * gives its size).  What is left is the library's: trap_file_open's
 * buffer and each of the list's tables, which ASan maps and poisons anew
 * each time.
 */

#include "compat.h"

#include <sys/types.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"
#include "fuzz.h"

static int	 fd = -1;
static size_t	 filesize;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp;
	char		 tmpl[1024];

	(void)argc;
	(void)argv;
	fuzz_quiet();
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/fuzz_traplist.XXXXXX", tmp);
	/* The file, open and unlinked: the standard input. */
	if ((fd = mkstemp(tmpl)) == -1 || unlink(tmpl) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1 || close(fd) == -1)
		abort();
	fd = STDIN_FILENO;
	return 0;
}

static void
writefile(const uint8_t *data, size_t size)
{
	ssize_t	 n;
	off_t	 off;

	for (off = 0; (size_t)off < size; off += n)
		if ((n = pwrite(fd, data + off, size - off, off)) <= 0)
			abort();
	/* Only a shorter file needs cutting: a cheap no-op is none. */
	if ((size < filesize && ftruncate(fd, size) == -1) ||
	    lseek(fd, 0, SEEK_SET) == -1)
		abort();
	filesize = size;
}

/* dst[0..len), src in upper case (nocov: a byte at a time). */
static __nocov void
fuzz_upper(char *dst, const char *src, size_t len)
{
	size_t	 k;

	for (k = 0; k < len; k++)
		dst[k] = toupper((unsigned char)src[k]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"", "root", "ROOT", "postmaster@example.com", "info",
		"x@y", "@", "a@b.c", "Sales@Example.ORG", "<a@b.c>"
	};
	struct trap_list	*l;
	const char *const	*addrs;
	const char		*a, *at, *m;
	char			 up[300];
	size_t			 n, i, len;

	writefile(data, size);
	l = trap_list_new();
	if (size % 2) {
		trap_list_domain(l, "example.com", 11);
		trap_list_domain(l, " Example.ORG\n", 13);
		FUZZ_ASSERT(trap_list_scoped(l));
	}
	FUZZ_ASSERT(trap_list_load(l, "-") == 0 || size >= 2);

	addrs = trap_list_addrs(l, &n);
	for (i = 0; i < n && i < 64; i++) {
		a = addrs[i];
		len = strlen(a);
		FUZZ_ASSERT(len > 0 && len < sizeof(up));
		FUZZ_ASSERT((at = strchr(a, '@')) != NULL);
		FUZZ_ASSERT(trap_list_inscope(l, at + 1, strlen(at + 1)));
		FUZZ_ASSERT((m = trap_list_match(l, a, len)) != NULL &&
		    strcmp(m, a) == 0);
		FUZZ_ASSERT(trap_list_match(l, a, at - a) != NULL);
		FUZZ_ASSERT(trap_list_position(l, a, at - a) >= 0);
		fuzz_upper(up, a, len);
		FUZZ_ASSERT(trap_list_match(l, up, len) != NULL);
	}
	FUZZ_ASSERT(trap_list_locals(l) <= n);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)trap_list_match(l, names[i], strlen(names[i]));
	/* The first bytes of the input, as a tried name. */
	for (len = 0; len < size && len < 40 && data[len] != '\n'; len++)
		continue;
	a = fuzz_dup(data, len);
	(void)trap_list_match(l, a, len);
	free((char *)a);
	(void)trap_list_outofscope(l);
	trap_list_free(l);
	return 0;
}
