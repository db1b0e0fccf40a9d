package carto.inference.model;

/**
 * Rotary position embedding as llama.cpp computes it (ggml_rope_ext): per-pair frequencies from
 * the base and scaling (linear, YaRN, llama-3 frequency factors), with the angle accumulated in
 * float32 exactly like ggml so positions far into the context agree.
 */
public final class Rope {
    /** NORMAL rotates adjacent pairs (2i, 2i+1); NEOX rotates (i, i + n/2). */
    public enum Style { NORMAL, NEOX }

    public enum Scaling { NONE, LINEAR, YARN }

    private final Style style;
    private final int nRot;
    private final float thetaScale;
    private final float freqScale;
    private final float[] freqFactors;
    private final float extFactor;
    private final float attnFactor;
    private final float corr0, corr1;

    public Rope(Style style, int nRot, float base, Scaling scaling, float scaleFactor, int nCtxOrig,
                float[] freqFactors, float yarnAttnFactor, float betaFast, float betaSlow) {
        this.style = style;
        this.nRot = nRot;
        this.thetaScale = (float) Math.pow(base, -2.0f / nRot);
        this.freqScale = scaling == Scaling.NONE || scaleFactor == 0 ? 1.0f : 1.0f / scaleFactor;
        this.freqFactors = freqFactors;
        this.extFactor = scaling == Scaling.YARN ? 1.0f : 0.0f;
        this.attnFactor = yarnAttnFactor;
        float c0 = 0, c1 = 0;
        if (scaling == Scaling.YARN) {
            c0 = Math.max(0, (float) Math.floor(corrDim(nRot, nCtxOrig, betaFast, base)));
            c1 = Math.min(nRot - 1, (float) Math.ceil(corrDim(nRot, nCtxOrig, betaSlow, base)));
        }
        this.corr0 = c0;
        this.corr1 = c1;
    }

    private static float corrDim(int nDims, int nCtxOrig, float nRot, float base) {
        return nDims * (float) Math.log(nCtxOrig / (nRot * 2 * (float) Math.PI)) / (2 * (float) Math.log(base));
    }

    public Style style() { return style; }
    public int dims() { return nRot; }

    /** cos and sin for every pair at position {@code pos} (magnitude scaling included), into cs[2*i], cs[2*i+1]. */
    public void angles(int pos, float[] cs) {
        float theta = pos;
        float mscale = attnFactor;
        for (int i0 = 0; i0 < nRot; i0 += 2) {
            float ff = freqFactors != null ? freqFactors[i0 / 2] : 1.0f;
            float extrap = theta / ff;
            float interp = freqScale * extrap;
            float t = interp;
            float ms = mscale;
            if (extFactor != 0.0f) {
                float y = (i0 / 2 - corr0) / Math.max(0.001f, corr1 - corr0);
                float mix = (1 - Math.min(1, Math.max(0, y))) * extFactor;
                t = interp * (1 - mix) + extrap * mix;
                ms *= 1.0f + 0.1f * (float) Math.log(1.0f / freqScale);
            }
            cs[i0] = (float) Math.cos(t) * ms;
            cs[i0 + 1] = (float) Math.sin(t) * ms;
            theta *= thetaScale;
        }
    }

    /** Pure rotation angles for a position shift {@code delta} (no magnitude scaling): re-rotating cached keys. */
    public void deltaAngles(int delta, float[] cs) {
        float theta = delta;
        for (int i0 = 0; i0 < nRot; i0 += 2) {
            float ff = freqFactors != null ? freqFactors[i0 / 2] : 1.0f;
            float extrap = theta / ff;
            float t = freqScale * extrap;
            if (extFactor != 0.0f) {
                float y = (i0 / 2 - corr0) / Math.max(0.001f, corr1 - corr0);
                float mix = (1 - Math.min(1, Math.max(0, y))) * extFactor;
                t = t * (1 - mix) + extrap * mix;
            }
            cs[i0] = (float) Math.cos(t);
            cs[i0 + 1] = (float) Math.sin(t);
            theta *= thetaScale;
        }
    }

    /** Rotates one head vector x[off .. off+headDim) in place by the angles in cs. */
    public void rotate(float[] x, int off, float[] cs) {
        if (style == Style.NORMAL) {
            for (int i0 = 0; i0 < nRot; i0 += 2) {
                float c = cs[i0], s = cs[i0 + 1];
                float a = x[off + i0], b = x[off + i0 + 1];
                x[off + i0] = a * c - b * s;
                x[off + i0 + 1] = a * s + b * c;
            }
        } else {
            int half = nRot / 2;
            for (int i = 0; i < half; i++) {
                float c = cs[2 * i], s = cs[2 * i + 1];
                float a = x[off + i], b = x[off + i + half];
                x[off + i] = a * c - b * s;
                x[off + i + half] = a * s + b * c;
            }
        }
    }
}
