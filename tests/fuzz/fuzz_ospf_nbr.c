/* Fuzz target: vgmpd's reading of FRR's `show ip ospf neighbor json` (lib/vgmp_ospf_nbr.h), the
 * text vtysh prints, whatever ospfd or a newer FRR puts in it. The first input byte picks the
 * neighbour asked for (by router id or address) and whether one interface is named. Found or not,
 * the answer must be a known state with NUL-terminated names; text that is not the neighbour
 * JSON leaves the answer untouched. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vgmp_ospf_nbr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_terminated(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char *const neighbors[] = { "198.51.100.1", "10.0.0.9", "192.0.2.254", "" };
	const char *neighbor = neighbors[data[0] & 3];
	const char *ifname = data[0] & 4 ? "up0" : NULL;
	struct vgmp_ospf_nbr out, before;
	memset(&out, 0xa5, sizeof(out));
	before = out;
	int rc = vgmp_ospf_nbr_find((const char *)data + 1, size - 1, neighbor, ifname, &out);
	if (rc == 0) {
		if ((unsigned)out.state >= VGMP_OSPF_NBR_STATE_MAX ||
		    !vgmp_ospf_nbr_state_name(out.state))
			__builtin_trap();
		check_terminated(out.router_id, sizeof(out.router_id));
		check_terminated(out.address, sizeof(out.address));
		check_terminated(out.ifname, sizeof(out.ifname));
		if (out.state == VGMP_OSPF_NBR_ABSENT ? out.entries != 0 : out.entries == 0)
			__builtin_trap();
	} else if (rc != -EINVAL || memcmp(&out, &before, sizeof(out)) != 0) {
		__builtin_trap();
	}
	return 0;
}
