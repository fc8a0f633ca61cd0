/* The config commands of hrpctl (hrp preempt, undo hrp preempt, hrp track interface, ...),
 * display current-configuration and save. Pure: no sockets, no files.
 *
 * A config command is one config-set call to the daemon that owns the setting, with the changes
 * its words mean (daemon_config.c and config_edit.h on the daemon side): the argument builders
 * here turn the parsed words into {"changes": [...]}. display current-configuration and save ask
 * the three daemons for config-show, each for its own group; the view puts the groups in the
 * file's order: global, vrrpd, vgmpd, hrpd. */
#ifndef HS_CLI_CONFIG_CMDS_H
#define HS_CLI_CONFIG_CMDS_H

#include <jansson.h>
#include <stdio.h>

#include "cli_command.h"

/* config-set arguments of each config command (cli_call.args). */
int args_preempt(const struct cli_match *m, json_t **args);
int args_undo_preempt(const struct cli_match *m, json_t **args);
int args_standby_device(const struct cli_match *m, json_t **args);
int args_undo_standby_device(const struct cli_match *m, json_t **args);
int args_ospf_cost(const struct cli_match *m, json_t **args);
int args_undo_ospf_cost(const struct cli_match *m, json_t **args);
int args_mirror(const struct cli_match *m, json_t **args);
int args_undo_mirror(const struct cli_match *m, json_t **args);
int args_auto_sync(const struct cli_match *m, json_t **args);
int args_undo_auto_sync(const struct cli_match *m, json_t **args);
int args_track(const struct cli_match *m, json_t **args);
/* firewall nft "COMMAND": hrpd's config-nft. */
int args_firewall_nft(const struct cli_match *m, json_t **args);
int args_undo_track(const struct cli_match *m, json_t **args);
int args_standby_config(const struct cli_match *m, json_t **args);
int args_undo_standby_config(const struct cli_match *m, json_t **args);

/* display current-configuration and save make these calls, in this order. */
enum cli_config_result {
	CFG_RESULT_VRRPD,
	CFG_RESULT_VGMPD,
	CFG_RESULT_HRPD,
	CFG_RESULT_MAX,
};

/* The whole file's text from the four groups' texts, as display current-configuration shows it
 * and save writes it (header: NULL for none). Returns a malloc'd string, or NULL. */
char *cli_config_text(const char *header, const char *global, const char *vrrpd, const char *vgmpd,
		      const char *hrpd);

/* display current-configuration: {"file", "unsaved_changes": {daemon: n}, "config": {group:
 * settings}, "text"}; global from vgmpd. */
int view_current_config(const struct cli_view_in *in, json_t **out);
int render_current_config(const json_t *view, FILE *out);

/* save: {"file" (null when the daemons read different files), "files": {daemon: file},
 * "global": running global text, "groups": {daemon: text}}; the writer (cli_ops.save) adds
 * "global_from" ("file" or "running") and "backup" (FILE.bak, or null when there was no file). */
int view_save(const struct cli_view_in *in, json_t **out);
int render_save(const json_t *view, FILE *out);

#endif
