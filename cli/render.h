/* Views and renderers of hrpctl's display commands.
 *
 * A view builder turns the daemons' answers into one JSON object with stable keys (missing
 * fields become null or a default, never vanish): that object is what --json prints. A renderer
 * shows the same object in the appliance's layout. Both are pure: no sockets, no clock (the view
 * gets the time in its input). */
#ifndef HS_CLI_RENDER_H
#define HS_CLI_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli_command.h"

/* display hrp state [verbose]: the results in this order (commands.c makes the calls so). hrpd
 * may be unreachable: what it knows is then null and the rest is shown from vgmpd. */
enum hrp_state_result {
	HRP_RESULT_HRPD,        /* hrpd status (optional) */
	HRP_RESULT_VGMPD,       /* vgmpd status */
	HRP_RESULT_VRRPD,       /* vrrpd status (verbose; optional) */
	HRP_RESULT_SESSIONS,    /* hrpd session-stats (verbose; soft) */
	HRP_RESULT_DATA,        /* hrpd data-stats (verbose; soft) */
	HRP_RESULT_CONSISTENCY, /* hrpd session-consistency (verbose; soft) */
	HRP_RESULT_MAX,
};
int view_hrp_state(const struct cli_view_in *in, json_t **out);
int render_hrp_state(const json_t *view, FILE *out);
/* Its "readiness" member (render_ready.c): what the view holds is described there. */
json_t *view_hrp_readiness(const struct cli_view_in *in);
void render_hrp_readiness(const json_t *readiness, FILE *out);

/* Tracked objects, shared by display vgmp and display hrp state verbose (render_track.c): the
 * view is vgmpd's "tracked" list as it is. */
json_t *view_tracked(const json_t *vgmp);
void render_tracked(const json_t *list, FILE *out);

/* display hrp interface: hrpd hrp-interfaces */
int view_hrp_interface(const struct cli_view_in *in, json_t **out);
int render_hrp_interface(const json_t *view, FILE *out);
int view_hrp_statistics(const struct cli_view_in *in, json_t **out);
int render_hrp_statistics(const json_t *view, FILE *out);

/* display hrp session statistics: hrpd session-stats; display hrp session consistency: hrpd
 * session-consistency; hrp sync connection-status: hrpd session-sync. No view: --json prints
 * hrpd's result as it is (render_sess.c). */
int render_hrp_session_statistics(const json_t *view, FILE *out);
int render_hrp_session_consistency(const json_t *view, FILE *out);
int render_hrp_sync(const json_t *view, FILE *out);
/* display hrp config consistency: hrpd config-consistency as it is (render_cfg.c) */
int render_hrp_config_consistency(const json_t *view, FILE *out);

/* display vgmp: vgmpd status, with its tracked objects and notify counters as they are */
int view_vgmp(const struct cli_view_in *in, json_t **out);
int render_vgmp(const json_t *view, FILE *out);

/* display vrrp [brief]: vrrpd status */
int view_vrrp(const struct cli_view_in *in, json_t **out);
int render_vrrp(const json_t *view, FILE *out);
int render_vrrp_brief(const json_t *view, FILE *out);
int view_vrrp_detail(const struct cli_view_in *in, json_t **out);
int render_vrrp_verbose(const json_t *view, FILE *out);
int render_vrrp_statistics(const json_t *view, FILE *out);

/* display version: version of each daemon, each optional */
int view_version(const struct cli_view_in *in, json_t **out);
int render_version(const json_t *view, FILE *out);

/* help: the command table itself */
int view_help(const struct cli_view_in *in, json_t **out);
int render_help(const json_t *view, FILE *out);

/* Helpers shared by the views (render.c). Getters tolerate a NULL or non-object parent. */
const char *rj_str(const json_t *obj, const char *key, const char *dflt);
json_int_t rj_int(const json_t *obj, const char *key, json_int_t dflt);
double rj_real(const json_t *obj, const char *key, double dflt);
bool rj_bool(const json_t *obj, const char *key, bool dflt);
json_t *rj_obj(const json_t *obj, const char *key);
json_t *rj_arr(const json_t *obj, const char *key);
/* A new reference to a string / integer member, or json null when absent or of another type. */
json_t *rj_str_or_null(const json_t *obj, const char *key);
json_t *rj_int_or_null(const json_t *obj, const char *key);
json_t *rj_bool_or_null(const json_t *obj, const char *key);

/* "0 days, 0 hours, 11 minutes" */
void render_duration(char *buf, size_t len, int64_t ms);
/* "2016-05-06 14:31:24" in local time */
void render_timestamp(char *buf, size_t len, int64_t epoch_ms);
/* "on" / "off" */
const char *render_onoff(bool on);

/* The view as --json prints it: indented, keys in the view's order, a newline after. */
int render_json(const json_t *view, FILE *out);

#endif
