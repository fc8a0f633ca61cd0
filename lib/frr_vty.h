/* FRR's vty protocol as vtysh speaks it on a daemon's unix socket (DIR/ospfd.vty): each command
 * is sent as text ending in a NUL; the daemon answers with the command's output (text, never a
 * NUL) and then four bytes: three NULs and the command's return code (0 = CMD_SUCCESS). Pure:
 * the commands of an OSPF cost change, and a reader of the answers, with no socket. vgmpd uses
 * it to change the cost in ~1 ms instead of starting a vtysh (~30-80 ms in the lab). */
#ifndef HS_FRR_VTY_H
#define HS_FRR_VTY_H

#include <stddef.h>
#include <stdint.h>

#define FRR_VTY_SUCCESS 0 /* FRR's CMD_SUCCESS */

/* The commands that set (cost > 0) or remove (cost 0: FRR's own cost) `ip ospf cost` on each of
 * n interfaces, from a fresh vty (view node): enable, configure terminal, per interface
 * `interface IF` and the cost, end. Written NUL-separated to buf; returns the length and sets
 * *commands, or -ENOSPC (buf too small) / -EINVAL (no interface, a bad name or cost). */
int frr_vty_cost_commands(char *buf, size_t len, const char *const *ifnames, size_t n, int cost,
			  unsigned *commands);

/* The commands that read ospfd's running configuration (enable, show running-config), for
 * the cost a previous process left (frr_ospf_config_cost); NUL-separated as above. Returns the
 * length and sets *commands, or -ENOSPC. The output to keep is the last command's. */
int frr_vty_config_commands(char *buf, size_t len, unsigned *commands);

/* Reads a daemon's answers, in pieces as they arrive. */
struct frr_vty_reader {
	unsigned zeros;     /* NULs in a row so far (3: the next byte is a return code) */
	unsigned answers;   /* commands answered */
	unsigned failed;    /* answers whose code was not FRR_VTY_SUCCESS */
	int first_code;     /* the first failure's code, or FRR_VTY_SUCCESS */
	unsigned first_bad; /* its command's index (0-based) */
	/* frr_vty_reader_keep(): the output of one command, NUL-terminated */
	char *text;
	size_t text_size, text_len;
	unsigned text_of;
	int text_cut; /* the output did not fit */
};

void frr_vty_reader_init(struct frr_vty_reader *r);
/* Keeps the output of command index (0-based) in buf (size bytes, NUL-terminated; what does
 * not fit is dropped and text_cut set). */
void frr_vty_reader_keep(struct frr_vty_reader *r, unsigned index, char *buf, size_t size);
/* Feeds n bytes; returns the commands answered so far. */
unsigned frr_vty_feed(struct frr_vty_reader *r, const uint8_t *p, size_t n);

/* The `ip ospf cost N` of interface ifname in ospfd's running configuration (text): N (1-65535),
 * 0 when the interface has none (its block lacks it, or there is no block: FRR's own cost),
 * -EINVAL for a bad argument. Per-address costs (`ip ospf cost N A.B.C.D`) are not ours. */
int frr_ospf_config_cost(const char *config, const char *ifname);

#endif
