package carto.ingest.lang;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides a file's language from its name and, where the name is ambiguous ({@code .h}) or
 * missing (scripts), from its content.
 */
public final class LanguageDetector {
    private static final Map<String, Language> BY_EXTENSION = new HashMap<>();
    private static final Set<String> TEXT_NAMES = Set.of("README", "LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS", "CHANGELOG",
            "CHANGES", "CONTRIBUTING", "HISTORY", "INSTALL", "TODO");
    private static final Pattern CPP_MARKERS = Pattern.compile(
            "\\b(class\\s+\\w+\\s*[:{]|namespace\\s+\\w+|template\\s*<|std::|public:|private:|protected:|virtual\\s|#include\\s*<(iostream|vector|string|memory|map)>|constexpr|nullptr)");

    static {
        for (Language l : Language.values()) for (String e : l.extensions) BY_EXTENSION.put(e, l);
    }

    private LanguageDetector() {}

    /**
     * The language of a file, or null when Carto has no parser for it. {@code head} is the
     * beginning of the content (used for headers and scripts); it may be null.
     */
    public static Language detect(String fileName, String head) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        int dot = lower.lastIndexOf('.');
        String ext = dot >= 0 ? lower.substring(dot) : "";
        if (ext.equals(".h")) return head != null && CPP_MARKERS.matcher(head).find() ? Language.CPP : Language.C;
        Language byExt = BY_EXTENSION.get(ext);
        if (byExt != null) return byExt;
        if (dot < 0) {
            String base = fileName.toUpperCase(Locale.ROOT);
            if (TEXT_NAMES.contains(base)) return Language.TEXT;
            if (head != null && head.startsWith("#!")) {
                String line = head.lines().findFirst().orElse("");
                if (line.matches(".*\\b(ba|z|k|da)?sh\\b.*")) return Language.BASH;
                if (line.contains("python")) return Language.PYTHON;
                if (line.contains("node")) return Language.JAVASCRIPT;
                if (line.contains("ruby")) return Language.RUBY;
                if (line.contains("php")) return Language.PHP;
            }
        }
        int firstDot = fileName.indexOf('.');
        if (firstDot > 0 && TEXT_NAMES.contains(fileName.substring(0, firstDot).toUpperCase(Locale.ROOT))) return Language.TEXT;
        return null;
    }

    /** The extension as shown in reports ("(no extension)" when there is none). */
    public static String extensionOf(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot == 0) return fileName;
        return dot > 0 ? fileName.substring(dot).toLowerCase(Locale.ROOT) : "(no extension)";
    }
}
