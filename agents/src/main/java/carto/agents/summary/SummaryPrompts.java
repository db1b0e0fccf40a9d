package carto.agents.summary;

import carto.graph.GraphException;
import carto.graph.RepositoryInfo;
import carto.graph.search.CodeIndex;
import carto.graph.tools.GraphTools;
import carto.graph.tools.SummaryStore;
import carto.inference.lm.ChatMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Prompts built from the graph, as "Code Summarization Beyond Function Level" found best: the
 * code, the enclosing type's skeleton, callers and callees, documentation near it, code found by
 * BM25 for repository context, and a few examples — added in order of value while they fit the
 * token budget. Directories too large for one prompt are split (map), then joined (reduce).
 */
final class SummaryPrompts {
    /** A prompt, or for a large directory the groups of child summaries to summarize first. */
    record Prompt(List<ChatMessage> messages, List<String> partials) {}

    static final String SYSTEM = "You write short, precise summaries of source code for developers who are new to a repository. "
            + "Say what the code is for and how it is used; do not restate it line by line. Answer with the summary only.";

    /** Examples of the summaries we want (written for Carto). */
    static final String EXAMPLES = """
            Example code:
            def is_leap(year):
                return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            Summary: Returns whether a year is a leap year in the Gregorian calendar.

            Example code:
            public Optional<User> findByEmail(String email) {
                return users.values().stream().filter(u -> u.email().equalsIgnoreCase(email)).findFirst();
            }
            Summary: Looks up a registered user by e-mail address, ignoring case; empty when there is none.
            """;

    private final GraphTools graph;
    private final ToIntFunction<String> tokens;

    SummaryPrompts(GraphTools graph, ToIntFunction<String> tokens) {
        this.graph = graph;
        this.tokens = tokens;
    }

    Prompt build(RepositoryInfo repo, Summarizer.Unit u, Map<String, SummaryStore.Stored> made, Map<String, SummaryStore.Stored> stored, int budget) {
        return switch (u.scope()) {
            case "symbol" -> new Prompt(symbol(repo, u, budget), List.of());
            case "type" -> new Prompt(type(repo, u, made, budget), List.of());
            case "file" -> new Prompt(file(repo, u, made, budget), List.of());
            default -> container(repo, u, made, budget);
        };
    }

    /** Sections in order of value; each is kept only while the whole fits. */
    private final class Sections {
        private final int budget;
        private final List<String[]> parts = new ArrayList<>(); // order, text
        private int used;

        Sections(int budget, String fixed) {
            this.budget = budget;
            this.used = tokens.applyAsInt(SYSTEM) + tokens.applyAsInt(fixed) + 16;
        }

        /** Adds {@code text} at display position {@code order}, cut to what still fits (null or blank: nothing). */
        boolean add(int order, String title, String text) {
            if (text == null || text.isBlank()) return false;
            String block = title + ":\n" + text.strip() + "\n";
            int t = tokens.applyAsInt(block);
            if (used + t > budget) {
                int room = budget - used;
                if (room < 40) return false;
                block = fit(block, room);
                t = tokens.applyAsInt(block);
            }
            used += t;
            parts.add(new String[]{String.format("%03d", order), block});
            return true;
        }

        String render(String ask) {
            parts.sort((a, b) -> a[0].compareTo(b[0]));
            StringBuilder sb = new StringBuilder();
            for (String[] p : parts) sb.append(p[1]).append('\n');
            return sb.append(ask).toString();
        }
    }

    /** The longest head of {@code text} within {@code room} tokens (binary search on characters). */
    private String fit(String text, int room) {
        int lo = 0, hi = text.length();
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (tokens.applyAsInt(text.substring(0, mid) + "\n[...]") <= room) lo = mid;
            else hi = mid - 1;
        }
        return text.substring(0, lo) + "\n[...]\n";
    }

    private List<ChatMessage> symbol(RepositoryInfo repo, Summarizer.Unit u, int budget) {
        String ask = "Summarize what " + u.kind() + " `" + u.name() + "` in " + u.path() + " does, in one or two sentences.";
        Sections s = new Sections(budget, ask);
        String code = code(repo, u.path(), u.startLine(), u.endLine());
        s.add(50, "Code (" + u.path() + " lines " + u.startLine() + "-" + u.endLine() + ")", cap(code, budget / 2));
        s.add(30, "Skeleton of the enclosing type", skeleton(repo, u));
        s.add(40, "Called by", relations(() -> graph.callers(repo.id(), u.name(), 6), true));
        s.add(41, "Calls", relations(() -> graph.callees(repo.id(), u.name(), 10), false));
        s.add(20, "Documentation near it", docs(repo, u));
        s.add(10, "Repository", repo.name() + ", file " + u.path());
        s.add(45, "Related code elsewhere in the repository", related(repo, u));
        s.add(5, "Examples", EXAMPLES);
        return List.of(ChatMessage.system(SYSTEM), ChatMessage.user(s.render(ask)));
    }

    private List<ChatMessage> type(RepositoryInfo repo, Summarizer.Unit u, Map<String, SummaryStore.Stored> made, int budget) {
        String ask = "Summarize the role of " + u.kind() + " `" + u.name() + "` (" + u.path() + ") in two or three sentences.";
        Sections s = new Sections(budget, ask);
        s.add(30, "Skeleton", outline(repo, u.path(), u.startLine(), u.endLine()));
        s.add(40, "Summaries of its methods", children(u, made));
        s.add(20, "Documentation near it", docs(repo, u));
        s.add(45, "Used by", relations(() -> graph.references(repo.id(), u.name(), 8), true));
        s.add(50, "Code", cap(code(repo, u.path(), u.startLine(), u.endLine()), budget / 3));
        return List.of(ChatMessage.system(SYSTEM), ChatMessage.user(s.render(ask)));
    }

    private List<ChatMessage> file(RepositoryInfo repo, Summarizer.Unit u, Map<String, SummaryStore.Stored> made, int budget) {
        String ask = "Summarize file " + u.path() + " in two to four sentences: what it provides and how the rest of the repository uses it.";
        Sections s = new Sections(budget, ask);
        s.add(30, "Summaries of what it defines", children(u, made));
        s.add(20, "Outline", outline(repo, u.path(), 1, Integer.MAX_VALUE));
        s.add(40, "Imported by", importedBy(repo, u.path()));
        s.add(50, "Beginning of the file", code(repo, u.path(), 1, 40));
        s.add(25, "Documentation near it", docs(repo, u));
        return List.of(ChatMessage.system(SYSTEM), ChatMessage.user(s.render(ask)));
    }

    private Prompt container(RepositoryInfo repo, Summarizer.Unit u, Map<String, SummaryStore.Stored> made, int budget) {
        boolean root = u.scope().equals("repository");
        String ask = root ? "Describe repository " + repo.name() + " for a newcomer in three to six sentences: its purpose and how it is put together."
                : "Summarize directory " + u.path() + "/ in two to four sentences: what it contains and its role in the repository.";
        String kids = children(u, made);
        String readme = root ? readme(repo) : null;
        int fixed = tokens.applyAsInt(SYSTEM) + tokens.applyAsInt(ask) + (readme == null ? 0 : Math.min(tokens.applyAsInt(readme), budget / 3)) + 32;
        if (tokens.applyAsInt(kids) + fixed > budget) {
            // map: groups of child summaries that fit; reduce happens in the summarizer
            List<String> groups = new ArrayList<>();
            StringBuilder g = new StringBuilder();
            int room = Math.max(64, budget - tokens.applyAsInt(SYSTEM) - 96);
            for (String line : kids.split("\n")) {
                if (!g.isEmpty() && tokens.applyAsInt(g + line) > room) {
                    groups.add(g.toString());
                    g.setLength(0);
                }
                g.append(tokens.applyAsInt(line) > room ? fit(line, room) : line).append('\n');
            }
            if (!g.isEmpty()) groups.add(g.toString());
            return new Prompt(List.of(), groups);
        }
        Sections s = new Sections(budget, ask);
        s.add(30, root ? "Top-level parts and their summaries" : "Contents and their summaries", kids);
        if (readme != null) s.add(10, "README", readme);
        if (root) s.add(40, "Dependencies between parts (from imports and calls in the graph)", RepositoryOverview.moduleDependencyText(graph, repo.id()));
        return new Prompt(List.of(ChatMessage.system(SYSTEM), ChatMessage.user(s.render(ask))), List.of());
    }

    List<ChatMessage> partialPrompt(RepositoryInfo repo, Summarizer.Unit u, String group, int budget) {
        String where = u.scope().equals("repository") ? "repository " + repo.name() : "directory " + u.path() + "/";
        return List.of(ChatMessage.system(SYSTEM), ChatMessage.user("These are some parts of " + where + " with their summaries:\n" + group
                + "\nSummarize what these parts do together, in two sentences."));
    }

    List<ChatMessage> reducePrompt(RepositoryInfo repo, Summarizer.Unit u, String partials, int budget) {
        boolean root = u.scope().equals("repository");
        String ask = root ? "Describe repository " + repo.name() + " for a newcomer in three to six sentences: its purpose and how it is put together."
                : "Summarize directory " + u.path() + "/ in two to four sentences.";
        Sections s = new Sections(budget, ask);
        s.add(30, "Summaries of its parts, group by group", partials);
        if (root) s.add(10, "README", readme(repo));
        return List.of(ChatMessage.system(SYSTEM), ChatMessage.user(s.render(ask)));
    }

    // ---- context from the graph ---------------------------------------------------------------

    private String code(RepositoryInfo repo, String path, int start, int end) {
        try {
            int s = Math.max(1, start);
            return graph.sourceText(repo.id(), path, s, Math.min(end, s + GraphTools.MAX_LINES - 1)).text();
        } catch (GraphException | IllegalArgumentException e) {
            return "";
        }
    }

    private String cap(String text, int tokenBudget) {
        return tokens.applyAsInt(text) <= tokenBudget ? text : fit(text, tokenBudget);
    }

    private String skeleton(RepositoryInfo repo, Summarizer.Unit u) {
        try {
            var types = graph.outline(repo.id(), u.path()).stream()
                    .filter(h -> h.kind() != null && Summarizer.TYPE_KINDS.contains(h.kind()) && h.startLine() <= u.startLine() && h.endLine() >= u.endLine())
                    .toList();
            if (types.isEmpty()) return null;
            var owner = types.getLast();
            return outline(repo, u.path(), owner.startLine(), owner.endLine());
        } catch (GraphException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Definitions in a line range, one per line with their first line of code. */
    private String outline(RepositoryInfo repo, String path, int start, int end) {
        try {
            StringBuilder sb = new StringBuilder();
            for (var h : graph.outline(repo.id(), path)) {
                if (h.startLine() < start || h.endLine() > end) continue;
                sb.append(h.startLine()).append(": ").append(h.firstLine() != null ? h.firstLine().strip() : h.kind() + " " + h.name()).append('\n');
            }
            return sb.toString();
        } catch (GraphException | IllegalArgumentException e) {
            return null;
        }
    }

    private String relations(java.util.function.Supplier<List<GraphTools.Relation>> q, boolean incoming) {
        try {
            StringBuilder sb = new StringBuilder();
            for (var r : q.get()) {
                GraphTools.Symbol s = incoming ? r.from() : r.to();
                if (s == null) continue;
                sb.append(s.path()).append(':').append(r.line()).append(' ').append(s.qualifiedName() != null ? s.qualifiedName() : s.name()).append('\n');
            }
            return sb.toString();
        } catch (GraphException | IllegalArgumentException e) {
            return null;
        }
    }

    private String importedBy(RepositoryInfo repo, String path) {
        try {
            StringBuilder sb = new StringBuilder();
            graph.imports(repo.id(), path).importedBy().stream().limit(10).forEach(f -> sb.append(f.path()).append('\n'));
            return sb.toString();
        } catch (GraphException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The documentation chunk BM25 finds closest to the unit's name and file. */
    private String docs(RepositoryInfo repo, Summarizer.Unit u) {
        try {
            String stem = u.path().substring(u.path().lastIndexOf('/') + 1).replaceFirst("\\.\\w+$", "");
            var hits = graph.search(repo.id(), u.name() + " " + stem, CodeIndex.Kind.TEXT, null, null, 1);
            if (hits.isEmpty()) return null;
            var h = hits.getFirst();
            return "(" + h.path() + ":" + h.startLine() + "-" + h.endLine() + ")\n" + (h.snippet() == null ? "" : h.snippet());
        } catch (GraphException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Code elsewhere that BM25 relates to the unit (repository context). */
    private String related(RepositoryInfo repo, Summarizer.Unit u) {
        try {
            StringBuilder sb = new StringBuilder();
            for (var h : graph.search(repo.id(), u.name(), CodeIndex.Kind.CODE, null, null, 6)) {
                if (h.path().equals(u.path())) continue;
                sb.append(h.path()).append(':').append(h.startLine()).append('\n').append(h.snippet() == null ? "" : h.snippet().strip()).append('\n');
                if (sb.length() > 1200) break;
            }
            return sb.toString();
        } catch (GraphException | IllegalArgumentException e) {
            return null;
        }
    }

    private static String children(Summarizer.Unit u, Map<String, SummaryStore.Stored> made) {
        StringBuilder sb = new StringBuilder();
        for (String k : u.children()) {
            SummaryStore.Stored s = made.get(k);
            if (s == null) continue;
            String label = s.scope().equals("directory") ? s.path() + "/" : s.scope().equals("file") ? s.path() : s.name();
            sb.append("- ").append(label).append(": ").append(s.text().replace('\n', ' ')).append('\n');
        }
        return sb.toString();
    }

    private String readme(RepositoryInfo repo) {
        for (String name : List.of("README.md", "README.rst", "README.txt", "README", "readme.md")) {
            try {
                if (graph.findFile(repo.id(), name).isPresent()) return graph.readCode(repo.id(), name, 1, 60).text();
            } catch (GraphException | IllegalArgumentException e) {
                // try the next spelling
            }
        }
        return null;
    }
}
