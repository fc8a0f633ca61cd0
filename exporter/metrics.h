/* The daemons' control-socket answers as Prometheus metrics: one table maps a JSON path of an
 * answer to a metric (name, type, help, labels), and one function walks it. Pure: JSON in,
 * samples out (prom.h), no sockets. doc/metrics.md lists every metric. */
#ifndef HS_METRICS_H
#define HS_METRICS_H

#include <jansson.h>
#include <stdbool.h>

#include "prom.h"

/* How a row reads its value. */
enum hs_metric_kind {
	HS_MK_VALUE,  /* a number (true and false are 1 and 0) times scale; arg: a fixed label
		       * "name=value", or NULL */
	HS_MK_STATE,  /* a string: arg "label=a|b|c" gives one series per known value, 1 for the
		       * current one and 0 for the others (a value not listed gets its own series) */
	HS_MK_MAP,    /* an object of name: number; one series per member, its name in the label
		       * that arg names */
	HS_MK_EQUALS, /* 1 when the string is arg, else 0 */
	HS_MK_DIFF,   /* the number at path minus the number at arg (a path too), times scale */
	HS_MK_OTHERS, /* an object of counters: each integer member that no other row of the
		       * command reads becomes name + member + "_total" (counters of a newer
		       * daemon); not declared ahead */
	HS_MK_SKIP,   /* read by no metric (a sum of other series, a sequence number): keeps
		       * the member out of HS_MK_OTHERS */
	HS_MK_NONE,   /* not drawn from an answer: the exporter's own samples (hotstandby_up) */
};

struct hs_metric_row {
	const char *daemon; /* NULL: every daemon's answer to cmd, with a daemon label first */
	const char *cmd;
	/* When set, the path (dots between keys) of an array or object of the answer: each of its
	 * members is one series. labels names the members' keys that become labels ("interface,
	 * vrid"); for an object, the first label is the member's own name. */
	const char *each;
	const char *labels;
	const char *path; /* of the value, in the answer or in each member */
	const char *name;
	enum hs_prom_type type;
	enum hs_metric_kind kind;
	const char *arg;
	double scale; /* 0 means 1: ms to seconds is 0.001 */
	const char *help;
};

extern const struct hs_metric_row hs_metric_rows[];
extern const size_t hs_metric_n_rows;

/* The calls the exporter makes, the ones hrpctl's display commands make. */
struct hs_metric_call {
	const char *daemon;
	const char *cmd;
};
extern const struct hs_metric_call hs_metric_calls[];
extern const size_t hs_metric_n_calls;

/* Declares every family of the table, in its order (so the output's order is the table's). */
int hs_metrics_declare(struct hs_prom *p);

/* Adds the samples the table draws from one answer (its "result" object). Returns the number
 * of samples added, or a negative errno. */
int hs_metrics_from_reply(struct hs_prom *p, const char *daemon, const char *cmd,
			  const json_t *result);

/* hotstandby_up{daemon}: 1 when the daemon answered its status, 0 when not. */
int hs_metrics_up(struct hs_prom *p, const char *daemon, bool up);

#endif
