package carto.inference.lm;

import java.util.List;

/** One turn of a conversation; assistant turns may carry tool calls, tool turns answer one by id. */
public record ChatMessage(Role role, String content, List<ToolCall> toolCalls, String toolCallId) {
    public enum Role { SYSTEM, USER, ASSISTANT, TOOL }

    public ChatMessage {
        content = content == null ? "" : content;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public static ChatMessage system(String text) { return new ChatMessage(Role.SYSTEM, text, null, null); }
    public static ChatMessage user(String text) { return new ChatMessage(Role.USER, text, null, null); }
    public static ChatMessage assistant(String text) { return new ChatMessage(Role.ASSISTANT, text, null, null); }
    public static ChatMessage tool(String callId, String result) { return new ChatMessage(Role.TOOL, result, null, callId); }
}
