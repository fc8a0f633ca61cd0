/* VRRP advertisement codec (see vrrp_packet.h for the rules it follows).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * v3: |(rsvd) |     Max Adver Int     |          Checksum             |
 * v2: |   Auth Type   |   Adver Int   |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 IPvX Address(es): 4 or 16 bytes each          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * v2 only: 8 bytes of authentication data (zero on sending, ignored on receipt).
 *
 * RFC 3768 section 5, RFC 5798 section 5, RFC 9568 section 5.2.8. */
#include "vrrp_packet.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static const char *const drop_names[VRRP_DROP_MAX] = {
	[VRRP_DROP_NONE] = "none",
	[VRRP_DROP_TTL] = "ttl-not-255",
	[VRRP_DROP_SHORT] = "too-short",
	[VRRP_DROP_VERSION] = "bad-version",
	[VRRP_DROP_TYPE] = "bad-type",
	[VRRP_DROP_FAMILY] = "bad-family",
	[VRRP_DROP_NO_ADDRS] = "no-addresses",
	[VRRP_DROP_LENGTH] = "length-mismatch",
	[VRRP_DROP_CHECKSUM] = "bad-checksum",
	[VRRP_DROP_AUTH] = "bad-auth-type",
	[VRRP_DROP_INTERVAL] = "zero-interval",
	[VRRP_DROP_VRID] = "vrid-mismatch",
	[VRRP_DROP_VERSION_MISMATCH] = "version-mismatch",
	[VRRP_DROP_INTERVAL_MISMATCH] = "interval-mismatch",
	[VRRP_DROP_OWN] = "own-advert",
	[VRRP_DROP_OWNER_CONFLICT] = "owner-conflict",
	[VRRP_DROP_NOT_RUNNING] = "not-running",
	[VRRP_DROP_NOT_PEER] = "not-a-peer",
};

static const char *const cksum_mode_names[VRRP_CKSUM_MAX] = {
	[VRRP_CKSUM_PSEUDO] = "pseudo-header",
	[VRRP_CKSUM_RFC9568] = "rfc9568",
};

const char *vrrp_drop_name(enum vrrp_drop d)
{
	return d >= 0 && d < VRRP_DROP_MAX && drop_names[d] ? drop_names[d] : "?";
}

const char *vrrp_cksum_mode_name(enum vrrp_cksum_mode m)
{
	return m >= 0 && m < VRRP_CKSUM_MAX && cksum_mode_names[m] ? cksum_mode_names[m] : "?";
}

enum vrrp_cksum_mode vrrp_cksum_mode_from_name(const char *name)
{
	for (int m = 0; name && m < VRRP_CKSUM_MAX; m++)
		if (strcmp(name, cksum_mode_names[m]) == 0)
			return m;
	return VRRP_CKSUM_INVALID;
}

void vrrp_count_drop(struct vrrp_counters *c, enum vrrp_drop reason)
{
	if (c && reason > VRRP_DROP_NONE && reason < VRRP_DROP_MAX)
		c->drops[reason]++;
}

int vrrp_peek_vrid(const uint8_t *buf, size_t len)
{
	return buf && len >= 2 ? buf[1] : -EBADMSG;
}

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* One's complement sum of big-endian 16-bit words; a trailing odd byte is padded with zero. */
static uint64_t sum16(uint64_t sum, const uint8_t *p, size_t len)
{
	for (; len >= 2; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static bool uses_pseudo_header(int version, int family, enum vrrp_cksum_mode mode)
{
	return version == 3 && (family == AF_INET6 || mode != VRRP_CKSUM_RFC9568);
}

uint16_t vrrp_checksum(const uint8_t *msg, size_t len, int version, const struct vrrp_ipinfo *ip,
		       enum vrrp_cksum_mode mode)
{
	uint64_t sum = 0;
	if (ip && uses_pseudo_header(version, ip->src.family, mode)) {
		size_t alen = addr_len(ip->src.family);
		sum = sum16(sum, ip->src.bytes, alen);
		sum = sum16(sum, ip->dst.bytes, alen);
		if (ip->src.family ==
		    AF_INET6) /* RFC 8200 8.1: 32-bit length, 3 zero, next header */
			sum += (len >> 16) + (len & 0xffff) + VRRP_IPPROTO;
		else /* RFC 768 style: zero, protocol, 16-bit length */
			sum += VRRP_IPPROTO + (len & 0xffff);
	}
	sum = sum16(sum, msg, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

enum vrrp_drop vrrp_unicast_admit(const struct hs_addr *peers, size_t n_peers,
				  const struct vrrp_ipinfo *ip, struct vrrp_ipinfo *out)
{
	*out = *ip;
	if (n_peers == 0)
		return VRRP_DROP_NONE;
	for (size_t i = 0; i < n_peers; i++)
		if (hs_addr_equal(&peers[i], &ip->src)) {
			out->ttl = VRRP_TTL;
			return VRRP_DROP_NONE;
		}
	return VRRP_DROP_NOT_PEER;
}

/* The checks of vrrp_decode, in RFC 5798 section 7.1 order where it gives one. */
static enum vrrp_drop validate(const uint8_t *buf, size_t len, const struct vrrp_ipinfo *ip,
			       enum vrrp_cksum_mode mode)
{
	if (ip->ttl != VRRP_TTL)
		return VRRP_DROP_TTL;
	if (len < VRRP_HDR_LEN)
		return VRRP_DROP_SHORT;
	int version = buf[0] >> 4;
	if (version != 2 && version != 3)
		return VRRP_DROP_VERSION;
	if ((buf[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return VRRP_DROP_TYPE;
	int family = ip->src.family;
	if ((family != AF_INET && family != AF_INET6) || ip->dst.family != family ||
	    (version == 2 && family != AF_INET))
		return VRRP_DROP_FAMILY;
	if (buf[3] == 0)
		return VRRP_DROP_NO_ADDRS;
	size_t need =
		VRRP_HDR_LEN + buf[3] * addr_len(family) + (version == 2 ? VRRP_V2_AUTH_LEN : 0);
	if (len < need)
		return VRRP_DROP_SHORT;
	if (len > need)
		return VRRP_DROP_LENGTH;
	if (vrrp_checksum(buf, len, version, ip, mode) != 0)
		return VRRP_DROP_CHECKSUM;
	if (version == 2 && buf[4] != 0)
		return VRRP_DROP_AUTH;
	/* v3: the top 4 bits are reserved, ignored on receipt (RFC 5798 section 5.2.6). */
	if ((version == 2 ? buf[5] : ((buf[4] & 0x0f) << 8 | buf[5])) == 0)
		return VRRP_DROP_INTERVAL;
	return VRRP_DROP_NONE;
}

enum vrrp_drop vrrp_decode(const uint8_t *buf, size_t len, const struct vrrp_ipinfo *ip,
			   enum vrrp_cksum_mode mode, struct vrrp_advert *out,
			   struct vrrp_counters *c)
{
	enum vrrp_drop d;
	if (!ip || (!buf && len))
		d = VRRP_DROP_FAMILY;
	else if (!buf)
		d = ip->ttl != VRRP_TTL ? VRRP_DROP_TTL : VRRP_DROP_SHORT;
	else
		d = validate(buf, len, ip, mode);
	if (c)
		c->rx++;
	if (d != VRRP_DROP_NONE) {
		vrrp_count_drop(c, d);
		return d;
	}

	int version = buf[0] >> 4, family = ip->src.family;
	size_t alen = addr_len(family);
	out->version = (uint8_t)version;
	out->type = buf[0] & 0x0f;
	out->vrid = buf[1];
	out->priority = buf[2];
	out->n_addrs = buf[3];
	out->interval_cs =
		version == 2 ? (uint16_t)(buf[5] * 100) : (uint16_t)((buf[4] & 0x0f) << 8 | buf[5]);
	out->checksum = (uint16_t)(buf[6] << 8 | buf[7]);
	out->family = family;
	for (unsigned i = 0; i < out->n_addrs; i++) {
		memset(&out->addrs[i], 0, sizeof(out->addrs[i]));
		out->addrs[i].family = family;
		memcpy(out->addrs[i].bytes, buf + VRRP_HDR_LEN + i * alen, alen);
	}
	return VRRP_DROP_NONE;
}

static bool interval_ok(const struct vrrp_advert *adv)
{
	if (adv->version == 2)
		return adv->interval_cs >= 100 && adv->interval_cs <= VRRP_V2_INTERVAL_MAX &&
		       adv->interval_cs % 100 == 0;
	return adv->interval_cs >= 1 && adv->interval_cs <= VRRP_V3_INTERVAL_MAX;
}

int vrrp_encode(const struct vrrp_advert *adv, const struct vrrp_ipinfo *ip,
		enum vrrp_cksum_mode mode, uint8_t *buf, size_t size)
{
	if (!adv || (adv->version != 2 && adv->version != 3) || adv->type != VRRP_TYPE_ADVERT)
		return -EINVAL;
	if ((adv->family != AF_INET && adv->family != AF_INET6) ||
	    (adv->version == 2 && adv->family != AF_INET))
		return -EINVAL;
	if (adv->n_addrs < 1 || adv->n_addrs > VRRP_ADDRS_MAX || !interval_ok(adv))
		return -EINVAL;
	if (mode < 0 || mode >= VRRP_CKSUM_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < adv->n_addrs; i++)
		if (adv->addrs[i].family != adv->family)
			return -EINVAL;
	if (uses_pseudo_header(adv->version, adv->family, mode) &&
	    (!ip || ip->src.family != adv->family || ip->dst.family != adv->family))
		return -EINVAL;

	size_t alen = addr_len(adv->family);
	size_t len =
		VRRP_HDR_LEN + adv->n_addrs * alen + (adv->version == 2 ? VRRP_V2_AUTH_LEN : 0);
	if (!buf || size < len)
		return -ENOBUFS;

	memset(buf, 0, len);
	buf[0] = (uint8_t)(adv->version << 4 | VRRP_TYPE_ADVERT);
	buf[1] = adv->vrid;
	buf[2] = adv->priority;
	buf[3] = (uint8_t)adv->n_addrs;
	if (adv->version == 2) {
		buf[4] = 0; /* no authentication */
		buf[5] = (uint8_t)(adv->interval_cs / 100);
	} else {
		buf[4] = (uint8_t)(adv->interval_cs >> 8); /* reserved bits stay 0 */
		buf[5] = (uint8_t)(adv->interval_cs & 0xff);
	}
	for (unsigned i = 0; i < adv->n_addrs; i++)
		memcpy(buf + VRRP_HDR_LEN + i * alen, adv->addrs[i].bytes, alen);
	uint16_t sum = vrrp_checksum(buf, len, adv->version, ip, mode);
	buf[6] = (uint8_t)(sum >> 8);
	buf[7] = (uint8_t)(sum & 0xff);
	return (int)len;
}

bool vrrp_addr_is_v6_linklocal(const struct hs_addr *a)
{
	return a->family == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}

int vrrp_addr_cmp(const struct hs_addr *a, const struct hs_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, addr_len(a->family));
}

static bool addr_in(const struct hs_addr *a, const struct hs_addr *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hs_addr_equal(a, &list[i]))
			return true;
	return false;
}

bool vrrp_addrs_match(const struct vrrp_advert *adv, const struct hs_addr *addrs, size_t n)
{
	for (unsigned i = 0; i < adv->n_addrs; i++)
		if (!vrrp_addr_is_v6_linklocal(&adv->addrs[i]) &&
		    !addr_in(&adv->addrs[i], addrs, n))
			return false;
	for (size_t i = 0; i < n; i++)
		if (!vrrp_addr_is_v6_linklocal(&addrs[i]) &&
		    !addr_in(&addrs[i], adv->addrs, adv->n_addrs))
			return false;
	return true;
}
