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
 * replay: the main() of a fuzz target built without libFuzzer, as make
 * check builds them (regress/fuzz/replay_NAME, the target fuzz_NAME.c
 * and this): LLVMFuzzerInitialize, then LLVMFuzzerTestOneInput on every
 * file named and every file in a directory named, in name order.  A
 * target's failed assertion aborts; else the number of inputs is
 * printed and the exit status is 0.
 */

#include "compat.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static unsigned long	 ninputs;
static FILE		*errfp;		/* the real stderr */

/*
 * An input that cannot be read: exit 2.  The target's
 * LLVMFuzzerInitialize may have sent stdio's stderr to /dev/null
 * (fuzz_quiet): the message goes to the real one.
 */
static __dead void
bad(const char *path, const char *what)
{
	fprintf(errfp, "replay: %s: %s\n", path, what);
	exit(2);
}

static void
one(const char *path)
{
	struct stat	 st;
	uint8_t		*buf;
	ssize_t		 n;
	size_t		 off;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		bad(path, strerror(errno));
	/* Exactly its size, so that a read past the input is one past it. */
	if ((buf = malloc(st.st_size > 0 ? st.st_size : 1)) == NULL)
		err(2, NULL);
	for (off = 0; off < (size_t)st.st_size; off += n)
		if ((n = read(fd, buf + off, st.st_size - off)) <= 0)
			bad(path, "short read");
	close(fd);
	LLVMFuzzerTestOneInput(buf, st.st_size);
	free(buf);
	ninputs++;
}

static int
byname(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char *argv[])
{
	struct dirent	**ents;
	struct stat	  st;
	char		  path[4096];
	int		  i, j, n;

	errfp = stderr;
	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1)
			bad(argv[i], strerror(errno));
		if (!S_ISDIR(st.st_mode)) {
			one(argv[i]);
			continue;
		}
		if ((n = scandir(argv[i], &ents, NULL, byname)) == -1)
			bad(argv[i], strerror(errno));
		for (j = 0; j < n; j++) {
			if (ents[j]->d_name[0] != '.' &&
			    snprintf(path, sizeof(path), "%s/%s", argv[i],
			    ents[j]->d_name) < (int)sizeof(path))
				one(path);
			free(ents[j]);
		}
		free(ents);
	}
	printf("%lu inputs\n", ninputs);
	return 0;
}
