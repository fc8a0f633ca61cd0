/* hrpd's hot-restart snapshot: what a new hrpd needs to go on with the heartbeat channel where the
 * old one stopped, so that the peer sees no hello gap, no new epoch, no challenge and no
 * sequence reset: our sender id, epoch and sequence numbers, the next epoch being announced, the
 * peer's auth state (epoch, replay windows, challenge), the liveness core with its deadlines
 * (absolute CLOCK_MONOTONIC ms: both processes share the clock), the peer's hello and registry,
 * the VGMP payloads and requests, per-link counters and RTT, and the data channel's stream whole
 * (numbering, records not yet acknowledged, the connection's bytes in flight: minor 2).
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
#include "hrp_stream.h"
#include "sess_dirty.h"

#define HRP_SNAPSHOT_FORMAT "hrpd-snapshot"
#define HRP_SNAPSHOT_MAJOR  1
/* Minor 1: "cfgsync"; 2: the data stream whole; 3: missed_sync; 4: peer.epochs_taken_back;
 * 5: peer.incarnation; 6: session.dirty. */
#define HRP_SNAPSHOT_MINOR 6

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
 * delivered. Minor 2 adds the receiver's place on the connection (stream: these fields were
 * carried); the sender's records travel in hrp_snapshot.data_tx. */
struct hrp_snap_data_chan {
	bool used;
	uint32_t tx_next;
	bool resync; /* the peer is owed a full snapshot of this channel's producer */
	bool rx_synced;
	uint32_t rx_next;
	bool stream;
	bool rx_fresh;    /* no record yet on this connection */
	bool rx_ack_owed; /* records delivered and not yet acknowledged */
	bool rx_lost_owed;
	uint32_t rx_lost_ack; /* the ack that tells the sender of a loss, when owed */
};

/* Bounds of what a snapshot carries of the data channel (the old process refuses past them).
 * The old process's loop stands still while it writes the snapshot (~35 ms per MiB of records
 * on a loaded 2-core lab machine): 1 MiB keeps its hellos within about one interval. */
#define HRP_SNAP_DATA_BYTES_MAX (1u << 20) /* record bytes, all channels */
#define HRP_SNAP_CONN_BUF_MAX   (1u << 20) /* each of the connection's buffers */

/* The data channel's connection, handed over as the socket "hrp-data-conn": the link it runs
 * over, who opened it, and the bytes in flight inside hrpd: a message half received (in) and
 * messages built and not yet (wholly) written (out, from the first byte not written). */
struct hrp_snap_data_conn {
	bool present;
	char link[IF_NAMESIZE];
	bool outgoing;
	uint64_t since_ms;
	uint8_t *in, *out;
	size_t in_len, out_len;
};

/* Session sync's own state (doc/session-sync.md) around the data channel. */
struct hrp_snap_session {
	bool present;
	bool local_active, source, peer_was_up;
	bool synced, ready, resync_owed;
	uint64_t synced_epoch; /* the peer's epoch of the last complete transfer */
	/* Minor 3: our table missed the active peer's updates (the data channel held back), so a
	 * takeover makes our TCP entries liberal. Absent (an older writer): not missed. */
	bool missed_sync;
	/* Minor 6: ranges whose writes of the peer's entries were lost, not yet asked for again,
	 * and the last ask (CLOCK_MONOTONIC ms, shared by both processes: the hold goes on).
	 * Absent (an older writer): none; an older reader skips them. */
	struct hs_sess_dirty dirty;
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
	/* Minor 2: the sender's channels whole (numbering, records not yet acknowledged, which of
	 * them were sent on this connection) and the connection. Encoding, they are hrpd's own,
	 * borrowed (NULL / not present: numbering only, as minor 1); decoded, they are the
	 * snapshot's (data_tx NULL when the snapshot has none), freed by hrp_snapshot_release()
	 * unless taken (a taker sets them NULL). */
	struct hrp_stream_tx *data_tx;
	struct hrp_snap_data_conn data_conn;
	struct hrp_snap_session session;
};

/* The JSON object of a snapshot (new reference), or NULL without memory or for a state that
 * cannot be written (a link count out of range). */
json_t *hrp_snapshot_encode(const struct hrp_snapshot *s);
/* Fills out from j. 0; -EPROTONOSUPPORT for another format or a newer major version, -EINVAL for
 * a malformed one (err says which; out zeroed). Unknown fields are skipped. */
int hrp_snapshot_decode(const json_t *j, struct hrp_snapshot *out, char *err, size_t errlen);
/* Frees what a decoded snapshot owns (data_tx, the connection's buffers); s stays valid. */
void hrp_snapshot_release(struct hrp_snapshot *s);

/* The data stream's parts (hrp_snapshot_data.c), for hrp_snapshot.c. Encoders return a new
 * reference or NULL; decoders NULL or the field to blame. */
json_t *hrp_snap_stream_encode(const struct hrp_stream_tx *tx, const struct hrp_snap_data_chan *d,
			       unsigned ch);
const char *hrp_snap_stream_decode(const json_t *o, unsigned ch, struct hrp_stream_tx *tx,
				   struct hrp_snap_data_chan *d, size_t *bytes);
json_t *hrp_snap_conn_encode(const struct hrp_snap_data_conn *c);
const char *hrp_snap_conn_decode(const json_t *o, struct hrp_snap_data_conn *c);

#endif
