/* The box's config role as hrpctl sees it, and what follows from it: the prompt (HRP_M[fw1]>,
 * HRP_S[fw2]>, or <fw1> when HRP is off or vgmpd cannot be reached) and the refusal of changes
 * to synced (+B) settings on the config standby. For now the config role is vgmpd's: standby is
 * the config standby, active or load-balance the config master (the config-sync issue refines
 * it). The decisions are pure functions of the daemons' answers. */
#ifndef HS_CLI_ROLE_H
#define HS_CLI_ROLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "exec.h"

enum cli_role {
	CLI_ROLE_NONE,    /* HRP off, initializing, or vgmpd unknown */
	CLI_ROLE_MASTER,  /* HRP_M */
	CLI_ROLE_STANDBY, /* HRP_S */
	CLI_ROLE_MAX,
};

#define CLI_STANDBY_REFUSAL                                                                        \
	"Error: The device is in HRP standby state, so this command cannot be executed."

/* From vgmpd's "status" result ({"vgmp": {"enabled", "state"}}); NULL is CLI_ROLE_NONE. */
enum cli_role cli_config_role(const json_t *vgmpd_status);

/* hrp standby config enable, from hrpd's "config-show" result (settings.hrpd.standby_config). */
bool cli_standby_config(const json_t *hrpd_config);

/* Whether a command is refused: it changes synced (+B) config, the box is the config standby,
 * and hrp standby config enable is off. */
bool cli_standby_refuses(unsigned cmd_flags, enum cli_role role, bool standby_config);

/* "HRP_M[fw1]>", "HRP_S[fw1]>" or "<fw1>". Returns the length (truncated to len - 1). */
size_t cli_prompt_format(char *buf, size_t len, enum cli_role role, const char *name);

/* Asks vgmpd for the role through s's ops (any failure: CLI_ROLE_NONE). */
enum cli_role cli_role_query(const struct cli_session *s);

#endif
