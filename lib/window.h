/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Weekly time windows as a policy writes them: "Mon-Fri 01:00-03:00",
 * "Sat,Sun", "22:00-02:00 UTC+02:00". A window is the minutes of the
 * week it holds, in UTC: the kernels' time matches (nft's meta day and
 * meta hour, iptables' -m time --utc) see UTC, so a zone is a fixed
 * offset applied here, once (a named zone's daylight saving time would
 * move the window twice a year; none is taken).
 *
 *   window  = [days] [times] [zone], days or times given
 *   days    = day ["-" day] {"," day ["-" day]}    Mon..Sun; Fri-Mon wraps
 *   times   = HH:MM "-" HH:MM    from the first minute up to (not with)
 *                                the second; 24:00 ends a day; an end at
 *                                or before the start ends the next day
 *   zone    = "UTC" ["+"|"-" HH:MM] | ("+"|"-") HH:MM
 *
 * Days without times are whole days; times without days are every day.
 * The days say when a window starts: "Fri 22:00-02:00" ends on Saturday. */
#ifndef EGRESSC_WINDOW_H
#define EGRESSC_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#define WEEK_MINUTES (7u * 24u * 60u)
#define DAY_MINUTES (24u * 60u)

/* Minutes of the week, Monday 00:00 UTC being 0: [lo, hi), hi at most
 * WEEK_MINUTES. */
struct week_span {
	uint16_t lo, hi;
};

/* A window's spans, sorted and merged (none adjacent), at most one per day
 * and a wrap: this many suffice for any window. */
#define WINDOW_MAX_SPANS 16

struct window {
	struct week_span spans[WINDOW_MAX_SPANS];
	size_t n;
};

/* Parses TEXT into *W. Returns 0, or -1 with *WHY a message (static) and
 * *AT the offset in TEXT it is about. An empty window (a start equal to
 * its end) is an error. */
int window_parse(const char *text, struct window *w, const char **why, size_t *at);

/* One piece of a window on a set of days, as the kernels match it: the
 * days (bit 0 Monday ... bit 6 Sunday) and the minutes of the day, [lo, hi)
 * (hi at most DAY_MINUTES). */
struct window_piece {
	unsigned days;
	uint16_t lo, hi;
};

/* A day holds at most two pieces of a window (its end from the day
 * before, its start): at most two per day. */
#define WINDOW_MAX_PIECES 14

/* W's pieces, one per distinct [lo, hi), in order of lo, then hi, into
 * OUT. Returns how many. */
size_t window_pieces(const struct window *w, struct window_piece out[WINDOW_MAX_PIECES]);

/* Whether W holds the minute of the week T. */
int window_holds(const struct window *w, unsigned t);

/* "Mon 01:00" (UTC) into a minute of the week; -1 if it is not one. */
int window_parse_instant(const char *text);

/* The three-letter name of day D (0 Monday). */
const char *window_day_name(unsigned d);

#endif
