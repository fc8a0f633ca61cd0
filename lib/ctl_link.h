/* A daemon's link to another daemon's control socket, driven by the event loop: it connects
 * (and reconnects, every HS_CTL_LINK_RETRY_MS, when the other daemon is not there or goes away),
 * sends requests without waiting, hands answers to a callback, and delivers subscribed events.
 * Requests made while disconnected are refused (-ENOTCONN): a link's user pushes its whole state
 * again from the connected callback, so nothing is lost across a restart of either daemon. */
#ifndef HS_CTL_LINK_H
#define HS_CTL_LINK_H

#include <jansson.h>
#include <stdbool.h>

#define HS_CTL_LINK_RETRY_MS 200

struct hs_loop;
struct hs_ctl_link;

struct hs_ctl_link_ops {
	void (*connected)(struct hs_ctl_link *l, void *arg);
	void (*disconnected)(struct hs_ctl_link *l, void *arg);
	/* An event the link subscribed to; data is borrowed. */
	void (*event)(struct hs_ctl_link *l, const char *event, json_t *data, void *arg);
};

/* The answer to one request (the whole response object, borrowed), or NULL when the link went
 * down before it came. */
typedef void (*hs_ctl_answer_cb)(json_t *response, void *arg);

/* events: NULL-terminated names to subscribe to on every connect, or NULL for none. */
int hs_ctl_link_open(struct hs_ctl_link **out, struct hs_loop *loop, const char *rundir,
		     const char *daemon, const char *const *events,
		     const struct hs_ctl_link_ops *ops, void *arg);
/* Queues a request; args is stolen (may be NULL). 0: cb is called exactly once, later (never
 * inside this call), with the answer or with NULL (the link went down); or -ENOTCONN / -ENOMEM,
 * and cb is never called. */
int hs_ctl_link_request(struct hs_ctl_link *l, const char *cmd, json_t *args, hs_ctl_answer_cb cb,
			void *cb_arg);
bool hs_ctl_link_up(const struct hs_ctl_link *l);
const char *hs_ctl_link_daemon(const struct hs_ctl_link *l);
void hs_ctl_link_close(struct hs_ctl_link *l);

#endif
