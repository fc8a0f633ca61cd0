/* The data channel across a hot restart of hrpd (doc/hot-restart.md, "hrpd").
 *
 * Everything is handed over: the listeners ("hrp-data:IF"), the connection ("hrp-data-conn") and,
 * in the snapshot (lib/hrp_snapshot_data.c), the stream whole: per channel our numbering and every
 * record not yet acknowledged (and which of them went out on this connection), the receiver's
 * place in the peer's records and the acks it owes, and the bytes in flight inside hrpd (a message
 * half received, messages built and not wholly written). The new process goes on on the same
 * connection from the same byte: the peer sees no close, no resend, no gap, no renumbering.
 *
 * From its snapshot on the old process is frozen: the connection and the listeners are no longer
 * read or written (what the peer sends waits in the kernel for the new process), so the state it
 * handed over stays true; it thaws if the handover aborts. The new process stays frozen likewise
 * until its confirm. A connect under way is not carried (closed, made anew), nor a connection held
 * before the peer was up (the peer connects again).
 *
 * Refused, with the reason: more record bytes held than a snapshot carries
 * (HRP_SNAP_DATA_BYTES_MAX), and a peer restart the data channel has not taken yet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "data_int.h"
#include "hrp_snapshot.h"
#include "log.h"

#define HOT_CONN_FD "hrp-data-conn"

int hrpd_data_hot_busy(const struct hrpd *h, char *why, size_t len)
{
	const struct hrpd_data *dc = h->data;
	if (!dc)
		return 0;
	size_t bytes = 0;
	for (unsigned c = 1; c < HRP_CHAN_MAX; c++)
		bytes += dc->tx.ch[c].bytes;
	if (bytes > HRP_SNAP_DATA_BYTES_MAX) {
		snprintf(why, len,
			 "the data channel holds %zu bytes of records, more than a snapshot "
			 "carries (%u): try again once the peer has acknowledged them",
			 bytes, HRP_SNAP_DATA_BYTES_MAX);
		return 1;
	}
	if (dc->in_len > HRP_SNAP_CONN_BUF_MAX ||
	    dc->out_len - dc->out_off > HRP_SNAP_CONN_BUF_MAX) {
		snprintf(why, len, "the data channel's buffers are too full to carry: try again");
		return 1;
	}
	if (h->peer.known && dc->rx_epoch_set && dc->rx_epoch != h->peer.epoch) {
		snprintf(why, len,
			 "the peer's restart is not yet taken by the data channel: try "
			 "again");
		return 1;
	}
	return 0;
}

void hrpd_data_hot_save(const struct hrpd *h, struct hrp_snapshot *s)
{
	struct hrpd_data *dc = h->data;
	if (!dc)
		return;
	for (unsigned c = 1; c < HRP_CHAN_MAX; c++) {
		const struct hrp_stream_rx_chan *r = &dc->rx.ch[c];
		s->data[c] = (struct hrp_snap_data_chan){ .used = true,
							  .tx_next = dc->tx.ch[c].next_seq,
							  .resync = dc->tx.ch[c].resync,
							  .rx_synced = r->synced,
							  .rx_next = r->next,
							  .stream = true,
							  .rx_fresh = r->fresh,
							  .rx_ack_owed = r->owed || r->now,
							  .rx_lost_owed = r->lost_owed,
							  .rx_lost_ack = r->lost_ack };
	}
	s->data_tx = &dc->tx; /* borrowed: encoded before anything changes it */
	size_t held = 0, unsent = 0;
	for (unsigned c = 1; c < HRP_CHAN_MAX; c++) {
		held += dc->tx.ch[c].records;
		unsent += dc->tx.ch[c].unsent;
	}
	hs_notice(HRPD_DATA_PREFIX,
		  "handing over: %zu records not acknowledged (%zu of them not "
		  "sent), connection %s, %zu bytes half received, %zu to write",
		  held, unsent, hrpd_data_state_name(dc->state), dc->in_len,
		  dc->out_len - dc->out_off);
	if (dc->state != HRPD_DATA_UP)
		return;
	struct hrp_snap_data_conn *o = &s->data_conn;
	o->present = true;
	snprintf(o->link, sizeof(o->link), "%s", dc->link_name);
	o->outgoing = dc->outgoing;
	o->since_ms = dc->since_ms;
	o->in = dc->in;
	o->in_len = dc->in_len;
	o->out = dc->out + dc->out_off;
	o->out_len = dc->out_len - dc->out_off;
}

/* The old process's connection, with the bytes it had in flight, or -1 when it cannot be taken
 * (then the peer's records not acknowledged are sent again on a new one, as after any close). */
static int take_conn(struct hrpd_data *dc, struct hrp_snap_data_conn *in)
{
	int fd = hs_fdset_take(&dc->h->d->inherited, HOT_CONN_FD);
	const char *why = NULL;
	if (fd < 0)
		why = "its socket was not handed over";
	else if (in->in_len > HRPD_DATA_IN_CAP || in->out_len > HRPD_DATA_OUT_CAP)
		why = "its buffers do not fit";
	else if (hrpd_data_conn_adopt(dc, fd, in->link, in->outgoing, in->since_ms) < 0)
		why = "its link is not configured";
	if (why) {
		hs_warn(HRPD_DATA_PREFIX,
			"the connection over %s is not taken over: %s (connecting "
			"anew)",
			in->link, why);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memcpy(dc->in, in->in, in->in_len);
	dc->in_len = in->in_len;
	memcpy(dc->out, in->out, in->out_len);
	dc->out_off = 0;
	dc->out_len = in->out_len;
	dc->st.taken_over++;
	hs_notice(HRPD_DATA_PREFIX,
		  "connection over %s taken over (%zu bytes half received, %zu "
		  "to write)",
		  dc->link_name, dc->in_len, dc->out_len);
	return 0;
}

void hrpd_data_hot_restore(struct hrpd *h, struct hrp_snapshot *s)
{
	struct hrpd_data *dc = h->data;
	if (!dc)
		return;
	const struct hrp_snap_data_chan *in = s->data;
	uint32_t first[HRP_CHAN_MAX];
	for (unsigned c = 0; c < HRP_CHAN_MAX; c++)
		first[c] = in[c].used ? in[c].tx_next : dc->tx.ch[c].next_seq;
	if (s->data_tx) {
		/* The records are ours now: the snapshot's lists move into the channel. */
		size_t limit = dc->tx.limit_bytes;
		hrp_stream_tx_free(&dc->tx);
		dc->tx = *s->data_tx;
		dc->tx.limit_bytes = limit;
		free(s->data_tx);
		s->data_tx = NULL;
	}
	for (unsigned c = 1; c < HRP_CHAN_MAX; c++) {
		struct hrp_stream_rx_chan *r = &dc->rx.ch[c];
		/* Numbering only (an older snapshot, or a channel it did not know). */
		if (!in[c].stream)
			hrp_stream_tx_restore_chan(&dc->tx, c, first[c] - 1u, first[c],
						   in[c].used && in[c].resync, false);
		if (!in[c].used)
			continue;
		r->synced = in[c].rx_synced;
		r->next = in[c].rx_next;
		r->fresh = in[c].rx_fresh;
		r->now = in[c].rx_ack_owed; /* at once, once thawed */
		r->lost_owed = in[c].rx_lost_owed;
		r->lost_ack = in[c].rx_lost_ack;
	}
	/* The peer's epoch as the data channel last saw it: no restart to follow. */
	if (h->peer.known) {
		dc->rx_epoch_set = true;
		dc->rx_epoch = h->peer.epoch;
	}
	if (s->data_conn.present)
		take_conn(dc, &s->data_conn);
	/* Nothing is read or written before our confirm. */
	hrpd_data_hot_freeze(h, true);
}

void hrpd_data_hot_freeze(struct hrpd *h, bool frozen)
{
	struct hrpd_data *dc = h->data;
	if (!dc || dc->hot_frozen == frozen)
		return;
	if (frozen) {
		hrpd_data_conn_pause(dc);
		hrpd_data_held_drop(dc);
	}
	dc->hot_frozen = frozen;
	for (int i = 0; i < HS_HRP_LINKS_MAX; i++)
		if (dc->lis[i].io_on)
			hs_io_set_events(&dc->lis[i].io, frozen ? 0 : EPOLLIN);
	if (!frozen) {
		hrpd_data_conn_resume(dc);
		hrpd_data_check(h);
	}
}

/* The old process's exit after a confirmed handover: the connection is the new one's. */
void hrpd_data_hot_release(struct hrpd *h)
{
	struct hrpd_data *dc = h->data;
	if (!dc || !dc->hot_frozen || dc->state != HRPD_DATA_UP)
		return;
	if (dc->io_on)
		hs_io_stop(&dc->io);
	dc->io_on = false;
	close(dc->fd); /* the new process holds the connection: nothing goes on the wire */
	dc->fd = -1;
	dc->state = HRPD_DATA_IDLE;
}

int hrpd_data_hot_fds(const struct hrpd *h, struct hs_fdset *out)
{
	const struct hrpd_data *dc = h->data;
	char name[64];
	int r = 0;
	for (int i = 0; dc && r == 0 && i < HS_HRP_LINKS_MAX; i++) {
		if (dc->lis[i].fd < 0)
			continue;
		snprintf(name, sizeof(name), "hrp-data:%s", dc->lis[i].ifname);
		r = hs_fdset_add(out, name, dc->lis[i].fd);
	}
	if (r == 0 && dc && dc->state == HRPD_DATA_UP)
		r = hs_fdset_add(out, HOT_CONN_FD, dc->fd);
	return r;
}
