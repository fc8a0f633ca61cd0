/* The reliable data channel's arithmetic, pure: no sockets, no clocks (now_ms comes in), no
 * logging. hrpd moves the bytes; this file decides what they are.
 *
 * Sender (struct hrp_stream_tx): records are queued per channel (session, config, upgrade) and
 * numbered there, one data sequence number per record (32-bit, serial arithmetic). A data message
 * carries a run of consecutive records: its data-seq is the number of its first record. A record
 * stays in the channel's list until the peer acknowledges it (cumulative data-ack); after a
 * reconnect everything not acknowledged is sent again (hrp_stream_tx_rewind). The bytes a channel
 * holds (queued + unacknowledged, HRP_STREAM_REC_COST counted per record on top of its length) are
 * bounded: past the limit a record is refused with -ENOBUFS and the channel is marked "needs
 * resync", a flag the producer reads and clears once it has sent a full snapshot again. Nothing is
 * ever dropped silently.
 *
 * Receiver (struct hrp_stream_rx): per channel, the next data sequence number expected. A record
 * in order is delivered, an older one is a duplicate (dropped, counted), a newer one is a gap: in
 * the middle of a connection the connection must go (the sender resends from its oldest
 * unacknowledged record on the next), at the start of a connection the sender no longer has the
 * records in between: the receiver jumps ahead, reports the loss (its application needs a
 * snapshot) and tells the sender with an ack behind what the sender had seen acknowledged. Acks are
 * cumulative and go out every ack_every records or ack_delay_ms after the first record not yet
 * acknowledged, whichever comes first; at once after a (re)connect and after duplicates.
 *
 * doc/hrpd.md ("Data channel") has the rules; tests/unit/test_hrp_stream.c checks them. */
#ifndef HS_HRP_STREAM_H
#define HS_HRP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_msg.h"

#define HRP_STREAM_REC_COST 32u /* counted per record on top of its length (allocation) */
#define HRP_STREAM_NEVER    UINT64_MAX

/* ---- sender ---- */

struct hrp_stream_rec {
	struct hrp_stream_rec *next;
	uint32_t seq;
	uint32_t flags; /* HRP_DATA_F_BULK_BEGIN / _END */
	uint16_t len;
	uint8_t data[];
};

struct hrp_stream_tx_counters {
	uint64_t queued;         /* records taken by hrp_stream_tx_queue() */
	uint64_t refused;        /* records refused (-ENOBUFS, -ENOMEM) */
	uint64_t sent;           /* records put into messages, resends included */
	uint64_t resent;         /* of those, records sent before */
	uint64_t acked;          /* records freed by acks */
	uint64_t resync_marks;   /* times the resync flag went up */
	uint64_t acks;           /* acks that freed records */
	uint64_t acks_duplicate; /* acks that freed nothing */
	uint64_t acks_behind;    /* acks behind an earlier one: the peer lost records */
	uint64_t acks_ahead;     /* acks of records never sent: a protocol error */
};

struct hrp_stream_tx_chan {
	struct hrp_stream_rec *head;   /* oldest record not acknowledged */
	struct hrp_stream_rec *tail;   /* newest */
	struct hrp_stream_rec *cursor; /* next to send; NULL when everything was sent */
	uint32_t next_seq;             /* for the next record queued */
	uint32_t acked;                /* the last data seq acknowledged (first - 1 at the start) */
	uint32_t sent_top;             /* one past the highest data seq ever sent */
	size_t records, bytes;         /* held: unsent + unacknowledged (bytes with the cost) */
	size_t unsent, unsent_bytes;   /* of those, not sent on this connection yet */
	bool resync;                   /* a record was refused or lost: send a snapshot */
	bool full;                     /* refused since room was last announced */
	struct hrp_stream_tx_counters c;
};

struct hrp_stream_tx {
	size_t limit_bytes; /* per channel */
	unsigned last;      /* the channel served last (round robin) */
	struct hrp_stream_tx_chan ch[HRP_CHAN_MAX];
};

/* first_seq[ch]: the first data sequence number of each channel (hrpd: random). NULL: all 0. */
void hrp_stream_tx_init(struct hrp_stream_tx *tx, size_t limit_bytes, const uint32_t *first_seq);
void hrp_stream_tx_free(struct hrp_stream_tx *tx);
/* A smaller limit refuses new records until the held bytes drop below it; nothing is freed. */
void hrp_stream_tx_set_limit(struct hrp_stream_tx *tx, size_t limit_bytes);

/* Queues a copy of one record (0..65535 bytes) with flags HRP_DATA_F_*. Returns 0; -EINVAL (bad
 * channel, too long); -ENOBUFS (the channel holds limit_bytes: the record is refused and the
 * channel marked for resync); -ENOMEM (likewise). */
int hrp_stream_tx_queue(struct hrp_stream_tx *tx, unsigned ch, const void *rec, size_t len,
			uint32_t flags);
/* Records waiting to be sent on some channel. */
bool hrp_stream_tx_pending(const struct hrp_stream_tx *tx);
/* Records held (unsent or unacknowledged) on some channel. */
bool hrp_stream_tx_outstanding(const struct hrp_stream_tx *tx);

struct hrp_stream_put {
	unsigned channel;
	uint32_t first_seq;
	uint32_t flags; /* the message's data-flags */
	size_t records;
	size_t bytes;  /* record bytes */
	size_t resent; /* records of this message sent before */
};

/* Appends the body of the next data message to b (begun with hrp_msg_begin(HRP_MSG_DATA)): the
 * next channel with unsent records after the one served last, its records from the send cursor
 * while the body stays within max_body bytes and max_records records (one record always goes, if
 * the builder has room for it; room for the trailer is kept). A record with BULK_BEGIN starts a
 * message, one with BULK_END ends it; the message's flags are its first record's BEGIN and its
 * last record's END. The cursor moves past the records put. Returns 1 with *out, 0 when nothing
 * waits, or -ENOBUFS when the builder cannot take the next record (nothing moves). A message that
 * is then not sent whole means the connection is lost: hrp_stream_tx_rewind() on the next. */
int hrp_stream_tx_put(struct hrp_stream_tx *tx, struct hrp_builder *b, size_t max_body,
		      size_t max_records, struct hrp_stream_put *out);

enum hrp_stream_ack {
	HRP_STREAM_ACK_OK,        /* records freed */
	HRP_STREAM_ACK_DUPLICATE, /* nothing new */
	HRP_STREAM_ACK_BEHIND,    /* before an earlier ack: the peer lost records; resync marked */
	HRP_STREAM_ACK_AHEAD,     /* beyond what was sent: a protocol error, drop the connection */
	HRP_STREAM_ACK_BAD_CHANNEL, /* no such channel */
	HRP_STREAM_ACK_MAX,
};

const char *hrp_stream_ack_name(enum hrp_stream_ack a);

struct hrp_stream_ack_out {
	size_t freed; /* records */
	bool room;    /* the channel had refused records and is now at most half full */
};

/* The peer has every record of channel ch up to and including ack_seq. */
enum hrp_stream_ack hrp_stream_tx_ack(struct hrp_stream_tx *tx, unsigned ch, uint32_t ack_seq,
				      struct hrp_stream_ack_out *out);
/* A new connection: everything not acknowledged is sent again, oldest first. */
void hrp_stream_tx_rewind(struct hrp_stream_tx *tx);
bool hrp_stream_tx_needs_resync(const struct hrp_stream_tx *tx, unsigned ch);
/* The producer has sent a full snapshot again: the flag goes down. */
void hrp_stream_tx_resync_done(struct hrp_stream_tx *tx, unsigned ch);

/* Hot restart (lib/hrp_snapshot): a channel rebuilt in a new process from the old one's state.
 * restore_chan empties channel ch and sets its numbering: acked (the last data seq the peer
 * acknowledged), sent_top (one past the highest ever sent), the resync and full flags; the next
 * record restored gets acked + 1. restore_rec appends one record, oldest first, sent or not yet
 * sent on this connection (the unsent ones are the newest: a sent record after an unsent one is
 * -EINVAL); the limit does not apply (the old process took them). restore_check: 0 when the
 * channel's numbers agree (every sent record below sent_top, sent_top at most next_seq), else
 * -EINVAL. */
int hrp_stream_tx_restore_chan(struct hrp_stream_tx *tx, unsigned ch, uint32_t acked,
			       uint32_t sent_top, bool resync, bool full);
int hrp_stream_tx_restore_rec(struct hrp_stream_tx *tx, unsigned ch, const void *rec, size_t len,
			      uint32_t flags, bool sent);
int hrp_stream_tx_restore_check(const struct hrp_stream_tx *tx, unsigned ch);

/* ---- receiver ---- */

struct hrp_stream_rx_counters {
	uint64_t received;   /* records that arrived */
	uint64_t delivered;  /* in order, handed to the application */
	uint64_t duplicates; /* dropped: delivered before */
	uint64_t gaps;       /* records missing in front of one that arrived */
	uint64_t lost;       /* records given up for good (a gap at the start of a connection) */
	uint64_t resyncs;    /* times that happened */
	uint64_t acks;       /* acks taken */
	uint64_t resets;     /* the peer's numbering started afresh (it restarted) */
};

struct hrp_stream_rx_chan {
	bool synced;      /* next is known */
	bool fresh;       /* no record yet on this connection */
	uint32_t next;    /* the data seq expected */
	bool owed;        /* records delivered since the last ack */
	uint32_t since;   /* how many */
	uint64_t owed_ms; /* when the first of them was delivered */
	bool now;         /* an ack goes out at once (connect, duplicates) */
	bool lost_owed;   /* the ack that tells the sender of a loss */
	uint32_t lost_ack;
	struct hrp_stream_rx_counters c;
};

struct hrp_stream_rx {
	uint32_t ack_every;
	uint32_t ack_delay_ms;
	struct hrp_stream_rx_chan ch[HRP_CHAN_MAX];
};

void hrp_stream_rx_init(struct hrp_stream_rx *rx, uint32_t ack_every, uint32_t ack_delay_ms);
/* A new connection: each channel's next record may start a gap that nothing will fill; channels
 * that have records owe the sender an ack at once. */
void hrp_stream_rx_connected(struct hrp_stream_rx *rx);
/* The peer restarted: its numbering starts afresh; the next record of each channel is taken as
 * the start. */
void hrp_stream_rx_reset(struct hrp_stream_rx *rx);

enum hrp_stream_rx_verdict {
	HRP_STREAM_RX_DELIVER,     /* in order: deliver it */
	HRP_STREAM_RX_DUPLICATE,   /* delivered before: drop it */
	HRP_STREAM_RX_GAP,         /* records missing, mid-connection: drop the connection */
	HRP_STREAM_RX_RESYNC,      /* records lost for good (*lost_from..*lost_to): deliver it */
	HRP_STREAM_RX_BAD_CHANNEL, /* no such channel */
	HRP_STREAM_RX_VERDICT_MAX,
};

const char *hrp_stream_rx_verdict_name(enum hrp_stream_rx_verdict v);

/* One record of a data message (record i of a message has the message's data-seq + i). */
enum hrp_stream_rx_verdict hrp_stream_rx_record(struct hrp_stream_rx *rx, unsigned ch, uint32_t seq,
						uint64_t now_ms, uint32_t *lost_from,
						uint32_t *lost_to);
/* An ack of channel ch should go out now. */
bool hrp_stream_rx_ack_due(const struct hrp_stream_rx *rx, unsigned ch, uint64_t now_ms);
/* Takes the next ack of channel ch to send (call while it returns true: a loss report comes
 * first, then the cumulative ack). */
bool hrp_stream_rx_ack_take(struct hrp_stream_rx *rx, unsigned ch, uint32_t *ack_seq);
/* When the next ack falls due by time (HRP_STREAM_NEVER: none owed). */
uint64_t hrp_stream_rx_ack_deadline(const struct hrp_stream_rx *rx);

#endif
