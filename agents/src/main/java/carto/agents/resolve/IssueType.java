package carto.agents.resolve;

import java.util.Locale;

/** What an issue asks for; decides whether the result is a patch or an answer. */
public enum IssueType {
    BUG, FEATURE, DOCUMENTATION, QUESTION;

    /** "bug", "Feature", "docs", "question" (or null for auto); anything else is an error naming the choices. */
    public static IssueType parse(String s) {
        if (s == null || s.isBlank() || s.equalsIgnoreCase("auto")) return null;
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "bug", "fix", "bugfix" -> BUG;
            case "feature", "enhancement" -> FEATURE;
            case "documentation", "docs", "doc" -> DOCUMENTATION;
            case "question" -> QUESTION;
            default -> throw new IllegalArgumentException("issue type '" + s + "' is not one of bug, feature, documentation, question or auto");
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
