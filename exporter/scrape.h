/* One scrape: asks each daemon on its control socket what hrpctl's display commands ask, and
 * turns the answers into the text format. A daemon that cannot be reached is
 * hotstandby_up{daemon="..."} 0, never a failed scrape. */
#ifndef HS_SCRAPE_H
#define HS_SCRAPE_H

#include <stddef.h>

struct hs_scrape_opts {
	const char *rundir;
	int timeout_ms; /* per daemon: its calls share one connection and this deadline each */
};

/* Returns 0 with the text in *text (malloc'd, *len bytes), or a negative errno (no memory).
 * Serialised: callers from two threads take turns. */
int hs_scrape(const struct hs_scrape_opts *o, char **text, size_t *len);

#endif
