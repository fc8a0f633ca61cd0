/* The old process's hot-restart stages (see hot_stage.h): one table, one step function. */
#include "hot_stage.h"

#include <errno.h>
#include <string.h>

static const char *const stage_names[HS_HOT_STAGE_MAX] = {
	[HS_HOT_IDLE] = "idle",           [HS_HOT_SPAWNED] = "spawned", [HS_HOT_SENT] = "sent",
	[HS_HOT_CONFIRMED] = "confirmed", [HS_HOT_ABORTED] = "aborted",
};

static const char *const event_names[HS_HOT_EV_MAX] = {
	[HS_HOT_EV_START] = "start",     [HS_HOT_EV_SENT] = "sent", [HS_HOT_EV_CONFIRM] = "confirm",
	[HS_HOT_EV_REFUSED] = "refused", [HS_HOT_EV_GONE] = "gone", [HS_HOT_EV_TIMEOUT] = "timeout",
	[HS_HOT_EV_FAILED] = "failed",
};

#define X HS_HOT_STAGE_INVALID
#define A HS_HOT_ABORTED
/* next[stage][event]; X: not applicable. Every failure before the confirm aborts: the old
 * process still holds everything it had, so it simply goes on. */
static const enum hs_hot_stage next[HS_HOT_STAGE_MAX][HS_HOT_EV_MAX] = {
	/*               start           sent         confirm           refused gone timeout failed
	 */
	[HS_HOT_IDLE] = { HS_HOT_SPAWNED, X, X, X, X, X, X },
	[HS_HOT_SPAWNED] = { X, HS_HOT_SENT, X, A, A, A, A },
	[HS_HOT_SENT] = { X, X, HS_HOT_CONFIRMED, A, A, A, A },
	[HS_HOT_CONFIRMED] = { X, X, X, X, X, X, X },
	[HS_HOT_ABORTED] = { HS_HOT_SPAWNED, X, X, X, X, X, X },
};
#undef X
#undef A

void hs_hot_init(struct hs_hot *h)
{
	memset(h, 0, sizeof(*h));
	h->stage = HS_HOT_IDLE;
	h->last_abort = HS_HOT_EV_INVALID;
}

int hs_hot_step(struct hs_hot *h, enum hs_hot_event ev, uint64_t now_ms)
{
	if (h->stage < 0 || h->stage >= HS_HOT_STAGE_MAX || ev < 0 || ev >= HS_HOT_EV_MAX)
		return -EINVAL;
	enum hs_hot_stage to = next[h->stage][ev];
	if (to == HS_HOT_STAGE_INVALID)
		return -EINVAL;
	switch (to) {
	case HS_HOT_SPAWNED:
		h->attempts++;
		h->started_ms = now_ms;
		h->deadline_ms = now_ms + HS_HOT_TIMEOUT_MS;
		break;
	case HS_HOT_CONFIRMED: h->confirmed++; break;
	case HS_HOT_ABORTED:
		h->aborted++;
		h->last_abort = ev;
		break;
	default: break;
	}
	h->stage = to;
	return to;
}

bool hs_hot_busy(const struct hs_hot *h)
{
	return h->stage == HS_HOT_SPAWNED || h->stage == HS_HOT_SENT;
}

const char *hs_hot_stage_name(enum hs_hot_stage s)
{
	return s >= 0 && s < HS_HOT_STAGE_MAX ? stage_names[s] : "?";
}

const char *hs_hot_event_name(enum hs_hot_event e)
{
	return e >= 0 && e < HS_HOT_EV_MAX ? event_names[e] : "?";
}
