/* Structured records of state changes: one line that tells what changed, from what to what, why,
 * and with which priorities, so that the log of a daemon tells the story of a failover.
 *
 * Under journald (stderr is the journal stream) a record goes to the journal with its fields
 * (HS_EVENT=vgmp-state, HS_OLD_STATE=, HS_NEW_STATE=, HS_REASON=, HS_LOCAL_PRIORITY=,
 * HS_PEER_PRIORITY=, HS_<KEY>= for the extra fields) and a human MESSAGE; elsewhere it is one
 * log line, the human text followed by the same fields as key=value pairs. doc/logs.md lists
 * the events and fields. */
#ifndef HS_LOG_EVENT_H
#define HS_LOG_EVENT_H

#include <stddef.h>

#define HS_EVENT_NO_PRIORITY (-1L)
#define HS_EVENT_EXTRA_MAX   4

struct hs_event_field {
	const char *key; /* lower case, [a-z0-9_]: "interface" is HS_INTERFACE in the journal */
	const char *value;
};

struct hs_event {
	const char *event; /* "vgmp-state", "vrrp-state", "hrp-peer", ... */
	const char *old_state;
	const char *new_state;
	const char *reason;
	long local_priority; /* HS_EVENT_NO_PRIORITY when there is none */
	long peer_priority;
	struct hs_event_field extra[HS_EVENT_EXTRA_MAX]; /* ends at the first NULL key */
};

/* Logs e at level (a syslog level) about the object prefix ("[vgmp]"; may be NULL). */
void hs_event(int level, const char *prefix, const struct hs_event *e);

/* The pieces, pure for the tests. The human text: "[vgmp] active -> standby (lower priority),
 * priority 44998, peer 45000". Returns what snprintf returns. */
int hs_event_message(char *buf, size_t len, const char *prefix, const struct hs_event *e);
/* The key=value pairs: event=vgmp-state old_state=active ... reason="lower priority" ...
 * (values with a space, a quote or a backslash are quoted, " and \ escaped). */
int hs_event_pairs(char *buf, size_t len, const struct hs_event *e);
/* The journal fields "HS_EVENT=vgmp-state", ... (not MESSAGE, PRIORITY or the identifier), each
 * NUL-terminated, one after another in buf; returns how many, or -1 when buf is too small. */
int hs_event_journal_fields(char *buf, size_t len, const struct hs_event *e);

#endif
