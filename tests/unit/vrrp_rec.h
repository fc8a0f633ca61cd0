/* The vrrp_fsm tests' recorder (every op as text in rec), the addresses around ours, and the
 * helpers to make, feed and place a state machine. Include after cmocka.h. */
#ifndef HS_TEST_VRRP_REC_H
#define HS_TEST_VRRP_REC_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vrrp_fsm.h"
#include "vrrp_packet.h"

/* ---- the recorder ---- */

static char rec[2048];
static unsigned notifies;

static inline void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void logf_(const char *fmt, ...)
{
	size_t n = strlen(rec);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rec + n, sizeof(rec) - n, fmt, ap);
	va_end(ap);
	n = strlen(rec);
	snprintf(rec + n, sizeof(rec) - n, ";");
}

static inline void rec_clear(void)
{
	rec[0] = 0;
	notifies = 0;
}

static inline void r_send(struct vrrp_fsm *f, uint8_t prio)
{
	logf_("advert(%u)", prio);
}

static inline void r_vips(struct vrrp_fsm *f, bool up)
{
	/* The new state is already set: VIPs are up exactly in Master. */
	assert_int_equal(up, f->state == VRRP_STATE_MASTER);
	logf_("vips(%s)", up ? "up" : "down");
}

static inline void r_announce(struct vrrp_fsm *f)
{
	assert_int_equal(f->state, VRRP_STATE_MASTER);
	logf_("garp");
}

static inline void r_notify(struct vrrp_fsm *f, enum vrrp_state from, enum vrrp_state to,
			    enum vrrp_reason why)
{
	assert_int_not_equal(from, to);
	assert_int_equal(f->state, to);
	notifies++;
	logf_("notify(%s->%s,%s)", vrrp_state_name(from), vrrp_state_name(to),
	      vrrp_reason_name(why));
}

static inline void r_report(struct vrrp_fsm *f, enum vrrp_vgmp_event ev)
{
	assert_true(vrrp_fsm_is_bound(f));
	logf_("vgmp(%s)", vrrp_vgmp_event_name(ev));
}

static inline void r_mismatch(struct vrrp_fsm *f, const struct vrrp_advert *adv,
			      const struct hs_addr *src)
{
	logf_("mismatch(%u)", adv->n_addrs);
}

static const struct vrrp_fsm_ops rec_ops = {
	.send_advert = r_send,
	.set_vips = r_vips,
	.announce = r_announce,
	.notify = r_notify,
	.report_to_vgmp = r_report,
	.addr_mismatch = r_mismatch,
};

/* ---- fixtures ---- */

static inline struct hs_addr addr(const char *s)
{
	struct hs_addr a;
	if (hs_addr_parse(s, &a) != 0)
		fail_msg("bad address %s", s);
	return a;
}

#define LOWER  "192.0.2.1" /* addresses around ours for tie-breaks */
#define OURS   "192.0.2.2"
#define HIGHER "192.0.2.3"
#define VIP    "192.0.2.254"

static inline struct vrrp_params params(int prio, int binding)
{
	struct vrrp_params p = {
		.vrid = 51,
		.version = 3,
		.family = AF_INET,
		.priority = (uint8_t)prio,
		.interval_cs = 100,
		.preempt = true,
		.binding = binding,
		.cksum = VRRP_CKSUM_PSEUDO,
		.primary = addr(OURS),
		.n_vips = 1,
		.vips = { addr(VIP) },
	};
	return p;
}

static inline void fsm_new(struct vrrp_fsm *f, const struct vrrp_params *p)
{
	assert_int_equal(vrrp_fsm_init(f, p, &rec_ops, NULL), 0);
	rec_clear();
}

static inline struct vrrp_advert advert_from(const struct vrrp_fsm *f, int prio,
					     uint16_t interval_cs)
{
	struct vrrp_advert a;
	assert_int_equal(vrrp_fsm_build_advert(f, (uint8_t)prio, &a), 0);
	a.interval_cs = interval_cs;
	return a;
}

/* Feeds an advert of this priority from src through the receive checks. */
static inline enum vrrp_drop hear(struct vrrp_fsm *f, int prio, const char *src, uint64_t now)
{
	struct vrrp_advert a = advert_from(f, prio, f->p.interval_cs);
	struct hs_addr s = addr(src);
	return vrrp_fsm_input(f, &a, &s, now);
}

#define T0 10000u
#define T1 10500u

/* Puts f in state `to` at T0 through the public API, the recorder cleared afterwards. */
static inline void reach(struct vrrp_fsm *f, enum vrrp_state to)
{
	bool bound = vrrp_fsm_is_bound(f);
	if (to == VRRP_STATE_BACKUP) {
		assert_int_equal(vrrp_fsm_startup(f, T0), 0);
	} else if (to == VRRP_STATE_MASTER && bound) {
		assert_int_equal(vrrp_fsm_startup(f, T0), 0);
		assert_int_equal(vrrp_fsm_set_role(f, VRRP_ROLE_MASTER, VRRP_REASON_VGMP, T0), 0);
	} else if (to == VRRP_STATE_MASTER && f->p.priority == VRRP_PRIO_OWNER) {
		assert_int_equal(vrrp_fsm_startup(f, T0), 0);
	} else if (to == VRRP_STATE_MASTER) {
		unsigned mdi = vrrp_master_down_cs(3, f->p.priority, f->p.interval_cs) * 10;
		assert_int_equal(vrrp_fsm_startup(f, T0 - mdi), 0);
		assert_int_equal(f->t.master_down_ms, T0);
		assert_int_equal(vrrp_fsm_timer(f, T0), 0);
	}
	assert_int_equal(f->state, to);
	rec_clear();
}

/* ---- every cell ---- */

#define NEVER  VRRP_NEVER
#define NOCHK  (VRRP_NEVER - 1)
#define UNB    HS_BIND_NONE
#define BOUND  HS_BIND_ACTIVE
#define S_INIT VRRP_STATE_INIT
#define S_BACK VRRP_STATE_BACKUP
#define S_MAST VRRP_STATE_MASTER

#endif
