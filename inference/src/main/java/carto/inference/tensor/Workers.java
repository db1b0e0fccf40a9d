package carto.inference.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that split a range of work items among themselves. The caller works
 * too, and idle threads spin briefly before parking, because one forward pass issues hundreds
 * of sub-millisecond parallel loops and a task queue's overhead would dominate.
 */
public final class Workers implements AutoCloseable {
    /** Work on items [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private static final class Job {
        final Range body;
        final int items;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger pending;
        volatile Throwable failure;

        Job(Range body, int items, int chunks) {
            this.body = body;
            this.items = items;
            this.chunks = chunks;
            this.pending = new AtomicInteger(chunks);
        }

        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                int from = (int) ((long) items * c / chunks);
                int to = (int) ((long) items * (c + 1) / chunks);
                try {
                    body.run(from, to);
                } catch (Throwable e) {
                    failure = e;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }

    private static final Workers[] SHARED = new Workers[257];
    static final int SPINS = Integer.getInteger("carto.spins", 50_000);

    private final int threads;
    private final Thread[] pool;
    private volatile Job current;
    private volatile boolean closed;

    public Workers(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.pool = new Thread[threads - 1];
        for (int i = 0; i < pool.length; i++) {
            Thread t = new Thread(this::loop, "carto-worker-" + (i + 1));
            t.setDaemon(true);
            pool[i] = t;
            t.start();
        }
    }

    /** A process-wide pool with this many threads, created on first use. */
    public static synchronized Workers shared(int threads) {
        int n = Math.max(1, Math.min(threads, SHARED.length - 1));
        if (SHARED[n] == null) SHARED[n] = new Workers(n);
        return SHARED[n];
    }

    /** Threads to use by default: the machine's cores. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body} over [0, items) split into chunks of at least {@code grain} items. */
    public void parallelFor(int items, int grain, Range body) {
        if (items <= 0) return;
        int chunks = Math.min(items / Math.max(1, grain), threads * 4);
        if (threads == 1 || chunks <= 1) {
            body.run(0, items);
            return;
        }
        synchronized (this) {
            Job job = new Job(body, items, chunks);
            current = job;
            for (Thread t : pool) LockSupport.unpark(t);
            job.work();
            while (job.pending.get() > 0) Thread.onSpinWait();
            current = null;
            Throwable f = job.failure;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error err) throw err;
            if (f != null) throw new RuntimeException(f);
        }
    }

    private void loop() {
        Job last = null;
        while (!closed) {
            Job j = current;
            if (j != null && j != last) {
                last = j;
                j.work();
                continue;
            }
            boolean found = false;
            for (int spin = 0; spin < SPINS; spin++) {
                Job k = current;
                if ((k != null && k != last) || closed) {
                    found = true;
                    break;
                }
                Thread.onSpinWait();
            }
            if (!found) LockSupport.parkNanos(this, 500_000L);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : pool) LockSupport.unpark(t);
    }
}
