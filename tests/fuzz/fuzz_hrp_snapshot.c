/* Fuzz target: hrpd's hot-restart snapshot (lib/hrp_snapshot.h), as the new process reads the old
 * one's: any bytes are JSON-parsed and decoded; what decodes must encode and decode again to the
 * same sequence numbers, epochs and liveness deadlines, and the same data stream (records,
 * numbering, the connection's bytes), and the session part's dirty ranges (minor 6). Its "cfgsync"
 * part goes through config sync's codec (lib/cfgsync_hot_codec.h) as hrpd reads it: a set that
 * decodes must encode and decode again to the same digest. */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsync_hot_codec.h"
#include "hrp_snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void cfgsync_part(const json_t *o)
{
	struct hrpd_cfg_set set[2] = { 0 };
	struct hrpd_cfg_result r = { 0 };
	uint64_t u;
	uint8_t d[HS_CFGSYNC_DIGEST_LEN];
	hrpd_cfg_hot_get_result(1000, o, "last_rx", &r);
	hrpd_cfg_hot_get_u64(o, "generation", &u);
	hrpd_cfg_hot_get_digest(o, "digest", d);
	uint64_t counters[8];
	hrpd_cfg_hot_get_counters(o, "counters", counters, 8);
	if (hrpd_cfg_hot_get_set(json_object_get(o, "peer"), &set[0]) == 0) {
		json_t *back = hrpd_cfg_hot_set(&set[0]);
		if (!back || hrpd_cfg_hot_get_set(back, &set[1]) != 0 ||
		    memcmp(set[0].digest, set[1].digest, sizeof(d)) != 0 || set[0].n != set[1].n)
			__builtin_trap();
		json_decref(back);
	}
	hrpd_cfg_set_clear(&set[0]);
	hrpd_cfg_set_clear(&set[1]);
}

/* The data stream (minor 2) comes back the same: numbering, records, the connection's bytes. */
static bool same_stream(const struct hrp_snapshot *a, const struct hrp_snapshot *b)
{
	if (!a->data_tx != !b->data_tx || a->data_conn.present != b->data_conn.present ||
	    a->data_conn.in_len != b->data_conn.in_len ||
	    a->data_conn.out_len != b->data_conn.out_len ||
	    (a->data_conn.in_len &&
	     memcmp(a->data_conn.in, b->data_conn.in, a->data_conn.in_len)) ||
	    (a->data_conn.out_len &&
	     memcmp(a->data_conn.out, b->data_conn.out, a->data_conn.out_len)))
		return false;
	for (unsigned c = 1; a->data_tx && c < HRP_CHAN_MAX; c++) {
		const struct hrp_stream_tx_chan *x = &a->data_tx->ch[c], *y = &b->data_tx->ch[c];
		if (x->next_seq != y->next_seq || x->acked != y->acked ||
		    x->sent_top != y->sent_top || x->records != y->records ||
		    x->bytes != y->bytes || x->unsent != y->unsent)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	if (!j)
		return 0;
	struct hrp_snapshot *s = calloc(2, sizeof(*s));
	char err[256];
	if (s && hrp_snapshot_decode(j, &s[0], err, sizeof(err)) == 0) {
		json_t *back = hrp_snapshot_encode(&s[0]);
		if (!back || hrp_snapshot_decode(back, &s[1], err, sizeof(err)) != 0 ||
		    memcmp(&s[0].tx, &s[1].tx, sizeof(s[0].tx)) != 0 ||
		    s[0].peer.epoch != s[1].peer.epoch ||
		    hrp_lv_next_deadline(&s[0].lv) != hrp_lv_next_deadline(&s[1].lv) ||
		    s[0].n_links != s[1].n_links || !same_stream(&s[0], &s[1]) ||
		    memcmp(&s[0].session.dirty, &s[1].session.dirty, sizeof(s[0].session.dirty)))
			__builtin_trap();
		json_decref(back);
		hrp_snapshot_release(&s[1]);
	}
	if (s)
		hrp_snapshot_release(&s[0]);
	free(s);
	cfgsync_part(json_object_get(j, "cfgsync"));
	json_decref(j);
	return 0;
}
