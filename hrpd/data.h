/* hrpd's reliable data channel, as the rest of hrpd sees it: the API the sync features use
 * (session sync, config sync, the pair upgrade hand records to a channel and get the peer's
 * records back in order), and the hooks main.c, chan.c and ctl.c call.
 *
 * Records go to the peer over one TCP connection on the running heartbeat link, as HRP data
 * messages on the data stream, acknowledged at HRP level and sent again after a reconnect until
 * acknowledged (lib/hrp_stream). doc/hrpd.md, "Data channel", has the rules. */
#ifndef HRPD_DATA_H
#define HRPD_DATA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_server.h"

struct hrpd;
struct hrp_hdr;

#define HRPD_DATA_LIMIT_DEFAULT (8u * 1024u * 1024u) /* bytes held per channel */

/* A channel's consumer. Every callback may be NULL. Without a registered consumer a channel's
 * records are published as control-socket events (data, data-lost, data-room). */
struct hrpd_data_ops {
	/* A record of the peer's, in order and once. flags: HRP_DATA_F_BULK_BEGIN on the first
	 * record of a bulk transfer, HRP_DATA_F_BULK_END on its last. */
	void (*deliver)(void *arg, unsigned channel, uint32_t seq, uint32_t flags,
			const uint8_t *rec, size_t len);
	/* The peer's records from..to never arrive (the peer no longer had them): its state and
	 * ours differ until it sends a full snapshot (its sender side has its resync flag up). */
	void (*lost)(void *arg, unsigned channel, uint32_t from, uint32_t to);
	/* Our side: the channel refused records (-ENOBUFS) and has room again (at most half
	 * full). Its resync flag is up: time to send the snapshot. */
	void (*room)(void *arg, unsigned channel);
	/* The end of a turn's reading, when deliver had records of this channel in it: a consumer
	 * may batch the work of many records and finish it here (session sync writes the peer's
	 * entries into the kernel in one request batch per turn, not one per record). */
	void (*delivered)(void *arg, unsigned channel);
};

/* Takes over channel (HRP_CHAN_SESSION, _CONFIG, _UPGRADE) for ops/arg (NULL ops: back to the
 * events). Returns 0 or -EINVAL. */
int hrpd_data_register(struct hrpd *h, unsigned channel, const struct hrpd_data_ops *ops,
		       void *arg);
/* Queues one record (0..65535 bytes) for the peer, in order with the channel's earlier ones.
 * Returns 0; -EINVAL; -ENOBUFS when the channel already holds its limit of unsent and
 * unacknowledged bytes: the record is refused and the channel's resync flag goes up (never a
 * silent drop); -ENOMEM likewise. Queueing works with or without a connection. */
int hrpd_data_send(struct hrpd *h, unsigned channel, const void *buf, size_t len);
/* The same with HRP_DATA_F_BULK_BEGIN / _END on the record. */
int hrpd_data_send_flags(struct hrpd *h, unsigned channel, const void *buf, size_t len,
			 uint32_t flags);
/* The channel refused records (or the peer lost some): the producer owes a full snapshot. */
bool hrpd_data_needs_resync(const struct hrpd *h, unsigned channel);
/* Bytes the channel holds (queued or unacknowledged), and its limit in *limit: a bulk producer waits while half its
 * limit is held, so it never makes the channel refuse its records. */
size_t hrpd_data_held(const struct hrpd *h, unsigned channel, size_t *limit);
/* The producer has sent the snapshot: the flag goes down. */
void hrpd_data_resync_done(struct hrpd *h, unsigned channel);
/* The send plan holds the channel back (the peer's version cannot read data records, doc/issu.md
 * "The cold mode"): no connection, and hrpd_data_send*() refuse with -EPERM. The producers stop
 * sending while it lasts and count nothing as an error; it ends by itself when a registry
 * exchange changes the plan (hrpd_issu_peer_registry() calls hrpd_data_check()). */
bool hrpd_data_plan_held(const struct hrpd *h);
/* For the challenge-response to the asker (its header): the first data-stream number the asker
 * may take from us (TLV data-stream-seq, doc/hrp-protocol.md section 7.2). Our next number, or
 * the first one on a connection that came up with the asker's very process: the asker may have
 * held that connection unread (data_conn.c) while it proved us, and what we sent on it is its. */
uint32_t hrpd_data_first_seq(const struct hrpd *h, const struct hrp_hdr *asker);

/* ---- hooks ---- */

/* main.c, after hrpd_chan_init(); and at stop. */
int hrpd_data_init(struct hrpd *h);
void hrpd_data_free(struct hrpd *h);
/* main.c, after a reload replaced links: listeners follow the links, a connection whose link
 * is gone is closed. */
void hrpd_data_reconfigure(struct hrpd *h);
/* chan.c, after every liveness step (hrpd_apply): connect, reconnect on a new running link,
 * close when the peer is dead or hrp disabled. Cheap when nothing changed. */
void hrpd_data_check(struct hrpd *h);
/* chan.c, when the peer's epoch changed on the heartbeat stream. */
void hrpd_data_peer_restart(struct hrpd *h);
/* Hot restart (data_hot.c): 1 with why when the stream cannot be carried now (refuse), else 0;
 * the stream and the connection to carry (borrowed by s until it is encoded) and to take back
 * (taken out of s); the old process frozen after its snapshot (thawed when the handover is
 * aborted); its connection let go without a word once handed over; the listeners and the
 * connection, by the names the new process adopts them under. */
struct hrp_snapshot;
struct hs_fdset;
int hrpd_data_hot_busy(const struct hrpd *h, char *why, size_t len);
void hrpd_data_hot_save(const struct hrpd *h, struct hrp_snapshot *s);
void hrpd_data_hot_restore(struct hrpd *h, struct hrp_snapshot *s);
void hrpd_data_hot_freeze(struct hrpd *h, bool frozen);
void hrpd_data_hot_release(struct hrpd *h);
int hrpd_data_hot_fds(const struct hrpd *h, struct hs_fdset *out);
/* ctl.c: the "data" section of hrp-statistics (also the answer of data-stats). */
json_t *hrpd_data_stats_json(const struct hrpd *h);
/* ctl.c: status's channel_usage (Huawei's "backup channel usage"): how full the fullest
 * channel's send buffer is, in percent of its limit; 0 without a data channel. */
double hrpd_data_usage_pct(const struct hrpd *h);
/* ctl.c: the "data_channel" section of status: state, held_back and why. */
json_t *hrpd_data_status_json(const struct hrpd *h);
/* main.c: data-send, data-stats, data-digest, data-resync-done, data-limit. */
extern const struct hs_ctl_command hrpd_data_commands[];

#endif
