/* The configuration as the transports see it (checks.c). */
#ifndef KA_TRANSPORTS_CHECKS_H
#define KA_TRANSPORTS_CHECKS_H

#include "../config.h"
#include "../diag.h"

/* Check CFG (read by config_parse) against the transport table, each problem
 * added to D as "FILE: [SECTION] KEY: problem": every [remote]'s type, its
 * keys, sessions and values (the transport's check_remote); the [agent]
 * alert remote can send a message; each route's source and destinations
 * can play their role; after = for what the source holds. Completes CFG on
 * the way: a remote's sessions default, each route's source_kind, after
 * default and archive, and drops the endpoints that cannot serve (reported,
 * so the later checks do not see them). */
void transports_check_config(struct config *cfg, struct diag *d);

#endif
