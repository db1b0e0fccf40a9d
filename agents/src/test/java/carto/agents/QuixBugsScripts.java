package carto.agents;

import java.util.Map;

/** Scripted conversations that resolve (or fail to resolve) QuixBugs' gcd in Python and Java through the real tool protocol. */
public final class QuixBugsScripts {
    public static final String PY_FILE = "python_programs/gcd.py";
    public static final String PY_TESTS = "python3 -m pytest -q -p no:cacheprovider python_testcases/test_gcd.py";
    public static final String REPRO_FILE = "python_testcases/test_repro_gcd.py";
    public static final String REPRO_CMD = "python3 -m pytest -q -p no:cacheprovider " + REPRO_FILE;
    public static final String BUGGY_LINE = "return gcd(a % b, b)";
    public static final String FIXED_LINE = "return gcd(b, a % b)";

    private QuixBugsScripts() {}

    /** Classification and context retrieval for gcd.py (shared by the runs below). */
    public static ScriptedModel pythonBase() {
        return new ScriptedModel()
                .on("Classify this issue", "bug")
                .on("report_context",
                        "Let me find the file.\n" + ScriptedModel.call("find_file", Map.of("name", "gcd.py")),
                        ScriptedModel.call("outline", Map.of("path", PY_FILE)),
                        ScriptedModel.call("report_context", Map.of("ranges", new String[]{PY_FILE + ":1-6"}, "summary", "gcd recurses with its arguments swapped")))
                .on("report_reproduction",
                        ScriptedModel.call("create_file", Map.of("path", REPRO_FILE, "content",
                                "from python_programs.gcd import gcd\n\n\ndef test_gcd_of_35_and_21():\n    assert gcd(35, 21) == 7\n")),
                        ScriptedModel.call("run_command", Map.of("command", REPRO_CMD)),
                        ScriptedModel.call("report_reproduction", Map.of("test_file", REPRO_FILE, "command", REPRO_CMD)));
    }

    /** The right one-line fix. */
    public static ScriptedModel pythonCorrect() {
        return pythonBase().on("submit_patch",
                ScriptedModel.call("read_file", Map.of("path", PY_FILE, "start_line", 1, "end_line", 6)),
                ScriptedModel.call("edit_file", Map.of("path", PY_FILE, "old_text", BUGGY_LINE, "new_text", FIXED_LINE)),
                ScriptedModel.call("run_command", Map.of("command", REPRO_CMD)),
                ScriptedModel.call("submit_patch", Map.of("summary", "gcd recursed on (a % b, b) instead of (b, a % b).")));
    }

    /** A plausible but wrong fix. */
    public static ScriptedModel pythonWrong() {
        return pythonBase().on("submit_patch",
                ScriptedModel.call("edit_file", Map.of("path", PY_FILE, "old_text", BUGGY_LINE, "new_text", "return a % b")),
                ScriptedModel.call("submit_patch", Map.of("summary", "return the remainder")));
    }

    /** Sloppy tool calls: garbage, then a call with an unclosed tag and a missing brace, then a proper finish. */
    public static ScriptedModel pythonMalformedThenRecovers() {
        return pythonBase().on("submit_patch",
                "<tool_call>{{{ edit the file please",
                "<tool_call>{'name': 'Edit-File', 'arguments': {'path': '" + PY_FILE + "', 'old_text': '" + BUGGY_LINE + "', 'new_text': '" + FIXED_LINE + "',}",
                "```json\n{\"tool\": \"submit_patch\", \"parameters\": \"{\\\"summary\\\": \\\"swap the arguments\\\"}\"}\n```");
    }

    /** Nothing but unreadable tool calls in the edit phase. */
    public static ScriptedModel pythonAlwaysMalformed() {
        return pythonBase().on("submit_patch", "<tool_call>not json at all</tool_call>");
    }
}
