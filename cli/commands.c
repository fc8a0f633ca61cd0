/* The command table. A row names its words, its help, whether the config it changes is backed
 * up to the peer (+B), the daemon calls it makes, the view that combines their answers and the
 * renderer that shows it (render.h). Rows are tried in order when two patterns both fit a line;
 * help lists them in this order too. */
#include "commands.h"
#include "render.h"

static const struct cli_command rows[] = {
	{
		/* the calls in the order of enum hrp_state_result (render.h) */
		.pattern = "display hrp state",
		.help = "Display the hot standby state",
		.calls = { { .daemon = "hrpd", .cmd = "status", .optional = true },
			   { .daemon = "vgmpd", .cmd = "status" } },
		.view = view_hrp_state,
		.render = render_hrp_state,
	},
	{
		.pattern = "display hrp state verbose",
		.help = "Display the hot standby state, configuration, monitored objects and "
			"readiness",
		.calls = { { .daemon = "hrpd", .cmd = "status", .optional = true },
			   { .daemon = "vgmpd", .cmd = "status" },
			   { .daemon = "vrrpd", .cmd = "status", .optional = true },
			   { .daemon = "hrpd",
			     .cmd = "session-stats",
			     .soft = true,
			     .unsupported = "hrpd does not report session statistics" },
			   { .daemon = "hrpd",
			     .cmd = "data-stats",
			     .soft = true,
			     .unsupported = "hrpd does not report its data channel" },
			   { .daemon = "hrpd",
			     .cmd = "session-consistency",
			     .soft = true,
			     .unsupported = "hrpd does not support session consistency checks" } },
		.view = view_hrp_state,
		.render = render_hrp_state,
	},
	{
		.pattern = "display hrp interface",
		.help = "Display the heartbeat interfaces and their state",
		.calls = { { .daemon = "hrpd", .cmd = "hrp-interfaces" } },
		.view = view_hrp_interface,
		.render = render_hrp_interface,
	},
	{
		.pattern = "display hrp statistics",
		.help = "Display the HRP message counters, drops by reason, authentication "
			"failures",
		.calls = { { .daemon = "hrpd", .cmd = "hrp-statistics" } },
		.view = view_hrp_statistics,
		.render = render_hrp_statistics,
	},
	{
		.pattern = "display hrp session statistics",
		.help = "Display the session sync state and counters, drops by reason",
		.calls = { { .daemon = "hrpd", .cmd = "session-stats" } },
		.render = render_hrp_session_statistics,
	},
	{
		.pattern = "display hrp session consistency",
		.help = "Display the last comparison of the session tables with the peer",
		.calls = { { .daemon = "hrpd",
			     .cmd = "session-consistency",
			     .unsupported = "hrpd does not support session consistency checks" } },
		.render = render_hrp_session_consistency,
	},
	{
		.pattern = "display vgmp",
		.help = "Display the VGMP group: state, priorities, tracked objects, notify hooks",
		.calls = { { .daemon = "vgmpd", .cmd = "status" } },
		.view = view_vgmp,
		.render = render_vgmp,
	},
	{
		.pattern = "display vrrp",
		.help = "Display the VRRP groups",
		.calls = { { .daemon = "vrrpd", .cmd = "status" } },
		.view = view_vrrp,
		.render = render_vrrp,
	},
	{
		.pattern = "display vrrp brief",
		.help = "Display the VRRP groups, one line each",
		.calls = { { .daemon = "vrrpd", .cmd = "status" } },
		.view = view_vrrp,
		.render = render_vrrp_brief,
	},
	{
		.pattern = "display vrrp verbose",
		.help = "Display the VRRP groups with timers and state changes",
		.calls = { { .daemon = "vrrpd", .cmd = "status" } },
		.view = view_vrrp_detail,
		.render = render_vrrp_verbose,
	},
	{
		.pattern = "display vrrp statistics",
		.help = "Display the VRRP packet counters, drops by reason",
		.calls = { { .daemon = "vrrpd", .cmd = "status" } },
		.view = view_vrrp_detail,
		.render = render_vrrp_statistics,
	},
	{
		.pattern = "display version",
		.help = "Display the software version of hrpctl and of each daemon",
		.calls = { { .daemon = "vrrpd", .cmd = "version", .optional = true },
			   { .daemon = "vgmpd", .cmd = "version", .optional = true },
			   { .daemon = "hrpd", .cmd = "version", .optional = true } },
		.view = view_version,
		.render = render_version,
	},
	{
		.pattern = "hrp enable",
		.help = "Enable hot standby",
		.calls = { { .daemon = "hrpd", .cmd = "hrp-enable" } },
	},
	{
		.pattern = "hrp switchover",
		.help = "Hand the active role to the peer for maintenance, losing no packet",
		.calls = { { .daemon = "vgmpd", .cmd = "hrp-switchover" } },
	},
	{
		.pattern = "undo hrp switchover",
		.help = "Let the box that handed over preempt back again",
		.calls = { { .daemon = "vgmpd", .cmd = "hrp-switchover-undo" } },
	},
	{
		/* operational: sends the session table now, changes no config */
		.pattern = "hrp sync connection-status",
		.help = "Send the session table to the peer now, or ask the peer for its table",
		.calls = { { .daemon = "hrpd", .cmd = "session-sync" } },
		.render = render_hrp_sync,
	},
	{
		.pattern = "undo hrp enable",
		.help = "Disable hot standby",
		.calls = { { .daemon = "hrpd", .cmd = "hrp-disable" } },
	},
	{
		.pattern = "help",
		.help = "List the commands",
		.view = view_help,
		.render = render_help,
	},
	{
		.pattern = "quit",
		.help = "Leave the command line",
		.flags = CLI_F_QUIT,
	},
	{
		.pattern = "exit",
		.help = "Leave the command line",
		.flags = CLI_F_QUIT,
	},
};

/* Help of the words that do not end a command (those show the command's help). */
static const struct cli_keyword_help words[] = {
	{ .word = "display", .help = "Display information" },
	{ .word = "hrp", .help = "Hot standby (HRP)" },
	{ .word = "undo", .help = "Cancel a setting" },
	{ .word = "state", .help = "Hot standby state" },
	{ .word = "session", .help = "Session sync (connection status)" },
	{ .word = "sync", .help = "Back up to the peer now" },
	{ .word = "vrrp", .help = "VRRP groups" },
};

static const char *const preferred[] = { "state", NULL };

const struct cli_table cli_commands = {
	.preferred = preferred,
	.rows = rows,
	.n_rows = sizeof(rows) / sizeof(rows[0]),
	.words = words,
	.n_words = sizeof(words) / sizeof(words[0]),
};
