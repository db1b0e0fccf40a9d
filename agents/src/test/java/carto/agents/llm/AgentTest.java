package carto.agents.llm;

import carto.agents.ScriptedModel;
import carto.agents.tools.FunctionTool;
import carto.agents.tools.Schema;
import carto.inference.lm.CancelToken;
import carto.inference.lm.ChatMessage;
import carto.inference.lm.GenerationOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static carto.agents.tools.Schema.req;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent loop: native and text tool calls, feedback on bad calls, budgets, cancellation, prompts that do not fit. */
class AgentTest {
    final List<String> added = new ArrayList<>();
    final Toolbox tools = new Toolbox(List.of(
            new FunctionTool("add", "Add two numbers.", Schema.object(req("a", "integer", "first"), req("b", "integer", "second")), a -> {
                added.add(a.path("a").asText() + "+" + a.path("b").asText());
                return String.valueOf(Integer.parseInt(a.path("a").asText()) + Integer.parseInt(a.path("b").asText()));
            }),
            new FunctionTool("done", "Finish.", Schema.object(req("answer", "string", "the answer")), a -> "ok")));

    Agent agent(ScriptedModel m, Trace t, Agent.Budget b, CancelToken c) {
        return new Agent(m, t, b, c, GenerationOptions.greedy(64));
    }

    @Test
    void nativeToolCallsRunAndTheirResultsGoBackAsToolMessages() {
        ScriptedModel m = new ScriptedModel().nativeTools().on("Compute",
                ScriptedModel.call("add", Map.of("a", 2, "b", 3)),
                ScriptedModel.call("done", Map.of("answer", "5")));
        Trace t = new Trace(null);
        Agent.Outcome o = agent(m, t, new Agent.Budget(0), CancelToken.none()).run("p", "Compute things.", "Compute 2+3", tools, Set.of("done"), 5);
        assertTrue(o.finished());
        assertEquals("done", o.finish().name());
        assertEquals(List.of("2+3"), added);
        List<ChatMessage> second = m.conversations().get(1);
        assertEquals(ChatMessage.Role.TOOL, second.getLast().role());
        assertEquals("5", second.getLast().content());
        assertEquals(2, t.steps().stream().filter(s -> s.kind().equals("tool")).count());
        assertTrue(t.steps().stream().filter(s -> s.kind().equals("model")).allMatch(s -> s.prompt() != null && !s.prompt().isEmpty()),
                "every model step records the prompt it was given");
    }

    @Test
    void badCallsGetPreciseFeedback() {
        ScriptedModel m = new ScriptedModel().on("Compute",
                ScriptedModel.call("multiply", Map.of("a", 2)),
                ScriptedModel.call("add", Map.of("a", 2)),
                ScriptedModel.call("add", Map.of("a", "two", "b", 3)),
                "<tool_call>{'name': 'ADD', 'arguments': {a: 2, b: 3,}}</tool_call>",
                ScriptedModel.call("done", Map.of("answer", "5")));
        Trace t = new Trace(null);
        Agent.Outcome o = agent(m, t, new Agent.Budget(0), CancelToken.none()).run("p", "Compute things.", "Compute 2+3", tools, Set.of("done"), 8);
        assertTrue(o.finished());
        List<String> feedback = t.steps().stream().filter(s -> s.kind().equals("tool") || s.kind().equals("error"))
                .map(s -> s.result() != null ? s.result() : s.text()).toList();
        assertTrue(feedback.get(0).contains("multiply"), feedback.get(0));
        assertTrue(feedback.get(1).contains("needs the argument \"b\""), feedback.get(1));
        assertTrue(feedback.get(2).contains("must be an integer"), feedback.get(2));
        assertEquals("5", feedback.get(3));
        assertEquals(List.of("2+3"), added);
    }

    @Test
    void theTokenBudgetStopsTheConversation() {
        ScriptedModel m = new ScriptedModel().on("Compute", ScriptedModel.call("add", Map.of("a", 1, "b", 1)));
        Agent.Outcome o = agent(m, new Trace(null), new Agent.Budget(100), CancelToken.none()).run("p", "Compute things.", "Compute " + "x".repeat(400),
                tools, Set.of("done"), 50);
        assertFalse(o.finished());
        assertTrue(o.failure().contains("token budget"), o.failure());
        assertTrue(added.size() < 50);
    }

    @Test
    void cancellationStopsBetweenSteps() {
        CancelToken c = new CancelToken();
        ScriptedModel m = new ScriptedModel().on("Compute", ScriptedModel.call("add", Map.of("a", 1, "b", 1)));
        Toolbox cancelling = new Toolbox(List.of(new FunctionTool("add", "Add.", Schema.object(), a -> {
            c.cancel();
            return "2";
        }), new FunctionTool("done", "Finish.", Schema.object(), a -> "ok")));
        assertThrows(Agent.Cancelled.class, () -> agent(m, new Trace(null), new Agent.Budget(0), c).run("p", "Compute.", "Compute", cancelling, Set.of("done"), 10));
    }

    @Test
    void aPromptBeyondTheContextEndsCleanlyWithTheReason() {
        ScriptedModel m = new ScriptedModel().contextLength(200).on("Compute", ScriptedModel.call("done", Map.of("answer", "x")));
        Agent.Outcome o = agent(m, new Trace(null), new Agent.Budget(0), CancelToken.none()).run("p", "Compute.", "Compute " + "y".repeat(2000),
                tools, Set.of("done"), 3);
        assertFalse(o.finished());
        assertTrue(o.failure().contains("attends to only 200"), o.failure());
        assertNull(o.finish());
    }

    @Test
    void textProtocolForgivesWhatSmallModelsWrite() {
        List<String> names = List.of("read_file", "edit_file");
        assertEquals("read_file", TextToolProtocol.parse("<tool_call>{\"name\": \"read_file\", \"arguments\": {\"path\": \"a\"}}</tool_call>", names).calls().getFirst().name());
        assertEquals("read_file", TextToolProtocol.parse("<tool_call>{\"name\": \"read_file\", \"arguments\": {\"path\": \"a\"}}", names).calls().getFirst().name());
        assertEquals("edit_file", TextToolProtocol.parse("```json\n{\"tool\": \"Edit-File\", \"parameters\": {\"path\": \"a\"}}\n```", names).calls().getFirst().name());
        var stringArgs = TextToolProtocol.parse("<tool_call>{\"function\": \"read_file\", \"args\": \"{\\\"path\\\": \\\"a\\\"}\"}</tool_call>", names);
        assertEquals("a", TextToolProtocol.readArguments(stringArgs.calls().getFirst().argumentsJson()).path("path").asText());
        var missingBrace = TextToolProtocol.parse("<tool_call>{'name': 'read_file', 'arguments': {'path': 'a',}", names);
        assertEquals("a", TextToolProtocol.readArguments(missingBrace.calls().getFirst().argumentsJson()).path("path").asText());
        var garbage = TextToolProtocol.parse("<tool_call>{{{ nope", names);
        assertTrue(garbage.malformed());
        assertFalse(garbage.problems().isEmpty());
        var prose = TextToolProtocol.parse("The answer is 42.", names);
        assertFalse(prose.malformed());
        assertTrue(prose.calls().isEmpty());
    }
}
