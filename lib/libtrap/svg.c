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
 * SVG charts for traprank(1) and trapforecast(1).  The documents are
 * self-contained: no script, no style sheet, no font but the generic
 * families, no link to anything.  Every string is escaped for XML and
 * made valid UTF-8 on the way out, so that the document is well-formed
 * whatever the attacker put in a name.  Coordinates are written with at
 * most two decimals; no libm, so that the library does not need it.
 */

#include "compat.h"

#include <sys/types.h>

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"

struct trap_svg {
	FILE	*fp;
	int	 clips;		/* clip paths defined */
	int	 inclip;
};

/* x with at most two decimals, no trailing zeros: "12", "12.5", "-3.25" */
static void
num(FILE *fp, double x)
{
	char	 buf[64];
	size_t	 n;

	if (!(x > -1e9 && x < 1e9))	/* NaN, or absurd: keep it valid */
		x = 0;
	snprintf(buf, sizeof(buf), "%.2f", x);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (strcmp(buf, "-0") == 0)
		strlcpy(buf, "0", sizeof(buf));
	fputs(buf, fp);
}

/*
 * The length of the UTF-8 character at p, or 0 if it is not one or is
 * U+FFFE or U+FFFF, which XML does not allow.
 */
static size_t
utf8len(const unsigned char *p, size_t len)
{
	size_t	 n = trap_utf8len(p, len);

	if (n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
		return 0;
	return n;
}

/*
 * Text for XML character data or an attribute value: & < > " ' as
 * entities; a control character, DEL, or a byte that does not start a
 * valid UTF-8 character (or one that XML does not allow) as '?'.
 */
void
trap_svg_escape(FILE *fp, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n;

	for (i = 0; i < len; i += n) {
		n = 1;
		switch (p[i]) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&apos;", fp);
			break;
		default:
			if (p[i] < 0x20 || p[i] == 0x7f)
				putc('?', fp);
			else if (p[i] < 0x80)
				putc(p[i], fp);
			else if ((n = utf8len(p + i, len - i)) > 0)
				fwrite(p + i, 1, n, fp);
			else {
				putc('?', fp);
				n = 1;
			}
			break;
		}
	}
}

static void
attr(FILE *fp, const char *name, const char *value)
{
	fprintf(fp, " %s=\"", name);
	trap_svg_escape(fp, value, strlen(value));
	putc('"', fp);
}

static void
nattr(FILE *fp, const char *name, double value)
{
	fprintf(fp, " %s=\"", name);
	num(fp, value);
	putc('"', fp);
}

struct trap_svg *
trap_svg_begin(FILE *fp, int width, int height, const char *title)
{
	struct trap_svg	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		err(trap_eval, NULL);
	s->fp = fp;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", fp);
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "font-family=\"sans-serif\" font-size=\"12\">\n",
	    width, height, width, height);
	fputs("<title>", fp);
	trap_svg_escape(fp, title, strlen(title));
	fputs("</title>\n", fp);
	fprintf(fp, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
	    width, height);
	return s;
}

int
trap_svg_end(struct trap_svg *s)
{
	FILE	*fp = s->fp;

	trap_svg_unclip(s);
	fputs("</svg>\n", fp);
	free(s);
	return ferror(fp) ? -1 : 0;
}

void
trap_svg_text(struct trap_svg *s, double x, double y, int flags,
    const char *text)
{
	FILE	*fp = s->fp;

	fputs("<text", fp);
	nattr(fp, "x", x);
	nattr(fp, "y", y);
	if (flags & TRAP_SVG_MIDDLE)
		fputs(" text-anchor=\"middle\"", fp);
	else if (flags & TRAP_SVG_END)
		fputs(" text-anchor=\"end\"", fp);
	if (flags & TRAP_SVG_BIG)
		fputs(" font-size=\"16\"", fp);
	else if (flags & TRAP_SVG_SMALL)
		fputs(" font-size=\"11\"", fp);
	if (flags & TRAP_SVG_BOLD)
		fputs(" font-weight=\"bold\"", fp);
	if (flags & TRAP_SVG_MONO)
		fputs(" font-family=\"monospace\"", fp);
	fputs((flags & TRAP_SVG_GRAY) ? " fill=\"#555555\"" :
	    " fill=\"#222222\"", fp);
	if (flags & TRAP_SVG_UP) {
		fputs(" transform=\"rotate(-90 ", fp);
		num(fp, x);
		putc(' ', fp);
		num(fp, y);
		fputs(")\"", fp);
	}
	putc('>', fp);
	trap_svg_escape(fp, text, strlen(text));
	fputs("</text>\n", fp);
}

void
trap_svg_textf(struct trap_svg *s, double x, double y, int flags,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) == -1)
		err(trap_eval, NULL);
	va_end(ap);
	trap_svg_text(s, x, y, flags, p);
	free(p);
}

void
trap_svg_rect(struct trap_svg *s, double x, double y, double w, double h,
    const char *fill)
{
	FILE	*fp = s->fp;

	fputs("<rect", fp);
	nattr(fp, "x", x);
	nattr(fp, "y", y);
	nattr(fp, "width", w < 0 ? 0 : w);
	nattr(fp, "height", h < 0 ? 0 : h);
	attr(fp, "fill", fill);
	fputs(" shape-rendering=\"crispEdges\"/>\n", fp);
}

static void
stroke(FILE *fp, const char *color, double width, double dash)
{
	attr(fp, "stroke", color);
	nattr(fp, "stroke-width", width);
	if (dash > 0) {
		fputs(" stroke-dasharray=\"", fp);
		num(fp, dash);
		putc(' ', fp);
		num(fp, dash);
		putc('"', fp);
	}
}

void
trap_svg_line(struct trap_svg *s, double x1, double y1, double x2,
    double y2, const char *color, double width, double dash)
{
	FILE	*fp = s->fp;

	fputs("<line", fp);
	nattr(fp, "x1", x1);
	nattr(fp, "y1", y1);
	nattr(fp, "x2", x2);
	nattr(fp, "y2", y2);
	stroke(fp, color, width, dash);
	fputs("/>\n", fp);
}

void
trap_svg_poly(struct trap_svg *s, const double *xy, size_t n,
    const char *color, double width, double dash, const char *fill)
{
	FILE	*fp = s->fp;
	size_t	 i;

	if (n == 0)
		return;
	fputs(fill != NULL ? "<polygon points=\"" : "<polyline points=\"",
	    fp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			putc(i % 8 ? ' ' : '\n', fp);
		num(fp, xy[2 * i]);
		putc(',', fp);
		num(fp, xy[2 * i + 1]);
	}
	putc('"', fp);
	attr(fp, "fill", fill != NULL ? fill : "none");
	if (color != NULL) {
		stroke(fp, color, width, dash);
		fputs(" stroke-linejoin=\"round\"", fp);
	}
	fputs("/>\n", fp);
}

void
trap_svg_circle(struct trap_svg *s, double x, double y, double r,
    const char *fill)
{
	FILE	*fp = s->fp;

	fputs("<circle", fp);
	nattr(fp, "cx", x);
	nattr(fp, "cy", y);
	nattr(fp, "r", r);
	attr(fp, "fill", fill);
	fputs("/>\n", fp);
}

void
trap_svg_clip(struct trap_svg *s, double x, double y, double w, double h)
{
	FILE	*fp = s->fp;

	trap_svg_unclip(s);
	s->clips++;
	fprintf(fp, "<clipPath id=\"clip%d\"><rect", s->clips);
	nattr(fp, "x", x);
	nattr(fp, "y", y);
	nattr(fp, "width", w);
	nattr(fp, "height", h);
	fprintf(fp, "/></clipPath>\n<g clip-path=\"url(#clip%d)\">\n",
	    s->clips);
	s->inclip = 1;
}

void
trap_svg_unclip(struct trap_svg *s)
{
	if (s->inclip)
		fputs("</g>\n", s->fp);
	s->inclip = 0;
}

/* Ticks. */

static double
pow10i(int e)
{
	double	 p = 1;

	for (; e > 0; e--)
		p *= 10;
	for (; e < 0; e++)
		p /= 10;
	return p;
}

static double
ceil_(double x)
{
	long long	 i = (long long)x;

	return (double)i < x ? i + 1 : i;
}

/*
 * At most max (at least 2) ticks from lo up to the first at or above hi,
 * at a step of 1, 2 or 5 times a power of ten (a whole number if
 * integral).  Ticks are written to t[0..n-1]; their number is returned.
 */
size_t
trap_svg_ticks(double lo, double hi, size_t max, int integral,
    struct trap_svg_tick *t, size_t n)
{
	static const double	 m[] = { 1, 2, 5 };
	double			 step = 1, v;
	size_t			 i, k;
	int			 e, dec;

	if (max < 2)
		max = 2;
	if (!(hi > lo))
		hi = lo + (integral ? 1 : 1e-6);
	for (e = -6; e < 19; e++)
		for (i = 0; i < 3; i++) {
			step = m[i] * pow10i(e);
			if (integral && step < 1)
				continue;
			if (ceil_((hi - lo) / step - 1e-9) + 1 <= max)
				goto found;
		}
 found:
	for (dec = 0; dec < 6; dec++) {
		v = step * pow10i(dec);
		if (v == (double)(long long)v)
			break;
	}
	for (k = 0; k < n; k++) {
		v = lo + k * step;
		t[k].v = v;
		snprintf(t[k].label, sizeof(t[k].label), "%.*f", dec, v);
		if (v >= hi - step * 1e-9) {
			k++;
			break;
		}
	}
	return k;
}

/*
 * Date ticks between lo and hi, in days since 1970-01-01 (civil days:
 * day D is the date of trap_time_fmt(D * 86400)): at most max of them, at
 * a step of 1, 2 or 7 days (labels YYYY-MM-DD), 1, 2, 3 or 6 months
 * (the first of the month: YYYY-MM) or years (YYYY).
 */
size_t
trap_svg_dayticks(double lo, double hi, size_t max, struct trap_svg_tick *t,
    size_t n)
{
	static const int	 days[] = { 1, 2, 7, 14 };
	static const int	 months[] = { 1, 2, 3, 6, 12, 24, 60, 120,
	    240, 600, 1200 };
	char			 buf[TRAP_TIMELEN];
	long long		 d, first, mi;
	size_t			 i, k = 0;
	int			 step;

	if (max < 1)
		max = 1;
	first = (long long)lo;
	if (first < lo)
		first++;
	for (i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		step = days[i];
		d = first;
		if (step >= 7)		/* Mondays; day 0 was a Thursday */
			d += (7 - ((d + 3) % 7 + 7) % 7) % 7;
		if ((hi - d) / step + 1 > max)
			continue;
		for (; d <= hi && k < n; d += step) {
			trap_time_fmt((time_t)d * 86400, buf);
			t[k].v = d;
			snprintf(t[k].label, sizeof(t[k].label), "%.10s", buf);
			k++;
		}
		return k;
	}
	trap_time_fmt((time_t)first * 86400, buf);
	mi = atoi(buf) * 12LL + atoi(buf + 5) - 1;
	if (atoi(buf + 8) != 1)
		mi++;
	for (i = 0; i < sizeof(months) / sizeof(months[0]); i++) {
		step = months[i];
		if ((hi - lo) / (30.4 * step) > max)
			continue;
		for (mi = (mi + step - 1) / step * step; k < n; mi += step) {
			d = trap_timegm(mi / 12, mi % 12 + 1, 1, 0, 0, 0) /
			    86400;
			if (d > hi)
				break;
			t[k].v = d;
			if (step % 12 == 0)
				snprintf(t[k].label, sizeof(t[k].label),
				    "%lld", mi / 12);
			else
				snprintf(t[k].label, sizeof(t[k].label),
				    "%04lld-%02lld", mi / 12, mi % 12 + 1);
			k++;
		}
		return k;
	}
	return k;
}

/* Plot boxes: data to pixels. */

double
trap_svg_x(const struct trap_svg_box *b, double v)
{
	if (b->xhi == b->xlo)
		return b->x + b->w / 2;
	return b->x + (v - b->xlo) / (b->xhi - b->xlo) * b->w;
}

double
trap_svg_y(const struct trap_svg_box *b, double v)
{
	if (b->yhi == b->ylo)
		return b->y + b->h;
	return b->y + b->h - (v - b->ylo) / (b->yhi - b->ylo) * b->h;
}

/*
 * The y axis from 0 to a tick at or above max: grid lines with their
 * labels left of the box, the axis title turned up along the left edge.
 * Sets the box's ylo and yhi.
 */
void
trap_svg_yaxis(struct trap_svg *s, struct trap_svg_box *b, double max,
    int integral, const char *title)
{
	struct trap_svg_tick	 t[16];
	size_t			 n, i;
	double			 y;

	n = trap_svg_ticks(0, max, 6, integral, t, 16);
	b->ylo = 0;
	b->yhi = t[n - 1].v;
	for (i = 0; i < n; i++) {
		y = trap_svg_y(b, t[i].v);
		trap_svg_line(s, b->x, y, b->x + b->w, y,
		    i == 0 ? "#333333" : "#dddddd", 1, 0);
		trap_svg_text(s, b->x - 6, y + 4, TRAP_SVG_END | TRAP_SVG_SMALL,
		    t[i].label);
	}
	if (title != NULL)
		trap_svg_text(s, 16, b->y + b->h / 2,
		    TRAP_SVG_UP | TRAP_SVG_MIDDLE | TRAP_SVG_GRAY, title);
}

/*
 * The x axis as dates (the box's xlo and xhi are civil days): a tick
 * under every day if they are at least 4 pixels apart (with minor), and
 * labelled ticks at most 90 pixels apart; the title centred under them.
 */
void
trap_svg_xdays(struct trap_svg *s, const struct trap_svg_box *b, int minor,
    const char *title)
{
	struct trap_svg_tick	 t[64];
	double			 x, base = b->y + b->h, d, pxday;
	size_t			 n, i;

	pxday = b->xhi > b->xlo ? b->w / (b->xhi - b->xlo) : b->w;
	n = trap_svg_dayticks(b->xlo, b->xhi, 1 + (size_t)(b->w / 90), t, 64);
	if (minor && pxday >= 4)
		for (d = (long long)b->xlo, i = 0; d <= b->xhi; d++) {
			while (i < n && t[i].v < d)
				i++;
			if (d < b->xlo || (i < n && t[i].v == d))
				continue;
			x = trap_svg_x(b, d);
			trap_svg_line(s, x, base, x, base + 4, "#333333", 1, 0);
		}
	for (i = 0; i < n; i++) {
		x = trap_svg_x(b, t[i].v);
		trap_svg_line(s, x, base, x, base + 7, "#333333", 1, 0);
		trap_svg_text(s, x, base + 19, TRAP_SVG_MIDDLE | TRAP_SVG_SMALL,
		    t[i].label);
	}
	if (title != NULL)
		trap_svg_text(s, b->x + b->w / 2, base + 38,
		    TRAP_SVG_MIDDLE | TRAP_SVG_GRAY, title);
}
