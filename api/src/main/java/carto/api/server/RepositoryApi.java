package carto.api.server;

import carto.agents.llm.Trace;
import carto.agents.resolve.IssueRequest;
import carto.agents.resolve.IssueResolver;
import carto.agents.resolve.IssueType;
import carto.agents.resolve.Resolution;
import carto.agents.sandbox.SandboxException;
import carto.agents.sandbox.Worktree;
import carto.api.Json;
import carto.api.jobs.Job;
import carto.api.jobs.JobQueue;
import carto.graph.KnowledgeGraph;
import carto.graph.RepositoryInfo;
import carto.graph.search.CodeIndex;
import carto.graph.tools.GraphTools;
import carto.ingest.IngestListener;
import carto.ingest.IngestOptions;
import carto.ingest.IngestSummary;
import carto.ingest.Ingestor;
import carto.inference.lm.LanguageModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

import static carto.api.server.ApiRoutes.Param.path;
import static carto.api.server.ApiRoutes.Param.query;
import static carto.api.server.ApiRoutes.Param.requiredQuery;

/**
 * Repositories over HTTP: add one (a local path, or a git URL that is cloned) which starts an
 * ingest job, list, show, delete; query its graph the way the agents' tools do; and submit
 * issues, each resolved by a job.
 */
final class RepositoryApi {
    private static final Set<String> ISSUE_FIELDS = Set.of("title", "body", "comments", "type", "checks", "build_command", "test_command",
            "regression_command", "candidates", "base_commit", "max_tokens", "command_timeout_seconds");
    private static final Set<String> CHECKS = Set.of("reproduction", "regression", "build", "full_tests");

    private final KnowledgeGraph kg;
    private final JobQueue jobs;
    private final Supplier<LanguageModel> model;
    private final IssueResolver.Config resolverConfig;
    private final Path clones;

    RepositoryApi(KnowledgeGraph kg, JobQueue jobs, Supplier<LanguageModel> model, IssueResolver.Config resolverConfig, Path clones) {
        this.kg = kg;
        this.jobs = jobs;
        this.model = model;
        this.resolverConfig = resolverConfig;
        this.clones = clones;
    }

    void register(ApiRoutes r) {
        ApiRoutes.Param id = path("id", "repository id (GET /v1/repositories lists them)");
        r.tag("repositories");
        r.post("/v1/repositories", "Add a repository from a local path or a git URL (cloned), or ingest one again (only what changed); starts an ingest job. "
                        + "Options as carto ingest's: repo_id, full (rebuild from scratch), ast_depth (declarations, statements or full), max_file_size (bytes).",
                ApiRoutes.object("path:string", "url:string", "name:string", "repo_id:string", "full:boolean", "ast_depth:string", "max_file_size:integer"), this::add);
        r.get("/v1/repositories", "Ingested repositories.", ctx -> {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("object", "list");
            var data = root.putArray("data");
            kg.graph().repositories().forEach(x -> data.add(view(x)));
            ctx.json(root);
        });
        r.get("/v1/repositories/{id}", "One repository.", ctx -> ctx.json(view(repo(ctx))), id);
        r.delete("/v1/repositories/{id}", "Remove a repository's graph and index (and its clone, when Carto cloned it).", this::delete, id);
        r.post("/v1/repositories/{id}/issues", "Resolve an issue: returns a job whose result is a verified patch or a grounded answer.",
                ApiRoutes.object("title:string", "body:string", "comments:string[]", "type:string", "checks:object", "build_command:string",
                        "test_command:string", "regression_command:string", "candidates:integer", "base_commit:string", "max_tokens:integer",
                        "command_timeout_seconds:integer"), this::issue, id);

        r.get("/v1/repositories/{id}/file", "A whole file of the repository as it is on disk now (for the editor).", ctx -> {
            RepositoryInfo info = repo(ctx);
            String path = need(ctx, "path");
            var hit = kg.tools().findFile(info.id(), path).orElseThrow(() -> new ApiError(404, "file_not_found", "there is no file " + path + " in " + info.name(), "path"));
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("path", hit.path());
            out.put("language", hit.language());
            out.put("text", kg.tools().fileContent(info.id(), hit.path()));
            ctx.json(out);
        }, id, requiredQuery("path", "string", "file path"));
        r.post("/v1/jobs/{id}/apply", "Apply a resolved issue's patch to the repository's working copy (git apply; refused when it does not apply cleanly).", null,
                this::applyPatch, ApiRoutes.Param.path("id", "a finished issue-resolution job"));
        r.tag("summaries");
        r.post("/v1/repositories/{id}/summaries", "Summarize bottom-up (scope repository, directory, file or symbol); returns a job and the estimated model calls.",
                ApiRoutes.object("scope:string", "target:string", "max_calls:integer", "force:boolean", "max_tokens:integer"), this::summarize, id);
        r.get("/v1/repositories/{id}/summaries", "Stored summaries (each with the model, prompt version and content hash it was made from).", ctx -> {
            String scope = ctx.queryParam("scope");
            if (scope != null && !Set.of("repository", "directory", "file", "type", "symbol").contains(scope)) {
                throw ApiError.badRequest("scope must be repository, directory, file, type or symbol", "scope");
            }
            list(ctx, new carto.graph.tools.SummaryStore(kg.graph()).list(repo(ctx).id(), scope, ctx.queryParam("path")));
        }, id, query("scope", "string", "repository, directory, file, type or symbol"), query("path", "string", "only under this path"));
        r.get("/v1/repositories/{id}/overview", "The repository overview (Markdown): purpose, architecture from graph edges, key types, entry points, build and test.",
                ctx -> {
                    RepositoryInfo info = repo(ctx);
                    String md = carto.agents.summary.RepositoryOverview.markdown(kg.tools(), info, new carto.graph.tools.SummaryStore(kg.graph()).all(info.id()));
                    if (ctx.header("Accept") != null && ctx.header("Accept").contains("text/markdown")) ctx.contentType("text/markdown").result(md);
                    else ctx.json(Json.MAPPER.createObjectNode().put("markdown", md));
                }, id);

        r.tag("graph");
        GraphTools g = kg.tools();
        r.get("/v1/repositories/{id}/files", "Find files by base name or path fragment.",
                ctx -> list(ctx, g.findFiles(repo(ctx).id(), need(ctx, "name"), limit(ctx, 50))), id, requiredQuery("name", "string", "base name or path fragment"), query("limit", "integer", "at most this many"));
        r.get("/v1/repositories/{id}/tree", "List a directory.", ctx -> list(ctx, g.listDirectory(repo(ctx).id(), opt(ctx, "path", ""))),
                id, query("path", "string", "directory ('' for the root)"));
        r.get("/v1/repositories/{id}/outline", "Definitions in a file with line ranges.", ctx -> list(ctx, g.outline(repo(ctx).id(), need(ctx, "path"))),
                id, requiredQuery("path", "string", "file path"));
        r.get("/v1/repositories/{id}/code", "Lines of a file (at most 400).", ctx -> {
            int start = intParam(ctx, "start_line", 1);
            ctx.json(g.readCode(repo(ctx).id(), need(ctx, "path"), start, intParam(ctx, "end_line", start + 199)));
        }, id, requiredQuery("path", "string", "file path"), query("start_line", "integer", "first line"), query("end_line", "integer", "last line"));
        r.get("/v1/repositories/{id}/find-code", "AST nodes containing a text.", ctx -> list(ctx,
                g.findAstNodesContainingText(repo(ctx).id(), need(ctx, "text"), ctx.queryParam("path"), limit(ctx, 20))),
                id, requiredQuery("text", "string", "exact text"), query("path", "string", "only in this file"), query("limit", "integer", "at most this many"));
        r.get("/v1/repositories/{id}/find-text", "Documentation chunks containing a text.", ctx -> list(ctx,
                g.findTextNodesContainingText(repo(ctx).id(), need(ctx, "text"), limit(ctx, 10))),
                id, requiredQuery("text", "string", "text"), query("limit", "integer", "at most this many"));
        r.get("/v1/repositories/{id}/definitions", "Where a symbol is defined.", ctx -> list(ctx, g.definitions(repo(ctx).id(), need(ctx, "name"), limit(ctx, 20))),
                id, requiredQuery("name", "string", "symbol name or qualified name"), query("limit", "integer", "at most this many"));
        r.get("/v1/repositories/{id}/callers", "Who calls a function or method.", ctx -> list(ctx, g.callers(repo(ctx).id(), need(ctx, "name"), limit(ctx, 30))),
                id, requiredQuery("name", "string", "function or method"), query("limit", "integer", "at most this many"));
        r.get("/v1/repositories/{id}/callees", "What a function or method calls.", ctx -> list(ctx, g.callees(repo(ctx).id(), need(ctx, "name"), limit(ctx, 30))),
                id, requiredQuery("name", "string", "function or method"), query("limit", "integer", "at most this many"));
        r.get("/v1/repositories/{id}/references", "Every use of a symbol.", ctx -> list(ctx, g.references(repo(ctx).id(), need(ctx, "name"), limit(ctx, 40))),
                id, requiredQuery("name", "string", "symbol"), query("limit", "integer", "at most this many"));
        r.get("/v1/repositories/{id}/hierarchy", "Supertypes and subtypes of a type.", ctx -> ctx.json(g.typeHierarchy(repo(ctx).id(), need(ctx, "name"), limit(ctx, 30))),
                id, requiredQuery("name", "string", "type name"), query("limit", "integer", "at most this many"));
        r.get("/v1/repositories/{id}/imports", "What a file imports and what imports it.", ctx -> ctx.json(g.imports(repo(ctx).id(), need(ctx, "path"))),
                id, requiredQuery("path", "string", "file path"));
        r.get("/v1/repositories/{id}/search", "Full-text search (BM25) over symbols, code and documentation.", ctx -> {
            CodeIndex.Kind k;
            try {
                k = CodeIndex.Kind.parse(ctx.queryParam("kind"));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest(e.getMessage(), "kind");
            }
            list(ctx, g.search(repo(ctx).id(), need(ctx, "q"), k, ctx.queryParam("language"), ctx.queryParam("path"), limit(ctx, 20)));
        }, id, requiredQuery("q", "string", "words to search for"), query("kind", "string", "symbol, code or text"),
                query("language", "string", "only this language"), query("path", "string", "only under this path"), query("limit", "integer", "at most this many"));
    }

    // ---- repositories -------------------------------------------------------------------------

    private void add(Context ctx) {
        JsonNode b = OpenAiApi.body(ctx);
        RequestFields.only(b, Set.of("path", "url", "name", "repo_id", "full", "ast_depth", "max_file_size"));
        IngestOptions options = ingestOptions(b);
        String pathText = RequestFields.string(b, "path");
        String url = RequestFields.string(b, "url");
        if ((pathText == null) == (url == null)) throw ApiError.badRequest("give exactly one of 'path' (a folder on the server) or 'url' (a git URL to clone)", "path");
        Path root;
        if (pathText != null) {
            root = Path.of(pathText).toAbsolutePath().normalize();
            if (!Files.isDirectory(root)) throw ApiError.badRequest("'" + pathText + "' is not a folder on the server; give the absolute path of a repository", "path");
        } else {
            if (!url.matches("(?i)(https?|ssh|git|file)://\\S+|[\\w.-]+@[\\w.-]+:\\S+")) {
                throw ApiError.badRequest("'" + url + "' is not a git URL (https://, ssh://, git://, file:// or user@host:path)", "url");
            }
            String name = RequestFields.string(b, "name");
            String base = name != null ? name : url.replaceAll("[/]+$", "").replaceAll("\\.git$", "").replaceAll(".*[/:]", "");
            base = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-");
            if (base.isBlank() || base.startsWith(".")) base = "repo";
            root = clones.resolve(base + "-" + Integer.toHexString(url.hashCode()));
        }
        String repoId = options.repoId() != null ? options.repoId() : Ingestor.repositoryId(root);
        String held = options.incremental() ? kg.graph().repository(repoId).map(RepositoryInfo::path).orElse(null) : null;
        if (held != null && !Path.of(held).toAbsolutePath().normalize().equals(root)) {
            throw new ApiError(409, "repository_id_taken", "the repository id '" + repoId + "' already holds " + held + "; give another repo_id, "
                    + "or full: true to rebuild it from " + root, "repo_id");
        }
        final Path where = root;
        Job job = jobs.submit("ingest", repoId, b, j -> {
            if (url != null && !Files.isDirectory(where.resolve(".git"))) {
                jobs.progress(j, "log", Json.MAPPER.createObjectNode().put("message", "cloning " + url));
                Files.createDirectories(where.getParent());
                try {
                    Worktree.git(where.getParent(), "-c", "protocol.ext.allow=never", "clone", "--quiet", "--", url, where.toString());
                } catch (SandboxException e) {
                    throw new IllegalArgumentException("cannot clone " + url + ": " + e.getMessage(), e);
                }
            }
            return Json.MAPPER.valueToTree(ingest(j, where, options));
        });
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.putObject("repository").put("id", repoId).put("path", root.toString()).put("url", url);
        out.set("job", Json.MAPPER.valueToTree(job.snapshot(false)));
        ctx.status(202).json(out);
    }

    /** The ingest options a request gives (those of carto ingest), each checked. */
    private static IngestOptions ingestOptions(JsonNode b) {
        IngestOptions d = IngestOptions.defaults();
        String repoId = RequestFields.string(b, "repo_id");
        if (repoId != null && repoId.isBlank()) throw ApiError.badRequest("'repo_id' must not be blank; leave it out for an id made from the folder", "repo_id");
        JsonNode full = b.get("full");
        if (full != null && !full.isNull() && !full.isBoolean()) throw ApiError.badRequest("'full' must be true or false", "full");
        String depthText = RequestFields.string(b, "ast_depth");
        carto.ingest.parse.AstDepth depth;
        try {
            depth = depthText == null ? d.depth() : carto.ingest.parse.AstDepth.parse(depthText);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), "ast_depth");
        }
        JsonNode size = b.get("max_file_size");
        long maxFileSize = d.maxFileSize();
        if (size != null && !size.isNull()) {
            if (!size.isIntegralNumber() || size.asLong() < 1) throw ApiError.badRequest("'max_file_size' must be a positive number of bytes", "max_file_size");
            maxFileSize = size.asLong();
        }
        return new IngestOptions(repoId, depth, maxFileSize, d.threads(), full == null || !full.asBoolean());
    }

    private IngestSummary ingest(Job j, Path root, IngestOptions options) throws IOException {
        return new Ingestor(kg.graph(), kg.index()).ingest(root, options, new IngestListener() {
            private volatile String phase = "";
            private volatile long lastProgress;

            @Override
            public void phase(String name, int total) {
                if (j.cancelRequested()) throw new carto.agents.llm.Agent.Cancelled();
                phase = name;
                jobs.progress(j, "step", Json.MAPPER.createObjectNode().put("phase", name).put("total", total));
            }

            @Override
            public void progress(int done, int total) {
                // a few times a second at most: every event is kept with the job
                long now = System.nanoTime();
                if (done < total && now - lastProgress < 250_000_000L) return;
                lastProgress = now;
                jobs.progress(j, "progress", Json.MAPPER.createObjectNode().put("phase", phase).put("done", done).put("total", total));
            }
        });
    }

    private void delete(Context ctx) throws IOException {
        RepositoryInfo info = repo(ctx);
        if (jobs.busy(info.id())) throw new ApiError(409, "repository_busy", "a job is running on " + info.id() + "; cancel it first (POST /v1/jobs/{id}/cancel)", null);
        kg.graph().deleteRepository(info.id());
        kg.index().deleteRepository(info.id());
        Path p = Path.of(info.path()).toAbsolutePath().normalize();
        if (p.startsWith(clones.toAbsolutePath().normalize()) && !p.equals(clones.toAbsolutePath().normalize())) {
            try (var s = Files.walk(p)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
        ctx.status(204);
    }

    private RepositoryInfo repo(Context ctx) {
        String id = ctx.pathParam("id");
        return kg.graph().repository(id).orElseThrow(() -> new ApiError(404, "repository_not_found",
                "there is no repository " + id + (jobs.busy(id) ? " yet: it is still being ingested; follow its job" : "; GET /v1/repositories lists them, POST adds one"), "id"));
    }

    private static ObjectNode view(RepositoryInfo r) {
        return Json.MAPPER.valueToTree(r);
    }

    private void applyPatch(Context ctx) throws IOException {
        String jobId = ctx.pathParam("id");
        Job job = jobs.get(jobId).orElseThrow(() -> new ApiError(404, "job_not_found", "there is no job " + jobId, "id"));
        var snap = job.snapshot(false);
        if (!job.kind().equals("resolve") || snap.result() == null) throw new ApiError(409, "no_patch", "job " + jobId + " is not a finished issue resolution", "id");
        String diff = snap.result().path("diff").asText("");
        if (diff.isBlank()) throw new ApiError(409, "no_patch", "job " + jobId + " produced no patch", "id");
        RepositoryInfo info = kg.graph().repository(job.repository()).orElseThrow(() -> new ApiError(404, "repository_not_found", "the job's repository is gone", null));
        Path repoDir = Path.of(info.path());
        Path patch = Files.createTempFile("carto-apply", ".diff");
        try {
            Files.writeString(patch, diff.endsWith("\n") ? diff : diff + "\n");
            try {
                Worktree.git(repoDir, "apply", "--check", patch.toString());
            } catch (SandboxException e) {
                throw new ApiError(409, "patch_conflict", "the patch does not apply to the working copy any more (" + e.getMessage().lines().findFirst().orElse("")
                        + "); resolve the issue again on the current code", null);
            }
            Worktree.git(repoDir, "apply", patch.toString());
        } finally {
            Files.deleteIfExists(patch);
        }
        // the graph follows the working copy; the finished job's event stream is left as it was
        new Ingestor(kg.graph(), kg.index()).ingest(repoDir, IngestOptions.defaults(), IngestListener.NONE);
        ctx.json(Json.MAPPER.createObjectNode().put("applied", true).put("repository", info.id()));
    }

    // ---- summaries ----------------------------------------------------------------------------

    private void summarize(Context ctx) {
        RepositoryInfo info = repo(ctx);
        JsonNode b = ctx.body().isBlank() ? Json.MAPPER.createObjectNode() : OpenAiApi.body(ctx);
        RequestFields.only(b, Set.of("scope", "target", "max_calls", "force", "max_tokens"));
        carto.agents.summary.Summarizer.Scope scope;
        try {
            scope = carto.agents.summary.Summarizer.Scope.parse(RequestFields.string(b, "scope"));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), "scope");
        }
        String target = RequestFields.string(b, "target");
        int maxCalls = RequestFields.integer(b, "max_calls", 1000, 1, 1_000_000);
        int maxTokens = RequestFields.integer(b, "max_tokens", 96, 16, 1024);
        JsonNode force = b.get("force");
        if (force != null && !force.isNull() && !force.isBoolean()) throw ApiError.badRequest("'force' must be true or false", "force");
        LanguageModel m = model.get();
        if (m == null) throw new ApiError(503, "model_not_loaded", "no model is loaded to summarize with; start carto serve with --model FILE.gguf or --remote-url URL", null);
        var store = new carto.graph.tools.SummaryStore(kg.graph());
        var summarizer = new carto.agents.summary.Summarizer(m, kg.tools(), store,
                new carto.agents.summary.Summarizer.Options(12, maxTokens, 3000, force != null && force.asBoolean()));
        carto.agents.summary.Summarizer.Plan plan;
        try {
            plan = summarizer.plan(info, scope, target);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), "target");
        }
        if (plan.modelCalls() > maxCalls) {
            throw ApiError.badRequest("this needs about " + plan.modelCalls() + " model calls, more than max_calls " + maxCalls
                    + "; narrow the scope or raise max_calls", "max_calls");
        }
        final var thePlan = plan;
        Job job = jobs.submit("summarize", info.id(), b, j -> {
            var res = summarizer.run(info, thePlan, p -> {
                if (p.done() == p.total() || p.done() % 5 == 0 || !p.cached()) {
                    jobs.progress(j, "step", Json.MAPPER.createObjectNode().put("done", p.done()).put("total", p.total()).put("unit", p.unit().key())
                            .put("cached", p.cached()));
                }
            }, j.cancelToken());
            ObjectNode result = Json.MAPPER.createObjectNode();
            result.put("units", thePlan.units().size());
            result.put("model_calls", res.modelCalls());
            result.put("reused", res.reused());
            result.put("prompt_tokens", res.promptTokens());
            result.put("completion_tokens", res.completionTokens());
            result.put("millis", res.millis());
            if (scope == carto.agents.summary.Summarizer.Scope.REPOSITORY) {
                result.put("overview", carto.agents.summary.RepositoryOverview.markdown(kg.tools(), info, store.all(info.id())));
            }
            result.set("summaries", Json.MAPPER.valueToTree(res.summaries().values()));
            return result;
        });
        ObjectNode out = Json.MAPPER.valueToTree(job.snapshot(false));
        out.putObject("plan").put("units", plan.units().size()).put("model_calls", plan.modelCalls()).put("reused", plan.cached())
                .put("skipped_files", plan.skipped().size());
        ctx.status(202).json(out);
    }

    // ---- issues -------------------------------------------------------------------------------

    private void issue(Context ctx) {
        RepositoryInfo info = repo(ctx);
        JsonNode b = OpenAiApi.body(ctx);
        IssueRequest req = issueRequest(b);
        if (model.get() == null) {
            throw new ApiError(503, "model_not_loaded", "no model is loaded to resolve issues with; start carto serve with --model FILE.gguf or --remote-url URL --remote-model NAME", null);
        }
        Job job = jobs.submit("resolve", info.id(), b, j -> {
            LanguageModel m = model.get();
            if (m == null) throw new IllegalStateException("the model was unloaded before the job started");
            // the graph follows the working copy before the agents read it (fast when nothing changed), under the id it has
            ingest(j, Path.of(info.path()), IngestOptions.defaults().withRepoId(info.id()));
            RepositoryInfo fresh = kg.graph().repository(info.id()).orElse(info);
            Trace trace = new Trace(step -> jobs.progress(j, "step", Json.MAPPER.valueToTree(step)));
            Resolution res = new IssueResolver(m, kg.tools(), resolverConfig).resolve(fresh, req, trace, j.cancelToken());
            jobs.progress(j, "result", Json.MAPPER.createObjectNode().put("resolved", res.resolved()));
            ObjectNode result = Json.MAPPER.valueToTree(res);
            result.set("trace", Json.MAPPER.valueToTree(trace.steps()));
            return result;
        });
        ctx.status(202).json(job.snapshot(false));
    }

    /** The issue body, validated field by field with messages that name the field. */
    static IssueRequest issueRequest(JsonNode b) {
        RequestFields.only(b, ISSUE_FIELDS);
        String title = RequestFields.string(b, "title");
        String body = RequestFields.string(b, "body");
        if ((title == null || title.isBlank()) && (body == null || body.isBlank())) throw ApiError.badRequest("an issue needs a 'title' or a 'body'", "title");
        List<String> comments = new ArrayList<>();
        JsonNode c = b.get("comments");
        if (c != null && !c.isNull()) {
            if (!c.isArray()) throw ApiError.badRequest("'comments' must be an array of strings", "comments");
            for (JsonNode x : c) {
                if (!x.isTextual()) throw ApiError.badRequest("'comments' must be an array of strings", "comments");
                comments.add(x.asText());
            }
        }
        IssueType type;
        try {
            type = IssueType.parse(RequestFields.string(b, "type"));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), "type");
        }
        IssueRequest.Checks checks = IssueRequest.Checks.DEFAULT;
        JsonNode ch = b.get("checks");
        if (ch != null && !ch.isNull()) {
            if (ch.isArray()) {
                List<String> names = new ArrayList<>();
                for (JsonNode x : ch) names.add(x.asText());
                for (String n : names) if (!CHECKS.contains(n)) throw ApiError.badRequest("unknown check '" + n + "'; the checks are reproduction, regression, build, full_tests", "checks");
                checks = new IssueRequest.Checks(names.contains("reproduction"), names.contains("regression"), names.contains("build"), names.contains("full_tests"));
            } else if (ch.isObject()) {
                for (var it = ch.fieldNames(); it.hasNext(); ) {
                    String n = it.next();
                    if (!CHECKS.contains(n)) throw ApiError.badRequest("unknown check '" + n + "'; the checks are reproduction, regression, build, full_tests", "checks");
                    if (!ch.get(n).isBoolean()) throw ApiError.badRequest("checks." + n + " must be true or false", "checks");
                }
                checks = new IssueRequest.Checks(ch.path("reproduction").asBoolean(true), ch.path("regression").asBoolean(true),
                        ch.path("build").asBoolean(false), ch.path("full_tests").asBoolean(false));
            } else throw ApiError.badRequest("'checks' must be an object like {\"build\": true} or an array of check names", "checks");
        }
        int candidates = RequestFields.integer(b, "candidates", 3, 1, 10);
        int maxTokens = RequestFields.integer(b, "max_tokens", 200_000, 1000, 10_000_000);
        int timeout = RequestFields.integer(b, "command_timeout_seconds", 600, 1, 3600);
        try {
            return new IssueRequest(title, body, comments, type, checks, RequestFields.string(b, "build_command"), RequestFields.string(b, "test_command"), RequestFields.string(b, "regression_command"),
                    candidates, RequestFields.string(b, "base_commit"), maxTokens, Duration.ofSeconds(timeout));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), null);
        }
    }

    // ---- parameters ---------------------------------------------------------------------------

    private static String need(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) throw ApiError.badRequest("the query parameter '" + name + "' is required", name);
        return v;
    }

    private static String opt(Context ctx, String name, String def) {
        String v = ctx.queryParam(name);
        return v == null ? def : v;
    }

    private static int intParam(Context ctx, String name, int def) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return def;
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("the query parameter '" + name + "' must be an integer, not '" + v + "'", name);
        }
    }

    private static int limit(Context ctx, int def) {
        int l = intParam(ctx, "limit", def);
        if (l < 1 || l > GraphTools.MAX_RESULTS) throw ApiError.badRequest("limit must be between 1 and " + GraphTools.MAX_RESULTS, "limit");
        return l;
    }

    private static void list(Context ctx, List<?> items) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "list");
        root.set("data", Json.MAPPER.valueToTree(items));
        ctx.json(root);
    }
}
