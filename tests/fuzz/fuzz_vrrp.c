/* Fuzz target: the VRRP decoder, the encoder as its inverse, and a group's receive path.
 *
 * Input: byte 0 flags, byte 1 TTL / hop limit, source and destination address (4 bytes each, 16
 * with IPv6), then the VRRP message. Flags:
 *   bit 0  IPv6                      bit 4  the group is started
 *   bit 1  RFC 9568 checksum mode    bit 5  the group is bound to VGMP
 *   bit 2  preempt delay 1 s         bit 6  bound: vgmpd makes it master
 *   bit 3  fix the checksum up (so that mutations get past it)
 *   bit 7  the group is the address owner (unbound)
 * Seeds (tests/fuzz/corpus/vrrp/seed_*.bin) are the adverts of the golden captures in this form;
 * the captures themselves sit there too, for the unit tests.
 *
 * Oracles: whatever decodes re-encodes to the same length and decodes to the same fields (to the
 * same bytes when the ignored v3 reserved bits and v2 authentication data are zero); the state
 * machine changes state only through notify, with old != new, and counts each change. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vrrp_fsm.h"
#include "vrrp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t notified;

static void op_send(struct vrrp_fsm *f, uint8_t priority)
{
	uint8_t buf[VRRP_MSG_MAX];
	struct hs_addr dst = f->p.primary;
	if (f->p.primary.family != 0 &&
	    vrrp_fsm_encode_advert(f, priority, &dst, buf, sizeof(buf)) < 0)
		abort();
}

static void op_vips(struct vrrp_fsm *f, bool active)
{
	if (active != (f->state == VRRP_STATE_MASTER))
		abort();
}

static void op_announce(struct vrrp_fsm *f)
{
	if (f->state != VRRP_STATE_MASTER)
		abort();
}

static void op_notify(struct vrrp_fsm *f, enum vrrp_state old, enum vrrp_state new_state,
		      enum vrrp_reason why)
{
	if (old == new_state || new_state != f->state || new_state < 0 ||
	    new_state >= VRRP_STATE_MAX || why < 0 || why >= VRRP_REASON_MAX)
		abort();
	notified++;
}

static void op_report(struct vrrp_fsm *f, enum vrrp_vgmp_event ev)
{
	if (!vrrp_fsm_is_bound(f) || ev < 0 || ev >= VRRP_VGMP_EV_MAX)
		abort();
}

static void op_mismatch(struct vrrp_fsm *f, const struct vrrp_advert *adv,
			const struct hs_addr *src)
{
}

static const struct vrrp_fsm_ops ops = {
	.send_advert = op_send,
	.set_vips = op_vips,
	.announce = op_announce,
	.notify = op_notify,
	.report_to_vgmp = op_report,
	.addr_mismatch = op_mismatch,
};

static void check_roundtrip(const uint8_t *msg, size_t len, const struct vrrp_ipinfo *ip,
			    enum vrrp_cksum_mode mode, const struct vrrp_advert *a)
{
	static struct vrrp_advert b;
	uint8_t out[VRRP_MSG_MAX];
	int n = vrrp_encode(a, ip, mode, out, sizeof(out));
	if (n < 0 || (size_t)n != len)
		abort();
	if (vrrp_decode(out, (size_t)n, ip, mode, &b, NULL) != VRRP_DROP_NONE)
		abort();
	if (a->version != b.version || a->vrid != b.vrid || a->priority != b.priority ||
	    a->interval_cs != b.interval_cs || a->n_addrs != b.n_addrs || a->family != b.family)
		abort();
	for (unsigned i = 0; i < a->n_addrs; i++)
		if (!hs_addr_equal(&a->addrs[i], &b.addrs[i]))
			abort();
	bool canonical = a->version == 3
				 ? (msg[4] & 0xf0) == 0
				 : memcmp(msg + len - VRRP_V2_AUTH_LEN, out + len - 8, 8) == 0;
	if (canonical && memcmp(msg, out, len) != 0)
		abort();
}

static void run_group(uint8_t flags, const uint8_t *msg, size_t len, const struct vrrp_ipinfo *ip)
{
	static struct vrrp_fsm f;
	struct vrrp_params p = {
		.vrid = len > 1 && msg[1] ? msg[1] : 1,
		.version = len > 0 && (msg[0] >> 4) == 2 && ip->src.family == AF_INET ? 2 : 3,
		.family = ip->src.family,
		.priority = flags & 0x80 ? VRRP_PRIO_OWNER : 150,
		.interval_cs = 100,
		.preempt = true,
		.preempt_delay_ms = flags & 0x04 ? 1000 : 0,
		.binding = flags & 0x20 ? HS_BIND_ACTIVE : HS_BIND_NONE,
		.cksum = flags & 0x02 ? VRRP_CKSUM_RFC9568 : VRRP_CKSUM_PSEUDO,
		.primary = ip->dst,
		.n_vips = 1,
	};
	if (p.binding != HS_BIND_NONE && p.priority == VRRP_PRIO_OWNER)
		p.priority = 150;
	p.vips[0].family = p.family;
	p.vips[0].bytes[0] = p.family == AF_INET6 ? 0x20 : 192;
	if (vrrp_fsm_init(&f, &p, &ops, NULL) != 0)
		abort();
	notified = 0;
	uint64_t now = 1000;
	if (flags & 0x10)
		vrrp_fsm_startup(&f, now);
	if ((flags & 0x60) == 0x60)
		vrrp_fsm_set_role(&f, VRRP_ROLE_MASTER, VRRP_REASON_VGMP, now);
	for (int round = 0; round < 3; round++) {
		now += 500;
		vrrp_fsm_receive(&f, msg, len, ip, now);
		uint64_t next = vrrp_fsm_next_deadline(&f);
		if (next != VRRP_NEVER && next < now + 1000000)
			vrrp_fsm_timer(&f, next);
	}
	vrrp_fsm_shutdown(&f, now + 1);
	if (f.state != VRRP_STATE_INIT || notified != f.counters.transitions ||
	    vrrp_fsm_next_deadline(&f) != VRRP_NEVER)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vrrp_advert adv;
	static uint8_t msg[VRRP_MSG_MAX + 64];
	if (size < 2)
		return 0;
	uint8_t flags = data[0];
	struct vrrp_ipinfo ip = { .ttl = data[1] };
	int family = flags & 0x01 ? AF_INET6 : AF_INET;
	size_t alen = family == AF_INET6 ? 16 : 4;
	if (size < 2 + 2 * alen)
		return 0;
	ip.src.family = ip.dst.family = family;
	memcpy(ip.src.bytes, data + 2, alen);
	memcpy(ip.dst.bytes, data + 2 + alen, alen);
	size_t len = size - 2 - 2 * alen;
	if (len > sizeof(msg))
		len = sizeof(msg);
	memcpy(msg, data + 2 + 2 * alen, len);
	enum vrrp_cksum_mode mode = flags & 0x02 ? VRRP_CKSUM_RFC9568 : VRRP_CKSUM_PSEUDO;
	if ((flags & 0x08) && len >= VRRP_HDR_LEN) {
		msg[6] = msg[7] = 0;
		uint16_t sum = vrrp_checksum(msg, len, msg[0] >> 4, &ip, mode);
		msg[6] = (uint8_t)(sum >> 8);
		msg[7] = (uint8_t)sum;
	}

	struct vrrp_counters c = { 0 };
	enum vrrp_drop d = vrrp_decode(msg, len, &ip, mode, &adv, &c);
	if (c.rx != 1 || (d != VRRP_DROP_NONE && c.drops[d] != 1))
		abort();
	if (d == VRRP_DROP_NONE)
		check_roundtrip(msg, len, &ip, mode, &adv);
	run_group(flags, msg, len, &ip);
	return 0;
}
