/* Fuzz target: the ICMP echo replies vgmpd's probe tracking reads from the network
 * (lib/vgmp_probe.h, vgmp_icmp_echo_parse), from anyone: raw IPv4 sockets hand over the IP
 * header and every reply on the box. The first input byte picks IPv6, the raw IPv4 header and
 * whether an id is wanted (its next two bytes). A reply that is accepted must be one: the
 * reply's type, code 0, the wanted id; and a request we build is never taken for one. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgmp_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	bool ipv6 = data[0] & 1, ip_header = (data[0] & 2) && !ipv6;
	int want_id = data[0] & 4 ? (int)(data[1] << 8 | data[2]) : -1;
	const uint8_t *pkt = data + 3;
	size_t len = size - 3;
	struct vgmp_icmp_echo out = { .id = 0x1234, .seq = 0x5678 };
	enum vgmp_icmp_drop d = vgmp_icmp_echo_parse(pkt, len, ipv6, ip_header, want_id, &out);
	(void)vgmp_icmp_drop_name(d);
	if (d == VGMP_ICMP_OK) {
		const uint8_t *icmp = pkt + (ip_header ? (size_t)(pkt[0] & 0x0f) * 4 : 0);
		if (icmp[0] != (ipv6 ? 129 : 0) || icmp[1] != 0 ||
		    (want_id >= 0 && out.id != (uint16_t)want_id))
			__builtin_trap();
	} else if (out.id != 0x1234 || out.seq != 0x5678) {
		__builtin_trap(); /* a dropped datagram leaves *out as it was */
	}
	uint8_t req[VGMP_ICMP_ECHO_LEN];
	if (vgmp_icmp_echo_build(req, sizeof(req), ipv6, 1, 2, 3) != sizeof(req) ||
	    vgmp_icmp_echo_parse(req, sizeof(req), ipv6, false, -1, &out) != VGMP_ICMP_NOT_REPLY)
		__builtin_trap();
	return 0;
}
