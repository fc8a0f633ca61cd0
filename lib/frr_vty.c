/* FRR's vty protocol: an OSPF cost change's commands, and the answers (see frr_vty.h). */
#include "frr_vty.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

int frr_vty_config_commands(char *buf, size_t len, unsigned *commands)
{
	size_t at = 0;
	unsigned count = 0;
	int r = put(buf, len, &at, &count, "enable");
	if (r == 0)
		r = put(buf, len, &at, &count, "show running-config");
	if (r < 0)
		return r;
	*commands = count;
	return (int)at;
}

void frr_vty_reader_init(struct frr_vty_reader *r)
{
	*r = (struct frr_vty_reader){ .first_code = FRR_VTY_SUCCESS };
}

void frr_vty_reader_keep(struct frr_vty_reader *r, unsigned index, char *buf, size_t size)
{
	r->text = size ? buf : NULL;
	r->text_size = size;
	r->text_len = 0;
	r->text_of = index;
	r->text_cut = 0;
	if (r->text)
		r->text[0] = '\0';
}

static void keep_byte(struct frr_vty_reader *r, uint8_t c)
{
	if (!r->text || r->answers != r->text_of)
		return;
	if (r->text_len + 1 >= r->text_size) {
		r->text_cut = 1;
		return;
	}
	r->text[r->text_len++] = (char)c;
	r->text[r->text_len] = '\0';
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
			keep_byte(r, p[i]);
		}
	}
	return r->answers;
}

/* The line at s (up to '\n' or the end) is `interface IF` or `interface IF vrf ...`. */
static int opens_block(const char *s, const char *ifname)
{
	static const char kw[] = "interface ";
	size_t n = strlen(ifname);
	if (strncmp(s, kw, sizeof(kw) - 1) != 0)
		return 0;
	s += sizeof(kw) - 1;
	return strncmp(s, ifname, n) == 0 &&
	       (s[n] == '\n' || s[n] == ' ' || s[n] == '\r' || s[n] == '\0');
}

/* ` ip ospf cost N` alone on its line: N; otherwise -1. */
static int cost_line(const char *s)
{
	static const char kw[] = " ip ospf cost ";
	if (strncmp(s, kw, sizeof(kw) - 1) != 0)
		return -1;
	char *end;
	long v = strtol(s + sizeof(kw) - 1, &end, 10);
	if (end == s + sizeof(kw) - 1 || v < 1 || v > 65535)
		return -1;
	while (*end == ' ' || *end == '\r')
		end++;
	return *end == '\n' || *end == '\0' ? (int)v : -1;
}

int frr_ospf_config_cost(const char *config, const char *ifname)
{
	if (!config || !valid_ifname(ifname))
		return -EINVAL;
	int in_block = 0, cost = 0;
	for (const char *s = config; *s;) {
		const char *nl = strchr(s, '\n');
		if (opens_block(s, ifname))
			in_block = 1;
		else if (*s != ' ')
			in_block = 0; /* `exit`, `!` or the next block */
		else if (in_block && cost_line(s) > 0)
			cost = cost_line(s);
		if (!nl)
			break;
		s = nl + 1;
	}
	return cost;
}
