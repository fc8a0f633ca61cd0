/* The send plan on a body (see issu_send.h). */
#include "issu_send.h"

#include <errno.h>
#include <string.h>

#include "hrp_registry.h"
#include "hrp_wire.h"

int issu_send_narrow(const struct issu_verdict *v, uint16_t type, uint8_t *body, size_t *len,
		     unsigned *omitted)
{
	if (omitted)
		*omitted = 0;
	if (!v || !v->n_held)
		return 0;
	if (!issu_may_send(v, type))
		return -EPERM;
	const struct issu_held *h = issu_verdict_find(v, type);
	if (!h || h->send != ISSU_SEND_NARROWED || !h->n_omit)
		return 0;
	/* Checked whole first, so a body that does not parse is left as it is. */
	struct hrp_tlv_iter it;
	struct hrp_tlv t;
	int r;
	hrp_tlv_iter_init(&it, body, *len);
	while ((r = hrp_tlv_next(&it, &t)) == 1)
		;
	if (r < 0)
		return -EBADMSG;
	size_t in = 0, out = 0;
	unsigned cut = 0;
	while (in < *len) {
		uint16_t tt = (uint16_t)(body[in] << 8 | body[in + 1]);
		size_t tl = HRP_TLV_HDR_LEN + (size_t)(body[in + 2] << 8 | body[in + 3]);
		if (issu_may_send_tlv(v, type, (uint16_t)(tt & ~HRP_TLV_CRITICAL))) {
			memmove(body + out, body + in, tl);
			out += tl;
		} else {
			cut++;
		}
		in += tl;
	}
	*len = out;
	if (omitted)
		*omitted = cut;
	return 0;
}

bool issu_data_channel_held(const struct issu_verdict *v)
{
	if (!v || !v->n_held)
		return false;
	return !issu_may_send(v, HRP_MSG_DATA) || !issu_may_send(v, HRP_MSG_DATA_ACK);
}
