/* systemd's service notifications (sd_notify), for the unit's Type=notify:
 * READY=1 once `run` has armed its routes, WATCHDOG=1 from the run loop
 * while WatchdogSec= is set, RELOADING=1 then READY=1 around a SIGHUP
 * reload, STOPPING=1 once a stop is asked for. Outside systemd (no
 * $NOTIFY_SOCKET) every call does nothing; a message that cannot be sent is
 * logged (notify_failed), never fatal. */
#ifndef KA_NOTIFY_H
#define KA_NOTIFY_H

#include <stdint.h>
#include "log.h"

struct notify {
	const struct logger *lg;
	int64_t watchdog_ms;    /* WatchdogSec= ($WATCHDOG_USEC), 0 when off */
	int64_t last_ping_ms;   /* last WATCHDOG=1 */
	int stopping;           /* STOPPING=1 was sent */
};

/* Read the watchdog setting ($WATCHDOG_USEC, $WATCHDOG_PID); log to LG. */
void notify_init(struct notify *n, const struct logger *lg);
/* Send MSG ("READY=1", ...) to systemd. N may be NULL (nothing happens). */
void notify_send(const struct notify *n, const char *msg);
/* RELOADING=1 with the monotonic time systemd 253 and later ask for. */
void notify_reloading(const struct notify *n);
/* The run loop's heartbeat: WATCHDOG=1 when a quarter of WatchdogSec has
 * passed since the last one, and STOPPING=1 the first time STOP is set.
 * N may be NULL. */
void notify_tick(struct notify *n, int stop);
/* Longest the run loop may sleep between ticks, in ms (at most CAP). */
int64_t notify_max_wait(const struct notify *n, int64_t cap);

#endif
