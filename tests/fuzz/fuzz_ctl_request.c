/* Fuzz target: a control-socket byte stream, framed and parsed as the server does. */
#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, plen;
	int r;
	while ((r = hs_ctl_frame_peek(data + off, size - off, HS_CTL_MAX_REQUEST, &plen)) == 1) {
		struct hs_ctl_request req;
		const char *code;
		char err[256];
		if (hs_ctl_request_parse((const char *)data + off + HS_CTL_HEADER_LEN, plen, &req,
					 &code, err, sizeof(err)) == 0)
			hs_ctl_request_clear(&req);
		off += HS_CTL_HEADER_LEN + plen;
	}
	return 0;
}
