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
 * inject.h: lines made from a rule's template, its client-chosen parts
 * filled with given text; for t_libtrap's inject_every_rule and the
 * fuzz_inject target.  Include after trap.h and pattern.h.
 */

#ifndef INJECT_H
#define INJECT_H

#define INJ_REAL	"192.0.2.10"
#define INJ_FAKE	"198.51.100.66"

/* The message of rule r with address addr, client text fill. */
static __unused void
inj_render(const struct rule *r, const char *addr, const char *fill,
    char *buf, size_t size)
{
	size_t	 i, n;

	buf[0] = '\0';
	for (i = 0; i < r->ntoks; i++) {
		switch (r->toks[i].type) {
		case TOK_LIT:
			n = strlen(buf);
			if (n + r->toks[i].len < size) {
				memcpy(buf + n, r->toks[i].lit, r->toks[i].len);
				buf[n + r->toks[i].len] = '\0';
			}
			continue;
		case CAP_ADDR:
		case CAP_UADDR:		/* as vpopmail writes IPv4: as is */
		case CAP_RHOST:
			strlcat(buf, addr, size);
			break;
		case CAP_HOST:
			strlcat(buf, "host.example", size);
			break;
		case CAP_PASSED:
			strlcat(buf, "0", size);
			break;
		case CAP_COUNT:
			strlcat(buf, "1", size);
			break;
		case CAP_NUM:
			strlcat(buf, "22", size);
			break;
		case CAP_KEY:
			strlcat(buf, "0123456789abcdef", size);
			break;
		case CAP_SVC:
			strlcat(buf, "imap", size);
			break;
		case CAP_B64:
			strlcat(buf, "eA==", size);
			break;
		case CAP_OWN:
			break;
		case CAP_WORD:	/* a word holds no blank: space or tab */
			n = strlen(buf);
			strlcat(buf, fill, size);
			for (; buf[n] != '\0'; n++)
				if (buf[n] == ' ' || buf[n] == '\t')
					buf[n] = '_';
			break;
		case CAP_USER:	/* vpopmail (%A) logs no ":" or blank in it */
			n = strlen(buf);
			strlcat(buf, fill, size);
			for (; r->uaddr && buf[n] != '\0'; n++)
				if (buf[n] == ':' || buf[n] == ' ' ||
				    buf[n] == '\t')
					buf[n] = '_';
			break;
		default:	/* any: the client's */
			strlcat(buf, fill, size);
			break;
		}
	}
}

/* A line for rule r: its first program, "*" read as "imap". */
static __unused void
inj_line(const struct rule *r, const char *msg, char *buf, size_t size)
{
	char	 prog[128];
	size_t	 i, n = 0;

	for (i = 0; r->progs[0][i] != '\0' && n < sizeof(prog) - 5; i++) {
		if (r->progs[0][i] == '*') {
			memcpy(prog + n, "imap", 4);
			n += 4;
		} else
			prog[n++] = r->progs[0][i];
	}
	prog[n] = '\0';
	if (strcmp(prog, "-") == 0)
		snprintf(buf, size, "2026-05-01 10:00:00 %s", msg);
	else
		snprintf(buf, size, "May  1 10:00:00 mx1 %s[123]: %s", prog,
		    msg);
}

#endif /* INJECT_H */
