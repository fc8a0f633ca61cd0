/* hrpd's four ctnetlink sockets, behind one object: kernel conntrack events, table dumps, the
 * requests that write the peer's sessions into our table, and single reads of an entry. libmnl
 * moves the messages, libnetfilter_conntrack builds and parses them; everything is converted to
 * and from the pure struct hs_sess (lib/hrp_session.h) here and nowhere else.
 *
 * Events caused by our own requests carry the request socket's netlink port id; a socket filter
 * on the event socket drops them in the kernel, so what we write for the peer never echoes back.
 * An overrun of the event socket (ENOBUFS) is reported, never swallowed: the caller owes the peer
 * a resync. So are lost answers of the request socket, with the ranges of their batch. */
#ifndef HRPD_SESS_CT_H
#define HRPD_SESS_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdpass.h"
#include "hrp_session.h"
#include "loop.h"

struct hrpd_ct;

enum hrpd_ct_apply_err {
	HRPD_CT_ERR_NOENT,  /* update or delete of an entry we do not have: created or gone */
	HRPD_CT_ERR_EXIST,
	HRPD_CT_ERR_INVAL,  /* the kernel refused the entry (e.g. NAT without nat tables) */
	HRPD_CT_ERR_NOMEM,  /* table full (nf_conntrack_max) or no memory */
	HRPD_CT_ERR_BUSY,   /* a change the kernel does not allow on a live entry (NAT, helper) */
	HRPD_CT_ERR_OTHER,
	HRPD_CT_ERR_LOST,   /* error answers lost to an overrun of the request socket */
	HRPD_CT_ERR_LABELS, /* labels of an update, for a live entry without room for them */
	HRPD_CT_ERR_MAX,
};

struct hrpd_ct_ops {
	/* A kernel event (NEW, UPDATE, DESTROY as s->op) not caused by us. */
	void (*event)(void *arg, const struct hs_sess *s);
	/* The end of a turn's burst of events (after at least one went to event). */
	void (*events_done)(void *arg);
	/* The event socket overran: events were lost. */
	void (*overrun)(void *arg);
	/* One entry of a running dump; then done(ok) once. */
	void (*dump_entry)(void *arg, const struct hs_sess *s);
	void (*dump_done)(void *arg, bool ok);
	/* The kernel refused a request. */
	void (*apply_error)(void *arg, enum hrpd_ct_apply_err e, int err);
	/* Requests whose outcome cannot be known: their batch's error answers were lost to an
	 * overrun of the request socket (err ENOBUFS), or the batch was not sent (the sendto's
	 * errno). ranges: the hs_sess_range() bits of every request of the batch (all ranges when
	 * it is not known). */
	void (*writes_lost)(void *arg, uint64_t ranges, int err);
};

struct hrpd_ct_stats {
	uint64_t events, event_msgs_bad, overruns;
	uint64_t requests, request_batches, request_send_errors;
	uint64_t apply_errors[HRPD_CT_ERR_MAX];
	uint64_t replaced; /* refused changes (EBUSY) done as delete + create */
	uint64_t second_tries; /* a create of a live entry or an update of a missing one, redone */
	uint64_t gone;     /* timeout resets and deletes of entries already gone */
	uint64_t retries_superseded; /* second tries dropped: a later request of the entry ran */
	uint64_t dumps, dump_entries, dump_errors;
	uint64_t dumps_cancelled; /* stopped for a more urgent dump (lib/sess_dumps.h) */
};

/* Opens the sockets in the caller's network namespace and watches them on loop at priority (see
 * hs_io_set_priority). rcvbuf: the event socket's receive buffer in bytes. Returns NULL with errno set. */
struct hrpd_ct *hrpd_ct_open(struct hs_loop *loop, const struct hrpd_ct_ops *ops, void *arg,
			     int rcvbuf, int64_t priority);
/* The same, adopting the event and request sockets of a hot restart from inherited when it holds
 * them ("ct-events", "ct-requests"): the events the old process left unread are read here, and
 * the echo filter still knows our request socket's port id. */
struct hrpd_ct *hrpd_ct_open_adopt(struct hs_loop *loop, const struct hrpd_ct_ops *ops, void *arg,
				   int rcvbuf, int64_t priority, struct hs_fdset *inherited);
/* Hot restart, old side: no dump running and no request waiting for the kernel's answer. */
bool hrpd_ct_idle(const struct hrpd_ct *ct);
/* Stops (or resumes) reading events: unread ones stay queued in the kernel for the new process. */
void hrpd_ct_events_hold(struct hrpd_ct *ct, bool held);
/* The event and request sockets, by the names hrpd_ct_open_adopt() takes them under. */
int hrpd_ct_hot_fds(const struct hrpd_ct *ct, struct hs_fdset *out);
void hrpd_ct_close(struct hrpd_ct *ct);

/* Events flow to ops->event only while listening; off, the socket is drained and ignored. */
void hrpd_ct_listen(struct hrpd_ct *ct, bool on);

/* Starts a dump of the whole table (both families); entries arrive through ops->dump_entry as the
 * loop turns, at most a bounded number per turn. -EBUSY while one runs. */
int hrpd_ct_dump_start(struct hrpd_ct *ct);
/* The entry of key's original tuple and zone, read from the kernel now, as an update in *out: 0,
 * or a negative errno (-ENOENT: none). A running dump does not stand in the way: the read has a
 * socket of its own.
 * The kernel tells no one when a NAT helper changes an entry's sequence adjustment
 * (nf_ct_seqadj_set sends no event), so the source reads such an entry itself. */
int hrpd_ct_read(struct hrpd_ct *ct, const struct hs_sess *key, struct hs_sess *out);
bool hrpd_ct_dump_running(const struct hrpd_ct *ct);
/* Stops the running dump at once, with no ops->dump_done: 0 (also when none runs), or a negative
 * errno and the dump runs on. */
int hrpd_ct_dump_cancel(struct hrpd_ct *ct);
/* Holds or resumes reading the running dump (back-pressure from the data channel). */
void hrpd_ct_dump_pause(struct hrpd_ct *ct, bool paused);

/* Queues a request for s: NEW and UPDATE create or update (with timeout_s as the entry's timeout
 * and TCP window tracking liberal unless tcp_window is set), DESTROY deletes. fresh: s is a new
 * connection (the peer's kernel created it just now), so an entry of its tuple here is an older
 * one and is replaced, not updated. Requests leave in batches, when the batch is full or at
 * hrpd_ct_flush(). Returns 0 or -EINVAL (not encodable). */
int hrpd_ct_apply(struct hrpd_ct *ct, const struct hs_sess *s, uint32_t timeout_s,
		  bool tcp_window, bool fresh);
/* Only the timeout of an existing entry (the takeover resets hold timeouts). */
int hrpd_ct_set_timeout(struct hrpd_ct *ct, const struct hs_sess *s, uint32_t timeout_s);
/* The same (timeout_s 0: left as it is), and with liberal the TCP entry's liberal flag set both
 * ways (hs_sess_takeover_liberal()). */
int hrpd_ct_takeover(struct hrpd_ct *ct, const struct hs_sess *s, uint32_t timeout_s,
		     bool liberal);
void hrpd_ct_flush(struct hrpd_ct *ct);

/* Both boxes write each other's entries (mirror session): an update refused because it would
 * clear a status bit (EBUSY) is redone without the status, not as a delete and create. */
void hrpd_ct_two_sources(struct hrpd_ct *ct, bool on);
const struct hrpd_ct_stats *hrpd_ct_stats(const struct hrpd_ct *ct);
const char *hrpd_ct_err_name(enum hrpd_ct_apply_err e);
/* The kernel's nf_conntrack_count for our namespace, or -1. */
long hrpd_ct_count(void);

#endif
