/* Fuzz target: vrrpd's hot-restart snapshot (lib/vrrp_snapshot.h), as the new process reads the
 * old one's: any bytes are JSON-parsed and decoded; what decodes must encode and decode again to
 * the same groups. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vrrp_snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	if (!j)
		return 0;
	struct vrrp_snapshot s, again;
	char err[256];
	memset(&s, 0, sizeof(s));
	if (vrrp_snapshot_decode(j, &s, err, sizeof(err)) == 0) {
		json_t *back = vrrp_snapshot_encode(&s);
		memset(&again, 0, sizeof(again));
		if (!back || vrrp_snapshot_decode(back, &again, err, sizeof(err)) != 0 ||
		    again.n_groups != s.n_groups)
			__builtin_trap();
		vrrp_snapshot_free(&again);
		json_decref(back);
		vrrp_snapshot_free(&s);
	}
	json_decref(j);
	return 0;
}
