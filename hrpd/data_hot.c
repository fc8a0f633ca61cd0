/* The data channel across a hot restart of hrpd (doc/hot-restart.md, "hrpd").
 *
 * The listeners are handed over; the connection is not: the old process closes it when it sends
 * its snapshot and the new one connects anew (or the peer does), as after any broken connection.
 * What makes that lose nothing is the numbering, carried in the snapshot: our next data sequence
 * number per channel (the peer expects it: same epoch, no restart seen) and the peer's next one
 * we have not delivered (what the peer resends on the new connection is dropped up to it, as
 * duplicates). A hot restart is refused while anything is in flight (records not yet
 * acknowledged, bytes half sent or half received): they would have to travel in the snapshot.
 * From the snapshot on the old process is frozen: no connection, no listener read, nothing
 * queued, so the numbers it handed over stay true; it thaws if the handover is aborted. */
#include <stdio.h>
#include <sys/epoll.h>

#include "data_int.h"
#include "hrp_snapshot.h"

int hrpd_data_hot_busy(const struct hrpd *h, char *why, size_t len)
{
	const struct hrpd_data *dc = h->data;
	if (!dc)
		return 0;
	for (unsigned c = 1; c < HRP_CHAN_MAX; c++)
		if (dc->tx.ch[c].records) {
			snprintf(why, len,
				 "the data channel holds %zu %s record(s) not yet acknowledged by "
				 "the peer: try again in a moment",
				 dc->tx.ch[c].records, hrp_data_channel_name(c));
			return 1;
		}
	if (dc->in_len || dc->out_len > dc->out_off) {
		snprintf(why, len, "the data channel is in the middle of a message: try again");
		return 1;
	}
	if (h->peer.known && dc->rx_epoch_set && dc->rx_epoch != h->peer.epoch) {
		snprintf(why, len, "the peer's restart is not yet taken by the data channel");
		return 1;
	}
	return 0;
}

void hrpd_data_hot_save(const struct hrpd *h, struct hrp_snap_data_chan *out)
{
	const struct hrpd_data *dc = h->data;
	for (unsigned c = 1; dc && c < HRP_CHAN_MAX; c++)
		out[c] = (struct hrp_snap_data_chan){ .used = true,
						      .tx_next = dc->tx.ch[c].next_seq,
						      .resync = dc->tx.ch[c].resync,
						      .rx_synced = dc->rx.ch[c].synced,
						      .rx_next = dc->rx.ch[c].next };
}

void hrpd_data_hot_restore(struct hrpd *h, const struct hrp_snap_data_chan *in)
{
	struct hrpd_data *dc = h->data;
	if (!dc)
		return;
	uint32_t first[HRP_CHAN_MAX];
	for (unsigned c = 0; c < HRP_CHAN_MAX; c++)
		first[c] = dc->tx.ch[c].next_seq;
	for (unsigned c = 1; c < HRP_CHAN_MAX; c++) {
		if (!in[c].used)
			continue;
		first[c] = in[c].tx_next;
		dc->rx.ch[c].synced = in[c].rx_synced;
		dc->rx.ch[c].next = in[c].rx_next;
	}
	size_t limit = dc->tx.limit_bytes;
	hrp_stream_tx_free(&dc->tx);
	hrp_stream_tx_init(&dc->tx, limit, first);
	for (unsigned c = 1; c < HRP_CHAN_MAX; c++)
		dc->tx.ch[c].resync = in[c].used && in[c].resync;
	/* The peer's epoch as the data channel last saw it: no restart to follow. */
	if (h->peer.known) {
		dc->rx_epoch_set = true;
		dc->rx_epoch = h->peer.epoch;
	}
}

void hrpd_data_hot_freeze(struct hrpd *h, bool frozen)
{
	struct hrpd_data *dc = h->data;
	if (!dc || dc->hot_frozen == frozen)
		return;
	if (frozen) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_HOT, "handed over to a new hrpd");
		hrpd_data_held_drop(dc);
	}
	dc->hot_frozen = frozen;
	for (int i = 0; i < HS_HRP_LINKS_MAX; i++)
		if (dc->lis[i].io_on)
			hs_io_set_events(&dc->lis[i].io, frozen ? 0 : EPOLLIN);
	if (!frozen)
		hrpd_data_check(h);
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
	return r;
}
