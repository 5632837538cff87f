package adsml.platform.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The tensors of a DCN-v2 version, as float arrays in PyTorch's layouts. In {@code weights.safetensors} they are named:
 *
 * <ul>
 *   <li>{@code embedding} [totalRows, embeddingDim]: every slot's table, concatenated in slot order
 *   <li>{@code cross.i.weight} [d, d] and {@code cross.i.bias} [d]: x' = x0 * (W x + b) + x
 *   <li>{@code mlp.i.weight} [out, in] and {@code mlp.i.bias} [out]: h' = relu(W h + b)
 *   <li>{@code head.weight} [heads, last] and {@code head.bias} [heads]: p = sigmoid(W h + b)
 * </ul>
 *
 * where d = slots x embeddingDim + dense. All arrays are row-major; {@code weight[o * in + i]}.
 */
public record DcnWeights(
        float[] embedding,
        float[][] crossWeight,
        float[][] crossBias,
        float[][] mlpWeight,
        float[][] mlpBias,
        float[] headWeight,
        float[] headBias) {

    /** Reads and checks every tensor of {@code spec} from {@code file}; throws naming the tensor on a mismatch. */
    public static DcnWeights read(SafetensorsFile file, ModelSpec spec) {
        int d = spec.inputWidth();
        float[] embedding = file.require("embedding", DType.F32, spec.schema().totalRows(), spec.embeddingDim())
                .toFloatArray();
        float[][] cw = new float[spec.crossLayers()][];
        float[][] cb = new float[spec.crossLayers()][];
        for (int l = 0; l < cw.length; l++) {
            cw[l] = file.require("cross." + l + ".weight", DType.F32, d, d).toFloatArray();
            cb[l] = file.require("cross." + l + ".bias", DType.F32, d).toFloatArray();
        }
        float[][] mw = new float[spec.mlp().size()][];
        float[][] mb = new float[spec.mlp().size()][];
        int in = d;
        for (int l = 0; l < mw.length; l++) {
            int out = spec.mlp().get(l);
            mw[l] = file.require("mlp." + l + ".weight", DType.F32, out, in).toFloatArray();
            mb[l] = file.require("mlp." + l + ".bias", DType.F32, out).toFloatArray();
            in = out;
        }
        int heads = spec.heads().size();
        float[] hw = file.require("head.weight", DType.F32, heads, in).toFloatArray();
        float[] hb = file.require("head.bias", DType.F32, heads).toFloatArray();
        return new DcnWeights(embedding, cw, cb, mw, mb, hw, hb);
    }

    /** The tensors to write, named as in the class comment. */
    public List<Tensor> toTensors(ModelSpec spec) {
        int d = spec.inputWidth();
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(Tensor.ofFloats("embedding", embedding, spec.schema().totalRows(), spec.embeddingDim()));
        for (int l = 0; l < crossWeight.length; l++) {
            tensors.add(Tensor.ofFloats("cross." + l + ".weight", crossWeight[l], d, d));
            tensors.add(Tensor.ofFloats("cross." + l + ".bias", crossBias[l], d));
        }
        int in = d;
        for (int l = 0; l < mlpWeight.length; l++) {
            int out = spec.mlp().get(l);
            tensors.add(Tensor.ofFloats("mlp." + l + ".weight", mlpWeight[l], out, in));
            tensors.add(Tensor.ofFloats("mlp." + l + ".bias", mlpBias[l], out));
            in = out;
        }
        tensors.add(Tensor.ofFloats("head.weight", headWeight, spec.heads().size(), in));
        tensors.add(Tensor.ofFloats("head.bias", headBias, spec.heads().size()));
        return tensors;
    }

    /**
     * Random weights of {@code spec}'s shape (He-style scaling, so activations neither vanish nor explode): the input
     * of parity tests and benchmarks.
     */
    public static DcnWeights random(ModelSpec spec, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int d = spec.inputWidth();
        float[] embedding = gaussian(random, (long) spec.schema().totalRows() * spec.embeddingDim(), 0.1);
        float[][] cw = new float[spec.crossLayers()][];
        float[][] cb = new float[spec.crossLayers()][];
        for (int l = 0; l < cw.length; l++) {
            cw[l] = gaussian(random, (long) d * d, 0.5 / Math.sqrt(d));
            cb[l] = gaussian(random, d, 0.05);
        }
        float[][] mw = new float[spec.mlp().size()][];
        float[][] mb = new float[spec.mlp().size()][];
        int in = d;
        for (int l = 0; l < mw.length; l++) {
            int out = spec.mlp().get(l);
            mw[l] = gaussian(random, (long) out * in, Math.sqrt(2.0 / in));
            mb[l] = gaussian(random, out, 0.05);
            in = out;
        }
        int heads = spec.heads().size();
        return new DcnWeights(
                embedding,
                cw,
                cb,
                mw,
                mb,
                gaussian(random, (long) heads * in, 1.0 / Math.sqrt(in)),
                gaussian(random, heads, 0.5));
    }

    private static float[] gaussian(SplittableRandom random, long n, double sd) {
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor of " + n + " elements is too large for one array");
        }
        float[] values = new float[(int) n];
        for (int i = 0; i < values.length; i++) {
            // Box-Muller on SplittableRandom: deterministic for a seed, unlike ThreadLocalRandom.
            double u1 = random.nextDouble(Double.MIN_VALUE, 1.0);
            double u2 = random.nextDouble();
            values[i] = (float) (sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return values;
    }
}
