package carto.api.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs jobs on a bounded pool of workers, at most one at a time per repository working copy
 * (later ones wait their turn in order), persisting each job as it changes. Cancelling a queued
 * job drops it; cancelling a running one asks its work to stop at its next step.
 */
public final class JobQueue implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobQueue.class);

    /** The work of a job: returns its result, or throws with a message a user can act on. */
    @FunctionalInterface
    public interface Work {
        JsonNode run(Job job) throws Exception;
    }

    private final JobStore store;
    private final ExecutorService pool;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<String, Work> pendingWork = new ConcurrentHashMap<>();
    private final Map<String, Deque<Job>> waiting = new HashMap<>();
    private final Map<String, Job> running = new HashMap<>();
    private final Map<String, Long> lastSave = new ConcurrentHashMap<>();
    private volatile boolean closing;

    public JobQueue(JobStore store, int workers) {
        if (workers < 1) throw new IllegalArgumentException("the job pool needs at least one worker");
        this.store = store;
        this.pool = Executors.newFixedThreadPool(workers, Thread.ofPlatform().name("carto-job-", 1).daemon(true).factory());
        for (Job j : store.load(log::warn)) {
            if (!j.state().done()) {
                j.setState(Job.State.INTERRUPTED, null, "the server stopped while this job was " + j.state().id() + "; submit it again");
                store.save(j);
            }
            jobs.put(j.id(), j);
        }
    }

    /** Queues work for {@code repository} (the key that serializes jobs on one working copy). */
    public Job submit(String kind, String repository, JsonNode request, Work work) {
        return submitWithId(UUID.randomUUID().toString(), kind, repository, request, work);
    }

    /** As {@link #submit}, with the id chosen by the caller (it names the job's output folder). */
    public Job submitWithId(String id, String kind, String repository, JsonNode request, Work work) {
        Job job = new Job(id, kind, repository, request);
        jobs.put(job.id(), job);
        pendingWork.put(job.id(), work);
        job.emit("state", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("state", "queued"));
        store.save(job);
        enqueue(job);
        return job;
    }

    /** Starts the job, or lines it up behind the one running on its repository. */
    private synchronized void enqueue(Job job) {
        if (running.containsKey(job.repository())) waiting.computeIfAbsent(job.repository(), k -> new ArrayDeque<>()).add(job);
        else start(job);
    }

    private void start(Job job) {
        running.put(job.repository(), job);
        pool.execute(() -> execute(job));
    }

    private void execute(Job job) {
        Work work = pendingWork.remove(job.id());
        try {
            if (job.cancelRequested() || work == null) {
                job.setState(Job.State.CANCELLED, null, "cancelled before it started");
                return;
            }
            job.setState(Job.State.RUNNING, null, null);
            store.save(job);
            JsonNode result = work.run(job);
            if (job.cancelRequested()) job.setState(Job.State.CANCELLED, result, "cancelled");
            else job.setState(Job.State.SUCCEEDED, result, null);
        } catch (carto.agents.llm.Agent.Cancelled e) {
            if (closing) job.setState(Job.State.INTERRUPTED, null, "the server stopped while this job was running; submit it again");
            else job.setState(Job.State.CANCELLED, null, "cancelled");
        } catch (Exception e) {
            if (closing) job.setState(Job.State.INTERRUPTED, null, "the server stopped while this job was running; submit it again");
            else if (job.cancelRequested()) job.setState(Job.State.CANCELLED, null, "cancelled");
            else {
                log.debug("job {} failed", job.id(), e);
                job.setState(Job.State.FAILED, null, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
        } catch (Error e) {
            job.setState(Job.State.FAILED, null, "internal error: " + e);
            throw e;
        } finally {
            store.save(job);
            lastSave.remove(job.id());
            synchronized (this) {
                running.remove(job.repository());
                Deque<Job> q = waiting.get(job.repository());
                Job next = q == null ? null : q.poll();
                if (q != null && q.isEmpty()) waiting.remove(job.repository());
                if (next != null) start(next);
            }
        }
    }

    /** Runs an interrupted job again under its own id (its work picks up from what it saved); false when the job is not interrupted. */
    public boolean resume(String id, Work work) {
        Job job = jobs.get(id);
        if (job == null || job.state() != Job.State.INTERRUPTED) return false;
        job.requeue();
        job.emit("log", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("message", "resumed after a restart"));
        pendingWork.put(id, work);
        store.save(job);
        enqueue(job);
        return true;
    }

    /** Emits a progress event and saves the job at most once a second (state changes are always saved). */
    public void progress(Job job, String type, JsonNode data) {
        job.emit(type, data);
        long now = System.currentTimeMillis();
        Long last = lastSave.get(job.id());
        if (last == null || now - last >= 1000) {
            lastSave.put(job.id(), now);
            store.save(job);
        }
    }

    public Optional<Job> get(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /** Jobs, newest first, optionally of one repository. */
    public List<Job> list(String repository) {
        return jobs.values().stream().filter(j -> repository == null || repository.equals(j.repository()))
                .sorted(Comparator.comparing((Job j) -> j.snapshot(false).createdAt()).reversed()).toList();
    }

    /** Whether a job of this repository is queued or running. */
    public synchronized boolean busy(String repository) {
        return running.containsKey(repository) || waiting.containsKey(repository);
    }

    /** Asks a job to stop; a queued one is cancelled at once. Returns false when it had already finished. */
    public boolean cancel(Job job) {
        if (job.state().done()) return false;
        job.cancel.cancel();
        synchronized (this) {
            Deque<Job> q = waiting.get(job.repository());
            if (q != null && q.remove(job)) {
                if (q.isEmpty()) waiting.remove(job.repository());
                pendingWork.remove(job.id());
                job.setState(Job.State.CANCELLED, null, "cancelled before it started");
                store.save(job);
            }
        }
        return true;
    }

    @Override
    public void close() {
        closing = true;
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // what did not finish stays marked as running on disk and is marked interrupted on the next start
    }
}
