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
 * journalctl -o json (one entry a line since systemd 190), json-sse (195)
 * and json-seq (240): a JSON object of the entry's fields, in the order
 * the journal holds them (a hash table's from 240).  systemd (logs-show.c)
 * writes each value as a string, "\"" and "\\" escaped, a newline as \n, a
 * tab as \t (\u0009 in 193-239), other control bytes as \u00XX; never
 * "/" or printable ASCII escaped.  A value that is not printable UTF-8
 * (a CR, ESC, DEL, C1 bytes) is an array of its bytes, a field with
 * several values an array of them (196 on; the key repeated before), one
 * of 4096 bytes or more null (193 on, without --all).  Before 240 there
 * are blanks around ':' and after ','.  The fields taken:
 *
 *	__REALTIME_TIMESTAMP	microseconds since the epoch: the time
 *	_HOSTNAME		the host (journald's, not the client's)
 *	SYSLOG_IDENTIFIER	the tag (else _COMM, the process name)
 *	_PID			the process (else SYSLOG_PID)
 *	MESSAGE			the message
 *	_TRANSPORT		"stdout" entries are not read
 *
 * A daemon's escaped quote cannot end a value, so the message cannot
 * forge another field.  A line with a field taken twice, a message that
 * is not a string, or a stream's entry (_TRANSPORT=stdout: journald cuts
 * a stream's line at LineMax= and the rest, text the client may have
 * chosen, becomes an entry of its own) is not read.
 */

#include "compat.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "trap.h"
#include "envelope.h"

enum jfield {
	J_TIME, J_HOST, J_IDENT, J_COMM, J_PID, J_SPID, J_MSG, J_TRANSPORT,
	J_N
};

static const struct {
	const char	*name;
	size_t		 len;
} jnames[J_N] = {
	{ "__REALTIME_TIMESTAMP", 20 },
	{ "_HOSTNAME", 9 },
	{ "SYSLOG_IDENTIFIER", 17 },
	{ "_COMM", 5 },
	{ "_PID", 4 },
	{ "SYSLOG_PID", 10 },
	{ "MESSAGE", 7 },
	{ "_TRANSPORT", 10 },
};

/* A field's value: a string (its text between the quotes) or not. */
struct jval {
	const char	*p;
	size_t		 len;
	int		 seen, string, escaped;
};

static const char *
skipws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* The string at p (after its quote) to its closing quote, or NULL. */
static const char *
jstring(const char *p, const char *end, int *escaped)
{
	for (*escaped = 0; p < end; p++) {
		if (*p == '"')
			return p;
		if (*p == '\\') {
			*escaped = 1;
			if (++p == end)
				return NULL;
		}
	}
	return NULL;
}

/* Past any value that is not a string: null, a number, an array. */
static const char *
jother(const char *p, const char *end)
{
	int	 depth = 0, esc;

	for (; p < end; p++) {
		if (*p == '"') {
			if ((p = jstring(p + 1, end, &esc)) == NULL)
				return NULL;
		} else if (*p == '[' || *p == '{')
			depth++;
		else if (*p == ']' || *p == '}') {
			if (depth == 0)
				return p;
			depth--;
		} else if (*p == ',' && depth == 0)
			return p;
	}
	return NULL;
}

static int
jfield(const char *key, size_t len)
{
	int	 i;

	for (i = 0; i < J_N; i++)
		if (jnames[i].len == len && memcmp(jnames[i].name, key, len) == 0)
			return i;
	return -1;
}

/* The object at p, its fields taken into v; 0, or -1 if not one. */
static int
jobject(const char *p, const char *end, struct jval v[J_N])
{
	const char	*key, *q;
	int		 f, esc;

	p = skipws(p + 1, end);
	if (p < end && *p == '}')
		return 0;
	for (;;) {
		if (p >= end || *p != '"' ||
		    (q = jstring(p + 1, end, &esc)) == NULL || esc)
			return -1;
		key = p + 1;
		f = jfield(key, q - key);
		p = skipws(q + 1, end);
		if (p >= end || *p != ':')
			return -1;
		p = skipws(p + 1, end);
		if (f != -1 && v[f].seen++)
			return -1;			/* taken twice */
		if (p < end && *p == '"') {
			if ((q = jstring(p + 1, end, &esc)) == NULL)
				return -1;
			if (f != -1) {
				v[f].string = 1;
				v[f].escaped = esc;
				v[f].p = p + 1;
				v[f].len = q - (p + 1);
			}
			q++;
		} else if ((q = jother(p, end)) == NULL)
			return -1;
		p = skipws(q, end);
		if (p < end && *p == '}')
			return 0;
		if (p >= end || *p != ',')
			return -1;
		p = skipws(p + 1, end);
	}
}

/* A string value without escapes, in *s; 0, or -1 if there is none. */
static int
plain(const struct jval *v, struct trap_str *s)
{
	if (!v->seen || !v->string || v->escaped || v->len == 0)
		return -1;
	s->p = v->p;
	s->len = v->len;
	return 0;
}

/* The time: microseconds since the epoch, as digits. */
static int
jtime(const struct jval *v, struct env *e)
{
	long long	 us = 0;
	size_t		 i;

	if (!v->seen || !v->string || v->len == 0 || v->len > 18)
		return -1;
	for (i = 0; i < v->len; i++) {
		if (!isdigit((unsigned char)v->p[i]))
			return -1;
		us = us * 10 + (v->p[i] - '0');
	}
	e->abs = 1;
	e->t = us / 1000000;
	if (e->t > TIMEMAX)
		e->badtime = 1;
	return 0;
}

/*
 * An entry of journalctl -o json at p (its '{'): 0 with e filled in (if
 * e->escaped, the message is still as JSON writes it: see env_unescape),
 * or -1 if it is not one that may be read.
 */
int
env_json(const char *p, const char *end, struct env *e)
{
	struct jval	 v[J_N];
	struct trap_str	 t;

	memset(v, 0, sizeof(v));
	if (jobject(p, end, v) == -1 || jtime(&v[J_TIME], e) == -1 ||
	    !v[J_MSG].seen || !v[J_MSG].string)
		return -1;
	if (plain(&v[J_TRANSPORT], &t) == 0 && t.len == 6 &&
	    memcmp(t.p, "stdout", 6) == 0)
		return -1;
	if (v[J_HOST].seen && plain(&v[J_HOST], &e->host) == -1)
		return -1;
	if (plain(&v[J_IDENT], &e->prog) == -1 &&
	    plain(&v[J_COMM], &e->prog) == -1)
		e->prog.len = 0;
	if (plain(&v[J_PID], &e->pid) == -1 &&
	    plain(&v[J_SPID], &e->pid) == -1)
		e->pid.len = 0;
	if (strspn(e->pid.p, "0123456789") < e->pid.len)
		return -1;
	e->msg.p = v[J_MSG].p;
	e->msg.len = v[J_MSG].len;
	e->escaped = v[J_MSG].escaped;
	return 0;
}

static int
hex4(const char *p, unsigned int *u)
{
	int	 i, c;

	for (*u = 0, i = 0; i < 4; i++) {
		c = (unsigned char)p[i];
		if (!isxdigit(c))
			return -1;
		*u = *u * 16 + (isdigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return 0;
}

/* Code point u (not a surrogate) as UTF-8 at q; its length. */
static size_t
utf8(char *q, unsigned int u)
{
	if (u < 0x80) {
		q[0] = u;
		return 1;
	}
	if (u < 0x800) {
		q[0] = 0xc0 | (u >> 6);
		q[1] = 0x80 | (u & 0x3f);
		return 2;
	}
	q[0] = 0xe0 | (u >> 12);
	q[1] = 0x80 | ((u >> 6) & 0x3f);
	q[2] = 0x80 | (u & 0x3f);
	return 3;
}

/*
 * The message of an entry env_json read with escapes, decoded into buf
 * (at least e->msg.len bytes), e->msg made to point there.  0, or -1 if
 * it holds an escape systemd does not write: of a NUL, of a printable
 * ASCII character (\/ and \u0041: systemd writes them as they are, and
 * text decoded from them would not be what trapextract looks for before
 * it parses a line), of a surrogate, or one JSON does not have.
 */
int
env_unescape(struct env *e, char *buf)
{
	const char	*p = e->msg.p, *end = p + e->msg.len;
	char		*q = buf;
	unsigned int	 u;

	while (p < end) {
		if (*p != '\\') {
			*q++ = *p++;
			continue;
		}
		if (++p == end)
			return -1;
		switch (*p++) {
		case '"': *q++ = '"'; break;
		case '\\': *q++ = '\\'; break;
		case 'b': *q++ = '\b'; break;
		case 'f': *q++ = '\f'; break;
		case 'n': *q++ = '\n'; break;
		case 'r': *q++ = '\r'; break;
		case 't': *q++ = '\t'; break;
		case 'u':
			if (end - p < 4 || hex4(p, &u) == -1 || u == 0 ||
			    (u >= ' ' && u < 0x7f) ||
			    (u >= 0xd800 && u <= 0xdfff))
				return -1;
			p += 4;
			q += utf8(q, u);
			break;
		default:
			return -1;
		}
	}
	e->msg.p = buf;
	e->msg.len = q - buf;
	e->escaped = 0;
	return 0;
}
