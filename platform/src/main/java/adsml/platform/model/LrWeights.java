package adsml.platform.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of a logistic-regression version, one linear model per head. In {@code weights.safetensors}:
 * {@code lr.sparse} [heads, totalRows] (a weight per hashed feature id), {@code lr.dense} [heads, denseDims] and
 * {@code lr.bias} [heads]; row-major.
 */
public record LrWeights(float[] sparse, float[] dense, float[] bias) {

    public static LrWeights read(SafetensorsFile file, ModelSpec spec) {
        int heads = spec.heads().size();
        return new LrWeights(
                file.require("lr.sparse", DType.F32, heads, spec.schema().totalRows())
                        .toFloatArray(),
                file.require("lr.dense", DType.F32, heads, spec.schema().denseDims())
                        .toFloatArray(),
                file.require("lr.bias", DType.F32, heads).toFloatArray());
    }

    public List<Tensor> toTensors(ModelSpec spec) {
        int heads = spec.heads().size();
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(Tensor.ofFloats("lr.sparse", sparse, heads, spec.schema().totalRows()));
        tensors.add(Tensor.ofFloats("lr.dense", dense, heads, spec.schema().denseDims()));
        tensors.add(Tensor.ofFloats("lr.bias", bias, heads));
        return tensors;
    }
}
