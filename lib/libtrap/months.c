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
 * Month names of other languages.  journalctl -o short and short-precise
 * write the stamp with strftime's "%b %d %H:%M:%S" after setlocale(LC_ALL,
 * ""), so a German journal reads "Dez 03 17:00:01 mx1 sshd[1]: ...".  The
 * names are the abbreviated months (abmon) of glibc 2.36's locales
 * da_DK, de_AT, de_DE, fr_CA, fr_FR, es_ES, it_IT, pt_BR, nl_NL, pl_PL,
 * sv_SE, nb_NO, fi_FI, cs_CZ, sk_SK, ru_RU, uk_UA, tr_TR, hu_HU, ro_RO,
 * sl_SI, el_GR, bg_BG, lv_LV, lt_LT and sr_RS, in UTF-8, less the English
 * ones; no name stands for two months among them (hr_HR's would: its
 * "lis" is October, Polish and Czech "lis" November; ca_ES's have blanks,
 * et_EE's are padded with blanks: those are left out).
 */

#include "compat.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"
#include "envelope.h"

struct lmonth {
	const char	*name;
	size_t		 len;
	int		 mon;
};

/* In the order of their bytes, for bsearch. */
static const struct lmonth lmonths[] = {
	{ "Ara", 3, 12 },
	{ "A\304\237u", 4, 8 },
	{ "Dez", 3, 12 },
	{ "Eki", 3, 10 },
	{ "Eyl", 3, 9 },
	{ "Haz", 3, 6 },
	{ "J\303\244n", 4, 1 },
	{ "Kas", 3, 11 },
	{ "Mai", 3, 5 },
	{ "M\303\244r", 4, 3 },
	{ "Nis", 3, 4 },
	{ "Oca", 3, 1 },
	{ "Okt", 3, 10 },
	{ "Tem", 3, 7 },
	{ "abr", 3, 4 },
	{ "ago", 3, 8 },
	{ "ao\303\273", 4, 8 },
	{ "ao\303\273t", 5, 8 },
	{ "apr", 3, 4 },
	{ "april", 5, 4 },
	{ "aug", 3, 8 },
	{ "aug.", 4, 8 },
	{ "avg", 3, 8 },
	{ "avr", 3, 4 },
	{ "avril", 5, 4 },
	{ "bal.", 4, 4 },
	{ "bir\305\276.", 6, 6 },
	{ "b\305\231e", 4, 3 },
	{ "cze", 3, 6 },
	{ "dec", 3, 12 },
	{ "des.", 4, 12 },
	{ "dez", 3, 12 },
	{ "dic", 3, 12 },
	{ "dub", 3, 4 },
	{ "d\303\251c", 4, 12 },
	{ "d\303\251c.", 5, 12 },
	{ "elo", 3, 8 },
	{ "ene", 3, 1 },
	{ "feb", 3, 2 },
	{ "feb.", 4, 2 },
	{ "febr", 4, 2 },
	{ "fev", 3, 2 },
	{ "f\303\251v", 4, 2 },
	{ "f\303\251vr.", 6, 2 },
	{ "geg.", 4, 5 },
	{ "gen", 3, 1 },
	{ "giu", 3, 6 },
	{ "gru", 3, 12 },
	{ "gruod.", 6, 12 },
	{ "hein\303\244", 6, 7 },
	{ "helmi", 5, 2 },
	{ "huhti", 5, 4 },
	{ "ian", 3, 1 },
	{ "iul", 3, 7 },
	{ "iun", 3, 6 },
	{ "jan", 3, 1 },
	{ "jan.", 4, 1 },
	{ "janv.", 5, 1 },
	{ "joulu", 5, 12 },
	{ "jui", 3, 7 },
	{ "juil.", 5, 7 },
	{ "juin", 4, 6 },
	{ "jul", 3, 7 },
	{ "juli", 4, 7 },
	{ "jun", 3, 6 },
	{ "juni", 4, 6 },
	{ "j\303\272l", 4, 7 },
	{ "j\303\272n", 4, 6 },
	{ "j\305\253l", 4, 7 },
	{ "j\305\253n", 4, 6 },
	{ "kes\303\244", 5, 6 },
	{ "kov.", 4, 3 },
	{ "kv\304\233", 4, 5 },
	{ "kwi", 3, 4 },
	{ "lapkr.", 6, 11 },
	{ "led", 3, 1 },
	{ "liep.", 5, 7 },
	{ "lip", 3, 7 },
	{ "lis", 3, 11 },
	{ "loka", 4, 10 },
	{ "lug", 3, 7 },
	{ "lut", 3, 2 },
	{ "maalis", 6, 3 },
	{ "mag", 3, 5 },
	{ "mai", 3, 5 },
	{ "maj", 3, 5 },
	{ "mar", 3, 3 },
	{ "marras", 6, 11 },
	{ "mars", 4, 3 },
	{ "may", 3, 5 },
	{ "mei", 3, 5 },
	{ "mrt", 3, 3 },
	{ "m\303\241j", 4, 5 },
	{ "m\303\241rc", 5, 3 },
	{ "nov", 3, 11 },
	{ "nov.", 4, 11 },
	{ "oct", 3, 10 },
	{ "oct.", 4, 10 },
	{ "okt", 3, 10 },
	{ "okt.", 4, 10 },
	{ "ott", 3, 10 },
	{ "out", 3, 10 },
	{ "pa\305\272", 4, 10 },
	{ "pro", 3, 12 },
	{ "rugp.", 5, 8 },
	{ "rugs.", 5, 9 },
	{ "saus.", 5, 1 },
	{ "sep", 3, 9 },
	{ "sep.", 4, 9 },
	{ "sept.", 5, 9 },
	{ "set", 3, 9 },
	{ "sie", 3, 8 },
	{ "spal.", 5, 10 },
	{ "srp", 3, 8 },
	{ "sty", 3, 1 },
	{ "syys", 4, 9 },
	{ "szept", 5, 9 },
	{ "tammi", 5, 1 },
	{ "touko", 5, 5 },
	{ "vas.", 4, 2 },
	{ "wrz", 3, 9 },
	{ "z\303\241\305\231", 5, 9 },
	{ "\303\241pr", 4, 4 },
	{ "\303\272no", 4, 2 },
	{ "\304\215ec", 4, 7 },
	{ "\304\215en", 4, 6 },
	{ "\305\231\303\255j", 5, 10 },
	{ "\305\236ub", 4, 2 },
	{ "\316\221\317\200\317\201", 6, 4 },
	{ "\316\221\317\205\316\263", 6, 8 },
	{ "\316\224\316\265\316\272", 6, 12 },
	{ "\316\231\316\261\316\275", 6, 1 },
	{ "\316\231\316\277\317\205\316\273", 8, 7 },
	{ "\316\231\316\277\317\205\316\275", 8, 6 },
	{ "\316\234\316\261\316\220", 6, 5 },
	{ "\316\234\316\261\317\201", 6, 3 },
	{ "\316\235\316\277\316\265", 6, 11 },
	{ "\316\237\316\272\317\204", 6, 10 },
	{ "\316\243\316\265\317\200", 6, 9 },
	{ "\316\246\316\265\316\262", 6, 2 },
	{ "\320\260\320\262\320\263", 6, 8 },
	{ "\320\260\320\277\321\200", 6, 4 },
	{ "\320\261\320\265\321\200", 6, 3 },
	{ "\320\262\320\265\321\200", 6, 9 },
	{ "\320\263\321\200\321\203", 6, 12 },
	{ "\320\264\320\265\320\272", 6, 12 },
	{ "\320\264\320\265\321\206", 6, 12 },
	{ "\320\266\320\276\320\262", 6, 10 },
	{ "\320\270\321\216\320\273", 6, 7 },
	{ "\320\270\321\216\320\275", 6, 6 },
	{ "\320\272\320\262\321\226", 6, 4 },
	{ "\320\273\320\270\320\277", 6, 7 },
	{ "\320\273\320\270\321\201", 6, 11 },
	{ "\320\273\321\216\321\202", 6, 2 },
	{ "\320\274\320\260\320\271", 6, 5 },
	{ "\320\274\320\260\321\200", 6, 3 },
	{ "\320\274\320\260\321\217", 6, 5 },
	{ "\320\274\320\260\321\230", 6, 5 },
	{ "\320\275\320\276\320\262", 6, 11 },
	{ "\320\275\320\276\320\265", 6, 11 },
	{ "\320\275\320\276\321\217", 6, 11 },
	{ "\320\276\320\272\321\202", 6, 10 },
	{ "\321\201\320\265\320\275", 6, 9 },
	{ "\321\201\320\265\320\277", 6, 9 },
	{ "\321\201\320\265\321\200", 6, 8 },
	{ "\321\201\321\226\321\207", 6, 1 },
	{ "\321\202\321\200\320\260", 6, 5 },
	{ "\321\204\320\265\320\261", 6, 2 },
	{ "\321\204\320\265\320\262", 6, 2 },
	{ "\321\207\320\265\321\200", 6, 6 },
	{ "\321\216\320\273\320\270", 6, 7 },
	{ "\321\216\320\275\320\270", 6, 6 },
	{ "\321\217\320\275\320\262", 6, 1 },
	{ "\321\217\320\275\321\203", 6, 1 },
	{ "\321\230\320\260\320\275", 6, 1 },
	{ "\321\230\321\203\320\273", 6, 7 },
	{ "\321\230\321\203\320\275", 6, 6 },
};

struct lkey {
	const char	*p;
	size_t		 len;
};

static int
lcmp(const void *a, const void *b)
{
	const struct lkey	*k = a;
	const struct lmonth	*m = b;
	int			 c;

	c = memcmp(k->p, m->name, k->len < m->len ? k->len : m->len);
	if (c != 0)
		return c;
	return (k->len > m->len) - (k->len < m->len);
}

/*
 * If p begins with a month's name of another language and a blank: the
 * name's length, the month in *mon; else 0.
 */
size_t
env_localmonth(const char *p, const char *end, int *mon)
{
	const struct lmonth	*m;
	struct lkey		 k;
	const char		*q;

	for (q = p; q < end && q - p <= 8 && *q != ' '; q++)
		continue;
	if (q == p || q >= end || *q != ' ')
		return 0;
	k.p = p;
	k.len = q - p;
	m = bsearch(&k, lmonths, sizeof(lmonths) / sizeof(lmonths[0]),
	    sizeof(lmonths[0]), lcmp);
	if (m == NULL)
		return 0;
	*mon = m->mon;
	return m->len;
}
