/* The command table. A row names its words, its help, whether the config it changes is backed
 * up to the peer (+B), the daemon calls it makes, the view that combines their answers and the
 * renderer that shows it (render.h). Rows are tried in order when two patterns both fit a line;
 * help lists them in this order too. */
#include "commands.h"
#include "config_cmds.h"
#include "hot_restart.h"
#include "issu.h"
#include "render.h"

/* A config command: one config-set to the daemon that owns the setting. */
/* clang-format off */
#define CONFIG_SET(who, builder) { { .daemon = who, .cmd = "config-set", .args = builder } }
/* display current-configuration and save: each daemon's own group (enum cli_config_result) */
#define CONFIG_SHOW { { .daemon = "vrrpd", .cmd = "config-show" }, \
		      { .daemon = "vgmpd", .cmd = "config-show" }, \
		      { .daemon = "hrpd", .cmd = "config-show" } }
/* hot-restart daemon NAME: status, hot-restart, status until the outcome (hot_restart.h) */
#define HOT_RESTART(who) { { .daemon = who, .cmd = "status" }, \
			   { .daemon = who, .cmd = "hot-restart", .args = args_hot_restart }, \
			   { .daemon = who, .cmd = "status", .optional = true, \
			     .until = hot_restart_settled } }
/* issu COMMAND: one call to hrpd, the stage it led to */
#define ISSU_ROW(pat, command, text) { .pattern = pat, .help = text, \
	.calls = { { .daemon = "hrpd", .cmd = command } }, .render = render_issu_command }
/* clang-format on */

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
		.pattern = "display hrp config consistency",
		.help = "Display the synced nftables tables here and on the peer, and what differs",
		.calls = { { .daemon = "hrpd",
			     .cmd = "config-consistency",
			     .unsupported = "hrpd does not support config sync" } },
		.render = render_hrp_config_consistency,
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
		.pattern = "display current-configuration",
		.help = "Display the running configuration of vrrpd, vgmpd and hrpd, in the config "
			"file's syntax",
		.calls = CONFIG_SHOW,
		.view = view_current_config,
		.render = render_current_config,
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
		/* the pair upgrade's cold mode uses it when the versions cannot talk a handover */
		.pattern = "hrp release",
		.help = "Let go of the active role at once, without the peer's answer (break before "
			"make: the peer takes over as from a failed box); undo hrp switchover ends it",
		.calls = { { .daemon = "vgmpd", .cmd = "hrp-release" } },
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
		.pattern = "hrp preempt [delay <delay:1-3600>]",
		.help = "Let this box take the active role back when its priority is higher, after "
			"the delay",
		.flags = CLI_F_SYNCED,
		.calls = CONFIG_SET("vgmpd", args_preempt),
	},
	{
		.pattern = "undo hrp preempt [delay]",
		.help = "Disable preemption; with delay, restore the default delay (60 s)",
		.flags = CLI_F_SYNCED,
		.calls = CONFIG_SET("vgmpd", args_undo_preempt),
	},
	{
		.pattern = "hrp standby-device",
		.help = "Make this box the standby when the priorities are equal",
		.calls = CONFIG_SET("vgmpd", args_standby_device),
	},
	{
		.pattern = "undo hrp standby-device",
		.help = "Let the election decide on equal priorities",
		.calls = CONFIG_SET("vgmpd", args_undo_standby_device),
	},
	{
		.pattern = "hrp adjust ospf-cost enable [<cost:1-65535>]",
		.help = "Raise the OSPF cost on the standby (default 65500) so that traffic comes "
			"to the active",
		.flags = CLI_F_SYNCED,
		.calls = CONFIG_SET("vgmpd", args_ospf_cost),
	},
	{
		.pattern = "undo hrp adjust ospf-cost enable",
		.help = "Stop raising the OSPF cost on the standby",
		.flags = CLI_F_SYNCED,
		.calls = CONFIG_SET("vgmpd", args_undo_ospf_cost),
	},
	{
		.pattern = "hrp mirror session enable",
		.help = "Mirror new sessions to the peer before their first packet passes "
			"(load sharing with asymmetric paths)",
		.flags = CLI_F_SYNCED,
		.calls = CONFIG_SET("hrpd", args_mirror),
	},
	{
		.pattern = "undo hrp mirror session enable",
		.help = "Stop mirroring sessions",
		.flags = CLI_F_SYNCED,
		.calls = CONFIG_SET("hrpd", args_undo_mirror),
	},
	{
		.pattern = "hrp auto-sync [config|connection-status]",
		.help = "Back up the configuration and the sessions to the peer as they change "
			"(both, or the one named)",
		.flags = CLI_F_SYNCED,
		.calls = CONFIG_SET("hrpd", args_auto_sync),
	},
	{
		.pattern = "undo hrp auto-sync [config|connection-status]",
		.help = "Stop backing up automatically (both, or the one named)",
		.flags = CLI_F_SYNCED,
		.calls = CONFIG_SET("hrpd", args_undo_auto_sync),
	},
	{
		.pattern = "hrp sync config",
		.help = "Send the synced nftables tables to the peer now (the config standby asks "
			"the master for them)",
		.calls = { { .daemon = "hrpd",
			     .cmd = "config-sync",
			     .unsupported = "hrpd does not support config sync" } },
		.render = render_hrp_sync,
	},
	{
		.pattern = "firewall nft <STRING>",
		.help = "Run one nft command on this box (quoted); a change to a synced table goes "
			"to the peer",
		.flags = CLI_F_SYNCED,
		.calls = { { .daemon = "hrpd",
			     .cmd = "config-nft",
			     .args = args_firewall_nft,
			     .unsupported = "hrpd does not support config sync" } },
		.render = render_hrp_sync,
	},
	{
		.pattern = "hrp track interface <IFNAME>",
		.help = "Track an interface: its failure lowers the VGMP priority",
		.calls = CONFIG_SET("vgmpd", args_track),
	},
	{
		.pattern = "undo hrp track interface <IFNAME>",
		.help = "Stop tracking an interface",
		.calls = CONFIG_SET("vgmpd", args_undo_track),
	},
	{
		.pattern = "hrp standby config enable",
		.help = "Accept changes to backed-up (+B) configuration on the standby",
		.calls = CONFIG_SET("hrpd", args_standby_config),
	},
	{
		.pattern = "undo hrp standby config enable",
		.help = "Refuse changes to backed-up (+B) configuration on the standby",
		.calls = CONFIG_SET("hrpd", args_undo_standby_config),
	},
	{
		.pattern = "hot-restart daemon vrrpd [exe <path:STRING>]",
		.help = "Replace vrrpd by a new binary in place: sockets and state are handed over, "
			"no advert is missed",
		.calls = HOT_RESTART("vrrpd"),
		.view = view_hot_restart,
		.render = render_hot_restart,
	},
	{
		.pattern = "hot-restart daemon vgmpd [exe <path:STRING>]",
		.help = "Replace vgmpd by a new binary in place: the election goes on where it was",
		.calls = HOT_RESTART("vgmpd"),
		.view = view_hot_restart,
		.render = render_hot_restart,
	},
	{
		.pattern = "hot-restart daemon hrpd [exe <path:STRING>]",
		.help = "Replace hrpd by a new binary in place",
		.calls = HOT_RESTART("hrpd"),
		.view = view_hot_restart,
		.render = render_hot_restart,
	},
	{
		.pattern = "issu load <path:STRING> [timer <sec:1-86400>]",
		.help = "Upgrade the pair: load the binaries in PATH on the standby box first",
		.calls = { { .daemon = "hrpd", .cmd = "issu-load", .args = args_issu_load } },
		.render = render_issu_command,
	},
	ISSU_ROW("issu runswitch", "issu-runswitch",
		 "Switch over to the upgraded box (starts the rollback timer)"),
	ISSU_ROW("issu accept", "issu-accept", "Keep the new version (stops the rollback timer)"),
	ISSU_ROW("issu commit", "issu-commit", "Upgrade the other box too: the pair runs the new "
						"version"),
	ISSU_ROW("issu rollback", "issu-rollback",
		 "Go back to the old version and the old roles"),
	ISSU_ROW("issu abort", "issu-abort", "Stop an upgrade before any role change"),
	{
		.pattern = "display issu state",
		.help = "Display the pair upgrade: stage, versions, verdict, held back, timer",
		.calls = { { .daemon = "hrpd",
			     .cmd = "issu-state",
			     .unsupported = "hrpd does not support the pair upgrade" } },
		.render = render_issu_state,
	},
	{
		.pattern = "save",
		.help = "Write the running configuration to the config file (the old one kept as "
			"FILE.bak)",
		.flags = CLI_F_SAVE,
		.calls = CONFIG_SHOW,
		.view = view_save,
		.render = render_save,
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
	{ .word = "firewall", .help = "The firewall policy (nftables)" },
	{ .word = "nft", .help = "One nft command, run on this box" },
	{ .word = "hrp", .help = "Hot standby (HRP)" },
	{ .word = "undo", .help = "Cancel a setting" },
	{ .word = "state", .help = "Hot standby state" },
	{ .word = "session", .help = "Session sync (connection status)" },
	{ .word = "sync", .help = "Back up to the peer now" },
	{ .word = "vrrp", .help = "VRRP groups" },
	{ .word = "delay", .help = "Preemption delay" },
	{ .word = "<delay>", .help = "Preemption delay, in seconds" },
	{ .word = "adjust", .help = "Adjust routing on the standby" },
	{ .word = "ospf-cost", .help = "OSPF cost of the standby" },
	{ .word = "<cost>", .help = "OSPF cost set on the standby" },
	{ .word = "mirror", .help = "Mirror sessions to the peer" },
	{ .word = "track", .help = "Track an object" },
	{ .word = "interface", .help = "An interface" },
	{ .word = "standby", .help = "Configuration on the standby" },
	{ .word = "config", .help = "Configuration" },
	{ .word = "hot-restart", .help = "Replace a daemon by a new binary in place" },
	{ .word = "daemon", .help = "The daemon to restart" },
	{ .word = "exe", .help = "The new binary (default: the daemon's own file)" },
	{ .word = "<path>", .help = "Path of the new binary" },
	{ .word = "issu", .help = "In-service upgrade of the pair" },
	{ .word = "load", .help = "Load the new version, on the standby box first" },
	{ .word = "timer", .help = "The rollback timer after runswitch (default 45 min)" },
	{ .word = "<sec>", .help = "Seconds" },
};

static const char *const preferred[] = { "state", NULL };

const struct cli_table cli_commands = {
	.preferred = preferred,
	.rows = rows,
	.n_rows = sizeof(rows) / sizeof(rows[0]),
	.words = words,
	.n_words = sizeof(words) / sizeof(words[0]),
};
