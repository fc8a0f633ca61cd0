/* The source's side of a bulk transfer (sess_bulk_out.h). */
#include <netinet/in.h>

#include "sess_bulk_out.h"

void hs_sess_bulk_out_init(struct hs_sess_bulk_out *b)
{
	b->ranges = 0;
	hs_sess_keyset_init(&b->live);
	b->damaged = NULL;
}

void hs_sess_bulk_out_open(struct hs_sess_bulk_out *b, uint64_t ranges)
{
	b->ranges = ranges;
	hs_sess_keyset_clear(&b->live);
	b->damaged = NULL;
}

static bool stateless_update(const struct hs_sess *s)
{
	bool stateful = s->l4proto == IPPROTO_TCP || s->l4proto == IPPROTO_SCTP ||
			s->l4proto == IPPROTO_DCCP;
	return stateful && s->op == HS_SESS_UPDATE && !s->proto_state;
}

void hs_sess_bulk_out_live(struct hs_sess_bulk_out *b, const struct hs_sess *s)
{
	if (!b->ranges || b->damaged || !(b->ranges >> hs_sess_range(s) & 1) || stateless_update(s))
		return;
	if (hs_sess_keyset_add(&b->live, hs_sess_key_hash(s)) < 0)
		b->damaged = "no memory for the keys sent live";
}

bool hs_sess_bulk_out_take(const struct hs_sess_bulk_out *b, const struct hs_sess *s)
{
	return b->ranges && !b->damaged && (b->ranges >> hs_sess_range(s) & 1) &&
	       !hs_sess_keyset_has(&b->live, hs_sess_key_hash(s));
}

void hs_sess_bulk_out_damage(struct hs_sess_bulk_out *b, const char *why)
{
	if (b->ranges && !b->damaged)
		b->damaged = why;
}

void hs_sess_bulk_out_close(struct hs_sess_bulk_out *b)
{
	b->ranges = 0;
	hs_sess_keyset_free(&b->live);
	b->damaged = NULL;
}
