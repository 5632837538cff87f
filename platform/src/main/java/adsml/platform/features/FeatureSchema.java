package adsml.platform.features;

import java.util.List;
import java.util.Objects;

/**
 * The shape of a model's input: named sparse slots, each with a vocabulary size, and named dense features. The slots'
 * embedding tables are concatenated in slot order, so slot {@code s} owns the global rows {@code [offset(s), offset(s)
 * + vocab(s))}.
 *
 * <p>A model version stores its schema in {@code model.json}; serving refuses a model whose schema differs from the
 * feature definition that fills its batches.
 */
public record FeatureSchema(String name, List<Slot> slots, List<String> dense) {

    /** A sparse slot: its name and the number of embedding rows it owns. */
    public record Slot(String name, int vocab) {
        public Slot {
            Objects.requireNonNull(name, "name");
            if (vocab < 1) {
                throw new IllegalArgumentException("slot '" + name + "': vocab must be >= 1, was " + vocab);
            }
        }
    }

    public FeatureSchema {
        Objects.requireNonNull(name, "name");
        slots = List.copyOf(slots);
        dense = List.copyOf(dense);
    }

    public int sparseSlots() {
        return slots.size();
    }

    public int denseDims() {
        return dense.size();
    }

    /** The first global embedding row of slot {@code s}. */
    public int offset(int s) {
        int offset = 0;
        for (int i = 0; i < s; i++) {
            offset += slots.get(i).vocab();
        }
        return offset;
    }

    /** The index of the slot named {@code slot}. */
    public int slotIndex(String slot) {
        for (int s = 0; s < slots.size(); s++) {
            if (slots.get(s).name().equals(slot)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no sparse slot '" + slot + "' in feature set " + name);
    }

    /** Rows in the concatenated embedding table: the sum of every slot's vocabulary. */
    public int totalRows() {
        return offset(slots.size());
    }

    /** Slot offsets as an array, for hot loops. */
    public int[] offsets() {
        int[] offsets = new int[slots.size()];
        for (int s = 0, o = 0; s < offsets.length; s++) {
            offsets[s] = o;
            o += slots.get(s).vocab();
        }
        return offsets;
    }
}
