/* Every setting of hotstandby.conf, declared once. Add a setting here and the loader, the checks,
 * the printer and config sync's class table all know it. */
#include "config_schema.h"

#include <stddef.h>
#include <string.h>

#include "cfgsync_core.h"
#include "cfgsync_route.h"
#include "hs_build.h"
#include "log.h"
#include "sess_policy.h"

#define SYNC  .cls = HS_CFG_SYNCED
#define LOCAL .cls = HS_CFG_LOCAL

#define BOOL(st, key, field, dflt, ...)                                                            \
	{                                                                                          \
		.name = key, .type = HS_CFG_BOOL, .offset = offsetof(st, field), .def = dflt,      \
		__VA_ARGS__                                                                        \
	}
#define INT(st, key, field, lo, hi, dflt, ...)                                                     \
	{                                                                                          \
		.name = key, .type = HS_CFG_INT, .offset = offsetof(st, field), .min = lo,         \
		.max = hi, .def = dflt, __VA_ARGS__                                                \
	}
#define STR(st, key, field, lo, dflt, ...)                                                         \
	{                                                                                          \
		.name = key, .type = HS_CFG_STRING, .offset = offsetof(st, field),                 \
		.size = sizeof(((st *)0)->field), .min = lo, .max = sizeof(((st *)0)->field) - 1,  \
		.def_str = dflt, __VA_ARGS__                                                       \
	}
#define ENUM(st, key, field, names, dflt, ...)                                                     \
	{                                                                                          \
		.name = key, .type = HS_CFG_ENUM, .offset = offsetof(st, field), .choices = names, \
		.def = dflt, __VA_ARGS__                                                           \
	}
#define ADDR(st, key, field, ...)                                                                  \
	{                                                                                          \
		.name = key, .type = HS_CFG_ADDR, .offset = offsetof(st, field), __VA_ARGS__       \
	}
#define STRLIST(st, key, field, ...)                                                               \
	{                                                                                          \
		.name = key, .type = HS_CFG_STRLIST, .offset = offsetof(st, field), .min = 0,      \
		.max = HS_CFG_LIST_MAX, __VA_ARGS__                                                \
	}
#define ADDRLIST(st, key, field, count, lo, ...)                                                   \
	{                                                                                          \
		.name = key, .type = HS_CFG_ADDRLIST, .offset = offsetof(st, field),               \
		.count_offset = offsetof(st, count),                                               \
		.size = sizeof(((st *)0)->field) / sizeof(((st *)0)->field[0]), .min = lo,         \
		.max = sizeof(((st *)0)->field) / sizeof(((st *)0)->field[0]), __VA_ARGS__         \
	}
#define GROUP(st, key, field, members, ...)                                                        \
	{                                                                                          \
		.name = key, .type = HS_CFG_GROUP, .offset = offsetof(st, field), .sub = members,  \
		__VA_ARGS__                                                                        \
	}
#define LIST(st, key, field, count, elem, members, lo, hi, ...)                                    \
	{                                                                                          \
		.name = key, .type = HS_CFG_LIST, .offset = offsetof(st, field),                   \
		.count_offset = offsetof(st, count), .size = sizeof(elem), .sub = members,         \
		.min = lo, .max = hi, __VA_ARGS__                                                  \
	}

static const char *const log_target_names[] = {
	[HS_LOG_TARGET_SYSLOG] = "syslog", [HS_LOG_TARGET_STDERR] = "stderr", NULL
};
static const char *const family_names[] = {
	[HS_FAMILY_IPV4] = "ipv4", [HS_FAMILY_IPV6] = "ipv6", NULL
};
static const char *const binding_names[] = {
	[HS_BIND_NONE] = "none", [HS_BIND_ACTIVE] = "active", [HS_BIND_STANDBY] = "standby", NULL
};
static const char *const checksum_names[] = {
	[HS_VRRP_CKSUM_PSEUDO] = "pseudo-header", [HS_VRRP_CKSUM_RFC9568] = "rfc9568", NULL
};
static const char *const vmac_backup_names[] = {
	[HS_VMAC_BACKUP_RANDOM_MAC] = "random-mac", [HS_VMAC_BACKUP_PROTODOWN] = "protodown", NULL
};
static const char *const mode_names[] = {
	[HS_MODE_ACTIVE_STANDBY] = "active-standby", [HS_MODE_LOAD_SHARING] = "load-sharing", NULL
};

const char *hs_family_name(int family)
{
	return family >= 0 && family < HS_FAMILY_MAX ? family_names[family] : "?";
}

const char *hs_vgmp_binding_name(int binding)
{
	return binding >= 0 && binding < HS_BIND_MAX ? binding_names[binding] : "?";
}

const char *hs_vgmp_mode_name(int mode)
{
	return mode >= 0 && mode < HS_MODE_MAX ? mode_names[mode] : "?";
}

/* An interface name the kernel would take. */
static const char *check_ifname(const char *v)
{
	if (strlen(v) == 0 || strlen(v) >= IF_NAMESIZE)
		return "an interface name has 1 to 15 characters";
	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0 || strpbrk(v, "/: \t\n"))
		return "an interface name has no '/', ':' or white space";
	return NULL;
}

static const char *check_debug_category(const char *v)
{
	return hs_debug_category_from_name(v) == HS_DBG_INVALID
		       ? "unknown debug category (config, ctl, loop, vrrp, vgmp, hrp, netlink, "
			 "sync)"
		       : NULL;
}

static const char *check_key(const char *v)
{
	/* Empty means no authentication; a key shorter than 16 bytes is too easy to guess. */
	return strlen(v) == 0 || strlen(v) >= 16 ? NULL : "a key has at least 16 characters";
}

static const char *check_prefix(const char *v)
{
	struct hs_sess_prefix p;
	const char *why = NULL;
	return hs_sess_prefix_parse(v, &p, &why) < 0 ? why : NULL;
}

static const char *check_route_table(const char *v)
{
	uint32_t id;
	const char *why = NULL;
	return hs_route_table_parse(v, &id, &why) < 0 ? why : NULL;
}

static const char *check_protocol(const char *v)
{
	struct hs_sess_policy p;
	const char *why = NULL;
	return hs_sess_policy_protocols(&p, &v, 1, &why) < 0 ? why : NULL;
}

static const char *check_tcp_state(const char *v)
{
	struct hs_sess_policy p;
	const char *why = NULL;
	return hs_sess_policy_tcp_states(&p, &v, 1, &why) < 0 ? why : NULL;
}

static const char *check_table(const char *v)
{
	if (strcmp(v, HS_CFGSYNC_ROUTES) == 0)
		return "static routes are synced by hrpd.route_sync, not listed here";
	if (hs_cfgsync_table_name_ok(v))
		return NULL;
	return "expected \"FAMILY NAME\" (ip, ip6, inet, arp, bridge, netdev)";
}

static const char *check_name(const char *v)
{
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return "a name has only letters, digits, '-', '_' and '.'";
	return NULL;
}

static const char *check_abs_path(const char *v)
{
	return v[0] == '/' || v[0] == '\0' ? NULL : "a path is absolute";
}

static const struct hs_cfg_field global_fields[] = {
	STR(struct hs_global_config, "name", name, 1, "", .required = true, LOCAL,
	    .check_string = check_name, .help = "the box's name (sysname), shown in prompts"),
	STR(struct hs_global_config, "rundir", rundir, 1, HS_DEFAULT_RUNDIR, LOCAL,
	    .check_string = check_abs_path, .help = "run directory: control sockets, pid files"),
	STR(struct hs_global_config, "ctl_group", ctl_group, 0, "", LOCAL,
	    .check_string = check_name,
	    .help = "group allowed on the control sockets besides root"),
	ENUM(struct hs_global_config, "log_target", log_target, log_target_names,
	     HS_LOG_TARGET_SYSLOG, LOCAL, .help = "syslog or stderr"),
	STRLIST(struct hs_global_config, "debug", debug, LOCAL,
		.check_string = check_debug_category, .help = "debug categories on at start"),
	{ 0 },
};

#define G struct hs_vrrp_group_config
static const struct hs_cfg_field vrrp_group_fields[] = {
	STR(G, "interface", interface, 1, "", .required = true, LOCAL, .check_string = check_ifname,
	    .help = "LAN interface the group runs on"),
	INT(G, "vrid", vrid, 1, 255, 0, .required = true, LOCAL, .help = "virtual router id"),
	ENUM(G, "family", family, family_names, HS_FAMILY_IPV4, LOCAL, .help = "ipv4 or ipv6"),
	INT(G, "version", version, 2, 3, 3, LOCAL, .help = "VRRP version (2 for old IPv4 peers)"),
	INT(G, "priority", priority, 1, 255, 100, LOCAL, .help = "1-254; 255 = address owner"),
	/* 25500 for v2 (255 s in its 8-bit field); v3's 12 bits stop at 4095 (config_check.c) */
	INT(G, "advert_interval", advert_interval_cs, 1, 25500, 100, LOCAL,
	    .help = "advertisement interval in centiseconds"),
	BOOL(G, "preempt", preempt, 1, LOCAL, .help = "a higher priority takes over"),
	INT(G, "preempt_delay", preempt_delay_s, 0, 3600, 0, LOCAL, .help = "seconds"),
	BOOL(G, "accept", accept, 0, LOCAL, .help = "accept mode: the master answers on its VIPs"),
	BOOL(G, "vmac", vmac, 1, LOCAL, .help = "virtual MAC through a macvlan"),
	ENUM(G, "vmac_backup", vmac_backup, vmac_backup_names, HS_VMAC_BACKUP_PROTODOWN, LOCAL,
	     .help = "a backup's vMAC link: protodown (down) or random-mac (up, random MAC)"),
	ENUM(G, "checksum", checksum, checksum_names, HS_VRRP_CKSUM_PSEUDO, LOCAL,
	     .help = "v3 IPv4 checksum: pseudo-header (keepalived, FRR) or rfc9568"),
	ENUM(G, "vgmp", vgmp, binding_names, HS_BIND_NONE, LOCAL,
	     .help = "binding to the VGMP group: none, active or standby"),
	INT(G, "garp_count", garp_count, 1, 10, 1, LOCAL,
	    .help = "gratuitous ARPs / NAs per VIP on becoming master"),
	INT(G, "garp_repeat", garp_repeat_s, 0, 3600, 5, LOCAL,
	    .help = "seconds after which a new master announces once more (0: never)"),
	BOOL(G, "router_advert", router_advert, 0, LOCAL,
	     .help = "IPv6: send router advertisements from the virtual link-local while master"),
	INT(G, "router_advert_interval", router_advert_s, 1, 1800, 10, LOCAL,
	    .help = "seconds between router advertisements"),
	INT(G, "router_lifetime", router_lifetime_s, 0, 9000, 1800, LOCAL,
	    .help = "default-router lifetime announced, seconds"),
	ADDRLIST(G, "vips", vips, n_vips, 1, LOCAL, .help = "virtual addresses"),
	ADDRLIST(G, "unicast_peers", unicast_peers, n_unicast_peers, 0, LOCAL,
		 .help = "send adverts to these peers instead of the multicast group"),
	{ 0 },
};
#undef G

static const struct hs_cfg_field vrrpd_fields[] = {
	LIST(struct hs_vrrpd_config, "groups", groups, n_groups, struct hs_vrrp_group_config,
	     vrrp_group_fields, 0, 1024, LOCAL, .check_object = hs_cfg_check_vrrp_group,
	     .help = "VRRP groups"),
	{ 0 },
};

static const struct hs_cfg_field ospf_cost_fields[] = {
	BOOL(struct hs_ospf_cost_config, "enable", enable, 0, SYNC,
	     .help = "raise the OSPF cost on the standby"),
	INT(struct hs_ospf_cost_config, "cost", cost, 1, 65535, 65500, SYNC,
	    .help = "cost set on the standby"),
	INT(struct hs_ospf_cost_config, "active_cost", active_cost, 0, 65534, 0, SYNC,
	    .help = "cost set on the active (0: the interface's own); from 2 up, a takeover "
		    "sets one less until the peer confirms its raised cost"),
	STRLIST(struct hs_ospf_cost_config, "interfaces", interfaces, LOCAL,
		.check_string = check_ifname, .help = "interfaces whose cost is raised"),
	STR(struct hs_ospf_cost_config, "vtysh_socket", vtysh_socket, 0, "", LOCAL,
	    .check_string = check_abs_path, .help = "FRR vty socket dir; empty: FRR's default"),
	{ 0 },
};

static const char *const tracker_type_names[] = {
	[HS_TRACK_INTERFACE] = "interface",
	[HS_TRACK_ICMP] = "icmp",
	[HS_TRACK_SCRIPT] = "script",
	[HS_TRACK_OSPF_NEIGHBOR] = "ospf-neighbor",
	[HS_TRACK_VRRP] = "vrrp",
	[HS_TRACK_BRIDGE_MEMBER] = "bridge-member",
	NULL
};
static const char *const notify_on_names[] = {
	[HS_NOTIFY_ACTIVE] = "active",         [HS_NOTIFY_STANDBY] = "standby",
	[HS_NOTIFY_INITIALIZE] = "initialize", [HS_NOTIFY_LOAD_BALANCE] = "load-balance",
	[HS_NOTIFY_FAULT] = "fault",           [HS_NOTIFY_ANY] = "any",
	NULL
};

const char *hs_vgmp_tracker_type_name(int type)
{
	return type >= 0 && type < HS_TRACK_MAX ? tracker_type_names[type] : "?";
}

const char *hs_vgmp_notify_on_name(int on)
{
	return on >= 0 && on < HS_NOTIFY_MAX ? notify_on_names[on] : "?";
}

/* Empty (not set) or an address. */
static const char *check_opt_addr(const char *v)
{
	struct hs_addr a;
	return v[0] == '\0' || hs_addr_parse(v, &a) == 0 ? NULL : "not an IPv4 or IPv6 address";
}

/* A tracker's name is shown and logged: printable, no quotes. */
static const char *check_label(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return "a tracker name has no control characters, quotes or backslashes";
	return NULL;
}

static const char *check_opt_ifname(const char *v)
{
	return v[0] ? check_ifname(v) : NULL;
}

/* An OSPF router id, or a neighbour's IPv4 address: dotted quad. */
static const char *check_opt_ipv4(const char *v)
{
	struct hs_addr a;
	return v[0] == '\0' || (hs_addr_parse(v, &a) == 0 && a.family == AF_INET)
		       ? NULL
		       : "not a router id or IPv4 address";
}

#define D struct hs_vgmp_damping_config
static const struct hs_cfg_field damping_fields[] = {
	INT(D, "penalty", penalty, 0, 1000000, 0, LOCAL,
	    .help = "added per flap (up -> down); 0: damping off"),
	INT(D, "suppress", suppress, 1, 1000000, 2000, LOCAL,
	    .help = "at or above this penalty the object counts as down"),
	INT(D, "reuse", reuse, 1, 1000000, 750, LOCAL,
	    .help = "suppressed until the penalty falls below this"),
	INT(D, "half_life", half_life_ms, 1, 86400000, 15000, LOCAL,
	    .help = "ms in which the penalty halves"),
	INT(D, "max_penalty", max_penalty, 0, 4000000, 0, LOCAL,
	    .help = "cap of the penalty; 0: 4 x suppress"),
	{ 0 },
};
#undef D

#define T struct hs_vgmp_tracker_config
static const struct hs_cfg_field tracker_fields[] = {
	ENUM(T, "type", type, tracker_type_names, HS_TRACK_INTERFACE, .required = true, LOCAL,
	     .help = "interface, icmp, script, ospf-neighbor, vrrp or bridge-member"),
	STR(T, "name", name, 0, "", LOCAL, .check_string = check_label,
	    .help = "shown in displays and the ledger; empty: the interface, target or path"),
	INT(T, "weight", weight, 0, 65535, 0, LOCAL,
	    .help = "priority lost while down; 0: the fault penalty"),
	INT(T, "hold_down", hold_down_ms, 0, 3600000, 0, LOCAL,
	    .help = "ms a down must last before it counts"),
	GROUP(T, "damping", damping, damping_fields, LOCAL, .help = "flap damping (RFC 2439)"),
	STR(T, "interface", interface, 0, "", LOCAL, .check_string = check_opt_ifname,
	    .help = "interface: the link tracked; vrrp: the group's; ospf-neighbor: optional"),
	STR(T, "target", target, 0, "", LOCAL, .check_string = check_opt_addr,
	    .help = "icmp: the address probed (IPv4 or IPv6)"),
	STR(T, "source", source, 0, "", LOCAL, .check_string = check_opt_addr,
	    .help = "icmp: source address of the probes; empty: the kernel's choice"),
	INT(T, "count", count, 1, 100, 3, LOCAL,
	    .help = "icmp: unanswered probes in a row before down"),
	INT(T, "interval", interval_ms, 0, 3600000, 0, LOCAL,
	    .help = "icmp, script, ospf-neighbor, vrrp: ms between probes; 0: 1000 (5000 for "
		    "script)"),
	INT(T, "timeout", timeout_ms, 0, 3600000, 0, LOCAL,
	    .help = "icmp, script, ospf-neighbor: ms a probe may take; 0: 500 (icmp), 2000 "
		    "(script), the interval (ospf-neighbor)"),
	STR(T, "path", path, 0, "", LOCAL, .check_string = check_abs_path,
	    .help = "script: the program run; exit 0 = up, anything else = down"),
	STRLIST(T, "args", args, LOCAL, .help = "script: its arguments"),
	STR(T, "neighbor", neighbor, 0, "", LOCAL, .check_string = check_opt_ipv4,
	    .help = "ospf-neighbor: the neighbour's router id or address; up in state Full"),
	INT(T, "vrid", vrid, 0, 255, 0, LOCAL, .help = "vrrp: the vrrpd group's vrid"),
	ENUM(T, "family", family, family_names, HS_FAMILY_IPV4, LOCAL,
	     .help = "vrrp: the vrrpd group's family, ipv4 or ipv6"),
	STR(T, "bridge", bridge, 0, "", LOCAL, .check_string = check_opt_ifname,
	    .help = "bridge-member: the bridge"),
	STR(T, "port", port, 0, "", LOCAL, .check_string = check_opt_ifname,
	    .help = "bridge-member: the port, up while enslaved to the bridge and forwarding"),
	{ 0 },
};
#undef T

#define N struct hs_vgmp_notify_config
static const struct hs_cfg_field notify_fields[] = {
	ENUM(N, "on", on, notify_on_names, HS_NOTIFY_ANY, LOCAL,
	     .help = "active, standby, initialize, load-balance, fault (degraded) or any"),
	STR(N, "exec", exec, 1, "", .required = true, LOCAL, .check_string = check_abs_path,
	    .help = "program run with HS_STATE, HS_OLD_STATE, HS_REASON, HS_PRIORITY"),
	STRLIST(N, "args", args, LOCAL, .help = "its arguments"),
	INT(N, "timeout", timeout_ms, 1, 600000, 5000, LOCAL,
	    .help = "ms before the hook is killed"),
	{ 0 },
};
#undef N

#define V struct hs_vgmpd_config
static const struct hs_cfg_field vgmpd_fields[] = {
	INT(V, "priority", priority, 1, 65535, 45000, LOCAL, .help = "VGMP priority when healthy"),
	INT(V, "fault_penalty", fault_penalty, 1, 10000, 2, SYNC,
	    .help = "priority lost per failed tracked object"),
	ENUM(V, "mode", mode, mode_names, HS_MODE_ACTIVE_STANDBY, SYNC,
	     .help = "active-standby or load-sharing"),
	BOOL(V, "standby_device", standby_device, 0, LOCAL,
	     .help = "standby on equal priority (hrp standby-device)"),
	BOOL(V, "preempt", preempt, 1, SYNC, .help = "hrp preempt"),
	INT(V, "preempt_delay", preempt_delay_s, 0, 3600, 60, SYNC, .help = "seconds"),
	STRLIST(V, "track_interfaces", track_interfaces, LOCAL, .check_string = check_ifname,
		.help = "hrp track interface (shorthand for interface trackers)"),
	LIST(V, "trackers", trackers, n_trackers, struct hs_vgmp_tracker_config, tracker_fields, 0,
	     HS_VGMP_TRACKERS_MAX, LOCAL, .check_object = hs_cfg_check_vgmp_tracker,
	     .help = "tracked objects: interface, icmp, script, ospf-neighbor, vrrp, "
		     "bridge-member"),
	LIST(V, "notify", notify, n_notify, struct hs_vgmp_notify_config, notify_fields, 0,
	     HS_VGMP_NOTIFY_MAX, LOCAL, .help = "hooks run, in order, after each state change"),
	GROUP(V, "ospf_cost", ospf_cost, ospf_cost_fields, LOCAL, .help = "hrp adjust ospf-cost"),
	INT(V, "stop_handover_timeout", stop_handover_timeout_ms, 0, 60000, 3000, LOCAL,
	    .help = "ms a stop of the active waits for the peer to take over (as hrp switchover); "
		    "0: stop without handing over"),
	BOOL(V, "fast_takeover", fast_takeover, 1, SYNC,
	     .help = "take a dead peer over as soon as its VRRP adverts are gone and three hellos "
		     "missed, before hrpd's dead time"),
	{ 0 },
};
#undef V

#define L struct hs_hrp_link_config
static const struct hs_cfg_field hrp_link_fields[] = {
	STR(L, "interface", interface, 1, "", .required = true, LOCAL, .check_string = check_ifname,
	    .help = "heartbeat interface"),
	ADDR(L, "local", local, .required = true, LOCAL, .help = "this box's address on the link"),
	ADDR(L, "remote", remote, .required = true, LOCAL, .help = "the peer's address"),
	{ 0 },
};
#undef L

#define H struct hs_hrpd_config
static const struct hs_cfg_field hrpd_fields[] = {
	BOOL(H, "enable", enable, 0, LOCAL, .help = "hrp enable"),
	/* Read by hrpctl, which refuses changes to synced settings on the config standby. */
	BOOL(H, "standby_config", standby_config, 0, LOCAL,
	     .help = "hrp standby config enable: the config standby takes changes to synced "
		     "settings"),
	INT(H, "hello_interval", hello_interval_ms, 10, 60000, 1000, SYNC,
	    .help = "hello interval in ms (hrp timer hello)"),
	INT(H, "dead_count", dead_count, 2, 60, 5, SYNC,
	    .help = "missed hellos, after re-negotiation, before the peer is dead"),
	INT(H, "port", port, 1, 65535, 18514, LOCAL, .help = "UDP/TCP port of the HRP channel"),
	INT(H, "realtime_priority", realtime_priority, 0, 99, 0, LOCAL, .restart = true,
	    .help = "SCHED_RR priority of hrpd; 0: normal scheduling (bulk sync shares its thread)"),
	INT(H, "nice", nice, -20, 19, -10, LOCAL, .restart = true,
	    .help = "nice value of hrpd in normal scheduling: a larger share of the CPU, never all"),
	STR(H, "key_current", key_current, 0, "", LOCAL, .check_string = check_key,
	    .help = "HMAC key; empty: unauthenticated"),
	STR(H, "key_next", key_next, 0, "", LOCAL, .check_string = check_key,
	    .help = "next HMAC key, accepted during a rollover"),
	BOOL(H, "auto_sync_config", auto_sync_config, 1, SYNC, .help = "hrp auto-sync config"),
	BOOL(H, "auto_sync_sessions", auto_sync_sessions, 1, SYNC,
	     .help = "hrp auto-sync connection-status"),
	BOOL(H, "mirror_session", mirror_session, 0, SYNC, .help = "hrp mirror session enable"),
	INT(H, "mirror_hold_ms", mirror_hold_ms, 1, 1000, 10, SYNC,
	    .help = "ms a new flow's first packet waits for the peer's acknowledgement at most"),
	INT(H, "mirror_queue", mirror_queue, 0, 65535, 18514, LOCAL,
	    .help = "NFQUEUE number of the mirror session's held packets"),
	INT(H, "session_hold_timeout", session_hold_timeout, 60, 604800, 3600, SYNC,
	    .help = "s: timeout of the peer's UDP, ICMP and other sessions here (no event refreshes "
		    "them)"),
	INT(H, "session_check_interval", session_check_interval, 0, 86400, 60, SYNC,
	    .help = "s between session table consistency checks; 0: by hand only"),
	INT(H, "session_event_buffer", session_event_buffer, 4096, 1073741824, 16777216, LOCAL,
	    .help = "bytes: receive buffer of the conntrack event socket"),
	BOOL(H, "session_window_tracking", session_window_tracking, 0, SYNC,
	     .help = "synced TCP sessions keep window tracking (default: liberal)"),
	BOOL(H, "session_sync_expectations", session_sync_expectations, 0, SYNC,
	     .help = "sessions keep their conntrack helper (ftp) on the peer, and the helpers' "
		     "expectations are synced"),
	INT(H, "issu_takeover_delay", issu_takeover_delay_ms, 0, 3600000, 10000, LOCAL,
	    .help = "ms the box that runs a pair upgrade must stay dead before this box, which "
		    "holds the copy of its record, runs the upgrade"),
	BOOL(H, "session_labels_room", session_labels_room, 1, LOCAL,
	     .help = "load a hookless table with a ct label rule when session sync starts, so "
		     "that every entry here has room for the peer's conntrack labels"),
	STRLIST(H, "session_protocols", session_protocols, SYNC, .check_string = check_protocol,
		.help = "protocols synced: tcp, udp, icmp, other; empty: all"),
	STRLIST(H, "session_exclude", session_exclude, SYNC, .check_string = check_prefix,
		.help = "address prefixes never synced (either end in one): ADDR/PLEN"),
	STRLIST(H, "session_tcp_states", session_tcp_states, SYNC, .check_string = check_tcp_state,
		.help = "TCP states synced (an entry leaving them is deleted on the peer): "
			"syn_sent, syn_recv, established, fin_wait, close_wait, last_ack, "
			"time_wait, close, syn_sent2; empty: all"),
	STRLIST(H, "config_sync_tables", config_sync_tables, SYNC, .check_string = check_table,
		.help = "nftables tables synced from the config master: \"FAMILY NAME\"; empty: "
			"none"),
	STRLIST(H, "config_rename", config_rename, LOCAL, .check_string = hs_cfgsync_rename_check,
		.help = "interfaces named otherwise on the peer: \"LOCAL=PEER\""),
	INT(H, "config_confirm_ms", config_confirm_ms, 1000, 600000, 10000, SYNC,
	    .help = "ms after applying the peer's tables during which its silence reverts them"),
	INT(H, "config_settle_ms", config_settle_ms, 0, 10000, 200, SYNC,
	    .help = "ms without nftables changes before the synced tables are read and sent"),
	BOOL(H, "route_sync", route_sync, 0, SYNC,
	     .help = "the config master's static routes (route_sync_tables) follow it too"),
	BOOL(H, "route_sync_src", route_sync_src, 0, SYNC,
	     .help = "the routes' preferred source addresses follow too"),
	STRLIST(H, "route_sync_tables", route_sync_tables, SYNC, .check_string = check_route_table,
		.help = "the route tables whose static routes follow: \"main\" or a number; empty: "
			"main"),
	STRLIST(H, "route_sync_exclude", route_sync_exclude, LOCAL, .check_string = check_prefix,
		.help = "route destinations within these prefixes are this box's own: never sent, "
			"never removed by the peer's: ADDR/PLEN"),
	LIST(H, "links", links, n_links, struct hs_hrp_link_config, hrp_link_fields, 0,
	     HS_HRP_LINKS_MAX, LOCAL, .check_object = hs_cfg_check_hrp_link,
	     .help = "heartbeat links, in order of preference"),
	{ 0 },
};
#undef H

const struct hs_cfg_field hs_config_schema[] = {
	GROUP(struct hs_config, "global", global, global_fields, .required = true, LOCAL,
	      .help = "the box"),
	GROUP(struct hs_config, "vrrpd", vrrpd, vrrpd_fields, LOCAL,
	      .check_object = hs_cfg_check_vrrpd, .help = "VRRP daemon"),
	GROUP(struct hs_config, "vgmpd", vgmpd, vgmpd_fields, LOCAL,
	      .check_object = hs_cfg_check_vgmpd, .help = "VGMP daemon"),
	GROUP(struct hs_config, "hrpd", hrpd, hrpd_fields, LOCAL, .check_object = hs_cfg_check_hrpd,
	      .help = "HRP daemon"),
	{ 0 },
};

const struct hs_cfg_field *hs_cfg_field_find(const struct hs_cfg_field *table, const char *name)
{
	for (const struct hs_cfg_field *f = table; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}
