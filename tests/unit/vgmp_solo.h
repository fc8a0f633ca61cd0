/* One box of the VGMP simulation (vgmp_sim.h) driven alone against a scripted peer: the peer's
 * payloads are faked, what box A sends to it is dropped. For test_vgmp_fsm_solo.c and
 * test_vgmp_ospf_cost.c. */
#ifndef VGMP_SOLO_H
#define VGMP_SOLO_H

#include "vgmp_sim.h"

static inline struct hrp_vgmp peer_payload(enum vgmp_state s, uint16_t prio, uint32_t readiness)
{
	return (struct hrp_vgmp){
		.priority = prio,
		.state = (uint8_t)vgmp_state_to_hrp(s),
		.readiness = readiness,
		.has_mode = true,
		.mode = HRP_VGMP_MODE_ACTIVE_STANDBY,
	};
}

static inline void fake_peer(enum vgmp_state s, uint16_t prio, uint32_t readiness)
{
	struct hrp_vgmp pl = peer_payload(s, prio, readiness);
	assert_int_equal(vgmp_peer_update(&S.b[A].v, &pl, "peer", S.now), 0);
}

static inline void solo(void)
{
	sim_setup(0, 0);
	S.check = false;
	S.b[B].running = false; /* messages to it are dropped */
	sim_init(A);
	sim_enable(A);
}

static inline void answer_is(enum vgmp_msg kind, uint32_t id, enum hrp_vgmp_reason reason)
{
	assert_int_equal(S.b[A].last_sent.kind, kind);
	assert_int_equal(S.b[A].last_sent.request_id, id);
	assert_int_equal(S.b[A].last_sent.reason, reason);
}

#endif
