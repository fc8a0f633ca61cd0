/* FRR's vty protocol: an OSPF cost change's commands, and the answers (see frr_vty.h). */
#include "frr_vty.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* An interface name as the kernel allows it: no NUL, space or '/' (IFNAMSIZ 16). */
static int valid_ifname(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] == '/' || s[i] == 0x7f)
			return 0;
	return 1;
}

static int put(char *buf, size_t len, size_t *at, unsigned *count, const char *cmd)
{
	size_t n = strlen(cmd) + 1; /* with its NUL */
	if (*at + n > len)
		return -ENOSPC;
	memcpy(buf + *at, cmd, n);
	*at += n;
	(*count)++;
	return 0;
}

int frr_vty_cost_commands(char *buf, size_t len, const char *const *ifnames, size_t n, int cost,
			  unsigned *commands)
{
	if (n == 0 || cost < 0 || cost > 65535)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!valid_ifname(ifnames[i]))
			return -EINVAL;
	size_t at = 0;
	unsigned count = 0;
	char line[64];
	int r = put(buf, len, &at, &count, "enable");
	if (r == 0)
		r = put(buf, len, &at, &count, "configure terminal");
	for (size_t i = 0; r == 0 && i < n; i++) {
		snprintf(line, sizeof(line), "interface %s", ifnames[i]);
		r = put(buf, len, &at, &count, line);
		if (r == 0) {
			if (cost)
				snprintf(line, sizeof(line), "ip ospf cost %d", cost);
			else
				snprintf(line, sizeof(line), "no ip ospf cost");
			r = put(buf, len, &at, &count, line);
		}
	}
	if (r == 0)
		r = put(buf, len, &at, &count, "end");
	if (r < 0)
		return r;
	*commands = count;
	return (int)at;
}

void frr_vty_reader_init(struct frr_vty_reader *r)
{
	*r = (struct frr_vty_reader){ .first_code = FRR_VTY_SUCCESS };
}

unsigned frr_vty_feed(struct frr_vty_reader *r, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (r->zeros == 3) { /* the return code, which may itself be 0 */
			if (p[i] != FRR_VTY_SUCCESS && r->failed++ == 0) {
				r->first_code = p[i];
				r->first_bad = r->answers;
			}
			r->answers++;
			r->zeros = 0;
		} else if (p[i] == 0) {
			r->zeros++;
		} else {
			r->zeros = 0; /* output text */
		}
	}
	return r->answers;
}
