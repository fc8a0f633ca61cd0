/* How a master that hands over lets go: the hold of its VIPs and the linger of its vMAC link
 * (see vrrp_letgo.h for why). */
#include "vrrp_letgo.h"

static const char *const kind_names[VRRP_LETGO_MAX] = {
	[VRRP_LETGO_NOW] = "now",
	[VRRP_LETGO_HANDOVER] = "handover",
	[VRRP_LETGO_STOP] = "stop",
};

const char *vrrp_letgo_kind_name(enum vrrp_letgo_kind k)
{
	return (int)k >= 0 && k < VRRP_LETGO_MAX ? kind_names[k] : "?";
}

enum vrrp_letgo_kind vrrp_letgo_kind_of(bool vmac, bool stopping, bool bound_to_backup)
{
	if (!vmac)
		return VRRP_LETGO_NOW;
	if (stopping)
		return VRRP_LETGO_STOP;
	return bound_to_backup ? VRRP_LETGO_HANDOVER : VRRP_LETGO_NOW;
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

uint64_t vrrp_letgo_hold_ms(enum vrrp_letgo_kind k, unsigned interval_cs)
{
	uint64_t interval_ms = (uint64_t)interval_cs * 10u;
	switch (k) {
	case VRRP_LETGO_HANDOVER: return clamp(3u * interval_ms, 20u, 1000u);
	case VRRP_LETGO_STOP: return clamp(interval_ms + 50u, 0u, 3000u);
	default: return 0;
	}
}

uint64_t vrrp_letgo_linger_ms(enum vrrp_letgo_kind k, unsigned interval_cs)
{
	if (k != VRRP_LETGO_HANDOVER)
		return 0;
	return clamp(3u * (uint64_t)interval_cs * 10u, VRRP_LETGO_LINGER_MIN_MS,
		     VRRP_LETGO_LINGER_MAX_MS);
}
