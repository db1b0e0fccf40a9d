package carto.translate.analysis;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a C program contains, as the translator needs it: its items (with byte and line ranges,
 * text, signature and what each uses), its includes, the translation order (groups of names,
 * dependencies first) and whether the parser found syntax errors.
 */
public record CProgram(String source, List<Item> items, List<String> includes, List<List<String>> order, boolean syntaxErrors) {
    public enum Kind { FUNCTION, STRUCT, UNION, ENUM, TYPEDEF, GLOBAL, MACRO }

    /** One top-level item. {@code signature} is set for functions (the text before the body). */
    public record Item(Kind kind, String name, int startByte, int endByte, int startLine, int endLine, String text, String signature,
                       boolean isStatic, Set<String> uses) {}

    public Optional<Item> item(String name) {
        return items.stream().filter(i -> i.name().equals(name) && i.kind() != Kind.MACRO).findFirst();
    }

    public List<Item> functions() {
        return items.stream().filter(i -> i.kind() == Kind.FUNCTION).toList();
    }

    public List<Item> types() {
        return items.stream().filter(i -> i.kind() == Kind.STRUCT || i.kind() == Kind.UNION || i.kind() == Kind.ENUM || i.kind() == Kind.TYPEDEF).toList();
    }

    public List<Item> globals() {
        return items.stream().filter(i -> i.kind() == Kind.GLOBAL).toList();
    }
}
