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

/* scan.h: finding the lines that may matter, internal to libtrap. */

#ifndef SCAN_H
#define SCAN_H

struct scan;

/* The candidate lines of a block: where each starts and ends, in order. */
struct scan_cands {
	const char	**v;		/* where each line starts */
	const char	**nl;		/* its newline, or the end of buf */
	size_t		 n, cap;
};

struct scan	*scan_new(void);
void		 scan_add(struct scan *, const char *, size_t, int);
int		 scan_build(struct scan *, const char *, size_t);
size_t		 scan_lines(const struct scan *, const char *, size_t,
		    struct scan_cands *);
void		 scan_free(struct scan *);

size_t		 countnl(const char *, size_t);

#endif /* SCAN_H */
