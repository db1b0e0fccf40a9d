package carto.agents.tools;

import carto.agents.llm.Tool;
import carto.agents.llm.ToolException;
import carto.agents.sandbox.CommandResult;
import carto.agents.sandbox.CommandRunner;
import carto.agents.sandbox.Limits;
import carto.agents.sandbox.SandboxException;
import carto.ingest.lang.Language;
import carto.ingest.lang.LanguageDetector;
import carto.ingest.parse.SyntaxNode;
import carto.ingest.parse.SyntaxTree;
import carto.ingest.parse.TreeSitterParser;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static carto.agents.tools.Schema.integer;
import static carto.agents.tools.Schema.opt;
import static carto.agents.tools.Schema.req;
import static carto.agents.tools.Schema.str;

/**
 * Tools over a throw-away worktree: read files as they are now, edit them with search-and-replace
 * blocks (the old text must occur exactly once; the result must still parse), create files, and
 * run commands inside the sandbox. Paths never leave the worktree.
 */
public final class WorkspaceTools {
    private static final int MAX_READ_LINES = 400;
    private static final java.util.regex.Pattern NUMBERED_LINE = java.util.regex.Pattern.compile("^\\s*\\d+: ?(.*)$");

    private final Path root;
    private final CommandRunner runner;
    private final Limits limits;
    private final Consumer<String> onChange;

    /** {@code onChange} hears the relative path of every file written. */
    public WorkspaceTools(Path root, CommandRunner runner, Limits limits, Consumer<String> onChange) {
        this.root = root.toAbsolutePath().normalize();
        this.runner = runner;
        this.limits = limits;
        this.onChange = onChange == null ? p -> { } : onChange;
    }

    public List<Tool> readTools() {
        List<Tool> t = new ArrayList<>();
        t.add(new FunctionTool("read_file", "Read lines of a file in the working copy as it is now (after your edits), numbered. At most 400 lines per call.",
                Schema.object(req("path", "string", "file path relative to the repository root"), opt("start_line", "integer", "first line (from 1)"),
                        opt("end_line", "integer", "last line")),
                a -> {
                    String path = str(a, "path");
                    List<String> lines = read(path).lines().toList();
                    int s = Math.max(1, integer(a, "start_line", 1));
                    int e = Math.min(lines.size(), Math.min(integer(a, "end_line", s + 199), s + MAX_READ_LINES - 1));
                    if (lines.isEmpty()) return path + " is empty";
                    if (s > lines.size()) throw new ToolException(path + " has only " + lines.size() + " lines; start_line " + s + " is past its end");
                    StringBuilder sb = new StringBuilder(path + " lines " + s + "-" + e + " of " + lines.size() + "\n");
                    for (int i = s; i <= e; i++) sb.append(i).append(": ").append(lines.get(i - 1)).append('\n');
                    return sb.toString();
                }));
        return t;
    }

    public List<Tool> editTools() {
        List<Tool> t = new ArrayList<>();
        t.add(new FunctionTool("edit_file", "Replace text in a file: old_text must occur exactly once in the file (copy it exactly, "
                + "with enough surrounding lines to be unique); new_text replaces it. The edited file must still parse.",
                Schema.object(req("path", "string", "file path relative to the repository root"), req("old_text", "string", "the exact text to replace"),
                        req("new_text", "string", "the replacement")),
                a -> edit(str(a, "path"), str(a, "old_text"), str(a, "new_text"))));
        t.add(new FunctionTool("create_file", "Create a new file (for example a test) with the given content. Fails if the file exists; use edit_file then.",
                Schema.object(req("path", "string", "new file path relative to the repository root"), req("content", "string", "the whole file content")),
                a -> create(str(a, "path"), str(a, "content"))));
        return t;
    }

    public Tool commandTool() {
        return new FunctionTool("run_command", "Run a shell command in the working copy, inside the sandbox (no network, limited time, memory and output). "
                + "Use it to run tests.", Schema.object(req("command", "string", "the shell command")),
                a -> {
                    try {
                        CommandResult r = runner.run(str(a, "command"), root, limits);
                        return r.summary();
                    } catch (SandboxException e) {
                        throw new ToolException(e.getMessage());
                    }
                });
    }

    /** The absolute path of a repository-relative path, refusing anything outside the worktree or inside .git. */
    public Path resolve(String relative) {
        if (relative == null || relative.isBlank()) throw new ToolException("the path is empty; give a path relative to the repository root");
        String r = relative.strip().replace('\\', '/');
        while (r.startsWith("./")) r = r.substring(2);
        if (r.startsWith("/")) {
            if (r.startsWith(root + "/")) r = r.substring(root.toString().length() + 1);
            else throw new ToolException("\"" + relative + "\" is an absolute path; give a path relative to the repository root");
        }
        Path p = root.resolve(r).normalize();
        if (!p.startsWith(root) || p.equals(root)) throw new ToolException("\"" + relative + "\" is outside the repository");
        for (Path part : root.relativize(p)) {
            if (part.toString().equals(".git")) throw new ToolException("\"" + relative + "\" is inside .git; edit source files only");
        }
        try {
            Path existing = p;
            while (existing != null && !Files.exists(existing)) existing = existing.getParent();
            if (existing != null && !existing.toRealPath().startsWith(root.toRealPath())) {
                throw new ToolException("\"" + relative + "\" leads outside the repository through a symbolic link");
            }
        } catch (IOException e) {
            throw new ToolException("cannot check \"" + relative + "\": " + e.getMessage());
        }
        return p;
    }

    String read(String path) {
        Path p = resolve(path);
        if (!Files.isRegularFile(p)) throw new ToolException("there is no file \"" + path + "\" (paths are relative to the repository root; use find_file)");
        try {
            byte[] b = Files.readAllBytes(p);
            if (b.length > 4 << 20) throw new ToolException(path + " is " + b.length + " bytes; too large to read");
            for (int i = 0; i < Math.min(b.length, 8000); i++) if (b[i] == 0) throw new ToolException(path + " is a binary file");
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new ToolException(path + " is not UTF-8 text; it cannot be edited as text");
        } catch (IOException e) {
            throw new ToolException("cannot read " + path + ": " + e.getMessage());
        }
    }

    String edit(String path, String oldText, String newText) {
        String text = read(path);
        if (oldText.isEmpty()) throw new ToolException("old_text is empty; copy the exact lines to replace from read_file (without line numbers)");
        int first = text.indexOf(oldText);
        String before = oldText;
        if (first < 0) {
            // models often lose trailing spaces or the line-number prefix: retry with those normalized
            String cleaned = stripLineNumbers(oldText);
            first = cleaned.isEmpty() ? -1 : text.indexOf(cleaned);
            if (first >= 0) before = cleaned;
        }
        if (first < 0) {
            throw new ToolException("old_text does not occur in " + path + "; read the file again and copy the lines exactly"
                    + nearest(text, oldText));
        }
        int second = text.indexOf(before, first + 1);
        if (second >= 0) {
            int count = 0;
            for (int i = text.indexOf(before); i >= 0; i = text.indexOf(before, i + 1)) count++;
            throw new ToolException("old_text occurs " + count + " times in " + path + " (lines " + lineOf(text, first) + " and " + lineOf(text, second)
                    + "...); include more surrounding lines so it occurs once");
        }
        String updated = text.substring(0, first) + newText + text.substring(first + before.length());
        checkSyntax(path, text, updated);
        write(path, updated);
        int line = lineOf(text, first);
        return "edited " + path + " at line " + line + " (" + before.lines().count() + " lines replaced by " + newText.lines().count() + ")";
    }

    String create(String path, String content) {
        Path p = resolve(path);
        if (Files.exists(p)) throw new ToolException(path + " exists already; change it with edit_file");
        checkSyntax(path, null, content);
        write(path, content);
        return "created " + path + " (" + content.lines().count() + " lines)";
    }

    private void write(String path, String content) {
        Path p = resolve(path);
        try {
            if (p.getParent() != null) Files.createDirectories(p.getParent());
            Files.writeString(p, content);
        } catch (IOException e) {
            throw new ToolException("cannot write " + path + ": " + e.getMessage());
        }
        onChange.accept(root.relativize(p).toString());
    }

    /** Rejects an edit that leaves a parsable file unparsable (or a broken one more broken). */
    static void checkSyntax(String path, String before, String after) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        Language lang = LanguageDetector.detect(name, after.length() > 2000 ? after.substring(0, 2000) : after);
        if (lang == null || !lang.isCode()) return;
        try (TreeSitterParser parser = lang.parser()) {
            List<Integer> errs = errors(parser, after);
            if (errs.isEmpty()) return;
            int old = before == null ? 0 : errors(parser, before).size();
            if (before != null && errs.size() <= old) return;
            throw new ToolException("the edit was not applied: " + path + " would not parse as " + lang.id + " (syntax error near line"
                    + (errs.size() > 1 ? "s " : " ") + errs.stream().distinct().limit(5).map(String::valueOf).reduce((x, y) -> x + ", " + y).orElse("?")
                    + "); check brackets, indentation and quotes in new_text");
        }
    }

    private static List<Integer> errors(TreeSitterParser parser, String text) {
        List<Integer> lines = new ArrayList<>();
        try (SyntaxTree tree = parser.parse(text.getBytes(StandardCharsets.UTF_8))) {
            collect(tree.root(), lines);
        } catch (Exception e) {
            if (e instanceof ToolException te) throw te;
        }
        return lines;
    }

    private static void collect(SyntaxNode n, List<Integer> out) {
        if (!n.hasError() && !n.isError()) return;
        if (n.isError()) {
            out.add(n.startLine());
            return;
        }
        for (int i = 0; i < n.childCount(); i++) collect(n.child(i), out);
    }

    private static String stripLineNumbers(String s) {
        StringBuilder sb = new StringBuilder();
        boolean all = true;
        for (String l : s.split("\n", -1)) {
            var m = NUMBERED_LINE.matcher(l);
            if (m.matches()) sb.append(m.group(1));
            else {
                all = false;
                sb.append(l);
            }
            sb.append('\n');
        }
        String r = sb.substring(0, sb.length() - 1);
        return all ? r : "";
    }

    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) if (text.charAt(i) == '\n') line++;
        return line;
    }

    /** Where the first line of the wanted text nearly occurs, to help the model copy it right. */
    private static String nearest(String text, String wanted) {
        String first = wanted.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
        if (first.isEmpty()) return "";
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(first)) return " (its first line matches line " + (i + 1) + ": \"" + lines.get(i) + "\"; the following lines differ)";
        }
        return "";
    }
}
