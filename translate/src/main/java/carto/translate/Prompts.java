package carto.translate;

import carto.inference.lm.ChatMessage;
import carto.translate.analysis.CProgram;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The translation prompts (unidiomatic, then idiomatic) and the checks of an answer's shape before it is built. */
final class Prompts {
    static final String SYSTEM = "You translate C to Rust. You answer with exactly one ```rust code block and nothing else.";

    private Prompts() {}

    /** For models with a small context: the code and a one-line instruction. */
    static List<ChatMessage> compact(CProgram program, List<String> group, String pass, String rust) {
        StringBuilder sb = new StringBuilder(pass.equals("idiomatic")
                ? "Rewrite as safe Rust fn NAME_idiomatic plus a #[no_mangle] pub extern \"C\" fn wrapper:\n```rust\n" + rust.strip() + "\n```\n"
                : "Translate to Rust, #[no_mangle] pub extern \"C\" fn with the same C types:\n```c\n");
        if (!pass.equals("idiomatic")) {
            for (String n : group) program.item(n).ifPresent(i -> sb.append(i.text().strip()).append('\n'));
            sb.append("```\n");
        }
        sb.append("```rust\n");
        return List.of(ChatMessage.user(sb.toString()));
    }

    static List<ChatMessage> unidiomatic(CProgram program, List<String> group, Map<String, String> crate, String feedback, String previous) {
        boolean type = program.item(group.getFirst()).map(i -> i.kind() != CProgram.Kind.FUNCTION).orElse(false);
        StringBuilder sb = new StringBuilder();
        if (type) {
            sb.append("Translate these C type definitions to Rust with the same memory layout: `#[repr(C)]` structs/unions, enums as `pub type NAME = c_uint;` ")
                    .append("plus `pub const` values. Keep the names. Use std::os::raw types (c_int, c_char, c_double...) and raw pointers where C has pointers.\n\n");
        } else {
            sb.append("Translate this C code to Rust that keeps its C interface and behaviour exactly (it will be linked back into the C program and tested).\n")
                    .append("Rules:\n")
                    .append("- For each C function write `#[no_mangle] pub extern \"C\" fn NAME(...)` with the same parameter and return types, using ")
                    .append("std::os::raw types (c_int, c_long, c_char, c_double, ...) and raw pointers (*mut T / *const T) where C has pointers.\n")
                    .append("- Use only the Rust standard library, no crates. These are already imported: c_char, c_double, c_float, c_int, c_long, c_longlong, ")
                    .append("c_short, c_uint, c_ulong, c_ulonglong, c_ushort, c_void.\n")
                    .append("- Call C library functions (printf, scanf, strlen, malloc, ...) by declaring them in an `extern \"C\" { ... }` block.\n")
                    .append("- Keep integer overflow behaviour of C: use wrapping_add/wrapping_mul where C arithmetic may overflow.\n");
            if (group.contains("main")) {
                sb.append("- main becomes `#[no_mangle] pub extern \"C\" fn main(argc: c_int, argv: *const *const c_char) -> c_int`.\n");
            }
            List<String> inRust = rustSignatures(crate);
            if (!inRust.isEmpty()) sb.append("- These functions and types are already in Rust in the same crate; use them directly, do not redefine them:\n")
                    .append(String.join("\n", inRust)).append('\n');
        }
        sb.append("\nC code to translate:\n```c\n");
        for (String n : group) program.item(n).ifPresent(i -> sb.append(i.text().strip()).append("\n\n"));
        sb.append("```\n");
        String defs = definitionsUsed(program, group, crate);
        if (!defs.isBlank()) sb.append("\nC definitions it uses:\n```c\n").append(defs).append("```\n");
        feedback(sb, feedback, previous);
        return List.of(ChatMessage.system(SYSTEM), ChatMessage.user(sb.toString()));
    }

    static List<ChatMessage> idiomatic(CProgram program, List<String> group, String rust, String feedback, String previous) {
        StringBuilder sb = new StringBuilder("Rewrite this Rust function (translated from the C below) as idiomatic, safe Rust.\nRules:\n");
        for (String n : group) {
            sb.append("- Write `pub fn ").append(n).append("_idiomatic(...)` with Rust types (i32/i64/usize/f64/bool, slices, &str/String, Vec, Option, Result) ")
                    .append("and no unsafe code.\n")
                    .append("- Keep a thin wrapper `#[no_mangle] pub extern \"C\" fn ").append(n)
                    .append("(...)` with exactly the current C interface that converts its arguments, calls ").append(n).append("_idiomatic and converts the result.\n");
        }
        sb.append("- Use only the standard library. Answer with the whole new code in one ```rust block.\n\nCurrent Rust:\n```rust\n").append(rust.strip())
                .append("\n```\n\nThe C it came from:\n```c\n");
        for (String n : group) program.item(n).ifPresent(i -> sb.append(i.text().strip()).append("\n"));
        sb.append("```\n");
        feedback(sb, feedback, previous);
        return List.of(ChatMessage.system(SYSTEM), ChatMessage.user(sb.toString()));
    }

    private static void feedback(StringBuilder sb, String feedback, String previous) {
        if (feedback == null) return;
        if (previous != null) sb.append("\nYour previous answer:\n```rust\n").append(previous.strip()).append("\n```\n");
        sb.append("\nIt failed:\n").append(feedback.strip()).append("\nFix it and answer with the whole corrected code.\n");
    }

    /** What the answer lacks (a function it must define, with the right attributes), or null when its shape is right. */
    static String missing(CProgram program, List<String> group, String rust, String pass) {
        for (String n : group) {
            CProgram.Item item = program.item(n).orElse(null);
            if (item == null) continue;
            if (item.kind() == CProgram.Kind.FUNCTION) {
                if (!Pattern.compile("extern\\s+\"C\"\\s+fn\\s+" + Pattern.quote(n) + "\\s*\\(").matcher(rust).find()) {
                    return "the code must define `#[no_mangle] pub extern \"C\" fn " + n + "(...)` with the C interface";
                }
                if (!rust.contains("#[no_mangle]") && !rust.contains("#[unsafe(no_mangle)]")) return "`" + n + "` needs #[no_mangle] so the C program can link it";
                if (pass.equals("idiomatic") && !Pattern.compile("fn\\s+" + Pattern.quote(n) + "_idiomatic\\s*\\(").matcher(rust).find()) {
                    return "the code must define the safe function `" + n + "_idiomatic` and call it from the wrapper";
                }
            } else if (!Pattern.compile("\\b" + Pattern.quote(n) + "\\b").matcher(rust).find()) {
                return "the code must define `" + n + "`";
            }
        }
        if (Pattern.compile("(?m)^\\s*(extern\\s+crate|use\\s+(libc|rand|regex|num)\\b)").matcher(rust).find()) {
            return "only the standard library is available (no crates such as libc); declare C functions in an extern \"C\" block";
        }
        return null;
    }

    /** The public items of the Rust translated so far, one per line, for the prompt. */
    static List<String> rustSignatures(Map<String, String> crate) {
        Set<String> out = new LinkedHashSet<>();
        Pattern sig = Pattern.compile("(?m)^\\s*(pub\\s+(?:unsafe\\s+)?(?:extern\\s+\"C\"\\s+)?fn\\s+\\w+\\s*\\([^)]*\\)[^{;]*|pub\\s+(?:struct|union|type|const)\\s+\\w+[^{;=]*)");
        for (String code : crate.values()) {
            var m = sig.matcher(code);
            while (m.find()) out.add(m.group(1).strip());
        }
        return List.copyOf(out);
    }

    /** The C text of the types, globals and macros the group uses (and is not translating itself). */
    private static String definitionsUsed(CProgram program, List<String> group, Map<String, String> crate) {
        StringBuilder sb = new StringBuilder();
        Set<String> seen = new LinkedHashSet<>(group);
        for (String n : group) {
            for (String u : program.item(n).map(CProgram.Item::uses).orElse(Set.of())) {
                if (!seen.add(u)) continue;
                program.item(u).ifPresent(i -> {
                    if (i.kind() == CProgram.Kind.FUNCTION) sb.append(i.signature()).append(";\n");
                    else sb.append(i.text().strip()).append('\n');
                });
            }
        }
        for (CProgram.Item m : program.items()) {
            if (m.kind() == CProgram.Kind.MACRO && group.stream().anyMatch(n -> program.item(n).map(i -> i.text().contains(m.name())).orElse(false))) {
                sb.append(m.text()).append('\n');
            }
        }
        return sb.toString();
    }
}
