/* Fuzz target: the pair upgrade's HRP message body (lib/issu_msg.h), as hrpd reads it after
 * hrp_rx() accepted the datagram: any bytes are checked against the registry entry and decoded;
 * a body that decodes must build again into a body that decodes to the same message. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hrp_registry.h"
#include "issu_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[70000];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct issu_msg m, again;
	enum issu_msg_drop why;
	unsigned unknown;
	uint16_t bad;
	enum hrp_drop dwhy;

	(void)hrp_body_check(hrp_msg_info(HRP_MSG_ISSU), data, size, &unknown, &bad, &dwhy);
	if (issu_msg_get(data, size, &m, &why) != 0) {
		if (why == ISSU_DROP_NONE || why >= ISSU_DROP_MAX)
			__builtin_trap();
		return 0;
	}
	struct hrp_builder b;
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_ISSU, 0);
	if (issu_msg_put(&b, &m) != 0 ||
	    issu_msg_get(buf + HRP_HDR_LEN, b.len - HRP_HDR_LEN, &again, &why) != 0)
		__builtin_trap();
	if (again.op != m.op || again.id != m.id || strcmp(again.text, m.text) != 0 ||
	    again.record_len != m.record_len ||
	    (m.record && memcmp(again.record, m.record, m.record_len) != 0))
		__builtin_trap();
	return 0;
}
