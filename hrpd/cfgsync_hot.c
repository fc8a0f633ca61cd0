/* Config sync across a hot restart of hrpd (doc/hot-restart.md, "hrpd"): the "cfgsync" part of
 * the snapshot, so that neither box notices the restart.
 *
 * Carried: the config role, the generations and digests of our tables, settings and facts (the
 * new process reads all three again; the same digest keeps the same generation, a change made
 * during the handover is one generation up and is sent), what we last sent to which peer epoch
 * (so nothing is sent again), what the peer refused, the peer's last tables, settings and facts
 * (display hrp config consistency goes on showing them), the last results both ways, the drift
 * state and the counters. The nftables monitor socket is not handed over: the new process opens
 * its own and reads the synced tables at its start, which catches any change of the handover.
 *
 * Not carried, so refused ("try again"): an open commit-confirmed window (the tables to put
 * back and the window's deadline belong to the old process's timers) and an apply of the
 * master's settings waiting for vgmpd's or hrpd's answer.
 *
 * The part is JSON like the rest of the snapshot: a reader skips what it does not know, and a
 * field of the wrong type is taken as absent (that state starts afresh, as after a cold
 * restart of hrpd). Its pure codec is lib/cfgsync_hot_codec.c. */
#include <stdio.h>

#include "cfgsync_int.h"
#include "log.h"

int hrpd_cfgsync_hot_busy(const struct hrpd *h, char *why, size_t len)
{
	const struct hrpd_cfgsync *cs = h->cfgsync;
	if (!cs)
		return 0;
	if (cs->cc.state == HS_CC_CONFIRMING) {
		uint64_t end = cs->cc.applied_ms + cs->cc.confirm_ms, now = hs_now_ms();
		snprintf(why, len,
			 "config sync: the peer's tables (generation %u) are in their "
			 "commit-confirmed window here (%llu ms left): try again when it ends",
			 cs->cc.gen, (unsigned long long)(end > now ? end - now : 0));
		return 1;
	}
	if (cs->reasm.active) {
		snprintf(why, len,
			 "config sync: a record of the peer's is half received (%u of %u bytes): "
			 "try again in a moment",
			 cs->reasm.have, cs->reasm.total);
		return 1;
	}
	if (hrpd_settings_hot_busy(cs)) {
		snprintf(why, len,
			 "config sync: the peer's settings are being applied: try again in a "
			 "moment");
		return 1;
	}
	return 0;
}

json_t *hrpd_cfgsync_hot_save(const struct hrpd *h)
{
	const struct hrpd_cfgsync *cs = h->cfgsync;
	if (!cs)
		return json_null();
	json_t *o = json_pack("{s:i, s:I, s:b, s:b}", "role", (int)cs->role, "generation",
			      (json_int_t)cs->gen, "mismatch", cs->mismatch, "drift_logged",
			      cs->drift_logged);
	if (!o)
		return NULL;
	if (cs->have_local)
		json_object_set_new(o, "digest", hrpd_cfg_hot_digest(cs->local.digest));
	if (cs->sent_any)
		json_object_set_new(o, "sent",
				    json_pack("{s:o, s:i, s:o}", "epoch",
					      hrpd_cfg_hot_u64(cs->sent_epoch), "kind",
					      (int)cs->sent_kind, "digest",
					      hrpd_cfg_hot_digest(cs->sent_digest)));
	if (cs->has_refused)
		json_object_set_new(o, "refused", hrpd_cfg_hot_digest(cs->refused_digest));
	if (cs->have_peer) {
		json_t *p = hrpd_cfg_hot_set(&cs->peer);
		json_object_set_new(p, "kind", json_integer(cs->peer_kind));
		json_object_set_new(p, "generation", json_integer(cs->peer_gen));
		json_object_set_new(p, "age_ms",
				    hrpd_cfg_hot_age(hrpd_uptime_ms(h), cs->peer_at_ms));
		json_object_set_new(o, "peer", p);
	}
	json_object_set_new(o, "last_rx", hrpd_cfg_hot_result(hrpd_uptime_ms(h), &cs->last_rx));
	json_object_set_new(o, "last_tx", hrpd_cfg_hot_result(hrpd_uptime_ms(h), &cs->last_tx));
	json_object_set_new(o, "counters",
			    hrpd_cfg_hot_counters((const uint64_t *)&cs->st,
						  sizeof(cs->st) / sizeof(uint64_t)));
	json_object_set_new(o, "settings", hrpd_settings_hot_save(cs));
	json_object_set_new(o, "facts", hrpd_facts_hot_save(cs));
	return o;
}

void hrpd_cfgsync_hot_restore_tables(struct hrpd_cfgsync *cs, const json_t *o)
{
	struct hrpd *h = cs->h;
	if (!json_is_object(o))
		return;
	uint32_t role = hrpd_cfg_hot_get_u32(o, "role", HS_CFGSYNC_ROLE_MAX);
	if (role < HS_CFGSYNC_ROLE_MAX)
		cs->role = (enum hs_cfgsync_role)role;
	cs->gen = hrpd_cfg_hot_get_u32(o, "generation", 0);
	/* The first read compares with this digest: the same tables keep their generation. */
	cs->hot_have_digest = hrpd_cfg_hot_get_digest(o, "digest", cs->hot_digest);
	const json_t *sent = json_object_get(o, "sent");
	uint32_t kind = hrpd_cfg_hot_get_u32(sent, "kind", HS_CFGSYNC_KIND_MAX);
	cs->sent_any = kind < HS_CFGSYNC_KIND_MAX &&
		       hrpd_cfg_hot_get_u64(sent, "epoch", &cs->sent_epoch) &&
		       hrpd_cfg_hot_get_digest(sent, "digest", cs->sent_digest);
	cs->sent_kind = (uint8_t)kind;
	cs->has_refused = hrpd_cfg_hot_get_digest(o, "refused", cs->refused_digest);
	const json_t *peer = json_object_get(o, "peer");
	if (json_is_object(peer) && hrpd_cfg_hot_get_set(peer, &cs->peer) == 0) {
		cs->have_peer = true;
		cs->peer_kind = (uint8_t)hrpd_cfg_hot_get_u32(peer, "kind", HS_CFGSYNC_REPORT);
		cs->peer_gen = hrpd_cfg_hot_get_u32(peer, "generation", 0);
		cs->peer_at_ms = hrpd_cfg_hot_get_at(hrpd_uptime_ms(h), peer, "age_ms");
	}
	hrpd_cfg_hot_get_result(hrpd_uptime_ms(h), o, "last_rx", &cs->last_rx);
	hrpd_cfg_hot_get_result(hrpd_uptime_ms(h), o, "last_tx", &cs->last_tx);
	hrpd_cfg_hot_get_counters(o, "counters", (uint64_t *)&cs->st,
				  sizeof(cs->st) / sizeof(uint64_t));
	cs->mismatch = hrpd_cfg_hot_get_bool(o, "mismatch");
	cs->drift_logged = hrpd_cfg_hot_get_bool(o, "drift_logged");
	if (cs->mismatch && !cs->drift_logged)
		hs_timer_arm_in(&cs->drift, HRPD_CFG_DRIFT_MS);
	hs_info(HRPD_CFG_PREFIX, "resumed from the previous hrpd: config role %s, generation %u%s",
		hs_cfgsync_role_name(cs->role), cs->gen,
		cs->have_peer ? ", the peer's tables known" : "");
}
