package carto.inference.chat;

import carto.inference.lm.ChatMessage;
import carto.inference.lm.ToolSpec;
import carto.inference.tokenizer.Vocabulary;

import java.util.List;

/**
 * Prompt formats of the chat models Carto runs, recognized from the GGUF's
 * {@code tokenizer.chat_template} (a Jinja text we do not execute) or, without one, from the
 * vocabulary's special tokens.
 */
public enum ChatTemplate {
    /** Qwen / ChatML: {@code <|im_start|>role\n...<|im_end|>}. */
    CHATML("<|im_end|>"),
    /** Llama 3: header ids and {@code <|eot_id|>}. */
    LLAMA3("<|eot_id|>"),
    /** DeepSeek-Coder instruct: {@code ### Instruction:} / {@code ### Response:} ending in {@code <|EOT|>}. */
    DEEPSEEK_CODER("<|EOT|>"),
    /** DeepSeek V2/V3 and R1: {@code <｜User｜>} / {@code <｜Assistant｜>}. */
    DEEPSEEK("<｜end▁of▁sentence｜>"),
    /** Llama 2 / Mistral: {@code [INST] ... [/INST]}. */
    LLAMA2("</s>"),
    /** No chat format known: role-labelled plain text. */
    PLAIN("\nUser:");

    /** Text that ends an assistant turn. */
    public final String endOfTurn;

    ChatTemplate(String endOfTurn) {
        this.endOfTurn = endOfTurn;
    }

    public static ChatTemplate detect(Vocabulary v) {
        String t = v.chatTemplate;
        if (t != null) {
            if (t.contains("<|im_start|>")) return CHATML;
            if (t.contains("<|start_header_id|>")) return LLAMA3;
            if (t.contains("### Instruction:")) return DEEPSEEK_CODER;
            if (t.contains("<｜User｜>") || t.contains("<｜Assistant｜>")) return DEEPSEEK;
            if (t.contains("[INST]")) return LLAMA2;
        }
        if (v.id("<|im_start|>") >= 0) return CHATML;
        if (v.id("<|start_header_id|>") >= 0) return LLAMA3;
        if (v.id("<｜fim▁begin｜>") >= 0 && v.id("<|EOT|>") >= 0) return DEEPSEEK_CODER;
        return PLAIN;
    }

    /** Whether the model was trained on tool calls in this format (Qwen2.5's {@code <tool_call>}). */
    public boolean nativeTools(Vocabulary v) {
        return this == CHATML && v.id("<tool_call>") >= 0;
    }

    /**
     * The prompt text, special tokens written as their text (tokenize with special parsing on,
     * without adding BOS: the prompt carries it where the format wants it).
     */
    public String render(List<ChatMessage> messages, List<ToolSpec> tools, Vocabulary v) {
        StringBuilder sb = new StringBuilder();
        String bos = v.addBos && v.bos >= 0 ? v.tokens[v.bos] : "";
        switch (this) {
            case CHATML -> {
                boolean hasSystem = !messages.isEmpty() && messages.getFirst().role() == ChatMessage.Role.SYSTEM;
                String system = hasSystem ? messages.getFirst().content() : "You are a helpful assistant.";
                if (tools != null && !tools.isEmpty() && nativeTools(v)) {
                    system += "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                            + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";
                    for (ToolSpec t : tools) {
                        system += "\n{\"type\": \"function\", \"function\": {\"name\": " + quote(t.name()) + ", \"description\": "
                                + quote(t.description()) + ", \"parameters\": " + t.parametersJsonSchema() + "}}";
                    }
                    system += "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
                            + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>";
                }
                sb.append("<|im_start|>system\n").append(system).append("<|im_end|>\n");
                for (int i = hasSystem ? 1 : 0; i < messages.size(); i++) {
                    ChatMessage m = messages.get(i);
                    switch (m.role()) {
                        case USER -> sb.append("<|im_start|>user\n").append(m.content()).append("<|im_end|>\n");
                        case ASSISTANT -> {
                            sb.append("<|im_start|>assistant\n").append(m.content());
                            for (var call : m.toolCalls()) {
                                sb.append(sb.charAt(sb.length() - 1) == '\n' ? "" : "\n").append("<tool_call>\n{\"name\": ")
                                        .append(quote(call.name())).append(", \"arguments\": ").append(call.argumentsJson()).append("}\n</tool_call>");
                            }
                            sb.append("<|im_end|>\n");
                        }
                        case TOOL -> sb.append("<|im_start|>user\n<tool_response>\n").append(m.content()).append("\n</tool_response><|im_end|>\n");
                        case SYSTEM -> sb.append("<|im_start|>system\n").append(m.content()).append("<|im_end|>\n");
                    }
                }
                sb.append("<|im_start|>assistant\n");
            }
            case LLAMA3 -> {
                sb.append(v.id("<|begin_of_text|>") >= 0 ? "<|begin_of_text|>" : bos);
                for (ChatMessage m : messages) {
                    String role = m.role() == ChatMessage.Role.TOOL ? "ipython" : m.role().name().toLowerCase();
                    sb.append("<|start_header_id|>").append(role).append("<|end_header_id|>\n\n").append(m.content().strip()).append("<|eot_id|>");
                }
                sb.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
            }
            case DEEPSEEK_CODER -> {
                sb.append(bos);
                boolean hasSystem = messages.stream().anyMatch(m -> m.role() == ChatMessage.Role.SYSTEM);
                if (!hasSystem) {
                    sb.append("You are an AI programming assistant, utilizing the Deepseek Coder model, developed by Deepseek Company, "
                            + "and you only answer questions related to computer science.\n");
                }
                for (ChatMessage m : messages) {
                    switch (m.role()) {
                        case SYSTEM -> sb.append(m.content()).append('\n');
                        case USER, TOOL -> sb.append("### Instruction:\n").append(m.content()).append('\n');
                        case ASSISTANT -> sb.append("### Response:\n").append(m.content()).append("\n<|EOT|>\n");
                    }
                }
                sb.append("### Response:\n");
            }
            case DEEPSEEK -> {
                sb.append(bos);
                for (ChatMessage m : messages) if (m.role() == ChatMessage.Role.SYSTEM) sb.append(m.content());
                for (ChatMessage m : messages) {
                    switch (m.role()) {
                        case USER, TOOL -> sb.append("<｜User｜>").append(m.content());
                        case ASSISTANT -> sb.append("<｜Assistant｜>").append(m.content()).append("<｜end▁of▁sentence｜>");
                        default -> { }
                    }
                }
                sb.append("<｜Assistant｜>");
            }
            case LLAMA2 -> {
                String system = "";
                for (ChatMessage m : messages) if (m.role() == ChatMessage.Role.SYSTEM) system = "<<SYS>>\n" + m.content() + "\n<</SYS>>\n\n";
                boolean first = true;
                for (ChatMessage m : messages) {
                    switch (m.role()) {
                        case USER, TOOL -> {
                            sb.append(bos).append("[INST] ").append(first ? system : "").append(m.content().strip()).append(" [/INST]");
                            first = false;
                        }
                        case ASSISTANT -> sb.append(' ').append(m.content().strip()).append(' ').append("</s>");
                        default -> { }
                    }
                }
            }
            case PLAIN -> {
                sb.append(bos);
                for (ChatMessage m : messages) {
                    String role = switch (m.role()) {
                        case SYSTEM -> "System";
                        case USER -> "User";
                        case ASSISTANT -> "Assistant";
                        case TOOL -> "Tool";
                    };
                    sb.append(role).append(": ").append(m.content()).append('\n');
                }
                sb.append("Assistant:");
            }
        }
        return sb.toString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : (s == null ? "" : s).toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
