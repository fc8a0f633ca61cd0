/* Names of the VGMP election's enums (vgmp_fsm.h), for logs, display and the control socket:
 * tables with designated initialisers, "?" for anything out of range. */
#include "vgmp_fsm.h"

static const char *const reason_names[VGMP_REASON_MAX] = {
	[VGMP_REASON_NONE] = "none",
	[VGMP_REASON_HRP_DISABLED] = "hrp disabled",
	[VGMP_REASON_STARTUP] = "startup: waiting for the peer",
	[VGMP_REASON_NO_PEER] = "no peer",
	[VGMP_REASON_PEER_DEAD] = "peer dead",
	[VGMP_REASON_PEER_SILENT] = "peer silent",
	[VGMP_REASON_SPLIT_BRAIN] = "split brain: peer still advertises",
	[VGMP_REASON_HIGHER_PRIORITY] = "higher priority",
	[VGMP_REASON_LOWER_PRIORITY] = "lower priority",
	[VGMP_REASON_STANDBY_DEVICE] = "standby-device",
	[VGMP_REASON_PREEMPT] = "preempt",
	[VGMP_REASON_PREEMPT_DISABLED] = "preempt disabled",
	[VGMP_REASON_NOT_READY] = "bulk sync not done",
	[VGMP_REASON_PREEMPT_DELAY] = "preempt delay",
	[VGMP_REASON_YIELDED] = "handed over by operator",
	[VGMP_REASON_PEER_ACTIVE] = "peer is active",
	[VGMP_REASON_STAY_ACTIVE] = "already active",
	[VGMP_REASON_TIE_READY] = "equal priority: synced box",
	[VGMP_REASON_TIE_NAME] = "equal priority: lower name",
	[VGMP_REASON_TIE_UNRESOLVED] = "equal priority and name",
	[VGMP_REASON_LOAD_SHARING] = "load sharing",
	[VGMP_REASON_WAIT_PEER] = "waiting for the peer to take over",
	[VGMP_REASON_FAULT_HANDOVER] = "fault: handing over",
	[VGMP_REASON_SWITCHOVER_FAULT] = "switchover request: peer fault",
	[VGMP_REASON_SWITCHOVER_ADMIN] = "switchover request: operator",
	[VGMP_REASON_HANDED_OVER] = "handed over",
	[VGMP_REASON_FROZEN] = "maintenance freeze",
	[VGMP_REASON_RELEASED] = "released",
	[VGMP_REASON_PEER_HANDED] = "peer holds the role by handover",
};

static const char *const event_names[VGMP_EV_MAX] = {
	[VGMP_EV_ENABLE] = "hrp-enable",
	[VGMP_EV_TICK] = "timer",
	[VGMP_EV_PEER_UPDATE] = "peer-hello",
	[VGMP_EV_PEER_DOWN] = "peer-down",
	[VGMP_EV_PEER_ADVERTS] = "peer-adverts",
	[VGMP_EV_REQUEST] = "switchover-request",
	[VGMP_EV_ACK] = "ack",
	[VGMP_EV_NACK] = "nack",
	[VGMP_EV_REQUEST_LOST] = "request-lost",
	[VGMP_EV_TRACKER] = "tracker",
	[VGMP_EV_READY] = "readiness",
	[VGMP_EV_ADMIN_SWITCHOVER] = "hrp-switchover",
	[VGMP_EV_FREEZE] = "freeze",
	[VGMP_EV_RECONFIGURE] = "reconfigure",
};

static const char *const msg_names[VGMP_MSG_MAX] = {
	[VGMP_MSG_SWITCHOVER] = "switchover",
	[VGMP_MSG_ACK] = "ack",
	[VGMP_MSG_NACK] = "nack",
};

static const char *const peer_status_names[VGMP_PEER_STATUS_MAX] = {
	[VGMP_PEER_UNKNOWN] = "unknown",
	[VGMP_PEER_ALIVE] = "alive",
	[VGMP_PEER_DEAD] = "dead",
};

static const char *const req_result_names[VGMP_REQ_RESULT_MAX] = {
	[VGMP_REQ_NONE] = "none",       [VGMP_REQ_PENDING] = "pending",
	[VGMP_REQ_ACKED] = "acked",     [VGMP_REQ_DONE] = "done",
	[VGMP_REQ_NACKED] = "nacked",   [VGMP_REQ_TIMEOUT] = "timeout",
	[VGMP_REQ_ABORTED] = "aborted",
};

#define NAME(table, max, v) ((int)(v) >= 0 && (int)(v) < (max) && table[v] ? table[v] : "?")

const char *vgmp_reason_name(enum vgmp_reason r)
{
	return NAME(reason_names, VGMP_REASON_MAX, r);
}

const char *vgmp_event_name(enum vgmp_event e)
{
	return NAME(event_names, VGMP_EV_MAX, e);
}

const char *vgmp_msg_name(enum vgmp_msg m)
{
	return NAME(msg_names, VGMP_MSG_MAX, m);
}

const char *vgmp_peer_status_name(enum vgmp_peer_status s)
{
	return NAME(peer_status_names, VGMP_PEER_STATUS_MAX, s);
}

const char *vgmp_req_result_name(enum vgmp_req_result r)
{
	return NAME(req_result_names, VGMP_REQ_RESULT_MAX, r);
}
