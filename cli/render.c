/* Helpers shared by the views and renderers: tolerant JSON getters, durations, timestamps. */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "render.h"

const char *rj_str(const json_t *obj, const char *key, const char *dflt)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : dflt;
}

json_int_t rj_int(const json_t *obj, const char *key, json_int_t dflt)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

double rj_real(const json_t *obj, const char *key, double dflt)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_number(v) ? json_number_value(v) : dflt;
}

bool rj_bool(const json_t *obj, const char *key, bool dflt)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

json_t *rj_obj(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_object(v) ? v : NULL;
}

json_t *rj_arr(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_array(v) ? v : NULL;
}

json_t *rj_str_or_null(const json_t *obj, const char *key)
{
	const char *s = rj_str(obj, key, NULL);

	return s ? json_string(s) : json_null();
}

json_t *rj_int_or_null(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_integer(v) ? json_integer(json_integer_value(v)) : json_null();
}

json_t *rj_bool_or_null(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_boolean(v) ? json_boolean(json_is_true(v)) : json_null();
}

void render_duration(char *buf, size_t len, int64_t ms)
{
	int64_t min = ms > 0 ? ms / 60000 : 0;

	snprintf(buf, len, "%lld days, %lld hours, %lld minutes", (long long)(min / 1440),
		 (long long)(min / 60 % 24), (long long)(min % 60));
}

void render_timestamp(char *buf, size_t len, int64_t epoch_ms)
{
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "-");
}

const char *render_onoff(bool on)
{
	return on ? "on" : "off";
}

int render_json(const json_t *view, FILE *out)
{
	if (json_dumpf(view, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		return -EIO;
	fputc('\n', out);
	return 0;
}
