/* Fuzz target: the persisted upgrade record (lib/issu_record.h), as hrpd reads it back after a
 * crash: any bytes are JSON-parsed and decoded; what decodes must encode and decode again to the
 * same record, and restore into the stage machine or be refused, never crash. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "issu_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct issu_record rec, again;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	char err[256];
	struct issu s;

	if (!j)
		return 0;
	if (issu_record_decode(j, &rec, err, sizeof(err)) == 0) {
		json_t *back = issu_record_encode(&rec);
		if (!back || issu_record_decode(back, &again, err, sizeof(err)) != 0)
			__builtin_trap();
		again.minor = rec.minor; /* the encoder writes its own minor */
		if (memcmp(&rec, &again, sizeof(rec)) != 0)
			__builtin_trap();
		if (issu_record_to_state(&rec, &s, 1000, rec.since_unix_ms) == 0) {
			struct issu_event ev = { .kind = ISSU_EV_ROLLBACK };
			struct issu_actions out;
			issu_step(&s, &ev, 1000, &out, NULL);
		}
		json_decref(back);
	}
	json_decref(j);
	return 0;
}
