package carto.api.server;

import carto.api.Json;
import carto.api.jobs.Job;
import carto.api.jobs.JobQueue;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Jobs over HTTP: state and result, the event stream (SSE with {@code Accept: text/event-stream},
 * resumable with {@code Last-Event-ID}; a JSON list otherwise), and cancellation.
 */
final class JobApi {
    private final JobQueue jobs;

    JobApi(JobQueue jobs) {
        this.jobs = jobs;
    }

    void register(ApiRoutes r) {
        ApiRoutes.Param id = ApiRoutes.Param.path("id", "job id");
        r.tag("jobs");
        r.get("/v1/jobs", "Jobs, newest first.", ctx -> {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("object", "list");
            var data = root.putArray("data");
            jobs.list(ctx.queryParam("repository")).forEach(j -> data.add(Json.MAPPER.valueToTree(j.snapshot(false))));
            ctx.json(root);
        }, ApiRoutes.Param.query("repository", "string", "only the jobs of this repository id"));
        r.get("/v1/jobs/{id}", "A job: its state, request and result (with ?events=true, its events too).",
                ctx -> ctx.json(job(ctx).snapshot("true".equals(ctx.queryParam("events")))), id,
                ApiRoutes.Param.query("events", "boolean", "include every event"));
        r.getStream("/v1/jobs/{id}/events", "The job's events in order: state changes and every agent step; streams until the job ends with Accept: text/event-stream.",
                this::events, id, ApiRoutes.Param.query("after", "integer", "only events after this sequence number (or send Last-Event-ID)"));
        r.post("/v1/jobs/{id}/cancel", "Cancel a job: a queued one at once, a running one at its next step.", null, ctx -> {
            Job j = job(ctx);
            boolean accepted = jobs.cancel(j);
            if (!accepted) throw new ApiError(409, "job_finished", "job " + j.id() + " has already finished (" + j.state().id() + "); there is nothing to cancel", null);
            ctx.status(202).json(j.snapshot(false));
        }, id);
    }

    private Job job(Context ctx) {
        String id = ctx.pathParam("id");
        return jobs.get(id).orElseThrow(() -> new ApiError(404, "job_not_found", "there is no job " + id + "; GET /v1/jobs lists them", "id"));
    }

    private void events(Context ctx) throws IOException, InterruptedException {
        Job job = job(ctx);
        long after = 0;
        String last = ctx.header("Last-Event-ID");
        String q = last != null ? last : ctx.queryParam("after");
        if (q != null) {
            try {
                after = Long.parseLong(q.strip());
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("'" + q + "' is not an event sequence number", last != null ? "Last-Event-ID" : "after");
            }
        }
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("object", "list");
            root.put("state", job.state().id());
            var data = root.putArray("data");
            job.eventsAfter(after, 0).forEach(e -> data.add(Json.MAPPER.valueToTree(e)));
            ctx.json(root);
            return;
        }
        ctx.status(200);
        ctx.contentType("text/event-stream");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        OutputStream out = ctx.outputStream();
        long seq = after;
        while (true) {
            List<Job.Event> batch = job.eventsAfter(seq, 15_000);
            try {
                if (batch.isEmpty()) {
                    if (job.state().done()) break;
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                } else {
                    for (Job.Event e : batch) {
                        out.write(("id: " + e.seq() + "\nevent: " + e.type() + "\ndata: " + Json.compact(e) + "\n\n").getBytes(StandardCharsets.UTF_8));
                        seq = e.seq();
                    }
                }
                out.flush();
            } catch (IOException e) {
                return; // the client went away; the job goes on
            }
        }
        ObjectNode end = Json.MAPPER.createObjectNode().put("state", job.state().id());
        out.write(("event: end\ndata: " + Json.compact(end) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
