/* Fuzz target: what vgmpd reads from ospfd's vty socket (lib/frr_vty.h): the answers, in pieces
 * as they arrive, and the running configuration it searches for a cost. The first input byte
 * sets the piece size and which command's output is kept (in a small buffer, to cut it). The
 * reader must count the same answers however the bytes are split, keep a NUL-terminated output
 * within its buffer, and the cost found must be FRR's range or 0. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frr_vty.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_all(struct frr_vty_reader *r, const uint8_t *p, size_t n, size_t piece,
		     unsigned keep, char *buf, size_t buf_size)
{
	frr_vty_reader_init(r);
	frr_vty_reader_keep(r, keep, buf, buf_size);
	for (size_t at = 0; at < n; at += piece)
		frr_vty_feed(r, p + at, n - at < piece ? n - at : piece);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t piece = (data[0] & 0x0f) + 1;
	unsigned keep = data[0] >> 4 & 3;
	const uint8_t *p = data + 1;
	size_t n = size - 1;

	struct frr_vty_reader whole, pieces;
	char whole_text[4096], small[16];
	read_all(&whole, p, n, n ? n : 1, keep, whole_text, sizeof(whole_text));
	read_all(&pieces, p, n, piece, keep, small, sizeof(small));
	if (whole.answers != pieces.answers || whole.failed != pieces.failed ||
	    whole.first_code != pieces.first_code || whole.first_bad != pieces.first_bad ||
	    whole.failed > whole.answers)
		__builtin_trap();
	if (pieces.text_len >= sizeof(small) || strlen(small) != pieces.text_len ||
	    strncmp(small, whole_text, pieces.text_len) != 0 ||
	    (!whole.text_cut && pieces.text_cut != (whole.text_len >= sizeof(small))))
		__builtin_trap();

	char *config = malloc(n + 1);
	if (!config)
		return 0;
	memcpy(config, p, n);
	config[n] = '\0';
	int cost = frr_ospf_config_cost(config, data[0] & 0x40 ? "lan0" : "up0");
	free(config);
	if (cost < 0 || cost > 65535)
		__builtin_trap();
	return 0;
}
