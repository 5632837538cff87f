package adsml.platform.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The fully loaded, validated contents of one safetensors file, as returned by {@link Safetensors#read}.
 *
 * <p>Contract: immutable; {@link #names()} iterates in name order; lookups that fail throw
 * {@link InvalidModelException} whose message names the file and the tensor (and, for {@link #require}, the expected
 * and actual dtype or shape), so a loader can let them propagate unchanged.
 */
public final class SafetensorsFile {
    private final String file;
    private final Map<String, String> metadata;
    private final Map<String, Tensor> tensors;

    SafetensorsFile(String file, Map<String, String> metadata, TreeMap<String, Tensor> tensors) {
        this.file = file;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** @return the file name used in error messages */
    public String file() {
        return file;
    }

    /** @return the header's {@code __metadata__} map, empty when the file has none; unmodifiable */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** @return the tensor names in sorted order; unmodifiable */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** @return every tensor, in name order */
    public List<Tensor> tensors() {
        return new ArrayList<>(tensors.values());
    }

    /**
     * @return the tensor called {@code name}
     * @throws InvalidModelException naming the file and the tensor if there is no such tensor
     */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new InvalidModelException(file + ": tensor '" + name + "': not found (file has " + tensors.size()
                    + " tensors" + preview() + ")");
        }
        return t;
    }

    /**
     * @return the tensor called {@code name}, checked to have exactly {@code dtype} and {@code shape}
     * @throws InvalidModelException naming the file, the tensor and the expected vs actual dtype or shape
     */
    public Tensor require(String name, DType dtype, long... shape) {
        Tensor t = get(name);
        if (t.dtype() != dtype) {
            throw new InvalidModelException(
                    file + ": tensor '" + name + "': expected dtype " + dtype + ", got " + t.dtype());
        }
        long[] actual = t.shape();
        if (!Arrays.equals(actual, shape)) {
            throw new InvalidModelException(file + ": tensor '" + name + "': expected shape " + Arrays.toString(shape)
                    + ", got " + Arrays.toString(actual));
        }
        return t;
    }

    private String preview() {
        if (tensors.isEmpty()) {
            return "";
        }
        // a handful of names helps spot a renamed prefix without flooding the log with a large model's keys
        StringBuilder sb = new StringBuilder(": ");
        int i = 0;
        for (String n : tensors.keySet()) {
            if (i == 8) {
                sb.append(", ...");
                break;
            }
            sb.append(i++ == 0 ? "" : ", ").append(n);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + file + ", " + tensors.size() + " tensors]";
    }
}
