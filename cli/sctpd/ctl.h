/*
 * ctl.h - the control server: requests from the shim and the tools
 * (ctl.c, the protocol in wsproto.h).
 */
#ifndef CLI_SCTPD_CTL_H
#define CLI_SCTPD_CTL_H

#include <stddef.h>

typedef struct sctpd sctpd;

/* Opens the control socket at d->control.  Returns 0 or -1 with a message
 * in err. */
int sd_ctl_open(sctpd *d, char *err, size_t errlen);
void sd_ctl_close(sctpd *d);

#endif
