package adsml.platform.model;

/** The model families a version folder may hold, by their name in {@code model.json}. */
public enum Architecture {
    /** Logistic regression on hashed sparse features and the dense features, one per head. */
    LR("lr"),
    /** DCN-v2: embeddings + dense -> stacked cross layers -> MLP -> one sigmoid per head. */
    DCN("dcn"),
    /** A TorchScript file scored on the CPU through DJL; its inputs are named in {@code model.json}. */
    TORCHSCRIPT("torchscript");

    private final String jsonName;

    Architecture(String jsonName) {
        this.jsonName = jsonName;
    }

    public String jsonName() {
        return jsonName;
    }

    /** The architecture named {@code name}, or an {@link InvalidModelException} naming {@code where}. */
    public static Architecture fromJson(String name, String where) {
        for (Architecture a : values()) {
            if (a.jsonName.equals(name)) {
                return a;
            }
        }
        throw new InvalidModelException(
                where + ": field 'architecture': unknown architecture '" + name + "' (known: lr, dcn, torchscript)");
    }
}
