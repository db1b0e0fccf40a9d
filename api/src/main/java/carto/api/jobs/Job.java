package carto.api.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A unit of background work (an ingest, an issue resolution) and everything it reported: its
 * state, request, result or error, and the ordered events clients stream. Thread-safe; waiters
 * are woken on every new event.
 */
public final class Job {
    /** Where a job is; the last four are final. */
    public enum State {
        QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, INTERRUPTED;

        public boolean done() {
            return this != QUEUED && this != RUNNING;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One event: its sequence number (from 1), time, type (state, step, log, result) and data. */
    public record Event(long seq, Instant time, String type, JsonNode data) {}

    /** A job as stored and served. */
    public record Snapshot(String id, String kind, String repository, State state, Instant createdAt, Instant startedAt, Instant finishedAt,
                           JsonNode request, JsonNode result, String error, List<Event> events) {}

    private final String id;
    private final String kind;
    private final String repository;
    private final Instant createdAt;
    private final JsonNode request;
    private State state;
    private Instant startedAt, finishedAt;
    private JsonNode result;
    private String error;
    private final List<Event> events = new ArrayList<>();
    final carto.inference.lm.CancelToken cancel = new carto.inference.lm.CancelToken();

    Job(String id, String kind, String repository, JsonNode request) {
        this.id = id;
        this.kind = kind;
        this.repository = repository;
        this.request = request;
        this.createdAt = Instant.now();
        this.state = State.QUEUED;
    }

    Job(Snapshot s) {
        this.id = s.id();
        this.kind = s.kind();
        this.repository = s.repository();
        this.request = s.request();
        this.createdAt = s.createdAt();
        this.state = s.state();
        this.startedAt = s.startedAt();
        this.finishedAt = s.finishedAt();
        this.result = s.result();
        this.error = s.error();
        if (s.events() != null) this.events.addAll(s.events());
    }

    public String id() {
        return id;
    }

    public String kind() {
        return kind;
    }

    public String repository() {
        return repository;
    }

    public synchronized State state() {
        return state;
    }

    /** The token the job's work checks to stop early. */
    public carto.inference.lm.CancelToken cancelToken() {
        return cancel;
    }

    public boolean cancelRequested() {
        return cancel.isCancelled();
    }

    /** Adds an event and wakes the streams waiting for it. */
    public synchronized Event emit(String type, JsonNode data) {
        Event e = new Event(events.size() + 1L, Instant.now(), type, data == null ? JsonNodeFactory.instance.objectNode() : data);
        events.add(e);
        notifyAll();
        return e;
    }

    /** Back to the queue after an interruption: the error and finish time are cleared, the events kept. */
    synchronized void requeue() {
        this.error = null;
        this.finishedAt = null;
        setState(State.QUEUED, null, null);
    }

    synchronized void setState(State s, JsonNode result, String error) {
        this.state = s;
        if (s == State.RUNNING) startedAt = Instant.now();
        if (s.done()) finishedAt = Instant.now();
        if (result != null) this.result = result;
        if (error != null) this.error = error;
        var d = JsonNodeFactory.instance.objectNode().put("state", s.id());
        if (error != null) d.put("error", error);
        emit("state", d);
    }

    /** Events after {@code seq}, waiting up to {@code waitMillis} for one when there are none yet and the job is not done. */
    public synchronized List<Event> eventsAfter(long seq, long waitMillis) throws InterruptedException {
        if (events.size() <= seq && !state.done() && waitMillis > 0) wait(waitMillis);
        return seq >= events.size() ? List.of() : List.copyOf(events.subList((int) Math.max(0, seq), events.size()));
    }

    public synchronized Snapshot snapshot(boolean withEvents) {
        return new Snapshot(id, kind, repository, state, createdAt, startedAt, finishedAt, request, result, error,
                withEvents ? List.copyOf(events) : null);
    }
}
