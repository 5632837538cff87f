package adsml.platform.model;

import java.nio.file.Path;

/** A loaded model version: its spec and what it scores with. */
public sealed interface Model permits Model.Dcn, Model.Lr, Model.TorchScript {

    ModelSpec spec();

    record Dcn(ModelSpec spec, DcnWeights weights) implements Model {}

    record Lr(ModelSpec spec, LrWeights weights) implements Model {}

    /** A TorchScript version: the file is loaded by the DJL scorer, never by the plain-Java reference. */
    record TorchScript(ModelSpec spec, Path file) implements Model {}
}
