/* hs-ct-fill's parts shared by its modes' files: the options, the fill pattern and the batched
 * ctnetlink requests (ct_fill.c), used by the churn (ct_churn.c). */
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

int run_churn(void);

#endif
