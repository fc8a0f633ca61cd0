/* The config role, the prompt and the standby refusal (role.h). */
#include <stdio.h>
#include <string.h>

#include "cli_command.h"
#include "role.h"

enum cli_role cli_config_role(const json_t *vgmpd_status)
{
	const json_t *v = json_object_get(vgmpd_status, "vgmp");
	const char *state = json_string_value(json_object_get(v, "state"));

	/* an older vgmpd says nothing of enabled: it counts as on */
	if (!state || json_is_false(json_object_get(v, "enabled")))
		return CLI_ROLE_NONE;
	if (!strcmp(state, "standby"))
		return CLI_ROLE_STANDBY;
	if (!strcmp(state, "active") || !strcmp(state, "load-balance"))
		return CLI_ROLE_MASTER;
	return CLI_ROLE_NONE;
}

bool cli_standby_config(const json_t *hrpd_config)
{
	const json_t *h = json_object_get(json_object_get(hrpd_config, "settings"), "hrpd");

	return json_is_true(json_object_get(h, "standby_config"));
}

bool cli_standby_refuses(unsigned cmd_flags, enum cli_role role, bool standby_config)
{
	return (cmd_flags & CLI_F_SYNCED) && role == CLI_ROLE_STANDBY && !standby_config;
}

size_t cli_prompt_format(char *buf, size_t len, enum cli_role role, const char *name)
{
	int n = role == CLI_ROLE_MASTER    ? snprintf(buf, len, "HRP_M[%s]>", name)
		: role == CLI_ROLE_STANDBY ? snprintf(buf, len, "HRP_S[%s]>", name)
					   : snprintf(buf, len, "<%s>", name);

	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

enum cli_role cli_role_query(const struct cli_session *s)
{
	json_t *resp = NULL;
	char err[256];
	enum cli_role role = CLI_ROLE_NONE;

	if (s->ops->call(s->ctx, "vgmpd", "status", NULL, &resp, err, sizeof(err)) == 0 &&
	    json_is_true(json_object_get(resp, "ok")))
		role = cli_config_role(json_object_get(resp, "result"));
	json_decref(resp);
	return role;
}
