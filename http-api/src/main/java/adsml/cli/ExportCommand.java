package adsml.cli;

import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.TorchScriptExport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code adsml export}: writes a DCN version as a TorchScript version beside it (the next number). */
final class ExportCommand {
    private ExportCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws IOException {
        Args args = Args.parse("export", argv, Set.of("model"), Set.of());
        Path versionDir = Path.of(args.required("model")).toAbsolutePath().normalize();
        Model model = ModelFolder.load(versionDir);
        if (!(model instanceof Model.Dcn dcn)) {
            throw new Args.UsageException("export: only DCN versions export to TorchScript; " + versionDir + " is "
                    + model.spec().architecture().jsonName());
        }
        Path exported = TorchScriptExport.exportVersion(dcn, versionDir.getParent());
        out.println("exported " + versionDir + " as TorchScript -> " + exported);
        return 0;
    }
}
