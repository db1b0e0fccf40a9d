package carto.inference.fim;

/**
 * Where a fill-in-the-middle completion should end, judged from its text: at the end of the
 * line when the cursor sits before text on its line; before a line that repeats the suffix's
 * next line; before a line whose indentation returns below the cursor's block; before a closing
 * bracket the suffix already has. Overlap with the start of the suffix is trimmed.
 */
public final class FimStopper {
    private final boolean singleLine;
    private final String suffixNextLine;
    private final int blockIndent;
    private final char suffixFirst;

    public FimStopper(String prefix, String suffix) {
        int nl = suffix.indexOf('\n');
        String restOfLine = nl < 0 ? suffix : suffix.substring(0, nl);
        this.singleLine = !restOfLine.isBlank();
        String next = null;
        for (String line : suffix.split("\n", -1)) {
            if (!line.isBlank()) {
                next = line.strip();
                break;
            }
        }
        this.suffixNextLine = next;
        String lastLine = prefix.substring(prefix.lastIndexOf('\n') + 1);
        int indent = indentOf(lastLine);
        // after a line that opens a block (ends with ':' or '{'), the completion belongs one level deeper
        this.blockIndent = lastLine.isBlank() ? lastLine.length() : indent;
        String trimmedSuffix = suffix.stripLeading();
        this.suffixFirst = trimmedSuffix.isEmpty() ? 0 : trimmedSuffix.charAt(0);
    }

    static int indentOf(String line) {
        int i = 0;
        while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) i++;
        return i;
    }

    /** The length the completion should be cut to, or -1 to keep generating. */
    public int cut(String text) {
        if (singleLine) {
            int nl = text.indexOf('\n');
            if (nl >= 0) return nl;
        }
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0 && c == suffixFirst) return i; // the suffix closes it already
                depth = Math.max(0, depth - 1);
            }
        }
        int lineStart = text.indexOf('\n');
        while (lineStart >= 0) {
            int next = text.indexOf('\n', lineStart + 1);
            if (next < 0) break; // only judge complete lines
            String line = text.substring(lineStart + 1, next);
            if (!line.isBlank()) {
                if (suffixNextLine != null && suffixNextLine.length() >= 2 && line.strip().equals(suffixNextLine)) return lineStart;
                if (indentOf(line) < blockIndent) return lineStart;
            }
            lineStart = next;
        }
        return -1;
    }

    /** The final text: cut, then without an ending that repeats the start of the suffix. */
    public String finish(String text, String suffix) {
        int c = cut(text);
        String t = c >= 0 ? text.substring(0, c) : text;
        int max = Math.min(Math.min(t.length() - 1, suffix.length()), 40);
        for (int k = max; k > 0; k--) {
            if (t.endsWith(suffix.substring(0, k))) return t.substring(0, t.length() - k);
        }
        return t;
    }
}
