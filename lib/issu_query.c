/* The registry in hrpd's --version output (see issu_query.h). */
#include "issu_query.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"

#define BODY_MAX 8192

int issu_registry_line(const struct hrp_registry *r, char *buf, size_t len)
{
	static uint8_t msg[HRP_HDR_LEN + BODY_MAX];
	struct hrp_builder b;
	size_t pre = strlen(ISSU_REGISTRY_PREFIX);

	hrp_msg_begin(&b, msg, sizeof(msg), HRP_MSG_REGISTRY, 0);
	if (hrp_registry_encode(r, &b) < 0)
		return b.err ? b.err : -EMSGSIZE;
	size_t body = b.len - HRP_HDR_LEN;
	if (len < pre + 2 * body + 2)
		return -ENOBUFS;
	memcpy(buf, ISSU_REGISTRY_PREFIX, pre);
	hs_hex(msg + HRP_HDR_LEN, body, buf + pre);
	buf[pre + 2 * body] = '\n';
	buf[pre + 2 * body + 1] = '\0';
	return (int)(pre + 2 * body + 1);
}

int issu_registry_from_version(const char *text, struct hrp_registry *out)
{
	const char *p = text;
	size_t pre = strlen(ISSU_REGISTRY_PREFIX);

	/* the line, at the start of a line */
	while (p && strncmp(p, ISSU_REGISTRY_PREFIX, pre) != 0) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return -ENOENT;
	p += pre;
	size_t n = strcspn(p, "\r\n");
	if (n == 0 || n > 2 * BODY_MAX)
		return -EBADMSG;
	char *hex = strndup(p, n);
	uint8_t *body = malloc(n / 2 + 1);
	long got = hex && body ? hs_unhex(hex, body, n / 2 + 1) : -1;
	struct hrp_registry *r = malloc(sizeof(*r));
	int rc = -EBADMSG;
	if (got > 0 && r && hrp_registry_decode(body, (size_t)got, r) == 0 && r->n > 0) {
		*out = *r;
		rc = 0;
	}
	free(r);
	free(body);
	free(hex);
	return rc;
}
