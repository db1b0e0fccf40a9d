package carto.inference.lm;

import java.util.List;

/**
 * The one interface agents see: completion, chat (with tools where the model supports them),
 * fill-in-the-middle, streaming and cancellation. Implemented by the local inference core and
 * by a client of OpenAI-compatible servers.
 */
public interface LanguageModel extends AutoCloseable {
    /** A name for logs and traces (model file or remote model id). */
    String name();

    /** Tokens the model can attend to. */
    int contextLength();

    /** Approximate for remote models, exact for local ones. */
    int countTokens(String text);

    boolean supportsFim();

    /** Whether {@link #chat} returns structured tool calls (otherwise agents use a text protocol). */
    boolean supportsNativeTools();

    Completion complete(String prompt, GenerationOptions options, TokenSink sink, CancelToken cancel);

    Completion chat(List<ChatMessage> messages, List<ToolSpec> tools, GenerationOptions options, TokenSink sink, CancelToken cancel);

    Completion fillInMiddle(FimRequest request, GenerationOptions options, TokenSink sink, CancelToken cancel);

    default Completion complete(String prompt, GenerationOptions options) {
        return complete(prompt, options, TokenSink.NONE, CancelToken.none());
    }

    default Completion chat(List<ChatMessage> messages, GenerationOptions options) {
        return chat(messages, List.of(), options, TokenSink.NONE, CancelToken.none());
    }

    @Override
    void close();
}
