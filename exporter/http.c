/* The HTTP side: GET /metrics scrapes the daemons there and then (Prometheus decides how often);
 * GET / says where the metrics are; anything else is 404 or 405. */
#include "http.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define PREFIX       "[http]"
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct hs_http {
	struct MHD_Daemon *mhd;
	struct hs_scrape_opts opts;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, char *body, size_t len,
			      enum MHD_ResponseMemoryMode mode, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result fixed(struct MHD_Connection *c, unsigned status, const char *text)
{
	return answer(c, status, (char *)text, strlen(text), MHD_RESPMEM_PERSISTENT,
		      "text/plain; charset=utf-8");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct hs_http *h = cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return fixed(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	if (!strcmp(url, "/"))
		return fixed(c, MHD_HTTP_OK, "hotstandby exporter: the metrics are at /metrics\n");
	if (strcmp(url, "/metrics"))
		return fixed(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	char *text = NULL;
	size_t len = 0;
	int r = hs_scrape(&h->opts, &text, &len);
	if (r < 0) {
		hs_warn(PREFIX, "scrape failed: %s", strerror(-r));
		return fixed(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "scrape failed\n");
	}
	return answer(c, MHD_HTTP_OK, text, len, MHD_RESPMEM_MUST_FREE, CONTENT_TYPE);
}

int hs_http_start(const struct sockaddr *sa, const struct hs_scrape_opts *o, struct hs_http **out)
{
	struct hs_http *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->opts = *o;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* one thread, a few clients: Prometheus and an operator's curl; no one address may hold
	 * every connection, and an idle one is closed after 10 s */
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, sa,
				  MHD_OPTION_CONNECTION_LIMIT, 16u,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, 4u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!h->mhd) {
		free(h);
		return -EADDRNOTAVAIL;
	}
	*out = h;
	return 0;
}

void hs_http_stop(struct hs_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	free(h);
}
