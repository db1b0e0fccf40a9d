package carto.inference.fim;

import carto.inference.lm.FimRequest;
import carto.inference.tokenizer.Tokenizer;
import carto.inference.tokenizer.Vocabulary;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fill-in-the-middle prompt layout of a model, chosen from the tokens it actually has:
 * Qwen2.5-Coder ({@code <|fim_prefix|>}), DeepSeek-Coder ({@code <｜fim▁begin｜>}), StarCoder
 * ({@code <fim_prefix>}) and CodeLlama ({@code ▁<PRE>}); all prefix-suffix-middle, with
 * repository context where the family defines it.
 */
public record FimFormat(String family, int prefix, int suffix, int middle, int repoName, int fileSep, boolean bos, int[] stopTokens) {

    /** The model's FIM format, or empty when its vocabulary has no FIM tokens. */
    public static Optional<FimFormat> of(Vocabulary v) {
        if (!v.hasFim()) return Optional.empty();
        String pre = v.tokens[v.fimPre];
        String family = switch (pre) {
            case "<|fim_prefix|>" -> "qwen2.5-coder";
            case "<｜fim▁begin｜>" -> "deepseek-coder";
            case "<fim_prefix>" -> "starcoder";
            case "<PRE>", "▁<PRE>" -> "codellama";
            default -> "generic";
        };
        List<Integer> stops = new ArrayList<>();
        for (int id : v.endOfGeneration) stops.add(id);
        for (int id : new int[]{v.fimPre, v.fimSuf, v.fimMid, v.fimPad, v.fimRep, v.fimSep, v.eos, v.eot}) {
            if (id >= 0 && !stops.contains(id)) stops.add(id);
        }
        int eotCodeLlama = v.id("▁<EOT>");
        if (eotCodeLlama >= 0 && !stops.contains(eotCodeLlama)) stops.add(eotCodeLlama);
        boolean addBos = v.addBos && v.bos >= 0;
        return Optional.of(new FimFormat(family, v.fimPre, v.fimSuf, v.fimMid, v.fimRep, v.fimSep, addBos,
                stops.stream().mapToInt(Integer::intValue).toArray()));
    }

    /**
     * Everything before the prefix text, as a completion session keeps it: [BOS], repository
     * context (repository tokens, or a comment block for families without them), PRE.
     */
    public int[] lead(Tokenizer tok, FimRequest r) {
        List<Integer> out = new ArrayList<>();
        if (bos) out.add(tok.vocabulary().bos);
        boolean context = !r.context().isEmpty() || r.repoName() != null;
        boolean asTokens = context && addRepositoryTokens(tok, r, out);
        out.add(prefix);
        if (context && !asTokens) add(out, tok.encode(contextComment(r), false, false));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The prompt: [BOS] [repository context] PRE prefix SUF suffix MID. */
    public int[] prompt(Tokenizer tok, FimRequest r) {
        List<Integer> out = new ArrayList<>();
        if (bos) out.add(tok.vocabulary().bos);
        boolean context = !r.context().isEmpty() || r.repoName() != null;
        boolean asTokens = context && addRepositoryTokens(tok, r, out);
        String prefixText = context && !asTokens ? contextComment(r) + r.prefix() : r.prefix();
        out.add(prefix);
        add(out, tok.encode(prefixText, false, false));
        out.add(suffix);
        add(out, tok.encode(r.suffix(), false, false));
        out.add(middle);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The repository name and context files in the model's own repository tokens (repo name, file
     * separators); false, adding nothing, when the model has no such tokens.
     */
    private boolean addRepositoryTokens(Tokenizer tok, FimRequest r, List<Integer> out) {
        if (repoName < 0 || fileSep < 0) return false;
        if (r.repoName() != null) {
            out.add(repoName);
            add(out, tok.encode(r.repoName() + "\n", false, false));
        }
        for (FimRequest.ContextFile f : r.context()) {
            out.add(fileSep);
            add(out, tok.encode(f.path() + "\n" + f.content() + (f.content().endsWith("\n") ? "" : "\n"), false, false));
        }
        if (r.path() != null) {
            out.add(fileSep);
            add(out, tok.encode(r.path() + "\n", false, false));
        }
        return true;
    }

    /** Without repository tokens, context files become a leading comment block of the prefix. */
    private static String contextComment(FimRequest r) {
        StringBuilder sb = new StringBuilder();
        for (FimRequest.ContextFile f : r.context()) {
            sb.append("// File: ").append(f.path()).append('\n').append(f.content());
            if (!f.content().endsWith("\n")) sb.append('\n');
        }
        if (r.path() != null) sb.append("// File: ").append(r.path()).append('\n');
        return sb.toString();
    }

    private static void add(List<Integer> out, int[] ids) {
        for (int id : ids) out.add(id);
    }

    public boolean isStop(int token) {
        for (int s : stopTokens) if (s == token) return true;
        return false;
    }
}
