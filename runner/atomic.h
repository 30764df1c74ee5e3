/*
 * The temporary files of atomic writes (runner/atomic.c), kept in a small
 * registry so that a fatal exit can remove them: out of memory
 * (mlg_die_oom) and the signals that end the process. After SIGKILL or a
 * crash one may remain; it is named ".NAME.tmp.PID.XXXXXX" beside NAME, a
 * hidden file that no report glob (*.json, *.xml) matches.
 */
#ifndef MLG_ATOMIC_H
#define MLG_ATOMIC_H

/**
 * Records `path` as a temporary file being written. Returns a slot for
 * mlg_tempfile_unregister(), or -1 when the registry is full or the path
 * too long: the write still works, it is only not cleaned up on a fatal
 * exit. Thread-safe.
 */
int mlg_tempfile_register(const char *path);

/** Forgets a slot (after the rename or the unlink); -1 is ignored. */
void mlg_tempfile_unregister(int slot);

/** Unlinks every registered temporary file. Async-signal-safe. */
void mlg_tempfile_remove_all(void);

/**
 * For every signal whose default action ends the process (HUP, INT,
 * TERM, QUIT, PIPE, ALRM, USR1, USR2, XCPU, XFSZ, VTALRM) and that is not
 * ignored: a handler that removes the temporary files, then ends the
 * process by the same signal. Call once from main(); commands may
 * install their own handlers on top and restore this one.
 */
void mlg_tempfile_catch_signals(void);

/**
 * From a signal handler: removes the temporary files and ends the
 * process by `sig` with its default action (once the handler returns).
 * Async-signal-safe.
 */
void mlg_tempfile_die_by_signal(int sig);

#endif
