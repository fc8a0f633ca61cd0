/* hrpd's run-time objects: one heartbeat link per configured link (its UDP socket, counters and
 * RTT), and the channel: our sender id, epoch and sequence numbers, the keys, the peer's auth
 * state (lib/hrp_auth), the liveness core (lib/hrp_liveness) with its one timer, the VGMP payload
 * vgmpd hands over and the peer's, and the VGMP requests waiting for their HRP-level ack.
 *
 * Files: main.c (life, reload), link.c (sockets), chan.c (messages in and out, the liveness glue),
 * vgmp.c (vgmpd's side: payloads, requests, events), ctl.c (control commands); the data channel
 * is data*.c behind data.h. */
#ifndef HRPD_HRPD_H
#define HRPD_HRPD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon.h"
#include "hrp_auth.h"
#include "hrp_liveness.h"
#include "hrp_msg.h"
#include "hrp_registry.h"

#define HRPD_RX_BURST       64   /* datagrams read per link per turn of the loop */
#define HRPD_MSG_BUF        4096 /* heartbeat-stream messages we build */
#define HRPD_RX_BUF         65536
#define HRPD_REQ_MAX        4  /* VGMP requests waiting for an HRP-level ack */
#define HRPD_REQ_SENDS      4  /* a request goes out at most 4 times: once and 3 resends */
#define HRPD_RTT_EVERY      16 /* an RTT probe every 16 hellos on each ready link */
#define HRPD_SEEN_MAX       8  /* VGMP requests remembered to drop resent duplicates */
#define HRPD_REOPEN_MS      1000
#define HRPD_EPOCH_ANNOUNCE 16 /* hellos announcing the next epoch before switching */
/* challenges answered on one link in a second at most; a nonce is answered once a second */
#define HRPD_CHALLENGE_RING 8
/* sd-event priority of bulk work (the data channel, session sync): after the heartbeat's timer,
 * UDP sockets and the control socket (0), and the same for all of it, so that it takes turns */
#define HRPD_BULK_PRIORITY 10

struct hrpd;
struct hrpd_data; /* data.h */
struct hrpd_sess; /* sess.h */
/* cfgsync.h */
struct hrpd_cfgsync;

struct hrpd_link {
	struct hrpd *h;
	int index;
	struct hs_hrp_link_config cfg; /* a copy: the daemon's config is replaced on reload */
	int port;
	char prefix[40]; /* "[hrp hb0]" */
	int fd;
	struct hs_io io;
	bool io_on;
	int ifindex;
	bool admin_up;
	char admin_why[96];
	uint64_t last_open_ms;
	/* counters */
	uint64_t hellos_sent, hellos_received;
	/* the last challenges answered here (hrpd_chan: a replay is not answered again) */
	uint8_t answered_nonce[HRPD_CHALLENGE_RING][HRP_NONCE_LEN];
	uint64_t answered_ms[HRPD_CHALLENGE_RING]; /* 0: free */
	unsigned answered_next;
	uint64_t tx, rx, tx_errors, wrong_source, auth_failures;
	uint64_t renewals; /* the socket opened again: its interface deleted or made again */
	uint64_t last_rx_ms;
	bool heard;
	/* round trip, from the periodic RTT probe */
	int64_t rtt_us; /* -1: not measured */
	bool rtt_pending;
	uint32_t rtt_seq;
	uint64_t rtt_sent_us;
	uint64_t drops_logged[HRP_DROP_MAX];
};

struct hrpd_request {
	bool pending;
	uint16_t type; /* HRP_MSG_VGMP_SWITCHOVER, _ACK, _NACK */
	struct hrp_vgmp_request req;
	unsigned sends;
	uint32_t seqs[HRPD_REQ_SENDS];
	uint64_t next_ms;
};

struct hrpd_stats {
	uint64_t tx_type[HRP_RX_TYPES];
	uint64_t tx_errors;
	uint64_t not_supported_sent, not_supported_received;
	uint64_t probes_sent, probe_acks_received, rtt_probes_sent;
	uint64_t challenges_sent, challenge_responses_sent;
	uint64_t challenges_throttled; /* answered too soon after the last on the link */
	uint64_t retransmissions, requests_lost, requests_duplicate;
	uint64_t wrong_source; /* datagrams not from the link's remote address */
	uint64_t wrong_sender; /* authentic, but another sender id while the peer is up */
	uint64_t rx_disabled;  /* read and discarded while hrp is disabled */
	uint64_t data_ignored; /* data in a datagram: data goes on the data channel (TCP) only */
	uint64_t epoch_switches;
	uint64_t stale_payloads;      /* hellos whose payload was older than one already taken */
	uint64_t registry_unreadable; /* peer registries we could not read */
};

struct hrpd {
	struct hs_daemon *d;
	bool enabled;
	char sysname[HRP_SYSNAME_MAX + 1];
	uint32_t sender_id;
	struct hrp_tx tx;
	bool next_epoch_set;
	uint64_t next_epoch;
	unsigned next_epoch_announced;
	/* config we run with (copied) */
	uint32_t hello_interval_ms;
	int dead_count;
	int port;
	struct hrp_keyring keys;
	/* the peer */
	struct hrp_peer peer;
	struct hrp_counters counters;
	bool have_peer_hello;
	struct hrp_hello peer_hello;
	struct hrp_registry peer_registry;
	/* liveness */
	struct hrp_liveness lv;
	struct hs_timer timer;
	struct hrpd_link *links[HS_HRP_LINKS_MAX];
	size_t n_links;
	/* vgmpd's side */
	bool local_set;
	struct hrp_vgmp local;
	uint32_t payload_gen;      /* ours: one up at every change of local (never 0) */
	uint32_t peer_payload_gen; /* the newest of the peer's we took (0: none yet) */
	uint32_t next_request_id;
	struct hrpd_request req[HRPD_REQ_MAX];
	struct hs_timer req_timer;
	struct {
		uint16_t type;
		uint32_t id;
	} seen[HRPD_SEEN_MAX];
	unsigned n_seen;
	/* display */
	uint64_t stable_since_ms; /* daemon uptime ms at the last role change */
	bool has_last_change;
	char lc_old[16], lc_new[16], lc_reason[64];
	int lc_local_prio, lc_peer_prio;
	struct hrpd_stats st;
	struct hrpd_data *data; /* the data channel (data.h) */
	struct hrpd_sess *sess; /* session sync (sess.h) */
	/* config sync (cfgsync.h) */
	struct hrpd_cfgsync *cfgsync;
	struct hrpd_issu *issu; /* the pair upgrade (issu.h) */
	/* during a hot restart's start only: the old process's state (hot.c) */
	const struct hrp_snapshot *hot_snap;
	/* a hot restart's new process: confirms once its first hellos are out (hot.c) */
	bool hot_confirm_pending;
	struct hs_timer hot_timer;
};

/* link.c */
struct hrpd_link *hrpd_link_new(struct hrpd *h, int index, const struct hs_hrp_link_config *cfg,
				int port);
/* Opens (or adopts "hrp-hb:IF") the socket when it is not open; refreshes admin_up from the
 * interface's flags. Returns true when admin_up changed. */
bool hrpd_link_refresh(struct hrpd_link *l, uint64_t now);
int hrpd_link_send(struct hrpd_link *l, const uint8_t *buf, size_t len);
void hrpd_link_free(struct hrpd_link *l);
bool hrpd_link_same(const struct hrpd_link *l, const struct hs_hrp_link_config *cfg, int port);
/* Reads what is queued (bounded), e.g. before the timer decides on silence. */
void hrpd_link_drain(struct hrpd_link *l);

/* chan.c */
uint64_t hrpd_now_us(void); /* CLOCK_MONOTONIC in microseconds, for RTTs */
int hrpd_chan_init(struct hrpd *h);
void hrpd_chan_receive(struct hrpd_link *l, const uint8_t *buf, size_t len, uint64_t now);
void hrpd_chan_enable(struct hrpd *h, bool on);
/* Applies a reload's timers and links (links[] already rebuilt; old_index as hrp_lv). */
void hrpd_chan_reconfigure(struct hrpd *h, const int *old_index);
void hrpd_send_hellos(struct hrpd *h, bool urgent);
/* Builds one message of type with flags through put(b, arg) and sends it on link l. Returns the
 * sequence number used (>= 0) or -errno. */
int64_t hrpd_send(struct hrpd *h, struct hrpd_link *l, uint16_t type, uint16_t flags,
		  int (*put)(struct hrp_builder *b, const void *arg), const void *arg);
int hrpd_put_probe_ack(struct hrp_builder *b, const void *arg); /* arg: uint32_t ref seq */
/* Our registry to the peer, asking for its own (issu.c, after a hot restart). 0 or -errno. */
int hrpd_send_registry(struct hrpd *h);
struct hrpd_link *hrpd_running_link(struct hrpd *h);
/* The key to sign with now (NULL: none), for both streams. */
const struct hrp_key *hrpd_tx_key(struct hrpd *h);
/* Runs the liveness actions in out, then re-arms the timer. */
void hrpd_apply(struct hrpd *h, struct hrp_lv_out *out);
int hrpd_keys_load(struct hrp_keyring *kr, const struct hs_hrpd_config *c);

/* vgmp.c */
json_t *hrpd_vgmp_json(const struct hrp_vgmp *v);
void hrpd_vgmp_default(struct hrpd *h);
void hrpd_vgmp_peer_hello(struct hrpd *h, const struct hrp_hello *hello);
void hrpd_vgmp_rx_request(struct hrpd *h, struct hrpd_link *l, const struct hrp_rx_result *res);
/* A probe-ack with ref_seq: acks a pending request. Returns true when it did. */
bool hrpd_vgmp_acked(struct hrpd *h, uint32_t ref_seq);
void hrpd_vgmp_peer_event(struct hrpd *h, bool up, const char *reason);
void hrpd_vgmp_reset_peer(struct hrpd *h);
/* The request timer at the earliest pending request's deadline (after a hot restart). */
void hrpd_vgmp_requests_rearm(struct hrpd *h);
extern const struct hs_ctl_command hrpd_vgmp_commands[];

/* hot.c: hot restart (doc/hot-restart.md). Old side: the refusal check, the snapshot (which
 * freezes the data channel and the conntrack events), the thaw after an aborted handover, and the
 * sockets. New side: the snapshot taken and checked, the state restored (after the links, the
 * channel and the data channel are made, before session sync), then resumed once the sockets are
 * adopted. */
struct hrp_snapshot;
int hrpd_hot_refuse(struct hs_daemon *d, char *why, size_t len);
json_t *hrpd_hot_snapshot(struct hs_daemon *d);
void hrpd_hot_aborted(struct hs_daemon *d);
int hrpd_hot_fds(struct hs_daemon *d, struct hs_fdset *out);
int hrpd_hot_take(struct hs_daemon *d, struct hrp_snapshot **out);
/* Frees a taken snapshot (NULL: nothing), with what it still owns. */
void hrpd_hot_snap_free(struct hrp_snapshot *s);
/* Restores s; the data channel takes the records and the connection's buffers out of it. */
int hrpd_hot_restore(struct hrpd *h, struct hrp_snapshot *s);
void hrpd_hot_resume(struct hrpd *h);
/* The confirm waits for our first hellos (the old process sends its own until then), at most
 * HRPD_HOT_CONFIRM_MS; hrpd_send_hellos() calls hrpd_hot_hellos_sent(). */
void hrpd_hot_confirm_later(struct hrpd *h);
void hrpd_hot_hellos_sent(struct hrpd *h);

/* ctl.c */
extern const struct hs_ctl_command hrpd_commands[];
void hrpd_status(struct hs_daemon *d, json_t *obj);
void hrpd_publish(struct hrpd *h, const char *event, json_t *data);
/* Daemon uptime in ms, the time base of *_since_ms fields. */
uint64_t hrpd_uptime_ms(const struct hrpd *h);

#endif
