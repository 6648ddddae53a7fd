/* sd_notify for `run` under systemd; see notify.h. */
#include "notify.h"

#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "common.h"

void notify_init(struct notify *n, const struct logger *lg)
{
	memset(n, 0, sizeof(*n));
	n->lg = lg;
	uint64_t usec = 0;
	/* > 0: WatchdogSec= is set for this process (WATCHDOG_PID, when set, is ours). */
	if (sd_watchdog_enabled(0, &usec) > 0)
		n->watchdog_ms = (int64_t)(usec / 1000) > 0 ? (int64_t)(usec / 1000) : 1;
}

void notify_send(const struct notify *n, const char *msg)
{
	if (!n)
		return;
	int rc = sd_notify(0, msg);
	if (rc < 0 && n->lg) {
		char q[256];
		log_event(n->lg, LOG_WARN, "notify_failed", "message=%s error=%s",
			  log_quote(msg, q, sizeof(q)), strerror(-rc));
	}
}

void notify_reloading(const struct notify *n)
{
	struct timespec ts;
	char msg[64] = "RELOADING=1";
	if (!n)
		return;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
			 (unsigned long long)ts.tv_sec * 1000000ULL +
			 (unsigned long long)ts.tv_nsec / 1000);
	notify_send(n, msg);
}

void notify_tick(struct notify *n, int stop)
{
	if (!n)
		return;
	if (stop && !n->stopping) {
		n->stopping = 1;
		notify_send(n, "STOPPING=1");
	}
	int64_t now = now_ms();
	if (n->watchdog_ms && now - n->last_ping_ms >= n->watchdog_ms / 4) {
		n->last_ping_ms = now;
		notify_send(n, "WATCHDOG=1");
	}
}

int64_t notify_max_wait(const struct notify *n, int64_t cap)
{
	if (!n || !n->watchdog_ms || n->watchdog_ms / 4 >= cap)
		return cap;
	return n->watchdog_ms / 4 > 0 ? n->watchdog_ms / 4 : 1;
}
