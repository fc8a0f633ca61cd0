/* Which table dump runs next (sess_dumps.h). */
#include "sess_dumps.h"

enum hs_sess_dump hs_sess_dump_next(const struct hs_sess_dump_wants *w)
{
	if (w->takeover)
		return HS_SESS_DUMP_TAKEOVER;
	if (w->sweep)
		return HS_SESS_DUMP_SWEEP;
	if (w->bulk)
		return HS_SESS_DUMP_BULK;
	if (w->digest)
		return HS_SESS_DUMP_DIGEST;
	return HS_SESS_DUMP_NONE;
}

static bool restartable(enum hs_sess_dump d)
{
	return d == HS_SESS_DUMP_DIGEST || d == HS_SESS_DUMP_SWEEP;
}

bool hs_sess_dump_yields(enum hs_sess_dump running, enum hs_sess_dump next)
{
	return restartable(running) && next > running;
}

const char *hs_sess_dump_name(enum hs_sess_dump d)
{
	switch (d) {
	case HS_SESS_DUMP_NONE: return "none";
	case HS_SESS_DUMP_DIGEST: return "check";
	case HS_SESS_DUMP_BULK: return "bulk";
	case HS_SESS_DUMP_SWEEP: return "sweep";
	case HS_SESS_DUMP_TAKEOVER: return "takeover";
	}
	return "?";
}
