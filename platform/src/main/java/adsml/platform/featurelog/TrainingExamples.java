package adsml.platform.featurelog;

/**
 * Served rows with their labels, as an examples file holds them: {@code click[r]} and {@code conversion[r]} say whether
 * row {@code r}'s ad was clicked or converted within the attribution window. A row not shown ({@link ServedRows#shown})
 * has both false.
 */
public record TrainingExamples(ServedRows rows, boolean[] click, boolean[] conversion) {
    public TrainingExamples {
        if (click.length < rows.rows() || conversion.length < rows.rows()) {
            throw new IllegalArgumentException("labels for " + click.length + " and " + conversion.length
                    + " rows, served rows hold " + rows.rows());
        }
    }
}
