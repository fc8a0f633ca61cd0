/* The persisted upgrade record (issue #13, doc/issu.md, "Record"): what hrpd writes before it
 * acts on each step of the upgrade, so that a crash or a restart of either box resumes or rolls
 * back from the last stage written (issu_stage.h, ISSU_EV_RESUMED).
 *
 * JSON (jansson), versioned: {"format": "hotstandby-issu", "major": 1, "minor": 0, ...}. A newer
 * minor may add fields: unknown fields are skipped at every level. Another format or a newer
 * major is refused whole. The decoder takes any bytes the disk gives it: every field is checked
 * for its type, range and size, and a bad one refuses the record with a message saying which.
 * Times in the record are wall-clock (Unix ms): the monotonic clock of the process that wrote
 * it means nothing after a reboot. */
#ifndef HS_ISSU_RECORD_H
#define HS_ISSU_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "issu_stage.h"
#include "issu_verdict.h"

#define ISSU_RECORD_FORMAT  "hotstandby-issu"
#define ISSU_RECORD_MAJOR   1
#define ISSU_RECORD_MINOR   1 /* 1: "runner" (the box that runs the upgrade, its term) */
#define ISSU_RECORD_HELD    64 /* held-back types kept */
#define ISSU_RECORD_HISTORY 32 /* the last stage changes kept */
#define ISSU_VERSION_LEN    32
#define ISSU_PATH_LEN       256
#define ISSU_NAME_LEN       64
#define ISSU_WHY_LEN        96

struct issu_release {
	char version[ISSU_VERSION_LEN + 1]; /* "1.4.0" */
	char path[ISSU_PATH_LEN + 1];       /* the directory of its binaries */
};

struct issu_record_box {
	char name[ISSU_NAME_LEN + 1]; /* its sysname */
	enum issu_bin bin[ISSU_D_MAX];
	bool needs_sync;
};

struct issu_history_entry {
	enum issu_stage stage;
	uint64_t at_unix_ms;
	char why[ISSU_WHY_LEN + 1];
};

struct issu_record {
	unsigned major, minor; /* of the record decoded (ours when built here) */
	enum issu_stage stage;
	enum issu_stage rollback_from; /* ISSU_STAGE_INVALID: none */
	enum issu_mode mode;
	bool has_verdict;
	enum hrp_compat verdict;
	struct issu_release old_rel, new_rel;
	struct issu_record_box box[ISSU_BOX_MAX]; /* first: the box upgraded first */
	enum issu_box active;
	uint64_t timeout_ms;
	uint64_t deadline_unix_ms; /* the rollback timer; 0: not running */
	uint64_t since_unix_ms;
	enum issu_wait wait; /* the step under way when written (its outcome is lost on a crash) */
	enum issu_box wait_box;
	enum issu_daemon wait_daemon;
	enum issu_bin wait_bin;
	bool wait_hot;
	unsigned retries;
	size_t n_held;
	struct issu_held held[ISSU_RECORD_HELD];
	size_t n_history; /* oldest first */
	struct issu_history_entry history[ISSU_RECORD_HISTORY];
	/* Who runs the upgrade (doc/issu.md, "When the box that runs it dies"): the box and the
	 * term, bumped by each takeover. A minor-0 record has none: its writer ran it. */
	bool has_runner;
	enum issu_box runner;
	uint32_t term;
};

/* An empty record: idle, nothing known. */
void issu_record_init(struct issu_record *r);

/* Copies the machine's facts into r at wall-clock now_unix_ms (the machine runs on the
 * monotonic now_ms); appends a history entry when the stage changed since r was last filled. */
void issu_record_from_state(struct issu_record *r, const struct issu *s, uint64_t now_ms,
			    uint64_t now_unix_ms);
/* The other way, for the resume: a deadline already past fires at once (now_ms). Returns 0, or
 * -EINVAL when r holds a value out of range (s untouched). */
int issu_record_to_state(const struct issu_record *r, struct issu *s, uint64_t now_ms,
			 uint64_t now_unix_ms);
/* The held-back types from a verdict (the first ISSU_RECORD_HELD). */
void issu_record_set_held(struct issu_record *r, const struct issu_verdict *v);

/* New reference, or NULL on allocation failure. */
json_t *issu_record_encode(const struct issu_record *r);
/* Returns 0, or -EINVAL (malformed or out of range) / -EPROTONOSUPPORT (another format, a newer
 * major) with a message in err; *r untouched on failure. */
int issu_record_decode(const json_t *j, struct issu_record *r, char *err, size_t errlen);

#endif
