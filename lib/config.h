/* The box's config: one libconfig file with a section per daemon. Every setting is declared once in
 * a schema table (config_schema.c) with its type, range, default and class (local or synced); the
 * loader, the validator and the printer all walk that table. A file is parsed and validated whole
 * before anything is applied: on any error the caller gets every message (file:line: setting: why)
 * and no config. */
#ifndef HS_CONFIG_H
#define HS_CONFIG_H

#include <netinet/in.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define HS_CFG_NAME_MAX   64
#define HS_CFG_PATH_MAX   256
#define HS_CFG_KEY_MAX    128
#define HS_CFG_LIST_MAX   32
#define HS_VRRP_VIPS_MAX  16
#define HS_VRRP_PEERS_MAX 8
#define HS_HRP_LINKS_MAX  4
#define HS_CFG_ERRORS_MAX 32

struct hs_addr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

int hs_addr_parse(const char *s, struct hs_addr *out);
/* buf needs INET6_ADDRSTRLEN bytes. */
const char *hs_addr_str(const struct hs_addr *a, char *buf, size_t len);
bool hs_addr_equal(const struct hs_addr *a, const struct hs_addr *b);
/* a:port as a socket address; ifindex scopes an IPv6 link-local. Returns the length to pass. */
socklen_t hs_addr_sockaddr(const struct hs_addr *a, int port, int ifindex,
			   struct sockaddr_storage *ss);

struct hs_strlist {
	size_t count;
	char item[HS_CFG_LIST_MAX][HS_CFG_NAME_MAX];
};

enum hs_log_target { HS_LOG_TARGET_SYSLOG, HS_LOG_TARGET_STDERR, HS_LOG_TARGET_MAX };
enum hs_family { HS_FAMILY_IPV4, HS_FAMILY_IPV6, HS_FAMILY_MAX };
enum hs_vgmp_binding { HS_BIND_NONE, HS_BIND_ACTIVE, HS_BIND_STANDBY, HS_BIND_MAX };
enum hs_vgmp_mode { HS_MODE_ACTIVE_STANDBY, HS_MODE_LOAD_SHARING, HS_MODE_MAX };
/* How a VRRPv3 IPv4 checksum is summed: with the pseudo-header (keepalived, FRR, tshark) or over
 * the message alone (RFC 9568). */
enum hs_vrrp_checksum { HS_VRRP_CKSUM_PSEUDO, HS_VRRP_CKSUM_RFC9568, HS_VRRP_CKSUM_MAX };
/* What a backup's vMAC link looks like: down and protodown as FRR does (the default: the quicker
 * takeover here), or up with a random local MAC that the new master swaps (doc/vrrp.md). */
enum hs_vmac_backup { HS_VMAC_BACKUP_RANDOM_MAC, HS_VMAC_BACKUP_PROTODOWN, HS_VMAC_BACKUP_MAX };

struct hs_global_config {
	char name[HS_CFG_NAME_MAX]; /* sysname: the box's name in prompts and logs */
	char rundir[HS_CFG_PATH_MAX];
	char ctl_group[HS_CFG_NAME_MAX]; /* empty: root only */
	int log_target;
	struct hs_strlist debug; /* debug categories on at start */
};

struct hs_vrrp_group_config {
	char interface[IF_NAMESIZE];
	int vrid;
	int family;
	int version;
	int priority;
	int advert_interval_cs;
	bool preempt;
	int preempt_delay_s;
	bool accept;
	bool vmac;
	int vmac_backup; /* enum hs_vmac_backup */
	int checksum; /* enum hs_vrrp_checksum */
	int vgmp;
	int garp_count;    /* gratuitous ARPs / NAs per VIP on becoming master */
	int garp_repeat_s; /* and once more this long after (0: no repeat) */
	bool router_advert;     /* IPv6: router advertisements from the virtual link-local */
	int router_advert_s;    /* their interval while master */
	int router_lifetime_s;  /* the default-router lifetime they announce */
	size_t n_vips;
	struct hs_addr vips[HS_VRRP_VIPS_MAX];
	size_t n_unicast_peers; /* none: multicast */
	struct hs_addr unicast_peers[HS_VRRP_PEERS_MAX];
};

struct hs_vrrpd_config {
	size_t n_groups;
	struct hs_vrrp_group_config *groups;
};

struct hs_ospf_cost_config {
	bool enable;
	int cost;
	int active_cost; /* the active's cost; 0: the interface's own. From 2 up, a takeover
			  * advertises one less until the peer confirms its raised cost */
	struct hs_strlist interfaces;
	char vtysh_socket[HS_CFG_PATH_MAX]; /* FRR vty socket dir; empty: the system default */
};

/* vgmpd.trackers[]: tracked objects with their knobs (doc/vgmp.md, "Trackers in the config"). */
enum hs_vgmp_tracker_type {
	HS_TRACK_INTERFACE,
	HS_TRACK_ICMP,
	HS_TRACK_SCRIPT,
	HS_TRACK_OSPF_NEIGHBOR,
	HS_TRACK_VRRP,
	HS_TRACK_BRIDGE_MEMBER,
	HS_TRACK_MAX
};
/* vgmpd.notify[].on: a VGMP state entered, the box becoming degraded (fault), or any change. */
enum hs_vgmp_notify_on {
	HS_NOTIFY_ACTIVE,
	HS_NOTIFY_STANDBY,
	HS_NOTIFY_INITIALIZE,
	HS_NOTIFY_LOAD_BALANCE,
	HS_NOTIFY_FAULT,
	HS_NOTIFY_ANY,
	HS_NOTIFY_MAX
};

#define HS_VGMP_TRACKERS_MAX 32
#define HS_VGMP_NOTIFY_MAX   16
#define HS_ADDR_STR_MAX      48 /* INET6_ADDRSTRLEN and then some */

/* RFC 2439 flap damping of one tracker; penalty 0: off. */
struct hs_vgmp_damping_config {
	int penalty;
	int suppress;
	int reuse;
	int half_life_ms;
	int max_penalty; /* 0: 4 x suppress */
};

struct hs_vgmp_tracker_config {
	int type;                    /* enum hs_vgmp_tracker_type */
	char name[HS_CFG_NAME_MAX];  /* empty: derived (hs_vgmp_tracker_name) */
	int weight;                  /* 0: the fault penalty */
	int hold_down_ms;
	struct hs_vgmp_damping_config damping;
	char interface[IF_NAMESIZE]; /* interface, vrrp; ospf-neighbor: optional */
	char target[HS_ADDR_STR_MAX]; /* icmp: the address probed */
	char source[HS_ADDR_STR_MAX]; /* icmp: optional source address */
	int count;                    /* icmp: misses in a row before down */
	int interval_ms;              /* icmp, script, ospf-neighbor, vrrp; 0: the type's default */
	int timeout_ms;               /* icmp, script, ospf-neighbor; 0: the type's default */
	char path[HS_CFG_PATH_MAX];   /* script */
	struct hs_strlist args;       /* script */
	char neighbor[HS_ADDR_STR_MAX]; /* ospf-neighbor: router id or address */
	int vrid;                       /* vrrp: the group's vrid (with interface, family) */
	int family;                     /* vrrp: enum hs_family */
	char bridge[IF_NAMESIZE];       /* bridge-member */
	char port[IF_NAMESIZE];         /* bridge-member */
};

struct hs_vgmp_notify_config {
	int on; /* enum hs_vgmp_notify_on */
	char exec[HS_CFG_PATH_MAX];
	struct hs_strlist args;
	int timeout_ms;
};

struct hs_vgmpd_config {
	int priority;
	int fault_penalty;
	int mode;
	bool standby_device;
	bool preempt;
	int preempt_delay_s;
	struct hs_strlist track_interfaces; /* shorthand: interface trackers with defaults */
	size_t n_trackers;
	struct hs_vgmp_tracker_config *trackers;
	size_t n_notify;
	struct hs_vgmp_notify_config *notify;
	struct hs_ospf_cost_config ospf_cost;
	int stop_handover_timeout_ms; /* a stop of the active hands over first; 0: never */
	bool fast_takeover; /* master-down and 3 hellos missed: the peer is dead (vgmp_peer_silent) */
};

struct hs_hrp_link_config {
	char interface[IF_NAMESIZE];
	struct hs_addr local;
	struct hs_addr remote;
};

struct hs_hrpd_config {
	bool enable;
	bool standby_config; /* hrp standby config enable */
	int hello_interval_ms;
	int dead_count;
	int port;
	int realtime_priority;
	int nice;
	char key_current[HS_CFG_KEY_MAX];
	char key_next[HS_CFG_KEY_MAX];
	bool auto_sync_config;
	bool auto_sync_sessions;
	bool mirror_session;
	int mirror_hold_ms; /* mirror session: longest hold of a first packet */
	int mirror_queue;   /* its NFQUEUE number */
	int session_hold_timeout;    /* s: UDP, ICMP and others written for the peer */
	int session_check_interval;  /* s: consistency checks; 0: by hand only */
	int session_event_buffer;    /* bytes: the conntrack event socket's receive buffer */
	bool session_window_tracking; /* synced TCP entries keep window tracking */
	bool session_sync_expectations; /* helpers of entries and their expectations (FTP) */
	bool session_labels_room; /* load hrpd's hookless label table when session sync starts */
	struct hs_strlist session_protocols; /* tcp, udp, icmp, other; empty: all */
	struct hs_strlist session_exclude;   /* ADDR/PLEN never synced */
	struct hs_strlist session_tcp_states; /* TCP states synced; empty: all */
	struct hs_strlist config_sync_tables; /* "FAMILY NAME" of the nftables tables synced */
	struct hs_strlist config_rename;      /* "local=peer" interface names */
	int config_confirm_ms; /* commit-confirmed window after applying the peer's tables */
	int config_settle_ms;  /* quiet time after an nftables change before it is read */
	int issu_takeover_delay_ms; /* the runner of an upgrade dead this long: the copy's box runs it */
	bool route_sync;                     /* static routes follow the config master too */
	bool route_sync_src;                 /* preferred sources ride with the routes */
	struct hs_strlist route_sync_exclude; /* ADDR/PLEN: routes that stay this box's own */
	struct hs_strlist route_sync_tables;  /* "main" or a number; none: main alone */
	size_t n_links;
	struct hs_hrp_link_config *links;
};

struct hs_config {
	char source[HS_CFG_PATH_MAX]; /* file it came from, for messages */
	struct hs_global_config global;
	struct hs_vrrpd_config vrrpd;
	struct hs_vgmpd_config vgmpd;
	struct hs_hrpd_config hrpd;
};

struct hs_cfg_errors {
	size_t count;
	size_t dropped; /* past HS_CFG_ERRORS_MAX */
	char msg[HS_CFG_ERRORS_MAX][320];
};

/* Return 0 with *out set, or -EINVAL (errors filled) / -ENOENT / -ENOMEM; *out untouched then. */
int hs_config_load_file(const char *path, struct hs_config **out, struct hs_cfg_errors *errs);
int hs_config_load_string(const char *text, const char *name, struct hs_config **out,
			  struct hs_cfg_errors *errs);
void hs_config_free(struct hs_config *cfg);

/* Writes the whole config (defaults included) in libconfig syntax; parse -> print -> parse gives
 * the same config. */
int hs_config_print(const struct hs_config *cfg, FILE *out);
char *hs_config_print_string(const struct hs_config *cfg);

void hs_cfg_errors_print(const struct hs_cfg_errors *errs, FILE *out);

/* Names of enum values, for printers and status answers. */
const char *hs_family_name(int family);
const char *hs_vgmp_binding_name(int binding);
const char *hs_vgmp_mode_name(int mode);
const char *hs_vgmp_tracker_type_name(int type);
const char *hs_vgmp_notify_on_name(int on);

/* A tracker's effective settings: its name (the configured one, or the interface, the target, the
 * path, the neighbour [/interface], interface/vrid[/ipv6], bridge/port: displays put the type in
 * front), and interval and timeout with the type's defaults applied (icmp 1000 / 500 ms, script
 * 5000 / 2000 ms, ospf-neighbor 1000 ms / the interval, vrrp 1000 ms). */
const char *hs_vgmp_tracker_name(const struct hs_vgmp_tracker_config *t, char *buf, size_t len);
int hs_vgmp_tracker_interval_ms(const struct hs_vgmp_tracker_config *t);
int hs_vgmp_tracker_timeout_ms(const struct hs_vgmp_tracker_config *t);

#endif
