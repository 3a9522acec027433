/*
 * sim_internal.h - what sim.c and sim_net.c share; not for tests.
 */
#ifndef ESCTP_SIM_INTERNAL_H
#define ESCTP_SIM_INTERNAL_H

#include "sim.h"

/* Delivers every packet due at s->now.  Returns how many. */
unsigned sim_net_deliver_due(sim *s);
/* Pulls every packet side has to send now onto the network.  Returns how
 * many. */
unsigned sim_net_drain_output(sim *s, int side);
/* Arrival time of the next packet in flight, ESCTP_TSTAMP_NEVER if none. */
esctp_tstamp sim_net_next_arrival(const sim *s);
/* Frees the packets in flight. */
void sim_net_free(sim *s);

#endif
