package carto.inference.tokenizer;

import carto.inference.gguf.GgufException;
import carto.inference.gguf.GgufFile;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A model's vocabulary as stored in GGUF metadata: token texts, types, scores, merges, the
 * special ids (BOS/EOS/EOT/FIM...) and the BOS/EOS rules, with llama.cpp's by-text fixes applied
 * (FIM and end-of-turn tokens stored as user-defined are treated as control tokens).
 */
public final class Vocabulary {
    public static final int NULL = -1;

    /** Token attribute bits, as llama.cpp derives them from token types. */
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 4, USER_DEFINED = 8, UNUSED = 16, BYTE = 32, LSTRIP = 64, RSTRIP = 128;

    public enum Kind { SPM, BPE }

    private static final List<String> FIM_PRE = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>");
    private static final List<String> FIM_SUF = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>");
    private static final List<String> FIM_MID = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>");
    private static final List<String> FIM_PAD = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>");
    private static final List<String> FIM_REP = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");
    private static final List<String> FIM_SEP = List.of("<|file_sep|>", "<file_sep>", "<filename>");
    private static final List<String> EOT = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "_<EOT>", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    private static final Set<String> EOG = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<end_of_turn>", "<|endoftext|>",
            "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>");

    public final Kind kind;
    public final String model;
    public final String pre;
    public final String[] tokens;
    public final float[] scores;
    public final int[] attrs;
    public final String[] merges;
    final Map<String, Integer> index;

    public final int bos, eos, eot, eom, unk, pad, sep;
    public final int fimPre, fimSuf, fimMid, fimPad, fimRep, fimSep;
    public final boolean addBos, addEos, addSpacePrefix;
    public final int[] endOfGeneration;
    public final String chatTemplate;

    private Vocabulary(GgufFile f) {
        this.model = f.getString("tokenizer.ggml.model", null);
        if (model == null) {
            throw new GgufException(f.path(), "has no tokenizer (tokenizer.ggml.model is missing); Carto needs a GGUF with an embedded vocabulary");
        }
        this.kind = switch (model) {
            case "llama" -> Kind.SPM;
            case "gpt2" -> Kind.BPE;
            default -> throw new GgufException(f.path(), "uses tokenizer model '" + model
                    + "', which Carto does not support (supported: 'llama' SentencePiece, 'gpt2' byte-level BPE)");
        };
        this.tokens = f.getStrings("tokenizer.ggml.tokens");
        if (tokens == null || tokens.length == 0) {
            throw new GgufException(f.path(), "has no tokenizer.ggml.tokens array");
        }
        int n = tokens.length;
        float[] s = f.getFloats("tokenizer.ggml.scores");
        this.scores = s != null && s.length == n ? s : new float[n];
        int[] types = f.getInts("tokenizer.ggml.token_type");
        if (types != null && types.length != n) {
            throw new GgufException(f.path(), "tokenizer.ggml.token_type has " + types.length + " entries for " + n + " tokens");
        }
        this.attrs = new int[n];
        for (int i = 0; i < n; i++) attrs[i] = types == null ? NORMAL : attrOfType(types[i]);
        this.merges = f.getStrings("tokenizer.ggml.merges");
        if (kind == Kind.BPE && merges == null) {
            throw new GgufException(f.path(), "is a BPE (gpt2) vocabulary without tokenizer.ggml.merges");
        }
        this.index = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) index.putIfAbsent(tokens[i], i);

        this.pre = f.getString("tokenizer.ggml.pre", "default");
        int defBos = kind == Kind.SPM ? 1 : 11, defEos = kind == Kind.SPM ? 2 : 11;
        this.bos = id(f, "tokenizer.ggml.bos_token_id", defBos);
        this.eos = id(f, "tokenizer.ggml.eos_token_id", defEos);
        this.unk = id(f, "tokenizer.ggml.unknown_token_id", kind == Kind.SPM ? 0 : NULL);
        this.pad = id(f, "tokenizer.ggml.padding_token_id", NULL);
        this.sep = id(f, "tokenizer.ggml.seperator_token_id", NULL);
        boolean defaultAddBos = kind == Kind.SPM || Set.of("llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral").contains(pre);
        this.addBos = f.getBoolean("tokenizer.ggml.add_bos_token", defaultAddBos);
        this.addEos = f.getBoolean("tokenizer.ggml.add_eos_token", false);
        this.addSpacePrefix = f.getBoolean("tokenizer.ggml.add_space_prefix", kind == Kind.SPM);
        this.chatTemplate = f.getString("tokenizer.chat_template", null);

        this.eot = idOrFind(f, "tokenizer.ggml.eot_token_id", EOT);
        this.eom = idOrFind(f, "tokenizer.ggml.eom_token_id", List.of("<|eom_id|>"));
        this.fimPre = idOrFind(f, "tokenizer.ggml.fim_pre_token_id", FIM_PRE);
        this.fimSuf = idOrFind(f, "tokenizer.ggml.fim_suf_token_id", FIM_SUF);
        this.fimMid = idOrFind(f, "tokenizer.ggml.fim_mid_token_id", FIM_MID);
        this.fimPad = idOrFind(f, "tokenizer.ggml.fim_pad_token_id", FIM_PAD);
        this.fimRep = idOrFind(f, "tokenizer.ggml.fim_rep_token_id", FIM_REP);
        this.fimSep = idOrFind(f, "tokenizer.ggml.fim_sep_token_id", FIM_SEP);

        java.util.TreeSet<Integer> eog = new java.util.TreeSet<>();
        for (int id : new int[]{eos, eot, eom, fimPad, fimRep, fimSep}) if (id >= 0 && id < n) eog.add(id);
        for (String t : EOG) {
            Integer id = index.get(t);
            if (id != null) {
                eog.add(id);
                forceControl(id);
            }
        }
        this.endOfGeneration = eog.stream().mapToInt(Integer::intValue).toArray();

        String name = f.getString("general.name", "").toLowerCase(Locale.ROOT);
        if (name.contains("phi-3") || name.contains("phi3")) {
            for (int i = 0; i < n; i++) if ((attrs[i] & (CONTROL | USER_DEFINED | UNKNOWN)) != 0) attrs[i] |= RSTRIP;
            setAttr("</s>", RSTRIP, true);
            for (String t : new String[]{"<unk>", "<s>", "<|endoftext|>"}) setAttr(t, RSTRIP, false);
        }
    }

    /** Reads the vocabulary of a model or vocab-only GGUF file. */
    public static Vocabulary from(GgufFile f) {
        return new Vocabulary(f);
    }

    static int attrOfType(int type) {
        return switch (type) {
            case 1 -> NORMAL;
            case 2 -> UNKNOWN;
            case 3 -> CONTROL;
            case 4 -> USER_DEFINED;
            case 5 -> UNUSED;
            case 6 -> BYTE;
            default -> 0;
        };
    }

    private int id(GgufFile f, String key, int def) {
        long v = f.getLong(key, def);
        if (v != NULL && (v < 0 || v >= tokens.length)) {
            throw new GgufException(f.path(), key + " = " + v + " is outside the vocabulary of " + tokens.length + " tokens");
        }
        return (int) v;
    }

    private int idOrFind(GgufFile f, String key, List<String> texts) {
        if (f.has(key)) return id(f, key, NULL);
        for (String t : texts) {
            Integer id = index.get(t);
            if (id != null) {
                forceControl(id);
                return id;
            }
        }
        return NULL;
    }

    private void forceControl(int id) {
        if ((attrs[id] & CONTROL) == 0) attrs[id] = CONTROL;
    }

    private void setAttr(String text, int bit, boolean on) {
        Integer id = index.get(text);
        if (id == null) return;
        attrs[id] = on ? attrs[id] | bit : attrs[id] & ~bit;
    }

    public int size() {
        return tokens.length;
    }

    /** The id of a token text, or {@link #NULL}. */
    public int id(String text) {
        Integer i = index.get(text);
        return i == null ? NULL : i;
    }

    public boolean isControl(int id) {
        return (attrs[id] & CONTROL) != 0;
    }

    public boolean isEndOfGeneration(int id) {
        for (int e : endOfGeneration) if (e == id) return true;
        return false;
    }

    public boolean hasFim() {
        return fimPre != NULL && fimSuf != NULL && fimMid != NULL;
    }
}
