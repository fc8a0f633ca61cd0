/* The ICMP echo codec (build, parse, every drop reason) and the probe schedule of one target
 * (misses before down, reply matching by sequence, late and stale replies, no bursts). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vgmp_probe.h"

/* Turns a request we built into the reply a host would send: type 0 / 129, checksum redone. */
static void make_reply(uint8_t *b, size_t len, bool ipv6)
{
	b[0] = ipv6 ? 129 : 0;
	b[2] = b[3] = 0;
	if (!ipv6) {
		uint16_t c = vgmp_inet_csum(b, len);
		b[2] = (uint8_t)(c >> 8);
		b[3] = (uint8_t)c;
	}
}

static void test_codec(void **state)
{
	uint8_t b[64];
	struct vgmp_icmp_echo e = { 0 };
	assert_int_equal(vgmp_icmp_echo_build(b, 8, false, 1, 2, 3), 0);
	size_t n = vgmp_icmp_echo_build(b, sizeof(b), false, 0x1234, 7, 3);
	assert_int_equal(n, VGMP_ICMP_ECHO_LEN);
	assert_int_equal(b[0], 8);
	assert_int_equal(vgmp_inet_csum(b, n), 0); /* a correct checksum sums to 0 */
	/* Our own request (seen on a raw socket) is not a reply. */
	assert_int_equal(vgmp_icmp_echo_parse(b, n, false, false, -1, &e), VGMP_ICMP_NOT_REPLY);
	make_reply(b, n, false);
	assert_int_equal(vgmp_icmp_echo_parse(b, n, false, false, 0x1234, &e), VGMP_ICMP_OK);
	assert_int_equal(e.id, 0x1234);
	assert_int_equal(e.seq, 7);
	assert_int_equal(vgmp_icmp_echo_parse(b, n, false, false, 0x4321, &e),
			 VGMP_ICMP_OTHER_ID);
	assert_int_equal(vgmp_icmp_echo_parse(b, 7, false, false, -1, &e), VGMP_ICMP_SHORT);
	b[10] ^= 1;
	assert_int_equal(vgmp_icmp_echo_parse(b, n, false, false, -1, &e), VGMP_ICMP_BAD_CSUM);
	b[10] ^= 1;
	b[1] = 1;
	assert_int_equal(vgmp_icmp_echo_parse(b, n, false, false, -1, &e), VGMP_ICMP_BAD_CODE);
	b[1] = 0;
	/* A raw IPv4 socket hands over the IP header first. */
	uint8_t ip[20 + VGMP_ICMP_ECHO_LEN] = { 0x45 };
	ip[9] = 1;
	memcpy(ip + 20, b, n);
	e.seq = 0;
	assert_int_equal(vgmp_icmp_echo_parse(ip, sizeof(ip), false, true, 0x1234, &e),
			 VGMP_ICMP_OK);
	assert_int_equal(e.seq, 7);
	assert_int_equal(vgmp_icmp_echo_parse(ip, 19, false, true, -1, &e), VGMP_ICMP_SHORT);
	ip[9] = 6;
	assert_int_equal(vgmp_icmp_echo_parse(ip, sizeof(ip), false, true, -1, &e),
			 VGMP_ICMP_NOT_IP);
	ip[9] = 1;
	ip[0] = 0x4f; /* a header longer than the packet */
	assert_int_equal(vgmp_icmp_echo_parse(ip, 30, false, true, -1, &e), VGMP_ICMP_SHORT);
	/* ICMPv6: type 128 / 129, checksum left to the kernel. */
	n = vgmp_icmp_echo_build(b, sizeof(b), true, 9, 65535, 0);
	assert_int_equal(b[0], 128);
	assert_int_equal(b[2] | b[3], 0);
	make_reply(b, n, true);
	assert_int_equal(vgmp_icmp_echo_parse(b, n, true, false, -1, &e), VGMP_ICMP_OK);
	assert_int_equal(e.seq, 65535);
	b[0] = 135; /* neighbour solicitation */
	assert_int_equal(vgmp_icmp_echo_parse(b, n, true, false, -1, &e), VGMP_ICMP_NOT_REPLY);
	for (int d = 0; d < VGMP_ICMP_DROP_MAX; d++)
		assert_string_not_equal(vgmp_icmp_drop_name(d), "?");
}

static void test_schedule(void **state)
{
	struct vgmp_probe p;
	uint16_t seq = 0;
	bool ch;
	assert_int_equal(vgmp_probe_init(&p, 1000, 1001, 3, 0), -EINVAL);
	assert_int_equal(vgmp_probe_init(&p, 1000, 0, 3, 0), -EINVAL);
	assert_int_equal(vgmp_probe_init(&p, 1000, 500, 0, 0), -EINVAL);
	assert_int_equal(vgmp_probe_init(&p, 1000, 500, 3, 100), 0);
	assert_int_equal(p.state, VGMP_OBJ_UNKNOWN);
	assert_int_equal(vgmp_probe_next_deadline(&p), 100);
	assert_int_equal(vgmp_probe_due(&p, 100, &seq, &ch), VGMP_PROBE_SEND);
	assert_false(ch);
	assert_int_equal(seq, 1);
	assert_int_equal(vgmp_probe_next_deadline(&p), 600); /* its timeout */
	/* A reply to another seq is not ours. */
	assert_int_equal(vgmp_probe_reply(&p, 2, 150, &ch), -ESTALE);
	assert_int_equal(vgmp_probe_reply(&p, 1, 160, &ch), 0);
	assert_true(ch);
	assert_int_equal(p.state, VGMP_OBJ_UP);
	assert_int_equal(p.last_rtt_ms, 60);
	/* A duplicate. */
	assert_int_equal(vgmp_probe_reply(&p, 1, 170, &ch), -ESTALE);
	assert_int_equal(p.unexpected, 2);
	assert_int_equal(vgmp_probe_next_deadline(&p), 1100);
	assert_int_equal(vgmp_probe_due(&p, 500, &seq, &ch), VGMP_PROBE_NOTHING);
	/* Three misses in a row: down at the third timeout, not before. */
	uint64_t t = 1100;
	for (int i = 0; i < 3; i++, t += 1000) {
		assert_int_equal(vgmp_probe_due(&p, t, &seq, &ch), VGMP_PROBE_SEND);
		assert_false(ch);
		assert_int_equal(vgmp_probe_due(&p, t + 500, &seq, &ch), VGMP_PROBE_NOTHING);
		assert_int_equal(ch, i == 2);
		assert_int_equal(p.state, i == 2 ? VGMP_OBJ_DOWN : VGMP_OBJ_UP);
	}
	assert_int_equal(p.timeouts, 3);
	/* A late reply (after its timeout) does not count; the next answered probe brings it up. */
	assert_int_equal(vgmp_probe_reply(&p, seq, t, &ch), -ESTALE);
	assert_int_equal(vgmp_probe_due(&p, t, &seq, &ch), VGMP_PROBE_SEND);
	assert_int_equal(vgmp_probe_reply(&p, seq, t + 499, &ch), 0);
	assert_true(ch);
	assert_int_equal(p.misses, 0);
	/* A miss in between resets with the next reply: 2 misses, reply, 2 misses stay up. */
	t += 1000;
	for (int i = 0; i < 2; i++, t += 1000) {
		vgmp_probe_due(&p, t, &seq, &ch);
		vgmp_probe_due(&p, t + 500, &seq, &ch);
	}
	assert_int_equal(p.state, VGMP_OBJ_UP);
	assert_int_equal(p.misses, 2);
	/* A send the socket refused is a miss at once. */
	vgmp_probe_due(&p, t, &seq, &ch);
	vgmp_probe_send_failed(&p, t, &ch);
	assert_true(ch);
	assert_int_equal(p.state, VGMP_OBJ_DOWN);
	/* A loop turn 10 s late sends one probe, not ten. */
	uint64_t sent = p.sent;
	assert_int_equal(vgmp_probe_due(&p, t + 10000, &seq, &ch), VGMP_PROBE_SEND);
	assert_int_equal(vgmp_probe_due(&p, t + 10001, &seq, &ch), VGMP_PROBE_NOTHING);
	assert_int_equal(p.sent, sent + 1);
	assert_int_equal(p.next_ms, t + 11000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_schedule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
