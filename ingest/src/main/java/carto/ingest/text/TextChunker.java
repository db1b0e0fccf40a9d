package carto.ingest.text;

import carto.graph.FileGraph;
import carto.ingest.lang.Language;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Splits documents into chunks for {@code TextNode}s: at headings first (Markdown ATX and setext,
 * reStructuredText underlined titles), then at blank lines when a section is long, keeping line
 * ranges and the heading path of each chunk.
 */
public final class TextChunker {
    private static final Pattern ATX = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern SETEXT = Pattern.compile("^ {0,3}(=+|-+)\\s*$");
    private static final Pattern RST_UNDERLINE = Pattern.compile("^([=\\-`:'\"~^_*+#<>])\\1{2,}\\s*$");
    private static final Pattern FENCE = Pattern.compile("^ {0,3}(```|~~~)");

    private final int maxChars;

    public TextChunker(int maxChars) {
        this.maxChars = maxChars;
    }

    public TextChunker() {
        this(1500);
    }

    private record Section(int start, int end, String heading) {}

    public List<FileGraph.TextChunk> chunk(String text, Language language) {
        String[] lines = text.split("\n", -1);
        int n = text.endsWith("\n") ? lines.length - 1 : lines.length;
        List<Section> sections = new ArrayList<>();
        List<String> path = new ArrayList<>();
        int sectionStart = 0;
        String heading = null;
        boolean inFence = false;
        for (int i = 0; i < n; i++) {
            String l = lines[i];
            if (language == Language.MARKDOWN && FENCE.matcher(l).find()) inFence = !inFence;
            if (inFence) continue;
            int headingLine = -1, level = 0;
            String title = null;
            if (language == Language.MARKDOWN) {
                var m = ATX.matcher(l);
                if (m.matches()) {
                    headingLine = i;
                    level = m.group(1).length();
                    title = m.group(2);
                } else if (i + 1 < n && !l.isBlank() && SETEXT.matcher(lines[i + 1]).matches()) {
                    headingLine = i;
                    level = lines[i + 1].strip().startsWith("=") ? 1 : 2;
                    title = l.strip();
                }
            } else if (language == Language.RST) {
                if (i + 1 < n && !l.isBlank() && RST_UNDERLINE.matcher(lines[i + 1]).matches() && lines[i + 1].strip().length() >= l.strip().length()) {
                    headingLine = i;
                    level = "=#*".indexOf(lines[i + 1].charAt(0)) >= 0 ? 1 : 2;
                    title = l.strip();
                }
            }
            if (headingLine >= 0) {
                if (headingLine > sectionStart) sections.add(new Section(sectionStart, headingLine - 1, heading));
                while (path.size() >= level) path.removeLast();
                while (path.size() < level - 1) path.add("");
                path.add(title);
                heading = String.join(" > ", path.stream().filter(s -> !s.isEmpty()).toList());
                sectionStart = headingLine;
            }
        }
        if (sectionStart < n) sections.add(new Section(sectionStart, n - 1, heading));
        List<FileGraph.TextChunk> out = new ArrayList<>();
        for (Section s : sections) split(lines, s, out);
        return out;
    }

    /** A section becomes one chunk, or several split at blank lines when it is longer than maxChars. */
    private void split(String[] lines, Section s, List<FileGraph.TextChunk> out) {
        int start = s.start;
        StringBuilder sb = new StringBuilder();
        int lastBlank = -1;
        for (int i = s.start; i <= s.end; i++) {
            sb.append(lines[i]).append('\n');
            if (lines[i].isBlank()) lastBlank = i;
            if (sb.length() > maxChars && lastBlank > start) {
                emit(lines, start, lastBlank, s.heading, out);
                start = lastBlank + 1;
                sb.setLength(0);
                for (int k = start; k <= i; k++) sb.append(lines[k]).append('\n');
                lastBlank = -1;
            } else if (sb.length() > 4 * maxChars) {
                emit(lines, start, i, s.heading, out);
                start = i + 1;
                sb.setLength(0);
                lastBlank = -1;
            }
        }
        if (start <= s.end) emit(lines, start, s.end, s.heading, out);
    }

    private static void emit(String[] lines, int from, int to, String heading, List<FileGraph.TextChunk> out) {
        while (from <= to && lines[from].isBlank()) from++;
        while (to >= from && lines[to].isBlank()) to--;
        if (from > to) return;
        StringBuilder sb = new StringBuilder();
        for (int i = from; i <= to; i++) sb.append(lines[i]).append(i < to ? "\n" : "");
        out.add(new FileGraph.TextChunk(sb.toString(), from + 1, to + 1, heading));
    }
}
