/* hs-ct-fill's parts shared by its modes' files: the options, the fill pattern, the parsing and
 * the batched ctnetlink requests (ct_fill.c), used by the counts (ct_count.c), the listener
 * (ct_listen.c) and the churn (ct_churn.c). */
#ifndef HS_CT_FILL_H
#define HS_CT_FILL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#define MSG_ROOM  512u /* one CT_NEW message is about 200 bytes */
#define BATCH_MAX 4096

enum mode { M_NONE, M_CREATE, M_DELETE, M_COUNT, M_COUNT_ONLY, M_WAIT, M_LISTEN, M_CHURN };

struct opts {
	enum mode mode;
	uint64_t n;
	uint64_t seed;
	unsigned base_port;
	unsigned batch;
	unsigned ct_timeout;
	long timeout_ms;
	long poll_ms;
	long rcvbuf;
	long rate;          /* create: entries a second (0: as fast as the kernel takes them) */
	long churn_rate;    /* churn: new (and as many destroyed) entries per second */
	long churn_seconds; /* churn: how long */
	const char *times_out;
	const char *ready_file;
	const char *out;
};

extern struct opts o;

/* Failed requests by errno, and what became of batches. */
struct errs {
	uint64_t total;
	uint64_t by_errno[256]; /* errno < 256; others in by_errno[0] */
	uint64_t unacked_batches, overruns, stale;
};

uint64_t index_max(void);
struct mnl_socket *nl_open(unsigned groups, long rcvbuf);
struct nlmsghdr *put_header(void *buf, uint8_t msg, uint16_t flags, uint32_t seq, uint8_t family);
int send_all(struct mnl_socket *nl, const void *buf, size_t len);
void count_errno(struct errs *e, int err);
int read_answers(struct mnl_socket *nl, uint32_t first, uint32_t last, struct errs *e);
json_t *errnos_json(const struct errs *e);
int build_entry(struct nlmsghdr *nlh, struct nf_conntrack *ct, uint64_t i, bool create);

/* An IPv4 tuple of the pattern, as read back from a message (ct_fill.c). */
struct tup {
	uint32_t src, dst; /* network order */
	uint16_t sport, dport; /* host order */
	uint8_t proto;
};

/* Attributes of one nesting level of a CT message. */
struct attrs {
	const struct nlattr *tb[CTA_MAX + 1];
	int max;
};
_Static_assert(CTA_TUPLE_MAX <= CTA_MAX && CTA_IP_MAX <= CTA_MAX && CTA_PROTO_MAX <= CTA_MAX &&
		       CTA_STATS_GLOBAL_MAX <= CTA_MAX,
	       "struct attrs holds every attribute set parsed here");

#define RX_BUF (1u << 18)

/* The pattern (ct_fill.c): a tuple's index, and an index's place in this run's range. */
bool index_of(const struct tup *t, uint64_t *out);
bool in_range(uint64_t i, uint64_t *j);
/* Parsing (ct_fill.c): a libmnl attribute callback into struct attrs, a nested level, and the
 * original tuple of a CT message (false if it is not IPv4). */
int attr_cb(const struct nlattr *attr, void *data);
bool nested(const struct nlattr *attr, int max, struct attrs *a);
bool parse_orig(const struct nlmsghdr *nlh, struct tup *t);
/* One recv with a deadline. >0 bytes; 0 timeout or stop; -1 error other than ENOBUFS
 * (ENOBUFS: *overruns++ and 0 bytes read, call again). */
ssize_t recv_until(struct mnl_socket *nl, void *buf, size_t len, int64_t deadline,
		   uint64_t *overruns, bool *timed_out);
/* --times-out: one u64 per entry of the range, written when the run ends. */
uint8_t *times_alloc(void);
void times_put(uint8_t *t, uint64_t j, int64_t ns);
int times_write(const uint8_t *t);

/* The modes in files of their own. */
int run_count(bool dump); /* ct_count.c: --count (dump true) and --count-only */
int run_wait(void);       /* ct_count.c: --wait-count */
int run_listen(void);     /* ct_listen.c */
int run_churn(void);      /* ct_churn.c */

#endif
