package carto.api.server;

import carto.agents.sandbox.Limits;
import carto.api.Json;
import carto.api.jobs.Job;
import carto.api.jobs.JobQueue;
import carto.inference.lm.LanguageModel;
import carto.translate.FfiHarness;
import carto.translate.ProgramTests;
import carto.translate.Toolchains;
import carto.translate.TranslationBatch;
import carto.translate.Translator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * C-to-Rust translation as batch jobs: submit programs (a path on the server or the sources and
 * tests in the request), follow the job, download the result as a zip. Each job's folder keeps
 * per-unit state, so a job interrupted by a restart is resumed where it stopped.
 */
final class TranslationApi {
    private static final Set<String> FIELDS = Set.of("path", "programs", "tests", "feed", "filter", "limit", "attempts", "idiomatic", "parallel",
            "test_timeout_seconds", "valgrind");

    private final JobQueue jobs;
    private final carto.graph.KnowledgeGraph kg;
    private final Supplier<LanguageModel> model;
    private final Path root;
    private final boolean allowUnsandboxed;

    /** {@code kg}: where a C repository given by path is ingested before it is translated (null: not ingested). */
    TranslationApi(JobQueue jobs, carto.graph.KnowledgeGraph kg, Supplier<LanguageModel> model, Path root, boolean allowUnsandboxed) {
        this.jobs = jobs;
        this.kg = kg;
        this.model = model;
        this.root = root;
        this.allowUnsandboxed = allowUnsandboxed;
    }

    void register(ApiRoutes r) {
        r.tag("translation");
        r.post("/v1/translations", "Translate C programs to Rust (a .c file with tests, a folder of programs, a SACTOR dataset, or programs in the request); returns a job.",
                ApiRoutes.object("path:string", "programs:object[]", "tests:string", "feed:string", "filter:string", "limit:integer", "attempts:integer",
                        "idiomatic:boolean", "parallel:integer", "test_timeout_seconds:integer", "valgrind:boolean"), this::submit);
        r.get("/v1/translations/{id}/archive", "The translation job's output (Cargo workspaces, reports) as a zip archive.", this::archive,
                ApiRoutes.Param.path("id", "the translation job's id"));
    }

    /** Resumes the translation jobs a restart interrupted. */
    void resumeInterrupted() {
        for (Job j : jobs.list(null)) {
            if (j.kind().equals("translate") && j.state() == Job.State.INTERRUPTED) {
                JsonNode request = j.snapshot(false).request();
                try {
                    List<TranslationBatch.Program> programs = programs(request);
                    jobs.resume(j.id(), work(j.id(), programs, request));
                } catch (IOException | RuntimeException e) {
                    // the request no longer loads (a path was removed): the job stays interrupted with its message
                }
            }
        }
    }

    private void submit(Context ctx) throws IOException {
        JsonNode b = OpenAiApi.body(ctx);
        RequestFields.only(b, FIELDS);
        if (model.get() == null) throw new ApiError(503, "model_not_loaded", "no model is loaded to translate with; start carto serve with --model FILE.gguf", null);
        List<TranslationBatch.Program> programs;
        try {
            programs = programs(b);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), b.has("programs") ? "programs" : "path");
        }
        String id = java.util.UUID.randomUUID().toString();
        Job job = jobs.submitWithId(id, "translate", "translate:" + id, b, work(id, programs, b));
        ObjectNode out = Json.MAPPER.valueToTree(job.snapshot(false));
        out.put("programs", programs.size());
        ctx.status(202).json(out);
    }

    private JobQueue.Work work(String id, List<TranslationBatch.Program> programs, JsonNode b) {
        int attempts = RequestFields.integer(b, "attempts", 6, 1, 20);
        int parallel = RequestFields.integer(b, "parallel", 2, 1, 16);
        int timeout = RequestFields.integer(b, "test_timeout_seconds", 60, 1, 600);
        boolean idiomatic = !b.has("idiomatic") || b.get("idiomatic").asBoolean(true);
        boolean valgrind = b.path("valgrind").asBoolean(false);
        Path dir = b.hasNonNull("path") ? Path.of(b.get("path").asText()) : null;
        return j -> {
            LanguageModel m = model.get();
            if (m == null) throw new IllegalStateException("no model is loaded");
            String repoId = null;
            if (kg != null && dir != null && Files.isDirectory(dir) && !Files.exists(dir.resolve("tasks.jsonl"))) {
                // the C repository goes into the graph like any other, so agents and the UI can look things up in it
                repoId = new carto.ingest.Ingestor(kg.graph(), kg.index()).ingest(dir, carto.ingest.IngestOptions.defaults(), carto.ingest.IngestListener.NONE).repoId();
                jobs.progress(j, "step", Json.MAPPER.createObjectNode().put("message", "ingested " + dir + " into the graph as " + repoId));
            }
            FfiHarness harness = new FfiHarness(Toolchains.runner(allowUnsandboxed), Limits.DEFAULT.withTimeout(Duration.ofMinutes(5)), Duration.ofSeconds(timeout),
                    valgrind);
            TranslationBatch.Report r = TranslationBatch.run(programs, m, harness, new Translator.Options(attempts, idiomatic, 2048, true), root.resolve(id), parallel,
                    msg -> jobs.progress(j, "step", Json.MAPPER.createObjectNode().put("message", msg)), j.cancelToken());
            ObjectNode result = Json.MAPPER.valueToTree(r);
            result.put("archive", "/v1/translations/" + id + "/archive");
            if (repoId != null) result.put("repository", repoId);
            return result;
        };
    }

    private static List<TranslationBatch.Program> programs(JsonNode b) throws IOException {
        JsonNode list = b.get("programs");
        String path = b.path("path").asText(null);
        if ((list == null) == (path == null)) throw new IllegalArgumentException("give either 'path' (on the server) or 'programs' (name, source, tests)");
        if (path != null) {
            Path tests = b.hasNonNull("tests") ? Path.of(b.get("tests").asText()) : null;
            return TranslationBatch.load(Path.of(path), tests, b.path("feed").asText(null), b.path("filter").asText(null), b.path("limit").asInt(0));
        }
        if (!list.isArray() || list.isEmpty()) throw new IllegalArgumentException("'programs' must be a non-empty array of {name, source, tests}");
        List<TranslationBatch.Program> out = new ArrayList<>();
        for (JsonNode p : list) {
            String name = p.path("name").asText("");
            if (!name.matches("[A-Za-z0-9._-]{1,100}")) throw new IllegalArgumentException("each program needs a 'name' of letters, digits, '.', '_' or '-'");
            if (!p.path("source").isTextual()) throw new IllegalArgumentException("program " + name + " needs its C 'source' as a string");
            JsonNode t = p.path("tests");
            if (!t.isObject()) throw new IllegalArgumentException("program " + name + " needs 'tests': {\"feed\": ..., \"tests\": [...]}");
            out.add(new TranslationBatch.Program(name, p.get("source").asText(), ProgramTests.of(t)));
        }
        return out;
    }

    private void archive(Context ctx) throws IOException {
        String id = ctx.pathParam("id");
        Job job = jobs.get(id).filter(j -> j.kind().equals("translate"))
                .orElseThrow(() -> new ApiError(404, "job_not_found", "there is no translation job " + id, "id"));
        Path dir = root.resolve(job.id());
        if (!Files.isDirectory(dir)) throw new ApiError(404, "not_found", "translation job " + id + " has no output yet (" + job.state().id() + ")", "id");
        ctx.contentType("application/zip");
        ctx.header("Content-Disposition", "attachment; filename=\"translation-" + id + ".zip\"");
        OutputStream os = ctx.outputStream();
        try (ZipOutputStream zip = new ZipOutputStream(os); Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String rel = dir.relativize(f).toString().replace('\\', '/');
                if (rel.contains("/target/") || rel.startsWith("target/") || rel.contains("/original/") || rel.startsWith(".toolcheck")) continue;
                zip.putNextEntry(new ZipEntry(rel));
                Files.copy(f, zip);
                zip.closeEntry();
            }
        }
    }
}
