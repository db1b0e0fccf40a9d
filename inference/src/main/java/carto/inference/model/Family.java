package carto.inference.model;

import java.util.List;

/**
 * How one architecture wires a transformer block. The forward pass is shared; a family only
 * says which optional tensors exist and how RoPE pairs dimensions, so a new llama-like
 * architecture is one more constant here.
 */
public record Family(String arch, Rope.Style ropeStyle, boolean qkvBias, boolean mayTieEmbeddings) {
    public static final Family LLAMA = new Family("llama", Rope.Style.NORMAL, false, true);
    public static final Family QWEN2 = new Family("qwen2", Rope.Style.NEOX, true, true);
    /** Mistral GGUFs from older converters use their own architecture name for a llama-shaped model. */
    public static final Family MISTRAL = new Family("mistral", Rope.Style.NORMAL, false, true);

    public static final List<Family> ALL = List.of(LLAMA, QWEN2, MISTRAL);

    /** The family for a GGUF {@code general.architecture}, or null. */
    public static Family forArch(String arch) {
        for (Family f : ALL) if (f.arch.equals(arch)) return f;
        return null;
    }

    public static String supported() {
        return String.join(", ", ALL.stream().map(Family::arch).toList());
    }
}
