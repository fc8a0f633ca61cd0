/* --listen ADDR:PORT: "127.0.0.1:9469", "[::1]:9469" or ":9469" (127.0.0.1), numeric only. */
#ifndef HS_LISTEN_H
#define HS_LISTEN_H

#include <sys/socket.h>

#define HS_EXPORTER_LISTEN "127.0.0.1:9469"

/* Returns 0 with the address in *sa (*len bytes used), or -EINVAL. */
int hs_listen_parse(const char *text, struct sockaddr_storage *sa, socklen_t *len);

#endif
