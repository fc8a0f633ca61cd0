/* The persisted upgrade record (see issu_record.h): JSON encode, a decoder that checks every
 * field (BIRD's "DROP(reason)" style: one message per refusal), and the copies to and from the
 * stage machine. */
#include "issu_record.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void issu_record_init(struct issu_record *r)
{
	memset(r, 0, sizeof(*r));
	r->major = ISSU_RECORD_MAJOR;
	r->minor = ISSU_RECORD_MINOR;
	r->stage = ISSU_IDLE;
	r->rollback_from = ISSU_STAGE_INVALID;
	r->verdict = HRP_COMPAT_UNKNOWN;
	r->active = ISSU_BOX_SECOND;
	r->timeout_ms = ISSU_ROLLBACK_TIMEOUT_MS;
}

/* ---- to and from the machine ---- */

static void history_add(struct issu_record *r, enum issu_stage stage, uint64_t at, const char *why)
{
	if (r->n_history == ISSU_RECORD_HISTORY) {
		memmove(&r->history[0], &r->history[1],
			sizeof(r->history[0]) * (ISSU_RECORD_HISTORY - 1));
		r->n_history--;
	}
	struct issu_history_entry *h = &r->history[r->n_history++];
	memset(h, 0, sizeof(*h));
	h->stage = stage;
	h->at_unix_ms = at;
	snprintf(h->why, sizeof(h->why), "%s", why ? why : "");
}

void issu_record_from_state(struct issu_record *r, const struct issu *s, uint64_t now_ms,
			    uint64_t now_unix_ms)
{
	/* monotonic -> wall clock, by the offset of the two "now"s */
	uint64_t since_ago = now_ms > s->since_ms ? now_ms - s->since_ms : 0;
	if (!r->n_history || r->history[r->n_history - 1].stage != s->stage)
		history_add(r, s->stage, now_unix_ms - (since_ago < now_unix_ms ? since_ago : 0),
			    s->why);
	r->stage = s->stage;
	r->rollback_from = s->rollback_from;
	r->mode = s->mode;
	r->has_verdict = s->has_verdict;
	r->verdict = s->verdict;
	r->active = s->active;
	for (int b = 0; b < ISSU_BOX_MAX; b++) {
		for (int d = 0; d < ISSU_D_MAX; d++)
			r->box[b].bin[d] = s->bin[b][d];
		r->box[b].needs_sync = s->needs_sync[b];
	}
	r->timeout_ms = s->timeout_ms;
	r->deadline_unix_ms = 0;
	if (s->deadline_ms)
		r->deadline_unix_ms =
			now_unix_ms + (s->deadline_ms > now_ms ? s->deadline_ms - now_ms : 0);
	r->since_unix_ms = now_unix_ms - (since_ago < now_unix_ms ? since_ago : 0);
	r->wait = s->wait;
	r->wait_box = s->wait_box;
	r->wait_daemon = s->wait_daemon;
	r->wait_bin = s->wait_bin;
	r->wait_hot = s->wait_hot;
	r->retries = s->retries;
}

static bool in(int v, int max)
{
	return v >= 0 && v < max;
}

int issu_record_to_state(const struct issu_record *r, struct issu *s, uint64_t now_ms,
			 uint64_t now_unix_ms)
{
	struct issu n;

	if (!in(r->stage, ISSU_STAGE_MAX) || !in(r->mode, ISSU_MODE_MAX) ||
	    !in(r->verdict, HRP_COMPAT_MAX) || !in(r->active, ISSU_BOX_MAX) ||
	    !in(r->wait, ISSU_WAIT_MAX) || !in(r->wait_box, ISSU_BOX_MAX) ||
	    !in(r->wait_daemon, ISSU_D_MAX) || !in(r->wait_bin, ISSU_BIN_MAX) ||
	    (r->rollback_from != ISSU_STAGE_INVALID && !in(r->rollback_from, ISSU_STAGE_MAX)))
		return -EINVAL;
	for (int b = 0; b < ISSU_BOX_MAX; b++)
		for (int d = 0; d < ISSU_D_MAX; d++)
			if (!in(r->box[b].bin[d], ISSU_BIN_MAX))
				return -EINVAL;
	issu_init(&n, r->timeout_ms);
	n.why = "restored from the record";
	n.stage = r->stage;
	n.rollback_from = r->rollback_from;
	n.mode = r->mode;
	n.has_verdict = r->has_verdict;
	n.verdict = r->verdict;
	n.active = r->active;
	for (int b = 0; b < ISSU_BOX_MAX; b++) {
		for (int d = 0; d < ISSU_D_MAX; d++)
			n.bin[b][d] = r->box[b].bin[d];
		n.needs_sync[b] = r->box[b].needs_sync;
	}
	if (r->deadline_unix_ms) {
		/* A deadline already past is due now; one further off than the timer's length
		 * means the wall clock stepped back (an RTC reset, NTP at boot): the timer then
		 * runs its full length from now rather than for the size of the step. */
		uint64_t left =
			r->deadline_unix_ms > now_unix_ms ? r->deadline_unix_ms - now_unix_ms : 0;
		if (left > n.timeout_ms) {
			left = n.timeout_ms;
			n.why = "restored from the record; the rollback timer restarted (the wall "
				"clock went back)";
		}
		n.deadline_ms = now_ms + left;
	}
	uint64_t in_stage = now_unix_ms > r->since_unix_ms ? now_unix_ms - r->since_unix_ms : 0;
	n.since_ms = in_stage < now_ms ? now_ms - in_stage : 0;
	n.wait = r->wait;
	n.wait_box = r->wait_box;
	n.wait_daemon = r->wait_daemon;
	n.wait_bin = r->wait_bin;
	n.wait_hot = r->wait_hot;
	n.retries = r->retries;
	*s = n;
	return 0;
}

void issu_record_set_held(struct issu_record *r, const struct issu_verdict *v)
{
	r->n_held = 0;
	for (size_t i = 0; v && i < v->n_held && r->n_held < ISSU_RECORD_HELD; i++)
		r->held[r->n_held++] = v->held[i];
}

/* ---- encode ---- */

/* json_object_set_new that remembers a failure (allocation) for the end. */
static void set(json_t *o, const char *k, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, k, v) < 0)
		*ok = false;
}

static void add(json_t *a, json_t *v, bool *ok)
{
	if (!v || json_array_append_new(a, v) < 0)
		*ok = false;
}

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v));
}

static json_t *version_pair(uint8_t major, uint8_t minor)
{
	return json_pack("[ii]", major, minor);
}

static json_t *encode_held(const struct issu_held *h)
{
	bool ok = true;
	json_t *o = json_object(), *omit = json_array();
	if (!o || !omit) {
		json_decref(o);
		json_decref(omit);
		return NULL;
	}
	for (unsigned i = 0; i < h->n_omit; i++)
		add(omit, json_integer(h->omit[i]), &ok);
	set(o, "type", json_integer(h->type), &ok);
	set(o, "name", json_string(h->name), &ok);
	set(o, "diff", json_string(hrp_diff_kind_name(h->diff)), &ok);
	set(o, "core", json_boolean(h->core), &ok);
	set(o, "local", version_pair(h->local_major, h->local_minor), &ok);
	set(o, "peer", version_pair(h->peer_major, h->peer_minor), &ok);
	set(o, "send", json_string(issu_send_name(h->send)), &ok);
	set(o, "send_at", version_pair(h->send_major, h->send_minor), &ok);
	set(o, "omit", omit, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *encode_box(const struct issu_record_box *b)
{
	bool ok = true;
	json_t *o = json_object(), *d = json_object();
	if (!o || !d) {
		json_decref(o);
		json_decref(d);
		return NULL;
	}
	for (int i = 0; i < ISSU_D_MAX; i++)
		set(d, issu_daemon_name((enum issu_daemon)i), json_string(issu_bin_name(b->bin[i])),
		    &ok);
	set(o, "name", json_string(b->name), &ok);
	set(o, "daemons", d, &ok);
	set(o, "needs_sync", json_boolean(b->needs_sync), &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *issu_record_encode(const struct issu_record *r)
{
	bool ok = true;
	json_t *o = json_object(), *boxes = json_object(), *held = json_array(),
	       *hist = json_array(), *wait = json_object();

	if (!o || !boxes || !held || !hist || !wait) {
		json_decref(o);
		json_decref(boxes);
		json_decref(held);
		json_decref(hist);
		json_decref(wait);
		return NULL;
	}
	set(o, "format", json_string(ISSU_RECORD_FORMAT), &ok);
	set(o, "major", json_integer(ISSU_RECORD_MAJOR), &ok);
	set(o, "minor", json_integer(ISSU_RECORD_MINOR), &ok);
	set(o, "stage", json_string(issu_stage_name(r->stage)), &ok);
	if (r->rollback_from != ISSU_STAGE_INVALID)
		set(o, "rollback_from", json_string(issu_stage_name(r->rollback_from)), &ok);
	set(o, "mode", json_string(issu_mode_name(r->mode)), &ok);
	if (r->has_verdict)
		set(o, "verdict", json_string(hrp_compat_name(r->verdict)), &ok);
	set(o, "old",
	    json_pack("{s:s, s:s}", "version", r->old_rel.version, "path", r->old_rel.path), &ok);
	set(o, "new",
	    json_pack("{s:s, s:s}", "version", r->new_rel.version, "path", r->new_rel.path), &ok);
	for (int b = 0; b < ISSU_BOX_MAX; b++)
		set(boxes, issu_box_name((enum issu_box)b), encode_box(&r->box[b]), &ok);
	set(o, "boxes", boxes, &ok);
	set(o, "active", json_string(issu_box_name(r->active)), &ok);
	set(o, "timer",
	    json_pack("{s:o, s:o}", "timeout_ms", u64(r->timeout_ms), "deadline",
		      u64(r->deadline_unix_ms)),
	    &ok);
	set(o, "since", u64(r->since_unix_ms), &ok);
	set(wait, "what", json_string(issu_wait_name(r->wait)), &ok);
	set(wait, "box", json_string(issu_box_name(r->wait_box)), &ok);
	set(wait, "daemon", json_string(issu_daemon_name(r->wait_daemon)), &ok);
	set(wait, "bin", json_string(issu_bin_name(r->wait_bin)), &ok);
	set(wait, "hot", json_boolean(r->wait_hot), &ok);
	set(o, "wait", wait, &ok);
	set(o, "retries", json_integer(r->retries), &ok);
	for (size_t i = 0; i < r->n_held; i++)
		add(held, encode_held(&r->held[i]), &ok);
	set(o, "held", held, &ok);
	for (size_t i = 0; i < r->n_history; i++)
		add(hist,
		    json_pack("{s:s, s:o, s:s}", "stage", issu_stage_name(r->history[i].stage),
			      "at", u64(r->history[i].at_unix_ms), "why", r->history[i].why),
		    &ok);
	set(o, "history", hist, &ok);
	if (r->has_runner)
		set(o, "runner",
		    json_pack("{s:s, s:I}", "box", issu_box_name(r->runner), "term",
			      (json_int_t)r->term),
		    &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- decode ---- */

struct dec {
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct dec *d, const char *fmt, ...)
{
	va_list ap;
	if (d->errlen) {
		va_start(ap, fmt);
		vsnprintf(d->err, d->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Each getter: absent and optional leaves *v as it is; absent and required, or of the wrong
 * type or range, refuses. */
static int get_str(struct dec *d, const json_t *o, const char *k, char *buf, size_t size,
		   bool required)
{
	json_t *v = json_object_get(o, k);
	if (!v)
		return required ? fail(d, "%s missing", k) : 0;
	if (!json_is_string(v))
		return fail(d, "%s: not a string", k);
	size_t len = json_string_length(v);
	if (len >= size)
		return fail(d, "%s: longer than %zu bytes", k, size - 1);
	if (memchr(json_string_value(v), '\0', len))
		return fail(d, "%s: holds a NUL", k);
	memcpy(buf, json_string_value(v), len + 1);
	return 0;
}

static int get_u64(struct dec *d, const json_t *o, const char *k, uint64_t max, uint64_t *out,
		   bool required)
{
	json_t *v = json_object_get(o, k);
	if (!v)
		return required ? fail(d, "%s missing", k) : 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return fail(d, "%s: not an integer in 0..%" PRIu64, k, max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_bool(struct dec *d, const json_t *o, const char *k, bool *out)
{
	json_t *v = json_object_get(o, k);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return fail(d, "%s: not a boolean", k);
	*out = json_is_true(v);
	return 0;
}

static int compat_from_name(const char *n)
{
	for (int i = 0; i < HRP_COMPAT_MAX; i++)
		if (!strcmp(n, hrp_compat_name((enum hrp_compat)i)))
			return i;
	return -1;
}

static int diff_from_name(const char *n)
{
	for (int i = 0; i < HRP_DIFF_MAX; i++)
		if (!strcmp(n, hrp_diff_kind_name((enum hrp_diff_kind)i)))
			return i;
	return -1;
}

/* A name looked up in one of the name tables; the result goes to *out (an enum). */
static int get_name(struct dec *d, const json_t *o, const char *k, int (*lookup)(const char *),
		    int *out, bool required)
{
	char buf[32];
	bool present = json_object_get(o, k) != NULL;
	int r = get_str(d, o, k, buf, sizeof(buf), required);
	if (r < 0 || !present)
		return r;
	int v = lookup(buf);
	if (v < 0)
		return fail(d, "%s: unknown value \"%s\"", k, buf);
	*out = v;
	return 0;
}

#define GET_ENUM(d, o, k, lookup, field, req)                                                      \
	({                                                                                         \
		int v_ = (int)(field);                                                             \
		int r_ = get_name(d, o, k, lookup, &v_, req);                                      \
		if (r_ == 0)                                                                       \
			(field) = (__typeof__(field))v_;                                           \
		r_;                                                                                \
	})

static int get_version_pair(struct dec *d, const json_t *o, const char *k, uint8_t *major,
			    uint8_t *minor)
{
	json_t *v = json_object_get(o, k);
	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) != 2)
		return fail(d, "%s: not [major, minor]", k);
	for (size_t i = 0; i < 2; i++) {
		json_t *x = json_array_get(v, i);
		if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > 255)
			return fail(d, "%s: not [major, minor] in 0..255", k);
	}
	*major = (uint8_t)json_integer_value(json_array_get(v, 0));
	*minor = (uint8_t)json_integer_value(json_array_get(v, 1));
	return 0;
}

static int decode_held(struct dec *d, const json_t *o, struct issu_held *h)
{
	uint64_t type = 0;
	json_t *omit;
	int r;

	if (!json_is_object(o))
		return fail(d, "held: an entry is not an object");
	memset(h, 0, sizeof(*h));
	if ((r = get_u64(d, o, "type", UINT16_MAX, &type, true)) < 0 ||
	    (r = get_str(d, o, "name", h->name, sizeof(h->name), false)) < 0 ||
	    (r = GET_ENUM(d, o, "diff", diff_from_name, h->diff, true)) < 0 ||
	    (r = get_bool(d, o, "core", &h->core)) < 0 ||
	    (r = get_version_pair(d, o, "local", &h->local_major, &h->local_minor)) < 0 ||
	    (r = get_version_pair(d, o, "peer", &h->peer_major, &h->peer_minor)) < 0 ||
	    (r = GET_ENUM(d, o, "send", issu_send_from_name, h->send, true)) < 0 ||
	    (r = get_version_pair(d, o, "send_at", &h->send_major, &h->send_minor)) < 0)
		return r;
	h->type = (uint16_t)type;
	if ((omit = json_object_get(o, "omit"))) {
		if (!json_is_array(omit) || json_array_size(omit) > HRP_REG_TLVS_MAX)
			return fail(d, "held: omit is not a list of at most %d TLVs",
				    HRP_REG_TLVS_MAX);
		for (size_t i = 0; i < json_array_size(omit); i++) {
			json_t *x = json_array_get(omit, i);
			if (!json_is_integer(x) || json_integer_value(x) < 0 ||
			    json_integer_value(x) > UINT16_MAX)
				return fail(d, "held: omit holds a bad TLV number");
			h->omit[h->n_omit++] = (uint16_t)json_integer_value(x);
		}
	}
	return 0;
}

static int decode_box(struct dec *d, const json_t *boxes, enum issu_box b,
		      struct issu_record_box *out)
{
	const char *bn = issu_box_name(b);
	json_t *o = json_object_get(boxes, bn), *dm;
	int r;

	if (!o)
		return fail(d, "boxes: %s missing", bn);
	if (!json_is_object(o))
		return fail(d, "boxes: %s is not an object", bn);
	if ((r = get_str(d, o, "name", out->name, sizeof(out->name), false)) < 0 ||
	    (r = get_bool(d, o, "needs_sync", &out->needs_sync)) < 0)
		return r;
	if (!(dm = json_object_get(o, "daemons")) || !json_is_object(dm))
		return fail(d, "boxes: %s has no daemons object", bn);
	for (int i = 0; i < ISSU_D_MAX; i++)
		if ((r = GET_ENUM(d, dm, issu_daemon_name((enum issu_daemon)i), issu_bin_from_name,
				  out->bin[i], true)) < 0)
			return r;
	return 0;
}

static int decode_wait(struct dec *d, const json_t *o, struct issu_record *r)
{
	int e;
	if (!o)
		return 0;
	if (!json_is_object(o))
		return fail(d, "wait: not an object");
	if ((e = GET_ENUM(d, o, "what", issu_wait_from_name, r->wait, true)) < 0 ||
	    (e = GET_ENUM(d, o, "box", issu_box_from_name, r->wait_box, false)) < 0 ||
	    (e = GET_ENUM(d, o, "daemon", issu_daemon_from_name, r->wait_daemon, false)) < 0 ||
	    (e = GET_ENUM(d, o, "bin", issu_bin_from_name, r->wait_bin, false)) < 0 ||
	    (e = get_bool(d, o, "hot", &r->wait_hot)) < 0)
		return e;
	return 0;
}

static int decode_release(struct dec *d, const json_t *o, const char *k, struct issu_release *rel)
{
	json_t *v = json_object_get(o, k);
	int r;
	if (!v)
		return 0;
	if (!json_is_object(v))
		return fail(d, "%s: not an object", k);
	if ((r = get_str(d, v, "version", rel->version, sizeof(rel->version), false)) < 0 ||
	    (r = get_str(d, v, "path", rel->path, sizeof(rel->path), false)) < 0)
		return r;
	return 0;
}

static int decode_lists(struct dec *d, const json_t *o, struct issu_record *r)
{
	json_t *held = json_object_get(o, "held"), *hist = json_object_get(o, "history");
	int e;

	if (held) {
		if (!json_is_array(held) || json_array_size(held) > ISSU_RECORD_HELD)
			return fail(d, "held: not a list of at most %d types", ISSU_RECORD_HELD);
		for (size_t i = 0; i < json_array_size(held); i++)
			if ((e = decode_held(d, json_array_get(held, i), &r->held[r->n_held++])) <
			    0)
				return e;
	}
	if (hist) {
		/* a longer history (a newer writer keeping more) keeps its newest entries */
		if (!json_is_array(hist))
			return fail(d, "history: not a list");
		size_t n = json_array_size(hist);
		for (size_t i = n > ISSU_RECORD_HISTORY ? n - ISSU_RECORD_HISTORY : 0; i < n; i++) {
			json_t *h = json_array_get(hist, i);
			struct issu_history_entry *he = &r->history[r->n_history++];
			if (!json_is_object(h))
				return fail(d, "history: an entry is not an object");
			if ((e = GET_ENUM(d, h, "stage", issu_stage_from_name, he->stage, true)) <
				    0 ||
			    (e = get_u64(d, h, "at", INT64_MAX, &he->at_unix_ms, true)) < 0 ||
			    (e = get_str(d, h, "why", he->why, sizeof(he->why), false)) < 0)
				return e;
		}
	}
	return 0;
}

/* "runner" (minor 1): absent in a minor-0 record, whose writer ran the upgrade. */
static int decode_runner(struct dec *d, const json_t *j, struct issu_record *r)
{
	json_t *o = json_object_get(j, "runner");
	uint64_t term = 0;
	int e;
	if (!o)
		return 0;
	if (!json_is_object(o))
		return fail(d, "runner: not an object");
	if ((e = GET_ENUM(d, o, "box", issu_box_from_name, r->runner, true)) < 0 ||
	    (e = get_u64(d, o, "term", UINT32_MAX, &term, true)) < 0)
		return e;
	r->term = (uint32_t)term;
	r->has_runner = true;
	return 0;
}

int issu_record_decode(const json_t *j, struct issu_record *out, char *err, size_t errlen)
{
	struct dec d = { err, errlen };
	struct issu_record r;
	char format[32] = "";
	uint64_t major = 0, minor = 0, retries = 0;
	json_t *boxes, *timer;
	int e;

	if (errlen)
		err[0] = '\0';
	if (!json_is_object(j))
		return fail(&d, "not an upgrade record (not an object)");
	if (get_str(&d, j, "format", format, sizeof(format), true) < 0 ||
	    strcmp(format, ISSU_RECORD_FORMAT) != 0) {
		fail(&d, "not an upgrade record (format is not \"%s\")", ISSU_RECORD_FORMAT);
		return -EPROTONOSUPPORT;
	}
	if ((e = get_u64(&d, j, "major", 255, &major, true)) < 0 ||
	    (e = get_u64(&d, j, "minor", 255, &minor, false)) < 0)
		return e;
	/* A newer major may mean something else by the fields we know: refuse it whole. */
	if (major == 0 || major > ISSU_RECORD_MAJOR) {
		fail(&d,
		     "upgrade record version %" PRIu64 ".%" PRIu64
		     " is not readable here (reads %d.x)",
		     major, minor, ISSU_RECORD_MAJOR);
		return -EPROTONOSUPPORT;
	}
	issu_record_init(&r);
	r.major = (unsigned)major;
	r.minor = (unsigned)minor;
	if ((e = GET_ENUM(&d, j, "stage", issu_stage_from_name, r.stage, true)) < 0 ||
	    (e = GET_ENUM(&d, j, "rollback_from", issu_stage_from_name, r.rollback_from, false)) <
		    0 ||
	    (e = GET_ENUM(&d, j, "mode", issu_mode_from_name, r.mode, false)) < 0 ||
	    (e = GET_ENUM(&d, j, "active", issu_box_from_name, r.active, true)) < 0 ||
	    (e = decode_release(&d, j, "old", &r.old_rel)) < 0 ||
	    (e = decode_release(&d, j, "new", &r.new_rel)) < 0 ||
	    (e = get_u64(&d, j, "since", INT64_MAX, &r.since_unix_ms, false)) < 0 ||
	    (e = get_u64(&d, j, "retries", 1000, &retries, false)) < 0 ||
	    (e = decode_wait(&d, json_object_get(j, "wait"), &r)) < 0)
		return e;
	r.retries = (unsigned)retries;
	if (json_object_get(j, "verdict")) {
		if ((e = GET_ENUM(&d, j, "verdict", compat_from_name, r.verdict, true)) < 0)
			return e;
		r.has_verdict = true;
	}
	if (!(boxes = json_object_get(j, "boxes")) || !json_is_object(boxes))
		return fail(&d, "boxes missing");
	for (int b = 0; b < ISSU_BOX_MAX; b++)
		if ((e = decode_box(&d, boxes, (enum issu_box)b, &r.box[b])) < 0)
			return e;
	if ((timer = json_object_get(j, "timer"))) {
		if (!json_is_object(timer))
			return fail(&d, "timer: not an object");
		if ((e = get_u64(&d, timer, "timeout_ms", ISSU_ROLLBACK_MAX_MS, &r.timeout_ms,
				 false)) < 0 ||
		    (e = get_u64(&d, timer, "deadline", INT64_MAX, &r.deadline_unix_ms, false)) < 0)
			return e;
		if (r.timeout_ms == 0)
			return fail(&d, "timer: timeout_ms is 0");
	}
	if ((e = decode_lists(&d, j, &r)) < 0 || (e = decode_runner(&d, j, &r)) < 0)
		return e;
	*out = r;
	return 0;
}
