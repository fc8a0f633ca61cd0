/* What a VRRP group does about its interface (vrrp_iface.h). */
#include <netinet/in.h>
#include <sys/socket.h>

#include "vrrp_iface.h"

static enum vrrp_iface_why unusable(const struct vrrp_iface_facts *f)
{
	if (f->ifindex <= 0)
		return VRRP_IFACE_MISSING;
	if (!f->oper_up)
		return VRRP_IFACE_DOWN;
	if (!f->has_address)
		return VRRP_IFACE_NO_ADDRESS;
	return VRRP_IFACE_OK;
}

enum vrrp_iface_verdict vrrp_iface_decide(const struct vrrp_iface_facts *f,
					  enum vrrp_iface_why *why)
{
	enum vrrp_iface_why w = unusable(f);
	if (!f->running) {
		*why = w;
		return w == VRRP_IFACE_OK ? VRRP_IFACE_START : VRRP_IFACE_WAIT;
	}
	/* Sockets and the vMAC link live on the index the group was set up on. */
	if (f->ifindex <= 0 || f->ifindex != f->ifindex_set_up) {
		*why = f->ifindex <= 0 ? VRRP_IFACE_MISSING : VRRP_IFACE_RENEWED;
		return VRRP_IFACE_STOP;
	}
	if (f->vmac_lost) {
		*why = VRRP_IFACE_VMAC_LOST;
		return VRRP_IFACE_STOP;
	}
	/* Down or without an address: vgmpd's call for a bound group (it tracks the link). */
	if (w != VRRP_IFACE_OK && !f->bound) {
		*why = w;
		return VRRP_IFACE_STOP;
	}
	*why = VRRP_IFACE_OK;
	return VRRP_IFACE_KEEP;
}

const char *vrrp_iface_why_name(enum vrrp_iface_why why)
{
	static const char *const names[VRRP_IFACE_WHY_MAX] = {
		[VRRP_IFACE_OK] = "ok",
		[VRRP_IFACE_MISSING] = "interface-missing",
		[VRRP_IFACE_RENEWED] = "interface-renewed",
		[VRRP_IFACE_DOWN] = "interface-down",
		[VRRP_IFACE_NO_ADDRESS] = "no-address",
		[VRRP_IFACE_VMAC_LOST] = "vmac-link-lost",
	};
	return (unsigned)why < VRRP_IFACE_WHY_MAX ? names[why] : "unknown";
}

static bool listed(const struct hs_addr *a, const struct hs_addr *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hs_addr_equal(a, &list[i]))
			return true;
	return false;
}

static bool may_advertise_from(const struct hs_addr *a)
{
	return a->family == AF_INET || (a->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->v6));
}

int vrrp_iface_pick_primary(const struct hs_addr *have, size_t n_have,
			    const struct hs_addr *current, const struct hs_addr *excluded,
			    size_t n_excluded, struct hs_addr *out)
{
	if (current && current->family && listed(current, have, n_have)) {
		*out = *current;
		return 0;
	}
	for (size_t i = 0; i < n_have; i++)
		if (may_advertise_from(&have[i]) && !listed(&have[i], excluded, n_excluded)) {
			*out = have[i];
			return 0;
		}
	return -1;
}
