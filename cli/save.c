/* save, the part that touches the disk: the file's own global group (no daemon owns it), the
 * composed text checked whole by the loader, then the atomic write of lib/config_save.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_cmds.h"
#include "config_edit.h"
#include "config_save.h"
#include "io.h"

#define SAVE_HEADER                                                                                \
	"# hotstandby configuration, written by \"hrpctl save\" from the running config of\n"      \
	"# vrrpd, vgmpd and hrpd (the global group kept from the file); the previous file is\n"    \
	"# FILE.bak beside it.\n"

static const char *group_text(const json_t *view, const char *daemon)
{
	return json_string_value(json_object_get(json_object_get(view, "groups"), daemon));
}

/* The global group as the file has it, or NULL when the file cannot be loaded. */
static char *file_global(const char *file)
{
	struct hs_cfg_errors *errs = calloc(1, sizeof(*errs));
	struct hs_config *cur = NULL;
	char *text = NULL;

	if (errs && hs_config_load_file(file, &cur, errs) == 0)
		text = hs_config_print_group_string(cur, "global");
	hs_config_free(cur);
	free(errs);
	return text;
}

/* The whole text must load as a file would, or nothing is written. */
static int check_text(const char *text, const char *file, char *err, size_t errlen)
{
	struct hs_cfg_errors *errs = calloc(1, sizeof(*errs));
	struct hs_config *cfg = NULL;
	int r;

	if (!errs)
		return -ENOMEM;
	r = hs_config_load_string(text, file, &cfg, errs);
	if (r < 0)
		snprintf(err, errlen,
			 "nothing written: the running configuration does not validate: %s",
			 errs->count ? errs->msg[0] : strerror(-r));
	hs_config_free(cfg);
	free(errs);
	return r;
}

int cli_io_save(void *ctx, json_t *view, char *err, size_t errlen)
{
	const char *file = json_string_value(json_object_get(view, "file"));
	const char *running = json_string_value(json_object_get(view, "global"));
	char *global, *text, bak[4200];
	bool backup = false;
	int r;

	if (!file) {
		char *files = json_dumps(json_object_get(view, "files"), JSON_COMPACT);
		snprintf(err, errlen,
			 "the daemons read different config files (%s): nothing written",
			 files ? files : "?");
		free(files);
		return -EINVAL;
	}
	global = file_global(file);
	json_object_set_new(view, "global_from", json_string(global ? "file" : "running"));
	text = cli_config_text(SAVE_HEADER, global ? global : running, group_text(view, "vrrpd"),
			       group_text(view, "vgmpd"), group_text(view, "hrpd"));
	free(global);
	if (!text)
		return -ENOMEM;
	r = check_text(text, file, err, errlen);
	if (r == 0)
		r = hs_config_save_file(file, text, &backup, err, errlen);
	free(text);
	if (r < 0)
		return r;
	snprintf(bak, sizeof(bak), "%s.bak", file);
	json_object_set_new(view, "backup", backup ? json_string(bak) : json_null());
	return 0;
}
