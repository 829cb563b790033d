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
 * rulecov dir: which built-in rules (share/trap/patterns) the golden
 * logs dir/NAME.in recognise, each line as trapextract would try the
 * rules (with -R if dir/NAME.args has it; trap_extract_which).  One line
 * per rule, in file order: its line in share/trap/patterns, a TAB, the
 * number of log lines it recognises.  Exit 0, or 2 on an error.  For
 * make coverage and regress/lib/libtrap/t_rulecov.
 */

#include "compat.h"

#include <sys/types.h>

#include <dirent.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"
#include "pattern.h"

extern const char trap_builtin_patterns[];

static unsigned long long	*counts;	/* by line of the patterns */
static unsigned long		 maxline;

static void
noemit(const struct trap_attempt *a, void *arg)
{
	(void)a;
	(void)arg;
}

/* Does dir/name.args ask for -R? */
/* The extractor a golden log is read with: 1 for -R, 2 for -L, else 0. */
static int
mode(const char *dir, const char *name)
{
	char	 path[4096], buf[1024];
	FILE	*fp;
	int	 m = 0;

	snprintf(path, sizeof(path), "%s/%s.args", dir, name);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		if (strstr(buf, "-R") != NULL)
			m = 1;
		if (strstr(buf, "-L") != NULL)
			m = 2;
	}
	fclose(fp);
	return m;
}

static void
count(struct trap_extract *x, const char *path)
{
	struct trap_file	*f;
	const char		*line, *name;
	size_t			 len;
	unsigned long		 n;

	if ((f = trap_file_open(path)) == NULL)
		err(2, "%s", path);
	while (trap_file_getline(f, &line, &len))
		if ((n = trap_extract_which(x, line, len, &name)) != 0 &&
		    strcmp(name, "builtin") == 0 && n <= maxline)
			counts[n]++;
	if (trap_file_error(f))
		errx(2, "%s: read error", path);
	trap_file_close(f);
}

int
main(int argc, char *argv[])
{
	struct trap_extract	*x[3];
	struct ruleset		*rs;
	const struct rule	*r;
	struct dirent		*d;
	DIR			*dp;
	char			 path[4096];
	size_t			 i, len;
	int			 on;

	if (argc != 2) {
		fprintf(stderr, "usage: rulecov dir\n");
		return 2;
	}
	rs = ruleset_new();
	if (ruleset_load(rs, trap_builtin_patterns, "builtin") != 0)
		errx(2, "the built-in rules do not load");
	for (i = 0; i < ruleset_count(rs); i++)
		if (ruleset_rule(rs, i)->line > maxline)
			maxline = ruleset_rule(rs, i)->line;
	if ((counts = calloc(maxline + 1, sizeof(*counts))) == NULL)
		err(2, NULL);
	for (on = 0; on <= 2; on++) {
		x[on] = trap_extract_new(noemit, NULL);
		if (trap_extract_builtin(x[on]) != 0)
			errx(2, "the built-in rules do not load");
		trap_extract_rcpt(x[on], on == 1);
		trap_extract_logins(x[on], on == 2);
	}
	if ((dp = opendir(argv[1])) == NULL)
		err(2, "%s", argv[1]);
	while ((d = readdir(dp)) != NULL) {
		len = strlen(d->d_name);
		if (len <= 3 || strcmp(d->d_name + len - 3, ".in") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], d->d_name);
		d->d_name[len - 3] = '\0';
		count(x[mode(argv[1], d->d_name)], path);
	}
	closedir(dp);
	for (i = 0; i < ruleset_count(rs); i++) {
		r = ruleset_rule(rs, i);
		printf("%lu\t%llu\n", r->line, counts[r->line]);
	}
	for (on = 0; on <= 2; on++)
		trap_extract_free(x[on]);
	ruleset_free(rs);
	free(counts);
	return 0;
}
