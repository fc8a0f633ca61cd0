/* When the upgrade asks the active box to hand the role over (lib/issu_handover.h): only once
 * the peer can route. A peer ranked below us by a tracked object that is down (its OSPF
 * adjacency not back after a cold start) is waited for, for the handover and the release alike;
 * the handover also waits for the peer's bulk sync, the release does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "issu_handover.h"

static const struct hrp_vgmp active = { .priority = 45000, .state = HRP_VGMP_ACTIVE };

static struct hrp_vgmp standby(uint16_t priority, uint32_t readiness)
{
	return (struct hrp_vgmp){ .priority = priority,
				  .state = HRP_VGMP_STANDBY,
				  .readiness = readiness };
}

static void test_ask_when_it_routes(void **state)
{
	(void)state;
	struct hrp_vgmp p = standby(45000, HRP_VGMP_R_SESSIONS_SYNCED);
	assert_int_equal(issu_handover_wait(&active, &p, false), ISSU_HO_ASK);
	assert_int_equal(issu_handover_wait(&active, &p, true), ISSU_HO_ASK);
	/* a peer above us (our own tracker down) takes it too */
	p.priority = 45002;
	assert_int_equal(issu_handover_wait(&active, &p, false), ISSU_HO_ASK);
	assert_string_equal(issu_handover_wait_name(ISSU_HO_ASK), "");
}

static void test_wait_while_a_tracker_is_down(void **state)
{
	(void)state;
	/* s60: fw2 cold-started, synced, its OSPF neighbour not yet Full (45000 - 2) */
	struct hrp_vgmp p = standby(44998, HRP_VGMP_R_SESSIONS_SYNCED);
	assert_int_equal(issu_handover_wait(&active, &p, false), ISSU_HO_LOWER);
	/* nothing nacks a release: the step itself must wait */
	assert_int_equal(issu_handover_wait(&active, &p, true), ISSU_HO_LOWER);
	assert_non_null(strstr(issu_handover_wait_name(ISSU_HO_LOWER), "tracked object"));
	/* the adjacency is back: asked */
	p.priority = 45000;
	assert_int_equal(issu_handover_wait(&active, &p, true), ISSU_HO_ASK);
}

static void test_wait_for_sync_and_standby(void **state)
{
	(void)state;
	struct hrp_vgmp p = standby(45000, 0);
	assert_int_equal(issu_handover_wait(&active, &p, false), ISSU_HO_NOT_SYNCED);
	/* the cold mode's versions may not sync at all: the release does not wait for it */
	assert_int_equal(issu_handover_wait(&active, &p, true), ISSU_HO_ASK);
	/* a starting peer (initialize) or one holding a role is not asked, whatever its rank */
	p = standby(45000, HRP_VGMP_R_SESSIONS_SYNCED);
	p.state = HRP_VGMP_INITIALIZE;
	assert_int_equal(issu_handover_wait(&active, &p, true), ISSU_HO_NOT_STANDBY);
	p.state = HRP_VGMP_ACTIVE;
	assert_int_equal(issu_handover_wait(&active, &p, false), ISSU_HO_NOT_STANDBY);
	assert_string_equal(issu_handover_wait_name(ISSU_HO_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ask_when_it_routes),
		cmocka_unit_test(test_wait_while_a_tracker_is_down),
		cmocka_unit_test(test_wait_for_sync_and_standby),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
