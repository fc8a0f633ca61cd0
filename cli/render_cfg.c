/* display hrp config consistency: hrpd config-consistency as it is (no view: --json prints
 * hrpd's answer). The digests of both boxes, then each synced table: here, on the peer (from
 * its last full set or report), equal, and the lines that differ; then the pairing check: each
 * fact that must match and is not synced (VRRP groups, hrpd's timers, conntrack sysctls,
 * versions) that differs, with both values. */
#include <stdlib.h>
#include <string.h>

#include "render.h"

static const char *presence(const json_t *t, const char *key)
{
	const json_t *v = json_object_get(t, key);

	return json_is_true(v) ? "present" : json_is_false(v) ? "absent" : "unknown";
}

static const char *yes_no(const json_t *v)
{
	return json_is_true(v) ? "yes" : json_is_false(v) ? "no" : "unknown";
}

static void render_table(const json_t *t, FILE *out)
{
	const char *diff = rj_str(t, "diff", NULL);

	fprintf(out, " %-24s %-8s %-8s %s\n", rj_str(t, "table", "?"), presence(t, "here"),
		presence(t, "peer"), yes_no(json_object_get(t, "equal")));
	while (diff && *diff) {
		const char *nl = strchr(diff, '\n');
		int n = nl ? (int)(nl - diff) : (int)strlen(diff);

		fprintf(out, "   %.*s\n", n, diff);
		diff += n + (nl ? 1 : 0);
	}
}

/* A setting's value as JSON text ("none" when that box lacks it). */
static void put_value(const json_t *v, FILE *out)
{
	char *t = v && !json_is_null(v) ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	fprintf(out, "%-20s", t ? t : "none");
	free(t);
}

static void render_settings(const json_t *s, FILE *out)
{
	const json_t *d;
	size_t i;

	if (!s)
		return;
	fprintf(out, " Settings digest:    %.16s here, %.16s on the peer\n",
		rj_str(s, "digest", "none"), rj_str(s, "peer_digest", "none"));
	fprintf(out, " Settings equal:     %s (%lld synced settings)\n",
		yes_no(json_object_get(s, "equal")), (long long)rj_int(s, "count", 0));
	if (json_array_size(rj_arr(s, "differences")) == 0)
		return;
	fprintf(out, "\n %-36s %-20s %s\n", "Setting", "Here", "Peer");
	json_array_foreach (rj_arr(s, "differences"), i, d) {
		fprintf(out, " %-36s ", rj_str(d, "path", "?"));
		put_value(json_object_get(d, "here"), out);
		fputc(' ', out);
		put_value(json_object_get(d, "peer"), out);
		fputc('\n', out);
	}
}

/* The pairing check; nothing from an hrpd that does not make it. */
static void render_pair(const json_t *p, FILE *out)
{
	const json_t *d;
	size_t i;

	if (!p)
		return;
	fputc('\n', out);
	if (!rj_bool(p, "compared", false)) {
		fputs(" Pair consistency:   not compared (no facts from the peer yet)\n", out);
		return;
	}
	if (rj_int(p, "count", 0) == 0) {
		fputs(" Pair consistency:   no differences\n", out);
		return;
	}
	long long n = rj_int(p, "count", 0), e = rj_int(p, "errors", 0), w = rj_int(p, "warnings", 0);
	fprintf(out, " Pair consistency:   %lld difference%s (%lld error%s, %lld warning%s)\n", n,
		n == 1 ? "" : "s", e, e == 1 ? "" : "s", w, w == 1 ? "" : "s");
	fprintf(out, "\n %-52s %-20s %-20s %s\n", "Fact", "Here", "Peer", "Severity");
	json_array_foreach (rj_arr(p, "differences"), i, d)
		fprintf(out, " %-52s %-20s %-20s %s\n", rj_str(d, "what", "?"),
			rj_str(d, "here", "?"), rj_str(d, "peer", "?"), rj_str(d, "severity", "?"));
}

static void render_tables(const json_t *v, FILE *out)
{
	const json_t *ps = rj_obj(v, "peer_set"), *t;
	const char *why = rj_str(v, "why_off", NULL);
	size_t i;

	if (!rj_bool(v, "on", false)) {
		fprintf(out, " Config sync: off (%s)\n", why ? why : "unknown");
		return;
	}
	fprintf(out, " Config role:        %s\n", rj_str(v, "role", "unknown"));
	fprintf(out, " Peer:               %s\n", rj_str(v, "peer", "none"));
	fprintf(out, " Digest here:        %s\n", rj_str(v, "digest", "none"));
	fprintf(out, " Digest on the peer: %s\n", rj_str(v, "peer_digest", "none"));
	fprintf(out, " Config equal:       %s\n", yes_no(json_object_get(v, "equal")));
	if (ps)
		fprintf(out, " Peer's tables:      from its %s, generation %lld, %lld s ago%s\n",
			rj_str(ps, "kind", "?"), (long long)rj_int(ps, "generation", 0),
			(long long)rj_int(ps, "age_ms", 0) / 1000,
			rj_bool(ps, "current", false) ? "" : " (older than its digest)");
	else
		fputs(" Peer's tables:      not received yet\n", out);
	fprintf(out, "\n %-24s %-8s %-8s %s\n", "Table", "Here", "Peer", "Equal");
	json_array_foreach (rj_arr(v, "table_states"), i, t)
		render_table(t, out);
	fputs(" (- only here, + only on the peer)\n", out);
}

int render_hrp_config_consistency(const json_t *v, FILE *out)
{
	render_settings(rj_obj(v, "settings"), out);
	render_tables(v, out);
	render_pair(rj_obj(v, "pair"), out);
	return 0;
}
