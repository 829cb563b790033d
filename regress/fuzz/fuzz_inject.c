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
 * fuzz_inject: the injection oracle.  The first two bytes of the input
 * pick a built-in rule, the rest is client text: the rule's line is made
 * with the real address where the daemon writes it and that text in its
 * user name, %* and (without blanks) %w.  Every record must have the
 * real address or none: never one the client wrote.
 */

#include "compat.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"
#include "pattern.h"
#include "fuzz.h"
#include "../inject.h"

#define REFTIME	trap_timegm(2026, 6, 1, 0, 0, 0)

extern const char trap_builtin_patterns[];

static struct ruleset		*rules;
static struct trap_extract	*x;
static int			 wrong;

static void
check(const struct trap_attempt *a, void *arg)
{
	(void)arg;
	if (a->addr[0] != '\0' && strcmp(a->addr, INJ_REAL) != 0) {
		fprintf(fuzz_stderr, "address %s taken\n", a->addr);
		wrong = 1;
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	setenv("TZ", "UTC", 1);
	tzset();
	rules = ruleset_new();
	if (ruleset_load(rules, trap_builtin_patterns, "builtin") != 0)
		abort();
	x = trap_extract_new(check, NULL);
	if (trap_extract_builtin(x) != 0)
		abort();
	trap_extract_reftime(x, REFTIME);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct rule	*r;
	char			 fill[513], msg[8192], line[8400];
	size_t			 i, n;

	if (size < 2)
		return 0;
	r = ruleset_rule(rules, (data[0] << 8 | data[1]) %
	    ruleset_count(rules));
	n = size - 2 < sizeof(fill) - 1 ? size - 2 : sizeof(fill) - 1;
	for (i = 0; i < n; i++)		/* one line: no newline, no NUL */
		fill[i] = data[2 + i] == '\n' || data[2 + i] == '\0' ?
		    ' ' : (char)data[2 + i];
	fill[n] = '\0';
	inj_render(r, INJ_REAL, fill, msg, sizeof(msg));
	inj_line(r, msg, line, sizeof(line));
	wrong = 0;
	trap_extract_line(x, line, strlen(line), "inject", 1);
	trap_extract_reset(x, REFTIME);	/* nothing left for the next */
	if (wrong)
		fprintf(fuzz_stderr, "rule %s:%lu: %s\n", r->file, r->line,
		    line);
	FUZZ_ASSERT(!wrong);
	return 0;
}
