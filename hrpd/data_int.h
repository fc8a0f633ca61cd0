/* The data channel inside: its state, shared by data.c (messages in and out, acks, the API),
 * data_conn.c (listeners, connect, accept, close) and data_ctl.c (control commands, events,
 * digests). Nothing outside hrpd/data*.c includes this file. */
#ifndef HRPD_DATA_INT_H
#define HRPD_DATA_INT_H

#include <net/if.h>
#include <sodium.h>

#include "data.h"
#include "hrp_stream.h"
#include "hrpd.h"

#define HRPD_DATA_PREFIX "[hrp data]"

/* Slicing: one turn of the event loop writes at most HRPD_DATA_TX_TURN bytes and builds at most
 * HRPD_DATA_TX_MSGS messages; reads at most HRPD_DATA_RX_TURN bytes. EPOLLOUT brings the rest. */
#define HRPD_DATA_TX_TURN  (256u * 1024u)
#define HRPD_DATA_TX_MSGS  32u
/* 32 KiB: a standby writes what a turn delivers into its kernel at ~10 us an entry, so 256 KiB
 * (~9,700 session entries) held its loop ~100 ms and its 10 ms hellos went out late enough for
 * the peer to declare it dead (bench/hrp_liveness.py with session load). */
#define HRPD_DATA_RX_TURN  (32u * 1024u)
#define HRPD_DATA_MSG_BODY (64u * 1024u) /* records per data message, in bytes */
#define HRPD_DATA_MSG_RECS 1024u
/* The largest data message: header, channel, seq, flags, one record of 65535, trailer. */
#define HRPD_DATA_MSG_MAX                                                                          \
	(HRP_HDR_LEN + 13u + 8u + HRP_TLV_HDR_LEN + HRP_TLV_VAL_MAX + HRP_TRAILER_LEN)
#define HRPD_DATA_ACK_LEN         (HRP_HDR_LEN + 13u + HRP_TRAILER_LEN)
#define HRPD_DATA_OUT_CAP         (HRPD_DATA_TX_TURN + HRPD_DATA_MSG_MAX + 64u * HRPD_DATA_ACK_LEN)
#define HRPD_DATA_IN_CAP          (HRP_MSG_SIZE_MAX + HRPD_DATA_RX_TURN)
#define HRPD_DATA_ACK_EVERY       128u /* records between acks */
#define HRPD_DATA_ACK_MS          10u  /* or this long after the first record not acknowledged */
#define HRPD_DATA_CONNECT_MS      1000u
#define HRPD_DATA_BACKOFF_MIN     50u
#define HRPD_DATA_BACKOFF_MAX     1000u
#define HRPD_DATA_LISTEN_RETRY_MS 1000u
#define HRPD_DATA_PRIORITY        HRPD_BULK_PRIORITY
#define HRPD_DATA_TOS             0x28 /* DSCP AF11: bulk, never ahead of the CS6 hellos */
#define HRPD_DATA_LIMIT_MIN       (64u * 1024u)

enum hrpd_data_state {
	HRPD_DATA_IDLE,       /* no connection */
	HRPD_DATA_CONNECTING, /* our connect is under way */
	HRPD_DATA_UP,
	HRPD_DATA_STATE_MAX,
};

/* Why a connection ended; each has its counter (hrp-statistics "data"."closed"). */
enum hrpd_data_close {
	HRPD_DATA_CLOSE_PEER,       /* the peer closed it */
	HRPD_DATA_CLOSE_ERROR,      /* a socket error, or connect refused */
	HRPD_DATA_CLOSE_TIMEOUT,    /* the connect took longer than HRPD_DATA_CONNECT_MS */
	HRPD_DATA_CLOSE_GARBAGE,    /* bytes that are not HRP framing */
	HRPD_DATA_CLOSE_DROPPED,    /* a message hrp_rx() refused (authentication, window, epoch) */
	HRPD_DATA_CLOSE_UNEXPECTED, /* a message with no business on the data stream */
	HRPD_DATA_CLOSE_GAP,        /* records missing in the middle of the connection */
	HRPD_DATA_CLOSE_BAD_ACK,    /* an ack of records never sent */
	HRPD_DATA_CLOSE_LINK,       /* the running link moved to another link */
	HRPD_DATA_CLOSE_PEER_DOWN,  /* the peer is dead, or hrp disabled */
	HRPD_DATA_CLOSE_RESTART,    /* the peer restarted */
	HRPD_DATA_CLOSE_REPLACED,   /* the peer connected again */
	HRPD_DATA_CLOSE_RELOAD,     /* its link was removed by a reload */
	HRPD_DATA_CLOSE_BUILD,      /* we could not build a message */
	HRPD_DATA_CLOSE_HOT,        /* a hot restart with a connect under way: connected anew */
	HRPD_DATA_CLOSE_PLAN,       /* the send plan: the peer's version cannot read data records */
	HRPD_DATA_CLOSE_MAX,
};

const char *hrpd_data_close_name(enum hrpd_data_close c);
const char *hrpd_data_state_name(enum hrpd_data_state s);

struct hrpd_data_stats {
	uint64_t taken_over;       /* connections taken from the previous process (hot restart) */
	uint64_t connects;         /* connections we opened */
	uint64_t accepts;          /* connections the peer opened */
	uint64_t reconnects;       /* connections after the first */
	uint64_t connect_failures; /* connects that failed or timed out */
	uint64_t refused;          /* incoming connections refused: wrong address, role, state */
	uint64_t closed[HRPD_DATA_CLOSE_MAX];
	uint64_t bytes_out, bytes_in;
	uint64_t messages_out, messages_in;
	uint64_t acks_sent, acks_received;
	uint64_t unknown_channel; /* records of a channel we do not know: not acknowledged */
	uint64_t tx_turns_capped; /* turns that stopped writing at the per-turn bound */
	uint64_t rx_turns_capped; /* turns that stopped reading at the per-turn bound */
	uint64_t stall_last_ms;   /* last ack before a broken connection to the first ack after */
	uint64_t stall_max_ms;
	uint64_t plan_holds;   /* times the send plan held the channel back (doc/issu.md) */
	uint64_t plan_refused; /* records refused meanwhile (the producers catch up later) */
};

struct hrpd_data_listener {
	struct hrpd_data *dc;
	int index; /* the link's, in h->links */
	int fd;
	struct hs_io io;
	bool io_on;
	char ifname[IF_NAMESIZE];
	int ifindex; /* the interface's when opened: made again under a new one, opened again */
	struct hs_addr local;
	int port;
	uint64_t last_try_ms;
	int last_err;
};

struct hrpd_data {
	struct hrpd *h;
	struct hrp_stream_tx tx;
	struct hrp_stream_rx rx;
	/* the connection */
	enum hrpd_data_state state;
	int fd;
	struct hs_io io;
	bool io_on;
	uint32_t events;
	unsigned gen; /* changes at every close: callbacks notice that their connection went */
	int link;     /* index in h->links of the link it runs over */
	char link_name[IF_NAMESIZE];
	struct hs_addr link_local, link_remote;
	bool outgoing;
	uint64_t since_ms;
	/* The peer process the connection came up with, as known then, and our first data-stream
	 * number on it: a challenge from that process is answered with it (hrpd_data_first_seq).
	 * Not in the hot-restart snapshot: after one, the next number is answered. */
	bool up_peer_known;
	uint32_t up_peer_id;
	uint64_t up_peer_epoch;
	uint32_t up_first_seq;
	uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_off, out_len;
	bool ever_up;
	uint64_t next_connect_ms;
	uint32_t backoff_ms;
	/* stall measurement */
	uint64_t last_progress_ms;
	bool stalled;
	uint64_t stall_from_ms;
	/* the peer's epoch that the receive numbering belongs to, and the one it announced */
	bool rx_epoch_set;
	uint64_t rx_epoch;
	bool next_epoch_set;
	uint64_t next_epoch;
	struct hrpd_data_listener lis[HS_HRP_LINKS_MAX];
	/* a connection accepted before the peer was up here: held unread until it is, at most
	 * HRPD_DATA_CONNECT_MS (the peer heard our hello before we heard its) */
	bool hot_frozen; /* handed over to a new hrpd: no connection, no records in or out */
	/* the send plan says the peer's version cannot read data records: no connection, no
	 * record queued, until a registry exchange says otherwise (data.c, plan_hold) */
	bool plan_held;
	uint64_t plan_held_ms;
	int held_fd;
	int held_link;
	uint64_t held_ms;
	struct hs_timer timer;
	struct {
		const struct hrpd_data_ops *ops;
		void *arg;
	} handler[HRP_CHAN_MAX];
	uint32_t delivered_chans; /* channels with records delivered this turn (1 << ch) */
	/* running digests (BLAKE2b-256 over u32 length || record) of what was queued and what
	 * was delivered, per channel: data-digest */
	crypto_generichash_state tx_digest[HRP_CHAN_MAX], rx_digest[HRP_CHAN_MAX];
	struct hrpd_data_stats st;
};

/* data.c */
void hrpd_data_read(struct hrpd_data *dc);
void hrpd_data_write(struct hrpd_data *dc);
/* Builds the acks that are due into the output buffer. */
void hrpd_data_queue_acks(struct hrpd_data *dc, uint64_t now);
/* The peer's epoch as the heartbeat knows it: a new one it did not announce means it restarted and
 * numbers its records afresh (the receive side is reset). */
void hrpd_data_follow_epoch(struct hrpd_data *dc);
/* Re-arms the channel's timer: acks, connect timeout, reconnect, listener retry. */
void hrpd_data_arm(struct hrpd_data *dc, uint64_t now);

/* data_conn.c */
void hrpd_data_listen_sync(struct hrpd_data *dc, uint64_t now);
void hrpd_data_listen_close(struct hrpd_data *dc);
/* After a reload: the connection follows its link to its new index, or goes with it. */
void hrpd_data_conn_relink(struct hrpd_data *dc);
/* A held connection is taken once the peer is up, refused when it should not exist or after
 * HRPD_DATA_CONNECT_MS. Returns its deadline, or HRP_STREAM_NEVER. */
uint64_t hrpd_data_held_check(struct hrpd_data *dc, uint64_t now);
void hrpd_data_held_drop(struct hrpd_data *dc);
/* The earliest listener retry, or HRP_STREAM_NEVER. */
uint64_t hrpd_data_listen_deadline(const struct hrpd_data *dc);
int hrpd_data_connect(struct hrpd_data *dc, int link, uint64_t now);
void hrpd_data_close(struct hrpd_data *dc, enum hrpd_data_close why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Hot restart: the new process takes the old one's connection (fd, over the link of that
 * interface name: -ENOENT when there is none), unwatched until it resumes; the old one pauses
 * it (a connect under way is closed instead) and resumes it when the handover aborts. */
int hrpd_data_conn_adopt(struct hrpd_data *dc, int fd, const char *link, bool outgoing,
			 uint64_t since_ms);
int hrpd_data_conn_resume(struct hrpd_data *dc);
void hrpd_data_conn_pause(struct hrpd_data *dc);
/* EPOLLIN always; EPOLLOUT while there is something to write (or the connect is under way). */
void hrpd_data_events(struct hrpd_data *dc);
/* We connect (our sender id is the lower); meaningful once the peer is known. */
bool hrpd_data_we_connect(const struct hrpd *h);

/* data_ctl.c: the consumer of channels nobody registered (events), and the digests. */
extern const struct hrpd_data_ops hrpd_data_event_ops;
void hrpd_data_digest_init(struct hrpd_data *dc);
void hrpd_data_digest(crypto_generichash_state *st, const uint8_t *rec, size_t len);

#endif
