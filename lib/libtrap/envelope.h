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

/* envelope.h: the syslog envelope and its time, internal to libtrap. */

#ifndef ENVELOPE_H
#define ENVELOPE_H

#define MAXCOUNT	1000000	/* attempts one line may report */
#define TIMEMAX		253402300799LL	/* 9999-12-31T23:59:59Z: trap(5)'s last */

/* What precedes the message. */
struct env {
	int		 abs;		/* t is UTC */
	int		 space;		/* ISO stamp with a space, not T; */
					/* 2: and a zone after a blank */
	int		 badtime;	/* a stamp that cannot be */
	int		 guessed;	/* unknown envelope: no time of its own */
	int		 escaped;	/* msg still in JSON's escapes */
	time_t		 t;
	int		 year;		/* 0: unknown (RFC 3164) */
	int		 mon, mday, hour, min, sec;
	struct trap_str	 host, prog, pid, msg;
	long long	 repeat;	/* "message repeated N times" */
	int		 repcut;	/* its message perhaps cut (rsyslog) */
	long long	 lastrepeat;	/* BSD "last message repeated" */
};

/*
 * What RFC 3164 stamps need: the reference for the year, and caches of
 * the local time conversion (the offset of a day without a transition,
 * the readings of one minute of a day with one).
 */
struct env_clock {
	int		 refyear;	/* the reference time plus one day */
	long		 reftuple;	/* its MMDDhhmmss as a number */
	time_t		 lastlocal;	/* the latest local time read */
	int		 day_year, day_mon, day_mday;
	int		 day_valid;	/* 1: one offset, -1: a transition */
	long		 day_off;
	int		 min_year, min_mon, min_mday, min_hour, min_min;
	int		 min_valid;	/* readings of that minute: 0, 1, 2 */
	time_t		 min_early, min_late;
};

void	 env_clock_ref(struct env_clock *, time_t);
int	 env_parse(const char *, size_t, struct env *);
int	 env_guess(const char *, size_t, struct env *);
int	 env_msgword(const char *, size_t);
int	 env_textword(const char *, size_t);
int	 env_isexim(const struct env *);
int	 env_pidlesstag(const char *, size_t);
void	 env_bare(const char *, size_t, struct env *);
int	 env_stamped(const char *, size_t, struct env *);
long long env_ownrepeat(const struct env *);
int	 env_time(struct env_clock *, const struct env *, time_t *);
void	 env_unwrap(struct env *);
int	 env_noguess(const char *, size_t);
size_t	 env_localmonth(const char *, const char *, int *);
int	 env_prefixed(const char *, size_t, struct env *);
int	 env_json(const char *, const char *, struct env *);
int	 env_unescape(struct env *, char *);
long long env_sngrepeat(const struct env *, struct trap_str *);

#endif /* ENVELOPE_H */
