/* Readiness, the last part of display hrp state verbose: may this box take over without losing
 * anything, and do the two boxes agree?
 *
 * The view ("readiness" of the state view) merges four answers of hrpd with vgmpd's and vrrpd's
 * status; each member says where it comes from:
 *   sessions             hrpd status hrp.session as it is (on, source, ready, synced,
 *                        receiving_bulk, dump, paused, kernel_entries, last_bulk_ms), or null
 *   peer_sessions_ready  the "sessions synced" bit of the peer's VGMP readiness (hrpd status
 *                        hrp.peer.payload), null while the peer is not up
 *   bulks_received       hrpd session-stats statistics.bulks_received, or null
 *   sync_lag             hrpd data-stats: state and link of the data channel and, per channel,
 *                        pending, unacked, held_bytes, unacked_bytes, acks_behind and resync as
 *                        hrpd names them; pending + unacked records (held_bytes bytes) are not
 *                        yet acknowledged by the peer. Null without an answer.
 *   consistency          hrpd session-consistency as it is, or null
 *   config               the config digests of both VGMP payloads (hrpd status
 *                        hrp.local_payload and hrp.peer.payload), peer_heard, and equal
 *                        (null when not compared)
 *   versions             local: each daemon's version from its status and hrpd's HRP protocol;
 *                        peer: its name, its HRP protocol and compatibility (from the registry it
 *                        sent), software (always null: HRP does not carry it)
 *   unavailable          why a part is missing: {"hrpd" | "session-stats" | "data-stats" |
 *                        "session-consistency": the reason}; empty when all answered */
#include <stdarg.h>
#include <string.h>

#include "hrp_msg.h"
#include "render.h"

static json_t *copy_or_null(const json_t *v)
{
	json_t *c = json_is_object(v) ? json_deep_copy(v) : NULL;

	return c ? c : json_null();
}

/* The peer as hrpd has it, when it is up (or being re-negotiated). */
static const json_t *live_peer(const json_t *hrp)
{
	const json_t *peer = rj_obj(hrp, "peer");
	const char *state = rj_str(peer, "state", "unknown");

	return !strcmp(state, "up") || !strcmp(state, "negotiating") ? peer : NULL;
}

static json_t *peer_sessions_ready(const json_t *hrp)
{
	const json_t *r = json_object_get(rj_obj(live_peer(hrp), "payload"), "readiness");

	if (!json_is_integer(r))
		return json_null();
	return json_boolean(json_integer_value(r) & HRP_VGMP_R_SESSIONS_SYNCED);
}

static json_t *lag_view(const json_t *data)
{
	const json_t *ch;
	const char *name;
	json_t *chans = json_object();

	if (!json_is_object(data)) {
		json_decref(chans);
		return json_null();
	}
	json_object_foreach ((json_t *)rj_obj(data, "channels"), name, ch)
		json_object_set_new(chans, name,
				    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "pending",
					      rj_int_or_null(ch, "pending"), "unacked",
					      rj_int_or_null(ch, "unacked"), "held_bytes",
					      rj_int_or_null(ch, "held_bytes"), "unacked_bytes",
					      rj_int_or_null(ch, "unacked_bytes"), "acks_behind",
					      rj_int_or_null(ch, "acks_behind"), "resync",
					      rj_bool_or_null(ch, "resync")));
	return json_pack("{s:o, s:o, s:o}", "state", rj_str_or_null(data, "state"), "link",
			 rj_str_or_null(data, "link"), "channels", chans);
}

static json_t *config_view(const json_t *hrp)
{
	const json_t *payload = rj_obj(live_peer(hrp), "payload");
	const char *local = rj_str(rj_obj(hrp, "local_payload"), "config_digest", NULL);
	const char *peer = rj_str(payload, "config_digest", NULL);

	return json_pack("{s:o, s:o, s:b, s:o}", "local_digest",
			 local ? json_string(local) : json_null(), "peer_digest",
			 peer ? json_string(peer) : json_null(), "peer_heard", payload != NULL,
			 "equal", local && peer ? json_boolean(!strcmp(local, peer)) : json_null());
}

static json_t *versions_view(const struct cli_view_in *in, const json_t *hrp)
{
	const json_t *reg = rj_obj(hrp, "peer_registry");
	bool known = rj_bool(reg, "known", false);

	return json_pack("{s:{s:o, s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:n}}", "local", "hrpd",
			 rj_str_or_null(in->results[HRP_RESULT_HRPD], "version"), "vgmpd",
			 rj_str_or_null(in->results[HRP_RESULT_VGMPD], "version"), "vrrpd",
			 rj_str_or_null(in->results[HRP_RESULT_VRRPD], "version"), "hrp_protocol",
			 rj_str_or_null(hrp, "protocol"), "peer", "name",
			 rj_str_or_null(rj_obj(hrp, "peer"), "name"), "hrp_protocol",
			 known ? rj_str_or_null(reg, "protocol") : json_null(), "compat",
			 known ? rj_str_or_null(reg, "compat") : json_null(), "software");
}

static json_t *unavailable_view(const struct cli_view_in *in)
{
	static const struct {
		int result;
		const char *name;
	} parts[] = {
		{ HRP_RESULT_HRPD, "hrpd" },
		{ HRP_RESULT_SESSIONS, "session-stats" },
		{ HRP_RESULT_DATA, "data-stats" },
		{ HRP_RESULT_CONSISTENCY, "session-consistency" },
	};
	json_t *o = json_object();

	for (size_t i = 0; in->errors && i < sizeof(parts) / sizeof(parts[0]); i++)
		if (in->errors[parts[i].result])
			json_object_set_new(o, parts[i].name,
					    json_string(in->errors[parts[i].result]));
	return o;
}

json_t *view_hrp_readiness(const struct cli_view_in *in)
{
	const json_t *hrp = rj_obj(in->results[HRP_RESULT_HRPD], "hrp");
	const json_t *stats = rj_obj(in->results[HRP_RESULT_SESSIONS], "statistics");

	return json_pack(
		"{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "sessions",
		copy_or_null(rj_obj(hrp, "session")), "peer_sessions_ready",
		peer_sessions_ready(hrp), "bulks_received", rj_int_or_null(stats, "bulks_received"),
		"sync_lag", lag_view(in->results[HRP_RESULT_DATA]), "consistency",
		copy_or_null(in->results[HRP_RESULT_CONSISTENCY]), "config", config_view(hrp),
		"versions", versions_view(in, hrp), "unavailable", unavailable_view(in));
}

/* ---- text ---- */

static void line(FILE *out, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void line(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, " %-29s", label);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

static long long num(const json_t *obj, const char *key)
{
	return (long long)rj_int(obj, key, 0);
}

static const char *yes_no(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_boolean(v) ? (json_is_true(v) ? "yes" : "no") : "unknown";
}

/* Why a part of hrpd's answer is missing: hrpd is down, it refused, or it did not say. */
static const char *why_missing(const json_t *r, const char *part, const char *dflt)
{
	const json_t *un = rj_obj(r, "unavailable");

	if (rj_str(un, "hrpd", NULL))
		return "hrpd not reachable";
	return rj_str(un, part, dflt);
}

static void render_sessions(const json_t *r, FILE *out)
{
	const json_t *s = rj_obj(r, "sessions"), *bulks = json_object_get(r, "bulks_received");
	const char *dump = rj_str(s, "dump", "none");
	json_int_t kernel = rj_int(s, "kernel_entries", -1);
	char what[32];

	if (!s) {
		line(out, "session sync:", "unknown (%s)",
		     why_missing(r, "hrpd", "hrpd does not report it"));
		return;
	}
	if (!rj_bool(s, "available", true)) {
		line(out, "session sync:", "not available (%s)",
		     rj_str(s, "why", "hrpd gave no reason"));
		return;
	}
	if (!rj_bool(s, "on", false))
		snprintf(what, sizeof(what), "off");
	else
		snprintf(what, sizeof(what), "on, %s",
			 rj_bool(s, "source", false) ? "sync source" : "receiver");
	if (strcmp(dump, "none"))
		line(out, "session sync:", "%s, dumping the table (%s%s)", what, dump,
		     rj_bool(s, "paused", false) ? ", paused" : "");
	else
		line(out, "session sync:", "%s", what);
	if (json_is_boolean(json_object_get(r, "peer_sessions_ready")))
		line(out, "sessions ready:", "%s (peer: %s)", yes_no(s, "ready"),
		     yes_no(r, "peer_sessions_ready"));
	else
		line(out, "sessions ready:", "%s", yes_no(s, "ready"));
	if (rj_bool(s, "source", false))
		line(out, "bulk sync done:", "not needed (sync source)");
	else
		line(out, "bulk sync done:", "%s", yes_no(s, "synced"));
	line(out, "receiving a bulk:", "%s", yes_no(s, "receiving_bulk"));
	if (kernel >= 0)
		line(out, "kernel sessions:", "%lld", (long long)kernel);
	else
		line(out, "kernel sessions:", "unknown");
	/* Without session-stats, a bulk is known to have come when the table is synced or the
	 * last one took time. */
	if (json_is_integer(bulks) && json_integer_value(bulks) > 0)
		line(out, "last bulk received:", "took %lld ms (%lld received in all)",
		     num(s, "last_bulk_ms"), (long long)json_integer_value(bulks));
	else if (!json_is_integer(bulks) &&
		 (rj_bool(s, "synced", false) || num(s, "last_bulk_ms") > 0))
		line(out, "last bulk received:", "took %lld ms", num(s, "last_bulk_ms"));
	else
		line(out, "last bulk received:", "none");
}

static void channel_lag(FILE *out, const char *label, const json_t *ch, const char *state)
{
	long long pending = num(ch, "pending");

	fprintf(out, " %-29s%lld records (%lld bytes) not yet acknowledged by the peer", label,
		pending + num(ch, "unacked"), num(ch, "held_bytes"));
	if (pending)
		fprintf(out, ", %lld not sent yet", pending);
	if (rj_bool(ch, "resync", false))
		fputs(", resync pending", out);
	if (num(ch, "acks_behind"))
		fprintf(out, ", %lld acks behind an earlier one", num(ch, "acks_behind"));
	if (state && strcmp(state, "up"))
		fprintf(out, "; data channel %s", state);
	fputc('\n', out);
}

static void render_lag(const json_t *r, FILE *out)
{
	const json_t *lag = rj_obj(r, "sync_lag"), *chans = rj_obj(lag, "channels"), *ch;
	const char *name, *state = rj_str(lag, "state", NULL);
	char label[64];

	if (!lag) {
		line(out, "sync lag:", "unknown (%s)",
		     why_missing(r, "data-stats", "hrpd has no data channel"));
		return;
	}
	if (!rj_obj(chans, "session"))
		line(out, "sync lag:", "unknown (no session channel)");
	else
		channel_lag(out, "sync lag:", rj_obj(chans, "session"), state);
	/* the other channels when they hold something */
	json_object_foreach ((json_t *)chans, name, ch) {
		if (!strcmp(name, "session") || num(ch, "pending") + num(ch, "unacked") == 0)
			continue;
		snprintf(label, sizeof(label), "  %s channel:", name);
		channel_lag(out, label, ch, NULL);
	}
}

static void render_consistency(const json_t *r, FILE *out)
{
	const json_t *c = rj_obj(r, "consistency"), *last = rj_obj(c, "last_check");
	const char *result = rj_str(last, "result", "none");

	if (!c)
		line(out, "last consistency check:", "unknown (%s)",
		     why_missing(r, "session-consistency", "hrpd did not answer"));
	else if (!strcmp(result, "none"))
		line(out, "last consistency check:", "none yet");
	else
		line(out, "last consistency check:",
		     "%s, %lld s ago: %lld of %lld ranges differ, entries here %lld, peer %lld",
		     result, num(last, "at_ms_ago") / 1000, num(last, "mismatched"),
		     num(last, "ranges"), num(last, "entries_local"), num(last, "entries_peer"));
}

static void render_config(const json_t *r, FILE *out)
{
	const json_t *c = rj_obj(r, "config");
	const char *local = rj_str(c, "local_digest", NULL), *peer = rj_str(c, "peer_digest", NULL);

	if (rj_str(rj_obj(r, "unavailable"), "hrpd", NULL))
		line(out, "config equal:", "unknown (hrpd not reachable)");
	else if (!local)
		line(out, "config equal:", "not compared (no tables synced here)");
	else if (!rj_bool(c, "peer_heard", false))
		line(out, "config equal:", "not compared (no peer)");
	else if (!peer)
		line(out, "config equal:", "not compared (the peer sends no config digest)");
	else if (rj_bool(c, "equal", false))
		line(out, "config equal:", "yes");
	else
		line(out, "config equal:", "no (digest here %.8s..., peer %.8s...)", local, peer);
}

static void render_versions(const json_t *r, FILE *out)
{
	const json_t *v = rj_obj(r, "versions"), *local = rj_obj(v, "local");
	const json_t *peer = rj_obj(v, "peer");

	line(out, "versions here:", "hrpd %s, vgmpd %s, vrrpd %s; HRP %s",
	     rj_str(local, "hrpd", "unknown"), rj_str(local, "vgmpd", "unknown"),
	     rj_str(local, "vrrpd", "unknown"), rj_str(local, "hrp_protocol", "unknown"));
	if (rj_str(rj_obj(r, "unavailable"), "hrpd", NULL))
		line(out, "versions on the peer:", "unknown (hrpd not reachable)");
	else if (!rj_str(peer, "name", NULL))
		line(out, "versions on the peer:", "unknown");
	else
		line(out, "versions on the peer:", "%s: HRP %s (%s), software %s",
		     rj_str(peer, "name", "?"), rj_str(peer, "hrp_protocol", "unknown"),
		     rj_str(peer, "compat", "no registry yet"),
		     rj_str(peer, "software", "unknown"));
}

void render_hrp_readiness(const json_t *r, FILE *out)
{
	fputs("\n Readiness:\n", out);
	render_sessions(r, out);
	render_lag(r, out);
	render_consistency(r, out);
	render_config(r, out);
	render_versions(r, out);
}
