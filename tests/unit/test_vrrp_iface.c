/* What a VRRP group does about its interface (lib/vrrp_iface): stop on a dead or renewed index
 * or a lost vMAC link; unbound groups also on a link down or without an address, bound groups
 * never for those (vgmpd's call); start once usable; and which address it advertises from. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vrrp_iface.h"

static struct vrrp_iface_facts usable(bool running, bool bound)
{
	return (struct vrrp_iface_facts){ .running = running,
					  .bound = bound,
					  .ifindex = 7,
					  .ifindex_set_up = running ? 7 : 0,
					  .oper_up = true,
					  .has_address = true };
}

static enum vrrp_iface_verdict decide(const struct vrrp_iface_facts *f, enum vrrp_iface_why want)
{
	enum vrrp_iface_why why = VRRP_IFACE_WHY_MAX;
	enum vrrp_iface_verdict v = vrrp_iface_decide(f, &why);
	assert_int_equal(why, want);
	return v;
}

static void test_running_unbound(void **state)
{
	struct vrrp_iface_facts f = usable(true, false);
	assert_int_equal(decide(&f, VRRP_IFACE_OK), VRRP_IFACE_KEEP);
	f.oper_up = false;
	assert_int_equal(decide(&f, VRRP_IFACE_DOWN), VRRP_IFACE_STOP);
	f = usable(true, false);
	f.has_address = false;
	assert_int_equal(decide(&f, VRRP_IFACE_NO_ADDRESS), VRRP_IFACE_STOP);
	f = usable(true, false);
	f.ifindex = 0;
	assert_int_equal(decide(&f, VRRP_IFACE_MISSING), VRRP_IFACE_STOP);
	f = usable(true, false);
	f.ifindex = 9; /* deleted and created again */
	assert_int_equal(decide(&f, VRRP_IFACE_RENEWED), VRRP_IFACE_STOP);
	f = usable(true, false);
	f.vmac_lost = true;
	assert_int_equal(decide(&f, VRRP_IFACE_VMAC_LOST), VRRP_IFACE_STOP);
}

static void test_running_bound(void **state)
{
	/* Down or without an address: vgmpd tracks the link and moves the roles. */
	struct vrrp_iface_facts f = usable(true, true);
	f.oper_up = false;
	assert_int_equal(decide(&f, VRRP_IFACE_OK), VRRP_IFACE_KEEP);
	f = usable(true, true);
	f.has_address = false;
	assert_int_equal(decide(&f, VRRP_IFACE_OK), VRRP_IFACE_KEEP);
	/* A dead index or a lost vMAC link: no socket of the group works any more. */
	f = usable(true, true);
	f.ifindex = 8;
	f.oper_up = false;
	assert_int_equal(decide(&f, VRRP_IFACE_RENEWED), VRRP_IFACE_STOP);
	f = usable(true, true);
	f.ifindex = 0;
	assert_int_equal(decide(&f, VRRP_IFACE_MISSING), VRRP_IFACE_STOP);
	f = usable(true, true);
	f.vmac_lost = true;
	assert_int_equal(decide(&f, VRRP_IFACE_VMAC_LOST), VRRP_IFACE_STOP);
}

static void test_not_running(void **state)
{
	for (int bound = 0; bound < 2; bound++) {
		struct vrrp_iface_facts f = usable(false, bound);
		assert_int_equal(decide(&f, VRRP_IFACE_OK), VRRP_IFACE_START);
		f.has_address = false;
		assert_int_equal(decide(&f, VRRP_IFACE_NO_ADDRESS), VRRP_IFACE_WAIT);
		f.oper_up = false; /* the first missing thing is named */
		assert_int_equal(decide(&f, VRRP_IFACE_DOWN), VRRP_IFACE_WAIT);
		f.ifindex = 0;
		assert_int_equal(decide(&f, VRRP_IFACE_MISSING), VRRP_IFACE_WAIT);
	}
}

static void test_names(void **state)
{
	assert_string_equal(vrrp_iface_why_name(VRRP_IFACE_DOWN), "interface-down");
	assert_string_equal(vrrp_iface_why_name(VRRP_IFACE_RENEWED), "interface-renewed");
	assert_string_equal(vrrp_iface_why_name(VRRP_IFACE_WHY_MAX), "unknown");
	for (int i = 0; i < VRRP_IFACE_WHY_MAX; i++)
		assert_string_not_equal(vrrp_iface_why_name(i), "unknown");
}

static struct hs_addr a4(const char *s)
{
	struct hs_addr a = { .family = AF_INET };
	assert_int_equal(inet_pton(AF_INET, s, &a.v4), 1);
	return a;
}

static struct hs_addr a6(const char *s)
{
	struct hs_addr a = { .family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, s, &a.v6), 1);
	return a;
}

static void test_pick_v4(void **state)
{
	struct hs_addr have[] = { a4("192.0.2.10"), a4("192.0.2.1"), a4("192.0.2.2") };
	struct hs_addr vip = a4("192.0.2.10"), cur = a4("192.0.2.2"), out;
	/* The current one stays while it is there, even behind another. */
	assert_int_equal(vrrp_iface_pick_primary(have, 3, &cur, &vip, 1, &out), 0);
	assert_true(hs_addr_equal(&out, &cur));
	/* Gone (renumbered): the first that is not a VIP of ours. */
	struct hs_addr gone = a4("198.51.100.1");
	assert_int_equal(vrrp_iface_pick_primary(have, 3, &gone, &vip, 1, &out), 0);
	assert_true(hs_addr_equal(&out, &have[1]));
	/* None yet: the same. */
	assert_int_equal(vrrp_iface_pick_primary(have, 3, NULL, &vip, 1, &out), 0);
	assert_true(hs_addr_equal(&out, &have[1]));
	/* Only VIPs: none, out untouched. */
	out = gone;
	assert_int_equal(vrrp_iface_pick_primary(have, 1, NULL, &vip, 1, &out), -1);
	assert_true(hs_addr_equal(&out, &gone));
	assert_int_equal(vrrp_iface_pick_primary(NULL, 0, &cur, NULL, 0, &out), -1);
}

static void test_pick_v6(void **state)
{
	struct hs_addr have[] = { a6("2001:db8::1"), a6("fe80::1"), a6("fe80::2") };
	struct hs_addr out, none = { 0 };
	/* Only link-locals advertise (RFC 5798 5.1.2.1): the global one is skipped. */
	assert_int_equal(vrrp_iface_pick_primary(have, 3, &none, NULL, 0, &out), 0);
	assert_true(hs_addr_equal(&out, &have[1]));
	assert_int_equal(vrrp_iface_pick_primary(have, 3, &have[2], NULL, 0, &out), 0);
	assert_true(hs_addr_equal(&out, &have[2]));
	assert_int_equal(vrrp_iface_pick_primary(have, 1, NULL, NULL, 0, &out), -1);
	/* The kernel lists IPv6 link-locals last: behind a hundred VIPs on the link, still found.
	 */
	struct hs_addr many[101];
	for (int i = 0; i < 100; i++) {
		many[i] = a6("2001:db8::100");
		many[i].bytes[15] = (uint8_t)i;
	}
	many[100] = a6("fe80::7");
	assert_int_equal(vrrp_iface_pick_primary(many, 101, NULL, many, 100, &out), 0);
	assert_true(hs_addr_equal(&out, &many[100]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running_unbound), cmocka_unit_test(test_running_bound),
		cmocka_unit_test(test_not_running),     cmocka_unit_test(test_names),
		cmocka_unit_test(test_pick_v4),         cmocka_unit_test(test_pick_v6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
