/* Mirror session (hrp mirror session enable): in load-sharing both boxes are sync sources and
 * sinks at once, and the packet that creates an entry is held until the peer has the entry
 * (lib/sess_mirror.h has the rules; doc/session-sync.md, "Mirror session", the costs). */
#ifndef HRPD_MIRROR_H
#define HRPD_MIRROR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_session.h"

#define HRPD_MIRROR_CHAIN "HOTSTANDBY-MIRROR"

struct hrpd_sess;

/* sess.c: mirroring is in place while want is true (load-sharing and mirror_session); packets
 * are held only while we are a sync source (the peer up). Off, every held packet is let go and
 * the rules removed. Cheap when nothing changes. */
void hrpd_mirror_update(struct hrpd_sess *ss, bool want);
void hrpd_mirror_free(struct hrpd_sess *ss);
/* sess_in.c: the peer's mirror record (applied, then acknowledged) and acknowledgement. */
void hrpd_mirror_rx_new(struct hrpd_sess *ss, const uint8_t *rec, size_t len);
void hrpd_mirror_rx_ack(struct hrpd_sess *ss, const uint8_t *rec, size_t len);
/* sess_in.c: a new entry of the peer that is also a flow we just created: true when ours stays
 * (the peer's is not written); and true for the peer's destroy of a tuple we just created anew
 * (it is the older entry's). */
bool hrpd_mirror_conflict(struct hrpd_sess *ss, const struct hs_sess *s);
/* sess_in.c: a new-entry record of the peer's sync (not of a mirror record) for a creation the
 * peer mirrored to us a moment ago, in the same state: its echo, which it did not recognise.
 * Applied, it would replace an entry that moved on (ESTABLISHED) with SYN_SENT. */
bool hrpd_mirror_peer_echo(struct hrpd_sess *ss, const struct hs_sess *s);
/* sess.c: true for our kernel's event of a change a mirror record already carried, and for the
 * destroy of an older entry of a tuple just mirrored as new: neither is sent. */
bool hrpd_mirror_echo(struct hrpd_sess *ss, const struct hs_sess *s);
json_t *hrpd_mirror_stats_json(const struct hrpd_sess *ss);

/* mirror_rules.c: the rules that queue the packets to hold; 0 or -errno with why. */
int hrpd_mirror_rules_add(uint16_t queue, char *why, size_t whylen);
int hrpd_mirror_rules_del(char *why, size_t whylen);
/* Sets nf_conntrack_tcp_be_liberal to value (< 0: only reads it); returns the old value or -1.
 * A box of an asymmetric pair sees one direction of a flow: it cannot track windows. */
int hrpd_mirror_liberal(int value);

#endif
