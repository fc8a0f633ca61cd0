/* FRR's `show ip ospf neighbor json`, read by the OSPF neighbour tracker: output captured from
 * the reference lab (FRR 8.4.4, tests/clab/ref.clab.yml), an older FRR's layout, states, the
 * interface filter, and what vtysh prints when ospfd is not there. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vgmp_ospf_nbr.h"

/* ---- captured from the lab: vtysh --vty_socket $NODE_DIR/frr -c 'show ip ospf neighbor json' */

/* fw1, adjacency with rtr up */
static const char FW1_FULL[] = "{\n"
			       "  \"neighbors\":{\n"
			       "    \"198.51.100.2\":[\n"
			       "      {\n"
			       "        \"priority\":1,\n"
			       "        \"state\":\"Full\\/-\",\n"
			       "        \"nbrPriority\":1,\n"
			       "        \"nbrState\":\"Full\\/-\",\n"
			       "        \"converged\":\"Full\",\n"
			       "        \"role\":\"DROther\",\n"
			       "        \"upTimeInMsec\":2378,\n"
			       "        \"deadTimeMsecs\":3826,\n"
			       "        \"routerDeadIntervalTimerDueMsec\":3826,\n"
			       "        \"upTime\":\"2.378s\",\n"
			       "        \"deadTime\":\"3.826s\",\n"
			       "        \"address\":\"198.51.100.2\",\n"
			       "        \"ifaceAddress\":\"198.51.100.2\",\n"
			       "        \"ifaceName\":\"up0:198.51.100.1\",\n"
			       "        \"retransmitCounter\":0,\n"
			       "        \"linkStateRetransmissionListCounter\":0,\n"
			       "        \"requestCounter\":0,\n"
			       "        \"linkStateRequestListCounter\":0,\n"
			       "        \"dbSummaryCounter\":0,\n"
			       "        \"databaseSummaryListCounter\":0\n"
			       "      }\n"
			       "    ]\n"
			       "  }\n"
			       "}\n";

/* rtr, both firewalls Full */
static const char RTR_TWO[] = "{\n"
			      "  \"neighbors\":{\n"
			      "    \"198.51.100.1\":[\n"
			      "      {\n"
			      "        \"priority\":1,\n"
			      "        \"state\":\"Full\\/-\",\n"
			      "        \"nbrPriority\":1,\n"
			      "        \"nbrState\":\"Full\\/-\",\n"
			      "        \"converged\":\"Full\",\n"
			      "        \"role\":\"DROther\",\n"
			      "        \"upTimeInMsec\":2463,\n"
			      "        \"deadTimeMsecs\":3535,\n"
			      "        \"routerDeadIntervalTimerDueMsec\":3535,\n"
			      "        \"upTime\":\"2.463s\",\n"
			      "        \"deadTime\":\"3.535s\",\n"
			      "        \"address\":\"198.51.100.1\",\n"
			      "        \"ifaceAddress\":\"198.51.100.1\",\n"
			      "        \"ifaceName\":\"up1:198.51.100.2\",\n"
			      "        \"retransmitCounter\":2,\n"
			      "        \"linkStateRetransmissionListCounter\":2,\n"
			      "        \"requestCounter\":0,\n"
			      "        \"linkStateRequestListCounter\":0,\n"
			      "        \"dbSummaryCounter\":0,\n"
			      "        \"databaseSummaryListCounter\":0\n"
			      "      }\n"
			      "    ],\n"
			      "    \"198.51.100.5\":[\n"
			      "      {\n"
			      "        \"priority\":1,\n"
			      "        \"state\":\"Full\\/-\",\n"
			      "        \"nbrPriority\":1,\n"
			      "        \"nbrState\":\"Full\\/-\",\n"
			      "        \"converged\":\"Full\",\n"
			      "        \"role\":\"DROther\",\n"
			      "        \"upTimeInMsec\":2352,\n"
			      "        \"deadTimeMsecs\":3647,\n"
			      "        \"routerDeadIntervalTimerDueMsec\":3647,\n"
			      "        \"upTime\":\"2.352s\",\n"
			      "        \"deadTime\":\"3.647s\",\n"
			      "        \"address\":\"198.51.100.5\",\n"
			      "        \"ifaceAddress\":\"198.51.100.5\",\n"
			      "        \"ifaceName\":\"up2:198.51.100.6\",\n"
			      "        \"retransmitCounter\":1,\n"
			      "        \"linkStateRetransmissionListCounter\":1,\n"
			      "        \"requestCounter\":0,\n"
			      "        \"linkStateRequestListCounter\":0,\n"
			      "        \"dbSummaryCounter\":0,\n"
			      "        \"databaseSummaryListCounter\":0\n"
			      "      }\n"
			      "    ]\n"
			      "  }\n"
			      "}\n";

/* fw1, after rtr dropped OSPF (proto 89) for 3 s: dead timer out */
static const char FW1_GONE[] = "{\n"
			       "  \"neighbors\":{\n"
			       "  }\n"
			       "}\n";

/* ---- written by hand ---- */

/* FRR 7.x and earlier: "state" only, a DROther pair in 2-Way, a neighbour on two interfaces. */
static const char OLD_LAYOUT[] = "{\"neighbors\": {"
				 " \"10.0.0.9\": [ {\"state\": \"2-Way/DROther\", \"address\": "
				 "\"10.1.0.9\", \"ifaceName\": \"eth0:10.1.0.1\"},"
				 " {\"state\": \"Full/DR\", \"address\": \"10.2.0.9\", "
				 "\"ifaceName\": \"eth1:10.2.0.1\"} ],"
				 " \"10.0.0.7\": [ {\"state\": \"ExStart/DR\", \"address\": "
				 "\"10.1.0.7\", \"ifaceName\": \"eth0:10.1.0.1\"} ] } }";

/* Before "neighbors" existed: router ids at the top, one object each. */
static const char OLDEST_LAYOUT[] = "{ \"10.0.0.9\": {\"state\": \"Loading/Backup\", \"address\": "
				    "\"10.1.0.9\", \"ifaceName\": \"eth0:10.1.0.1\"} }";

static struct vgmp_ospf_nbr find(const char *text, const char *who, const char *ifname)
{
	struct vgmp_ospf_nbr n;
	memset(&n, 0xa5, sizeof(n));
	assert_int_equal(vgmp_ospf_nbr_find(text, strlen(text), who, ifname, &n), 0);
	return n;
}

static void test_captured(void **state)
{
	struct vgmp_ospf_nbr n = find(FW1_FULL, "198.51.100.2", NULL);
	assert_int_equal(n.state, VGMP_OSPF_NBR_FULL);
	assert_true(vgmp_ospf_nbr_up(n.state));
	assert_string_equal(n.router_id, "198.51.100.2");
	assert_string_equal(n.address, "198.51.100.2");
	assert_string_equal(n.ifname, "up0");
	assert_int_equal(n.entries, 1);
	/* By interface: the right one, and a wrong one. */
	assert_int_equal(find(FW1_FULL, "198.51.100.2", "up0").state, VGMP_OSPF_NBR_FULL);
	assert_int_equal(find(FW1_FULL, "198.51.100.2", "").state, VGMP_OSPF_NBR_FULL);
	n = find(FW1_FULL, "198.51.100.2", "lan0");
	assert_int_equal(n.state, VGMP_OSPF_NBR_ABSENT);
	assert_false(vgmp_ospf_nbr_up(n.state));
	assert_int_equal(n.entries, 0);
	/* Someone else. */
	assert_int_equal(find(FW1_FULL, "198.51.100.6", NULL).state, VGMP_OSPF_NBR_ABSENT);
	/* Two neighbours: each found by its router id and by its address. */
	n = find(RTR_TWO, "198.51.100.5", NULL);
	assert_int_equal(n.state, VGMP_OSPF_NBR_FULL);
	assert_string_equal(n.ifname, "up2");
	assert_string_equal(find(RTR_TWO, "198.51.100.1", "up1").router_id, "198.51.100.1");
	assert_int_equal(find(RTR_TWO, "198.51.100.1", "up2").state, VGMP_OSPF_NBR_ABSENT);
	/* The dead timer ran out: ospfd deleted the neighbour. */
	n = find(FW1_GONE, "198.51.100.2", "up0");
	assert_int_equal(n.state, VGMP_OSPF_NBR_ABSENT);
	assert_false(vgmp_ospf_nbr_up(n.state));
}

static void test_old_layouts(void **state)
{
	/* Found by router id on two interfaces: the best state wins. */
	struct vgmp_ospf_nbr n = find(OLD_LAYOUT, "10.0.0.9", NULL);
	assert_int_equal(n.state, VGMP_OSPF_NBR_FULL);
	assert_string_equal(n.ifname, "eth1");
	assert_int_equal(n.entries, 2);
	/* On eth0 it is a DROther in 2-Way: not up. */
	n = find(OLD_LAYOUT, "10.0.0.9", "eth0");
	assert_int_equal(n.state, VGMP_OSPF_NBR_2WAY);
	assert_false(vgmp_ospf_nbr_up(n.state));
	/* By its address on the link. */
	n = find(OLD_LAYOUT, "10.1.0.7", NULL);
	assert_int_equal(n.state, VGMP_OSPF_NBR_EXSTART);
	assert_string_equal(n.router_id, "10.0.0.7");
	n = find(OLDEST_LAYOUT, "10.0.0.9", "eth0");
	assert_int_equal(n.state, VGMP_OSPF_NBR_LOADING);
	assert_string_equal(n.address, "10.1.0.9");
}

static void test_states(void **state)
{
	assert_int_equal(vgmp_ospf_nbr_state_parse("Full/-"), VGMP_OSPF_NBR_FULL);
	assert_int_equal(vgmp_ospf_nbr_state_parse("Full"), VGMP_OSPF_NBR_FULL);
	assert_int_equal(vgmp_ospf_nbr_state_parse("2-Way/DROther"), VGMP_OSPF_NBR_2WAY);
	assert_int_equal(vgmp_ospf_nbr_state_parse("Init/-"), VGMP_OSPF_NBR_INIT);
	assert_int_equal(vgmp_ospf_nbr_state_parse("Exchange/Backup"), VGMP_OSPF_NBR_EXCHANGE);
	assert_int_equal(vgmp_ospf_nbr_state_parse("Attempt"), VGMP_OSPF_NBR_ATTEMPT);
	assert_int_equal(vgmp_ospf_nbr_state_parse("Down/-"), VGMP_OSPF_NBR_DOWN);
	assert_int_equal(vgmp_ospf_nbr_state_parse("Deleted/-"), VGMP_OSPF_NBR_OTHER);
	assert_int_equal(vgmp_ospf_nbr_state_parse("Fullish"), VGMP_OSPF_NBR_OTHER);
	assert_int_equal(vgmp_ospf_nbr_state_parse(NULL), VGMP_OSPF_NBR_OTHER);
	for (int s = 0; s < VGMP_OSPF_NBR_STATE_MAX; s++)
		assert_int_equal(vgmp_ospf_nbr_up(s), s == VGMP_OSPF_NBR_FULL);
	assert_string_equal(vgmp_ospf_nbr_state_name(VGMP_OSPF_NBR_2WAY), "2-way");
	assert_string_equal(vgmp_ospf_nbr_state_name(VGMP_OSPF_NBR_STATE_MAX), "?");
	/* An entry without a state: known to exist, state unknown, not up. */
	const char *t = "{\"neighbors\": {\"10.0.0.1\": [ {\"address\": \"10.0.0.1\"} ]}}";
	assert_int_equal(find(t, "10.0.0.1", NULL).state, VGMP_OSPF_NBR_OTHER);
}

static void test_not_json(void **state)
{
	struct vgmp_ospf_nbr n = { .state = VGMP_OSPF_NBR_FULL, .entries = 7 };
	/* What vtysh prints when ospfd is not running, or has no instance. */
	static const char *const bad[] = {
		"ospfd is not running\n", "% OSPF instance not found\n",     "", "[ ]",
		"{\"neighbors\": [ ]}",   "{\"neighbors\": {\"10.0.0.1\": ",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vgmp_ospf_nbr_find(bad[i], strlen(bad[i]), "10.0.0.1", NULL, &n),
				 -EINVAL);
	assert_int_equal(vgmp_ospf_nbr_find(NULL, 0, "10.0.0.1", NULL, &n), -EINVAL);
	/* Untouched on failure. */
	assert_int_equal(n.state, VGMP_OSPF_NBR_FULL);
	assert_int_equal(n.entries, 7);
	/* Not NUL-terminated: only len bytes are read. */
	char buf[sizeof(FW1_FULL) + 8];
	memcpy(buf, FW1_FULL, sizeof(FW1_FULL) - 1);
	memset(buf + sizeof(FW1_FULL) - 1, 'x', 9);
	assert_int_equal(vgmp_ospf_nbr_find(buf, sizeof(FW1_FULL) - 1, "198.51.100.2", NULL, &n),
			 0);
	assert_int_equal(n.state, VGMP_OSPF_NBR_FULL);
}

/* A failed probe says nothing until the third in a row, then down; an answer resets the count
 * and is reported as it is, a real "not Full" at once. */
static void test_probe_failures_before_down(void **state)
{
	unsigned fails = 0;
	assert_int_equal(vgmp_ospf_nbr_run(&fails, true, VGMP_OSPF_NBR_FULL), VGMP_OSPF_NBR_SAY_UP);
	assert_int_equal(vgmp_ospf_nbr_run(&fails, false, 0), VGMP_OSPF_NBR_KEEP);
	assert_int_equal(vgmp_ospf_nbr_run(&fails, false, 0), VGMP_OSPF_NBR_KEEP);
	assert_int_equal(vgmp_ospf_nbr_run(&fails, true, VGMP_OSPF_NBR_FULL), VGMP_OSPF_NBR_SAY_UP);
	assert_int_equal(fails, 0);
	for (int i = 1; i < VGMP_OSPF_NBR_PROBE_FAILS; i++)
		assert_int_equal(vgmp_ospf_nbr_run(&fails, false, 0), VGMP_OSPF_NBR_KEEP);
	assert_int_equal(vgmp_ospf_nbr_run(&fails, false, 0), VGMP_OSPF_NBR_SAY_DOWN);
	assert_int_equal(vgmp_ospf_nbr_run(&fails, false, 0), VGMP_OSPF_NBR_SAY_DOWN);
	assert_int_equal(fails, VGMP_OSPF_NBR_PROBE_FAILS); /* held, never wraps */
	assert_int_equal(vgmp_ospf_nbr_run(&fails, true, VGMP_OSPF_NBR_2WAY),
			 VGMP_OSPF_NBR_SAY_DOWN);
	assert_int_equal(fails, 0);
	assert_int_equal(vgmp_ospf_nbr_run(&fails, true, VGMP_OSPF_NBR_ABSENT),
			 VGMP_OSPF_NBR_SAY_DOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured),
		cmocka_unit_test(test_old_layouts),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_probe_failures_before_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
