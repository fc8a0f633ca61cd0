/* The /metrics endpoint, served by libmicrohttpd on its own thread: each GET is one scrape. */
#ifndef HS_HTTP_H
#define HS_HTTP_H

#include <sys/socket.h>

#include "scrape.h"

struct hs_http;

/* Listens on sa and serves until hs_http_stop(). Returns 0 or a negative errno. */
int hs_http_start(const struct sockaddr *sa, const struct hs_scrape_opts *o, struct hs_http **out);
void hs_http_stop(struct hs_http *h);

#endif
