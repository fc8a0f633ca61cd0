/* Config sync's kernel side (cfgsync_int.h): the synced tables read and written through
 * libnftables, and a netlink socket on the NFNLGRP_NFTABLES group that says when anything in
 * nftables changed (what changed is read again anyway, so the messages are only counted).
 *
 * A list is `nft -s list table FAMILY NAME` (stateless: no counter values, no handles); a write
 * is one buffer, which nft commits as one transaction: all of it or nothing. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "cfgsync_int.h"
#include "log.h"

struct hrpd_nft {
	struct nft_ctx *ctx;
	struct mnl_socket *mon;
	struct hs_io io;
	bool io_on;
	void (*changed)(void *arg);
	void *arg;
	uint64_t events, overruns;
};

static void readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct hrpd_nft *n = arg;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool any = false;
	/* Bounded: a flood of changes is one change for us. */
	for (int i = 0; i < 256; i++) {
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0 && errno == ENOBUFS) {
			n->overruns++; /* lost some: the tables are read again all the same */
			any = true;
			continue;
		}
		if (r <= 0)
			break;
		n->events++;
		any = true;
	}
	if (any)
		n->changed(n->arg);
}

struct hrpd_nft *hrpd_nft_open(struct hs_loop *loop, void (*changed)(void *arg), void *arg)
{
	struct hrpd_nft *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->changed = changed;
	n->arg = arg;
	n->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!n->ctx || nft_ctx_buffer_output(n->ctx) || nft_ctx_buffer_error(n->ctx))
		goto fail;
	nft_ctx_output_set_flags(n->ctx, NFT_CTX_OUTPUT_STATELESS);
	n->mon = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!n->mon ||
	    mnl_socket_bind(n->mon, 1u << (NFNLGRP_NFTABLES - 1), MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	if (hs_io_start(&n->io, loop, mnl_socket_get_fd(n->mon), EPOLLIN, readable, n) < 0)
		goto fail;
	hs_io_set_priority(&n->io, HRPD_BULK_PRIORITY);
	n->io_on = true;
	return n;
fail:
	hrpd_nft_close(n);
	return NULL;
}

void hrpd_nft_close(struct hrpd_nft *n)
{
	if (!n)
		return;
	if (n->io_on)
		hs_io_stop(&n->io);
	if (n->mon)
		mnl_socket_close(n->mon);
	if (n->ctx)
		nft_ctx_free(n->ctx);
	free(n);
}

uint64_t hrpd_nft_events(const struct hrpd_nft *n)
{
	return n ? n->events : 0;
}

uint64_t hrpd_nft_overruns(const struct hrpd_nft *n)
{
	return n ? n->overruns : 0;
}

/* nft's error text as one line: its "Error: ..." lines, without the offending input and the
 * caret lines under it (the first line when none says Error). */
static void error_line(const char *in, char *err, size_t errlen)
{
	size_t o = 0;
	bool any = in && strstr(in, "Error");
	for (const char *p = in; p && *p && o + 3 < errlen;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *e = memmem(p, n, "Error", 5);
		if (e || (!any && o == 0)) {
			const char *from = e ? e : p;
			size_t len = n - (size_t)(from - p);
			if (o) {
				err[o++] = ';';
				err[o++] = ' ';
			}
			if (len > errlen - o - 1)
				len = errlen - o - 1;
			memcpy(err + o, from, len);
			o += len;
		}
		p += n + (nl ? 1 : 0);
	}
	if (errlen)
		err[o] = '\0';
}

int hrpd_nft_list(struct hrpd_nft *n, const char *table, char **text, bool *present, char *err,
		  size_t errlen)
{
	char cmd[HS_CFGSYNC_NAME_MAX + 16];
	snprintf(cmd, sizeof(cmd), "list table %s", table);
	int r = nft_run_cmd_from_buffer(n->ctx, cmd);
	const char *out = nft_ctx_get_output_buffer(n->ctx);
	const char *e = nft_ctx_get_error_buffer(n->ctx);
	if (r != 0) {
		/* "No such file or directory": the table does not exist, which is a state too */
		if (e && strstr(e, "No such file or directory")) {
			*text = NULL;
			*present = false;
			return 0;
		}
		error_line(e, err, errlen);
		return -EIO;
	}
	*text = strdup(out ? out : "");
	*present = true;
	return *text ? 0 : -ENOMEM;
}

int hrpd_nft_run(struct hrpd_nft *n, const char *buf, char *err, size_t errlen)
{
	int r = nft_run_cmd_from_buffer(n->ctx, buf);
	const char *e = nft_ctx_get_error_buffer(n->ctx);
	(void)nft_ctx_get_output_buffer(n->ctx); /* empty it */
	if (r == 0)
		return 0;
	error_line(e && *e ? e : "nft failed", err, errlen);
	return -EINVAL;
}
