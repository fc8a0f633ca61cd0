/* hrpd's side of the pair upgrade (issue #13, doc/issu.md). The hrpd where `issu load` is typed
 * runs the stage machine (lib/issu_stage): it persists the record, carries out each action here
 * or asks the peer's hrpd for it (HRP message "issu", lib/issu_msg), and feeds each outcome back
 * as an event. Both boxes carry out the same steps (issu_job.c): make a daemon run a binary, hot
 * or cold; hand the active role over; wait for the bulk sync.
 *
 * Files: issu.c (the machine, its actions and events, the rollback timer, the resume at start),
 * issu_store.c (the record on disk, written atomically), issu_job.c (the steps on this box),
 * issu_peer.c (the messages), issu_ctl.c (the control commands). */
#ifndef HRPD_ISSU_H
#define HRPD_ISSU_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctl_server.h"
#include "hrp_msg.h"
#include "issu_handover.h"
#include "issu_msg.h"
#include "issu_record.h"
#include "issu_stage.h"
#include "issu_takeover.h"
#include "issu_verdict.h"
#include "loop.h"

struct hrpd;
struct hs_ctl_link;

#define ISSU_ASK_EVERY_MS  500   /* an ask goes out again until its final answer */
#define ISSU_JOB_POLL_MS   200   /* a step checks its progress */
#define ISSU_RESTART_MS    20000 /* a restart's outcome, hot (with its retries) or cold */
#define ISSU_HANDOVER_MS   45000 /* several tries: under load the election may undo one */
#define ISSU_ROLES_HELD_MS 1000  /* a handover counts once the new roles held this long */
#define ISSU_SYNC_MS       120000
#define ISSU_FILE          "issu.json"      /* the record of the upgrade this hrpd runs */
#define ISSU_PEER_FILE     "issu-peer.json" /* the copy of the record the peer runs */

/* A step carried out on this box, for the machine here or for the peer's. */
struct hrpd_issu_job {
	struct hrpd_issu *u;
	bool used;
	bool for_peer;
	uint32_t id;
	enum issu_step_kind kind;
	enum issu_daemon daemon;
	enum issu_bin bin;
	char exe[PATH_MAX];
	enum issu_msg_status status;
	char why[160];
	int phase;
	unsigned attempts;
	long old_pid;
	json_int_t old_aborted;
	bool request_out; /* a control request waits for its answer */
	bool keep_out;    /* vgmpd's hrp-keep-standby waits for its answer */
	uint64_t deadline_ms, next_try_ms;
	uint64_t held_since_ms;          /* handover: the new roles hold since */
	enum issu_handover_wait waiting; /* handover: what it waits for */
	struct hs_timer poll;
};

struct hrpd_issu_stats {
	uint64_t rx, tx, tx_failed;
	uint64_t drops[ISSU_DROP_MAX];
	uint64_t answers_stale; /* answers to an ask no longer waited for */
	uint64_t records_received, records_refused;
	uint64_t persist_failures;
	uint64_t refused_commands;
	uint64_t takeovers;    /* the runner was dead: we ran the upgrade from its copy */
	uint64_t yielded;      /* the peer's claim beat ours: its record is our copy now */
	uint64_t asks_refused; /* the peer asked while we ran the upgrade */
};

/* issu load's `hrpd --version` of the new binaries, run as a child (issu_version.c). */
struct hrpd_issu_version {
	pid_t pid; /* 0: none running */
	int fd;    /* its stdout; -1: none */
	struct hs_io io;
	struct hs_timer timeout;
	char *out;
	size_t len;
	char exe[PATH_MAX];
};

struct hrpd_issu {
	struct hrpd *h;
	bool orchestrating; /* the machine runs here (m, rec); otherwise rec is the peer's copy */
	bool have_copy;
	struct issu m;
	struct issu_record rec;
	struct issu_verdict verdict;
	enum issu_box local; /* this box in rec */
	/* the step the machine waits for */
	uint32_t next_id;
	uint32_t wait_id;
	bool wait_remote;
	struct issu_msg ask;
	struct hs_timer ask_timer;
	struct hs_timer rollback_timer;
	struct hs_timer record_timer; /* the copy to the peer again, until it is sent */
	/* events fed back, processed in order outside of any action */
	struct issu_event queue[8];
	unsigned n_queued;
	bool feeding;
	struct hrpd_issu_job job;
	struct hs_ctl_link *link[ISSU_D_HRPD]; /* vrrpd's and vgmpd's control sockets */
	char report[200];                      /* the last report: "stage: why" */
	struct hrpd_issu_stats st;
	/* This box's send plan against the peer's registry (lib/issu_send.h), whatever the stage:
	 * two versions that differ hold back for each other from the first registry exchanged. */
	struct issu_verdict plan;
	uint64_t plan_not_sent, plan_tlvs_omitted;
	struct hs_timer registry_timer; /* a hot-started hrpd tells the peer its registry */
	struct hrpd_issu_version version;
	/* who runs it (issu_takeover.c, lib/issu_takeover.h) */
	uint64_t peer_dead_ms;          /* hrpd declared the peer dead then; 0: it is not */
	uint64_t peer_up_ms;            /* the peer came up then; 0: not up */
	struct hs_timer takeover_timer; /* the copy's runner dead long enough: we run it */
	bool start_held;                /* started cold with a record under way: the peer first */
	uint64_t started_ms;
	struct hs_timer start_timer;
};

/* issu.c */
int hrpd_issu_init(struct hrpd *h);
void hrpd_issu_free(struct hrpd *h);
/* A command as an event: 0, or -EINVAL with why (refused by the machine), -EPERM (the upgrade
 * is run by the peer), -ENOTCONN (no peer). */
int hrpd_issu_command(struct hrpd_issu *u, enum issu_event_kind kind, char *why, size_t len);
/* issu load: the directory of the new binaries, the rollback timer (0: default). */
int hrpd_issu_load(struct hrpd_issu *u, const char *path, uint64_t timeout_ms, char *why,
		   size_t len);
/* A step's outcome (a local job, or the peer's answer to our ask). */
void hrpd_issu_outcome(struct hrpd_issu *u, uint32_t id, enum issu_msg_status status,
		       const char *why);
/* The binary of daemon d in directory dir (dir/d or dir/d/d, a build tree), resolved. */
int hrpd_issu_exe(const char *dir, enum issu_daemon d, char *out, size_t len);
/* The directory of release bin in the record. */
const char *hrpd_issu_dir(const struct hrpd_issu *u, enum issu_bin bin);
uint64_t hrpd_issu_wall_ms(void);

/* The peer's registry came (or was restored): the send plan again. */
void hrpd_issu_peer_registry(struct hrpd *h);
/* hrpd_send(): the plan on a message being built. 0, or -EPERM: not to be sent. */
int hrpd_issu_narrow(struct hrpd *h, uint16_t type, struct hrp_builder *b);
/* The plan for a record feature (enum hrp_feature) of type's payload: false when the peer's
 * registry says it does not read it. A peer whose registry is not known yet reads it, like every
 * type of the plan (the two builds are taken as equal until they have said otherwise). */
bool hrpd_issu_peer_reads(const struct hrpd *h, uint16_t type, uint16_t feature);
/* The plan says the peer reads neither data nor data-ack at our major: the data channel is held
 * back (lib/issu_send.h, issu_data_channel_held()). */
bool hrpd_issu_data_held(const struct hrpd *h);

/* issu_version.c: starts `exe --version`; its output goes to hrpd_issu_version_done() (in
 * issu.c; n 0 when it failed or took too long). 0, or -errno when it could not start. */
int hrpd_issu_version_start(struct hrpd_issu *u, const char *exe);
void hrpd_issu_version_done(struct hrpd_issu *u, const char *out, size_t n);
void hrpd_issu_version_init(struct hrpd_issu *u);
void hrpd_issu_version_free(struct hrpd_issu *u);

/* issu_store.c: write atomically (temp + fsync + rename) in hrpd's run dir; read back. */
int hrpd_issu_store(struct hrpd_issu *u, const char *file, const struct issu_record *r);
/* Removes file from the run dir (gone already: 0). */
int hrpd_issu_unstore(struct hrpd_issu *u, const char *file);
/* 0, -ENOENT (no file), -EINVAL (refused, err says why). */
int hrpd_issu_load_file(struct hrpd_issu *u, const char *file, struct issu_record *r, char *err,
			size_t len);
/* The record as compact JSON for the peer (history trimmed to fit a datagram); free() it. */
char *hrpd_issu_record_text(const struct issu_record *r, size_t max, size_t *len);

/* issu_job.c */
void hrpd_issu_job_init(struct hrpd_issu *u);
void hrpd_issu_job_free(struct hrpd_issu *u);
/* Starts the step (or reports the one with this id). Returns the job's status now. */
enum issu_msg_status hrpd_issu_job_start(struct hrpd_issu *u, bool for_peer, uint32_t id,
					 enum issu_step_kind kind, enum issu_daemon d,
					 enum issu_bin bin, const char *dir);
/* The running hrpd's binary (as /proc/self/exe names it). */
int hrpd_issu_self_exe(char *out, size_t len);

/* The machine's facts from u->rec (ours, or the copy we take over): 0, or -EINVAL. */
int hrpd_issu_restore(struct hrpd_issu *u);
/* The resume at start (a crash, a cold start, a hot restart). */
void hrpd_issu_resume(struct hrpd_issu *u);
/* An event into the machine, with everything it queues after it. */
int hrpd_issu_feed(struct hrpd_issu *u, const struct issu_event *ev);

/* issu_takeover.c: who runs the upgrade (lib/issu_takeover.h) */
void hrpd_issu_takeover_init(struct hrpd_issu *u);
void hrpd_issu_takeover_free(struct hrpd_issu *u);
/* hrpd's liveness: the peer came up (up) or was declared dead. */
void hrpd_issu_peer_event(struct hrpd *h, bool up);
/* The peer's hrpd came back with a new epoch (crash, reboot, cold start). */
void hrpd_issu_peer_restarted(struct hrpd *h);
/* At start, with our record under way and no hot restart: the resume waits for the peer. */
void hrpd_issu_hold_start(struct hrpd_issu *u);
/* Both boxes run it: the peer's record r against ours. True when we yielded to it. */
bool hrpd_issu_arbitrate(struct hrpd_issu *u, const struct issu_record *r);
/* The peer asked for a step while we run the upgrade: refused (and it gets our record). */
bool hrpd_issu_refuse_ask(struct hrpd_issu *u, uint32_t id);

/* issu_peer.c */
void hrpd_issu_rx(struct hrpd *h, const uint8_t *body, size_t len);
int hrpd_issu_send(struct hrpd_issu *u, const struct issu_msg *m);
/* 0 once sent (the record's copy to the peer), or -errno. */
int hrpd_issu_send_record(struct hrpd_issu *u);

/* issu_ctl.c */
extern const struct hs_ctl_command hrpd_issu_commands[];
json_t *hrpd_issu_state_json(const struct hrpd_issu *u);

#endif
