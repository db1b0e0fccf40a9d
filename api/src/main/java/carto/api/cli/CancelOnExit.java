package carto.api.cli;

import carto.inference.lm.CancelToken;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs long work so that Ctrl-C stops it cleanly: the shutdown sets the work's cancel token and
 * waits (a bounded time) for it to return, so worktrees are removed and progress is saved before
 * the JVM exits.
 */
final class CancelOnExit {
    /** Work that stops at its next step once {@code cancel} is set. */
    @FunctionalInterface
    interface Work<T> {
        T run(CancelToken cancel) throws Exception;
    }

    private CancelOnExit() {}

    static <T> T run(Work<T> work) throws Exception {
        CancelToken cancel = new CancelToken();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            cancel.cancel();
            try {
                finished.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        }, "carto-cancel-on-exit");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return work.run(cancel);
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it has what it waits for
            }
        }
    }
}
