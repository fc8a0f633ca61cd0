/* hrpd's hot-restart snapshot: what a new hrpd needs to go on with the heartbeat channel where the
 * old one stopped, so that the peer sees no hello gap, no new epoch, no challenge and no
 * sequence reset: our sender id, epoch and sequence numbers, the next epoch being announced, the
 * peer's auth state (epoch, replay windows, challenge), the liveness core with its deadlines
 * (absolute CLOCK_MONOTONIC ms: both processes share the clock), the peer's hello and registry,
 * the VGMP payloads and requests, per-link counters and RTT, and the data channel's numbering.
 *
 * JSON, versioned as vrrpd's (doc/hot-restart.md): a reader skips fields it does not know at
 * every level (a minor version adds fields), refuses another format or a newer major version,
 * and refuses a malformed snapshot whole. Wire structures (the peer's hello and registry, our
 * payload) travel as the hex of their HRP TLV bodies: their codecs already skip unknown TLVs.
 * Pure: no sockets, no clock. */
#ifndef HS_HRP_SNAPSHOT_H
#define HS_HRP_SNAPSHOT_H

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_auth.h"
#include "hrp_liveness.h"
#include "hrp_msg.h"
#include "hrp_registry.h"

#define HRP_SNAPSHOT_FORMAT "hrpd-snapshot"
#define HRP_SNAPSHOT_MAJOR  1
#define HRP_SNAPSHOT_MINOR  1 /* 1: hrpd adds its "cfgsync" part */

#define HRP_SNAP_REQ_MAX   4 /* HRPD_REQ_MAX */
#define HRP_SNAP_SENDS_MAX 4 /* HRPD_REQ_SENDS */
#define HRP_SNAP_SEEN_MAX  8 /* HRPD_SEEN_MAX */

/* One heartbeat link, keyed by its interface (the liveness core's link i is links[i]). */
struct hrp_snap_link {
	char interface[IF_NAMESIZE];
	uint64_t hellos_sent, hellos_received;
	uint64_t tx, rx, tx_errors, wrong_source, auth_failures;
	uint64_t last_rx_ms;
	bool heard;
	int64_t rtt_us; /* -1: not measured */
};

/* A VGMP request waiting for its HRP-level ack. */
struct hrp_snap_request {
	uint16_t type;
	struct hrp_vgmp_request req;
	unsigned sends;
	uint32_t seqs[HRP_SNAP_SENDS_MAX];
	uint64_t next_ms;
};

/* The data channel's numbering, per channel: where our records go on and which of the peer's we
 * delivered. */
struct hrp_snap_data_chan {
	bool used;
	uint32_t tx_next;
	bool resync; /* the peer is owed a full snapshot of this channel's producer */
	bool rx_synced;
	uint32_t rx_next;
};

/* Session sync's own state (doc/session-sync.md) around the data channel. */
struct hrp_snap_session {
	bool present;
	bool local_active, source, peer_was_up;
	bool synced, ready, resync_owed;
	uint64_t synced_epoch; /* the peer's epoch of the last complete transfer */
};

struct hrp_snapshot {
	unsigned major, minor; /* of the snapshot read */
	uint32_t sender_id;
	struct hrp_tx tx;
	bool next_epoch_set;
	uint64_t next_epoch;
	unsigned next_epoch_announced;
	struct hrp_peer peer;
	struct hrp_counters counters; /* rx, accepted, unknown_tlvs, new_epochs, challenges */
	struct hrp_liveness lv;
	bool have_peer_hello;
	struct hrp_hello peer_hello;
	struct hrp_registry peer_registry; /* n 0: not known */
	bool local_set;
	struct hrp_vgmp local;
	uint32_t payload_gen, peer_payload_gen, next_request_id;
	size_t n_requests;
	struct hrp_snap_request req[HRP_SNAP_REQ_MAX];
	size_t n_seen;
	struct {
		uint16_t type;
		uint32_t id;
	} seen[HRP_SNAP_SEEN_MAX];
	size_t n_links; /* lv.p.n_links */
	struct hrp_snap_link links[HRP_LV_LINKS_MAX];
	struct hrp_snap_data_chan data[HRP_CHAN_MAX];
	struct hrp_snap_session session;
};

/* The JSON object of a snapshot (new reference), or NULL without memory or for a state that
 * cannot be written (a link count out of range). */
json_t *hrp_snapshot_encode(const struct hrp_snapshot *s);
/* Fills out from j. 0; -EPROTONOSUPPORT for another format or a newer major version, -EINVAL for
 * a malformed one (err says which; out zeroed). Unknown fields are skipped. */
int hrp_snapshot_decode(const json_t *j, struct hrp_snapshot *out, char *err, size_t errlen);

#endif
