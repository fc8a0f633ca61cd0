/* vrrp_fsm's checks of what it is given: received adverts (RFC 5798 7.1), the address list,
 * init and config validation, the advert it encodes, accepts, and the names. The transitions:
 * test_vrrp_fsm.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp_rec.h"

static void test_receive_checks(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(100, UNB);
	fsm_new(&f, &p);
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	rec_clear();
	struct hs_addr src = addr(HIGHER), src6 = addr("fe80::1");
	struct vrrp_advert a;

	a = advert_from(&f, 200, 100);
	a.vrid = 52;
	assert_int_equal(vrrp_fsm_input(&f, &a, &src, 1), VRRP_DROP_VRID);
	a = advert_from(&f, 200, 100);
	a.version = 2;
	assert_int_equal(vrrp_fsm_input(&f, &a, &src, 1), VRRP_DROP_VERSION_MISMATCH);
	a = advert_from(&f, 200, 100);
	assert_int_equal(vrrp_fsm_input(&f, &a, &src6, 1), VRRP_DROP_FAMILY);
	a.family = AF_INET6;
	assert_int_equal(vrrp_fsm_input(&f, &a, &src, 1), VRRP_DROP_FAMILY);
	a = advert_from(&f, 200, 100);
	struct hs_addr ours = addr(OURS);
	assert_int_equal(vrrp_fsm_input(&f, &a, &ours, 1), VRRP_DROP_OWN);
	assert_int_equal(vrrp_fsm_input(&f, NULL, &src, 1), VRRP_DROP_FAMILY);
	assert_int_equal(vrrp_fsm_input(&f, &a, NULL, 1), VRRP_DROP_FAMILY);
	assert_int_equal(f.counters.drops[VRRP_DROP_VRID], 1);
	assert_int_equal(f.counters.drops[VRRP_DROP_VERSION_MISMATCH], 1);
	assert_int_equal(f.counters.drops[VRRP_DROP_FAMILY], 4);
	assert_int_equal(f.counters.drops[VRRP_DROP_OWN], 1);
	assert_int_equal(f.counters.rx_adverts, 0);
	assert_int_equal(f.t.master_down_ms, 3600); /* none of them touched the timer */
	assert_string_equal(rec, "");

	/* Raw bytes: decoded with the group's checksum mode and counted in its counters. */
	uint8_t buf[64];
	struct hs_addr mc = addr(VRRP_MCAST_V4);
	struct vrrp_ipinfo ip = { .src = src, .dst = mc, .ttl = 255 };
	struct vrrp_fsm peer;
	struct vrrp_params pp = params(200, UNB);
	pp.primary = src;
	assert_int_equal(vrrp_fsm_init(&peer, &pp, &rec_ops, NULL), 0);
	int n = vrrp_fsm_encode_advert(&peer, 200, &mc, buf, sizeof(buf));
	assert_int_equal(n, 12);
	assert_int_equal(vrrp_fsm_receive(&f, buf, (size_t)n, &ip, 1000), VRRP_DROP_NONE);
	assert_int_equal(f.t.master_down_ms, 1000 + 3600);
	ip.ttl = 64;
	assert_int_equal(vrrp_fsm_receive(&f, buf, (size_t)n, &ip, 1000), VRRP_DROP_TTL);
	ip.ttl = 255;
	f.p.cksum = VRRP_CKSUM_RFC9568; /* a group configured for RFC 9568 peers */
	assert_int_equal(vrrp_fsm_receive(&f, buf, (size_t)n, &ip, 1000), VRRP_DROP_CHECKSUM);
	peer.p.cksum = VRRP_CKSUM_RFC9568;
	n = vrrp_fsm_encode_advert(&peer, 200, &mc, buf, sizeof(buf));
	assert_int_equal(vrrp_fsm_receive(&f, buf, (size_t)n, &ip, 1000), VRRP_DROP_NONE);
	assert_int_equal(f.counters.rx, 4);
	assert_int_equal(f.counters.rx_adverts, 2);
	assert_int_equal(f.counters.drops[VRRP_DROP_TTL], 1);
	assert_int_equal(f.counters.drops[VRRP_DROP_CHECKSUM], 1);
}

static void test_addr_list_mismatch_counted_not_dropped(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(100, UNB);
	fsm_new(&f, &p);
	reach(&f, S_MAST);
	struct vrrp_advert a = advert_from(&f, 200, 100);
	a.addrs[0] = addr("192.0.2.253");
	struct hs_addr src = addr(HIGHER);
	assert_int_equal(vrrp_fsm_input(&f, &a, &src, T1), VRRP_DROP_NONE);
	/* Acted on (a higher master: step down), then reported. */
	assert_string_equal(rec, "vips(down);notify(Master->Backup,higher-priority);mismatch(1);");
	assert_int_equal(f.counters.addr_list_mismatch, 1);
	assert_int_equal(f.counters.rx_adverts, 1);

	/* IPv6: the RFC 5798 5.2.9 form (virtual link-local first) matches a config without it,
	 * and the keepalived / FRR form matches a config with it. */
	p = params(100, UNB);
	p.family = AF_INET6;
	p.primary = addr("fe80::2");
	p.vips[0] = addr("fe80::5e:200:133");
	p.vips[1] = addr("2001:db8:51::254");
	p.n_vips = 2;
	fsm_new(&f, &p);
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	a = advert_from(&f, 200, 100);
	assert_int_equal(a.n_addrs, 2);
	assert_true(vrrp_addr_is_v6_linklocal(&a.addrs[0])); /* sent as configured: RFC form */
	a.addrs[0] = a.addrs[1];
	a.n_addrs = 1; /* keepalived's form */
	struct hs_addr ll = addr("fe80::1");
	rec_clear();
	assert_int_equal(vrrp_fsm_input(&f, &a, &ll, 1000), VRRP_DROP_NONE);
	assert_string_equal(rec, "");
	assert_int_equal(f.counters.addr_list_mismatch, 0);
	/* A dropped advert is not compared. */
	a.vrid = 9;
	assert_int_equal(vrrp_fsm_input(&f, &a, &ll, 1000), VRRP_DROP_VRID);
	assert_int_equal(f.counters.addr_list_mismatch, 0);
}

/* ---- setup, helpers, names ---- */

static void test_init_validation(void **state)
{
	struct vrrp_fsm f, before;
	memset(&f, 0x33, sizeof(f));
	before = f;
	struct vrrp_params good = params(100, UNB), p;
	struct vrrp_fsm_ops ops = rec_ops;

#define BAD(stmt)                                                                                  \
	do {                                                                                       \
		p = good;                                                                          \
		stmt;                                                                              \
		assert_int_equal(vrrp_fsm_init(&f, &p, &rec_ops, NULL), -EINVAL);                  \
		assert_memory_equal(&f, &before, sizeof(f));                                       \
	} while (0)
	BAD(p.vrid = 0);
	BAD(p.version = 1);
	BAD(p.version = 4);
	BAD(p.family = AF_UNIX);
	BAD((p.version = 2, p.family = AF_INET6, p.primary.family = AF_INET6,
	     p.vips[0] = addr("2001:db8::1")));
	BAD(p.priority = 0);
	BAD(p.interval_cs = 0);
	BAD(p.interval_cs = 4096);
	BAD((p.version = 2, p.interval_cs = 150));
	BAD((p.version = 2, p.interval_cs = 50));
	BAD((p.version = 2, p.interval_cs = 25600));
	BAD(p.binding = HS_BIND_MAX);
	BAD(p.binding = -1);
	BAD((p.binding = HS_BIND_ACTIVE, p.priority = 255));
	BAD(p.cksum = VRRP_CKSUM_MAX);
	BAD(p.cksum = VRRP_CKSUM_INVALID);
	BAD(p.primary = addr("2001:db8::1"));
	BAD(p.n_vips = 0);
	BAD(p.n_vips = HS_VRRP_VIPS_MAX + 1);
	BAD(p.vips[0] = addr("2001:db8::1"));
#undef BAD
	assert_int_equal(vrrp_fsm_init(&f, NULL, &rec_ops, NULL), -EINVAL);
	assert_int_equal(vrrp_fsm_init(&f, &good, NULL, NULL), -EINVAL);
	assert_int_equal(vrrp_fsm_init(NULL, &good, &rec_ops, NULL), -EINVAL);
#define NO_OP(m)                                                                                   \
	do {                                                                                       \
		ops = rec_ops;                                                                     \
		ops.m = NULL;                                                                      \
		assert_int_equal(vrrp_fsm_init(&f, &good, &ops, NULL), -EINVAL);                   \
	} while (0)
	NO_OP(send_advert);
	NO_OP(set_vips);
	NO_OP(announce);
	NO_OP(notify);
	NO_OP(report_to_vgmp);
	NO_OP(addr_mismatch);
#undef NO_OP
	assert_memory_equal(&f, &before, sizeof(f));

	/* Good ones, at the edges. */
	p = good;
	p.version = 2;
	p.interval_cs = 25500;
	assert_int_equal(vrrp_fsm_init(&f, &p, &rec_ops, NULL), 0);
	p = good;
	p.primary.family = 0;
	p.priority = 255;
	p.interval_cs = 4095;
	p.cksum = VRRP_CKSUM_RFC9568;
	int ctx;
	assert_int_equal(vrrp_fsm_init(&f, &p, &rec_ops, &ctx), 0);
	assert_ptr_equal(f.ctx, &ctx);
	assert_int_equal(f.state, S_INIT);
	assert_int_equal(f.role, VRRP_ROLE_BACKUP);
	assert_int_equal(vrrp_fsm_next_deadline(&f), NEVER);
}

static void test_params_from_config(void **state)
{
	struct hs_vrrp_group_config g = {
		.interface = "lan0",
		.vrid = 7,
		.family = HS_FAMILY_IPV6,
		.version = 3,
		.priority = 120,
		.advert_interval_cs = 50,
		.preempt = true,
		.preempt_delay_s = 30,
		.accept = true,
		.vgmp = HS_BIND_STANDBY,
		.n_vips = 2,
	};
	g.vips[0] = addr("fe80::1");
	g.vips[1] = addr("2001:db8::1");
	struct vrrp_params p, before;
	assert_int_equal(vrrp_params_from_config(&g, &p), 0);
	assert_int_equal(p.vrid, 7);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.version, 3);
	assert_int_equal(p.priority, 120);
	assert_int_equal(p.interval_cs, 50);
	assert_true(p.preempt);
	assert_int_equal(p.preempt_delay_ms, 30000);
	assert_true(p.accept);
	assert_int_equal(p.binding, HS_BIND_STANDBY);
	assert_int_equal(p.cksum, VRRP_CKSUM_PSEUDO);
	assert_int_equal(p.primary.family, 0);
	assert_int_equal(p.n_vips, 2);
	assert_true(hs_addr_equal(&p.vips[1], &g.vips[1]));

	memset(&p, 0x44, sizeof(p));
	before = p;
	struct hs_vrrp_group_config bad;
#define BADCFG(stmt)                                                                               \
	do {                                                                                       \
		bad = g;                                                                           \
		stmt;                                                                              \
		assert_int_equal(vrrp_params_from_config(&bad, &p), -EINVAL);                      \
		assert_memory_equal(&p, &before, sizeof(p));                                       \
	} while (0)
	BADCFG(bad.vrid = 0);
	BADCFG(bad.vrid = 256);
	BADCFG(bad.priority = 0);
	BADCFG(bad.priority = 256);
	BADCFG(bad.advert_interval_cs = 0);
	BADCFG(bad.advert_interval_cs = 4096);
	BADCFG(bad.preempt_delay_s = -1);
	BADCFG(bad.preempt_delay_s = 5000000);
	BADCFG(bad.advert_interval_cs = 30000);
	BADCFG(bad.family = HS_FAMILY_MAX);
	BADCFG(bad.n_vips = 0);
	BADCFG(bad.n_vips = HS_VRRP_VIPS_MAX + 1);
	BADCFG(bad.version = 2);      /* v2 over IPv6 */
	BADCFG((bad.priority = 255)); /* an owner cannot be bound */
	BADCFG(bad.vips[1] = addr("192.0.2.1"));
#undef BADCFG
	assert_int_equal(vrrp_params_from_config(NULL, &p), -EINVAL);
	assert_int_equal(vrrp_params_from_config(&g, NULL), -EINVAL);

	/* v2 IPv4 from the config: whole seconds. */
	bad = g;
	bad.family = HS_FAMILY_IPV4;
	bad.version = 2;
	bad.advert_interval_cs = 300;
	bad.n_vips = 1;
	bad.vips[0] = addr("192.0.2.254");
	bad.vgmp = HS_BIND_NONE;
	assert_int_equal(vrrp_params_from_config(&bad, &p), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.interval_cs, 300);
}

static void test_encode_advert_and_primary(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(100, UNB);
	p.n_vips = 2;
	p.vips[1] = addr("192.0.2.253");
	fsm_new(&f, &p);
	uint8_t buf[64];
	static struct vrrp_advert a;
	struct hs_addr mc = addr(VRRP_MCAST_V4), peer = addr(HIGHER);
	int n = vrrp_fsm_encode_advert(&f, 100, &mc, buf, sizeof(buf));
	assert_int_equal(n, 16);
	struct vrrp_ipinfo ip = { .src = f.p.primary, .dst = mc, .ttl = 255 };
	assert_int_equal(vrrp_decode(buf, (size_t)n, &ip, VRRP_CKSUM_PSEUDO, &a, NULL),
			 VRRP_DROP_NONE);
	assert_int_equal(a.priority, 100);
	assert_int_equal(a.vrid, 51);
	assert_true(hs_addr_equal(&a.addrs[0], &p.vips[0]));
	assert_true(hs_addr_equal(&a.addrs[1], &p.vips[1]));
	/* Unicast: the pseudo-header carries the peer's address. */
	n = vrrp_fsm_encode_advert(&f, 0, &peer, buf, sizeof(buf));
	ip.dst = peer;
	assert_int_equal(vrrp_decode(buf, (size_t)n, &ip, VRRP_CKSUM_PSEUDO, &a, NULL),
			 VRRP_DROP_NONE);
	assert_int_equal(a.priority, 0);
	assert_int_equal(vrrp_fsm_encode_advert(&f, 100, &mc, buf, 15), -ENOBUFS);
	assert_int_equal(vrrp_fsm_encode_advert(&f, 100, NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vrrp_fsm_build_advert(NULL, 100, &a), -EINVAL);
	assert_int_equal(vrrp_fsm_encode_advert(NULL, 100, &mc, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vrrp_fsm_build_advert(&f, 100, NULL), -EINVAL);

	/* Our address unknown: no pseudo-header, no advert (RFC 9568 mode needs none). */
	struct hs_addr none = { 0 }, v6 = addr("fe80::1");
	assert_int_equal(vrrp_fsm_set_primary(&f, &none), 0);
	assert_int_equal(vrrp_fsm_encode_advert(&f, 100, &mc, buf, sizeof(buf)), -EINVAL);
	f.p.cksum = VRRP_CKSUM_RFC9568;
	assert_int_equal(vrrp_fsm_encode_advert(&f, 100, NULL, buf, sizeof(buf)), 16);
	assert_int_equal(vrrp_fsm_set_primary(&f, &v6), -EINVAL);
	assert_int_equal(vrrp_fsm_set_primary(&f, NULL), -EINVAL);
	assert_int_equal(vrrp_fsm_set_primary(NULL, &none), -EINVAL);

	/* The master's own address follows a new primary. */
	p = params(255, UNB);
	fsm_new(&f, &p);
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	struct hs_addr newp = addr("192.0.2.9");
	assert_int_equal(vrrp_fsm_set_primary(&f, &newp), 0);
	assert_true(hs_addr_equal(&f.master_addr, &newp));
}

static void test_accepts(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(100, UNB);
	p.accept = true;
	fsm_new(&f, &p);
	assert_false(vrrp_fsm_accepts(&f));
	reach(&f, S_MAST);
	assert_true(vrrp_fsm_accepts(&f));
	p.accept = false;
	fsm_new(&f, &p);
	reach(&f, S_MAST);
	assert_false(vrrp_fsm_accepts(&f));
	p = params(255, UNB); /* the owner always accepts */
	fsm_new(&f, &p);
	reach(&f, S_MAST);
	assert_true(vrrp_fsm_accepts(&f));
	vrrp_fsm_shutdown(&f, T1);
	assert_false(vrrp_fsm_accepts(&f));
}

static void check_names(const char *(*name)(int), int max, const char *first)
{
	assert_string_equal(name(0), first);
	for (int i = 0; i < max; i++) {
		assert_string_not_equal(name(i), "?");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(name(i), name(j));
	}
	assert_string_equal(name(max), "?");
	assert_string_equal(name(-1), "?");
}

#define NAMES(fn, type)                                                                            \
	static const char *fn##_int(int v)                                                         \
	{                                                                                          \
		return fn((type)v);                                                                \
	}
NAMES(vrrp_state_name, enum vrrp_state)
NAMES(vrrp_event_name, enum vrrp_event)
NAMES(vrrp_reason_name, enum vrrp_reason)
NAMES(vrrp_role_name, enum vrrp_role)
NAMES(vrrp_vgmp_event_name, enum vrrp_vgmp_event)

static void test_names(void **state)
{
	check_names(vrrp_state_name_int, VRRP_STATE_MAX, "Initialize");
	check_names(vrrp_event_name_int, VRRP_EV_MAX, "startup");
	check_names(vrrp_reason_name_int, VRRP_REASON_MAX, "none");
	check_names(vrrp_role_name_int, VRRP_ROLE_MAX, "backup");
	check_names(vrrp_vgmp_event_name_int, VRRP_VGMP_EV_MAX, "master-down");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_HIGHER_ADDRESS),
			    "equal-priority-higher-address");
	/* Every group-level drop reason is reached here or in test_vrrp_fsm.c. */
	assert_string_equal(vrrp_drop_name(VRRP_DROP_OWNER_CONFLICT), "owner-conflict");
	assert_string_equal(vrrp_drop_name(VRRP_DROP_NOT_RUNNING), "not-running");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receive_checks),
		cmocka_unit_test(test_addr_list_mismatch_counted_not_dropped),
		cmocka_unit_test(test_init_validation),
		cmocka_unit_test(test_params_from_config),
		cmocka_unit_test(test_encode_advert_and_primary),
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
