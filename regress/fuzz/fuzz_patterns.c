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
 * fuzz_patterns: the compiler of the recogniser language,
 * trappatterns(5).  The input up to its first NUL byte is a patterns
 * file for ruleset_load; if any rule loaded, every line of the rest
 * (split on '\n', each in its own allocation) is matched against every
 * rule with rule_match, and looked up by its first word as a program
 * name.  A line a rule matches must be among those scan.c finds for the
 * rules' longest literals, which is all of it that trapextract reads.
 * The text is then loaded a second time, after the first rules, as
 * trapextract does with -p and the built-in patterns.
 */

#include "compat.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"
#include "pattern.h"
#include "scan.h"
#include "fuzz.h"

static volatile unsigned int	 sink;

/* Every capture a match reports lies inside the message: read it. */
static void
check(const struct match *m, const char *s, size_t len)
{
	size_t	 c, i;

	for (c = 0; c < NCAPS; c++) {
		if (!m->have[c])
			continue;
		FUZZ_ASSERT(m->cap[c].p >= s &&
		    m->cap[c].p + m->cap[c].len <= s + len);
		for (i = 0; i < m->cap[c].len; i++)
			sink += (unsigned char)m->cap[c].p[i];
	}
}

static void
matchall(struct ruleset *rs, const char *msg, size_t msglen)
{
	const char		*q, *nl, *end = msg + msglen;
	struct scan_cands	 cands = { NULL, NULL, 0, 0 };
	const struct rule *const *rules;
	const struct rule	*r;
	struct match		 m;
	struct scan		*sc;
	size_t			 i, n, len, plen, ncand = 0, c = 0;
	char			*line;
	int			 scanned;

	sc = scan_new();
	for (i = 0; i < ruleset_count(rs); i++) {
		r = ruleset_rule(rs, i);
		scan_add(sc, r->anchor != NULL ? r->anchor : "", r->anchorlen,
		    r->anchorti == 0);
	}
	if ((scanned = scan_build(sc, msg, msglen) == 0))
		ncand = scan_lines(sc, msg, msglen, &cands);
	for (q = msg; q < end; q = nl + 1) {
		if ((nl = memchr(q, '\n', end - q)) == NULL)
			nl = end;
		len = nl - q;
		line = fuzz_dup(q, len);
		while (c < ncand && cands.v[c] < q)
			c++;
		/* A candidate's line ends where this one does. */
		FUZZ_ASSERT(c >= ncand || cands.v[c] != q ||
		    cands.nl[c] == nl);
		for (i = 0; i < ruleset_count(rs); i++)
			if (rule_match(ruleset_rule(rs, i), line, len, &m)) {
				check(&m, line, len);
				FUZZ_ASSERT(!scanned ||
				    (c < ncand && cands.v[c] == q));
			}
		for (plen = 0; plen < len && line[plen] != ' '; plen++)
			continue;
		rules = ruleset_lookup(rs, line, plen, &n);
		FUZZ_ASSERT(n <= ruleset_count(rs));
		for (i = 0; i < n; i++)
			if (rule_match(rules[i], line + plen, len - plen, &m))
				check(&m, line + plen, len - plen);
		free(line);
	}
	scan_free(sc);
	free(cands.v);
	free(cands.nl);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset	*rs;
	const uint8_t	*nul;
	const char	*msg = "";
	size_t		 textlen, msglen = 0;
	char		*text;

	if ((nul = memchr(data, '\0', size)) != NULL) {
		textlen = nul - data;
		msg = (const char *)nul + 1;
		msglen = size - textlen - 1;
	} else
		textlen = size;
	if ((text = malloc(textlen + 1)) == NULL)
		abort();
	memcpy(text, data, textlen);
	text[textlen] = '\0';

	rs = ruleset_new();
	ruleset_load(rs, text, "fuzz");
	if (ruleset_count(rs) > 0) {
		matchall(rs, msg, msglen);
		ruleset_load(rs, text, "fuzz2");
		matchall(rs, msg, msglen);
	}
	ruleset_free(rs);
	free(text);
	return 0;
}
