/*
 * The run's cancel flag (`volatile sig_atomic_t *cancel` in the run, check,
 * process and HTTP options): set by the SIGINT/SIGTERM handler on whichever
 * thread takes the signal, polled by every worker thread.
 *
 * volatile sig_atomic_t only makes the flag safe between a handler and the
 * thread it interrupted; between threads a plain store and a plain load are
 * a data race (C11 5.1.2.4, and ThreadSanitizer reports it). Both sides go
 * through these atomic accesses instead: lock-free, so the store is allowed
 * in a signal handler. Relaxed order is enough: the flag publishes nothing
 * but itself, and every reader only stops early on it.
 */
#ifndef MLG_CANCEL_H
#define MLG_CANCEL_H

#include <signal.h>

/** Non-zero once the flag is set; a NULL flag is never set. */
static inline int mlg_cancel_requested(const volatile sig_atomic_t *flag)
{
	return flag && __atomic_load_n(flag, __ATOMIC_RELAXED);
}

/** Sets the flag (async-signal-safe: call it from the handler). */
static inline void mlg_cancel_request(volatile sig_atomic_t *flag)
{
	__atomic_store_n(flag, 1, __ATOMIC_RELAXED);
}

#endif
