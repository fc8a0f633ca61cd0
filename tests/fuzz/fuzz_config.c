/* Fuzz target: a config file's text through the loader, and print -> parse for valid ones. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct hs_config *cfg = NULL;
	struct hs_cfg_errors errs;
	if (hs_config_load_string(text, "fuzz.conf", &cfg, &errs) == 0) {
		/* Whatever loads must print to something that loads again. */
		char *printed = hs_config_print_string(cfg);
		struct hs_config *again = NULL;
		assert(printed && hs_config_load_string(printed, "printed", &again, &errs) == 0);
		hs_config_free(again);
		free(printed);
		hs_config_free(cfg);
	}
	free(text);
	return 0;
}
